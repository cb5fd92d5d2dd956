"""The original server's API, driven over HTTP against a real ``pipeline serve`` as n8n would drive it."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.pipeline.apps.serve.servers import M, Served, clip, jpeg, start, upload, wait


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = start(tmp_path_factory.mktemp("serve"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def client(served: Served) -> Iterator[httpx.Client]:
    with served.client() as c:
        yield c


@pytest.fixture(scope="module")
def background(client: httpx.Client) -> str:
    return upload(client, jpeg(), "photo.JPG", "image")


@pytest.fixture(scope="module")
def video(client: httpx.Client, background: str) -> tuple[str, dict]:
    response = client.post(f"{M}/video-tools/generate/tts-captioned-video", data={
        "background_id": background, "text": "Every city has a sound.", "width": "160", "height": "284",
        "caption_config_line_max_length": "12", "caption_config_font_size": "24",
        "caption_config_subtitle_position": "bottom"})
    assert response.status_code == 200, response.text
    file_id = response.json()["file_id"]
    assert file_id.startswith("video_") and file_id.endswith(".mp4")
    return file_id, wait(client, file_id)


def test_banner_health_voices_fonts_and_docs(client: httpx.Client) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    assert client.head("/health").status_code == 200
    assert client.get("/").json()["version"] == "0.3.5"
    voices = client.get(f"{M}/audio-tools/tts/kokoro/voices").json()["voices"]
    assert len(voices) == 49 and "af_heart" in voices and "bm_lewis" in voices
    fonts = client.get(f"{M}/fonts").json()["fonts"]
    assert "DejaVu Sans" in fonts and fonts == sorted(fonts)
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert f"{M}/video-tools/generate/tts-captioned-video" in paths and "/api/v1/jobs" in paths


def test_storage_upload_download_range_status_delete(client: httpx.Client) -> None:
    data = jpeg(64, 64)
    file_id = upload(client, data, "x.jpeg", "image")
    assert file_id.startswith("image_") and file_id.endswith(".jpeg")
    assert client.get(f"{M}/storage/{file_id}/status").json() == {"status": "ready"}
    whole = client.get(f"{M}/storage/{file_id}")
    assert whole.status_code == 200 and whole.content == data
    assert whole.headers["content-type"] == "image/jpeg"
    assert whole.headers["content-length"] == str(len(data))
    assert "attachment" in whole.headers["content-disposition"]
    part = client.get(f"{M}/storage/{file_id}", headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == data[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{len(data)}"
    assert client.delete(f"{M}/storage/{file_id}").json() == {"status": "success"}
    assert client.get(f"{M}/storage/{file_id}/status").json() == {"status": "not_found"}
    assert client.get(f"{M}/storage/{file_id}").status_code == 404


def test_storage_refusals(client: httpx.Client) -> None:
    neither = client.post(f"{M}/storage", data={"media_type": "image"})
    assert neither.status_code == 400 and "file" in neither.json()["error"]
    url = client.post(f"{M}/storage", data={"media_type": "image", "url": "http://127.0.0.1/x.jpg"})
    assert url.status_code == 403 and "turned off" in url.json()["error"]
    for bad in ("../../etc/passwd", "image_not-a-uuid.jpg", "video_..%2F..%2Fx"):
        response = client.get(f"{M}/storage/{bad}")
        assert response.status_code in (400, 404), bad
    assert client.get(f"{M}/storage/image_00000000-0000-4000-8000-000000000000.jpg").status_code == 404
    wrong_type = client.post(f"{M}/storage", data={"media_type": "text"}, files={"file": ("a.txt", b"x")})
    assert wrong_type.status_code == 422


def test_kokoro_request_is_spoken_by_the_next_engine_and_repeats_from_cache(client: httpx.Client) -> None:
    form = {"text": "Hello from the server.", "voice": "af_bella", "speed": "1.1"}
    first = client.post(f"{M}/audio-tools/tts/kokoro", data=form).json()["file_id"]
    status = wait(client, first)
    assert status["status"] == "ready" and status["engine"] == "piper"
    assert any(note.startswith("kokoro skipped:") for note in status["notes"])
    assert status["steps"] == {"speak": "ran"} or status["steps"] == {"speak": "cached"}
    audio = client.get(f"{M}/storage/{first}")
    assert audio.headers["content-type"] in ("audio/x-wav", "audio/wav") and audio.content[:4] == b"RIFF"
    info = client.get(f"{M}/audio-tools/info/{first}").json()
    assert info["duration"] > 0.5 and info["sample_rate"] > 0 and info["channels"] == 1
    second = client.post(f"{M}/audio-tools/tts/kokoro", data=form).json()["file_id"]
    assert second != first
    repeat = wait(client, second)
    assert repeat["status"] == "ready" and repeat["steps"] == {"speak": "cached"}
    assert client.get(f"{M}/storage/{second}").content == audio.content


def test_form_fields_as_multipart_like_n8n(client: httpx.Client) -> None:
    """n8n's "Form-Data" body: every field a multipart part, no file among them."""
    parts = {"text": (None, "Sent as multipart."), "voice": (None, "af_heart"), "speed": (None, "1")}
    response = client.post(f"{M}/audio-tools/tts/kokoro", files=parts)
    assert response.status_code == 200, response.text
    assert response.request.headers["content-type"].startswith("multipart/form-data")
    assert wait(client, response.json()["file_id"])["status"] == "ready"


def test_kokoro_refusals(client: httpx.Client) -> None:
    unknown = client.post(f"{M}/audio-tools/tts/kokoro", data={"text": "hi", "voice": "xx_nobody"})
    assert unknown.status_code == 400 and "af_heart" in unknown.json()["error"]
    empty = client.post(f"{M}/audio-tools/tts/kokoro", data={"text": "   "})
    assert empty.status_code == 400
    missing = client.post(f"{M}/audio-tools/tts/kokoro", data={})
    assert missing.status_code == 422


def test_captioned_video_info_frame_and_cache_hit(client: httpx.Client, background: str,
                                                  video: tuple[str, dict]) -> None:
    file_id, status = video
    assert status["status"] == "ready", status
    assert status["engine"] == "piper"
    assert any("Arial" in note for note in status["notes"])  # not installed: said, not silently swapped
    info = client.get(f"{M}/video-tools/info/{file_id}").json()
    assert (info["width"], info["height"], info["fps"], info["codec"]) == (160, 284, "25/1", "h264")
    assert info["duration"] > 0.5
    frame = client.get(f"{M}/video-tools/extract-frame/{file_id}", params={"timestamp": 99})
    assert frame.status_code == 200 and frame.headers["content-type"] == "image/jpeg"
    assert frame.content[:2] == b"\xff\xd8"
    again = client.post(f"{M}/video-tools/generate/tts-captioned-video", data={
        "background_id": background, "text": "Every city has a sound.", "width": "160", "height": "284",
        "caption_config_line_max_length": "12", "caption_config_font_size": "24",
        "caption_config_subtitle_position": "bottom"}).json()["file_id"]
    repeat = wait(client, again)
    assert repeat["status"] == "ready" and set(repeat["steps"].values()) == {"cached"}
    assert client.get(f"{M}/storage/{again}").content == client.get(f"{M}/storage/{file_id}").content


def test_captioned_video_refusals_are_400_not_stuck_jobs(client: httpx.Client, background: str) -> None:
    base = {"background_id": background, "text": "Hi.", "width": "160", "height": "284"}
    for change, word in (({"width": "161"}, "even"), ({"caption_config_font_color": "white"}, "colour"),
                         ({"kokoro_voice": "zz_none"}, "voice"), ({"text": ""}, "text")):
        response = client.post(f"{M}/video-tools/generate/tts-captioned-video", data={**base, **change})
        assert response.status_code == 400, (change, response.text)
        assert word in response.json()["error"]
    missing = client.post(f"{M}/video-tools/generate/tts-captioned-video",
                          data={**base, "background_id": "image_00000000-0000-4000-8000-000000000000.jpg"})
    assert missing.status_code == 404
    out_of_range = client.post(f"{M}/video-tools/generate/tts-captioned-video",
                               data={**base, "caption_config_line_count": "9"})
    assert out_of_range.status_code == 400


def test_an_upload_holding_another_kind_of_media_is_400_naming_media_type(client: httpx.Client,
                                                                          tmp_path: Path) -> None:
    """music.ogg stored with media_type=image was accepted and failed later, in a render."""
    sound = clip(tmp_path / "m.mp4", 32, 32, seconds=0.5)
    cases = [(_tone_wav(), "music.ogg", "image", "audio, not an image"),
             (_tone_wav(), "music.wav", "video", "audio, not a video"),
             (jpeg(), "photo.jpg", "audio", "an image, not an audio"),
             (sound, "clip.mp4", "image", "video, not an image")]
    for data, name, kind, held in cases:
        response = client.post(f"{M}/storage", data={"media_type": kind}, files={"file": (name, data)})
        assert response.status_code == 400, (name, kind, response.text)
        assert response.json()["error"].startswith(f"media_type: the file holds {held}; send the media_type")
    assert upload(client, sound, "music.m4a", "audio")  # a video's sound track is audio (merge music)


def test_a_background_that_is_not_a_picture_is_400_naming_background_id(client: httpx.Client) -> None:
    """Audio stored as an image was a 200 and a job failing with 'recipe.yaml:19:5: render: image: ...'."""
    text = upload(client, b"this is text, not a picture", "fake.jpg", "image")  # no media: upload passes it
    for stored, held in ((text, "is not a picture"),):
        response = client.post(f"{M}/video-tools/generate/tts-captioned-video", data={
            "background_id": stored, "text": "Hi.", "width": "160", "height": "284"})
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert error.startswith(f"background_id: {stored} is stored as an image but {held}"), error
        assert "media_type=image" in error and "recipe.yaml" not in error


def test_a_failing_job_reports_failed_and_serves_nothing(client: httpx.Client) -> None:
    broken = upload(client, jpeg()[:1000], "broken.jpg", "image")  # a picture's header, its body cut off
    file_id = client.post(f"{M}/video-tools/generate/tts-captioned-video", data={
        "background_id": broken, "text": "This will fail.", "width": "160", "height": "284"}).json()["file_id"]
    status = wait(client, file_id)
    assert status["status"] == "failed" and "image" in status["error"]
    assert "/jobs/" not in status["error"]  # the server's folders are not shown
    # Every route says what the status route says (they said "never stored" of a failed job).
    download = client.get(f"{M}/storage/{file_id}")
    assert download.status_code == 404 and "its job failed" in download.json()["error"]
    assert "never stored" not in download.json()["error"]
    merged = client.post(f"{M}/video-tools/merge", data={"video_ids": file_id})
    assert merged.status_code == 404 and "its job failed" in merged.json()["error"]


def test_merge_joins_and_mixes_music(client: httpx.Client, video: tuple[str, dict]) -> None:
    file_id, _ = video
    music = client.post(f"{M}/audio-tools/tts/kokoro", data={"text": "La la la."}).json()["file_id"]
    assert wait(client, music)["status"] == "ready"
    merged = client.post(f"{M}/video-tools/merge", data={
        "video_ids": f" {file_id} , {file_id}", "background_music_id": music,
        "background_music_volume": "0.3"}).json()["file_id"]
    status = wait(client, merged)
    assert status["status"] == "ready", status
    one = client.get(f"{M}/video-tools/info/{file_id}").json()
    both = client.get(f"{M}/video-tools/info/{merged}").json()
    assert (both["width"], both["height"]) == (160, 284)
    assert both["duration"] == pytest.approx(2 * one["duration"], abs=0.1)


def test_merge_of_different_formats_fits_them_first(client: httpx.Client, tmp_path: Path,
                                                    video: tuple[str, dict]) -> None:
    """The plain path (each input fitted to the first one's size and rate, then joined), forced by an
    input of another size and rate."""
    file_id, _ = video
    other = upload(client, clip(tmp_path / "c.mp4", 96, 64, seconds=0.6, rate=24), "c.mp4", "video")
    merged = client.post(f"{M}/video-tools/merge", data={"video_ids": f"{file_id},{other}"}).json()["file_id"]
    status = wait(client, merged)
    assert status["status"] == "ready", status
    assert set(status["steps"]) == {"fit0", "fit1", "merge"}
    info = client.get(f"{M}/video-tools/info/{merged}").json()
    assert (info["width"], info["height"], info["fps"]) == (160, 284, "25/1")
    bad = client.post(f"{M}/video-tools/merge", data={"video_ids": " , "})
    assert bad.status_code == 400


def test_a_silent_video_with_music_ends(client: httpx.Client, tmp_path: Path) -> None:
    """The original never finished this one (an endless music loop without -shortest)."""
    silent = upload(client, clip(tmp_path / "s.mp4", 96, 64, seconds=0.8, rate=25, sound=False), "s.mp4", "video")
    music = upload(client, clip(tmp_path / "m.mp4", 32, 32, seconds=3.0), "m.m4a", "audio")
    merged = client.post(f"{M}/video-tools/merge", data={"video_ids": silent, "background_music_id": music})
    status = wait(client, merged.json()["file_id"])
    assert status["status"] == "ready", status
    info = client.get(f"{M}/video-tools/info/{merged.json()['file_id']}").json()
    assert info["duration"] == pytest.approx(0.8, abs=0.1)
    assert client.get(f"{M}/audio-tools/info/{merged.json()['file_id']}").json()["channels"] == 2


def test_info_of_a_non_media_file_is_400_not_empty_200(client: httpx.Client) -> None:
    text = upload(client, b"plain words", "notes.mp4", "video")
    for route in ("video-tools/info", "audio-tools/info"):
        response = client.get(f"{M}/{route}/{text}")
        assert response.status_code == 400 and response.json()["error"]


def test_out_of_range_voice_settings_are_400(client: httpx.Client) -> None:
    hot = client.post(f"{M}/audio-tools/tts/chatterbox", data={"text": "Hi there.", "temperature": "7"})
    assert hot.status_code == 400 and "temperature" in hot.json()["error"]
    fast = client.post(f"{M}/audio-tools/tts/kokoro", data={"text": "Hi there.", "speed": "9"})
    assert fast.status_code == 400 and "speed" in fast.json()["error"]
    for tiny in ("1e-300", "0.001", "-1"):  # 1e-300 was accepted and failed with onnxruntime's C++ text
        slow = client.post(f"{M}/audio-tools/tts/kokoro", data={"text": "Hi", "speed": tiny})
        assert slow.status_code == 400, slow.text
        assert slow.json()["error"].startswith(f"speed: {float(tiny):g} is outside 0.25 <= speed <= 4; send ")
    zero = client.post(f"{M}/audio-tools/tts/kokoro", data={"text": "Hi", "speed": "0"})
    assert zero.status_code == 200  # the original's documented mapping: speed 0 is the default 1.0


def test_chatterbox_falls_back_and_says_so(client: httpx.Client) -> None:
    sample = upload(client, _tone_wav(), "ref.wav", "audio")
    file_id = client.post(f"{M}/audio-tools/tts/chatterbox", data={
        "text": "A cloned voice, or the next one.", "sample_audio_id": sample}).json()["file_id"]
    status = wait(client, file_id)
    assert status["status"] == "ready" and status["engine"] == "piper"
    assert any(note.startswith("chatterbox skipped:") for note in status["notes"])
    uploaded = client.post(f"{M}/audio-tools/tts/chatterbox", data={"text": "With an uploaded sample."},
                           files={"sample_audio_file": ("voice.WAV", _tone_wav())})
    assert uploaded.status_code == 200, uploaded.text
    assert wait(client, uploaded.json()["file_id"])["status"] == "ready"


def _tone_wav() -> bytes:
    import io

    import numpy as np
    import soundfile as sf

    out = io.BytesIO()
    t = np.arange(16000) / 16000
    sf.write(out, 0.3 * np.sin(2 * np.pi * 220 * t), 16000, format="WAV")
    return out.getvalue()


def test_server_command_help() -> None:
    from tests.pipeline.apps.serve.servers import PIPELINE

    out = subprocess.run([str(PIPELINE), "serve", "--help"], capture_output=True, text=True, check=True).stdout
    assert "--queue-size" in out and "AUTH_TOKENS" in out
    bad = subprocess.run([str(PIPELINE), "serve", "--voices", "kokoro,pipr"], capture_output=True, text=True,
                         check=False)
    assert bad.returncode == 2 and "pipr" in bad.stderr and "Traceback" not in bad.stderr


def test_any_text_is_spoken_as_sent(client: httpx.Client, background: str) -> None:
    """`${...}` is text, not a recipe variable or a step's output; emoji, CJK and characters past U+FFFF
    are accepted (they were a YAML syntax error), on the speech and the captioned-video routes."""
    for text in ("It costs ${price} today, or $${price}.", "${speak.words}", "Emoji 😀 🎬, 你好, 𝐀𝐁𝐂 done."):
        response = client.post(f"{M}/audio-tools/tts/kokoro", data={"text": text})
        assert response.status_code == 200, (text, response.text)
        assert wait(client, response.json()["file_id"])["status"] == "ready", text
        response = client.post(f"{M}/audio-tools/tts/chatterbox", data={"text": text})
        assert response.status_code == 200, (text, response.text)
    response = client.post(f"{M}/video-tools/generate/tts-captioned-video", data={
        "background_id": background, "text": "Every 🌆 city ${has} a sound, 你好 𝐀𝐁𝐂.", "width": "160",
        "height": "284", "caption_config_font_name": "DejaVu Sans ${x}"})
    assert response.status_code == 200, response.text
    assert wait(client, response.json()["file_id"])["status"] == "ready"


def test_every_error_has_the_error_shape(client: httpx.Client) -> None:
    """Errors made by FastAPI, Starlette or a file response are {"error": ...} JSON like the server's own
    (they were {"detail": ...} or text/plain)."""
    stored = upload(client, jpeg(32, 32), "x.jpg", "image")
    kokoro = f"{M}/audio-tools/tts/kokoro"
    answers = {
        "unknown route": client.get("/no/such/route"),
        "wrong method": client.put(f"{M}/fonts"),
        "no boundary": client.post(kokoro, content=b"x", headers={"content-type": "multipart/form-data"}),
        "bad multipart": client.post(kokoro, content=b"garbage", headers={
            "content-type": "multipart/form-data; boundary=zz"}),
        "field over 1 MiB": client.post(kokoro, files={"text": (None, "a" * (1 << 20 + 1))}),
        "bad range": client.get(f"{M}/storage/{stored}", headers={"Range": "bytes=9-2"}),
        "range past the end": client.get(f"{M}/storage/{stored}", headers={"Range": "bytes=99999-"}),
        "missing field": client.post(kokoro, data={}),
    }
    for what, response in answers.items():
        assert 400 <= response.status_code < 500, (what, response.status_code)
        assert response.headers["content-type"] == "application/json", (what, response.text)
        error = response.json()["error"]
        assert isinstance(error, str) and error, (what, response.text)
    assert answers["unknown route"].status_code == 404 and "/docs" in answers["unknown route"].json()["error"]
    assert answers["wrong method"].status_code == 405 and "GET" in answers["wrong method"].json()["error"]
    assert answers["range past the end"].status_code == 416
    assert answers["range past the end"].headers["content-range"].startswith("bytes */")
    missing = answers["missing field"]
    assert missing.status_code == 422 and "text" in missing.json()["error"] and missing.json()["detail"]


def test_refusals_name_the_clients_form_fields(client: httpx.Client, background: str) -> None:
    """Errors name the form field the client sent and its value, never the compiled recipe's fields,
    settings or lines (kokoro_speed, not speed; no 'recipe.yaml:6:12', no 'limits: {max_text_chars}')."""
    video = f"{M}/video-tools/generate/tts-captioned-video"
    base = {"background_id": background, "text": "Hi.", "width": "160", "height": "284"}
    cases = [
        (video, {**base, "kokoro_speed": "nan"}, "kokoro_speed: nan is outside"),
        (video, {**base, "kokoro_voice": "zz_none"}, "kokoro_voice: unknown voice 'zz_none'"),
        (video, {**base, "text": "Ring \x07 bell."}, "text: contains the control character '\\x07'"),
        (video, {**base, "caption_config_font_size": "999"}, "caption_config_font_size: Input should be"),
        (f"{M}/audio-tools/tts/chatterbox", {"text": "Hi.", "exaggeration": "nan"},
         "exaggeration: Input should be less than or equal to 2 (got nan)"),
        (f"{M}/audio-tools/tts/chatterbox", {"text": "Hi.", "cfg_weight": "-1"}, "cfg_weight: Input should be"),
        # these were accepted and silently clamped
        (f"{M}/audio-tools/tts/chatterbox", {"text": "Hi.", "chunk_silence_ms": "-1"},
         "chunk_silence_ms: -1 is outside 0 <= chunk_silence_ms <= 10000; send "),
        (f"{M}/audio-tools/tts/chatterbox", {"text": "Hi.", "chunk_silence_ms": "99999999999"},
         "chunk_silence_ms: 99999999999 is outside"),
        (f"{M}/audio-tools/tts/chatterbox", {"text": "Hi.", "chunk_chars": "0"},
         "chunk_chars: 0 is outside 1 <= chunk_chars <= 100000; send "),
        (f"{M}/audio-tools/tts/kokoro", {"text": "word " * 20_001},
         "text: the text is 100005 characters long, more than this server's limit of 100000"),
        (f"{M}/audio-tools/tts/kokoro", {"text": "a\x00b"}, "text: contains the control character '\\x00'"),
    ]
    for route, form, expected in cases:
        response = client.post(route, data=form)
        assert response.status_code == 400, (form, response.text)
        error = response.json()["error"]
        assert error.startswith(expected), (expected, error)
        assert "recipe.yaml" not in error and "limits:" not in error and "chatterbox." not in error, error
