"""The content-addressed blob store: one immutable file per digest, ``ab/abcdef...``.

Two kinds, one interface, so that the local executor and a cluster share one cache format:

- ``LocalBlobStore``: a folder (the default ``cache/blobs``, or a shared filesystem every worker mounts).
  Blobs are written to a temp file on the same filesystem, fsynced, then renamed into place, so a reader
  never sees a partial blob; renaming over an existing identical blob is harmless.
- ``FsspecBlobStore``: any fsspec URL (``s3://bucket/prefix``, ``gs://...``, ``memory://...``). A PUT of
  one object is atomic on object stores; blobs are uploaded under a temporary name and moved, or written
  directly where the store has no rename.

Both are small picklable values, so they travel to workers.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.cache.digest import CHUNK, file_digest
from pipeline.errors import CacheError


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


@dataclass(frozen=True)
class BlobInfo:
    digest: str
    size: int
    mtime: float


@dataclass(frozen=True)
class LocalBlobStore:
    root: Path
    scratch: Path | None = None  # work folders; default: <root>/.tmp (same filesystem as the blobs)

    @property
    def url(self) -> str:
        return str(self.root)

    def path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest

    def local_path(self, digest: str) -> Path | None:
        """Where the blob can be read in place (always, for a local store)."""
        return self.path(digest)

    def scratch_root(self) -> Path:
        """A folder on the store's filesystem for work folders, so outputs move in by rename."""
        path = self.scratch or self.root / ".tmp"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def has(self, digest: str, size: int | None = None) -> bool:
        try:
            st = os.stat(self.path(digest))
        except OSError:
            return False
        return size is None or st.st_size == size

    def adopt(self, src: Path) -> tuple[str, int]:
        """Move ``src`` (ideally on the store's filesystem) into the store; returns (digest, size)."""
        digest = file_digest(src)
        size = src.stat().st_size
        dest = self.path(digest)
        if self.has(digest, size):
            src.unlink()
            return digest, size
        dest.parent.mkdir(parents=True, exist_ok=True)
        fsync_file(src)
        try:
            os.replace(src, dest)
        except OSError as exc:
            if exc.errno != 18:  # EXDEV: another filesystem; copy to a temp name beside dest instead
                raise
            tmp = dest.with_name(f".{digest}.{os.getpid()}.tmp")
            shutil.copyfile(src, tmp)
            fsync_file(tmp)
            os.replace(tmp, dest)
            src.unlink()
        fsync_dir(dest.parent)
        return digest, size

    def put_copy(self, src: Path) -> tuple[str, int]:
        """Store a copy of a file that must stay where it is (a user's source file)."""
        digest = file_digest(src)
        size = src.stat().st_size
        if not self.has(digest, size):
            scratch = self.scratch_root()
            fd, name = tempfile.mkstemp(dir=scratch, prefix="put-")
            os.close(fd)
            shutil.copyfile(src, name)
            self.adopt(Path(name))
        return digest, size

    def fetch(self, digest: str, dest: Path, link: bool = True) -> None:
        """Make ``dest`` a file with the blob's bytes: a hard link when allowed and possible (node inputs
        in a work folder), else a copy (published outputs: a user editing one must not touch the blob)."""
        if link:
            try:
                os.link(self.path(digest), dest)
                return
            except OSError:
                pass
        shutil.copyfile(self.path(digest), dest)

    def copy_out(self, digest: str, dest: Path) -> str:
        """Copy the blob to a new file ``dest`` and return the SHA-256 of the bytes copied: publishing
        reads every byte anyway, so bit rot the stat cache cannot see (same size, same mtime) is caught
        at no extra read."""
        h = hashlib.sha256()
        with open(self.path(digest), "rb") as src, open(dest, "xb") as out:
            while chunk := src.read(CHUNK):
                h.update(chunk)
                out.write(chunk)
        return h.hexdigest()

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

    def blobs(self) -> Iterator[BlobInfo]:
        if not self.root.is_dir():
            return
        for sub in self.root.iterdir():
            if not sub.is_dir() or sub.name.startswith(".") or sub.name == "ac":
                continue
            for blob in sub.iterdir():
                if blob.name.startswith("."):
                    continue
                try:
                    st = blob.stat()
                except FileNotFoundError:
                    continue
                yield BlobInfo(blob.name, st.st_size, st.st_mtime)

    def clear(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True, exist_ok=True)

    def write_record(self, key: str, data: bytes) -> None:
        """A result record shared with other machines (``ac/ab/<key>.json``), written atomically."""
        dest = self.root / "ac" / key[:2] / f"{key}.json"
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{key}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
        tmp.write_bytes(data)
        fsync_file(tmp)
        os.replace(tmp, dest)

    def read_record(self, key: str) -> bytes | None:
        try:
            return (self.root / "ac" / key[:2] / f"{key}.json").read_bytes()
        except OSError:
            return None


@dataclass(frozen=True)
class FsspecBlobStore:
    """Blobs in an object store or any fsspec filesystem, for workers that share no disk."""

    url: str

    def _fs(self) -> tuple[Any, str]:  # fsspec has no public type for its filesystems
        import fsspec  # noqa: PLC0415 - optional: only for remote stores

        fs, _, (root,) = fsspec.get_fs_token_paths(self.url)
        return fs, root.rstrip("/")

    def _key(self, digest: str) -> tuple[object, str]:
        fs, root = self._fs()
        return fs, f"{root}/{digest[:2]}/{digest}"

    def local_path(self, digest: str) -> Path | None:
        return None

    def scratch_root(self) -> Path:
        return Path(tempfile.gettempdir())

    def has(self, digest: str, size: int | None = None) -> bool:
        fs, key = self._key(digest)
        try:
            info = fs.info(key)  # type: ignore[attr-defined]
        except (FileNotFoundError, OSError):
            return False
        return size is None or int(info.get("size", -1)) == size

    def _upload(self, src: Path) -> tuple[str, int]:
        digest = file_digest(src)
        size = src.stat().st_size
        if not self.has(digest, size):
            fs, key = self._key(digest)
            tmp = f"{key}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
            fs.put_file(str(src), tmp)  # type: ignore[attr-defined]
            try:
                fs.mv(tmp, key)  # type: ignore[attr-defined]
            except NotImplementedError:
                fs.put_file(str(src), key)  # type: ignore[attr-defined]
                fs.rm(tmp)  # type: ignore[attr-defined]
        return digest, size

    def adopt(self, src: Path) -> tuple[str, int]:
        result = self._upload(src)
        src.unlink()
        return result

    def put_copy(self, src: Path) -> tuple[str, int]:
        return self._upload(src)

    def fetch(self, digest: str, dest: Path, link: bool = True) -> None:
        fs, key = self._key(digest)
        fs.get_file(key, str(dest))  # type: ignore[attr-defined]

    def copy_out(self, digest: str, dest: Path) -> str:
        self.fetch(digest, dest)
        return file_digest(dest)

    def verify(self, digest: str) -> bool:
        with tempfile.TemporaryDirectory() as tmp:
            dest = Path(tmp) / "blob"
            try:
                self.fetch(digest, dest)
            except (FileNotFoundError, OSError):
                return False
            return file_digest(dest) == digest

    def discard(self, digest: str) -> None:
        fs, key = self._key(digest)
        try:
            fs.rm(key)  # type: ignore[attr-defined]
        except FileNotFoundError:
            pass

    def blobs(self) -> Iterator[BlobInfo]:
        fs, root = self._fs()
        try:
            entries = fs.find(root, detail=True)
        except FileNotFoundError:
            return
        for key, info in entries.items():
            name = key.rsplit("/", 1)[-1]
            if name.endswith((".tmp", ".json")):
                continue
            mtime = info.get("mtime") or info.get("LastModified") or info.get("created") or 0
            stamp = mtime.timestamp() if hasattr(mtime, "timestamp") else mtime  # datetime, or seconds
            yield BlobInfo(name, int(info.get("size", 0)), float(stamp))

    def clear(self) -> None:
        fs, root = self._fs()
        try:
            fs.rm(root, recursive=True)
        except FileNotFoundError:
            pass

    def write_record(self, key: str, data: bytes) -> None:
        fs, root = self._fs()
        with fs.open(f"{root}/ac/{key[:2]}/{key}.json", "wb") as f:
            f.write(data)  # one PUT: atomic on object stores

    def read_record(self, key: str) -> bytes | None:
        fs, root = self._fs()
        try:
            with fs.open(f"{root}/ac/{key[:2]}/{key}.json", "rb") as f:
                data: bytes = f.read()
                return data
        except (FileNotFoundError, OSError):
            return None


BlobStore = LocalBlobStore | FsspecBlobStore


def open_store(spec: str | Path) -> BlobStore:
    """A blob store from a folder path, a ``file://`` URL, or another fsspec URL; checked now (a folder that
    can be made, a URL scheme that fsspec knows and whose package is installed), so a wrong ``--blob-store``
    is a CacheError before anything runs rather than a node's failure."""
    text = str(spec)
    if "://" in text and not text.startswith("file://"):
        _check_url(text)
        return FsspecBlobStore(text)
    root = Path(text.removeprefix("file://")).resolve()
    fix = "give --blob-store (or $PIPELINE_BLOB_STORE) a folder, or an fsspec URL such as s3://bucket/prefix"
    if root.exists() and not root.is_dir():
        raise CacheError(f"the blob store {root} is not a folder\n    fix: {fix}")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CacheError(f"cannot use the blob store {root}: {exc.strerror or exc}\n    fix: {fix}") from None
    return LocalBlobStore(root)


def _check_url(url: str) -> None:
    """A CacheError unless fsspec can open ``url``'s kind of store here (it connects only when used)."""
    scheme = url.split("://", 1)[0]
    try:
        import fsspec  # noqa: PLC0415 - optional: only for remote stores

        fsspec.get_filesystem_class(scheme)
    except ImportError as exc:
        raise CacheError(f"the blob store {url} needs a package that is not installed: {exc}\n    fix: install "
                         f"it (e.g. `pip install fsspec s3fs` for s3://), or use a shared folder") from None
    except ValueError:
        raise CacheError(f"the blob store {url}: unknown kind of store '{scheme}://'\n    fix: use a folder, or "
                         "an fsspec URL such as s3://bucket/prefix, gs://bucket/prefix or memory://name") from None
