"""The server's paths taken out of messages: job files by their names in the job, other places by a
placeholder (the whole server is checked by the test client's hook in servers.py)."""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline.apps.serve.redact import Redactor
from tests.pipeline.apps.serve.servers import ROOT


def test_messages_lose_every_server_path(tmp_path: Path) -> None:
    storage, cache = tmp_path / "media", tmp_path / "cache"
    job = storage / "jobs" / "job_0f0e5a1c-2b3d-4e5f-8a9b-0c1d2e3f4a5b"
    redact = Redactor(storage, cache)
    assert redact(f"{job}/recipe.yaml:4:3: output {storage}/escape.wav is outside the recipe's folder {job}") \
        == "recipe.yaml:4:3: output ../../escape.wav is outside the recipe's folder ."
    assert redact(f"ffprobe: {storage}/video/0f0e.mp4: Invalid data found") == \
        "ffprobe: <storage>/video/0f0e.mp4: Invalid data found"
    font = ROOT / "nodes/captions/fonts/DejaVuSans.ttf"
    assert redact(f"[Parsed_subtitles_0] Loading font file '{font}'") == \
        "[Parsed_subtitles_0] Loading font file '<install>/nodes/captions/fonts/DejaVuSans.ttf'"
    assert redact(f"blob {cache}/blobs/ab/cd missing; python {sys.prefix}/bin/python") == \
        "blob <cache>/blobs/ab/cd missing; python <python>/bin/python"
    beside = redact(f"{storage}2/x")  # not the storage: only the temporary folder it is in
    assert beside.startswith("<tmp>/") and beside.endswith("/media2/x")
    assert redact(f"https://host{storage}/x") == f"https://host{storage}/x"  # inside a URL: not a path here


def test_files_sent_as_they_are_are_never_rewritten(tmp_path: Path) -> None:
    """A job's JSON output is the client's data: a path in it stays as it is; answers are cleaned."""
    from types import SimpleNamespace

    import httpx
    from fastapi import FastAPI
    from fastapi.responses import FileResponse, JSONResponse

    from pipeline.apps.serve.redact import Redact

    storage = tmp_path / "media"
    output = tmp_path / "words.json"
    output.write_text(f'{{"text": "see {storage}/x"}}', encoding="utf-8")
    app = FastAPI()
    app.state.server = SimpleNamespace(redact=Redactor(storage))
    app.add_middleware(Redact)
    app.get("/file")(lambda: FileResponse(output, media_type="application/json", filename="words.json"))
    app.get("/answer")(lambda: JSONResponse({"error": f"{storage}/x is damaged"}))

    async def fetch() -> tuple[bytes, dict[str, str]]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            return (await client.get("/file")).content, (await client.get("/answer")).json()

    import asyncio

    content, answer = asyncio.run(fetch())
    assert content == output.read_bytes()
    assert answer == {"error": "<storage>/x is damaged"}
