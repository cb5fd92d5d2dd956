"""Executors: where node runs happen (local threads now; the interface admits a cluster)."""

from pipeline.executor.base import Executor
from pipeline.executor.local import LocalExecutor, Slots

__all__ = ["Executor", "LocalExecutor", "Slots"]
