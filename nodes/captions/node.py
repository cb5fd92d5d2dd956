"""The ``captions`` node: word timings -> caption segments (JSON, for burn-in) and an SRT sidecar.

Packing rules live in ``segment.py`` (word level) and ``sentence.py`` (sentence level); ``pack.py`` picks
one by language. This node only reads, validates and writes.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError

from nodes.captions.language import LANGUAGE_PATTERN
from nodes.captions.pack import pack
from nodes.captions.srt import write_srt
from nodes.formats import WordTimings
from pipeline.node import InputValue, NodeInputError, NodeType, Params, Port, Resources, RunContext


class CaptionsParams(Params):
    max_chars: int = Field(default=32, ge=1, le=200, description="Most characters on one caption line.")
    lines: int = Field(default=2, ge=1, le=5, description="Most lines in one caption.")
    min_duration: float = Field(
        default=0.8, ge=0, le=10,
        description="Shortest time a caption stays on screen (seconds), when the next one leaves room.")
    language: str = Field(
        default="auto", pattern=LANGUAGE_PATTERN,
        description="Spaced languages (en, es, de...) pack word by word when every word is timed, else "
                    "sentence by sentence; ja, zh, th, ko... pack sentence by sentence, splitting CJK and Thai "
                    "per character; 'auto' detects CJK/Thai-like text.")


class Captions(NodeType):
    name = "captions"
    doc = ("Pack timed words into captions: word-level for spaced languages timed word by word, "
           "sentence-level (CJK per character) otherwise, punctuation attached, no overlaps; also an SRT.")
    version = "4"
    params = CaptionsParams
    inputs = {"words": Port("words", "Every script word with its time span (WordTimings).")}
    outputs = {
        "captions": Port("captions", "Caption segments with their lines and words (CaptionTrack).",
                         suffix=".json"),
        "srt": Port("subtitles", "The same captions as a SubRip file (empty, so not published, if none).",
                    suffix=".srt", optional=True),
    }
    resources = Resources(cpu=0.25)

    def run(self, ctx: RunContext, params: CaptionsParams, inputs: dict[str, InputValue]) -> None:
        source = inputs["words"]
        if not isinstance(source, Path):
            raise NodeInputError("the captions node needs one word-timings file", field="words",
                                 hint="connect `words` to the `words` output of a tts node")
        timings = _load(source)  # no words (nothing heard) is an empty track: the step upstream said why
        track = pack(timings, max_chars=params.max_chars, lines=params.lines,
                     min_duration=params.min_duration, language=params.language)
        track.save(ctx.output("captions"))
        write_srt(track, ctx.output("srt"))
        ctx.progress(1.0, f"{len(track.segments)} captions")


def _load(path: Path) -> WordTimings:
    try:
        return WordTimings.load(path)
    except OSError as exc:
        raise NodeInputError(f"cannot read the word timings {path}: {exc.strerror}", field="words",
                             hint="connect `words` to the `words` output of a tts node") from exc
    except (ValidationError, ValueError) as exc:
        raise NodeInputError(f"{path} is not a word-timings file: {str(exc).splitlines()[0]}",
                             field="words",
                             hint="connect `words` to the `words` output of a tts node") from exc
