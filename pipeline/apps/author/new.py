"""``pipeline new``: a first recipe written for the author, from a script and a folder of pictures, or an
example with its assets copied beside it.

The recipe spells out the project's defaults (a test holds them equal to the node types' own), so an
author sees every knob worth turning without reading the README first.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from pipeline import validate
from pipeline.apps.author.errors import AuthorError

EXAMPLE = Path(__file__).parent / "example"
PICTURES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff")
MAX_SIDE = 4096  # the scene list's default limits.max_output_side; a recipe may raise it, a new one starts here
VIDEOS = (".mp4", ".mov", ".m4v", ".webm", ".mkv")
EXAMPLE_SCENES = [
    ("Every city has a sound at dawn. The first trams hum, and the harbour wakes.", "city.jpg"),
    ("Listen closely, and it tells you where you are.", "harbour.jpg"),
]


@dataclass(frozen=True)
class Created:
    recipe: Path
    scenes: int
    unused: list[Path]


def natural_key(path: Path) -> list[object]:
    """Name order with numbers by value, so img2 comes before img10."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path.name)]


def paragraphs(script: Path) -> list[str]:
    """One narration per paragraph (blank lines separate them; lines inside one are joined)."""
    try:
        text = script.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AuthorError(f"script {script} not found", hint="give the path of a text file, one paragraph "
                                                             "per scene") from None
    except (UnicodeDecodeError, OSError) as exc:
        raise AuthorError(f"cannot read script {script}: {exc}", hint="save the script as UTF-8 text") from None
    found = [" ".join(block.split()) for block in re.split(r"\n\s*\n", text)]
    found = [p for p in found if p]
    if not found:
        raise AuthorError(f"script {script} has no text", hint="write one paragraph per scene, with a blank "
                                                               "line between paragraphs")
    return found


def backgrounds(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise AuthorError(f"pictures folder {folder} not found", hint="give a folder of pictures (or videos)")
    found = sorted((p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in PICTURES + VIDEOS),
                   key=natural_key)
    if not found:
        raise AuthorError(f"no pictures or videos in {folder}",
                          hint=f"add files ending in {', '.join(PICTURES + VIDEOS)}")
    return found


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML string, whatever it contains


def _relative(path: Path, folder: Path) -> tuple[str, bool]:
    """``path`` as the recipe writes it, and whether it lies outside the recipe's folder."""
    absolute, base = path.resolve(), folder.resolve()
    inside = absolute.is_relative_to(base)
    return Path(os.path.relpath(absolute, base)).as_posix(), not inside


def recipe_text(name: str, scenes: list[tuple[str, str, str]], size: str, music: str | None,
                outside: bool) -> str:
    """The recipe: a header that says how to render it, the defaults written out, then the scenes
    (text, ``image`` or ``video``, path)."""
    lines = [
        f"# {name}: written by `pipeline new`.",
        f"#   render it (in this folder):  pipeline run {name}.yaml",
        f"#   edit and watch:              pipeline watch {name}.yaml --open   (re-renders on every save)",
        "# The settings below are the project's defaults, written out so you can see what to change; a line",
        "# deleted means the same. Every field: `pipeline nodes`; the format: README, 'Recipes'.",
        "version: 1",
        (f"output: {{size: {_quoted(size)}, fps: 30}}   # size: 9:16, 16:9, 1:1, 4:5 or WIDTHxHEIGHT; "
         f"path: out/{name}.mp4"),
        ("voice: {engine: piper, speed: 1.0}   # engine: piper, kokoro, chatterbox or a fallback list "
         "[kokoro, piper]"),
        ("captions: {max_chars: 32, lines: 2}   # or captions: false; style: {position: bottom, "
         "highlight: \"#FFD400\"}"),
        ("motion: {zoom: in, pan: none, amount: 0.12, easing: ease-in-out}   # zoom: in, out, none; "
         "pan: left, right, up, down; auto: true"),
        "render: {fit: cover}   # cover, contain or blur (the picture over its blurred copy)",
    ]
    if music is not None:
        lines.append(f"music: {{path: {_quoted(music)}, volume_db: -18, duck: true, loop: true}}   "
                     "# fade_in: 1.0, fade_out: 2.0")
    else:
        lines.append("# music: {path: music.ogg, volume_db: -18, duck: true, loop: true}")
    lines += [
        "transition: {type: cut}   # crossfade, fade or slide, with duration: 0.5",
        "loudness: {target_lufs: -14, true_peak_db: -1}",
    ]
    if outside:
        lines.append("allow_outside_paths: true   # the pictures live outside this recipe's folder")
    lines.append("scenes:")
    for text, kind, path in scenes:
        lines.append(f"  - text: {_quoted(text)}")
        lines.append(f"    {kind}: {_quoted(path)}")
    return "\n".join(lines) + "\n"


def _copy_example_assets(folder: Path, names: list[str], made: list[Path]) -> None:
    """The example's pictures and music into ``folder/assets``; what it creates is appended to ``made``."""
    assets = folder / "assets"
    if not assets.exists():
        assets.mkdir(parents=True)
        made.append(assets)
    for name in names:
        target = assets / name
        if not target.exists():
            shutil.copyfile(EXAMPLE / name, target)
            made.append(target)


def _check_size(size: str) -> None:
    """``--size`` as the recipe's ``output.size`` will take it, checked before anything is written."""
    from pydantic import ValidationError

    from nodes.scenes.model import PRESETS, OutputSettings

    hint = (f"give --size WIDTHxHEIGHT (both even, 16 to {MAX_SIDE}), e.g. 1080x1920, or a preset: "
            f"{', '.join(PRESETS)}")
    try:
        width, height = OutputSettings(size=size).dimensions
    except ValidationError as exc:
        why = "; ".join(str(error["msg"]).removeprefix("Value error, ") for error in exc.errors())
        raise AuthorError(f"--size {size!r} is not an output size: {why}", hint=hint) from None
    if max(width, height) > MAX_SIDE:
        raise AuthorError(f"--size {size!r} is larger than the {MAX_SIDE} pixels a side a new recipe allows",
                          hint=hint)


def _remove(made: list[Path]) -> None:
    """Undo a failed ``new``: what it created, newest first (folders only once empty)."""
    for path in reversed(made):
        try:
            if path.is_dir():
                path.rmdir()
            else:
                path.unlink()
        except OSError:
            pass


def create(name: str, script: Path | None = None, pictures: Path | None = None, music: Path | None = None,
           size: str = "1080x1920") -> Created:
    """Write ``NAME/NAME.yaml`` (and the example's assets when no pictures are given), then validate it."""
    folder = Path(name)
    stem = folder.name
    if not re.fullmatch(r"[\w][\w.-]*", stem):
        raise AuthorError(f"'{name}' is not a usable name",
                          hint="use letters, digits, '-', '_' or '.', e.g. pipeline new my-video")
    for place in (folder, *folder.parents):
        if place.exists() and not place.is_dir():
            raise AuthorError(f"{place} is a file; choose another name",
                              hint=f"pipeline new wants a new folder, e.g. pipeline new {stem}-video")
    recipe = folder / f"{stem}.yaml"
    if recipe.exists():
        raise AuthorError(f"{recipe} already exists", hint="choose another name, or edit that recipe")
    texts = paragraphs(script) if script is not None else None
    found = backgrounds(pictures) if pictures is not None else None
    if music is not None and not music.is_file():
        raise AuthorError(f"music file {music} not found", hint="give the path of an audio file, or leave "
                                                                "--music out")
    _check_size(size)
    made: list[Path] = []
    try:
        return _write(folder, recipe, stem, texts, found, music, size, made)
    except BaseException:
        _remove(made)  # a failed new leaves nothing behind
        raise


def _write(folder: Path, recipe: Path, stem: str, texts: list[str] | None, found: list[Path] | None,
           music: Path | None, size: str, made: list[Path]) -> Created:
    """``create``'s writing half: every folder and file it makes is appended to ``made``."""
    missing = [folder, *folder.parents]
    for parent in reversed([p for p in missing if not p.exists()]):
        parent.mkdir()
        made.append(parent)
    outside = False
    scenes: list[tuple[str, str, str]] = []
    unused: list[Path] = []
    if found is None:
        _copy_example_assets(folder, [image for _, image in EXAMPLE_SCENES] + ([] if music else ["music.ogg"]),
                             made)
        texts = texts or [text for text, _ in EXAMPLE_SCENES]
        for i, text in enumerate(texts):
            scenes.append((text, "image", f"assets/{EXAMPLE_SCENES[i % len(EXAMPLE_SCENES)][1]}"))
    else:
        if texts is None:
            texts = [f"Scene {i + 1}: say what this picture shows." for i in range(len(found))]
        for i, text in enumerate(texts):
            path, away = _relative(found[i % len(found)], folder)
            outside = outside or away
            kind = "video" if found[i % len(found)].suffix.lower() in VIDEOS else "image"
            scenes.append((text, kind, path))
        unused = found[len(texts):]
    music_path: str | None = None
    if music is not None:
        music_path, away = _relative(music, folder)
        outside = outside or away
    elif found is None:
        music_path = "assets/music.ogg"
    text = recipe_text(stem, scenes, size, music_path, outside)
    tmp = recipe.with_name(f".{recipe.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, recipe)
    made.append(recipe)  # a recipe that does not validate is not left behind to confuse
    validate(recipe)
    return Created(recipe, len(scenes), unused)
