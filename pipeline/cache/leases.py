"""Run leases: a run in progress pins the blobs it has planned to read and those it has written, so that
``cache gc`` in another process never deletes them under it.

A lease is a small file ``leases/run-pid<PID>-<id>.json`` in the cache, rewritten atomically as the run
adds digests and removed when it ends. gc honours the leases of live processes; a lease whose process is
dead (kill -9) is removed by the next run or gc.
"""

from __future__ import annotations

import json
import os
from contextlib import suppress
from pathlib import Path

LEASE_DIR = "leases"


def _owner_alive(path: Path) -> bool:
    from pipeline.cache import owner_pid, process_alive

    return process_alive(owner_pid(path.name))


def sweep(cache_root: Path) -> int:
    """Remove the leases of dead processes; returns how many."""
    removed = 0
    folder = cache_root / LEASE_DIR
    for lease in folder.glob("run-*.json") if folder.is_dir() else []:
        if not _owner_alive(lease):
            with suppress(OSError):
                lease.unlink()
                removed += 1
    return removed


def leased(cache_root: Path) -> set[str]:
    """Every digest pinned by a live run."""
    digests: set[str] = set()
    folder = cache_root / LEASE_DIR
    for lease in folder.glob("run-*.json") if folder.is_dir() else []:
        if not _owner_alive(lease):
            continue
        try:
            digests.update(json.loads(lease.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue  # replaced while read (written atomically, so never partial): the next gc sees it
    return digests


class Lease:
    """The digests one run pins. Best effort where the cache cannot be written (nothing can gc it then)."""

    def __init__(self, cache_root: Path) -> None:
        self.folder = cache_root / LEASE_DIR
        self.path = self.folder / f"run-pid{os.getpid()}-{os.urandom(4).hex()}.json"
        self.digests: set[str] = set()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            sweep(cache_root)
        except OSError:
            pass

    def add(self, digests: set[str]) -> None:
        if digests <= self.digests:
            return
        self.digests |= digests
        tmp = self.path.with_suffix(".tmp")
        try:
            tmp.write_text(json.dumps(sorted(self.digests)), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:  # a read-only or full cache: nothing can gc it meanwhile either
            with suppress(OSError):
                tmp.unlink()

    def release(self) -> None:
        with suppress(OSError):  # never written (a read-only cache), or already gone
            self.path.unlink()
