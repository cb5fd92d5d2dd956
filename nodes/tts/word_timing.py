"""Word timings: which words a script has, and how spoken spans or a speech span become their times.

A script word is a whitespace-separated token; a token with no letter or digit (a dash, an ellipsis, a lone
quote) is punctuation and is glued to its neighbour, so punctuation never becomes a word of its own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from nodes.formats import Word

Span = tuple[float, float]

# Words joined by a dash with no spaces ("teams\u2014engineers") are two words, said and captioned apart; so
# are the clauses of text written without spaces (Chinese, Japanese), so that timings shared out by size
# spread them over the whole recording rather than placing one long "word".
_OPENING = frozenset("([{\u00ab\u2039\u201c\u2018\u201e\u201a\u00bf\u00a1\u300c\u300e\uff08\u3010\u3014\u300a\u3008")
_OPENING_TIGHT = _OPENING - {"\u00ab", "\u2039"}  # French guillemets keep their space: "« bien »"
_AFTER_DASH = re.compile(r"(?<=[\u2014\u2013])(?=\w)|(?<=[\u3002\uff01\uff1f\u3001\uff0c\uff1b\uff1a])(?=\w)")


def is_punctuation(token: str) -> bool:
    return not any(ch.isalnum() for ch in token)


def script_words(text: str) -> list[str]:
    """The words of ``text`` with their punctuation attached ("Wait \u2014 what?" -> ["Wait \u2014", "what?"]).

    A token without letters or digits joins the word before it, or the word after it when it opens
    (``«`` ``(`` ``¿``) or nothing comes before, keeping the space it was written with, so a lone "-" or
    "#", French "Bonjour !" and an emoji show as written. ``" ".join(script_words(t))`` differs from ``t``
    only in spacing.
    """
    words: list[str] = []
    leading = ""
    for chunk in text.split():
        for k, token in enumerate(_AFTER_DASH.split(chunk)):
            space = " " if k == 0 else ""
            if not is_punctuation(token):
                words.append(leading + token)
                leading = ""
            elif words and not leading and not set(token) <= _OPENING:
                words[-1] += space + token
            else:
                leading += token + (" " if k == 0 and not set(token) <= _OPENING_TIGHT else "")
    if leading and words:
        words[-1] += " " + leading.rstrip()
    return words


def weight(word: str) -> int:
    """How long a word roughly takes to say, in letters and digits (at least 1)."""
    return max(1, sum(ch.isalnum() for ch in word))


def proportional(words: Sequence[str], start: float, end: float,
                 sizes: Sequence[float] | None = None) -> list[Span]:
    """Share [start, end] among ``words`` back to back, each in proportion to its size (by default its
    character count)."""
    weights = [max(1e-9, float(x)) for x in sizes] if sizes is not None else [float(weight(w)) for w in words]
    total = sum(weights)
    spans: list[Span] = []
    at = 0.0
    for x in weights:
        a = start + (end - start) * at / total
        at += x
        spans.append((a, start + (end - start) * at / total))
    return spans


def fit(words: Sequence[str], spoken: Sequence[Span], speech: Span,
        word_sizes: Sequence[float] | None = None, spoken_sizes: Sequence[float] | None = None) -> list[Span]:
    """Times for ``words`` from what the engine says it spoke.

    One spoken span per word: use them as they are. Otherwise, when the engine can tell how big each word
    and each spoken word is (phoneme counts), match them up with ``group`` (the engine merged "of the" into
    one spoken word, or spoke "3/14/2024" as seven). With neither, share the speech span out in proportion
    to characters.
    """
    if spoken and len(spoken) == len(words):
        return list(spoken)
    if spoken and word_sizes is not None and spoken_sizes is not None:
        spans: list[Span] = []
        at = speech[0]
        for word_range, spoken_range in group(word_sizes, spoken_sizes):
            if not word_range:
                continue
            if spoken_range:
                at = spoken[spoken_range.start][0]
                span = (at, spoken[spoken_range.stop - 1][1])
            else:
                span = (at, at)  # a word with nothing spoken for it: zero length where it would be
            spans.extend(proportional([words[i] for i in word_range], *span,
                                      sizes=[word_sizes[i] for i in word_range]))
            at = span[1]
        return spans
    return proportional(words, *speech)


# The largest groups ``group`` considers: several script words spoken as one, or one spoken as several.
MAX_MERGE = 3
MAX_SPLIT = 8
_STEP_PENALTY = 0.75


def group(word_sizes: Sequence[float], spoken_sizes: Sequence[float]) -> list[tuple[range, range]]:
    """Match script words to spoken words in order, as consecutive groups (1:1, n:1, 1:n, 1:0 or 0:1).

    Dynamic programming over prefixes; a group costs the difference of its sizes on both sides plus a small
    penalty for every word beyond one-to-one, so equal runs pair up and only real merges and splits group.
    """
    n, m = len(word_sizes), len(spoken_sizes)
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int]]] = [[(0, 0)] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    wsum = [0.0]
    for size in word_sizes:
        wsum.append(wsum[-1] + size)
    ssum = [0.0]
    for size in spoken_sizes:
        ssum.append(ssum[-1] + size)
    moves = [(a, 1) for a in range(0, MAX_MERGE + 1)] + [(1, b) for b in range(0, MAX_SPLIT + 1) if b != 1]
    for i in range(n + 1):
        for j in range(m + 1):
            if i == 0 and j == 0:
                continue
            best, step = inf, (0, 0)
            for a, b in moves:
                if a > i or b > j or cost[i - a][j - b] == inf:
                    continue
                extra = abs(a - 1) + abs(b - 1)
                c = cost[i - a][j - b] + abs((wsum[i] - wsum[i - a]) - (ssum[j] - ssum[j - b])) \
                    + _STEP_PENALTY * extra
                if c < best:
                    best, step = c, (a, b)
            cost[i][j], back[i][j] = best, step
    groups: list[tuple[range, range]] = []
    i, j = n, m
    while i or j:
        a, b = back[i][j]
        groups.append((range(i - a, i), range(j - b, j)))
        i, j = i - a, j - b
    groups.reverse()
    return groups


def tidy(words: Sequence[str], spans: Sequence[Span], duration: float) -> list[Word]:
    """Words with times rounded to the millisecond, inside [0, duration], monotonic, never overlapping."""
    out: list[Word] = []
    floor = 0.0
    limit = round(duration, 3)
    for text, (start, end) in zip(words, spans, strict=True):
        s = min(max(round(start, 3), floor), limit)
        e = min(max(round(end, 3), s), limit)
        out.append(Word(text=text, start=s, end=e))
        floor = e
    return out
