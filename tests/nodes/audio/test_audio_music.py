"""The music bed: exact length whether the music is shorter or longer, seamless loops, fades, volume."""

from __future__ import annotations

import numpy as np
import pytest

from nodes.audio.music import fade_curve, looped, music_bed
from nodes.audio.pcm import RATE


def _tone(seconds: float, freq: float = 880.0, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(round(seconds * RATE))) / RATE
    wave = (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return np.stack([wave, wave])


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))


def test_shorter_music_loops_to_the_exact_length_without_gaps() -> None:
    bed = looped(_tone(0.5), 3 * RATE + 17)
    assert bed.shape == (2, 3 * RATE + 17)
    # 440 whole cycles per loop: the crossfaded seams keep the level (no dips, no clicks).
    levels = [_rms(bed[:, i:i + 480]) for i in range(0, bed.shape[1] - 480, 480)]
    assert min(levels) == pytest.approx(0.5 / np.sqrt(2), rel=0.02)
    assert max(levels) == pytest.approx(0.5 / np.sqrt(2), rel=0.02)


def test_longer_music_is_trimmed() -> None:
    music = _tone(5.0)
    bed = music_bed(music, RATE, volume_db=0, fade_in=0, fade_out=0)
    assert np.array_equal(bed, music[:, :RATE])


def test_no_loop_leaves_silence_after_the_music() -> None:
    bed = music_bed(_tone(0.5), RATE, volume_db=0, fade_in=0, fade_out=0, loop=False)
    assert bed.shape == (2, RATE)
    assert _rms(bed[:, RATE // 2:]) == 0.0


def test_volume_and_fades() -> None:
    bed = music_bed(_tone(1.0), 4 * RATE, volume_db=-20, fade_in=1.0, fade_out=1.0)
    assert _rms(bed[:, int(1.5 * RATE):int(2.5 * RATE)]) == pytest.approx(0.05 / np.sqrt(2), rel=0.02)
    assert abs(bed[:, :10]).max() < 1e-4 and abs(bed[:, -10:]).max() < 1e-4
    assert _rms(bed[:, :RATE // 4]) < _rms(bed[:, RATE // 2:RATE])


def test_fades_longer_than_half_the_bed_are_clamped() -> None:
    bed = music_bed(_tone(1.0), RATE, volume_db=0, fade_in=5, fade_out=5)
    assert bed.shape == (2, RATE)
    middle = bed[:, RATE // 2 - 480:RATE // 2 + 480]
    assert _rms(middle) > 0.3  # both fades meet at the middle, at full level


def test_fade_curve_is_monotonic_from_zero_to_one() -> None:
    curve = fade_curve(100)
    assert curve[0] < 0.01 and curve[-1] > 0.99 and np.all(np.diff(curve) > 0)
    assert np.allclose(curve + curve[::-1], 1.0)
