"""Loudness is ffmpeg's ebur128, read from its metadata: a full-scale 1 kHz sine measures about -3 LUFS."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from nodes.audio.loudness import measure, parse_metadata
from nodes.audio.pcm import RATE


def _sine(amplitude: float, seconds: float = 3.0, freq: float = 1000.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    wave = (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return np.stack([wave, wave])


def test_parse_takes_the_last_frame_totals() -> None:
    text = ("frame:0 pts:0 pts_time:0\nlavfi.r128.I=-70.000\nlavfi.r128.true_peak=0.100\n"
            "frame:1 pts:4800 pts_time:0.1\nlavfi.r128.I=-20.500\nlavfi.r128.true_peak=0.500\n")
    found = parse_metadata(text)
    assert found.integrated == -20.5
    assert found.true_peak == pytest.approx(20 * math.log10(0.5))


def test_sine_levels(tmp_path: Path) -> None:
    # BS.1770: a 0 dBFS 1 kHz sine in one channel reads -3.01 LUFS; in both channels the powers add (+3 dB).
    loud = measure(_sine(1.0), tmp_path, true_peak=True)
    assert loud.integrated == pytest.approx(0.0, abs=0.2)
    quiet = measure(_sine(0.1), tmp_path, true_peak=True)
    assert quiet.integrated == pytest.approx(-20.0, abs=0.2)
    assert quiet.true_peak == pytest.approx(-20.0, abs=0.1)


def test_silence_is_minus_infinity(tmp_path: Path) -> None:
    assert measure(np.zeros((2, RATE), dtype=np.float32), tmp_path).silent
    assert measure(np.zeros((2, 0), dtype=np.float32), tmp_path).silent
