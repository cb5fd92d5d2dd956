"""Robustness, the suite itself: every refused case is refused by ``validate`` too.

``Guard.refused`` (and ``refused_by_both`` for cases without a guard) run ``validate`` before the command
and assert both refuse at the same ``file:line`` places; this test keeps it that way, by reading the
suite's modules: no module asserts a refusal without going through one of them.
"""

from __future__ import annotations

import ast
from pathlib import Path

HERE = Path(__file__).parent


def direct_refusals(path: Path) -> list[int]:
    """Lines that call ``assert_refused`` directly (outside the helpers that also run validate)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", "")) == "assert_refused"]


def test_every_refusal_in_the_suite_goes_through_validate_too():
    modules = sorted(p for p in HERE.glob("test_*.py"))
    assert len(modules) >= 10
    found = {p.name: direct_refusals(p) for p in modules}
    # test_paths asserts validate and run explicitly, in one loop over both commands
    allowed = {"test_paths.py"}
    assert {name: lines for name, lines in found.items() if lines and name not in allowed} == {}
    refusing = [p.name for p in modules if "guard.refused(" in p.read_text(encoding="utf-8")
                or "refused_by_both(" in p.read_text(encoding="utf-8")]
    assert {"test_recipes.py", "test_text.py", "test_images.py", "test_audio_video.py",
            "test_validation.py", "test_all_at_once.py"} <= set(refusing)
    source = (HERE / "test_paths.py").read_text(encoding="utf-8")
    assert 'for command in ("validate", "run"):' in source
