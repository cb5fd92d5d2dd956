"""The ``tts`` node: narration text -> a mono WAV and the time span of every word it speaks.

The text is lightly normalised (what is spoken is what the captions show), split into sentences, and each
sentence is synthesized on its own so the words of every audio chunk are known; the chunks are joined with
a fixed pause. Long narrations therefore cost one engine call per sentence and report progress per sentence.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal

import numpy as np
import soundfile as sf
from pydantic import Field

from nodes.formats import WordTimings
from nodes.tts.engine import Engine, Speech
from nodes.tts.normalize import normalize
from nodes.tts.piper_engine import PiperEngine, VoiceError, bundled_voice, piper_version
from nodes.tts.sentences import split_sentences
from nodes.tts.timing import Span, script_words, tidy
from pipeline.node import (
    InputValue,
    NodeError,
    NodeInputError,
    NodeType,
    Params,
    Port,
    Resources,
    RunContext,
)

_EMPTY_HINT = "write the narration in `text`; it must contain at least one word"


class TTSParams(Params):
    text: str = Field(description="The narration to speak.")
    engine: Literal["piper"] = Field(default="piper", description="Which speech engine speaks it.")
    voice: str | None = Field(
        default=None,
        description="Path of a Piper .onnx voice (its .onnx.json beside it); none = the bundled US voice.")
    speed: float = Field(default=1.0, gt=0, le=4, description="Speaking rate; 2 is twice as fast.")
    deterministic: bool = Field(
        default=True, description="Turn sampling noise off so the same text always gives the same audio.")
    sentence_pause_ms: int = Field(default=250, ge=0, le=10_000, description="Silence between sentences.")


def _piper(params: TTSParams) -> Engine:
    return PiperEngine(voice=params.voice, speed=params.speed, deterministic=params.deterministic)


# Engine name -> factory from params. Adding an engine means one class and one entry here.
ENGINES: dict[str, Callable[[TTSParams], Engine]] = {"piper": _piper}


def make_engine(params: TTSParams) -> Engine:
    return ENGINES[params.engine](params)


class TTS(NodeType):
    name = "tts"
    doc = "Speak narration text; gives the audio and every script word with its time span."
    version = "1"
    params = TTSParams
    outputs = {
        "audio": Port("audio", "Mono 16-bit WAV at the voice's sample rate.", suffix=".wav"),
        "words": Port("words", "Every script word in order with its time span (WordTimings).", suffix=".json"),
    }
    resources = Resources(cpu=1)

    def tools(self, params: TTSParams) -> dict[str, str]:
        try:
            return make_engine(params).fingerprint()
        except VoiceError as exc:
            raise NodeInputError(exc.message, field="voice", hint=exc.hint) from exc

    @classmethod
    def diagnostics(cls) -> dict[str, str]:
        facts: dict[str, str] = {}
        try:
            facts["tts.piper"] = f"yes: piper-tts {piper_version()}, bundled voice {bundled_voice()}"
        except ImportError as exc:
            facts["tts.piper"] = f"no: {exc}"
        facts["tts.kokoro"] = "not installed"
        facts["tts.chatterbox"] = "not installed"
        return facts

    def check(self, params: TTSParams, inputs: dict[str, InputValue]) -> list[NodeInputError]:
        errors: list[NodeInputError] = []
        try:
            speakable_sentences(params.text)
        except NodeInputError as exc:
            errors.append(exc)
        try:
            make_engine(params).fingerprint()
        except VoiceError as exc:
            errors.append(NodeInputError(exc.message, field="voice", hint=exc.hint))
        return errors

    def run(self, ctx: RunContext, params: TTSParams, inputs: dict[str, InputValue]) -> None:
        sentences = speakable_sentences(params.text)
        engine = make_engine(params)

        with NarrationWriter(ctx.output("audio"), params.sentence_pause_ms) as writer:
            for i, sentence in enumerate(sentences):
                if ctx.cancelled.is_set():
                    raise NodeError("cancelled")
                try:
                    speech = engine.synthesize(sentence)
                except VoiceError as exc:
                    raise NodeInputError(exc.message, field="voice", hint=exc.hint) from exc
                except Exception as exc:
                    raise NodeError(f"{engine.name} could not speak sentence {i + 1}: {_clip(sentence)!r}",
                                    field="text", detail=f"{type(exc).__name__}: {exc}") from exc
                writer.add(speech)
                ctx.progress((i + 1) / len(sentences), f"sentence {i + 1}/{len(sentences)}")
        writer.timings().save(ctx.output("words"))


def speakable_sentences(text: str) -> list[str]:
    """The normalised sentences of ``text`` that have words (a lone "..." has nothing to say or caption)."""
    if not text.strip():
        raise NodeInputError("the narration text is empty", field="text", hint=_EMPTY_HINT)
    sentences = [s for s in split_sentences(normalize(text)) if script_words(s)]
    if not sentences:
        raise NodeInputError(f"the narration has no words to speak: {_clip(text)!r}", field="text",
                             hint=_EMPTY_HINT)
    return sentences


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


class NarrationWriter:
    """Appends sentences to a 16-bit mono WAV as they are spoken, with a pause between, and keeps the word
    times shifted to where each sentence lands; only the words stay in memory, so long narrations are cheap.
    """

    def __init__(self, path: Path, pause_ms: int) -> None:
        self.path = path
        self.pause_ms = pause_ms
        self.rate = 0
        self.samples = 0
        self.texts: list[str] = []
        self.spans: list[Span] = []
        self._file: sf.SoundFile | None = None

    def __enter__(self) -> NarrationWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            self._file.close()

    def add(self, speech: Speech) -> None:
        if self._file is None:
            self.rate = speech.sample_rate
            self._file = sf.SoundFile(self.path, "w", samplerate=self.rate, channels=1, subtype="PCM_16",
                                      format="WAV")
        elif speech.sample_rate != self.rate:
            raise NodeError(f"the engine changed sample rate mid-narration ({self.rate} -> {speech.sample_rate})")
        else:
            gap = round(self.rate * self.pause_ms / 1000)
            self._file.write(np.zeros(gap, dtype=np.int16))
            self.samples += gap
        start = self.samples / self.rate
        self.texts.extend(w.text for w in speech.words)
        self.spans.extend((start + w.start, start + w.end) for w in speech.words)
        pcm = np.clip(np.round(np.asarray(speech.audio, dtype=np.float32) * 32767.0), -32767, 32767)
        self._file.write(pcm.astype(np.int16))
        self.samples += len(pcm)

    def timings(self) -> WordTimings:
        duration = self.samples / self.rate if self.rate else 0.0
        return WordTimings(duration=duration, words=tidy(self.texts, self.spans, duration))
