"""Robustness, path confinement: every path param of every node type stays inside the recipe's folder.

Confinement belongs to the type ``RecipePath``, not to a list of field names: these tests find every
RecipePath field of every registered node type by introspection (nested settings included, e.g. a TTS
step's ``kokoro.weights``) and give each one a path that leaves the folder (``../``, an absolute path, a
symlink inside the folder pointing out). Each is refused by ``validate`` and ``run`` at its line with a
fix, exit code 2; with ``allow_outside_paths: true`` that problem is gone. A second test keeps future
params honest: a text param whose name or description says it holds a file must be a RecipePath.
"""

from __future__ import annotations

import re
from typing import Any, get_args

import pytest
from pydantic import BaseModel

from pipeline.graph import _recipe_path
from pipeline.registry import node_types
from tests.robustness.helpers import Project, assert_refused, dump, line_of


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    for candidate in (annotation, *get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def path_params(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Field paths of every RecipePath in ``model``, nested models included."""
    found = []
    for name, info in model.model_fields.items():
        nested = _nested_model(info.annotation)
        if nested is not None:
            found += path_params(nested, (*prefix, name))
        elif _recipe_path(info.metadata, info.annotation) is not None:
            found.append((*prefix, name))
    return found


def required_fields(model: type[BaseModel]) -> dict[str, Any]:
    """A plain value for every required param (text for text, 1 for numbers)."""
    values: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if info.is_required():
            values[name] = 1 if info.annotation in (int, float) else "Hello there."
    return values


CASES = [(type_name, field) for type_name, cls in sorted(node_types().items())
         for field in path_params(cls.params)]


def test_the_path_params_are_found():
    names = {f"{t}.{'.'.join(f)}" for t, f in CASES}
    assert {"tts.voice", "tts.kokoro.weights", "tts.chatterbox.reference", "tts.chatterbox.weights",
            "render.caption_style.font", "merge.caption_style.font"} <= names, names


def steps_recipe(type_name: str, field: tuple[str, ...], value: str, allow: bool = False) -> dict[str, Any]:
    cls = node_types()[type_name]
    step: dict[str, Any] = {"type": type_name, **required_fields(cls.params)}
    target = step
    for part in field[:-1]:
        target = target.setdefault(part, {})
    target[field[-1]] = value
    port = next(iter(cls.outputs))
    recipe: dict[str, Any] = {"version": 1}
    if allow:
        recipe["allow_outside_paths"] = True
    recipe["steps"] = {"probe": step}
    recipe["outputs"] = {f"out/probe{cls.outputs[port].suffix}": f"${{probe.{port}}}"}
    return recipe


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Project:
    project = Project(tmp_path_factory.mktemp("paths") / "recipes")
    outside = project.root.parent / "elsewhere"
    outside.mkdir()
    (outside / "thing.bin").write_bytes(b"x")
    (project.root / "inside-link").symlink_to(outside)
    return project


ESCAPES = [("dot-dot", "../elsewhere/thing.bin"), ("absolute", "{outside}/thing.bin"),
           ("symlink", "inside-link/thing.bin")]


@pytest.mark.parametrize("how, value", ESCAPES, ids=[e[0] for e in ESCAPES])
@pytest.mark.parametrize("type_name, field", CASES, ids=[f"{t}.{'.'.join(f)}" for t, f in CASES])
def test_every_path_param_is_confined(project, type_name, field, how, value):
    value = value.replace("{outside}", str(project.root.parent / "elsewhere"))
    name = f"{type_name}-{'-'.join(field)}-{how}.yaml"
    text = dump(steps_recipe(type_name, field, value))
    path = project.write(name, text)
    line = line_of(text, f"{field[-1]}: ")
    for command in ("validate", "run"):
        outcome = project.cli(command, *(("-q",) if command == "run" else ()), str(path))
        assert_refused(outcome, path, line, "is outside the recipe's folder", "allow_outside_paths: true")
        assert f"probe: {'.'.join(field)}" in outcome.err, outcome.err
    assert not (project.root / "out").exists()
    allowed = project.write(f"allowed-{name}", dump(steps_recipe(type_name, field, value, allow=True)))
    assert "is outside the recipe's folder" not in project.cli("validate", str(allowed)).err


def test_text_params_that_hold_files_are_recipe_paths():
    pattern = re.compile(r"\b(path|file|folder|directory|\.onnx|\.ttf)\b", re.IGNORECASE)
    offenders = []

    def walk(model: type[BaseModel], where: str) -> None:
        for name, info in model.model_fields.items():
            nested = _nested_model(info.annotation)
            if nested is not None:
                walk(nested, f"{where}.{name}")
            elif str in (info.annotation, *get_args(info.annotation)) and \
                    pattern.search(f"{name} {info.description or ''}") and \
                    _recipe_path(info.metadata, info.annotation) is None:
                offenders.append(f"{where}.{name}")

    for type_name, cls in node_types().items():
        walk(cls.params, type_name)
    assert offenders == [], f"declare these as RecipePath so they are confined: {offenders}"
