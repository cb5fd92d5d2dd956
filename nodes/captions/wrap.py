"""Fitting caption lines into the frame's safe width without changing the font size.

The packers choose lines by character count; the burned-in lines are measured with the real font, and a
caption with a line wider than the safe width is re-wrapped into even lines: at spaces first, then after
hyphens and dashes inside a long word ("state-of-the-" / "art"), and only then between characters, adding
a hyphen where a word of a spaced script is cut ("Donaudampf-" / "schiff"; none in Chinese or Japanese);
no line ends on a function word when the next line has room for it. So one style keeps one size on every
caption (the size used to jump from cue to cue, and a long word shrank to a third).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from nodes.captions.language import breaks_anywhere, graphemes
from nodes.captions.segment import FUNCTION_WORDS

Width = Callable[[str], float]
_AFTER_HYPHEN = re.compile(r"(?<=[-\u2010\u2011\u2013\u2014/])(?=.)")


def fit_lines(lines: list[str], width: Width, available: float) -> list[str]:
    """``lines`` as they are when each fits in ``available`` (as measured by ``width``); otherwise the
    caption's words re-flowed into as few lines as fit, made as even as that number of lines allows (so a
    wrapped line leaves no lone word behind)."""
    if all(width(line) <= available for line in lines):
        return lines
    text = " ".join(lines)
    fewest = len(_wrap(text, width, available))
    narrow, wide = 0.0, available
    for _ in range(16):  # the narrowest width that still needs no more lines: balanced lines
        middle = (narrow + wide) / 2
        if len(_wrap(text, width, middle)) <= fewest:
            wide = middle
        else:
            narrow = middle
    return _keep_phrases(_wrap(text, width, wide), width, available)


def _keep_phrases(lines: list[str], width: Width, available: float) -> list[str]:
    """A line ending on a function word ("And the" / "harbour") hands it to the next line when that still
    fits, as the packers do."""
    for k in range(len(lines) - 1):
        words = lines[k].split(" ")
        while len(words) > 1 and words[-1].lower() in FUNCTION_WORDS \
                and width(f"{words[-1]} {lines[k + 1]}") <= available:
            lines[k + 1] = f"{words.pop()} {lines[k + 1]}"
        lines[k] = " ".join(words)
    return lines


def _wrap(line: str, width: Width, available: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in line.split(" "):
        for i, atom in enumerate(_AFTER_HYPHEN.split(word)):
            joined = current + (" " if i == 0 and current else "") + atom
            if width(joined) <= available:
                current = joined
                continue
            head, _, last = current.rpartition(" ")
            if i == 0 and head and last.lower() in FUNCTION_WORDS and width(f"{last} {atom}") <= available:
                lines.append(head)  # the function word goes with the word after it
                current = f"{last} {atom}"
                continue
            if current:
                lines.append(current)
            current = atom
            while width(current) > available:  # a piece wider than a line: cut between characters
                head, current = _cut(current, width, available)
                lines.append(head)
    if current:
        lines.append(current)
    return lines


def _cut(text: str, width: Width, available: float) -> tuple[str, str]:
    """The longest head of ``text`` (at least one character) that fits, with a hyphen when a word of a
    spaced script is cut, and the rest."""
    clusters = graphemes(text)
    best = 1
    for k in range(1, len(clusters)):
        if width("".join(clusters[:k]) + _hyphen(clusters, k)) > available:
            break
        best = k
    return "".join(clusters[:best]) + _hyphen(clusters, best), "".join(clusters[best:])


def _hyphen(clusters: list[str], k: int) -> str:
    before, after = clusters[k - 1][0], clusters[k][0] if k < len(clusters) else ""
    spaced = after and before.isalpha() and after.isalpha() and not (breaks_anywhere(before) or
                                                                      breaks_anywhere(after))
    return "-" if spaced else ""
