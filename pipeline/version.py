"""``pipeline --version``: this package's version and the outside software the installed node types
depend on (each node type says its own: the engine knows no tools)."""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, version


def package_version() -> str:
    try:
        return version("pipeline")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def version_report() -> str:
    """One line for the package, then one per tool or engine the node types name."""
    from pipeline.registry import node_types

    lines = [f"pipeline {package_version()} (python {sys.version.split()[0]})"]
    seen: dict[str, str] = {}
    for _, cls in sorted(node_types().items()):
        try:
            found = cls.versions()
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not hide the others' versions
            found = {cls.name: f"unknown ({type(exc).__name__}: {exc})"}
        for name, text in found.items():
            seen.setdefault(name, text)
    width = max((len(name) for name in seen), default=0)
    lines += [f"{name:<{width}}  {text}" for name, text in seen.items()]
    return "\n".join(lines)
