"""Everything a run refuses before work starts, in one place: ``validate`` and ``run`` both call it, so
whatever ``run`` would refuse at the start, ``validate`` refuses too (a test holds them to it).

The checks: outputs that would land in the cache folder, and each step's own ``check`` (its node type
looks at its params and at the files the user gave it: a readable picture, decodable music, a voice that
loads, text with words to speak). Problems come all at once, each at its recipe line.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import Problem, RecipeError
from pipeline.graph import Pipeline, input_problems


def output_problems(pipeline: Pipeline, cache_root: Path) -> list[Problem]:
    """Outputs inside the cache folder (a ``cache clear`` or ``gc`` would delete the user's video)."""
    problems = []
    root = cache_root.resolve()
    for dest in pipeline.outputs:
        if dest.is_relative_to(root):
            where = ("output", "path") if "output" in pipeline.source.data else ("outputs",)
            problems.append(Problem(pipeline.source.locate(where), f"output {dest} is inside the cache folder "
                                    f"{root}", field="output", hint="write outputs elsewhere, e.g. out/video.mp4"))
    return problems


def preflight(pipeline: Pipeline, cache_root: Path, names: list[str] | None = None) -> None:
    """Raise one RecipeError with every problem a run would meet before work starts. ``names``: check only
    these steps (a run checks the nodes it will run: a cached node's inputs were fine when it ran)."""
    problems = output_problems(pipeline, cache_root) + input_problems(pipeline, names)
    if problems:
        raise RecipeError(problems)


def check_outputs(pipeline: Pipeline, cache_root: Path) -> None:
    """``output_problems`` as one RecipeError (none: returns)."""
    problems = output_problems(pipeline, cache_root)
    if problems:
        raise RecipeError(problems)
