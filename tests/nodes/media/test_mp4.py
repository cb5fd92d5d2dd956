"""The MP4 box reader: the same frame count and decoder configuration libavformat gives, on files ffmpeg
writes in every layout the project makes, and None (ask libavformat) for anything else."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from nodes.media.ffmpeg import run_ffmpeg
from nodes.media.mp4 import video_track

VIDEO = ["-f", "lavfi", "-i", "testsrc2=s=96x64:r=25:d=1", "-c:v", "libx264", "-pix_fmt", "yuv420p"]
SOUND = ["-f", "lavfi", "-i", "sine=d=1:sample_rate=48000", "-c:a", "aac"]


def _made(path: Path, *args: str) -> Path:
    run_ffmpeg([*args, str(path)])
    return path


def _libav(path: Path) -> tuple[int, bytes]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return stream.frames, bytes(stream.codec_context.extradata or b"")


@pytest.mark.parametrize("layout", [
    [],  # moov after mdat, as the segments are written
    ["-movflags", "+faststart"],  # moov first, as the joined scenes and the final video are written
    ["-movflags", "+faststart", "-map", "1:a", "-map", "0:v"],  # the sound as the first track
])
def test_it_reads_what_libavformat_reads(tmp_path: Path, layout: list[str]) -> None:
    path = _made(tmp_path / "clip.mp4", *VIDEO[:4], *SOUND[:4], *VIDEO[4:], *SOUND[4:], "-frames:v", "17",
                 *layout)
    track = video_track(path)
    assert track is not None
    assert (track.frames, track.config) == _libav(path)
    assert track.frames == 17 and track.config[:1] == b"\x01"  # an avcC record starts with version 1


def test_anything_else_is_left_to_libavformat(tmp_path: Path) -> None:
    fragmented = _made(tmp_path / "frag.mp4", *VIDEO, "-movflags", "frag_keyframe+empty_moov")
    matroska = _made(tmp_path / "clip.mkv", *VIDEO)
    sound_only = _made(tmp_path / "sound.m4a", *SOUND)
    whole = _made(tmp_path / "whole.mp4", *VIDEO)
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(whole.read_bytes()[:-40])  # moov is last: cut into it
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"\x00\x00\x00\x10moov" + b"\xff" * 8)  # a box that claims more than its parent holds
    for path in (fragmented, matroska, sound_only, truncated, garbage, tmp_path / "missing.mp4"):
        assert video_track(path) is None, path.name
    assert video_track(whole) is not None
