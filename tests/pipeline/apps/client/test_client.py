"""The Python client: in-process through the engine, or against servers, falling back in order and saying
why; two real servers on loopback."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from nodes.tts.whisper import library_version as whisper_version
from pipeline.apps.client import Api, ApiError, ClientConfig, MediaClient, NoBackend
from tests.pipeline.apps.serve.servers import Served, free_port, jpeg, start


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, Served]]:
    root = tmp_path_factory.mktemp("client")
    first, second = start(root / "a"), start(root / "b", "--voices", "piper")
    yield first, second
    first.stop()
    second.stop()


def test_local_backend_runs_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nodes.tts.models import MODELS

    monkeypatch.setenv("PIPELINE_WHISPER_MODEL", "off")  # no recogniser, whether or not [whisper] is installed

    config = ClientConfig(local=True, storage=tmp_path / "media", cache_dir=tmp_path / "cache")
    with MediaClient(config) as client:
        result = client.speak("Spoken in this process.", tmp_path / "a.wav")
        assert result.backend == "local" and result.status["engine"] == "piper"
        assert result.path.read_bytes()[:4] == b"RIFF"
        loads = MODELS.loads["piper"]
        client.speak("And again, other words.", tmp_path / "a2.wav")
        assert MODELS.loads["piper"] == loads  # the voice stays loaded between requests
        api = client.api(0)
        assert api.health() == {"status": "ok"} and "af_heart" in api.kokoro_voices()
        image = tmp_path / "bg.jpg"
        image.write_bytes(jpeg())
        image_id = api.upload(image, "image")
        assert api.status(image_id) == {"status": "ready"}
        with pytest.raises(ApiError, match="501"):
            api.transcribe(result.path)
        if whisper_version() is not None:  # the same route through the in-process app, with the tiny model
            from tests.nodes.tts.tiny_whisper import build

            monkeypatch.setenv("PIPELINE_WHISPER_MODEL", str(build(tmp_path / "whisper")))
            heard = api.transcribe(result.path, language="en")
            assert set(heard) == {"transcription", "duration"} and heard["duration"] > 0.5


def test_local_without_a_usable_engine_falls_back_to_a_server(tmp_path: Path, servers: tuple[Served, Served],
                                                               caplog: pytest.LogCaptureFixture) -> None:
    first, _ = servers
    config = ClientConfig(local=True, voices=("kokoro",), remotes=(first.url,), storage=tmp_path / "media",
                          cache_dir=tmp_path / "cache")
    with caplog.at_level(logging.WARNING, logger="pipeline.client"), MediaClient(config) as client:
        result = client.speak("Spoken elsewhere.", tmp_path / "b.wav")
    assert result.backend == first.url and result.path.read_bytes()[:4] == b"RIFF"
    assert any("falling back from local" in r.message and "no speech engine" in r.message for r in caplog.records)


def test_a_server_that_is_down_falls_back_to_the_next(tmp_path: Path, servers: tuple[Served, Served],
                                                      caplog: pytest.LogCaptureFixture) -> None:
    _, second = servers
    dead = f"http://127.0.0.1:{free_port()}"
    with caplog.at_level(logging.WARNING, logger="pipeline.client"), \
            MediaClient(ClientConfig(local=False, remotes=(dead, second.url))) as client:
        image = tmp_path / "bg.jpg"
        image.write_bytes(jpeg())
        result = client.captioned_video(image, tmp_path / "v.mp4", text="Two servers, one answer.",
                                        width=160, height=284, caption_config_font_size=24)
    assert result.backend == second.url and result.path.stat().st_size > 1000
    assert any(f"falling back from {dead}" in r.message for r in caplog.records)


def test_when_every_backend_fails_the_error_lists_each_reason(tmp_path: Path, servers: tuple[Served, Served]) -> None:
    first, second = servers
    config = ClientConfig(local=True, remotes=(first.url, second.url), storage=tmp_path / "media",
                          cache_dir=tmp_path / "cache")
    with MediaClient(config) as client, pytest.raises(NoBackend) as caught:
        client.speak("Needs Kokoro.", tmp_path / "k.wav", voice="af_bella", require_engine="kokoro")
    message = str(caught.value)
    assert message.count("kokoro is not available there") == 3
    assert "local:" in message and first.url in message and second.url in message


def test_api_methods_against_a_server(servers: tuple[Served, Served], tmp_path: Path) -> None:
    first, _ = servers
    with first.client() as http:
        api = Api(http, first.url)
        assert api.root()["version"] == "0.3.5" and "DejaVu Sans" in api.fonts()
        file_id = api.tts_kokoro("Hello.")
        api.wait(file_id)
        assert api.audio_info(file_id)["channels"] == 1
        api.delete(file_id)
        assert api.status(file_id)["status"] == "not_found"
        with pytest.raises(ApiError, match="404"):
            api.download(file_id, tmp_path / "gone.wav")
        assert not (tmp_path / "gone.wav").exists()
