"""Recipe variables: ``vars: {city: Lisbon}`` and ``${city}`` anywhere in a string value.

A string that is exactly ``${name}`` takes the variable's value with its type (a number stays a number);
inside longer text the value is spliced in as text. ``$${`` writes a literal ``${``. References to step
outputs (``${step.port}``, with a dot) are left alone for the graph compiler. Variables may come from the
command line too (``--var city=Porto``), overriding the recipe's.
"""

from __future__ import annotations

import re
from typing import Any

from pipeline.errors import Problem
from pipeline.recipe.diagnose import did_you_mean
from pipeline.recipe.source import Path_, Source

_VAR = re.compile(r"(?<!\$)\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}")
_WHOLE = re.compile(r"^\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}$")


def substitute(source: Source, overrides: dict[str, str] | None = None, check_overrides: bool = True) -> list[Problem]:
    """Replace variables in ``source.data`` in place; returns problems (unknown names, bad ``vars``, and,
    with ``check_overrides``, an override the recipe neither declares nor uses: a misspelled ``--var``
    would otherwise be ignored silently)."""
    data = source.data
    if not isinstance(data, dict):
        return []
    raw = data.get("vars", {})
    if not isinstance(raw, dict):
        return [Problem(source.locate(("vars",)), "'vars' must be a mapping of names to values",
                        field="vars", hint="write vars: {name: value}")]
    values = {**raw, **(overrides or {})}
    problems: list[Problem] = []
    used: set[str] = set()

    def visit(value: Any, path: Path_) -> Any:
        if isinstance(value, dict):  # keys too: `outputs:` maps file names, which may use variables
            return {(str(visit(k, path)) if "${" in k else k): visit(v, (*path, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [visit(v, (*path, i)) for i, v in enumerate(value)]
        if not isinstance(value, str) or "${" not in value:
            return value
        used.update(_VAR.findall(value))
        whole = _WHOLE.match(value.strip())
        if whole and whole.group(1) in values:
            return values[whole.group(1)]
        for name in _VAR.findall(value):
            if name not in values:
                problems.append(Problem(source.locate(path), f"unknown variable '{name}'"
                                        f"{did_you_mean(name, values)}", field=".".join(map(str, path)),
                                        hint="define it under 'vars:' or pass --var NAME=VALUE"))
        text = _VAR.sub(lambda m: str(values.get(m.group(1), m.group(0))), value)
        return text.replace("$${", "${")

    source.data = {k: (v if k == "vars" else visit(v, (k,))) for k, v in data.items()}
    source.data.pop("vars", None)
    known = set(raw) | used
    for name in sorted(set(overrides or {}) - known) if check_overrides else []:
        problems.append(Problem(source.locate(("vars",)), f"the recipe has no variable '{name}'"
                                f"{did_you_mean(name, known)}", field=f"--var {name}",
                                hint=f"variables of this recipe: {', '.join(sorted(known)) or 'none'}; "
                                     "declare it under 'vars:' or correct the name"))
    return problems


def parse_assignments(items: list[str] | None) -> dict[str, str]:
    """``["city=Porto", ...]`` (from ``--var``) -> ``{"city": "Porto"}``; a malformed item is a RecipeError."""
    from pipeline.errors import UsageError

    values = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--var expects NAME=VALUE, got {item!r}\n    fix: write --var city=Porto")
        values[name.strip()] = value
    return values
