"""Turning pydantic validation errors into Problems with positions and did-you-mean suggestions."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel, ValidationError

from pipeline.errors import Location, Problem


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest choice, or ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """Models an annotation can hold: itself, or inside unions, lists and dict values."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found = []
    for arg in getattr(annotation, "__args__", ()):
        found += _models_in(arg)
    return found


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The nested model that owns the last element of ``loc`` (to list its valid fields); list indexes
    and dict keys in ``loc`` step into the item type."""
    current: type[BaseModel] | None = model
    for part in loc[:-1]:
        if current is None:
            return None
        if isinstance(part, int):
            continue  # an index into a list of the current field's items: same model
        info = current.model_fields.get(str(part))
        if info is None:
            return None
        models = _models_in(info.annotation)
        current = models[0] if models else None
    return current


_TYPE_HINTS = {
    "int_parsing": "write a whole number", "int_type": "write a whole number",
    "int_from_float": "write a whole number", "float_parsing": "write a number", "float_type": "write a number",
    "bool_parsing": "write true or false", "bool_type": "write true or false",
    "string_type": "write text (quote it if YAML reads it as something else)",
    "list_type": "write a list: [a, b] or one '- item' per line",
    "dict_type": "write a mapping: {key: value} or 'key: value' lines",
    "model_type": "write a mapping: {key: value} or 'key: value' lines",
    "greater_than": "use a larger value", "greater_than_equal": "use a larger value",
    "less_than": "use a smaller value", "less_than_equal": "use a smaller value",
    "literal_error": "use one of the values listed", "enum": "use one of the values listed",
    "too_short": "add items", "too_long": "remove items", "string_too_short": "write at least one character",
    "value_error": "change the value as the message says",
}


def _hint_for(kind: str, field_name: str) -> str:
    hint = _TYPE_HINTS.get(kind, "")
    reference = "'pipeline schema' lists every field with its type" if field_name else ""
    return "; ".join(h for h in (hint, reference) if h)


def problems_from_validation(exc: ValidationError, model: type[BaseModel],
                             locate: Callable[[tuple[Any, ...]], Location], prefix: str = "",
                             extra_names: Iterable[str] = ()) -> list[Problem]:
    """One Problem per pydantic error, each at the position of the offending field."""
    problems = []
    for error in exc.errors(include_url=False):
        kind = error["type"]
        raw = error["loc"]
        # Drop pydantic's own steps ("function-after[...]", "tagged-union[...]"), but never the last part of
        # an unknown or missing field: that is the user's key, whatever characters it holds ("0[x").
        named = len(raw) - 1 if kind in ("extra_forbidden", "missing") else len(raw)
        loc = tuple(part for i, part in enumerate(raw) if i >= named or not (isinstance(part, str) and "[" in part))
        field = ".".join(str(p) for p in (prefix, *loc) if p != "")
        if kind == "extra_forbidden":
            owner = _model_at(model, loc)
            names = list(owner.model_fields) if owner else []
            if owner is model:
                names += list(extra_names)
            message = f"unknown field '{loc[-1]}'{did_you_mean(str(loc[-1]), names)}"
            hint = f"valid fields here: {', '.join(sorted(names))}" if names else ""
        elif kind == "missing":
            message, hint = "this field is required", f"add '{loc[-1]}:'"
        else:
            got = error.get("input")
            message = error["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
            if kind in ("value_error", "assertion_error") and isinstance(got, dict | list):
                pass  # a check of a whole mapping wrote its own message; "(got dict)" would add nothing
            else:
                shown = repr(got) if not isinstance(got, dict | list) else type(got).__name__
                if len(shown) > 60:
                    shown = shown[:57] + "..."
                message = f"{message} (got {shown})"
            hint = _hint_for(kind, field)
        problems.append(Problem(locate(loc), message, field=field, hint=hint))
    return problems
