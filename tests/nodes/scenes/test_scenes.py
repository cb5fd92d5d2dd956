"""The scene list expands into tts -> captions -> render per scene and one merge, with cascading settings."""

from __future__ import annotations

from pathlib import Path

from nodes.scenes.expand import expand_scenes
from nodes.scenes.model import SceneRecipe
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
    recipe = SceneRecipe.model_validate(source.data)
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
    assert by_name["merge"].fields["captions"] == ["${scene1.captions.captions}"]
    assert by_name["merge"].fields["caption_scenes"] == [0]  # the outro has no captions
    assert by_name["merge"].fields["caption_style"] == {"position": "top"}
    assert by_name["merge"].fields["music"] == "assets/music.ogg"
    assert by_name["merge"].fields["music_volume_db"] == -20
    assert outputs["out/hello.mp4"] == "${merge.video}" and outputs["out/hello.srt"] == "${merge.srt}"


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


SHAPES = """\
version: 1
output: {size: 16:9}
render: {fit: blur}
transition: {type: crossfade, duration: 0.5}
loudness: {target_lufs: -16}
music: {path: m.ogg, duck: true, duck_depth_db: 14}
scenes:
  - {text: Spoken by TTS., image: a.jpg}
  - {text: Words of my recording., audio: me.wav, video: clip.mp4, render: {video_audio: mix}}
  - {audio: me.wav, image: b.jpg, transition: {type: fade}}
  - {duration: 3, image: c.jpg, captions: true, render: {segment_seconds: 2}}
"""


def test_scene_shapes_narration_sources_and_merge_settings():
    (specs, _, problems), _ = expand(SHAPES)
    assert problems == []
    by_name = {s.name: s for s in specs}
    assert list(by_name) == ["scene1.tts", "scene1.captions", "scene1.render", "scene2.align",
                             "scene2.captions", "scene2.render", "scene3.transcribe", "scene3.captions",
                             "scene3.render", "scene4.render", "merge"]
    assert by_name["scene2.align"].fields == {"audio": "me.wav", "text": "Words of my recording."}
    assert by_name["scene2.render"].fields["video"] == "clip.mp4"
    assert by_name["scene2.render"].fields["video_audio"] == "mix"
    assert by_name["scene2.render"].fields["fit"] == "blur"
    # a recording without text: captioned from what a recogniser hears in it
    assert by_name["scene3.transcribe"].fields == {"audio": "me.wav"}
    assert by_name["scene3.captions"].fields["words"] == "${scene3.transcribe.words}"
    assert by_name["scene3.render"].fields["audio"] == "me.wav"
    # a 3 s still that asks for 2 s segments: its render step splits into them when it runs
    assert by_name["scene4.render"].fields["segment_seconds"] == 2
    assert by_name["scene4.render"].fields["duration"] == 3
    assert (by_name["scene1.render"].fields["width"], by_name["scene1.render"].fields["height"]) == (1920, 1080)
    merge = by_name["merge"].fields
    assert merge["caption_scenes"] == [0, 1, 2]
    assert merge["transition"] == {"type": "crossfade", "duration": 0.5}
    assert merge["transitions"] == [None, {"type": "fade"}, None]
    assert merge["loudness_lufs"] == -16
    assert merge["music"] == "m.ogg" and merge["music_duck"] is True and merge["music_duck_depth_db"] == 14


def test_a_recording_without_text_and_without_captions_is_not_transcribed():
    text = "version: 1\nscenes:\n  - {audio: me.wav, image: b.jpg, captions: false}\n"
    (specs, _, problems), _ = expand(text)
    assert problems == []
    assert [s.name for s in specs] == ["scene1.render", "merge"]


def test_preview_renders_small_and_elsewhere():
    source = parse_yaml(TEXT, Path("/r/hello.yaml"))
    (specs, outputs, _) = expand_scenes(SceneRecipe.model_validate(source.data), source, preview=True)
    render = next(s for s in specs if s.name == "scene1.render").fields
    assert (render["width"], render["height"], render["fps"], render["preview"]) == (360, 640, 15, True)
    assert next(s for s in specs if s.name == "merge").fields["preview"] is True
    assert "out/hello.preview.mp4" in outputs


def test_scene_needs_one_background_and_some_length():
    import pytest
    from pydantic import ValidationError

    for bad in ("{text: x}", "{text: x, image: a.jpg, video: b.mp4}", "{image: a.jpg}",
                "{text: x, image: a.jpg, duration: 3}"):
        with pytest.raises(ValidationError):
            SceneRecipe.model_validate(parse_yaml(f"version: 1\nscenes:\n  - {bad}\n", Path("r.yaml")).data)


def test_limits_reach_the_node_types():
    text = ("version: 1\noutput: {size: 1920x1080}\nlimits: {max_text_chars: 50, max_image_megapixels: 2.5,"
            " max_scene_seconds: 30, max_video_seconds: 120, max_output_side: 1080}\n"
            "scenes:\n  - {text: Hi, image: a.jpg}\n")
    (specs, _, problems), _ = expand(text)
    by_name = {s.name: s for s in specs}
    assert by_name["scene1.tts"].fields["max_chars"] == 50
    assert by_name["scene1.render"].fields["max_image_pixels"] == 2_500_000
    assert by_name["scene1.render"].fields["max_seconds"] == 30
    assert by_name["merge"].fields["max_seconds"] == 120
    assert len(problems) == 1 and "larger than the limit of 1080" in str(problems[0])


def test_a_scene_overrides_nested_settings_key_by_key():
    text = """\
version: 1
voice: {engine: kokoro, kokoro: {voice: bf_emma, lang: b}}
motion: {zoom: in, focus: [0.5, 0.5]}
captions: {style: {position: top, highlight: "#FFD400"}}
scenes:
  - text: One.
    image: a.jpg
    voice: {kokoro: {voice: bf_alice}}
    captions: {style: {position: bottom}}
"""
    source = parse_yaml(text, Path("/r/nested.yaml"))
    specs, _, problems = expand_scenes(SceneRecipe.model_validate(source.data), source)
    assert problems == []
    by_name = {s.name: s for s in specs}
    tts, render = by_name["scene1.tts"], by_name["scene1.render"]
    assert tts.fields["kokoro"] == {"voice": "bf_alice", "lang": "b"}  # the recipe's lang is kept
    assert tts.fields["engine"] == "kokoro"
    assert render.fields["caption_style"] == {"position": "bottom", "highlight": "#FFD400"}
    # errors in a nested setting point at the level that set it
    assert source.locate(tts.source_path(("kokoro", "voice"))).line == 8
    assert source.locate(tts.source_path(("kokoro", "lang"))).line == 2
    assert source.locate(render.source_path(("caption_style", "highlight"))).line == 4


def test_recording_settings_reach_align_and_transcribe_key_by_key():
    """`recording:` (how recorded narration is timed) cascades like `voice:`; a transcribe step, which only
    listens, takes its language and model but not the aligner."""
    text = """\
version: 1
recording: {aligner: whisper, language: fr, whisper_model: models/base}
scenes:
  - {text: Bonjour., audio: a.wav, image: a.jpg, recording: {language: de}}
  - {audio: b.wav, image: b.jpg, recording: {whisper_model: models/small}}
"""
    source = parse_yaml(text, Path("/r/recorded.yaml"))
    specs, _, problems = expand_scenes(SceneRecipe.model_validate(source.data), source)
    assert problems == []
    by_name = {s.name: s for s in specs}
    align, transcribe = by_name["scene1.align"], by_name["scene2.transcribe"]
    assert {k: align.fields[k] for k in ("aligner", "language", "whisper_model")} == \
        {"aligner": "whisper", "language": "de", "whisper_model": "models/base"}
    assert transcribe.fields == {"language": "fr", "whisper_model": "models/small", "audio": "b.wav"}
    assert source.locate(align.source_path(("language",))).line == 4
    assert source.locate(align.source_path(("aligner",))).line == 2
    assert source.locate(transcribe.source_path(("whisper_model",))).line == 5


def test_no_caption_files_without_captions():
    """`captions: false` (for the recipe, or for every scene) publishes no .srt/.vtt/.ass: players reject an
    empty subtitle file."""
    for text in (TEXT.replace("captions: {max_chars: 20, style: {position: top}}", "captions: false"),
                 TEXT.replace("  - text: First scene.\n", "  - text: First scene.\n    captions: false\n")):
        (specs, outputs, problems), _ = expand(text)
        assert problems == []
        assert "captions" not in {s.name: s for s in specs}["merge"].fields
        assert list(outputs) == ["out/hello.mp4"]
    (_, outputs, _), _ = expand()
    assert sorted(outputs) == ["out/hello.ass", "out/hello.mp4", "out/hello.srt", "out/hello.vtt"]


def test_with_transitions_the_merge_burns_the_captions():
    """Captions burned into each scene would cross-fade over each other and slide off with the picture: with
    a transition anywhere, the renders burn none and the merge burns them after the join."""
    for text in (TEXT.replace("scenes:\n", "transition: {type: crossfade, duration: 0.5}\nscenes:\n"),
                 TEXT.replace("    captions: false\n", "    captions: false\n    transition: {type: slide}\n")):
        (specs, _, problems), _ = expand(text)
        assert problems == []
        by_name = {s.name: s for s in specs}
        assert "captions" not in by_name["scene1.render"].fields
        assert by_name["merge"].fields["burn_captions"] is True
        assert by_name["merge"].fields["captions"] == ["${scene1.captions.captions}"]
    (specs, _, _), _ = expand(TEXT.replace("scenes:\n", "transition: {type: cut}\nscenes:\n"))
    by_name = {s.name: s for s in specs}
    assert by_name["scene1.render"].fields["captions"] == "${scene1.captions.captions}"
    assert "burn_captions" not in by_name["merge"].fields


def test_a_recipe_level_mistake_is_reported_once_for_all_scenes(tmp_path):
    import pytest

    from pipeline.errors import RecipeError
    from pipeline.recipe.load import load_recipe

    recipe = tmp_path / "r.yaml"
    recipe.write_text("version: 1\nmotion: {zoom: sideways}\ncaptions: {style: {font_size: 1}}\nscenes:\n"
                      + "".join(f"  - {{text: Scene {k}., image: a.jpg}}\n" for k in range(1, 6)))
    (tmp_path / "a.jpg").write_bytes(b"")
    with pytest.raises(RecipeError) as info:
        load_recipe(recipe)
    found = [str(p) for p in info.value.problems]
    assert len(found) == 2, found
    assert found[0].startswith(f"{recipe}:2:10: scene1.render, scene2.render … scene5.render (5 steps): "
                               "motion.zoom: Input should be"), found[0]
    assert "scene1.render, scene2.render … merge (6 steps): caption_style.font_size" in found[1], found[1]


def test_a_caption_font_that_cannot_be_used_is_refused_before_any_work(tmp_path):
    """Found by the steps' checks (validate and the start of run), not by the render after the speech was
    made; and said once for the renders and the merge it reaches."""
    import pytest
    from PIL import Image

    from pipeline.errors import RecipeError
    from pipeline.graph import check_inputs
    from pipeline.recipe.load import load_recipe

    Image.new("RGB", (64, 64), (90, 120, 150)).save(tmp_path / "a.jpg")
    (tmp_path / "notafont.ttf").write_text("hello")
    for font, said in (("gone.ttf", "font file not found"), ("notafont.ttf", "notafont.ttf")):
        recipe = tmp_path / "r.yaml"
        recipe.write_text(f"version: 1\ncaptions: {{style: {{font: {font}}}}}\nscenes:\n"
                          "  - {text: One., image: a.jpg}\n  - {text: Two., image: a.jpg}\n")
        with pytest.raises(RecipeError) as info:
            check_inputs(load_recipe(recipe))
        [problem] = [str(p) for p in info.value.problems]
        assert problem.startswith(f"{recipe}:2:"), problem
        assert "scene1.render, scene2.render, merge: caption_style: " in problem, problem
        assert said in problem and "fix: use the default font or a readable .ttf/.otf file" in problem
