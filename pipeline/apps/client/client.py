"""A client that runs work locally through the engine or on media servers, falling back in order.

Backends are tried in the configured order (the in-process one first when ``local`` is on, then each
server URL). A piece of work (upload, submit, wait, download) runs whole on one backend, so file ids never
cross servers; if it fails there (a missing engine, a failed job, a server that is down or busy), the next
backend gets it and the reason is logged. ``require_engine`` makes "spoken by another engine than asked"
a failure too, so a Kokoro request falls through to the server that has Kokoro.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field

from pipeline.apps.client.api import Api, ApiError

log = logging.getLogger("pipeline.client")
T = TypeVar("T")


class ClientConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    local: bool = Field(True, description="Run in-process through the engine first.")
    remotes: tuple[str, ...] = Field((), description="Server URLs to fall back to, in order.")
    token_env: str | None = Field(None, description="Environment variable with the servers' token.")
    storage: Path = Field(Path("media"), description="Local backend: its storage folder.")
    cache_dir: Path | None = Field(None, description="Local backend: the engine cache (default as the CLI).")
    voices: tuple[str, ...] = Field(("kokoro", "piper"), description="Local backend: the speech engine chain.")
    timeout: float = Field(600.0, gt=0, description="Seconds to wait for one job.")


class NoBackend(Exception):
    """Every backend failed; the message lists why, backend by backend."""


@dataclass(frozen=True)
class Result:
    path: Path
    backend: str
    status: dict[str, Any]


class MediaClient:
    def __init__(self, config: ClientConfig) -> None:
        self.config = config
        self._stack = contextlib.ExitStack()
        self.backends: list[Callable[[], Api]] = []
        self._opened: dict[int, Api] = {}
        if config.local:
            self.backends.append(self._local)
        for url in config.remotes:
            self.backends.append(functools.partial(self._remote, url))

    def _local(self) -> Api:
        from fastapi.testclient import TestClient

        from pipeline.apps.serve.app import create_app
        from pipeline.apps.serve.settings import Settings

        app = create_app(Settings.model_validate({"storage": self.config.storage, "cache_dir": self.config.cache_dir,
                                                  "voices": self.config.voices, "storage_ttl_seconds": 0}))
        http = self._stack.enter_context(TestClient(app, base_url="http://local"))
        return Api(http, "local")

    def _remote(self, url: str) -> Api:
        token = os.environ.get(self.config.token_env, "") if self.config.token_env else ""
        http = self._stack.enter_context(httpx.Client(base_url=url, timeout=60, trust_env=False,
                                                      headers={"Authorization": token} if token else {}))
        return Api(http, url)

    def api(self, index: int) -> Api:
        if index not in self._opened:
            self._opened[index] = self.backends[index]()
        return self._opened[index]

    def call(self, work: Callable[[Api], T]) -> T:
        """Run ``work`` on the first backend where it succeeds; log each fallback with its reason."""
        reasons = []
        for index in range(len(self.backends)):
            try:
                api = self.api(index)
                return work(api)
            except (ApiError, httpx.HTTPError, OSError) as exc:
                name = self._opened[index].name if index in self._opened else f"backend {index}"
                reasons.append(f"{name}: {exc}")
                if index + 1 < len(self.backends):
                    log.warning("falling back from %s: %s", name, exc)
        raise NoBackend("no backend could do it: " + "; ".join(reasons))

    # -- whole pieces of work, each on one backend --------------------------------------------------
    def speak(self, text: str, dest: Path, voice: str | None = None, speed: float | None = None,
              require_engine: str | None = None) -> Result:
        def work(api: Api) -> Result:
            file_id = api.tts_kokoro(text, voice, speed)
            status = self._finish(api, file_id, require_engine)
            return Result(api.download(file_id, dest), api.name, status)

        return self.call(work)

    def captioned_video(self, background: Path, dest: Path, text: str | None = None,
                        require_engine: str | None = None, **fields: Any) -> Result:
        def work(api: Api) -> Result:
            file_id = api.captioned_video(api.upload(background, "image"), text, **fields)
            status = self._finish(api, file_id, require_engine)
            return Result(api.download(file_id, dest), api.name, status)

        return self.call(work)

    def merge(self, videos: list[Path], dest: Path, music: Path | None = None, volume: float | None = None) -> Result:
        def work(api: Api) -> Result:
            ids = [api.upload(v, "video") for v in videos]
            music_id = api.upload(music, "audio") if music is not None else None
            file_id = api.merge(ids, music_id, volume)
            status = self._finish(api, file_id, None)
            return Result(api.download(file_id, dest), api.name, status)

        return self.call(work)

    def transcribe(self, audio: Path, language: str | None = None) -> dict[str, Any]:
        return self.call(lambda api: api.transcribe(audio, language))

    def _finish(self, api: Api, file_id: str, require_engine: str | None) -> dict[str, Any]:
        status = api.wait(file_id, timeout=self.config.timeout)
        if require_engine is not None and status.get("engine") != require_engine:
            raise ApiError(f"{api.name}: {require_engine} is not available there (spoken by "
                           f"{status.get('engine')}: {'; '.join(status.get('notes', []))})")
        return status

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
