"""A coarse spectrum summary: the level of each octave band relative to the whole signal.

Ten numbers catch a changed timbre (music swapped, an equaliser, a missing voice) without being sensitive
to timing, and they are independent of overall gain, which the loudness check covers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nodes.media.decode import decode_audio

BAND_CENTRES_HZ = [31.5, 63, 125, 250, 500, 1000, 2000, 4000, 8000, 16000]
_BLOCK = 8192
_FLOOR_DB = -90.0


def decode_mono(media: Path) -> tuple[np.ndarray, int]:
    """The first audio stream of ``media`` as mono float32 samples (its channels averaged), and its rate."""
    channels, rate = decode_audio(media)
    return channels.mean(axis=0).astype(np.float32), rate


def band_levels(samples: np.ndarray, rate: int) -> list[float]:
    """Level in dB of each octave band around BAND_CENTRES_HZ, relative to the total power."""
    if samples.size < _BLOCK:
        samples = np.pad(samples, (0, _BLOCK - samples.size))
    blocks = samples[: samples.size // _BLOCK * _BLOCK].reshape(-1, _BLOCK).astype(np.float64)
    power = np.mean(np.abs(np.fft.rfft(blocks * np.hanning(_BLOCK), axis=1)) ** 2, axis=0)
    freqs = np.fft.rfftfreq(_BLOCK, 1 / rate)
    total = float(power[1:].sum())
    levels = []
    for centre in BAND_CENTRES_HZ:
        band = (freqs >= centre / np.sqrt(2)) & (freqs < centre * np.sqrt(2))
        share = float(power[band].sum()) / total if total > 0 else 0.0
        levels.append(round(max(10 * np.log10(share), _FLOOR_DB) if share > 0 else _FLOOR_DB, 2))
    return levels


def spectrum(media: Path) -> list[float]:
    samples, rate = decode_mono(media)
    return band_levels(samples, rate)
