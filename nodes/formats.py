"""The file formats that flow between nodes: word timings and caption segments (JSON files).

Audio flows as WAV, images as image files, videos as MP4; these two are the structured ones, shared by the
node types that write and read them.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class Word(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="The word as written in the script, with its punctuation attached.")
    start: float = Field(ge=0, description="Seconds from the start of the audio.")
    end: float = Field(ge=0)


class WordTimings(BaseModel):
    """What a TTS (or an aligner) says about its audio: every script word, in order, with its time span."""

    model_config = ConfigDict(extra="forbid")

    duration: float = Field(ge=0, description="Length of the audio in seconds.")
    words: list[Word]

    def save(self, path: Path) -> None:
        path.write_text(self.model_dump_json(indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> WordTimings:
        return cls.model_validate_json(path.read_text(encoding="utf-8"))


class Segment(BaseModel):
    """One caption on screen: its lines, and the words it shows with their times (for highlighting)."""

    model_config = ConfigDict(extra="forbid")

    start: float = Field(ge=0)
    end: float = Field(ge=0)
    lines: list[str]
    words: list[Word] = []


class CaptionTrack(BaseModel):
    model_config = ConfigDict(extra="forbid")

    duration: float = Field(ge=0)
    segments: list[Segment]

    def save(self, path: Path) -> None:
        path.write_text(self.model_dump_json(indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> CaptionTrack:
        return cls.model_validate_json(path.read_text(encoding="utf-8"))
