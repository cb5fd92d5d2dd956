"""The ``caption_window`` node: the captions one segment of a scene shows.

A segment's render takes this instead of the whole track, so an edit to the late captions of a scene
changes only the windows (and segments) it falls in: the early windows come out with the same bytes,
and the engine keeps their segments (a node's key holds its inputs' content, not its upstream's).
Times stay those of the whole scene; the track's duration is the window's end.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError, model_validator

from nodes.formats import CaptionTrack
from pipeline.node import (
    InputValue,
    NodeInputError,
    NodeType,
    Params,
    Port,
    Resources,
    RunContext,
)

MAX_SECONDS = 4 * 3600  # the longest scene a render takes


class CaptionWindowParams(Params):
    start: float = Field(ge=0, le=MAX_SECONDS, description="Start of the window, seconds from the "
                         "scene's start.")
    end: float = Field(gt=0, le=MAX_SECONDS, description="End of the window (exclusive), seconds.")

    @model_validator(mode="after")
    def _ordered(self) -> CaptionWindowParams:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        return self


class CaptionWindow(NodeType):
    name = "caption_window"
    doc = "The captions on screen during [start, end) of a scene, for one segment's render."
    version = "1"
    params = CaptionWindowParams
    inputs = {"captions": Port("captions", "The scene's caption track (CaptionTrack).")}
    outputs = {"captions": Port("captions", "The captions that overlap the window, at the scene's times.",
                                suffix=".json")}
    resources = Resources(cpu=0.25)

    def run(self, ctx: RunContext, params: CaptionWindowParams, inputs: dict[str, InputValue]) -> None:
        source = inputs["captions"]
        if not isinstance(source, Path):
            raise NodeInputError("caption_window needs one caption track", field="captions",
                                 hint="connect `captions` to the `captions` output of a captions node")
        try:
            track = CaptionTrack.load(source)
        except (OSError, ValidationError, ValueError) as exc:
            raise NodeInputError(f"{source.name} is not a caption track: {str(exc).splitlines()[0]}",
                                 field="captions",
                                 hint="connect `captions` to the `captions` output of a captions node") from exc
        shown = [s for s in track.segments if s.end > params.start and s.start < params.end]
        CaptionTrack(duration=params.end, segments=shown).save(ctx.output("captions"))
        ctx.progress(1.0, f"{len(shown)} of {len(track.segments)} captions")
