"""Joining sentences and long narrations, with a fake engine so thousands of words stay fast."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from nodes.formats import WordTimings
from nodes.tts import fallback
from nodes.tts.engine import Engine, Speech
from nodes.tts.node import TTS, TTSParams
from nodes.tts.spoken_text import normalize
from nodes.tts.word_timing import proportional, script_words, tidy
from pipeline.node import NodeError, NodeInputError, RunContext

RATE = 16000


class ToneEngine(Engine):
    """0.05 s of tone per character, words shared out proportionally; records what it was asked to say."""

    name = "tone"

    def __init__(self) -> None:
        self.said: list[str] = []

    def fingerprint(self) -> dict[str, str]:
        return {"tone": "1"}

    def synthesize(self, text: str) -> Speech:
        self.said.append(text)
        n = int(0.05 * RATE * len(text))
        audio = (0.3 * np.sin(np.arange(n) * 0.1)).astype(np.float32)
        words = script_words(text)
        return Speech(audio, RATE, tidy(words, proportional(words, 0.0, n / RATE), n / RATE))


@pytest.fixture
def tone(monkeypatch: pytest.MonkeyPatch) -> ToneEngine:
    engine = ToneEngine()
    monkeypatch.setitem(fallback.ENGINES, "piper", lambda params: engine)
    return engine


def run(tmp_path: Path, text: str, **params: object) -> tuple[np.ndarray, WordTimings, list[float | None]]:
    progress: list[float | None] = []
    ctx = RunContext(node="n", work_dir=tmp_path, outputs={"audio": tmp_path / "a.wav", "words": tmp_path / "w.json"},
                     report=lambda node, frac, msg: progress.append(frac))
    TTS().run(ctx, TTSParams(text=text, **params), {})
    audio, rate = sf.read(tmp_path / "a.wav", dtype="float32")
    assert rate == RATE
    return audio, WordTimings.load(tmp_path / "w.json"), progress


def test_sentences_are_joined_with_the_pause(tmp_path: Path, tone: ToneEngine) -> None:
    audio, timings, _ = run(tmp_path, "Hi there. Bye now!", sentence_pause_ms=300)
    assert tone.said == ["Hi there.", "Bye now!"]
    expected = int(0.05 * RATE * 9) + int(0.05 * RATE * 8) + round(0.3 * RATE)
    assert len(audio) == expected
    assert timings.duration == pytest.approx(expected / RATE)
    assert [w.text for w in timings.words] == ["Hi", "there.", "Bye", "now!"]
    assert timings.words[2].start == pytest.approx(int(0.05 * RATE * 9) / RATE + 0.3, abs=1e-3)
    pause = audio[int(0.05 * RATE * 9):int(0.05 * RATE * 9) + round(0.3 * RATE)]
    assert not pause.any()


def test_long_narration_is_spoken_sentence_by_sentence(tmp_path: Path, tone: ToneEngine) -> None:
    sentence = "The quick brown fox jumps over the lazy dog, and then it rests for a while."
    text = " ".join([sentence] * 200)  # 3200 words
    _, timings, progress = run(tmp_path, text, sentence_pause_ms=100)
    assert len(tone.said) == 200
    assert len(timings.words) == 3200
    assert [w.text for w in timings.words[:16]] == script_words(sentence)
    ends = [w.end for w in timings.words]
    starts = [w.start for w in timings.words]
    assert all(a <= b for a, b in zip(ends[:-1], starts[1:], strict=True))
    assert ends[-1] <= timings.duration
    assert len(progress) == 200 and progress[-1] == 1.0
    assert progress == sorted(progress)


def test_punctuation_only_sentences_are_not_synthesized(tmp_path: Path, tone: ToneEngine) -> None:
    _, timings, _ = run(tmp_path, "Wait.\n\n...\n\nGo on.")
    assert tone.said == ["Wait.", "Go on."]
    assert [w.text for w in timings.words] == ["Wait.", "Go", "on."]


def test_text_without_words_is_an_input_error(tmp_path: Path, tone: ToneEngine) -> None:
    with pytest.raises(NodeInputError, match="no words") as caught:
        run(tmp_path, "... \u2014 !")
    assert caught.value.field == "text"
    assert tone.said == []


def test_engine_failure_names_the_sentence(tmp_path: Path, tone: ToneEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(text: str) -> Speech:
        raise RuntimeError("phonemizer exploded")

    monkeypatch.setattr(tone, "synthesize", fail)
    with pytest.raises(NodeError) as caught:
        run(tmp_path, "First one. Second one.")
    assert "chunk 1 of 2" in caught.value.message and "First one." in caught.value.message
    # One line in the user's terms: the library's own text never reaches them (it is logged at debug).
    assert "\n" not in caught.value.message and "exploded" not in caught.value.message
    assert caught.value.detail is None and caught.value.field == "engine"


def test_engine_warnings_stay_out_of_the_terminal(tmp_path: Path, tone: ToneEngine,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A numpy RuntimeWarning raised while speaking (an overflow) is not printed to the user."""
    import warnings

    real = tone.synthesize

    def noisy(text: str) -> Speech:
        warnings.warn("overflow encountered in multiply", RuntimeWarning, stacklevel=1)
        return real(text)

    monkeypatch.setattr(tone, "synthesize", noisy)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        run(tmp_path, "Quiet please.")


def test_ten_thousand_words_with_numbers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A book-chapter narration: normalised, split and joined in seconds; every spoken word timed once."""

    class Quick(ToneEngine):
        def synthesize(self, text: str) -> Speech:
            self.said.append(text)
            n = 40 * len(text)  # 2.5 ms per character at 16 kHz
            words = script_words(text)
            audio = np.full(n, 0.1, dtype=np.float32)
            return Speech(audio, RATE, tidy(words, proportional(words, 0.0, n / RATE), n / RATE))

    engine = Quick()
    monkeypatch.setitem(fallback.ENGINES, "piper", lambda params: engine)
    paragraph = ("On 3/14/2024 Dr. Lee paid $1,200 for 12 maps of the coast, and the crew sailed at 5:30 "
                 "before the tide turned. ")  # 23 words, 34 once spoken
    text = paragraph * 435  # 10,005 words
    _, timings, progress = run(tmp_path, text, sentence_pause_ms=50)
    spoken = script_words(normalize(paragraph))
    assert len(timings.words) == 435 * len(spoken)
    assert [w.text for w in timings.words[:len(spoken)]] == spoken
    assert len(engine.said) == 435 and progress[-1] == 1.0
    assert all(a.end <= b.start for a, b in zip(timings.words, timings.words[1:]))
