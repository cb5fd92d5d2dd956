"""A tiny Whisper model in CTranslate2's format, with random weights, built offline.

Its layout is Whisper's multilingual one (51,865 tokens: text, end of text, start of transcript, 99
languages, the task tokens, 1,501 timestamps), so faster-whisper and CTranslate2 take it as they take the
real model; its text tokens are the 256 bytes, so any script tokenises. It recognises nothing useful: it
exercises the real loading, tokenising, encoding and alignment code on small arrays.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

D_MODEL, HEADS, LAYERS, FFN = 16, 2, 1, 32
N_MELS = 80
TEXT = 50257  # ids below are text tokens; the first 256 are the bytes


def _tokenizer(folder: Path) -> list[str]:
    """Write tokenizer.json and return the vocabulary in id order."""
    from faster_whisper.tokenizer import _LANGUAGE_CODES
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    vocab = alphabet + [f"<|unused{i}|>" for i in range(TEXT - len(alphabet))]
    languages = [code for code in _LANGUAGE_CODES if code != "yue"][:99]
    special = (["<|endoftext|>", "<|startoftranscript|>"] + [f"<|{code}|>" for code in languages]
               + ["<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|nospeech|>",
                  "<|notimestamps|>"] + [f"<|{i * 0.02:.2f}|>" for i in range(1501)])
    tokenizer = Tokenizer(models.BPE(vocab={tok: i for i, tok in enumerate(vocab)}, merges=[]))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.add_special_tokens([AddedToken(tok, special=True, normalized=False) for tok in special])
    tokenizer.save(str(folder / "tokenizer.json"))
    full = vocab + special
    assert len(full) == 51865 and tokenizer.token_to_id("<|0.00|>") == 50364
    return full


def build(folder: Path, seed: int = 0) -> Path:
    """Write a tiny CTranslate2 Whisper model into ``folder`` (model.bin, config.json, tokenizer.json)."""
    from ctranslate2.specs import whisper_spec

    folder.mkdir(parents=True, exist_ok=True)
    vocabulary = _tokenizer(folder)
    rng = np.random.default_rng(seed)

    def w(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) * 0.2).astype(np.float32)

    def norm(spec: object) -> None:
        spec.gamma = np.ones(D_MODEL, np.float32)  # type: ignore[attr-defined]
        spec.beta = np.zeros(D_MODEL, np.float32)  # type: ignore[attr-defined]

    def linear(spec: object, out: int, inp: int) -> None:
        spec.weight = w(out, inp)  # type: ignore[attr-defined]
        spec.bias = np.zeros(out, np.float32)  # type: ignore[attr-defined]

    spec = whisper_spec.WhisperSpec(LAYERS, HEADS, LAYERS, HEADS)
    enc = spec.encoder
    enc.conv1.weight, enc.conv1.bias = w(D_MODEL, N_MELS, 3), np.zeros(D_MODEL, np.float32)
    enc.conv2.weight, enc.conv2.bias = w(D_MODEL, D_MODEL, 3), np.zeros(D_MODEL, np.float32)
    enc.position_encodings.encodings = w(1500, D_MODEL)
    norm(enc.layer_norm)
    for layer in enc.layer:
        norm(layer.self_attention.layer_norm)
        linear(layer.self_attention.linear[0], 3 * D_MODEL, D_MODEL)
        linear(layer.self_attention.linear[1], D_MODEL, D_MODEL)
        norm(layer.ffn.layer_norm)
        linear(layer.ffn.linear_0, FFN, D_MODEL)
        linear(layer.ffn.linear_1, D_MODEL, FFN)
    dec = spec.decoder
    dec.embeddings.weight = w(len(vocabulary), D_MODEL)
    dec.position_encodings.encodings = w(448, D_MODEL)
    norm(dec.layer_norm)
    dec.projection.weight = dec.embeddings.weight
    for layer in dec.layer:
        norm(layer.self_attention.layer_norm)
        linear(layer.self_attention.linear[0], 3 * D_MODEL, D_MODEL)
        linear(layer.self_attention.linear[1], D_MODEL, D_MODEL)
        norm(layer.attention.layer_norm)
        linear(layer.attention.linear[0], D_MODEL, D_MODEL)
        linear(layer.attention.linear[1], 2 * D_MODEL, D_MODEL)
        linear(layer.attention.linear[2], D_MODEL, D_MODEL)
        norm(layer.ffn.layer_norm)
        linear(layer.ffn.linear_0, FFN, D_MODEL)
        linear(layer.ffn.linear_1, D_MODEL, FFN)
    spec.register_vocabulary(vocabulary)
    spec.config.suppress_ids = [1, 2]
    spec.config.suppress_ids_begin = [220, 50257]
    spec.config.lang_ids = list(range(50259, 50358))
    spec.config.alignment_heads = [[0, 0], [0, 1]]
    spec.validate()
    spec.save(str(folder))
    return folder


if __name__ == "__main__":
    import sys

    print(json.dumps(sorted(p.name for p in build(Path(sys.argv[1])).iterdir())))
