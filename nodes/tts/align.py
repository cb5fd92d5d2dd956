"""Word timings for audio whose engine gives none (Chatterbox, narration the user brings).

Two steps, both offline and weight-free: find where speech is (frame energy against a threshold set between
the file's noise floor and its speech level, short gaps bridged), then share each stretch of speech among
the words in proportion to how long they take to say. Words are placed on stretches by their position in
the text, so an error stays local to a phrase. A forced aligner (aeneas, espeak + DTW) is used instead
when it is installed and asked for; it runs in a subprocess under a timeout because it shells out to
espeak and ffmpeg and has been seen to hang.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

from nodes.tts.engine import missing_modules
from nodes.tts.spoken_text import normalize
from nodes.tts.word_timing import Span, proportional, weight

if TYPE_CHECKING:
    import numpy as np

FRAME_S = 0.02
MIN_GAP_S = 0.18     # shorter silences are pauses inside a phrase, not breaks between phrases
MIN_SPEECH_S = 0.06  # shorter bursts are clicks
PAD_S = 0.02

ENERGY = "energy-2"  # the method's version, for the cache key


def speech_segments(audio: np.ndarray, rate: int) -> list[Span]:
    """The stretches of ``audio`` (seconds) that hold speech, in order; [] for silence."""
    import numpy as np

    hop = max(1, int(FRAME_S * rate))
    n = len(audio) // hop
    if n == 0:
        return []
    frames = np.asarray(audio[: n * hop], dtype=np.float64).reshape(n, hop)
    db = 10.0 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    floor, loud = np.percentile(db, 10), np.percentile(db, 95)
    if loud < -60.0:
        return []
    threshold = max(floor + 0.35 * (loud - floor), -55.0) if loud - floor > 6.0 else -55.0
    voiced = db > threshold
    segments: list[list[int]] = []
    for i in np.flatnonzero(voiced):
        if segments and i - segments[-1][1] <= MIN_GAP_S / FRAME_S:
            segments[-1][1] = int(i) + 1
        else:
            segments.append([int(i), int(i) + 1])
    duration = len(audio) / rate
    out: list[Span] = []
    for a, b in segments:
        if (b - a) * FRAME_S < MIN_SPEECH_S:
            continue
        out.append((max(0.0, a * hop / rate - PAD_S), min(duration, b * hop / rate + PAD_S)))
    return out


def spoken_size(word: str) -> float:
    """How long ``word`` takes to say, in letters of its spoken form ("$40" says "forty dollars")."""
    return float(weight(normalize(word)))


def distribute(words: Sequence[str], segments: Sequence[Span], duration: float) -> list[Span]:
    """Times for ``words`` over the speech ``segments``: each word goes to the stretch where the middle of
    its share of the text falls, and each stretch is shared among its words by size."""
    import numpy as np

    if not words:
        return []
    if not segments:
        return proportional(words, 0.0, duration, [spoken_size(w) for w in words])
    sizes = [spoken_size(w) for w in words]
    total_size = sum(sizes)
    lengths = [b - a for a, b in segments]
    total_speech = sum(lengths)
    bounds = np.cumsum([0.0, *lengths]) / total_speech
    owner: list[int] = []
    at = 0.0
    for size in sizes:
        middle = (at + size / 2) / total_size
        at += size
        owner.append(min(len(segments) - 1, int(np.searchsorted(bounds, middle, side="right")) - 1))
    spans: list[Span] = []
    i = 0
    while i < len(words):
        j = i
        while j < len(words) and owner[j] == owner[i]:
            j += 1
        spans.extend(proportional(words[i:j], *segments[owner[i]], sizes[i:j]))
        i = j
    return spans


def energy_align(audio: np.ndarray, rate: int, words: Sequence[str]) -> list[Span]:
    return distribute(words, speech_segments(audio, rate), len(audio) / rate)


# --- the optional forced aligner ------------------------------------------------------------------------


def aeneas_version() -> str | None:
    if missing_modules("aeneas"):
        return None
    try:
        return version("aeneas-ng")
    except PackageNotFoundError:
        try:
            return version("aeneas")
        except PackageNotFoundError:
            return "unknown"


ALIGN_RATE = 16000  # what aeneas computes MFCCs at; giving it that rate spares it a conversion


def _resample(audio: np.ndarray, rate: int, target: int) -> np.ndarray:
    """Linear-interpolation resampling: plenty for MFCC alignment at 16 kHz."""
    import numpy as np

    if rate == target:
        return audio
    n = int(round(len(audio) * target / rate))
    return np.interp(np.arange(n) * rate / target, np.arange(len(audio)), audio).astype(np.float32)


class AlignerError(Exception):
    """The forced aligner failed; the caller falls back to energy alignment or reports it."""


def aeneas_align(audio: np.ndarray, rate: int, words: Sequence[str], language: str = "eng",
                 timeout: float | None = None) -> list[Span]:
    """Word spans from aeneas (espeak-ng synthesis of the text, MFCC + DTW against the audio)."""
    import soundfile as sf

    if not words:
        return []
    limit = timeout if timeout is not None else 60.0 + 2.0 * len(audio) / rate
    with tempfile.TemporaryDirectory(prefix="align-") as tmp:
        wav, txt, out = Path(tmp) / "a.wav", Path(tmp) / "w.txt", Path(tmp) / "spans.json"
        sf.write(wav, _resample(audio, rate, ALIGN_RATE), ALIGN_RATE, subtype="PCM_16")
        txt.write_text("\n".join(words) + "\n", encoding="utf-8")
        cmd = [sys.executable, "-m", "nodes.tts.aeneas_driver", str(wav), str(txt), str(out), language]
        try:
            done = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=limit,
                                  check=False)
        except subprocess.TimeoutExpired as exc:
            raise AlignerError(f"aeneas did not finish within {limit:.0f} s") from exc
        if done.returncode != 0 or not out.is_file():
            raise AlignerError(f"aeneas failed (exit {done.returncode}): {(done.stderr or done.stdout)[-500:]}")
        spans = [(float(a), float(b)) for a, b in json.loads(out.read_text(encoding="utf-8"))]
    if len(spans) != len(words):
        raise AlignerError(f"aeneas returned {len(spans)} spans for {len(words)} words")
    return spans
