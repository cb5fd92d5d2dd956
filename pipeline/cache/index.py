"""Opening the cache's SQLite index so that a bad index never locks the user out of their cache.

- A damaged index (not a database, a malformed page) is moved aside and a fresh one started: the index is
  itself a cache (records are found again or recomputed; blobs are untouched).
- An index that cannot be written (a read-only folder or mount, a full disk) is opened read-only, straight
  from SQLite: plans, ``validate`` and ``cache du`` work, ``cache gc``/``verify``/``clear`` free space
  through the blob store first, and a run that must record results says clearly why it cannot.
"""

from __future__ import annotations

import errno
import sqlite3
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import diskcache

_FULL = ("disk is full", "no space")
_READ_ONLY = ("readonly", "read-only", "unable to open", "disk i/o error", "permission")


class IndexUnwritable(Exception):
    """The index cannot be written now (read-only, or no space): ``reason`` says which, in the user's terms."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def open_writable(folder: Path) -> diskcache.Cache:
    return diskcache.Cache(str(folder), size_limit=2**40, eviction_policy="none", timeout=60)


def unwritable_reason(exc: BaseException, folder: Path) -> str | None:
    """Why the index at ``folder`` cannot be written, or None when ``exc`` is another kind of failure."""
    text = str(exc).lower()
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC or any(p in text for p in _FULL):
        return f"no space left on the disk of {folder}"
    if isinstance(exc, OSError) and exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM) or \
            any(p in text for p in _READ_ONLY):
        return f"{folder} is read-only"
    return None


def is_damaged(exc: BaseException) -> bool:
    """SQLite says the file is not a database, or a damaged one."""
    return isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError) or \
        "malformed" in str(exc).lower() or "not a database" in str(exc).lower()


def open_index(folder: Path) -> tuple[diskcache.Cache | ReadOnlyIndex, str]:
    """The index, and a note for the user ("" when all is well)."""
    try:
        return open_writable(folder), ""
    except (sqlite3.Error, OSError) as exc:
        if is_damaged(exc):
            aside = folder.with_name(f"{folder.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
            folder.rename(aside)
            return open_writable(folder), (f"the cache index was damaged ({exc}); it was moved to {aside} and "
                                           "a new one started (cached results are found again or recomputed)")
        reason = unwritable_reason(exc, folder)
        if reason is None:
            raise
        return ReadOnlyIndex(folder, reason), ""


class ReadOnlyIndex:
    """The parts of diskcache's interface the engine reads, served from the SQLite file without writing.
    Writes raise IndexUnwritable."""

    def __init__(self, folder: Path, reason: str) -> None:
        self.folder = folder
        self.reason = reason
        self.disk = diskcache.Disk(str(folder))
        self._db: sqlite3.Connection | None = None
        database = folder / "cache.db"
        if database.is_file():
            for query in ("mode=ro", "immutable=1"):  # a read-only mount cannot take WAL's shared memory
                try:
                    db = sqlite3.connect(f"file:{database}?{query}", uri=True)
                    db.execute("SELECT 1 FROM Cache LIMIT 1").fetchall()
                    self._db = db
                    break
                except sqlite3.Error:
                    continue

    def get(self, key: str, default: Any = None) -> Any:
        if self._db is None:
            return default
        db_key, raw = self.disk.put(key)
        row = self._db.execute("SELECT mode, filename, value FROM Cache WHERE key = ? AND raw = ?",
                               (db_key, raw)).fetchone()
        if row is None:
            return default
        try:
            return self.disk.fetch(*row, read=False)
        except OSError:
            return default

    def iterkeys(self) -> Iterator[Any]:
        if self._db is None:
            return
        for key, raw in self._db.execute("SELECT key, raw FROM Cache ORDER BY rowid").fetchall():
            yield self.disk.get(key, raw)

    def set(self, key: str, value: Any) -> bool:
        raise IndexUnwritable(self.reason)

    def delete(self, key: str) -> bool:
        raise IndexUnwritable(self.reason)

    def clear(self) -> int:
        raise IndexUnwritable(self.reason)

    def transact(self) -> AbstractContextManager[None]:
        raise IndexUnwritable(self.reason)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()


__all__ = ["IndexUnwritable", "ReadOnlyIndex", "open_index", "open_writable"]
