"""The ``auto`` motion: a different, tasteful Ken Burns move per scene, the same on every rerun.

The choice comes from a hash of the seed and the image's content, not from a random generator's state, so
the same recipe renders the same film on any machine and a re-run hits the cache, while scenes with
different pictures (or different seeds) move differently.
"""

from __future__ import annotations

import hashlib

from nodes.render.motion import Motion

# (zoom, pan) moves that read well on most photos; pans keep a gentle zoom off by using zoom "none".
MOVES: tuple[tuple[str, str], ...] = (
    ("in", "none"), ("out", "none"), ("in", "none"), ("out", "none"),
    ("none", "left"), ("none", "right"), ("none", "up"), ("none", "down"),
    ("in", "left"), ("in", "right"), ("out", "up"), ("out", "down"),
)
# How far the auto focus may wander from the centre (fraction of the image either way).
FOCUS_SPREAD = 0.2


def content_digest(data: bytes) -> str:
    """A stable digest of the image file's bytes (what makes two scenes' pictures different)."""
    return hashlib.sha256(data).hexdigest()


def _unit(digest: bytes, at: int) -> float:
    """A number in [0, 1) read from two bytes of ``digest``."""
    return int.from_bytes(digest[at:at + 2], "big") / 65536.0


def resolve_auto(motion: Motion, content: str) -> Motion:
    """The concrete motion ``auto`` stands for, given the image's ``content`` digest; others unchanged.

    Amount and easing stay as the user set them; zoom, pan and focus are picked.
    """
    if not motion.auto:
        return motion
    digest = hashlib.sha256(f"{motion.seed}\0{content}".encode()).digest()
    zoom, pan = MOVES[int.from_bytes(digest[:4], "big") % len(MOVES)]
    focus = (0.5 + FOCUS_SPREAD * (2.0 * _unit(digest, 4) - 1.0),
             0.5 + FOCUS_SPREAD * (2.0 * _unit(digest, 6) - 1.0))
    return Motion(zoom=zoom, pan=pan, amount=motion.amount, easing=motion.easing,
                  focus=(round(focus[0], 4), round(focus[1], 4)))
