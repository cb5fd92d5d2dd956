"""Robustness, a gc during a run: the blobs a run has planned to read (and those it wrote) are leased.

A recipe whose first scene is cached but no longer pinned (the recipe's latest complete run rendered
something else) is run again with a slow second scene; while that scene renders, ``cache gc --max-size 0``
runs in another process. Without the run's lease gc would evict the first scene and the merge would fail
on a missing file; with it the run ends with outputs equal to a clean run's, and gc frees what no run
holds. A lease left by a killed run (its pid is dead) is removed by the next run.
"""

from __future__ import annotations

import json
import subprocess
import time

from pipeline.cache.leases import LEASE_DIR
from tests.robustness.helpers import Project, digest, pipeline_command, scene_recipe

FIRST = {"text": "The first scene stays cached.", "image": "assets/city.jpg"}
SLOW = {"image": "assets/hills.jpg", "duration": 10}
BIG = {"size": "360x640", "fps": 30, "path": "out/lease.mp4"}


def outputs(project: Project) -> dict[str, str]:
    return {p.name: digest(p) for p in sorted((project.root / "out").iterdir())}


def test_gc_during_a_run_keeps_what_the_run_reads(tmp_path):
    clean = Project(tmp_path / "clean")
    clean.write("lease.yaml", scene_recipe(FIRST, SLOW, output=BIG))
    assert clean.run("lease.yaml").code == 0

    project = Project(tmp_path / "p")
    project.write("lease.yaml", scene_recipe(FIRST, {"image": "assets/city.jpg", "duration": 1}, output=BIG))
    assert project.run("lease.yaml").code == 0
    project.write("lease.yaml", scene_recipe({"image": "assets/harbour.jpg", "duration": 1}, output=BIG))
    assert project.run("lease.yaml").code == 0  # the latest complete run pins only this one
    recipe = project.write("lease.yaml", scene_recipe(FIRST, SLOW, output=BIG))
    run = subprocess.Popen([*pipeline_command(), "--cache-dir", str(project.cache), "run", "-q", str(recipe)],
                           cwd=project.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(project.cache.glob("tmp/scene2.render*")):
        time.sleep(0.05)
    assert any(project.cache.glob(f"{LEASE_DIR}/run-pid{run.pid}-*.json"))
    gc = subprocess.run([*pipeline_command(), "--cache-dir", str(project.cache), "cache", "gc", "--max-size", "0"],
                        cwd=project.root, capture_output=True, text=True, timeout=60, check=False)
    assert gc.returncode == 0, gc.stderr
    assert "deleted 0 blobs" not in gc.stdout  # it did free what no run holds
    _, err = run.communicate(timeout=120)
    assert run.returncode == 0, err
    assert "Traceback" not in err
    assert outputs(project) == outputs(clean)
    assert not any(project.cache.glob(f"{LEASE_DIR}/*.json"))  # released at the end


def test_a_dead_runs_lease_is_cleared_by_the_next_run(tmp_path):
    project = Project(tmp_path / "p")
    project.write("one.yaml", scene_recipe(FIRST))
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = project.cache / LEASE_DIR / f"run-pid{dead.pid}-0000.json"
    stale.parent.mkdir(parents=True)
    stale.write_text(json.dumps(["0" * 64]), encoding="utf-8")
    assert project.run("one.yaml").code == 0
    assert not stale.exists()
