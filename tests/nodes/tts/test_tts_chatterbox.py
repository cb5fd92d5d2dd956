"""Chatterbox through the real library (from_local, prepare_conditionals, generate, the Perth watermark) on
a small random checkpoint the test builds. Needs the heavy engines (scripts/install-engines.sh); skipped
without them.

The library's module sizes are hard-coded, so the test shrinks them at run time (patches undone after the
module) both while building and while loading. Random weights never emit the stop token, so generation is
capped at 25 speech tokens per call by wrapping the loaded model's T3 inference.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="Chatterbox needs torch: bash scripts/install-engines.sh VENV chatterbox")
pytest.importorskip("chatterbox.tts", reason="Chatterbox is not installed: bash scripts/install-engines.sh VENV")

import soundfile as sf  # noqa: E402

from nodes.formats import WordTimings  # noqa: E402
from nodes.tts import chatterbox_engine  # noqa: E402
from nodes.tts.models import MODELS  # noqa: E402
from nodes.tts.node import TTS, TTSParams  # noqa: E402
from nodes.tts.word_timing import script_words  # noqa: E402
from pipeline.node import RunContext  # noqa: E402

MAX_TOKENS = 25
CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?'\"-:;()"


def forcing(cls: type, **over: object) -> object:
    """A constructor that overrides keyword arguments even when the call site passes them."""
    return lambda *a, **kw: cls(*a, **{**kw, **over})


def shrink(mp: pytest.MonkeyPatch) -> None:
    import chatterbox.models.s3gen.s3gen as sg
    import chatterbox.models.t3.llama_configs as lc
    import chatterbox.models.t3.modules.cond_enc as ce
    import s3tokenizer.model_v2 as v2
    from chatterbox.models.t3.modules.perceiver import Perceiver

    h = 64
    mp.setitem(lc.LLAMA_CONFIGS, "Llama_520M", dict(
        lc.LLAMA_CONFIGS["Llama_520M"], hidden_size=h, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=4, head_dim=16))
    mp.setattr(ce, "Perceiver", forcing(Perceiver, pre_attention_query_size=h, embedding_dim=h, num_attn_heads=4))
    mp.setattr(sg, "UpsampleConformerEncoder", forcing(sg.UpsampleConformerEncoder, attention_heads=2,
                                                        linear_units=64, num_blocks=1))
    mp.setattr(sg, "ConditionalDecoder", forcing(sg.ConditionalDecoder, channels=[32], attention_head_dim=16,
                                                 n_blocks=1, num_mid_blocks=1, num_heads=2))
    mp.setattr(sg, "HiFTGenerator", forcing(sg.HiFTGenerator, base_channels=32))
    mp.setattr(sg, "ConvRNNF0Predictor", forcing(sg.ConvRNNF0Predictor, cond_channels=32))
    defaults = v2.S3TokenizerV2.__init__.__defaults__[0]
    for name, value in (("n_audio_state", 128), ("n_audio_head", 2), ("n_audio_layer", 1)):
        mp.setattr(defaults, name, value)


def build_checkpoint(directory: Path, prompt: Path) -> None:
    from chatterbox.models.s3gen import S3Gen
    from chatterbox.models.t3 import T3
    from chatterbox.models.tokenizers import EnTokenizer
    from chatterbox.models.tokenizers.tokenizer import SPECIAL_TOKENS
    from chatterbox.models.voice_encoder import VoiceEncoder
    from chatterbox.tts import ChatterboxTTS
    from safetensors.torch import save_file
    from tokenizers import Tokenizer, models

    torch.manual_seed(0)
    ve, t3, s3 = VoiceEncoder().eval(), T3().eval(), S3Gen().eval()
    for module, name in ((ve, "ve"), (t3, "t3_cfg"), (s3, "s3gen")):
        save_file({k: v.contiguous() for k, v in module.state_dict().items()}, directory / f"{name}.safetensors")
    vocab = {"[STOP]": 0, "[UNK]": 1, "[SPACE]": 2}
    vocab.update({c: i + 3 for i, c in enumerate(CHARS)})
    while len(vocab) < 255:
        vocab[f"[unused{len(vocab)}]"] = len(vocab)
    vocab["[START]"] = 255
    for token in SPECIAL_TOKENS:
        vocab.setdefault(token, max(vocab.values()) + 1)
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token="[UNK]"))
    tokenizer.add_special_tokens(SPECIAL_TOKENS)
    tokenizer.save(str(directory / "tokenizer.json"))
    model = ChatterboxTTS(t3, s3, ve, EnTokenizer(str(directory / "tokenizer.json")), "cpu")
    model.prepare_conditionals(str(prompt))
    model.conds.save(directory / "conds.pt")


def speechlike(seconds: float, rate: int) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 3 * t)
    rng = np.random.default_rng(0)
    return (0.3 * envelope * np.sin(2 * np.pi * 180 * t) + 0.02 * rng.standard_normal(t.size)).astype(np.float32)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    torch.set_num_threads(1)
    directory = tmp_path_factory.mktemp("chatterbox")
    prompt = directory / "prompt.wav"
    sf.write(prompt, speechlike(2.0, 24000), 24000)
    real_load = chatterbox_engine._load

    def capped_load(path: Path, device: str) -> chatterbox_engine.Loaded:
        loaded = real_load(path, device)
        inference = loaded.model.t3.inference
        loaded.model.t3.inference = lambda **kw: inference(**{**kw, "max_new_tokens": MAX_TOKENS})
        return loaded

    with pytest.MonkeyPatch.context() as mp:
        shrink(mp)
        build_checkpoint(directory, prompt)
        mp.setattr(chatterbox_engine, "_load", capped_load)
        MODELS.forget("chatterbox")
        yield directory
        MODELS.forget("chatterbox")
        MODELS.forget("chatterbox-voice")


def run(tmp_path: Path, **params: object) -> tuple[np.ndarray, int, WordTimings]:
    out = tmp_path / f"run{len(list(tmp_path.glob('run*')))}"
    out.mkdir()
    ctx = RunContext(node="n", work_dir=out, outputs={"audio": out / "a.wav", "words": out / "w.json"})
    TTS().run(ctx, TTSParams(**params), {})
    audio, rate = sf.read(out / "a.wav", dtype="float32")
    return audio, rate, WordTimings.load(out / "w.json")


def test_builtin_voice_two_chunks_with_silence_and_word_times(tmp_path: Path, checkpoint: Path) -> None:
    text = "Hello there, friend. This is the second chunk of text."
    audio, rate, timings = run(tmp_path, text=text, engine="chatterbox",
                               chatterbox={"weights": str(checkpoint), "chunk_chars": 40})
    assert rate == 24000
    assert [w.text for w in timings.words] == script_words(text)
    # Two capped calls (25 speech tokens, just under 1 s of audio each) and 350 ms of silence between them.
    gap = round(0.35 * 24000)
    assert 2 * 18000 + gap < len(audio) < 2 * 24000 + gap
    silent = np.flatnonzero(audio != 0)
    assert np.diff(silent).max() > gap  # the joining silence (the watermarked chunks themselves are not silent)
    assert timings.words[-1].end <= timings.duration
    assert MODELS.loads["chatterbox"] == 1


def test_reference_clip_in_another_format_is_embedded_once(tmp_path: Path, checkpoint: Path) -> None:
    reference = tmp_path / "voice.mp3"
    voice = speechlike(3.0, 44100)
    sf.write(reference, np.stack([voice, voice], axis=1), 44100)
    opts = {"weights": str(checkpoint), "reference": str(reference), "chunk_chars": 40}
    embeds = MODELS.loads["chatterbox-voice"]
    first, _, _ = run(tmp_path, text="One chunk here. And another one.", engine="chatterbox", chatterbox=opts)
    again, _, _ = run(tmp_path, text="One chunk here. And another one.", engine="chatterbox", chatterbox=opts)
    assert MODELS.loads["chatterbox-voice"] == embeds + 1
    assert MODELS.loads["chatterbox"] == 1
    assert np.array_equal(first, again)  # seeded sampling: the same text gives the same audio
    tools = TTS().tools(TTSParams(text="x", engine="chatterbox", chatterbox=opts))
    assert tools["tts-engine"] == "chatterbox" and tools["chatterbox-voice"] == reference  # hashed by the engine
