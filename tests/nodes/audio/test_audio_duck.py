"""Ducking: the music is exactly ``depth`` dB down under speech, back up in gaps, already down at onset."""

from __future__ import annotations

import numpy as np
import pytest

from nodes.audio.duck import duck_gain, speech_windows
from nodes.audio.pcm import RATE


def _speech(seconds: float, spans: list[tuple[float, float]]) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    wave = np.zeros_like(t)
    for start, end in spans:
        inside = (t >= start) & (t < end)
        wave[inside] = 0.3 * np.sin(2 * np.pi * 220 * t[inside])
    return np.stack([wave, wave]).astype(np.float32)


def _db(gain: np.ndarray, start: float, end: float) -> float:
    return float(20 * np.log10(gain[int(start * RATE):int(end * RATE)].max()))


def test_depth_under_speech_and_full_level_in_gaps() -> None:
    voice = _speech(6.0, [(1.0, 2.5), (4.0, 5.0)])
    gain = duck_gain(voice, depth_db=12, attack_ms=100, release_ms=400)
    assert _db(gain, 1.0, 2.5) == pytest.approx(-12, abs=0.01)  # full depth from the first sample
    assert _db(gain, 4.0, 5.0) == pytest.approx(-12, abs=0.01)
    assert _db(gain, 0.0, 0.85) == pytest.approx(0, abs=0.01)
    assert _db(gain, 3.0, 3.85) == pytest.approx(0, abs=0.01)
    # Attack ramps down before the onset; release ramps up after the end.
    assert -12 < 20 * np.log10(gain[int(0.95 * RATE)]) < 0
    assert -12 < 20 * np.log10(gain[int(2.7 * RATE)]) < 0


def test_short_pauses_between_words_stay_ducked() -> None:
    voice = _speech(3.0, [(0.5, 1.0), (1.15, 1.6)])
    active = speech_windows(voice)
    assert active[int(1.05 * 100)] and not active[int(2.5 * 100)]
    gain = duck_gain(voice, depth_db=15, attack_ms=50, release_ms=300)
    assert _db(gain, 0.5, 1.6) == pytest.approx(-15, abs=0.01)


def test_no_speech_no_ducking() -> None:
    gain = duck_gain(np.zeros((2, RATE), dtype=np.float32), depth_db=12, attack_ms=50, release_ms=300)
    assert np.all(gain == 1.0)
