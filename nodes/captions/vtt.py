"""WebVTT (.vtt) output: the sidecar format of the web (HTML ``<track>``, most players and platforms).

Times are rounded to the nearest millisecond (monotonic, so captions that do not overlap still do not).
Cue text is markup in WebVTT: ``&``, ``<`` and ``>`` are written as character references, which also keeps
``-->`` out of cue text. A line break would end the cue's text block, so every line break and control
character becomes a space, and blank lines are dropped.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from nodes.formats import CaptionTrack

_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_REFERENCES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def vtt_time(seconds: float) -> str:
    """``HH:MM:SS.mmm``, rounded to the nearest millisecond."""
    ms = max(0, math.floor(seconds * 1000 + 0.5))
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{ms:03d}"


def escape_vtt(text: str) -> str:
    """One line of user text as inert WebVTT cue text."""
    text = " ".join(_BREAKS.sub(" ", text).split())
    return "".join(_REFERENCES.get(ch, ch) for ch in text)


def to_vtt(track: CaptionTrack) -> str:
    """The track as WebVTT text (cues numbered from 1; segments with no visible text are left out)."""
    cues: list[str] = []
    for segment in track.segments:
        lines = [line for line in (escape_vtt(line) for line in segment.lines) if line]
        if not lines:
            continue
        timing = f"{vtt_time(segment.start)} --> {vtt_time(segment.end)}"
        cues.append("\n".join([str(len(cues) + 1), timing, *lines]) + "\n")
    return "\n".join(["WEBVTT\n", *cues])


def write_vtt(track: CaptionTrack, path: Path) -> None:
    """Write the track as a UTF-8 .vtt file."""
    Path(path).write_text(to_vtt(track), encoding="utf-8", newline="\n")
