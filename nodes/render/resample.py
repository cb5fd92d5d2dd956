"""Sub-pixel resampling of one 8-bit plane from a fractional rectangle, compiled with numba.

Why not Pillow: ``Image.resize(box=...)`` gives the same triangle filter but costs about 11 ms for the
three planes of a 1080x1920 frame on one core, as much CPU as x264 spends encoding it; this kernel takes
about 2.3 ms, and 0.65 ms where the CPU has vector permutes (``resample_kernel.py``; bench/render_kenburns.py).
The filter is Pillow's with one change: a triangle ("bilinear"), kept at a radius of one source pixel up
to a 1.25x shrink and widened to the full shrink factor by 2x (``support``), so there is no aliasing at
strong shrinks while the usual Ken Burns range (a 10-30% zoom) stays on two or three taps, which is what
makes it fast. Taps that fall outside the plane are dropped and the rest renormalised (Pillow's edge
rule). Positions are kept in float64 until the weights are made, so a slow pan moves the picture by
hundredths of a pixel, smoothly.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from nodes.render import resample_kernel

# Up to this shrink the triangle keeps a one-pixel radius (two taps); from 2x it is as wide as the shrink.
NARROW_UP_TO = 1.25


def support(scale: float) -> float:
    """The triangle's radius in source pixels for ``scale`` source pixels per output pixel.

    Pillow widens it to ``scale`` as soon as the image shrinks; aliasing from a shrink of 25% or less
    only touches detail within a quarter of the finest the output can show, so the radius stays 1 up to
    there and then grows linearly to reach ``scale`` at 2x (continuous: a slow zoom never changes
    sharpness in a step)."""
    return max(1.0, min(scale, (scale - NARROW_UP_TO) / (2.0 - NARROW_UP_TO) + 1.0))


def taps(start: float, length: float, count: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """For ``count`` output pixels covering [start, start + length) of a line of ``size`` pixels: the
    first source pixel of each output pixel (int32) and the weights of that pixel and the next ones
    (float32, count x K, each row summing to 1)."""
    scale = length / count
    radius = support(scale)
    width = min(math.ceil(2.0 * radius), size)  # the most pixels a triangle of that radius touches
    first, weights = _taps(start, scale, radius, width, count, size)
    if weights.size and not np.isfinite(weights[:, 0]).all():
        raise ValueError(f"rectangle [{start}, {start + length}) lies outside the {size}-pixel plane")
    return first, weights


@njit(cache=True, nogil=True)
def _taps(start: float, scale: float, radius: float, width: int, count: int,
          size: int) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """``taps``' loop, in float64 as numpy would do it (four frames' worth of taps cost 0.5 ms in numpy,
    a fifth of the resampling itself). A row whose weights are all zero (outside the plane) comes back
    as NaN."""
    first = np.empty(count, dtype=np.int32)
    weights = np.empty((count, width), dtype=np.float32)
    row = np.empty(width)
    for i in range(count):
        centre = start + (i + 0.5) * scale
        lead = min(max(int(np.floor(centre - radius - 0.5)) + 1, 0), size - width)
        first[i] = lead
        total = 0.0
        for k in range(width):
            row[k] = max(1.0 - abs(lead + k + 0.5 - centre) / radius, 0.0)
            total += row[k]
        for k in range(width):
            weights[i, k] = row[k] / total if total > 0 else np.nan
    return first, weights


def resample(plane: np.ndarray, x0: float, y0: float, x1: float, y1: float, out: np.ndarray) -> np.ndarray:
    """Fill ``out`` (uint8, height x width) with the [x0, x1) x [y0, y1) rectangle of ``plane``."""
    resample_alike([plane], (x0, y0, x1, y1), [out])
    return out


def resample_alike(planes: list[np.ndarray], box: tuple[float, float, float, float],
                   outs: list[np.ndarray], lanes: int | None = None) -> None:
    """Resample planes of one size into outputs of one size (a frame's Cb and Cr) from the same
    rectangle: the taps are computed once for all of them. ``lanes`` forces a horizontal path (tests);
    by default blocks of ``block_path().lanes`` pixels wherever they fit."""
    x0, y0, x1, y1 = box
    height, width = outs[0].shape
    plane_h, plane_w = planes[0].shape
    xfirst, xweights = taps(x0, x1 - x0, width, plane_w)
    yfirst, yweights = taps(y0, y1 - y0, height, plane_h)
    if lanes is None:
        lanes = block_path().lanes
        lanes = lanes if resample_kernel.fits(xfirst, lanes, xweights.shape[1]) else 0
    columns = np.ascontiguousarray(xweights.T)  # once for every plane
    for plane, out in zip(planes, outs, strict=True):
        if lanes:
            resample_kernel.two_pass(plane, xfirst, columns, yfirst, yweights, out, lanes)
        else:
            resample_kernel.two_pass_scalar(plane, xfirst, columns, yfirst, yweights, out)


@dataclass(frozen=True)
class BlockPath:
    """The horizontal pass this process uses: ``lanes`` pixels a block (0: one at a time), and why."""

    lanes: int
    reason: str


# Self-check cases: (plane height, width), rectangle, output (height, width); two taps, then three.
_CHECKS = (((24, 90), (1.5, 0.5, 80.25, 23.0), (12, 70)), ((24, 90), (1.5, 0.5, 88.0, 23.0), (12, 60)))


@functools.cache
def block_path() -> BlockPath:
    """The permute blocks only once they have compiled and given the scalar kernel's bytes on a few
    planes; a compile error (an LLVM or numba that rejects our IR) or a wrong byte means the scalar
    kernel for the whole process: slower, never wrong."""
    width = resample_kernel.lanes()
    if width == 0:
        return BlockPath(0, "no AVX2 in the CPU numba compiles for")
    rng = np.random.default_rng(7)
    try:
        for plane_shape, box, shape in _CHECKS:
            plane = rng.integers(0, 256, plane_shape, dtype=np.uint8)
            blocks, scalar = np.zeros(shape, np.uint8), np.ones(shape, np.uint8)
            resample_alike([plane], box, [blocks], lanes=width)
            resample_alike([plane], box, [scalar], lanes=0)
            if not np.array_equal(blocks, scalar):
                return BlockPath(0, f"the {width}-pixel blocks failed their self-check (bytes differ)")
    except Exception as exc:  # numba raises many kinds; any of them means: do not use the blocks
        return BlockPath(0, f"the {width}-pixel blocks failed to compile ({type(exc).__name__}: "
                            f"{str(exc).splitlines()[0] if str(exc) else ''})")
    return BlockPath(width, "checked against the scalar kernel")


def load_kernels() -> None:
    """Compile, or load from numba's cache, the kernels for the plane types a render uses, and choose the
    horizontal pass (``block_path``)."""
    block_path()
    plane = np.zeros((8, 8), dtype=np.uint8)
    resample(plane, 0.5, 0.5, 7.5, 7.5, np.empty((4, 4), dtype=np.uint8))
