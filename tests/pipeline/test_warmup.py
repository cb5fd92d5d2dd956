"""Warm-up: node types load their heavy parts once per process, in the background, only when they run."""

from __future__ import annotations

import threading
from typing import Any, ClassVar

import pytest

from pipeline import warmup
from pipeline.node import NodeType, Params, Port, RunContext
from pipeline.recipe.load import load_recipe
from pipeline.registry import register
from pipeline.run import run_pipeline

WARMED: list[tuple[str, str]] = []  # (type, thread name)
READY = threading.Event()


class WarmParams(Params):
    text: str


class Warm(NodeType):
    """Writes its text; its warm-up notes where it ran and marks itself ready."""

    name = "warm_text"
    version = "1"
    params = WarmParams
    outputs: ClassVar[dict[str, Port]] = {"out": Port("text", suffix=".txt")}

    def warm_up(self) -> None:
        WARMED.append((self.name, threading.current_thread().name))
        READY.set()

    def run(self, ctx: RunContext, params: Any, inputs: dict) -> None:
        READY.wait(5)
        ctx.output("out").write_text(params.text, encoding="utf-8")


class BrokenWarm(Warm):
    name = "broken_warm_text"

    def warm_up(self) -> None:
        WARMED.append((self.name, threading.current_thread().name))
        raise RuntimeError("the kernel cache is unreadable")

    def run(self, ctx: RunContext, params: Any, inputs: dict) -> None:
        ctx.output("out").write_text(params.text, encoding="utf-8")


RECIPE = """\
version: 1
steps:
  a: {type: warm_text, text: one}
  b: {type: warm_text, text: two}
  c: {type: broken_warm_text, text: three}
  d: {type: text, text: four}
outputs:
  out/a.txt: ${a.out}
  out/c.txt: ${c.out}
  out/d.txt: ${d.out}
"""


@pytest.fixture(autouse=True)
def fresh_process_state(monkeypatch: pytest.MonkeyPatch) -> None:
    register(Warm)
    register(BrokenWarm)
    monkeypatch.setattr(warmup, "_claimed", set())
    WARMED.clear()
    READY.clear()


def _wait_for_warm_up() -> None:
    for thread in threading.enumerate():
        if thread.name == "pipeline-warm-up":
            thread.join(5)


def test_each_type_warms_once_on_a_background_thread_and_a_failing_warm_up_is_harmless(
        write_recipe, cache, tmp_path):
    summary = run_pipeline(load_recipe(write_recipe(RECIPE)), cache)
    _wait_for_warm_up()
    assert sorted(summary.ran) == ["a", "b", "c", "d"]
    assert (tmp_path / "out" / "c.txt").read_text() == "three"  # its warm-up raised; the node ran fine
    assert sorted(WARMED) == [("broken_warm_text", "pipeline-warm-up"), ("warm_text", "pipeline-warm-up")]


def test_a_later_run_in_the_same_process_does_not_warm_again(write_recipe, cache):
    path = write_recipe(RECIPE)
    run_pipeline(load_recipe(path), cache)
    _wait_for_warm_up()
    path.write_text(RECIPE.replace("text: one", "text: uno"))
    WARMED.clear()
    summary = run_pipeline(load_recipe(path), cache)
    assert summary.ran == ["a"]
    assert WARMED == []


def test_nothing_warms_when_the_types_do_not_run(write_recipe, cache, monkeypatch):
    path = write_recipe(RECIPE)
    run_pipeline(load_recipe(path), cache)
    _wait_for_warm_up()
    monkeypatch.setattr(warmup, "_claimed", set())  # as in a new process
    WARMED.clear()
    path.write_text(RECIPE.replace("text: four", "text: vier"))  # only the plain text node reruns
    summary = run_pipeline(load_recipe(path), cache)
    _wait_for_warm_up()
    assert summary.ran == ["d"]
    assert WARMED == []


def test_types_without_a_warm_up_start_no_thread():
    from tests.pipeline.fakes import Text

    assert warmup.warm_up([Text()]) is None
