"""Similarity measures: SSIM and PSNR on small generated pictures, octave-band spectrum differences."""

from __future__ import annotations

import math

import numpy as np

from pipeline.apps.golden.compare import spectrum_difference
from pipeline.apps.golden.similarity import luma, psnr, ssim


def _picture(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:96, 0:64]
    base = 128 + 60 * np.sin(x / 7.0) * np.cos(y / 9.0)
    return np.clip(base + rng.normal(0, 3, base.shape), 0, 255)


def test_identical_pictures_score_one_and_infinite_psnr():
    a = _picture()
    assert ssim(a, a) == 1.0
    assert math.isinf(psnr(a, a))


def test_light_noise_stays_above_the_default_threshold_and_a_changed_picture_does_not():
    a = _picture()
    noisy = np.clip(a + np.random.default_rng(1).normal(0, 1.5, a.shape), 0, 255)
    assert 0.97 < ssim(a, noisy) < 1.0
    assert 35 < psnr(a, noisy) < 60
    changed = a.copy()
    changed[30:60, 10:50] = 250.0  # a caption box appeared
    assert ssim(a, changed) < 0.9
    assert ssim(a, _picture(seed=2)[::-1]) < 0.5


def test_ssim_is_symmetric_and_handles_pictures_smaller_than_the_window():
    a, b = _picture(3), _picture(4)
    assert abs(ssim(a, b) - ssim(b, a)) < 1e-12
    tiny = a[:6, :5]
    assert ssim(tiny, tiny) == 1.0


def test_luma_weights_green_most():
    rgb = np.zeros((1, 3, 3), dtype=np.uint8)
    rgb[0, 0] = (255, 0, 0)
    rgb[0, 1] = (0, 255, 0)
    rgb[0, 2] = (0, 0, 255)
    red, green, blue = luma(rgb)[0]
    assert green > red > blue
    assert abs(luma(np.full((1, 1, 3), 255, dtype=np.uint8))[0, 0] - 255) < 1e-9


def test_spectrum_ignores_bands_too_quiet_to_hear_in_both() -> None:
    bands = [31.5, 63.0, 1000.0]
    # 31.5 Hz: -70 against -45, both under the -40 dB floor: not compared. 63 Hz: rises above it: compared.
    assert spectrum_difference([-70.0, -50.0, -3.0], [-45.0, -35.0, -4.0], bands) == (15.0, 63.0)
    assert spectrum_difference([-70.0, -50.0, -3.0], [-45.0, -48.0, -4.0], bands) == (1.0, 1000.0)
    assert spectrum_difference([], [], []) == (0.0, 0.0)
