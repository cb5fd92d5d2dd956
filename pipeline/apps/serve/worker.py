"""Running jobs: a bounded queue in front of a few worker threads, each job one engine run.

The queue holds at most ``queue_size`` jobs (waiting or running); beyond that a request is refused with
429 and a Retry-After estimated from recent job times, instead of piling up work the machine cannot do
(the original server started every job at once and fell over at two or three). A job's nodes, progress
and warnings go to the job store as they happen; a job can be cancelled while it waits or runs.
"""

from __future__ import annotations

import logging
import math
import shutil
import statistics
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pipeline import PipelineError, Reporter, SharedExecutor, open_cache, run
from pipeline.apps.serve.jobs import RESTART_ERROR, JobStore, NodeState, stop_running
from pipeline.apps.serve.settings import Settings

log = logging.getLogger("pipeline.serve")

Deliver = Callable[[], list[str]]  # moves a finished job's results into place; returns their names

# A job's node states reach the store at most this often: a scene in segments is hundreds of nodes, and
# every write rewrites the job (3.6 ms with 600 nodes), so one per start and finish was seconds of a run.
FLUSH_SECONDS = 0.5


class QueueFull(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"the server is busy; retry in {retry_after} s")
        self.retry_after = retry_after


class JobReporter(Reporter):
    """Keeps each node's state, progress and warnings in the job store: at most every ``FLUSH_SECONDS``,
    and what changed in between is written when that time is up (a timer), so the store is never more
    than that behind; ``flush`` writes what is pending at once (the end of a job)."""

    def __init__(self, store: JobStore, job_id: str, nodes: dict[str, NodeState], notes: list[str]) -> None:
        super().__init__(quiet=True)
        self.store = store
        self.job_id = job_id
        self.nodes = nodes
        self.notes = list(notes)
        self._flushed = 0.0
        self._node_lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def flush(self) -> None:
        """Write the nodes and notes now (and drop a pending timed write)."""
        self._flush(force=True)

    def _flush(self, force: bool = False) -> None:
        with self._flush_lock:
            wait = self._flushed + FLUSH_SECONDS - time.monotonic()
            if not force and wait > 0:
                if self._timer is None:
                    self._timer = threading.Timer(wait, self.flush)
                    self._timer.daemon = True
                    self._timer.start()
                return
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._flushed = time.monotonic()
            with self._node_lock:
                nodes = {name: state.model_dump() for name, state in self.nodes.items()}
                notes = list(self.notes)
            self.store.update(self.job_id, nodes=nodes, notes=notes)

    def _node(self, name: str) -> NodeState:
        return self.nodes.setdefault(name, NodeState())

    def started(self, node: str) -> None:
        with self._node_lock:
            self._node(node).state = "running"
        self._flush()

    def split(self, node: str, parts: Sequence[str]) -> None:
        with self._node_lock:
            state = self._node(node)
            state.state, state.message = "running", f"as {len(parts)} parts"
        self._flush()

    def progress(self, node: str, fraction: float | None, message: str = "") -> None:
        with self._node_lock:
            state = self._node(node)
            state.fraction, state.message = fraction, message
        self._flush()

    def finished(self, node: str, status: str, seconds: float | None = None, reason: str | None = None) -> None:
        with self._node_lock:
            state = self._node(node)
            state.state = status.lower()
            if status in ("ran", "cached"):
                state.fraction = 1.0
        self._flush()

    def warning(self, node: str, message: str) -> None:
        if message.startswith("tts engine ") and " skipped: " in message:
            return  # the job already says which engine speaks and why (also when the audio is cached)
        with self._node_lock:
            self.notes.append(f"{node}: {message}")
        self._flush()


class Worker:
    def __init__(self, settings: Settings, store: JobStore) -> None:
        self.settings = settings
        self.store = store
        self.cache = open_cache(settings.cache_dir)
        self.pool = ThreadPoolExecutor(settings.workers, thread_name_prefix="pipeline-job")
        # jobs at once share the machine's slots (or one Dask cluster) instead of each taking all of it
        self.executor = SharedExecutor(settings.executor)
        self._lock = threading.Lock()
        self._cancels: dict[str, threading.Event] = {}
        self._cancelled_by_user: set[str] = set()
        self._closing = threading.Event()  # set by close: a run stopped from now on was stopped by the server
        self._seconds: deque[float] = deque(maxlen=20)

    def active(self) -> list[str]:
        with self._lock:
            return list(self._cancels)

    def retry_after(self) -> int:
        typical = statistics.median(self._seconds) if self._seconds else 5.0
        waiting = max(1, len(self._cancels) - self.settings.workers + 1)
        return max(1, min(600, math.ceil(typical * waiting / self.settings.workers)))

    def submit(self, job_id: str, pipeline: Any, deliver: Deliver, work_dir: Path | None,
               nodes: dict[str, NodeState]) -> None:
        """Queue a compiled recipe; raises QueueFull when the queue is at its limit."""
        with self._lock:
            if len(self._cancels) >= self.settings.queue_size:
                raise QueueFull(self.retry_after())
            cancel = threading.Event()
            self._cancels[job_id] = cancel
        self.pool.submit(self._run, job_id, pipeline, deliver, work_dir, cancel, nodes)

    def cancel(self, job_id: str) -> bool:
        with self._lock:
            event = self._cancels.get(job_id)
        if event is None:
            return False
        with self._lock:
            self._cancelled_by_user.add(job_id)
        event.set()
        return True

    def _stopped(self, job_id: str, state: str, nodes: dict[str, NodeState]) -> dict[str, Any]:
        """How a job that did not finish ends: cancelled by its user, stopped by the server's shutdown
        (failed, to be submitted again), or failed (a node failed; the engine also stops the others)."""
        if job_id in self._cancelled_by_user:
            return {"state": "cancelled"}
        if self._closing.is_set():
            return {"state": "failed", "error": RESTART_ERROR.format(state=state),
                    "nodes": {name: node.model_dump() for name, node in stop_running(nodes).items()}}
        return {"state": "failed"}

    def _run(self, job_id: str, pipeline: Any, deliver: Deliver, work_dir: Path | None,
             cancel: threading.Event, nodes: dict[str, NodeState]) -> None:
        started = time.monotonic()
        try:
            if cancel.is_set():
                self.store.update(job_id, **{"error": "cancelled before it started",
                                             **self._stopped(job_id, "queued", nodes)})
                return
            self.store.update(job_id, state="processing")
            job = self.store.get(job_id)
            reporter = JobReporter(self.store, job_id, nodes, job.notes if job else [])
            try:
                run(pipeline, self.cache, reporter=reporter, executor=self.executor.for_run(),
                    cancel=cancel)
            finally:
                reporter.flush()  # the nodes' last states, also of a failed or cancelled run
            outputs = deliver()
            self.store.update(job_id, state="ready", outputs=outputs)
            self._seconds.append(time.monotonic() - started)
        except PipelineError as exc:
            self.store.update(job_id, **{"error": str(exc),
                                         **self._stopped(job_id, "processing", nodes)})
        except Exception as exc:  # a job's failure is its status, never a dead worker
            log.exception("job %s failed unexpectedly", job_id)
            self.store.update(job_id, state="failed", error=f"internal error: {type(exc).__name__}: {exc}")
        finally:
            with self._lock:
                self._cancels.pop(job_id, None)
                self._cancelled_by_user.discard(job_id)
            if work_dir is not None and job_id.split("_", 1)[0] != "job":
                shutil.rmtree(work_dir, ignore_errors=True)  # media routes keep only the moved result

    def close(self) -> None:
        """Stop: running jobs are stopped and, like those still waiting, failed with the restart message."""
        self._closing.set()
        for event in list(self._cancels.values()):
            event.set()
        self.pool.shutdown(wait=True, cancel_futures=True)
        for job_id in list(self._cancels):  # waiting jobs whose run never started
            self.store.update(job_id, state="failed", error=RESTART_ERROR.format(state="queued"))
        self.executor.close()
        self.cache.close()

