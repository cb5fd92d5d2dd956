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
from pipeline.recipe.source import CONTROL, Path_, Source

_VAR = re.compile(r"(?<!\$)\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}")
_WHOLE = re.compile(r"^\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}$")

# Splicing multiplies: a 100 KB variable used 3000 times in a 112 KB recipe took 330 MB to validate, and
# near the file size limit it would ask for hundreds of GB. The text after splicing is bounded, per value
# and for the whole recipe, before any of it is built.
MAX_VALUE_CHARS = 1_000_000
MAX_TOTAL_CHARS = 10_000_000


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
    sizes: dict[str, int] = {}  # characters of each variable's value as text, worked out once
    total = 0  # characters that splicing has added so far

    def size(name: str) -> int:
        if name not in sizes:
            value = values[name]
            sizes[name] = len(value) if isinstance(value, str) else len(str(value))
        return sizes[name]

    def too_large(path: Path_, message: str) -> None:
        problems.append(Problem(source.locate(path), message, field=".".join(map(str, path)),
                                hint="use shorter variable values, or fewer ${name} uses; put long narration "
                                     "in one place"))

    def bounded(value: str, names: list[str], path: Path_) -> bool:
        """Whether splicing ``names`` into ``value`` stays within the limits (a problem when not)."""
        nonlocal total
        added = sum(size(n) for n in names if n in values)
        if len(value) + added > MAX_VALUE_CHARS:
            too_large(path, f"with its variables filled in, this text would be {len(value) + added} characters, "
                            f"more than the limit of {MAX_VALUE_CHARS}")
            return False
        total += added
        if total > MAX_TOTAL_CHARS:
            if not any("variables filled in, the recipe" in p.message for p in problems):
                too_large(path, f"with its variables filled in, the recipe would be more than {MAX_TOTAL_CHARS} "
                                "characters (here it passes the limit)")
            return False
        return True

    def visit(value: Any, path: Path_) -> Any:
        if isinstance(value, dict):  # keys too: `outputs:` maps file names, which may use variables
            return {(str(visit(k, path)) if "${" in k else k): visit(v, (*path, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [visit(v, (*path, i)) for i, v in enumerate(value)]
        if not isinstance(value, str) or "${" not in value:
            return value
        used.update(_VAR.findall(value))
        whole = _WHOLE.match(value.strip())
        names = _VAR.findall(value)
        if not bounded(value, names, path):
            return value
        if whole and whole.group(1) in values:
            return values[whole.group(1)]
        for name in names:
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


def recipe_variables(source: Source) -> set[str]:
    """The variables a recipe declares under ``vars`` or uses as ``${name}`` anywhere."""
    data = source.data
    names: set[str] = set()
    if isinstance(data, dict) and isinstance(data.get("vars"), dict):
        names.update(data["vars"])

    def visit(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                visit(key)
                visit(item)
        elif isinstance(value, list):
            for item in value:
                visit(item)
        elif isinstance(value, str):
            names.update(_VAR.findall(value))
    visit(data)
    return names


def control_character(value: Any) -> str:
    """The first control character in a variable's value given outside the recipe (``--var``, a batch row),
    text nested in lists and mappings included; "" when there is none. Tab, newline and CR are text."""
    if isinstance(value, str):
        bad = CONTROL.search(value)
        return bad.group() if bad else ""
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return next((found for item in items if (found := control_character(item))), "")


def parse_assignments(items: list[str] | None) -> dict[str, str]:
    """``["city=Porto", ...]`` (from ``--var``) -> ``{"city": "Porto"}``; a malformed item is a RecipeError."""
    from pipeline.errors import UsageError

    values = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--var expects NAME=VALUE, got {item!r}\n    fix: write --var city=Porto")
        if bad := control_character(value):
            raise UsageError(f"--var {name.strip()}: the value contains the control character {bad!r}\n"
                             "    fix: remove it; write text with letters, digits and punctuation only")
        values[name.strip()] = value
    return values
