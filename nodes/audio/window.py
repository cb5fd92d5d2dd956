"""Sliding-window minimum and moving average over long 1-D arrays, vectorised (no per-sample loop).

The minimum uses the van Herk / Gil-Werman scheme: per block of the window's width, a running minimum
from the left and one from the right; any window spans at most two blocks, so its minimum is the min of
one right-running and one left-running value.
"""

from __future__ import annotations

import numpy as np


def sliding_min(values: np.ndarray, width: int, *, fill: float = np.inf) -> np.ndarray:
    """``out[i] = min(values[i : i + width])``; positions past the end count as ``fill``."""
    n = values.shape[0]
    if width <= 1 or n == 0:
        return values.copy()
    blocks = -(-(n + width) // width)
    padded = np.full(blocks * width, fill, dtype=values.dtype)
    padded[:n] = values
    shaped = padded.reshape(blocks, width)
    from_left = np.minimum.accumulate(shaped, axis=1).ravel()
    from_right = np.minimum.accumulate(shaped[:, ::-1], axis=1)[:, ::-1].ravel()
    index = np.arange(n)
    return np.minimum(from_right[index], from_left[index + width - 1])


def sliding_max(values: np.ndarray, width: int, *, fill: float = -np.inf) -> np.ndarray:
    """``out[i] = max(values[i : i + width])``."""
    return -sliding_min(-values, width, fill=-fill)


def trailing_mean(values: np.ndarray, width: int, *, fill: float) -> np.ndarray:
    """``out[i] = mean(values[i - width + 1 : i + 1])``; positions before the start count as ``fill``."""
    if width <= 1:
        return values.copy()
    padded = np.concatenate([np.full(width, fill, dtype=np.float64), values.astype(np.float64)])
    sums = np.cumsum(padded)
    return ((sums[width:] - sums[:-width]) / width).astype(values.dtype)
