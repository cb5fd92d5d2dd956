"""True peak sees between samples; the limiter keeps it under the ceiling without touching quiet audio."""

from __future__ import annotations

import numpy as np
import pytest

from nodes.audio.limiter import limit, true_peak_db
from nodes.audio.pcm import RATE
from nodes.audio.window import sliding_max, sliding_min, trailing_mean


def test_window_helpers_match_the_definitions() -> None:
    values = np.random.default_rng(3).random(500)
    for width in (1, 2, 7, 64):
        assert np.array_equal(sliding_min(values, width), [values[i:i + width].min() for i in range(500)])
        assert np.array_equal(sliding_max(values, width), [values[i:i + width].max() for i in range(500)])
    padded = np.concatenate([np.full(9, 2.0), values])
    expected = [padded[i + 1:i + 10].mean() for i in range(500)]
    assert np.allclose(trailing_mean(values, 9, fill=2.0), expected)


def test_true_peak_between_samples() -> None:
    # fs/4 at 45 degrees: every sample is at 0.707, the waveform peaks at 1.0 between them.
    n = np.arange(RATE)
    wave = np.sin(2 * np.pi * (RATE / 4) * n / RATE + np.pi / 4).astype(np.float32)
    stereo = np.stack([wave, wave])
    assert 20 * np.log10(np.abs(wave).max()) == pytest.approx(-3.01, abs=0.01)
    assert true_peak_db(stereo) == pytest.approx(0.0, abs=0.15)


def test_limiter_brings_peaks_under_the_ceiling() -> None:
    rng = np.random.default_rng(0)
    noisy = (rng.standard_normal((2, 2 * RATE)) * 0.4).astype(np.float32)
    limited = limit(noisy, -1.0)
    assert true_peak_db(noisy) > 3
    assert true_peak_db(limited) <= -0.9
    # The gain curve is smooth: it only scales, so the signal keeps its shape (correlation ~1).
    assert np.corrcoef(noisy[0], limited[0])[0, 1] > 0.9


def test_limiter_leaves_quiet_audio_alone() -> None:
    quiet = (np.random.default_rng(1).standard_normal((2, RATE)) * 0.05).astype(np.float32)
    assert limit(quiet, -1.0) is quiet


def test_limiter_catches_a_peak_at_the_very_start() -> None:
    burst = np.zeros((2, RATE), dtype=np.float32)
    burst[:, 0:5] = 1.5
    assert true_peak_db(limit(burst, -1.0)) <= -0.95
