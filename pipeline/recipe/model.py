"""The recipe document (format v1) as pydantic models.

A recipe is either a *scene list* (``scenes:``, the form most users write) or the general *steps* form
(``steps:`` + ``outputs:``). Settings under ``voice``, ``captions``, ``motion`` and ``music`` are passed
through to the node types, whose own params models validate them; the recipe model checks the shape only.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_SIZE = re.compile(r"^\s*(\d+)\s*[xX×]\s*(\d+)\s*$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OutputSettings(Strict):
    path: str | None = Field(None, description="Where the final video goes, relative to the recipe "
                                                 "(default: out/<recipe name>.mp4).")
    size: str = Field("1080x1920", description="WIDTHxHEIGHT in pixels, both even.")
    fps: int = Field(30, ge=1, le=120)

    @field_validator("size")
    @classmethod
    def _size(cls, value: str) -> str:
        match = _SIZE.match(value)
        if not match:
            raise ValueError("expected WIDTHxHEIGHT, for example 1080x1920")
        width, height = int(match.group(1)), int(match.group(2))
        if width % 2 or height % 2 or not (16 <= width <= 7680 and 16 <= height <= 7680):
            raise ValueError("width and height must be even and between 16 and 7680")
        return f"{width}x{height}"

    @property
    def dimensions(self) -> tuple[int, int]:
        width, height = self.size.split("x")
        return int(width), int(height)


class Scene(Strict):
    name: str | None = Field(None, description="Step names for this scene (default scene<N>).")
    text: str = Field(description="The narration for this scene.")
    image: str = Field(description="Background image, relative to the recipe.")
    voice: dict[str, Any] = Field(default_factory=dict, description="Overrides of the recipe's voice.")
    motion: dict[str, Any] = Field(default_factory=dict, description="Overrides of the recipe's motion.")
    captions: dict[str, Any] | bool = Field(default_factory=dict,
                                            description="Overrides of the recipe's captions, or false.")


class Music(Strict):
    path: str = Field(description="Background music file, relative to the recipe; looped to length.")
    volume_db: float | None = None
    fade_in: float | None = None
    fade_out: float | None = None


class Recipe(Strict):
    version: Literal[1] = Field(description="Recipe format version; 1.")
    output: OutputSettings = Field(default_factory=OutputSettings)
    voice: dict[str, Any] = Field(default_factory=dict, description="TTS settings for every scene.")
    captions: dict[str, Any] | bool = Field(default_factory=dict,
                                            description="Caption settings (packing, style), or false.")
    motion: dict[str, Any] = Field(default_factory=dict, description="Ken Burns settings for every scene.")
    music: Music | str | None = Field(None, description="Background music: a path, or a mapping.")
    vars: dict[str, Any] | None = Field(None, description="Variables, used as ${name} in any string.")
    defaults: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Steps form: default fields per node type, e.g. {tts: {speed: 1.1}}.")
    scenes: list[Scene] | None = None
    steps: dict[str, dict[str, Any]] | None = None
    outputs: dict[str, str] | None = Field(None, description="Output file -> ${step.port} (steps form).")

    @model_validator(mode="after")
    def _one_form(self) -> Recipe:
        if (self.scenes is None) == (self.steps is None):
            raise ValueError("a recipe has either 'scenes:' (scene list) or 'steps:' (general form), "
                             "exactly one of them")
        if self.scenes is not None and not self.scenes:
            raise ValueError("'scenes:' is empty; add at least one scene with text and image")
        return self
