"""Expanding the scene list into steps.

Each scene becomes a narration step (``<scene>.tts``, or ``<scene>.align`` for a recording the user brings),
``<scene>.captions`` and ``<scene>.render``; all scenes feed one ``merge``. With ``render: {segment_seconds}``
a still scene's render step splits itself when it runs, once its length is known (``nodes/render/parts.py``):
segments ``<scene>.render.seg01``, …, its sound and joins, each a step of its own. Settings cascade:
recipe level, then scene level (a scene's ``voice``/``recording``/``motion``/``render``/``captions``
override the recipe's key by key).
Every generated field remembers the recipe line it came from, so errors found by the node types point at
what the user wrote.

The scene list is sugar over this project's node types, so it lives with them and reaches the engine as
a recipe form (``nodes/scenes/form.py``). Their params are still validated by the node types themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from nodes.scenes.model import SceneRecipe
from pipeline.form import (
    STEP_NAME_CHARS,
    Path_,
    Problem,
    Source,
    StepSpec,
    valid_step_name,
)
from pipeline.registry import get_node_type

MERGE_STEP = "merge"
PREVIEW_SHORT_SIDE = 360
PREVIEW_FPS = 15

Origins = dict[tuple[str | int, ...], Path_]


def _cascade(field_name: str, levels: list[tuple[dict[str, Any], Path_]]) -> tuple[dict[str, Any], Origins]:
    """Merge dicts key by key, nested settings too (a scene's ``voice: {kokoro: {voice: x}}`` keeps the
    recipe's other Kokoro settings), later levels winning; returns the values and each key's origin."""
    values: dict[str, Any] = {}
    origins: Origins = {}
    for mapping, path in levels:
        _merge_into(values, origins, mapping, (field_name,), path)
        if mapping:
            origins[(field_name,)] = path
    return values, origins


def _merge_into(values: dict[str, Any], origins: Origins, mapping: dict[str, Any], at: tuple[str, ...],
                path: Path_) -> None:
    for key, value in mapping.items():
        if isinstance(value, dict):
            merged = dict(values[key]) if isinstance(values.get(key), dict) else {}
            if not isinstance(values.get(key), dict):
                _forget(origins, (*at, key))
            _merge_into(merged, origins, value, (*at, key), (*path, key))
            values[key] = merged
        else:
            values[key] = value
            _forget(origins, (*at, key))
        origins[(*at, key)] = (*path, key)


def _forget(origins: Origins, prefix: tuple[str, ...]) -> None:
    """Drop the origins under ``prefix`` (a value replaced whole)."""
    for key in [k for k in origins if k[:len(prefix)] == prefix and len(k) > len(prefix)]:
        del origins[key]


def _spread(origins: Origins, field_name: str, rename: str = "{}") -> Origins:
    """Origins of a cascaded dict whose keys become top-level step fields (``voice.speed`` -> ``speed``)."""
    return {(rename.format(key[1]), *key[2:]): origin for key, origin in origins.items()
            if key[0] == field_name and len(key) > 1}


@dataclass
class _Step:
    name: str
    type: str
    fields: dict[str, Any] = field(default_factory=dict)
    origins: Origins = field(default_factory=dict)

    def set(self, key: str, value: Any, origin: Path_) -> None:
        self.fields[key] = value
        self.origins[(key,)] = origin

    def spec(self, at: Path_) -> StepSpec:
        return StepSpec(self.name, self.type, self.fields, at, self.origins)


def preview_size(width: int, height: int) -> tuple[int, int]:
    """A small frame of the same shape: the short side at most 360 px, both sides even."""
    scale = min(1.0, PREVIEW_SHORT_SIDE / min(width, height))
    return max(16, 2 * round(width * scale / 2)), max(16, 2 * round(height * scale / 2))


class _Expander:
    def __init__(self, recipe: SceneRecipe, source: Source, preview: bool) -> None:
        self.recipe = recipe
        self.source = source
        self.preview = preview
        self.problems: list[Problem] = []
        self.bad_segment_settings: set[Path_] = set()
        width, height = recipe.output.dimensions
        fps = recipe.output.fps
        if preview:
            width, height = preview_size(width, height)
            fps = min(fps, PREVIEW_FPS)
        self.width, self.height, self.fps = width, height, fps
        limit = recipe.limits.max_output_side or 4096
        if max(width, height) > limit and not preview:
            self.problem(("output", "size"), f"{width}x{height} is larger than the limit of {limit} pixels a "
                         "side", "use a smaller size, or raise limits: {max_output_side: ...}", "output.size")
        self.captions_on = recipe.captions is not False
        self.recipe_captions = recipe.captions if isinstance(recipe.captions, dict) else {}
        # With transitions the merge burns the captions in after the join, on the speech timeline: burned
        # into each scene they would cross-fade over each other and slide off with the picture.
        transitions = [recipe.transition, *(s.transition for s in (recipe.scenes or [])[1:])]
        self.burn_in_merge = any(isinstance(t, dict) and t.get("type", "cut") != "cut" for t in transitions)

    def problem(self, path: Path_, message: str, hint: str = "", field_name: str = "") -> None:
        self.problems.append(Problem(self.source.locate(path), message, field=field_name, hint=hint))

    def recording_step(self, name: str, node: str, index: int) -> _Step:
        """An align or transcribe step with the recipe's and the scene's ``recording`` settings, key by key
        (a transcribe step has no ``aligner``: it only listens)."""
        settings, origins = _cascade("recording", [(self.recipe.recording, ("recording",)),
                                                   (self.recipe.scenes[index].recording,
                                                    ("scenes", index, "recording"))])
        if node == "transcribe":
            settings.pop("aligner", None)
            origins = {key: origin for key, origin in origins.items() if key[1:2] != ("aligner",)}
        return _Step(name, node, settings, _spread(origins, "recording"))

    def scene(self, index: int) -> tuple[list[StepSpec], str, str | None]:
        """Steps of one scene, the name of its render step, and its captions step (or None)."""
        scene = self.recipe.scenes[index]
        at: Path_ = ("scenes", index)
        name = scene.name or f"scene{index + 1}"
        specs: list[StepSpec] = []

        audio_ref: str | None = None
        words_ref: str | None = None
        if scene.text is not None and scene.audio is None:
            voice, voice_origins = _cascade("voice", [(self.recipe.voice, ("voice",)),
                                                      (scene.voice, (*at, "voice"))])
            tts = _Step(f"{name}.tts", "tts", dict(voice), _spread(voice_origins, "voice"))
            tts.set("text", scene.text, (*at, "text"))
            if self.recipe.limits.max_text_chars is not None:
                tts.set("max_chars", self.recipe.limits.max_text_chars, ("limits", "max_text_chars"))
            specs.append(tts.spec(at))
            audio_ref, words_ref = f"${{{tts.name}.audio}}", f"${{{tts.name}.words}}"
        elif scene.audio is not None and scene.text is not None:
            align = self.recording_step(f"{name}.align", "align", index)
            align.set("audio", scene.audio, (*at, "audio"))
            align.set("text", scene.text, (*at, "text"))
            if self.recipe.limits.max_scene_seconds is not None:
                align.set("max_seconds", self.recipe.limits.max_scene_seconds, ("limits", "max_scene_seconds"))
            specs.append(align.spec(at))
            audio_ref, words_ref = f"${{{align.name}.audio}}", f"${{{align.name}.words}}"
        wants_captions = self.captions_on and scene.captions is not False or scene.captions is True
        if scene.audio is not None and scene.text is None:
            audio_ref = scene.audio
            if wants_captions:  # captions from what is heard; none, with a warning, without a recogniser
                transcribe = self.recording_step(f"{name}.transcribe", "transcribe", index)
                transcribe.set("audio", scene.audio, (*at, "audio"))
                specs.append(transcribe.spec(at))
                words_ref = f"${{{transcribe.name}.words}}"

        captions_name = None
        style: dict[str, Any] = {}
        style_origins: Origins = {}
        if words_ref is not None and wants_captions:
            settings, origins = _cascade("captions", [
                (self.recipe_captions, ("captions",)),
                (scene.captions if isinstance(scene.captions, dict) else {}, (*at, "captions"))])
            style = settings.pop("style", {}) or {}
            style_origins = {("caption_style", *key[2:]): origin for key, origin in origins.items()
                             if key[:2] == ("captions", "style")}
            captions = _Step(f"{name}.captions", "captions", settings,
                             {k: v for k, v in _spread(origins, "captions").items() if k[0] != "style"})
            captions.set("words", words_ref, at)
            specs.append(captions.spec(at))
            captions_name = captions.name

        render = _Step(f"{name}.render", "render")
        render_settings, render_origins = _cascade("render", [(self.recipe.render, ("render",)),
                                                              (scene.render, (*at, "render"))])
        # segments are asked for (render: {segment_seconds: 2}), not on by default: on two cores one render
        # step is still faster (bench/scale.py), and whether a scene is segmented must not depend on the machine
        segment_seconds = render_settings.pop("segment_seconds", None)
        segment_origin = render_origins.pop(("render", "segment_seconds"), None)
        render.fields.update(render_settings)
        render.origins.update(_spread(render_origins, "render"))
        if scene.image is not None:
            render.set("image", scene.image, (*at, "image"))
        else:
            render.set("video", scene.video, (*at, "video"))
        if audio_ref is not None:
            render.set("audio", audio_ref, (*at, "audio") if scene.audio else at)
        else:
            render.set("duration", scene.duration, (*at, "duration"))
        limits = self.recipe.limits
        if limits.max_image_megapixels is not None:
            render.set("max_image_pixels", int(limits.max_image_megapixels * 1_000_000),
                       ("limits", "max_image_megapixels"))
        if limits.max_scene_seconds is not None:
            render.set("max_seconds", limits.max_scene_seconds, ("limits", "max_scene_seconds"))
        render.set("width", self.width, ("output", "size"))
        render.set("height", self.height, ("output", "size"))
        render.set("fps", self.fps, ("output", "fps"))
        motion, motion_origins = _cascade("motion", [(self.recipe.motion, ("motion",)),
                                                     (scene.motion, (*at, "motion"))])
        if motion:
            if motion.get("auto") is True and "seed" not in scene.motion:
                # auto motion varies per scene even over the same picture
                motion["seed"] = int(motion.get("seed", 0) or 0) + index
            render.fields["motion"] = motion
            render.origins.update(motion_origins)
        if captions_name is not None and not self.burn_in_merge:
            render.set("captions", f"${{{captions_name}.captions}}", at)
            if style:
                render.fields["caption_style"] = style
                render.origins.update(style_origins)
        if self.preview:
            render.set("preview", True, at)
        if segment_seconds is not None and scene.image is not None:
            if not isinstance(segment_seconds, (int, float)) or isinstance(segment_seconds, bool) \
                    or segment_seconds <= 0:
                if (segment_origin or at) not in self.bad_segment_settings:  # once, not once per scene
                    self.bad_segment_settings.add(segment_origin or at)
                    self.problem(segment_origin or at, f"segment_seconds must be a positive number of seconds, "
                                 f"got {segment_seconds!r}", "use render: {segment_seconds: 2}", "segment_seconds")
            else:  # the render step splits into its segments when it runs, once the scene's length is known
                render.set("segment_seconds", float(segment_seconds), segment_origin or at)
        specs.append(render.spec(at))
        return specs, render.name, captions_name

    def merge(self, renders: list[str], captions: list[str | None]) -> StepSpec:
        recipe = self.recipe
        merge = _Step(MERGE_STEP, "merge")
        merge.set("scenes", [f"${{{r}.video}}" for r in renders], ("scenes",))
        with_captions = [i for i, c in enumerate(captions) if c is not None]
        if with_captions:
            merge.set("captions", [f"${{{captions[i]}.captions}}" for i in with_captions], ("captions",))
            if len(with_captions) != len(captions):
                merge.set("caption_scenes", with_captions, ("scenes",))
            style = self.recipe_captions.get("style")
            if style:
                merge.set("caption_style", style, ("captions", "style"))
            if self.burn_in_merge:
                merge.set("burn_captions", True, ("transition",))
        if isinstance(recipe.music, str):
            merge.set("music", recipe.music, ("music",))
        elif isinstance(recipe.music, dict):
            if "path" not in recipe.music:
                self.problem(("music",), "music needs `path:` (the music file)", "add path: music.ogg",
                             "music")
            for key, value in recipe.music.items():
                merge.set("music" if key == "path" else f"music_{key}", value, ("music", key))
        if recipe.transition is not None:
            merge.set("transition", recipe.transition, ("transition",))
        per_scene = [s.transition for s in recipe.scenes]
        if per_scene and per_scene[0] is not None:
            self.problem(("scenes", 0, "transition"), "the first scene has no scene before it to transition "
                         "from", "move this transition to the second scene", "transition")
        if any(t is not None for t in per_scene[1:]):
            merge.set("transitions", per_scene[1:], ("scenes",))
            for i, t in enumerate(per_scene[1:], start=1):
                if t is not None:
                    merge.origins[("transitions", i - 1)] = ("scenes", i, "transition")
        if recipe.loudness:
            names = {"target_lufs": "loudness_lufs", "true_peak_db": "true_peak_db"}
            for key, value in recipe.loudness.items():
                if key not in names:
                    self.problem(("loudness", key), f"unknown loudness setting '{key}'",
                                 f"use {', '.join(names)}", "loudness")
                    continue
                merge.set(names[key], value, ("loudness", key))
        if recipe.limits.max_video_seconds is not None:
            merge.set("max_seconds", recipe.limits.max_video_seconds, ("limits", "max_video_seconds"))
        if self.preview:
            merge.set("preview", True, ("output",))
        return merge.spec(("scenes",))

    def outputs(self, with_captions: bool) -> dict[str, str]:
        """The video, and its caption files when any scene has captions (an empty one is no file)."""
        stem_path = self.recipe.output.path or f"out/{PurePosixPath(self.source.file.name).stem}.mp4"
        video = PurePosixPath(stem_path)
        if self.preview:
            video = video.with_name(f"{video.stem}.preview{video.suffix or '.mp4'}")
        outputs = {str(video): f"${{{MERGE_STEP}.video}}"}
        merge_type = get_node_type("merge")
        ports = merge_type.outputs if merge_type is not None and with_captions else {}
        for port, suffix in (("srt", ".srt"), ("vtt", ".vtt"), ("ass", ".ass")):
            if port in ports:
                sidecar = str(video.with_suffix(suffix))
                if sidecar in outputs:  # a video named out/v.srt: its captions file would replace it
                    self.problem(("output", "path"), f"the video {video} would be written over by its {suffix} "
                                 "captions file, which takes the video's name", "give the video a .mp4 name, "
                                 "e.g. out/video.mp4", "output.path")
                    continue
                outputs[sidecar] = f"${{{MERGE_STEP}.{port}}}"
        return outputs


def expand_scenes(recipe: SceneRecipe, source: Source,
                  preview: bool = False) -> tuple[list[StepSpec], dict[str, str], list[Problem]]:
    """Steps, outputs (path -> reference) and problems for a scene-list recipe."""
    expander = _Expander(recipe, source, preview)
    specs: list[StepSpec] = []
    renders: list[str] = []
    captions: list[str | None] = []
    seen: set[str] = set()
    for index, scene in enumerate(recipe.scenes):
        name = scene.name or f"scene{index + 1}"
        if not valid_step_name(name):
            expander.problem(("scenes", index, "name"), f"scene name '{name}' has characters other than "
                             f"{STEP_NAME_CHARS}", "rename the scene", "name")
        if name in seen:
            expander.problem(("scenes", index, "name"), f"two scenes are named '{name}'",
                             "give each scene its own name", "name")
        seen.add(name)
        scene_specs, render, caption = expander.scene(index)
        specs.extend(scene_specs)
        renders.append(render)
        captions.append(caption)
    specs.append(expander.merge(renders, captions))
    return specs, expander.outputs(any(c is not None for c in captions)), expander.problems
