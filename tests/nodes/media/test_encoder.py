"""Encoder policy: argv for each encoder, NVENC only after a working test encode, memoised."""

from __future__ import annotations

import subprocess
import threading

import pytest

from nodes.media import encoder as enc
from nodes.media.encoder import (
    SEGMENT_X264_THREADS,
    choose_video_encoder,
    encode_with_fallback,
    encoder_broken,
    encoder_usable,
    nvenc_cq,
    video_encoder_args,
)
from nodes.media.ffmpeg import ffmpeg_exe
from pipeline.node import NodeError

TAGS = ["-pix_fmt", "yuv420p", "-color_range", "tv", "-color_primaries", "bt709", "-color_trc", "bt709",
        "-colorspace", "bt709"]


def test_libx264_args() -> None:
    expected = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-threads", "4", *TAGS,
                "-movflags", "+faststart"]
    # The thread count is fixed whatever the caller's: x264's bytes depend on it.
    assert video_encoder_args("libx264", threads=2) == video_encoder_args("libx264", threads=16) == expected


def test_segments_get_their_own_fixed_x264_thread_count() -> None:
    args = video_encoder_args("libx264", threads=16, x264_threads=SEGMENT_X264_THREADS)
    assert SEGMENT_X264_THREADS == 1 and args[args.index("-threads") + 1] == "1"
    assert "-threads" not in video_encoder_args("h264_nvenc", x264_threads=SEGMENT_X264_THREADS)
    with pytest.raises(ValueError, match="at least 1"):
        video_encoder_args("libx264", x264_threads=0)


def test_nvenc_args_without_faststart() -> None:
    assert video_encoder_args("h264_nvenc", quality=20, faststart=False) == [
        "-c:v", "h264_nvenc", "-preset", "p5", "-tune", "hq", "-rc", "vbr", "-cq", "19", "-b:v", "0", *TAGS]


def test_quality_is_mapped_between_encoders() -> None:
    assert [nvenc_cq(q) for q in (0, 1, 23, 51)] == [1, 1, 22, 50]
    with pytest.raises(ValueError):
        video_encoder_args("libx264", quality=60)


def test_preview_args() -> None:
    x264 = video_encoder_args("libx264", preview=True)
    nvenc = video_encoder_args("h264_nvenc", preview=True)
    assert x264[x264.index("-crf") + 1] == "28"  # a coarser quality: a preview is a quick look
    assert nvenc[nvenc.index("-preset") + 1] == "p1"
    assert nvenc[nvenc.index("-cq") + 1] == "27"


def test_a_preview_encodes_smaller_than_the_full_render(tmp_path) -> None:
    """The same moving frames encoded both ways: the preview's file is the smaller (ultrafast made it
    three times larger: no CABAC, no B-frames)."""
    sizes = {}
    for preview in (False, True):
        out = tmp_path / f"preview-{preview}.mp4"
        subprocess.run([ffmpeg_exe(), "-loglevel", "error", "-f", "lavfi", "-i",
                        "testsrc2=s=640x1136:r=15,zoompan=z='1+0.0005*on':d=1:s=160x284:fps=15", "-t", "2",
                        *video_encoder_args("libx264", preview=preview), str(out)], check=True)
        sizes[preview] = out.stat().st_size
    assert sizes[True] < 0.75 * sizes[False], sizes


def test_still_tuning_is_x264_only() -> None:
    args = video_encoder_args("libx264", still=True)
    assert args[args.index("-x264-params") + 1] == "zones=1,10000000,q=51:keyint=infinite"
    assert "-x264-params" not in video_encoder_args("h264_nvenc", still=True)


def _fresh_policy(monkeypatch: pytest.MonkeyPatch, nvenc_works: bool) -> None:
    monkeypatch.setattr(enc, "nvidia_present", lambda: True)  # as on a GPU machine
    monkeypatch.setattr(enc, "_choices", {})
    monkeypatch.setattr(enc, "_usable", {("/fake/ffmpeg", "h264_nvenc"): nvenc_works,
                                         ("/fake/ffmpeg", "libx264"): True})
    monkeypatch.setattr(enc, "_broken", set())


def test_nvenc_failure_retries_on_libx264_and_is_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    _fresh_policy(monkeypatch, nvenc_works=True)
    tried: list[str] = []
    warnings: list[str] = []

    def encode(encoder: str) -> None:
        tried.append(encoder)
        if encoder == "h264_nvenc":
            raise NodeError("ffmpeg failed (exit status 1): OpenEncodeSessionEx failed: out of memory")

    assert choose_video_encoder("/fake/ffmpeg") == "h264_nvenc"
    assert encode_with_fallback(encode, ffmpeg="/fake/ffmpeg", warn=warnings.append) == "libx264"
    assert tried == ["h264_nvenc", "libx264"]
    assert len(warnings) == 1 and "h264_nvenc failed" in warnings[0] and "out of memory" in warnings[0]
    assert encoder_broken("h264_nvenc") and choose_video_encoder("/fake/ffmpeg") == "libx264"
    # The next encode in this process goes straight to libx264, without a warning.
    assert encode_with_fallback(encode, ffmpeg="/fake/ffmpeg", warn=warnings.append) == "libx264"
    assert tried[2:] == ["libx264"] and len(warnings) == 1


def test_libx264_failure_and_cancellation_propagate(monkeypatch: pytest.MonkeyPatch) -> None:
    _fresh_policy(monkeypatch, nvenc_works=False)

    def broken(encoder: str) -> None:
        raise NodeError(f"{encoder} failed")

    with pytest.raises(NodeError, match="libx264 failed"):
        encode_with_fallback(broken, ffmpeg="/fake/ffmpeg")
    _fresh_policy(monkeypatch, nvenc_works=True)
    cancelled = threading.Event()
    cancelled.set()
    with pytest.raises(NodeError, match="h264_nvenc failed"):
        encode_with_fallback(broken, ffmpeg="/fake/ffmpeg", cancelled=cancelled)
    assert not encoder_broken("h264_nvenc")  # a cancelled run says nothing about the encoder


def test_unknown_encoder_is_refused() -> None:
    with pytest.raises(ValueError):
        video_encoder_args("mpeg2video")


def test_choice_follows_the_test_encode() -> None:
    exe = ffmpeg_exe()
    assert encoder_usable(exe, "libx264")
    expected = "h264_nvenc" if enc.nvidia_present() and encoder_usable(exe, "h264_nvenc") else "libx264"
    assert choose_video_encoder(exe) == expected


def test_no_nvidia_device_means_no_test_encode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(enc, "nvidia_present", lambda: False)
    monkeypatch.setattr(enc, "_choices", {})
    monkeypatch.setattr(enc, "encoder_usable", lambda *a: pytest.fail("no test encode without a GPU"))
    assert choose_video_encoder("/fake/ffmpeg") == "libx264"


def test_missing_binary_falls_back_to_libx264() -> None:
    assert choose_video_encoder("/nonexistent/ffmpeg") == "libx264"


def test_test_encode_is_memoised(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []

    def fake_run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
        calls.append(argv)
        return subprocess.CompletedProcess(argv, 0 if "h264_nvenc" in argv else 1, b"", b"")

    monkeypatch.setattr(enc.subprocess, "run", fake_run)
    monkeypatch.setattr(enc, "nvidia_present", lambda: True)
    monkeypatch.setattr(enc, "_choices", {})
    monkeypatch.setattr(enc, "_usable", {})
    monkeypatch.setattr(enc, "_broken", set())
    assert choose_video_encoder("/fake/ffmpeg") == "h264_nvenc"
    assert choose_video_encoder("/fake/ffmpeg") == "h264_nvenc"
    assert len(calls) == 1
    assert "-frames:v" in calls[0] and calls[0][calls[0].index("-frames:v") + 1] == "1"
