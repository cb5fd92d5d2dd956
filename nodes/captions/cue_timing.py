"""When captions appear and disappear: one set of rules for every packer.

A caption starts at its first piece's start and never earlier than the previous caption's start. It ends at
its last piece's end, then: if the gap to the next caption is shorter than ``GAP_CLOSE`` it is extended to
the next start (no flicker in short pauses); otherwise it lingers ``TAIL`` seconds, never past the next start
or the audio's end. A caption shorter than ``min_duration`` is extended up to that, within the same limits.
So captions never overlap. Times stay exact floats here; the file writers round them (monotonically, so
touching captions still touch and never overlap after rounding).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from nodes.formats import CaptionTrack, Segment, Word

GAP_CLOSE = 0.5  # seconds: a shorter gap to the next caption is bridged
TAIL = 0.3  # seconds a caption lingers after its last word before a long pause
PAUSE_BREAK = 1.0  # seconds of silence between two words that start a new caption


def settle(spans: Sequence[tuple[float, float]], duration: float,
           min_duration: float) -> list[tuple[float, float]]:
    """``(start, end)`` on screen for captions whose content is spoken over ``spans`` (earliest start,
    latest end of their pieces), in order."""
    starts: list[float] = []
    for first, _ in spans:
        starts.append(max(first, starts[-1]) if starts else first)
    placed: list[tuple[float, float]] = []
    for i, (_, last) in enumerate(spans):
        start = starts[i]
        natural_end = max(start, last)
        if i + 1 < len(spans):
            limit = starts[i + 1]
            end = limit if limit - natural_end < GAP_CLOSE else min(natural_end + TAIL, limit)
        else:
            limit = max(duration, natural_end)
            end = min(natural_end + TAIL, limit)
        if end - start < min_duration:
            end = min(start + min_duration, limit)
        placed.append((start, end))
    return placed


class Timed(Protocol):
    @property
    def start(self) -> float: ...

    @property
    def end(self) -> float: ...


T = TypeVar("T", bound=Timed)


def check_packing(max_chars: int, lines: int, min_duration: float) -> None:
    if max_chars < 1 or lines < 1 or min_duration < 0:
        raise ValueError("max_chars and lines must be at least 1, min_duration at least 0")


def assemble(groups: list[list[list[T]]], duration: float, min_duration: float,
             line_text: Callable[[list[T]], str], words: Callable[[T], list[Word]]) -> CaptionTrack:
    """Captions from packed groups (a caption = lines of timed items): each spans its items, then the
    spans are settled (gaps bridged, minimum time, no overlap). Both packers end here."""
    spans = [(min(i.start for line in g for i in line), max(i.end for line in g for i in line)) for g in groups]
    segments = [
        Segment(start=start, end=end, lines=[line_text(line) for line in group],
                words=[w for line in group for item in line for w in words(item)])
        for group, (start, end) in zip(groups, settle(spans, duration, min_duration), strict=True)
    ]
    return CaptionTrack(duration=duration, segments=segments)
