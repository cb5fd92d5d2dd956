"""Sentence-level caption packing, for languages other than English and for phrase-level timings.

The rules, in the order they apply:

1. Pieces. The text of every timed word is cut into pieces: a space-separated word is one piece, and in
   scripts written without spaces (Chinese, Japanese, Thai...) every character (grapheme cluster) is one.
   A run of other characters inside such text (``Python`` in ``我用Python``) stays one piece. Closing
   punctuation (and, for Japanese, small kana and the long-vowel mark, which never start a line) joins the
   piece before it, keeping a space written before it as a no-break space (French "Bonjour !"); opening
   punctuation joins the piece after it.
2. Times. A word's time span is shared out among its pieces in proportion to their characters
   (punctuation counts zero), so a whole sentence timed as one span is split by characters, and real
   per-word or per-character timings are kept as they are.
3. Lines. Pieces fill a line greedily within ``max_chars`` display columns (wide characters count two);
   pieces are joined by a space only where the text had one. A piece wider than a line stands alone.
   A caption holds at most ``lines`` lines.
4. Captions. Every sentence starts a new caption, and so does a silence of ``PAUSE_BREAK`` seconds.
5. Timing: see ``cue_timing.py``. Captions never overlap. ``Segment.words`` holds the pieces with their
   times (one entry per piece, so a highlight can follow them character by character in CJK).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from nodes.captions.cue_timing import PAUSE_BREAK, assemble, check_packing
from nodes.captions.language import breaks_anywhere, graphemes
from nodes.captions.segment import CLOSING, OPENING, ends_sentence, text_width
from nodes.formats import CaptionTrack, Word, WordTimings

# Japanese characters that must not start a line: they join the character before them.
_NO_LINE_START = frozenset("ーぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ々〻゛゜ヽヾゝゞ・")
_JOINS_BEFORE = CLOSING | _NO_LINE_START


@dataclass
class Piece:
    """The smallest text a caption line is built from, with its share of the spoken time."""

    text: str
    start: float
    end: float
    space_before: bool


def _runs(chunk: str) -> list[str]:
    """A space-free chunk cut at every character of a no-space script; other runs stay whole."""
    runs: list[str] = []
    whole = False  # whether the last run may grow (a run of spaced-script characters)
    for cluster in graphemes(chunk):
        if breaks_anywhere(cluster[0]):
            runs.append(cluster)
            whole = False
        elif whole:
            runs[-1] += cluster
        else:
            runs.append(cluster)
            whole = True
    return runs


def _weight(text: str) -> int:
    return sum(1 for ch in text if not unicodedata.category(ch).startswith(("P", "M", "Z", "C")))


def _spaced(left: str, right: str) -> bool:
    """Whether two words side by side are separated by a space when shown."""
    return not (breaks_anywhere(left[-1]) or breaks_anywhere(right[0]))


def _raw_pieces(words: list[Word]) -> list[Piece]:
    """Every word's runs with interpolated times, before punctuation is attached."""
    pieces: list[Piece] = []
    for word in words:
        chunks = word.text.split()
        runs = [(run, j == 0) for chunk in chunks for j, run in enumerate(_runs(chunk))]
        if not runs:
            continue
        weights = [_weight(run) for run, _ in runs]
        if not sum(weights):
            weights = [1] * len(runs)
        total, done = sum(weights), 0
        span = max(0.0, word.end - word.start)
        for k, ((run, opens_chunk), weight) in enumerate(zip(runs, weights, strict=True)):
            start = word.start + span * done / total
            done += weight
            end = word.start + span * done / total
            if k == 0:
                space = bool(pieces) and _spaced(pieces[-1].text, run)
            else:
                space = opens_chunk
            pieces.append(Piece(run, start, end, space))
    return pieces


def pieces_of(words: list[Word]) -> list[Piece]:
    """The pieces of ``words`` with punctuation attached (rules 1 and 2 of the module docstring)."""
    pieces: list[Piece] = []
    pending: Piece | None = None  # opening punctuation (or leading closing) waiting for the next piece
    for piece in _raw_pieces(words):
        chars = set(piece.text)
        if chars <= _JOINS_BEFORE and pieces and pending is None:
            spaced = piece.space_before and chars <= CLOSING and not breaks_anywhere(pieces[-1].text[-1])
            pieces[-1].text += ("\u00a0" if spaced else "") + piece.text  # no break: "Bonjour !" stays one
            pieces[-1].end = max(pieces[-1].end, piece.end)
        elif chars <= OPENING | _JOINS_BEFORE:
            pending = piece if pending is None else Piece(pending.text + piece.text, pending.start,
                                                          max(pending.end, piece.end), pending.space_before)
        else:
            if pending is not None:
                piece = Piece(pending.text + piece.text, min(pending.start, piece.start),
                              max(pending.end, piece.end), pending.space_before)
                pending = None
            pieces.append(piece)
    if pending is not None:  # trailing opening punctuation: keep it with the last piece
        if pieces:
            pieces[-1].text += pending.text
            pieces[-1].end = max(pieces[-1].end, pending.end)
        else:
            pieces.append(pending)
    return pieces


def units(text: str) -> list[str]:
    """The unbreakable pieces ``text`` is made of (what a caption line can be cut between)."""
    return [p.text for p in pieces_of([Word(text=text, start=0, end=0)])]


def _pack(pieces: list[Piece], max_chars: int, lines: int) -> list[list[list[Piece]]]:
    captions: list[list[list[Piece]]] = []
    current: list[list[Piece]] = []
    line_width = 0
    for i, piece in enumerate(pieces):
        width = text_width(piece.text)
        gap = 1 if piece.space_before else 0
        if current and (ends_sentence(pieces[i - 1].text) or piece.start - pieces[i - 1].end >= PAUSE_BREAK):
            captions.append(current)
            current = []
        if not current:
            current, line_width = [[piece]], width
        elif line_width + gap + width <= max_chars:
            current[-1].append(piece)
            line_width += gap + width
        elif len(current) < lines:
            current.append([piece])
            line_width = width
        else:
            captions.append(current)
            current, line_width = [[piece]], width
    if current:
        captions.append(current)
    return captions


def join_line(pieces: list[Piece]) -> str:
    """One caption line: pieces joined, with a space only where the text had one."""
    return "".join((" " if p.space_before and i else "") + p.text for i, p in enumerate(pieces))


def segment_sentences(timings: WordTimings, max_chars: int = 32, lines: int = 2,
                      min_duration: float = 0.8) -> CaptionTrack:
    """Pack word timings into sentence-level captions (see the module docstring for the rules)."""
    check_packing(max_chars, lines, min_duration)
    groups = _pack(pieces_of(list(timings.words)), max_chars, lines)
    return assemble(groups, timings.duration, min_duration, join_line,
                    lambda p: [Word(text=p.text, start=p.start, end=p.end)])
