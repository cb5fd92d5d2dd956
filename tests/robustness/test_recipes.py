"""Robustness, recipes: what hand-written YAML gets wrong, hostile recipes, and awkward paths.

YAML syntax errors, wrong types, misspellings (with a suggestion), cycles, dangling references, duplicate
names, alias bombs, oversized and deeply nested files, files that are not UTF-8, paths that leave the
recipe's folder (refused unless ``allow_outside_paths: true``, also through a symlink) and an output inside
the cache folder: each is refused with exit code 2 at the line at fault, with a fix. Paths with spaces,
unicode, quotes, brackets, commas and colons (in the recipe folder, the cache folder, the image, the caption
font) render, which also proves the ffmpeg filter-graph escaping of those paths.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.robustness.helpers import (
    ROOT,
    Guard,
    Project,
    assert_rendered,
    dump,
    line_of,
    refused_by_both,
    scene_recipe,
    srt_text,
)

HEAD = "version: 1\noutput: {size: 160x288, fps: 10}\n"
SCENE = "scenes:\n  - text: Hello there.\n    image: assets/city.jpg\n"
FONT = ROOT / "nodes" / "captions" / "fonts" / "dejavu" / "DejaVuSans.ttf"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Project:
    return Project(tmp_path_factory.mktemp("recipes"))


@pytest.fixture(scope="module")
def guard(project: Project) -> Guard:
    return Guard(project)


def steps(body: str) -> str:
    return "version: 1\nsteps:\n" + body


# (id, recipe text, marker of the line at fault (None: the file as a whole), phrases the message holds)
REFUSED = [
    ("yaml-unclosed-flow", HEAD.replace("fps: 10}", "fps: [10}") + SCENE, "fps: [10}", ["YAML syntax error"]),
    ("yaml-tab-indent", HEAD + SCENE.replace("    image", "\timage"), "\timage", ["YAML syntax error"]),
    ("yaml-bad-indent", HEAD + "scenes:\n  - text: Hello.\n   image: assets/city.jpg\n", "   image",
     ["YAML syntax error"]),
    ("yaml-unquoted-reference-in-flow", steps(
        "  n: {type: tts, text: Hi}\n  c: {type: captions, words: ${n.words}}\n"
        "outputs: {out/c.json: '${c.captions}'}\n"), "words: ${n.words}",
     ["YAML syntax error", "a reference must be quoted"]),
    ("yaml-nul-character", HEAD + SCENE.replace("Hello", "Hel\x00lo"), "Hel", ["is not allowed in YAML"]),
    ("wrong-type-fps", HEAD.replace("fps: 10", "fps: fast") + SCENE, "fps: fast", ["output.fps"]),
    ("wrong-type-scenes", HEAD + "scenes: 5\n", "scenes: 5", ["scenes"]),
    ("wrong-type-speed", HEAD + SCENE + "    voice: {speed: quick}\n", "speed: quick", ["speed"]),
    ("negative-duration", HEAD + "scenes:\n  - image: assets/city.jpg\n    duration: -3\n", "duration: -3",
     ["duration"]),
    ("odd-size", HEAD.replace("160x288", "161x288") + SCENE, "161x288", ["even"]),
    ("misspelled-scene-key", HEAD + SCENE.replace("image:", "imgae:"), "imgae:", ["did you mean 'image'"]),
    ("misspelled-voice-key", HEAD + SCENE + "    voice: {sped: 1.2}\n", "sped:", ["did you mean 'speed'"]),
    ("misspelled-top-level-key", HEAD + "captoins: {max_chars: 20}\n" + SCENE, "captoins:",
     ["did you mean 'captions'"]),
    ("misspelled-node-type", steps("  n: {type: tts, text: Hi}\n  s: {type: captons, words: '${n.words}'}\n"
                                   "outputs: {out/s.json: '${s.captions}'}\n"), "captons",
     ["unknown node type 'captons'", "did you mean 'captions'"]),
    ("cycle", steps("  a: {type: align, text: One, audio: '${b.audio}'}\n"
                    "  b: {type: align, text: Two, audio: '${a.audio}'}\n"
                    "outputs: {out/a.wav: '${a.audio}'}\n"), "  a:", ["cycle: a -> b -> a"]),
    ("dangling-reference", steps("  narrate: {type: tts, text: Hi}\n"
                                 "  subs: {type: captions, words: '${narate.words}'}\n"
                                 "outputs: {out/s.json: '${subs.captions}'}\n"), "narate",
     ["unknown step 'narate'", "did you mean 'narrate'"]),
    ("dangling-port", steps("  narrate: {type: tts, text: Hi}\n"
                            "  subs: {type: captions, words: '${narrate.wrds}'}\n"
                            "outputs: {out/s.json: '${subs.captions}'}\n"), "wrds",
     ["has no output 'wrds'", "did you mean 'words'"]),
    ("duplicate-step-names", steps("  narrate: {type: tts, text: Hi}\n  narrate: {type: tts, text: Ho}\n"
                                   "outputs: {out/n.wav: '${narrate.audio}'}\n"), "text: Ho",
     ["'narrate' appears twice"]),
    ("duplicate-scene-names", HEAD + "scenes:\n  - {name: intro, text: One., image: assets/city.jpg}\n"
                              "  - {name: intro, text: Two., image: assets/city.jpg}\n", "Two.",
     ["two scenes are named 'intro'"]),
    ("alias-bomb", "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)), None, ["more than 200000 values", "alias bomb"]),
    ("deep-nesting", HEAD + "vars: {deep: " + "[" * 80 + "]" * 80 + "}\n" + SCENE, "deep:",
     ["nested more than 64 levels"]),
    ("empty-file", "", None, ["the recipe is empty"]),
    ("not-a-mapping", "- version: 1\n- scenes: []\n", None, ["a recipe is a mapping"]),
    ("no-version", "output: {size: 160x288}\n" + SCENE, None, ["version"]),
    ("unknown-variable", HEAD + "vars: {city: Lisbon}\n" + SCENE.replace("Hello there.", "Hello ${cty}."),
     "${cty}", ["cty", "did you mean 'city'"]),
    ("image-outside-folder", HEAD + SCENE.replace("assets/city.jpg", "../outside.jpg"), "../outside.jpg",
     ["is outside the recipe's folder", "allow_outside_paths: true"]),
    ("absolute-path-outside", HEAD + SCENE.replace("assets/city.jpg", "{outside}"), "image:",
     ["is outside the recipe's folder"]),
    ("symlink-leading-outside", HEAD + SCENE.replace("assets/city.jpg", "link.jpg"), "link.jpg",
     ["is outside the recipe's folder"]),
    ("output-outside-folder", HEAD.replace("fps: 10}", "fps: 10, path: ../escaped.mp4}") + SCENE,
     "escaped.mp4", ["1 problem in the recipe", "is outside the recipe's folder"]),
    ("output-inside-cache", HEAD.replace("fps: 10}", "fps: 10, path: cache/video.mp4}") + SCENE,
     "cache/video.mp4", ["is inside the cache folder"]),
]


@pytest.fixture(scope="module")
def outside(project: Project) -> Path:
    """A picture next to (not inside) the recipe folder, and a symlink inside pointing to it."""
    path = project.root.parent / f"{project.root.name}-outside.jpg"
    shutil.copy(project.root / "assets" / "city.jpg", path)
    shutil.copy(path, project.root.parent / "outside.jpg")
    (project.root / "link.jpg").symlink_to(path)
    return path


@pytest.mark.parametrize("case, text, marker, phrases", REFUSED,
                         ids=[c[0] if isinstance(c, tuple) else c.id for c in REFUSED])
def test_bad_recipe_is_refused_at_its_line(guard, outside, case, text, marker, phrases):
    text = text.replace("{outside}", str(outside))
    guard.refused(f"{case}.yaml", text, marker, *phrases)
    assert not (guard.project.root / "out" / f"{case}.mp4").exists()


def test_oversized_recipe_is_refused_before_parsing(guard):
    text = HEAD + SCENE + ("# padding padding padding padding padding padding padding padding\n" * 40_000)
    guard.refused("oversized.yaml", text, None, "more than the limit of 2000000")


def test_recipe_that_is_not_utf8_is_refused(project, guard):
    path = project.root / "latin1.yaml"
    path.write_bytes((HEAD + SCENE.replace("Hello there.", "Caf\u00e9 cr\u00e8me.")).encode("latin-1"))
    refused_by_both(project, path, None, "not UTF-8", "save the file as UTF-8")
    guard.assert_untouched()


def test_a_recipe_file_that_does_not_exist(project, guard):
    path = project.root / "nowhere.yaml"
    refused_by_both(project, path, None, "recipe file not found")
    guard.assert_untouched()


def test_outside_paths_render_when_the_recipe_allows_them(project, guard, outside):
    recipe = project.write("allowed.yaml", scene_recipe(
        {"text": "From next door.", "image": str(outside)},
        {"text": "And through a link.", "image": "link.jpg"}, allow_outside_paths=True))
    video = project.root / "out" / "allowed.mp4"
    assert_rendered(project.run(recipe), video)
    assert srt_text(video.with_suffix(".srt")) == "From next door. And through a link."
    guard.assert_untouched()


AWKWARD = "my vid\u00e9os \u2600 \u65e5\u672c [it's], a: b; c=d %{x}"


def test_paths_with_spaces_unicode_and_filter_syntax_render(tmp_path: Path):
    """The recipe folder, the cache folder, the picture and the caption font all have names with spaces,
    unicode and characters special in ffmpeg filter graphs (the captions file and the font folder reach the
    ``subtitles`` filter by path)."""
    project = Project(tmp_path / AWKWARD, cache=tmp_path / AWKWARD / "cache, [x]: y'z")
    shutil.copy(project.root / "assets" / "harbour.jpg", project.root / "assets" / "photo \u00e9t\u00e9 #1 [a].jpg")
    fonts = project.root / "fonts [1], it's: here"
    fonts.mkdir()
    shutil.copy(FONT, fonts / "my font's [1], x.ttf")
    recipe = project.write("r\u00e9cipe \u2014 one.yaml", scene_recipe(
        {"text": "Paths are only names.", "image": "assets/photo \u00e9t\u00e9 #1 [a].jpg"},
        output={"path": "out put/vid\u00e9o [1].mp4"},
        captions={"style": {"font": "fonts [1], it's: here/my font's [1], x.ttf"}}))
    video = project.root / "out put" / "vid\u00e9o [1].mp4"
    assert_rendered(project.run(recipe), video)
    assert srt_text(video.with_suffix(".srt")) == "Paths are only names."
    assert project.temp_leftovers() == []
    check = project.cli("plan", "--check", str(recipe))
    assert check.code == 0, check.out + check.err


def test_every_problem_is_reported_at_once(guard):
    text = dump(scene_recipe({"text": "One.", "image": "assets/city.jpg", "voice": {"sped": 2}},
                             {"text": "Two.", "image": "assets/nope.jpg", "motion": {"zooom": "in"}}))
    outcome = guard.refused("many.yaml", text, "sped", "did you mean 'speed'", field=("scene1.tts", "sped"))
    assert "3 problems in the recipe" in outcome.err
    assert f"many.yaml:{line_of(text, 'nope.jpg')}:" in outcome.err and "image file not found" in outcome.err
    assert f"many.yaml:{line_of(text, 'zooom')}:" in outcome.err and "did you mean 'zoom'" in outcome.err
