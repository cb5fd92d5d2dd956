"""Numbers in English words: cardinals, ordinals, decimals and years, as a narrator would read them.

Every engine reads digits its own way (espeak says "3/14" as "three slash fourteen", Chatterbox guesses), so
the normaliser spells them out and the captions then show exactly the words that are spoken.
"""

from __future__ import annotations

_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
         "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SCALES = [(10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand")]
# Longer numbers (card numbers, IDs, a pasted digit string) are read digit by digit: nobody says
# "one quadrillion...", and Python refuses to convert strings of more than 4300 digits to int at all.
MAX_DIGITS = 15
_ORDINAL_IRREGULAR = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
                      "nine": "ninth", "twelve": "twelfth"}


def _below_hundred(n: int) -> str:
    if n < 20:
        return _ONES[n]
    tens, ones = divmod(n, 10)
    return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")


def _below_thousand(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    parts = [f"{_ONES[hundreds]} hundred"] if hundreds else []
    if rest or not hundreds:
        parts.append(_below_hundred(rest))
    return " ".join(parts)


def cardinal(n: int) -> str:
    """1200 -> "one thousand two hundred"; negative numbers get "minus"."""
    if n < 0:
        return "minus " + cardinal(-n)
    if n < 1000:
        return _below_thousand(n)
    parts: list[str] = []
    for size, name in _SCALES:
        if n >= size:
            count, n = divmod(n, size)
            parts.append(f"{cardinal(count)} {name}")
    if n:
        parts.append(_below_thousand(n))
    return " ".join(parts)


def ordinal(n: int) -> str:
    """22 -> "twenty-second"."""
    words = cardinal(n)
    head, sep, last = words.rpartition("-") if "-" in words.split(" ")[-1] else words.rpartition(" ")
    if last in _ORDINAL_IRREGULAR:
        last = _ORDINAL_IRREGULAR[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return f"{head}{sep}{last}"


def digits(text: str) -> str:
    """ "4711" -> "four seven one one": each digit on its own."""
    return " ".join(_ONES[int(d)] for d in text)


def decimal(text: str) -> str:
    """ "3.14" -> "three point one four"; "1,200" -> "one thousand two hundred"."""
    whole, _, fraction = text.replace(",", "").partition(".")
    spoken = digits(whole) if len(whole) > MAX_DIGITS else cardinal(int(whole or "0"))
    if fraction:
        spoken += " point " + digits(fraction)
    return spoken


def year(n: int) -> str:
    """1984 -> "nineteen eighty-four", 2005 -> "two thousand five", 2024 -> "twenty twenty-four"."""
    if n < 1000 or n >= 10000 or (2000 <= n < 2010):
        return cardinal(n)
    high, low = divmod(n, 100)
    if low == 0:
        return f"{_below_hundred(high)} hundred"
    if low < 10:
        return f"{_below_hundred(high)} oh {_ONES[low]}"
    return f"{_below_hundred(high)} {_below_hundred(low)}"
