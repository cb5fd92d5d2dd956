"""Sentence splitting, normalisation and script words: the text side of the tts node."""

from __future__ import annotations

from nodes.tts.numbers import cardinal, ordinal, year
from nodes.tts.sentences import MAX_CHARS, pack_sentences, split_sentences
from nodes.tts.spoken_text import normalize
from nodes.tts.word_timing import script_words


def test_splits_sentences_and_keeps_abbreviations() -> None:
    text = "Dr. Smith paid 40 dollars on Jan. 3. He left at 5 p.m. and went home! Did he? Yes."
    assert split_sentences(text) == [
        "Dr. Smith paid 40 dollars on Jan. 3.",
        "He left at 5 p.m. and went home!",
        "Did he?",
        "Yes.",
    ]


def test_blank_lines_end_a_sentence_and_newlines_are_spaces() -> None:
    text = "Chapter one\n\nIt was a dark\nnight.  Very   dark."
    assert split_sentences(text) == ["Chapter one", "It was a dark night.", "Very dark."]


def test_nothing_to_split_gives_no_sentences() -> None:
    assert split_sentences("  \n\n \t") == []


def test_run_on_sentences_are_cut_at_clauses_then_spaces() -> None:
    clause = "and the river ran on past the mill, "
    text = (clause * 30).strip()
    pieces = split_sentences(text)
    assert len(pieces) > 1
    assert all(len(p) <= MAX_CHARS for p in pieces)
    assert " ".join(pieces) == text
    assert all(p.endswith(",") for p in pieces[:-1])  # cut after a comma, not mid-clause

    words = " ".join(["word"] * 300)  # no punctuation at all
    pieces = split_sentences(words)
    assert all(len(p) <= MAX_CHARS for p in pieces)
    assert " ".join(pieces) == words


def test_punctuation_is_attached_never_a_word() -> None:
    assert script_words('Wait \u2014 what? " Quoted " ... end') == ["Wait \u2014", "what? \"", "Quoted \" ...", "end"]
    assert script_words("\u201c Hello, world!") == ["\u201cHello,", "world!"]
    assert script_words("... !") == []
    assert script_words("teams\u2014engineers, pilots") == ["teams\u2014", "engineers,", "pilots"]


def test_normalise_currency_percent_and_ampersand() -> None:
    assert normalize("It cost $40, then $1,200.") == "It cost forty dollars, then one thousand two hundred dollars."
    assert normalize("Only $1 or $3.50 or $2.00 or $0.05.") == \
        "Only one dollar or three dollars and fifty cents or two dollars or five cents."
    assert normalize("About $25.4 billion, $7 million.") == \
        "About twenty-five point four billion dollars, seven million dollars."
    assert normalize("\u00a35 and \u20ac3.20") == "five pounds and three euros and twenty cents"
    assert normalize("Growth was 3.5% and 12 %.") == "Growth was three point five percent and twelve percent."
    assert normalize("Tom & Jerry, R&D") == "Tom and Jerry, R&D"
    assert normalize("  spaced\u00a0 out \r\n\r\nnext  ") == "spaced out\n\nnext"


def test_normalise_numbers_dates_and_times() -> None:
    assert normalize("We sold 1,500 units at -3 degrees.") == \
        "We sold one thousand five hundred units at minus three degrees."
    assert normalize("On 3/14/2024 and 2024-03-15.") == \
        "On March fourteenth, twenty twenty-four and March fifteenth, twenty twenty-four."
    assert normalize("Jan. 3, 2024 at 5:30, then 10:00 and 7:05.") == \
        "January third, twenty twenty-four at five thirty, then ten o'clock and seven oh five."
    assert normalize("the 21st floor, 4 July 1776, in the 1990s") == \
        "the twenty-first floor, the fourth of July seventeen seventy-six, in the nineteen nineties"
    assert normalize("In 1984, 2005 and 2010 there were 12 cats.") == \
        "In nineteen eighty-four, two thousand five and twenty ten there were twelve cats."
    assert normalize("pi is 3.14") == "pi is three point one four"
    assert normalize("Version 2.0.1 and R2-D2") == "Version two point oh point one and R2-D2"  # a name stays


def test_normalise_ranges_and_phone_numbers() -> None:
    """A range is read with "to" (never "five-10" or "one thousand nine hundred ninety-2000"); a phone
    number or serial digit by digit; hyphenated names stay as written."""
    assert normalize("It takes 5-10 minutes, pages 10\u201320, 2 \u2013 3 times.") == \
        "It takes five to ten minutes, pages ten to twenty, two to three times."
    assert normalize("From 1990-2000 and 2019-21, not 2021-19.") == \
        "From nineteen ninety to two thousand and twenty nineteen to twenty twenty-one, not two thousand " \
        "twenty-one to nineteen."
    assert normalize("Sold 1,500-2,000 units for $5-10 or \u00a33-\u00a34; up 5-10%.") == \
        "Sold one thousand five hundred to two thousand units for five dollars to ten dollars or three " \
        "pounds to four pounds; up five to ten percent."
    assert normalize("Open 9:00-17:30 on March 3-5, 2024 and May 1st\u20132nd.") == \
        "Open nine o'clock to seventeen thirty on March third to fifth, twenty twenty-four and May first " \
        "to second."
    assert normalize("Call 555-1234 or (212) 555-1234; ISBN 978-3-16-148410-0.") == \
        "Call five five five, one two three four or two one two, five five five, one two three four; ISBN " \
        "nine seven eight, three, one six, one four eight four one zero, zero."
    assert normalize("The 21st-22nd floors, the 1980s\u20131990s, the 1980s-90s, in the '90s and the 00s.") == \
        "The twenty-first to twenty-second floors, the nineteen eighties to nineteen nineties, the nineteen " \
        "eighties to nineties, in the nineties and the two thousands."
    assert normalize("COVID-19, R2-D2, a 3-2 win, 10 - 5 and 2024-03-15.") == \
        "COVID nineteen, R2-D2, a three to two win, ten - five and March fifteenth, twenty twenty-four."


def test_normalise_abbreviations() -> None:
    assert normalize("Dr. Smith met Mr. Jones and Mrs. Lee in St. Louis.") == \
        "Doctor Smith met Mister Jones and Missus Lee in Saint Louis."
    assert normalize("It is on Elm St. near the park.") == "It is on Elm Street near the park."
    assert normalize("Fruit, e.g. apples, etc. Then No. 7 vs. No. 8.") == \
        "Fruit, for example, apples, et cetera. Then number seven versus number eight."
    assert normalize("It weighs 2.5 kg.") == "It weighs two point five kilograms."


def test_spoken_numbers_read_naturally() -> None:
    assert [cardinal(n) for n in (0, 13, 21, 100, 101, 1200, 2_500_000)] == [
        "zero", "thirteen", "twenty-one", "one hundred", "one hundred one", "one thousand two hundred",
        "two million five hundred thousand"]
    assert [ordinal(n) for n in (1, 2, 3, 12, 20, 22, 101)] == [
        "first", "second", "third", "twelfth", "twentieth", "twenty-second", "one hundred first"]
    assert [year(n) for n in (1066, 1900, 1905, 2000, 2009, 2024)] == [
        "ten sixty-six", "nineteen hundred", "nineteen oh five", "two thousand", "two thousand nine",
        "twenty twenty-four"]


def test_pack_sentences_keeps_chunks_under_the_limit() -> None:
    sentences = ["One short sentence.", "Another one here.", "A third.", ("and on, " * 60).strip() + "."]
    chunks = pack_sentences(sentences, 60)
    assert chunks[0] == "One short sentence. Another one here. A third."
    assert all(len(c) <= 60 for c in chunks)
    assert " ".join(chunks) == " ".join(sentences)
    assert all(c.endswith((",", ".")) for c in chunks)  # the long sentence is cut after its commas


def test_scripts_without_spaces_split_into_sentences_and_chunks() -> None:
    """Chinese and Japanese full stops end sentences (nupunkt knows only Latin ones), and a sentence with
    no space longer than the limit is cut at clause marks, then between characters."""
    assert split_sentences("今天天气很好。我们去公园散步吧！你觉得怎么样？") == [
        "今天天气很好。", "我们去公园散步吧！", "你觉得怎么样？"]
    assert split_sentences("「はい。」と彼は言った。") == ["「はい。」と彼は言った。"]
    long = "長い文章、" * 100
    pieces = split_sentences(long)
    assert len(pieces) > 1 and all(len(p) <= MAX_CHARS for p in pieces) and "".join(pieces) == long
    assert all(p.endswith("、") for p in pieces)
    endless = "長" * 1000
    pieces = split_sentences(endless)
    assert all(len(p) <= MAX_CHARS for p in pieces) and "".join(pieces) == endless
    assert pack_sentences(["今天天气很好。", "我们去公园散步吧！"], 10) == ["今天天气很好。", "我们去公园散步吧！"]
    assert script_words("今天天气很好，阳光明媚。我们走吧！") == ["今天天气很好，", "阳光明媚。", "我们走吧！"]


def test_stand_alone_symbols_keep_their_spaces() -> None:
    """A lone "-" or "#" and punctuation written after a space (French "Bonjour !") keep the space they had,
    so captions show the text as written (they were glued: "3- 2", "and# 1", "Bonjour!")."""
    assert script_words("Score 3 - 2 and # 1") == ["Score", "3 -", "2", "and #", "1"]
    assert script_words("Bonjour ! Ça va ? Oui : « bien »") == ["Bonjour !", "Ça", "va ?", "Oui :", "« bien »"]
    assert script_words("- item one") == ["- item", "one"]
    assert script_words("Great \U0001F600 day") == ["Great \U0001F600", "day"]
    assert split_sentences("What a day! \U0001F600 Then more. \U0001F600") == [
        "What a day! \U0001F600", "Then more. \U0001F600"]
