"""Robustness, validation: whatever ``run`` refuses before work starts, ``validate`` refuses too, and no
output may overwrite what the recipe reads.

Each case goes through ``Guard.refused``, which runs ``validate`` and then the command (``run``, or
``plan``/``why``/``graph`` where named) and asserts both refuse at the same ``file:line`` with a fix and
exit code 2, with no traceback, and that a recipe rendered before is untouched. The outputs that would
overwrite an input (the picture, the music, the recipe itself, also through a symlink) leave that input
byte-identical.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import soundfile as sf

from tests.robustness.helpers import Guard, Project, digest, dump, scene_recipe

HEAD = "version: 1\noutput: {size: 160x288, fps: 10}\n"
STEPS = "version: 1\nsteps:\n"
TWO_STILLS = ("  a: {type: render, width: 160, height: 288, fps: 10, image: assets/city.jpg, duration: 1}\n"
              "  b: {type: render, width: 160, height: 288, fps: 10, image: assets/city.jpg, duration: 1}\n")
TWO_CLIPS = ("  a: {type: render, width: 160, height: 288, fps: 10, video: assets/waves.mp4}\n"
             "  b: {type: render, width: 160, height: 288, fps: 10, video: assets/waves.mp4}\n")
MERGED = "outputs: {out/m.mp4: '${merge.video}'}\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Project:
    project = Project(tmp_path_factory.mktemp("validation"))
    assets = project.root / "assets"
    (assets / "cut.ogg").write_bytes((assets / "narration.ogg").read_bytes()[:3000])
    sf.write(assets / "silence.wav", np.zeros(48000, dtype=np.float32), 48000)
    (assets / "broken.onnx").write_bytes(b"not a model")
    (assets / "broken.onnx.json").write_text("{}", encoding="utf-8")
    (project.root / "out" / "taken.mp4").mkdir(parents=True)
    return project


@pytest.fixture(scope="module")
def guard(project: Project) -> Guard:
    return Guard(project)


def scene(**fields: object) -> dict:
    return {"text": "Hello there.", "image": "assets/city.jpg", **fields}


# (id, recipe, marker of the line at fault, (step, field), phrases)
CHECKED = [
    ("tts-step-empty-text", ("version: 1\nsteps:\n  narrate: {type: tts, text: '  '}\n"
                             "outputs: {out/n.wav: '${narrate.audio}'}\n"), "text:", ("narrate", "text"),
     ["the narration text is empty"]),
    ("tts-step-emoji-only", ("version: 1\nsteps:\n  narrate: {type: tts, text: \"\U0001F389\U0001F389\"}\n"
                             "outputs: {out/n.wav: '${narrate.audio}'}\n"), "text:", ("narrate", "text"),
     ["no words to speak"]),
    ("picture-given-as-video", dump(scene_recipe({"text": "Hello.", "video": "assets/city.jpg"})), "video:",
     ("scene1.render", "video"), ["is a still picture", "give it as `image:`"]),
    ("corrupt-recording", dump(scene_recipe(scene(audio="assets/cut.ogg"))), "audio:", ("scene1.align", "audio"),
     ["cannot read the narration audio"]),
    ("silent-recording", dump(scene_recipe(scene(audio="assets/silence.wav"))), "audio:",
     ("scene1.align", "audio"), ["is silent"]),
    ("recording-over-the-length-limit", dump(scene_recipe(scene(audio="assets/narration.ogg"),
                                                          limits={"max_scene_seconds": 0.5})), "audio:",
     ("scene1.align", "audio"), ["more than the scene limit of 0.5 s", "max_scene_seconds"]),
    ("recording-as-is-over-the-length-limit",
     dump(scene_recipe({"image": "assets/city.jpg", "audio": "assets/narration.ogg"},
                       limits={"max_scene_seconds": 0.5})), "audio:",
     ("scene1.render", "audio"), ["more than the limit of 0.5 s", "max_scene_seconds"]),
    ("scene-over-the-length-limit", dump(scene_recipe({"image": "assets/city.jpg", "duration": 700})),
     "duration:", ("scene1.render", "duration"), ["more than the limit of 600 s", "max_scene_seconds"]),
    ("voice-file-that-does-not-load", dump(scene_recipe(scene(), voice={"voice": "assets/broken.onnx"})),
     "broken.onnx", ("scene1.tts", "voice"), ["cannot load voice"]),
    ("voice-file-missing", dump(scene_recipe(scene(), voice={"voice": "assets/nobody.onnx"})),
     "nobody.onnx", ("scene1.tts", "voice"), ["voice model not found"]),
    ("output-names-a-folder", HEAD.replace("fps: 10}", "fps: 10, path: out/taken.mp4}")
     + "scenes:\n  - {text: Hello., image: assets/city.jpg}\n", "taken.mp4", None, ["is an existing folder"]),
    ("nul-through-a-yaml-escape", HEAD + "scenes:\n  - text: \"Hel\\0lo\"\n    image: assets/city.jpg\n",
     "Hel", None, ["control character"]),
    ("bell-through-a-yaml-escape", HEAD + "scenes:\n  - image: assets/city.jpg\n    text: \"Ring \\a\"\n",
     "Ring", None, ["control character"]),
    ("video-named-like-its-captions", HEAD.replace("fps: 10}", "fps: 10, path: out/z.srt}")
     + "scenes:\n  - {text: Hello., image: assets/city.jpg}\n", "z.srt", None,
     ["would be written over by its .srt captions file"]),
    # numbers with no upper bound once asked numpy for 3 PiB of silence, or overflowed converting .inf
    ("soundtrack-longer-than-any-scene", ("version: 1\nsteps:\n  snd: {type: soundtrack, fps: 10,\n"
                                          "    frames: 100000000000}\noutputs: {out/s.aac: '${snd.soundtrack}'}\n"),
     "frames:", ("snd", "frames"), ["less than or equal to 1728000"]),
    # params against each other and against the inputs, known before anything runs (they were found by the
    # node's run, after the steps before it had run)
    ("render-without-a-picture", (STEPS + "  still: {type: render, width: 160, height: 288, fps: 10, duration: 1}\n"
                                  "outputs: {out/r.mp4: '${still.video}'}\n"), "still:", ("still", "image"),
     ["needs exactly one picture", "it has neither"]),
    ("render-without-narration-or-duration",
     (STEPS + "  still: {type: render, width: 160, height: 288, fps: 10, image: assets/city.jpg}\n"
      "outputs: {out/r.mp4: '${still.video}'}\n"), "still:", ("still", "duration"),
     ["a scene without narration needs a length"]),
    ("render-frames-past-the-scene-end",
     (STEPS + "  still: {type: render, width: 160, height: 288, fps: 10, image: assets/city.jpg, duration: 1,\n"
      "          frames: [500, 600]}\n"
      "outputs: {out/r.mp4: '${still.video}'}\n"), "frames:", ("still", "frames"),
     ["frames 500..600 lie past the scene's end (10 frames"]),
    ("scenes-with-durations-over-the-video-limit",
     dump(scene_recipe({"image": "assets/city.jpg", "duration": 3}, {"image": "assets/city.jpg", "duration": 3},
                       limits={"max_video_seconds": 5})), "scenes:", ("merge", "scenes"),
     ["the video would last 6.0 s, more than the limit of 5 s", "max_video_seconds"]),
    # a clip without narration is as long as its header says (4 s)
    ("clip-scenes-over-the-video-limit", (STEPS + TWO_CLIPS + "  merge:\n    type: merge\n"
     "    scenes: ['${a.video}', '${b.video}']\n    max_seconds: 5\n" + MERGED),
     "scenes:", ("merge", "scenes"), ["the video would last 8.0 s, more than the limit of 5 s"]),
    ("clip-scene-over-the-scene-limit",
     (STEPS + "  clip: {type: render, width: 160, height: 288, fps: 10, max_seconds: 3,\n"
      "         video: assets/waves.mp4}\noutputs: {out/c.mp4: '${clip.video}'}\n"),
     "video:", ("clip", "video"), ["would last 4.0 s (its clip), more than the limit of 3 s"]),
    # 20,000 scenes of a second each pass the 4-hour default: refused without one render
    ("twenty-thousand-scenes-over-four-hours",
     HEAD + "scenes:\n" + "  - {image: assets/city.jpg, duration: 1}\n" * 20_000, "scenes:", ("merge", "scenes"),
     ["the video would last 20000.0 s, more than the limit of 14400 s"]),
    ("merge-without-scenes", (STEPS + "  merge: {type: merge, scenes: []}\noutputs: {out/m.mp4: '${merge.video}'}\n"),
     "merge:", ("merge", "scenes"), ["merge needs at least one scene"]),
    ("merge-transitions-for-boundaries-there-are-not", (STEPS + TWO_STILLS + "  merge:\n    type: merge\n"
     "    scenes: ['${a.video}', '${b.video}']\n    transitions: [null, null, null]\n" + MERGED),
     "transitions:", ("merge", "transitions"), ["3 transitions for 1 scene boundaries"]),
    ("merge-captions-for-a-scene-there-is-not", (STEPS + TWO_STILLS + "  merge:\n    type: merge\n"
     "    scenes: ['${a.video}', '${b.video}']\n    caption_scenes: [7]\n" + MERGED),
     "caption_scenes:", ("merge", "caption_scenes"), ["names scene 7, but there are 2"]),
    ("merge-captions-for-a-scene-twice", (STEPS + TWO_STILLS + "  merge:\n    type: merge\n"
     "    scenes: ['${a.video}', '${b.video}']\n    caption_scenes: [1, 1]\n" + MERGED),
     "caption_scenes:", ("merge", "caption_scenes"), ["names a scene twice"]),
    ("merge-scenes-of-two-sizes", (STEPS + TWO_STILLS.replace("height: 288, fps: 10, image: assets/city.jpg, "
                                                               "duration: 1}\n  b", "height: 288, fps: 10, image: "
                                                               "assets/city.jpg, duration: 1}\n  b", 1)
     .replace("b: {type: render, width: 160", "b: {type: render, width: 320") + "  merge:\n    type: merge\n"
     "    scenes: ['${a.video}', '${b.video}']\n" + MERGED),
     "scenes:", ("merge", "scenes"), ["scene 2 is 320x288 @ 10 fps, but scene 1 is 160x288 @ 10 fps"]),
    ("join-frames-for-segments-there-are-not",
     (STEPS + "  s1: {type: render, width: 160, height: 288, fps: 10, image: assets/city.jpg, duration: 2,\n"
      "       frames: [0, 10]}\n"
      "  s2: {type: render, width: 160, height: 288, fps: 10, image: assets/city.jpg, duration: 2,\n"
      "       frames: [10, 20]}\n"
      "  joined: {type: join, fps: 10, segments: ['${s1.video}', '${s2.video}'], frames: [10, 5, 5]}\n"
      "outputs: {out/j.mp4: '${joined.video}'}\n"), "joined:", ("joined", "segments"),
     ["2 segments for 3 frame counts"]),
    ("infinite-picture-limit", HEAD + "limits: {max_image_megapixels: .inf}\n"
     "scenes:\n  - {text: Hello., image: assets/city.jpg}\n", "limits:", None, ["less than or equal to 1000"]),
]


@pytest.mark.parametrize("case, recipe, marker, field, phrases", CHECKED, ids=[c[0] for c in CHECKED])
def test_validate_refuses_what_run_refuses(guard, case, recipe, marker, field, phrases):
    guard.refused(f"{case}.yaml", recipe, marker, *phrases, field=field)
    assert not (guard.project.root / "out" / f"{case}.mp4").exists()


def _kokoro_installed() -> bool:
    from nodes.tts.engine import missing_modules

    return not missing_modules("kokoro", "torch")


ENGINES = [("kokoro", "engine: kokoro"), ("kokoro-then-chatterbox", "engine: [kokoro, chatterbox]")]


@pytest.mark.skipif(_kokoro_installed(), reason="Kokoro is installed here: the engine can run")
@pytest.mark.parametrize("command", ["run", "plan", "why", "graph"])
@pytest.mark.parametrize("case, setting", ENGINES, ids=[c[0] for c in ENGINES])
def test_a_speech_engine_that_cannot_run_is_refused_by_every_command(project, guard, command, case, setting):
    text = HEAD + "voice: {" + setting + "}\nscenes:\n  - {text: Hi., image: assets/city.jpg}\n"
    name = f"{case}-{command}.yaml"
    if command == "why":
        path = project.write(name, text)
        outcome = project.cli("why", str(path), "scene1.tts")
        assert outcome.code == 2 and "Traceback" not in outcome.err, outcome.err
        assert f"{path}:3:" in outcome.err and "fix: " in outcome.err
        guard.assert_untouched()
        return
    guard.refused(name, text, "engine:", "can run here", field=("scene1.tts", "engine"), command=command)


INPUTS = [("the-picture", "assets/city.jpg"), ("the-music", "assets/music.ogg"),
          ("the-recipe", "{recipe}"), ("a-link-to-the-picture", "out/alias.jpg")]


@pytest.mark.parametrize("case, output", INPUTS, ids=[c[0] for c in INPUTS])
def test_an_output_that_is_an_input_is_refused_and_the_input_kept(project, guard, case, output):
    name = f"overwrite-{case}.yaml"
    alias = project.root / "out" / "alias.jpg"
    if not alias.is_symlink():
        alias.symlink_to(project.root / "assets" / "city.jpg")
    recipe = scene_recipe(scene(), output={"path": output.replace("{recipe}", name)},
                          music={"path": "assets/music.ogg"})
    kept = {p: digest(p) for p in (project.root / "assets").iterdir() if p.is_file()}
    outcome = guard.refused(name, dump(recipe), "path: ", "1 problem in the recipe", "fix: write the output")
    assert "is an input of step" in outcome.err or "is the recipe file itself" in outcome.err
    assert {p: digest(p) for p in kept} == kept
    assert (project.root / name).read_text(encoding="utf-8") == dump(recipe)


def test_steps_form_output_over_its_own_input_is_refused(project, guard):
    shutil.copy(project.root / "assets" / "narration.ogg", project.root / "assets" / "mine.ogg")
    before = digest(project.root / "assets" / "mine.ogg")
    text = ("version: 1\nsteps:\n  timed: {type: align, text: Hello there., audio: assets/mine.ogg}\n"
            "outputs:\n  assets/mine.ogg: '${timed.audio}'\n")
    guard.refused("steps-overwrite.yaml", text, "assets/mine.ogg:", "is an input of step 'timed'")
    assert digest(project.root / "assets" / "mine.ogg") == before

