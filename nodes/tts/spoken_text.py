"""Text normalisation: numbers, currency, dates, times and common abbreviations become the words spoken.

What comes out is what the engine says and what the captions show, so engines that read digits differently
(espeak says "3/14/2024" as "three slash fourteen slash...", "$40" as "dollar forty"; Chatterbox guesses)
all say the same words, and timings shared out by word length match the speech. Rewrites run from the most
specific pattern (a date, an amount of money) to the most general (a bare number).
"""

from __future__ import annotations

import re

from nodes.tts.addresses import read_addresses
from nodes.tts.money import DASH, NUMBER, read_money
from nodes.tts.names import read_codes, read_names
from nodes.tts.notation import read_notation
from nodes.tts.numbers import MAX_DIGITS, as_name, cardinal, decimal, digits, fraction, ordinal, year
from nodes.tts.phones import read_phone_numbers
from nodes.tts.rates import read_rates
from nodes.tts.units import read_units

_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]
_MONTH_ABBR = {m[:3].lower(): m for m in _MONTHS} | {"sept": "September"}
_MONTH_NAME = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|" \
              r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"

_PERCENT = re.compile(r"((?<![\w.,])[-\u2212+])?(\d(?:[\d,]*\d)?(?:\.\d+)?)\s?%")
_NUMERIC_DATE = re.compile(r"(?<![\w.,/:-])(\d{1,2})/(\d{1,2})/(\d{4})(?![\w]|[.,/:-]\d)")
_ISO_DATE = re.compile(r"(?<![\w.,/:-])(\d{4})-(\d{2})-(\d{2})(?![\w]|[.,/:-]\d)")  # not inside a serial
_DAY = r"(0?[1-9]|[12]\d|3[01])"  # a day of the month, never part of a longer number ("March 0.5")
_MONTH_DAY = re.compile(rf"\b({_MONTH_NAME})\s+{_DAY}(?:st|nd|rd|th)?\b(?![.,:-]\d)(?:,?\s+(\d{{4}})\b(?![.,/:-]\d))?")
_DAY_MONTH = re.compile(rf"(?<![\d.,:])\b{_DAY}(?:st|nd|rd|th)?\s+({_MONTH_NAME})(?:,?\s+(\d{{4}})\b(?![.,/:-]\d))?")
# Clock times with AM or PM ("7:00 PM", "5pm", "10:45 a.m."), and ranges of them ("9am-5pm", "9-5pm").
_AM_PM = r"\s?([AaPp])\.?\s?[Mm](\.?)(?![\w])"
_AM_PM_TIME = re.compile(rf"(?<![\w.,:])(\d{{1,2}})(?::(\d{{2}}))?{_AM_PM}")
_AM_PM_RANGE = re.compile(r"(?<![\w.,:])(\d{1,2}(?::\d{2})?(?:\s?[AaPp]\.?\s?[Mm]\.?)?)\s?[-\u2013]\s?"
                          r"(?=\d{1,2}(?::\d{2})?\s?[AaPp]\.?\s?[Mm]\b)")
# Slashes between numbers: idioms ("24/7"), fractions ("3/4", "1 1/2") and scores ("9/10").
_IDIOMS = {"24/7": "twenty-four seven", "9/11": "nine eleven", "50/50": "fifty-fifty", "20/20": "twenty-twenty",
           "7/11": "seven eleven", "4/20": "four twenty", "60/40": "sixty-forty"}
_SLASHED = re.compile(r"(?<![\w.,/:-])(?:(\d{1,2}) )?(\d{1,3})/(\d{1,3})(?![\w]|[.,/:-]\d)(?=( of\b)?)")
_RATIO = re.compile(r"(?<![^\s(])(\d+):(\d)(?!\d|[.,:]\d)")
_FEET_INCHES = re.compile(r"(?<![\w.])(\d{1,2})['\u2032\u2019](\d{1,2})(?:\"|\u2033|''|\u201d)")
_PLUS = re.compile(r"(?<=\d)\+(?=\s|$|[.,;:!?)])")
_TIMES = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)x(?![\w])")
_BY = re.compile(r"(?<![\w.])(\d{1,4}) ?[x\u00d7] ?(\d{1,4})(?![\w]|[.,]\d)")
_EARLY_YEAR = re.compile(r"\b((?:[Ii]n|[Ss]ince|[Uu]ntil|AD|[Yy]ear)\s+)(1[01]\d\d)(?!\d|[.,-]\d)")
_CLOCK = re.compile(r"\b(\d{1,2}):(\d{2})(?::(\d{2}))?\b(?!:\d)")
# Ranges are read with "to": times ("5:30-6:00"), days of a month ("March 3-5"), numbers ("5-10 minutes",
# "pages 10–20", "5-10%"), years ("1990-2000", "2019-21"), ordinals ("21st-22nd") and decades ("1980s-90s").
# A hyphen must touch both sides; a dash may be spaced. A phone number ("555-1234", "(212) 555-1234") or
# another run of three or more hyphenated groups (an ISBN) is read digit by digit instead (phones.py reads
# those with a country code or an area code in brackets).
_CLOCK_RANGE = re.compile(rf"\b(\d{{1,2}}:\d{{2}}){DASH}(?=\d{{1,2}}:\d{{2}}\b)")
_WORD_RANGE = re.compile(rf"\b(\d+(?:st|nd|rd|th)|\d{{1,3}}0s){DASH}(?=(?:\d+(?:st|nd|rd|th)|\d{{1,3}}0s)\b)")
_MONTH_DAY_RANGE = re.compile(rf"\b({_MONTH_NAME})\s+{_DAY}(?:st|nd|rd|th)?{DASH}{_DAY}(?:st|nd|rd|th)?\b"
                              rf"(?![.,:-]\d)(?:,?\s+(\d{{4}})\b(?![.,/:-]\d))?")
_PHONE = re.compile(r"(?<![\w.,/:-])(?:\d{3}-)?[2-9]\d{2}-\d{4}(?![\w]|[.,/:-]\d)"
                    r"|(?<![\w.,/:-])\d+(?:-\d+){2,}(?![\w]|[.,/:-]\d)")  # and any serial: 978-3-16-148410-0
_RANGE = re.compile(rf"(?<![\w.,/:-])((?:{NUMBER})(?:\.\d+)?)(%?){DASH}((?:{NUMBER})(?:\.\d+)?)(%?)"
                    r"(?![\w]|[.,/:-]\d)")
_ORDINAL = re.compile(rf"\b(\d{{1,{MAX_DIGITS}}})(?:st|nd|rd|th)\b")
_DECADE = re.compile(r"['\u2019]?\b(\d{1,3})0s\b")  # 1990s, 90s, '90s
_YEAR = re.compile(r"(?<![\d,.-])(1[1-9]\d\d|20\d\d)(?!\d|[,.-]\d)")
# After a word's hyphen ("page-3") or an ellipsis ("...5") a number is read too.
_PLAIN_NUMBER = re.compile(rf"(?:(?<![\w.-])|(?<=[a-z]-)|(?<=\.\.\.)|(?<=\u2026))([-\u2212]?)({NUMBER})(\.\d+)?"
                           r"(?![\w]|[.,]\d)")
_POINT_NUMBER = re.compile(r"(?<![\w.,])\.(\d+)(?![\w]|[.,]\d)")  # ".5": the zero left out
# A decimal comma after thousands written with dots ("1.000,5") is no English number: it is rewritten
# as one ("1000.5") before a dotted number can be taken for a version.
_EUROPEAN = re.compile(r"(?<![\w.,])(\d{1,3}(?:\.\d{3})+),(\d+)(?![\w]|[.,]\d)")
_AMPERSAND = re.compile(r"(?<=\s)&(?=\s)")
_SPACES = re.compile(r"[ \t\f\v\u00a0]+")
# Numbers listed with commas and no spaces ("10,20", "1,2,3") that make no single number: each is read on
# its own (the plain-number pass would read only the last). A well-formed "1,200" is left to that pass.
_NUMBER_LIST = re.compile(r"(?<![\w.,/-])\d+(?:,\d+)+(?![\w]|[.,/-]\d)")
_ONE_NUMBER = re.compile(NUMBER)
_DIGIT_RUN = re.compile(r"\d+")

# Abbreviations read as words.
_ABBREVIATIONS = [
    (re.compile(r"\be\.g\.,?"), "for example,"),
    (re.compile(r"\bi\.e\.,?"), "that is,"),
    (re.compile(r"\bvs\.?(?=\s)"), "versus"),
    (re.compile(r"\betc\.(?=\s+[A-Z]|\s*$)"), "et cetera."),
    (re.compile(r"\betc\.?"), "et cetera"),
    (re.compile(r"\bapprox\.(?=\s)"), "approximately"),
    (re.compile(r"\bNo\.(?=\s*\d)"), "number"),
]


def _month(name: str) -> str:
    return _MONTH_ABBR[name.rstrip(".").lower()[:4] if name.lower().startswith("sept") else
                       name.rstrip(".").lower()[:3]]


def _date(month: str, day: str, year_text: str | None) -> str:
    spoken = f"{month} {ordinal(int(day))}"
    return f"{spoken}, {year(int(year_text))}" if year_text else spoken


def _numeric_date(m: re.Match[str]) -> str:
    """3/14/2024 is March; 25/12/2024 can only be day first (the twenty-fifth of December)."""
    month, day = int(m.group(1)), int(m.group(2))
    if 12 < month <= 31 and 1 <= day <= 12:
        return f"the {ordinal(month)} of {_MONTHS[day - 1]} {year(int(m.group(3)))}"
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return m.group(0)
    return _date(_MONTHS[month - 1], m.group(2), m.group(3))


def _sentence_stop(m: re.Match[str], stop: str) -> str:
    """A full stop taken with an abbreviation that also ends the sentence (the text ends, or a capital
    follows) is given back."""
    rest = m.string[m.end():]
    return "." if stop and (not rest.strip() or (rest[:1].isspace() and rest.lstrip()[:1].isupper())) else ""


def _am_pm(m: re.Match[str]) -> str:
    hours, minutes = int(m.group(1)), m.group(2)
    if hours > 23 or (minutes is not None and int(minutes) > 59):
        return m.group(0)
    spoken = cardinal(hours)
    if minutes is not None and int(minutes):
        spoken += f" oh {cardinal(int(minutes))}" if int(minutes) < 10 else f" {cardinal(int(minutes))}"
    return f"{spoken} {m.group(3).upper()}M" + _sentence_stop(m, m.group(4))


def _slashed(m: re.Match[str]) -> str:
    whole, top, bottom = m.group(1), int(m.group(2)), int(m.group(3))
    idiom = _IDIOMS.get(f"{m.group(2)}/{m.group(3)}")
    if idiom and not whole:
        return idiom
    if whole and 0 < top < bottom <= 100:
        part = {2: "a half", 4: "a quarter"}.get(bottom) if top == 1 else None
        return f"{cardinal(int(whole))} and {part or fraction(top, bottom)}"
    if whole:
        return m.group(0)
    if bottom in (5, 10, 100) and not m.group(4) and top <= bottom:
        return f"{cardinal(top)} out of {cardinal(bottom)}"  # a score: "9/10", "4/5 stars"
    if 0 < top < bottom <= 100:
        return fraction(top, bottom)
    return m.group(0)


def _iso_date(m: re.Match[str]) -> str:
    month, day = int(m.group(2)), int(m.group(3))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return m.group(0)
    return _date(_MONTHS[month - 1], m.group(3), m.group(1))


def _clock(m: re.Match[str]) -> str:
    """ "7:05" -> "seven oh five", "17:00" -> "seventeen hundred", "9:15:30" -> "nine fifteen and thirty
    seconds". Not a time ("12:60", "25:00") is read as the numbers written, never left to the plain-number
    pass, which read "12:60" as "twelve:sixty"; "24:00" is the end of a day."""
    hours, minutes, seconds = int(m.group(1)), int(m.group(2)), m.group(3)
    if (hours, minutes) == (24, 0) and not seconds:
        return "twenty-four hundred"
    if hours > 23 or minutes > 59 or (seconds and int(seconds) > 59):
        return " ".join(as_name(part) for part in m.groups() if part)
    if minutes == 0:
        spoken = f"{cardinal(hours)} o'clock" if hours <= 12 else f"{cardinal(hours)} hundred"
    elif minutes < 10:
        spoken = f"{cardinal(hours)} oh {cardinal(minutes)}"
    else:
        spoken = f"{cardinal(hours)} {cardinal(minutes)}"
    if seconds and int(seconds):
        spoken += f" and {cardinal(int(seconds))} second{'' if int(seconds) == 1 else 's'}"
    return spoken


def _decade(m: re.Match[str]) -> str:
    digits = m.group(1)
    if digits == "0":
        return "two thousands"  # the 00s
    spoken = year(int(digits + "0")) if len(digits) == 3 else cardinal(int(digits + "0"))
    return (spoken[:-1] + "ies") if spoken.endswith("y") else spoken + "s"


def _month_day_range(m: re.Match[str]) -> str:
    month = _month(m.group(1))
    spoken = f"{_date(month, m.group(2), None)} to {ordinal(int(m.group(3)))}"
    return spoken + (f", {year(int(m.group(4)))}" if m.group(4) else "")


def _phone(m: re.Match[str]) -> str:
    return ", ".join(digits(group) for group in _DIGIT_RUN.findall(m.group(0)))


def _is_year(text: str) -> bool:
    return len(text) == 4 and 1100 <= int(text) <= 2099


def _range(m: re.Match[str]) -> str:
    """ "5-10" -> "five to ten"; "1990-2000" -> "nineteen ninety to two thousand"; "2019-21" -> "twenty
    nineteen to twenty twenty-one" (a year's last two digits, when they come later)."""
    low, high = m.group(1), m.group(3)  # a year is written without a comma: "1,500-2,000" are amounts
    if _is_year(low) and (_is_year(high) or len(high) == 2):
        end = int(high) if len(high) == 4 else int(low) // 100 * 100 + int(high)
        if end > int(low):
            return f"{year(int(low))} to {year(end)}"
    unit = " percent" if m.group(2) or m.group(4) else ""  # "5-10%" and "5%-10%"
    return f"{decimal(low)} to {decimal(high)}{unit}"


def _plain_number(m: re.Match[str]) -> str:
    sign = "minus " if m.group(1) else ""
    return sign + decimal(m.group(2) + (m.group(3) or ""))


def _percent(m: re.Match[str]) -> str:
    sign = {"": "", "+": "plus "}.get(m.group(1) or "", "minus ")
    return f"{sign}{decimal(m.group(2))} percent"


def _number_list(m: re.Match[str]) -> str:
    if _ONE_NUMBER.fullmatch(m.group(0)):
        return m.group(0)
    return _DIGIT_RUN.sub(lambda d: decimal(d.group(0)), m.group(0))


def normalize(text: str) -> str:
    """The spoken form of ``text``; spaces tidied, newlines kept (a blank line is a paragraph break)."""
    text = read_addresses(text)
    text = read_phone_numbers(text)
    text = _EUROPEAN.sub(lambda m: m.group(1).replace(".", "") + "." + m.group(2), text)
    text = read_notation(text)
    text = read_names(text)
    for pattern, spoken in _ABBREVIATIONS:
        text = pattern.sub(spoken, text)
    text = read_money(text)
    text = read_rates(text)
    text = read_units(text)
    text = read_codes(text)
    text = _AM_PM_RANGE.sub(r"\1 to ", text)
    text = _AM_PM_TIME.sub(_am_pm, text)
    text = _NUMERIC_DATE.sub(_numeric_date, text)
    text = _SLASHED.sub(_slashed, text)
    text = _FEET_INCHES.sub(r"\1 foot \2", text)
    text = _RATIO.sub(r"\1 to \2", text)
    text = _PLUS.sub(" plus", text)
    text = _TIMES.sub(r"\1 times", text)
    text = _BY.sub(lambda m: f"{as_name(m.group(1))} by {as_name(m.group(2))}", text)
    text = _ISO_DATE.sub(_iso_date, text)
    text = _MONTH_DAY_RANGE.sub(_month_day_range, text)
    text = _MONTH_DAY.sub(lambda m: _date(_month(m.group(1)), m.group(2), m.group(3)), text)
    text = _DAY_MONTH.sub(lambda m: "the " + _date(_month(m.group(2)), m.group(1), None)[len(_month(m.group(2))) + 1:]
                          + f" of {_month(m.group(2))}" + (f" {year(int(m.group(3)))}" if m.group(3) else ""), text)
    text = _CLOCK_RANGE.sub(r"\1 to ", text)
    text = _CLOCK.sub(_clock, text)
    text = _PHONE.sub(_phone, text)
    text = _WORD_RANGE.sub(r"\1 to ", text)
    text = _RANGE.sub(_range, text)
    text = _PERCENT.sub(_percent, text)
    text = _ORDINAL.sub(lambda m: ordinal(int(m.group(1))), text)
    text = _NUMBER_LIST.sub(_number_list, text)
    text = _DECADE.sub(_decade, text)
    text = _EARLY_YEAR.sub(lambda m: m.group(1) + year(int(m.group(2))), text)
    text = _YEAR.sub(lambda m: year(int(m.group(1))), text)
    text = _POINT_NUMBER.sub(lambda m: "point " + digits(m.group(1)), text)
    text = _PLAIN_NUMBER.sub(_plain_number, text)
    text = _AMPERSAND.sub("and", text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "\n".join(lines).strip()
