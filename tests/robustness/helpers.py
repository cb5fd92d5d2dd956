"""Shared tools of the robustness suite: recipe folders in tmp, the real command, and exact outcomes.

Every case runs ``pipeline`` (``pipeline.cli.main`` in this process, or the console script in a child for
the crash tests) on a small recipe in its own folder, then asserts one of two outcomes:

- rendered: the output exists with the right streams, size and frame rate (and the caption words);
- refused: exit code 2, the message names ``file:line`` and the field and has a ``fix:`` line, no
  traceback, and a good recipe rendered earlier (its outputs and its cache entries) is untouched.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from nodes.media.probe import MediaInfo, probe
from pipeline.cli import main

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "recipes" / "assets"
WORD_JOINER = "\u2060"  # the SRT writer puts it after \{ < and \ so players show them literally
SMALL = {"size": "160x288", "fps": 10}


def pipeline_command() -> list[str]:
    """The installed console script (or the module, where the venv has no script)."""
    exe = Path(sys.executable).with_name("pipeline")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "pipeline.cli"]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def dump(recipe: dict[str, Any]) -> str:
    """A recipe as block-style YAML, keys in the order given, text quoted by the emitter (never by hand)."""
    return yaml.safe_dump(recipe, sort_keys=False, allow_unicode=True, default_flow_style=False, width=4096)


def line_of(text: str, marker: str) -> int:
    """1-based number of the first line of ``text`` that contains ``marker``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if marker in line:
            return number
    raise AssertionError(f"{marker!r} is not in the recipe text")


@dataclass
class Outcome:
    code: int
    out: str
    err: str


class Project:
    """A recipe folder with the example assets copied in (recipes read only their own folder) and a cache."""

    def __init__(self, root: Path, cache: Path | None = None) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        shutil.copytree(ASSETS, root / "assets", dirs_exist_ok=True)
        self.cache = cache or root / "cache"

    def write(self, name: str, recipe: dict[str, Any] | str) -> Path:
        path = self.root / name
        path.write_text(recipe if isinstance(recipe, str) else dump(recipe), encoding="utf-8")
        return path

    def cli(self, *args: str) -> Outcome:
        """``pipeline --cache-dir CACHE ARGS`` in this process, its stdout and stderr captured."""
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--cache-dir", str(self.cache), *args])
        return Outcome(code, out.getvalue(), err.getvalue())

    def run(self, recipe: Path | str, *args: str) -> Outcome:
        return self.cli("run", "-q", *args, str(self.root / recipe))

    def temp_leftovers(self) -> list[Path]:
        tmp = self.cache / "tmp"
        return sorted(tmp.iterdir()) if tmp.is_dir() else []


def scene_recipe(*scenes: dict[str, Any], **settings: Any) -> dict[str, Any]:
    """A small scene-list recipe (160x288 at 10 fps unless ``output`` says otherwise)."""
    recipe: dict[str, Any] = {"version": 1, "output": dict(SMALL)}
    for key, value in settings.items():
        if key == "output":
            recipe["output"].update(value)
        else:
            recipe[key] = value
    recipe["scenes"] = list(scenes)
    return recipe


def assert_rendered(outcome: Outcome, video: Path, *, size: tuple[int, int] = (160, 288), fps: int = 10,
                    seconds: float | None = None) -> MediaInfo:
    """The run succeeded and wrote an H.264 + AAC 48 kHz stereo MP4 of the recipe's size and frame rate."""
    assert outcome.code == 0, outcome.err
    assert "Traceback" not in outcome.err
    info = probe(video)
    assert info.video is not None and info.audio is not None, info
    assert (info.video.codec, info.video.width, info.video.height) == ("h264", *size)
    assert info.video.fps == fps
    assert (info.audio.codec, info.audio.sample_rate, info.audio.channels) == ("aac", 48000, 2)
    if seconds is not None:
        assert info.duration is not None and abs(info.duration - seconds) < 0.25, info.duration
    return info


def names_field(err: str, step: str, field: str) -> bool:
    """Whether the message names ``field`` of ``step`` (as found when the recipe is checked, or when the
    node runs)."""
    return f"{step}: {field}" in err or f"node '{step}', field '{field}'" in err


def assert_refused(outcome: Outcome, recipe: Path, line: int | None, *phrases: str,
                   field: tuple[str, str] | None = None) -> None:
    """Exit code 2; ``recipe:line:`` (or just the file when ``line`` is None), each phrase, the field (step,
    name) and a ``fix:`` line in the message; no traceback."""
    err = outcome.err
    assert outcome.code == 2, (outcome.code, err)
    assert "Traceback" not in err, err
    where = f"{recipe}:{line}:" if line is not None else str(recipe)
    assert where in err, (where, err)
    for phrase in phrases:
        assert phrase in err, (phrase, err)
    assert "\n    fix: " in err, err
    if field is not None:
        assert names_field(err, *field), (field, err)


def srt_text(path: Path) -> str:
    """All cue text of an SRT file on one line as libass shows it: the invisible word joiners removed and
    the escaped braces (``\\{`` ``\\}``) drawn as braces."""
    blocks = re.split(r"\n\s*\n", path.read_text(encoding="utf-8").strip())
    texts = [" ".join(block.splitlines()[2:]) for block in blocks if len(block.splitlines()) >= 3]
    return " ".join(texts).replace(WORD_JOINER, "").replace("\\{", "{").replace("\\}", "}")


def ass_user_text_has_no_override(path: Path) -> bool:
    """True when no ``{`` in any Dialogue line opens an override block except the writer's own leading
    tags: user braces must arrive escaped (``\\{``)."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("Dialogue:"):
            continue
        text = line.split(",", 9)[9]
        text = re.sub(r"^(\{\\[^{}\\]*(\\[^{}\\]*)*\})+", "", text)  # the writer's leading tag blocks
        if re.search(r"(?<!\\)\{", text):
            return False
    return True


class Guard:
    """A good recipe rendered before the bad cases of a module; nothing a bad case does may touch it."""

    def __init__(self, project: Project, name: str = "good.yaml", recipe: dict[str, Any] | None = None) -> None:
        self.project = project
        self.recipe = project.write(name, recipe or scene_recipe(
            {"text": "A good scene.", "image": "assets/city.jpg"}, output={"path": "out/good.mp4"}))
        outcome = project.run(self.recipe)
        assert outcome.code == 0, outcome.err
        self.outputs = sorted((project.root / "out").glob("good.*"))
        assert self.outputs
        self.digests = {p: digest(p) for p in self.outputs}

    def assert_untouched(self) -> None:
        assert {p: digest(p) for p in self.outputs} == self.digests
        check = self.project.cli("plan", "--check", str(self.recipe))
        assert check.code == 0, check.out + check.err
        assert self.project.temp_leftovers() == []

    def refused(self, name: str, recipe: dict[str, Any] | str, line: int | str | None, *phrases: str,
                field: tuple[str, str] | None = None, command: str = "run", args: tuple[str, ...] = ()) -> Outcome:
        """Run a bad recipe (``line`` may be a marker whose line is meant) and assert it is refused, by
        ``validate`` first (it makes every check a run makes before work starts) and then by ``command``,
        at the same places."""
        path = self.project.write(name, recipe)
        text = path.read_text(encoding="utf-8")
        number = line_of(text, line) if isinstance(line, str) else line
        checked = self.project.cli("validate", *args, str(path))
        assert_refused(checked, path, number, *phrases, field=field)
        outcome = self.project.cli(command, *(("-q",) if command == "run" else ()), *args, str(path))
        assert_refused(outcome, path, number, *phrases, field=field)
        assert places(checked.err) == places(outcome.err), (checked.err, outcome.err)
        self.assert_untouched()
        return outcome


def places(err: str) -> list[str]:
    """The ``file:line:column`` of every problem in a message, in order."""
    return re.findall(r"^\s*(?:error: )?(\S+:\d+:\d+):", err, flags=re.MULTILINE)


def refused_by_both(project: Project, path: Path, line: int | None, *phrases: str) -> None:
    """``validate`` and ``run`` both refuse ``path`` (for cases that do not go through a Guard)."""
    for outcome in (project.cli("validate", str(path)), project.cli("run", "-q", str(path))):
        assert_refused(outcome, path, line, *phrases)
