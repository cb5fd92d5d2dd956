"""The narrow interface between the runner and whatever executes node runs (threads here, a cluster later).

An executor takes a callable and the resources it occupies, and gives back a Future. The runner decides
*what* may start (dependencies, cache hits); the executor decides only *where* it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future
from typing import Any, Protocol

from pipeline.node import Resources


class Executor(Protocol):
    # True when runs happen in other processes or machines (a cluster): the runner then sends source files
    # through the blob store and skips warming up node types in this process.
    remote: bool

    def can_start(self, resources: Resources) -> bool:
        """True when a run needing ``resources`` fits in the free slots now."""
        ...

    def submit(self, key: str, fn: Callable[..., Any], *args: Any, resources: Resources) -> Future[Any]:
        """Run ``fn(*args)``. ``key`` names the work (derived from the cache key): a cluster runs work
        submitted twice under one key once."""
        ...

    def wait(self, futures: Iterable[Future[Any]], timeout: float | None = None) -> set[Future[Any]]:
        """Block until at least one of ``futures`` is done (or the timeout passes); return the done ones."""
        ...

    def close(self) -> None:
        ...
