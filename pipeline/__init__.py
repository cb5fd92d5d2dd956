"""A declarative media pipeline engine: recipes compile to a typed DAG whose nodes are content-hash cached.

The small public API::

    from pipeline import load, plan, run
    recipe = load("recipes/hello.yaml")
    for node in plan(recipe):
        print(node.node, node.action, node.reasons)
    summary = run(recipe)
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from pipeline.errors import PipelineError, RecipeError

if TYPE_CHECKING:
    from pathlib import Path

    from pipeline.cache import Cache
    from pipeline.graph import Pipeline
    from pipeline.plan import NodePlan
    from pipeline.progress import Reporter, Summary

__all__ = ["PipelineError", "RecipeError", "Reporter", "load", "make_executor", "open_cache", "plan", "plan_recipe",
           "run", "run_recipe"]


def load(path: str | Path, variables: dict[str, str] | None = None) -> Pipeline:
    """Read, validate and compile a recipe (raises RecipeError listing every problem)."""
    from pipeline.recipe.load import load_recipe

    return load_recipe(path, variables)


def _cache(cache: Cache | str | Path | None) -> Cache:
    from pathlib import Path

    from pipeline.cache import Cache, default_cache_dir

    if isinstance(cache, Cache):
        return cache
    return Cache(Path(cache) if cache is not None else default_cache_dir())


def plan(recipe: Pipeline, cache: Cache | str | Path | None = None) -> list[NodePlan]:
    """Per node: run or skip, and why."""
    from pipeline.plan import plan as plan_nodes

    return plan_nodes(recipe, _cache(cache))


def run(recipe: Pipeline, cache: Cache | str | Path | None = None, *, reporter: Reporter | None = None,
        force: frozenset[str] = frozenset(), keep_going: bool = False, executor: Any = None,
        cancel: threading.Event | None = None) -> Summary:
    """Run what is stale, publish the outputs, return the summary. Setting ``cancel`` (from another
    thread) stops the running nodes; the run then fails and publishes nothing."""
    from pipeline.run import run_pipeline

    return run_pipeline(recipe, _cache(cache), reporter=reporter, force=force, keep_going=keep_going,
                        executor=executor, cancel=cancel)


# ``pipeline.run`` and ``pipeline.plan`` are also submodules: once they are imported (the first call of
# run() or plan() does it), the package attributes of those names are the modules, not these functions.
# ``from pipeline import run`` at the top of a module is fine; code imported later (a server's workers,
# a client's in-process backend) uses these names, which nothing shadows.
run_recipe = run
plan_recipe = plan


def open_cache(folder: str | Path | None = None, blob_store: str | None = None) -> Cache:
    """The cache at ``folder`` (default ``$PIPELINE_CACHE_DIR`` or ./cache), for callers that run many
    recipes in one process (a server) and should open its index once; close it with ``.close()``."""
    from pathlib import Path

    from pipeline.cache import Cache, default_cache_dir

    return Cache(Path(folder) if folder is not None else default_cache_dir(), blob_store=blob_store)


def make_executor(spec: str) -> Any:
    """An executor from its command-line spelling: ``local``, ``dask`` or ``dask://HOST:PORT``."""
    from pipeline.executor.dask import executor_from_spec

    return executor_from_spec(spec)


def __getattr__(name: str) -> Any:
    if name == "Reporter":  # imported on demand: most callers never need it
        from pipeline.progress import Reporter

        return Reporter
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
