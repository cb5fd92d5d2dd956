"""Every recipe problem is reported at once, each with file:line:column, the field, and a fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import RecipeError
from pipeline.recipe.load import load_recipe


def problems(path: Path) -> list[str]:
    with pytest.raises(RecipeError) as info:
        load_recipe(path)
    return [str(p) for p in info.value.problems]


def test_yaml_syntax_error_names_line_and_column(write_recipe):
    path = write_recipe("version: 1\nsteps:\n  a: {type: text, text: 'unterminated}\n")
    [problem] = problems(path)
    assert f"{path}:4:1" in problem
    assert "YAML syntax error" in problem and "starts at line 3, column 25" in problem


def test_misspelled_field_gets_did_you_mean_at_its_line(write_recipe):
    path = write_recipe("version: 1\nsteps:\n  a:\n    type: text\n    txt: hello\n"
                        "outputs:\n  out.txt: ${a.out}\n")
    found = problems(path)
    assert any(f"{path}:5:5" in p and "unknown field 'txt'" in p and "did you mean 'text'" in p for p in found)
    assert any("this field is required" in p for p in found)


def test_unknown_key_with_a_bracket_is_named_at_its_line(write_recipe):
    path = write_recipe("0[version: 1\n")  # found by the fuzz test: the key was mistaken for a pydantic tag
    found = problems(path)
    assert any(f"{path}:1:1" in p and "unknown field '0[version'" in p for p in found)
    assert any("this field is required" in p and "version" in p for p in found)


def test_all_problems_reported_together(write_recipe):
    path = write_recipe(
        "version: 1\n"
        "steps:\n"
        "  a: {type: txet, text: hi}\n"          # unknown type
        "  b: {type: join, parts: ['${nope.out}']}\n"  # dangling reference
        "  c: {type: count, src: '${d.out}'}\n"     # type mismatch (text -> number)
        "  d: {type: text, text: x}\n"
        "  e: {type: join, parts: [missing.txt]}\n"  # missing file
        "outputs:\n  out.txt: ${b.out}\n")
    found = problems(path)
    text = "\n".join(found)
    assert "unknown node type 'txet'" in text and "did you mean 'text'" in text
    assert "unknown step 'nope'" in text
    assert "type mismatch" in text and "is text, this input needs number" in text
    assert "file not found" in text
    assert f"{path}:3:" in text and f"{path}:4:" in text and f"{path}:5:" in text and f"{path}:7:" in text


def test_cycle_is_reported_with_its_path(write_recipe):
    path = write_recipe("version: 1\nsteps:\n"
                        "  a: {type: join, parts: ['${b.out}']}\n"
                        "  b: {type: join, parts: ['${a.out}']}\n"
                        "outputs:\n  o.txt: ${a.out}\n")
    [problem] = problems(path)
    assert "cycle: a -> b -> a" in problem


def test_duplicate_keys_are_errors(write_recipe):
    path = write_recipe("version: 1\nsteps:\n  a: {type: text, text: x}\n  a: {type: text, text: y}\n")
    [problem] = problems(path)
    assert "appears twice" in problem and f"{path}:4:3" in problem


def test_alias_bomb_is_bounded(write_recipe):
    lines = ["version: 1", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    path = write_recipe("\n".join(lines) + "\n")
    [problem] = problems(path)
    assert "alias bomb" in problem


def test_wrong_type_says_expected_and_got(write_recipe):
    path = write_recipe("version: 1\noutput: {fps: fast}\nscenes:\n  - {text: hi, image: a.jpg}\n")
    found = problems(path)
    assert any("output.fps" in p and "'fast'" in p and f"{path}:2:" in p for p in found)


def test_a_check_of_a_whole_entry_speaks_in_its_own_words(write_recipe):
    """A validator of a whole mapping (a scene) wrote the message: neither pydantic's "Value error, " nor
    "(got dict)" is put around it."""
    path = write_recipe("version: 1\nscenes:\n  - {text: hi, image: a.jpg, duration: 3}\n")
    [problem] = problems(path)
    assert f"{path}:3:" in problem and "scenes.0: `duration:` is for scenes without narration" in problem
    assert "Value error" not in problem and "got dict" not in problem


def test_scene_and_steps_forms_are_exclusive(write_recipe):
    path = write_recipe("version: 1\n")
    [problem] = problems(path)
    assert "exactly one of them" in problem


def test_missing_recipe_file(tmp_path):
    [problem] = problems(tmp_path / "nope.yaml")
    assert "recipe file not found" in problem


def test_empty_recipe(write_recipe):
    [problem] = problems(write_recipe(""))
    assert "empty" in problem


def test_unquoted_reference_in_flow_style_gets_a_specific_hint(write_recipe):
    path = write_recipe("version: 1\nsteps:\n  a: {type: join, parts: [${b.out}]}\n")
    [problem] = problems(path)
    assert "must be quoted" in problem


def test_colon_numbers_stay_text(write_recipe):
    from pipeline.recipe.source import parse_yaml

    data = parse_yaml("size: 16:9\nat: 1:30\nn: 12\n", Path("r.yaml")).data
    assert data == {"size": "16:9", "at": "1:30", "n": 12}


def test_paths_outside_the_recipe_folder_need_an_explicit_setting(write_recipe, tmp_path):
    outside = tmp_path.parent / f"{tmp_path.name}-outside.txt"
    outside.write_text("secret")
    (tmp_path / "sub").mkdir()
    text = ("version: 1\nsteps:\n  j:\n    type: join\n    parts: ['../../" + outside.name + "']\n"
            "outputs:\n  ../escaped.txt: ${j.out}\n")
    path = write_recipe(text, name="sub/recipe.yaml")
    found = problems(path)
    assert len(found) == 2 and all("outside the recipe's folder" in p for p in found)
    assert "allow_outside_paths: true" in found[0]
    load_recipe(write_recipe("allow_outside_paths: true\n" + text, name="sub/allowed.yaml"))


def test_paths_with_spaces_and_unicode(write_recipe, tmp_path):
    (tmp_path / "dossier é 文").mkdir()
    (tmp_path / "dossier é 文" / "part one.txt").write_text("x")
    pipeline = load_recipe(write_recipe("version: 1\nsteps:\n  j:\n    type: join\n"
                                        "    parts: ['dossier é 文/part one.txt']\n"
                                        "outputs:\n  'out/résumé 1.txt': ${j.out}\n"))
    assert [p.name for p in pipeline.outputs] == ["résumé 1.txt"]


def test_recipe_path_params_resolve_against_the_recipe_folder(write_recipe, tmp_path):
    from pydantic import Field

    from pipeline.graph import resolve_recipe_paths
    from pipeline.node import Params, RecipePath

    class Inner(Params):
        file: RecipePath | None = None

    class Outer(Params):
        font: RecipePath = "DejaVu Sans"
        inner: Inner = Field(default_factory=Inner)

    (tmp_path / "voices").mkdir()
    (tmp_path / "voices" / "me.wav").write_bytes(b"x")
    resolved = resolve_recipe_paths(Outer(font="DejaVu Sans", inner=Inner(file="voices/me.wav")), tmp_path)
    assert resolved.font == "DejaVu Sans"  # a plain name stays a name
    assert resolved.inner.file == str(tmp_path / "voices" / "me.wav")


def test_a_misspelt_form_key_is_named_with_every_form_in_mind(write_recipe):
    """With neither 'steps:' nor a form's key (the scene list's 'scenes:'), a misspelt key is matched
    against the fields of every registered form."""
    path = write_recipe("version: 1\nscene:\n  - text: hi\n    image: a.jpg\n")
    [problem] = problems(path)
    assert f"{path}:2:1" in problem and "unknown field 'scene'" in problem and "did you mean 'scenes'" in problem


def test_one_mistake_found_in_many_steps_is_one_problem_naming_them():
    from pipeline.errors import Location, Problem

    where, other = Location(Path("r.yaml"), 3, 24), Location(Path("r.yaml"), 5, 1)
    found = [Problem(where, "voice not found", "voice", "give a voice", (f"s{k}.tts",)) for k in range(1, 6)]
    found.insert(2, Problem(other, "voice not found", "voice", "give a voice", ("s3.tts",)))  # another line
    found.append(Problem(where, "voice not found", "voice", "give a voice", ("s1.tts",)))  # seen before
    error = RecipeError(found)
    assert [str(p) for p in error.problems] == [
        "r.yaml:3:24: s1.tts, s2.tts … s5.tts (5 steps): voice: voice not found\n    fix: give a voice",
        "r.yaml:5:1: s3.tts: voice: voice not found\n    fix: give a voice"]
    assert str(error).startswith("2 problems in the recipe:")
    few = RecipeError([Problem(where, "bad", "zoom", steps=(name,)) for name in ("a", "b", "c")])
    assert [str(p) for p in few.problems] == ["r.yaml:3:24: a, b, c: zoom: bad"]


OUTPUTS_HEAD = "version: 1\nsteps:\n  a: {type: text, text: x}\n  b: {type: text, text: y}\noutputs:\n"


@pytest.mark.parametrize("first, second, phrase", [
    ("out/s.txt", "out/./s.txt", "is the same file as output 'out/s.txt'"),
    ("out/s.txt", "out/x/../s.txt", "is the same file as output 'out/s.txt'"),
    ("out/s.txt", "out/s.txt/x.txt", "would be inside output 'out/s.txt'"),
    ("out/s.txt/x.txt", "out/s.txt", "is a folder of output 'out/s.txt/x.txt'"),
])
def test_two_outputs_that_are_one_file_are_refused_naming_both(write_recipe, first, second, phrase):
    path = write_recipe(OUTPUTS_HEAD + f"  {first}: ${{a.out}}\n  {second}: ${{b.out}}\n")
    [problem] = problems(path)
    assert f"{path}:7:3" in problem and phrase in problem and f"({path}:6:3)" in problem
    assert "fix: write the output to a new file name" in problem


@pytest.mark.parametrize("name, phrase", [
    ('"out/a\\0b.txt"', "control character"),  # refused by the reader (keys), the compiler checks names too
    ('"out/bell\\a.txt"', "control character"),
    ('"out/new\\nline.txt"', "control character"),
    ("out/" + "n" * 256 + ".txt", "has a name longer than 255 bytes"),
])
def test_an_output_name_no_file_can_have_is_refused_at_its_line(write_recipe, name, phrase):
    path = write_recipe(OUTPUTS_HEAD + f"  {name}: ${{a.out}}\n")
    [problem] = problems(path)
    assert f"{path}:6:3" in problem and phrase in problem and "fix: " in problem


def test_an_output_name_made_by_a_variable_is_checked_too(write_recipe):
    path = write_recipe("version: 1\nvars: {who: \"a\\ab\"}\nsteps:\n  a: {type: text, text: x}\n"
                        "outputs:\n  out/${who}.txt: ${a.out}\n")
    with pytest.raises(RecipeError):  # the variable's own value is refused where it is written
        load_recipe(path)
    path = write_recipe("version: 1\nvars: {who: x}\nsteps:\n  a: {type: text, text: x}\n"
                        "outputs:\n  out/${who}.txt: ${a.out}\n")
    with pytest.raises(RecipeError) as info:
        load_recipe(path, {"who": "a\nb"})
    assert "contains a control character" in str(info.value) and f"{path}:5:" in str(info.value)


def test_an_output_inside_a_file_is_refused(write_recipe, tmp_path):
    (tmp_path / "afile").write_text("a file", encoding="utf-8")
    path = write_recipe(OUTPUTS_HEAD + "  afile/x.txt: ${a.out}\n")
    [problem] = problems(path)
    assert f"{path}:6:3" in problem and f"{tmp_path / 'afile'} is a file, not a folder" in problem


@pytest.mark.parametrize("value, phrase", [
    ("!!int abc", "'abc' is not a valid !!int"),
    ("!!float abc", "'abc' is not a valid !!float"),
    ("!!timestamp x", "'x' is not a valid !!timestamp"),
    ("!!int " + "9" * 5000, "is not a valid !!int"),
    ("!custom Hello", "could not determine a constructor for the tag '!custom'"),
    ("!!binary SGVsbG8AdGhlcmU=", "binary data (!!binary) cannot be a recipe value"),
    ("!!set {a: null}", "the tag !!set is not used in recipes"),
    ("!!python/object/apply:os.system [ls]", "the tag !!python/object/apply:os.system is not used"),
])
def test_a_value_yaml_cannot_construct_is_a_problem_at_its_place(write_recipe, value, phrase):
    path = write_recipe(f"version: 1\nsteps:\n  a:\n    type: text\n    text: {value}\n")
    [problem] = problems(path)
    assert f"{path}:5:11" in problem and phrase in problem and "fix: " in problem
    assert "<unicode string>" not in problem


def test_a_merge_key_of_scalars_is_a_problem_at_its_place(write_recipe):
    path = write_recipe("version: 1\nsteps:\n  a:\n    type: text\n    <<: [1, 2]\n")
    [problem] = problems(path)
    assert f"{path}:5:" in problem and "expected a mapping for merging" in problem
    assert "fix: a << key takes a mapping" in problem and "<unicode string>" not in problem


@pytest.mark.parametrize("key", ['"a\\0b"', '"tab\\there"', '"bell\\a"'])
def test_control_characters_in_keys_are_refused(write_recipe, key):
    path = write_recipe(f"version: 1\nsteps:\n  a: {{type: text, text: x}}\noutputs:\n  {key}: ${{a.out}}\n")
    [problem] = problems(path)
    assert f"{path}:5:3" in problem and "contains the control character" in problem


def test_an_input_that_is_a_symlink_loop_is_a_problem_at_its_line(write_recipe, tmp_path):
    (tmp_path / "loop1.txt").symlink_to(tmp_path / "loop2.txt")
    (tmp_path / "loop2.txt").symlink_to(tmp_path / "loop1.txt")
    path = write_recipe("version: 1\nsteps:\n  j: {type: join, parts: [loop1.txt]}\noutputs:\n  o.txt: ${j.out}\n")
    [problem] = problems(path)
    assert f"{path}:3:" in problem and "symbolic links form a loop" in problem and "fix: " in problem


def test_an_input_that_is_a_pipe_is_not_a_regular_file(write_recipe, tmp_path):
    import os

    os.mkfifo(tmp_path / "fifo.txt")
    path = write_recipe("version: 1\nsteps:\n  j: {type: join, parts: [fifo.txt]}\noutputs:\n  o.txt: ${j.out}\n")
    [problem] = problems(path)
    assert f"{path}:3:" in problem and "is not a regular file" in problem and "not found" not in problem
