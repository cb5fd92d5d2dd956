"""Raw yuv420p frames of a moving crop over a still image, made in Python and piped to the encoder.

Why this way: ffmpeg's zoompan crops at integer positions (visible jitter unless the image is pre-scaled
4x or more, which costs more than this), while here each plane is resampled from a fractional rectangle.
Converting the source to BT.709 limited-range Y, Cb, Cr planes once, and resampling each plane at its
native size, means every frame moves only 1.5 bytes per pixel and ffmpeg has no colour conversion left to
do: measured at 1080x1920, 3 s at 30 fps, this is close to the encoder-only floor and faster than zoompan on
a 4x image.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from PIL import Image

from nodes.render.motion import Rect

# BT.709 luma coefficients.
KR, KB = 0.2126, 0.0722


def _plane(values: np.ndarray) -> Image.Image:
    return Image.fromarray(np.clip(np.round(values), 0, 255).astype(np.uint8), mode="L")


def _clamped(rect: Rect, width: int, height: int) -> tuple[float, float, float, float]:
    """The rectangle as a Pillow box inside the image (float rounding may overshoot by a hair)."""
    return (max(0.0, rect.x0), max(0.0, rect.y0), min(float(width), rect.x1), min(float(height), rect.y1))


class YuvSource:
    """An RGB image split once into BT.709 limited-range planes, chroma at half size (4:2:0)."""

    def __init__(self, rgb: Image.Image) -> None:
        width, height = rgb.size
        if width % 2 or height % 2:
            raise ValueError("the source must have even dimensions for 4:2:0 chroma")
        pixels = np.asarray(rgb.convert("RGB"), dtype=np.float32) / 255.0
        r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
        y = KR * r + (1.0 - KR - KB) * g + KB * b
        cb = (b - y) / (2.0 * (1.0 - KB))
        cr = (r - y) / (2.0 * (1.0 - KR))
        half = (height // 2, 2, width // 2, 2)
        self.size = (width, height)
        self.y = _plane(16.0 + 219.0 * y)
        self.cb = _plane(128.0 + 224.0 * cb.reshape(half).mean(axis=(1, 3)))
        self.cr = _plane(128.0 + 224.0 * cr.reshape(half).mean(axis=(1, 3)))

    def frame(self, rect: Rect, width: int, height: int) -> bytes:
        """One yuv420p frame of ``width`` x ``height`` showing ``rect`` of the source."""
        box = _clamped(rect, *self.size)
        cbox = _clamped(rect.scaled(0.5), self.size[0] // 2, self.size[1] // 2)
        luma = self.y.resize((width, height), Image.Resampling.BILINEAR, box=box)
        cb = self.cb.resize((width // 2, height // 2), Image.Resampling.BILINEAR, box=cbox)
        cr = self.cr.resize((width // 2, height // 2), Image.Resampling.BILINEAR, box=cbox)
        return luma.tobytes() + cb.tobytes() + cr.tobytes()


def frames(source: YuvSource, rects: Iterator[Rect], width: int, height: int) -> Iterator[bytes]:
    """The frames for ``rects``, reusing the previous frame when the rectangle has not moved."""
    previous: tuple[Rect, bytes] | None = None
    for rect in rects:
        if previous is None or previous[0] != rect:
            previous = (rect, source.frame(rect, width, height))
        yield previous[1]
