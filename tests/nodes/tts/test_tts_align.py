"""Alignment without engine timings: speech segments, words shared by length, and the align node."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from nodes.formats import WordTimings
from nodes.tts import piper_engine
from nodes.tts.align import distribute, energy_align, speech_segments
from nodes.tts.align_node import Align, AlignParams
from nodes.tts.piper_engine import PiperEngine
from pipeline.node import NodeInputError, Pending, RunContext

RATE = 16000


def bursts(lengths: list[float], gap: float = 0.3, lead: float = 0.2, rate: int = RATE) -> np.ndarray:
    """Noise bursts (speech stand-ins) of the given lengths separated by silence, with a little hiss."""
    rng = np.random.default_rng(1)
    pieces = [np.zeros(int(lead * rate))]
    for length in lengths:
        pieces.append(0.1 * rng.standard_normal(int(length * rate)))
        pieces.append(np.zeros(int(gap * rate)))
    audio = np.concatenate(pieces)
    return (audio + 0.001 * rng.standard_normal(len(audio))).astype(np.float32)


def test_segments_follow_the_bursts() -> None:
    audio = bursts([0.5, 0.3, 0.8])
    segments = speech_segments(audio, RATE)
    expected = [(0.2, 0.7), (1.0, 1.3), (1.6, 2.4)]
    assert len(segments) == 3
    for (a, b), (x, y) in zip(segments, expected, strict=True):
        assert a == pytest.approx(x, abs=0.05) and b == pytest.approx(y, abs=0.05)


def test_short_gaps_do_not_split_and_silence_has_no_segments() -> None:
    assert len(speech_segments(bursts([0.4, 0.4], gap=0.08), RATE)) == 1
    assert speech_segments(np.zeros(RATE, dtype=np.float32), RATE) == []


def test_words_go_to_their_segments_by_length() -> None:
    words = ["Hello", "there.", "Nice", "day."]
    segments = [(0.0, 1.0), (2.0, 3.0)]
    spans = distribute(words, segments, 3.5)
    assert spans[0][0] == 0.0 and spans[1][1] == pytest.approx(1.0)
    assert spans[2][0] == pytest.approx(2.0) and spans[3][1] == pytest.approx(3.0)
    assert spans[0][1] - spans[0][0] == pytest.approx(5 / 10)  # "Hello" is 5 of the 10 letters of its stretch
    # Numbers weigh what they say: "$1,200" takes longer than "hi".
    money = distribute(["hi", "$1,200"], [(0.0, 1.0)], 1.0)
    assert money[1][1] - money[1][0] > 5 * (money[0][1] - money[0][0])
    # No speech found: the whole file is shared.
    assert distribute(["a", "b"], [], 2.0) == [(0.0, 1.0), (1.0, 2.0)]


def test_energy_alignment_is_close_to_piper_own_timings() -> None:
    engine = PiperEngine()
    speech = engine.synthesize("Every city has a sound at dawn, and the harbour wakes slowly.")
    piper_engine.load_voice(piper_engine.bundled_voice())
    words = [w.text for w in speech.words]
    spans = energy_align(speech.audio, speech.sample_rate, words)
    errors = [abs(s[0] - w.start) for s, w in zip(spans, speech.words, strict=True)]
    assert np.mean(errors) < 0.2
    assert max(errors) < 0.5


def run_align(tmp_path: Path, source: Path, text: str, **params: object) -> tuple[np.ndarray, int, WordTimings]:
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    ctx = RunContext(node="n", work_dir=out, outputs={"audio": out / "a.wav", "words": out / "w.json"})
    Align().run(ctx, AlignParams(text=text, **params), {"audio": source})
    audio, rate = sf.read(out / "a.wav", dtype="float32")
    return audio, rate, WordTimings.load(out / "w.json")


@pytest.mark.parametrize("suffix", [".flac", ".mp3"])
def test_align_node_reads_any_format_and_times_words(tmp_path: Path, suffix: str) -> None:
    mono = bursts([0.6, 0.6], rate=44100)
    source = tmp_path / f"narration{suffix}"
    sf.write(source, np.stack([mono, mono], axis=1), 44100)
    audio, rate, timings = run_align(tmp_path, source, "Hello world. Goodbye now!", aligner="energy")
    assert rate == 44100 and audio.ndim == 1
    assert timings.duration == pytest.approx(len(audio) / rate, abs=1e-3)
    assert timings.duration == pytest.approx(len(mono) / 44100, abs=0.06)
    assert [w.text for w in timings.words] == ["Hello", "world.", "Goodbye", "now!"]
    assert timings.words[0].start == pytest.approx(0.2, abs=0.06)
    assert timings.words[2].start == pytest.approx(1.1, abs=0.08)  # the second burst
    rms = float(np.sqrt(np.mean(audio**2)))
    assert rms == pytest.approx(float(np.sqrt(np.mean(mono**2))), rel=0.1)  # stereo averaged, not summed


def test_align_node_input_errors(tmp_path: Path) -> None:
    bad = tmp_path / "notes.mp3"
    bad.write_text("not audio")
    with pytest.raises(NodeInputError) as caught:
        run_align(tmp_path, bad, "Hello.")
    assert caught.value.field == "audio"
    good = tmp_path / "a.wav"
    sf.write(good, bursts([0.3]), RATE)
    with pytest.raises(NodeInputError) as caught:
        run_align(tmp_path, good, " ... ")
    assert caught.value.field == "text"
    assert [e.field for e in Align().check(AlignParams(text="Hi."), {"audio": tmp_path / "nope.wav"})] == ["audio"]


def test_align_check_leaves_a_recording_another_step_makes_to_its_run() -> None:
    assert Align().check(AlignParams(text="Hi."), {"audio": Pending("record", "audio")}) == []


def test_align_tools_name_the_aligner(monkeypatch: pytest.MonkeyPatch) -> None:
    from nodes.tts import align_node

    monkeypatch.setenv("PIPELINE_WHISPER_MODEL", "off")  # no recogniser: auto means aeneas, else energy
    monkeypatch.setattr(align_node, "aeneas_version", lambda: None)
    assert Align().tools(AlignParams(text="Hi.")) == {"aligner": "energy-2"}
    with pytest.raises(NodeInputError) as caught:
        Align().tools(AlignParams(text="Hi.", aligner="aeneas"))
    assert caught.value.field == "aligner"
    monkeypatch.setattr(align_node, "aeneas_version", lambda: "1.7.4.0")
    assert Align().tools(AlignParams(text="Hi."))["aligner"] == "aeneas 1.7.4.0"


def test_aeneas_aligns_piper_speech_when_installed(tmp_path: Path) -> None:
    pytest.importorskip("aeneas", reason="aeneas-ng is not installed (optional forced aligner)")
    speech = PiperEngine().synthesize("Every city has a sound at dawn. Listen closely, and it tells you where.")
    source = tmp_path / "narration.wav"
    sf.write(source, speech.audio, speech.sample_rate)
    _, _, timings = run_align(tmp_path, source, " ".join(w.text for w in speech.words), aligner="aeneas")
    errors = [abs(a.start - b.start) for a, b in zip(timings.words, speech.words, strict=True)]
    assert np.mean(errors) < 0.25


def test_cjk_narration_is_spread_over_all_its_speech() -> None:
    """Three Chinese sentences spoken as three bursts: each sentence's captions fall in its own burst (the
    whole text was one script word, so every caption was squeezed into one burst's time)."""
    from nodes.captions.pack import pack
    from nodes.tts.word_timing import script_words, tidy

    text = "今天天气很好，阳光明媚。我们一起去公园散步吧！你觉得这个主意怎么样？"
    audio = bursts([1.0, 1.2, 1.2], gap=0.5)
    words = script_words(text)
    duration = len(audio) / RATE
    timings = WordTimings(duration=duration, words=tidy(words, energy_align(audio, RATE, words), duration))
    track = pack(timings, max_chars=16, lines=1, language="zh")
    bursts_at = speech_segments(audio, RATE)
    assert len(bursts_at) == 3
    for sentence, (start, end) in zip(("今天", "我们", "你觉得"), bursts_at, strict=True):
        first = next(s for s in track.segments if s.lines[0].startswith(sentence))
        assert start - 0.05 <= first.start <= end, (sentence, first, bursts_at)
