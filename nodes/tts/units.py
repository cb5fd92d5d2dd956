"""Units of measure after a number, read as words: "3.5GHz" -> "3.5 gigahertz", "72°F" -> "72 degrees
Fahrenheit".

Only the unit is rewritten; the number stays digits for the number passes that follow, so ranges and
decimals read the same with or without a unit. One is singular ("1 kg" -> "one kilogram"), and so is a
measure used as an adjective after an article ("a 6 ft fence" -> "a six foot fence"). Symbols that are
also words or other things are left alone: "in", a bare "m" ("5m" may be millions), a bare "s".
"""

from __future__ import annotations

import re

# symbol -> (singular, plural). British spelling of metric units, as the rest of the text normaliser.
UNITS: dict[str, tuple[str, str]] = {
    "km/h": ("kilometre per hour", "kilometres per hour"), "kph": ("kilometre per hour", "kilometres per hour"),
    "mph": ("mile per hour", "miles per hour"),
    "km": ("kilometre", "kilometres"), "cm": ("centimetre", "centimetres"), "mm": ("millimetre", "millimetres"),
    "m": ("metre", "metres"),  # only with a space: "25 m"
    "mi": ("mile", "miles"), "ft": ("foot", "feet"), "yd": ("yard", "yards"),
    "kg": ("kilogram", "kilograms"), "g": ("gram", "grams"), "mg": ("milligram", "milligrams"),
    "lb": ("pound", "pounds"), "lbs": ("pound", "pounds"), "oz": ("ounce", "ounces"),
    "ml": ("millilitre", "millilitres"), "mL": ("millilitre", "millilitres"), "L": ("litre", "litres"),
    "GHz": ("gigahertz", "gigahertz"), "MHz": ("megahertz", "megahertz"), "kHz": ("kilohertz", "kilohertz"),
    "Hz": ("hertz", "hertz"),
    "TB": ("terabyte", "terabytes"), "GB": ("gigabyte", "gigabytes"), "MB": ("megabyte", "megabytes"),
    "KB": ("kilobyte", "kilobytes"), "kB": ("kilobyte", "kilobytes"),
    "Gbps": ("gigabit per second", "gigabits per second"), "Mbps": ("megabit per second", "megabits per second"),
    "kWh": ("kilowatt hour", "kilowatt hours"), "kW": ("kilowatt", "kilowatts"), "W": ("watt", "watts"),
    "V": ("volt", "volts"), "mAh": ("milliamp hour", "milliamp hours"),
    "fps": ("frames per second", "frames per second"), "rpm": ("RPM", "RPM"),
    "ms": ("millisecond", "milliseconds"), "hrs": ("hour", "hours"), "hr": ("hour", "hours"),
    "min": ("minute", "minutes"), "sec": ("second", "seconds"),
    "\u00b0C": ("degree Celsius", "degrees Celsius"), "\u00b0F": ("degree Fahrenheit", "degrees Fahrenheit"),
    "\u00b0": ("degree", "degrees"),
}
_SPACED_ONLY = frozenset({"m"})
_SYMBOLS = "|".join(re.escape(symbol) for symbol in sorted(UNITS, key=len, reverse=True))
_MEASURE = re.compile(
    rf"(?P<article>\b(?:[Aa]n?)\s+)?(?P<number>-?(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?)(?P<space>\s?)"
    rf"(?P<unit>{_SYMBOLS})(?![\w/\u00b0])")


def _measure(m: re.Match[str]) -> str:
    unit = m.group("unit")
    if unit in _SPACED_ONLY and not m.group("space"):
        return m.group(0)
    one, many = UNITS[unit]
    single = bool(m.group("article")) or m.group("number") == "1"
    return f"{m.group('article') or ''}{m.group('number')} {one if single else many}"


def read_units(text: str) -> str:
    """``text`` with every unit after a number written out (the number itself is left as digits)."""
    return _MEASURE.sub(_measure, text)
