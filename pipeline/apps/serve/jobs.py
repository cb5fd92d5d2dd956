"""Job state in SQLite, so it survives a restart.

A job is ``queued``, ``processing``, ``ready``, ``failed`` or ``cancelled``. When the server starts, jobs
that were queued or running when it stopped are marked ``failed`` with the reason (what they finished is
in the engine's cache, so resubmitting them resumes from there); nothing stays ``processing`` forever.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

ACTIVE = ("queued", "processing")
RESTART_ERROR = ("the server stopped while this job was {state}; submit it again (steps it finished are "
                 "cached and are not redone)")


class NodeState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: str = "pending"  # pending, running, ran, cached, failed, stopped
    fraction: float | None = None
    message: str = ""
    reasons: list[str] = Field(default_factory=list)


def stop_running(nodes: dict[str, NodeState]) -> dict[str, NodeState]:
    """The nodes of a job that ended without them: those still running are stopped."""
    return {name: node.model_copy(update={"state": "stopped"}) if node.state == "running" else node
            for name, node in nodes.items()}


class Job(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    kind: str
    state: str
    created: float
    updated: float
    file_id: str | None = None
    error: str | None = None
    engine: str | None = None
    notes: list[str] = Field(default_factory=list)
    nodes: dict[str, NodeState] = Field(default_factory=dict)
    outputs: list[str] = Field(default_factory=list)


class JobStore:
    """One SQLite file; each call opens a short transaction under a lock (jobs change a few times each)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, state TEXT NOT NULL, "
                             "updated REAL NOT NULL, body TEXT NOT NULL)")

    def recover(self) -> int:
        """Mark jobs left queued or processing by a previous server process as failed (and their nodes
        that were running as stopped)."""
        count = 0
        for job in self.all(states=ACTIVE):
            nodes = {name: node.model_dump() for name, node in stop_running(job.nodes).items()}
            self.update(job.id, state="failed", error=RESTART_ERROR.format(state=job.state), nodes=nodes)
            count += 1
        return count

    def put(self, job: Job) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO jobs (id, state, updated, body) VALUES (?, ?, ?, ?)",
                             (job.id, job.state, job.updated, job.model_dump_json()))

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            row = self._db.execute("SELECT body FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return Job.model_validate_json(row[0]) if row else None

    def update(self, job_id: str, **changes: Any) -> Job | None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute("SELECT body FROM jobs WHERE id = ?", (job_id,)).fetchone()
                if row is None:
                    self._db.execute("ROLLBACK")
                    return None
                data = json.loads(row[0])
                data.update(changes)
                data["updated"] = time.time()
                job = Job.model_validate(data)
                self._db.execute("UPDATE jobs SET state = ?, updated = ?, body = ? WHERE id = ?",
                                 (job.state, job.updated, job.model_dump_json(), job_id))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return job

    def delete(self, job_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    def all(self, states: tuple[str, ...] | None = None) -> list[Job]:
        with self._lock:
            if states:
                marks = ",".join("?" for _ in states)
                rows = self._db.execute(f"SELECT body FROM jobs WHERE state IN ({marks})", states).fetchall()
            else:
                rows = self._db.execute("SELECT body FROM jobs").fetchall()
        return [Job.model_validate_json(r[0]) for r in rows]

    def expire(self, max_age: float) -> int:
        """Forget finished jobs older than ``max_age`` seconds."""
        if max_age <= 0:
            return 0
        cutoff = time.time() - max_age
        with self._lock:
            cursor = self._db.execute("DELETE FROM jobs WHERE updated < ? AND state NOT IN ('queued', "
                                      "'processing')", (cutoff,))
        return cursor.rowcount

    def close(self) -> None:
        with self._lock:
            self._db.close()
