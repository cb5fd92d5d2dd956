"""Loading a recipe: YAML with source positions -> validated model -> steps -> compiled Pipeline.

The steps form is read here; a recipe with another form's key (``scenes:``) is validated and expanded by
that form's plugin (``pipeline/form.py``).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from pydantic import ValidationError, create_model

from pipeline.errors import Problem, RecipeError
from pipeline.form import Expansion, RecipeForm
from pipeline.graph import Pipeline, compile_steps
from pipeline.recipe.diagnose import problems_from_validation
from pipeline.recipe.forms import recipe_forms
from pipeline.recipe.model import RecipeBase, StepsRecipe
from pipeline.recipe.source import Source, load_yaml
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
        form = _choose_form(source)
    except RecipeError as exc:
        raise RecipeError(early + exc.problems) from None
    model: type[RecipeBase] = form.model if form is not None else StepsRecipe
    try:
        recipe = model.model_validate(source.data)
    except ValidationError as exc:
        early += problems_from_validation(exc, model, source.locate)
        lenient = _without_faulty_fields(source, exc, model)
        if lenient is None:
            raise RecipeError(early) from None
        # go on without the fields at fault, so that mistakes deeper in (a misspelled voice setting under
        # a misspelled scene field) are reported in the same message, not one fix later
        source, recipe = lenient
    base_dir = source.file.resolve().parent
    if form is not None:
        expansion = form.expand(recipe, source, preview=preview)
    else:
        assert isinstance(recipe, StepsRecipe)
        expansion = Expansion(steps_from_mapping(recipe.steps, recipe.defaults), dict(recipe.outputs or {}))
        if not expansion.outputs:
            expansion.problems.append(Problem(
                source.locate(("steps",)), "a steps recipe needs 'outputs:'",
                hint="map output files to step outputs: <file>: ${step.port}"))
    problems = expansion.problems
    try:
        pipeline = compile_steps(expansion.specs, expansion.outputs, source, base_dir, recipe.allow_outside_paths,
                                 expansion.output_origin)
    except RecipeError as exc:
        raise RecipeError(early + problems + exc.problems) from None
    if early or problems:
        raise RecipeError(early + problems)
    return pipeline


def _without_faulty_fields(source: Source, exc: ValidationError,
                           model: type[RecipeBase]) -> tuple[Source, RecipeBase] | None:
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
        return Source(source.file, data, source.positions), model.model_validate(data)
    except ValidationError:
        return None


def load_recipe(path: str | Path, variables: dict[str, str] | None = None, preview: bool = False,
                check_variables: bool = True) -> Pipeline:
    """Read, validate and compile a recipe file; ``variables`` override its ``vars`` (``check_variables``:
    names it does not declare are errors); ``preview`` asks the recipe's form for its small, fast version
    (written to outputs of its own), where it has one."""
    file = Path(path)
    return compile_source(load_yaml(file), variables, preview, check_variables)


def _choose_form(source: Source) -> RecipeForm | None:
    """The form whose key the recipe has (None: the steps form); exactly one form per recipe."""
    forms = recipe_forms()
    data = source.data
    present = [key for key in forms if key in data]
    if "steps" in data and not present:
        return None
    if len(present) == 1 and "steps" not in data:
        return forms[present[0]]
    choices = " or ".join([f"'{key}:' ({form.title})" for key, form in forms.items()] + ["'steps:' (general form)"])
    problem = Problem(source.locate((present[0],)) if present else source.locate(()),
                      f"a recipe has either {choices}, exactly one of them", hint="start from recipes/hello.yaml")
    if not present:  # report the other fields' problems first, as for any recipe
        model = _any_form(forms)
        try:
            model.model_validate(data)
        except ValidationError as exc:
            raise RecipeError(problems_from_validation(exc, model, source.locate)) from None
    raise RecipeError([problem])


def _any_form(forms: dict[str, RecipeForm]) -> type[RecipeBase]:
    """A model that knows every form's top-level fields (unchecked), so a misspelt key ('scene:') is
    named with what it may have meant, whichever form the recipe was going to be."""
    fields: dict[str, Any] = {"steps": (dict[str, Any] | None, None)}
    for form in forms.values():
        fields.update({name: (Any, None) for name in form.model.model_fields if name not in StepsRecipe.model_fields})
    model: type[RecipeBase] = create_model("Recipe", __base__=StepsRecipe, **fields)
    return model
