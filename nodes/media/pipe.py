"""Big, unchanging buffers (raw video frames) handed to a child's pipe without copying them.

A 1080x1920 yuv420p frame is 3 MB; ``write()`` copies it into the pipe and ffmpeg copies it out again,
about 0.4 s of CPU for 600 frames on each side. On Linux, ``vmsplice`` puts references to the frame's
own pages into the pipe instead, so only ffmpeg's read copies (bench/render_kenburns.py). The price is
a promise: a page must not change until the reader has taken it. ``PipeFeed`` keeps every buffer it
sent alive until enough bytes have followed it to fill the pipe (so the reader must have read it), and
on ``close`` waits until the pipe is empty. Callers must not modify a buffer after sending it.
Elsewhere (other systems, not a pipe, vmsplice refused) it writes as usual.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import select
import sys
import time
from collections import deque
from types import TracebackType
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

F_GETPIPE_SZ = 1032
FIONREAD = 0x541B  # Linux's ioctl: bytes waiting in a pipe
DRAIN_POLL_S = 0.001


class _IoVec(ctypes.Structure):
    _fields_ = [("iov_base", ctypes.c_void_p), ("iov_len", ctypes.c_size_t)]


def _load_vmsplice() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    """libc's vmsplice, or None where there is none (not Linux, or a libc without it)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        function = libc.vmsplice
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.POINTER(_IoVec), ctypes.c_ulong, ctypes.c_uint]
    function.restype = ctypes.c_ssize_t
    return function


_VMSPLICE = _load_vmsplice()


def _pipe_capacity(fd: int) -> int | None:
    """Bytes the pipe holds, or None when ``fd`` is not a pipe whose size Linux reports."""
    import fcntl  # POSIX only; only reached on Linux

    try:
        return int(fcntl.fcntl(fd, F_GETPIPE_SZ))
    except OSError:
        return None


class PipeFeed:
    """Sends numpy buffers to a pipe, zero-copy where the system allows; use as a context manager."""

    def __init__(self, stream: IO[bytes], *, zero_copy: bool = True) -> None:
        self._stream = stream
        self._fd = stream.fileno()
        self._capacity = _pipe_capacity(self._fd) if zero_copy and _VMSPLICE is not None else None
        self._held: deque[np.ndarray] = deque()  # sent buffers the reader may not have read yet
        self._held_bytes = 0

    @property
    def zero_copy(self) -> bool:
        return self._capacity is not None

    def send(self, buffer: np.ndarray) -> None:
        """Send ``buffer`` (C-contiguous); it must not be changed afterwards."""
        if self._capacity is None:
            self._stream.write(buffer.data)
            return
        self._stream.flush()  # nothing written through the stream may be overtaken
        if not self._splice(buffer):
            self._capacity = None  # refused (a kernel without vmsplice on this fd): plain writes from now
            self._stream.write(buffer.data)
            return
        self._held.append(buffer)
        self._held_bytes += buffer.nbytes
        # Once a full pipe's worth of bytes follows a buffer, the reader has taken all of it.
        while self._held and self._held_bytes - self._held[0].nbytes >= self._capacity:
            self._held_bytes -= self._held.popleft().nbytes

    def _splice(self, buffer: np.ndarray) -> bool:
        """vmsplice all of ``buffer``; False when the kernel refuses before anything was sent."""
        assert _VMSPLICE is not None
        if not buffer.flags.c_contiguous:
            raise ValueError("PipeFeed sends C-contiguous buffers only")
        address, left = buffer.ctypes.data, buffer.nbytes
        sent_any = False
        while left:
            chunk = _IoVec(address, left)
            count = _VMSPLICE(self._fd, ctypes.byref(chunk), 1, 0)
            if count < 0:
                code = ctypes.get_errno()
                if code == errno.EINTR:
                    continue
                if code == errno.EPIPE:
                    raise BrokenPipeError(code, os.strerror(code))
                if not sent_any and code in (errno.EINVAL, errno.ENOSYS, errno.EBADF):
                    return False
                raise OSError(code, f"vmsplice: {os.strerror(code)}")
            sent_any = True
            address += count
            left -= count
        return True

    def drain(self) -> None:
        """Wait until the reader has taken everything sent (or has gone), so the buffers may be freed."""
        if not self._held:
            return
        import fcntl  # POSIX only; only reached on Linux

        poller = select.poll()
        poller.register(self._fd, select.POLLERR)
        pending = bytearray(4)
        while True:
            fcntl.ioctl(self._fd, FIONREAD, pending)
            if int.from_bytes(pending, sys.byteorder) == 0 or poller.poll(0):  # empty, or the reader left
                break
            time.sleep(DRAIN_POLL_S)
        self._held.clear()
        self._held_bytes = 0

    def __enter__(self) -> PipeFeed:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if kind is None:
            self.drain()
        # On an error the reader is being stopped; whatever it had not read is never looked at.
