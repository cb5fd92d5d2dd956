"""The YUV frame maker: BT.709 limited-range values and sub-pixel sampling."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from nodes.render.frames import YuvSource, frames
from nodes.render.motion import Rect


def _planes(data: bytes, width: int, height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    buf = np.frombuffer(data, dtype=np.uint8)
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


def test_unchanged_rect_reuses_the_frame() -> None:
    source = YuvSource(Image.new("RGB", (8, 8), (10, 200, 30)))
    rect = Rect(0, 0, 8, 8)
    out = list(frames(source, iter([rect, rect, Rect(1, 1, 7, 7)]), 8, 8))
    assert out[0] is out[1] and len(out[2]) == 8 * 8 * 3 // 2


def test_odd_source_is_refused() -> None:
    with pytest.raises(ValueError):
        YuvSource(Image.new("RGB", (7, 8)))
