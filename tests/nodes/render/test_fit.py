"""Fit modes: cover crops, contain letterboxes, blur puts the picture over a dark blurred copy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nodes.media.ffmpeg import run_ffmpeg
from nodes.render.fit import contained_size, cover_fit, fit_filter, fit_image


def _landscape() -> Image.Image:
    pixels = np.zeros((100, 400, 3), dtype=np.uint8)
    pixels[:, :100] = (255, 0, 0)  # red left quarter
    pixels[:, 100:300] = (0, 200, 0)
    pixels[:, 300:] = (0, 0, 255)  # blue right quarter
    return Image.fromarray(pixels)


def test_cover_fit_crops_towards_focus() -> None:
    image = _landscape()
    left = cover_fit(image, 50, 100, focus=(0.0, 0.5))
    right = cover_fit(image, 50, 100, focus=(1.0, 0.5))
    assert left.size == right.size == (50, 100)
    assert left.getpixel((25, 50))[0] > 200
    assert right.getpixel((25, 50))[2] > 200


def test_contain_shows_everything_with_black_bars() -> None:
    out = np.asarray(fit_image(_landscape(), 100, 200, "contain"))
    assert out.shape == (200, 100, 3)
    assert contained_size((400, 100), 100, 200) == (100, 25)
    assert out[:80].max() == 0 and out[-80:].max() == 0  # bars above and below
    band = out[88:112]
    assert band[:, 5, 0] .min() > 200 and band[:, -5, 2].min() > 200  # both ends of the picture shown


def test_blur_backdrop_is_a_darker_smoother_copy() -> None:
    image = _landscape()
    out = np.asarray(fit_image(image, 100, 200, "blur")).astype(int)
    assert out.shape == (200, 100, 3)
    backdrop = out[:70]
    assert 10 < backdrop.mean() < np.asarray(image).mean()  # not black, but darker than the picture
    assert np.abs(np.diff(backdrop, axis=1)).max() < 40  # no sharp edges left
    assert out[100, 5, 0] > 200  # the sharp picture in the middle


@pytest.mark.parametrize("fit", ["cover", "contain", "blur"])
def test_fit_filters_are_plain_integer_graphs(fit: str) -> None:
    chain = fit_filter(fit, 1080, 1920)  # type: ignore[arg-type]
    assert chain.endswith("format=yuv420p") and "setsar=1" in chain
    assert ("overlay" in chain) == (fit == "blur") and ("pad=" in chain) == (fit == "contain")


@pytest.mark.parametrize("fit", ["cover", "contain", "blur"])
def test_fit_filters_show_non_square_pixels_at_their_shape(tmp_path: Path, fit: str) -> None:
    """320x240 stored with 4:3 pixels is shown 16:9: a disk drawn round on screen stays round."""
    clip = tmp_path / "sar.mp4"
    disk = "geq=lum='if(lt(hypot((X-160)*4/3\\,Y-120)\\,100)\\,235\\,16)':cb=128:cr=128"
    run_ffmpeg(["-f", "lavfi", "-i", "color=c=black:s=320x240:r=5:d=0.2", "-vf", f"format=yuv444p,{disk},setsar=4/3",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", str(clip)])
    frame = tmp_path / "frame.png"
    run_ffmpeg(["-i", str(clip), "-vf", fit_filter(fit, 160, 160), "-frames:v", "1", str(frame)])  # type: ignore[arg-type]
    luma = np.asarray(Image.open(frame).convert("L")).astype(int)
    white = luma > 200
    width, height = int(white.any(axis=0).sum()), int(white.any(axis=1).sum())
    # on screen the disk is 200/240 of the picture's height: 160 rows (cover) or 90 (contain, blur)
    expected = round(200 / 240 * (160 if fit == "cover" else 90))
    assert abs(width - expected) <= 3 and abs(height - expected) <= 3, (width, height)
