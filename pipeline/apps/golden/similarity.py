"""SSIM and PSNR of two pictures, on luma, in plain numpy.

SSIM (Wang et al. 2004) with the usual 11-tap gaussian window (sigma 1.5) and constants K1=0.01, K2=0.03
compares local structure, so it tolerates encoder noise yet drops clearly when text, a picture or framing
changes. It is computed on luma because that is where viewers see detail.
"""

from __future__ import annotations

import math

import numpy as np

_K1, _K2, _PEAK = 0.01, 0.03, 255.0


def luma(rgb: np.ndarray) -> np.ndarray:
    """BT.601 luma (0..255, float64) of an RGB uint8 picture (height x width x 3)."""
    pixels = rgb.astype(np.float64)
    return pixels[..., 0] * 0.299 + pixels[..., 1] * 0.587 + pixels[..., 2] * 0.114


def _gaussian(size: int = 11, sigma: float = 1.5) -> np.ndarray:
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2
    kernel = np.exp(-(x * x) / (2 * sigma * sigma))
    normalised: np.ndarray = kernel / kernel.sum()
    return normalised


def _blur(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Separable 'valid' filtering: rows, then columns."""
    windows = np.lib.stride_tricks.sliding_window_view
    rows = windows(image, kernel.size, axis=1) @ kernel
    blurred: np.ndarray = windows(rows, kernel.size, axis=0) @ kernel
    return blurred


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM of two equally sized luma pictures (0..255); 1.0 means identical."""
    if a.shape != b.shape:
        raise ValueError(f"pictures differ in size: {a.shape} vs {b.shape}")
    size = min(11, a.shape[0], a.shape[1])
    kernel = _gaussian(size, 1.5 * size / 11)
    c1, c2 = (_K1 * _PEAK) ** 2, (_K2 * _PEAK) ** 2
    mu_a, mu_b = _blur(a, kernel), _blur(b, kernel)
    var_a = _blur(a * a, kernel) - mu_a * mu_a
    var_b = _blur(b * b, kernel) - mu_b * mu_b
    cov = _blur(a * b, kernel) - mu_a * mu_b
    index = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2))
    return float(index.mean())


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB; ``inf`` for identical pictures."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(_PEAK * _PEAK / mse)
