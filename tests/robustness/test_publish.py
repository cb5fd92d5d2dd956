"""Robustness, publishing: never a corrupt output, and a run's outputs change as a set.

Bit rot that keeps a blob's size and mtime fools the stat cache, but publishing copies every byte and
hashes them on the way: the damaged blob is discarded, its node recomputed, and the right video published
(exit 0, a warning). A process killed (SIGKILL) inside publishing, before the journal or after any number
of renames, leaves outputs that the next command (here ``pipeline cache du``) completes: a reader then
sees every file of the new run, or every file of the old one, never a new video with old captions.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.robustness.helpers import Project, digest, scene_recipe

OLD = scene_recipe({"text": "The old words.", "image": "assets/city.jpg"}, output={"path": "out/set.mp4"})
NEW = scene_recipe({"text": "Some new words now.", "image": "assets/city.jpg"}, output={"path": "out/set.mp4"})


def outputs(project: Project) -> dict[str, str]:
    out = project.root / "out"
    return {p.name: digest(p) for p in sorted(out.iterdir())} if out.is_dir() else {}


@pytest.fixture(scope="module")
def expected(tmp_path_factory) -> dict[str, dict[str, str]]:
    """The outputs of clean runs of the old and the new recipe, each in a fresh folder and cache."""
    found = {}
    for name, recipe in (("old", OLD), ("new", NEW)):
        project = Project(tmp_path_factory.mktemp(name))
        project.write("set.yaml", recipe)
        assert project.run("set.yaml").code == 0
        found[name] = outputs(project)
    assert found["old"].keys() == found["new"].keys() == {"set.ass", "set.mp4", "set.srt", "set.vtt"}
    assert all(found["old"][k] != found["new"][k] for k in found["old"])
    return found


def test_bit_rot_that_keeps_the_mtime_is_never_published(tmp_path, expected):
    project = Project(tmp_path / "p")
    project.write("set.yaml", NEW)
    assert project.run("set.yaml").code == 0
    video = project.root / "out" / "set.mp4"
    blob = next(project.cache.glob(f"blobs/*/{digest(video)}"))
    video.unlink()
    os.utime(blob, (blob.stat().st_atime - 3600, blob.stat().st_mtime - 3600))
    assert project.cli("plan", "--check", str(project.root / "set.yaml")).code == 0  # hashed, remembered
    st = blob.stat()
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0xFF
    blob.write_bytes(bytes(data))
    os.utime(blob, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size, same mtime: the stat cache trusts it
    outcome = project.cli("run", str(project.root / "set.yaml"))
    assert outcome.code == 0, outcome.err
    assert "was damaged" in outcome.err and "runs again" in outcome.err
    assert outputs(project) == expected["new"]
    assert project.temp_leftovers() == []


CRASH = """
import os, sys
from pipeline.cache import journal
from pipeline.cli import main

stage = sys.argv[1]
renames = int(sys.argv[2])
if stage == "before-journal":
    def write(cache_root, moves, removals=None):
        os.kill(os.getpid(), 9)
    journal.write = write
else:
    def apply(record, moves, removals=None):
        for tmp, dest in moves[:renames]:
            os.replace(tmp, dest)
        os.kill(os.getpid(), 9)
    journal.apply = apply
main(sys.argv[3:])
"""


@pytest.mark.parametrize("stage, renames, result", [
    ("before-journal", 0, "old"), ("after-journal", 0, "new"), ("after-journal", 1, "new"),
    ("after-journal", 3, "new")])
def test_a_kill_inside_publishing_leaves_one_set_after_recovery(tmp_path, expected, stage, renames, result):
    project = Project(tmp_path / "p")
    recipe = project.write("set.yaml", OLD)
    assert project.run("set.yaml").code == 0
    assert outputs(project) == expected["old"]
    project.write("set.yaml", NEW)
    done = subprocess.run([sys.executable, "-c", CRASH, stage, str(renames), "--cache-dir", str(project.cache),
                           "run", "-q", str(recipe)], cwd=project.root, capture_output=True, text=True,
                          timeout=180, check=False)
    assert done.returncode == -9, done.stderr
    if stage == "after-journal" and renames:
        mixed = {k: v for k, v in outputs(project).items() if not k.endswith(".tmp")}
        assert mixed != expected["old"] and mixed != expected["new"]  # the moment a crash can leave
    recovered = subprocess.run([sys.executable, "-m", "pipeline.cli", "--cache-dir", str(project.cache),
                                "cache", "du"], cwd=project.root, capture_output=True, text=True, timeout=60,
                               check=False)
    assert recovered.returncode == 0, recovered.stderr
    after = outputs(project)
    if result == "old":  # temporary files of the dead run may remain until the next publish
        after = {k: v for k, v in after.items() if not k.endswith(".tmp")}
    assert after == expected[result]
    assert not list((project.cache / "journal").glob("*.json"))
    assert project.run("set.yaml").code == 0
    assert outputs(project) == expected["new"]


def test_a_journal_left_by_a_dead_run_also_removes_what_the_new_set_no_longer_has(tmp_path):
    """An optional output that came out empty is removed as part of the set: a run killed after its
    journal has its renames and its removals completed by the next command (no new video beside the
    previous captions)."""
    from pipeline.cache import journal

    out = tmp_path / "out"
    out.mkdir()
    (out / "v.mp4").write_bytes(b"old video")
    (out / "v.srt").write_bytes(b"old captions")
    staged = out / ".v.mp4.pid1.tmp"
    staged.write_bytes(b"new video")
    record = journal.write(tmp_path / "cache", [(staged, out / "v.mp4")], [out / "v.srt"])
    dead = record.with_name(record.name.replace(f"pid{os.getpid()}", "pid999999999"))
    record.rename(dead)  # as if the run that wrote it had been killed before applying it
    assert journal.roll_forward(tmp_path / "cache") == [out / "v.mp4"]
    assert (out / "v.mp4").read_bytes() == b"new video" and not (out / "v.srt").exists()
    assert not dead.exists()
