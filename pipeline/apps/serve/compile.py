"""Requests of the original API compiled to recipes of the project's node types (steps form).

Each builder returns a recipe as plain data plus the stored files it reads; the job folder gets the
recipe and links to those files, and the engine does the rest, so two identical requests share every
cached step. Which speech engine will speak is decided here the same way the tts node decides it, so the
job's status can say so even when the audio comes from the cache.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline import load
from pipeline.apps.serve.storage import Storage

KOKORO_VOICES = (
    "af_heart", "af_alloy", "af_aoede", "af_bella", "af_jessica", "af_kore", "af_nicole", "af_nova", "af_river",
    "af_sarah", "af_sky", "am_adam", "am_echo", "am_eric", "am_fenrir", "am_liam", "am_michael", "am_onyx",
    "am_puck", "am_santa", "bf_alice", "bf_emma", "bf_isabella", "bf_lily", "bm_daniel", "bm_fable",
    "bm_george", "bm_lewis", "zf_xiaobei", "zf_xiaoni", "zf_xiaoxiao", "zf_xiaoyi", "zm_yunjian", "zm_yunxi",
    "zm_yunxia", "zm_yunyang", "ef_dora", "em_alex", "em_santa", "ff_siwis", "if_sara", "im_nicola", "pf_dora",
    "pm_alex", "pm_santa", "hf_alpha", "hf_beta", "hm_omega", "hm_psi")
ORIGINAL_FPS = 25  # the original's captioned videos
MAX_SIDE = 4096
MAX_CHUNK_CHARS = 100_000  # the longest narration a request may send
MAX_PAUSE_MS = 10_000  # the tts step's sentence_pause_ms


class RequestError(ValueError):
    """A request the client must change (HTTP 400), in its own field names."""


# The client's form field for each field of the tts step a route compiles, so an error names what the
# client sent (kokoro_speed, not the step's speed).
Names = dict[str, str]
KOKORO_NAMES: Names = {"text": "text", "speed": "speed", "kokoro.voice": "voice"}
CHATTERBOX_NAMES: Names = {"text": "text", "sentence_pause_ms": "chunk_silence_ms",
                           **{f"chatterbox.{name}": name for name in ("exaggeration", "cfg_weight", "temperature",
                                                                     "chunk_chars")}}
CAPTIONED_NAMES: Names = {"text": "text", "speed": "kokoro_speed", "kokoro.voice": "kokoro_voice"}
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # what a recipe cannot hold (tab, newline, CR can)


@dataclass
class Compiled:
    recipe: dict[str, Any]
    assets: dict[str, str]  # file name in the job folder -> stored file id
    output: str  # the recipe output that becomes the result
    engine: str | None = None
    notes: list[str] = field(default_factory=list)


def speaking_engine(tts: dict[str, Any], names: Names = KOKORO_NAMES) -> tuple[str, list[str]]:
    """The engine of a tts step's chain that will speak here, and why the others were passed over."""
    from nodes.tts.fallback import NoEngine, choose
    from nodes.tts.node import TTSParams

    try:
        choice = choose(TTSParams.model_validate({k: v for k, v in tts.items() if k != "type"}))
    except NoEngine as exc:
        raise RequestError(f"no speech engine can run here: {exc}") from None
    except ValidationError as exc:
        raise RequestError(validation_text(exc, names)) from None
    return choice.engine.name, [f"{name} skipped: {reason}" for name, reason in choice.skipped]


def validation_text(exc: ValidationError, names: Names | None = None) -> str:
    """Pydantic's errors as one line in the client's terms: ``field: problem (got value); ...``."""
    parts = []
    for e in exc.errors():
        field = ".".join(str(p) for p in e["loc"])
        got = f" (got {e['input']!r})" if field and not isinstance(e.get("input"), (dict, list)) else ""
        parts.append(f"{(names or {}).get(field, field) or 'value'}: {e['msg']}{got}")
    return "; ".join(parts)


def literal(field: str, value: str) -> str:
    """A client's string (form field ``field``) as a recipe value that means just itself: in a recipe
    ``${`` starts a variable (or, alone, a step's output), so it is written ``$${``, the recipe's escape
    for a literal ``${``; a control character, which no recipe holds, is the client's error."""
    bad = _CONTROL.search(value)
    if bad:
        raise RequestError(f"{field}: contains the control character {bad.group()!r} (at character "
                           f"{bad.start() + 1}); remove it (tabs and line breaks are fine)")
    return value.replace("${", "$${")


def _tts_step(text: str, chain: list[str], speed: float, kokoro_voice: str | None = None,
              chatterbox: dict[str, Any] | None = None, names: Names = KOKORO_NAMES) -> dict[str, Any]:
    from nodes.tts.node import MAX_SPEED, MIN_SPEED, TTSParams

    if not text or not text.strip():
        raise RequestError(f"{names['text']}: the narration is empty; send the words to speak")
    limit = TTSParams.model_fields["max_chars"].default
    if len(text) > limit:
        raise RequestError(f"{names['text']}: the text is {len(text)} characters long, more than this server's "
                           f"limit of {limit}; send it in parts (one request each)")
    if not (MIN_SPEED <= speed <= MAX_SPEED):  # nan fails both
        field = names.get("speed", "speed")
        raise RequestError(f"{field}: {speed:g} is outside {MIN_SPEED:g} <= {field} <= {MAX_SPEED:g}; send a "
                           f"speaking rate in that range (1 is normal, 2 twice as fast)")
    step: dict[str, Any] = {"type": "tts", "text": literal(names["text"], text), "engine": chain, "speed": speed}
    if kokoro_voice is not None:
        step["kokoro"] = {"voice": kokoro_voice}
    if chatterbox is not None:
        step["chatterbox"] = chatterbox
    return step


def check_voice(voice: str, field: str = "voice") -> None:
    if voice not in KOKORO_VOICES:
        raise RequestError(f"{field}: unknown voice {voice!r}; voices are: {', '.join(KOKORO_VOICES)}")


def tts_recipe(text: str, chain: list[str], speed: float, kokoro_voice: str | None = None,
               chatterbox: dict[str, Any] | None = None, reference: str | None = None,
               names: Names = KOKORO_NAMES) -> Compiled:
    assets: dict[str, str] = {}
    if reference is not None:  # keeps its own extension: the decoder is chosen by it
        name = "reference" + (Path(reference).suffix or ".wav")
        assets[name] = reference
        chatterbox = {**(chatterbox or {}), "reference": name}
    tts = _tts_step(text, chain, speed, kokoro_voice, chatterbox, names)
    engine, notes = speaking_engine(tts, names)
    recipe = {"version": 1, "steps": {"speak": tts}, "outputs": {"out/audio.wav": "${speak.audio}"}}
    return Compiled(recipe, assets, "out/audio.wav", engine, notes)


class CaptionForm(BaseModel):
    """The caption_config_* fields of the original, with its ranges; fonts and colours checked here so a
    bad one is a 400 now instead of a job stuck later."""

    model_config = ConfigDict(extra="forbid")

    line_count: int = Field(1, ge=1, le=5)
    line_max_length: int = Field(32, ge=1, le=200)
    font_size: int = Field(120, ge=8, le=200)
    font_name: str = "Arial"
    font_bold: bool = True
    font_italic: bool = False
    font_color: str = "#fff"
    subtitle_position: Literal["top", "center", "bottom"] = "top"
    shadow_color: str = "#000"
    shadow_transparency: float = Field(0.4, ge=0, le=1)
    shadow_blur: float = Field(10, ge=0, le=20)
    stroke_color: str | None = None
    stroke_size: float = Field(5, ge=0, le=10)

    @field_validator("font_color", "shadow_color", "stroke_color")
    @classmethod
    def _hex(cls, value: str | None) -> str | None:
        import re

        if value is not None and not re.fullmatch(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})", value):
            raise ValueError(f"expected a colour like #fff or #ffd400, got {value!r}")
        return None if value is None else "#" + value.lstrip("#")


def caption_style(form: CaptionForm, installed_fonts: list[str]) -> tuple[dict[str, Any], list[str]]:
    """The render node's caption_style for the form, and notes on what could not be honoured."""
    notes = []
    font = form.font_name
    if font not in installed_fonts:
        notes.append(f"font {font!r} is not installed here; DejaVu Sans is used (GET /api/v1/media/fonts "
                     "lists the installed ones)")
        font = "DejaVu Sans"
    if form.font_italic:
        notes.append("caption_config_font_italic is not supported; captions are upright")
    if form.shadow_blur:
        notes.append("caption_config_shadow_blur is not supported; the shadow is sharp")
    style = {"font": literal("caption_config_font_name", font), "font_size": form.font_size, "bold": form.font_bold,
             "primary_colour": form.font_color, "outline_colour": form.stroke_color or "#000000",
             "outline": form.stroke_size,
             "shadow_colour": form.shadow_color, "shadow_opacity": round(1.0 - form.shadow_transparency, 4),
             "shadow": max(1.0, round(form.font_size / 24, 2)), "position": form.subtitle_position}
    return style, notes


def motion_for(effect: str) -> dict[str, Any]:
    if effect == "ken_burns":
        return {"zoom": "in", "pan": "none"}
    if effect == "pan":
        return {"zoom": "none", "pan": "right"}
    return {"zoom": "none", "pan": "none", "amount": 0.0}


def check_size(width: int, height: int) -> None:
    for name, value in (("width", width), ("height", height)):
        if value % 2 or not (16 <= value <= MAX_SIDE):
            raise RequestError(f"{name}: {value} must be even and between 16 and {MAX_SIDE} (H.264 needs even "
                               "sizes)")


def recogniser_problem() -> str | None:
    """Why this server cannot transcribe (no Whisper model found), or None; the transcribe node looks the
    model up the same way."""
    from nodes.tts.whisper import resolve

    model, why = resolve()
    return None if model is not None else why


def transcribe_step(audio: str, language: str | None) -> dict[str, Any]:
    step: dict[str, Any] = {"type": "transcribe", "audio": audio}
    if language:
        step["language"] = literal("language", language)
    return step


def transcribe_recipe(audio: str, audio_ext: str, language: str | None) -> Compiled:
    """The words heard in a stored recording, as a words file."""
    return Compiled({"version": 1, "steps": {"transcribe": transcribe_step(f"recording{audio_ext}", language)},
                     "outputs": {"out/words.json": "${transcribe.words}"}},
                    {f"recording{audio_ext}": audio}, "out/words.json")


def captioned_video_recipe(*, background: str, text: str | None, audio: str | None, width: int, height: int,
                           chain: list[str], voice: str, speed: float, effect: str, captions: CaptionForm,
                           installed_fonts: list[str], background_ext: str, audio_ext: str,
                           language: str | None = None) -> Compiled:
    check_size(width, height)
    assets = {f"background{background_ext}": background}
    steps: dict[str, Any] = {}
    notes: list[str] = []
    engine = None
    words: str | None = None
    if audio is None:
        if text is None:
            raise RequestError("text: send `text` (to be spoken) or `audio_id` (a stored narration)")
        check_voice(voice, CAPTIONED_NAMES["kokoro.voice"])
        steps["speak"] = _tts_step(text, chain, speed, kokoro_voice=voice, names=CAPTIONED_NAMES)
        engine, notes = speaking_engine(steps["speak"], CAPTIONED_NAMES)
        narration, words = "${speak.audio}", "${speak.words}"
    else:
        assets[f"narration{audio_ext}"] = audio
        if text is not None and text.strip():
            steps["align"] = {"type": "align", "audio": f"narration{audio_ext}", "text": literal("text", text)}
            narration, words = "${align.audio}", "${align.words}"
        else:
            narration = f"narration{audio_ext}"
            problem = recogniser_problem()
            if problem is None:  # as the original: captions from what is heard
                steps["transcribe"] = transcribe_step(narration, language)
                words = "${transcribe.words}"
            else:
                notes.append(f"no captions: the recording has no `text` and there is no speech recogniser ({problem})")
    style, style_notes = caption_style(captions, installed_fonts)
    notes += style_notes
    render: dict[str, Any] = {"type": "render", "image": f"background{background_ext}", "audio": narration,
                              "width": width, "height": height, "fps": ORIGINAL_FPS, "motion": motion_for(effect),
                              "caption_style": style}
    if words is not None:
        steps["captions"] = {"type": "captions", "words": words, "max_chars": captions.line_max_length,
                             "lines": captions.line_count}
        render["captions"] = "${captions.captions}"
    steps["render"] = render
    recipe = {"version": 1, "steps": steps, "outputs": {"out/video.mp4": "${render.video}"}}
    return Compiled(recipe, assets, "out/video.mp4", engine, notes)


@dataclass(frozen=True)
class VideoFacts:
    """What the merge needs of an input video."""

    file_id: str
    ext: str
    codec: str
    width: int
    height: int
    fps: str | None  # exact fraction
    pix_fmt: str | None
    duration: float
    has_audio: bool


def merge_recipe(videos: list[VideoFacts], music: str | None, music_ext: str, volume: float) -> Compiled:
    """Videos in the same format (this server's own results) are joined as they are (stream copy);
    others are first fitted to the first one's size and frame rate, like the original, then joined."""
    if not videos:
        raise RequestError("video_ids: give at least one video id (comma-separated)")
    if not (0 <= volume <= 4):
        raise RequestError(f"background_music_volume: {volume} is outside 0..4 (1 = as recorded)")
    assets = {f"v{i}{v.ext}": v.file_id for i, v in enumerate(videos)}
    first = videos[0]
    same = all((v.codec, v.width, v.height, v.fps, v.pix_fmt) == (first.codec, first.width, first.height,
                                                                   first.fps, first.pix_fmt) for v in videos)
    steps: dict[str, Any] = {}
    scenes: list[str] = []
    if same and first.codec == "h264" and first.fps:
        scenes = [f"v{i}{v.ext}" for i, v in enumerate(videos)]
    else:
        width, height = first.width - first.width % 2, first.height - first.height % 2
        fps = _whole_fps(first.fps)
        for i, v in enumerate(videos):
            steps[f"fit{i}"] = {"type": "render", "video": f"v{i}{v.ext}", "width": width, "height": height,
                                "fps": fps, "fit": "contain", "duration": max(0.05, v.duration),
                                "video_audio": "mix" if v.has_audio else "drop", "video_audio_db": 0.0}
            scenes.append(f"${{fit{i}.video}}")
    merge: dict[str, Any] = {"type": "merge", "scenes": scenes}
    if music is not None:
        assets[f"music{music_ext}"] = music
        merge["music"] = f"music{music_ext}"
        merge["music_volume_db"] = -60.0 if volume <= 0.001 else max(-60.0, min(12.0, 20 * math.log10(volume)))
    steps["merge"] = merge
    recipe = {"version": 1, "steps": steps, "outputs": {"out/video.mp4": "${merge.video}"}}
    return Compiled(recipe, assets, "out/video.mp4")


def _whole_fps(fps: str | None) -> int:
    if not fps:
        return 30
    num, _, den = fps.partition("/")
    return max(1, min(120, round(int(num) / int(den or 1))))


class _Quoted(yaml.SafeDumper):  # type: ignore[misc]  # PyYAML has no type stubs here
    """Writes every string double-quoted, where YAML escapes what it would otherwise change: line breaks
    such as U+2028 (folded in other styles) and characters past U+FFFF (JSON's escapes for those are
    surrogate pairs, which a YAML reader refuses). Any client text reads back as sent."""


_Quoted.add_representer(str, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value,
                                                                           style='"'))


def materialise(storage: Storage, job_id: str, compiled: Compiled) -> tuple[Any, Path]:
    """Write the job folder (recipe + links to its stored inputs) and compile it with the engine."""
    folder = storage.work_dir(job_id)
    folder.mkdir(parents=True, exist_ok=True)
    for name, file_id in compiled.assets.items():
        storage.link_into(file_id, folder, name)
    recipe = folder / "recipe.yaml"
    recipe.write_text(yaml.dump(compiled.recipe, Dumper=_Quoted, allow_unicode=True, sort_keys=False),
                      encoding="utf-8")
    return load(recipe), folder
