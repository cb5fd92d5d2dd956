"""The contract of a recipe form: a shorthand that expands into steps of registered node types.

The engine reads the general steps form itself. Any other form (this project's scene list is one) is a
plugin in the ``pipeline.forms`` entry-point group, chosen by a top-level key of the recipe, so a form that
knows about scenes, voices or pictures lives with the node types it expands into, not in the engine.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pipeline.errors import Problem
from pipeline.recipe.model import RecipeBase, Settings, Strict
from pipeline.recipe.source import Path_, Source
from pipeline.recipe.steps import STEP_NAME_CHARS, StepSpec, valid_step_name

__all__ = ["STEP_NAME_CHARS", "Expansion", "Path_", "Problem", "RecipeBase", "RecipeForm", "Settings",
           "Source", "StepSpec", "Strict", "valid_step_name"]


@dataclass
class Expansion:
    """What a form expands into: steps, outputs (file -> ``${step.port}``) and problems found on the way.

    ``output_origin`` is the recipe path that problems with the outputs point at (None: each output's
    own line)."""

    specs: list[StepSpec]
    outputs: dict[str, str]
    problems: list[Problem] = field(default_factory=list)
    output_origin: Path_ | None = None


class RecipeForm(ABC):
    """A recipe form: its selecting key, its model (``RecipeBase`` plus its own fields) and its expansion."""

    key: ClassVar[str]  # the top-level key that selects this form ("scenes")
    title: ClassVar[str]  # a few words for messages ("scene list")
    model: ClassVar[type[RecipeBase]]

    @abstractmethod
    def expand(self, recipe: Any, source: Source, preview: bool = False) -> Expansion:
        """Steps for a validated ``recipe`` (an instance of ``model``); ``preview`` asks for a small, fast
        version written to its own outputs, where the form has one."""

    def schema_properties(self, defs: dict[str, Any]) -> dict[str, Any]:
        """JSON Schemas of the form's top-level fields, for ``pipeline schema``; shared definitions go into
        ``defs``. By default the model's own; a form may put its node types' params in."""
        schema = self.model.model_json_schema()
        defs.update(schema.get("$defs", {}))
        properties: dict[str, Any] = schema.get("properties", {})
        return properties
