"""Robustness, images: pictures as they come from phones, editors and the web.

EXIF orientations (all eight), CMYK, 16-bit, palette with transparency, grayscale with alpha, animated GIF,
tiny and huge pictures, and files whose extension lies about their content render correctly: each case
checks the colours of the first rendered frame where they are known. Truncated files, empty files, files
that are no image at all and pictures over the pixel limit are refused at the recipe's `image:` line.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from tests.robustness.helpers import ASSETS, Guard, Project, assert_rendered, scene_recipe

RED, GREEN, BLUE, BLACK = (255, 0, 0), (0, 200, 0), (0, 0, 255), (0, 0, 0)
# Points of the 160x288 frame and the colour the upright test picture has there (see ``upright``).
QUADRANTS = {(40, 60): RED, (120, 60): GREEN, (80, 230): BLUE}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Project:
    return Project(tmp_path_factory.mktemp("images"))


@pytest.fixture(scope="module")
def guard(project: Project) -> Guard:
    return Guard(project)


def upright() -> Image.Image:
    """90x160 (about the frame's shape): top left red, top right green, bottom half blue."""
    pixels = np.zeros((160, 90, 3), np.uint8)
    pixels[:80, :45] = RED
    pixels[:80, 45:] = GREEN
    pixels[80:] = BLUE
    return Image.fromarray(pixels)


# How Pillow (and every viewer) turns a stored picture upright per EXIF orientation; the stored picture
# is made with the inverse, so that the upright result is always ``upright()``.
_INVERSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
            4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_90,
            7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_270}


def exif_jpeg(orientation: int) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        stored = upright() if orientation == 1 else upright().transpose(_INVERSE[orientation])
        exif = Image.Exif()
        exif[0x0112] = orientation
        stored.save(path, "JPEG", quality=95, exif=exif.tobytes())
    return make


def cmyk(path: Path) -> None:
    pixels = np.zeros((160, 90, 4), np.uint8)
    pixels[:80, :45] = (0, 255, 255, 0)     # red
    pixels[:80, 45:] = (255, 55, 255, 0)    # green
    pixels[80:] = (255, 255, 0, 0)          # blue
    Image.fromarray(pixels, "CMYK").save(path, "JPEG", quality=95)


def sixteen_bit(path: Path) -> None:
    values = np.full((160, 90), 40000, np.uint16)  # 40000 / 257 = 156 in 8 bits
    values[80:] = 65535
    Image.fromarray(values).save(path, "PNG")


def palette_transparency(path: Path) -> None:
    image = Image.new("P", (90, 160), 1)
    image.putpalette([255, 0, 0, 0, 200, 0] + [0] * 762)  # index 0 red, 1 green
    image.paste(0, (0, 80, 90, 160))
    image.info["transparency"] = 0                        # the red bottom half is transparent
    image.save(path, "PNG", transparency=0)


def grey_alpha(path: Path) -> None:
    pixels = np.zeros((160, 90, 2), np.uint8)
    pixels[..., 0] = 200
    pixels[:80, :, 1] = 255  # opaque top, transparent bottom
    Image.fromarray(pixels, "LA").save(path, "PNG")


def animated_gif(path: Path) -> None:
    frames = [Image.new("RGB", (90, 160), colour) for colour in (RED, GREEN, BLUE)]
    frames[0].save(path, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def solid(size: tuple[int, int], colour: tuple[int, int, int], fmt: str = "PNG") -> Callable[[Path], None]:
    def make(path: Path) -> None:
        Image.new("RGB", size, colour).save(path, fmt)
    return make


def huge_jpeg(path: Path) -> None:
    Image.new("RGB", (9000, 6000), (200, 40, 160)).save(path, "JPEG", quality=80)


def named_wrongly(fmt: str) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        upright().save(path, fmt)
    return make


# (id, file name, maker, {frame point: colour}) - the whole frame is sampled where a dict has "all".
GOOD = [
    *[(f"exif-orientation-{o}", f"exif{o}.jpg", exif_jpeg(o), QUADRANTS) for o in range(1, 9)],
    ("cmyk-jpeg", "cmyk.jpg", cmyk, QUADRANTS),
    ("16-bit-grey-png", "grey16.png", sixteen_bit, {(80, 60): (156, 156, 156), (80, 230): (255, 255, 255)}),
    ("palette-transparency", "palette.png", palette_transparency, {(80, 60): GREEN, (80, 230): BLACK}),
    ("grey-alpha", "la.png", grey_alpha, {(80, 60): (200, 200, 200), (80, 230): BLACK}),
    ("animated-gif-first-frame", "anim.gif", animated_gif, {(80, 144): RED}),
    ("tiny-1x1", "one.png", solid((1, 1), (255, 0, 255)), {(5, 5): (255, 0, 255), (150, 280): (255, 0, 255)}),
    ("tiny-3x2", "three.png", solid((3, 2), (0, 128, 255)), {(80, 144): (0, 128, 255)}),
    ("huge-9000x6000", "huge.jpg", huge_jpeg, {(80, 144): (200, 40, 160)}),
    ("png-named-jpg", "lying.jpg", named_wrongly("PNG"), QUADRANTS),
    ("jpeg-named-png", "lying.png", named_wrongly("JPEG"), QUADRANTS),
    ("webp-named-gif", "lying.gif", named_wrongly("WEBP"), QUADRANTS),
]


def first_frame(video: Path) -> np.ndarray:
    with av.open(str(video)) as container:
        frame = next(container.decode(video=0))
        return frame.to_ndarray(format="rgb24")


@pytest.mark.parametrize("case, name, make, colours", GOOD, ids=[c[0] for c in GOOD])
def test_picture_renders_upright_with_its_colours(project, guard, case, name, make, colours):
    make(project.root / name)
    recipe = project.write(f"{case}.yaml", scene_recipe(
        {"image": name, "duration": 1, "motion": {"zoom": "none"}}))
    outcome = project.run(recipe)
    video = project.root / "out" / f"{case}.mp4"
    assert_rendered(outcome, video, seconds=1.0)
    frame = first_frame(video).astype(int)
    for (x, y), colour in colours.items():
        patch = frame[y - 3:y + 4, x - 3:x + 4].reshape(-1, 3).mean(axis=0)
        assert np.abs(patch - colour).max() < 40, (case, (x, y), patch.round(), colour)
    guard.assert_untouched()


def truncated(source: Path, keep: float) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        data = source.read_bytes()
        path.write_bytes(data[: int(len(data) * keep)])
    return make


def truncated_png(path: Path) -> None:
    noise = np.random.default_rng(1).integers(0, 255, (160, 90, 3), np.uint8)
    Image.fromarray(noise).save(path, "PNG")
    path.write_bytes(path.read_bytes()[:5000])


def over_the_limit(path: Path) -> None:
    """12000x10000 (120 megapixels), 1 bit per pixel: a small file whose header is over the limit."""
    Image.new("1", (12000, 10000), 0).save(path, "PNG")


def past_pillows_own_limit(path: Path) -> None:
    """20000x10000 (200 megapixels), past Pillow's own guard (about 179): it was refused in Pillow's words
    ("could be decompression bomb DOS attack") with a hint to use a JPEG, PNG or WebP, for a PNG."""
    Image.new("1", (20000, 10000), 0).save(path, "PNG")


BAD = [
    ("truncated-jpeg", "cut.jpg", truncated(ASSETS / "city.jpg", 0.4), ["could not be decoded"]),
    ("truncated-png", "cut.png", truncated_png, ["cut.png"]),
    ("empty-file", "empty.jpg", lambda p: p.write_bytes(b""), ["not an image that can be read"]),
    ("text-named-jpg", "notes.jpg", lambda p: p.write_text("just some text\n"), ["not an image that can be read"]),
    ("audio-named-png", "sound.png", lambda p: p.write_bytes((ASSETS / "music.ogg").read_bytes()),
     ["not an image that can be read"]),
    ("over-pixel-limit", "giant.png", over_the_limit, ["12000x10000", "limit of 100 megapixels"]),
    ("past-pillows-limit", "huge.png", past_pillows_own_limit, ["20000x10000", "limit of 100 megapixels"]),
]


@pytest.mark.parametrize("case, name, make, phrases", BAD, ids=[c[0] for c in BAD])
def test_unreadable_picture_is_refused_at_its_line(project, guard, case, name, make, phrases):
    make(project.root / name)
    recipe = scene_recipe({"text": "Never spoken.", "image": name})
    guard.refused(f"{case}.yaml", recipe, "image:", *phrases, field=("scene1.render", "image"))
    assert not (project.root / "out" / f"{case}.mp4").exists()


def test_a_folder_named_like_a_picture_is_refused(project, guard):
    (project.root / "folder.jpg").mkdir()
    recipe = scene_recipe({"text": "Never spoken.", "image": "folder.jpg"})
    guard.refused("folder.yaml", recipe, "image:", "is a folder, not a file", field=("scene1.render", "image"))


def test_a_large_accepted_picture_prints_no_raw_pillow_warning(tmp_path: Path) -> None:
    """Pillow warns above ~89 megapixels, below the recipe's own limit (100): a 99 Mpx picture passed with a
    raw DecompressionBombWarning and a site-packages path. Here Pillow's threshold is lowered so a small
    picture stands in for a large one, in a child process (pytest would catch the warning itself)."""
    import subprocess
    import sys

    Image.new("RGB", (64, 64), (200, 100, 50)).save(tmp_path / "big.png")
    (tmp_path / "r.yaml").write_text("version: 1\noutput: {size: 160x288, fps: 10}\nscenes:\n"
                                     "  - text: Hello there.\n    image: big.png\n", encoding="utf-8")
    code = ("import sys; from PIL import Image; Image.MAX_IMAGE_PIXELS = 3000\n"
            "from pipeline.cli import main; sys.exit(main(sys.argv[1:]))")
    done = subprocess.run([sys.executable, "-c", code, "validate", str(tmp_path / "r.yaml"), "--cache-dir",
                           str(tmp_path / "c")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "DecompressionBombWarning" not in done.stderr and "site-packages" not in done.stderr
