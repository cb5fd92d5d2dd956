"""Engine choice (fallback chains), the shared model store, and Chatterbox's chunking, joining, silence,
reference resampling and error paths with only the model replaced (the real library is tested apart)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from nodes.formats import WordTimings
from nodes.tts import chatterbox_engine, fallback
from nodes.tts.chatterbox_engine import BUILTIN_VOICE, MODEL_FILES, SAMPLE_RATE, Loaded
from nodes.tts.cli import engine_report, register
from nodes.tts.engine import Engine, Speech
from nodes.tts.models import MODELS, Models
from nodes.tts.node import TTS, TTSParams
from nodes.tts.word_timing import proportional, script_words, tidy
from pipeline.node import NodeError, NodeInputError, RunContext


class Fake(Engine):
    def __init__(self, name: str, reason: str | None) -> None:
        self.name = name  # type: ignore[misc]
        self.reason = reason

    def unavailable(self) -> str | None:
        return self.reason

    def fingerprint(self) -> dict[str, str]:
        return {self.name: "1"}

    def synthesize(self, text: str) -> Speech:
        words = script_words(text)
        return Speech(np.full(1600, 0.1, dtype=np.float32), 16000, tidy(words, proportional(words, 0, 0.1), 0.1))


def run(tmp_path: Path, **params: object) -> tuple[np.ndarray, int, WordTimings, list[str]]:
    warnings: list[str] = []
    out = tmp_path / f"run{len(list(tmp_path.glob('run*')))}"
    out.mkdir()
    ctx = RunContext(node="n", work_dir=out, outputs={"audio": out / "a.wav", "words": out / "w.json"},
                     warn=lambda node, msg: warnings.append(msg))
    TTS().run(ctx, TTSParams(**params), {})
    audio, rate = sf.read(out / "a.wav", dtype="float32")
    return audio, rate, WordTimings.load(out / "w.json"), warnings


def test_chain_uses_the_first_usable_engine_and_says_why_others_were_skipped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(fallback.ENGINES, "chatterbox", lambda p: Fake("chatterbox", "no weights: x not found"))
    monkeypatch.setitem(fallback.ENGINES, "kokoro", lambda p: Fake("kokoro", None))
    params = {"text": "Hello there.", "engine": ["chatterbox", "kokoro", "piper"]}
    _, rate, timings, warnings = run(tmp_path, **params)
    assert rate == 16000 and [w.text for w in timings.words] == ["Hello", "there."]
    assert warnings == ["tts engine chatterbox skipped: no weights: x not found; using kokoro"]
    tools = TTS().tools(TTSParams(**params))
    assert tools.pop("spoken-text") and tools == {"tts-engine": "kokoro", "kokoro": "1"}


def test_real_chain_falls_back_to_piper_when_heavy_engines_have_no_weights(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    empty = tmp_path / "no-weights"
    empty.mkdir()
    params = {"text": "Fallback works.", "engine": ["chatterbox", "kokoro", "piper"],
              "kokoro": {"weights": str(empty)}, "chatterbox": {"weights": str(empty)}}
    audio, rate, timings, warnings = run(tmp_path, **params)
    assert rate == 22050 and len(audio) > 0
    assert [w.text for w in timings.words] == ["Fallback", "works."]
    assert [m.split(":")[0] for m in warnings] == ["tts engine chatterbox skipped", "tts engine kokoro skipped"]
    assert all(m.endswith("using piper") for m in warnings)
    assert TTS().tools(TTSParams(**params))["tts-engine"] == "piper"


def test_no_usable_engine_is_an_input_error_listing_reasons(tmp_path: Path) -> None:
    params = TTSParams(text="Hi.", engine=["kokoro", "chatterbox"], kokoro={"weights": str(tmp_path)},
                       chatterbox={"weights": str(tmp_path)})
    with pytest.raises(NodeInputError) as caught:
        TTS().tools(params)
    assert caught.value.field == "engine"
    assert "kokoro:" in caught.value.message and "chatterbox:" in caught.value.message
    assert [e.field for e in TTS().check(params, {})] == ["engine"]


def test_unknown_engine_name_is_rejected() -> None:
    with pytest.raises(ValueError):
        TTSParams(text="Hi.", engine=["espeak"])


def test_models_load_once_even_when_threads_race() -> None:
    store = Models()
    calls: list[int] = []

    def load() -> object:
        calls.append(1)
        time.sleep(0.05)
        return object()

    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(store.get("x", "k", load))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and store.loads["x"] == 1
    assert all(r is results[0] for r in results)
    assert store.get("x", "other", object) is not results[0] and store.loads["x"] == 2


def test_voices_command_lists_engines() -> None:
    import argparse

    rows = {row.engine: row for row in engine_report()}
    assert rows["piper"].usable and rows["piper"].voices
    for name in ("kokoro", "chatterbox"):
        assert rows[name].usable or rows[name].detail  # a reason whenever it is not usable
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["voices", "--json"])
    assert args.fn(args) == 0


# --- Chatterbox with the model call replaced --------------------------------------------------------------


class FakeChatterbox:
    """Stands in for ChatterboxTTS: one noise burst per word with pauses, and records what it was given."""

    def __init__(self) -> None:
        self.conds: object = "builtin"
        self.calls: list[tuple[str, object, dict[str, float]]] = []
        self.references: list[tuple[int, int, int]] = []
        self.fail_on: str | None = None

    def prepare_conditionals(self, path: str, exaggeration: float = 0.5) -> None:
        info = sf.info(path)
        self.references.append((info.samplerate, info.channels, info.frames))
        self.conds = f"reference@{exaggeration}"

    def generate(self, text: str, **kwargs: float) -> np.ndarray:
        self.calls.append((text, self.conds, kwargs))
        if self.fail_on and self.fail_on in text:
            raise RuntimeError("CUDA out of memory")
        rng = np.random.default_rng(len(text))
        pieces = []
        for word in text.split():
            pieces.append(0.1 * rng.standard_normal(int(0.06 * SAMPLE_RATE * len(word))))
            pieces.append(np.zeros(int(0.3 * SAMPLE_RATE)))
        return np.concatenate(pieces)[None, :]


@pytest.fixture
def fake_chatterbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[FakeChatterbox, Path]:
    weights = tmp_path / "chatterbox-weights"
    weights.mkdir()
    for name in (*MODEL_FILES, BUILTIN_VOICE):
        (weights / name).write_bytes(name.encode())
    model = FakeChatterbox()
    monkeypatch.setattr(chatterbox_engine, "_MODULES", ())
    monkeypatch.setattr(chatterbox_engine, "_load", lambda directory, device: Loaded(model, "builtin"))
    MODELS.forget("chatterbox")
    MODELS.forget("chatterbox-voice")
    yield model, weights
    MODELS.forget("chatterbox")
    MODELS.forget("chatterbox-voice")


def test_chatterbox_chunks_join_with_silence_and_keep_every_word(
        tmp_path: Path, fake_chatterbox: tuple[FakeChatterbox, Path]) -> None:
    model, weights = fake_chatterbox
    long_sentence = ", ".join(["the wind rose over the hills"] * 6) + "."
    text = f"First short one. Second short one. {long_sentence} Last one!"
    audio, rate, timings, _ = run(tmp_path, text=text, engine="chatterbox",
                                  chatterbox={"weights": str(weights), "chunk_chars": 80, "seed": None})
    chunks = [c[0] for c in model.calls]
    assert chunks[0] == "First short one. Second short one."
    assert all(len(c) <= 80 for c in chunks) and len(chunks) >= 4
    assert " ".join(chunks) == text  # nothing dropped, nothing repeated
    assert all(c.endswith((",", ".", "!")) for c in chunks)  # the long sentence is cut at its commas
    assert [w.text for w in timings.words] == script_words(text)
    assert rate == SAMPLE_RATE
    # Each chunk's audio, then 350 ms of exact silence before the next.
    lengths = [model.generate(c)[0].size for c in chunks]
    gap = round(0.35 * SAMPLE_RATE)
    assert len(audio) == sum(lengths) + gap * (len(chunks) - 1)
    assert not audio[lengths[0]:lengths[0] + gap].any()
    assert model.calls[0][2] == {"temperature": 0.8, "cfg_weight": 0.5, "exaggeration": 0.5}
    # The bursts are found: "Second" starts where its burst does (0.06 s per letter + 0.3 s per word before).
    second = timings.words[3]
    assert second.start == pytest.approx(0.06 * (5 + 5 + 4) + 0.9, abs=0.06)


def test_chatterbox_pause_is_configurable(tmp_path: Path, fake_chatterbox: tuple[FakeChatterbox, Path]) -> None:
    model, weights = fake_chatterbox
    opts = {"weights": str(weights), "chunk_chars": 40, "seed": None}
    a, _, _, _ = run(tmp_path, text="One two three four five. Six seven eight nine ten.", engine="chatterbox",
                     chatterbox=opts)
    b, _, _, _ = run(tmp_path, text="One two three four five. Six seven eight nine ten.", engine="chatterbox",
                     chatterbox=opts, sentence_pause_ms=0)
    assert len(a) - len(b) == round(0.35 * SAMPLE_RATE)


def test_chatterbox_reference_is_resampled_and_embedded_once(
        tmp_path: Path, fake_chatterbox: tuple[FakeChatterbox, Path]) -> None:
    model, weights = fake_chatterbox
    reference = tmp_path / "me.flac"
    t = np.arange(44100 * 3) / 44100
    tone = (0.2 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    sf.write(reference, np.stack([tone, tone], axis=1), 44100)
    opts = {"weights": str(weights), "reference": str(reference), "chunk_chars": 40, "seed": None}
    run(tmp_path, text="A first chunk of text. And a second chunk here.", engine="chatterbox", chatterbox=opts)
    run(tmp_path, text="Another scene, same voice.", engine="chatterbox", chatterbox=opts)
    assert model.references == [(SAMPLE_RATE, 1, 3 * SAMPLE_RATE)]
    assert [c[1] for c in model.calls] == ["reference@0.5"] * 3
    assert model.conds == "builtin"  # a scene without reference still gets the built-in voice
    run(tmp_path, text="Built in.", engine="chatterbox", chatterbox={"weights": str(weights), "seed": None})
    assert model.calls[-1][1] == "builtin"
    assert MODELS.loads["chatterbox-voice"] >= 1
    tools = TTS().tools(TTSParams(text="x", engine="chatterbox", chatterbox=opts))
    assert tools["tts-engine"] == "chatterbox" and tools["chatterbox-voice"] == Path(opts["reference"])


def test_chatterbox_failed_chunk_fails_the_node_naming_it(
        tmp_path: Path, fake_chatterbox: tuple[FakeChatterbox, Path]) -> None:
    model, weights = fake_chatterbox
    model.fail_on = "Second"
    with pytest.raises(NodeError) as caught:
        run(tmp_path, text="The first part is fine. Second part breaks.", engine="chatterbox",
            chatterbox={"weights": str(weights), "chunk_chars": 40, "seed": None})
    assert "chunk 2 of 2" in caught.value.message and "Second part breaks." in caught.value.message
    assert "it ran out of memory" in caught.value.message and "CUDA" not in caught.value.message
    assert caught.value.detail is None


def test_chatterbox_bad_reference_and_missing_builtin_voice(
        tmp_path: Path, fake_chatterbox: tuple[FakeChatterbox, Path]) -> None:
    _, weights = fake_chatterbox
    with pytest.raises(NodeInputError) as caught:
        TTS().tools(TTSParams(text="x", engine="chatterbox",
                              chatterbox={"weights": str(weights), "reference": str(tmp_path / "nope.wav")}))
    assert caught.value.field == "chatterbox" and "nope.wav" in caught.value.message
    (weights / BUILTIN_VOICE).unlink()
    _, _, _, warnings = run(tmp_path, text="Hi.", engine=["chatterbox", "piper"],
                            chatterbox={"weights": str(weights), "seed": None})
    assert "conds.pt" in warnings[0] and warnings[0].endswith("using piper")


def test_kokoro_language_follows_the_voice_letter_or_lang() -> None:
    from nodes.tts.kokoro_engine import KokoroEngine, KokoroOptions

    def language(**options: str) -> str:
        return KokoroEngine(KokoroOptions(**options)).language()

    assert [language(voice=v) for v in ("af_heart", "bf_emma", "ef_dora", "ff_siwis", "jf_alpha", "zf_xiaobei")] == \
        ["en", "en", "es", "fr", "ja", "zh"]
    assert language(voice="af_heart", lang="p") == "pt"
    assert Fake("x", None).language() == "en"  # an engine that says nothing speaks English


def test_a_gpu_voice_takes_the_gpu_slot(monkeypatch) -> None:
    """Kokoro and Chatterbox run on the GPU when there is one: the node asks for the GPU slot, so two do
    not share one GPU at once and Dask sends them to a GPU worker. Piper, and a chain that cannot run
    (the run reports why), ask for a core."""
    from nodes.tts import node as tts_node
    from nodes.tts.fallback import Choice
    from nodes.tts.kokoro_engine import KokoroEngine, KokoroOptions
    from pipeline.node import Resources

    assert TTS().resources_for(TTSParams(text="Hi.")) == Resources(cpu=1)  # the bundled Piper voice
    monkeypatch.setattr(tts_node, "choose", lambda params: Choice(KokoroEngine(KokoroOptions(voice="af_heart"))))
    assert TTS().resources_for(TTSParams(text="Hi.", engine="kokoro")) == Resources(cpu=1, gpu=1)
    assert chatterbox_engine.ChatterboxEngine.uses_gpu

    def nothing(params):
        raise fallback.NoEngine("none installed")

    monkeypatch.setattr(tts_node, "choose", nothing)
    assert TTS().resources_for(TTSParams(text="Hi.", engine="kokoro")) == Resources(cpu=1)
