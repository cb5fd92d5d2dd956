"""Recipe forms by their selecting key, discovered through the ``pipeline.forms`` entry-point group."""

from __future__ import annotations

import threading
from importlib.metadata import entry_points

from pipeline.errors import PipelineError
from pipeline.form import RecipeForm

GROUP = "pipeline.forms"

_lock = threading.Lock()
_forms: dict[str, RecipeForm] | None = None


def _discover() -> dict[str, RecipeForm]:
    found: dict[str, RecipeForm] = {}
    for entry in entry_points(group=GROUP):
        try:
            cls = entry.load()
        except Exception as exc:  # name the plugin; a broken form must not read as an unknown key
            raise PipelineError(f"recipe form '{entry.name}' ({entry.value}) failed to load: {exc}") from exc
        if not (isinstance(cls, type) and issubclass(cls, RecipeForm)):
            raise PipelineError(f"entry point '{entry.name}' ({entry.value}) is not a RecipeForm subclass")
        form = cls()
        found[form.key] = form
    return found


def recipe_forms() -> dict[str, RecipeForm]:
    """Every registered form, by the top-level key that selects it."""
    global _forms
    with _lock:
        if _forms is None:
            _forms = _discover()
        return dict(_forms)
