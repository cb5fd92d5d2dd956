"""Publishing a run's outputs as a set: all new files, or all old ones, whatever moment a crash picks.

Every output is first copied complete (and fsynced) to a temporary file beside its destination; then a
journal listing the moves (temporary file -> destination) is written atomically into the cache; then
the files are renamed one by one and the journal removed. A run killed between the journal and the last
rename leaves a journal whose owner is dead: the next command that opens the cache rolls it forward
(renames what is left), so a reader after recovery sees the new set whole. Killed before the journal,
it leaves only temporary files, which the next publish removes: the old set stays whole. Files the new
set no longer has (an optional output that came out empty) are listed too and removed after the moves.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pipeline.cache.blobs import fsync_dir, fsync_file

JOURNAL_DIR = "journal"


def write(cache_root: Path, moves: list[tuple[Path, Path]], removals: list[Path] | None = None) -> Path:
    """Record ``moves`` (and the files to remove) durably before the first rename; returns the journal's
    path."""
    folder = cache_root / JOURNAL_DIR
    folder.mkdir(parents=True, exist_ok=True)
    journal = folder / f"publish-pid{os.getpid()}-{os.urandom(4).hex()}.json"
    tmp = journal.with_suffix(".tmp")
    tmp.write_text(json.dumps({"moves": [[str(a), str(b)] for a, b in moves],
                               "removals": [str(path) for path in removals or []]}), encoding="utf-8")
    fsync_file(tmp)
    os.replace(tmp, journal)
    fsync_dir(folder)
    return journal


def apply(journal: Path, moves: list[tuple[Path, Path]], removals: list[Path] | None = None) -> None:
    """Do the moves and removals (those not done yet), make them durable, then drop the journal."""
    for tmp, dest in moves:
        if tmp.exists():
            os.replace(tmp, dest)
    for path in removals or []:
        path.unlink(missing_ok=True)
    for folder in {dest.parent for _, dest in moves} | {path.parent for path in removals or []}:
        if folder.is_dir():
            fsync_dir(folder)
    journal.unlink(missing_ok=True)


def roll_forward(cache_root: Path) -> list[Path]:
    """Complete the publishes of runs that died mid-way; returns the destinations written. A journal
    whose run is still alive is left to it."""
    from pipeline.cache import owner_pid, process_alive

    folder = cache_root / JOURNAL_DIR
    written: list[Path] = []
    for journal in sorted(folder.glob("publish-*.json")) if folder.is_dir() else []:
        if process_alive(owner_pid(journal.name)):
            continue
        try:
            record = json.loads(journal.read_text(encoding="utf-8"))
            moves = [(Path(a), Path(b)) for a, b in record["moves"]]
            removals = [Path(path) for path in record.get("removals", [])]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            journal.unlink(missing_ok=True)  # written atomically: a damaged one was never complete
            continue
        written += [dest for tmp, dest in moves if tmp.exists()]
        apply(journal, moves, removals)
    return written
