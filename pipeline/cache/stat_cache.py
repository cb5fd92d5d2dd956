"""Source files are hashed once and remembered by (path, device, inode, size, mtime_ns).

An entry is written only when the file's mtime is safely in the past: a file modified within the same
timestamp tick as the hash could change again without its mtime changing, so such entries are not trusted
(the "racy git" problem).
"""

from __future__ import annotations

import os
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

from pipeline.cache.digest import file_digest

RACY_WINDOW_NS = 2_000_000_000


class StatCache:
    def __init__(self, index: Any) -> None:
        self.index = index
        self._memo: dict[tuple[str, int, int, int, int], str] = {}

    @staticmethod
    def signature(path: Path) -> tuple[str, int, int, int, int]:
        st = os.stat(path)
        return (str(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)

    def digest(self, path: Path) -> str:
        """The content digest of ``path``, from memory, the index, or by hashing it."""
        sig = self.signature(path)
        if sig in self._memo:
            return self._memo[sig]
        key = "stat:" + sig[0]
        stored = self.index.get(key)
        if stored is not None and tuple(stored[0]) == sig:
            self._memo[sig] = str(stored[1])
            return self._memo[sig]
        digest = file_digest(path)
        if sig != self.signature(path):
            # Changed while we read it; hash again rather than remember a mix of two versions.
            return self.digest(path)
        self._memo[sig] = digest
        if time.time_ns() - sig[4] > RACY_WINDOW_NS:
            # a read-only or full index: the digest is remembered in memory only
            with suppress(Exception):
                self.index.set(key, (list(sig), digest))
        return digest
