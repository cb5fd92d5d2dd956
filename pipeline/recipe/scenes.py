"""Expanding the scene list into steps.

Each scene becomes ``<scene>.tts`` -> ``<scene>.captions`` -> ``<scene>.render``, and all scenes feed one
``merge``. Settings cascade: recipe level, then scene level (a scene's ``voice``/``motion``/``captions``
override the recipe's key by key). Every generated field remembers the recipe line it came from, so errors
found by the node types point at what the user wrote.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from pipeline.errors import Problem
from pipeline.recipe.model import Music, Recipe
from pipeline.recipe.source import Path_, Source
from pipeline.recipe.steps import STEP_NAME_CHARS, StepSpec, valid_step_name

MERGE_STEP = "merge"


def _cascade(field: str, levels: list[tuple[dict[str, Any], Path_]]) -> tuple[dict[str, Any], dict]:
    """Merge dicts key by key, later levels winning; returns the values and each key's origin."""
    values: dict[str, Any] = {}
    origins: dict[tuple[str | int, ...], Path_] = {}
    for mapping, path in levels:
        for key, value in mapping.items():
            values[key] = value
            origins[(field, key)] = (*path, key)
        if mapping:
            origins[(field,)] = path
    return values, origins


def _spread(values: dict[str, Any], origins: dict, field: str) -> tuple[dict[str, Any], dict]:
    """Put a cascaded dict's keys at the top level of a step (``voice: {speed: 1}`` -> ``speed: 1``)."""
    fields = dict(values)
    spread = {(key,): origin for (f, *rest), origin in origins.items() if f == field and rest
              for key in rest[:1]}
    return fields, spread


def expand_scenes(recipe: Recipe, source: Source) -> tuple[list[StepSpec], dict[str, str], list[Problem]]:
    """Steps, outputs (path -> reference) and problems for a scene-list recipe."""
    assert recipe.scenes is not None
    data = source.data
    problems: list[Problem] = []
    width, height = recipe.output.dimensions
    recipe_captions = recipe.captions if isinstance(recipe.captions, dict) else {}
    captions_on = recipe.captions is not False
    specs: list[StepSpec] = []
    seen: dict[str, int] = {}

    for index, scene in enumerate(recipe.scenes):
        at: Path_ = ("scenes", index)
        name = scene.name or f"scene{index + 1}"
        if not valid_step_name(name):
            problems.append(Problem(source.locate((*at, "name")), f"scene name '{name}' has characters "
                                    f"other than {STEP_NAME_CHARS}", field="name", hint="rename the scene"))
        if name in seen:
            problems.append(Problem(source.locate((*at, "name")), f"two scenes are named '{name}'",
                                    field="name", hint="give each scene its own name"))
        seen[name] = index
        scene_data = data["scenes"][index]

        voice, voice_origins = _cascade("voice", [(recipe.voice, ("voice",)), (scene.voice, (*at, "voice"))])
        tts_fields, tts_origins = _spread(voice, voice_origins, "voice")
        tts_fields["text"] = scene.text
        tts_origins[("text",)] = (*at, "text")
        specs.append(StepSpec(f"{name}.tts", "tts", tts_fields, at, tts_origins))

        scene_captions = scene.captions if isinstance(scene.captions, dict) else {}
        this_captions_on = captions_on and scene.captions is not False
        if "captions" in scene_data and scene.captions is True:
            this_captions_on = True
        caption_settings, caption_origins = _cascade(
            "captions", [(recipe_captions, ("captions",)), (scene_captions, (*at, "captions"))])
        style = caption_settings.pop("style", {})
        packing, packing_origins = _spread(caption_settings, caption_origins, "captions")
        packing_origins.pop(("style",), None)

        render_fields: dict[str, Any] = {
            "image": scene.image,
            "audio": f"${{{name}.tts.audio}}",
            "width": width,
            "height": height,
            "fps": recipe.output.fps,
        }
        render_origins: dict[tuple[str | int, ...], Path_] = {
            ("image",): (*at, "image"), ("width",): ("output", "size"), ("height",): ("output", "size"),
            ("fps",): ("output", "fps"), ("audio",): at,
        }
        motion, motion_origins = _cascade("motion", [(recipe.motion, ("motion",)),
                                                     (scene.motion, (*at, "motion"))])
        if motion:
            render_fields["motion"] = motion
            render_origins.update(motion_origins)

        if this_captions_on:
            specs.append(StepSpec(f"{name}.captions", "captions",
                                  {"words": f"${{{name}.tts.words}}", **packing}, at, packing_origins))
            render_fields["captions"] = f"${{{name}.captions.captions}}"
            if style:
                render_fields["caption_style"] = style
                render_origins.update({("caption_style", *key[2:]): origin
                                       for key, origin in caption_origins.items()
                                       if key[:2] == ("captions", "style")})
                style_origin = caption_origins.get(("captions", "style"))
                if style_origin:
                    render_origins[("caption_style",)] = style_origin
        specs.append(StepSpec(f"{name}.render", "render", render_fields, at, render_origins))

    names = [scene.name or f"scene{i + 1}" for i, scene in enumerate(recipe.scenes)]
    merge_fields: dict[str, Any] = {"scenes": [f"${{{n}.render.video}}" for n in names]}
    merge_origins: dict[tuple[str | int, ...], Path_] = {("scenes",): ("scenes",)}
    captioned = [n for n in names if any(s.name == f"{n}.captions" for s in specs)]
    if captioned and len(captioned) == len(names):
        merge_fields["captions"] = [f"${{{n}.captions.captions}}" for n in names]
        merge_origins[("captions",)] = ("captions",)
    music = Music(path=recipe.music) if isinstance(recipe.music, str) else recipe.music
    if music is not None:
        base: Path_ = ("music",)
        merge_fields["music"] = music.path
        merge_origins[("music",)] = base if isinstance(recipe.music, str) else (*base, "path")
        for key in ("volume_db", "fade_in", "fade_out"):
            value = getattr(music, key)
            if value is not None:
                merge_fields[f"music_{key}"] = value
                merge_origins[(f"music_{key}",)] = (*base, key)
    specs.append(StepSpec(MERGE_STEP, "merge", merge_fields, ("scenes",), merge_origins))

    video_path = recipe.output.path or f"out/{PurePosixPath(source.file.name).stem}.mp4"
    captions_path = str(PurePosixPath(video_path).with_suffix(".srt"))
    outputs = {video_path: f"${{{MERGE_STEP}.video}}", captions_path: f"${{{MERGE_STEP}.srt}}"}
    return specs, outputs, problems
