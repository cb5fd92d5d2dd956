"""The engine (pipeline/ without pipeline/apps/) names no node type and no media setting in its code.

Docstrings and comments may explain with media examples; identifiers and string literals may not, so a
media feature (a node type, a scene-list setting, a size preset) never needs a change in the engine.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "pipeline"
APPS = ENGINE / "apps"

# This project's node type names, the scene list's settings and their spellings in node params, presets.
FORBIDDEN = re.compile(
    r"(?<![A-Za-z])(tts|captions?|render|merge|align|voice|music|motion|loudness|lufs|true_peak|transitions?|"
    r"scenes?|subtitles?|srt|vtt|piper|kokoro|chatterbox|whisper|ken ?burns|duck(ing)?)(?![A-Za-z])"
    r"|\b(1080|1920|9:16|16:9|4:5)\b", re.IGNORECASE)

# Command-line help written for people (the program's one-line description, --batch, doctor), Graphviz's
# "render" (drawing the DAG) and YAML's merge key tag, by file and exact text; nothing else.
ALLOWED = {
    ("cli.py", "Narrated videos from YAML recipes: text-to-speech, captions, Ken Burns motion and music, every "
               "step content-hash cached."),
    ("cli.py", "render one video per row of a CSV or JSONL file; each column is a recipe variable"),
    ("cli.py", "show device, threads, ffmpeg and usable TTS engines"),
    ("cli.py", "write to a file; .svg/.png render through Graphviz"),
    ("cli.py", "render_image"),
    ("draw.py", "render_image"),
    ("source.py", "tag:yaml.org,2002:merge"),
}


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _code_words(path: Path) -> list[tuple[int, str]]:
    """Identifiers and string literals (not docstrings, not comments) with their line numbers."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    words: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            words.append((node.lineno, node.value))
        elif isinstance(node, ast.Name):
            words.append((node.lineno, node.id))
        elif isinstance(node, ast.Attribute):
            words.append((node.lineno, node.attr))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            words.append((node.lineno, node.name))
        elif isinstance(node, ast.arg):
            words.append((node.lineno, node.arg))
        elif isinstance(node, ast.keyword) and node.arg:
            words.append((node.lineno, node.arg))
    return words


def engine_files() -> list[Path]:
    return [p for p in sorted(ENGINE.rglob("*.py")) if APPS not in p.parents]


def test_engine_code_names_no_node_type_and_no_media_setting():
    found = []
    for path in engine_files():
        for line, word in _code_words(path):
            if FORBIDDEN.search(word) and (path.name, word) not in ALLOWED:
                found.append(f"{path.relative_to(ROOT)}:{line}: {word!r}")
    assert found == []


def test_the_check_finds_a_planted_media_name(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text('"""Docstrings may say merge."""\nMERGE_STEP = "merge"\nsize = {"9:16": 1}\n')
    words = [word for _, word in _code_words(planted) if FORBIDDEN.search(word)]
    assert sorted(words) == ["9:16", "MERGE_STEP", "merge"]
