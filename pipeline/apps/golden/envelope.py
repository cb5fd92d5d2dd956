"""Loudness of a file's audio, measured by ffmpeg's EBU R128 meter (``nodes.media.ebur128``).

The momentary loudness (400 ms window) is the envelope: the 3 s short-term window reads "silence" for any
video shorter than 3 s, and is too smooth to notice a moved or missing sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nodes.media.ebur128 import ebur128_readings

FLOOR_LUFS = -70.0  # readings below this (silence, or the meter still filling its window) count as this


@dataclass(frozen=True)
class Loudness:
    integrated: float  # LUFS
    loudness_range: float  # LU
    envelope: list[float]  # momentary loudness every 100 ms, LUFS, floored at FLOOR_LUFS


def _parse(text: str) -> Loudness:
    envelope: list[float] = []
    integrated = FLOOR_LUFS
    lra = 0.0
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if not sep:
            continue
        try:
            number = float(value)
        except ValueError:
            continue
        if key == "lavfi.r128.M":
            envelope.append(round(max(number, FLOOR_LUFS), 2))
        elif key == "lavfi.r128.I":
            integrated = number
        elif key == "lavfi.r128.LRA":
            lra = number
    return Loudness(round(max(integrated, FLOOR_LUFS), 2), round(lra, 2), envelope)


def measure(media: Path) -> Loudness:
    """Integrated loudness, loudness range and momentary envelope of the first audio stream of ``media``."""
    return _parse(ebur128_readings(media))
