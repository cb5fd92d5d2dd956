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


def as_name(text: str) -> str:
    """A number used as a name, read in pairs: "911" -> "nine eleven", "101" -> "one oh one", "1080" ->
    "ten eighty", "66" -> "sixty-six" (flights, rooms, models, screen sizes)."""
    if len(text) <= 2 or len(text) > 4 or text[0] == "0":
        return digits(text) if text[0] == "0" and len(text) > 1 else cardinal(int(text))
    if len(text) == 4:
        return cardinal(int(text)) if text.endswith("000") else year(int(text))
    head, tail = text[0], text[1:]
    if tail == "00":
        return cardinal(int(text))
    return f"{_ONES[int(head)]} " + (f"oh {_ONES[int(tail[1])]}" if tail[0] == "0" else _below_hundred(int(tail)))


_FRACTION_NAMES = {2: ("half", "halves"), 4: ("quarter", "quarters")}


def fraction(numerator: int, denominator: int) -> str:
    """3/4 -> "three quarters", 1/2 -> "one half", 5/8 -> "five eighths"."""
    one, many = _FRACTION_NAMES.get(denominator, (ordinal(denominator), ordinal(denominator) + "s"))
    return f"{cardinal(numerator)} {one if numerator == 1 else many}"


_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def roman(text: str) -> int | None:
    """The value of a Roman numeral written the canonical way ("XIV" -> 14), else None ("IIII", "VX")."""
    if not text or any(ch not in _ROMAN for ch in text):
        return None
    total = 0
    for i, ch in enumerate(text):
        value = _ROMAN[ch]
        total += -value if i + 1 < len(text) and _ROMAN[text[i + 1]] > value else value
    return total if 0 < total < 4000 and to_roman(total) == text else None


def to_roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                           (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        count, n = divmod(n, value)
        out += letters * count
    return out


def title_case(words: str) -> str:
    """ "fifty-eight" -> "Fifty-Eight": a number that is part of a name is written like one."""
    return " ".join("-".join(part[:1].upper() + part[1:] for part in word.split("-")) for word in words.split(" "))
