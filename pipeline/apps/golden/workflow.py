"""``record`` and ``check`` as functions: render through the cache, measure, store or compare."""

from __future__ import annotations

import io
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from nodes.media.ffmpeg import ffmpeg_version
from pipeline import Cache, Reporter
from pipeline.apps.golden.compare import CheckResult, compare
from pipeline.apps.golden.errors import GoldenError
from pipeline.apps.golden.extract import DEFAULT_SAMPLES, MAX_SAMPLES, Observation, extract
from pipeline.apps.golden.render import render
from pipeline.apps.golden.report import format_report
from pipeline.apps.golden.store import (
    FAILURES,
    GOLDEN_JSON,
    CaptionFile,
    FrameSample,
    GoldenSet,
    golden_dir,
    load_golden,
    save_golden,
)
from pipeline.apps.golden.tolerances import Tolerances


@dataclass
class RecordOutcome:
    folder: Path
    golden: GoldenSet
    bytes: int
    kept_tolerances: bool  # the tolerances block of the previous golden.json was kept

    def summary(self) -> str:
        kept = "; kept the tolerances of the previous golden.json" if self.kept_tolerances else ""
        return (f"recorded {self.folder}/: {len(self.golden.frames)} frames, {len(self.golden.captions)} "
                f"caption file(s), {self.bytes / 1024:.0f} KB{kept}")


@dataclass
class CheckOutcome:
    recipe: Path
    folder: Path
    results: list[CheckResult]
    tolerances: Tolerances
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def failed(self) -> list[CheckResult]:
        return [r for r in self.results if not r.passed]

    def report(self) -> str:
        return format_report(self.recipe, self.folder, self.results, self.notes)


def _previous_tolerances(folder: Path) -> Tolerances | None:
    """The user's (possibly edited) tolerances from an earlier golden.json, if it has readable ones."""
    try:
        data = json.loads((folder / GOLDEN_JSON).read_text(encoding="utf-8"))
        return Tolerances.model_validate(data["tolerances"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _png(rgb: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG")
    return buffer.getvalue()


def _relative(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(path)


def golden_from(recipe: Path, observed: Observation, tolerances: Tolerances,
                variables: dict[str, str] | None = None) -> tuple[GoldenSet, dict[str, Path | bytes]]:
    """The golden set describing ``observed``, and the files (frames, caption copies) that go with it."""
    base = Path(recipe).parent
    files: dict[str, Path | bytes] = {}
    samples = []
    for number, (index, time, picture) in enumerate(zip(observed.indices, observed.times, observed.frames),
                                                    start=1):
        if picture is None:
            continue
        name = f"frame-{number}.png"
        files[name] = _png(picture)
        samples.append(FrameSample(index=index, time=time, file=name))
    captions = []
    for name, (path, cues) in observed.captions.items():
        files[name] = path
        captions.append(CaptionFile(file=name, output=_relative(path, base), cues=len(cues)))
    golden = GoldenSet(recipe=Path(recipe).name, variables=dict(variables or {}), video=_relative(observed.video, base),
                       ffmpeg=ffmpeg_version(), tolerances=tolerances, streams=observed.streams,
                       frames=samples, audio=observed.audio, captions=captions)
    return golden, files


def record_recipe(recipe: Path, cache: Cache, variables: dict[str, str] | None = None,
                  samples: int = DEFAULT_SAMPLES, reporter: Reporter | None = None) -> RecordOutcome:
    """Render ``recipe`` and store its golden set beside it (replacing an earlier one, whose tolerances
    block is kept so hand-tuned tolerances survive a re-record)."""
    if not 1 <= samples <= MAX_SAMPLES:
        raise GoldenError(f"frames to sample must be 1 to {MAX_SAMPLES}, got {samples}",
                          hint=f"sample a few frames, e.g. --frames {DEFAULT_SAMPLES}")
    recipe = Path(recipe)
    folder = golden_dir(recipe)
    previous = _previous_tolerances(folder)
    rendered = render(recipe, cache, variables, reporter)
    observed = extract(rendered.video, rendered.captions, samples=samples)
    golden, files = golden_from(recipe, observed, previous or Tolerances(), variables)
    save_golden(recipe, golden, files)
    size = sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
    return RecordOutcome(folder, golden, size, previous is not None)


def check_recipe(recipe: Path, cache: Cache, variables: dict[str, str] | None = None,
                 overrides: dict[str, float | None] | None = None,
                 reporter: Reporter | None = None) -> CheckOutcome:
    """Render ``recipe`` (cached nodes are reused) and compare it with its golden set.

    Variables: those the set was recorded with, then ``variables`` (a value given here wins, and is
    noted). Tolerances: the defaults, then golden.json's ``tolerances`` block, then ``overrides``. Raises
    GoldenError (exit 2) when no golden set is recorded, before rendering anything.
    """
    recipe = Path(recipe)
    golden = load_golden(recipe)
    folder = golden_dir(recipe)
    tolerances = golden.tolerances.override(**(overrides or {}))
    failures = folder / FAILURES
    if failures.exists():
        shutil.rmtree(failures)
    given = variables or {}
    rendered = render(recipe, cache, {**golden.variables, **given}, reporter)
    sizes = []
    for sample in golden.frames:
        with Image.open(folder / sample.file) as image:
            sizes.append(image.size)
    observed = extract(rendered.video, rendered.captions, times=[f.time for f in golden.frames], sizes=sizes)
    results = compare(golden, folder, observed, tolerances, failures)
    notes = []
    changed = sorted(name for name, value in given.items() if golden.variables.get(name) != value)
    if changed:
        recorded = ", ".join(f"{name}={golden.variables[name]}" if name in golden.variables else f"{name} unset"
                             for name in changed)
        notes.append(f"checked with --var {', '.join(f'{name}={given[name]}' for name in changed)} where the set "
                     f"was recorded with {recorded}: differences may come from that")
    version = ffmpeg_version()
    if golden.ffmpeg and golden.ffmpeg != version:
        notes.append(f"recorded with {golden.ffmpeg!r}, checked with {version!r}: small differences "
                     "in pixels and audio are expected")
    return CheckOutcome(recipe, folder, results, tolerances, notes)
