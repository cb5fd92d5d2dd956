"""Chunked AAC encoding: the spliced stream decodes like a single encode, sample-aligned and exactly as long."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from nodes.media.aac import FRAME, MIN_CHUNK_SECONDS, AacTrack, adts_frames, chunk_bounds, encode_aac
from nodes.media.ffmpeg import ffmpeg_exe, run_ffmpeg
from nodes.media.filters import SAMPLE_RATE
from pipeline.node import NodeError


def _program(seconds: float, seed: int = 3) -> np.ndarray:
    """Voiced, speech-like bursts (harmonics of a random pitch, sharp onsets, some right at the chunk
    seams) over a chord, stereo float32. Tonal on purpose: the coder keeps tones to a high SNR, while
    it may leave noise at 10 dB (the ear does not hear the difference), so SNR would measure nothing."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    chord = 0.08 * (np.sin(2 * np.pi * 110 * t) + np.sin(2 * np.pi * 165 * t + 1) + np.sin(2 * np.pi * 220 * t))
    bursts = np.zeros(n)
    onsets = list(rng.integers(0, n - 9600, 40)) + [b for b in chunk_bounds(n, 3)[1:-1]]
    for onset in onsets:
        length = int(rng.integers(2400, 9600))
        pitch = rng.uniform(110, 250)
        k = np.arange(length) / SAMPLE_RATE
        voiced = sum(np.sin(2 * np.pi * pitch * h * k) / h for h in range(1, 8))
        bursts[onset:onset + length] += 0.12 * voiced * np.hanning(length) ** 0.2
    left, right = chord + bursts, 0.8 * chord + 0.9 * bursts
    return np.stack([left, right]).astype(np.float32)


def _mux_and_decode(track: AacTrack, work: Path) -> np.ndarray:
    m4a = work / f"{track.path.stem}.m4a"
    run_ffmpeg([*track.input_args(), *track.copy_args(), str(m4a)])
    done = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(m4a), "-f", "f32le", "-ac", "2", "-"],
                          capture_output=True, check=True)
    return np.frombuffer(done.stdout, dtype=np.float32).reshape(-1, 2).T


def _snr_db(decoded: np.ndarray, source: np.ndarray) -> float:
    return float(10 * np.log10(np.sum(source.astype(np.float64) ** 2) / np.sum((decoded - source) ** 2.0)))


def test_chunk_bounds_are_frame_aligned_and_not_too_short() -> None:
    n = int(100 * SAMPLE_RATE) + 123
    bounds = chunk_bounds(n, 4)
    assert bounds[0] == 0 and bounds[-1] == n and len(bounds) == 5
    assert all(b % FRAME == 0 for b in bounds[1:-1])
    short = int(MIN_CHUNK_SECONDS * SAMPLE_RATE * 1.5)
    assert chunk_bounds(short, 8) == [0, short]  # two chunks would each be under the minimum
    assert chunk_bounds(1000, 2) == [0, 1000]


@pytest.mark.parametrize("seconds, parts", [(3.3, 2), (40.0, 2), (50.0, 3)], ids=["one-chunk", "two", "three"])
def test_spliced_encode_decodes_like_a_single_encode(tmp_path: Path, seconds: float, parts: int) -> None:
    source = _program(seconds)
    n = source.shape[1]
    chunked = encode_aac(source, tmp_path / "chunked.aac", parts=parts, exe=ffmpeg_exe())
    single = encode_aac(source, tmp_path / "single.aac", parts=1, exe=ffmpeg_exe())
    assert len(chunk_bounds(n, parts)) == (2 if seconds < 2 * MIN_CHUNK_SECONDS else parts + 1)
    assert chunked.frames == single.frames == -(-(n + FRAME) // FRAME)
    ours, reference = _mux_and_decode(chunked, tmp_path), _mux_and_decode(single, tmp_path)
    assert ours.shape == reference.shape == source.shape  # exactly as long as the samples
    whole = _snr_db(ours, source)
    assert whole > 35.0 and whole == pytest.approx(_snr_db(reference, source), abs=0.5)
    shifted = _snr_db(ours[:, FRAME:], source[:, :-FRAME])
    assert shifted < 10.0  # aligned at lag 0, not a frame off
    for seam in chunk_bounds(n, parts)[1:-1]:  # around each splice: as good as the single encode there
        around = slice(seam - 4 * FRAME, seam + 4 * FRAME)
        assert _snr_db(ours[:, around], source[:, around]) > _snr_db(reference[:, around], source[:, around]) - 1.5


def test_adts_parser_rejects_what_is_not_adts() -> None:
    with pytest.raises(NodeError, match="broken ADTS"):
        adts_frames(b"RIFF....WAVEfmt ", "x.aac")
    header = bytes([0xFF, 0xF1, 0x4C, 0x80, 0x20, 0x1F, 0xFC])  # says 257 bytes
    with pytest.raises(NodeError, match="truncated"):
        adts_frames(header + b"\x00" * 10, "x.aac")
    length = 7 + 3
    frame = bytes([0xFF, 0xF1, 0x4C, 0x80, (length >> 3) & 0xFF, ((length & 7) << 5) | 0x1F, 0xFC]) + b"abc"
    assert adts_frames(frame * 3, "x.aac") == [frame] * 3
