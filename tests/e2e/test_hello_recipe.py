"""The quick start's recipe, as shipped, through the installed ``pipeline`` command."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from nodes.media.probe import probe
from tests.e2e.checks import decode_audio, rms_dbfs

RECIPES = Path(__file__).resolve().parents[2] / "recipes"


def pipeline_command() -> list[str]:
    exe = Path(sys.executable).with_name("pipeline")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "pipeline.cli"]


def test_hello_recipe_renders_with_the_console_command(tmp_path: Path):
    shutil.copy(RECIPES / "hello.yaml", tmp_path / "hello.yaml")
    shutil.copytree(RECIPES / "assets", tmp_path / "assets")
    cmd = [*pipeline_command(), "--cache-dir", str(tmp_path / "cache"), "run", "hello.yaml"]
    done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "done: ran 7" in done.stderr
    video = tmp_path / "out" / "hello.mp4"
    info = probe(video)
    assert info.video is not None and info.audio is not None
    assert (info.video.codec, info.video.width, info.video.height, info.video.fps) == ("h264", 1080, 1920, 30)
    assert (info.audio.codec, info.audio.sample_rate, info.audio.channels) == ("aac", 48000, 2)
    samples, _ = decode_audio(video)
    assert rms_dbfs(samples) > -35
    assert (tmp_path / "out" / "hello.srt").read_text(encoding="utf-8").strip()

    again = subprocess.run([*cmd[:-2], "plan", "--check", "hello.yaml"], cwd=tmp_path, capture_output=True,
                           text=True, timeout=120)
    assert again.returncode == 0, again.stdout + again.stderr
