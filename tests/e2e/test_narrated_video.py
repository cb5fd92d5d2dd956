"""End to end: a scene-list recipe becomes a narrated, captioned Ken Burns video with music.

Runs a small twin of recipes/hello.yaml (same shape, smaller frame) through the real nodes: Piper TTS,
captions, render, merge. Then reruns (nothing runs) and edits one scene (only that scene and the merge run).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nodes.media.probe import probe
from pipeline.cache import Cache
from pipeline.plan import plan
from pipeline.recipe.load import load_recipe
from pipeline.run import run_pipeline
from tests.e2e.checks import count_video_frames, decode_audio, rms_dbfs, srt_cues, words_of

ASSETS = Path(__file__).resolve().parents[2] / "recipes" / "assets"
SCENE1 = "Every city has a sound at dawn. The first trams hum."
SCENE2 = "Listen closely, and it tells you where you are."


def twin(scene2: str = SCENE2) -> str:
    return f"""\
version: 1
allow_outside_paths: true
output: {{path: out/twin.mp4, size: 360x640, fps: 15}}
captions: {{max_chars: 24, lines: 2}}
music: {{path: "{ASSETS / 'music.ogg'}", volume_db: -20}}
scenes:
  - text: {SCENE1}
    image: "{ASSETS / 'city.jpg'}"
    motion: {{zoom: in, amount: 0.1}}
  - text: {scene2}
    image: "{ASSETS / 'harbour.jpg'}"
    motion: {{zoom: out, pan: left}}
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> tuple[Path, Path, Cache]:
    root = tmp_path_factory.mktemp("e2e")
    recipe = root / "twin.yaml"
    recipe.write_text(twin(), encoding="utf-8")
    cache = Cache(root / "cache")
    summary = run_pipeline(load_recipe(recipe), cache)
    assert sorted(summary.ran) == sorted(["scene1.tts", "scene1.captions", "scene1.render", "scene2.tts",
                                          "scene2.captions", "scene2.render", "merge"])
    return recipe, root / "out" / "twin.mp4", cache


def test_streams_size_fps_and_codecs(rendered):
    _, video, _ = rendered
    info = probe(video)
    assert info.video is not None and info.audio is not None
    assert info.video.codec == "h264" and info.audio.codec == "aac"
    assert (info.video.width, info.video.height) == (360, 640)
    assert info.video.fps == 15
    assert info.video.pix_fmt == "yuv420p"


def test_video_and_audio_durations_agree_within_one_frame(rendered):
    _, video, _ = rendered
    frames = count_video_frames(video)
    samples, rate = decode_audio(video)
    video_seconds = frames / 15
    audio_seconds = len(samples) / rate
    assert abs(video_seconds - audio_seconds) <= 1 / 15 + 1e-6, (video_seconds, audio_seconds)
    assert video_seconds > 3.0


def test_audio_is_not_silent(rendered):
    _, video, _ = rendered
    samples, _ = decode_audio(video)
    assert rms_dbfs(samples) > -35.0


def test_captions_cover_the_script_in_order(rendered):
    _, video, _ = rendered
    cues = srt_cues(video.with_suffix(".srt"))
    assert cues, "no captions written"
    shown = [w for _, _, text in cues for w in words_of(text)]
    assert shown == words_of(SCENE1) + words_of(SCENE2)
    for (s1, e1, _), (s2, _, _) in zip(cues, cues[1:]):
        assert s1 < e1 <= s2 + 1e-3
    samples, rate = decode_audio(video)
    assert cues[-1][1] <= len(samples) / rate + 0.05


def test_rerun_runs_nothing(rendered):
    recipe, video, cache = rendered
    before = video.stat().st_mtime_ns
    assert all(p.action == "skip" for p in plan(load_recipe(recipe), cache))
    summary = run_pipeline(load_recipe(recipe), cache)
    assert summary.ran == []
    assert len(summary.cached) == 7
    assert video.is_file() and video.stat().st_mtime_ns >= before


def test_editing_one_scene_reruns_that_scene_and_the_merge(rendered):
    recipe, video, cache = rendered
    recipe.write_text(twin(SCENE2.replace("closely", "carefully")), encoding="utf-8")
    plans = {p.node: p for p in plan(load_recipe(recipe), cache)}
    assert plans["scene2.tts"].reasons[0].startswith("param 'text' changed")
    summary = run_pipeline(load_recipe(recipe), cache)
    assert sorted(summary.ran) == ["merge", "scene2.captions", "scene2.render", "scene2.tts"]
    shown = [w for _, _, text in srt_cues(video.with_suffix(".srt")) for w in words_of(text)]
    assert "carefully" in shown and "closely" not in shown


def test_recordings_nobody_transcribed_write_no_caption_files(tmp_path: Path) -> None:
    """Recordings without text and no recogniser (switched off for these tests): the video plays without
    captions and no caption file is written (players reject an empty one); the captions of an earlier run
    whose scene had text are removed, not left beside the new video."""
    with_text = f"""\
version: 1
allow_outside_paths: true
output: {{path: out/own.mp4, size: 160x284, fps: 15}}
scenes:
  - audio: "{ASSETS / 'narration.ogg'}"
    text: These words are mine.
    image: "{ASSETS / 'hills.jpg'}"
"""
    recipe = tmp_path / "own.yaml"
    recipe.write_text(with_text, encoding="utf-8")
    cache = Cache(tmp_path / "cache")
    run_pipeline(load_recipe(recipe), cache)
    captions = [tmp_path / "out" / f"own.{ext}" for ext in ("srt", "vtt", "ass")]
    assert all(path.stat().st_size > 0 for path in captions)
    recipe.write_text(with_text.replace("    text: These words are mine.\n", ""), encoding="utf-8")
    summary = run_pipeline(load_recipe(recipe), cache)
    assert "scene1.transcribe" in summary.ran
    assert not any(path.exists() for path in captions)
    assert sorted(summary.empty) == sorted(str(path) for path in captions)
    assert summary.outputs == [str(tmp_path / "out" / "own.mp4")] and probe(tmp_path / "out" / "own.mp4").audio
    cache.close()
