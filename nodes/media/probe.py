"""Structured probing of media files with PyAV (no ffprobe, no parsing of log text).

A file that does not open, or whose first audio/video frame does not decode, is the user's input to fix,
so it raises NodeInputError naming the recipe field it came from.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from nodes.media.mp4 import video_track
from pipeline.node import NodeInputError

if TYPE_CHECKING:
    import av


class VideoInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    codec: str
    width: int
    height: int
    fps: Fraction | None
    pix_fmt: str | None
    frames: int | None  # from the container index; None when it does not say
    duration: float | None


class AudioInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    codec: str
    sample_rate: int
    channels: int
    duration: float | None


class MediaInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str
    format_name: str
    duration: float | None
    video: VideoInfo | None = None
    audio: AudioInfo | None = None


class VideoSpan(BaseModel):
    """Where a video stream's pictures lie, from its own packets' timestamps."""

    model_config = ConfigDict(extra="forbid")

    start: float  # seconds: the first picture's timestamp
    length: float  # seconds from the first picture's start to the last one's end
    frames: int


def _stream_duration(stream: av.stream.Stream) -> float | None:
    if stream.duration is None or stream.time_base is None:
        return None
    return float(stream.duration * stream.time_base)


def _first_frame_decodes(container: av.container.InputContainer, stream: av.stream.Stream) -> bool:
    for frame in container.decode(stream):
        del frame
        return True
    return False


def probe(path: Path, *, field: str = "input", decode: bool = True) -> MediaInfo:
    """Describe ``path``'s container and its first video and audio streams.

    With ``decode`` the first frame of each described stream is decoded, so a file with a valid header but
    a broken body is caught here rather than halfway through an encode.
    """
    import av

    path = Path(path)
    hint = "use a file ffmpeg can decode (for example WAV, MP3, OGG, MP4, JPEG, PNG)"
    if not path.is_file():
        raise NodeInputError(f"{path} does not exist or is not a file", field=field,
                             hint="check the path in the recipe")
    try:
        with av.open(str(path)) as container:
            video = audio = None
            if container.streams.video:
                vstream = container.streams.video[0]
                fps = vstream.average_rate or vstream.guessed_rate
                video = VideoInfo(
                    codec=vstream.codec_context.name, width=vstream.width, height=vstream.height,
                    fps=Fraction(fps) if fps else None,
                    pix_fmt=vstream.format.name if vstream.format else None,
                    frames=vstream.frames or None, duration=_stream_duration(vstream))
            if container.streams.audio:
                astream = container.streams.audio[0]
                audio = AudioInfo(
                    codec=astream.codec_context.name, sample_rate=astream.codec_context.sample_rate,
                    channels=astream.codec_context.channels, duration=_stream_duration(astream))
            info = MediaInfo(
                path=str(path), format_name=container.format.name,
                duration=container.duration / 1_000_000 if container.duration is not None else None,
                video=video, audio=audio)
            if decode:
                for kind, streams in (("video", container.streams.video), ("audio", container.streams.audio)):
                    if streams:
                        if not _first_frame_decodes(container, streams[0]):
                            raise NodeInputError(f"{path.name}: its {kind} stream holds no decodable frame",
                                                 field=field, hint=hint)
    except NodeInputError:
        raise
    except (av.FFmpegError, OSError, ValueError, UnicodeDecodeError) as exc:
        raise NodeInputError(f"{path.name} is not a media file that can be decoded: {exc}",
                             field=field, hint=hint) from exc
    if video is None and audio is None:
        raise NodeInputError(f"{path.name} holds neither audio nor video", field=field, hint=hint)
    return info


def video_span(path: Path, *, field: str = "video") -> VideoSpan | None:
    """The first video stream's own extent, read from its packets (demuxed, not decoded); None without one.

    The container's duration covers its longest stream: a clip's sound may run on after its last picture
    or start before its first (an ``-output_ts_offset`` remux), and some containers (MKV) give no
    per-stream length at all. Only the picture's packets tell how long the picture lasts. A packet without
    a duration counts one frame interval; a stream without timestamps counts its frames at its rate.
    """
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                return None
            stream = container.streams.video[0]
            tb = stream.time_base
            rate = stream.average_rate or stream.guessed_rate
            step = 1 / Fraction(rate) if rate else None
            first: int | None = None
            end: int | None = None
            frames = 0
            for packet in container.demux(stream):
                if packet.size == 0 or packet.is_discard:
                    continue
                frames += 1
                pts = packet.pts if packet.pts is not None else packet.dts
                if pts is None or tb is None:
                    continue
                duration = packet.duration or (round(step / tb) if step else 0)
                first = pts if first is None else min(first, pts)
                end = pts + duration if end is None else max(end, pts + duration)
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise NodeInputError(f"{Path(path).name} is not a video that can be read: {exc}", field=field,
                             hint="use a video file ffmpeg can decode (MP4, MOV, WebM, MKV)") from exc
    if first is not None and end is not None and tb is not None and end > first:
        return VideoSpan(start=float(first * tb), length=float((end - first) * tb), frames=frames)
    return VideoSpan(start=0.0, length=float(frames * step) if step else 0.0, frames=frames)


def frame_count(path: Path, *, field: str) -> int | None:
    """Frames of an MP4's video: from its boxes (a 10-minute scene has 300 segments, and probing each one
    decodes a key frame), else from a probe, which also says what is wrong with a broken file."""
    track = video_track(path)
    if track is not None:
        return track.frames
    info = probe(path, field=field)
    return info.video.frames if info.video is not None else None
