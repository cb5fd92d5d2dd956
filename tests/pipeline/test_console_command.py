"""The installed ``pipeline`` command (``pipeline.cli.entry``): exit codes and complete output, with the
quick exit that skips the interpreter's teardown."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.robustness.helpers import pipeline_command


def _command(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*pipeline_command(), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_long_output_arrives_whole_through_a_pipe(tmp_path: Path) -> None:
    done = _command("schema", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    schema = json.loads(done.stdout)  # the whole document, flushed before the process ended
    assert "scenes" in json.dumps(schema)


def test_exit_codes_survive_the_quick_exit(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("version: 1\nsteps:\n  a: {type: nope}\n", encoding="utf-8")
    bad = _command("--cache-dir", str(tmp_path / "cache"), "validate", "bad.yaml", cwd=tmp_path)
    assert bad.returncode == 2
    assert "bad.yaml:3" in bad.stderr and "nope" in bad.stderr
    usage = _command("no-such-command", cwd=tmp_path)
    assert usage.returncode == 2 and "invalid choice" in usage.stderr
    helped = _command("--help", cwd=tmp_path)
    assert helped.returncode == 0 and "usage:" in helped.stdout
