"""The AAC soundtrack: fixed chunks encoded at once (one plain encode up to 30 s), sample-aligned in the mux
and exactly as long as the mix, with the same bytes however many chunks ran at once."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from nodes.media.aac import CHUNK_SAMPLES, FRAME, PRIMING, AacTrack, adts_frames, encode_aac
from nodes.media.encoder import audio_encoder_args
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
    onsets = list(rng.integers(0, n - 9600, 40))
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


@pytest.mark.parametrize("seconds", [3.3, 20.0])
def test_track_is_one_encode_aligned_and_exactly_as_long(tmp_path: Path, seconds: float) -> None:
    source = _program(seconds)
    n = source.shape[1]
    track = encode_aac(source, tmp_path / "mix.aac", exe=ffmpeg_exe())
    assert track.frames == -(-(n + PRIMING) // FRAME)
    direct = tmp_path / "direct.aac"  # the same samples through one plain ffmpeg run
    raw = tmp_path / "mix.f32"
    raw.write_bytes(np.ascontiguousarray(source.T).tobytes())
    run_ffmpeg(["-f", "f32le", "-ar", str(SAMPLE_RATE), "-ac", "2", "-i", str(raw), *audio_encoder_args(),
                "-f", "adts", str(direct)])
    assert track.path.read_bytes() == b"".join(adts_frames(direct.read_bytes(), "direct")[:track.frames])
    decoded = _mux_and_decode(track, tmp_path)
    assert decoded.shape == source.shape  # exactly as long as the samples
    assert _snr_db(decoded, source) > 35.0
    assert _snr_db(decoded[:, FRAME:], source[:, :-FRAME]) < 10.0  # aligned at lag 0, not a frame off


def test_a_long_mix_is_encoded_in_fixed_chunks_as_well_as_in_one_and_alike_at_any_parallelism(
        tmp_path: Path) -> None:
    """70 s: chunks of 30, 30 and 10 s. The same bytes with 1 or 3 at once (the chunk length is fixed, never
    the machine's); exactly as long as the mix; around each seam as close to the source as one plain
    encode of the same samples (within 0.5 dB of its SNR over the 200 ms about the seam)."""
    source = _program(70.0, seed=5)
    n = source.shape[1]
    one = encode_aac(source, tmp_path / "one.aac", exe=ffmpeg_exe(), workers=1)
    three = encode_aac(source, tmp_path / "three.aac", exe=ffmpeg_exe(), workers=3)
    assert one.path.read_bytes() == three.path.read_bytes()
    assert one.frames == -(-(n + PRIMING) // FRAME)
    decoded = _mux_and_decode(one, tmp_path)
    assert decoded.shape == source.shape
    raw = tmp_path / "mix.f32"
    raw.write_bytes(np.ascontiguousarray(source.T).tobytes())
    direct = tmp_path / "direct.aac"
    run_ffmpeg(["-f", "f32le", "-ar", str(SAMPLE_RATE), "-ac", "2", "-i", str(raw), *audio_encoder_args(),
                "-f", "adts", str(direct)])
    plain_frames = adts_frames(direct.read_bytes(), "direct")[:one.frames]
    plain = tmp_path / "plain.aac"
    plain.write_bytes(b"".join(plain_frames))
    reference = _mux_and_decode(AacTrack(plain, n, one.frames), tmp_path)
    for seam in (CHUNK_SAMPLES, 2 * CHUNK_SAMPLES):
        around = slice(seam - 4800, seam + 4800)
        chunked, single = _snr_db(decoded[:, around], source[:, around]), _snr_db(reference[:, around],
                                                                                    source[:, around])
        assert chunked > single - 0.5, (seam, chunked, single)
    assert _snr_db(decoded, source) > 35.0


def test_adts_parser_rejects_what_is_not_adts() -> None:
    with pytest.raises(NodeError, match="broken ADTS"):
        adts_frames(b"RIFF....WAVEfmt ", "x.aac")
    header = bytes([0xFF, 0xF1, 0x4C, 0x80, 0x20, 0x1F, 0xFC])  # says 257 bytes
    with pytest.raises(NodeError, match="truncated"):
        adts_frames(header + b"\x00" * 10, "x.aac")
    length = 7 + 3
    frame = bytes([0xFF, 0xF1, 0x4C, 0x80, (length >> 3) & 0xFF, ((length & 7) << 5) | 0x1F, 0xFC]) + b"abc"
    assert adts_frames(frame * 3, "x.aac") == [frame] * 3
