"""Real ``pipeline serve`` processes on 127.0.0.1 (a free port each), driven over HTTP like a workflow tool."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

PIPELINE = Path(sys.executable).with_name("pipeline")
ROOT = Path(__file__).resolve().parents[4]  # the install: bundled fonts, voices
M = "/api/v1/media"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    url: str
    storage: Path
    log: Path
    args: list[str]
    env: dict[str, str]

    def client(self, **kwargs: Any) -> httpx.Client:
        """A client that also checks every JSON answer for the server's own paths (none may reach it)."""
        return httpx.Client(base_url=self.url, timeout=60, event_hooks={"response": [self.no_server_paths]},
                            **kwargs)

    def server_paths(self) -> list[str]:
        cache = Path(self.args[self.args.index("--cache-dir") + 1])
        return sorted({str(p) for path in (self.storage, cache, ROOT) for p in (path, path.resolve())})

    def no_server_paths(self, response: httpx.Response) -> None:
        if response.headers.get("content-type", "").startswith("application/json"):
            text = response.read().decode("utf-8", errors="replace")
            leaked = [path for path in self.server_paths() if path in text]
            assert not leaked, f"{response.request.method} {response.request.url.path} names {leaked}: {text[:500]}"

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(tmp: Path, *extra: str, env: dict[str, str] | None = None, cache: Path | None = None,
          storage: Path | None = None, port: int | None = None) -> Served:
    port = port or free_port()
    storage = storage or tmp / "media"
    cache = cache or tmp / "cache"
    tmp.mkdir(parents=True, exist_ok=True)
    log = tmp / f"server-{port}.log"
    args = [str(PIPELINE), "--cache-dir", str(cache), "serve", "--host", "127.0.0.1", "--port", str(port),
            "--storage", str(storage), *extra]
    full_env = {**os.environ, **(env or {})}
    with open(log, "ab") as out:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=full_env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text()}")
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return Served(process, url, storage, log, args, env or {})
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the server did not start: {log.read_text()}")


def wait(client: httpx.Client, file_id: str, timeout: float = 90) -> dict[str, Any]:
    """Poll the original status route until the job is no longer processing."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(f"{M}/storage/{file_id}/status").json()
        if status["status"] != "processing":
            return status
        time.sleep(0.2)
    raise AssertionError(f"{file_id} still processing after {timeout} s")


def jpeg(width: int = 160, height: int = 284, colour: tuple[int, int, int] = (200, 80, 40)) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), colour)
    box = (width // 8, height // 8, width - width // 8, height - height // 4)
    ImageDraw.Draw(image).ellipse(box, fill=(30, 120, 200))
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


def upload(client: httpx.Client, data: bytes, name: str, media_type: str) -> str:
    response = client.post(f"{M}/storage", data={"media_type": media_type}, files={"file": (name, data)})
    assert response.status_code == 200, response.text
    return str(response.json()["file_id"])


def clip(path: Path, width: int, height: int, seconds: float = 1.0, rate: int = 24, sound: bool = True) -> bytes:
    """A small test-pattern video (with a tone unless ``sound`` is off), made by ffmpeg."""
    from nodes.media.ffmpeg import ffmpeg_exe

    tone = ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-c:a", "aac", "-shortest"] if sound else []
    subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
                    f"testsrc=size={width}x{height}:rate={rate}:duration={seconds}", *tone, "-c:v", "libx264",
                    "-pix_fmt", "yuv420p", "-y", str(path)], check=True)
    return path.read_bytes()
