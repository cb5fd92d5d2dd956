"""Image loading: every Pillow mode ends as RGB, EXIF rotation honoured, cover fit, clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nodes.render.image import MAX_PIXELS, load_image, needed_size, to_rgb
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


def test_palette_png_with_transparency_loads(tmp_path: Path) -> None:
    path = tmp_path / "p.png"
    image = Image.new("P", (6, 6), 1)
    image.putpalette([0, 0, 0, 250, 10, 10] + [0, 0, 0] * 254)
    image.paste(0, (0, 0, 3, 6))
    image.save(path, transparency=0)
    loaded = load_image(path)
    assert loaded.mode == "RGB" and loaded.getpixel((0, 0)) == (0, 0, 0)
    assert loaded.getpixel((5, 5))[0] > 240


def test_la_and_grayscale_files(tmp_path: Path) -> None:
    Image.new("LA", (4, 4), (200, 255)).save(tmp_path / "la.png")
    Image.new("L", (4, 4), 90).save(tmp_path / "l.jpg")
    assert load_image(tmp_path / "la.png").getpixel((1, 1)) == (200, 200, 200)
    assert load_image(tmp_path / "l.jpg").getpixel((1, 1)) == pytest.approx((90, 90, 90), abs=2)


def test_sixteen_bit_png_file(tmp_path: Path) -> None:
    path = tmp_path / "deep.png"
    values = np.linspace(0, 65535, 64 * 64).reshape(64, 64).astype(np.uint16)
    Image.fromarray(values).save(path)
    assert Image.open(path).mode.startswith("I;16")
    loaded = np.asarray(load_image(path))
    assert loaded[0, 0, 0] == 0 and loaded[-1, -1, 0] == 255
    small = np.asarray(load_image(path, min_size=(16, 16)))  # reduced while still 16-bit
    assert small.shape == (16, 16, 3) and small[-1, -1, 0] > 240


def test_exif_rotated_large_jpeg_is_shrunk_the_right_way_round(tmp_path: Path) -> None:
    path = tmp_path / "phone.jpg"
    exif = Image.Exif()
    exif[0x0112] = 8  # stored sideways: displayed after a 90 degree turn
    Image.new("RGB", (1600, 800), (0, 90, 200)).save(path, exif=exif)
    loaded = load_image(path, min_size=(100, 200))
    assert loaded.width < loaded.height  # upright
    assert loaded.width >= 100 and loaded.height >= 200  # never below what the fit needs
    assert loaded.width <= 200  # shrunk while decoding (1/4 scale), not full size


def test_large_jpeg_is_downscaled_while_decoding(tmp_path: Path) -> None:
    path = tmp_path / "camera.jpg"
    rng = np.random.default_rng(3)
    noise = rng.integers(0, 256, (40, 60, 3), dtype=np.uint8)
    Image.fromarray(noise).resize((6000, 4000), Image.Resampling.NEAREST).save(path, quality=80)
    loaded = load_image(path, min_size=(540, 960))  # a 1:2 portrait frame covered from a 3:2 picture
    assert loaded.height >= 960 and loaded.width >= 540
    assert loaded.width <= 2 * 1440  # decoded at a fraction of 6000x4000, not in full


def test_needed_size_depends_on_fit() -> None:
    assert needed_size((6000, 4000), (1080, 1920), "cover") == (2880, 1920)
    assert needed_size((6000, 4000), (1080, 1920), "contain") == (1080, 720)
    assert needed_size((500, 500), (1080, 1920), "cover") == (500, 500)  # never upscaled here


def test_too_many_pixels_is_a_clear_input_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "huge.png"
    Image.new("L", (400, 300)).save(path)
    with pytest.raises(NodeInputError) as caught:
        load_image(path, max_pixels=100_000)
    assert caught.value.field == "image" and "huge.png" in caught.value.message
    assert "megapixels" in caught.value.message and caught.value.hint
    assert MAX_PIXELS >= 12000 * 8000
