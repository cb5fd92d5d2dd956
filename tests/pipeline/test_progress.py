"""The progress display: a live view fitted to the terminal (run under a real pseudo-terminal at 40 and
200 columns and replayed on a small screen model), plain lines when piped, JSON lines for machines."""

from __future__ import annotations

import fcntl
import io
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from pipeline.progress import JsonReporter, LiveReporter, Reporter, Summary, make_reporter

ROOT = Path(__file__).resolve().parents[2]
LONG = "a_node_with_a_name_long_enough_to_overflow_any_narrow_terminal_and_then_some_more_text_" * 2
LIVE_RECIPE = f"""version: 1
steps:
  {LONG}: {{type: steps, text: 'a', delay: 1.2}}
  b: {{type: steps, text: 'b', delay: 1.6}}
  both: {{type: join, parts: ['${{{LONG}.out}}', '${{b.out}}']}}
outputs:
  out/all.txt: ${{both.out}}
"""


def run_in_terminal(args: list[str], columns: int, rows: int = 24) -> str:
    """Run a command with a pseudo-terminal of the given size as stdin, stdout and stderr; return what
    the terminal received."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR", "TERM")}
    env.update(TERM="xterm-256color", PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env=env, close_fds=True)
    os.close(slave)
    received = bytearray()
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        received += data
    proc.wait(60)
    os.close(master)
    assert proc.returncode == 0, received.decode(errors="replace")
    return received.decode()


class Screen:
    """Just enough of a terminal to replay rich's output: text, CR, LF, cursor up, erase line. Writing
    past the last column is counted (a line too wide for the terminal wraps and leaves fragments)."""

    CSI = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])")

    def __init__(self, columns: int) -> None:
        self.columns = columns
        self.lines: list[list[str]] = [[]]
        self.row = self.col = 0
        self.overflows = 0

    def feed(self, text: str) -> None:
        i = 0
        while i < len(text):
            match = self.CSI.match(text, i)
            if match:
                self._control(match.group(1), match.group(2))
                i = match.end()
                continue
            ch = text[i]
            i += 1
            if ch == "\r":
                self.col = 0
            elif ch == "\n":
                self.row += 1
                while len(self.lines) <= self.row:
                    self.lines.append([])
            elif ch == "\x1b" or ch < " ":
                continue
            else:
                if self.col >= self.columns:
                    self.overflows += 1
                line = self.lines[self.row]
                line.extend(" " * (self.col + 1 - len(line)))
                line[self.col] = ch
                self.col += 1

    def _control(self, arg: str, op: str) -> None:
        if op == "A":
            self.row = max(0, self.row - int(arg or 1))
        elif op == "K":
            line = self.lines[self.row]
            if arg in ("", "0"):
                del line[self.col:]
            else:
                line.clear()
        elif op == "G":
            self.col = int(arg or 1) - 1

    def text(self) -> list[str]:
        return ["".join(line).rstrip() for line in self.lines if "".join(line).strip()]


@pytest.mark.parametrize("columns", [40, 200])
def test_live_view_fits_the_terminal_and_leaves_no_fragments(tmp_path: Path, columns: int):
    recipe = tmp_path / "r.yaml"
    recipe.write_text(LIVE_RECIPE, encoding="utf-8")
    out = run_in_terminal([sys.executable, "-m", "tests.pipeline.fake_cli", "--cache-dir", str(tmp_path / "c"),
                           "run", str(recipe)], columns)
    screen = Screen(columns)
    screen.feed(out)
    assert screen.overflows == 0, f"something was drawn past column {columns}"
    assert "━" in out, "no bar was drawn"
    bar_lines = [line for line in re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out).replace("\r", "\n").split("\n")
                 if line.startswith("run ") and "━" in line]
    assert bar_lines, "no overall bar"
    assert all(len(line) <= columns for line in bar_lines)
    assert any(re.search(r"\d:\d\d:\d\d", line) for line in bar_lines), "no ETA beside the overall bar"
    if columns == 200:  # the bar grows with the terminal: wider than the whole 40-column line
        assert max(line.count("━") for line in bar_lines) > 40
    final = screen.text()
    # The live part is gone; what stays is one line per node and the summary, folded to the width.
    assert not any("━" in line for line in final), final
    joined = "".join(line.strip() for line in final)
    for node in (LONG, "b", "both"):
        assert f"ran{node}" in joined.replace(" ", "")
    assert any(line.startswith("done: ran 3") for line in final)


def test_plain_lines_when_piped(tmp_path: Path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text(LIVE_RECIPE.replace("delay: 1.2", "delay: 0.2").replace("delay: 1.6", "delay: 0.2"))
    proc = subprocess.run([sys.executable, "-m", "tests.pipeline.fake_cli", "--cache-dir", str(tmp_path / "c"),
                           "run", str(recipe)], check=False, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stderr and "\r" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert f"  run    {LONG}" in lines and "  run    b" in lines
    assert any(line.startswith(f"  ran    {LONG}") for line in lines)
    assert any(line.strip().startswith(f"{LONG} 50%") for line in lines)  # a quarter's line
    assert lines[-2].startswith("done: ran 3  cached 0  failed 0")


def test_json_lines_carry_started_finished_and_failed_with_timings_and_reasons(tmp_path: Path):
    recipe = tmp_path / "r.yaml"
    good = ("version: 1\nsteps:\n  a: {type: text, text: hello}\n  b: {type: text, text: world}\n"
            "  both: {type: join, parts: ['${a.out}', '${b.out}']}\noutputs:\n  out/x.txt: ${both.out}\n")
    recipe.write_text(good)
    cmd = [sys.executable, "-m", "tests.pipeline.fake_cli", "--cache-dir", str(tmp_path / "c"), "--log-format",
           "json", "run", str(recipe)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    first = subprocess.run(cmd, check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    events = [json.loads(line) for line in first.stderr.splitlines()]
    assert all(isinstance(e["time"], float) for e in events)
    started = {e["node"]: e for e in events if e["event"] == "started"}
    finished = {e["node"]: e for e in events if e["event"] == "finished"}
    assert set(started) == set(finished) == {"a", "b", "both"}
    assert started["a"]["reasons"] and started["a"]["reasons"] == ["never ran before"]
    assert all(e["status"] == "ran" and e["seconds"] >= 0 for e in finished.values())
    assert events[-1]["event"] == "summary" and sorted(events[-1]["ran"]) == ["a", "b", "both"]

    recipe.write_text(good.replace("text: world", "text: ' '"))  # b fails: its text is empty
    second = subprocess.run(cmd, check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert second.returncode == 2  # a node refusing its input: a problem in the recipe
    lines = [line for line in second.stderr.splitlines() if line.startswith("{")]
    events = [json.loads(line) for line in lines]
    failed = [e for e in events if e["event"] == "failed"]
    assert [e["node"] for e in failed] == ["b"]
    assert "the text is empty" in failed[0]["reason"] and failed[0]["seconds"] >= 0
    b_started = next(e for e in events if e["event"] == "started" and e["node"] == "b")
    assert any("param 'text' changed" in r for r in b_started["reasons"])
    assert {"a"} == {e["node"] for e in events if e["event"] == "finished" and e["status"] == "cached"}


def test_make_reporter_picks_by_destination_and_hands_events_to_a_listener():
    seen: list[dict] = []
    plain = make_reporter(stream=io.StringIO(), listener=seen.append)
    assert type(plain) is Reporter
    assert isinstance(make_reporter("json", stream=io.StringIO()), JsonReporter)

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert isinstance(make_reporter(stream=Tty()), LiveReporter)
    assert type(make_reporter(quiet=True, stream=Tty())) is Reporter
    plain.started("x")
    plain.finished("x", "ran", 0.5)
    assert [e["event"] for e in seen] == ["started", "finished"] and seen[1]["seconds"] == 0.5


@pytest.mark.parametrize("live", [False, True])
def test_cached_nodes_in_a_row_share_a_line(live: bool):
    """A rerun of a long segmented scene finds hundreds of steps cached: they take one line, not one each;
    a few take a line each, and every node that ran keeps its own line, in order."""

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return live

    out = Tty()
    reporter = make_reporter(stream=out)
    assert isinstance(reporter, LiveReporter) == live
    reporter.planned({"render": ["param changed"]})
    for k in range(1, 301):
        reporter.finished(f"scene.seg{k:03d}", "cached")
    reporter.started("render")
    reporter.finished("render", "ran", 1.0)
    reporter.finished("a", "cached")
    reporter.finished("b", "cached")
    reporter.summary(Summary(ran=["render"], cached=[f"scene.seg{k:03d}" for k in range(1, 301)] + ["a", "b"]))
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.getvalue())  # the live view's cursor moves and colours
    lines = [line.rstrip() for line in re.split(r"[\r\n]", text)]
    shown = [line for line in lines if line.lstrip().startswith(("cached", "ran", "done"))]
    assert shown[0] == "  cached scene.seg001 … scene.seg300 (300 nodes)"
    assert shown[1].startswith("  ran    render")
    assert shown[2:4] == ["  cached a", "  cached b"]
    assert shown[4].startswith("done: ran 1  cached 302  failed 0")
