"""The recipe JSON Schema validates real recipes and rejects typos in steps."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from pipeline.cli import main
from pipeline.schema import recipe_schema

RECIPES = Path(__file__).resolve().parents[2] / "recipes"


@pytest.fixture(scope="module")
def validator():
    return jsonschema.Draft202012Validator(recipe_schema())


def test_example_recipes_are_valid(validator):
    for name in ("hello.yaml", "hello-steps.yaml"):
        data = yaml.safe_load((RECIPES / name).read_text())
        assert list(validator.iter_errors(data)) == [], name


def test_misspelled_step_field_is_caught(validator):
    data = yaml.safe_load((RECIPES / "hello-steps.yaml").read_text())
    data["steps"]["scene1.tts"]["speeed"] = 2
    assert list(validator.iter_errors(data))


def test_schema_command_prints_json(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert "step_tts" in schema["$defs"] and "step_merge" in schema["$defs"]


def test_scene_list_settings_are_checked_against_the_node_types(validator):
    data = yaml.safe_load((RECIPES / "hello.yaml").read_text())
    data["scenes"][0]["motion"]["zooom"] = "in"
    assert list(validator.iter_errors(data))
    data = yaml.safe_load((RECIPES / "hello.yaml").read_text())
    data["voice"]["sped"] = 1.0
    assert list(validator.iter_errors(data))
