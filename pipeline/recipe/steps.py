"""The general form of a recipe: named steps of any node type, wired by ``${step.port}`` references.

Both recipe forms end up as a list of StepSpec; the scene list is sugar that expands into these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.recipe.source import Path_

STEP_NAME_CHARS = "letters, digits, '_', '-' and '.'"


@dataclass
class StepSpec:
    """One step as written (or generated): its node type and raw fields, and where each came from."""

    name: str
    type: str
    fields: dict[str, Any]
    origin: Path_
    # Field-relative path -> recipe path it came from; the longest matching prefix wins.
    origins: dict[tuple[str | int, ...], Path_] = field(default_factory=dict)

    def source_path(self, loc: tuple[str | int, ...]) -> Path_:
        """The recipe path for a field path inside this step (for error positions)."""
        loc = tuple(loc)
        for cut in range(len(loc), 0, -1):
            prefix = loc[:cut]
            if prefix in self.origins:
                return (*self.origins[prefix], *loc[cut:])
        return self.origin


def valid_step_name(name: str) -> bool:
    return bool(name) and all(c.isalnum() or c in "_-." for c in name) and not name.startswith(".") \
        and not name.endswith(".")


def steps_from_mapping(steps: dict[str, Any], defaults: dict[str, dict[str, Any]] | None = None,
                       base: Path_ = ("steps",)) -> list[StepSpec]:
    """Turn the ``steps:`` mapping into StepSpecs (type checks happen later, in the graph compiler).

    ``defaults`` gives fields per node type; a step's own fields win."""
    specs = []
    for name, body in steps.items():
        own = dict(body) if isinstance(body, dict) else {}
        node_type = own.pop("type", "")
        inherited = dict((defaults or {}).get(str(node_type), {}))
        origins: dict[tuple[str | int, ...], Path_] = {(key,): ("defaults", str(node_type), key)
                                                       for key in inherited}
        fields = {**inherited, **own}
        origins.update({(key,): (*base, name, key) for key in own})
        specs.append(StepSpec(name=name, type=str(node_type), fields=fields, origin=(*base, name),
                              origins=origins))
    return specs
