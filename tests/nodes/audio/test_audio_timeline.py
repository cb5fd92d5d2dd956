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


def _reference(parts: list[np.ndarray], overlaps: list[int]) -> np.ndarray:
    """The plain join: a zeroed buffer, each part copied and added where it starts."""
    out = np.zeros((2, sum(p.shape[1] for p in parts) - sum(overlaps)), dtype=np.float32)
    position = 0
    for index, part in enumerate(parts):
        piece = part.astype(np.float32, copy=True)
        if index > 0 and overlaps[index - 1] > 0:
            n = overlaps[index - 1]
            angle = (np.arange(n) + 0.5) / n * (np.pi / 2)
            out[:, position:position + n] *= np.cos(angle).astype(np.float32)
            piece[:, :n] *= np.sin(angle).astype(np.float32)
        out[:, position:position + piece.shape[1]] += piece
        position += piece.shape[1] - (overlaps[index] if index < len(overlaps) else 0)
    return out


def test_join_writes_what_adding_into_silence_writes() -> None:
    rng = np.random.default_rng(7)
    parts = [rng.standard_normal((2, n)).astype(dtype) for n, dtype in
             ((900, np.float32), (400, np.float64), (1000, np.float32), (300, np.float32))]
    for overlaps in ([0, 0, 0], [100, 0, 300], [400, 250, 1]):
        assert np.array_equal(join(parts, overlaps), _reference(parts, overlaps))
    alone = parts[0]
    assert join([alone], []) is alone  # nothing to join: no copy of a long soundtrack
    assert np.array_equal(join([parts[1]], []), parts[1].astype(np.float32))
    with pytest.raises(ValueError, match="longer than a part"):
        join([_const(1, 10), _const(1, 5)], [6])
