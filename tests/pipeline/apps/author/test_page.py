"""The watch page: served on 127.0.0.1 only, files by range; in headless Chromium it shows the latest
video with its captions, swaps in the new one when a render finishes, and shows an error at its line."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from pipeline.apps.author.page import PreviewPage
from tests.pipeline.apps.author.chromium import Chromium, find_chromium
from tests.pipeline.apps.author.watching import WatchProcess, is_message, tiny_recipe

CHROMIUM = find_chromium()
STATE = """(() => {
  const video = document.getElementById("video");
  return JSON.stringify({version: document.body.dataset.version || "", src: video.currentSrc,
    duration: video.duration || 0, ready: video.readyState, error: video.error && video.error.code,
    status: document.getElementById("status").textContent,
    problem: document.getElementById("error").textContent,
    cues: Array.from(document.querySelectorAll("#cues li")).map(li => li.textContent),
    marker: window.stillTheSamePage || null});
})()"""


def page_state(browser: Chromium, condition: str, timeout: float = 90) -> dict:
    found = browser.wait_until(f"(() => {{ const s = JSON.parse({STATE}); return ({condition}) ? "
                               f"JSON.stringify(s) : null; }})()", timeout)
    return json.loads(found)


def test_page_listens_on_loopback_only_and_serves_byte_ranges(tmp_path: Path):
    video = tmp_path / "v.mp4"
    video.write_bytes(bytes(range(256)) * 4)
    page = PreviewPage(tmp_path / "r.yaml", 0)
    page.start()
    try:
        assert page.url.startswith("http://127.0.0.1:")
        assert page._server.server_address[0] == "127.0.0.1"
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(page.url + "video", timeout=10)
        assert missing.value.code == 404
        page.rendered(video, None, ["merge"])
        state = json.loads(urllib.request.urlopen(page.url + "state", timeout=10).read())
        assert state["version"] == 1 and state["video"] == "/video?v=1" and state["captions"] is None
        request = urllib.request.Request(page.url + "video?v=1", headers={"Range": "bytes=10-19"})
        with urllib.request.urlopen(request, timeout=10) as reply:
            assert reply.status == 206 and reply.headers["Content-Range"] == "bytes 10-19/1024"
            assert reply.read() == bytes(range(10, 20))
        assert urllib.request.urlopen(page.url + "video", timeout=10).read() == video.read_bytes()
    finally:
        page.close()


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium); "
                                             "the watch page is checked in it")
def test_page_in_chromium_shows_the_latest_video_and_reloads_it_after_a_render(tmp_path: Path):
    recipe = tiny_recipe(tmp_path / "video")
    watcher = WatchProcess(recipe, tmp_path / "cache", "--port", "0")
    browser = None
    try:
        url = watcher.wait_for(is_message("page: "))["message"].removeprefix("page: ")
        assert url.startswith("http://127.0.0.1:")
        watcher.wait_rendered()
        browser = Chromium(CHROMIUM, tmp_path / "profile")  # type: ignore[arg-type]
        browser.open(url)
        first = page_state(browser, "s.version === '1' && s.ready >= 1 && s.cues.length > 0")
        assert first["src"].endswith("/video?v=1") and first["error"] is None and first["status"] == "ready"
        assert first["duration"] > 1 and any("Second scene." in cue for cue in first["cues"])
        browser.evaluate("window.stillTheSamePage = 'yes'")

        recipe.write_text(recipe.read_text().replace("Second scene.", "The second scene is longer now, "
                                                     "with many more words to say."), encoding="utf-8")
        watcher.wait_rendered()
        second = page_state(browser, "s.version === '2' && s.ready >= 1 && s.cues.length > 0")
        assert second["src"].endswith("/video?v=2") and second["marker"] == "yes"  # the video, not the page
        assert second["duration"] > first["duration"] + 1
        assert any("many more words" in cue for cue in second["cues"])

        recipe.write_text(recipe.read_text().replace("    image: b.png", "    imagee: b.png"), encoding="utf-8")
        broken = page_state(browser, "s.status === 'error'")
        assert f"{recipe}:7:5" in broken["problem"] and broken["src"].endswith("/video?v=2")
        shot = browser.screenshot(tmp_path / "page.png")
        assert shot.startswith(b"\x89PNG") and len(shot) > 5000
    finally:
        if browser is not None:
            browser.close()
        watcher.stop()
