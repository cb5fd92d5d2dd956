"""Names written with abbreviations, numerals or digits, read the way a narrator says them.

"St." is a street after a street's name ("Main St.") and a saint before one ("St. Louis"); a Roman numeral
is an ordinal after a monarch or a pope ("Henry VIII" -> "Henry the Eighth") and a cardinal after a title
word ("World War II" -> "World War Two"); a version is read by its parts ("Python 3.12" -> "three point
twelve"); a hashtag says so ("#BlackFriday" -> "hashtag Black Friday") unless it is a rank ("#1" ->
"number one"); codes mixing letters and digits keep their letters ("COVID-19" -> "COVID nineteen", "4K"
-> "four K"); model, room and flight numbers are read in pairs ("Porsche 911" -> "nine eleven"), an
emergency number digit by digit ("call 911").
"""

from __future__ import annotations

import re

from nodes.tts.numbers import as_name, cardinal, digits, ordinal, roman, title_case

_TITLES = {"Dr": "Doctor", "Mr": "Mister", "Mrs": "Missus", "Ms": "Miz", "Prof": "Professor", "St": "Saint",
           "Gen": "General", "Capt": "Captain", "Sgt": "Sergeant", "Rev": "Reverend", "Gov": "Governor",
           "Sen": "Senator", "Rep": "Representative", "Mt": "Mount", "Ft": "Fort"}
# Titles only before a capitalised name (or "Mr. and Mrs. Smith"), so "Dr." at a street's end stays.
_TITLE = re.compile(r"\b(" + "|".join(_TITLES) + r")\.(?=\s+[A-Z]|\s+and\s+(?:" + "|".join(_TITLES) + r")\.)")
_SUFFIXES = {"Jr": "Junior", "Sr": "Senior"}
_SUFFIX = re.compile(r"\b([A-Z][a-z]+,?\s+)(Jr|Sr)\.(?=(\s+\S|\s*$))")
_STREETS = {"St": "Street", "Ave": "Avenue", "Rd": "Road", "Blvd": "Boulevard", "Ln": "Lane"}
# A street's name is a capitalised word (not a word that starts many sentences) or an ordinal.
_STREET = re.compile(r"\b([A-Z][a-z]+|\d+(?:st|nd|rd|th))\s+(St|Ave|Rd|Blvd|Ln)\.(?=(\s*)(.?))")
_NOT_STREET_NAMES = frozenset({"In", "At", "On", "Of", "To", "From", "The", "Visit", "Near", "And", "Or", "By",
                               "Via", "For", "With", "Dear", "Pray", "Like"})

_REGNAL = ("Henry|Elizabeth|Louis|George|Edward|Charles|James|William|Richard|John Paul|John|Paul|Pius|Benedict|"
           "Leo|Gregory|Innocent|Clement|Urban|Boniface|Napoleon|Philip|Frederick|Catherine|Peter|Ramesses|Ramses|"
           "Alexander|Mary|Victoria|Constantine|Ivan|Nicholas|Otto|Francis|Ferdinand|Isabella|Juan Carlos|Felipe|"
           "Carl|Gustav|Harald|Olaf|Haakon|Christian|Frederik|Albert|Philippe|Rainier|Hussein|Abdullah|Selim|"
           "Suleiman|Mehmed|Wilhelm|Ludwig|Alfonso|Carlos|Manuel|Robert|David|Anne|Stephen|Matilda|Edmund|"
           "Harold|Sixtus|Julius|Adrian|Celestine|Alexios|Basil|Leopold|Joseph|Rudolf|Sigismund|Casimir|"
           "Sobhuza|Mswati|Tutankhamun|Amenhotep|Thutmose|Cleopatra|Ptolemy|Antiochus|Seleucus|Darius|Xerxes")
_REGNAL_NUMERAL = re.compile(rf"\b({_REGNAL})\s+([IVXLC]+)\b(?![.\w'-]\w)")
_TITLE_WORDS = ("World War|Super Bowl|Chapter|Part|Volume|Vol\\.|Book|Act|Scene|Phase|Stage|Level|Article|"
                "Section|Episode|Season|Round|Class|Type|Grade|Title|Apollo|Gemini|Rocky|Final Fantasy|"
                "Star Wars|Episode|Psalm|Canto|Appendix|Unit|Lesson|Year|Form|Division|League|Vatican")
_TITLED_NUMERAL = re.compile(rf"\b({_TITLE_WORDS})\s+([IVXLCDM]+)\b(?![.\w'-]\w)")
# Any other capitalised word before a numeral of two or more I, V and X ("Rocky III", "Civilization VI"),
# unless that word starts a phrase ("The IV drip").
_NUMERAL_AFTER_NAME = re.compile(r"\b([A-Z][a-z]+)\s+([IVX]{2,})\b(?![.\w'-]\w)")
_FUNCTION_WORDS = frozenset({"The", "A", "An", "This", "That", "These", "Those", "Our", "My", "His", "Her",
                             "Its", "Their", "Your", "Each", "Every", "In", "On", "At", "Of", "For", "With",
                             "By", "To", "From", "And", "Or", "But", "No", "Any", "Some", "Size", "Sizes"})

_VERSION_WORDS = ("version|Version|release|Release|Python|iOS|iPadOS|Android|macOS|Windows|Ubuntu|Debian|Fedora|"
                  "Node|Java|Web|PHP|Ruby|Rust|Perl|Chrome|Firefox|Linux|kernel|Kernel|update|Update|firmware|"
                  "Firmware|Swift|Kotlin|Django|Rails|HTML|Bluetooth|USB|HTTP|Wi-Fi|PostgreSQL|MySQL|GPT|Unity|"
                  "Blender|Photoshop|Excel|Office|OS")
_VERSION = re.compile(rf"(?:\b(?P<word>{_VERSION_WORDS})\s+|(?<![\w.])(?P<v>[vV])(?=\d))"
                      r"(?P<number>\d+(?:\.\d+)+)(?![\w]|\.\d)")
_DOTTED = re.compile(r"(?<![\w.])\d+\.\d+(?:\.\d+)+(?![\w]|\.\d)")  # 2.0.1: only a version has two dots

_HASH_RANK = re.compile(r"(?<![\w&#])#(\d+)(?!\w)")
_HASHTAG = re.compile(r"(?<![\w&#])#(\w*[^\W\d_]\w*)")
_LONE_HASH = re.compile(r"(?<!\S)#(?!\S)")
_HASHTAG_PARTS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+|[^\W\d_]+")

_EMERGENCY = re.compile(r"\b((?:[Cc]all|[Dd]ial|[Tt]ext|[Rr]ing|[Pp]hone)(?:ed|ing|s)?\s+)(\d{3})\b(?![\w]|[.,-]\d)")
_LONE_911 = re.compile(r"(?<![\w.,/-])911(?![\w]|[.,/-]\d)")
_NAMED_NUMBER = re.compile(r"\b(Porsche|Boeing|Airbus|Room|Flight|Suite|Apartment|Route|Highway|Interstate|Bus|"
                           r"Platform|Channel)(\s+(?:[A-Z]{1,2}\s?)?)(\d{1,4})(?![\w]|[.,-]\d)")
_PIN = re.compile(r"\b(PIN|passcode|code|Code)(\s+(?:is\s+|was\s+|of\s+)?)(\d{3,8})(?![\w]|[.,-]\d)")
_LETTERS_DIGITS = re.compile(r"(?<![\w-])([A-Z]{1,5})-?(\d{1,4})(?![\w]|-\w|[.,]\d)")
_DIGITS_LETTERS = re.compile(r"(?<![\w.,-])(\d{1,3})([A-Z]{1,3})(?![\w])")


def _street(m: re.Match[str]) -> str:
    name, short, space, following = m.group(1), m.group(2), m.group(3), m.group(4)
    if name in _NOT_STREET_NAMES:
        return m.group(0)
    if name[0].isdigit():
        name = title_case(ordinal(int(name[:-2])))
    # The stop stays when it also ends the sentence: at the end, or before a capitalised word.
    stop = "." if not following or (space and following.isupper()) else ""
    if short == "St" and space and following.isupper() and _starts_sentence(m.string, m.start()):
        return m.group(0)  # "Visit St. Louis": a saint after a sentence's first word
    return f"{name} {_STREETS[short]}{stop}"


def _starts_sentence(text: str, at: int) -> bool:
    before = text[:at].rstrip()
    return not before or before[-1] in ".!?\n"


def _suffix(m: re.Match[str]) -> str:
    following = m.group(3)
    stop = "." if not following.strip() or following.strip()[0].isupper() else ""
    return f"{m.group(1)}{_SUFFIXES[m.group(2)]}{stop}"


def _regnal(m: re.Match[str]) -> str:
    value = roman(m.group(2))
    if value is None:
        return m.group(0)
    return f"{m.group(1)} the {title_case(ordinal(value))}"


def _titled(m: re.Match[str]) -> str:
    value = roman(m.group(2))
    if value is None or (m.group(1) not in {"Chapter", "Part", "Act", "Scene", "World War", "Book", "Volume",
                                             "Vol."} and len(m.group(2)) == 1 and m.group(2) in "CDLM"):
        return m.group(0)
    return f"{m.group(1)} {title_case(cardinal(value))}"


def _numeral_after_name(m: re.Match[str]) -> str:
    value = roman(m.group(2))
    if value is None or m.group(1) in _FUNCTION_WORDS:
        return m.group(0)
    return f"{m.group(1)} {title_case(cardinal(value))}"


def _version_part(part: str) -> str:
    if part == "0":
        return "oh"
    if part.startswith("0"):
        return "oh " + digits(part[1:])
    return cardinal(int(part)) if len(part) <= 6 else digits(part)


def read_version(number: str) -> str:
    """ "3.12" -> "three point twelve", "2.0.1" -> "two point oh point one"."""
    return " point ".join(_version_part(part) for part in number.split("."))


def _version(m: re.Match[str]) -> str:
    lead = "version " if m.group("v") else m.group("word") + " "
    return lead + read_version(m.group("number"))


def _hashtag(m: re.Match[str]) -> str:
    words = [part for part in _HASHTAG_PARTS.findall(m.group(1))]
    return "hashtag " + " ".join(words if words else [m.group(1)])


def _named_number(m: re.Match[str]) -> str:
    return f"{m.group(1)}{m.group(2)}{as_name(m.group(3))}"


def read_names(text: str) -> str:
    """Rewrite names, titles, numerals, versions, hashtags and codes (before any number is read)."""
    text = _STREET.sub(_street, text)
    text = _SUFFIX.sub(_suffix, text)
    text = _TITLE.sub(lambda m: _TITLES[m.group(1)], text)
    text = _REGNAL_NUMERAL.sub(_regnal, text)
    text = _TITLED_NUMERAL.sub(_titled, text)
    text = _NUMERAL_AFTER_NAME.sub(_numeral_after_name, text)
    text = _VERSION.sub(_version, text)
    text = _DOTTED.sub(lambda m: read_version(m.group(0)), text)
    text = _HASH_RANK.sub(lambda m: f"number {cardinal(int(m.group(1)))}" if len(m.group(1)) <= 6 else m.group(0),
                          text)
    text = _HASHTAG.sub(_hashtag, text)
    text = _LONE_HASH.sub("hash", text)
    text = _EMERGENCY.sub(lambda m: m.group(1) + digits(m.group(2)), text)
    text = _NAMED_NUMBER.sub(_named_number, text)
    text = _LONE_911.sub("nine one one", text)
    text = _PIN.sub(lambda m: m.group(1) + m.group(2) + digits(m.group(3)), text)
    return text


def read_codes(text: str) -> str:
    """Codes mixing capitals and digits: "COVID-19" -> "COVID nineteen", "4K" -> "four K". Run after units
    ("128GB") and money ("$40K") are read."""
    text = _LETTERS_DIGITS.sub(lambda m: f"{m.group(1)} {as_name(m.group(2))}", text)
    return _DIGITS_LETTERS.sub(lambda m: f"{cardinal(int(m.group(1)))} {m.group(2)}", text)
