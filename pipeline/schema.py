"""The recipe JSON Schema, with each registered node type's params and form's fields, for editor completion.

Steps in the general form are a ``oneOf`` over node types keyed by ``type``; input ports accept a file
path or a ``${step.port}`` reference. yaml-language-server picks the schema up from a modeline:
``# yaml-language-server: $schema=recipe.schema.json``.
"""

from __future__ import annotations

from typing import Any

from pipeline.recipe.forms import recipe_forms
from pipeline.recipe.model import StepsRecipe
from pipeline.registry import node_types

REFERENCE = {"type": "string", "description": "A file path (relative to the recipe) or ${step.port}."}


def step_schema(name: str) -> dict[str, Any]:
    cls = node_types()[name]
    params = cls.params.model_json_schema()
    defs = params.pop("$defs", {})
    properties: dict[str, Any] = {"type": {"const": name, "description": cls.doc or (cls.__doc__ or "").strip()}}
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


def recipe_schema() -> dict[str, Any]:
    """One schema for every form: the steps form's fields and each registered form's (the form is chosen
    by its key, which the schema leaves to the loader)."""
    schema = StepsRecipe.model_json_schema()
    schema["required"] = ["version"]
    defs = schema.setdefault("$defs", {})
    for form in recipe_forms().values():
        for key, sub in form.schema_properties(defs).items():
            schema["properties"].setdefault(key, sub)
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
