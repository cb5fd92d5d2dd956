"""Loading a user's image as plain, upright 8-bit RGB, no bigger than the frame needs.

Phone photos carry their rotation in EXIF, palettes and alpha break a JPEG save, CMYK and 16-bit images
convert wrongly by default: all of it is handled here, once, so the renderer only ever sees 8-bit RGB.

A huge picture (a 12000x8000 camera file) is shrunk while it is decoded where the format allows (JPEG's
DCT scaling via ``draft``), else right after decoding with a cheap box ``reduce``, to the smallest size that
still needs no upscaling; the one high-quality resample happens later, in the fit. Pictures above
``MAX_PIXELS`` are refused before decoding, so memory stays bounded whatever the user passes in.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from pipeline.node import NodeInputError

IMAGE_HINT = "use a JPEG, PNG or WebP image file"
# The largest picture accepted by default: 100 megapixels (12000x8000 fits). Decoding a 16-bit RGBA PNG of
# this size takes about 800 MB. A recipe may raise it (limits: {max_image_megapixels: ...}, up to 1000).
MAX_PIXELS = 100_000_000
# Every picture is held to the recipe's limit on its header, before decoding (here and in the render
# node's check), and refused with the project's own message. Pillow's own guard would refuse above about
# 179 megapixels whatever the recipe allows, with its own words ("could be decompression bomb DOS attack")
# and a hint to use a JPEG, PNG or WebP given for a PNG; and its warning above 89 megapixels, with its
# site-packages path, would only alarm about a picture that was accepted. So the project's limit is the one.
Image.MAX_IMAGE_PIXELS = None
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
# EXIF orientations that swap width and height when applied.
_TRANSPOSING = {5, 6, 7, 8}
_SIXTEEN_BIT = ("I;16", "I;16B", "I;16L", "I;16N")
_REDUCIBLE = {"L", "LA", "RGB", "RGBA", "CMYK", "YCbCr", "I", "F"}


def to_rgb(image: Image.Image) -> Image.Image:
    """Any Pillow mode as 8-bit RGB; transparency is laid over black."""
    if image.mode == "RGB":
        return image
    if image.mode in (*_SIXTEEN_BIT, "I", "F"):
        import numpy as np

        values = np.asarray(image, dtype=np.float32)
        if image.mode == "F" and values.size and values.max() <= 1.0:
            values = values * 255.0
        elif image.mode != "F" and values.size and values.max() > 255:
            values = values / 257.0  # 16-bit range down to 8-bit
        grey = np.clip(np.round(values), 0, 255).astype(np.uint8)
        return Image.fromarray(grey).convert("RGB")
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    elif image.mode == "PA":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "La", "RGBa"):
        rgba = image.convert("RGBA")
        black = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
        return Image.alpha_composite(black, rgba).convert("RGB")
    return image.convert("RGB")  # L, 1, CMYK, YCbCr, LAB, HSV


def needed_size(size: tuple[int, int], target: tuple[int, int], fit: str) -> tuple[int, int]:
    """The smallest size of an image of ``size`` that fits ``target`` (by ``fit``) without upscaling."""
    width, height = size
    ratios = (target[0] / width, target[1] / height)
    scale = min(1.0, max(ratios) if fit == "cover" else min(ratios))
    return max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))


def _too_big(name: str, pixels: int | None, field: str, limit: int = MAX_PIXELS) -> NodeInputError:
    size = f" ({pixels / 1e6:.0f} megapixels)" if pixels else ""
    return NodeInputError(f"{name} is too large{size}: the limit is {limit / 1e6:g} megapixels",
                          field=field, hint="downscale the picture first (the video never shows more than a "
                          "few megapixels of it), or raise limits: {max_image_megapixels: ...} in the recipe")


def _shrunk(image: Image.Image, target: tuple[int, int] | None, fit: str) -> Image.Image:
    """Decode ``image`` at (about) the smallest size that still covers ``target``."""
    orientation = image.getexif().get(0x0112, 1)
    if target is not None and orientation in _TRANSPOSING:
        target = (target[1], target[0])  # the file is stored sideways
    if target is not None and image.format == "JPEG":
        image.draft(None, needed_size(image.size, target, fit))
    image.load()
    if target is not None:
        need_w, need_h = needed_size(image.size, target, fit)
        factor = min(image.width // need_w, image.height // need_h)
        if factor >= 2:
            if image.mode in _SIXTEEN_BIT:
                image = image.convert("I")
            elif image.mode not in _REDUCIBLE:
                image = to_rgb(image)
            image = image.reduce(factor)
    return image


def load_image(path: Path, *, field: str = "image", min_size: tuple[int, int] | None = None,
               fit: str = "cover", max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Open ``path`` upright and as RGB; NodeInputError(field) when it is not a readable image.

    ``min_size`` (the size the picture will be fitted to, by ``fit``) lets a large picture be shrunk while
    decoding; the result is never smaller than the fit needs.
    """
    name = Path(path).name
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # MAX_PIXELS is the limit
            with Image.open(path) as opened:
                if opened.width * opened.height > max_pixels:
                    raise _too_big(name, opened.width * opened.height, field, max_pixels)
                image = _shrunk(opened, min_size, fit)
                image = ImageOps.exif_transpose(image)
                return to_rgb(image)
    except FileNotFoundError as exc:
        raise NodeInputError(f"image {path} does not exist", field=field, hint="check the path") from exc
    except Image.DecompressionBombError as exc:
        raise _too_big(name, None, field) from exc
    except UnidentifiedImageError as exc:
        raise NodeInputError(f"{name} is not an image that can be read: {exc}", field=field,
                             hint=IMAGE_HINT) from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise NodeInputError(f"{name} could not be decoded: {exc}", field=field, hint=IMAGE_HINT) from exc
