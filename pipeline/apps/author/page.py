"""The preview page of ``pipeline watch``: the latest video with its captions, the run's progress, and the
last error, pushed to the browser as server-sent events so the page reloads the video when a render
finishes.

Served by the standard library's threading HTTP server on 127.0.0.1 only (it is a page for the author on
this machine, never for the network). Files are served from the recipe's published outputs, which the
engine replaces atomically, so a reader never sees half a video.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import asdict, dataclass, field, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
PAGE = Path(__file__).parent / "page.html"
_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


@dataclass(frozen=True)
class PageState:
    """What the page shows; ``version`` counts finished renders (the video's URL changes with it)."""

    recipe: str
    status: str = "starting"  # starting, rendering, ready, error
    version: int = 0
    message: str = ""
    error: str = ""
    video: str | None = None
    captions: str | None = None
    nodes: list[str] = field(default_factory=list)


class PreviewPage:
    """The page's state, the files behind it, and the server. ``update`` wakes every open page."""

    def __init__(self, recipe: Path, port: int = 0) -> None:
        self._state = PageState(recipe=recipe.name)
        self._files: dict[str, Path] = {}
        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer((HOST, port), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="preview-page", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self._server.server_address[1]}/"

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        with self._changed:
            self._state = replace(self._state, status="stopped")
            self._changed.notify_all()
        if self._thread.is_alive():  # shutdown() waits for a serving loop, so only when one runs
            self._server.shutdown()
        self._server.server_close()

    def state(self) -> PageState:
        with self._changed:
            return self._state

    def update(self, **changes: Any) -> None:
        with self._changed:
            self._state = replace(self._state, **changes)
            self._changed.notify_all()

    def rendered(self, video: Path | None, captions: Path | None, nodes: list[str]) -> None:
        """A render finished: point the page at the new files (a new URL, so the browser fetches them)."""
        with self._changed:
            version = self._state.version + 1
            self._files = {name: path for name, path in (("video", video), ("captions", captions)) if path}
            self._state = replace(self._state, status="ready", version=version, error="", nodes=nodes,
                                  message=f"render {version} done: "
                                          + (f"ran {', '.join(nodes)}" if nodes else "everything was cached"),
                                  video=f"/video?v={version}" if video else None,
                                  captions=f"/captions.vtt?v={version}" if captions else None)
            self._changed.notify_all()

    def wait(self, seen: PageState | None, timeout: float) -> PageState:
        """The state once it differs from ``seen`` (or after ``timeout`` seconds)."""
        with self._changed:
            self._changed.wait_for(lambda: self._state is not seen, timeout)
            return self._state

    def file(self, name: str) -> Path | None:
        with self._changed:
            return self._files.get(name)


def _handler(page: PreviewPage) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "pipeline-watch"

        def log_message(self, format: str, *args: Any) -> None:
            """Requests are not news for the author's terminal."""

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            try:
                if path == "/":
                    self._send(PAGE.read_bytes(), "text/html; charset=utf-8")
                elif path == "/state":
                    self._send(json.dumps(asdict(page.state())).encode(), "application/json")
                elif path == "/events":
                    self._events()
                elif path == "/video":
                    self._file(page.file("video"), "video/mp4")
                elif path == "/captions.vtt":
                    self._file(page.file("captions"), "text/vtt; charset=utf-8")
                else:
                    self.send_error(HTTPStatus.NOT_FOUND)
            except (BrokenPipeError, ConnectionResetError):  # the browser went away: nothing to do
                pass

        def _send(self, body: bytes, kind: str) -> None:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def _events(self) -> None:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            seen: PageState | None = None
            while True:
                state = page.wait(seen, timeout=15)
                if state is seen:
                    self.wfile.write(b": still here\n\n")  # keeps proxies and the browser from timing out
                else:
                    self.wfile.write(b"data: " + json.dumps(asdict(state)).encode() + b"\n\n")
                self.wfile.flush()
                if state.status == "stopped":
                    return
                seen = state

        def _file(self, path: Path | None, kind: str) -> None:
            """A published output, whole or the byte range a video element asks for (to seek)."""
            if path is None or not path.is_file():
                self.send_error(HTTPStatus.NOT_FOUND, "nothing rendered yet")
                return
            data = path.read_bytes()
            match = _RANGE.match(self.headers.get("Range", ""))
            if not match or not (match.group(1) or match.group(2)):
                self._send(data, kind)
                return
            if match.group(1):
                start, end = int(match.group(1)), int(match.group(2) or len(data) - 1)
            else:
                start, end = max(0, len(data) - int(match.group(2))), len(data) - 1
            end = min(end, len(data) - 1)
            if start > end:
                self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.end_headers()
                return
            self.send_response(HTTPStatus.PARTIAL_CONTENT)
            self.send_header("Content-Type", kind)
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
            self.send_header("Content-Length", str(end - start + 1))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data[start:end + 1])

    return Handler
