"""Decoding to 48 kHz stereo float32: mono at full level on both sides, resampled, bounded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from nodes.audio.pcm import RATE, fit_length, read_audio, write_wav
from pipeline.node import NodeInputError


def test_mono_22k_becomes_stereo_48k_at_full_level(tmp_path: Path) -> None:
    t = np.arange(22050) / 22050
    sf.write(tmp_path / "m.wav", (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 22050)
    samples = read_audio(tmp_path / "m.wav", field="audio")
    assert samples.dtype == np.float32 and samples.shape[0] == 2
    assert samples.shape[1] == pytest.approx(RATE, abs=64)
    assert np.array_equal(samples[0], samples[1])
    assert float(np.abs(samples[0, 1000:-1000]).max()) == pytest.approx(0.5, abs=0.01)


def test_decoding_stops_at_max_samples(tmp_path: Path) -> None:
    write_wav(tmp_path / "long.wav", np.full((2, 10 * RATE), 0.1, dtype=np.float32))
    samples = read_audio(tmp_path / "long.wav", field="music", max_samples=RATE // 2)
    assert samples.shape == (2, RATE // 2)


def test_fit_length_pads_and_cuts() -> None:
    ones = np.ones((2, 10), dtype=np.float32)
    assert fit_length(ones, 4).shape == (2, 4)
    padded = fit_length(ones, 15)
    assert padded.shape == (2, 15) and not padded[:, 10:].any()


def test_garbage_is_an_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ogg"
    bad.write_bytes(b"OggS but not really" * 30)
    with pytest.raises(NodeInputError) as caught:
        read_audio(bad, field="music")
    assert caught.value.field == "music" and caught.value.hint
