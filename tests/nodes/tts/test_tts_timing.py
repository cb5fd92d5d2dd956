"""Word timing: spoken spans, merged and split words, the proportional fallback and clamping."""

from __future__ import annotations

import pytest

from nodes.tts.piper_engine import spoken_words
from nodes.tts.word_timing import Span, fit, group, proportional, tidy


def flat(spans: list[Span]) -> list[float]:
    return [t for span in spans for t in span]


def test_proportional_shares_by_character_count() -> None:
    spans = proportional(["a", "bbb", "cccc."], 1.0, 2.6)
    # Weights 1, 3, 4 (punctuation does not count) over 1.6 s.
    assert flat(spans) == pytest.approx([1.0, 1.2, 1.2, 1.8, 1.8, 2.6])


def test_fit_uses_spoken_spans_when_counts_match() -> None:
    spoken = [(0.1, 0.3), (0.4, 0.9)]
    assert fit(["one", "two"], spoken, (0.1, 0.9)) == spoken


def test_fit_falls_back_to_proportional_without_sizes() -> None:
    assert flat(fit(["ab", "cd"], [(0.0, 1.0)], (0.0, 1.0))) == pytest.approx([0.0, 0.5, 0.5, 1.0])
    assert flat(fit(["ab", "cd"], [], (0.2, 0.6))) == pytest.approx([0.2, 0.4, 0.4, 0.6])


def test_group_finds_merges_and_splits() -> None:
    # Script: "of the 3/14 end" (sizes 2, 2, 12, 3); spoken: "ofthe", "three", "slash", "fourteen", "end".
    groups = group([2, 2, 12, 3], [4, 3, 4, 5, 3])
    assert groups == [(range(0, 2), range(0, 1)), (range(2, 3), range(1, 4)), (range(3, 4), range(4, 5))]


def test_fit_with_sizes_times_merged_and_split_words() -> None:
    words = ["of", "the", "3/14", "end."]
    spoken = [(0.0, 0.4), (0.5, 0.8), (0.8, 1.0), (1.0, 1.5), (1.6, 2.0)]
    spans = fit(words, spoken, (0.0, 2.0), [2, 2, 12, 3], [4, 3, 4, 5, 3])
    assert flat(spans) == pytest.approx([0.0, 0.2, 0.2, 0.4, 0.5, 1.5, 1.6, 2.0])


def test_tidy_clamps_and_orders() -> None:
    words = tidy(["a", "b", "c"], [(-0.1, 0.5), (0.4, 0.45), (0.9, 3.0)], duration=2.0)
    assert [(w.start, w.end) for w in words] == [(0.0, 0.5), (0.5, 0.5), (0.9, 2.0)]


def test_spoken_words_skip_silence_markers_and_pauses() -> None:
    # "^ h i , _ t h e r e . $" with sample counts; ' ' separates words, ',' and '.' are pauses.
    alignments = [("^", 100), ("h", 10), ("ˈ", 5), ("i", 20), (",", 50), (" ", 30),
                  ("ð", 10), ("ɛ", 20), ("ɹ", 10), (".", 40), ("$", 100)]
    words = spoken_words(alignments, offset=1000)
    assert [(w.start, w.end, w.size) for w in words] == [(1100, 1135, 2), (1215, 1255, 3)]
