"""The rooms of the project and what each may import (README, "Layout"), checked on every module.

- the engine (``pipeline/`` without ``pipeline/apps/``) never imports the node types or the applications;
- node types (``nodes/``) never import the engine's executor, cache, run, plan, progress or CLI modules
  (they use the node contract, the form contract and the public API);
- applications (``pipeline/apps/``) use the engine's public API (``from pipeline import ...``), the node
  library (``nodes``: media helpers, engines, params models; a server must know which voice will speak)
  and their own modules; never the engine's internals.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pipeline

ROOT = Path(__file__).resolve().parents[2]

NODE_FORBIDDEN = ("pipeline.executor", "pipeline.execute", "pipeline.cache", "pipeline.run", "pipeline.plan",
                  "pipeline.progress", "pipeline.cli", "pipeline.batch", "pipeline.accept", "pipeline.warmup",
                  "pipeline.apps")
APP_ALLOWED = ("pipeline.apps", "nodes")


def imports(path: Path) -> list[tuple[int, str, str | None]]:
    """(line, module, imported name or None) for every import, at any depth (functions, TYPE_CHECKING)."""
    found: list[tuple[int, str, str | None]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.extend((node.lineno, node.module, alias.name) for alias in node.names)
    return found


def _within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def room(path: Path, root: Path) -> str:
    parts = path.relative_to(root).parts
    if parts[0] == "nodes":
        return "nodes"
    return "apps" if parts[:2] == ("pipeline", "apps") else "engine"


def violations(path: Path, root: Path = ROOT) -> list[str]:
    where = room(path, root)
    wrong = []
    for line, module, name in imports(path):
        if where == "engine":
            bad = _within(module, ("nodes", "pipeline.apps"))
        elif where == "nodes":
            bad = _within(module, NODE_FORBIDDEN)
        elif module == "pipeline":
            bad = name is not None and name not in pipeline.__all__
        else:
            bad = _within(module, ("pipeline", "nodes")) and not _within(module, APP_ALLOWED)
        if bad:
            wrong.append(f"{path.relative_to(root)}:{line}: {where} imports {module}"
                         + (f".{name}" if name and module == "pipeline" else ""))
    return wrong


def test_every_module_keeps_to_its_room():
    files = sorted((ROOT / "pipeline").rglob("*.py")) + sorted((ROOT / "nodes").rglob("*.py"))
    assert len(files) > 50
    assert [v for path in files for v in violations(path)] == []


def test_the_check_finds_planted_imports(tmp_path):
    planted = {
        "pipeline/graph2.py": "def f():\n    from nodes.media.probe import probe\n",
        "nodes/x/node.py": "from pipeline.cache import Cache\nfrom pipeline.node import NodeType\n",
        "pipeline/apps/y/run.py": "from pipeline.run import run_pipeline\nfrom pipeline import load, _cache\n"
                                  "from nodes.media.ffmpeg import run_ffmpeg\nfrom nodes.tts.node import TTS\n",
    }
    found = []
    for name, text in planted.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        found += violations(path, tmp_path)
    assert found == ["pipeline/graph2.py:2: engine imports nodes.media.probe",
                     "nodes/x/node.py:1: nodes imports pipeline.cache",
                     "pipeline/apps/y/run.py:1: apps imports pipeline.run",
                     "pipeline/apps/y/run.py:2: apps imports pipeline._cache"]
