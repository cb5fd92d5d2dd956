"""Accepting a harmless change without rerunning (a typo fixed in a param, a re-saved image).

``accept`` files the node's previous result under its current cache key, so the node and everything
downstream of it count as up to date, while tracking stays intact: the next real change still reruns.
"""

from __future__ import annotations

from pipeline.cache import Cache, ResultRecord
from pipeline.errors import PipelineError
from pipeline.graph import Pipeline
from pipeline.plan import plan


def accept(pipeline: Pipeline, cache: Cache, nodes: list[str]) -> list[str]:
    """Accept the current state of ``nodes`` (in run order); returns those that needed it."""
    accepted = []
    for name in [n for n in pipeline.order if n in nodes]:
        plans = {p.node: p for p in plan(pipeline, cache)}
        node_plan = plans[name]
        if node_plan.action == "skip":
            continue
        if node_plan.manifest is None:
            stale = [u for u in pipeline.steps[name].upstream_steps() if plans[u].action == "run"]
            raise PipelineError(f"cannot accept '{name}': its input from {', '.join(stale)} is not up to "
                                f"date; accept or run {', '.join(stale)} first (or name them too)")
        previous = cache.last_manifest(pipeline.recipe_id, name)
        old = cache.record(previous.key()) if previous is not None else None
        if old is None or not cache.usable(old):
            raise PipelineError(f"cannot accept '{name}': no earlier result of it is in the cache; run it")
        if set(old.outputs) != set(pipeline.steps[name].node_type.outputs):
            raise PipelineError(f"cannot accept '{name}': its outputs changed shape; run it")
        record = ResultRecord(key=node_plan.manifest.key(), manifest=node_plan.manifest, outputs=old.outputs,
                              seconds=old.seconds)
        cache.put_record(record)
        cache.note_run(pipeline.recipe_id, {name: record}, complete=False)
        accepted.append(name)
    return accepted
