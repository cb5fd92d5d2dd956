"""The scene-list recipe (``scenes:``) as pydantic models: output size presets, limits, scenes.

Settings under ``voice``, ``recording``, ``captions``, ``motion``, ``render`` and ``music`` are passed through
to the node types, whose own params models validate them; these models check the shape only.
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from pipeline.form import RecipeBase, Settings, Strict

_SIZE = re.compile(r"^\s*(\d+)\s*[xX×]\s*(\d+)\s*$")

PRESETS = {"9:16": (1080, 1920), "16:9": (1920, 1080), "1:1": (1080, 1080), "4:5": (1080, 1350)}


class OutputSettings(Strict):
    path: str | None = Field(None, description="Where the final video goes, relative to the recipe "
                                                 "(default: out/<recipe name>.mp4).")
    size: str = Field("1080x1920", description="WIDTHxHEIGHT in pixels (both even), or a preset: "
                                               + ", ".join(PRESETS) + ".")
    fps: int = Field(30, ge=1, le=120)

    @field_validator("size")
    @classmethod
    def _size(cls, value: str) -> str:
        if value.strip() in PRESETS:
            width, height = PRESETS[value.strip()]
            return f"{width}x{height}"
        match = _SIZE.match(value)
        if not match:
            raise ValueError(f"expected WIDTHxHEIGHT (for example 1080x1920) or one of {', '.join(PRESETS)}")
        width, height = int(match.group(1)), int(match.group(2))
        if width % 2 or height % 2 or not (16 <= width <= 7680 and 16 <= height <= 7680):
            raise ValueError("width and height must be even and between 16 and 7680")
        return f"{width}x{height}"

    @property
    def dimensions(self) -> tuple[int, int]:
        width, height = self.size.split("x")
        return int(width), int(height)


class Limits(Strict):
    """Bounds that stop a typo or a hostile input from exhausting memory or time; raise them here."""

    max_text_chars: int | None = Field(None, ge=1, le=1_000_000,
                                       description="Longest narration per scene (characters).")
    max_image_megapixels: float | None = Field(None, gt=0, le=1000, description="Largest picture (default 100).")
    max_scene_seconds: float | None = Field(None, gt=0, le=4 * 3600,
                                            description="Longest scene (default 600).")
    max_video_seconds: float | None = Field(None, gt=0, le=24 * 3600,
                                            description="Longest video (default 4 hours).")
    max_output_side: int | None = Field(None, ge=16, le=7680,
                                        description="Largest output width or height (default 4096).")


class Scene(Strict):
    name: str | None = Field(None, description="Step names for this scene (default scene<N>).")
    text: str | None = Field(None, description="The narration for this scene.")
    image: str | None = Field(None, description="Background image, relative to the recipe.")
    video: str | None = Field(None, description="Background video (instead of an image), looped or trimmed.")
    audio: str | None = Field(None, description="Narration you recorded (instead of TTS); with `text` the "
                                                "words are aligned to it for captions.")
    duration: float | None = Field(None, gt=0, le=3600,
                                   description="Seconds, for a scene without narration (music only).")
    voice: Settings = Field(default_factory=dict, description="Overrides of the recipe's voice.")
    recording: Settings = Field(default_factory=dict, description="Overrides of the recipe's recording "
                                                                  "settings.")
    motion: Settings = Field(default_factory=dict, description="Overrides of the recipe's motion.")
    render: Settings = Field(default_factory=dict, description="Overrides of the recipe's render settings.")
    captions: Settings | bool = Field(default_factory=dict,
                                      description="Overrides of the recipe's captions, or false.")
    transition: Settings | None = Field(None, description="Transition into this scene from the previous one.")

    @model_validator(mode="after")
    def _shape(self) -> Scene:
        if (self.image is None) == (self.video is None):
            raise ValueError("a scene needs exactly one background: `image:` or `video:`")
        if self.text is None and self.audio is None and self.duration is None:
            raise ValueError("a scene needs `text:` (narration), `audio:` (your recording) or `duration:` "
                             "(seconds without narration)")
        if self.duration is not None and (self.text is not None or self.audio is not None):
            raise ValueError("`duration:` is for scenes without narration; with `text:` or `audio:` the "
                             "narration sets the length")
        return self


class SceneRecipe(RecipeBase):
    output: OutputSettings = Field(default_factory=lambda: OutputSettings.model_validate({}))
    voice: Settings = Field(default_factory=dict, description="TTS settings for every scene.")
    recording: Settings = Field(default_factory=dict, description="How the words of narration you recorded "
                                "(`audio:`) are timed: {aligner, language, whisper_model}.")
    captions: Settings | bool = Field(default_factory=dict,
                                      description="Caption settings (packing, style), or false.")
    motion: Settings = Field(default_factory=dict, description="Ken Burns settings for every scene.")
    render: Settings = Field(default_factory=dict, description="Render settings for every scene (fit...).")
    music: Settings | str | None = Field(None, description="Background music: a path, or a mapping with "
                                                            "`path` and mix settings (volume_db, duck...).")
    transition: Settings | None = Field(None, description="Transition between scenes (default: cut).")
    loudness: Settings | None = Field(None, description="Final loudness: {target_lufs, true_peak_db}.")
    limits: Limits = Field(default_factory=lambda: Limits.model_validate({}), description="Size and time limits.")
    defaults: dict[str, Settings] = Field(
        default_factory=dict, description="Default fields per node type (used by the steps form only).")
    scenes: list[Scene]

    @model_validator(mode="after")
    def _shape(self) -> SceneRecipe:
        if not self.scenes:
            raise ValueError("'scenes:' is empty; add at least one scene with text and image")
        if isinstance(self.music, dict) and "path" not in self.music:
            raise ValueError("music needs `path:` (the music file)")
        return self
