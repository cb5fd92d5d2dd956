"""Probing with PyAV: exact values for media the test makes, and input errors naming the field."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from nodes.media.ffmpeg import run_ffmpeg
from nodes.media.probe import probe, video_span
from pipeline.node import NodeInputError


def test_wav(tmp_path: Path) -> None:
    path = tmp_path / "voice.wav"
    sf.write(path, np.zeros(22050 * 3 // 2, dtype=np.float32), 22050)
    info = probe(path, field="audio")
    assert info.video is None
    assert info.audio is not None
    assert (info.audio.codec, info.audio.sample_rate, info.audio.channels) == ("pcm_s16le", 22050, 1)
    assert info.audio.duration == pytest.approx(1.5)


def test_mp4_fps_is_an_exact_fraction(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=96x64:r=30000/1001:d=1", "-f", "lavfi", "-i",
                "sine=d=1:sample_rate=48000", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac",
                "-frames:v", "30", str(path)])
    info = probe(path)
    assert info.video is not None and info.audio is not None
    assert info.video.fps == Fraction(30000, 1001)
    assert (info.video.codec, info.video.width, info.video.height, info.video.pix_fmt) == \
        ("h264", 96, 64, "yuv420p")
    assert info.video.frames == 30
    assert info.audio.codec == "aac" and info.audio.sample_rate == 48000
    assert info.model_dump(mode="json")["video"]["fps"] == "30000/1001"


def test_image(tmp_path: Path) -> None:
    path = tmp_path / "p.png"
    Image.new("RGB", (40, 30), (10, 20, 30)).save(path)
    info = probe(path, field="image")
    assert info.video is not None and (info.video.width, info.video.height) == (40, 30)


def test_garbage_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "song.mp3"
    path.write_bytes(b"this is not audio at all" * 100)
    with pytest.raises(NodeInputError) as caught:
        probe(path, field="music")
    assert caught.value.field == "music"
    assert "song.mp3" in caught.value.message and caught.value.hint


def test_truncated_body_is_caught(tmp_path: Path) -> None:
    good = tmp_path / "good.ogg"
    sf.write(good, np.zeros((44100, 2)), 44100, format="OGG", subtype="VORBIS")
    bad = tmp_path / "bad.ogg"
    bad.write_bytes(good.read_bytes()[:60])
    with pytest.raises(NodeInputError) as caught:
        probe(bad, field="music")
    assert caught.value.field == "music"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NodeInputError, match="does not exist") as caught:
        probe(tmp_path / "nope.wav", field="audio")
    assert caught.value.field == "audio"


def _clip_with_longer_sound(path: Path, *extra: str) -> Path:
    """1 s of picture and 4 s of sound in one file (``extra``: more output options)."""
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=96x64:r=25:d=1", "-f", "lavfi", "-i",
                "sine=f=440:sample_rate=48000:d=4", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                "-c:a", "libopus" if path.suffix == ".mkv" else "aac", *extra, str(path)])
    return path


@pytest.mark.parametrize(("name", "extra", "start"), [("longaud.mkv", (), 0.0),
                                                     ("offset.mp4", ("-output_ts_offset", "2"), 2.0)])
def test_video_span_is_the_picture_not_the_container(tmp_path: Path, name: str, extra: tuple[str, ...],
                                                    start: float) -> None:
    path = _clip_with_longer_sound(tmp_path / name, *extra)
    assert (probe(path).duration or 0) > 3.9  # the container's length is the sound's
    span = video_span(path)
    assert span is not None
    assert (span.start, span.length, span.frames) == (pytest.approx(start), pytest.approx(1.0), 25)


def test_video_span_of_a_sound_file_is_none(tmp_path: Path) -> None:
    path = tmp_path / "voice.wav"
    sf.write(path, np.zeros(4800, dtype=np.float32), 48000)
    assert video_span(path) is None
