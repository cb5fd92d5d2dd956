"""The recipe document (format v1): the fields every recipe has, and the general steps form.

A recipe is either the general *steps* form (``steps:`` + ``outputs:``), which the engine reads itself, or
a shorthand form registered by a plugin (``pipeline.forms``, see ``pipeline/form.py``) that extends
``RecipeBase`` with its own fields and expands into steps.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Settings = dict[str, Any]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RecipeBase(Strict):
    """Fields of every recipe form."""

    version: Literal[1] = Field(description="Recipe format version; 1.")
    vars: dict[str, Any] | None = Field(None, description="Variables, used as ${name} in any string.")
    allow_outside_paths: bool = Field(False, description="Allow file paths outside the recipe's folder "
                                                          "(absolute paths, ../); off so a shared recipe "
                                                          "cannot read or overwrite other files.")


class StepsRecipe(RecipeBase):
    """The general form: named steps of any node type, wired by ``${step.port}`` references."""

    defaults: dict[str, Settings] = Field(
        default_factory=dict, description="Default fields per node type, e.g. {<type>: {<field>: <value>}}.")
    steps: dict[str, Settings]
    outputs: dict[str, str] | None = Field(None, description="Output file -> ${step.port}.")
