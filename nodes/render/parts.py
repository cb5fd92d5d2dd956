"""A still scene as the parts ``Render.split`` gives the engine once the scene's length is known.

Each fixed-length segment is a ``render`` step with ``frames`` and, when the scene has captions, a
``caption_window`` step giving it only the captions it shows; a ``soundtrack`` step encodes the sound
meanwhile; ``join`` steps copy the segments (in groups first, for a long scene) and the sound into the
scene's video. A segment's key holds what its pixels depend on (the picture, the scene's frame count,
its captions), not the narration itself: a rerun after a crash, or an edit that leaves the scene's length
and a segment's captions alone, finds that segment cached.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nodes.render.segments import segment_groups, segment_length, segment_ranges
from pipeline.node import From, Part, Split

if TYPE_CHECKING:
    from nodes.render.node import RenderParams


def scene_parts(params: RenderParams, n_frames: int, *, narrated: bool, captioned: bool) -> Split:
    """The parts of a still scene of ``n_frames`` frames cut into ``params.segment_seconds`` segments."""
    assert params.segment_seconds is not None
    ranges = segment_ranges(n_frames, segment_length(params.fps, params.segment_seconds))
    width = len(str(len(ranges)))
    # every segment renders the whole scene's frames [first, end): its length is given as the frame count
    segment: dict[str, Any] = params.model_dump(mode="json", exclude={"segment_seconds", "duration", "frames"})
    segment["duration"] = n_frames / params.fps
    parts: list[Part] = [Part("sound", "soundtrack", {"fps": params.fps, "frames": n_frames},
                              {"audio": [From("audio")]} if narrated else {})]
    frames = [end - first for first, end in ranges]
    groups = segment_groups(len(ranges))
    group_width = len(str(len(groups)))
    joined: list[str] = []
    joined_frames: list[int] = []
    for group_number, group in enumerate(groups, start=1):
        names = []
        for k in group:
            first, end = ranges[k]
            name = f"seg{k + 1:0{width}d}"
            inputs = {"image": [From("image")]}
            if captioned:
                window = f"win{k + 1:0{width}d}"
                parts.append(Part(window, "caption_window", {"start": first / params.fps, "end": end / params.fps},
                                  {"captions": [From("captions")]}))
                inputs["captions"] = [From("captions", window)]
            parts.append(Part(name, "render", {**segment, "frames": [first, end]}, inputs))
            names.append(name)
        if len(groups) == 1:
            joined, joined_frames = names, frames
        else:  # a long scene: each group of segments joined (video only) right after them, so the executor,
            # which starts ready steps in this order, joins it as soon as they exist, while later ones render
            name = f"group{group_number:0{group_width}d}"
            parts.append(Part(name, "join", {"fps": params.fps, "frames": [frames[k] for k in group],
                                             "video_only": True},
                              {"segments": [From("video", segment_name) for segment_name in names]}))
            joined.append(name)
            joined_frames.append(sum(frames[k] for k in group))
    parts.append(Part("join", "join", {"fps": params.fps, "frames": joined_frames},
                      {"segments": [From("video", name) for name in joined],
                       "soundtrack": [From("soundtrack", "sound")]}))
    return Split(parts=parts, outputs={"video": From("video", "join")})
