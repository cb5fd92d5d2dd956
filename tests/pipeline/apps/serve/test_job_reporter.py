"""A job's node states reach the job store at most every FLUSH_SECONDS, and never stay behind longer."""

from __future__ import annotations

import time
from pathlib import Path

from pipeline.apps.serve.jobs import Job, JobStore
from pipeline.apps.serve.worker import FLUSH_SECONDS, JobReporter


class CountingStore(JobStore):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.writes = 0

    def update(self, job_id: str, **changes: object) -> Job | None:
        self.writes += 1
        return super().update(job_id, **changes)


def _store(tmp_path: Path) -> CountingStore:
    store = CountingStore(tmp_path / "jobs.db")
    store.put(Job(id="j", kind="render", state="processing", created=time.time(), updated=time.time()))
    return store


def test_hundreds_of_parts_are_a_few_writes_and_the_last_state_arrives(tmp_path: Path) -> None:
    store = _store(tmp_path)
    reporter = JobReporter(store, "j", {}, [])
    reporter.split("scene.render", [f"scene.render.seg{k}" for k in range(300)])
    for k in range(300):
        reporter.started(f"scene.render.seg{k}")
        reporter.finished(f"scene.render.seg{k}", "ran", 0.01)
    assert store.writes <= 2  # the first at once, the rest when the time is up
    deadline = time.monotonic() + FLUSH_SECONDS + 2
    while time.monotonic() < deadline:
        job = store.get("j")
        assert job is not None
        if job.nodes.get("scene.render.seg299") is not None and job.nodes["scene.render.seg299"].state == "ran":
            break
        time.sleep(0.05)
    job = store.get("j")
    assert job is not None and job.nodes["scene.render.seg299"].state == "ran"
    assert job.nodes["scene.render"].state == "running" and job.nodes["scene.render"].message == "as 300 parts"


def test_flush_writes_what_is_pending_at_once(tmp_path: Path) -> None:
    store = _store(tmp_path)
    reporter = JobReporter(store, "j", {}, [])
    reporter.started("a")
    reporter.finished("a", "FAILED", reason="boom")  # within the interval: held back
    reporter.flush()
    job = store.get("j")
    assert job is not None and job.nodes["a"].state == "failed"
