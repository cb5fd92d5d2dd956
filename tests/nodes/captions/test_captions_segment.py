"""The word packer: whole words, attached punctuation, no empty or overlapping captions, sane timing."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from nodes.captions.ass import word_runs
from nodes.captions.segment import GAP_CLOSE, PAUSE_BREAK, TAIL, ends_sentence, segment_words, text_width
from nodes.formats import CaptionTrack, Word, WordTimings
from tests.nodes.captions.strategies import timings_for

_CLOSING_ONLY = set(".,!?;:…)]}»”’\"'%。、，！？")


def timed(texts: list[str], step: float = 0.4, length: float = 0.3) -> WordTimings:
    words = [Word(text=t, start=i * step, end=i * step + length) for i, t in enumerate(texts)]
    return WordTimings(duration=len(texts) * step + 1.0, words=words)


def check_invariants(timings: WordTimings, track: CaptionTrack, max_chars: int, lines: int) -> None:
    segs = track.segments
    # Every word exactly once, in order.
    assert [w for s in segs for w in s.words] == list(timings.words) or not any(
        w.text.strip() for w in timings.words)
    shown = "".join(line for s in segs for line in s.lines).replace(" ", "")
    assert shown == "".join("".join(w.text.split()) for w in timings.words)
    for s in segs:
        assert 1 <= len(s.lines) <= lines
        assert all(line.strip() for line in s.lines)
        assert 0 <= s.start <= s.end
        for line in s.lines:
            assert text_width(line) <= max_chars or " " not in line
        assert word_runs(s.lines, list(s.words)) is not None  # the words can be highlighted one by one
    for a, b in zip(segs, segs[1:]):
        assert a.end <= b.start


def test_packs_lines_and_captions_greedily() -> None:
    texts = "one two three four five six seven eight nine ten eleven twelve".split()
    track = segment_words(timed(texts), max_chars=10, lines=2)
    assert [s.lines for s in track.segments] == [
        ["one two", "three four"], ["five six", "seven"], ["eight nine", "ten"], ["eleven", "twelve"]]
    # (a last caption of one word takes the word before it: no orphan)
    check_invariants(timed(texts), track, 10, 2)


def test_punctuation_tokens_attach_to_their_word_and_never_flash_alone() -> None:
    texts = ["Hello", ",", "world", "!", "(", "quietly", ")", "“", "yes", "”", "..."]
    track = segment_words(timed(texts), max_chars=40, lines=1)
    assert [s.lines for s in track.segments] == [["Hello, world! (quietly) “yes”..."]]
    assert len(track.segments[0].words) == len(texts)


def test_leading_closing_punctuation_and_all_punctuation_input() -> None:
    assert segment_words(timed(["...", "so"])).segments[0].lines == ["...so"]
    only = segment_words(timed(["?", "!"]))
    assert [s.lines for s in only.segments] == [["?!"]]


def test_over_long_word_stands_alone_on_its_line() -> None:
    texts = ["a", "incomprehensibilities", "b", "c"]
    track = segment_words(timed(texts), max_chars=8, lines=2)
    assert [s.lines for s in track.segments] == [["a", "incomprehensibilities"], ["b c"]]


def test_no_empty_first_caption_with_tiny_max_chars() -> None:
    texts = ["I", "am", "here"]
    track = segment_words(timed(texts), max_chars=1, lines=1)
    assert [s.lines for s in track.segments] == [["I"], ["am"], ["here"]]


def test_whitespace_inside_words_is_collapsed_and_blank_words_kept() -> None:
    texts = [" leading", "new\nline", "   ", "tab\tbed"]
    track = segment_words(timed(texts), max_chars=40, lines=1)
    assert track.segments[0].lines == ["leading new line tab bed"]
    assert len(track.segments[0].words) == 4


def test_sentence_end_closes_a_caption_that_is_half_full() -> None:
    texts = ["This", "sentence", "is", "long", "enough.", "Next", "one."]
    track = segment_words(timed(texts), max_chars=20, lines=2)
    assert [s.lines for s in track.segments] == [["This sentence", "is long enough."], ["Next one."]]
    short = segment_words(timed(["Hi.", "There", "you", "are."]), max_chars=20, lines=2)
    assert [s.lines for s in short.segments] == [["Hi. There you are."]]


def test_ends_sentence() -> None:
    assert ends_sentence("end.") and ends_sentence("what?!") and ends_sentence("said.”")
    assert ends_sentence("終わり。") and not ends_sentence("comma,") and not ends_sentence("word")
    # Titles, mid-sentence abbreviations and initials do not end one; an ellipsis and a last word do.
    assert not any(ends_sentence(w) for w in ("Dr.", "(Sra.", "z.B.", "e.g.", "J.", "Mme."))
    assert ends_sentence("etc.") and ends_sentence("Dr...") and ends_sentence("Dr.?") and ends_sentence("I.")


def test_wide_characters_count_double() -> None:
    assert text_width("日本") == 4 and text_width("ab") == 2 and text_width("e\u0301") == 1


def test_gap_closing_and_tail() -> None:
    words = [Word(text="a", start=0.0, end=0.5), Word(text="b", start=0.8, end=1.2),
             Word(text="c", start=5.0, end=5.4)]
    timings = WordTimings(duration=10.0, words=words)
    track = segment_words(timings, max_chars=1, lines=1, min_duration=0)
    a, b, c = track.segments
    assert a.end == 0.8  # 0.3 s gap < GAP_CLOSE: bridged to the next start
    assert b.end == 1.2 + TAIL  # long pause: last word's end plus the tail
    assert c.end == 5.4 + TAIL
    assert GAP_CLOSE == 0.5


def test_tail_never_runs_past_audio_end_or_next_start() -> None:
    words = [Word(text="a", start=0.0, end=0.9), Word(text="b", start=1.1, end=1.95)]
    track = segment_words(WordTimings(duration=2.0, words=words), max_chars=1, lines=1)
    assert track.segments[0].end == 1.1
    assert track.segments[1].end == 2.0


def test_min_duration_extends_short_captions_within_limits() -> None:
    words = [Word(text="a", start=0.0, end=0.1), Word(text="b", start=3.0, end=3.1)]
    track = segment_words(WordTimings(duration=3.5, words=words), max_chars=1, lines=1, min_duration=1.0)
    assert track.segments[0].end == 1.0
    assert track.segments[1].end == 3.5  # capped by the audio's end


def test_long_silence_starts_a_new_caption() -> None:
    words = [Word(text="a", start=0.0, end=0.2), Word(text="b", start=0.2 + PAUSE_BREAK, end=1.5)]
    track = segment_words(WordTimings(duration=2.0, words=words), max_chars=32, lines=2)
    assert [s.lines for s in track.segments] == [["a"], ["b"]]


def test_overlapping_word_times_never_overlap_captions() -> None:
    words = [Word(text="one", start=1.0, end=3.0), Word(text="two", start=0.5, end=0.7),
             Word(text="three", start=0.6, end=2.0)]
    timings = WordTimings(duration=2.5, words=words)
    track = segment_words(timings, max_chars=3, lines=1)
    check_invariants(timings, track, 3, 1)


def test_empty_input_gives_an_empty_track() -> None:
    track = segment_words(WordTimings(duration=1.0, words=[]))
    assert track.segments == [] and track.duration == 1.0


_token = st.one_of(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzÉé日本語", min_size=1, max_size=14),
    st.sampled_from([".", ",", "!", "?", "...", "(", ")", "“", "”", "—", "end.", "so,", "x" * 40]),
)


@st.composite
def word_timings(draw: st.DrawFn, sane: bool) -> WordTimings:
    texts = draw(st.lists(_token, max_size=40))
    return timings_for(draw, texts, sane, longest=1.0)


@settings(max_examples=150, deadline=None)
@given(word_timings(sane=True), st.integers(1, 40), st.integers(1, 5), st.floats(0, 2))
def test_packer_invariants_hold_for_any_ordered_words(timings: WordTimings, max_chars: int, lines: int,
                                                       min_duration: float) -> None:
    track = segment_words(timings, max_chars=max_chars, lines=lines, min_duration=min_duration)
    check_invariants(timings, track, max_chars, lines)
    segs = track.segments
    for i, s in enumerate(segs):
        # Each word is on screen while it is spoken.
        assert all(s.start <= w.start and w.end <= s.end for w in s.words)
        # No line opens with punctuation that belongs to the previous word (except the very first).
        for j, line in enumerate(s.lines):
            first = line.split(" ")[0]
            assert (i, j) == (0, 0) or not set(first) <= _CLOSING_ONLY
        last_end = max(w.end for w in s.words)
        if i + 1 < len(segs) and segs[i + 1].start - last_end < GAP_CLOSE:
            assert s.end == segs[i + 1].start
        else:
            assert s.end <= max(last_end + TAIL, s.start + min_duration) + 1e-9


@settings(max_examples=100, deadline=None)
@given(word_timings(sane=False), st.integers(1, 40), st.integers(1, 5))
def test_packer_invariants_hold_for_disordered_times(timings: WordTimings, max_chars: int, lines: int) -> None:
    check_invariants(timings, segment_words(timings, max_chars=max_chars, lines=lines), max_chars, lines)


FUNCTION_WORDS = {"the", "a", "an", "of", "on", "in", "to", "at", "and", "or", "for", "with", "by", "from", "my",
                  "your", "his", "her", "its", "our", "their"}


def test_no_one_word_orphan_after_a_function_word() -> None:
    """ "The boat drifted slowly on the" / "water." kept the phrase apart and left a one-word caption: the
    phrase moves over whole ("on the water.")."""
    texts = ["The", "boat", "drifted", "slowly", "on", "the", "water.", "Then", "it", "stopped."]
    timings = timed(texts)
    track = segment_words(timings, max_chars=16, lines=2)
    check_invariants(timings, track, 16, 2)
    captions = [" ".join(s.lines) for s in track.segments]
    assert "on the water." in captions[1], captions
    for segment in track.segments:
        assert len([w for w in segment.words if w.text.strip()]) > 1, captions
        for line in segment.lines:
            assert line.split()[-1].lower() not in FUNCTION_WORDS, captions


def test_lines_do_not_end_on_a_function_word_when_the_next_line_has_room() -> None:
    texts = ["We", "walked", "along", "the", "river", "to", "the", "old", "mill", "and", "back"]
    timings = timed(texts)
    track = segment_words(timings, max_chars=20, lines=2)
    check_invariants(timings, track, 20, 2)
    for segment in track.segments:
        for line in segment.lines[:-1]:
            assert line.split()[-1].lower() not in FUNCTION_WORDS, [s.lines for s in track.segments]
