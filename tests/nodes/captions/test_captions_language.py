"""Scripts, grapheme clusters and the choice between word-level and sentence-level packing."""

from __future__ import annotations

import pytest

from nodes.captions.language import breaks_anywhere, graphemes, packing_mode, valid_language
from nodes.captions.pack import pack
from nodes.captions.segment import segment_words
from nodes.captions.sentence import segment_sentences
from nodes.formats import Word, WordTimings


def timed(*texts: str) -> WordTimings:
    return WordTimings(duration=len(texts) + 1.0,
                       words=[Word(text=t, start=i, end=i + 0.8) for i, t in enumerate(texts)])


def test_graphemes_keep_marks_modifiers_and_flags_with_their_base() -> None:
    assert graphemes("ab") == ["a", "b"]
    assert graphemes("e\u0301x") == ["e\u0301", "x"]
    assert graphemes("ชื่อ") == ["ชื่", "อ"]  # Thai vowel and tone marks stay on the consonant
    assert graphemes("👍🏽!") == ["👍🏽", "!"]
    assert graphemes("👩\u200d💻x") == ["👩\u200d💻", "x"]
    assert graphemes("🇯🇵🇫🇷") == ["🇯🇵", "🇫🇷"]
    assert graphemes("") == []


def test_scripts_without_spaces() -> None:
    assert all(breaks_anywhere(ch) for ch in "日本語ひらがなカタカナ。、「ส")
    assert not any(breaks_anywhere(ch) for ch in "aé한Жש1 .")


@pytest.mark.parametrize("code", ["auto", "en", "EN", "en-US", "pt_BR", "zh-Hant-TW", "yue"])
def test_valid_language_codes(code: str) -> None:
    assert valid_language(code)


@pytest.mark.parametrize("code", ["", "e", "english-", "en US", "12", "auto;rm", "ja\n"])
def test_invalid_language_codes(code: str) -> None:
    assert not valid_language(code)
    with pytest.raises(ValueError, match="language"):
        packing_mode(code, timed("x"))


def test_explicit_language_picks_the_packer() -> None:
    assert packing_mode("en", timed("日本")) == "words"
    assert packing_mode("en-GB", timed("a")) == "words"
    for code in ("ja", "zh-CN", "th", "ko"):
        assert packing_mode(code, timed("a")) == "sentences"


def test_word_level_captions_for_every_spaced_language_timed_word_by_word() -> None:
    """An engine that times every word (Piper in any language, Kokoro) gets word-level captions in Spanish,
    German, French... (they were sentence-level for every language but English); phrase timings, and
    scripts without spaces, stay sentence-level."""
    for code in ("de", "es", "fr", "pt-BR", "ar"):
        assert packing_mode(code, timed("Buenos", "días.", "La", "ciudad")) == "words", code
        assert packing_mode(code, timed("Buenos días. La ciudad")) == "sentences", code
    assert packing_mode("fr", timed("Bonjour !", "Ça", "va ?")) == "words"  # a spaced "!" is no phrase
    assert packing_mode("auto", timed("What", "a", "day! \U0001F600")) == "words"


def test_auto_detects_cjk_thai_and_hangul_and_phrase_timings() -> None:
    assert packing_mode("auto", timed("Every", "city", "has", "a", "sound.")) == "words"
    assert packing_mode("auto", timed("I", "visited", "Tōkyō", "(東京)", "yesterday", "with", "friends")) == "words"
    assert packing_mode("auto", timed("今日は", "いい", "天気")) == "sentences"
    assert packing_mode("auto", timed("สวัสดีครับ")) == "sentences"
    assert packing_mode("auto", timed("안녕하세요", "여러분")) == "sentences"
    # One timed "word" holding a whole phrase: the timings are not per word.
    assert packing_mode("auto", timed("Hello there, how are you?")) == "sentences"
    assert packing_mode("auto", WordTimings(duration=1, words=[])) == "words"


def test_pack_dispatches_to_the_chosen_packer() -> None:
    english = timed("Every", "city", "has", "a", "sound.")
    assert pack(english, max_chars=12) == segment_words(english, max_chars=12)
    japanese = timed("今日は", "いい", "天気です。")
    assert pack(japanese, max_chars=12) == segment_sentences(japanese, max_chars=12)
    assert pack(japanese, max_chars=12, language="en") == segment_words(japanese, max_chars=12)
