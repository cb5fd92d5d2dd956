"""Web addresses, e-mail addresses and IP addresses, read the way people say them.

They are spelled out before any number rule runs: otherwise "?x=1" became "?x=one", a path's "2024/05"
a date-like "twenty twenty-four/five" and "192.168.0.1" a version ("one hundred ninety-two point ...").
Dots, slashes and the like become words ("example dot com slash page three"), an IP address is read digit
by digit ("one nine two dot one six eight dot zero dot one"), and "http://" and "https://" are dropped, as
a narrator drops them. The words that come out hold no digits or symbols, so later rules leave them alone.
"""

from __future__ import annotations

import re

from nodes.tts.numbers import as_name, digits

# Top-level domains that mark a bare "name.tld" as an address ("example.com"), so "file.txt" or "Node.js" stay.
_TLDS = ("com|org|net|edu|gov|mil|int|io|ai|co|dev|app|info|biz|me|tv|us|uk|de|fr|es|it|nl|be|ch|at|se|no|dk|"
         "fi|pl|ru|jp|cn|in|au|ca|nz|br|mx|eu|ie|pt|xyz|online|site|tech|store|blog|news|ly|gg|fm|so|to")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IP = rf"{_OCTET}(?:\.{_OCTET}){{3}}"
_HOST = rf"(?:{_IP}|(?:{_LABEL}\.)+[A-Za-z]{{2,24}})"
_PATH = r"(?:[/?#][\w\-./?=&%#~+:@!$,;*()']*)?"
_PORT = r"(?::\d{1,5})?"
_SCHEME_URL = rf"https?://{_HOST}{_PORT}{_PATH}"
_BARE_URL = rf"(?:www\.)?(?:{_LABEL}\.)+(?:{_TLDS})\b(?![.-]?\w){_PORT}{_PATH}"
_EMAIL = rf"[\w.+-]+@(?:{_LABEL}\.)+[A-Za-z]{{2,24}}\b"
_ADDRESS = re.compile(rf"(?<![\w@./:-])(?:(?P<email>{_EMAIL})|(?P<url>{_SCHEME_URL}|{_BARE_URL})|(?P<ip>{_IP}{_PORT})"
                      rf"(?![\w]|\.\d))")
# Punctuation at an address's end more likely ends the sentence ("Visit example.com.") than the address.
_TRAILING = ".,;:!?)'"
_SYMBOLS = {".": "dot", "/": "slash", "-": "dash", "_": "underscore", "?": "question mark", "=": "equals",
            "&": "and", "#": "hash", "@": "at", ":": "colon", "~": "tilde", "%": "percent", "+": "plus",
            "!": "bang", "$": "dollar", ",": "comma", ";": "semicolon", "*": "star"}  # brackets and quotes go unsaid
_PIECES = re.compile(r"\d+|[^\W\d_]+|.", re.DOTALL)


def _number(run: str) -> str:
    return as_name(run) if len(run) <= 4 else digits(run)


def _spell(address: str, by_digit: bool = False) -> str:
    """Letters as written, each symbol as its word, each run of digits as a number (or digit by digit)."""
    words = []
    for piece in _PIECES.findall(address.rstrip("/")):  # nobody says a trailing slash
        if piece.isdigit():
            words.append(digits(piece) if by_digit else _number(piece))
        elif piece.lower() == "www":
            words.append("w w w")
        elif piece[0].isalpha():
            words.append(piece)
        elif piece in _SYMBOLS:
            words.append(_SYMBOLS[piece])
    return " ".join(words)


def _address(m: re.Match[str]) -> str:
    text = m.group(0)
    kept = len(text.rstrip(_TRAILING)) if m.group("url") or m.group("email") else len(text)
    if m.group("url") and text[:kept].count("(") > text[:kept].count(")") and text[kept:kept + 1] == ")":
        kept += 1  # a link with its own brackets: wikipedia.org/wiki/Python_(language)
    address, rest = text[:kept], text[kept:]
    if m.group("ip"):
        return _spell(address, by_digit=True) + rest
    address = re.sub(r"^https?://", "", address)
    host, *path = re.split(r"(?=[/?#:])", address, maxsplit=1)
    if m.group("url") and re.fullmatch(_IP, host):  # http://192.168.0.1/admin
        return " ".join([_spell(host, by_digit=True)] + [_spell(part) for part in path]) + rest
    return _spell(address) + rest


def read_addresses(text: str) -> str:
    """``text`` with every web, e-mail and IP address spelled out in words."""
    return _ADDRESS.sub(_address, text)
