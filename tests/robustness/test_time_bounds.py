"""Robustness, hangs: every ffmpeg call is bounded, and inputs are told apart by content.

The real hang: a still picture looped as a video background (``-stream_loop -1`` over one JPEG) never
reaches the scene's frame count. The recipe is refused before anything runs (the probe sees a one-frame
image demuxer, whatever the file is called; tests/robustness/test_validation.py), and, should any other
input loop or stall, ffmpeg itself is stopped: by a time limit derived from the length of the media it
makes, and when its output time stops advancing. Both end in a clear NodeError, with no ffmpeg left.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from nodes.media import ffmpeg
from nodes.media.probe import probe
from nodes.render.video import Clip, is_still_picture
from pipeline.node import NodeError, NodeInputError
from tests.robustness.helpers import ASSETS

LOOPED_STILL = ["-stream_loop", "-1", "-i", str(ASSETS / "city.jpg"), "-vf", "setpts=PTS-STARTPTS,fps=10",
                "-frames:v", "50", "-f", "null", "-"]


def ffmpeg_children() -> list[str]:
    import os

    done = subprocess.run(["pgrep", "-P", str(os.getpid()), "ffmpeg"], capture_output=True, text=True, check=False)
    return done.stdout.split()


def test_the_limit_grows_with_the_work():
    assert ffmpeg.time_limit_for(None) is None
    short, long = ffmpeg.time_limit_for(2.0), ffmpeg.time_limit_for(600.0)
    assert short is not None and long is not None and short < long < float("inf")
    assert long >= 600.0 * 8  # a 10-minute render takes 74 s here; the bound leaves a wide margin


def test_a_looping_input_is_stopped_at_its_time_limit():
    began = time.monotonic()
    with pytest.raises(NodeError) as info:
        ffmpeg.run_ffmpeg(LOOPED_STILL, expected_duration=5.0, time_limit=3.0)
    assert 2.5 < time.monotonic() - began < 15
    assert "ran longer than its limit of 3 s" in info.value.message and info.value.hint
    assert ffmpeg_children() == []


def test_a_stalled_output_is_stopped(monkeypatch):
    """No explicit limit at all: the output time of the looped still never advances, and that is enough."""
    monkeypatch.setattr(ffmpeg, "STALL_SECONDS", 2.0)
    began = time.monotonic()
    with pytest.raises(NodeError) as info:
        ffmpeg.run_ffmpeg(LOOPED_STILL)
    assert time.monotonic() - began < 15
    assert "made no progress for 2 s" in info.value.message
    assert ffmpeg_children() == []


def test_a_normal_call_is_not_cut_short(tmp_path: Path):
    out = tmp_path / "tone.wav"
    ffmpeg.run_ffmpeg(["-f", "lavfi", "-i", "sine=frequency=440:duration=2", str(out)], expected_duration=2.0)
    info = probe(out)
    assert info.audio is not None and abs((info.duration or 0) - 2.0) < 0.05


@pytest.mark.parametrize("name", ["still.mp4", "still.mov", "still"])
def test_a_picture_is_told_by_its_content_not_its_name(tmp_path: Path, name: str):
    disguised = tmp_path / name
    shutil.copy(ASSETS / "city.jpg", disguised)
    info = probe(disguised)
    assert info.video is not None and is_still_picture(info.format_name, info.video.frames)
    with pytest.raises(NodeInputError) as error:
        Clip.read(disguised)
    assert "is a still picture" in error.value.message and error.value.field == "video"
    real = probe(ASSETS / "waves.mp4")
    assert real.video is not None and not is_still_picture(real.format_name, real.video.frames)
