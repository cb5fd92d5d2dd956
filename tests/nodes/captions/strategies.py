"""Shared hypothesis helpers for the caption packers' property tests."""

from __future__ import annotations

from hypothesis import strategies as st

from nodes.formats import Word, WordTimings


def timings_for(draw: st.DrawFn, texts: list[str], sane: bool, longest: float) -> WordTimings:
    """Word timings for ``texts``: in order and non-overlapping when ``sane``, else anywhere."""
    words: list[Word] = []
    t = 0.0
    for text in texts:
        if sane:
            start = t + draw(st.floats(0, 2.0))
            end = start + draw(st.floats(0, longest))
            t = end
        else:
            start, end = draw(st.floats(0, 20)), draw(st.floats(0, 20))
        words.append(Word(text=text, start=start, end=end))
    return WordTimings(duration=t + draw(st.floats(0, 2)), words=words)
