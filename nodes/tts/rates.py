"""Units divided by a unit, read with "per": "5 m/s" -> "5 metres per second", "3 kg/m" -> "3 kilograms per metre".

The unit table (units.py) knows whole symbols such as "km/h"; any other pair was left as written ("five
m/s"). The number stays digits for the number passes, as units.py leaves it.
"""

from __future__ import annotations

import re

from nodes.tts.units import UNITS

_PER = {"s": "second", "h": "hour", "min": "minute", "hr": "hour", "d": "day"} | {
    symbol: one for symbol, (one, _) in UNITS.items() if "/" not in symbol and symbol != "\u00b0"}
_TOP = "|".join(re.escape(s) for s in sorted((s for s in UNITS if "/" not in s), key=len, reverse=True))
_BOTTOM = "|".join(re.escape(s) for s in sorted(_PER, key=len, reverse=True))
_RATE = re.compile(rf"(?<![\w.])(-?(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?)\s?({_TOP})/({_BOTTOM})(?![\w/])")


def _rate(m: re.Match[str]) -> str:
    one, many = UNITS[m.group(2)]
    return f"{m.group(1)} {one if m.group(1) == '1' else many} per {_PER[m.group(3)]}"


def read_rates(text: str) -> str:
    """``text`` with every "unit/unit" after a number read with "per"."""
    return _RATE.sub(_rate, text)
