"""Showing a run while it works, and the summary after.

Three ways, one set of events: on a terminal an overall bar with an ETA above the running nodes, drawn by
rich and fitted to the terminal's width (redrawn, never cut or left in fragments); elsewhere (CI logs,
pipes) plain lines, progress at most every quarter; ``--log-format json``: one JSON object a line per
event, for machines. Every node that ran gets a line of its own; cached nodes in a row share one line
once there are more than ``CACHED_LINES`` (a rerun of a long segmented scene would otherwise print 300
lines that say nothing). Every reporter also hands each event to an optional listener, so an
application (a preview page) can follow a run without parsing text.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TextIO

LogFormat = Literal["text", "json"]
Event = dict[str, Any]
"""One thing that happened in a run: ``{"event": "started"|"progress"|"finished"|"failed"|"stopped"|
"split"|"warning"|"message"|"planned"|"summary", "node": ..., "time": unix seconds, ...}``."""


# Cached nodes in a row are listed one a line up to this many, else together on one line.
CACHED_LINES = 3


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
    empty: list[str] = field(default_factory=list)  # optional outputs with nothing in them: not written


class Reporter:
    """Plain lines (and the interface every reporter keeps): what the runner calls as a run goes."""

    def __init__(self, stream: TextIO | None = None, quiet: bool = False,
                 listener: Callable[[Event], None] | None = None) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.listener = listener
        self._running: dict[str, _Running] = {}
        self._reasons: dict[str, list[str]] = {}
        self._cached: list[str] = []  # cached nodes not shown yet (see ``cached_lines``)
        self._lock = threading.RLock()

    # -- what the runner calls ---------------------------------------------------------------------

    def planned(self, reasons: Mapping[str, Sequence[str]]) -> None:
        """The nodes this run expects to run, each with the plan's reasons."""
        with self._lock:
            self._reasons = {node: list(why) for node, why in reasons.items()}
            self._emit({"event": "planned", "nodes": self._reasons})

    def started(self, node: str) -> None:
        with self._lock:
            self._running[node] = _Running(time.monotonic())
            self._emit({"event": "started", "node": node, "reasons": self._reasons.get(node, [])})

    def split(self, node: str, parts: Sequence[str]) -> None:
        """``node`` runs as these parts (steps of their own, each reported as it runs)."""
        with self._lock:
            reasons = self._reasons.pop(node, [])
            self._reasons.update({part: [f"part of '{node}'", *reasons] for part in parts})
            self._emit({"event": "split", "node": node, "parts": list(parts)})

    def progress(self, node: str, fraction: float | None, message: str = "") -> None:
        with self._lock:
            state = self._running.get(node)
            if state is None:
                return
            state.fraction, state.message = fraction, message
            self._emit({"event": "progress", "node": node, "fraction": fraction, "message": message})

    def finished(self, node: str, status: str, seconds: float | None = None, reason: str | None = None) -> None:
        """``status``: ran, cached, FAILED (with ``reason``) or stopped (cancelled after another failure)."""
        with self._lock:
            state = self._running.pop(node, None)
            wall = time.monotonic() - state.started if state else None
            kind = {"FAILED": "failed", "stopped": "stopped"}.get(status, "finished")
            event: Event = {"event": kind, "node": node, "seconds": seconds if seconds is not None else wall}
            if kind == "finished":
                event["status"] = status
            if reason is not None:
                event["reason"] = reason
            self._emit(event)

    def warning(self, node: str, message: str) -> None:
        with self._lock:
            self._emit({"event": "warning", "node": node, "message": message})

    def message(self, text: str) -> None:
        with self._lock:
            self._emit({"event": "message", "message": text})

    def summary(self, summary: Summary) -> None:
        with self._lock:
            self._emit({"event": "summary", "ran": summary.ran, "cached": summary.cached,
                        "failed": summary.failed, "seconds": round(summary.seconds, 3),
                        "saved_seconds": round(summary.saved_seconds, 3), "outputs": summary.outputs,
                        "empty": summary.empty})

    def close(self) -> None:
        """The run is over: stop drawing (a live view leaves nothing behind)."""
        with self._lock:
            self._flush_cached()

    # -- how events are shown ----------------------------------------------------------------------

    def _emit(self, event: Event) -> None:
        event.setdefault("time", round(time.time(), 3))
        if self.listener is not None:
            self.listener(event)
        if not self.quiet:
            self._show(event)

    def _show(self, event: Event) -> None:
        if self._held(event):
            return
        for line in describe(event, self._running.get(event.get("node", ""))):
            self._line(line)

    def _held(self, event: Event) -> bool:
        """Keep a cached node's line back, to list the cached nodes in a row together; any other event
        first shows the ones kept."""
        if event["event"] == "finished" and event.get("status") == "cached":
            self._cached.append(event["node"])
            return True
        self._flush_cached()
        return False

    def _flush_cached(self) -> None:
        for line in cached_lines(self._cached):
            self._line(line)
        self._cached = []

    def _line(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()


def cached_lines(nodes: Sequence[str]) -> list[str]:
    """Cached nodes that finished in a row: a line each up to ``CACHED_LINES``, else one line naming the
    first and the last."""
    if len(nodes) <= CACHED_LINES:
        return [f"  cached {node}" for node in nodes]
    return [f"  cached {nodes[0]} … {nodes[-1]} ({len(nodes)} nodes)"]


def describe(event: Event, state: _Running | None = None) -> list[str]:
    """An event as the plain lines people read (nothing for the events a plain log leaves out)."""
    kind, node = event["event"], event.get("node", "")
    if kind == "started":
        return [f"  run    {node}"]
    if kind == "progress":
        fraction = event["fraction"]
        if state is None or fraction is None or not 0 < fraction < 1 or int(fraction * 4) <= state.last_quarter:
            return []
        state.last_quarter = int(fraction * 4)
        return [f"         {node} {fraction:.0%} {event['message']}".rstrip()]
    if kind in ("finished", "failed", "stopped"):
        status = {"failed": "FAILED", "stopped": "stopped"}.get(kind, event.get("status", ""))
        seconds = event.get("seconds")
        timing = f" {seconds:6.2f}s" if seconds is not None and status == "ran" else ""
        return [f"  {status:<6} {node}{timing}"]
    if kind == "split":
        parts = event["parts"]
        return [f"  split  {node} into {len(parts)} parts ({parts[0]} … {parts[-1]})"]
    if kind == "warning":
        return [f"  warning {node}: {event['message']}"]
    if kind == "message":
        return [event["message"]]
    if kind == "summary":
        table = f"ran {len(event['ran'])}  cached {len(event['cached'])}  failed {len(event['failed'])}"
        saved = f", {event['saved_seconds']:.1f}s saved by the cache" if event["cached"] else ""
        return [f"done: {table} in {event['seconds']:.1f}s{saved}", *(f"  wrote {p}" for p in event["outputs"]),
                *(f"  no {p}: nothing in it (not written)" for p in event.get("empty", []))]
    return []


class JsonReporter(Reporter):
    """One JSON object a line per event (``--log-format json``), for CI and other programs."""

    def _show(self, event: Event) -> None:
        self._line(json.dumps(event, ensure_ascii=False))


class LiveReporter(Reporter):
    """On a terminal: finished nodes scroll by as lines; below them an overall bar (nodes done, with the
    running nodes' fractions counted, and an ETA) and one bar per running node, redrawn by rich at the
    terminal's width."""

    def __init__(self, stream: TextIO | None = None, quiet: bool = False,
                 listener: Callable[[Event], None] | None = None) -> None:
        super().__init__(stream, quiet, listener)
        from rich.console import Console

        self._console = Console(file=self.stream, highlight=False, markup=False, emoji=False)
        self._progress: Any = None
        self._overall: Any = None
        self._tasks: dict[str, Any] = {}
        self._done = 0

    def _ensure_progress(self) -> Any:
        if self._progress is None:
            from rich.progress import (
                BarColumn,
                Progress,
                TaskProgressColumn,
                TextColumn,
                TimeRemainingColumn,
            )
            from rich.table import Column

            self._progress = Progress(
                TextColumn("{task.description}", table_column=Column(no_wrap=True, overflow="ellipsis",
                                                                     ratio=1)),
                BarColumn(bar_width=None, table_column=Column(ratio=1, min_width=6)),
                TaskProgressColumn(),
                TimeRemainingColumn(),
                console=self._console, transient=True, expand=True, refresh_per_second=8)
            self._overall = self._progress.add_task("run", total=max(1, len(self._reasons)))
            self._progress.start()
        return self._progress

    def _advance_overall(self) -> None:
        running = sum(s.fraction or 0.0 for s in self._running.values())
        total = max(1, len(self._reasons), self._done + len(self._running))
        self._progress.update(self._overall, total=total, completed=self._done + running,
                              description=f"run {self._done}/{total}")

    def _show(self, event: Event) -> None:
        kind, node = event["event"], event.get("node", "")
        if kind == "planned":
            self._done = 0
            return
        if kind == "started":
            self._flush_cached()  # the cached nodes before it are listed before it runs
            progress = self._ensure_progress()
            self._tasks[node] = progress.add_task(node, total=1.0)
            self._advance_overall()
            return
        if kind == "progress":
            if node in self._tasks and event["fraction"] is not None:
                self._progress.update(self._tasks[node], completed=event["fraction"])
                self._advance_overall()
            return
        if kind in ("finished", "failed", "stopped"):
            task = self._tasks.pop(node, None)
            if task is not None:
                self._progress.remove_task(task)
                self._done += 1
                self._advance_overall()
        if kind == "summary":
            self.close()
        if self._held(event):
            return
        for line in describe(event):
            self._line(line)

    def _line(self, text: str) -> None:
        self._console.print(text, soft_wrap=False, overflow="fold")

    def close(self) -> None:
        with self._lock:
            self._flush_cached()
            if self._progress is not None:
                self._progress.stop()
                self._progress, self._tasks = None, {}


def make_reporter(log_format: LogFormat = "text", quiet: bool = False, stream: TextIO | None = None,
                  listener: Callable[[Event], None] | None = None) -> Reporter:
    """The reporter for where the output goes: JSON lines when asked, a live view on a terminal, plain
    lines otherwise."""
    stream = stream or sys.stderr
    if log_format == "json":
        return JsonReporter(stream, quiet, listener)
    if not quiet and stream.isatty():
        return LiveReporter(stream, quiet, listener)
    return Reporter(stream, quiet, listener)
