"""A declarative media pipeline engine: recipes compile to a typed DAG whose nodes are content-hash cached.

The small public API::

    from pipeline import load, plan, run
    recipe = load("recipes/hello.yaml")
    for node in plan(recipe):
        print(node.node, node.action, node.reasons)
    summary = run(recipe)
"""

from __future__ import annotations

from pathlib import Path

from pipeline.cache import Cache, default_cache_dir
from pipeline.graph import Pipeline
from pipeline.plan import NodePlan
from pipeline.plan import plan as _plan
from pipeline.progress import Reporter, Summary
from pipeline.recipe.load import load_recipe
from pipeline.run import run_pipeline

__all__ = ["load", "plan", "run", "Pipeline", "NodePlan", "Summary", "Cache"]


def load(path: str | Path) -> Pipeline:
    """Read, validate and compile a recipe (raises RecipeError listing every problem)."""
    return load_recipe(path)


def _cache(cache: Cache | str | Path | None) -> Cache:
    if isinstance(cache, Cache):
        return cache
    return Cache(Path(cache) if cache is not None else default_cache_dir())


def plan(recipe: Pipeline, cache: Cache | str | Path | None = None) -> list[NodePlan]:
    """Per node: run or skip, and why."""
    return _plan(recipe, _cache(cache))


def run(recipe: Pipeline, cache: Cache | str | Path | None = None, *, reporter: Reporter | None = None,
        force: frozenset[str] = frozenset(), keep_going: bool = False) -> Summary:
    """Run what is stale, publish the outputs, return the summary."""
    return run_pipeline(recipe, _cache(cache), reporter=reporter, force=force, keep_going=keep_going)
