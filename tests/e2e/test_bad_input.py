"""Bad input through the real command: a clear error naming file, line and field; exit code 2; the cache
and earlier outputs untouched."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from pipeline.cli import main
from tests.e2e.test_narrated_video import ASSETS, twin


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> tuple[Path, Path]:
    """A recipe rendered once (its output and cache are what bad runs must not touch)."""
    root = tmp_path_factory.mktemp("bad")
    recipe = root / "twin.yaml"
    recipe.write_text(twin(), encoding="utf-8")
    assert main(["--cache-dir", str(root / "cache"), "run", "-q", str(recipe)]) == 0
    return recipe, root


def run_bad(project, text: str, capsys) -> tuple[int, str]:
    recipe, root = project
    bad = root / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    output = root / "out" / "twin.mp4"
    before = digest(output)
    code = main(["--cache-dir", str(root / "cache"), "run", "-q", str(bad)])
    err = capsys.readouterr().err
    assert digest(output) == before
    assert main(["--cache-dir", str(root / "cache"), "plan", "--check", str(recipe)]) == 0
    capsys.readouterr()
    assert "Traceback" not in err
    return code, err


def test_malformed_yaml(project, capsys):
    code, err = run_bad(project, twin().replace("captions: {max_chars: 24", "captions: {max_chars: [24"), capsys)
    assert code == 2 and "bad.yaml:" in err and "YAML syntax error" in err


def test_missing_image(project, capsys):
    code, err = run_bad(project, twin().replace("harbour.jpg", "harbor.jpg"), capsys)
    assert code == 2
    assert "bad.yaml:11:" in err and "scene2.render: image" in err and "image file not found" in err


def test_unreadable_music(project, capsys):
    _, root = project
    fake = root / "music.ogg"
    fake.write_text("this is not audio")
    code, err = run_bad(project, twin().replace(str(ASSETS / "music.ogg"), str(fake)), capsys)
    assert code == 2 and "bad.yaml:5:" in err and "music" in err


def test_empty_text(project, capsys):
    code, err = run_bad(project, twin(scene2="'   '"), capsys)
    assert code == 2 and "bad.yaml:10:" in err and "text" in err


def test_unknown_field_with_suggestion(project, capsys):
    code, err = run_bad(project, twin().replace("motion: {zoom: out", "motion: {zooom: out"), capsys)
    assert code == 2 and "bad.yaml:12:" in err and "did you mean 'zoom'" in err

