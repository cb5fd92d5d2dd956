"""Locating, fingerprinting and running ffmpeg.

ffmpeg always runs from an argument list (never a shell). Its machine-readable progress (``-progress
pipe:1``) drives the progress callback, and the tail of its stderr goes into the error when it fails, so a
failure says why. The child is killed on cancellation or on any exception, so no half-written output is
left running.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import IO

from pipeline.node import NodeError

ProgressFn = Callable[[float | None, str], None]
FeedFn = Callable[[IO[bytes]], None]

STDERR_TAIL_LINES = 40
# Bounds of every ffmpeg call: a base plus a multiple of the media's length, and the longest its output
# time may stand still (a looping or stalled input never ends otherwise).
LIMIT_BASE_SECONDS = 120.0
LIMIT_SECONDS_PER_MEDIA_SECOND = 20.0
STALL_SECONDS = 120.0



def ffmpeg_exe() -> str:
    """The ffmpeg binary: ``PIPELINE_FFMPEG`` when set (a path or a name on PATH), else imageio-ffmpeg's."""
    configured = os.environ.get("PIPELINE_FFMPEG")
    if configured:
        found = shutil.which(configured)
        if found is None:
            raise NodeError(
                f"PIPELINE_FFMPEG={configured!r} is not an executable file",
                hint="point PIPELINE_FFMPEG at an ffmpeg binary, or unset it to use the bundled one",
            )
        return found
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise NodeError("ffmpeg not found", hint="install imageio-ffmpeg or set PIPELINE_FFMPEG") from exc
    return imageio_ffmpeg.get_ffmpeg_exe()


def ffmpeg_version(exe: str | None = None) -> str:
    """The first line of ``ffmpeg -version`` (for example "ffmpeg version 9.0.2-static ...")."""
    exe = exe or ffmpeg_exe()
    try:
        result = subprocess.run([exe, "-hide_banner", "-version"], stdin=subprocess.DEVNULL,
                                capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise NodeError(f"cannot run ffmpeg at {exe}: {exc}") from exc
    lines = result.stdout.decode("utf-8", "replace").splitlines()
    return lines[0].strip() if lines else "unknown"


def ffmpeg_command(args: list[str], exe: str | None = None) -> list[str]:
    """The full argv for ``args``: no stdin interaction, no banner, overwrite, progress on stdout."""
    return [exe or ffmpeg_exe(), "-nostdin", "-hide_banner", "-nostats", "-y", "-progress", "pipe:1", *args]


def _escape(value: str, specials: str) -> str:
    return "".join("\\" + ch if ch in specials else ch for ch in value)


def escape_filter_value(value: str) -> str:
    """Escape a value (a file name, a colour...) spliced into an ffmpeg filter graph.

    Two levels: first for the filter's option parser (``\\ ' :`` are special there), then for the graph
    parser (``\\ ' [ ] , ;`` are special there). Without both a path such as ``C:\\x`` or ``a,b.ass``
    breaks the graph, or worse, changes it.
    """
    option_level = _escape(value, "\\':")
    return _escape(option_level, "\\'[],;")


def _parse_out_time(key: str, value: str) -> float | None:
    """Seconds from one ``-progress`` line, or None when it carries no time."""
    if key in ("out_time_us", "out_time_ms"):  # both are microseconds in every ffmpeg since 4.x
        try:
            return int(value) / 1_000_000
        except ValueError:
            return None
    return None


# Linux's F_SETPIPE_SZ, and the largest pipe an unprivileged process may ask for by default.
F_SETPIPE_SZ = 1031
PIPE_BYTES = 1 << 20


def _widen_pipe(fd: int) -> None:
    """Ask for a 1 MiB pipe instead of the default 64 KiB: a raw 1080x1920 frame (3 MB) then crosses in
    three steps rather than fifty, which halves the CPU both processes spend on the copy (measured:
    0.87 s instead of 1.41 s for 600 frames). Elsewhere, or when refused, the default pipe works."""
    if not sys.platform.startswith("linux"):
        return
    import fcntl  # POSIX only

    try:
        fcntl.fcntl(fd, F_SETPIPE_SZ, PIPE_BYTES)
    except OSError:
        pass


def time_limit_for(expected_duration: float | None) -> float | None:
    """The longest an ffmpeg call may take for ``expected_duration`` seconds of media: generous (renders
    here run at 8x real time or faster), but finite, so a bad input can never make an endless encode."""
    if expected_duration is None or expected_duration <= 0:
        return None
    return LIMIT_BASE_SECONDS + LIMIT_SECONDS_PER_MEDIA_SECOND * expected_duration


def run_ffmpeg(args: list[str], *, progress: ProgressFn | None = None, expected_duration: float | None = None,
               cancel: threading.Event | None = None, feed: FeedFn | None = None,
               exe: str | None = None, time_limit: float | None = None) -> None:
    """Run ffmpeg with ``args`` and wait for it.

    ``feed``, when given, is called in a thread with ffmpeg's stdin (for ``-i pipe:0``); it should write
    and return, the pipe is closed after it. Progress is reported as out_time / ``expected_duration``.
    Every call is bounded: by ``time_limit`` (default: derived from ``expected_duration``), and by
    progress, since ffmpeg's output time must advance at least every ``STALL_SECONDS``. Raises NodeError
    with the stderr tail on failure, cancellation or when a bound is exceeded.
    """
    limit = time_limit if time_limit is not None else time_limit_for(expected_duration)
    started = time.monotonic()
    moved = [started, -1.0]  # when the output time last advanced, and to what
    command = ffmpeg_command(args, exe)
    tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
    feed_errors: list[BaseException] = []
    try:
        proc = subprocess.Popen(command, stdin=subprocess.PIPE if feed else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as exc:
        raise NodeError(f"cannot start ffmpeg ({command[0]}): {exc}",
                        hint="check PIPELINE_FFMPEG or the imageio-ffmpeg install") from exc

    def read_stderr() -> None:
        assert proc.stderr is not None
        for raw in proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip()
            if line:
                tail.append(line)

    def write_stdin() -> None:
        assert proc.stdin is not None and feed is not None
        _widen_pipe(proc.stdin.fileno())
        try:
            feed(proc.stdin)
        except (BrokenPipeError, ConnectionResetError):
            pass  # ffmpeg exited early; its exit status and stderr tell why
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            feed_errors.append(exc)
            proc.kill()
        finally:
            try:
                proc.stdin.close()
            except OSError:
                pass

    finished = threading.Event()
    overrun: list[str] = []

    def watch() -> None:
        # Wakes when ffmpeg ends (so waiting for this thread costs nothing) and checks every 0.1 s for a
        # cancel, the time limit and a stall.
        while not finished.wait(0.1):
            now = time.monotonic()
            if cancel is not None and cancel.is_set():
                proc.kill()
                return
            if limit is not None and now - started > limit:
                overrun.append(f"ffmpeg ran longer than its limit of {limit:.0f} s "
                               f"for {expected_duration or 0:.1f} s of media")
            elif now - moved[0] > STALL_SECONDS:
                overrun.append(f"ffmpeg made no progress for {STALL_SECONDS:.0f} s")
            if overrun:
                proc.kill()
                return

    threads = [threading.Thread(target=read_stderr, daemon=True), threading.Thread(target=watch, daemon=True)]
    if feed is not None:
        threads.append(threading.Thread(target=write_stdin, daemon=True))
    try:
        for thread in threads:
            thread.start()
        assert proc.stdout is not None
        for raw in proc.stdout:
            key, _, value = raw.decode("utf-8", "replace").strip().partition("=")
            seconds = _parse_out_time(key, value)
            # ffmpeg writes each update's time twice (out_time_us and out_time_ms): report it once, when it
            # moves, so a JSON log has one line an update
            if seconds is not None and seconds > moved[1]:
                moved[0], moved[1] = time.monotonic(), seconds
                if progress is not None:
                    fraction = None
                    if expected_duration and expected_duration > 0:
                        fraction = max(0.0, min(1.0, seconds / expected_duration))
                    progress(fraction, f"ffmpeg {seconds:.1f}s")
        returncode = proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        finished.set()
        for thread in threads:
            thread.join(timeout=5)
    if feed_errors:
        raise feed_errors[0]
    if cancel is not None and cancel.is_set():
        raise NodeError("ffmpeg was cancelled", detail="\n".join(tail))
    if overrun:
        raise NodeError(f"{overrun[0]}; it was stopped", detail="\n".join(tail),
                        hint="an input may loop or stall (a picture given as a video, a damaged file); "
                             "check the inputs, or report it with the detail below")
    if returncode != 0:
        last = tail[-1] if tail else "no error output"
        raise NodeError(f"ffmpeg failed (exit status {returncode}): {last}", detail="\n".join(tail))
