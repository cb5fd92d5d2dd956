"""The cache: a content-addressed blob store plus a per-machine index of result records.

Layout under the cache folder::

    blobs/ab/abcdef...   immutable output files, named by their SHA-256 (or a shared store elsewhere:
                         a folder every worker mounts, or an fsspec URL; see ``--blob-store``)
    index/               diskcache (SQLite): result records, last manifest per step, stat cache
    tmp/                 work folders of running nodes (same filesystem, so outputs move in by rename)
    locks/               one lock file per cache key while a node computes it

Blobs are written before the record that names them; a record whose blob is missing or damaged is a
miss, never a wrong output.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from pipeline.cache.blobs import BlobStore, LocalBlobStore, open_store
from pipeline.cache.index import (
    IndexUnwritable,
    ReadOnlyIndex,
    open_index,
    unwritable_reason,
)
from pipeline.cache.records import CACHE_FORMAT, Manifest, OutputRef, ResultRecord
from pipeline.cache.stat_cache import StatCache
from pipeline.errors import CacheError

__all__ = ["Cache", "Manifest", "OutputRef", "ResultRecord", "CACHE_FORMAT", "default_cache_dir"]

ENV_CACHE_DIR = "PIPELINE_CACHE_DIR"


def default_cache_dir() -> Path:
    """``$PIPELINE_CACHE_DIR`` if set, else ``cache/`` in the current folder."""
    return Path(os.environ.get(ENV_CACHE_DIR) or "cache")


class Cache:
    def __init__(self, root: Path, blob_store: str | Path | None = None) -> None:
        """``blob_store``: where blobs live when not in ``<root>/blobs`` (a shared folder or fsspec URL);
        the index always stays on this machine (SQLite must not be shared over a network filesystem)."""
        self.root = root.resolve()
        _check_folder(self.root)
        try:
            for sub in ("blobs", "tmp", "locks"):
                (self.root / sub).mkdir(parents=True, exist_ok=True)
            self.index, self.note = open_index(self.root / "index")
        except (OSError, sqlite3.Error) as exc:
            raise CacheError(_explain_os_error(exc, self.root)) from None
        # None, or why results cannot be recorded now (a read-only folder, a full disk): reading works
        self.unwritable: str | None = self.index.reason if isinstance(self.index, ReadOnlyIndex) else None
        from pipeline.cache.journal import roll_forward

        try:  # a publish that a crash cut short is completed before anything reads its outputs
            self.recovered = roll_forward(self.root)
        except OSError:  # a read-only cache: its journals wait for a command that can write
            self.recovered = []
        self.blobs: BlobStore = (open_store(blob_store) if blob_store is not None
                                 else LocalBlobStore(self.root / "blobs", scratch=self.root / "tmp"))
        # With a shared store, records are also written there (after their blobs), so every machine
        # sees every result; this machine's index stays a local copy, plus the stat cache.
        self.shared = blob_store is not None
        self.stat = StatCache(self.index)

    def close(self) -> None:
        self.index.close()

    def reset_index(self) -> None:
        """Start an empty index (``cache clear``): emptied in place, or removed and made anew when it
        cannot be written (a full disk, a damaged file)."""
        try:
            self.index.clear()
            return
        except (IndexUnwritable, sqlite3.Error, OSError):
            pass
        self.index.close()
        folder = self.root / "index"
        try:
            shutil.rmtree(folder)
            self.index, self.note = open_index(folder)
        except (OSError, sqlite3.Error) as exc:
            raise CacheError(_explain_os_error(exc, self.root)) from None
        self.unwritable = self.index.reason if isinstance(self.index, ReadOnlyIndex) else None

    def require_writable(self) -> None:
        """Raise a clear CacheError when results cannot be recorded (before a run starts work)."""
        if self.unwritable is None:
            return
        if "read-only" in self.unwritable:
            fix = "make the folder writable"
        else:
            fix = "free disk space (`pipeline cache gc --max-size 1G` or `pipeline cache clear` work on a full disk)"
        raise CacheError(f"cannot record results in the cache: {self.unwritable}\n    fix: {fix}, or choose "
                         f"another cache folder with --cache-dir or ${ENV_CACHE_DIR}")

    def _write(self, key: str, value: object) -> None:
        """One index write; a full disk or a read-only index becomes a CacheError in the user's terms."""
        try:
            self.index.set(key, value)
        except IndexUnwritable as exc:
            self.unwritable = exc.reason
            self.require_writable()
        except (sqlite3.Error, OSError) as exc:
            reason = unwritable_reason(exc, self.root / "index")
            if reason is None:
                raise
            self.unwritable = reason
            self.require_writable()

    # -- result records -----------------------------------------------------------------------------

    def record(self, key: str) -> ResultRecord | None:
        raw = self.index.get("rec:" + key)
        if raw is None and self.shared:
            data = self.blobs.read_record(key)
            if data is not None:
                raw = data.decode("utf-8")
                with suppress(IndexUnwritable, sqlite3.Error):  # a local copy only: the store keeps it
                    self.index.set("rec:" + key, raw)
        if raw is None:
            return None
        try:
            return ResultRecord.model_validate_json(raw)
        except ValueError:
            with suppress(IndexUnwritable, sqlite3.Error):
                self.index.delete("rec:" + key)
            return None

    def usable(self, record: ResultRecord) -> bool:
        """All of the record's blobs are present with the right size."""
        return all(self.blobs.has(o.digest, o.size) for o in record.outputs.values())

    def blob_intact(self, digest: str) -> bool:
        """The blob exists and its bytes hash to its name (a stat when unchanged since last checked).
        For a remote store, existence only: ``cache verify`` re-hashes those."""
        path = self.blobs.local_path(digest)
        if path is None:
            return self.blobs.has(digest)
        try:
            return self.stat.digest(path) == digest
        except OSError:
            return False

    def put_record(self, record: ResultRecord) -> None:
        data = record.model_dump_json()
        if self.shared:
            self.blobs.write_record(record.key, data.encode("utf-8"))
        self._write("rec:" + record.key, data)

    def drop_record(self, key: str) -> bool:
        """Forget a record; False when the index cannot be written now (read-only, full disk)."""
        try:
            self.index.delete("rec:" + key)
        except (IndexUnwritable, sqlite3.OperationalError):
            return False
        return True

    # -- what each step of each recipe last ran with (for explaining reruns) ------------------------

    def last_manifest(self, recipe: Path, step: str) -> Manifest | None:
        raw = self.index.get(f"last:{recipe}:{step}")
        if raw is None:
            return None
        try:
            return Manifest.model_validate_json(raw)
        except ValueError:
            return None

    def note_run(self, recipe: Path, records: dict[str, ResultRecord], complete: bool) -> bool:
        """After a run, in one transaction: what each step last ran with (to explain the next plan),
        when each result was last used (LRU for gc), and, for a complete run, the recipe's pins.
        Bookkeeping only: when the index cannot be written (a full disk) it is skipped, so that it never
        hides the run's own outcome or error; False then."""
        now = time.time()
        try:
            with self.index.transact():
                for step, record in records.items():
                    self.index.set(f"last:{recipe}:{step}", record.manifest.model_dump_json())
                    for key in (record.key, *record.parts):
                        self.index.set("used:" + key, now)
                if complete:
                    self.index.set(f"pins:{recipe}", sorted({key for r in records.values()
                                                             for key in (r.key, *r.parts)}))
        except (IndexUnwritable, sqlite3.OperationalError):
            return False
        return True

    def last_used(self, key: str, default: float) -> float:
        value = self.index.get("used:" + key)
        return float(value) if value is not None else default

    # -- work folders and locks ----------------------------------------------------------------------

    def sweep_stale_temp(self) -> int:
        """Remove work folders left by runs that died (kill -9, power loss): their names carry the pid,
        and that process no longer exists. Returns how many were removed."""
        removed = 0
        # Only this machine's folder: a shared store's scratch holds other machines' live work too,
        # whose pids mean nothing here (gc removes what is left there after a grace period).
        for folder in [self.root / "tmp"]:
            for entry in folder.iterdir() if folder.is_dir() else []:
                if not process_alive(owner_pid(entry.name)):
                    try:
                        shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)
                    except OSError:  # a read-only cache: left for a later run that can write
                        continue
                    removed += 1
        return removed

    @contextmanager
    def work_dir(self, label: str) -> Iterator[Path]:
        """A private scratch folder on the cache's filesystem, removed whatever happens."""
        path = Path(tempfile.mkdtemp(prefix=f"{label[:40]}-pid{os.getpid()}-", dir=self.root / "tmp"))
        try:
            yield path
        finally:
            shutil.rmtree(path, ignore_errors=True)

    @contextmanager
    def lock(self, key: str) -> Iterator[None]:
        """Exclusive per-key lock across processes: two runs never compute the same node at once."""
        path = self.root / "locks" / f"{key[:32]}.lock"
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def owner_pid(name: str) -> int | None:
    """The pid in a temp name that carries ``pid<N>`` (work folders, half-published outputs)."""
    match = re.search(r"(?:^|[-.])pid(\d+)[-.]", name)
    return int(match.group(1)) if match else None


def process_alive(pid: int | None) -> bool:
    """True when ``pid`` runs on this machine (or cannot be told: then the entry is left alone)."""
    if pid is None:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# What a cache folder holds: one with index/ is a cache; one without may hold only the others (its index
# removed by hand) and hidden files. Anything else beside them is someone else's files.
CACHE_ENTRIES = ("index", "blobs", "tmp", "locks", "journal", "leases")


def _check_folder(root: Path) -> None:
    """A CacheError (exit 2) when ``root`` is a file, or a non-empty folder that is not a cache: making
    blobs/, index/ and tmp/ there, or a ``cache clear``, would mix into or delete someone else's files."""
    fix = f"fix: give --cache-dir (or ${ENV_CACHE_DIR}) a new folder or an existing cache, e.g. --cache-dir cache"
    if root.exists() and not root.is_dir():
        raise CacheError(f"cache folder {root} is a file, not a folder\n    {fix}")
    try:
        entries = {entry.name for entry in root.iterdir()} if root.is_dir() else set()
    except OSError:
        return  # unreadable: opening it reports why, with its own fix
    # hidden files are a folder's own housekeeping (the project's cache/.gitignore, .DS_Store), not data
    foreign = sorted(name for name in entries if name not in CACHE_ENTRIES
                     and not name.startswith(("index.damaged-", ".")))
    if foreign and "index" not in entries:
        shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        raise CacheError(f"{root} does not look like a pipeline cache: it holds {shown} and no index/; it was "
                         f"left untouched\n    {fix}")


def _explain_os_error(exc: OSError | sqlite3.Error, root: Path) -> str:
    if not isinstance(exc, OSError):
        return f"cannot open the cache index in {root / 'index'}: {exc}; fix: `pipeline cache clear`, or " \
               "choose another folder with --cache-dir"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (f"cache folder {root} is not writable ({exc.strerror}); "
                f"fix: choose another with --cache-dir or ${ENV_CACHE_DIR}")
    if exc.errno == errno.ENOSPC:
        return f"no space left for the cache in {root}; fix: free disk space, or point --cache-dir elsewhere"
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        return (f"cannot use cache folder {root}: a file stands where it or one of its folders should be\n"
                f"    fix: choose another folder with --cache-dir or ${ENV_CACHE_DIR}")
    return (f"cannot use cache folder {root}: {exc.strerror or exc}\n"
            f"    fix: choose another folder with --cache-dir or ${ENV_CACHE_DIR}")
