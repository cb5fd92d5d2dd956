"""A small text normaliser: rewrites the few forms the phonemizer reads badly or out of order.

What comes out is what is spoken and what the captions show, so every rewrite must read naturally as
caption text too ("$40" becomes "40 dollars": the phonemizer would say "dollar forty").
"""

from __future__ import annotations

import re

_NUMBER = r"\d{1,3}(?:,\d{3})+|\d+"
_DOLLARS = re.compile(rf"\$({_NUMBER})(?:\.(\d+))?(?:\s+(thousand|million|billion|trillion)\b)?(?![\d.,]*\d)")
_PERCENT = re.compile(r"(\d(?:[\d,]*\d)?(?:\.\d+)?)\s?%")
_AMPERSAND = re.compile(r"(?<=\s)&(?=\s)")
_SPACES = re.compile(r"[ \t\f\v\u00a0]+")


def _dollars(match: re.Match[str]) -> str:
    """Dollar amounts in words: $40 -> 40 dollars, $3.50 -> 3 dollars 50 cents,
    $2.5 million -> 2.5 million dollars."""
    whole, fraction, scale = match.group(1), match.group(2), match.group(3)
    if scale:
        number = f"{whole}.{fraction}" if fraction else whole
        return f"{number} {scale} dollars"
    if fraction is not None and len(fraction) != 2:
        return f"{whole}.{fraction} dollars"
    unit = "dollar" if whole == "1" else "dollars"
    if not fraction or fraction == "00":
        return f"{whole} {unit}"
    cent_unit = "cent" if fraction == "01" else "cents"
    return f"{whole} {unit} {int(fraction)} {cent_unit}"


def normalize(text: str) -> str:
    """Rewrite currency, percentages and '&' into words; tidy spaces (newlines are kept for paragraphs)."""
    text = _DOLLARS.sub(_dollars, text)
    text = _PERCENT.sub(r"\1 percent", text)
    text = _AMPERSAND.sub("and", text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n"))
    return "\n".join(lines).strip()
