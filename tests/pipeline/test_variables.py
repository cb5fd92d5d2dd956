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



def test_splicing_a_variable_is_bounded_per_value(write_recipe):
    x = "a" * 100_000
    path = write_recipe(f"version: 1\nvars:\n  x: {x}\nsteps:\n  t: {{type: text, text: \"{'${x} ' * 3000}\"}}\n"
                        "outputs: {out/t.txt: '${t.out}'}\n")
    with pytest.raises(RecipeError) as info:
        load_recipe(path)
    [problem] = info.value.problems
    assert f"{path}:5:" in str(problem) and problem.field == "steps.t.text"
    assert "would be 300015000 characters, more than the limit of 1000000" in problem.message


def test_splicing_variables_is_bounded_for_the_whole_recipe(write_recipe):
    x = "a" * 100_000
    steps = "".join(f"  t{i}: {{type: text, text: \"{'${x} ' * 9}\"}}\n" for i in range(20))
    path = write_recipe(f"version: 1\nvars:\n  x: {x}\nsteps:\n{steps}outputs: {{out/t.txt: '${{t0.out}}'}}\n")
    with pytest.raises(RecipeError) as info:
        load_recipe(path)
    [problem] = [p for p in info.value.problems if "the recipe would be more than 10000000" in p.message]
    assert f"{path}:16:" in str(problem) and "fix: " in str(problem)
