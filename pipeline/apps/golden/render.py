"""Rendering a recipe through the engine (and its cache) and finding what it wrote."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline import Cache, Reporter, load, run
from pipeline.apps.golden.captions import CAPTION_SUFFIXES
from pipeline.apps.golden.errors import GoldenError

VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".mkv", ".webm")


@dataclass(frozen=True)
class Rendered:
    recipe: Path
    video: Path
    captions: list[Path]
    ran: list[str]  # the nodes that ran (the others came from the cache)


def render(recipe: Path, cache: Cache, variables: dict[str, str] | None = None,
           reporter: Reporter | None = None, force_all: bool = False) -> Rendered:
    """Run ``recipe`` and return its video output and caption outputs (.srt, .vtt).

    The first video output is the one under test; recipes with several videos are checked on that one.
    """
    pipeline = load(recipe, variables)
    videos = [p for p in pipeline.outputs if p.suffix.lower() in VIDEO_SUFFIXES]
    if not videos:
        raise GoldenError(f"{recipe} writes no video output (outputs: "
                          f"{', '.join(str(p) for p in pipeline.outputs) or 'none'})",
                          hint="golden testing pins a recipe's video; give it an output such as out/x.mp4")
    force = frozenset(pipeline.order) if force_all else frozenset()
    summary = run(pipeline, cache, reporter=reporter or Reporter(quiet=True), force=force)
    captions = [p for p in pipeline.outputs if p.suffix.lower() in CAPTION_SUFFIXES]
    return Rendered(Path(recipe), videos[0], captions, list(summary.ran))
