"""One executor for runs that go on at once (a server's jobs): they share the machine's slots, or one cluster.

A run left to itself makes its executor and closes it when it ends. Runs side by side that way each take
the whole machine (two jobs: twice the threads, ffmpegs and GPU slots there are, two TTS models on one
GPU), and with Dask each job starts and stops a LocalCluster of its own (seconds each, and its workers
load the voice again). ``SharedExecutor`` keeps one for the process's life instead:

- ``local``: one set of slots for every run. A run holding slots gives way once another run is waiting
  for some: it starts nothing more while it holds its fair share (the slots over the runs that hold or
  want some), so a job of a few nodes is not stuck behind hundreds of another job's segments;
- ``dask``: one LocalCluster, each run a client of its own on it (cancelling one job's work never
  cancels the same work another job waits for);
- ``dask://HOST:PORT``: a client per run, as always (the cluster outlives every run anyway).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from typing import Any

from pipeline.errors import PipelineError
from pipeline.executor.base import Executor
from pipeline.executor.local import LocalExecutor
from pipeline.node import Resources


class SharedExecutor:
    """Executors for runs at once (``for_run``), made from one spec, sharing one machine or cluster."""

    def __init__(self, spec: str) -> None:
        from pipeline.executor.dask import executor_from_spec  # noqa: PLC0415 - dask itself loads on use

        self.spec = spec.strip()
        self._elsewhere = executor_from_spec(self.spec)  # checks the spelling now: a bad one fails at start
        self._lock = threading.Lock()
        self._local: LocalExecutor | None = None
        self._cluster: Any = None
        self._shares: list[_Share] = []

    def for_run(self) -> Callable[[], Executor]:
        """What one run takes as its executor (a factory: a run with everything cached starts nothing)."""
        if self.spec in ("", "local"):
            return lambda: _Share(self)
        if self.spec == "dask":
            return self._dask_client
        return self._elsewhere

    def local(self) -> LocalExecutor:
        with self._lock:
            if self._local is None:
                from pipeline.run import default_executor  # noqa: PLC0415

                self._local = default_executor()
            return self._local

    def _dask_client(self) -> Executor:
        from pipeline.executor.dask import DaskExecutor, local_cluster  # noqa: PLC0415

        with self._lock:
            if self._cluster is None:
                try:
                    self._cluster = local_cluster()
                except ImportError:
                    raise PipelineError("the dask executor needs dask.distributed: "
                                        "pip install 'pipeline[dask]'") from None
            cluster = self._cluster
        return DaskExecutor(cluster=cluster)

    def close(self) -> None:
        """Stop the shared threads and cluster (after the runs using them have ended)."""
        with self._lock:
            local, cluster = self._local, self._cluster
            self._local = self._cluster = None
        if local is not None:
            local.close()
        if cluster is not None:
            cluster.close()


class _Share:
    """One run's view of the shared local slots: the executor interface, with the give-way rule."""

    remote = False

    def __init__(self, owner: SharedExecutor) -> None:
        self.owner = owner
        self.machine = owner.local()
        self.held = 0.0  # CPU slots this run's nodes hold now
        self.waiting = False  # this run was refused a slot since it last started a node
        with owner._lock:
            owner._shares.append(self)

    def _fair(self) -> float:
        """The machine's CPU slots over the runs that hold some or wait for some (this one included)."""
        wanting = sum(1 for s in self.owner._shares if s is self or s.held > 0 or s.waiting)
        return self.machine.slots.cpu / max(1, wanting)

    def can_start(self, resources: Resources) -> bool:
        with self.owner._lock:
            need = min(resources.cpu, self.machine.slots.cpu)
            others_wait = any(s.waiting for s in self.owner._shares if s is not self)
            fits = self.machine.can_start(resources)
            if fits and others_wait and self.held > 0 and self.held + need > self._fair() + 1e-9:
                fits = False  # give way: another run waits and this one has its share
            self.waiting = not fits
            return fits

    def submit(self, key: str, fn: Callable[..., Any], *args: Any, resources: Resources) -> Future[Any]:
        need = min(resources.cpu, self.machine.slots.cpu)
        with self.owner._lock:
            self.held += need
            self.waiting = False
        future = self.machine.submit(key, fn, *args, resources=resources)

        def release(_: Future[Any]) -> None:
            with self.owner._lock:
                self.held -= need

        future.add_done_callback(release)
        return future

    def wait(self, futures: Iterable[Future[Any]], timeout: float | None = None) -> set[Future[Any]]:
        return self.machine.wait(futures, timeout)

    def close(self) -> None:
        """This run has ended: its share goes back (the shared threads stay for the next run)."""
        with self.owner._lock:
            if self in self.owner._shares:
                self.owner._shares.remove(self)
