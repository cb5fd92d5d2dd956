"""The tts node with real Piper synthesis (short texts; the voice is loaded once per session)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from nodes.formats import WordTimings
from nodes.tts import piper_engine
from nodes.tts.node import TTS, TTSParams
from pipeline.node import NodeInputError, RunContext

SCRIPT = "Every city has a sound at dawn. Listen closely, and it tells you where you are! Do you hear it?"
SCRIPT_WORDS = ["Every", "city", "has", "a", "sound", "at", "dawn.", "Listen", "closely,", "and", "it", "tells",
                "you", "where", "you", "are!", "Do", "you", "hear", "it?"]


def assert_well_timed(timings: WordTimings, samples: int, rate: int) -> None:
    assert timings.duration == pytest.approx(samples / rate, abs=1e-3)
    previous_end = 0.0
    for word in timings.words:
        assert previous_end <= word.start <= word.end <= timings.duration
        previous_end = word.end


def test_speaks_every_script_word_in_order(run_tts: Callable) -> None:
    progress: list[float] = []
    audio, rate, timings = run_tts(progress=progress, text=SCRIPT)
    assert rate == 22050
    assert audio.ndim == 1
    assert [w.text for w in timings.words] == SCRIPT_WORDS
    assert_well_timed(timings, len(audio), rate)
    assert 3.0 < timings.duration < 12.0
    assert np.sqrt(np.mean((audio / 32768.0) ** 2)) > 0.02  # not silent
    assert all(w.end - w.start > 0.02 for w in timings.words)  # every word gets some sound
    assert progress == pytest.approx([1 / 3, 2 / 3, 1.0])


def test_sentence_pause_lengthens_the_audio(run_tts: Callable) -> None:
    short, rate, _ = run_tts(text="One. Two.", sentence_pause_ms=0)
    long, _, timings = run_tts(text="One. Two.", sentence_pause_ms=500)
    assert len(long) - len(short) == round(rate * 0.5)
    # The second sentence starts after the pause.
    assert timings.words[1].start - timings.words[0].end >= 0.5


def test_same_text_gives_identical_samples(run_tts: Callable) -> None:
    a, _, words_a = run_tts(text="Same words, same sound.")
    b, _, words_b = run_tts(text="Same words, same sound.")
    assert np.array_equal(a, b)
    assert words_a == words_b


def test_faster_speed_gives_shorter_audio(run_tts: Callable) -> None:
    normal, _, _ = run_tts(text="A quick sentence to time.")
    fast, _, _ = run_tts(text="A quick sentence to time.", speed=2.0)
    assert len(fast) < 0.7 * len(normal)


@pytest.mark.parametrize("speed", [0.001, 1e-300, 0.0, -1.0, 4.5, float("nan")])
def test_a_speed_outside_what_the_engines_speak_is_refused_naming_speed(speed: float) -> None:
    """speed 0.001 kept Piper generating for minutes; 1e-300 overflowed inside onnxruntime."""
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as caught:
        TTSParams(text="Hi there friend", speed=speed)
    assert [e["loc"] for e in caught.value.errors()] == [("speed",)]
    assert TTSParams(text="Hi", speed=0.25).speed == 0.25 and TTSParams(text="Hi", speed=4).speed == 4


def test_merged_and_split_words_keep_their_own_times(run_tts: Callable) -> None:
    """espeak says "for the" as one word and "R2-D2" as several; each script word still gets its span."""
    audio, rate, timings = run_tts(text="He paid for the book about R2-D2 today.")
    assert [w.text for w in timings.words] == ["He", "paid", "for", "the", "book", "about", "R2-D2", "today."]
    assert_well_timed(timings, len(audio), rate)
    assert all(w.end > w.start for w in timings.words)
    droid, about = timings.words[6], timings.words[5]
    assert droid.end - droid.start > about.end - about.start


def test_normalised_text_is_what_the_words_say(run_tts: Callable) -> None:
    _, _, timings = run_tts(text="It cost $40 on 3/14/2024.")
    assert [w.text for w in timings.words] == ["It", "cost", "forty", "dollars", "on", "March", "fourteenth,",
                                               "twenty", "twenty-four."]


def test_empty_text_is_an_input_error(tmp_path: Path) -> None:
    node = TTS()
    params = TTSParams(text="  \n\t ")
    ctx = RunContext(node="n", work_dir=tmp_path, outputs={"audio": tmp_path / "a.wav", "words": tmp_path / "w.json"})
    with pytest.raises(NodeInputError) as caught:
        node.run(ctx, params, {})
    assert caught.value.field == "text"
    assert caught.value.hint
    assert [e.field for e in node.check(params, {})] == ["text"]


def test_missing_voice_is_an_input_error(tmp_path: Path) -> None:
    params = TTSParams(text="Hello.", voice=str(tmp_path / "nope.onnx"))
    with pytest.raises(NodeInputError) as caught:
        TTS().tools(params)
    assert caught.value.field == "voice"
    assert "nope.onnx" in caught.value.message
    assert [e.field for e in TTS().check(params, {})] == ["voice"]


def test_voice_without_config_is_an_input_error(tmp_path: Path) -> None:
    model = tmp_path / "voice.onnx"
    model.write_bytes(b"not a model")
    with pytest.raises(NodeInputError, match=r"voice\.onnx\.json"):
        TTS().tools(TTSParams(text="Hello.", voice=str(model)))


def test_voice_is_loaded_once_across_runs(run_tts: Callable, voice_loaded: int) -> None:
    before = piper_engine.voice_loads()
    run_tts(text="First scene.")
    run_tts(text="Second scene.", speed=1.2)
    run_tts(text="Third scene.", deterministic=False)
    assert piper_engine.voice_loads() == before


def test_concurrent_runs_share_the_voice(run_tts: Callable) -> None:
    alone, _, _ = run_tts(text="Two threads, one voice.")
    results: list[np.ndarray] = []
    lock = threading.Lock()

    def work() -> None:
        audio, _, _ = run_tts(text="Two threads, one voice.")
        with lock:
            results.append(audio)

    before = piper_engine.voice_loads()
    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2 and all(np.array_equal(r, alone) for r in results)
    assert piper_engine.voice_loads() == before


def test_tools_fingerprint_the_voice_and_piper() -> None:
    tools = TTS().tools(TTSParams(text="Hello."))
    assert tools["piper-tts"] == piper_engine.piper_version()
    assert tools["piper-voice"] == piper_engine.bundled_voice()  # a file: the engine hashes it
    assert tools["piper-voice-config"].name.endswith(".onnx.json")
    other = TTS().tools(TTSParams(text="Other text."))
    assert {k: v for k, v in other.items() if k != "spoken-text"} == \
        {k: v for k, v in tools.items() if k != "spoken-text"}


def test_a_change_in_the_reading_rules_re_speaks_only_the_texts_it_changes(monkeypatch) -> None:
    from nodes.tts import node as tts_node

    before = {text: TTS().tools(TTSParams(text=text))["spoken-text"] for text in ("Call 555-1234.", "Hello.")}
    reading = tts_node.normalize
    monkeypatch.setattr(tts_node, "normalize", lambda text: reading(text.replace("555-1234", "555-9876")))
    assert TTS().tools(TTSParams(text="Call 555-1234."))["spoken-text"] != before["Call 555-1234."]
    assert TTS().tools(TTSParams(text="Hello."))["spoken-text"] == before["Hello."]


def test_diagnostics_name_the_engines() -> None:
    facts = TTS.diagnostics()
    assert facts["tts.piper"].startswith("yes")
    assert "piper-tts" in facts["tts.piper"]
    assert facts["tts.kokoro"].startswith(("yes", "no: "))
    assert facts["tts.chatterbox"].startswith(("yes", "no: "))


def _spanish_voice(folder: Path) -> Path:
    """The bundled voice under a config that names Spanish (espeak then phonemises Spanish)."""
    import json

    source = piper_engine.bundled_voice()
    model = folder / "es_ES-test-medium.onnx"
    model.symlink_to(source)
    config = json.loads(piper_engine.config_of(source).read_text(encoding="utf-8"))
    config["language"], config["espeak"] = {"code": "es_ES"}, {"voice": "es"}
    piper_engine.config_of(model).write_text(json.dumps(config), encoding="utf-8")
    return model


def test_only_an_english_voice_gets_english_words(run_tts: Callable, tmp_path: Path) -> None:
    """"5 gatos" stays as written for a Spanish voice (espeak reads it "cinco"), never "five gatos"."""
    _, _, english = run_tts(text="I have 5 cats, since 1990-2000.")
    assert [w.text for w in english.words] == ["I", "have", "five", "cats,", "since", "nineteen", "ninety", "to",
                                               "two", "thousand."]
    _, _, spanish = run_tts(text="Tengo 5 gatos desde 1990-2000.", voice=str(_spanish_voice(tmp_path)))
    assert [w.text for w in spanish.words] == ["Tengo", "5", "gatos", "desde", "1990-2000."]


def test_a_voice_language_comes_from_its_config(tmp_path: Path) -> None:
    import json

    model = tmp_path / "v.onnx"
    model.write_bytes(b"")
    cases = [({"language": {"code": "de_DE"}, "espeak": {"voice": "de"}}, "de"), ({"espeak": {"voice": "pt-br"}}, "pt"),
             ({"audio": {}}, "en"), ("not json{", "en")]
    for config, language in cases:
        text = config if isinstance(config, str) else json.dumps(config)
        piper_engine.config_of(model).write_text(text, encoding="utf-8")
        assert piper_engine.voice_language(model) == language, config
    assert piper_engine.PiperEngine().language() == "en"  # the bundled voice


def _samples(voice: object, text: str) -> np.ndarray:
    from piper import SynthesisConfig

    config = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
    return np.concatenate([chunk.audio_int16_array for chunk in voice.synthesize(text, syn_config=config)])


def test_the_patched_voice_is_kept_and_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The voice with its timing output is written once to the user's cache folder; later loads read it
    (no parsing or patching) and speak the same samples; a damaged copy is replaced; an unwritable cache
    folder, or no home folder at all, only costs speed."""
    model = piper_engine.bundled_voice()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    kept = piper_engine.prepared_path(model)
    assert kept is not None and kept.parent == tmp_path / "xdg" / "pipeline" / "piper-voices"
    first = piper_engine._load(model)
    assert kept.is_file() and not list(kept.parent.glob("*.tmp"))
    expected = _samples(first, "Kept voices speak alike.")

    def no_patching(model: Path) -> bytes:
        raise AssertionError("the kept copy should have been used")

    with monkeypatch.context() as patch:
        patch.setattr(piper_engine, "_patched", no_patching)
        reused = piper_engine._load(model)
        assert np.array_equal(_samples(reused, "Kept voices speak alike."), expected)
        chunks = list(reused.synthesize("Timed words.", include_alignments=True))
        assert all(chunk.phoneme_alignments for chunk in chunks)  # the copy keeps the timing output

    kept.write_bytes(b"not an onnx model")
    assert np.array_equal(_samples(piper_engine._load(model), "Kept voices speak alike."), expected)
    assert kept.stat().st_size > 1_000_000  # made again

    (tmp_path / "file").write_text("a file where a folder should be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))
    assert np.array_equal(_samples(piper_engine._load(model), "Kept voices speak alike."), expected)

    def homeless() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setattr(piper_engine.Path, "home", staticmethod(homeless))
    assert piper_engine.prepared_path(model) is None
    assert np.array_equal(_samples(piper_engine._load(model), "Kept voices speak alike."), expected)


def test_a_relative_weights_folder_is_taken_beside_the_recipe_even_when_missing(tmp_path, monkeypatch):
    """``weights: models/kokoro`` names a folder beside the recipe; when it is missing there, the node
    is told that folder (and reports it), not the same name in the current folder."""
    from pipeline.recipe.load import load_recipe

    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    project.mkdir()
    (elsewhere / "models" / "kokoro").mkdir(parents=True)  # a folder of that name in the current folder
    (project / "a.jpg").write_bytes(b"")
    (project / "r.yaml").write_text("""\
version: 1
voice: {engine: kokoro, kokoro: {weights: models/kokoro}, chatterbox: {weights: ../elsewhere/models/x}}
allow_outside_paths: true
scenes:
  - text: One.
    image: a.jpg
""")
    monkeypatch.chdir(elsewhere)
    params = load_recipe(project / "r.yaml").steps["scene1.tts"].params
    assert params.kokoro.weights == str((project / "models" / "kokoro").resolve())
    assert params.chatterbox.weights == str((elsewhere / "models" / "x").resolve())


def test_emoji_after_a_sentence_is_shown_not_spoken(run_tts: Callable) -> None:
    """An emoji closing a sentence is kept on its last word (it was split off as a word-less sentence and
    dropped from every caption), and the voice does not read its name out."""
    plain, _, _ = run_tts(text="What a day!")
    _, _, timings = run_tts(text="What a day! \U0001F600 Then we rest. \U0001F44B")
    texts = [w.text for w in timings.words]
    assert texts == ["What", "a", "day! \U0001F600", "Then", "we", "rest. \U0001F44B"]
    first_sentence = timings.words[2].end
    assert first_sentence < len(plain) / 22050 + 0.1  # no "grinning face" read out
