"""Robustness, operations on real media: Ctrl-C during an ffmpeg encode, kill -9 anywhere in a 3-scene run,
four runs of one recipe at once.

Each case runs the installed ``pipeline`` command in child processes on real nodes (Piper, captions, render,
merge) and ends with a run whose outputs are byte-identical to those of a clean run in a fresh folder and
cache; no partial output is ever visible, no temporary file outlives a run, no ffmpeg is left running.
(tests/pipeline/test_reliability.py covers the same with fake nodes, plus full disks and read-only caches.)
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from pipeline.cache import Cache, maintenance
from tests.robustness.helpers import Project, digest, pipeline_command, scene_recipe

THREE = scene_recipe(
    {"text": "Every city has a sound at dawn.", "image": "assets/city.jpg"},
    {"text": "Listen closely, and it tells you where you are.", "image": "assets/harbour.jpg"},
    {"text": "The hills keep their own time.", "image": "assets/hills.jpg", "motion": {"zoom": "out"}},
    captions={"max_chars": 20}, music={"path": "assets/music.ogg", "volume_db": -20})
THREE_NODES = 10  # three scenes of tts, captions and render, and the merge
# One scene whose render takes a few seconds: long enough to interrupt ffmpeg in the middle of it.
SLOW = scene_recipe({"image": "assets/city.jpg", "duration": 24}, output={"size": "540x960", "fps": 30})


def start(project: Project, recipe: str, *args: str) -> subprocess.Popen:
    cmd = [*pipeline_command(), "--cache-dir", str(project.cache), "run", *args, recipe]
    return subprocess.Popen(cmd, cwd=project.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def finish(proc: subprocess.Popen, timeout: float = 120) -> tuple[int, str]:
    _, err = proc.communicate(timeout=timeout)
    return proc.returncode, err


def outputs(project: Project) -> dict[str, str]:
    """Digests of everything in out/ (temporary files of a publish included, so they would show)."""
    out = project.root / "out"
    return {p.name: digest(p) for p in sorted(out.iterdir())} if out.is_dir() else {}


def clean_run(root: Path, name: str, recipe: dict) -> dict[str, str]:
    project = Project(root)
    project.write(name, recipe)
    code, err = finish(start(project, name, "-q"))
    assert code == 0, err
    return outputs(project)


def ffmpeg_running(cache: Path) -> list[int]:
    """Pids of ffmpeg processes working for this cache (their arguments name files under it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if args and b"ffmpeg" in Path(os.fsdecode(args[0])).name.encode() and \
                any(str(cache).encode() in a for a in args):
            found.append(int(entry.name))
    return found


def wait_until_gone(cache: Path, seconds: float = 10) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := ffmpeg_running(cache)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


@pytest.fixture(scope="module")
def three_clean(tmp_path_factory) -> dict[str, str]:
    return clean_run(tmp_path_factory.mktemp("clean three"), "three.yaml", THREE)


def test_ctrl_c_during_an_ffmpeg_encode(tmp_path: Path):
    expected = clean_run(tmp_path / "clean", "slow.yaml", SLOW)
    project = Project(tmp_path / "project")
    project.write("slow.yaml", SLOW)
    proc = start(project, "slow.yaml")
    seen = []
    assert proc.stderr is not None
    for line in proc.stderr:  # the plain log (not a terminal): one line per started node
        seen.append(line)
        if "run    scene1.render" in line:
            break
    deadline = time.monotonic() + 30
    while not ffmpeg_running(project.cache) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ffmpeg_running(project.cache), "".join(seen)
    time.sleep(0.8)  # well into the encode
    assert proc.poll() is None, "the render finished before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    code, err = finish(proc, 60)
    assert code == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert wait_until_gone(project.cache) == []
    assert outputs(project) == {}, "an interrupted run published something"
    assert project.temp_leftovers() == []
    code, err = finish(start(project, "slow.yaml", "-q"))
    assert code == 0, err
    assert outputs(project) == expected
    assert project.temp_leftovers() == []


def test_kill_minus_9_anywhere_then_resume(tmp_path: Path, three_clean):
    project = Project(tmp_path / "project")
    project.write("three.yaml", THREE)
    code, err = finish(start(project, "three.yaml", "-q"))
    assert code == 0, err
    # Kill times are fractions of a forced run's time, measured warm like the runs that are killed (the first
    # run also loads the voice and compiled kernels, and its time let later runs end before their kill).
    began = time.monotonic()
    code, err = finish(start(project, "three.yaml", "-q", "--force-all"))
    assert code == 0, err
    full = time.monotonic() - began
    rng = random.Random(20240601)
    kills = 0
    for cycle in range(7):
        # Forced runs redo every node, so the kills land in TTS, in ffmpeg encodes, in blob and record
        # writes and in publishing; the last cycles resume from whatever the kills left.
        proc = start(project, "three.yaml", "-q", *(("--force-all",) if cycle < 5 else ()))
        time.sleep(rng.uniform(0.3 * full, 0.95 * full))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the whole process group, as a closed laptop lid would
            kills += 1
        proc.communicate(timeout=60)
        published = outputs(project)
        assert all(published[name] == three_clean[name] for name in published if name in three_clean)
        assert set(published) <= set(three_clean) | {n for n in published if n.startswith(".")}
        assert wait_until_gone(project.cache) == []
    assert kills >= 4
    code, err = finish(start(project, "three.yaml", "-q"))
    assert code == 0, err
    assert outputs(project) == three_clean  # no stale temporary publish file either
    assert project.temp_leftovers() == []
    report = maintenance.verify(Cache(project.cache))
    assert report.damaged == [] and report.records_dropped == 0


def test_four_runs_of_one_recipe_at_once(tmp_path: Path, three_clean):
    project = Project(tmp_path / "project")
    project.write("three.yaml", THREE)
    procs = [start(project, "three.yaml") for _ in range(4)]
    ran = 0
    for proc in procs:
        code, err = finish(proc)
        assert code == 0, err
        assert "Traceback" not in err
        summary = re.search(r"done: ran (\d+)\s+cached (\d+)\s+failed 0", err)
        assert summary, err
        assert int(summary.group(1)) + int(summary.group(2)) == THREE_NODES
        ran += int(summary.group(1))
    assert ran == THREE_NODES  # every node computed once, whichever run got to it first
    assert outputs(project) == three_clean
    assert project.temp_leftovers() == []
    assert maintenance.verify(Cache(project.cache)).damaged == []
    shutil.rmtree(project.root / "out")
    code, err = finish(start(project, "three.yaml", "-q"))
    assert code == 0 and outputs(project) == three_clean, err
