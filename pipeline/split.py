"""The steps a node splits into when it runs (``NodeType.split``), compiled like a recipe's steps.

A part is the step ``<node>.<part>``: it points at the node's recipe line (its errors are the node's, in
the user's terms), reads the node's own inputs or other parts' outputs, and is planned, cached and
scheduled like any step. A split that names an unknown type, a param its type refuses or an output no
part makes is a bug in the node type, and is said to be one.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from pipeline.cache.blobs import BlobStore
from pipeline.graph import InputSource, SourceFile, Step, Upstream
from pipeline.node import From, InputValue, Split
from pipeline.recipe.refs import Ref
from pipeline.registry import get_node_type


class BadSplit(Exception):
    """A node type's split does not describe steps that can run (a bug in the node type)."""


@dataclass
class Expansion:
    """A node's parts as steps (each after the parts it reads) and, per output of the node, the part
    output that is it."""

    steps: list[Step]
    outputs: dict[str, Ref]


def splits(step: Step) -> bool:
    """True when the step's node type may split a run with the step's params (``NodeType.may_split``)."""
    return step.node_type.may_split(step.params)


def split_step(step: Step, steps: Mapping[str, Step], produced: Mapping[tuple[str, str], str],
               store: BlobStore) -> Expansion | None:
    """Ask the step's node type for its parts, its inputs given as files: the user's in place, other steps'
    outputs (``produced``: digests by step and port) fetched from ``store`` into a scratch folder for the
    call. None when it runs as one node; BadSplit when its parts cannot run; the node type's own errors
    (an unreadable narration) as they are."""
    work = Path(tempfile.mkdtemp(prefix="split-", dir=store.scratch_root()))
    try:
        files: dict[tuple[str, int], Path] = {}
        for port, sources in step.inputs.items():
            for index, source in enumerate(sources):
                if isinstance(source, SourceFile):
                    files[(port, index)] = source.path
                    continue
                ref = source.ref
                files[(port, index)] = work / f"{port}-{index}{steps[ref.step].node_type.outputs[ref.port].suffix}"
                store.fetch(produced[(ref.step, ref.port)], files[(port, index)])
        split = step.node_type.split(step.params, _node_inputs(step, files))
        return None if split is None else expand(step, split)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def expand(step: Step, split: Split) -> Expansion:
    """Compile ``split`` into steps named under ``step``; raises BadSplit when it cannot run."""
    steps: dict[str, Step] = {}
    for part in split.parts:
        name = f"{step.name}.{part.name}"
        if name in steps:
            raise BadSplit(f"two parts are named '{part.name}'")
        node_type = get_node_type(part.type)
        if node_type is None:
            raise BadSplit(f"part '{part.name}' has the unknown node type '{part.type}'")
        try:
            params = node_type.params.model_validate(part.params)
        except ValidationError as exc:
            raise BadSplit(f"part '{part.name}' has params its type refuses: {exc}") from None
        inputs: dict[str, list[InputSource]] = {}
        for port, sources in part.inputs.items():
            if port not in node_type.inputs:
                raise BadSplit(f"part '{part.name}' ({part.type}) has no input '{port}'")
            for item in sources:
                kind = _kind(step, steps, item)
                if kind != node_type.inputs[port].kind:
                    raise BadSplit(f"part '{part.name}' input '{port}' takes {node_type.inputs[port].kind}, "
                                   f"given {kind}")
            inputs[port] = [source for item in sources for source in _sources(step, steps, item)]
        steps[name] = Step(name=name, node_type=node_type, params=params, inputs=inputs, spec=step.spec,
                           source=step.source)
    outputs = {}
    for port in step.node_type.outputs:
        made = split.outputs.get(port)
        if made is None or made.part is None:
            raise BadSplit(f"the split does not say which part makes the output '{port}'")
        outputs[port] = _part_output(step, steps, made)
    return Expansion(steps=list(steps.values()), outputs=outputs)


def _sources(step: Step, parts: dict[str, Step], item: From) -> list[InputSource]:
    if item.part is None:
        return list(step.inputs.get(item.port, []))
    return [Upstream(_part_output(step, parts, item))]


def _kind(step: Step, parts: dict[str, Step], item: From) -> str:
    """The kind of what ``item`` names: one of the node's inputs, or a part's output."""
    if item.part is None:
        port = step.node_type.inputs.get(item.port)
        if port is None:
            raise BadSplit(f"the node has no input '{item.port}' to give a part")
        return port.kind
    return parts[_part_output(step, parts, item).step].node_type.outputs[item.port].kind


def _part_output(step: Step, parts: dict[str, Step], item: From) -> Ref:
    name = f"{step.name}.{item.part}"
    producer = parts.get(name)
    if producer is None:
        raise BadSplit(f"no part '{item.part}' before the one that reads it")
    if item.port not in producer.node_type.outputs:
        raise BadSplit(f"part '{item.part}' has no output '{item.port}'")
    return Ref(name, item.port)


def _node_inputs(step: Step, files: dict[tuple[str, int], Path]) -> dict[str, InputValue]:
    """The step's inputs as its node sees them, from the path of each (port, index)."""
    values: dict[str, InputValue] = {}
    for port_name, port in step.node_type.inputs.items():
        paths = [files[(port_name, index)] for index in range(len(step.inputs.get(port_name, [])))]
        values[port_name] = paths if port.many else (paths[0] if paths else None)
    return values
