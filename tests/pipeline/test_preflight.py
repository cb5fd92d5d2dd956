"""The preflight's checks see every input the recipe gives: a file as its path, another step's output as a
Pending with what that step's type says of it before anything runs, so a node type can refuse a recipe
whose upstream facts already doom it, and a port left out is absent (told apart from a connected one)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from pipeline import load, registry
from pipeline.errors import RecipeError
from pipeline.node import CheckValue, Facts, NodeInputError, NodeType, Params, Pending, Port, RunContext
from pipeline.preflight import preflight

SEEN: list[dict[str, CheckValue]] = []


class SizedParams(Params):
    size: int


class Sized(NodeType):
    """Says its output's size before it runs."""

    name = "sized_fact"
    version = "1"
    params = SizedParams
    outputs: ClassVar[dict[str, Port]] = {"out": Port("text", suffix=".txt")}

    def known(self, params: SizedParams, inputs: dict[str, CheckValue]) -> dict[str, Facts]:
        return {"out": {"size": params.size}}

    def run(self, ctx: RunContext, params: Any, inputs: dict) -> None:
        raise AssertionError("a preflight runs nothing")


class TotalParams(Params):
    limit: int


class Total(NodeType):
    """Refuses, at check time, parts whose known sizes add up past its limit."""

    name = "total_fact"
    version = "1"
    params = TotalParams
    inputs: ClassVar[dict[str, Port]] = {"parts": Port("text", many=True),
                                         "extra": Port("text", optional=True)}
    outputs: ClassVar[dict[str, Port]] = {"out": Port("text", suffix=".txt")}

    def check(self, params: TotalParams, inputs: dict[str, CheckValue]) -> list[NodeInputError]:
        SEEN.append(inputs)
        parts = inputs.get("parts")
        assert isinstance(parts, list)
        total = sum(p.facts.get("size", 0) for p in parts if isinstance(p, Pending))
        if total > params.limit:
            return [NodeInputError(f"the parts add up to {total}", field="limit", hint="raise the limit")]
        return []

    def run(self, ctx: RunContext, params: Any, inputs: dict) -> None:
        raise AssertionError("a preflight runs nothing")


@pytest.fixture(autouse=True)
def fact_types() -> Iterator[None]:
    for cls in (Sized, Total):
        registry.register(cls)
    SEEN.clear()
    yield
    with registry._lock:
        assert registry._types is not None
        for cls in (Sized, Total):
            registry._types.pop(cls.name, None)


def recipe(tmp_path: Path, limit: int) -> Path:
    (tmp_path / "notes.txt").write_text("hi", encoding="utf-8")
    path = tmp_path / "recipe.yaml"
    path.write_text("version: 1\nsteps:\n  a: {type: sized_fact, size: 3}\n"
                    f"  total: {{type: total_fact, limit: {limit},\n"
                    "          parts: ['${a.out}', notes.txt, '${a.out}']}\n"
                    "outputs: {out/t.txt: '${total.out}'}\n", encoding="utf-8")
    return path


def test_check_sees_upstream_outputs_with_their_facts_files_as_paths_and_no_absent_port(tmp_path):
    preflight(load(recipe(tmp_path, limit=6)), tmp_path / "cache")
    (inputs,) = SEEN
    assert "extra" not in inputs  # left out of the recipe: absent, not a None that might be connected
    parts = inputs["parts"]
    assert parts == [Pending("a", "out"), (tmp_path / "notes.txt").resolve(), Pending("a", "out")]
    assert isinstance(parts, list) and isinstance(parts[0], Pending) and parts[0].facts == {"size": 3}


def test_facts_known_before_running_refuse_the_recipe_at_its_line(tmp_path):
    with pytest.raises(RecipeError) as caught:
        preflight(load(recipe(tmp_path, limit=5)), tmp_path / "cache")
    (problem,) = caught.value.problems
    assert "the parts add up to 6" in problem.message and problem.field == "limit"
    assert problem.location.line == 4


def test_a_step_left_out_of_the_check_still_says_what_it_knows(tmp_path):
    with pytest.raises(RecipeError):
        preflight(load(recipe(tmp_path, limit=5)), tmp_path / "cache", names=["total"])
