"""The content-addressed blob store: one immutable file per digest, ``blobs/ab/abcdef...``.

Blobs are written to a temp file on the same filesystem, fsynced, then renamed into place, so a reader
never sees a partial blob and a crash leaves at most a stray temp file. Renaming over an existing identical
blob is harmless, which makes concurrent writers safe.
"""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.cache.digest import file_digest


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest

    def has(self, digest: str, size: int | None = None) -> bool:
        try:
            st = os.stat(self.path(digest))
        except OSError:
            return False
        return size is None or st.st_size == size

    def adopt(self, src: Path) -> tuple[str, int]:
        """Move ``src`` (on the cache's filesystem) into the store; returns (digest, size)."""
        digest = file_digest(src)
        size = src.stat().st_size
        dest = self.path(digest)
        if self.has(digest, size):
            src.unlink()
            return digest, size
        dest.parent.mkdir(parents=True, exist_ok=True)
        fsync_file(src)
        os.replace(src, dest)
        fsync_dir(dest.parent)
        return digest, size

    def verify(self, digest: str) -> bool:
        """Re-hash a blob: False when it is missing or its bytes no longer match its name."""
        try:
            return file_digest(self.path(digest)) == digest
        except OSError:
            return False

    def discard(self, digest: str) -> None:
        try:
            self.path(digest).unlink()
        except FileNotFoundError:
            pass
