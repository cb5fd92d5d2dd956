"""Robustness, fuzzing (hypothesis): the recipe loader, the caption packers and the text normaliser.

- Loader: arbitrary YAML-ish text and arbitrary recipe-shaped structures dumped to YAML go through
  ``parse_yaml`` + ``compile_source``; the only exceptions that may escape are the engine's own
  (``PipelineError`` subclasses), which the command prints without a traceback.
- Packers (``nodes.captions.pack.pack``, word and sentence modes): captions never overlap and stay inside
  the audio, every word appears once and in order, no caption has more than ``lines`` lines, and a line
  wider than ``max_chars`` is a single unbreakable word.
- Normaliser (``nodes.tts.spoken_text.normalize``): never raises on any unicode text, returns tidy text (no
  tabs, no doubled or edge spaces), and text made of words and numbers in every written form (integers,
  thousands, decimals, money, percents, ordinals, dates, times, years, decades, lists) comes back with
  no digit left: the engine and the captions get words.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nodes.captions.pack import pack
from nodes.captions.segment import text_width
from nodes.formats import Word, WordTimings
from nodes.tts.spoken_text import normalize
from pipeline.errors import PipelineError
from pipeline.recipe.load import compile_source
from pipeline.recipe.source import parse_yaml

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def recipe_file(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "a.jpg").write_bytes(b"not really a picture")
    return folder / "fuzzed.yaml"


def load(text: str, file: Path) -> None:
    try:
        compile_source(parse_yaml(text, file))
    except PipelineError:
        pass  # the engine's own error: printed as a message, exit code 1 or 2


YAML_PIECES = ["version: 1\n", "scenes:\n", "steps:\n", "  - ", "    ", "text: ", "image: a.jpg", "video: ",
               "duration: ", "output: ", "{size: 160x288, fps: 10}", "voice: {speed: ", "captions: ", "music: ",
               "motion: {zoom: in}", "type: tts", "type: render", "outputs:\n", "out/x.mp4: ", "${a.audio}",
               "'${b.words}'", "${x}", "vars: {x: 1}", "&a ", "*a", "<<: *a", "!!str ", "!!binary ", "? ", ": ",
               "- ", "[", "]", "{", "}", ",", "\"", "'", "#", "|\n", ">\n", "\t", "\n", "  ", "-1", "1e999",
               ".nan", "~", "null", "true", "16:9", "0x1F", "\\u0000", "%YAML 1.2\n", "---\n", "...\n", "\ufeff"]
yaml_ish = st.lists(st.one_of(st.sampled_from(YAML_PIECES), st.text(max_size=6)), max_size=40).map("".join)


@FUZZ
@given(text=yaml_ish)
def test_loader_lets_only_its_own_errors_escape_on_yaml_ish_text(recipe_file, text):
    load(text, recipe_file)


KEYS = ["version", "output", "size", "fps", "path", "scenes", "text", "image", "video", "audio", "duration",
        "voice", "speed", "engine", "motion", "zoom", "pan", "amount", "focus", "captions", "max_chars", "lines",
        "style", "font", "music", "volume_db", "steps", "outputs", "type", "vars", "transition", "loudness",
        "name", "render", "fit", "allow_outside_paths", "defaults", "words", "scenes_", "tts", "merge"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                    st.text(max_size=12), st.sampled_from(["a.jpg", "${a.audio}", "${x}", "160x288", "in",
                                                           "tts", "render", "captions", "merge", "../a.jpg"]))
structures = st.recursive(
    scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                     st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=5)),
                                                     inner, max_size=5)),
    max_leaves=25)
recipes = st.fixed_dictionaries({"version": st.sampled_from([1, 1, 1, 2, "1"])},
                                optional={key: structures for key in KEYS[1:12] + ["steps", "outputs", "vars"]})


@FUZZ
@given(recipe=recipes)
def test_loader_lets_only_its_own_errors_escape_on_recipe_shaped_data(recipe_file, recipe):
    load(yaml.safe_dump(recipe, allow_unicode=True, sort_keys=False), recipe_file)


@st.composite
def timings(draw: st.DrawFn) -> WordTimings:
    alphabet = st.sampled_from(list("abcdefghijklmnopqrstuvwxyzABCXYZ0123456789.,!?;:'\"()-\u2014\u2026"
                                    "\u00e9\u00fc\u00df\u4f60\u597d\u4e16\u754c\u3002\u3001\u3053\u3093"
                                    "\u306b\u3061\u306f\u30fc\u0645\u0631\u062d\u05e9\u05dc\U0001F600"))
    texts = draw(st.lists(st.text(alphabet, min_size=1, max_size=30), min_size=1, max_size=40))
    words, at = [], 0.0
    for text in texts:
        at += draw(st.sampled_from([0.0, 0.01, 0.05, 0.2, 1.5]))
        length = draw(st.sampled_from([0.0, 0.05, 0.2, 0.6, 2.0]))
        words.append(Word(text=text, start=round(at, 3), end=round(at + length, 3)))
        at += length
    duration = round(at + draw(st.sampled_from([0.0, 0.1, 1.0])), 3)
    return WordTimings(duration=duration, words=words)


@FUZZ
@given(words=timings(), max_chars=st.integers(4, 50), lines=st.integers(1, 3),
       min_duration=st.sampled_from([0.0, 0.3, 0.8, 2.0]), language=st.sampled_from(["auto", "en", "zh", "ja",
                                                                                     "de", "ar"]))
def test_packer_invariants(words, max_chars, lines, min_duration, language):
    track = pack(words, max_chars=max_chars, lines=lines, min_duration=min_duration, language=language)
    segments = track.segments

    def squeeze(texts):  # the packers may add or drop spaces between pieces, never characters
        return "".join("".join(t.split()) for t in texts)

    assert squeeze(w.text for s in segments for w in s.words) == squeeze(w.text for w in words.words)
    shown = "".join("".join(line.split()) for s in segments for line in s.lines)
    assert shown == squeeze(w.text for w in words.words)
    for segment in segments:
        assert 0.0 <= segment.start <= segment.end <= words.duration + 1e-6, segment
        assert 1 <= len(segment.lines) <= lines, segment.lines
        for line in segment.lines:
            assert line and line == line.strip()
            assert text_width(line) <= max_chars or " " not in line, (line, max_chars)
    for before, after in zip(segments, segments[1:]):
        assert before.end <= after.start + 1e-9, (before, after)


@FUZZ
@given(words=timings())
def test_word_packer_keeps_every_word_object_once_in_order(words):
    track = pack(words, max_chars=16, lines=2, language="en")
    assert [w.text for s in track.segments for w in s.words] == [w.text for w in words.words]


@settings(max_examples=300, deadline=None)
@given(text=st.text())
def test_normaliser_never_raises_and_tidies(text):
    spoken = normalize(text)
    assert spoken == spoken.strip()
    assert "\t" not in spoken and "  " not in spoken and "\r" not in spoken


def test_normaliser_reads_huge_numbers_digit_by_digit():
    for text in ("9" * 5000, "$" + "9" * 5000, "1," * 3000 + "1", "0." + "5" * 5000):
        spoken = normalize(text)
        assert not any(ch.isdigit() for ch in spoken), spoken[:80]


@pytest.mark.parametrize("text, spoken", [
    ("10,20", "ten,twenty"),            # a list: each number read (the last one only, before)
    ("(1,2,3)", "(one,two,three)"),
    ("1,200.", "one thousand two hundred."),
    ("March 0.5", "March zero point five"),  # not a date (read as "March zeroth.5" before)
    ("0.5 May", "zero point five May"),
    ("March 3rd, 2024", "March third, twenty twenty-four"),
    ("one\rtwo", "one\ntwo"),            # a lone carriage return is a line break
    ("March 1-1-0", "March one, one, zero"),  # a serial, not a range of days ("first to first-0" before)
    ("1000-10-10-0", "one zero zero zero, one zero, one zero, zero"),  # not a date inside a serial
])
def test_normaliser_cases_found_by_fuzzing(text, spoken):
    assert normalize(text) == spoken


def ordinal_suffix(n: int) -> str:
    return "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


number_token = st.one_of(
    st.integers(-10**12, 10**15).map(str),
    st.integers(1000, 10**15).map(lambda n: f"{n:,}"),
    st.tuples(st.integers(0, 10**6), st.integers(0, 10**4)).map(lambda t: f"{t[0]}.{t[1]}"),
    st.tuples(st.sampled_from("$\u00a3\u20ac"), st.integers(0, 10**7), st.integers(0, 99)).map(
        lambda t: f"{t[0]}{t[1]:,}.{t[2]:02d}"),
    st.integers(0, 1000).map(lambda n: f"{n}%"),
    st.integers(1, 10**6).map(lambda n: f"{n}{ordinal_suffix(n)}"),
    st.tuples(st.integers(1, 12), st.integers(1, 28), st.integers(1000, 2999)).map(lambda t: f"{t[0]}/{t[1]}/{t[2]}"),
    st.tuples(st.integers(1000, 2999), st.integers(1, 12), st.integers(1, 28)).map(
        lambda t: f"{t[0]}-{t[1]:02d}-{t[2]:02d}"),
    st.tuples(st.integers(0, 23), st.integers(0, 59)).map(lambda t: f"{t[0]}:{t[1]:02d}"),
    st.integers(10, 999).map(lambda n: f"{n * 10}s"),
    st.tuples(st.sampled_from(["", "'", "\u2019"]), st.integers(0, 9)).map(lambda t: f"{t[0]}{t[1]}0s"),
    st.tuples(st.integers(1, 10**4), st.integers(1, 10**4)).map(
        lambda t: f"{t[0]}{ordinal_suffix(t[0])}-{t[1]}{ordinal_suffix(t[1])}"),
    st.lists(st.integers(0, 999), min_size=2, max_size=5).map(lambda ns: ",".join(map(str, ns))),
    # ranges, phone numbers and serials
    st.tuples(st.integers(0, 10**6), st.sampled_from(["-", "\u2013", " \u2013 ", "\u2014"]), st.integers(0, 10**6),
              st.sampled_from(["", "%"])).map(lambda t: f"{t[0]}{t[1]}{t[2]}{t[3]}"),
    st.tuples(st.integers(1000, 2099), st.integers(0, 99)).map(lambda t: f"{t[0]}-{t[1]:02d}"),
    st.tuples(st.sampled_from("$\u00a3\u20ac"), st.integers(0, 10**6), st.integers(0, 10**6)).map(
        lambda t: f"{t[0]}{t[1]:,}-{t[2]:,}"),
    st.tuples(st.integers(200, 999), st.integers(0, 9999)).map(lambda t: f"{t[0]}-{t[1]:04d}"),
    st.lists(st.integers(0, 99999), min_size=3, max_size=5).map(lambda ns: "-".join(map(str, ns))),
    st.tuples(st.integers(1, 28), st.integers(1, 28)).map(lambda t: f"March {t[0]}-{t[1]}"),
    st.tuples(st.integers(0, 23), st.integers(0, 23)).map(lambda t: f"{t[0]}:00-{t[1]}:30"),
    # money with magnitudes, AM/PM, fractions and dates with slashes, units, multipliers, numerals, codes
    st.tuples(st.sampled_from("$\u00a3\u20ac"), st.integers(0, 999), st.sampled_from(["", ".5"]),
              st.sampled_from(["k", "K", "m", "M", "bn", "B", "tn"])).map(lambda t: "".join(map(str, t))),
    st.tuples(st.integers(1, 12), st.sampled_from(["", ":00", ":05", ":30"]), st.sampled_from(["", " "]),
              st.sampled_from(["am", "pm", "AM", "PM", "a.m.", "p.m."])).map(lambda t: "".join(map(str, t))),
    st.tuples(st.integers(0, 99), st.integers(0, 999)).map(lambda t: f"{t[0]}/{t[1]}"),
    st.tuples(st.integers(1, 31), st.integers(1, 12), st.integers(1000, 2999)).map(
        lambda t: f"{t[0]}/{t[1]}/{t[2]}"),
    st.tuples(st.integers(0, 10**4), st.sampled_from(["", " "]),
              st.sampled_from(["GHz", "km", "kg", "mi", "mph", "\u00b0F", "\u00b0C", "\u00b0", "GB", "mAh", "km/h",
                               "W", "V", "L", "g"])).map(lambda t: "".join(map(str, t))),
    st.tuples(st.integers(0, 99), st.sampled_from(["x", ".5x", "x4", "x1080"])).map(lambda t: f"{t[0]}{t[1]}"),
    st.sampled_from(["World War II", "Henry VIII", "Chapter XIV", "Super Bowl LVIII", "Python 3.12", "v2.0.1",
                     "#1", "#2024Goals", "call 911", "Porsche 911", "COVID-19", "4K", "MP3", "24/7", "9/11",
                     "1 1/2", "6'2\"", "16:9", "10+", "St. Louis", "Main St.", "50p", "Room 101", "PIN 1234"]),
)
word_token = st.sampled_from(["the", "river", "Dr.", "cost", "on", "at", "and", "&", "e.g.", "March", "about"])
script = st.lists(st.one_of(number_token, word_token), min_size=1, max_size=12).map(" ".join)
closing = st.sampled_from(["", ".", ",", "!", "?", ";"])


@settings(max_examples=300, deadline=None)
@given(text=script, end=closing)
def test_normaliser_leaves_no_digit_in_words_and_numbers(text, end):
    spoken = normalize(text + end)
    assert not any(ch.isdigit() for ch in spoken), (text + end, spoken)
