"""Word-level caption packing: word timings in, caption segments out.

The rules, in the order they apply:

1. Units. Each script word becomes one unit. A token made only of punctuation never stands alone: closing
   punctuation (``.`` ``,`` ``!`` ``…`` ``)`` ...) joins the word before it, opening punctuation (``(``
   ``“`` ``¿`` ...) joins the word after it. Whitespace inside a word (even a newline) collapses to one
   space. A blank token is kept with a neighbour's unit, so it still appears once in ``Segment.words``.
2. Lines. Units fill a line greedily while the line (single spaces between units) stays within
   ``max_chars`` display columns (East Asian wide characters count two). A word is never split: a unit
   wider than ``max_chars`` stands alone on its own line. A caption holds at most ``lines`` lines.
3. Caption breaks. Besides running out of lines, a caption closes after a sentence-ending word (``.``
   ``!`` ``?`` ``…`` and CJK full stops, optionally followed by closing quotes or brackets) once it
   holds at least half of its capacity (``lines * max_chars`` columns), so a new sentence starts on a
   fresh caption when that does not leave a tiny one behind. A silence of ``PAUSE_BREAK`` seconds or
   more between two words also starts a new caption, so text never appears long before it is spoken.
4. Phrases. A caption or a line does not end on a function word ("the", "of", "on"...) and a one-word
   caption does not follow one of its own sentence: words move to the next caption or line while they
   fit ("ON THE" / "water." becomes "on the water.").
5. Timing: see ``cue_timing.py`` (shared with the sentence packer). Captions never overlap.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from itertools import pairwise

from nodes.captions.cue_timing import GAP_CLOSE, PAUSE_BREAK, TAIL, assemble, check_packing
from nodes.formats import CaptionTrack, Word, WordTimings

__all__ = ["GAP_CLOSE", "PAUSE_BREAK", "TAIL", "ends_sentence", "segment_words", "text_width"]

OPENING = frozenset("([{«‹“‘„‚¿¡「『（【〔《〈")
CLOSING = frozenset(".,!?;:…)]}»›”’\"'%‰。、，！？：；」』）】〕》〉")
_SENTENCE_END = frozenset(".!?…。！？‼⁇⁈⁉")
_TRAILERS = frozenset(")]}»›”’\"'」』）】〕》〉")
# Abbreviations with a full stop that almost never end a sentence: titles before a name and "for example"
# in English and the languages voices speak (Spanish, French, Italian, Portuguese, German). Lower case,
# without the final stop.
_ABBREVIATIONS = frozenset({
    "dr", "dra", "mr", "mrs", "ms", "prof", "profa", "sr", "sra", "srta", "mme", "mlle", "me", "hr", "dott", "sig",
    "e.g", "i.e", "vs", "cf", "p.ej", "z.b", "d.h", "bzw", "ca", "p.ex",
})


# English function words a caption or line should not end on: they belong with the word after them.
FUNCTION_WORDS = frozenset({
    "a", "an", "the", "of", "on", "in", "to", "at", "by", "for", "with", "from", "into", "onto", "over", "under",
    "about", "as", "and", "or", "but", "nor", "if", "than", "that", "my", "your", "his", "her", "its", "our",
    "their", "this", "these", "those", "is", "are", "was", "were", "be", "been", "not", "no", "very",
})


def text_width(text: str) -> int:
    """Display columns of ``text``: wide/full-width characters count 2, combining and format marks 0."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def ends_sentence(text: str) -> bool:
    """Whether a word closes a sentence (``end.``, ``end?!``, ``end.”``, ``終わり。``). A title or a
    mid-sentence abbreviation (``Dr.``, ``Sra.``, ``z.B.``) or an initial (``J.``; not the pronoun ``I.``)
    does not."""
    stripped = text.rstrip("".join(_TRAILERS))
    if not stripped or stripped[-1] not in _SENTENCE_END:
        return False
    if stripped[-1] == "." and not stripped.endswith(".."):
        word = stripped[:-1].lstrip("".join(OPENING))
        if word.lower() in _ABBREVIATIONS or (len(word) == 1 and word.isupper() and word != "I"):
            return False
    return True


@dataclass
class _Unit:
    """One or more tokens shown as one unbreakable piece of text."""

    text: str
    words: list[Word] = field(default_factory=list)

    @property
    def start(self) -> float:
        return min(w.start for w in self.words)

    @property
    def end(self) -> float:
        return max(w.end for w in self.words)


def _clean(text: str) -> str:
    return " ".join(text.split())


def _units(words: list[Word]) -> list[_Unit]:
    units: list[_Unit] = []
    pending = _Unit("")  # opening punctuation and blanks waiting for the next word
    for word in words:
        text = _clean(word.text)
        if not text:
            (units[-1] if units and not pending.words else pending).words.append(word)
        elif set(text) <= CLOSING and units and not pending.words:
            units[-1].text += text
            units[-1].words.append(word)
        elif set(text) <= OPENING | CLOSING:
            pending.text += text
            pending.words.append(word)
        else:
            units.append(_Unit(pending.text + text, pending.words + [word]))
            pending = _Unit("")
    if pending.words:
        if units:  # trailing opening punctuation or blanks: keep them with the last word
            units[-1].text += pending.text
            units[-1].words.extend(pending.words)
        elif pending.text:
            units.append(pending)
    return units


def _layout(units: list[_Unit], max_chars: int) -> list[list[_Unit]]:
    """Units filled into lines greedily within ``max_chars`` columns; a line never ends on a function word
    when that word fits at the start of the next line instead ("along the" / "river" -> "along" / "the
    river")."""
    rows: list[list[_Unit]] = []
    width = 0
    for unit in units:
        size = text_width(unit.text)
        if rows and width + 1 + size <= max_chars:
            rows[-1].append(unit)
            width += 1 + size
        else:
            rows.append([unit])
            width = size
    for k in range(len(rows) - 1):
        while len(rows[k]) > 1 and _function_word(rows[k][-1]) and _width(rows[k][-1:] + rows[k + 1]) <= max_chars:
            rows[k + 1].insert(0, rows[k].pop())
    return rows


def _width(units: list[_Unit]) -> int:
    return sum(text_width(u.text) for u in units) + len(units) - 1


def _function_word(unit: _Unit) -> bool:
    return unit.text.lstrip("".join(OPENING)).lower() in FUNCTION_WORDS


def _captions(units: list[_Unit], max_chars: int, lines: int) -> list[list[_Unit]]:
    """Units grouped greedily into captions of at most ``lines`` lines (rules 2 and 3)."""
    captions: list[list[_Unit]] = []
    current: list[_Unit] = []
    for i, unit in enumerate(units):
        if current and unit.start - units[i - 1].end >= PAUSE_BREAK:
            captions.append(current)
            current = []
        if current and len(_greedy_rows(current + [unit], max_chars)) > lines:
            captions.append(current)
            current = []
        current.append(unit)
        content = sum(text_width(u.text) for u in current) + len(current) - len(_greedy_rows(current, max_chars))
        if ends_sentence(unit.text) and 2 * content >= lines * max_chars:
            captions.append(current)
            current = []
    if current:
        captions.append(current)
    return captions


def _greedy_rows(units: list[_Unit], max_chars: int) -> list[int]:
    """The width of each line when ``units`` fill lines greedily."""
    rows: list[int] = []
    for unit in units:
        size = text_width(unit.text)
        if rows and rows[-1] + 1 + size <= max_chars:
            rows[-1] += 1 + size
        else:
            rows.append(size)
    return rows


def _keep_phrases(captions: list[list[_Unit]], max_chars: int, lines: int) -> list[list[_Unit]]:
    """Rule 4: a caption does not end on a function word, and a one-word caption does not follow a
    caption of the same sentence: words move from the end of a caption to the start of the next while it
    still fits and the one before keeps two or more ("slowly on the" / "water." -> "slowly" / "on the
    water."). A long pause between them is left alone."""
    for before, after in pairwise(captions):
        if after[0].start - before[-1].end >= PAUSE_BREAK or ends_sentence(before[-1].text):
            continue
        while len(before) > 2 and (_function_word(before[-1]) or len(after) == 1) \
                and len(_layout(before[-1:] + after, max_chars)) <= lines:
            after.insert(0, before.pop())
    return captions


def _pack(units: list[_Unit], max_chars: int, lines: int) -> list[list[list[_Unit]]]:
    """Group units into captions of at most ``lines`` lines each."""
    return [_layout(caption, max_chars) for caption in _keep_phrases(_captions(units, max_chars, lines),
                                                                         max_chars, lines)]


def segment_words(timings: WordTimings, max_chars: int = 32, lines: int = 2,
                  min_duration: float = 0.8) -> CaptionTrack:
    """Pack word timings into captions (see the module docstring for the rules)."""
    check_packing(max_chars, lines, min_duration)
    groups = _pack(_units(list(timings.words)), max_chars, lines)
    return assemble(groups, timings.duration, min_duration,
                    lambda line: " ".join(u.text for u in line), lambda unit: list(unit.words))
