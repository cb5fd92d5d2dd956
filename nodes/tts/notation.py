"""Scientific notation and powers read as words: "1e6" -> "one times ten to the power of six", "10^3" ->
"ten cubed", "x²" -> "x squared".

Without this "1e6" stayed as written (an engine spells it, or guesses) and "10^3" became "ten^three". It
runs before the other number rules, so the exponent is never read as a number of its own.
"""

from __future__ import annotations

import re

from nodes.tts.numbers import cardinal, decimal

_SIGNED = r"[-\u2212]?\d{1,3}"
_MANTISSA = r"[-\u2212]?\d+(?:\.\d+)?"
_SCIENTIFIC = re.compile(rf"(?<![\w.])({_MANTISSA})[eE]([-\u2212+]?\d{{1,3}})(?![\w.]|\.\d)")
_TIMES_TEN = re.compile(rf"(?<![\w.])({_MANTISSA}) ?[x\u00d7*\u00b7] ?10 ?\^ ?({_SIGNED})(?![\w.]|\.\d)")
# A number, or a letter or two standing alone (x^2, m², cm³), raised to a power.
_POWER = re.compile(rf"(?<![\w.])(\d+(?:\.\d+)?|[A-Za-z]{{1,2}}) ?\^ ?({_SIGNED})(?![\w.]|\.\d)")
_SUPERSCRIPT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?|[A-Za-z]{1,2})([\u00b2\u00b3])(?![\w])")
_SUPERSCRIPTS = {"\u00b2": "2", "\u00b3": "3"}


def _number(text: str) -> str:
    return ("minus " if text[0] in "-\u2212" else "") + decimal(text.lstrip("-\u2212"))


def _power(text: str) -> str:
    return f"to the power of {cardinal(int(text.replace(chr(0x2212), '-').lstrip('+')))}"


def _exponent(text: str) -> str:
    """A square or a cube is said so ("x squared"); other powers in full."""
    return {"2": "squared", "3": "cubed"}.get(text, _power(text))


def _times_ten(mantissa: str, exponent: str) -> str:
    return f"{_number(mantissa)} times ten {_power(exponent)}"  # always in full: "ten cubed" hides the form


def _base(text: str) -> str:
    return decimal(text) if text[0].isdigit() else text


def read_notation(text: str) -> str:
    """``text`` with numbers in scientific notation and powers spoken."""
    text = _SCIENTIFIC.sub(lambda m: _times_ten(m.group(1), m.group(2)), text)
    text = _TIMES_TEN.sub(lambda m: _times_ten(m.group(1), m.group(2)), text)
    text = _POWER.sub(lambda m: f"{_base(m.group(1))} {_exponent(m.group(2))}", text)
    return _SUPERSCRIPT.sub(lambda m: f"{_base(m.group(1))} {_exponent(_SUPERSCRIPTS[m.group(2)])}", text)
