"""Fixed-length segments of a scene: the frame ranges, and the stream-copy join of their encodes.

A long still scene is rendered as segments so several encoders (threads here, workers on a cluster) work
on one scene at once, and a change late in the scene leaves its early segments cached. The length of a
segment is fixed by the frame rate and a constant (``SEGMENT_SECONDS``), never by the machine, and x264's
thread count is fixed, so the joined file has the same bytes on every machine whatever ran at once.
Each segment starts with a key frame and refers to no frame outside it (x264's GOPs are closed by
default), so segments join by copying packets.
"""

from __future__ import annotations

from pathlib import Path

SEGMENT_SECONDS = 2.0


def segment_length(fps: int, seconds: float = SEGMENT_SECONDS) -> int:
    """Frames in one segment: ``seconds`` of frames at ``fps`` (at least one)."""
    return max(1, round(fps * seconds))


def segment_ranges(n_frames: int, length: int) -> list[tuple[int, int]]:
    """[first, end) of each segment of a scene of ``n_frames`` frames; the last one may be shorter."""
    return [(first, min(first + length, n_frames)) for first in range(0, n_frames, length)]


def _quoted(path: Path) -> str:
    """A path as a quoted string for an ffconcat ``file`` line ('...' with ' written as '\\'')."""
    return "'" + str(path.resolve()).replace("'", "'\\''") + "'"


def concat_script(segments: list[Path], frames: list[int], fps: int) -> str:
    """The concat demuxer script: each segment with its exact duration, so the next starts on its frame."""
    lines = ["ffconcat version 1.0"]
    for path, count in zip(segments, frames, strict=True):
        lines.append(f"file {_quoted(path)}")
        lines.append(f"duration {count / fps:.6f}")
    return "\n".join(lines) + "\n"
