"""The music bed: the music looped or trimmed to exactly the video's length, its volume, fades.

Loops are joined with a short crossfade so the seam does not click. A fade never takes more than half the
bed, so a short video still gets both fades. ``loop=False`` plays the music once and leaves silence after
it, when it is shorter than the video.
"""

from __future__ import annotations

import numpy as np

from nodes.audio.pcm import RATE, Samples, db_to_gain, fit_length, silence

SEAM_SECONDS = 0.05


def fade_curve(n: int) -> np.ndarray:
    """A smooth 0 -> 1 curve of ``n`` samples (half a cosine: no corner at either end)."""
    if n <= 0:
        return np.zeros(0, dtype=np.float32)
    return (0.5 - 0.5 * np.cos(np.pi * (np.arange(n) + 0.5) / n)).astype(np.float32)


def looped(music: Samples, n: int) -> Samples:
    """``music`` repeated to ``n`` samples, each repeat overlapping the previous by a short crossfade."""
    length = music.shape[1]
    if length == 0:
        return silence(n)
    if length >= n:
        return music[:, :n].copy()
    seam = min(round(SEAM_SECONDS * RATE), length // 4)
    step = length - seam
    out = silence(n + length)
    rise = fade_curve(seam)
    fall = rise[::-1]
    position = 0
    while position < n:
        piece = music.copy()
        if seam and position > 0:
            piece[:, :seam] *= rise
            out[:, position:position + seam] *= fall
        out[:, position:position + length] += piece
        position += step
    return out[:, :n]


def music_bed(music: Samples, n: int, *, volume_db: float, fade_in: float, fade_out: float,
              loop: bool = True) -> Samples:
    """The music as it sits under the whole video, before ducking: ``n`` samples long."""
    bed = looped(music, n) if loop else fit_length(music, n)
    bed = bed * np.float32(db_to_gain(volume_db))
    fade_in_n = min(round(fade_in * RATE), n // 2)
    fade_out_n = min(round(fade_out * RATE), n // 2)
    if fade_in_n:
        bed[:, :fade_in_n] *= fade_curve(fade_in_n)
    if fade_out_n:
        bed[:, n - fade_out_n:] *= fade_curve(fade_out_n)[::-1]
    return bed.astype(np.float32, copy=False)
