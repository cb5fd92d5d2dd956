"""A declarative media pipeline engine: recipes compile to a typed DAG whose nodes are content-hash cached.

The small public API::

    from pipeline import load, plan, run
    recipe = load("recipes/hello.yaml")
    for node in plan(recipe):
        print(node.node, node.action, node.reasons)
    summary = run(recipe)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from pipeline.cache import Cache
    from pipeline.graph import Pipeline
    from pipeline.plan import NodePlan
    from pipeline.progress import Reporter, Summary

__all__ = ["load", "plan", "run"]


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
        force: frozenset[str] = frozenset(), keep_going: bool = False, executor: Any = None) -> Summary:
    """Run what is stale, publish the outputs, return the summary."""
    from pipeline.run import run_pipeline

    return run_pipeline(recipe, _cache(cache), reporter=reporter, force=force, keep_going=keep_going,
                        executor=executor)
