"""What every route shares: settings, storage, the job store, the worker, and submitting a compiled job."""

from __future__ import annotations

import logging
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import HTTPException

from pipeline import RecipeError
from pipeline.apps.serve.compile import Compiled, RequestError, materialise
from pipeline.apps.serve.jobs import Job, JobStore, NodeState
from pipeline.apps.serve.redact import Redactor
from pipeline.apps.serve.settings import Settings
from pipeline.apps.serve.storage import Storage
from pipeline.apps.serve.worker import QueueFull, Worker

log = logging.getLogger("pipeline.serve")


def busy(retry_after: int) -> HTTPException:
    return HTTPException(429, f"the server is busy (its job queue is full); retry in {retry_after} s",
                         headers={"Retry-After": str(retry_after)})


@dataclass
class Server:
    settings: Settings
    storage: Storage
    store: JobStore
    worker: Worker
    redact: Redactor  # every JSON answer goes through it (app.py); no path of the server reaches a client
    _stop: threading.Event = field(default_factory=threading.Event)

    @classmethod
    def open(cls, settings: Settings) -> Server:
        storage = Storage(settings.storage)
        store = JobStore(storage.root / "jobs.sqlite")
        recovered = store.recover()
        if recovered:
            log.warning("%d job(s) were left unfinished by a previous run and are now marked failed", recovered)
        worker = Worker(settings, store)
        return cls(settings, storage, store, worker, Redactor(storage.root, worker.cache.root))

    def check_capacity(self) -> None:
        if len(self.worker.active()) >= self.settings.queue_size:
            raise busy(self.worker.retry_after())

    def submit(self, job_id: str, kind: str, compiled: Compiled, result_id: str) -> Job:
        """Compile a media request's job folder and queue it; its output becomes the stored ``result_id``."""
        self.check_capacity()
        folder = self.storage.work_dir(job_id)
        try:
            pipeline, folder = materialise(self.storage, job_id, compiled)
        except (RecipeError, RequestError) as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise HTTPException(400, str(exc)) from None
        return self.enqueue(job_id, kind, pipeline, folder, compiled.output, result_id, compiled.engine,
                            compiled.notes)

    def enqueue(self, job_id: str, kind: str, pipeline: Any, folder: Path, output: str | None,
                result_id: str | None, engine: str | None = None, notes: list[str] | None = None,
                reasons: dict[str, list[str]] | None = None) -> Job:
        """Record a compiled job and queue it. With ``result_id`` the recipe output ``output`` becomes that
        stored file; without, outputs stay in the job folder (native jobs), named relative to it."""
        now = time.time()
        nodes = {name: NodeState(reasons=(reasons or {}).get(name, [])) for name in pipeline.order}
        job = Job(id=job_id, kind=kind, state="queued", created=now, updated=now, file_id=result_id,
                  engine=engine, notes=notes or [], nodes=nodes)
        self.store.put(job)

        def deliver() -> list[str]:
            if result_id is None or output is None:
                return sorted(str(Path(p).resolve().relative_to(folder.resolve())) for p in pipeline.outputs
                              if Path(p).is_file())  # an empty optional output is not written
            self.storage.adopt(result_id, folder / output)
            return [result_id]

        try:
            self.worker.submit(job_id, pipeline, deliver, folder, nodes)
        except QueueFull as exc:
            self.store.delete(job_id)
            shutil.rmtree(folder, ignore_errors=True)
            raise busy(exc.retry_after) from None
        return job

    def sweep_forever(self) -> None:
        """Delete expired files and jobs, every minute or so, until the server stops."""
        ttl = self.settings.storage_ttl_seconds
        if ttl <= 0:
            return
        while not self._stop.wait(min(60.0, max(1.0, ttl / 4))):
            try:
                self.storage.sweep(ttl, keep=self.worker.active())
                self.store.expire(ttl)
            except Exception:  # cleaning must never stop; try again next time
                log.exception("storage cleanup failed")

    def close(self) -> None:
        self._stop.set()
        self.worker.close()
        self.store.close()
