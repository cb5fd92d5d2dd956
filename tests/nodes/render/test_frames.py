"""The YUV frame maker: BT.709 limited-range values and sub-pixel sampling."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from nodes.render.kenburns_frames import YuvSource, frames
from nodes.render.motion import Rect


def _planes(buf: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    luma = buf[: width * height].reshape(height, width)
    chroma = buf[width * height:].reshape(2, height // 2, width // 2)
    return luma, chroma[0], chroma[1]


@pytest.mark.parametrize(("rgb", "yuv"), [
    ((255, 255, 255), (235, 128, 128)), ((0, 0, 0), (16, 128, 128)),
    ((255, 0, 0), (63, 102, 240)), ((0, 0, 255), (32, 240, 118))])
def test_bt709_limited_range(rgb: tuple[int, int, int], yuv: tuple[int, int, int]) -> None:
    source = YuvSource(Image.new("RGB", (8, 8), rgb))
    luma, cb, cr = _planes(source.frame(Rect(0, 0, 8, 8), 8, 8), 8, 8)
    assert (int(luma[4, 4]), int(cb[2, 2]), int(cr[2, 2])) == pytest.approx(yuv, abs=1)


def test_half_pixel_shift_gives_in_between_values() -> None:
    pixels = np.zeros((8, 16, 3), dtype=np.uint8)
    pixels[:, 8:] = 255  # a sharp vertical edge at x = 8
    source = YuvSource(Image.fromarray(pixels))
    still = _planes(source.frame(Rect(2, 0, 14, 8), 12, 8), 12, 8)[0]
    moved = _planes(source.frame(Rect(2.5, 0, 14.5, 8), 12, 8), 12, 8)[0]
    edge_before, edge_after = int(still[4, 5]), int(moved[4, 5])
    assert 16 <= edge_before < edge_after < 235  # the edge moved by a fraction of a pixel


@pytest.mark.parametrize("workers", [1, 3])
def test_unchanged_rect_reuses_the_frame(workers: int) -> None:
    source = YuvSource(Image.new("RGB", (8, 8), (10, 200, 30)))
    rect = Rect(0, 0, 8, 8)
    out = list(frames(source, iter([rect, rect, Rect(1, 1, 7, 7)]), 8, 8, workers=workers))
    assert out[0] is out[1] and len(out[2]) == 8 * 8 * 3 // 2


def test_threaded_frames_come_in_order() -> None:
    pixels = np.random.default_rng(2).integers(0, 256, (40, 60, 3), dtype=np.uint8)
    source = YuvSource(Image.fromarray(pixels))
    rects = [Rect(i * 0.37, i * 0.21, 40 + i * 0.37, 26 + i * 0.21) for i in range(25)]
    serial = [frame.tobytes() for frame in frames(source, iter(rects), 20, 14)]
    threaded = [frame.tobytes() for frame in frames(source, iter(rects), 20, 14, workers=3)]
    assert serial == threaded and len(set(serial)) == 25


def test_half_pixel_pan_at_one_to_one_scale_interpolates() -> None:
    """A pan at 1:1 scale (no zoom) must still move by fractions of a pixel, not jump whole pixels."""
    pixels = np.zeros((8, 16, 3), dtype=np.uint8)
    pixels[:, 8:] = 255
    source = YuvSource(Image.fromarray(pixels))
    values = [int(_planes(source.frame(Rect(2 + d, 0, 14 + d, 8), 12, 8), 12, 8)[0][4, 5])
              for d in (0.0, 0.25, 0.5, 0.75)]
    assert values == sorted(values) and len(set(values)) == 4


def test_odd_source_is_refused() -> None:
    with pytest.raises(ValueError):
        YuvSource(Image.new("RGB", (7, 8)))
