"""Raw yuv420p frames of a moving crop over a still image, made in Python and piped to the encoder.

Why this way: ffmpeg's zoompan crops at integer positions (visible jitter unless the image is pre-scaled
4x or more, which costs more than this), while here each plane is resampled from a fractional rectangle.
Converting the source to BT.709 limited-range Y, Cb, Cr planes once, and resampling each plane at its
native size (``resample.py``), means every frame moves only 1.5 bytes per pixel and ffmpeg has no colour
conversion left to do. Frames are made ahead on worker threads (the compiled resampler runs without the
GIL), so making them overlaps with encoding. bench/render_kenburns.py measures it at 1080x1920, 30 fps.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
from PIL import Image

from nodes.render.motion import Rect
from nodes.render.resample import resample, resample_alike

# BT.709 luma coefficients.
KR, KB = 0.2126, 0.0722


def _plane(values: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.clip(np.round(values), 0, 255).astype(np.uint8))


def _quarter(plane: np.ndarray) -> np.ndarray:
    """Mean of each 2x2 block, summed in the order numpy's ``reshape(...).mean(axis=(1, 3))`` uses (row
    pairs first), so the result is bit for bit the same, at a quarter of the time (no strided reduce)."""
    top = plane[0::2, 0::2] + plane[0::2, 1::2]
    bottom = plane[1::2, 0::2] + plane[1::2, 1::2]
    return (top + bottom) / np.float32(4)


def _clamped(rect: Rect, width: int, height: int) -> tuple[float, float, float, float]:
    """The rectangle inside the image (float rounding may overshoot by a hair)."""
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
        self.size = (width, height)
        self.y = _plane(16.0 + 219.0 * y)
        self.cb = _plane(128.0 + 224.0 * _quarter(cb))
        self.cr = _plane(128.0 + 224.0 * _quarter(cr))

    def frame(self, rect: Rect, width: int, height: int) -> np.ndarray:
        """One yuv420p frame (Y, then Cb, then Cr, in one buffer) of ``width`` x ``height`` showing
        ``rect`` of the source.

        Bilinear (a triangle filter, widened when scaling down, so no aliasing): the value moves smoothly
        with the fractional rectangle. A box filter, though cheaper, picks whole pixels at scales near 1
        and would bring the integer jitter back.
        """
        luma_size, chroma_size = width * height, (width // 2) * (height // 2)
        buffer = np.empty(luma_size + 2 * chroma_size, dtype=np.uint8)
        chroma_shape = (height // 2, width // 2)
        box = _clamped(rect, *self.size)
        cbox = _clamped(rect.scaled(0.5), self.size[0] // 2, self.size[1] // 2)
        resample(self.y, *box, buffer[:luma_size].reshape(height, width))
        resample_alike([self.cb, self.cr], cbox, [buffer[luma_size:luma_size + chroma_size].reshape(chroma_shape),
                                                  buffer[luma_size + chroma_size:].reshape(chroma_shape)])
        return buffer


def frames(source: YuvSource, rects: Iterator[Rect], width: int, height: int,
           workers: int = 1) -> Iterator[np.ndarray]:
    """The yuv420p frames for ``rects``, in order.

    A frame whose rectangle equals the previous one is not made again (a still costs one resample).
    With ``workers`` > 1 frames are made ahead on that many threads (the resampler does not hold the
    GIL), so the encoder never waits for a frame while a core is idle.
    """
    if workers <= 1:
        previous: tuple[Rect, np.ndarray] | None = None
        for rect in rects:
            if previous is None or previous[0] != rect:
                previous = (rect, source.frame(rect, width, height))
            yield previous[1]
        return
    pending: deque[tuple[Rect, Future[np.ndarray] | None]] = deque()
    last: Rect | None = None
    made = np.empty(0, dtype=np.uint8)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        try:
            for rect in rects:
                # Same rectangle as the one before: reuse that frame (None) instead of making it again.
                job = None if rect == last else pool.submit(source.frame, rect, width, height)
                pending.append((rect, job))
                last = rect
                if len(pending) > 2 * workers:
                    made = _finished(pending.popleft(), made)
                    yield made
            while pending:
                made = _finished(pending.popleft(), made)
                yield made
        finally:
            for _, job in pending:
                if job is not None:
                    job.cancel()


def _finished(entry: tuple[Rect, Future[np.ndarray] | None], previous: np.ndarray) -> np.ndarray:
    job = entry[1]
    return previous if job is None else job.result()
