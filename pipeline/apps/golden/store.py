"""The golden set on disk: ``<recipe stem>.golden/`` beside the recipe. Small and plain text where
possible, so it can be committed and its changes reviewed::

    intro.golden/
      golden.json      format, recipe, the --var values it was recorded with, video output, ffmpeg
                       version, tolerances (editable), streams, sampled frames (index, time, file),
                       audio fingerprint, caption files
      frame-1.png ...  the sampled frames, at most 180x320
      intro.srt ...    copies of the caption files the recipe writes
      .gitignore       keeps failures/ (written by a failing check) out of version control
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.apps.golden.errors import GoldenError
from pipeline.apps.golden.tolerances import Tolerances

FORMAT = 1
GOLDEN_JSON = "golden.json"
FAILURES = "failures"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VideoStream(_Strict):
    codec: str
    width: int
    height: int
    fps: str = Field(description="Exact frame rate as a fraction, e.g. '30/1' or '30000/1001'.")
    pix_fmt: str | None
    frames: int
    duration: float = Field(description="frames / fps, seconds.")


class AudioStream(_Strict):
    codec: str
    sample_rate: int
    channels: int
    duration: float | None


class Streams(_Strict):
    container: str
    duration: float | None
    video: VideoStream | None = None
    audio: AudioStream | None = None


class FrameSample(_Strict):
    index: int
    time: float = Field(description="Seconds from the first frame (index / fps).")
    file: str


class AudioPrint(_Strict):
    integrated_lufs: float
    loudness_range_lu: float
    envelope_step_s: float = 0.1
    envelope_lufs: list[float] = Field(description="Momentary loudness every envelope_step_s seconds.")
    spectrum_bands_hz: list[float]
    spectrum_db: list[float] = Field(description="Octave band levels relative to the total, dB.")


class CaptionFile(_Strict):
    file: str = Field(description="The copy's name inside the golden folder.")
    output: str = Field(description="Where the recipe writes it, relative to the recipe's folder.")
    cues: int


class GoldenSet(_Strict):
    format: int = FORMAT
    recipe: str
    variables: dict[str, str] = Field(default_factory=dict,
                                      description="The --var values recorded with; a check uses them too.")
    video: str = Field(description="The recipe's video output, relative to the recipe's folder.")
    ffmpeg: str = ""
    tolerances: Tolerances = Field(default_factory=Tolerances)
    streams: Streams
    frames: list[FrameSample]
    audio: AudioPrint | None = None
    captions: list[CaptionFile] = Field(default_factory=list)


def golden_dir(recipe: Path) -> Path:
    """``<recipe folder>/<recipe stem>.golden``."""
    recipe = Path(recipe)
    return recipe.parent / f"{recipe.stem}.golden"


def load_golden(recipe: Path) -> GoldenSet:
    """The recorded golden set of ``recipe``; GoldenError (exit 2) when there is none or it is unreadable."""
    folder = golden_dir(recipe)
    path = folder / GOLDEN_JSON
    if not path.is_file():
        raise GoldenError(f"no golden set recorded for {recipe}: {path} does not exist",
                          hint=f"run `pipeline golden record {recipe}` first, review the frames it writes "
                               f"to {folder}/ and commit that folder")
    fix = (f"fix the file (only the 'tolerances' block is meant to be edited) or record again with "
           f"`pipeline golden record {recipe}`")
    golden = _parse(path, fix)
    if golden.format != FORMAT:
        raise GoldenError(f"{path} has format {golden.format}; this version reads format {FORMAT}",
                          hint=f"record again with `pipeline golden record {recipe}`")
    named = [(f"frames[{i}].file", f.file) for i, f in enumerate(golden.frames)]
    named += [(f"captions[{i}].file", c.file) for i, c in enumerate(golden.captions)]
    inside = folder.resolve()
    for field, name in named:
        if not (folder / name).resolve().is_relative_to(inside) or Path(name).is_absolute():
            raise GoldenError(f"{path}: {field}: {name!r} is outside the golden folder {folder}; expected a file "
                              "name inside it", hint=fix)
    missing = [name for _, name in named if not (folder / name).is_file()]
    if missing:
        raise GoldenError(f"golden set {folder} is incomplete: missing {', '.join(missing)}",
                          hint="restore the folder from version control or record again")
    for i, sample in enumerate(golden.frames):
        _check_image(path, f"frames[{i}].file", folder / sample.file, fix)
    return golden


def _parse(path: Path, fix: str) -> GoldenSet:
    """golden.json as a GoldenSet; GoldenError naming the file, the line or field, and what was expected."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise GoldenError(f"{path} cannot be read: {exc.strerror or exc}", hint=fix) from None
    except UnicodeDecodeError:
        raise GoldenError(f"{path} is not a readable golden set: not UTF-8 text", hint=fix) from None
    except json.JSONDecodeError as exc:
        raise GoldenError(f"{path}:{exc.lineno}:{exc.colno}: not a readable golden set: invalid JSON: {exc.msg}",
                          hint=fix) from None
    try:
        return GoldenSet.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"])
            got = "" if error["type"] == "missing" else f" (got {json.dumps(error.get('input'))[:60]})"
            problems.append(f"{field.lstrip('.') or '(top level)'}: {error['msg']}{got}")
        shown = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
        raise GoldenError(f"{path} is not a readable golden set: {shown}", hint=fix) from None


def _check_image(path: Path, field: str, image: Path, fix: str) -> None:
    """A GoldenError unless ``image`` (a sampled frame) is a picture PIL can read."""
    from PIL import Image

    try:
        with Image.open(image) as picture:
            picture.verify()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise GoldenError(f"{path}: {field}: {image.name} is not a readable image ({type(exc).__name__})",
                          hint=fix) from None


def save_golden(recipe: Path, golden: GoldenSet, files: dict[str, Path | bytes]) -> Path:
    """Replace the golden folder of ``recipe`` with ``golden`` and ``files`` (name -> source file or bytes).

    The new folder is complete before it takes the old one's place, so an interrupted record leaves the
    previous golden set as it was.
    """
    folder = golden_dir(recipe)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        for name, content in files.items():
            if isinstance(content, bytes):
                (staging / name).write_bytes(content)
            else:
                shutil.copyfile(content, staging / name)
        (staging / ".gitignore").write_text(f"{FAILURES}/\n", encoding="utf-8")
        text = json.dumps(golden.model_dump(mode="json"), indent=1, ensure_ascii=False)
        (staging / GOLDEN_JSON).write_text(_compact_lists(text) + "\n", encoding="utf-8")
        old = folder.with_name(folder.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        if folder.exists():
            os.replace(folder, old)
        os.replace(staging, folder)
        if old.exists():
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


def _compact_lists(text: str) -> str:
    """Put lists of plain numbers on one line: the envelope would otherwise take hundreds of lines."""
    lines = text.split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.rstrip().endswith("["):
            end = index + 1
            items = []
            while end < len(lines) and not lines[end].strip().startswith("]"):
                item = lines[end].strip().rstrip(",")
                try:
                    float(item)
                except ValueError:
                    break
                items.append(item)
                end += 1
            if end < len(lines) and lines[end].strip().startswith("]") and items:
                out.append(line.rstrip() + ", ".join(items) + lines[end].strip())
                index = end + 1
                continue
        out.append(line)
        index += 1
    return "\n".join(out)
