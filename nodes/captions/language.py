"""What the script and language of a text mean for caption packing.

Chinese, Japanese, Thai, Lao, Khmer and Myanmar are written without spaces between words, so their
captions may break between any two characters (grapheme clusters, so a Thai vowel sign or an emoji
modifier never leaves its base). Korean (Hangul) is spaced and breaks at spaces, but like the others it
gets sentence-level captions. ``packing_mode`` decides between the word packer (any spaced language whose
timings are per word) and the sentence packer (scripts without spaces, and timings that cover phrases).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from nodes.formats import WordTimings

Mode = Literal["words", "sentences"]

LANGUAGE_PATTERN = r"^(auto|[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*)$"
_LANGUAGE = re.compile(LANGUAGE_PATTERN)
_WORD_LANGUAGES = frozenset({"en"})  # languages whose captions are packed word by word, whatever the timings
# Languages written without spaces between words (and Korean): captions by sentence, cut per character.
_SENTENCE_LANGUAGES = frozenset({"ja", "zh", "yue", "wuu", "th", "lo", "km", "my", "ko", "bo", "dz"})

# Code point ranges (inclusive) of scripts written without spaces between words.
_NO_SPACE = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF), (0x19E0, 0x19FF),  # Khmer
    (0x2E80, 0x2FDF),  # CJK radicals
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3040, 0x30FF), (0x31F0, 0x31FF),  # Hiragana, Katakana
    (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),  # Han
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # full-width and half-width forms
    (0x20000, 0x3134F),  # Han extensions
)
_HANGUL = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7AF))
_ZWJ = "\u200d"


def _within(ch: str, ranges: tuple[tuple[int, int], ...]) -> bool:
    cp = ord(ch)
    return any(low <= cp <= high for low, high in ranges)


def breaks_anywhere(ch: str) -> bool:
    """Whether ``ch`` belongs to a script written without spaces (a line may break before or after it)."""
    return _within(ch, _NO_SPACE)


def is_cjk_like(ch: str) -> bool:
    """Whether ``ch`` is a letter of a script that gets sentence-level captions when detected."""
    return _within(ch, _NO_SPACE) or _within(ch, _HANGUL)


def graphemes(text: str) -> list[str]:
    """``text`` cut into user-perceived characters: combining marks, variation selectors, emoji modifiers
    and zero-width-joiner sequences stay with their base; regional indicators pair into flags."""
    clusters: list[str] = []
    for ch in text:
        if clusters and _extends(clusters[-1], ch):
            clusters[-1] += ch
        else:
            clusters.append(ch)
    return clusters


def _extends(cluster: str, ch: str) -> bool:
    cp = ord(ch)
    if unicodedata.category(ch) in ("Mn", "Mc", "Me") or ch == _ZWJ or cluster.endswith(_ZWJ):
        return True
    if 0x1F3FB <= cp <= 0x1F3FF or 0xFE00 <= cp <= 0xFE0F or 0xE0020 <= cp <= 0xE007F:
        return True  # skin tones, variation selectors, tag sequences
    if 0x1F1E6 <= cp <= 0x1F1FF:  # a regional indicator completes a flag started by an odd one
        run = len(cluster) - len(cluster.rstrip("".join(chr(c) for c in range(0x1F1E6, 0x1F200))))
        return run % 2 == 1
    return False


def valid_language(language: str) -> bool:
    """``auto`` or a BCP-47-like tag (``en``, ``pt-BR``, ``zh_Hant``)."""
    return bool(_LANGUAGE.fullmatch(language))


def packing_mode(language: str, timings: WordTimings) -> Mode:
    """Which packer captions ``timings`` in ``language``.

    Word-level packing needs a time for every word: English, and every other language written with spaces
    between words, gets it when no timed "word" holds several words (Piper times every word in every
    language it speaks, Kokoro too); a timed phrase is split by the sentence packer, its time shared out
    by characters. Scripts without spaces (Chinese, Japanese, Thai...) and Korean are always sentence-level.
    ``auto`` also picks sentence-level when at least a quarter of the letters belong to CJK, Thai and
    similar scripts.
    """
    if not valid_language(language):
        raise ValueError(f"language must be 'auto' or a code such as 'en', 'ja', 'pt-BR'; got {language!r}")
    primary = re.split(r"[-_]", language.lower())[0]
    if primary in _WORD_LANGUAGES:
        return "words"
    if primary in _SENTENCE_LANGUAGES:
        return "sentences"
    letters = cjk = 0
    for word in timings.words:
        if sum(any(ch.isalnum() for ch in token) for token in word.text.split()) > 1:
            return "sentences"
        if primary != "auto":
            continue
        for ch in word.text:
            if ch.isalpha():
                letters += 1
                cjk += is_cjk_like(ch)
    return "sentences" if letters and 4 * cjk >= letters else "words"
