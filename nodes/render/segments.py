"""Fixed-length segments of a scene: the frame ranges, and the stream-copy join of their encodes.

A long still scene is rendered as segments so several encoders (threads here, workers on a cluster) work
on one scene at once, and a change late in the scene leaves its early segments cached. The length of a
segment is fixed by the frame rate and a constant (``SEGMENT_SECONDS``), never by the machine, and x264's
thread count is fixed (``SEGMENT_X264_THREADS``), so the joined file has the same bytes on every machine
whatever ran at once. Each segment starts with a key frame and refers to no frame outside it (x264's GOPs
are closed by default), so segments join by copying packets.

A ``render`` step asked for segments splits into segment steps, a ``soundtrack`` step and ``join`` steps
when it runs, once the scene's length is known (``parts.py``); the joins copy the segments and the sound.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from nodes.media.ffmpeg import ProgressFn, run_ffmpeg
from nodes.media.mp4 import video_track
from nodes.render.command import join_args

if TYPE_CHECKING:
    from nodes.media.aac import AacTrack

SEGMENT_SECONDS = 2.0
# A scene of more segments than this joins them in groups of this many first, video only, each group as soon
# as its segments exist; the join at the end then copies a few group files instead of opening hundreds of
# segments (libavformat decodes the start of every file it opens: 15 ms a segment at 1080x1920, 4.6 s of one
# core for a 10-minute scene's 300). A fixed count, never the machine's, so the bytes stay the same.
GROUP_SEGMENTS = 30


# The fewest frames in a segment. x264 gives an encode of one or two frames no B-frame delay, so its
# first decode timestamp is 0 where every longer segment's is two frames earlier; copied after one of
# those, its timestamps jumped, the joined scene's frame rate read 255/19 and the merge refused it (a
# 16-frame scene in 15-frame segments). So segments are at least this long, and a shorter tail joins the
# segment before it. A constant, so the ranges depend on the frame count alone.
MIN_SEGMENT_FRAMES = 8


def segment_length(fps: int, seconds: float = SEGMENT_SECONDS) -> int:
    """Frames in one segment: ``seconds`` of frames at ``fps`` (at least ``MIN_SEGMENT_FRAMES``)."""
    return max(MIN_SEGMENT_FRAMES, round(fps * seconds))


def segment_ranges(n_frames: int, length: int) -> list[tuple[int, int]]:
    """[first, end) of each segment of a scene of ``n_frames`` frames; the last one may be shorter, but
    never shorter than ``MIN_SEGMENT_FRAMES`` (a shorter tail is part of the segment before it)."""
    ranges = [(first, min(first + length, n_frames)) for first in range(0, n_frames, length)]
    if len(ranges) > 1 and ranges[-1][1] - ranges[-1][0] < MIN_SEGMENT_FRAMES:
        ranges[-2:] = [(ranges[-2][0], n_frames)]
    return ranges


def segment_groups(count: int, size: int | None = None) -> list[range]:
    """The segments (by index) each group joins; a scene of up to ``size`` segments is one group, joined at
    once. ``size`` defaults to ``GROUP_SEGMENTS``, read when called."""
    size = GROUP_SEGMENTS if size is None else size
    if count <= size:
        return [range(count)]
    return [range(first, min(first + size, count)) for first in range(0, count, size)]


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


def configuration(path: Path) -> bytes:
    """The H.264 parameter sets a segment's packets need (the MP4's decoder configuration): read from the
    file's boxes, or through libavformat when the box reader does not know the file."""
    import av

    track = video_track(path)
    if track is not None:
        return track.config
    with av.open(str(path)) as container:
        return bytes(container.streams.video[0].codec_context.extradata or b"")


def join_segments(segments: list[Path], frames: list[int], *, fps: int, soundtrack: AacTrack | None, output: Path,
                  work_dir: Path, warn: Callable[[str], None], progress: ProgressFn | None = None,
                  cancel: threading.Event | None = None, exe: str | None = None) -> None:
    """Join a scene's segments (``frames`` frames each, in order) and its encoded ``soundtrack`` into
    ``output``, copying both; with ``soundtrack`` None the video alone (a group of segments, joined again
    later).

    Segments with different encoder configurations (an encoder fallback between them) still join, with
    their parameter sets in-band; ``warn`` says so.
    """
    n_frames = sum(frames)
    script = work_dir / f"{output.stem}.ffconcat"
    script.write_text(concat_script(segments, frames, fps), encoding="utf-8")
    same = len({configuration(path) for path in segments}) == 1
    if not same:
        warn("the segments were encoded with different settings; their parameter sets are repeated in the "
             "joined video")
    run_ffmpeg(join_args(concat_file=script, soundtrack=soundtrack, n_frames=n_frames, output=output,
                         same_config=same),
               progress=progress, expected_duration=n_frames / fps, cancel=cancel, exe=exe)
