"""The recipe JSON Schema, with each registered node type's params, for editor completion.

Steps in the general form are a ``oneOf`` over node types keyed by ``type``; input ports accept a file
path or a ``${step.port}`` reference. yaml-language-server picks the schema up from a modeline:
``# yaml-language-server: $schema=recipe.schema.json``.
"""

from __future__ import annotations

from typing import Any

from pipeline.recipe.model import Recipe
from pipeline.registry import node_types

REFERENCE = {"type": "string", "description": "A file path (relative to the recipe) or ${step.port}."}


def step_schema(name: str) -> dict[str, Any]:
    cls = node_types()[name]
    params = cls.params.model_json_schema()
    defs = params.pop("$defs", {})
    properties = {"type": {"const": name, "description": cls.doc or (cls.__doc__ or "").strip()}}
    properties.update(params.get("properties", {}))
    required = ["type", *params.get("required", [])]
    for port_name, port in cls.inputs.items():
        item = dict(REFERENCE, description=f"{port.kind} input. {port.doc}".strip())
        properties[port_name] = {"anyOf": [item, {"type": "array", "items": item}]} if port.many else item
        if not port.optional:
            required.append(port_name)
    schema = {"type": "object", "title": name, "properties": properties, "required": required,
              "additionalProperties": False}
    return {"schema": schema, "defs": defs}


def _params_subset(node: str, drop: set[str], defs: dict[str, Any]) -> dict[str, Any] | None:
    """A node type's params schema without some fields (scene-list settings are spread into steps)."""
    cls = node_types().get(node)
    if cls is None:
        return None
    params = cls.params.model_json_schema()
    defs.update(params.pop("$defs", {}))
    props = {k: v for k, v in params.get("properties", {}).items() if k not in drop}
    return {"type": "object", "properties": props, "additionalProperties": False}


def _scene_settings(defs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Schemas for the scene list's voice / render / motion / captions settings, from the node types."""
    found: dict[str, dict[str, Any]] = {}
    voice = _params_subset("tts", {"text"}, defs)
    render = _params_subset("render", {"width", "height", "fps", "duration", "preview", "caption_style"}, defs)
    captions = _params_subset("captions", set(), defs)
    full_render = _params_subset("render", set(), defs)
    if voice:
        found["voice"] = voice
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


def recipe_schema() -> dict[str, Any]:
    schema = Recipe.model_json_schema()
    defs = schema.setdefault("$defs", {})
    for key, sub in _scene_settings(defs).items():
        for owner in (schema, defs.get("Scene", {})):
            if key in owner.get("properties", {}):
                owner["properties"][key] = {**sub, "description": owner["properties"][key].get("description", "")}
    variants = []
    for name in sorted(node_types()):
        part = step_schema(name)
        defs.update(part["defs"])
        defs[f"step_{name}"] = part["schema"]
        variants.append({"$ref": f"#/$defs/step_{name}"})
    schema["properties"]["steps"] = {
        "anyOf": [{"type": "object", "additionalProperties": {"oneOf": variants}}, {"type": "null"}],
        "description": "Named steps of any node type, wired by ${step.port} references.",
    }
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "pipeline recipe (format 1)"
    return schema
