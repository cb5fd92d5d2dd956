"""``pipeline watch`` on a tiny real recipe: an edit reruns exactly what ``pipeline plan --json`` says, for
the same reasons; a broken edit is reported at its line and the last video stays; Ctrl-C during a render
keeps nothing partial."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from tests.pipeline.apps.author.watching import (
    PIPELINE,
    ROOT,
    WatchProcess,
    is_message,
    tiny_recipe,
)


def plan_json(recipe: Path, cache: Path) -> list[dict]:
    proc = subprocess.run([*PIPELINE, "--cache-dir", str(cache), "plan", "--json", str(recipe)], check=False,
                          cwd=recipe.parent, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def partial_files(folder: Path, cache: Path) -> list[Path]:
    left = [p for p in folder.rglob("*") if p.name.endswith(".tmp")]
    tmp = cache / "tmp"
    return left + (list(tmp.iterdir()) if tmp.is_dir() else [])


def test_an_edit_runs_exactly_the_planned_nodes_and_a_broken_edit_keeps_the_last_video(tmp_path: Path):
    recipe = tiny_recipe(tmp_path / "video")
    cache = tmp_path / "cache"
    video = tmp_path / "video" / "out" / "tiny.mp4"
    watcher = WatchProcess(recipe, cache, "--no-page")
    try:
        watcher.wait_rendered()
        first = video.read_bytes()

        # The watcher is paused while the file changes and `plan --json` looks, so the plan is taken
        # against the same cache the watcher will run on; the change reaches it when it resumes.
        os.kill(watcher.proc.pid, signal.SIGSTOP)
        recipe.write_text(recipe.read_text().replace("Second scene.", "The second scene."), encoding="utf-8")
        expected = {row["node"]: row["reasons"] for row in plan_json(recipe, cache) if row["action"] == "run"}
        mark = len(watcher.events)
        os.kill(watcher.proc.pid, signal.SIGCONT)
        watcher.wait_rendered()
        events = watcher.since(mark)
        started = {e["node"]: e["reasons"] for e in events if e["event"] == "started"}
        assert set(expected) == {"scene2.tts", "scene2.captions", "scene2.render", "merge"}
        assert started == expected
        ran = {e["node"] for e in events if e["event"] == "finished" and e["status"] == "ran"}
        assert ran == set(expected)
        assert any(e["event"] == "message" and e["message"].startswith("plan  scene2.tts") and
                   "param 'text' changed" in e["message"] for e in events)
        second = video.read_bytes()
        assert second != first

        # A broken edit: reported with file:line, the watch goes on, the last video stays.
        good = recipe.read_text()
        mark = len(watcher.events)
        recipe.write_text(good.replace("    image: b.png", "    imagee: b.png"), encoding="utf-8")
        error = watcher.wait_for(is_message("error: "))
        assert f"{recipe}:7:5:" in error["message"] and "did you mean 'image'" in error["message"], error
        watcher.wait_for(is_message("the last good output is kept"))
        assert video.read_bytes() == second and watcher.proc.poll() is None
        assert not any(e["event"] == "started" for e in watcher.since(mark))

        # A broken picture: the node's error at the scene's line, and still the last video.
        (recipe.parent / "b.png").write_bytes(b"not a picture")
        recipe.write_text(good, encoding="utf-8")
        error = watcher.wait_for(is_message("error: "))
        assert "b.png" in error["message"] and f"{recipe.name}:" in error["message"]
        assert video.read_bytes() == second and watcher.proc.poll() is None
    finally:
        watcher.stop()


def test_ctrl_c_during_a_render_keeps_nothing_partial(tmp_path: Path):
    recipe = tiny_recipe(tmp_path / "video")
    cache = tmp_path / "cache"
    video = tmp_path / "video" / "out" / "tiny.mp4"
    watcher = WatchProcess(recipe, cache, "--no-page")
    try:
        watcher.wait_rendered()
        before = video.read_bytes()
        mark = len(watcher.events)
        recipe.write_text(recipe.read_text().replace("Hello there.", "Hello there, and welcome back to the "
                                                                     "harbour at dawn."), encoding="utf-8")
        watcher.wait_for(lambda e: e["event"] == "started" and e["node"] == "scene1.tts")
        time.sleep(0.3)
        watcher.proc.send_signal(signal.SIGINT)
        assert watcher.proc.wait(60) == 130
        time.sleep(0.2)
        assert "interrupted" in "".join(watcher.text) + json.dumps(watcher.events[-3:])
        assert partial_files(tmp_path / "video", cache) == []
        assert video.read_bytes() == before
        assert not any(e["event"] == "finished" and e["node"] == "merge" for e in watcher.since(mark))
    finally:
        watcher.stop()


def test_bad_arguments_are_reported_without_a_traceback(tmp_path: Path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    missing = subprocess.run([*PIPELINE, "watch", str(tmp_path / "nope.yaml"), "--port", "0"], check=False,
                             env=env, capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "recipe" in missing.stderr and "not found" in missing.stderr
    assert "Traceback" not in missing.stderr
    recipe = tiny_recipe(tmp_path / "video")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = subprocess.run([*PIPELINE, "watch", str(recipe), "--port", str(port)], check=False, env=env,
                              capture_output=True, text=True, timeout=60)
    assert busy.returncode == 2 and f"cannot serve the page on 127.0.0.1:{port}" in busy.stderr
    assert "fix: give another --port" in busy.stderr and "Traceback" not in busy.stderr
