"""A declarative media pipeline engine: recipes compile to a typed DAG whose nodes are content-hash cached.

The small public API::

    from pipeline import load, plan, run
    recipe = load("recipes/hello.yaml")
    for node in plan(recipe):
        print(node.node, node.action, node.reasons)
    summary = run(recipe)

Applications of the engine (``pipeline.apps``) use only what is here: ``validate`` (load and look at the
input files), ``source_files`` (what a recipe reads, for a watcher), ``make_reporter`` and its events (to
show or follow a run), and ``PipelineError`` (every error meant for the user).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from pipeline.cache import Cache
    from pipeline.graph import Pipeline
    from pipeline.plan import NodePlan
    from pipeline.progress import Reporter, Summary

from pipeline.errors import PipelineError
from pipeline.progress import Event, LogFormat, make_reporter

__all__ = ["Event", "LogFormat", "PipelineError", "load", "make_reporter", "open_cache", "plan", "run", "source_files",
           "validate"]


def load(path: str | Path, variables: dict[str, str] | None = None, preview: bool = False) -> Pipeline:
    """Read, validate and compile a recipe (raises RecipeError listing every problem); ``preview``: the
    small, fast version, written to its own outputs."""
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


def _cache(cache: Cache | str | Path | None) -> Cache:
    from pathlib import Path

    from pipeline.cache import Cache, default_cache_dir

    if isinstance(cache, Cache):
        return cache
    return Cache(Path(cache) if cache is not None else default_cache_dir())


def open_cache(folder: str | Path | None = None) -> Cache:
    """The cache in ``folder`` (default ``$PIPELINE_CACHE_DIR`` or ./cache), to reuse across many plans and
    runs (an application that re-renders on every save); ``close()`` it when done."""
    return _cache(folder)


def plan(recipe: Pipeline, cache: Cache | str | Path | None = None) -> list[NodePlan]:
    """Per node: run or skip, and why."""
    from pipeline.plan import plan as plan_nodes

    return plan_nodes(recipe, _cache(cache))


def run(recipe: Pipeline, cache: Cache | str | Path | None = None, *, reporter: Reporter | None = None,
        force: frozenset[str] = frozenset(), keep_going: bool = False, executor: Any = None) -> Summary:
    """Run what is stale, publish the outputs, return the summary."""
    from pipeline.run import run_pipeline

    return run_pipeline(recipe, _cache(cache), reporter=reporter, force=force, keep_going=keep_going,
                        executor=executor)
