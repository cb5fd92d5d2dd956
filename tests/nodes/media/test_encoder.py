"""Encoder policy: argv for each encoder, NVENC only after a working test encode, memoised."""

from __future__ import annotations

import subprocess

import pytest

from nodes.media import encoder as enc
from nodes.media.encoder import choose_video_encoder, encoder_usable, video_encoder_args
from nodes.media.ffmpeg import ffmpeg_exe

TAGS = ["-pix_fmt", "yuv420p", "-color_range", "tv", "-color_primaries", "bt709", "-color_trc", "bt709",
        "-colorspace", "bt709"]


def test_libx264_args() -> None:
    assert video_encoder_args("libx264", threads=2) == [
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-threads", "2", *TAGS,
        "-movflags", "+faststart"]


def test_nvenc_args_without_faststart() -> None:
    assert video_encoder_args("h264_nvenc", quality=20, faststart=False) == [
        "-c:v", "h264_nvenc", "-preset", "p5", "-tune", "hq", "-rc", "vbr", "-cq", "20", "-b:v", "0", *TAGS]


def test_unknown_encoder_is_refused() -> None:
    with pytest.raises(ValueError):
        video_encoder_args("mpeg2video")


def test_choice_follows_the_test_encode() -> None:
    exe = ffmpeg_exe()
    assert encoder_usable(exe, "libx264")
    expected = "h264_nvenc" if encoder_usable(exe, "h264_nvenc") else "libx264"
    assert choose_video_encoder(exe) == expected


def test_missing_binary_falls_back_to_libx264() -> None:
    assert choose_video_encoder("/nonexistent/ffmpeg") == "libx264"


def test_test_encode_is_memoised(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []

    def fake_run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
        calls.append(argv)
        return subprocess.CompletedProcess(argv, 0 if "h264_nvenc" in argv else 1, b"", b"")

    monkeypatch.setattr(enc.subprocess, "run", fake_run)
    monkeypatch.setattr(enc, "_choices", {})
    monkeypatch.setattr(enc, "_usable", {})
    assert choose_video_encoder("/fake/ffmpeg") == "h264_nvenc"
    assert choose_video_encoder("/fake/ffmpeg") == "h264_nvenc"
    assert len(calls) == 1
    assert "-frames:v" in calls[0] and calls[0][calls[0].index("-frames:v") + 1] == "1"
