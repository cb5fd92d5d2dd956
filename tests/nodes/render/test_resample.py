"""The compiled plane resampler: Pillow's triangle filter, sub-pixel positions, edges, any scale."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from nodes.render.resample import resample, support, taps


def _pillow(plane: np.ndarray, box: tuple[float, float, float, float], size: tuple[int, int]) -> np.ndarray:
    return np.asarray(Image.fromarray(plane).resize(size, Image.Resampling.BILINEAR, box=box))


def _reference(plane: np.ndarray, box: tuple[float, float, float, float], size: tuple[int, int]) -> np.ndarray:
    """The filter written out per output pixel, in float64: triangle of radius ``support(scale)``."""
    def weights(start: float, end: float, count: int, length: int) -> np.ndarray:
        scale = (end - start) / count
        radius = support(scale)
        centres = start + (np.arange(count) + 0.5) * scale
        matrix = np.clip(1 - np.abs(np.arange(length)[None, :] + 0.5 - centres[:, None]) / radius, 0, None)
        return matrix / matrix.sum(axis=1, keepdims=True)

    rows = weights(box[1], box[3], size[1], plane.shape[0])
    cols = weights(box[0], box[2], size[0], plane.shape[1])
    return rows @ plane.astype(np.float64) @ cols.T


@pytest.mark.parametrize(("box", "size"), [
    ((0.0, 0.0, 64.0, 48.0), (64, 48)),  # 1:1, two taps
    ((3.3, 2.7, 60.1, 45.0), (50, 40)),  # slight shrink: still two taps
    ((0.0, 0.0, 64.0, 48.0), (40, 30)),  # 1.6x shrink: the widening triangle
    ((0.0, 0.0, 64.0, 48.0), (30, 20)),  # strong shrink, many taps
    ((10.25, 8.5, 30.75, 22.5), (64, 48)),  # enlarging a small rectangle
    ((0.0, 0.0, 64.0, 48.0), (64, 1)),  # a single output row
])
def test_matches_the_filter_written_out(box: tuple[float, float, float, float], size: tuple[int, int]) -> None:
    plane = np.random.default_rng(5).integers(0, 256, (48, 64), dtype=np.uint8)
    out = resample(plane, *box, np.empty((size[1], size[0]), np.uint8))
    assert np.abs(out.astype(float) - _reference(plane, box, size)).max() <= 0.51


@pytest.mark.parametrize(("box", "size"), [
    ((0.0, 0.0, 64.0, 48.0), (64, 48)),  # 1:1
    ((0.0, 0.0, 64.0, 48.0), (30, 20)),  # a shrink past 2x: Pillow's widened triangle exactly
    ((10.25, 8.5, 30.75, 22.5), (64, 48)),  # enlarging
])
def test_matches_pillow_within_one_level(box: tuple[float, float, float, float], size: tuple[int, int]) -> None:
    plane = np.random.default_rng(5).integers(0, 256, (48, 64), dtype=np.uint8)
    out = resample(plane, *box, np.empty((size[1], size[0]), np.uint8))
    diff = np.abs(out.astype(int) - _pillow(plane, box, size))
    # Pillow rounds to 8 bits between its two passes; this kernel keeps floats, so +-1 is expected.
    assert diff.max() <= 1 and diff.mean() < 0.5


def test_identity_rectangle_copies_the_plane() -> None:
    plane = np.random.default_rng(1).integers(0, 256, (20, 30), dtype=np.uint8)
    assert np.array_equal(resample(plane, 0.0, 0.0, 30.0, 20.0, np.empty((20, 30), np.uint8)), plane)


def test_flat_plane_stays_flat_at_the_edges() -> None:
    """Taps falling outside the plane are dropped and the rest renormalised: no dark border."""
    plane = np.full((16, 16), 200, np.uint8)
    out = resample(plane, 0.0, 0.0, 16.0, 16.0, np.empty((7, 5), np.uint8))
    assert np.all(out == 200)


def test_support_grows_continuously_from_one_to_the_shrink() -> None:
    assert support(0.5) == support(1.0) == support(1.25) == 1.0
    assert support(2.0) == 2.0 and support(3.0) == 3.0
    assert 1.0 < support(1.5) < support(1.75) < 2.0
    assert abs(support(1.2501) - 1.0) < 1e-3  # no step where widening starts


def test_weights_sum_to_one_and_stay_inside() -> None:
    for start, length, count, size in ((0.0, 100.0, 37, 100), (12.6, 40.3, 80, 64), (0.0, 9.0, 9, 9)):
        first, weights = taps(start, length, count, size)
        assert np.allclose(weights.sum(axis=1), 1.0, atol=1e-6)
        assert first.min() >= 0 and first.max() + weights.shape[1] <= size


def test_sub_pixel_steps_move_values_monotonically() -> None:
    """A step edge panned by quarter pixels: the sampled value rises at every step."""
    plane = np.zeros((4, 32), np.uint8)
    plane[:, 16:] = 240
    values = [int(resample(plane, 4.0 + d, 0.0, 28.0 + d, 4.0, np.empty((4, 24), np.uint8))[2, 11])
              for d in (0.0, 0.25, 0.5, 0.75)]
    assert values == sorted(values) and len(set(values)) == 4


def test_rectangle_outside_the_plane_is_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        taps(50.0, 10.0, 10, 20)


def test_load_kernels_prepares_the_kernel_a_frame_uses() -> None:
    """The render node's warm-up: after it, making a real frame compiles nothing new."""
    from PIL import Image

    from nodes.render.kenburns_frames import YuvSource
    from nodes.render.motion import Rect
    from nodes.render.resample import load_kernels
    from nodes.render.resample_kernel import two_pass

    load_kernels()
    loaded = list(two_pass.signatures)
    assert loaded
    source = YuvSource(Image.new("RGB", (64, 48), (200, 30, 90)))
    source.frame(Rect(2.5, 1.25, 60.5, 45.0), 32, 24)
    assert list(two_pass.signatures) == loaded
