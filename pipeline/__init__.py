"""A declarative media pipeline engine: recipes compile to a typed DAG whose nodes are content-hash cached.

The small public API::

    from pipeline import load, plan, run
    recipe = load("recipes/hello.yaml")
    for node in plan(recipe):
        print(node.node, node.action, node.reasons)
    summary = run(recipe)

Applications of the engine (``pipeline/apps/``) use only these names: besides the three above,
``validate`` (load and look at the input files), ``source_files`` (what a recipe reads, for a watcher),
``open_cache`` and ``parse_vars``, ``make_reporter`` and its events (to show or follow a run), and
``PipelineError`` (every error meant for the user), ``make_executor`` (an executor from its spelling)
and ``SharedExecutor`` (one for runs going on at once, as a server's jobs). The types they annotate with (``Cache``,
``Pipeline``, ...) load on first use, so ``import pipeline`` stays cheap.
"""

from __future__ import annotations

import importlib
import sys
import threading
import types
from typing import TYPE_CHECKING, Any

from pipeline.errors import EXIT_BAD_INPUT, PipelineError, RecipeError

if TYPE_CHECKING:
    from pathlib import Path

    from pipeline.cache import Cache as Cache
    from pipeline.cache import ResultRecord as ResultRecord
    from pipeline.executor.shared import SharedExecutor as SharedExecutor
    from pipeline.graph import Pipeline as Pipeline
    from pipeline.node import NodeError as NodeError
    from pipeline.plan import NodePlan as NodePlan
    from pipeline.progress import Event as Event
    from pipeline.progress import LogFormat as LogFormat
    from pipeline.progress import Reporter as Reporter
    from pipeline.progress import Summary as Summary
    from pipeline.progress import make_reporter as make_reporter

__all__ = ["EXIT_BAD_INPUT", "Cache", "Event", "LogFormat", "NodeError", "NodePlan", "Pipeline", "PipelineError",
           "RecipeError", "Reporter", "ResultRecord", "SharedExecutor", "Summary", "load", "make_executor",
           "make_reporter", "open_cache", "parse_vars", "plan", "run", "source_files", "validate"]

_LAZY = {"Cache": "pipeline.cache", "ResultRecord": "pipeline.cache", "Pipeline": "pipeline.graph",
         "NodeError": "pipeline.node", "NodePlan": "pipeline.plan", "Reporter": "pipeline.progress",
         "Summary": "pipeline.progress", "Event": "pipeline.progress", "LogFormat": "pipeline.progress",
         "make_reporter": "pipeline.progress", "SharedExecutor": "pipeline.executor.shared"}


def __getattr__(name: str) -> Any:
    """The public types, imported when first asked for."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def load(path: str | Path, variables: dict[str, str] | None = None, preview: bool = False) -> Pipeline:
    """Read, validate and compile a recipe (raises RecipeError listing every problem)."""
    from pipeline.recipe.load import load_recipe

    return load_recipe(path, variables, preview)


def validate(path: str | Path, variables: dict[str, str] | None = None, preview: bool = False) -> Pipeline:
    """``load``, then ask every node type to look at the files the recipe names (readable pictures,
    decodable music), as ``pipeline validate`` does; every problem at once."""
    from pipeline.graph import check_inputs

    recipe = load(path, variables, preview)
    check_inputs(recipe)
    return recipe


def source_files(recipe: Pipeline) -> list[Path]:
    """The files a compiled recipe reads: the recipe itself and every input file its steps name."""
    from pipeline.graph import SourceFile

    files = {recipe.file.resolve()}
    for step in recipe.steps.values():
        for sources in step.inputs.values():
            files.update(s.path.resolve() for s in sources if isinstance(s, SourceFile))
    return sorted(files)


def parse_vars(assignments: list[str] | None) -> dict[str, str]:
    """``["city=Porto", ...]`` (as ``--var`` takes them) -> ``{"city": "Porto"}``; bad items: RecipeError."""
    from pipeline.recipe.variables import parse_assignments

    return parse_assignments(assignments)


def open_cache(folder: str | Path | None = None, blob_store: str | None = None) -> Cache:
    """The cache in ``folder`` (default: ``$PIPELINE_CACHE_DIR``, else ``./cache``), for callers that plan
    and run many recipes in one process (a server, a watcher) and should open its index once; close it
    when done."""
    from pathlib import Path

    from pipeline.cache import Cache, default_cache_dir

    return Cache(Path(folder) if folder is not None else default_cache_dir(), blob_store=blob_store)


def _cache(cache: Cache | str | Path | None) -> Cache:
    from pipeline.cache import Cache

    if isinstance(cache, Cache):
        return cache
    return open_cache(cache)


def plan(recipe: Pipeline, cache: Cache | str | Path | None = None) -> list[NodePlan]:
    """Per node: run or skip, and why."""
    from pipeline.plan import plan as plan_nodes

    return plan_nodes(recipe, _cache(cache))


def run(recipe: Pipeline, cache: Cache | str | Path | None = None, *, reporter: Reporter | None = None,
        force: frozenset[str] = frozenset(), keep_going: bool = False, executor: Any = None,
        cancel: threading.Event | None = None) -> Summary:
    """Run what is stale, publish the outputs, return the summary (``reporter``: default quiet). Setting
    ``cancel`` (from another thread) stops the running nodes; the run then fails and publishes nothing."""
    from pipeline.run import run_pipeline

    return run_pipeline(recipe, _cache(cache), reporter=reporter, force=force, keep_going=keep_going,
                        executor=executor, cancel=cancel)


def make_executor(spec: str) -> Any:
    """An executor from its command-line spelling: ``local``, ``dask`` or ``dask://HOST:PORT``."""
    from pipeline.executor.dask import executor_from_spec

    return executor_from_spec(spec)


class _PublicAPI(types.ModuleType):
    """The package keeps ``plan`` and ``run`` as the functions above. Python binds a submodule to its
    package's attribute when the submodule is imported (``pipeline/plan.py``, ``pipeline/run.py``), which
    would turn ``from pipeline import run`` into the module once anything had imported it. The modules
    stay in ``sys.modules`` (``from pipeline.run import ...`` works as always)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _FUNCTIONS and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


_FUNCTIONS = frozenset({"plan", "run"})
sys.modules[__name__].__class__ = _PublicAPI
