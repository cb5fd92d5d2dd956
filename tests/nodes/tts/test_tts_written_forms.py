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


@pytest.mark.parametrize(("text", "spoken"), [
    ("\u00a5300 and 12\u00a2", "three hundred yen and twelve cents"),
    ("\u20b9500, \u20a91,000, \u20bd50 and \u20ba10",
     "five hundred rupees, one thousand won, fifty roubles and ten lira"),
    ("It was 5$ or $ 5.", "It was five dollars or five dollars."),
    ("CHF 20, 20 CHF, USD 50 and 50 EUR", "twenty Swiss francs, twenty Swiss francs, fifty US dollars and fifty euros"),
    ("US$5 but USD50 is a code", "five US dollars but USD fifty is a code"),
    ("\u20ac5,50 or 1.234,56 \u20ac", "five euros and fifty cents or one thousand two hundred thirty-four euros and "
                                      "fifty-six cents"),
    ("-$5, $-5, -\u20ac3.50 and +$5", "minus five dollars, minus five dollars, minus three euros and fifty cents "
                                     "and plus five dollars"),
    ("It costs 3-5 \u20ac.", "It costs three euros to five euros."),
    ("\u00a53.50", "three point five zero yen"),  # no hundredths in use: read as a decimal
    # as before
    ("$1,200, \u00a33.20, $5m, 50p, $5-10", "one thousand two hundred dollars, three pounds and twenty pence, five "
                                           "million dollars, fifty pence, five dollars to ten dollars"),
])
def test_every_currency_reads_before_or_after_with_its_sign(text: str, spoken: str) -> None:
    assert normalize(text) == spoken


@pytest.mark.parametrize(("text", "spoken"), [
    ("Call +1 555 123 4567.", "Call plus one, five five five, one two three, four five six seven."),
    ("+44 20 7946 0958", "plus forty-four, two zero, seven nine four six, zero nine five eight"),
    ("+49-30-1234567", "plus forty-nine, three zero, one two three four five six seven"),
    ("(555) 123-4567", "five five five, one two three, four five six seven"),
    ("Call 555.123.4567.", "Call five five five, one two three, four five six seven."),
    # as before, and no phone number
    ("Ring (212) 555-1234 today.", "Ring two one two, five five five, one two three four today."),
    ("Call 555-1234 now.", "Call five five five, one two three four now."),
    ("A score of +5 10 20.", "A score of +five ten twenty."),
])
def test_phone_numbers_with_country_or_area_codes_are_read_group_by_group(text: str, spoken: str) -> None:
    assert normalize(text) == spoken


@pytest.mark.parametrize(("text", "spoken"), [
    ("It ends at 24:00.", "It ends at twenty-four hundred."),
    ("Not a time: 12:60 or 25:00.", "Not a time: twelve sixty or twenty-five zero zero."),
    ("Lap at 12:30:45 and 9:00:00.", "Lap at twelve thirty and forty-five seconds and nine o'clock."),
    # as before
    ("At 7:05, 17:00 and 9:00-17:30.", "At seven oh five, seventeen hundred and nine o'clock to seventeen thirty."),
])
def test_clock_times_are_range_checked_and_others_read_as_numbers(text: str, spoken: str) -> None:
    assert normalize(text) == spoken


@pytest.mark.parametrize(("text", "spoken"), [
    ("1e6 runs", "one times ten to the power of six runs"),
    ("-1.5e3 and 3.2e-5", "minus one point five times ten to the power of three and three point two times ten to "
                          "the power of minus five"),
    ("6.02\u00d710^23", "six point zero two times ten to the power of twenty-three"),
    ("10^3, 2^10, x^2 and 2^-1", "ten cubed, two to the power of ten, x squared and two to the power of minus one"),
    ("10\u00b2, x\u00b3 and 5 m\u00b2", "ten squared, x cubed and five metres squared"),
    ("A hash 3e4f and a^b.", "A hash 3e4f and a^b."),  # no number in notation
])
def test_scientific_notation_and_powers_are_read(text: str, spoken: str) -> None:
    assert normalize(text) == spoken


@pytest.mark.parametrize(("text", "spoken"), [
    ("Wait...5 then \u20262 more", "Wait...five then \u2026two more"),
    ("Add .5 cups.", "Add point five cups."),
    ("-5% and +3% and \u22122 degrees", "minus five percent and plus three percent and minus two degrees"),
    ("It is 1.000,5 or 1.234.567,89 \u20ac", "It is one thousand point five or one million two hundred thirty-four "
                                            "thousand five hundred sixty-seven euros and eighty-nine cents"),
    # ambiguous: a list or a version stays read as before
    ("3,14 and 1.234.567", "three,fourteen and one point two hundred thirty-four point five hundred sixty-seven"),
    ("5-10% and 1.5.", "five to ten percent and one point five."),
])
def test_signs_ellipses_and_unambiguous_decimal_commas(text: str, spoken: str) -> None:
    assert normalize(text) == spoken


@pytest.mark.parametrize(("text", "spoken"), [
    ("It moves at 5 m/s, or 1 m/s.", "It moves at five metres per second, or one metre per second."),
    ("3 kg/m, 100 mg/L and 10 GB/s", "three kilograms per metre, one hundred milligrams per litre and ten gigabytes "
                                     "per second"),
    ("9.8m/s\u00b2", "nine point eight metres per second squared"),
    ("60 km/h and and/or", "sixty kilometres per hour and and/or"),  # as before
])
def test_units_per_unit_are_read_with_per(text: str, spoken: str) -> None:
    assert normalize(text) == spoken
