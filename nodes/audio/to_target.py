"""Final loudness: the whole mix brought to an integrated loudness target under a true-peak ceiling.

A linear gain sets the loudness (it keeps the mix's dynamics, unlike a loudness compressor), then the
look-ahead limiter catches the peaks the gain pushed over the ceiling. Limiting takes a little loudness
away, so the gain is corrected and the pair applied again until the measured loudness is within
``TOLERANCE_LU`` of the target. Where peaks are so dense that the limiter's hold covers most of the
time (the gain then buys little loudness), later rounds shorten the hold, which frees the audio between
the peaks. The limiter aims ``HEADROOM_DB`` under the ceiling because the AAC
encoder's reconstruction overshoots the peaks of its input a little.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nodes.audio.bs1770 import measure
from nodes.audio.limiter import limit, peak_envelope
from nodes.audio.pcm import Samples, db_to_gain

TOLERANCE_LU = 0.5
HEADROOM_DB = 0.5
# The limiter's release (hold) per round, ms: gentle first, shorter only when the target is not met.
RELEASES_MS = (80.0, 80.0, 40.0, 20.0, 10.0, 5.0)


@dataclass(frozen=True)
class Normalized:
    samples: Samples
    loudness: float  # LUFS measured after normalising; -inf for silence
    gain_db: float  # total linear gain applied (limiting aside)


def normalize(samples: Samples, *, target_lufs: float, true_peak_db: float) -> Normalized:
    """``samples`` at ``target_lufs`` integrated, true peak under ``true_peak_db``; silence stays silent."""
    measured = measure(samples).integrated
    if not math.isfinite(measured):
        return Normalized(samples, measured, 0.0)
    ceiling = true_peak_db - HEADROOM_DB
    gain_db = target_lufs - measured
    out = samples
    envelope = peak_envelope(samples)  # scales with the gain: computed once for every pass
    for release_ms in RELEASES_MS:
        gain = np.float32(db_to_gain(gain_db))
        out = limit((samples * gain).astype(np.float32), ceiling, release_ms=release_ms,
                    envelope=envelope * gain)
        measured = measure(out).integrated
        if abs(measured - target_lufs) <= TOLERANCE_LU:
            break
        gain_db += target_lufs - measured
    return Normalized(out, measured, gain_db)
