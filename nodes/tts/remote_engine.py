"""The ``remote`` engine: any server speaking the media API (``pipeline serve`` on a GPU machine, or the
original Docker server) speaks the text; this engine posts it, polls, downloads the WAV and times the
words by the speech in it (the API returns no timings).

``engine: [chatterbox, remote, piper]`` with ``remote: {url: http://gpu:8000, token_env: MEDIA_TOKEN}``.
The server is unavailable (and the chain moves on, with the reason) when it does not answer its health
check; a request that fails there fails the chunk, naming the server. The cache key names the server's
address and the API version and engine it reports, so results from different servers are kept apart.
"""

from __future__ import annotations

import io
import os
import time
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from nodes.tts.align import energy_align
from nodes.tts.engine import Engine, Speech
from nodes.tts.word_timing import script_words, tidy
from pipeline.node import Params

M = "/api/v1/media"


class RemoteOptions(Params):
    url: str | list[str] | None = Field(default=None, description="Base URL of the server (http://host:8000), "
                                                                  "or several: the first that answers speaks.")
    token_env: str | None = Field(default=None, description="Environment variable holding its token "
                                                            "(sent as Authorization; never written down).")
    voice: str = Field(default="af_heart", description="The voice asked of the server's Kokoro endpoint.")
    timeout: float = Field(default=300.0, gt=0, le=3600, description="Seconds to wait for one chunk.")


class RemoteEngine(Engine):
    name: ClassVar[str] = "remote"

    def __init__(self, options: RemoteOptions, speed: float) -> None:
        self.options = options
        self.speed = speed
        self._about: dict[str, Any] | None = None
        self.url: str | None = None  # the server that answered

    def _headers(self) -> dict[str, str]:
        name = self.options.token_env
        token = os.environ.get(name, "") if name else ""
        return {"Authorization": token} if token else {}

    def _client(self, timeout: float, url: str | None = None) -> Any:
        import httpx

        return httpx.Client(base_url=(url or self.url or "").rstrip("/"), headers=self._headers(),
                            timeout=timeout, trust_env=False)

    def unavailable(self) -> str | None:
        """None once a server answers its health check and accepts the token; else why none did."""
        urls = [self.options.url] if isinstance(self.options.url, str) else list(self.options.url or [])
        if not urls:
            return "no server: set remote: {url: http://host:8000}"
        import httpx

        reasons = []
        for url in urls:
            try:
                with self._client(5.0, url) as client:
                    health = client.get("/health")
                    about = client.get("/")
            except httpx.HTTPError as exc:
                reasons.append(f"server {url} does not answer ({type(exc).__name__})")
                continue
            if health.status_code != 200 or about.status_code != 200:
                reasons.append(f"server {url} answered {health.status_code}/{about.status_code}"
                               + (" (set remote.token_env to its token)" if about.status_code == 401 else ""))
                continue
            self.url, self._about = url, about.json()
            return None
        return "; ".join(reasons)

    def fingerprint(self) -> dict[str, str | Path]:
        if self._about is None:
            self.unavailable()  # asks the server who it is
        about = self._about or {}
        return {"remote-url": str(self.url), "remote-version": str(about.get("version", "?")),
                "remote-server": str(about.get("created_by", "?")), "remote-voice": self.options.voice,
                "remote-speed": f"{self.speed:g}"}

    def synthesize(self, text: str) -> Speech:
        import numpy as np
        import soundfile as sf

        deadline = time.monotonic() + self.options.timeout
        with self._client(60.0) as client:
            answer = client.post(f"{M}/audio-tools/tts/kokoro",
                                 data={"text": text, "voice": self.options.voice, "speed": str(self.speed)})
            if answer.status_code != 200:
                raise RuntimeError(f"server {self.url} answered {answer.status_code}: {answer.text[:200]}")
            file_id = answer.json()["file_id"]
            while True:
                status = client.get(f"{M}/storage/{file_id}/status").json()
                if status["status"] == "ready":
                    break
                if status["status"] != "processing":
                    raise RuntimeError(f"server {self.url}: job {status['status']}: {status.get('error', '')}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"server {self.url} took longer than {self.options.timeout:g} s")
                time.sleep(0.2)
            wav = client.get(f"{M}/storage/{file_id}")
            wav.raise_for_status()
            client.delete(f"{M}/storage/{file_id}")
        audio, rate = sf.read(io.BytesIO(wav.content), dtype="float32", always_2d=True)
        mono = np.ascontiguousarray(audio.mean(axis=1), dtype=np.float32)
        words = script_words(text)
        return Speech(audio=mono, sample_rate=int(rate),
                      words=tidy(words, energy_align(mono, int(rate), words), len(mono) / rate))
