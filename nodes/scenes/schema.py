"""JSON Schemas of the scene list's voice / recording / render / motion / captions settings, from the node types'
params (the settings are spread into the steps' fields, so the node types' models are their truth)."""

from __future__ import annotations

from typing import Any

from nodes.render.segments import SEGMENT_SECONDS
from pipeline.registry import node_types


def _params_subset(node: str, drop: set[str], defs: dict[str, Any]) -> dict[str, Any] | None:
    """A node type's params schema without some fields (the ones the scene list sets itself)."""
    cls = node_types().get(node)
    if cls is None:
        return None
    params = cls.params.model_json_schema()
    defs.update(params.pop("$defs", {}))
    props = {k: v for k, v in params.get("properties", {}).items() if k not in drop}
    return {"type": "object", "properties": props, "additionalProperties": False}


def scene_settings(defs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Schemas for the settings found at both the recipe's and a scene's level, by field name."""
    found: dict[str, dict[str, Any]] = {}
    voice = _params_subset("tts", {"text"}, defs)
    render = _params_subset("render", {"width", "height", "fps", "duration", "preview", "caption_style",
                                       "frames"}, defs)
    if render:
        render["properties"]["segment_seconds"] = {
            "type": "number", "exclusiveMinimum": 0, "examples": [SEGMENT_SECONDS],
            "description": "Asks for segments: a still scene longer than this is rendered in segments of "
                           "this many seconds of frames, several at once, then joined; a scene of known "
                           "length (`duration:`, or a recording used as it is) as steps of their own (each "
                           "cached, spread over a cluster), a narrated scene by its one render step cutting "
                           "itself. Off by default: on a few cores one render step is faster."}
    recording = _params_subset("align", {"text", "max_seconds"}, defs)
    captions = _params_subset("captions", set(), defs)
    full_render = _params_subset("render", set(), defs)
    if voice:
        found["voice"] = voice
    if recording:
        found["recording"] = recording
    if render:
        motion = render["properties"].pop("motion", None)
        found["render"] = render
        if motion:
            found["motion"] = motion
    if captions:
        style = (full_render or {}).get("properties", {}).get("caption_style")
        if style:
            captions["properties"]["style"] = style
        found["captions"] = {"anyOf": [captions, {"type": "boolean"}]}
    return found
