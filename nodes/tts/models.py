"""The process-wide store of loaded speech models: each is loaded once and shared by every scene.

Loading is the slow part of every engine (seconds for Piper, tens of seconds for Chatterbox), so a model is
keyed by what decides its content (engine, files, device) and kept for the life of the process. A second
thread asking for a model that is still loading waits for it instead of loading it again. Loads are
counted per engine so tests and benchmarks can prove that nothing reloads.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class Models:
    """Loaded models by (engine, key); one lock per key so unrelated loads do not wait for each other."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, Hashable], Any] = {}
        self._loading: dict[tuple[str, Hashable], threading.Lock] = {}
        self._use: dict[tuple[str, Hashable], threading.Lock] = {}
        self.loads: Counter[str] = Counter()

    def get(self, engine: str, key: Hashable, load: Callable[[], T]) -> T:
        """The model for ``key``, calling ``load`` only if no thread has loaded it yet."""
        full = (engine, key)
        with self._lock:
            if full in self._entries:
                return self._entries[full]
            gate = self._loading.setdefault(full, threading.Lock())
        with gate:
            with self._lock:
                if full in self._entries:
                    return self._entries[full]
            value = load()
            with self._lock:
                self._entries[full] = value
                self.loads[engine] += 1
            return value

    def lock(self, engine: str, key: Hashable) -> threading.Lock:
        """A lock to hold while using the model of ``key`` when the model keeps per-call state."""
        with self._lock:
            return self._use.setdefault((engine, key), threading.Lock())

    def forget(self, engine: str) -> None:
        """Drop an engine's models (tests that build throwaway weights)."""
        with self._lock:
            for full in [k for k in self._entries if k[0] == engine]:
                del self._entries[full]


MODELS = Models()
