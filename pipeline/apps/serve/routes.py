"""The original server's API (0.3.5): the same paths, form fields and defaults, so existing clients work.

What differs is listed in README "Serving"; in short: a real ``failed`` status with the error, results
visible only when complete, Range/Content-Length/MIME type on downloads, 400s instead of 500s or stuck
jobs for bad input, a bounded queue (429 + Retry-After), URL fetching off unless allowed.
"""

from __future__ import annotations

import asyncio
import json
import mimetypes
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

import httpx
from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response
from pydantic import ValidationError

from pipeline.apps.serve import compile as c
from pipeline.apps.serve import media
from pipeline.apps.serve.fetch import FetchRefused, fetch
from pipeline.apps.serve.server import Server
from pipeline.apps.serve.settings import API_VERSION
from pipeline.apps.serve.storage import BadId, TooLarge, clean_extension

root = APIRouter()
api = APIRouter(prefix="/api/v1/media")

CHUNK = 1 << 20


def _server(request: Request) -> Server:
    server: Server = request.app.state.server
    return server


def _stored(server: Server, file_id: str, media_type: str | None = None) -> Any:
    """The path of a stored file, or the client's error (400 bad id or type, 404 absent); a file whose
    job failed says so, as its status route does (it was not "never stored": it was never made)."""
    try:
        path = server.storage.path(file_id)
    except BadId as exc:
        raise HTTPException(400, str(exc)) from None
    if media_type is not None and not file_id.startswith(media_type + "_"):
        raise HTTPException(400, f"{file_id} is not a stored {media_type} (ids start with '{media_type}_')")
    if not path.is_file():
        job = server.store.get(file_id)
        if job is not None and job.state in ("queued", "processing"):
            raise HTTPException(409, f"{file_id} is still being made; poll /storage/{file_id}/status until ready")
        if job is not None and job.state in ("failed", "cancelled"):
            why = f": {job.error}" if job.error else ""
            raise HTTPException(404, f"file {file_id} was not made: its job {job.state}{why}; "
                                     f"/storage/{file_id}/status says the same")
        raise HTTPException(404, f"file {file_id} not found (never stored, deleted, or expired)")
    return path


@root.api_route("/", methods=["GET", "HEAD"])
def banner() -> dict[str, str]:
    return {"message": "pipeline: the media server API, served by the pipeline engine", "version": API_VERSION,
            "documentation": "/docs", "created_by": "pipeline"}


@root.api_route("/health", methods=["GET", "HEAD"])
def health() -> dict[str, str]:
    return {"status": "ok"}


# -- speech -------------------------------------------------------------------------------------------

@api.post("/audio-tools/transcribe")
async def transcribe(request: Request, audio_file: Annotated[UploadFile, File()],
                     language: Annotated[str | None, Form()] = None) -> dict[str, Any]:
    """Synchronous, as the original: the words heard, run as a one-step job (so it is cached and queued)."""
    server = _server(request)
    problem = c.recogniser_problem()
    if problem is not None:
        raise HTTPException(501, f"transcription needs a speech recogniser (faster-whisper and a Whisper model): "
                                 f"{problem}")
    server.check_capacity()
    upload = server.storage.new_id("tmp", clean_extension(audio_file.filename or "", ".wav"))
    result = server.storage.new_id("tmp", ".json")
    try:
        await _save_upload(server, upload, audio_file)
        compiled = c.transcribe_recipe(upload, server.storage.path(upload).suffix, language)
        await run_in_threadpool(server.submit, result, "transcribe", compiled, result)
        job = server.store.get(result)
        while job is not None and job.state in ("queued", "processing"):
            await asyncio.sleep(0.05)
            job = server.store.get(result)
        if job is None or job.state != "ready":
            raise HTTPException(400, f"audio_file: {job.error if job and job.error else 'transcription stopped'}")
        heard = json.loads(server.storage.path(result).read_text(encoding="utf-8"))
    finally:
        server.storage.delete(upload)
        server.storage.delete(result)
        server.store.delete(result)
    # the original joins Whisper's words, each with its leading space
    return {"transcription": "".join(f" {w['text']}" for w in heard["words"]), "duration": heard["duration"]}


@api.get("/audio-tools/tts/kokoro/voices")
def kokoro_voices() -> dict[str, list[str]]:
    return {"voices": list(c.KOKORO_VOICES)}


@api.post("/audio-tools/tts/kokoro")
def tts_kokoro(request: Request, text: Annotated[str, Form()], voice: Annotated[str | None, Form()] = None,
               speed: Annotated[float | None, Form()] = None) -> dict[str, str]:
    server = _server(request)
    server.check_capacity()
    voice = voice or "af_heart"
    c.check_voice(voice)
    compiled = c.tts_recipe(text, list(server.settings.voices), speed or 1.0, kokoro_voice=voice)
    file_id = server.storage.new_id("audio", ".wav")
    server.submit(file_id, "tts", compiled, file_id)
    return {"file_id": file_id}


@api.post("/audio-tools/tts/chatterbox")
async def tts_chatterbox(
        request: Request, text: Annotated[str, Form()],
        sample_audio_id: Annotated[str | None, Form()] = None,
        sample_audio_file: Annotated[UploadFile | None, File()] = None,
        exaggeration: Annotated[float, Form()] = 0.5, cfg_weight: Annotated[float, Form()] = 0.5,
        temperature: Annotated[float, Form()] = 0.8, chunk_chars: Annotated[int, Form()] = 1024,
        chunk_silence_ms: Annotated[int, Form()] = 350) -> dict[str, str]:
    server = _server(request)
    server.check_capacity()
    reference = None
    if sample_audio_file is not None and sample_audio_file.filename:
        reference = server.storage.new_id("tmp", clean_extension(sample_audio_file.filename, ".wav"))
        await _save_upload(server, reference, sample_audio_file)
    elif sample_audio_id:
        _stored(server, sample_audio_id)
        reference = sample_audio_id
    # The original's chunk_chars default (1024) is past what Chatterbox speaks whole, so a size outside
    # 40..400 is moved into it with a note; one that is no size at all (0, -5) is the client's error.
    if not (1 <= chunk_chars <= c.MAX_CHUNK_CHARS):
        raise HTTPException(400, f"chunk_chars: {chunk_chars} is outside 1 <= chunk_chars <= {c.MAX_CHUNK_CHARS}; "
                                 f"send the most characters per chunk (the default is 1024)")
    if not (0 <= chunk_silence_ms <= c.MAX_PAUSE_MS):
        raise HTTPException(400, f"chunk_silence_ms: {chunk_silence_ms} is outside 0 <= chunk_silence_ms <= "
                                 f"{c.MAX_PAUSE_MS}; send the silence between chunks in milliseconds (default 350)")
    options = {"exaggeration": exaggeration, "cfg_weight": cfg_weight, "temperature": temperature,
               "chunk_chars": max(40, min(400, chunk_chars))}
    compiled = c.tts_recipe(text, ["chatterbox", "piper"], 1.0, chatterbox=options, reference=reference,
                            names=c.CHATTERBOX_NAMES)
    compiled.recipe["steps"]["speak"]["sentence_pause_ms"] = chunk_silence_ms
    if chunk_chars > 400:
        compiled.notes.append(f"chunk_chars {chunk_chars} lowered to 400 (Chatterbox truncates longer chunks)")
    elif chunk_chars < 40:
        compiled.notes.append(f"chunk_chars {chunk_chars} raised to 40 (Chatterbox's shortest chunk)")
    file_id = server.storage.new_id("audio", ".wav")
    await run_in_threadpool(server.submit, file_id, "tts", compiled, file_id)
    return {"file_id": file_id}


# -- storage ------------------------------------------------------------------------------------------

async def _upload_chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK):
        yield chunk


async def _save_upload(server: Server, file_id: str, upload: UploadFile) -> None:
    try:
        await server.storage.save_stream(file_id, _upload_chunks(upload), server.settings.max_upload_bytes)
    except TooLarge as exc:
        raise HTTPException(413, str(exc)) from None


async def _check_kind(server: Server, file_id: str, media_type: str) -> None:
    """Refuse (and drop) a stored file that holds another kind of media than its media_type: audio stored
    as an image was accepted and failed later, in a job, as 'render: image: ... is not an image'."""
    held = await run_in_threadpool(media.wrong_kind, server.storage.path(file_id), media_type)
    if held is not None:
        server.storage.delete(file_id)
        article = "an " if media_type[0] in "aeiou" else "a "
        raise HTTPException(400, f"media_type: the file holds {held}, not {article}{media_type}; send the "
                                 f"media_type that fits the file, or upload {article}{media_type} file")


@api.post("/storage")
async def upload(request: Request, media_type: Annotated[Literal["image", "video", "audio"], Form()],
                 file: Annotated[UploadFile | None, File()] = None,
                 url: Annotated[str | None, Form()] = None) -> dict[str, str]:
    server = _server(request)
    settings = server.settings
    if file is not None and file.filename:
        file_id = server.storage.new_id(media_type, clean_extension(file.filename))
        await _save_upload(server, file_id, file)
        await _check_kind(server, file_id, media_type)
        return {"file_id": file_id}
    if url:
        if not settings.allow_url_fetch:
            raise HTTPException(403, "url: fetching URLs is turned off on this server; upload the file "
                                     "instead (or start the server with --allow-url-fetch)")
        file_id = server.storage.new_id(media_type, clean_extension(httpx.URL(url).path if "://" in url else ""))
        try:
            await server.storage.save_stream(
                file_id, fetch(url, max_bytes=settings.url_max_bytes, timeout=settings.url_timeout_seconds,
                               allow_private=settings.allow_private_urls), settings.url_max_bytes)
        except (FetchRefused, TooLarge) as exc:
            raise HTTPException(400, str(exc)) from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise HTTPException(400, f"url: the download failed: {type(exc).__name__}") from None
        await _check_kind(server, file_id, media_type)
        return {"file_id": file_id}
    raise HTTPException(400, "send a `file` or a `url` to store")


@api.api_route("/storage/{file_id}", methods=["GET", "HEAD"], response_model=None)
def download(request: Request, file_id: str) -> FileResponse:
    server = _server(request)
    job = server.store.get(file_id)
    if job is not None and job.state in ("queued", "processing"):
        raise HTTPException(409, f"{file_id} is still being made; poll /storage/{file_id}/status until ready")
    path = _stored(server, file_id)
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return FileResponse(path, media_type=kind, filename=file_id, content_disposition_type="attachment")


@api.delete("/storage/{file_id}")
def delete(request: Request, file_id: str) -> dict[str, str]:
    server = _server(request)
    server.worker.cancel(file_id)
    server.storage.delete(file_id)
    return {"status": "success"}


@api.get("/storage/{file_id}/status")
def status(request: Request, file_id: str) -> dict[str, Any]:
    server = _server(request)
    job = server.store.get(file_id)
    exists = server.storage.exists(file_id)
    if job is None:
        return {"status": "ready" if exists else "not_found"}
    answer: dict[str, Any] = {"status": {"queued": "processing", "cancelled": "failed"}.get(job.state, job.state)}
    if job.state in ("queued", "processing"):
        answer["state"] = job.state
        done = [n for n in job.nodes.values() if n.state in ("ran", "cached")]
        answer["progress"] = round(sum(n.fraction or 0 for n in job.nodes.values()) / max(1, len(job.nodes)), 3)
        answer["steps_done"] = len(done)
    answer["steps"] = {name: node.state for name, node in job.nodes.items()}
    if job.state == "ready" and not exists:
        answer["status"] = "not_found"  # deleted or expired since
    if job.error:
        answer["error"] = job.error
    if job.engine:
        answer["engine"] = job.engine
    if job.notes:
        answer["notes"] = job.notes
    return answer


# -- video --------------------------------------------------------------------------------------------

@api.post("/video-tools/generate/tts-captioned-video")
def captioned_video(
        request: Request, background_id: Annotated[str, Form()],
        text: Annotated[str | None, Form()] = None, width: Annotated[int, Form()] = 1080,
        height: Annotated[int, Form()] = 1920, audio_id: Annotated[str | None, Form()] = None,
        kokoro_voice: Annotated[str, Form()] = "af_heart", kokoro_speed: Annotated[float, Form()] = 1.0,
        language: Annotated[str | None, Form()] = None, image_effect: Annotated[str, Form()] = "ken_burns",
        caption_config_line_count: Annotated[int, Form()] = 1,
        caption_config_line_max_length: Annotated[int, Form()] = 32,
        caption_config_font_size: Annotated[int, Form()] = 120,
        caption_config_font_name: Annotated[str, Form()] = "Arial",
        caption_config_font_bold: Annotated[bool, Form()] = True,
        caption_config_font_italic: Annotated[bool, Form()] = False,
        caption_config_font_color: Annotated[str, Form()] = "#fff",
        caption_config_subtitle_position: Annotated[Literal["top", "center", "bottom"], Form()] = "top",
        caption_config_shadow_color: Annotated[str, Form()] = "#000",
        caption_config_shadow_transparency: Annotated[float, Form()] = 0.4,
        caption_config_shadow_blur: Annotated[float, Form()] = 10,
        caption_config_stroke_color: Annotated[str | None, Form()] = None,
        caption_config_stroke_size: Annotated[float, Form()] = 5) -> dict[str, str]:
    server = _server(request)
    server.check_capacity()
    background = _stored(server, background_id, "image")
    held = media.not_an_image(background)
    if held is not None:  # was a 200 and a job failing at render with the recipe's line and file name
        raise HTTPException(400, f"background_id: {background_id} is stored as an image but {held}; upload a "
                                 f"picture (JPEG, PNG, WebP) with media_type=image and send its id")
    audio = _stored(server, audio_id, "audio") if audio_id else None
    try:
        captions = c.CaptionForm(
            line_count=caption_config_line_count, line_max_length=caption_config_line_max_length,
            font_size=caption_config_font_size, font_name=caption_config_font_name,
            font_bold=caption_config_font_bold, font_italic=caption_config_font_italic,
            font_color=caption_config_font_color, subtitle_position=caption_config_subtitle_position,
            shadow_color=caption_config_shadow_color, shadow_transparency=caption_config_shadow_transparency,
            shadow_blur=caption_config_shadow_blur, stroke_color=caption_config_stroke_color,
            stroke_size=caption_config_stroke_size)
    except ValidationError as exc:
        raise HTTPException(400, "caption_config_" + c.validation_text(exc)) from None
    compiled = c.captioned_video_recipe(
        background=background_id, text=text, audio=audio_id, width=width, height=height,
        chain=list(server.settings.voices), voice=kokoro_voice, speed=kokoro_speed, effect=image_effect,
        captions=captions, installed_fonts=list(media.font_families()), background_ext=background.suffix,
        audio_ext=audio.suffix if audio is not None else "", language=language if audio is not None else None)
    if language and (audio is None or "transcribe" not in compiled.recipe["steps"]):
        compiled.notes.append("language is used only to transcribe an audio_id without text; ignored here")
    file_id = server.storage.new_id("video", ".mp4")
    server.submit(file_id, "captioned-video", compiled, file_id)
    return {"file_id": file_id}


@api.post("/video-tools/merge")
def merge(request: Request, video_ids: Annotated[str, Form()],
          background_music_id: Annotated[str | None, Form()] = None,
          background_music_volume: Annotated[float, Form()] = 0.5) -> dict[str, str]:
    server = _server(request)
    server.check_capacity()
    videos = []
    for video_id in (v.strip() for v in video_ids.split(",")):
        if not video_id:
            continue
        path = _stored(server, video_id, "video")
        try:
            info = media.describe(path)
        except media.MediaUnreadable as exc:
            raise HTTPException(400, f"video_ids: {video_id}: {exc}") from None
        if info.video is None:
            raise HTTPException(400, f"video_ids: {video_id} has no video stream")
        v = info.video
        videos.append(c.VideoFacts(video_id, path.suffix, v.codec, v.width, v.height, media.fraction_text(v.fps),
                                   v.pix_fmt, info.duration or v.duration or 0.0, info.audio is not None))
    music = _stored(server, background_music_id, "audio") if background_music_id else None
    compiled = c.merge_recipe(videos, background_music_id, music.suffix if music else "",
                              background_music_volume)
    file_id = server.storage.new_id("video", ".mp4")
    server.submit(file_id, "merge", compiled, file_id)
    return {"file_id": file_id}


@api.get("/fonts")
def fonts() -> dict[str, list[str]]:
    return {"fonts": list(media.font_families())}


@api.get("/video-tools/extract-frame/{video_id}")
def extract_frame(request: Request, video_id: str,
                  timestamp: Annotated[float, Query(ge=0, le=86_400)] = 1.0) -> Response:
    path = _stored(_server(request), video_id)
    jpeg = media.extract_frame(path, timestamp)
    name = f"frame_{video_id.rsplit('.', 1)[0]}_{timestamp:g}.jpg"
    return Response(jpeg, media_type="image/jpeg", headers={"Content-Disposition": f'inline; filename="{name}"'})


@api.get("/video-tools/info/{file_id}")
def video_info(request: Request, file_id: str) -> dict[str, Any]:
    path = _stored(_server(request), file_id)
    return media.video_info(path)


@api.get("/audio-tools/info/{file_id}")
def audio_info(request: Request, file_id: str) -> dict[str, Any]:
    path = _stored(_server(request), file_id)
    return media.audio_info(path)
