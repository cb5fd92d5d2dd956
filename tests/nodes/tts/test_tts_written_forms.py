"""Written forms an outside probe found garbled: addresses, currencies, phone numbers, clock times,
scientific notation and powers, compound units, signs and the European decimal comma."""

from __future__ import annotations

import pytest

from nodes.tts.spoken_text import normalize


@pytest.mark.parametrize(("text", "spoken"), [
    ("See https://example.com/a_b?x=1&y=2 now.",
     "See example dot com slash a underscore b question mark x equals one and y equals two now."),
    ("example.com/2024/05/page-3", "example dot com slash twenty twenty-four slash zero five slash page dash three"),
    ("Visit www.example.com.", "Visit w w w dot example dot com."),
    ("Go to GitHub.com/openai/.", "Go to GitHub dot com slash openai."),
    ("(see https://en.wikipedia.org/wiki/Python_(language))",
     "(see en dot wikipedia dot org slash wiki slash Python underscore language)"),
    ("Mail jane.doe42@example.co.uk today.", "Mail jane dot doe forty-two at example dot co dot uk today."),
    ("Ping 192.168.0.1 first.", "Ping one nine two dot one six eight dot zero dot one first."),
    ("Open http://10.0.0.1:8080/admin", "Open one zero dot zero dot zero dot one colon eighty eighty slash admin"),
    # not addresses: versions, decimals, file names, abbreviations
    ("Use Node.js, file.txt and Python 3.12; pi is 3.14, e.g. here.",
     "Use Node.js, file.txt and Python three point twelve; pi is three point one four, for example, here."),
    ("Version 2.0.1 and 1.2.3.4.5",
     "Version two point oh point one and one point two point three point four point five"),
])
def test_addresses_are_spelled_before_numbers_are_read(text: str, spoken: str) -> None:
    assert normalize(text) == spoken
