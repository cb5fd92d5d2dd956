"""Final loudness: the whole mix brought to an integrated loudness target under a true-peak ceiling.

A linear gain sets the loudness (it keeps the mix's dynamics, unlike a loudness compressor), then the
look-ahead limiter catches the peaks the gain pushed over the ceiling. Limiting takes a little loudness
away, so the gain is corrected (by the loudness each dB of gain bought in the rounds before) and the pair
applied again until the measured loudness is within ``TOLERANCE_LU`` of the target: tight enough that
the encoded file, measured by ffmpeg's ebur128, is within 0.1 LU. Where peaks are so dense that the
limiter's hold covers most of the time (a dB of gain then buys little loudness), later rounds shorten
the hold, which frees the audio between the peaks. When even that cannot reach the target under the
ceiling, the result says so (``reached``), and the node tells the user. The limiter aims
``HEADROOM_DB`` under the ceiling because the AAC encoder's reconstruction overshoots the peaks of its
input a little.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nodes.audio.bs1770 import measure
from nodes.audio.limiter import limit, peak_envelope
from nodes.audio.pcm import Samples, db_to_gain

TOLERANCE_LU = 0.02
MISSED_LU = 0.1  # further from the target than this, the target counts as missed
HEADROOM_DB = 0.5
# The limiter's release (hold), ms: gentle first, shorter only when gain stops buying loudness.
RELEASES_MS = (80.0, 40.0, 20.0, 10.0, 5.0)
ROUNDS = 12
POOR_SLOPE = 0.5  # LU per dB of gain under which the hold is shortened
MAX_STEP_DB = 12.0  # one round never raises the gain by more than this
MAX_LIMITING_DB = 20.0  # nor past this much above the plain gain (beyond it the limiter only distorts)


@dataclass(frozen=True)
class Normalized:
    samples: Samples
    loudness: float  # LUFS measured after normalising; -inf for silence
    gain_db: float  # total linear gain applied (limiting aside)
    reached: bool = True  # False when the ceiling kept the loudness more than MISSED_LU from the target


def normalize(samples: Samples, *, target_lufs: float, true_peak_db: float) -> Normalized:
    """``samples`` at ``target_lufs`` integrated, true peak under ``true_peak_db``; silence stays silent."""
    measured = measure(samples).integrated
    if not math.isfinite(measured):
        return Normalized(samples, measured, 0.0)
    ceiling = true_peak_db - HEADROOM_DB
    gain_db = target_lufs - measured
    highest_db = gain_db + MAX_LIMITING_DB
    out = samples
    envelope = peak_envelope(samples)  # scales with the gain: computed once for every pass
    release = 0
    previous: tuple[float, float] | None = None  # (gain, loudness) of the round before
    best: tuple[float, Samples, float, float] | None = None  # (distance, samples, loudness, gain)
    for _ in range(ROUNDS):
        gain = np.float32(db_to_gain(gain_db))
        out = limit((samples * gain).astype(np.float32), ceiling, release_ms=RELEASES_MS[release],
                    envelope=envelope * gain)
        measured = measure(out).integrated
        distance = abs(measured - target_lufs)
        if best is None or distance < best[0]:
            best = (distance, out, measured, gain_db)
        if distance <= TOLERANCE_LU:
            break
        slope = 1.0  # LU per dB: exactly 1 while the limiter does nothing
        if previous is not None and abs(gain_db - previous[0]) > 1e-6:
            slope = (measured - previous[1]) / (gain_db - previous[0])
        if slope < POOR_SLOPE and release < len(RELEASES_MS) - 1:
            release += 1  # the hold eats the gain: free the audio between the peaks
            previous = None
            continue  # the same gain again with the shorter hold
        previous = (gain_db, measured)
        gain_db += float(np.clip((target_lufs - measured) / min(1.0, max(slope, 0.05)),
                                 -MAX_STEP_DB, MAX_STEP_DB))
        gain_db = min(gain_db, highest_db)
    assert best is not None
    distance, out, measured, gain_db = best
    return Normalized(out, measured, gain_db, reached=distance <= MISSED_LU)
