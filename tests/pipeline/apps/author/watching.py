"""A ``pipeline watch`` process for tests: a tiny real recipe (160x284, a few words a scene), the process
with JSON log lines, and waiting for its events."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image

ROOT = Path(__file__).resolve().parents[4]
PIPELINE = [sys.executable, "-c", "from pipeline.cli import entry; entry()"]

TINY = """version: 1
output: {size: 160x284, fps: 15}
scenes:
  - text: Hello there.
    image: a.png
  - text: Second scene.
    image: b.png
"""


def tiny_recipe(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (160, 284), (200, 80, 40)).save(folder / "a.png")
    Image.new("RGB", (160, 284), (40, 80, 200)).save(folder / "b.png")
    recipe = folder / "tiny.yaml"
    recipe.write_text(TINY, encoding="utf-8")
    return recipe


class WatchProcess:
    """``pipeline --log-format json watch RECIPE`` with its JSON events read on a thread."""

    def __init__(self, recipe: Path, cache: Path, *args: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen([*PIPELINE, "--cache-dir", str(cache), "--log-format", "json", "watch",
                                      str(recipe), *args], cwd=recipe.parent, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.events: list[dict[str, Any]] = []
        self.text: list[str] = []
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                self.text.append(line)
                continue
            self.events.append(event)
            self._queue.put(event)

    def wait_for(self, match: Callable[[dict[str, Any]], bool], timeout: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None and self._queue.empty():
                raise AssertionError(f"no such event; the watcher said: {self.events[-8:]} {self.text[-5:]}")
            try:
                event = self._queue.get(timeout=min(left, 0.5))
            except queue.Empty:
                continue
            if match(event):
                return event

    def wait_rendered(self, timeout: float = 180) -> dict[str, Any]:
        """A render finished and the watch is on again (an edit from now on is seen)."""
        self.wait_for(is_message("rendered "), timeout)
        return self.wait_for(is_message("watching "), timeout)

    def since(self, index: int) -> list[dict[str, Any]]:
        return self.events[index:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)


def is_message(prefix: str) -> Callable[[dict[str, Any]], bool]:
    return lambda e: e["event"] == "message" and e["message"].startswith(prefix)
