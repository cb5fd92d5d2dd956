"""The ``join`` node: a scene's segments (``render`` steps with ``frames``) made into one scene video.

The video packets are copied (the concat demuxer, no re-encode); the soundtrack, the narration or
silence cut to the scene's frames, is encoded once, as a whole-scene render encodes it. The result is
the same kind of file a whole-scene ``render`` writes, so the merge takes either.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from nodes.media.ffmpeg import ffmpeg_exe
from nodes.media.mp4 import video_track
from nodes.media.probe import probe
from nodes.render.command import Sound
from nodes.render.segments import join_segments
from pipeline.node import (
    InputValue,
    NodeInputError,
    NodeType,
    Params,
    Port,
    Resources,
    RunContext,
)


def _frames(segment: Path) -> int | None:
    """A segment's frame count: from its MP4 boxes (a 10-minute scene has 300 segments, and probing each
    one decodes a key frame), else from a probe, which also says what is wrong with a broken file."""
    track = video_track(segment)
    if track is not None:
        return track.frames
    info = probe(segment, field="segments")
    return info.video.frames if info.video is not None else None


def _sound(narration: Path | None) -> Sound:
    """The scene's soundtrack: the narration (checked to hold sound), or silence."""
    if narration is None:
        return Sound()
    info = probe(narration, field="audio")
    if info.audio is None:
        raise NodeInputError(f"{narration.name} has no audio stream", field="audio",
                             hint="connect the narration (a WAV from the tts node)")
    return Sound(narration=narration, narration_channels=info.audio.channels)


class JoinParams(Params):
    fps: int = Field(30, ge=1, le=120, description="Frames per second of the segments.")
    frames: list[int] = Field(min_length=1, description="Frames in each segment, in order (the lengths "
                              "their `frames` ranges give).")
    video_only: bool = Field(False, description="Join the video alone, as a segment is: a group of a long "
                             "scene's segments, which a later join takes with the other groups.")


class Join(NodeType):
    name = "join"
    doc = "A scene's segments joined by stream copy, with the narration (or silence) as its sound."
    version = "1"
    params = JoinParams
    inputs = {
        "segments": Port("video", "The segments, in order (render steps with `frames`).", many=True),
        "audio": Port("audio", "The narration, cut or padded to the segments' length.", optional=True),
    }
    outputs = {"video": Port("video", "H.264 + AAC 48 kHz stereo MP4 of the scene (H.264 alone with "
                                      "`video_only`).", suffix=".mp4")}
    resources = Resources(cpu=1, ffmpeg=1)

    def tools(self, params: JoinParams) -> dict[str, str | Path]:
        return {"ffmpeg": Path(ffmpeg_exe())}

    def run(self, ctx: RunContext, params: JoinParams, inputs: dict[str, InputValue]) -> None:
        segments = inputs.get("segments")
        if not isinstance(segments, list) or len(segments) != len(params.frames):
            count = len(segments) if isinstance(segments, list) else 0
            raise NodeInputError(f"{count} segments for {len(params.frames)} frame counts", field="segments",
                                 hint="give one entry in `frames` per segment, in the same order")
        for index, (path, expected) in enumerate(zip(segments, params.frames, strict=True)):
            found = _frames(path)
            if found is not None and found != expected:
                raise NodeInputError(f"segment {index + 1} ({path.name}) has {found} frames, not {expected}",
                                     field="frames", hint="the frame counts must match the segments' ranges")
        audio = inputs.get("audio")
        narration = audio if isinstance(audio, Path) else None
        if params.video_only and narration is not None:
            raise NodeInputError("a video-only join takes no audio", field="audio",
                                 hint="give the narration to the join that takes the groups, or drop video_only")
        sound = None if params.video_only else _sound(narration)
        join_segments(segments, params.frames, fps=params.fps, sound=sound, output=ctx.output("video"),
                      work_dir=ctx.work_dir, warn=ctx.warning, progress=ctx.progress, cancel=ctx.cancelled)
        ctx.progress(1.0, f"{len(segments)} segments, {sum(params.frames)} frames"
                          + (", video only" if params.video_only else ""))
