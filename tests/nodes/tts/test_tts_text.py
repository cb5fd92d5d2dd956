"""Sentence splitting, normalisation and script words: the text side of the tts node."""

from __future__ import annotations

from nodes.tts.normalize import normalize
from nodes.tts.sentences import MAX_CHARS, split_sentences
from nodes.tts.timing import script_words


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
    assert script_words('Wait \u2014 what? " Quoted " ... end') == ["Wait\u2014", "what?\"", "Quoted\"...", "end"]
    assert script_words("\u201c Hello, world!") == ["\u201cHello,", "world!"]
    assert script_words("... !") == []
    assert script_words("teams\u2014engineers, pilots") == ["teams\u2014", "engineers,", "pilots"]


def test_normalise_currency_percent_and_ampersand() -> None:
    assert normalize("It cost $40, then $1,200.") == "It cost 40 dollars, then 1,200 dollars."
    assert normalize("Only $1 or $3.50 or $2.00.") == "Only 1 dollar or 3 dollars 50 cents or 2 dollars."
    assert normalize("About $25.4 billion, $7 million or $0.5.") == \
        "About 25.4 billion dollars, 7 million dollars or 0.5 dollars."
    assert normalize("Growth was 3.5% and 12 %.") == "Growth was 3.5 percent and 12 percent."
    assert normalize("Tom & Jerry, R&D") == "Tom and Jerry, R&D"
    assert normalize("  spaced\u00a0 out \r\n\r\nnext  ") == "spaced out\n\nnext"
