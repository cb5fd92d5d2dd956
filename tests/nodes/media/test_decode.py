"""The length of a file's sound as ffmpeg plays it, whatever its container says."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from nodes.media.decode import NoAudioStream, decoded_length
from nodes.media.ffmpeg import run_ffmpeg
from nodes.media.probe import probe


@pytest.mark.parametrize(("name", "codec", "rate"), [
    ("voice.ogg", "libopus", 48000), ("voice.mp3", "libmp3lame", 24000), ("voice.m4a", "aac", 44100),
    ("voice.wav", "pcm_s16le", 22050)])
def test_decoded_length_is_the_sound_to_the_sample(tmp_path: Path, name: str, codec: str, rate: int) -> None:
    """Opus counts its pre-skip in the container (4.0065 s), AAC in MP4 decodes a priming packet and a
    whole last frame, MP3 is padded: each 4.000 s sound is still 4.000 s."""
    path = tmp_path / name
    run_ffmpeg(["-f", "lavfi", "-i", f"sine=f=300:sample_rate={rate}:d=4", "-c:a", codec, str(path)])
    assert decoded_length(path) == (4 * rate, rate)


def test_vorbis_length_is_its_samples(tmp_path: Path) -> None:
    """Vorbis packets' durations add up to less than they decode to where short and long blocks mix (bursts
    of sound, like speech): the last packet's end, and the samples, still agree with what was written."""
    path = tmp_path / "voice.ogg"
    sound = np.zeros(163_932, dtype=np.float32)
    noise = np.random.default_rng(1).normal(0, 0.3, 800).astype(np.float32)
    for start in range(0, len(sound), 4000):
        sound[start:start + 800] = noise[:len(sound) - start]
    sf.write(path, sound, 22050, format="OGG", subtype="VORBIS")
    assert decoded_length(path) == (163_932, 22050)


def test_opus_container_says_longer(tmp_path: Path) -> None:
    path = tmp_path / "voice.ogg"
    run_ffmpeg(["-f", "lavfi", "-i", "sine=f=300:sample_rate=48000:d=4", "-c:a", "libopus", str(path)])
    assert (probe(path).duration or 0) > 4.005  # why the container's length is not used


def test_no_audio_stream(tmp_path: Path) -> None:
    path = tmp_path / "mute.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=64x64:r=5:d=0.4", "-c:v", "libx264", "-pix_fmt", "yuv420p", str(path)])
    with pytest.raises(NoAudioStream):
        decoded_length(path)
