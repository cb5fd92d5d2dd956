"""The native job API (any recipe with its assets, per-node progress and reasons, outputs by name, cancel)
and property-based robustness of every route against the server's own OpenAPI schema."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from tests.pipeline.apps.serve.servers import Served, jpeg, start

J = "/api/v1/jobs"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = start(tmp_path_factory.mktemp("native"), "--queue-size", "64")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def client(served: Served) -> Iterator[httpx.Client]:
    with served.client() as c:
        yield c


def recipe(text: str) -> str:
    return json.dumps({"version": 1, "steps": {
        "narrate": {"type": "tts", "text": text},
        "subs": {"type": "captions", "words": "${narrate.words}"},
        "scene": {"type": "render", "image": "assets/pic.jpg", "audio": "${narrate.audio}",
                  "captions": "${subs.captions}", "width": 160, "height": 284, "fps": 15}},
        "outputs": {"out/scene.mp4": "${scene.video}", "out/words.json": "${narrate.words}"}})


def submit(client: httpx.Client, text: str) -> dict[str, Any]:
    response = client.post(J, data={"recipe_text": recipe(text)},
                           files=[("assets", ("assets/pic.jpg", jpeg(), "image/jpeg"))])
    assert response.status_code == 200, response.text
    return dict(response.json())


def finish(client: httpx.Client, job_id: str, timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"{J}/{job_id}").json()
        if job["state"] not in ("queued", "processing"):
            return dict(job)
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} unfinished")


def test_recipe_job_with_assets_plan_progress_and_outputs(client: httpx.Client) -> None:
    answer = submit(client, "A native job speaks.")
    assert answer["job_id"].startswith("job_")
    assert [p["node"] for p in answer["plan"]] == ["narrate", "subs", "scene"]
    assert all(p["action"] == "run" and p["reasons"] for p in answer["plan"])
    job = finish(client, answer["job_id"])
    assert job["state"] == "ready", job
    assert {name: node["state"] for name, node in job["nodes"].items()} == {
        "narrate": "ran", "subs": "ran", "scene": "ran"}
    assert job["nodes"]["scene"]["fraction"] == 1.0 and job["nodes"]["scene"]["reasons"]
    assert job["outputs"] == ["out/scene.mp4", "out/words.json"]
    words = client.get(f"{J}/{answer['job_id']}/outputs/out/words.json").json()
    assert [w["text"] for w in words["words"]][:2] == ["A", "native"]
    video = client.get(f"{J}/{answer['job_id']}/outputs/out/scene.mp4")
    assert video.headers["content-type"] == "video/mp4" and len(video.content) > 1000
    assert client.get(f"{J}/{answer['job_id']}/outputs/recipe.yaml").status_code == 404

    repeat = submit(client, "A native job speaks.")
    assert all(p["action"] == "skip" for p in repeat["plan"])
    assert finish(client, repeat["job_id"])["state"] == "ready"


def test_cancel_a_running_job(client: httpx.Client) -> None:
    text = " ".join(f"This is sentence {i}, spoken slowly to keep the job running." for i in range(30))
    job_id = submit(client, text)["job_id"]
    deadline = time.monotonic() + 60
    while client.get(f"{J}/{job_id}").json()["state"] != "processing":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert client.post(f"{J}/{job_id}/cancel").json()["cancelling"] is True
    job = finish(client, job_id)
    assert job["state"] == "cancelled" and "cancel" in job["error"]
    assert client.get(f"{J}/{job_id}/outputs/out/scene.mp4").status_code == 409


def test_bad_recipes_and_assets_are_400(client: httpx.Client) -> None:
    typo = client.post(J, data={"recipe_text": "version: 1\nsteps:\n  a: {type: tts, txet: hi}\n"
                                               "outputs: {out/a.wav: '${a.audio}'}\n"})
    assert typo.status_code == 400 and "recipe.yaml:3" in typo.json()["error"] and "text" in typo.json()["error"]
    outside = client.post(J, data={"recipe_text": "version: 1\nallow_outside_paths: true\nsteps: {}\n"})
    assert outside.status_code == 400 and "allow_outside_paths" in outside.json()["error"]
    sneaky = client.post(J, data={"recipe_text": "version: 1\nvars: {x: true}\nallow_outside_paths: ${x}\n"
                                                 "steps: {a: {type: tts, text: hi}}\noutputs: {a.wav: '${a.audio}'}\n"})
    assert sneaky.status_code == 400 and "allow_outside_paths" in sneaky.json()["error"]
    escape = client.post(J, data={"recipe_text": recipe("hi")}, files=[("assets", ("../x.jpg", b"x"))])
    assert escape.status_code == 400 and "relative" in escape.json()["error"]
    assert client.post(J, data={}).status_code == 400
    assert client.get(f"{J}/job_00000000-0000-4000-8000-000000000000").status_code == 404
    assert client.get(f"{J}/not-a-job").status_code == 404


def test_a_recipe_file_not_utf8_or_sent_twice_is_400(client: httpx.Client) -> None:
    """A bad byte became U+FFFD ('version: Input should be 1 (got '1\ufffd')'); a file and a text together
    silently used the file."""
    latin = client.post(J, files=[("recipe", ("recipe.yaml", b"version: 1\xff\n", "application/x-yaml"))])
    assert latin.status_code == 400
    assert latin.json()["error"].startswith("recipe: the recipe is not UTF-8 text (byte 0xff at offset 10); save")
    both = client.post(J, data={"recipe_text": recipe("hi")},
                       files=[("recipe", ("recipe.yaml", recipe("hi").encode(), "application/x-yaml"))])
    assert both.status_code == 400 and "both a file (`recipe`) and text (`recipe_text`)" in both.json()["error"]


def test_fixes_in_errors_are_ones_the_server_accepts(client: httpx.Client) -> None:
    """The engine's fixes named allow_outside_paths (refused here) and --var (a CLI flag), and the line
    break before 'fix:' was lost with the job folder's name."""
    outside = client.post(J, data={"recipe_text": recipe("hi").replace("assets/pic.jpg", "/etc/passwd")})
    assert outside.status_code == 400
    error = outside.json()["error"]
    assert "/etc/passwd is outside the recipe's folder .\n    fix: send the file with the job as an asset" in error
    assert "allow_outside_paths" not in error, error
    home = client.post(J, data={"recipe_text": recipe("Hello ${HOME}")},
                       files=[("assets", ("assets/pic.jpg", jpeg(), "image/jpeg"))])
    assert home.status_code == 400
    error = home.json()["error"]
    assert "unknown variable 'HOME'" in error and "fix: define it under `vars:` in the recipe" in error
    assert "--var NAME" not in error, error


def test_no_input_makes_a_server_error(served: Served) -> None:
    """Every operation of /openapi.json, a few generated inputs each (bounded): never a server error
    (but the intended 501 of transcribe without a recogniser). (Driven by
    hand rather than by schemathesis' pytest plugin, which does not load under this pytest.)"""
    api = schemathesis.openapi.from_url(served.url + "/openapi.json")
    checked = 0
    for result in api.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=5, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        def no_server_error(case: Any) -> None:
            response = case.call(timeout=30)
            intended = response.status_code == 501 and case.path.endswith("/transcribe")  # no recogniser
            assert response.status_code < 500 or intended, (case.method, case.path, response.status_code,
                                                            response.text[:300])

        no_server_error()
        checked += 1
    assert checked >= 19


def test_openapi_documents_every_original_route(client: httpx.Client, tmp_path: Path) -> None:
    paths = set(client.get("/openapi.json").json()["paths"])
    m = "/api/v1/media"
    expected = {"/", "/health", f"{m}/audio-tools/transcribe", f"{m}/audio-tools/tts/kokoro/voices",
                f"{m}/audio-tools/tts/kokoro", f"{m}/audio-tools/tts/chatterbox", f"{m}/storage",
                f"{m}/storage/{{file_id}}", f"{m}/storage/{{file_id}}/status", f"{m}/video-tools/merge",
                f"{m}/fonts", f"{m}/video-tools/generate/tts-captioned-video",
                f"{m}/video-tools/extract-frame/{{video_id}}", f"{m}/video-tools/info/{{file_id}}",
                f"{m}/audio-tools/info/{{file_id}}", J, f"{J}/{{job_id}}", f"{J}/{{job_id}}/cancel",
                f"{J}/{{job_id}}/outputs/{{name}}"}
    assert expected <= paths, expected - paths


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection made to it (none is expected)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self.received: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.received.append(conn.recv(65536))
                except OSError:
                    self.received.append(b"(connected)")

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


def test_recipes_cannot_make_the_server_reach_out(client: httpx.Client) -> None:
    """A recipe's remote engine (any URL, a token from any environment variable) or weight downloads are
    refused at submit, wherever they are written; the listener the recipe points at hears nothing."""
    listener = Listener()
    url = f"http://127.0.0.1:{listener.port}"
    remote = {"engine": ["remote", "piper"], "remote": {"url": url, "token_env": "AUTH_TOKENS"}}
    steps_recipe = json.dumps({"version": 1, "steps": {"speak": {"type": "tts", "text": "hi", **remote}},
                               "outputs": {"out/a.wav": "${speak.audio}"}})
    in_vars = ("version: 1\nvars: {where: '" + url + "'}\nsteps:\n  speak: {type: tts, text: hi, engine: remote, "
               "remote: {url: '${where}'}}\noutputs: {out/a.wav: '${speak.audio}'}\n")
    scenes = json.dumps({"version": 1, "output": {"size": "160x284", "fps": 15}, "voice": remote,
                         "scenes": [{"text": "hi", "image": "assets/pic.jpg"}]})
    download = json.dumps({"version": 1, "steps": {"speak": {"type": "tts", "text": "hi", "engine": "kokoro",
                                                             "allow_download": True}},
                           "outputs": {"out/a.wav": "${speak.audio}"}})
    try:
        for text, field in ((steps_recipe, "remote"), (in_vars, "remote"), (scenes, "remote"),
                            (download, "allow_download")):
            response = client.post(J, data={"recipe_text": text},
                                   files=[("assets", ("assets/pic.jpg", jpeg(), "image/jpeg"))])
            assert response.status_code == 400, response.text
            error = response.json()["error"]
            assert f"`{field}` is not allowed on this server" in error and "(tts)" in error, error
            assert "recipe.yaml:" in error and "fix:" in error and "/" not in error.split("recipe.yaml")[0]
        time.sleep(0.5)
        assert listener.received == []
    finally:
        listener.close()


def test_a_failing_node_fails_the_job_not_cancels_it(client: httpx.Client) -> None:
    """The engine stops the other nodes when one fails; the job is failed (only its user cancels)."""
    response = client.post(J, data={"recipe_text": recipe("A picture that is not one.")},
                           files=[("assets", ("assets/pic.jpg", b"not a picture", "image/jpeg"))])
    assert response.status_code == 200, response.text
    job = finish(client, response.json()["job_id"])
    assert job["state"] == "failed" and "scene" in job["error"], job


def test_clashing_asset_names_are_400_and_leave_nothing(client: httpx.Client, served: Served) -> None:
    """A file and a folder of one name (either order), the same name twice, or the recipe's own name:
    400 naming the asset (they were 500s from mkdir/open), and no job folder stays behind."""
    jobs = served.storage / "jobs"
    before = sorted(p.name for p in jobs.iterdir()) if jobs.is_dir() else []
    for names, named in ((["a/b", "a"], "'a'"), (["a", "a/b"], "'a/b'"), (["a", "a"], "'a'"),
                         (["recipe.yaml/x"], "'recipe.yaml/x'"), (["assets/pic.jpg", "x/y/z", "x/y"], "'x/y'")):
        files = [("assets", (name, b"data", "application/octet-stream")) for name in names]
        response = client.post(J, data={"recipe_text": recipe("hi")}, files=files)
        assert response.status_code == 400, (names, response.text)
        error = response.json()["error"]
        assert error.startswith(f"assets: {named} clashes with") and "rename" in error, error
    assert (sorted(p.name for p in jobs.iterdir()) if jobs.is_dir() else []) == before


def test_paths_in_errors_are_the_clients_not_the_servers(client: httpx.Client) -> None:
    """An output outside the job folder is named as the recipe wrote it, relative to the job's folder
    (the client's JSON is also checked for every server path by the client's hook, servers.py)."""
    text = recipe("hi").replace("out/words.json", "../../escape.json")
    response = client.post(J, data={"recipe_text": text},
                           files=[("assets", ("assets/pic.jpg", jpeg(), "image/jpeg"))])
    assert response.status_code == 400
    assert "output ../../escape.json is outside the recipe's folder" in response.json()["error"], response.text
