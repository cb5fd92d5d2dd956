"""The sentence packer: CJK split per character, times shared out by characters, no overlaps, every
character once and in order."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nodes.captions.ass import word_runs
from nodes.captions.cue_timing import GAP_CLOSE, PAUSE_BREAK, TAIL
from nodes.captions.segment import ends_sentence, text_width
from nodes.captions.sentence import segment_sentences, units
from nodes.formats import CaptionTrack, Word, WordTimings
from tests.nodes.captions.strategies import timings_for


def one_span(text: str, start: float = 0.0, end: float = 4.0, duration: float = 5.0) -> WordTimings:
    return WordTimings(duration=duration, words=[Word(text=text, start=start, end=end)])


def visible(text: str) -> str:
    return "".join(text.split())


def check_invariants(timings: WordTimings, track: CaptionTrack, max_chars: int, lines: int) -> None:
    segs = track.segments
    script = "".join(visible(w.text) for w in timings.words)
    # Every character of the script exactly once, in order: on screen and in the timed pieces.
    assert "".join(visible(line) for s in segs for line in s.lines) == script
    assert "".join(visible(w.text) for s in segs for w in s.words) == script
    for s in segs:
        assert 1 <= len(s.lines) <= lines
        assert all(line and line == line.strip() and "  " not in line for line in s.lines)
        assert "".join(visible(line) for line in s.lines) == "".join(visible(w.text) for w in s.words)
        assert 0 <= s.start <= s.end
        for line in s.lines:
            assert text_width(line) <= max_chars or len(units(line)) == 1
        # A caption never runs on past the end of a sentence.
        assert not any(ends_sentence(w.text) for w in s.words[:-1])
        # The pieces can be highlighted one by one (they spell the lines).
        assert word_runs(s.lines, list(s.words)) is not None
    for a, b in zip(segs, segs[1:]):
        assert a.end <= b.start


def test_cjk_sentence_is_split_per_character_with_proportional_times() -> None:
    timings = one_span("今日はいい天気ですね。", start=1.0, end=4.0)  # 10 characters + a full stop
    track = segment_sentences(timings, max_chars=8, lines=1)
    assert [s.lines for s in track.segments] == [["今日はい"], ["い天気で"], ["すね。"]]
    # 3 s over 10 characters (the full stop counts zero): 0.3 s each.
    assert [round(s.start, 6) for s in track.segments] == [1.0, 2.2, 3.4]
    assert track.segments[0].end == track.segments[1].start  # inside a sentence captions touch
    assert track.segments[-1].end == pytest.approx(4.0 + TAIL)
    assert [w.text for w in track.segments[2].words] == ["す", "ね。"]
    assert track.segments[2].words[0].start == pytest.approx(3.4)
    check_invariants(timings, track, 8, 1)


def test_a_title_does_not_end_the_sentence() -> None:
    """Spanish text keeps its "Dr." (only English is rewritten for speech): the caption runs on past it."""
    timings = one_span("La Dra. García y el Sr. J. Pérez llegaron. Luego se fueron.", end=4.0)
    track = segment_sentences(timings, max_chars=60, lines=2)
    assert [s.lines for s in track.segments] == [["La Dra. García y el Sr. J. Pérez llegaron."],
                                                 ["Luego se fueron."]]
    check_invariants(timings, track, 60, 2)


def test_every_sentence_starts_a_new_caption() -> None:
    timings = one_span("はい。そうです。ありがとう！", end=3.0)
    track = segment_sentences(timings, max_chars=40, lines=2)
    assert [s.lines for s in track.segments] == [["はい。"], ["そうです。"], ["ありがとう！"]]
    check_invariants(timings, track, 40, 2)


def test_kinsoku_punctuation_and_small_kana_never_start_a_line() -> None:
    assert units("「ちょっと」、コーヒー。") == ["「ちょっ", "と」、", "コー", "ヒー。"]
    track = segment_sentences(one_span("ちょっと待って。"), max_chars=4, lines=3)
    for s in track.segments:
        for line in s.lines:
            assert line[0] not in "ょっ。"


def test_latin_runs_inside_cjk_stay_whole_and_spaces_are_kept() -> None:
    assert units("我用Python写代码。") == ["我", "用", "Python", "写", "代", "码。"]
    assert units("e-mail don't 我喜欢 C++!") == ["e-mail", "don't", "我", "喜", "欢", "C++!"]
    track = segment_sentences(one_span("我喜欢 Python 编程。"), max_chars=40, lines=1)
    assert track.segments[0].lines == ["我喜欢 Python 编程。"]


def test_per_character_words_join_without_spaces_and_keep_their_times() -> None:
    words = [Word(text=ch, start=0.5 * i, end=0.5 * i + 0.4) for i, ch in enumerate("你好世界")]
    words.append(Word(text="。", start=2.0, end=2.0))
    timings = WordTimings(duration=3.0, words=words)
    track = segment_sentences(timings, max_chars=6, lines=1)
    assert [s.lines for s in track.segments] == [["你好世"], ["界。"]]
    assert [(w.text, w.start, w.end) for w in track.segments[1].words] == [("界。", 1.5, 2.0)]
    check_invariants(timings, track, 6, 1)


def test_spaced_languages_split_at_spaces_with_times_by_characters() -> None:
    timings = one_span("Hola a todos. Hoy hablamos de música.", start=0.0, end=3.0)
    track = segment_sentences(timings, max_chars=13, lines=2)
    assert [s.lines for s in track.segments] == [["Hola a todos."], ["Hoy hablamos", "de música."]]
    # "Hola a todos." holds 10 of the 29 letters (spaces and punctuation count zero).
    assert track.segments[1].start == pytest.approx(3.0 * 10 / 29)
    check_invariants(timings, track, 13, 2)


def test_thai_breaks_between_clusters_only() -> None:
    timings = one_span("สวัสดีครับ")
    track = segment_sentences(timings, max_chars=3, lines=1)
    assert [s.lines[0] for s in track.segments] == ["สวัส", "ดีครั", "บ"]  # marks take no column
    check_invariants(timings, track, 3, 1)


def test_wide_piece_stands_alone_and_long_pause_breaks() -> None:
    words = [Word(text="日", start=0, end=0.2), Word(text="本", start=0.2 + PAUSE_BREAK, end=1.5)]
    track = segment_sentences(WordTimings(duration=2, words=words), max_chars=1, lines=2,
                              min_duration=0)
    assert [s.lines for s in track.segments] == [["日"], ["本"]]
    assert track.segments[0].end == pytest.approx(0.2 + TAIL)


def test_gap_closing_matches_the_word_packer() -> None:
    words = [Word(text="一。", start=0.0, end=0.5), Word(text="二。", start=0.8, end=1.2),
             Word(text="三。", start=5.0, end=5.4)]
    a, b, c = segment_sentences(WordTimings(duration=10, words=words), min_duration=0).segments
    assert a.end == 0.8 and b.end == pytest.approx(1.2 + TAIL) and c.end == pytest.approx(5.4 + TAIL)
    assert GAP_CLOSE == 0.5


def test_blank_and_punctuation_only_input() -> None:
    assert segment_sentences(WordTimings(duration=1, words=[Word(text=" \n", start=0, end=1)])).segments == []
    track = segment_sentences(one_span("。」"))
    assert [s.lines for s in track.segments] == [["。」"]]


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        segment_sentences(one_span("x"), max_chars=0)


# --- property tests ------------------------------------------------------------------------------------------

_cluster = st.sampled_from(list("日本語の天気はいいですねょっー中文字한국어สวัสดีabcdefgh")
                           + ["。", "、", "！", "？", "「", "」", ".", ",", "!", "(", ")", " ", "\n", "😀", "e\u0301",
                              "ชื่", "Python", "x" * 12])


@st.composite
def cjk_timings(draw: st.DrawFn, sane: bool) -> WordTimings:
    texts = draw(st.lists(st.lists(_cluster, max_size=30).map("".join), max_size=12))
    return timings_for(draw, texts, sane, longest=3.0)


@settings(max_examples=150, deadline=None)
@given(cjk_timings(sane=True), st.integers(1, 30), st.integers(1, 4), st.floats(0, 2))
def test_sentence_packer_invariants_for_ordered_words(timings: WordTimings, max_chars: int, lines: int,
                                                      min_duration: float) -> None:
    track = segment_sentences(timings, max_chars=max_chars, lines=lines, min_duration=min_duration)
    check_invariants(timings, track, max_chars, lines)
    for s in track.segments:
        # Each piece is on screen while it is spoken, and inside its own word's span.
        assert all(s.start <= w.start + 1e-9 and w.end <= s.end + 1e-9 for w in s.words)


@settings(max_examples=100, deadline=None)
@given(cjk_timings(sane=False), st.integers(1, 30), st.integers(1, 4))
def test_sentence_packer_invariants_for_disordered_times(timings: WordTimings, max_chars: int,
                                                         lines: int) -> None:
    check_invariants(timings, segment_sentences(timings, max_chars=max_chars, lines=lines), max_chars, lines)


def test_spaces_before_stand_alone_punctuation_stay() -> None:
    words = [Word(text=t, start=i * 0.3, end=i * 0.3 + 0.3)
             for i, t in enumerate(["Bonjour !", "Ça", "va ?", "Score", "3 -", "2", "#", "1"])]
    track = segment_sentences(WordTimings(duration=3, words=words), max_chars=40, lines=2)
    assert [line for s in track.segments for line in s.lines] == [
        "Bonjour\u00a0!", "Ça va\u00a0?", "Score 3 - 2 # 1"]  # a no-break space: "!" never starts a line
