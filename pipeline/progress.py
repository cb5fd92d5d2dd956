"""Showing a run while it works, and the summary after.

On a terminal, one status line is redrawn in place (running nodes, their progress, an ETA for each when
the node reports a fraction); elsewhere (CI logs, pipes) plain lines are printed, progress at most every
quarter. Finished nodes always get a line of their own.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field
from typing import TextIO


@dataclass
class _Running:
    started: float
    fraction: float | None = None
    message: str = ""
    last_quarter: int = -1


@dataclass
class Summary:
    ran: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    saved_seconds: float = 0.0
    outputs: list[str] = field(default_factory=list)


class Reporter:
    def __init__(self, stream: TextIO | None = None, live: bool | None = None, quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.quiet = quiet
        self._running: dict[str, _Running] = {}
        self._lock = threading.Lock()
        self._drawn = False

    def _write(self, text: str) -> None:
        if self.quiet:
            return
        if self._drawn:
            self.stream.write("\r\033[K")
            self._drawn = False
        self.stream.write(text + "\n")
        self._redraw()
        self.stream.flush()

    def _redraw(self) -> None:
        if not self.live or not self._running or self.quiet:
            return
        now = time.monotonic()
        parts = []
        for name, state in list(self._running.items())[:3]:
            text = name
            if state.fraction is not None and state.fraction > 0:
                elapsed = now - state.started
                eta = elapsed * (1 - state.fraction) / state.fraction
                text += f" {state.fraction:4.0%} eta {eta:3.0f}s"
            parts.append(text)
        more = len(self._running) - 3
        line = "running: " + " | ".join(parts) + (f" (+{more})" if more > 0 else "")
        self.stream.write("\r\033[K" + line[:160])
        self._drawn = True

    def started(self, node: str) -> None:
        with self._lock:
            self._running[node] = _Running(time.monotonic())
            if not self.live:
                self._write(f"  run    {node}")
            else:
                self._redraw()
                self.stream.flush()

    def progress(self, node: str, fraction: float | None, message: str = "") -> None:
        with self._lock:
            state = self._running.get(node)
            if state is None:
                return
            state.fraction, state.message = fraction, message
            if self.live:
                self._redraw()
                self.stream.flush()
            elif fraction is not None and int(fraction * 4) > state.last_quarter and 0 < fraction < 1:
                state.last_quarter = int(fraction * 4)
                self._write(f"         {node} {fraction:.0%} {message}".rstrip())

    def finished(self, node: str, status: str, seconds: float | None = None) -> None:
        with self._lock:
            self._running.pop(node, None)
            timing = f" {seconds:6.2f}s" if seconds is not None else ""
            self._write(f"  {status:<6} {node}{timing}")

    def warning(self, node: str, message: str) -> None:
        with self._lock:
            self._write(f"  warning {node}: {message}")

    def message(self, text: str) -> None:
        with self._lock:
            self._write(text)

    def summary(self, summary: Summary) -> None:
        rows = [("ran", len(summary.ran)), ("cached", len(summary.cached)), ("failed", len(summary.failed))]
        table = "  ".join(f"{label} {count}" for label, count in rows)
        saved = f", {summary.saved_seconds:.1f}s saved by the cache" if summary.cached else ""
        with self._lock:
            self._write(f"done: {table} in {summary.seconds:.1f}s{saved}")
            for path in summary.outputs:
                self._write(f"  wrote {path}")
