"""The ``tts`` node: narration text -> a mono WAV and the time span of every word it speaks.

For an English voice the text is normalised (numbers, money, dates and abbreviations become the words
spoken, so the captions show what is said; a voice of another language reads it as written), split into
sentences, and the engine speaks them chunk by chunk (one sentence per chunk for Piper and Kokoro, packed
sentences for Chatterbox) so the words of every piece of audio are known; the pieces are joined with a
pause. Long narrations cost one engine call per chunk and report progress per chunk. ``engine`` may be a
fallback chain; the engine that runs is chosen the same way for the cache key.
"""

from __future__ import annotations

import hashlib
import logging
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field, model_validator

from nodes.formats import WordTimings
from nodes.tts.chatterbox_engine import ChatterboxOptions
from nodes.tts.engine import Speech, VoiceError
from nodes.tts.fallback import Choice, NoEngine, choose
from nodes.tts.kokoro_engine import KokoroOptions
from nodes.tts.remote_engine import RemoteOptions
from nodes.tts.sentences import silent_tail, split_sentences
from nodes.tts.spoken_text import normalize
from nodes.tts.weights import WeightsNotFound
from nodes.tts.word_timing import Span, script_words, tidy
from pipeline.node import (
    CheckValue,
    InputValue,
    NodeError,
    NodeInputError,
    NodeType,
    Params,
    Port,
    RecipePath,
    Resources,
    RunContext,
)

if TYPE_CHECKING:
    import soundfile as sf

_log = logging.getLogger(__name__)
_EMPTY_HINT = "write the narration in `text`; it must contain at least one word"


EngineName = Literal["piper", "kokoro", "chatterbox", "remote"]

MAX_TEXT_CHARS = 1_000_000  # the most max_chars may allow
# The speaking rates every engine speaks intelligibly: Piper's length_scale 1/speed and Kokoro's speed go
# far outside (speed 0.001 made Piper generate for minutes; 1e-300 overflowed inside onnxruntime).
MIN_SPEED = 0.25
MAX_SPEED = 4.0

class TTSParams(Params):
    # The remote engine's settings change the output only when it speaks, and then its fingerprint (server,
    # version, voice) is in the key; leaving them out keeps every other voice's cached results valid.
    not_in_key: ClassVar[frozenset[str]] = frozenset({"remote"})
    reaches_outside: ClassVar[dict[str, str]] = {
        "remote": "makes this machine call the server at remote.url and send it the value of the environment "
                  "variable remote.token_env",
        "allow_download": "makes this machine download voice weights from the Hugging Face hub"}

    text: str = Field(description="The narration to speak.")
    engine: EngineName | list[EngineName] = Field(
        default="piper",
        description="Which speech engine speaks it, or a fallback chain ([chatterbox, kokoro, piper]): the first "
                    "that is installed and has its weights.")
    voice: RecipePath | None = Field(
        default=None,
        description="Piper: path of a .onnx voice (its .onnx.json beside it); none = the bundled US voice.")
    speed: float = Field(default=1.0, ge=MIN_SPEED, le=MAX_SPEED,
                         description="Speaking rate (Piper, Kokoro, remote), 0.25 to 4; 2 is twice as fast.")
    deterministic: bool = Field(
        default=True, description="Piper: turn sampling noise off so the same text always gives the same audio.")
    kokoro: KokoroOptions = Field(default_factory=KokoroOptions, description="Kokoro voice and weights.")
    chatterbox: ChatterboxOptions = Field(default_factory=ChatterboxOptions,
                                          description="Chatterbox reference voice, sampling and weights.")
    remote: RemoteOptions = Field(default_factory=RemoteOptions,
                                  description="A media server that speaks for the `remote` engine.")
    allow_download: bool = Field(
        default=False, description="Let Kokoro/Chatterbox download missing weights from the Hugging Face hub "
                                   "(HF_HUB_OFFLINE=1 still forbids it).")
    sentence_pause_ms: int | None = Field(
        default=None, ge=0, le=10_000,
        description="Silence between chunks; default per engine (Piper and Kokoro 250 ms, Chatterbox 350 ms).")
    max_chars: int = Field(default=100_000, ge=1, le=MAX_TEXT_CHARS, description="Refuse narrations longer "
                           "than this many characters (about 15,000 words by default).")

    @model_validator(mode="after")
    def _length(self) -> TTSParams:
        if len(self.text) > self.max_chars:
            raise ValueError(f"the text is {len(self.text)} characters long, more than the limit of "
                             f"{self.max_chars}; split it into scenes, or raise limits: {{max_text_chars: ...}}")
        return self


def _choose(params: TTSParams) -> Choice:
    """The engine of the chain that runs here; input errors in the user's terms."""
    try:
        return choose(params)
    except NoEngine as exc:
        raise NodeInputError(f"no speech engine of {params.engine!r} can run here: {exc}", field="engine",
                             hint="install one (`pipeline voices` shows what is missing) or add piper to the "
                                  "chain") from exc
    except VoiceError as exc:
        raise NodeInputError(exc.message, field=exc.field, hint=exc.hint) from exc


def _fingerprint(choice: Choice) -> dict[str, str | Path]:
    try:
        return {"tts-engine": choice.engine.name, **choice.engine.fingerprint()}
    except VoiceError as exc:
        raise NodeInputError(exc.message, field=exc.field, hint=exc.hint) from exc
    except WeightsNotFound as exc:
        raise NodeInputError(f"{choice.engine.name} weights not found: {exc}", field="engine",
                             hint="`pipeline voices` shows where weights are looked for") from exc


class TTS(NodeType):
    name = "tts"
    doc = "Speak narration text; gives the audio and every script word with its time span."
    version = "6"
    params = TTSParams
    outputs = {
        "audio": Port("audio", "Mono 16-bit WAV at the voice's sample rate.", suffix=".wav"),
        "words": Port("words", "Every script word in order with its time span (WordTimings).", suffix=".json"),
    }
    resources = Resources(cpu=1)

    def tools(self, params: TTSParams) -> dict[str, str | Path]:
        """The engine and voice, and what the voice is given to say: the text as the reading rules make
        it (``spoken_text``). A change in those rules re-speaks only the narrations it changes (the
        rules once had to bump this node's version, re-speaking every narration)."""
        choice = _choose(params)
        fingerprint = _fingerprint(choice)  # a missing voice is said here, in the user's terms
        try:
            language = choice.engine.language()
        except VoiceError as exc:
            raise NodeInputError(exc.message, field=exc.field, hint=exc.hint) from exc
        spoken = "\n".join(speakable_sentences(params.text, language))
        return {**fingerprint, "spoken-text": hashlib.sha256(spoken.encode("utf-8")).hexdigest()[:16]}

    def resources_for(self, params: TTSParams) -> Resources:
        """A GPU voice (Kokoro, Chatterbox) takes the GPU slot, so two do not share one GPU at once and
        Dask sends them to a GPU worker; Piper needs a core."""
        try:
            uses_gpu = _choose(params).engine.uses_gpu
        except NodeInputError:
            uses_gpu = False  # the run reports it
        return Resources(cpu=1, gpu=1) if uses_gpu else self.resources

    @classmethod
    def diagnostics(cls) -> dict[str, str]:
        from nodes.tts.cli import engine_report

        return {f"tts.{row.engine}": ("yes: " if row.usable else "no: ") + row.detail for row in engine_report()}

    @classmethod
    def versions(cls) -> dict[str, str]:
        from nodes.tts.cli import engine_report

        return {row.engine: row.detail.split(";")[0] if row.usable else row.detail.split(":")[0]
                for row in engine_report()}

    def check(self, params: TTSParams, inputs: dict[str, CheckValue]) -> list[NodeInputError]:
        errors: list[NodeInputError] = []
        language = "en"
        try:
            choice = _choose(params)
            _fingerprint(choice)
            language = choice.engine.language()
            choice.engine.check_voice()
        except VoiceError as exc:
            errors.append(NodeInputError(exc.message, field=exc.field, hint=exc.hint))
        except NodeInputError as exc:
            errors.append(exc)
        try:
            speakable_sentences(params.text, language)
        except NodeInputError as exc:
            errors.insert(0, exc)
        return errors

    def run(self, ctx: RunContext, params: TTSParams, inputs: dict[str, InputValue]) -> None:
        choice = _choose(params)
        sentences = speakable_sentences(params.text, choice.engine.language())
        for message in choice.warnings():
            ctx.warning(message)
        engine = choice.engine
        engine.configure(ctx.threads)
        chunks = engine.chunks(sentences)
        pause = engine.pause_ms if params.sentence_pause_ms is None else params.sentence_pause_ms

        with NarrationWriter(ctx.output("audio"), pause) as writer:
            for i, chunk in enumerate(chunks):
                if ctx.cancelled.is_set():
                    raise NodeError("cancelled")
                spoken, tail = silent_tail(chunk)
                try:
                    with warnings.catch_warnings():  # numpy overflow and the like: the failure says it
                        warnings.simplefilter("ignore", RuntimeWarning)
                        speech = with_tail(engine.synthesize(spoken), tail)
                except VoiceError as exc:
                    raise NodeInputError(exc.message, field=exc.field, hint=exc.hint) from exc
                except Exception as exc:
                    # One line in the user's terms: the library's own text (onnxruntime's C++ status,
                    # torch's stack) names nothing they can change, so it goes to the log only.
                    _log.debug("%s failed on chunk %d: %s: %s", engine.name, i + 1, type(exc).__name__, exc)
                    cause = "it ran out of memory" if "out of memory" in str(exc).lower() else "the engine failed"
                    raise NodeError(f"{engine.name} could not speak chunk {i + 1} of {len(chunks)} "
                                    f"({_clip(chunk)!r}): {cause}",
                                    field="engine",
                                    hint="no audio was written; try another engine or speed, or rerun "
                                         "(nothing is skipped)") from exc
                writer.add(speech)
                ctx.progress((i + 1) / len(chunks), f"chunk {i + 1}/{len(chunks)}")
        writer.timings().save(ctx.output("words"))


def speakable_sentences(text: str, language: str = "en") -> list[str]:
    """The sentences of ``text`` that have words (a lone "..." has nothing to say or caption), rewritten
    into spoken English words for an English voice; a voice of another language reads the text as written
    (its own phonemiser reads digits in its language: "5 gatos", never "five gatos")."""
    if not text.strip():
        raise NodeInputError("the narration text is empty", field="text", hint=_EMPTY_HINT)
    spoken = normalize(text) if language == "en" else text
    sentences = [s for s in split_sentences(spoken) if script_words(s)]
    if not sentences:
        raise NodeInputError(f"the narration has no words to speak: {_clip(text)!r}", field="text",
                             hint=_EMPTY_HINT)
    return sentences


def with_tail(speech: Speech, tail: str) -> Speech:
    """``speech`` with ``tail`` (emoji shown but not spoken) added to its last word's text."""
    if not tail or not speech.words:
        return speech
    last = speech.words[-1]
    words = [*speech.words[:-1], last.model_copy(update={"text": f"{last.text} {tail}"})]
    return Speech(audio=speech.audio, sample_rate=speech.sample_rate, words=words)


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
        import numpy as np
        import soundfile as sf

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
