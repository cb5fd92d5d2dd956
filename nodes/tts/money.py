"""Amounts of money read as words: "$3.50" -> "three dollars and fifty cents", "5 €" -> "five euros".

A currency is known by its symbol or its ISO code, written before the amount or after it ("$5", "$ 5",
"5$", "CHF 20", "20 CHF", "12¢"), with a sign before either ("-$5", "$-5" -> "minus five dollars"). A
decimal comma is read as one where it cannot be a thousands separator: two digits after it ("€5,50"), or
after thousands written with dots ("€1.234,56"). The amount is spoken whole, so that no later number rule
reads the digits and leaves the symbol standing ("¥three hundred").
"""

from __future__ import annotations

import re

from nodes.tts.numbers import MAX_DIGITS, cardinal, decimal

# symbol or code -> (one, many, one hundredth, many hundredths); no hundredths: a fraction is read as a decimal.
_CURRENCIES: dict[str, tuple[str, str, str | None, str | None]] = {
    "$": ("dollar", "dollars", "cent", "cents"), "US$": ("US dollar", "US dollars", "cent", "cents"),
    "\u00a3": ("pound", "pounds", "penny", "pence"), "\u20ac": ("euro", "euros", "cent", "cents"),
    "\u00a5": ("yen", "yen", None, None), "\u20b9": ("rupee", "rupees", "paisa", "paise"),
    "\u00a2": ("cent", "cents", None, None), "\u20a9": ("won", "won", None, None),
    "\u20bd": ("rouble", "roubles", "kopeck", "kopecks"), "\u20ba": ("lira", "lira", "kurus", "kurus"),
    "USD": ("US dollar", "US dollars", "cent", "cents"), "EUR": ("euro", "euros", "cent", "cents"),
    "GBP": ("pound", "pounds", "penny", "pence"), "JPY": ("yen", "yen", None, None),
    "CNY": ("yuan", "yuan", None, None), "INR": ("rupee", "rupees", "paisa", "paise"),
    "CHF": ("Swiss franc", "Swiss francs", "centime", "centimes"),
    "CAD": ("Canadian dollar", "Canadian dollars", "cent", "cents"),
    "AUD": ("Australian dollar", "Australian dollars", "cent", "cents"),
}
_CODES = frozenset(code for code in _CURRENCIES if code.isalpha())
_SYMBOL = "|".join(re.escape(c) for c in sorted(_CURRENCIES, key=len, reverse=True))
_SYMBOL_ONLY = "|".join(re.escape(c) for c in sorted(_CURRENCIES, key=len, reverse=True) if c not in _CODES)
NUMBER = r"\d{1,3}(?:,\d{3})+|\d+"  # digits, with thousands commas (spoken_text.py too)
_SCALE = r"thousand|million|billion|trillion"
# An amount: "1,200.50", "1.234,56" and "5,50" (decimal commas), "40".
_AMOUNT = r"\d{1,3}(?:\.\d{3})+,\d{2}|\d+,\d{2}(?![\d,])|(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_SIGN = r"[-\u2212+]"

# Magnitude suffixes: "$5m", "\u00a31.2m", "$3bn", "\u00a320k", "$2B", "$1tn".
_MONEY_SUFFIX = re.compile(rf"({_SYMBOL_ONLY})((?:{NUMBER})(?:\.\d+)?)\s?(k|K|m|M|mn|bn|b|B|tn|T)(?![\w])")
_SUFFIX_SCALES = {"k": "thousand", "K": "thousand", "m": "million", "M": "million", "mn": "million",
                  "bn": "billion", "b": "billion", "B": "billion", "tn": "trillion", "T": "trillion"}
_PENCE = re.compile(r"(?<![\w.,])(\d+)p\b")
# "$5-10" and "$5-$10" become "$5 to $10".
DASH = r"(?:-|\s?[\u2013\u2014]\s?)"  # a range's dash: a touching hyphen, a dash spaced or not
_MONEY_RANGE = re.compile(rf"({_SYMBOL_ONLY})((?:{NUMBER})(?:\.\d+)?){DASH}(?:{_SYMBOL_ONLY})?(?=\d)")
# "3-5 €" becomes "3 € to 5 €", as "$5-10" does.
_RANGE_AFTER = re.compile(rf"(?<![\w.,])({_AMOUNT}){DASH}(?=(?:{_AMOUNT})(\s?)({_SYMBOL})(?![\w]))")
_BEFORE = re.compile(rf"(?<![\w.,])(?P<sign>{_SIGN}?)(?P<cur>{_SYMBOL})(?P<space>\s?)(?P<sign2>{_SIGN}?)"
                     rf"(?P<amount>{_AMOUNT})(?:\s+(?P<scale>{_SCALE})\b)?(?![\d.,]*\d)")
_AFTER = re.compile(rf"(?<![\w.,])(?P<sign>{_SIGN}?)(?P<amount>{_AMOUNT})(?![\d.,]*\d)(?:\s+(?P<scale>{_SCALE}))?"
                    rf"(?P<space>\s?)(?P<cur>{_SYMBOL})(?![\w])")


def _split(amount: str) -> tuple[str, str | None]:
    """The whole part without separators, and the digits after the decimal point or comma."""
    whole, comma, fraction = amount.rpartition(",")
    if comma and len(fraction) == 2 and fraction.isdigit():  # "5,50", "1.234,56": a decimal comma
        return whole.replace(".", ""), fraction
    whole, dot, fraction = amount.replace(",", "").partition(".")
    return whole, fraction if dot else None


def _spoken(currency: str, amount: str, scale: str | None) -> str:
    """$40 -> forty dollars, $3.50 -> three dollars and fifty cents, $2.5 million -> two point five million
    dollars."""
    one, many, sub_one, sub_many = _CURRENCIES[currency]
    whole, fraction = _split(amount)
    number = whole + ("." + fraction if fraction else "")
    if scale:
        return f"{decimal(number)} {scale} {many}"
    if (fraction is not None and (len(fraction) != 2 or sub_many is None)) or len(whole) > MAX_DIGITS:
        return f"{decimal(number)} {many}"
    units, hundredths = int(whole), int(fraction) if fraction else 0
    if units == 0 and hundredths:
        return f"{cardinal(hundredths)} {sub_one if hundredths == 1 else sub_many}"
    spoken = f"{cardinal(units)} {one if units == 1 else many}"
    if hundredths:
        spoken += f" and {cardinal(hundredths)} {sub_one if hundredths == 1 else sub_many}"
    return spoken


def _money(m: re.Match[str]) -> str:
    currency = m.group("cur")
    if currency in _CODES and not m.group("space"):
        return m.group(0)  # "USD50" or "50EUR" is more likely a code than an amount
    signs = m.group("sign") + (m.groupdict().get("sign2") or "")
    sign = "" if not signs else "plus " if signs == "+" else "minus " if len(signs) == 1 else None
    if sign is None:
        return m.group(0)
    return sign + _spoken(currency, m.group("amount"), m.group("scale"))


def read_money(text: str) -> str:
    """``text`` with every amount of money spoken: magnitudes ("$5m"), pence ("50p"), ranges ("$5-10")."""
    text = _MONEY_SUFFIX.sub(lambda m: f"{m.group(1)}{m.group(2)} {_SUFFIX_SCALES[m.group(3)]}", text)
    text = _PENCE.sub(lambda m: f"{m.group(1)} {'penny' if m.group(1) == '1' else 'pence'}", text)
    text = _MONEY_RANGE.sub(r"\1\2 to \1", text)
    text = _BEFORE.sub(_money, text)
    text = _RANGE_AFTER.sub(r"\1\2\3 to ", text)
    return _AFTER.sub(_money, text)
