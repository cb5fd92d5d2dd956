"""Deciding, per node, whether it runs or is served from the cache, and saying why in the user's terms.

A node whose inputs are all known (source files, or outputs of cached upstream nodes) gets its cache key
now; a node downstream of one that will run gets it at run time, when the upstream output exists (so an
upstream rerun that produces identical bytes still lets it hit: early cutoff).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pipeline.cache import Cache, Manifest, ResultRecord
from pipeline.errors import Problem, RecipeError
from pipeline.graph import Pipeline, SourceFile, Step, Upstream
from pipeline.node import NodeError
from pipeline.split import split_step, splits

Action = Literal["run", "skip"]


@dataclass
class NodePlan:
    node: str
    type: str
    action: Action
    reasons: list[str]
    key: str | None = None
    manifest: Manifest | None = None
    record: ResultRecord | None = None
    root_causes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"node": self.node, "type": self.type, "action": self.action, "reasons": self.reasons,
                "key": self.key, "root_causes": self.root_causes}


def _short(value: Any, limit: int = 48) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def key_params(step: Step) -> dict[str, Any]:
    """Params as they enter the key: canonical JSON values, minus fields that do not change the output."""
    return step.params.model_dump(mode="json", exclude=set(step.params.not_in_key))


def tool_fingerprints(step: Step, cache: Cache) -> dict[str, str]:
    """The node's declared tools, files replaced by their content digest (via the stat cache)."""
    found = {}
    try:
        tools = step.node_type.tools(step.params)
    except NodeError as exc:  # an engine or voice that cannot be used here: the user's to fix
        source = step.source
        assert source is not None
        where = source.locate(step.spec.source_path((exc.field,)) if exc.field else step.spec.origin)
        raise RecipeError([Problem(where, exc.message, field=exc.field or "", hint=exc.hint or "",
                                   steps=(step.name,))]) from None
    for name, value in tools.items():
        found[name] = f"sha256:{cache.stat.digest(value)}" if isinstance(value, Path) else str(value)
    return found


def build_manifest(step: Step, input_digests: dict[str, list[str]], cache: Cache) -> Manifest:
    env = {name: os.environ.get(name, "") for name in step.node_type.env}
    return Manifest(node_type=step.node_type.name, version=step.node_type.version, params=key_params(step),
                    inputs=input_digests, tools=tool_fingerprints(step, cache), env=env)


def input_digests(step: Step, cache: Cache, produced: dict[tuple[str, str], str]) -> dict[str, list[str]] | None:
    """Content digests of every input, or None while some upstream output does not exist yet."""
    digests: dict[str, list[str]] = {}
    for port, sources in step.inputs.items():
        values = []
        for source in sources:
            if isinstance(source, SourceFile):
                values.append(cache.stat.digest(source.path))
            else:
                digest = produced.get((source.ref.step, source.ref.port))
                if digest is None:
                    return None
                values.append(digest)
        digests[port] = values
    return digests


def explain_change(old: Manifest | None, new: Manifest, step: Step) -> list[str]:
    """Why a node with no usable cached result must run, compared with what it last ran with."""
    if old is None:
        return ["never ran before"]
    reasons = []
    if old.format != new.format:
        reasons.append(f"cache format changed ({old.format} -> {new.format})")
    if old.node_type != new.node_type:
        reasons.append(f"node type changed ({old.node_type} -> {new.node_type})")
    elif old.version != new.version:
        reasons.append(f"new code version of '{new.node_type}' ({old.version} -> {new.version})")
    for name in sorted(set(old.params) | set(new.params)):
        before, after = old.params.get(name), new.params.get(name)
        if before != after:
            reasons.append(f"param '{name}' changed: {_short(before)} -> {_short(after)}")
    for port in sorted(set(old.inputs) | set(new.inputs)):
        before, after = old.inputs.get(port), new.inputs.get(port)
        if before == after:
            continue
        sources = step.inputs.get(port, [])
        if not before:
            reasons.append(f"input '{port}' added")
        elif not after:
            reasons.append(f"input '{port}' removed")
        elif sources and all(isinstance(s, SourceFile) for s in sources):
            names = ", ".join(s.path.name for s in sources if isinstance(s, SourceFile))
            reasons.append(f"input '{port}' changed: file {names} has new content")
        else:
            ups = ", ".join(sorted({s.ref.step for s in sources if isinstance(s, Upstream)}))
            reasons.append(f"input '{port}' changed: new output from '{ups}'")
    for tool in sorted(set(old.tools) | set(new.tools)):
        if old.tools.get(tool) != new.tools.get(tool):
            reasons.append(f"tool '{tool}' changed: {_short(old.tools.get(tool), 32)} -> "
                           f"{_short(new.tools.get(tool), 32)}")
    for name in sorted(set(old.env) | set(new.env)):
        if old.env.get(name) != new.env.get(name):
            reasons.append(f"environment variable {name} changed: {_short(old.env.get(name))} -> "
                           f"{_short(new.env.get(name))}")
    return reasons or ["no cached result for the current inputs (cache cleared, or first run of this variant)"]


def _cached_reason(step: Step) -> str:
    if step.node_type.deterministic:
        return "cached"
    return "cached (non-deterministic: the first result is kept; --refresh NODE recomputes it)"


def _needed_cached_outputs(pipeline: Pipeline, plans: dict[str, NodePlan]) -> set[tuple[str, str]]:
    """Cached outputs that this run will read: inputs of nodes that run, and the recipe's outputs."""
    needed = {(ref.step, ref.port) for ref in pipeline.outputs.values()}
    for name, node_plan in plans.items():
        if node_plan.action == "run":
            needed |= {(s.ref.step, s.ref.port) for ss in pipeline.steps[name].inputs.values() for s in ss
                       if isinstance(s, Upstream)}
    return {(step, port) for step, port in needed if plans[step].action == "skip"}


def plan(pipeline: Pipeline, cache: Cache, force: frozenset[str] = frozenset()) -> list[NodePlan]:
    """Per node, in run order: skip (cached) or run, with reasons and the root causes of reruns.

    Cached outputs that the run will read are checked against their digests (through the stat cache, so
    an unchanged blob costs a stat); a damaged one is discarded and its node planned to run again.
    """
    damaged: set[str] = set()
    while True:
        plans = _plan_once(pipeline, cache, force, damaged)
        found = False
        for step, port in _needed_cached_outputs(pipeline, plans):
            record = plans[step].record
            assert record is not None
            digest = record.outputs[port].digest
            if not cache.blob_intact(digest):
                cache.blobs.discard(digest)
                damaged.add(step)
                found = True
        if not found:
            return [plans[name] for name in pipeline.order]


def _plan_once(pipeline: Pipeline, cache: Cache, force: frozenset[str], damaged: set[str]) -> dict[str, NodePlan]:
    plans: dict[str, NodePlan] = {}
    produced: dict[tuple[str, str], str] = {}
    for name in pipeline.order:
        step = pipeline.steps[name]
        node_type = step.node_type.name
        digests = input_digests(step, cache, produced)
        if digests is None:
            running = [u for u in step.upstream_steps() if plans[u].action == "run"]
            causes = sorted({c for u in running for c in plans[u].root_causes})
            reasons = [f"upstream '{u}' will run" for u in running]
            plans[name] = NodePlan(name, node_type, "run", reasons, root_causes=causes)
            continue
        manifest = build_manifest(step, digests, cache)
        key = manifest.key()
        record = cache.record(key)
        if name in force:
            plans[name] = NodePlan(name, node_type, "run", ["forced"], key=key, manifest=manifest, root_causes=[name])
        elif step.node_type.volatile:
            plans[name] = NodePlan(name, node_type, "run", ["volatile: always runs"], key=key,
                                   manifest=manifest, root_causes=[name])
        elif record is not None and cache.usable(record):
            plans[name] = NodePlan(name, node_type, "skip", [_cached_reason(step)], key=key, manifest=manifest,
                                   record=record)
            for port, out in record.outputs.items():
                produced[(name, port)] = out.digest
        elif record is not None:
            reason = ("cached output was damaged (checksum mismatch) and was discarded" if name in damaged
                      else "cached output is missing or damaged")
            plans[name] = NodePlan(name, node_type, "run", [reason], key=key, manifest=manifest, root_causes=[name])
        else:
            reasons = explain_change(cache.last_manifest(pipeline.recipe_id, name), manifest, step)
            if splits(step):
                reasons += _parts(pipeline, step, cache, produced)
            plans[name] = NodePlan(name, node_type, "run", reasons, key=key, manifest=manifest, root_causes=[name])
    return plans


def _parts(pipeline: Pipeline, step: Step, cache: Cache, produced: dict[tuple[str, str], str]) -> list[str]:
    """For a node that will split itself, whose inputs exist: how many of its parts the cache holds (a run
    stopped halfway through a long scene resumes with most of it), in a reason. Nothing when it will run
    as one node, or when its split fails (the run reports that)."""
    try:
        expansion = split_step(step, pipeline.steps, produced, cache.blobs)
    except Exception:  # noqa: BLE001 - planning says what it can; the run reports the node's failure
        return []
    if expansion is None:
        return []
    made = dict(produced)
    cached = 0
    for part in expansion.steps:
        digests = input_digests(part, cache, made)
        record = cache.record(build_manifest(part, digests, cache).key()) if digests is not None else None
        if record is not None and cache.usable(record):
            cached += 1
            made.update({(part.name, port): out.digest for port, out in record.outputs.items()})
    total = len(expansion.steps)
    return [f"runs as {total} parts: {cached} cached, {total - cached} to run"]
