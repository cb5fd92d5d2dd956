"""Stored files: the original's ids (``<type>_<uuid4><ext>``), atomic writes, lookups that cannot leave the
storage folder, and expiry.

A file becomes visible under its id only when it is complete (written beside it, then renamed), so a
download never sees a partial file. Job work folders live in ``jobs/`` and results are moved into place.
"""

from __future__ import annotations

import os
import re
import shutil
import time
import uuid
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import anyio
import anyio.to_thread

MEDIA_TYPES = ("image", "video", "audio", "tmp")
_ID = re.compile(r"^(image|video|audio|tmp)_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
                 r"(\.[a-z0-9]{1,8})?$")
_EXT = re.compile(r"^\.[A-Za-z0-9]{1,8}$")
PARTIAL = ".part"


class BadId(ValueError):
    """A file id that this server never issues (wrong shape, a path, a traversal)."""


class TooLarge(ValueError):
    """A body over the configured limit."""


def clean_extension(name: str | None, default: str = "") -> str:
    """The extension of a client's file name or a URL path, if it is a plain one (``.jpg``), lower case;
    anything else (``.jpg?x=1``, ``.com``... are filtered by the callers' shapes) gives ``default``."""
    if not name:
        return default
    suffix = Path(name.split("?", 1)[0].split("#", 1)[0]).suffix
    return suffix.lower() if _EXT.match(suffix) else default


class Storage:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        for sub in (*MEDIA_TYPES, "jobs"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)

    def new_id(self, media_type: str, ext: str) -> str:
        if media_type not in MEDIA_TYPES:
            raise BadId(f"media type must be one of {', '.join(MEDIA_TYPES)}")
        return f"{media_type}_{uuid.uuid4()}{ext}"

    def path(self, file_id: str) -> Path:
        match = _ID.match(file_id)
        if not match:
            raise BadId(f"{file_id!r} is not a file id of this server (expected <type>_<uuid><.ext>)")
        return self.root / match.group(1) / (match.group(2) + (match.group(3) or ""))

    def media_type(self, file_id: str) -> str:
        self.path(file_id)
        return file_id.split("_", 1)[0]

    def exists(self, file_id: str) -> bool:
        try:
            return self.path(file_id).is_file()
        except BadId:
            return False

    def partial(self, file_id: str) -> Path:
        """A private name beside the final one (same folder, so the final rename is atomic)."""
        final = self.path(file_id)
        return final.with_name(f".{final.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}{PARTIAL}")

    async def save_stream(self, file_id: str, chunks: AsyncIterator[bytes], limit: int) -> int:
        """Write chunks to a partial file and rename it into place; over ``limit`` bytes nothing is kept."""
        tmp = self.partial(file_id)
        size = 0
        try:
            async with await anyio.open_file(tmp, "wb") as out:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > limit:
                        raise TooLarge(f"the file is larger than the limit of {limit} bytes")
                    await out.write(chunk)
                await out.flush()
                await anyio.to_thread.run_sync(os.fsync, out.wrapped.fileno())
            os.replace(tmp, self.path(file_id))
        finally:
            tmp.unlink(missing_ok=True)
        return size

    def adopt(self, file_id: str, source: Path) -> None:
        """Move a finished result into place (copy + rename across filesystems)."""
        final = self.path(file_id)
        try:
            os.replace(source, final)
        except OSError:
            tmp = self.partial(file_id)
            shutil.copyfile(source, tmp)
            os.replace(tmp, final)

    def delete(self, file_id: str) -> bool:
        try:
            path = self.path(file_id)
        except BadId:
            return False
        try:
            path.unlink()
            return True
        except FileNotFoundError:
            return False

    def work_dir(self, job_id: str) -> Path:
        if not re.fullmatch(r"[a-z]+_[0-9a-f-]{36}(\.[a-z0-9]{1,8})?", job_id):
            raise BadId(f"{job_id!r} is not a job id of this server")
        return self.root / "jobs" / job_id

    def link_into(self, file_id: str, folder: Path, name: str) -> Path:
        """Make a stored file available in a job's folder (a hard link, or a copy across filesystems)."""
        target = folder / name
        source = self.path(file_id)
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)
        return target

    def sweep(self, max_age: float, keep: Iterable[str] = ()) -> int:
        """Delete files (and job folders) older than ``max_age`` seconds; ``keep`` names job folders in
        use. Partial files of dead writers go too."""
        if max_age <= 0:
            return 0
        cutoff = time.time() - max_age
        keep = set(keep)
        removed = 0
        for sub in (*MEDIA_TYPES, "jobs"):
            for entry in (self.root / sub).iterdir():
                try:
                    if entry.name in keep or entry.stat().st_mtime >= cutoff:
                        continue
                    if entry.is_dir():
                        shutil.rmtree(entry, ignore_errors=True)
                    else:
                        entry.unlink(missing_ok=True)
                    removed += 1
                except OSError:
                    continue
        return removed
