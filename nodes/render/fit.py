"""Fitting a picture of any shape into the frame: cover, contain, or contain over a blurred copy.

- ``cover`` fills the frame and crops the overflow (keeping the focus point in view);
- ``contain`` shows the whole picture with black bars;
- ``blur`` shows the whole picture over a blurred, darkened, cover-fitted copy of itself (the usual way
  to put a landscape photo in a portrait video without bars).

Stills are fitted here with Pillow; a video background gets the same look from ``fit_filter``, an ffmpeg
filter chain with the same geometry and the same blur and darkening.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from PIL import Image

Fit = Literal["cover", "contain", "blur"]

# The blurred backdrop is made at 1/BLUR_DOWNSCALE of the frame (cheap), blurred by BLUR_SIGMA of its
# width, darkened to BLUR_BRIGHTNESS and scaled back up (which smooths it further).
BLUR_DOWNSCALE = 8
BLUR_SIGMA = 0.03
BLUR_BRIGHTNESS = 0.55


def cover_fit(image: Image.Image, width: int, height: int, focus: tuple[float, float] = (0.5, 0.5)) -> Image.Image:
    """Scale ``image`` to fill ``width`` x ``height`` and crop the overflow, keeping ``focus`` in view.

    The crop is taken in the original's pixels first (fractional box), then resampled once with Lanczos.
    """
    from PIL import Image

    src_w, src_h = image.size
    target_aspect = width / height
    if src_w / src_h > target_aspect:  # too wide: crop the sides
        box_w, box_h = src_h * target_aspect, float(src_h)
    else:  # too tall: crop top and bottom
        box_w, box_h = float(src_w), src_w / target_aspect
    x0 = focus[0] * (src_w - box_w)
    y0 = focus[1] * (src_h - box_h)
    return image.resize((width, height), Image.Resampling.LANCZOS, box=(x0, y0, x0 + box_w, y0 + box_h))


def contained_size(size: tuple[int, int], width: int, height: int) -> tuple[int, int]:
    """The largest size of ``size``'s shape inside ``width`` x ``height``."""
    scale = min(width / size[0], height / size[1])
    return max(1, min(width, round(size[0] * scale))), max(1, min(height, round(size[1] * scale)))


def _backdrop(image: Image.Image, width: int, height: int) -> Image.Image:
    from PIL import Image, ImageFilter

    small_w, small_h = max(2, width // BLUR_DOWNSCALE), max(2, height // BLUR_DOWNSCALE)
    small = cover_fit(image, small_w, small_h)
    small = small.filter(ImageFilter.GaussianBlur(BLUR_SIGMA * small_w))
    small = small.point(lambda value: round(value * BLUR_BRIGHTNESS))
    return small.resize((width, height), Image.Resampling.BICUBIC)


def fit_image(image: Image.Image, width: int, height: int, fit: Fit = "cover",
              focus: tuple[float, float] = (0.5, 0.5)) -> Image.Image:
    """``image`` (RGB) fitted to exactly ``width`` x ``height`` by ``fit``."""
    from PIL import Image

    if fit == "cover":
        return cover_fit(image, width, height, focus)
    inner_w, inner_h = contained_size(image.size, width, height)
    canvas = Image.new("RGB", (width, height)) if fit == "contain" else _backdrop(image, width, height)
    inner = image.resize((inner_w, inner_h), Image.Resampling.LANCZOS)
    canvas.paste(inner, ((width - inner_w) // 2, (height - inner_h) // 2))
    return canvas


# Square pixels: the width scaled by the sample aspect ratio (ffmpeg's force_original_aspect_ratio works on
# stored pixels, not shown ones). With square pixels already, the scale is a pass-through: same bytes.
SQUARE = "scale=round(iw*sar):ih,setsar=1"


def _even(value: float) -> int:
    return max(2, 2 * round(value / 2))


def fit_filter(fit: Fit, width: int, height: int) -> str:
    """An ffmpeg filter chain (one input, one output) fitting video to ``width`` x ``height`` by ``fit``.

    The output is yuv420p with square pixels. No user text goes into it: only integers. The input is made
    square-pixelled first (``SQUARE``), so a clip with a pixel aspect ratio (anamorphic, or 4:3-coded 16:9)
    is fitted at the shape it is shown at.
    """
    cover = f"scale={width}:{height}:force_original_aspect_ratio=increase,crop={width}:{height}"
    contain = f"scale={width}:{height}:force_original_aspect_ratio=decrease:force_divisible_by=2"
    if fit == "cover":
        return f"{SQUARE},{cover},setsar=1,format=yuv420p"
    if fit == "contain":
        return f"{SQUARE},{contain},pad={width}:{height}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,format=yuv420p"
    small_w, small_h = _even(width / BLUR_DOWNSCALE), _even(height / BLUR_DOWNSCALE)
    k = BLUR_BRIGHTNESS
    darken = f"lutyuv=y=16+(val-16)*{k}:u=128+(val-128)*{k}:v=128+(val-128)*{k}"
    backdrop = (f"scale={small_w}:{small_h}:force_original_aspect_ratio=increase,crop={small_w}:{small_h},"
                f"format=yuv420p,gblur=sigma={BLUR_SIGMA * small_w:.3f},{darken},"
                f"scale={width}:{height}:flags=bicubic")
    return (f"{SQUARE},format=yuv420p,split=2[fitfg][fitbg];[fitbg]{backdrop}[fitback];[fitfg]{contain}[fitfront];"
            f"[fitback][fitfront]overlay=(W-w)/2:(H-h)/2,setsar=1,format=yuv420p")
