"""Scene sounds join end to end, or overlap with an equal-power crossfade."""

from __future__ import annotations

import numpy as np
import pytest

from nodes.audio.timeline import join


def _const(value: float, n: int) -> np.ndarray:
    return np.full((2, n), value, dtype=np.float32)


def test_join_without_overlap_is_concatenation() -> None:
    out = join([_const(1, 10), _const(2, 5)], [0])
    assert out.shape == (2, 15)
    assert np.array_equal(out[0], [1] * 10 + [2] * 5)


def test_crossfade_length_and_curve() -> None:
    out = join([_const(1, 100), _const(1, 100), _const(1, 50)], [20, 10])
    assert out.shape == (2, 220)
    fade = out[0, 80:100]
    # Equal power: cos^2 + sin^2 = 1, so unrelated signals keep their loudness; equal ones bump by <= 3 dB.
    assert fade.max() == pytest.approx(np.sqrt(2), abs=0.01)
    assert out[0, 79] == 1 and out[0, 100] == 1


def test_overlap_count_must_match() -> None:
    with pytest.raises(ValueError):
        join([_const(1, 10), _const(1, 10)], [])
