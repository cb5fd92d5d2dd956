"""Node types by name, discovered through the ``pipeline.nodes`` entry-point group.

The project's own node types register the same way a third-party package would (see pyproject.toml), so
the engine never imports a node module by name.
"""

from __future__ import annotations

import threading
from importlib.metadata import entry_points

from pipeline.errors import PipelineError
from pipeline.node import NodeType

GROUP = "pipeline.nodes"

_lock = threading.Lock()
_types: dict[str, type[NodeType]] | None = None
_instances: dict[type[NodeType], NodeType] = {}


_broken: dict[str, str] = {}


def _discover() -> dict[str, type[NodeType]]:
    found: dict[str, type[NodeType]] = {}
    for entry in entry_points(group=GROUP):
        try:
            cls = entry.load()
        except Exception as exc:  # a broken plugin must not hide the others
            _broken[entry.name] = f"node type '{entry.name}' ({entry.value}) failed to load: {exc}"
            continue
        if not (isinstance(cls, type) and issubclass(cls, NodeType)):
            _broken[entry.name] = f"entry point '{entry.name}' ({entry.value}) is not a NodeType subclass"
            continue
        found[entry.name] = cls
    return found


def node_types() -> dict[str, type[NodeType]]:
    """All registered node types, by name."""
    global _types
    with _lock:
        if _types is None:
            _types = _discover()
        return dict(_types)


def register(cls: type[NodeType]) -> None:
    """Register a node type by hand (tests, or code that builds recipes in Python)."""
    node_types()
    with _lock:
        assert _types is not None
        _types[cls.name] = cls


def get_node_type(name: str) -> NodeType | None:
    """The shared instance of a node type, or None when no such type is registered."""
    cls = node_types().get(name)
    if cls is None:
        if name in _broken:
            raise PipelineError(_broken[name])
        return None
    return instance_of(cls)


def instance_of(cls: type[NodeType]) -> NodeType:
    """One instance per node type per process (here, or on a cluster worker, which gets the class), so
    the models a node type loads are shared by all its runs."""
    with _lock:
        if cls not in _instances:
            _instances[cls] = cls()
        return _instances[cls]
