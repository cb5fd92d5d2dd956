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


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The nested model that owns the last element of ``loc`` (to list its valid fields)."""
    current: Any = model
    for part in loc[:-1]:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = current.model_fields.get(str(part))
        if info is None:
            return None
        annotation = info.annotation
        candidates = [annotation, *getattr(annotation, "__args__", ())]
        current = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def problems_from_validation(exc: ValidationError, model: type[BaseModel],
                             locate: Callable[[tuple[Any, ...]], Location], prefix: str = "",
                             extra_names: Iterable[str] = ()) -> list[Problem]:
    """One Problem per pydantic error, each at the position of the offending field."""
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(part for part in error["loc"] if not (isinstance(part, str) and "[" in part))
        field = ".".join(str(p) for p in (prefix, *loc) if p != "")
        kind = error["type"]
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
            shown = repr(got) if not isinstance(got, dict | list) else type(got).__name__
            if len(shown) > 60:
                shown = shown[:57] + "..."
            message = f"{error['msg']} (got {shown})"
            hint = ""
        problems.append(Problem(locate(loc), message, field=field, hint=hint))
    return problems
