"""The mix: levelled narration, ducked music, the loudness target met under the true-peak ceiling."""

from __future__ import annotations

import numpy as np
import pytest

from nodes.audio.level import level
from nodes.audio.limiter import true_peak_db
from nodes.audio.loudness import measure
from nodes.audio.mix import MusicSettings, mix
from nodes.audio.normalize import normalize
from nodes.audio.pcm import RATE


def _tone(seconds: float, freq: float, amplitude: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    wave = (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return np.stack([wave, wave])


def test_level_brings_scenes_to_the_same_loudness() -> None:
    quiet, loud = _tone(2, 300, 0.02), _tone(2, 300, 0.6)
    for scene in (quiet, loud):
        assert measure(level(scene, -20).samples).integrated == pytest.approx(-20, abs=0.1)
    silent = level(np.zeros((2, RATE), dtype=np.float32), -20)
    assert silent.gain_db == 0 and not np.any(silent.samples)


def test_normalize_hits_target_under_ceiling() -> None:
    rng = np.random.default_rng(5)
    # Speech-like: loud bursts with high crest factor; reaching -14 LUFS pushes peaks over 0 dBTP.
    bursts = (rng.standard_normal((2, 4 * RATE)) * 0.05).astype(np.float32)
    bursts[:, ::4800] = 0.9
    result = normalize(bursts, target_lufs=-14, true_peak_db=-1)
    assert measure(result.samples).integrated == pytest.approx(-14, abs=0.25)
    assert true_peak_db(result.samples) <= -1.0


def test_music_only_and_silence() -> None:
    silence = np.zeros((2, 2 * RATE), dtype=np.float32)
    music = _tone(0.5, 1000, 0.5)
    out, report = mix([silence], [], music, settings=MusicSettings(), target_lufs=-16, true_peak_db=-1)
    assert out.shape == (2, 2 * RATE)
    assert report.loudness == pytest.approx(-16, abs=0.25)
    out, report = mix([silence, silence], [RATE // 2], None, settings=MusicSettings(), target_lufs=-16,
                      true_peak_db=-1)
    assert out.shape == (2, 3 * RATE + RATE // 2) and not np.any(out)
