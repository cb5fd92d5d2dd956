"""Variables (${name}) and per-type defaults in the steps form."""

from __future__ import annotations

import pytest

from pipeline.errors import RecipeError
from pipeline.recipe.load import load_recipe
from pipeline.run import run_pipeline

RECIPE = """\
version: 1
vars: {who: World, pause: 0.0}
defaults:
  text: {delay: 0.01}
steps:
  greet: {type: text, text: 'Hello, ${who}! Cost: $${who}'}
  slow: {type: text, text: x, delay: '${pause}'}
outputs:
  out/greet.txt: ${greet.out}
"""


def test_variables_are_substituted_with_types(write_recipe):
    pipeline = load_recipe(write_recipe(RECIPE))
    assert pipeline.steps["greet"].params.text == "Hello, World! Cost: ${who}"
    assert pipeline.steps["slow"].params.delay == 0.0  # the step's own field wins over defaults
    assert pipeline.steps["greet"].params.delay == 0.01  # from defaults


def test_command_line_variables_override(write_recipe, cache, tmp_path):
    path = write_recipe(RECIPE)
    run_pipeline(load_recipe(path, {"who": "Porto"}), cache)
    assert (tmp_path / "out" / "greet.txt").read_text() == "Hello, Porto! Cost: ${who}"


def test_unknown_variable_is_located(write_recipe):
    path = write_recipe(RECIPE.replace("${who}!", "${whom}!"))
    with pytest.raises(RecipeError) as info:
        load_recipe(path)
    text = str(info.value)
    assert f"{path}:6:" in text and "unknown variable 'whom'" in text and "did you mean 'who'" in text

