"""Loading a user's image as plain RGB and fitting it to the frame ("cover").

Phone photos carry their rotation in EXIF, palettes and alpha break a JPEG save, CMYK and 16-bit images
convert wrongly by default: all of it is handled here, once, so the renderer only ever sees 8-bit RGB.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from pipeline.node import NodeInputError

IMAGE_HINT = "use a JPEG, PNG or WebP image file"


def to_rgb(image: Image.Image) -> Image.Image:
    """Any Pillow mode as 8-bit RGB; transparency is laid over black."""
    if image.mode == "RGB":
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        values = np.asarray(image, dtype=np.float64)
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


def load_image(path: Path, *, field: str = "image", min_size: tuple[int, int] | None = None) -> Image.Image:
    """Open ``path`` upright and as RGB; NodeInputError(field) when it is not a readable image.

    ``min_size`` lets a large JPEG decode at a reduced scale that still covers that size (much faster).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(path)
            if min_size is not None and image.format == "JPEG":
                image.draft("RGB", min_size)  # type: ignore[attr-defined]
            image.load()
            image = ImageOps.exif_transpose(image)
            return to_rgb(image)
    except FileNotFoundError as exc:
        raise NodeInputError(f"image {path} does not exist", field=field, hint="check the path") from exc
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise NodeInputError(f"{Path(path).name} is not an image that can be read: {exc}", field=field,
                             hint=IMAGE_HINT) from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise NodeInputError(f"{Path(path).name} could not be decoded: {exc}", field=field,
                             hint=IMAGE_HINT) from exc


def cover_fit(image: Image.Image, width: int, height: int, focus: tuple[float, float] = (0.5, 0.5)) -> Image.Image:
    """Scale ``image`` to fill ``width`` x ``height`` and crop the overflow, keeping ``focus`` in view.

    The crop is taken in the original's pixels first (fractional box), then resampled once with Lanczos.
    """
    src_w, src_h = image.size
    target_aspect = width / height
    if src_w / src_h > target_aspect:  # too wide: crop the sides
        box_w, box_h = src_h * target_aspect, float(src_h)
    else:  # too tall: crop top and bottom
        box_w, box_h = float(src_w), src_w / target_aspect
    x0 = focus[0] * (src_w - box_w)
    y0 = focus[1] * (src_h - box_h)
    return image.resize((width, height), Image.Resampling.LANCZOS, box=(x0, y0, x0 + box_w, y0 + box_h))
