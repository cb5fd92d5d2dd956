"""The server's overhead: a captioned-video request through ``pipeline serve`` against the same work through
the CLI, and the latency of a repeated request (a cache hit), side by side in one run.

The CLI side runs ``pipeline run`` on the recipe the server compiles the request into (the same steps,
the same picture), from a fresh cache; the server side times a request from the upload of the picture to
the downloaded video, on a server already started, with a fresh cache. Each repetition speaks a different
line so that both sides do all the work. Then the identical request is repeated: its median time from POST
to ``ready`` (and to the downloaded file) is the cache-hit latency.

    python bench/serve.py [--repeat 3] [--hits 20] [--size 540x960]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PIPELINE = Path(sys.executable).with_name("pipeline")
PICTURE = ROOT / "recipes" / "assets" / "city.jpg"
M = "/api/v1/media"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def line(i: int) -> str:
    return f"Take number {i}: every city has a sound at dawn, and it tells you where you are."


def form(text: str, width: int, height: int) -> dict[str, str]:
    return {"text": text, "width": str(width), "height": str(height), "caption_config_line_max_length": "24",
            "caption_config_font_size": str(height // 24), "caption_config_subtitle_position": "bottom"}


def compiled_recipe(text: str, width: int, height: int) -> dict[str, object]:
    """The recipe the server makes of the request (pipeline/apps/serve/compile.py), for the CLI side."""
    from pipeline.apps.serve.compile import CaptionForm, captioned_video_recipe

    captions = CaptionForm(line_max_length=24, font_size=height // 24, subtitle_position="bottom")
    compiled = captioned_video_recipe(background="image_x", text=text, audio=None, width=width, height=height,
                                      chain=["kokoro", "piper"], voice="af_heart", speed=1.0, effect="ken_burns",
                                      captions=captions, installed_fonts=["DejaVu Sans"], background_ext=".jpg",
                                      audio_ext="")
    return compiled.recipe


def cli_seconds(work: Path, text: str, width: int, height: int) -> float:
    folder = work / f"cli-{time.monotonic_ns()}"
    folder.mkdir()
    shutil.copyfile(PICTURE, folder / "background.jpg")
    (folder / "recipe.yaml").write_text(json.dumps(compiled_recipe(text, width, height)), encoding="utf-8")
    started = time.perf_counter()
    subprocess.run([str(PIPELINE), "--cache-dir", str(folder / "cache"), "run", "-q", str(folder / "recipe.yaml")],
                   check=True)
    return time.perf_counter() - started


def in_process_seconds(work: Path, text: str, width: int, height: int) -> float:
    """The same recipe through the engine's API in this (warm) process: the work without HTTP or queue."""
    from pipeline import load, open_cache, run

    folder = work / f"api-{time.monotonic_ns()}"
    folder.mkdir()
    shutil.copyfile(PICTURE, folder / "background.jpg")
    (folder / "recipe.yaml").write_text(json.dumps(compiled_recipe(text, width, height)), encoding="utf-8")
    cache = open_cache(folder / "cache")
    started = time.perf_counter()
    run(load(folder / "recipe.yaml"), cache)
    seconds = time.perf_counter() - started
    cache.close()
    return seconds


def request_seconds(client: httpx.Client, text: str, width: int, height: int, dest: Path) -> tuple[float, float]:
    """(the captioned-video request: POST to ``ready``; the whole: upload of the picture to the downloaded
    video)."""
    started = time.perf_counter()
    with open(PICTURE, "rb") as file:
        image = client.post(f"{M}/storage", data={"media_type": "image"}, files={"file": ("city.jpg", file)})
    posted = time.perf_counter()
    fields = {"background_id": image.json()["file_id"], **form(text, width, height)}
    file_id = client.post(f"{M}/video-tools/generate/tts-captioned-video", data=fields).json()["file_id"]
    while (status := client.get(f"{M}/storage/{file_id}/status").json())["status"] == "processing":
        time.sleep(0.002)
    ready = time.perf_counter() - posted
    if status["status"] != "ready":
        raise SystemExit(f"the request failed: {status}")
    dest.write_bytes(client.get(f"{M}/storage/{file_id}").content)
    return ready, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--hits", type=int, default=20)
    parser.add_argument("--size", default="540x960")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        work = Path(tmp)
        port = free_port()
        server = subprocess.Popen([str(PIPELINE), "--cache-dir", str(work / "server-cache"), "serve", "--port",
                                   str(port), "--storage", str(work / "media")],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy())
        try:
            client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600)
            for _ in range(300):
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            request_seconds(client, line(-1), width, height, work / "warm.mp4")  # loads the voice, kernels
            cli_seconds(work, line(-1), width, height)
            in_process_seconds(work, line(-2), width, height)
            cli, api, served = [], [], []
            for i in range(args.repeat):  # interleaved, so load on the machine hits all alike
                cli.append(cli_seconds(work, line(i), width, height))
                api.append(in_process_seconds(work, line(i), width, height))
                served.append(request_seconds(client, line(i), width, height, work / f"{i}.mp4")[1])
            hits_ready, hits_file = [], []
            for _ in range(args.hits):
                ready, whole = request_seconds(client, line(0), width, height, work / "hit.mp4")
                hits_ready.append(ready)
                hits_file.append(whole)
        finally:
            server.terminate()
            server.wait(timeout=30)
    cli_median, api_median = statistics.median(cli), statistics.median(api)
    served_median = statistics.median(served)
    print(f"captioned video {width}x{height}, {args.repeat} runs each (medians, fresh caches)")
    print(f"  CLI (pipeline run: process, imports, voice load, work): {cli_median:6.2f} s")
    print(f"  engine API in a warm process (the work alone):          {api_median:6.2f} s")
    print(f"  server (upload -> ready -> download):                   {served_median:6.2f} s")
    ratio = served_median / cli_median
    print(f"  ratio server / CLI:                                     {ratio:6.3f}  (goal <= 1.05)")
    print(f"  ratio server / engine API (HTTP, queue, storage cost):  {served_median / api_median:6.3f}")
    print(f"repeated request (cache hit), {args.hits} times (medians)")
    ready_ms = statistics.median(hits_ready) * 1000
    print(f"  request POST -> ready:                                  {ready_ms:6.1f} ms  (goal <= 50)")
    print(f"  upload of the picture -> downloaded video:              {statistics.median(hits_file) * 1000:6.1f} ms")


if __name__ == "__main__":
    main()
