"""Batch files (CSV, JSON Lines): every mistake in them is exit 2 naming the file, the line and the column,
before any row runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.cli import main

TEMPLATE = ("version: 1\nvars: {who: x, greeting: Hi}\nsteps:\n  t: {type: text, text: '${greeting} ${who}'}\n"
            "outputs:\n  'out/${who}.txt': ${t.out}\n")

BAD = [
    ("typo.csv", b"who,greting\nana,Hello\n", "rows:1:1", "no variable 'greting' (did you mean 'greeting'?)"),
    ("typo.jsonl", b'{"who": "ana", "greting": "Hello"}\n', "rows:1:1", "did you mean 'greeting'?"),
    ("latin1.csv", "who,greeting\nana,Olá\n".encode("latin-1"), "rows:2:7", "is not UTF-8 text (byte 0xe1)"),
    ("deep.jsonl", b'{"who": ' + b"[" * 5000 + b"]" * 5000 + b"}\n", "rows:1:1", "nested more than 32 levels"),
    ("twice.csv", b"who,who\nana,bo\n", "rows:1:1", "the column 'who' appears twice"),
    ("twice.jsonl", b'{"who": "ana", "who": "bo"}\n', "rows:1:1", "the key 'who' appears twice"),
    ("nul.csv", b"who,greeting\nana,Hel\x00lo\n", "rows:2:1", "contains the control character '\\x00'"),
    ("nul.jsonl", b'{"who": "ana"}\n{"who": "bo", "greeting": "Hel\\u0000lo"}\n', "rows:2:1",
     "the value of 'greeting' contains the control character"),
]


@pytest.mark.parametrize("name, data, where, phrase", BAD, ids=[b[0] for b in BAD])
def test_a_bad_batch_file_is_exit_2_at_its_line(tmp_path: Path, capsys, name, data, where, phrase):
    template = tmp_path / "template.yaml"
    template.write_text(TEMPLATE, encoding="utf-8")
    rows = tmp_path / f"rows{Path(name).suffix}"
    rows.write_bytes(data)
    assert main(["--cache-dir", str(tmp_path / "c"), "run", "-q", "--batch", str(rows), str(template)]) == 2
    err = capsys.readouterr().err
    assert where.replace("rows", str(rows)) in err and phrase in err and "fix: " in err
    assert "Traceback" not in err and not (tmp_path / "out").exists()


def test_columns_that_name_no_variable_are_left_alone(tmp_path: Path):
    """A spreadsheet's other columns (an id, notes) are not variables and not mistakes."""
    template = tmp_path / "template.yaml"
    template.write_text(TEMPLATE, encoding="utf-8")
    rows = tmp_path / "rows.csv"
    rows.write_text("id,who,notes\n7,ana,first take\n", encoding="utf-8")
    assert main(["--cache-dir", str(tmp_path / "c"), "run", "-q", "--batch", str(rows), str(template)]) == 0
    assert (tmp_path / "out" / "ana.txt").read_text(encoding="utf-8") == "Hi ana"


def test_a_misspelt_var_with_a_batch_is_refused(tmp_path: Path, capsys):
    template = tmp_path / "template.yaml"
    template.write_text(TEMPLATE, encoding="utf-8")
    rows = tmp_path / "rows.csv"
    rows.write_text("who\nana\n", encoding="utf-8")
    assert main(["--cache-dir", str(tmp_path / "c"), "run", "-q", "--batch", str(rows), "--var", "greting=Yo",
                 str(template)]) == 2
    assert "did you mean 'greeting'?" in capsys.readouterr().err


def test_a_var_with_a_control_character_is_refused(tmp_path: Path, capsys):
    template = tmp_path / "template.yaml"
    template.write_text(TEMPLATE, encoding="utf-8")
    assert main(["validate", "--var", "who=a\x07b", str(template)]) == 2
    assert "contains the control character '\\x07'" in capsys.readouterr().err


def test_bad_input_in_one_row_is_exit_2_as_with_var_and_the_other_rows_render(tmp_path: Path, capsys):
    template = tmp_path / "template.yaml"
    template.write_text(TEMPLATE, encoding="utf-8")
    cache = ["--cache-dir", str(tmp_path / "c")]
    assert main([*cache, "run", "-q", "--var", "who=../../escape", str(template)]) == 2
    capsys.readouterr()
    rows = tmp_path / "rows.csv"
    rows.write_text("who\n../../escape\nana\n", encoding="utf-8")
    assert main([*cache, "run", "-q", "--batch", str(rows), str(template)]) == 2
    err = capsys.readouterr().err
    assert "row 1 failed" in err and "1 of 2 rows rendered" in err
    assert (tmp_path / "out" / "ana.txt").read_text(encoding="utf-8") == "Hi ana"
