"""The original's transcribe route, synchronous, answered by the transcribe node's recogniser: 501 only
where no Whisper model is found; a recording without text in a captioned video is transcribed for captions."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from nodes.tts import whisper
from tests.pipeline.apps.serve.servers import M, jpeg, start, upload, wait

needs_whisper = pytest.mark.skipif(whisper.library_version() is None,
                                   reason="faster-whisper is not installed (the optional [whisper] extra)")


def _wav(seconds: float = 1.0, rate: int = 16000) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    tone = 0.3 * np.sin(2 * np.pi * 200 * t) * (t > 0.2)
    out = io.BytesIO()
    sf.write(out, tone.astype(np.float32), rate, format="WAV")
    return out.getvalue()


def test_without_a_recogniser_transcribe_is_501_and_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(whisper.MODEL_ENV, "off")
    _, why = whisper.resolve()  # faster-whisper missing, or switched off
    served = start(tmp_path, env={"PIPELINE_WHISPER_MODEL": "off"})
    try:
        with served.client() as client:
            response = client.post(f"{M}/audio-tools/transcribe", files={"audio_file": ("a.wav", _wav())})
            assert response.status_code == 501
            assert why and why in response.json()["error"]
            audio = upload(client, _wav(), "mine.wav", "audio")
            video = client.post(f"{M}/video-tools/generate/tts-captioned-video", data={
                "background_id": upload(client, jpeg(), "b.jpg", "image"), "audio_id": audio,
                "width": "160", "height": "284"}).json()["file_id"]
            status = wait(client, video)
            assert status["status"] == "ready" and set(status["steps"]) == {"render"}
            assert any("no speech recogniser" in note for note in status["notes"])
    finally:
        served.stop()


@needs_whisper
def test_transcribe_answers_as_the_original(tmp_path: Path) -> None:
    from tests.nodes.tts.tiny_whisper import build

    model = build(tmp_path / "model")
    served = start(tmp_path / "server", env={"PIPELINE_WHISPER_MODEL": str(model)})
    try:
        with served.client() as client:
            response = client.post(f"{M}/audio-tools/transcribe", files={"audio_file": ("a.wav", _wav())},
                                   data={"language": "en"})
            assert response.status_code == 200, response.text
            answer = response.json()
            assert set(answer) == {"transcription", "duration"}
            assert answer["duration"] == pytest.approx(1.0, abs=0.01)
            assert answer["transcription"] == "" or answer["transcription"].startswith(" ")
            bad = client.post(f"{M}/audio-tools/transcribe", files={"audio_file": ("a.wav", b"not audio")})
            assert bad.status_code == 400 and "audio" in bad.json()["error"]
            # nothing of either request is left in storage
            assert not [p for p in (served.storage / "tmp").glob("*") if p.is_file()]
            video = client.post(f"{M}/video-tools/generate/tts-captioned-video", data={
                "background_id": upload(client, jpeg(), "b.jpg", "image"),
                "audio_id": upload(client, _wav(), "mine.wav", "audio"), "width": "160", "height": "284",
                "language": "en"}).json()["file_id"]
            status = wait(client, video)
            assert status["status"] == "ready", status
            assert set(status["steps"]) == {"transcribe", "captions", "render"}  # captions from what is heard
    finally:
        served.stop()
