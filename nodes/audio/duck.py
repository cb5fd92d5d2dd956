"""Ducking: the music goes down by a set depth wherever the narration speaks, and back up in the gaps.

The mix is made offline, so the ducking can look ahead: the music is already fully down when the first
word starts (it ramps down over ``attack`` before it) and comes back up over ``release`` after the voice
stops. Speech is found from the voice's own level in 10 ms windows: a window counts as speech when it is
within 30 dB of the voice's loud windows (its 95th percentile), and short pauses between words (under
``HOLD_SECONDS``) count as speech too, so the music does not pump between words. The gain is a curve in dB
with straight ramps: the depth is exact under speech, whatever the music does.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from nodes.audio.pcm import RATE, Samples
from nodes.audio.window import sliding_max

WINDOW = RATE // 100  # 10 ms
HOLD_SECONDS = 0.3
RELATIVE_THRESHOLD_DB = 30.0
FLOOR_DB = -60.0  # quieter than this is never speech


def window_levels(voice: Samples) -> np.ndarray:
    """RMS level (dBFS) of each 10 ms window of the voice (both channels together; a last part window
    counts as if padded with silence)."""
    power = _window_power(np.ascontiguousarray(voice, dtype=np.float32), WINDOW)
    return 10 * np.log10(np.maximum(power, 1e-20))


@njit(cache=True, nogil=True)
def _window_power(voice: np.ndarray, window: int) -> np.ndarray:  # pragma: no cover - compiled
    """Mean square per window over all channels, summed in float64 (one pass, no padded copy)."""
    channels, n = voice.shape
    n_windows = -(-n // window)
    out = np.zeros(n_windows)
    for c in range(channels):
        for w in range(n_windows):
            total = 0.0
            for i in range(w * window, min(n, (w + 1) * window)):
                value = np.float64(voice[c, i])
                total += value * value
            out[w] += total
    return out / (channels * window)


def speech_windows(voice: Samples) -> np.ndarray:
    """Boolean per 10 ms window: the narration speaks here (pauses shorter than the hold included)."""
    levels = window_levels(voice)
    audible = levels > FLOOR_DB
    if not np.any(audible):
        return np.zeros(levels.shape, dtype=bool)
    threshold = max(FLOOR_DB, float(np.percentile(levels[audible], 95)) - RELATIVE_THRESHOLD_DB)
    active = levels > threshold
    hold = round(HOLD_SECONDS * RATE / WINDOW)
    # A window is held when speech is within ``hold`` windows on both sides of it (a short pause).
    before = sliding_max(np.concatenate([np.zeros(hold), active.astype(float)]), hold + 1, fill=0.0)
    after = sliding_max(active.astype(float), hold + 1, fill=0.0)
    return active | ((before[:active.size] > 0) & (after > 0))


@njit(cache=True, nogil=True)
def _ramps(active: np.ndarray, window: int, n: int, attack: float,
           release: float) -> np.ndarray:  # pragma: no cover - compiled
    """0..1 per sample (``active`` is per window of ``window`` samples): 1 where active, ramping linearly
    to 0 over ``attack`` samples before each active run and ``release`` samples after it. One pass each
    way, so it costs a few milliseconds for an hour of audio."""
    release, attack = max(release, 1.0), max(attack, 1.0)
    out = np.empty(n, dtype=np.float32)
    last_on = -np.inf
    for i in range(n):
        if active[i // window]:
            last_on = i
        out[i] = 1.0 - (i - last_on) / release
    next_on = np.inf
    for i in range(n - 1, -1, -1):
        if active[i // window]:
            next_on = i
        amount = max(out[i], 1.0 - (next_on - i) / attack)
        out[i] = min(1.0, max(0.0, amount))
    return out


def duck_gain(voice: Samples, *, depth_db: float, attack_ms: float, release_ms: float) -> np.ndarray:
    """Per-sample linear gain for the music under ``voice`` (1 in gaps, 10^(-depth/20) under speech)."""
    n = voice.shape[1]
    active = speech_windows(voice)
    if n == 0 or not np.any(active):
        return np.ones(n, dtype=np.float32)
    amount = _ramps(active, WINDOW, n, attack_ms * RATE / 1000, release_ms * RATE / 1000)
    return (10.0 ** (np.float32(-depth_db / 20.0) * amount)).astype(np.float32)
