"""Frames sampled at fixed times, decoded with PyAV and shrunk to small thumbnails.

Sample times are frame-exact (index / fps) and evenly spaced inside the video, never the very first or
last frame (fades and encoder warm-up make those the least stable). Thumbnails are small enough that a
golden set stays a few hundred KB, yet captions and the picture's layout are still visible in them.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

MAX_WIDTH = 180
MAX_HEIGHT = 320


def sample_indices(frame_count: int, samples: int) -> list[int]:
    """``samples`` frame indices evenly spaced strictly inside ``0..frame_count-1`` (fewer when short)."""
    if frame_count < 3:
        return list(range(frame_count))[: max(samples, 0)]
    indices = [round(frame_count * (i + 1) / (samples + 1)) for i in range(samples)]
    return sorted({min(max(i, 1), frame_count - 2) for i in indices})


def thumbnail(rgb: np.ndarray, size: tuple[int, int] | None = None) -> np.ndarray:
    """``rgb`` shrunk to fit MAX_WIDTH x MAX_HEIGHT (or to exactly ``size``, width x height)."""
    image = Image.fromarray(rgb)
    if size is None:
        scale = min(MAX_WIDTH / image.width, MAX_HEIGHT / image.height, 1.0)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    if size != image.size:
        image = image.resize(size, Image.Resampling.LANCZOS)
    return np.asarray(image.convert("RGB"))


def frames_at(video: Path, times: list[float], fps: Fraction) -> list[np.ndarray | None]:
    """The RGB frame shown at each of ``times`` (seconds from the first frame); None past the end.

    Each time is found by seeking to the keyframe before it and decoding forward to the first frame that
    starts within half a frame of it, so the same file always yields the same frames.
    """
    found: list[np.ndarray | None] = []
    half = float(1 / fps) / 2
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        base = stream.time_base
        if base is None:  # not a video PyAV can place in time
            return [None for _ in times]
        start = float(stream.start_time * base) if stream.start_time is not None else 0.0
        for time in times:
            target = start + time
            container.seek(max(0, int((target - 1.0) / base)), stream=stream, backward=True)
            picked = None
            last, last_time = None, 0.0
            for frame in container.decode(stream):
                if frame.pts is None:
                    continue
                last, last_time = frame, float(frame.pts * base)
                if last_time >= target - half:
                    picked = frame
                    break
            if picked is None and last is not None and last_time >= target - 2 * half:
                picked = last
            found.append(picked.to_ndarray(format="rgb24") if picked is not None else None)
    return found


def load_png(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))
