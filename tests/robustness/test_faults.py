"""Robustness, faults around the engine: no traceback ever reaches the user, whatever breaks.

The command line: an unknown ``--executor``, output piped to a reader that leaves (``| head``), SIGTERM in
the middle of an encode (handled like Ctrl-C, exit 143), and an error nobody foresaw (one line naming the
command; the traceback only in a log file with ``--debug``). The cache: a damaged SQLite index, a cache on
a read-only mount, a full disk (a small tmpfs): every ``cache`` command still works, so space can always
be freed, and a run says why it cannot record results instead of failing halfway. The mounts need root
(this machine's tests run as root); elsewhere those tests are skipped with the reason.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.cache import Cache, maintenance
from tests.robustness.helpers import Project, digest, pipeline_command, scene_recipe

SMALL = scene_recipe({"text": "A small scene.", "image": "assets/city.jpg"}, output={"path": "out/small.mp4"})
OTHER = scene_recipe({"text": "Another scene.", "image": "assets/hills.jpg"}, output={"path": "out/other.mp4"})


def command(project: Project, *args: str, cache: Path | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*pipeline_command(), "--cache-dir", str(cache or project.cache), *args],
                          cwd=project.root, capture_output=True, text=True, timeout=180, check=False, **kwargs)


def files_of(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): digest(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here (needs root and mount rights): {done.stderr.strip()}")


@pytest.fixture
def project(tmp_path: Path) -> Project:
    project = Project(tmp_path / "p")
    project.write("small.yaml", SMALL)
    project.write("other.yaml", OTHER)
    return project


# -- the command line ------------------------------------------------------------------------------------


def test_unknown_executor_is_a_usage_error(project):
    done = command(project, "run", "--executor", "dask:/typo", "small.yaml")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "unknown executor 'dask:/typo'" in done.stderr and "fix: use --executor local, dask" in done.stderr
    assert not (project.root / "out").exists()


def test_output_piped_to_a_reader_that_leaves(project):
    """`pipeline schema | head -c 100`: the reader closes early; no traceback, exit 141 (as for SIGPIPE)."""
    import fcntl

    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, 1031, 4096)  # F_SETPIPE_SZ: a pipe far smaller than the schema (about 56 KB)
    proc = subprocess.Popen([*pipeline_command(), "schema"], stdout=write_end, stderr=subprocess.PIPE)
    os.close(write_end)
    assert proc.stderr is not None
    with os.fdopen(read_end, "rb") as reader:
        assert len(reader.read(100)) == 100
    err = proc.stderr.read().decode()
    assert proc.wait(60) == 141, err
    assert err == ""


def test_sigterm_stops_like_ctrl_c(project):
    slow = project.write("slow.yaml", scene_recipe({"image": "assets/city.jpg", "duration": 30},
                                                   output={"size": "540x960", "fps": 30, "path": "out/slow.mp4"}))
    proc = subprocess.Popen([*pipeline_command(), "--cache-dir", str(project.cache), "run", "-q", str(slow)],
                            cwd=project.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(project.cache.glob("tmp/*render*")):
        time.sleep(0.1)
    time.sleep(1.0)  # inside the encode
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "terminated" in err and "Traceback" not in err
    assert not (project.root / "out" / "slow.mp4").exists()
    assert project.temp_leftovers() == []
    children = subprocess.run(["pgrep", "-s", str(proc.pid)], capture_output=True, text=True,
                              check=False).stdout.split()
    assert children == []  # no ffmpeg left in the run's session


def test_an_unforeseen_error_is_one_line_and_a_log_with_debug(project, monkeypatch, capsys, tmp_path):
    import pipeline.registry

    def broken() -> dict:
        raise RuntimeError("a plugin misbehaved")

    monkeypatch.setattr(pipeline.registry, "node_types", broken)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    assert project.cli("nodes").code == 1
    outcome = project.cli("nodes")
    assert outcome.err.startswith("error: pipeline nodes failed unexpectedly: RuntimeError: a plugin misbehaved")
    assert "Traceback" not in outcome.err and "rerun with --debug" in outcome.err
    debug = project.cli("--debug", "nodes")
    assert debug.code == 1 and "Traceback" not in debug.err
    logs = list(tmp_path.glob("pipeline-debug-*.log"))
    assert len(logs) == 1 and str(logs[0]) in debug.err
    assert "Traceback" in logs[0].read_text() and "a plugin misbehaved" in logs[0].read_text()


# -- the cache's index -----------------------------------------------------------------------------------


def test_a_damaged_index_is_moved_aside_and_every_command_works(project):
    assert command(project, "run", "-q", "small.yaml").returncode == 0
    video = digest(project.root / "out" / "small.mp4")
    (project.cache / "index" / "cache.db").write_bytes(os.urandom(8192))
    for args in (["cache", "du"], ["cache", "verify"], ["cache", "gc"], ["validate", "small.yaml"],
                 ["plan", "small.yaml"], ["run", "-q", "small.yaml"], ["cache", "clear"]):
        done = command(project, *args)
        assert done.returncode == 0, (args, done.stderr)
        assert "Traceback" not in done.stderr
    assert digest(project.root / "out" / "small.mp4") == video
    assert not list(project.cache.glob("index.damaged-*"))  # clear removes the damaged copy too


@pytest.fixture
def read_only_cache(project: Project, tmp_path: Path) -> Iterator[Path]:
    """The project's cache, filled by a run, then seen through a read-only bind mount."""
    assert command(project, "run", "-q", "small.yaml").returncode == 0
    view = tmp_path / "ro-cache"
    view.mkdir()
    mount("--bind", str(project.cache), str(view))
    try:
        mount("-o", "remount,ro,bind", str(view))
        yield view
    finally:
        if subprocess.run(["umount", str(view)], check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(view)], check=False)


def test_a_read_only_cache_reads_and_refuses_to_record(project, read_only_cache):
    before = files_of(project.cache)
    video = digest(project.root / "out" / "small.mp4")
    for args in (["cache", "du"], ["cache", "verify"], ["cache", "gc"], ["validate", "other.yaml"]):
        done = command(project, *args, cache=read_only_cache)
        assert done.returncode == 0 and "Traceback" not in done.stderr, (args, done.stderr)
    plan = command(project, "plan", "--check", "small.yaml", cache=read_only_cache)
    assert plan.returncode == 0, plan.stderr  # everything cached: readable without writing
    cached = command(project, "run", "-q", "small.yaml", cache=read_only_cache)
    assert cached.returncode == 0, cached.stderr  # nothing to record: the outputs are published
    refused = command(project, "run", "-q", "other.yaml", cache=read_only_cache)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "is read-only" in refused.stderr and "fix: make the folder writable" in refused.stderr
    assert not (project.root / "out" / "other.mp4").exists()
    assert files_of(project.cache) == before
    assert digest(project.root / "out" / "small.mp4") == video


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    disk = tmp_path / "disk"
    disk.mkdir()
    mount("-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk))
    try:
        yield disk
    finally:
        if subprocess.run(["umount", str(disk)], check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(disk: Path) -> Path:
    filler = disk / "filler"
    with open(filler, "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass
    return filler


def test_a_full_disk_is_a_clear_error_and_space_can_be_freed(project, small_disk):
    cache = small_disk / "cache"
    assert command(project, "run", "-q", "small.yaml", cache=cache).returncode == 0
    filler = fill(small_disk)
    for args in (["cache", "du"], ["cache", "verify"], ["cache", "gc"], ["plan", "small.yaml"]):
        done = command(project, *args, cache=cache)
        assert done.returncode == 0 and "Traceback" not in done.stderr, (args, done.stderr)
    refused = command(project, "run", "-q", "other.yaml", cache=cache)
    assert refused.returncode in (1, 2) and "Traceback" not in refused.stderr
    assert "no space left" in refused.stderr.lower() and "database or disk is full" not in refused.stderr
    assert not (project.root / "out" / "other.mp4").exists()
    cleared = command(project, "cache", "clear", cache=cache)
    assert cleared.returncode == 0, cleared.stderr
    filler.unlink()
    assert command(project, "run", "-q", "other.yaml", cache=cache).returncode == 0
    assert verified_clean(cache)


def verified_clean(folder: Path) -> bool:
    cache = Cache(folder)
    try:
        return maintenance.verify(cache).damaged == []
    finally:
        cache.close()  # an open index would keep the mount busy


def test_a_disk_that_fills_during_a_run_reports_the_node_error(project, small_disk):
    """Room for the index, not for the render: the node's own error (no space) is what the user reads."""
    cache = small_disk / "cache"
    assert command(project, "validate", "other.yaml", cache=cache).returncode == 0
    filler = fill(small_disk)
    filler.write_bytes(b"\0" * max(0, filler.stat().st_size - 96 * 1024))
    done = command(project, "run", "-q", "other.yaml", cache=cache)
    assert done.returncode in (1, 2) and "Traceback" not in done.stderr
    assert "no space left" in done.stderr.lower() and "database or disk is full" not in done.stderr
    assert not (project.root / "out" / "other.mp4").exists()
    filler.unlink()
    assert verified_clean(cache)
    assert command(project, "run", "-q", "other.yaml", cache=cache).returncode == 0
