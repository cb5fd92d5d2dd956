"""The scene list as a recipe form: the plugin the engine finds in the ``pipeline.forms`` group."""

from __future__ import annotations

from typing import Any

from nodes.scenes.expand import expand_scenes
from nodes.scenes.model import SceneRecipe
from nodes.scenes.schema import scene_settings
from pipeline.form import Expansion, RecipeForm, Source


class SceneList(RecipeForm):
    key = "scenes"
    title = "scene list"
    model = SceneRecipe

    def expand(self, recipe: Any, source: Source, preview: bool = False) -> Expansion:
        assert isinstance(recipe, SceneRecipe)
        specs, outputs, problems = expand_scenes(recipe, source, preview=preview)
        output = source.data.get("output") if isinstance(source.data, dict) else None
        origin = ("output", "path") if isinstance(output, dict) and "path" in output else ("output",)
        return Expansion(specs, outputs, problems, origin)

    def schema_properties(self, defs: dict[str, Any]) -> dict[str, Any]:
        properties = super().schema_properties(defs)
        for key, sub in scene_settings(defs).items():
            for owner in (properties, defs.get("Scene", {}).get("properties", {})):
                if key in owner:
                    owner[key] = {**sub, "description": owner[key].get("description", "")}
        return properties
