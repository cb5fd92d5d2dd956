"""Runs nodes on threads of this process, within resource slots sized to the machine.

Node runs spend their time in subprocesses (ffmpeg) or native code that releases the GIL (onnxruntime,
torch), so threads give real parallelism and let models loaded once be shared by every scene.
A run that needs more than the machine has still runs, alone.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass
from typing import Any

from pipeline.node import Resources


@dataclass(frozen=True)
class Slots:
    cpu: float
    gpu: int = 0
    ffmpeg: int = 2


class LocalExecutor:
    def __init__(self, slots: Slots) -> None:
        self.slots = slots
        self._used = {"cpu": 0.0, "gpu": 0, "ffmpeg": 0}
        self._running = 0
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=max(2, int(slots.cpu) * 2), thread_name_prefix="node")

    def _need(self, resources: Resources) -> dict[str, float]:
        return {"cpu": min(resources.cpu, self.slots.cpu), "gpu": min(resources.gpu, self.slots.gpu),
                "ffmpeg": min(resources.ffmpeg, self.slots.ffmpeg)}

    def can_start(self, resources: Resources) -> bool:
        need = self._need(resources)
        with self._lock:
            if self._running == 0:
                return True
            return (self._used["cpu"] + need["cpu"] <= self.slots.cpu + 1e-9
                    and self._used["gpu"] + need["gpu"] <= self.slots.gpu
                    and self._used["ffmpeg"] + need["ffmpeg"] <= self.slots.ffmpeg)

    remote = False

    def submit(self, key: str, fn: Callable[..., Any], *args: Any, resources: Resources) -> Future[Any]:
        need = self._need(resources)
        with self._lock:
            for name, amount in need.items():
                self._used[name] += amount
            self._running += 1

        def release(_: Future[Any]) -> None:
            with self._lock:
                for name, amount in need.items():
                    self._used[name] -= amount
                self._running -= 1

        future = self._pool.submit(fn, *args)
        future.add_done_callback(release)
        return future

    def wait(self, futures: Iterable[Future[Any]], timeout: float | None = None) -> set[Future[Any]]:
        done, _ = futures_wait(list(futures), timeout=timeout, return_when=FIRST_COMPLETED)
        return set(done)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
