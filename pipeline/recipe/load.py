"""Loading a recipe: YAML with source positions -> validated model -> steps -> compiled Pipeline."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pipeline.errors import Problem, RecipeError
from pipeline.graph import Pipeline, compile_steps
from pipeline.recipe.diagnose import problems_from_validation
from pipeline.recipe.model import Recipe
from pipeline.recipe.scenes import expand_scenes
from pipeline.recipe.source import Source, load_yaml, parse_yaml
from pipeline.recipe.steps import steps_from_mapping
from pipeline.recipe.variables import substitute


def compile_source(source: Source, variables: dict[str, str] | None = None, preview: bool = False,
                   check_variables: bool = True) -> Pipeline:
    """Validate a parsed recipe and compile it; every problem is reported in one RecipeError.
    ``check_variables``: a variable given that the recipe neither declares nor uses is a problem (off for
    the rows of a batch, whose extra columns are fine)."""
    if not isinstance(source.data, dict):
        raise RecipeError([Problem(source.locate(()), "a recipe is a mapping of settings "
                                   f"(got {type(source.data).__name__})", hint="start from recipes/hello.yaml")])
    early = substitute(source, variables, check_variables)  # reported with everything else found
    try:
        recipe = Recipe.model_validate(source.data)
    except ValidationError as exc:
        early += problems_from_validation(exc, Recipe, source.locate)
        lenient = _without_faulty_fields(source, exc)
        if lenient is None:
            raise RecipeError(early) from None
        # go on without the fields at fault, so that mistakes deeper in (a misspelled voice setting under
        # a misspelled scene field) are reported in the same message, not one fix later
        source, recipe = lenient
    base_dir = source.file.resolve().parent
    if recipe.scenes is not None:
        specs, outputs, problems = expand_scenes(recipe, source, preview=preview)
    else:
        assert recipe.steps is not None
        specs, outputs, problems = (steps_from_mapping(recipe.steps, recipe.defaults),
                                     dict(recipe.outputs or {}), [])
        if not outputs:
            problems.append(Problem(source.locate(("steps",)), "a steps recipe needs 'outputs:'",
                                    hint="map output files to step outputs, e.g. out/video.mp4: ${final.video}"))
    try:
        origin = (("output", "path") if isinstance(source.data.get("output"), dict) and "path" in source.data["output"]
                  else ("output",)) if recipe.scenes is not None else None
        pipeline = compile_steps(specs, outputs, source, base_dir, recipe.allow_outside_paths, origin)
    except RecipeError as exc:
        raise RecipeError(_unique(early + problems + exc.problems)) from None
    if early or problems:
        raise RecipeError(_unique(early + problems))
    return pipeline


def _without_faulty_fields(source: Source, exc: ValidationError) -> tuple[Source, Recipe] | None:
    """The recipe validated again without each mapping key an error points at, or None when that is not
    possible (an error on a list item or on the whole recipe, or one that removing keys does not cure)."""
    data = copy.deepcopy(source.data)
    for error in exc.errors():
        if not error["loc"]:
            return None
        *parents, last = error["loc"]
        target: Any = data
        for part in parents:
            try:
                target = target[part]
            except (KeyError, IndexError, TypeError):
                return None
        if not isinstance(last, str) or not isinstance(target, dict) or last not in target:
            return None
        del target[last]
    try:
        return Source(source.file, data, source.positions), Recipe.model_validate(data)
    except ValidationError:
        return None


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def load_recipe(path: str | Path, variables: dict[str, str] | None = None, preview: bool = False,
                check_variables: bool = True) -> Pipeline:
    """Read, validate and compile a recipe file; ``variables`` override its ``vars``; ``preview`` renders a
    scene-list recipe small and fast, to its own outputs (``<name>.preview.mp4``)."""
    file = Path(path)
    return compile_source(load_yaml(file), variables, preview, check_variables)


def load_recipe_text(text: str, file: str | Path, variables: dict[str, str] | None = None) -> Pipeline:
    """Compile recipe text as if it were the file ``file`` (paths resolve relative to it)."""
    return compile_source(parse_yaml(text, Path(file)), variables)

