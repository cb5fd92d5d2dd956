"""``pipeline --version``: the package, and the tools and engines the installed node types name."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version


def test_version_names_package_ffmpeg_and_engines():
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "--version"], check=False, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith(f"pipeline {version('pipeline')} (python ")
    named = {line.split()[0]: line for line in lines[1:]}
    assert {"ffmpeg", "piper", "kokoro", "chatterbox"} <= set(named)
    assert named["ffmpeg"].split()[1][0].isalnum() and "not usable" not in named["ffmpeg"]
    assert "piper-tts " in named["piper"]
    assert proc.stderr == ""
