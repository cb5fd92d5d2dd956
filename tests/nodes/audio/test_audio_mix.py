"""The mix: levelled narration, ducked music, the loudness target met under the true-peak ceiling."""

from __future__ import annotations

import numpy as np
import pytest

from nodes.audio.bs1770 import measure
from nodes.audio.level import level
from nodes.audio.limiter import true_peak_db
from nodes.audio.mix import MusicSettings, mix
from nodes.audio.pcm import RATE
from nodes.audio.to_target import normalize


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
    assert measure(result.samples).integrated == pytest.approx(-14, abs=0.03)
    assert true_peak_db(result.samples) <= -1.0
    assert result.reached


def test_normalize_says_when_the_ceiling_forbids_the_target() -> None:
    """A -5 LUFS target under a -12 dBTP ceiling: even a square wave at the ceiling is quieter, so the
    target is missed, and the result says so (instead of claiming it)."""
    result = normalize(_tone(2, 300, 0.3), target_lufs=-5, true_peak_db=-12)
    assert not result.reached
    assert result.loudness < -5.5
    assert true_peak_db(result.samples) <= -12.0


def test_music_only_and_silence() -> None:
    silence = np.zeros((2, 2 * RATE), dtype=np.float32)
    music = _tone(0.5, 1000, 0.5)
    out, report = mix([silence], [], music, settings=MusicSettings(), target_lufs=-16, true_peak_db=-1)
    assert out.shape == (2, 2 * RATE)
    assert report.loudness == pytest.approx(-16, abs=0.25)
    out, report = mix([silence, silence], [RATE // 2], None, settings=MusicSettings(), target_lufs=-16,
                      true_peak_db=-1)
    assert out.shape == (2, 3 * RATE + RATE // 2) and not np.any(out)


def _compiled_signatures() -> dict[str, list[object]]:
    from nodes.audio import bs1770, duck, limiter, window

    kernels = {"envelope": limiter._envelope, "step_energies": bs1770._step_energies,
               "window_power": duck._window_power, "ramps": duck._ramps, "sliding_min": window._sliding_min,
               "trailing_mean": window._trailing_mean}
    return {name: list(kernel.signatures) for name, kernel in kernels.items()}


def test_load_kernels_prepares_every_kernel_a_real_mix_uses() -> None:
    """The merge node's warm-up: after it, a real mix (stereo scenes from the renders, stereo music)
    compiles nothing new, so it really starts at once."""
    from nodes.audio.mix import load_kernels

    load_kernels()
    loaded = _compiled_signatures()
    assert all(loaded.values()), loaded
    speech = np.concatenate([_tone(1.5, 300, 0.3), np.zeros((2, RATE // 2), np.float32)], axis=1)
    mix([speech, speech * 0.5], [RATE // 10], _tone(4.0, 110, 0.2), settings=MusicSettings(),
        target_lufs=-14.0, true_peak_db=-1.0)
    assert _compiled_signatures() == loaded


def test_scenes_levelled_at_once_give_the_same_mix() -> None:
    scenes = [_tone(1.5, 200 + 100 * k, 0.05 * (k + 1)) for k in range(4)]
    scenes[2][:] = 0  # a silent scene among them keeps its place
    music = _tone(2.0, 880, 0.3)
    one, one_report = mix(scenes, [RATE // 10] * 3, music, settings=MusicSettings(), target_lufs=-16,
                          true_peak_db=-1)
    many, many_report = mix(scenes, [RATE // 10] * 3, music, settings=MusicSettings(), target_lufs=-16,
                            true_peak_db=-1, workers=3)
    assert one.tobytes() == many.tobytes()
    assert one_report == many_report and many_report.scene_gains_db[2] == 0.0
