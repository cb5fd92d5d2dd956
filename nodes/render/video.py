"""Video backgrounds: a clip looped or trimmed to the scene's length and fitted like a still.

The clip is decoded, resampled to the output frame rate, fitted (cover, contain or blur) and encoded in
one ffmpeg process; nothing goes through Python. A clip shorter than the scene is looped with
``-stream_loop`` (ffmpeg keeps its timestamps increasing across loops), a longer one is cut: the output's
frame count bounds both, so a looped input can never make an endless encode.

The clip's length is its picture's, measured from the video stream's own packets (``video_span``): the
container's duration also covers a sound track that runs on after the picture, or an offset start. The
last picture is held should the clip still end early, so the scene always gets its frames (and the
render checks it got them). A loop lasts the picture's length, and the clip's sound, when mixed, follows
the picture: silence where it has none, cut where it runs on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nodes.media.probe import probe, video_span
from nodes.render.fit import Fit, fit_filter
from pipeline.node import NodeInputError

VIDEO_HINT = "use a video file ffmpeg can decode (MP4, MOV, WebM, MKV) with a video track"


@dataclass(frozen=True)
class Clip:
    """What the render needs to know about a background clip."""

    path: Path
    duration: float  # the picture's length, seconds (not the container's: its sound may last longer)
    audio_channels: int  # 0 when the clip has no sound
    start: float = 0.0  # the first picture's timestamp, seconds: the clip's sound is aligned to it

    @classmethod
    def read(cls, path: Path, field: str = "video") -> Clip:
        info = probe(path, field=field)
        if info.video is None:
            raise NodeInputError(f"{path.name} has no video track", field=field, hint=VIDEO_HINT)
        if is_still_picture(info.format_name, info.video.frames):
            # told by content, not by name: looping a one-frame "video" never reaches the scene's length
            raise NodeInputError(f"{path.name} is a still picture ({info.video.codec}), not a video",
                                 field=field, hint="give it as `image:` (a picture gets Ken Burns motion), "
                                                   "or use a video file")
        span = video_span(path, field=field)
        if span is None or span.length <= 0:
            raise NodeInputError(f"{path.name} has no length (0 s of video)", field=field, hint=VIDEO_HINT)
        return cls(path, span.length, info.audio.channels if info.audio else 0, span.start)

    def needs_loop(self, seconds: float) -> bool:
        return self.duration + 1e-3 < seconds


def is_still_picture(format_name: str, frames: int | None) -> bool:
    """A single picture read through ffmpeg's image demuxers (``image2``, ``png_pipe``, ``webp_pipe``...)."""
    return (format_name == "image2" or format_name.endswith("_pipe")) and (frames is None or frames <= 1)


def clip_input(clip: Clip, seconds: float) -> list[str]:
    """The ffmpeg input arguments of ``clip``'s picture for a scene of ``seconds``: looped when it is
    shorter. ffmpeg loops a whole input, its longest stream setting the period, so the input holds the
    picture alone: each loop lasts the picture's length. The sound is an input of its own (``ClipSound``)."""
    loop = ["-stream_loop", "-1"] if clip.needs_loop(seconds) else []
    return [*loop, "-an", "-sn", "-dn", "-i", str(clip.path)]


def clip_chain(fit: Fit, width: int, height: int, fps: int) -> str:
    """Filters from the clip's video stream to fitted yuv420p frames at ``fps``, starting at time 0, the
    last picture held after the clip's end (the output's frame count ends the stream)."""
    return f"setpts=PTS-STARTPTS,fps={fps},tpad=stop=-1:stop_mode=clone,{fit_filter(fit, width, height)}"
