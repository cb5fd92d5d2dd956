"""Keeping the cache healthy and bounded: ``du``, ``gc``, ``verify``, ``clear``.

gc evicts result records least recently used first (never those pinned by the latest complete run of a
recipe, nor those whose blobs a run in progress has leased), until the blobs fit the size cap and nothing is
older than the age limit; then it deletes blobs no record names. Blobs younger than a grace period are kept:
a run in progress writes its blobs before its records. verify re-hashes every blob, drops damaged ones and
the records that name them.
"""

from __future__ import annotations

import math
import shutil
import time
from collections import defaultdict
from dataclasses import dataclass, field

from pipeline.cache import Cache, ResultRecord, leases
from pipeline.cache.blobs import BlobInfo

GRACE_SECONDS = 600


@dataclass
class Usage:
    blobs: int = 0
    blob_bytes: int = 0
    records: int = 0
    pinned_bytes: int = 0
    by_node_type: dict[str, int] = field(default_factory=dict)


@dataclass
class GcReport:
    records_dropped: int = 0
    blobs_deleted: int = 0
    bytes_freed: int = 0
    temp_removed: int = 0


@dataclass
class VerifyReport:
    blobs_checked: int = 0
    damaged: list[str] = field(default_factory=list)
    records_dropped: int = 0


def _records(cache: Cache) -> dict[str, ResultRecord]:
    found = {}
    for key in list(cache.index.iterkeys()):
        if isinstance(key, str) and key.startswith("rec:"):
            record = cache.record(key[4:])
            if record is not None:
                found[record.key] = record
    return found


def _pinned(cache: Cache) -> set[str]:
    pins: set[str] = set()
    for key in list(cache.index.iterkeys()):
        if isinstance(key, str) and key.startswith("pins:"):
            pins.update(cache.index.get(key) or [])
    return pins


def _blobs(cache: Cache) -> dict[str, BlobInfo]:
    return {info.digest: info for info in cache.blobs.blobs()}


def usage(cache: Cache) -> Usage:
    blobs = _blobs(cache)
    records = _records(cache)
    pinned = _pinned(cache)
    result = Usage(blobs=len(blobs), blob_bytes=sum(b.size for b in blobs.values()), records=len(records))
    by_type: dict[str, int] = defaultdict(int)
    pinned_digests = {o.digest for k in pinned if k in records for o in records[k].outputs.values()}
    result.pinned_bytes = sum(blobs[d].size for d in pinned_digests if d in blobs)
    seen: set[str] = set()
    for record in records.values():
        for out in record.outputs.values():
            if out.digest in blobs and out.digest not in seen:
                seen.add(out.digest)
                by_type[record.manifest.node_type] += blobs[out.digest].size
    result.by_node_type = dict(sorted(by_type.items()))
    return result


def gc(cache: Cache, max_bytes: int | None = None, max_age_seconds: float | None = None,
       now: float | None = None) -> GcReport:
    """Evict, then delete blobs no remaining record names. The blobs of evicted records go before the
    records themselves (a record whose blob is gone is a plain miss), so gc frees space on a full disk,
    where the index cannot be written until something is deleted."""
    now = time.time() if now is None else now
    report = GcReport()
    records = _records(cache)
    pinned = _pinned(cache)
    blobs = _blobs(cache)
    in_use = _leased(cache)

    def last_use(record: ResultRecord) -> float:
        return cache.last_used(record.key, record.created_at)

    def held(record: ResultRecord) -> bool:  # pinned by a recipe's latest run, or leased by a running one
        return record.key in pinned or any(o.digest in in_use for o in record.outputs.values())

    candidates = sorted((r for r in records.values() if not held(r)), key=last_use)
    evicted: list[ResultRecord] = []
    if max_age_seconds is not None:
        evicted = [r for r in candidates if now - last_use(r) > max_age_seconds]
        for record in evicted:
            records.pop(record.key)
        candidates = [r for r in candidates if r.key in records]

    def live_bytes() -> int:
        digests = {o.digest for r in records.values() for o in r.outputs.values()}
        return sum(blobs[d].size for d in digests if d in blobs)

    if max_bytes is not None:
        size = live_bytes()
        for record in candidates:
            if size <= max_bytes:
                break
            records.pop(record.key)
            evicted.append(record)
            size = live_bytes()

    referenced = {o.digest for r in records.values() for o in r.outputs.values()} | in_use
    evicted_digests = {o.digest for r in evicted for o in r.outputs.values()}
    for digest, info in blobs.items():
        young = now - info.mtime <= GRACE_SECONDS and digest not in evicted_digests
        if digest not in referenced and not young:
            cache.blobs.discard(digest)
            report.blobs_deleted += 1
            report.bytes_freed += info.size
    for record in evicted:
        if cache.drop_record(record.key):
            report.records_dropped += 1
    scratch = [cache.root / "tmp", cache.blobs.scratch_root()]
    for stale in [p for folder in dict.fromkeys(scratch) if folder.is_dir() for p in folder.iterdir()]:
        try:
            if now - stale.stat().st_mtime > GRACE_SECONDS * 6:
                shutil.rmtree(stale, ignore_errors=True) if stale.is_dir() else stale.unlink()
                report.temp_removed += 1
        except OSError:
            continue
    return report


def verify(cache: Cache) -> VerifyReport:
    report = VerifyReport()
    for digest in _blobs(cache):
        report.blobs_checked += 1
        if not cache.blobs.verify(digest):
            report.damaged.append(digest)
            cache.blobs.discard(digest)
    damaged = set(report.damaged)
    for record in _records(cache).values():
        broken = any(o.digest in damaged or not cache.blobs.has(o.digest, o.size) for o in record.outputs.values())
        if broken and cache.drop_record(record.key):
            report.records_dropped += 1
    return report


def clear(cache: Cache) -> int:
    """Remove every blob, record and temp folder; returns the bytes freed. Blobs go first (on a full disk
    that makes room), then the index: emptied, or, when it cannot be written, replaced by a new one."""
    freed = sum(b.size for b in _blobs(cache).values())
    cache.blobs.clear()
    for sub in ("tmp", "locks"):
        shutil.rmtree(cache.root / sub, ignore_errors=True)
        (cache.root / sub).mkdir(parents=True, exist_ok=True)
    for damaged in cache.root.glob("index.damaged-*"):  # indexes moved aside when found damaged
        shutil.rmtree(damaged, ignore_errors=True)
    cache.reset_index()
    return freed


def _leased(cache: Cache) -> set[str]:
    """Blobs that runs in progress have planned to read or written (see ``pipeline.cache.leases``); the
    leases of dead runs are removed on the way."""
    leases.sweep(cache.root)
    return leases.leased(cache.root)


def parse_size(text: str) -> int:
    """'500M', '10G', '2.5GB', '1024' -> bytes."""
    units = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    value = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = value[-1] if value and value[-1] in units else ""
    number = value[: len(value) - len(unit)] if unit else value
    return int(_amount(number, text, "size", "500M or 10G") * units[unit])


def parse_age(text: str) -> float:
    """'30d', '12h', '90m', '45s' -> seconds."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    value = text.strip().lower()
    unit = value[-1] if value and value[-1] in units else "s"
    number = value[:-1] if value and value[-1] in units else value
    return _amount(number, text, "age", "30d or 12h") * units[unit]


def _amount(number: str, text: str, what: str, example: str) -> float:
    """The number of a size or an age: finite, not negative, at most 10^15 of its unit (a 1e400 once ended
    ``cache gc`` with an OverflowError; a negative size would evict everything)."""
    try:
        value = float(number)
    except ValueError:
        value = math.nan
    if not 0 <= value <= 1e15:
        raise ValueError(f"cannot read {what} {text!r}: expected a number from 0 to 10^15 with a unit; "
                         f"write e.g. {example}")
    return value


def human(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:.1f} {unit}" if unit != "B" else f"{int(size)} B"
        size /= 1024
    return f"{size:.1f} TB"


