"""Small filter-graph pieces shared by the nodes: audio to 48 kHz stereo, audio cut to an exact length.

Lengths are in samples at 48 kHz, not seconds, so the audio of a scene ends exactly where its video ends
and the sum over scenes is exact.
"""

from __future__ import annotations

import math

SAMPLE_RATE = 48_000


def samples_for(seconds: float, rate: int = SAMPLE_RATE) -> int:
    """Samples in ``seconds`` at ``rate``, rounded to the nearest sample."""
    return int(round(seconds * rate))


def frames_for(seconds: float, fps: int) -> int:
    """Frames needed to show ``seconds`` at ``fps``: ceil, ignoring float noise (2.0 * 30 is 60, not 61)."""
    return max(1, math.ceil(round(seconds * fps, 6)))


def to_stereo_48k(channels: int) -> str:
    """Resample to 48 kHz and make it stereo. Mono goes to both sides at full level (ffmpeg's default
    upmix would lower it by 3 dB)."""
    chain = f"aresample={SAMPLE_RATE}"
    if channels == 1:
        return chain + ",pan=stereo|c0=c0|c1=c0"
    return chain + ",aformat=channel_layouts=stereo"


def exact_length(samples: int) -> str:
    """Pad with silence and trim so the stream holds exactly ``samples`` samples."""
    return f"apad=whole_len={samples},atrim=end_sample={samples}"
