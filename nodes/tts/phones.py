"""Phone numbers written with a country code, an area code in brackets, or dots, read group by group.

They are read before any other number rule: "+1 555 123 4567" was read as four cardinals ("five hundred
fifty-five ..."), "(555) 123-4567" as an amount in brackets and a range ("one hundred twenty-three to four
thousand ..."), "555.123.4567" as a version. Each group is read digit by digit and the groups are parted
with commas, as the hyphenated "555-1234" already is; a country code is said as a number ("plus forty-four").
"""

from __future__ import annotations

import re

from nodes.tts.numbers import cardinal, digits

_INTERNATIONAL = re.compile(r"(?<![\w+])\+(\d{1,3})((?:[ .-]?(?:\(\d{1,4}\)|\d{1,5})){2,6})(?![\w]|[.,-]\d)")
_NATIONAL = re.compile(r"(?<![\w(])\(\d{3}\) ?\d{3}[ .-]\d{4}(?![\w]|[.,-]\d)"  # (555) 123-4567
                       r"|(?<![\w.])\d{3}\.\d{3}\.\d{4}(?![\w]|[.,]\d)")  # 555.123.4567
_GROUP = re.compile(r"\d+")
_DIGITS_IN_A_NUMBER = range(6, 15)  # after the country code: shorter is a list of numbers, longer no phone


def _groups(text: str) -> str:
    return ", ".join(digits(group) for group in _GROUP.findall(text))


def _international(m: re.Match[str]) -> str:
    if len("".join(_GROUP.findall(m.group(2)))) not in _DIGITS_IN_A_NUMBER:
        return m.group(0)
    return f"plus {cardinal(int(m.group(1)))}, {_groups(m.group(2))}"


def read_phone_numbers(text: str) -> str:
    """``text`` with international numbers, numbers with a bracketed area code and dotted numbers read."""
    text = _INTERNATIONAL.sub(_international, text)
    return _NATIONAL.sub(lambda m: _groups(m.group(0)), text)
