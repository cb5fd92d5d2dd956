"""SubRip (.srt) output and time shifting of caption tracks.

SRT is the sidecar format every player and upload form accepts. Times are rounded to the nearest
millisecond (rounding is monotonic, so captions that touch or do not overlap before rounding still do not
overlap after it). SRT has no escape mechanism, yet players read markup in it: HTML-like tags (``<i>``,
``<font color=...>``), ASS override blocks (``{\\an8}`` moves a cue to the top in ffmpeg, mpv, VLC) and
backslash sequences (``\\N``), and a line holding ``-->`` with numbers around it can be taken for a new
cue's timing line. So a line break inside a caption line becomes a space, blank lines are dropped, and a
WORD JOINER (U+2060, invisible and zero width) goes after every ``<`` and backslash and inside every
``-->``, which no parser then recognises, while the text still reads the same. Braces are written ``\\{``
and ``\\}`` (with a WORD JOINER after ``\\{``): libass, reading SRT through ffmpeg or mpv, takes any
``{...}`` for an override block and hides it, whatever is inside, but draws ``\\{`` and ``\\}`` as braces
(checked by burning through ffmpeg's SRT reader); players with their own SRT reader show the backslash,
the lesser harm next to losing the text.

``shift`` and ``concat`` let the merge node build one track for the whole video from per-scene tracks.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path

from nodes.formats import CaptionTrack, Segment, Word

WORD_JOINER = "\u2060"
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def srt_time(seconds: float) -> str:
    """``HH:MM:SS,mmm``, rounded to the nearest millisecond."""
    ms = max(0, math.floor(seconds * 1000 + 0.5))
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d},{ms:03d}"


def escape_srt(text: str) -> str:
    """One line of user text, on one line and with no markup any player would act on."""
    text = " ".join(_CONTROLS.sub(" ", text).split())
    text = text.replace("\\", "\\" + WORD_JOINER).replace("<", "<" + WORD_JOINER)
    text = text.replace("{", "\\{" + WORD_JOINER).replace("}", "\\}")
    return text.replace("-->", "--" + WORD_JOINER + ">")


def _srt_lines(segment: Segment) -> list[str]:
    lines = (escape_srt(line) for line in segment.lines)
    return [line for line in lines if line]


def to_srt(track: CaptionTrack) -> str:
    """The track as SRT text (cues numbered from 1; segments with no visible text are left out)."""
    cues: list[str] = []
    for segment in track.segments:
        lines = _srt_lines(segment)
        if not lines:
            continue
        timing = f"{srt_time(segment.start)} --> {srt_time(segment.end)}"
        cues.append("\n".join([str(len(cues) + 1), timing, *lines]) + "\n")
    return "\n".join(cues)


def write_srt(track: CaptionTrack, path: Path) -> None:
    """Write the track as a UTF-8 .srt file."""
    Path(path).write_text(to_srt(track), encoding="utf-8", newline="\n")


def _shift_word(word: Word, offset: float) -> Word:
    return word.model_copy(update={"start": word.start + offset, "end": word.end + offset})


def shift(track: CaptionTrack, offset: float) -> CaptionTrack:
    """The track moved ``offset`` seconds later (segments and their words); its duration grows by it."""
    if offset < 0:
        raise ValueError(f"offset must be >= 0, got {offset}")
    return CaptionTrack(
        duration=track.duration + offset,
        segments=[
            s.model_copy(update={
                "start": s.start + offset,
                "end": s.end + offset,
                "words": [_shift_word(w, offset) for w in s.words],
            })
            for s in track.segments
        ],
    )


def concat(tracks: Sequence[CaptionTrack], offsets: Sequence[float],
           duration: float | None = None) -> CaptionTrack:
    """One track from scene tracks placed at ``offsets`` (seconds from the start of the video).

    With transitions scenes overlap, so a caption is cut where the next one starts: captions never
    overlap. ``duration`` defaults to the end of the last placed track.
    """
    if len(tracks) != len(offsets):
        raise ValueError(f"{len(tracks)} tracks but {len(offsets)} offsets")
    placed = [shift(t, o) for t, o in zip(tracks, offsets, strict=True)]
    segments = sorted((s for t in placed for s in t.segments), key=lambda s: s.start)
    for i in range(len(segments) - 1):
        if segments[i].end > segments[i + 1].start:
            segments[i] = segments[i].model_copy(update={"end": max(segments[i].start, segments[i + 1].start)})
    total = duration if duration is not None else max((t.duration for t in placed), default=0.0)
    return CaptionTrack(duration=total, segments=segments)
