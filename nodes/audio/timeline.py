"""Scene sounds joined end to end, overlapping where a transition crossfades one scene into the next.

The overlap uses an equal-power curve (sine/cosine), so the loudness holds steady through a crossfade of
unrelated sounds, which is what two scenes' narrations are.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nodes.audio.pcm import Samples, silence


def join(parts: Sequence[Samples], overlaps: Sequence[int]) -> Samples:
    """The parts one after another; part ``i + 1`` starts ``overlaps[i]`` samples before part ``i`` ends.

    The result is ``sum(len(parts)) - sum(overlaps)`` samples long.
    """
    if len(overlaps) != max(0, len(parts) - 1):
        raise ValueError(f"{len(parts)} parts need {max(0, len(parts) - 1)} overlaps, got {len(overlaps)}")
    total = sum(part.shape[1] for part in parts) - sum(overlaps)
    out = silence(total)
    position = 0
    for index, part in enumerate(parts):
        piece = part.astype(np.float32, copy=True)
        if index > 0 and overlaps[index - 1] > 0:
            n = overlaps[index - 1]
            angle = (np.arange(n) + 0.5) / n * (np.pi / 2)
            out[:, position:position + n] *= np.cos(angle).astype(np.float32)
            piece[:, :n] *= np.sin(angle).astype(np.float32)
        out[:, position:position + piece.shape[1]] += piece
        position += piece.shape[1]
        if index < len(overlaps):
            position -= overlaps[index]
    return out
