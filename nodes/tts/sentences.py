"""Splitting narration into sentences, so each chunk of audio is short and its text is known.

Paragraphs (blank lines) always end a sentence; inside a paragraph nupunkt finds the boundaries offline and
knows abbreviations ("Dr.", "p.m.", "U.S."). A run-on sentence longer than ``MAX_CHARS`` is cut at clause
punctuation, or at spaces as a last resort, so no single synthesis call grows without bound.
"""

from __future__ import annotations

import re

MAX_CHARS = 400

_PARAGRAPHS = re.compile(r"\n\s*\n")
_CLAUSE_END = re.compile(r"(?<=[,;:\u2014\u2013])\s+|\s+(?=[\u2014\u2013]\s)")


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` in order, stripped, none empty, inner whitespace collapsed."""
    import nupunkt

    sentences: list[str] = []
    for paragraph in _PARAGRAPHS.split(text):
        paragraph = " ".join(paragraph.split())
        if not paragraph:
            continue
        for found in nupunkt.sent_tokenize(paragraph):
            sentence = str(found).strip()
            if sentence:
                sentences.extend(_cap_length(sentence))
    return sentences


def _cap_length(sentence: str, limit: int = MAX_CHARS) -> list[str]:
    """Cut an over-long sentence into pieces of at most ``limit`` characters where possible."""
    if len(sentence) <= limit:
        return [sentence]
    pieces = _pack(_CLAUSE_END.split(sentence), limit)
    out: list[str] = []
    for piece in pieces:
        out.extend(_pack(piece.split(" "), limit) if len(piece) > limit else [piece])
    return out


def _pack(parts: list[str], limit: int) -> list[str]:
    """Join consecutive parts with spaces, starting a new piece before one would pass ``limit``."""
    pieces: list[str] = []
    current = ""
    for part in parts:
        if current and len(current) + 1 + len(part) > limit:
            pieces.append(current)
            current = part
        else:
            current = f"{current} {part}" if current else part
    if current:
        pieces.append(current)
    return pieces


def pack_sentences(sentences: list[str], limit: int) -> list[str]:
    """Whole sentences joined into chunks of at most ``limit`` characters (an engine that speaks better with
    context, like Chatterbox, gets fewer, longer calls); a longer sentence is first cut at clauses."""
    pieces = [piece for sentence in sentences for piece in _cap_length(sentence, limit)]
    return _pack(pieces, limit)
