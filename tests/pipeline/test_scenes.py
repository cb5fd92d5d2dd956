"""The scene list expands into tts -> captions -> render per scene and one merge, with cascading settings."""

from __future__ import annotations

from pathlib import Path

from pipeline.recipe.model import Recipe
from pipeline.recipe.scenes import expand_scenes
from pipeline.recipe.source import parse_yaml

TEXT = """\
version: 1
output: {size: 720x1280, fps: 24}
voice: {speed: 1.1}
captions: {max_chars: 20, style: {position: top}}
motion: {zoom: in, amount: 0.1}
music: {path: assets/music.ogg, volume_db: -20}
scenes:
  - text: First scene.
    image: a.jpg
  - name: outro
    text: Second scene.
    image: b.jpg
    voice: {speed: 0.9}
    motion: {pan: left}
    captions: false
"""


def expand(text: str = TEXT):
    source = parse_yaml(text, Path("/r/hello.yaml"))
    recipe = Recipe.model_validate(source.data)
    return expand_scenes(recipe, source), source


def test_steps_and_wiring():
    (specs, outputs, problems), _ = expand()
    assert problems == []
    by_name = {s.name: s for s in specs}
    assert list(by_name) == ["scene1.tts", "scene1.captions", "scene1.render", "outro.tts", "outro.render",
                             "merge"]
    assert by_name["scene1.render"].fields["captions"] == "${scene1.captions.captions}"
    assert "captions" not in by_name["outro.render"].fields
    assert by_name["merge"].fields["scenes"] == ["${scene1.render.video}", "${outro.render.video}"]
    assert "captions" not in by_name["merge"].fields  # not every scene has captions
    assert by_name["merge"].fields["music"] == "assets/music.ogg"
    assert by_name["merge"].fields["music_volume_db"] == -20
    assert outputs == {"out/hello.mp4": "${merge.video}", "out/hello.srt": "${merge.srt}"}


def test_settings_cascade_recipe_then_scene():
    (specs, _, _), _ = expand()
    by_name = {s.name: s for s in specs}
    assert by_name["scene1.tts"].fields == {"speed": 1.1, "text": "First scene."}
    assert by_name["outro.tts"].fields["speed"] == 0.9
    assert by_name["scene1.render"].fields["motion"] == {"zoom": "in", "amount": 0.1}
    assert by_name["outro.render"].fields["motion"] == {"zoom": "in", "amount": 0.1, "pan": "left"}
    assert by_name["scene1.render"].fields["caption_style"] == {"position": "top"}
    assert (by_name["scene1.render"].fields["width"], by_name["scene1.render"].fields["height"]) == (720, 1280)
    assert by_name["scene1.captions"].fields == {"words": "${scene1.tts.words}", "max_chars": 20}


def test_generated_fields_point_at_what_the_user_wrote():
    (specs, _, _), source = expand()
    by_name = {s.name: s for s in specs}
    assert source.locate(by_name["outro.tts"].source_path(("speed",))).line == 13
    assert source.locate(by_name["scene1.tts"].source_path(("speed",))).line == 3
    assert source.locate(by_name["outro.render"].source_path(("motion", "pan"))).line == 14
    assert source.locate(by_name["scene1.tts"].source_path(("text",))).line == 8


def test_duplicate_scene_names_are_problems():
    text = "version: 1\nscenes:\n  - {name: a, text: x, image: i.jpg}\n  - {name: a, text: y, image: i.jpg}\n"
    (_, _, problems), _ = expand(text)
    assert len(problems) == 1 and "two scenes are named 'a'" in str(problems[0])
