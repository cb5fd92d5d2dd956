"""The ``join`` node: a scene's segments (``render`` steps with ``frames``) made into one scene video.

The video packets are copied (the concat demuxer, no re-encode), and so is the soundtrack a
``soundtrack`` step encoded while the segments rendered; given the narration instead (or nothing, for
silence), the join encodes it itself, the same way. The result is the same kind of file a whole-scene
``render`` writes, so the merge takes either.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, model_validator

from nodes.media.ffmpeg import ffmpeg_exe
from nodes.media.probe import frame_count
from nodes.render.bounds import MAX_FPS, MAX_SCENE_FRAMES
from nodes.render.segments import join_segments
from nodes.render.soundtrack import aac_frames_for, encode_soundtrack, read_soundtrack
from pipeline.node import (
    CheckValue,
    Facts,
    InputValue,
    NodeInputError,
    NodeType,
    Params,
    Pending,
    Port,
    Resources,
    RunContext,
)


class JoinParams(Params):
    fps: int = Field(30, ge=1, le=MAX_FPS, description="Frames per second of the segments.")
    frames: list[Annotated[int, Field(ge=1, le=MAX_SCENE_FRAMES)]] = Field(
        min_length=1, max_length=MAX_SCENE_FRAMES, description="Frames in each segment, in order (the lengths "
                              "their `frames` ranges give).")
    video_only: bool = Field(False, description="Join the video alone, as a segment is: a group of a long "
                             "scene's segments, which a later join takes with the other groups.")

    @model_validator(mode="after")
    def _bounded(self) -> JoinParams:
        if sum(self.frames) > MAX_SCENE_FRAMES:
            raise ValueError(f"the segments add up to {sum(self.frames)} frames, more than the longest scene "
                             f"({MAX_SCENE_FRAMES} frames)")
        return self


class Join(NodeType):
    name = "join"
    doc = "A scene's segments joined by stream copy, with the narration (or silence) as its sound."
    version = "2"
    params = JoinParams
    inputs = {
        "segments": Port("video", "The segments, in order (render steps with `frames`).", many=True),
        "audio": Port("audio", "The narration, cut or padded to the segments' length (encoded here).",
                      optional=True),
        "soundtrack": Port("soundtrack", "The scene's sound, encoded by a `soundtrack` step (copied here).",
                           optional=True),
    }
    outputs = {"video": Port("video", "H.264 + AAC 48 kHz stereo MP4 of the scene (H.264 alone with "
                                      "`video_only`).", suffix=".mp4")}
    resources = Resources(cpu=1, ffmpeg=1)

    def tools(self, params: JoinParams) -> dict[str, str | Path]:
        return {"ffmpeg": Path(ffmpeg_exe())}

    def check(self, params: JoinParams, inputs: dict[str, CheckValue]) -> list[NodeInputError]:
        """The segment list against ``frames``, a segment's known frame count against its entry, and the
        sound inputs against ``video_only``: all known before the segments render."""
        errors = []
        segments = inputs.get("segments")
        count = len(segments) if isinstance(segments, list) else 0
        if count != len(params.frames):
            errors.append(_count_error(count, params))
        elif isinstance(segments, list):
            for index, (segment, expected) in enumerate(zip(segments, params.frames, strict=True)):
                if not isinstance(segment, Pending):
                    continue
                found = segment.facts.get("frames")
                if found is not None and found != expected:
                    errors.append(NodeInputError(
                        f"segment {index + 1} (${{{segment.step}.{segment.port}}}) makes {found} frames, not "
                        f"{expected}", field="frames", hint="the frame counts must match the segments' ranges"))
                    break
        if isinstance(segments, list):
            rates = {s.facts["fps"] for s in segments if isinstance(s, Pending) and "fps" in s.facts}
            if rates - {params.fps}:
                errors.append(NodeInputError(f"the segments are made at {min(rates - {params.fps})} fps, the join "
                                             f"says {params.fps}", field="fps",
                                             hint="give the join the fps of the render steps it joins"))
        soundtrack = inputs.get("soundtrack")
        if isinstance(soundtrack, Pending) and {"frames", "fps"} <= soundtrack.facts.keys():
            made, fps = int(soundtrack.facts["frames"]), int(soundtrack.facts["fps"])
            if aac_frames_for(made, fps) != aac_frames_for(sum(params.frames), params.fps):
                errors.append(NodeInputError(f"the soundtrack is made for {made} frames at {fps} fps, but the "
                                             f"segments add up to {sum(params.frames)} frames at {params.fps} fps",
                                             field="soundtrack",
                                             hint="give the soundtrack step the same fps and frames as the join"))
        sound = _sound_problem(params, inputs.get("audio") is not None, soundtrack is not None)
        if sound is not None:
            errors.append(sound)
        return errors

    def known(self, params: JoinParams, inputs: dict[str, CheckValue]) -> dict[str, Facts]:
        return {"video": {"frames": sum(params.frames), "fps": params.fps}}

    def run(self, ctx: RunContext, params: JoinParams, inputs: dict[str, InputValue]) -> None:
        segments = inputs.get("segments")
        if not isinstance(segments, list) or len(segments) != len(params.frames):
            raise _count_error(len(segments) if isinstance(segments, list) else 0, params)
        for index, (path, expected) in enumerate(zip(segments, params.frames, strict=True)):
            found = frame_count(path, field="segments")
            if found is not None and found != expected:
                raise NodeInputError(f"segment {index + 1} ({path.name}) has {found} frames, not {expected}",
                                     field="frames", hint="the frame counts must match the segments' ranges")
        audio, encoded = inputs.get("audio"), inputs.get("soundtrack")
        narration = audio if isinstance(audio, Path) else None
        soundtrack = encoded if isinstance(encoded, Path) else None
        sound = _sound_problem(params, narration is not None, soundtrack is not None)
        if sound is not None:
            raise sound
        track = None
        n_frames = sum(params.frames)
        if soundtrack is not None:
            track = read_soundtrack(soundtrack, n_frames, params.fps)
        elif not params.video_only:
            track = encode_soundtrack(narration, n_frames, params.fps, ctx.work_dir / "soundtrack.aac",
                                      exe=ffmpeg_exe(), cancel=ctx.cancelled, workers=ctx.threads)
        join_segments(segments, params.frames, fps=params.fps, soundtrack=track, output=ctx.output("video"),
                      work_dir=ctx.work_dir, warn=ctx.warning, progress=ctx.progress, cancel=ctx.cancelled)
        ctx.progress(1.0, f"{len(segments)} segments, {sum(params.frames)} frames"
                          + (", video only" if params.video_only else ""))


def _count_error(count: int, params: JoinParams) -> NodeInputError:
    return NodeInputError(f"{count} segments for {len(params.frames)} frame counts", field="segments",
                          hint="give one entry in `frames` per segment, in the same order")


def _sound_problem(params: JoinParams, narration: bool, soundtrack: bool) -> NodeInputError | None:
    """The sound inputs against ``video_only``: none for a video-only join, at most one otherwise."""
    if params.video_only and (narration or soundtrack):
        field_name = "audio" if narration else "soundtrack"
        return NodeInputError(f"a video-only join takes no sound (`{field_name}`)", field=field_name,
                              hint="give the sound to the join that takes the groups, or drop video_only")
    if narration and soundtrack:
        return NodeInputError("the join takes the narration (`audio`) or its encoded `soundtrack`, not both",
                              field="soundtrack", hint="drop `audio`: the soundtrack step has it")
    return None
