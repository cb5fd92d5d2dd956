"""Robustness, every mistake in one message: a misspelled scene field no longer hides a misspelled setting
inside it, a ``--var`` the recipe does not know is an error with a suggestion (it used to be ignored),
and a YAML merge key followed by a key that overrides it is what merge keys are for, not a duplicate.
"""

from __future__ import annotations

import pytest

from tests.robustness.helpers import Guard, Project, line_of

HEAD = "version: 1\noutput: {size: 160x288, fps: 10}\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Project:
    return Project(tmp_path_factory.mktemp("at-once"))


@pytest.fixture(scope="module")
def guard(project: Project) -> Guard:
    return Guard(project)


def test_a_misspelled_field_does_not_hide_one_nested_inside(guard):
    text = HEAD + ("scenes:\n  - text: One.\n    image: assets/city.jpg\n    trasition: {type: fade}\n"
                   "    voice: {sped: 1.2}\n  - text: Two.\n    image: assets/city.jpg\n"
                   "    motion: {zooom: in}\n")
    outcome = guard.refused("nested.yaml", text, "trasition", "did you mean 'transition'")
    assert "3 problems in the recipe" in outcome.err
    for marker, phrase in (("sped", "did you mean 'speed'"), ("zooom", "did you mean 'zoom'")):
        assert f"nested.yaml:{line_of(text, marker)}:" in outcome.err and phrase in outcome.err


def test_an_unknown_var_is_an_error_with_a_suggestion(guard):
    text = HEAD + "vars: {city: Lisbon}\nscenes:\n  - {text: 'Hello ${city}.', image: assets/city.jpg}\n"
    outcome = guard.refused("vars.yaml", text, "vars:", "the recipe has no variable 'citty'",
                            "did you mean 'city'", args=("--var", "citty=Porto"))
    assert "--var citty" in outcome.err


def test_a_var_the_recipe_uses_without_declaring_is_fine(project, guard):
    recipe = project.write("used.yaml", "version: 1\noutput: {size: 160x288, fps: 10, path: 'out/${name}.mp4'}\n"
                           "scenes:\n  - {text: Hello., image: assets/city.jpg}\n")
    assert project.cli("validate", "--var", "name=used", str(recipe)).code == 0
    guard.assert_untouched()


def test_a_merge_key_with_an_override_is_not_a_duplicate(project, guard):
    recipe = project.write("merge-key.yaml", HEAD + "scenes:\n"
                           "  - {text: One., image: assets/city.jpg, voice: &calm {speed: 1.0, engine: piper}}\n"
                           "  - text: Two.\n    image: assets/city.jpg\n    voice:\n      <<: *calm\n"
                           "      speed: 1.3\n")
    assert project.cli("validate", str(recipe)).code == 0
    why = project.cli("why", str(recipe), "scene2.tts")
    assert why.code == 0 and "speed: 1.3" in why.out and "engine: \"piper\"" in why.out, why.out
    guard.assert_untouched()


def test_two_written_keys_are_still_a_duplicate(guard):
    text = HEAD + "scenes:\n  - text: One.\n    image: assets/city.jpg\n    text: Two.\n"
    guard.refused("duplicate.yaml", text, "text: Two.", "the key 'text' appears twice")
