"""Chatterbox (Resemble AI, English): zero-shot voice cloning from a short reference clip.

Weights are the files of the hub repo ResembleAI/chatterbox (ve.safetensors, t3_cfg.safetensors,
s3gen.safetensors, tokenizer.json and conds.pt, the built-in voice), from a directory the user names or the
Hugging Face cache; downloaded only when the user allows it. The model is loaded once per process and
placed on the detected device (safetensors load on the CPU first and the built-in voice is read with
map_location per call, so CUDA-saved files load on CPU or MPS). A reference clip is decoded from any
common format, resampled to the model's rate and embedded once per process, not once per chunk.

The model speaks at most 1000 speech tokens (about 40 s) per call and gives no timings, so text is sent in
chunks of whole sentences well under that (over-long sentences cut at clauses), and word times come from
the alignment step on each chunk's audio. A chunk that fails fails the node; no text is dropped.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from nodes.tts.align import energy_align
from nodes.tts.audio import AudioReadError, read_mono
from nodes.tts.engine import Engine, Speech, VoiceError, keep_libraries_quiet, missing_modules, set_torch_threads
from nodes.tts.models import MODELS
from nodes.tts.piper_engine import file_digest
from nodes.tts.sentences import pack_sentences
from nodes.tts.weights import find_file, weights_problem
from nodes.tts.word_timing import script_words, tidy
from pipeline.device import detect_device
from pipeline.node import Params, RecipeFilePath, RecipePath

REPO = "ResembleAI/chatterbox"
MODEL_FILES = ("ve.safetensors", "t3_cfg.safetensors", "s3gen.safetensors", "tokenizer.json")
BUILTIN_VOICE = "conds.pt"
SAMPLE_RATE = 24000
REFERENCE_SECONDS = 12.0  # the model uses the first 10 s (S3Gen) and 6 s (T3) of the reference
_MODULES = ("torch", "chatterbox", "perth", "s3tokenizer", "librosa", "torchaudio")


class ChatterboxOptions(Params):
    reference: RecipePath | None = Field(
        default=None, description="A clip of the voice to clone (WAV, FLAC, MP3, M4A...; 5-10 s of clean "
                                  "speech); none = the built-in voice.")
    temperature: float = Field(default=0.8, gt=0, le=2, description="Sampling temperature.")
    cfg_weight: float = Field(default=0.5, ge=0, le=2, description="Classifier-free guidance weight (pacing).")
    exaggeration: float = Field(default=0.5, ge=0, le=2, description="Emotion intensity; 0.5 is neutral.")
    seed: int | None = Field(default=0, description="Seeds sampling per chunk so reruns match; none = random.")
    chunk_chars: int = Field(default=250, ge=40, le=400,
                             description="Longest chunk of text per model call (about 15 s of speech at 250; "
                                         "the model stops at about 40 s).")
    weights: RecipeFilePath | None = Field(default=None,
                                description="Directory with the model files; default: the Hugging Face cache "
                                            "of ResembleAI/chatterbox.")


def chatterbox_version() -> str:
    try:
        return f"chatterbox-tts {version('chatterbox-tts')}"
    except PackageNotFoundError:
        return "not installed"


@dataclass
class Loaded:
    model: Any
    builtin: Any  # the built-in voice's conditionals, or None when conds.pt is absent


def _load(directory: Path, device: str) -> Loaded:
    keep_libraries_quiet()
    from chatterbox.tts import ChatterboxTTS

    model = ChatterboxTTS.from_local(directory, device)
    return Loaded(model=model, builtin=model.conds)


def _embed(loaded: Loaded, reference: Path, exaggeration: float) -> Any:
    """The reference's conditionals (speaker embedding, prompt tokens, mel prompt), computed once."""
    import soundfile as sf

    try:
        audio, _ = read_mono(reference, SAMPLE_RATE, max_seconds=REFERENCE_SECONDS)
    except AudioReadError as exc:
        raise VoiceError(f"cannot read the voice reference: {exc}",
                         "give a readable audio file (WAV, FLAC, MP3, M4A) of 5-10 s of speech",
                         field="chatterbox") from exc
    if len(audio) < SAMPLE_RATE // 2:
        raise VoiceError(f"the voice reference {reference.name} is shorter than 0.5 s",
                         "give 5-10 s of clean speech", field="chatterbox")
    model = loaded.model
    with tempfile.TemporaryDirectory(prefix="chatterbox-ref-") as tmp:
        wav = Path(tmp) / "reference.wav"
        sf.write(wav, audio, SAMPLE_RATE, subtype="FLOAT")
        try:
            model.prepare_conditionals(str(wav), exaggeration=exaggeration)
            return model.conds
        finally:
            model.conds = loaded.builtin


@dataclass
class ChatterboxEngine(Engine):
    name: ClassVar[str] = "chatterbox"
    uses_gpu: ClassVar[bool] = True
    pause_ms: ClassVar[int] = 350

    options: ChatterboxOptions
    allow_download: bool = False

    def _dir(self) -> Path | None:
        return Path(self.options.weights).expanduser() if self.options.weights else None

    def reference(self) -> Path | None:
        if self.options.reference is None:
            return None
        path = Path(self.options.reference).expanduser()
        if not path.is_file():
            raise VoiceError(f"voice reference not found: {path}",
                             "give the path of a 5-10 s clip of the voice to clone, or leave reference out",
                             field="chatterbox")
        return path

    def files(self) -> dict[str, Path]:
        """The model files (and conds.pt when no reference is given); raises WeightsNotFound."""
        names = list(MODEL_FILES)
        if self.options.reference is None:
            names.append(BUILTIN_VOICE)
        return {name: find_file(REPO, name, self._dir(), self.allow_download) for name in names}

    def unavailable(self) -> str | None:
        missing = missing_modules(*_MODULES)
        if missing:
            return (f"not installed (no module {', '.join(missing)}): "
                    "bash scripts/install-engines.sh VENV chatterbox")
        return weights_problem(self._dir(), self.allow_download, self.files)

    def fingerprint(self) -> dict[str, str | Path]:
        files = self.files()
        reference = self.reference()
        found: dict[str, str | Path] = {"chatterbox": chatterbox_version()}
        found.update({f"chatterbox-{name}": files[name] for name in MODEL_FILES})
        found["chatterbox-voice"] = Path(reference) if reference else files[BUILTIN_VOICE]
        return found

    def chunks(self, sentences: list[str]) -> list[str]:
        return pack_sentences(sentences, self.options.chunk_chars)

    def configure(self, threads: int) -> None:
        set_torch_threads(threads)

    def _loaded(self) -> tuple[Loaded, tuple[str, str]]:
        files = self.files()
        directory = files["ve.safetensors"].parent
        device = detect_device()
        key = (str(directory.resolve()), device)
        return MODELS.get("chatterbox", key, lambda: _load(directory, device)), key

    def _conditionals(self, loaded: Loaded, key: tuple[str, str]) -> Any:
        reference = self.reference()
        if reference is None:
            if loaded.builtin is None:
                raise VoiceError("these Chatterbox weights have no built-in voice (conds.pt)",
                                 "give chatterbox.reference: a clip of the voice to clone", field="chatterbox")
            return loaded.builtin
        with MODELS.lock("chatterbox", key):
            return MODELS.get("chatterbox-voice", (*key, file_digest(reference)),
                              lambda: _embed(loaded, reference, self.options.exaggeration))

    def synthesize(self, text: str) -> Speech:
        import numpy as np

        loaded, key = self._loaded()
        conds = self._conditionals(loaded, key)
        model = loaded.model
        with MODELS.lock("chatterbox", key):
            model.conds = conds
            if self.options.seed is not None:
                import torch

                torch.manual_seed(self.options.seed)
            try:
                wav = model.generate(text, temperature=self.options.temperature,
                                     cfg_weight=self.options.cfg_weight, exaggeration=self.options.exaggeration)
            finally:
                model.conds = loaded.builtin
        if hasattr(wav, "detach"):
            wav = wav.detach().to("cpu").float().numpy()
        audio = np.clip(np.asarray(wav, dtype=np.float32).reshape(-1), -1.0, 1.0)
        if audio.size == 0:
            raise RuntimeError("Chatterbox produced no audio")
        words = script_words(text)
        times = energy_align(audio, SAMPLE_RATE, words)
        return Speech(audio=audio, sample_rate=SAMPLE_RATE, words=tidy(words, times, len(audio) / SAMPLE_RATE))
