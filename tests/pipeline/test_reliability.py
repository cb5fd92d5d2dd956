"""Crashes and races: kill -9 at random points, Ctrl-C, two runs at once, a full disk.

Each case ends with a run that completes, outputs equal to those of a clean run, and a cache that
``verify`` finds intact; no temporary files are left behind.
"""

from __future__ import annotations

import errno
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.cache import Cache, maintenance
from pipeline.errors import NodeFailed
from pipeline.recipe.load import load_recipe
from pipeline.run import run_pipeline

ROOT = Path(__file__).resolve().parents[2]
N = 8


def chain_recipe(delay: float) -> str:
    """N independent text nodes joined in pairs, then all together: some parallelism, some depth."""
    lines = ["version: 1", "steps:"]
    for i in range(N):
        lines.append(f"  t{i}: {{type: text, text: 'part {i} ', delay: {delay}}}")
    for i in range(0, N, 2):
        lines.append(f"  p{i}: {{type: join, parts: ['${{t{i}.out}}', '${{t{i + 1}.out}}']}}")
    parts = ", ".join(f"'${{p{i}.out}}'" for i in range(0, N, 2))
    lines.append(f"  all: {{type: join, sep: '|', parts: [{parts}]}}")
    lines += ["outputs:", "  out/all.txt: ${all.out}", "  out/p0.txt: ${p0.out}"]
    return "\n".join(lines) + "\n"


def start(recipe: Path, cache: Path, log: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "FAKE_RUNS_LOG": str(log), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "tests.pipeline.fake_cli", "--cache-dir", str(cache), "run",
                             "-q", *args, str(recipe)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def clean_outputs(tmp_path: Path) -> dict[str, bytes]:
    clean = tmp_path / "clean"
    clean.mkdir()
    recipe = clean / "r.yaml"
    recipe.write_text(chain_recipe(0.0))
    proc = start(recipe, clean / "cache", clean / "log")
    assert proc.wait(60) == 0, proc.stderr.read()
    return {p.name: p.read_bytes() for p in (clean / "out").iterdir()}


def leftovers(cache: Path) -> list[Path]:
    return list((cache / "tmp").iterdir())


def test_kill_minus_9_at_random_points_then_resume(tmp_path: Path):
    expected = clean_outputs(tmp_path)
    recipe = tmp_path / "r.yaml"
    recipe.write_text(chain_recipe(0.05))
    cache = tmp_path / "cache"
    began = time.monotonic()
    assert start(recipe, cache, tmp_path / "log", "--force-all").wait(60) == 0
    full = time.monotonic() - began
    rng = random.Random(1234)
    kills = cycles = 0
    while cycles < 40 and (kills < 10 or cycles < 12):
        # Forced runs redo every node, so the kills land all over a run: in nodes, in blob writes, in
        # record writes, in publishing. The last two cycles resume from whatever the kills left.
        resume = kills >= 10 and cycles >= 10
        proc = start(recipe, cache, tmp_path / "log", *(() if resume else ("--force-all",)))
        time.sleep(rng.uniform(0.1, 0.8 * full))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(30)
        cycles += 1
        for p in (tmp_path / "out").glob("*.txt"):  # never a partial or wrong output, wherever the kill lands
            assert p.read_bytes() == expected[p.name], p
    assert kills >= 10
    proc = start(recipe, cache, tmp_path / "log")
    assert proc.wait(60) == 0, proc.stderr.read()
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir() if not p.name.startswith(".")} == expected
    report = maintenance.verify(Cache(cache))
    assert report.damaged == [] and report.records_dropped == 0
    assert leftovers(cache) == []  # work folders of killed runs are swept by the next run
    assert list((tmp_path / "out").glob(".*.tmp")) == []  # and so are half-published outputs


def test_ctrl_c_stops_cleanly_and_the_next_run_resumes(tmp_path: Path):
    expected = clean_outputs(tmp_path)
    recipe = tmp_path / "r.yaml"
    recipe.write_text(chain_recipe(0.3))
    cache = tmp_path / "cache"
    proc = start(recipe, cache, tmp_path / "log")
    deadline = time.monotonic() + 30
    while not (tmp_path / "log").exists() and time.monotonic() < deadline:  # wait for nodes to be running
        time.sleep(0.02)
    time.sleep(0.4)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(30) == 130
    assert "interrupted" in proc.stderr.read()
    assert leftovers(cache) == []
    assert not (tmp_path / "out").exists()
    ran_before = (tmp_path / "log").read_text().split()
    proc = start(recipe, cache, tmp_path / "log")
    assert proc.wait(60) == 0
    ran_after = (tmp_path / "log").read_text().split()[len(ran_before):]
    assert set(ran_before).isdisjoint(ran_after) or len(ran_after) < 2 * N  # finished nodes are not redone
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()} == expected


def test_two_processes_at_once_compute_each_node_once(tmp_path: Path):
    expected = clean_outputs(tmp_path)
    recipe = tmp_path / "r.yaml"
    recipe.write_text(chain_recipe(0.1))
    cache = tmp_path / "cache"
    procs = [start(recipe, cache, tmp_path / "log") for _ in range(4)]
    for proc in procs:
        assert proc.wait(60) == 0, proc.stderr.read()
    runs = (tmp_path / "log").read_text().split()
    assert sorted(runs) == sorted(set(runs)) and len(runs) == N + N // 2 + 1
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()} == expected
    assert maintenance.verify(Cache(cache)).damaged == []


def test_full_disk_gives_a_clear_error_and_no_corrupt_entry(write_recipe, cache, monkeypatch):
    from pipeline.cache import blobs

    path = write_recipe(chain_recipe(0.0))
    real_replace = os.replace
    calls = {"n": 0}

    def full_disk(src, dst, *args, **kwargs):
        if "blobs" not in Path(dst).parts:  # leases and journals are renamed too; the blob writes count
            return real_replace(src, dst, *args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 5:
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(blobs.os, "replace", full_disk)
    with pytest.raises(NodeFailed) as info:
        run_pipeline(load_recipe(path), cache)
    assert "no space left on device" in str(info.value) and "nothing partial was kept" in str(info.value)
    assert leftovers(cache.root) == []
    monkeypatch.setattr(blobs.os, "replace", real_replace)
    report = maintenance.verify(cache)
    assert report.damaged == [] and report.records_dropped == 0
    run_pipeline(load_recipe(path), cache)
    assert (path.parent / "out" / "all.txt").read_text() == "|".join(
        f"part {i}  part {i + 1} " for i in range(0, N, 2))


def test_read_only_cache_folder_is_a_clear_error(tmp_path: Path, monkeypatch):
    from pipeline.errors import CacheError

    def refuse(self, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)  # root ignores permission bits; a read-only mount does not
    with pytest.raises(CacheError) as info:
        Cache(tmp_path / "cache")
    assert "not writable" in str(info.value) and "--cache-dir" in str(info.value)
