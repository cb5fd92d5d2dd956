"""One method per endpoint of the media API, on one backend: an HTTP server or the app in-process.

The same code talks to both: ``http`` is an ``httpx.Client`` with a base URL, or Starlette's in-process
client around the server app (no socket, no server process), so local and remote behave alike.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

M = "/api/v1/media"
J = "/api/v1/jobs"


class ApiError(Exception):
    """An answer that is not a success, or a job that ended without a result."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Api:
    def __init__(self, http: httpx.Client, name: str) -> None:
        self.http = http
        self.name = name

    def _json(self, response: httpx.Response) -> Any:
        if response.status_code >= 400:
            try:
                detail = response.json().get("error", response.text)
            except ValueError:
                detail = response.text
            raise ApiError(f"{self.name}: {response.request.method} {response.request.url.path} answered "
                           f"{response.status_code}: {detail}", response.status_code)
        return response.json()

    def _form(self, path: str, data: dict[str, Any], files: dict[str, Any] | None = None) -> Any:
        fields = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in data.items() if v is not None}
        return self._json(self.http.post(path, data=fields, files=files))

    # -- info ---------------------------------------------------------------------------------------
    def root(self) -> dict[str, Any]:
        return dict(self._json(self.http.get("/")))

    def health(self) -> dict[str, Any]:
        return dict(self._json(self.http.get("/health")))

    def kokoro_voices(self) -> list[str]:
        return list(self._json(self.http.get(f"{M}/audio-tools/tts/kokoro/voices"))["voices"])

    def fonts(self) -> list[str]:
        return list(self._json(self.http.get(f"{M}/fonts"))["fonts"])

    def video_info(self, file_id: str) -> dict[str, Any]:
        return dict(self._json(self.http.get(f"{M}/video-tools/info/{file_id}")))

    def audio_info(self, file_id: str) -> dict[str, Any]:
        return dict(self._json(self.http.get(f"{M}/audio-tools/info/{file_id}")))

    # -- storage ------------------------------------------------------------------------------------
    def upload(self, path: Path, media_type: str) -> str:
        with open(path, "rb") as file:
            return str(self._form(f"{M}/storage", {"media_type": media_type}, {"file": (path.name, file)})["file_id"])

    def upload_url(self, url: str, media_type: str) -> str:
        return str(self._form(f"{M}/storage", {"media_type": media_type, "url": url})["file_id"])

    def download(self, file_id: str, dest: Path) -> Path:
        tmp = dest.with_name(f".{dest.name}.part")
        with self.http.stream("GET", f"{M}/storage/{file_id}") as response:
            if response.status_code != 200:
                response.read()
                self._json(response)
            with open(tmp, "wb") as out:
                out.writelines(response.iter_bytes(1 << 20))
        tmp.replace(dest)
        return dest

    def status(self, file_id: str) -> dict[str, Any]:
        return dict(self._json(self.http.get(f"{M}/storage/{file_id}/status")))

    def delete(self, file_id: str) -> None:
        self._json(self.http.delete(f"{M}/storage/{file_id}"))

    def wait(self, file_id: str, timeout: float = 600, interval: float = 0.2) -> dict[str, Any]:
        """Poll until the job is ready; ApiError when it failed, vanished or took too long."""
        deadline = time.monotonic() + timeout
        while True:
            status = self.status(file_id)
            if status["status"] == "ready":
                return status
            if status["status"] != "processing":
                raise ApiError(f"{self.name}: job {file_id} {status['status']}: {status.get('error', '')}")
            if time.monotonic() > deadline:
                raise ApiError(f"{self.name}: job {file_id} unfinished after {timeout:g} s")
            time.sleep(interval)

    # -- media jobs ---------------------------------------------------------------------------------
    def tts_kokoro(self, text: str, voice: str | None = None, speed: float | None = None) -> str:
        return str(self._form(f"{M}/audio-tools/tts/kokoro", {"text": text, "voice": voice, "speed": speed})["file_id"])

    def tts_chatterbox(self, text: str, sample_audio_id: str | None = None, **options: Any) -> str:
        return str(self._form(f"{M}/audio-tools/tts/chatterbox",
                              {"text": text, "sample_audio_id": sample_audio_id, **options})["file_id"])

    def captioned_video(self, background_id: str, text: str | None = None, **fields: Any) -> str:
        return str(self._form(f"{M}/video-tools/generate/tts-captioned-video",
                              {"background_id": background_id, "text": text, **fields})["file_id"])

    def merge(self, video_ids: list[str], background_music_id: str | None = None,
              background_music_volume: float | None = None) -> str:
        return str(self._form(f"{M}/video-tools/merge", {
            "video_ids": ",".join(video_ids), "background_music_id": background_music_id,
            "background_music_volume": background_music_volume})["file_id"])

    def extract_frame(self, video_id: str, timestamp: float = 1.0) -> bytes:
        response = self.http.get(f"{M}/video-tools/extract-frame/{video_id}", params={"timestamp": timestamp})
        if response.status_code != 200:
            self._json(response)
        return response.content

    def transcribe(self, audio: Path, language: str | None = None) -> dict[str, Any]:
        with open(audio, "rb") as file:
            return dict(self._form(f"{M}/audio-tools/transcribe", {"language": language},
                                   {"audio_file": (audio.name, file)}))

    # -- native jobs --------------------------------------------------------------------------------
    def submit_job(self, recipe_text: str, assets: dict[str, Path] | None = None) -> dict[str, Any]:
        files = [("assets", (name, path.read_bytes())) for name, path in (assets or {}).items()]
        return dict(self._json(self.http.post(J, data={"recipe_text": recipe_text}, files=files or None)))

    def job(self, job_id: str) -> dict[str, Any]:
        return dict(self._json(self.http.get(f"{J}/{job_id}")))

    def job_output(self, job_id: str, name: str) -> bytes:
        response = self.http.get(f"{J}/{job_id}/outputs/{name}")
        if response.status_code != 200:
            self._json(response)
        return response.content

    def cancel_job(self, job_id: str) -> dict[str, Any]:
        return dict(self._json(self.http.post(f"{J}/{job_id}/cancel")))
