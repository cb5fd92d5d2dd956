"""One entry point for caption packing: the language decides between the word and the sentence packer."""

from __future__ import annotations

from nodes.captions.language import packing_mode
from nodes.captions.segment import segment_words
from nodes.captions.sentence import segment_sentences
from nodes.formats import CaptionTrack, WordTimings


def pack(timings: WordTimings, *, max_chars: int = 32, lines: int = 2, min_duration: float = 0.8,
         language: str = "auto") -> CaptionTrack:
    """Captions for ``timings``: word-level for English, sentence-level otherwise (see ``packing_mode``)."""
    packer = segment_words if packing_mode(language, timings) == "words" else segment_sentences
    return packer(timings, max_chars=max_chars, lines=lines, min_duration=min_duration)
