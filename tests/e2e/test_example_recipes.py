"""Every example recipe renders and matches its committed golden set (recipes/<name>.golden/).

This is also how a project would pin its own videos in CI: one line per recipe with the ``golden``
fixture. Record again after an intended change: ``pipeline golden record recipes/<name>.yaml``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

RECIPES = Path(__file__).resolve().parents[2] / "recipes"
EXAMPLES = ["hello", "hello-steps", "vertical-short", "explainer", "own-narration", "multilingual",
            "kokoro", "chatterbox"]


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_recipe_matches_its_golden_set(golden, name):
    golden.check(RECIPES / f"{name}.yaml")


def test_every_example_recipe_is_checked():
    found = sorted(p.stem for p in RECIPES.glob("*.yaml"))
    assert found == sorted(EXAMPLES)
