"""Motion jitter of a video: how far each frame-to-frame step departs from a smooth trajectory, in pixels.

For every pair of consecutive frames the shift of a few patches (spread over the frame) is measured by
phase correlation, its peak located to a thousandth of a pixel by evaluating the correlation surface on
ever finer grids (no peak-interpolation formula, whose bias would itself look like jitter). Each patch's
per-frame steps are then compared with their moving average; the rms of the residual is the jitter. A
smooth renderer scores near the codec's noise floor, one that rounds crop positions to whole pixels
scores several tenths of a pixel.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

PATCH = 256
# Patch centres as fractions of the frame.
CENTRES = ((0.3, 0.25), (0.7, 0.25), (0.5, 0.5), (0.3, 0.75), (0.7, 0.75))
SMOOTH_FRAMES = 9
# Frequencies above this (cycles per pixel) are left out: interpolation and the codec's noise bend their
# phase, which would read as spurious sub-pixel shifts; the motion the eye follows lives below it.
CUTOFF = 0.125


def _window(size: int) -> np.ndarray:
    hann = np.hanning(size).astype(np.float64)
    return np.outer(hann, hann)


def _refine(spectrum: np.ndarray, guess: tuple[float, float], span: float, count: int = 21) -> tuple[float, float]:
    """The peak of the correlation surface (the inverse DFT of ``spectrum``) on a fine grid around ``guess``,
    evaluated directly as a small matrix DFT (no zero-padded FFT needed)."""
    size_y, size_x = spectrum.shape
    offsets = np.linspace(-span, span, count)
    sx, sy = guess[0] + offsets, guess[1] + offsets
    along_x = np.exp(2j * np.pi * np.outer(np.fft.fftfreq(size_x), sx))
    along_y = np.exp(2j * np.pi * np.outer(sy, np.fft.fftfreq(size_y)))
    surface = (along_y @ spectrum @ along_x).real
    iy, ix = np.unravel_index(int(np.argmax(surface)), surface.shape)
    return float(sx[ix]), float(sy[iy])


def shift_between(before: np.ndarray, after: np.ndarray, window: np.ndarray) -> tuple[float, float]:
    """(dx, dy) such that ``after`` shows ``before``'s content moved by that many pixels.

    Phase correlation: the whitened cross-power spectrum's inverse is a sharp peak at the shift; its
    integer position comes from an FFT, then the peak is found to 0.001 px by evaluating the surface on
    ever finer grids (accurate to about 0.01 px on bilinearly shifted, textured patches).
    """
    a = np.fft.fft2((before - before.mean()) * window)
    b = np.fft.fft2((after - after.mean()) * window)
    cross = b * np.conj(a)
    radius = np.hypot(*np.meshgrid(np.fft.fftfreq(cross.shape[0]), np.fft.fftfreq(cross.shape[1]),
                                   indexing="ij"))
    whitened = cross / (np.abs(cross) + 1e-12) * (radius <= CUTOFF)
    surface = np.fft.ifft2(whitened).real
    peak_y, peak_x = np.unravel_index(int(np.argmax(surface)), surface.shape)
    size_y, size_x = surface.shape
    guess = (float(peak_x - size_x if peak_x > size_x // 2 else peak_x),
             float(peak_y - size_y if peak_y > size_y // 2 else peak_y))
    for span in (1.0, 0.1, 0.01):
        guess = _refine(whitened, guess, span)
    return guess


def luma_frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="gray").astype(np.float64) for frame in container.decode(video=0)]


def steps(frames: list[np.ndarray]) -> np.ndarray:
    """Per-frame shifts of each patch: shape (patches, frames - 1, 2)."""
    height, width = frames[0].shape
    window = _window(PATCH)
    boxes = []
    for cx, cy in CENTRES:
        x0 = int(np.clip(cx * width - PATCH / 2, 0, width - PATCH))
        y0 = int(np.clip(cy * height - PATCH / 2, 0, height - PATCH))
        boxes.append((slice(y0, y0 + PATCH), slice(x0, x0 + PATCH)))
    out = np.zeros((len(boxes), len(frames) - 1, 2))
    for t in range(len(frames) - 1):
        for p, box in enumerate(boxes):
            out[p, t] = shift_between(frames[t][box], frames[t + 1][box], window)
    return out


def jitter_px(path: Path) -> float:
    """The rms residual (px) of the per-frame patch shifts from their moving average."""
    shifts = steps(luma_frames(path))
    kernel = np.ones(SMOOTH_FRAMES) / SMOOTH_FRAMES
    half = SMOOTH_FRAMES // 2
    residuals = []
    for patch in shifts:
        for axis in range(2):
            series = patch[:, axis]
            smooth = np.convolve(series, kernel, mode="valid")
            residuals.append(series[half:half + smooth.size] - smooth)
    return float(np.sqrt(np.mean(np.concatenate(residuals) ** 2)))
