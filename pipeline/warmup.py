"""Loading what node types need before their first node runs, beside the work that comes first.

A rerun after a small edit is mostly fixed costs: the first render in a process waits about 0.3 s for
its compiled kernels to load, the first merge for its audio kernels. A node type says what to load in
``NodeType.warm_up``; at the start of a run the engine calls it once per type and process, on one
background thread, for the types the plan will run, so that loading overlaps the nodes that run first
(the speech, whose model inference leaves the interpreter free). It never changes what a node computes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from pipeline.node import NodeType

log = logging.getLogger(__name__)

_lock = threading.Lock()
_claimed: set[type[NodeType]] = set()  # types whose warm-up has started in this process


def needs_warm_up(node_type: NodeType) -> bool:
    return type(node_type).warm_up is not NodeType.warm_up


def warm_up(node_types: Iterable[NodeType]) -> threading.Thread | None:
    """Start warming the types (in the given order) not warmed yet in this process; None if none."""
    todo: list[NodeType] = []
    with _lock:
        for node_type in node_types:
            cls = type(node_type)
            if cls not in _claimed and needs_warm_up(node_type):
                _claimed.add(cls)
                todo.append(node_type)
    if not todo:
        return None
    thread = threading.Thread(target=_warm, args=(todo,), name="pipeline-warm-up", daemon=True)
    thread.start()
    return thread


def _warm(node_types: list[NodeType]) -> None:
    for node_type in node_types:
        try:
            node_type.warm_up()
        except Exception:  # noqa: BLE001 - only a head start: the node's own run meets and reports it
            log.debug("warming up %s failed", node_type.name, exc_info=True)
