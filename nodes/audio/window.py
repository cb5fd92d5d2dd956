"""Sliding-window minimum and moving average over long 1-D arrays, compiled (numba).

The minimum uses the van Herk / Gil-Werman scheme: per block of the window's width, a running minimum
from the left and one from the right; any window spans at most two blocks, so its minimum is the min of
one right-running and one left-running value: three passes, whatever the width. The limiter runs these
over every sample of the mix, several times per normalisation (about 10 ms for 70 s, against 60 ms for
the same scheme in numpy, which needs a copy per step).
"""

from __future__ import annotations

import numpy as np
from numba import njit


def sliding_min(values: np.ndarray, width: int, *, fill: float = np.inf) -> np.ndarray:
    """``out[i] = min(values[i : i + width])``; positions past the end count as ``fill``."""
    if width <= 1 or values.shape[0] == 0:
        return values.copy()
    return _sliding_min(np.ascontiguousarray(values), width, values.dtype.type(fill))


def sliding_max(values: np.ndarray, width: int, *, fill: float = -np.inf) -> np.ndarray:
    """``out[i] = max(values[i : i + width])``."""
    return -sliding_min(-values, width, fill=-fill)


def trailing_mean(values: np.ndarray, width: int, *, fill: float) -> np.ndarray:
    """``out[i] = mean(values[i - width + 1 : i + 1])``; positions before the start count as ``fill``."""
    if width <= 1:
        return values.copy()
    return _trailing_mean(np.ascontiguousarray(values), width, fill).astype(values.dtype)


@njit(cache=True, nogil=True)
def _sliding_min(values: np.ndarray, width: int, fill: np.generic) -> np.ndarray:  # pragma: no cover
    n = values.shape[0]
    size = (-(-(n + width) // width)) * width
    padded = np.full(size, fill, dtype=values.dtype)
    padded[:n] = values
    from_left = np.empty_like(padded)
    from_right = np.empty_like(padded)
    for start in range(0, size, width):
        running = padded[start]
        for i in range(start, start + width):
            running = min(running, padded[i])
            from_left[i] = running
        running = padded[start + width - 1]
        for i in range(start + width - 1, start - 1, -1):
            running = min(running, padded[i])
            from_right[i] = running
    out = np.empty(n, dtype=values.dtype)
    for i in range(n):
        out[i] = min(from_right[i], from_left[i + width - 1])
    return out


@njit(cache=True, nogil=True)
def _trailing_mean(values: np.ndarray, width: int, fill: float) -> np.ndarray:  # pragma: no cover
    """A running sum in float64 (over hours of samples the rounding stays far under a 16-bit step)."""
    n = values.shape[0]
    out = np.empty(n, dtype=np.float64)
    total = fill * width
    for i in range(n):
        leaving = values[i - width] if i >= width else fill
        total += np.float64(values[i]) - np.float64(leaving)
        out[i] = total / width
    return out
