"""Loading a recipe: YAML with source positions -> validated model -> steps -> compiled Pipeline."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from pipeline.errors import Problem, RecipeError
from pipeline.graph import Pipeline, compile_steps
from pipeline.recipe.diagnose import problems_from_validation
from pipeline.recipe.model import Recipe
from pipeline.recipe.scenes import expand_scenes
from pipeline.recipe.source import Source, load_yaml, parse_yaml
from pipeline.recipe.steps import steps_from_mapping
from pipeline.recipe.variables import substitute


def compile_source(source: Source, variables: dict[str, str] | None = None, preview: bool = False) -> Pipeline:
    """Validate a parsed recipe and compile it; every problem is reported in one RecipeError."""
    if not isinstance(source.data, dict):
        raise RecipeError([Problem(source.locate(()), "a recipe is a mapping of settings "
                                   f"(got {type(source.data).__name__})", hint="start from recipes/hello.yaml")])
    var_problems = substitute(source, variables)
    if var_problems:
        raise RecipeError(var_problems)
    try:
        recipe = Recipe.model_validate(source.data)
    except ValidationError as exc:
        raise RecipeError(problems_from_validation(exc, Recipe, source.locate)) from None
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
        raise RecipeError(problems + exc.problems) from None
    if problems:
        raise RecipeError(problems)
    return pipeline


def load_recipe(path: str | Path, variables: dict[str, str] | None = None, preview: bool = False) -> Pipeline:
    """Read, validate and compile a recipe file; ``variables`` override its ``vars``; ``preview`` renders a
    scene-list recipe small and fast, to its own outputs (``<name>.preview.mp4``)."""
    file = Path(path)
    return compile_source(load_yaml(file), variables, preview)


def load_recipe_text(text: str, file: str | Path, variables: dict[str, str] | None = None) -> Pipeline:
    """Compile recipe text as if it were the file ``file`` (paths resolve relative to it)."""
    return compile_source(parse_yaml(text, Path(file)), variables)

