"""Image loading: every Pillow mode ends as RGB, EXIF rotation honoured, cover fit, clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nodes.render.image import cover_fit, load_image, to_rgb
from pipeline.node import NodeInputError


def test_rgba_is_laid_over_black() -> None:
    image = Image.new("RGBA", (4, 4), (200, 100, 50, 128))
    assert to_rgb(image).getpixel((0, 0)) == pytest.approx((100, 50, 25), abs=1)


def test_palette_with_transparency_and_la() -> None:
    palette = Image.new("P", (4, 4), 0)
    palette.putpalette([255, 255, 255] * 256)
    palette.info["transparency"] = 0
    assert to_rgb(palette).getpixel((0, 0)) == (0, 0, 0)
    assert to_rgb(Image.new("LA", (2, 2), (255, 255))).getpixel((0, 0)) == (255, 255, 255)


def test_sixteen_bit_is_scaled_not_clipped() -> None:
    image = Image.fromarray(np.full((4, 4), 32768, dtype=np.uint16))
    assert image.mode.startswith("I;16")
    assert to_rgb(image).getpixel((0, 0)) == pytest.approx((128, 128, 128), abs=1)


def test_cmyk_jpeg_loads_as_rgb(tmp_path: Path) -> None:
    path = tmp_path / "c.jpg"
    Image.new("CMYK", (8, 8), (0, 255, 255, 0)).save(path)
    image = load_image(path)
    assert image.mode == "RGB"
    red, green, blue = image.getpixel((4, 4))
    assert red > 200 and green < 60 and blue < 60


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    path = tmp_path / "phone.jpg"
    image = Image.new("RGB", (60, 20), (0, 0, 255))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    image.save(path, exif=exif)
    assert load_image(path).size == (20, 60)


def test_not_an_image_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "city.jpg"
    path.write_bytes(b"<html>not a picture</html>")
    with pytest.raises(NodeInputError) as caught:
        load_image(path)
    assert caught.value.field == "image" and "city.jpg" in caught.value.message


def test_cover_fit_crops_towards_focus() -> None:
    pixels = np.zeros((100, 400, 3), dtype=np.uint8)
    pixels[:, :100] = (255, 0, 0)  # red left quarter
    pixels[:, 300:] = (0, 0, 255)  # blue right quarter
    image = Image.fromarray(pixels)
    left = cover_fit(image, 50, 100, focus=(0.0, 0.5))
    right = cover_fit(image, 50, 100, focus=(1.0, 0.5))
    assert left.size == right.size == (50, 100)
    assert left.getpixel((25, 50))[0] > 200
    assert right.getpixel((25, 50))[2] > 200
