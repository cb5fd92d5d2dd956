"""Reading cues back from SRT and WebVTT files, to compare captions by text and time.

A small tolerant reader: cue numbers/identifiers, VTT headers, NOTE/STYLE blocks and cue settings are
skipped; the lines of a cue are joined with a newline so a changed line break counts as changed text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

CAPTION_SUFFIXES = (".srt", ".vtt")
_STAMP = r"(?:(\d+):)?(\d{1,2}):(\d{2})[,.](\d{3})"
_TIMING = re.compile(rf"^\s*{_STAMP}\s*-->\s*{_STAMP}")


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


def _seconds(hours: str | None, minutes: str, secs: str, millis: str) -> float:
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(secs) + int(millis) / 1000


def parse_cues(text: str) -> list[Cue]:
    """Every timed cue in SRT or WebVTT ``text``, in file order."""
    cues = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\ufeff", "").strip()):
        lines = block.split("\n")
        for index, line in enumerate(lines):
            match = _TIMING.match(line)
            if match:
                g = match.groups()
                cues.append(Cue(_seconds(*g[:4]), _seconds(*g[4:]), "\n".join(lines[index + 1:]).strip()))
                break
    return cues


def read_cues(path: Path) -> list[Cue]:
    return parse_cues(path.read_text(encoding="utf-8", errors="replace"))
