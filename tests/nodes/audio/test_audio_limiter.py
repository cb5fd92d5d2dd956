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


_HASHES = """
import hashlib
import numpy as np
from nodes.audio.limiter import limit, peak_envelope
rng = np.random.default_rng(11)
mix = (rng.standard_normal((2, 48000)) * 0.5).astype(np.float32)
mix[:, 1000:1200] *= 3  # a burst well over the ceiling
print(hashlib.sha256(peak_envelope(mix).tobytes()).hexdigest(), hashlib.sha256(limit(mix, -1.0).tobytes()).hexdigest())
"""


def test_limiter_gives_the_same_bytes_on_a_generic_cpu(tmp_path) -> None:
    """The true-peak envelope and the limited mix are bit for bit the same when numba compiles for this
    CPU's vector units and for a generic x86-64 (no fast-math reassociation of the 32-tap sums)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    hashes = []
    for name, cpu in (("host", {}), ("generic", {"NUMBA_CPU_NAME": "generic"})):
        env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / name), **cpu}
        env.pop("NUMBA_CPU_FEATURES", None)
        env.pop("NUMBA_CPU_NAME", None) if not cpu else None
        result = subprocess.run([sys.executable, "-c", _HASHES], cwd=root, env=env, capture_output=True,
                                text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-2000:]
        hashes.append(result.stdout.split())
    assert len(hashes[0]) == 2 and hashes[0] == hashes[1]
