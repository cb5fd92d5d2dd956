"""Splitting narration into sentences, so each chunk of audio is short and its text is known.

Paragraphs (blank lines) always end a sentence; inside a paragraph nupunkt finds the boundaries offline and
knows abbreviations ("Dr.", "p.m.", "U.S."); it knows only Latin full stops, so sentences also end after a
Chinese or Japanese full stop (``。！？``, not inside a quotation: ``「はい。」と``) and after ``؟`` or ``।``
and a space. A run-on sentence longer than ``MAX_CHARS`` is cut at clause punctuation (``,`` ``;`` dashes,
and ``、，；：`` in scripts without spaces), then at spaces, then between characters as a last resort, so no
single synthesis call grows without bound.
"""

from __future__ import annotations

import re
import unicodedata

MAX_CHARS = 400

_PARAGRAPHS = re.compile(r"\n\s*\n")
_OPENERS = frozenset("([{\u00ab\u2039\u201c\u2018\u201e\u201a\u00bf\u00a1\"'\u300c\u300e\uff08")
_CLOSERS = "\u300d\u300f\uff09\u3015\u3011\u300b\u3009\u201d\u2019\"')\\]"
_SENTENCE_END = re.compile(rf"(?<=[\u3002\uff01\uff1f\uff61])(?![{_CLOSERS}\u3002\uff01\uff1f])\s*"
                           r"|(?<=[\u061f\u0964\u06d4])\s+")
# Where a long sentence may be cut: after clause punctuation (and the spaces after it), before a spaced
# dash, after the clause marks of scripts written without spaces.
_CLAUSE_END = re.compile(r"(?<=[,;:\u2014\u2013])\s+|\s+(?=[\u2014\u2013]\s)|(?<=[\u3001\uff0c\uff1b\uff1a])(?=\S)")
_SPACES = re.compile(r"(?<=\s)(?=\S)")


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` in order, stripped, none empty, inner whitespace collapsed."""
    import nupunkt

    sentences: list[str] = []
    for paragraph in _PARAGRAPHS.split(text):
        paragraph = " ".join(paragraph.split())
        if not paragraph:
            continue
        found = [piece.strip() for sentence in nupunkt.sent_tokenize(paragraph)
                 for piece in _SENTENCE_END.split(str(sentence)) if piece.strip()]
        for sentence in _keep_symbols_with_their_sentence(found):
            sentences.extend(_cap_length(sentence))
    return sentences


def _wordless(token: str) -> bool:
    return not any(ch.isalnum() for ch in token)


def _keep_symbols_with_their_sentence(sentences: list[str]) -> list[str]:
    """Tokens without words at the start of a sentence (an emoji after "What a day!") go back to the
    sentence before, where they were written; opening quotes and brackets stay."""
    out: list[str] = []
    for sentence in sentences:
        tokens = sentence.split(" ")
        lead = 0
        while lead < len(tokens) and _wordless(tokens[lead]) and tokens[lead][:1] not in _OPENERS:
            lead += 1
        if out and lead:
            out[-1] += " " + " ".join(tokens[:lead])
            tokens = tokens[lead:]
        if tokens:
            out.append(" ".join(tokens))
    return out


_SILENT = ("So", "Sk", "Mn", "Me", "Cf")  # emoji, their modifiers and joiners: shown, not read out


def silent_tail(text: str) -> tuple[str, str]:
    """``text`` without the emoji and other pictographs that end it, and those (``"What a day! 😀"`` ->
    ``("What a day!", "😀")``): engines read their names out ("grinning face"), narrators do not."""
    tokens = text.split(" ")
    cut = len(tokens)
    while cut > 1 and tokens[cut - 1] and all(unicodedata.category(ch) in _SILENT for ch in tokens[cut - 1]):
        cut -= 1
    return " ".join(tokens[:cut]), " ".join(tokens[cut:])


def _cap_length(sentence: str, limit: int = MAX_CHARS) -> list[str]:
    """Cut an over-long sentence into pieces of at most ``limit`` characters, joined back by spaces where
    the cut was at spaces and directly otherwise."""
    if len(sentence) <= limit:
        return [sentence]
    out: list[str] = []
    for piece in _pack(_cut(sentence, _CLAUSE_END), limit):
        if len(piece) <= limit:
            out.append(piece)
            continue
        for part in _pack(_cut(piece, _SPACES), limit):
            out.extend(_pack(_characters(part), limit) if len(part) > limit else [part])
    return out


def _cut(text: str, at: re.Pattern[str]) -> list[str]:
    """``text`` cut at the (empty or whitespace) matches of ``at``; the whitespace stays at a part's end."""
    parts: list[str] = []
    start = 0
    for m in at.finditer(text):
        if m.end() > start:
            parts.append(text[start:m.end()])
            start = m.end()
    parts.append(text[start:])
    return [part for part in parts if part]


def _characters(text: str) -> list[str]:
    """``text`` one character each, a combining mark or a joiner kept with the character before it."""
    chars: list[str] = []
    for ch in text:
        if chars and (unicodedata.combining(ch) or ch in "\u200d\ufe0f" or chars[-1].endswith("\u200d")):
            chars[-1] += ch
        else:
            chars.append(ch)
    return chars


def _pack(parts: list[str], limit: int) -> list[str]:
    """Consecutive parts joined (a part carries its own trailing space), starting a new piece before one
    would pass ``limit``; pieces stripped."""
    pieces: list[str] = []
    current = ""
    for part in parts:
        if current.strip() and len((current + part).strip()) > limit:
            pieces.append(current.strip())
            current = part
        else:
            current += part
    if current.strip():
        pieces.append(current.strip())
    return pieces


def pack_sentences(sentences: list[str], limit: int) -> list[str]:
    """Whole sentences joined into chunks of at most ``limit`` characters (an engine that speaks better with
    context, like Chatterbox, gets fewer, longer calls); a longer sentence is first cut at clauses."""
    pieces = [piece + " " for sentence in sentences for piece in _cap_length(sentence, limit)]
    return _pack(pieces, limit)
