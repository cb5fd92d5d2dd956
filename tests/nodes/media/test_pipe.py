"""PipeFeed: what reaches the reader is exactly what was sent, even when memory is reused at once."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import weakref
from pathlib import Path

import numpy as np
import pytest

from nodes.media import pipe as pipe_module
from nodes.media.pipe import PipeFeed

SLOTS = 8  # more than the feed can hold at once (a pipe's worth of bytes plus the one being sent)

# Reads stdin slowly (so sent pages wait in the pipe while the sender reuses memory) and prints the
# SHA-256 of everything it read.
SLOW_READER = ("import hashlib,sys,time\n"
               "h=hashlib.sha256()\n"
               "while True:\n"
               "    b=sys.stdin.buffer.read1(8192)\n"
               "    if not b: break\n"
               "    h.update(b); time.sleep(0.0005)\n"
               "print(h.hexdigest())\n")


def _send_all(sizes: list[int], *, zero_copy: bool, scribble: bool) -> tuple[str, str, bool]:
    """Send buffers of ``sizes`` (each filled from its index) to a slow reader. Every buffer is a view
    into one arena; as soon as the feed lets go of a view (a weakref tells), and again after the feed is
    closed, the sender (with ``scribble``) overwrites that memory, as a caller reusing its buffers would.
    Returns the digests of what was sent and of what the reader got, and whether the feed went zero-copy."""
    reader = subprocess.Popen([sys.executable, "-c", SLOW_READER], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert reader.stdin is not None and reader.stdout is not None
    slot = max(sizes)
    arena = np.zeros(slot * SLOTS, dtype=np.uint8)
    free = list(range(SLOTS))
    released: list[int] = []
    expected = hashlib.sha256()
    with PipeFeed(reader.stdin, zero_copy=zero_copy) as feed:
        used_zero_copy = feed.zero_copy
        for index, size in enumerate(sizes):
            number = free.pop(0)
            buffer = arena[number * slot: number * slot + size]
            buffer.fill(index % 251)
            buffer[:: max(1, size // 7)] = (index * 13) % 256
            expected.update(buffer.data)
            weakref.finalize(buffer, released.append, number)
            feed.send(buffer)
            del buffer
            while released:
                number = released.pop()
                if scribble:
                    arena[number * slot: (number + 1) * slot] = 255
                free.append(number)
    if scribble:
        arena.fill(254)  # the feed is closed: every byte it sent may be reused now
    reader.stdin.close()
    received = reader.stdout.read().decode().strip()
    assert reader.wait() == 0
    return expected.hexdigest(), received, used_zero_copy


@pytest.mark.parametrize("sizes", [[40_000] * 60, [300_000] * 12, [3_110_400] * 4, [5, 70_000, 1, 200_000] * 6],
                         ids=["smaller-than-pipe", "bigger-than-pipe", "1080x1920-frames", "mixed"])
def test_reader_gets_exactly_what_was_sent_while_memory_is_reused(sizes: list[int]) -> None:
    expected, received, zero_copy = _send_all(sizes, zero_copy=True, scribble=True)
    assert received == expected
    if sys.platform.startswith("linux"):
        assert zero_copy, "on Linux the feed should splice"


def test_plain_writes_when_zero_copy_is_off() -> None:
    expected, received, zero_copy = _send_all([100_000] * 5, zero_copy=False, scribble=True)
    assert not zero_copy
    assert received == expected


def test_a_regular_file_gets_plain_writes(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    data = np.arange(10_000, dtype=np.uint8)
    with target.open("wb") as handle, PipeFeed(handle) as feed:
        assert not feed.zero_copy  # not a pipe
        feed.send(data)
        feed.send(data[::-1].copy())
    assert target.read_bytes() == data.tobytes() + data[::-1].tobytes()


def test_a_reader_that_quits_gives_broken_pipe() -> None:
    reader = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.buffer.read(10)"],
                              stdin=subprocess.PIPE)
    assert reader.stdin is not None
    with pytest.raises(BrokenPipeError):
        with PipeFeed(reader.stdin) as feed:
            for _ in range(200):
                feed.send(np.zeros(100_000, dtype=np.uint8))
    reader.wait()
    try:
        reader.stdin.close()
    except BrokenPipeError:
        pass


def test_refused_splice_falls_back_to_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A kernel that refuses vmsplice on the pipe (EINVAL) still gets every byte, by write()."""
    if pipe_module._VMSPLICE is None:
        pytest.skip("no vmsplice on this system")

    def refuse(*_args: object) -> int:
        import ctypes
        import errno
        ctypes.set_errno(errno.EINVAL)
        return -1

    monkeypatch.setattr(pipe_module, "_VMSPLICE", refuse)
    expected, received, zero_copy = _send_all([50_000] * 4, zero_copy=True, scribble=False)
    assert received == expected
