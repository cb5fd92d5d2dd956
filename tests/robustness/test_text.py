"""Robustness, text: narration that could break speech, captions, the ASS file or an ffmpeg filter graph.

Quotes, backslashes, colons and commas, braces and ASS override tags, ffmpeg expression syntax, newlines
and tabs, emoji, right-to-left scripts, CJK, very long words: each renders, and the captions show the text
as written (nothing is interpreted as markup). Empty, whitespace-only and punctuation-only narration is
refused with the recipe line and a fix. A narration of a few thousand words is spoken (TTS only).
"""

from __future__ import annotations

import json
import wave

import pytest

from nodes.tts.spoken_text import normalize
from nodes.tts.word_timing import script_words
from tests.robustness.helpers import (
    Guard,
    Project,
    ass_user_text_has_no_override,
    assert_rendered,
    scene_recipe,
    srt_text,
)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Project:
    return Project(tmp_path_factory.mktemp("text"))


@pytest.fixture(scope="module")
def guard(project: Project) -> Guard:
    return Guard(project)


# (id, narration, substrings the SRT must show exactly as written, substrings the ASS must hold)
RENDERED = [
    ("quotes", "She said \"yes\", then 'no' and \u201cmaybe\u201d \u2014 it\u2019s fine.",
     ["\"yes\",", "'no'", "\u201cmaybe\u201d", "it\u2019s fine."], []),
    ("backslashes", "A path C:\\Users\\me and \\N or \\h stay text \\\\ here.",
     ["C:\\Users\\me", "\\N", "\\h", "\\\\"], ["C:\\\u2060Users"]),
    ("colons-commas", "Ratio 16:9, then a: b, c:d, and at 10:30, done.",
     ["a: b,", "c:d,", "ten thirty,", "done."], []),
    ("braces-ass-tags", "Bold {\\b1}here{\\b0}, top {\\an8} and {\\fs99\\c&HFF&} or {curly} braces.",
     ["{\\b1}here{\\b0},", "{\\an8}", "{\\fs99\\c&HFF&}", "{curly}"], ["\\{\\\u2060b1\\}"]),
    ("ffmpeg-expressions", "Say %{pts} and %{eif\\:n\\:d} then [in] [out]; scale=2:2, drawtext='x' done.",
     ["%{pts}", "%{eif\\:n\\:d}", "[in]", "[out];", "scale=two:two,", "drawtext='x'"], []),
    ("newlines-tabs", "First line\nsecond\tline\n\n\tNew paragraph here.",
     ["First line second line", "New paragraph here."], []),
    ("emoji", "Hello \U0001F44B world \U0001F30D and a party \U0001F389 now.",
     ["Hello", "world", "party", "now."], []),
    ("long-word", "The word Pneumonoultramicroscopicsilicovolcanoconiosisxxxxxxxxxxxxxxxxxxxxxxxx stays whole "
                  "at https://example.com/a/very/long/path?query=1&b=2 too.",
     ["Pneumonoultramicroscopicsilicovolcanoconiosisxxxxxxxxxxxxxxxxxxxxxxxx",
      "example dot com slash a slash very slash long slash path question mark query equals one and b equals two"],
     []),
]


@pytest.mark.parametrize("case, text, srt_shows, ass_holds", RENDERED, ids=[c[0] for c in RENDERED])
def test_hostile_text_renders_and_captions_show_it_literally(project, guard, case, text, srt_shows, ass_holds):
    recipe = project.write(f"{case}.yaml", scene_recipe({"text": text, "image": "assets/city.jpg"},
                                                        captions={"max_chars": 20, "lines": 2}))
    outcome = project.run(recipe)
    video = project.root / "out" / f"{case}.mp4"
    assert_rendered(outcome, video)
    shown = srt_text(video.with_suffix(".srt"))
    for piece in srt_shows:
        assert piece in shown, (piece, shown)
    assert "\t" not in shown
    ass = video.with_suffix(".ass")
    assert ass_user_text_has_no_override(ass), ass.read_text(encoding="utf-8")
    for piece in ass_holds:
        assert piece in ass.read_text(encoding="utf-8"), piece
    guard.assert_untouched()


# Scripts the bundled English voice cannot read: the scene still renders, and the captions show the text.
OTHER_SCRIPTS = [
    ("rtl-arabic-hebrew", "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645. "
                          "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd.",
     ["\u0645\u0631\u062d\u0628\u0627", "\u05e9\u05dc\u05d5\u05dd"]),
    ("cjk", "\u4f60\u597d\uff0c\u4e16\u754c\u3002\u6771\u4eac\u306f\u5927\u304d\u3044\u3002",
     ["\u4f60\u597d", "\u6771\u4eac"]),
    ("mixed-rtl-latin", "The word \u05e9\u05dc\u05d5\u05dd means peace.", ["\u05e9\u05dc\u05d5\u05dd", "peace."]),
]


@pytest.mark.parametrize("case, text, srt_shows", OTHER_SCRIPTS, ids=[c[0] for c in OTHER_SCRIPTS])
def test_other_scripts_render_with_their_captions(project, guard, case, text, srt_shows):
    recipe = project.write(f"{case}.yaml", scene_recipe({"text": text, "image": "assets/harbour.jpg"}))
    outcome = project.run(recipe)
    video = project.root / "out" / f"{case}.mp4"
    assert_rendered(outcome, video)
    shown = srt_text(video.with_suffix(".srt")).replace(" ", "")
    for piece in srt_shows:
        assert piece.replace(" ", "") in shown, (piece, shown)
    guard.assert_untouched()


NO_WORDS = [
    ("empty", "", "the narration text is empty"),
    ("whitespace-only", "  \t \n  ", "the narration text is empty"),
    ("punctuation-only", "... !!! ??? -- \u2014 \u00bf?", "the narration has no words to speak"),
    ("emoji-only", "\U0001F44B \U0001F30D \U0001F389", "the narration has no words to speak"),
]


@pytest.mark.parametrize("case, text, message", NO_WORDS, ids=[c[0] for c in NO_WORDS])
def test_narration_without_words_is_refused_at_its_line(guard, case, text, message):
    recipe = scene_recipe({"image": "assets/city.jpg", "text": text})
    outcome = guard.refused(f"{case}.yaml", recipe, "text:", message, field=("scene1.tts", "text"))
    assert "fix: write the narration in `text`" in outcome.err


def test_a_few_thousand_words_are_spoken_in_full(project, guard):
    """TTS only (no render): every word of a long script gets a time span, in order, inside the audio."""
    sentences = ["The river ran past the mill, and the miller counted 12 sacks of flour by the door.",
                 "Dr. Lee arrived at 9:45 with $3.50 and a map dated 3/14/2024!",
                 "Was it the 3rd time this year? Nobody knew; the town clock had stopped long ago."]
    text = " ".join(sentences * 40)
    recipe = project.write("long.yaml", {
        "version": 1,
        "steps": {"narrate": {"type": "tts", "text": text, "speed": 4.0}},
        "outputs": {"out/long.wav": "${narrate.audio}", "out/long.json": "${narrate.words}"}})
    outcome = project.run(recipe)
    assert outcome.code == 0, outcome.err
    words = json.loads((project.root / "out" / "long.json").read_text(encoding="utf-8"))
    spoken = [w["text"] for w in words["words"]]
    assert spoken == script_words(normalize(text))
    assert len(spoken) >= 2000
    with wave.open(str(project.root / "out" / "long.wav")) as audio:
        seconds = audio.getnframes() / audio.getframerate()
    assert abs(words["duration"] - seconds) < 0.01 and seconds > 120
    starts = [w["start"] for w in words["words"]]
    assert starts == sorted(starts)
    assert all(0 <= w["start"] <= w["end"] <= seconds + 1e-3 for w in words["words"])
    guard.assert_untouched()
