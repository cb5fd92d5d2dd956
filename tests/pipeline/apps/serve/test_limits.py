"""Limits, auth, URL policy, expiry, load and crashes, against real servers on loopback (bounded in count
and time)."""

from __future__ import annotations

import signal
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.pipeline.apps.serve.servers import M, jpeg, start, upload, wait

TOKEN = "s3cret-token-for-tests"


def _files(storage: Path, sub: str) -> list[Path]:
    return sorted((storage / sub).iterdir())


def test_token_auth_is_required_except_health_and_never_logged(tmp_path: Path) -> None:
    served = start(tmp_path, "--max-upload-mb", "0.05", env={"AUTH_TOKENS": f"other, {TOKEN}"})
    try:
        with served.client() as client:
            assert client.get("/health").status_code == 200
            assert client.get(f"{M}/fonts").status_code == 401
            assert client.get("/docs").status_code == 401
            assert client.get(f"{M}/fonts", headers={"Authorization": "wrong"}).json() == {"error": "Unauthorized"}
            assert client.get(f"{M}/fonts", headers={"Authorization": TOKEN}).status_code == 200
            assert client.get(f"{M}/fonts", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
            auth = {"Authorization": TOKEN}
            big = client.post(f"{M}/storage", headers=auth, data={"media_type": "image"},
                              files={"file": ("big.jpg", b"\xff" * 80_000)})
            assert big.status_code == 413 and "limit" in big.json()["error"]

            def chunks():  # no Content-Length: the limit is counted while the body streams in
                yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.jpg"\r\n\r\n'
                for _ in range(40):
                    yield b"x" * 4096

            streamed = client.post(f"{M}/storage", headers={**auth, "Content-Type": "multipart/form-data; "
                                                            "boundary=b"}, content=chunks())
            assert streamed.status_code == 413 and "limit" in streamed.json()["error"]
            assert _files(served.storage, "image") == []
    finally:
        served.stop()
    assert TOKEN not in served.log.read_text()


def test_url_fetch_policy(tmp_path: Path) -> None:
    public_only = start(tmp_path / "a", "--allow-url-fetch")
    private_ok = start(tmp_path / "b", "--allow-url-fetch", "--allow-private-urls", "--url-max-mb", "0.02")
    try:
        with public_only.client() as a, private_ok.client() as b:
            small = upload(a, jpeg(32, 32), "s.jpg", "image")
            large = upload(a, jpeg(640, 640) + b"\0" * 30_000, "l.jpg", "image")
            for url, word in ((f"{a.base_url}{M}/storage/{small}", "private or local"),
                              ("file:///etc/passwd", "http"), ("ftp://example.org/x.jpg", "http"),
                              ("http://[::1]:1/x.jpg", "private or local"), ("http://10.0.0.1/x.jpg", "private")):
                response = a.post(f"{M}/storage", data={"media_type": "image", "url": url})
                assert response.status_code == 400 and word in response.json()["error"], (url, response.text)
            fetched = b.post(f"{M}/storage", data={"media_type": "image",
                                                  "url": f"{a.base_url}{M}/storage/{small}?x=1"})
            assert fetched.status_code == 200, fetched.text
            new_id = fetched.json()["file_id"]
            assert new_id.endswith(".jpg")  # the extension comes from the path, not the query
            assert b.get(f"{M}/storage/{new_id}").content == a.get(f"{M}/storage/{small}").content
            too_big = b.post(f"{M}/storage", data={"media_type": "image", "url": f"{a.base_url}{M}/storage/{large}"})
            assert too_big.status_code == 400 and "limit" in too_big.json()["error"]
            assert _files(private_ok.storage, "image") == [private_ok.storage.joinpath(
                "image", new_id.removeprefix("image_"))]
    finally:
        public_only.stop()
        private_ok.stop()


def test_full_queue_answers_429_with_retry_after_and_loses_nothing(tmp_path: Path) -> None:
    """50 concurrent requests at a queue of 4: every answer is 200 or 429, every accepted job ends ready."""
    served = start(tmp_path, "--workers", "1", "--queue-size", "4")
    try:
        with served.client() as client:
            def ask(i: int) -> httpx.Response:
                return client.post(f"{M}/audio-tools/tts/kokoro", data={"text": f"Request number {i}."})

            with ThreadPoolExecutor(16) as pool:
                answers = list(pool.map(ask, range(50)))
            codes = [r.status_code for r in answers]
            assert set(codes) <= {200, 429} and 200 in codes and 429 in codes
            busy = next(r for r in answers if r.status_code == 429)
            assert int(busy.headers["Retry-After"]) >= 1 and "busy" in busy.json()["error"]
            accepted = [r.json()["file_id"] for r in answers if r.status_code == 200]
            for file_id in accepted:
                assert wait(client, file_id, timeout=120)["status"] == "ready"
                assert client.get(f"{M}/storage/{file_id}").content[:4] == b"RIFF"
    finally:
        served.stop()


def test_kill_9_mid_job_then_restart_reports_failed_and_serves_nothing_partial(tmp_path: Path) -> None:
    served = start(tmp_path, "--workers", "1")
    with served.client() as client:
        background = upload(client, jpeg(), "bg.jpg", "image")
        text = " ".join(f"Sentence number {i} keeps this job busy for a while." for i in range(12))
        file_id = client.post(f"{M}/video-tools/generate/tts-captioned-video", data={
            "background_id": background, "text": text, "width": "160", "height": "284"}).json()["file_id"]
        deadline = time.monotonic() + 60
        while "running" not in client.get(f"{M}/storage/{file_id}/status").json()["steps"].values():
            assert time.monotonic() < deadline
            time.sleep(0.05)
    served.stop(signal.SIGKILL)
    again = start(tmp_path, storage=served.storage)
    try:
        with again.client() as client:
            status = client.get(f"{M}/storage/{file_id}/status").json()
            assert status["status"] == "failed" and "server stopped" in status["error"]
            assert "running" not in status["steps"].values() and "stopped" in status["steps"].values(), status
            assert client.get(f"{M}/storage/{file_id}").status_code == 404
            assert _files(again.storage, "video") == []
            assert client.get(f"{M}/storage/{background}/status").json() == {"status": "ready"}
    finally:
        again.stop()


def test_a_clean_stop_fails_the_running_and_waiting_jobs_with_the_restart_message(tmp_path: Path) -> None:
    """SIGTERM stops the running job through its cancel event: that is the server's doing, not the
    user's, so the job is failed and says to submit it again (it read 'node ...: cancelled')."""
    served = start(tmp_path, "--workers", "1")
    text = " ".join(f"Sentence number {i} keeps this job busy for a while." for i in range(30))
    recipe = ("version: 1\nsteps:\n  speak: {type: tts, text: '" + text + "'}\n"
              "outputs: {out/a.wav: '${speak.audio}'}\n")
    with served.client() as client:
        running, waiting = (client.post("/api/v1/jobs", data={"recipe_text": recipe.replace("this", word)}).json()
                            ["job_id"] for word in ("this", "that"))
        deadline = time.monotonic() + 60
        while client.get(f"/api/v1/jobs/{running}").json()["nodes"]["speak"]["state"] != "running":
            assert time.monotonic() < deadline
            time.sleep(0.05)
    served.stop(signal.SIGTERM)
    assert served.process.returncode == 0
    again = start(tmp_path, storage=served.storage)
    try:
        with again.client() as client:
            for job_id, state in ((running, "processing"), (waiting, "queued")):
                job = client.get(f"/api/v1/jobs/{job_id}").json()
                assert job["state"] == "failed", job
                assert job["error"].startswith(f"the server stopped while this job was {state}; submit it again")
                assert "running" not in {node["state"] for node in job["nodes"].values()}, job
    finally:
        again.stop()
    assert "marked failed" not in again.log.read_text()  # nothing was left for the restart to recover


def test_storage_expires(tmp_path: Path) -> None:
    served = start(tmp_path, "--storage-ttl-minutes", "0.02")  # 1.2 s, swept every second
    try:
        with served.client() as client:
            file_id = upload(client, jpeg(32, 32), "x.jpg", "image")
            assert client.get(f"{M}/storage/{file_id}/status").json() == {"status": "ready"}
            deadline = time.monotonic() + 15
            while client.get(f"{M}/storage/{file_id}/status").json()["status"] == "ready":
                assert time.monotonic() < deadline, "the file was never deleted"
                time.sleep(0.3)
            assert client.get(f"{M}/storage/{file_id}").status_code == 404
    finally:
        served.stop()


def test_clients_that_hang_up_mid_upload_and_mid_download(tmp_path: Path) -> None:
    served = start(tmp_path)
    try:
        host, port = "127.0.0.1", int(served.url.rsplit(":", 1)[1])
        body = b"--b\r\nContent-Disposition: form-data; name=\"media_type\"\r\n\r\nimage\r\n--b\r\n" \
               b"Content-Disposition: form-data; name=\"file\"; filename=\"x.jpg\"\r\n\r\n" + b"\xff" * 2000
        with socket.create_connection((host, port)) as sock:
            sock.sendall(f"POST {M}/storage HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; "
                         f"boundary=b\r\nContent-Length: 500000\r\n\r\n".encode() + body)
        with served.client() as client:
            big = upload(client, jpeg(1200, 1200), "big.jpg", "image")
            with client.stream("GET", f"{M}/storage/{big}") as response:
                next(response.iter_bytes(1024))  # read a little, then hang up
            time.sleep(0.5)
            assert client.get("/health").json() == {"status": "ok"}
            assert [p.name for p in _files(served.storage, "image")] == [big.removeprefix("image_")]
    finally:
        served.stop()


@pytest.mark.parametrize("size", [0, 1])
def test_empty_and_tiny_uploads(tmp_path: Path, size: int) -> None:
    served = start(tmp_path)
    try:
        with served.client() as client:
            file_id = upload(client, b"\x01" * size, "t.bin", "audio")
            assert client.get(f"{M}/storage/{file_id}").content == b"\x01" * size
    finally:
        served.stop()
