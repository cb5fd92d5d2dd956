"""True-peak estimation and a look-ahead limiter that keeps the mix under a dBTP ceiling.

Peaks between samples (what a DAC or a lossy decoder reconstructs) can be higher than any sample, so the
peak is estimated on a 4x oversampled signal (windowed-sinc interpolation, as BS.1770 does). The limiter
is offline, so it looks ahead: the gain each sample needs is turned into a smooth curve by a sliding
minimum (look-ahead plus a hold for the release) followed by a moving average as long as the look-ahead.
Every sample inside the average's window took part in the minimum, so the curve is never above what a
peak needs, and it moves in ramps of a few milliseconds (no clicks, no distortion of the waveform).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from nodes.audio.pcm import RATE, Samples
from nodes.audio.window import sliding_min, trailing_mean

OVERSAMPLE = 4
TAPS = 32  # per phase; more than BS.1770's 12, so the estimate is within a few hundredths of a dB


def _phase_filters() -> np.ndarray:
    """Fractional-delay FIRs (one row each) for the in-between positions 1/4, 2/4, 3/4 of a sample."""
    m = np.arange(-TAPS // 2 + 1, TAPS // 2 + 1)
    filters = []
    for phase in range(1, OVERSAMPLE):
        t = m - phase / OVERSAMPLE
        window = np.kaiser(TAPS, 8.0)
        taps = np.sinc(t) * window
        filters.append((taps / taps.sum()).astype(np.float32))
    return np.stack(filters)


_FILTERS = _phase_filters()


def peak_envelope(samples: Samples) -> np.ndarray:
    """Per sample, the largest absolute value over both channels at it and at the three 4x-oversampled
    points after it."""
    return _envelope(np.ascontiguousarray(samples, dtype=np.float32), _FILTERS)


@njit(cache=True, nogil=True)
def _envelope(samples: np.ndarray, filters: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """``peak_envelope``'s loop: x(n + phase/4) = sum_i filters[phase, i] * x(n - TAPS/2 + i), zero
    outside the signal (a 32-tap dot product per point, summed tap by tap: no fast-math, so the bytes are
    the same on every CPU; about 50 ms for 70 s of stereo, where numpy's convolve took 140 ms)."""
    channels, n = samples.shape
    half = TAPS // 2
    out = np.zeros(n, dtype=np.float32)
    padded = np.zeros(n + TAPS, dtype=np.float32)
    for c in range(channels):
        padded[half:half + n] = samples[c]
        for i in range(n):
            peak = abs(samples[c, i])
            for phase in range(OVERSAMPLE - 1):  # a constant count: the compiler unrolls it
                between = np.float32(0.0)
                for tap in range(TAPS):
                    between += filters[phase, tap] * padded[i + tap]
                peak = max(peak, abs(between))
            out[i] = max(out[i], peak)
    return out


def true_peak_db(samples: Samples) -> float:
    """The true peak (dBTP) of the signal; -inf for silence."""
    if samples.shape[1] == 0:
        return -np.inf
    peak = float(np.max(peak_envelope(samples)))
    return 20 * np.log10(peak) if peak > 0 else -np.inf


def limit(samples: Samples, ceiling_db: float, *, lookahead_ms: float = 5.0,
          release_ms: float = 80.0, envelope: np.ndarray | None = None) -> Samples:
    """``samples`` with their true peak brought under ``ceiling_db`` (unchanged where already under).

    ``envelope``: ``peak_envelope(samples)`` when the caller has it (it scales with a gain, so repeated
    passes over one signal at different gains compute it once)."""
    if samples.shape[1] == 0:
        return samples
    ceiling = 10 ** (ceiling_db / 20)
    if envelope is None:
        envelope = peak_envelope(samples)
    if float(envelope.max()) <= ceiling:
        return samples
    needed = np.minimum(1.0, ceiling / np.maximum(envelope, 1e-12)).astype(np.float32)
    ahead = max(1, round(lookahead_ms * RATE / 1000))
    hold = max(0, round(release_ms * RATE / 1000))
    # Minimum over [i - hold, i + ahead): the gain falls ``ahead`` samples before a peak, stays down
    # ``hold`` samples after it.
    shifted = np.concatenate([np.ones(hold, dtype=np.float32), needed])
    held = sliding_min(shifted, hold + ahead, fill=1.0)[: needed.size]
    # Before the start the gain is already where the first samples need it.
    gain = trailing_mean(held, ahead, fill=float(held[0]))
    return (samples * gain[np.newaxis, :]).astype(np.float32)
