"""The one interface every speech engine implements: text in, audio and word timings out.

The node does the rest (normalising, sentence splitting, joining with pauses, writing files), so an engine
is a small class that turns one chunk of text into sound and says when each of its words is spoken. An
engine object is cheap to build from params; its model is loaded (once per process, shared) on first use.
"""

from __future__ import annotations

import importlib.util
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from nodes.formats import Word

if TYPE_CHECKING:
    from pathlib import Path

    import numpy as np


@dataclass(frozen=True)
class Speech:
    """One synthesized piece of text.

    ``audio`` is mono float32 in [-1, 1]; ``words`` are exactly ``script_words(text)`` in order, timed in
    seconds from the start of ``audio``, never overlapping and within its length.
    """

    audio: np.ndarray
    sample_rate: int
    words: list[Word]

    @property
    def duration(self) -> float:
        return len(self.audio) / self.sample_rate


class VoiceError(Exception):
    """The voice or weights the user named are missing or unusable (theirs to fix)."""

    def __init__(self, message: str, hint: str, field: str = "voice") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.field = field


class Engine(ABC):
    """A speech engine configured for one voice and style."""

    name: ClassVar[str]
    # Silence between chunks when the recipe does not say.
    pause_ms: ClassVar[int] = 250
    # Whether the engine runs on a GPU when there is one (the node then takes the scheduler's GPU slot).
    uses_gpu: ClassVar[bool] = False

    @abstractmethod
    def synthesize(self, text: str) -> Speech:
        """Speak ``text`` (one chunk, already normalised) and time its script words."""

    @abstractmethod
    def fingerprint(self) -> dict[str, str | Path]:
        """Versions and weight digests that decide the output, for the cache key (memoised)."""

    def language(self) -> str:
        """The language the voice speaks (ISO 639-1: "en", "es"...). The narration is rewritten into
        English words (numbers, dates, abbreviations) only for "en"; other voices read it as written."""
        return "en"

    def check_voice(self) -> None:
        """Raise VoiceError when the chosen voice cannot be loaded (a damaged model file); checked before
        a run starts, so ``validate`` refuses what the run would. Default: nothing to check."""
        return None

    def unavailable(self) -> str | None:
        """Why this engine cannot run here (package not installed, weights not found), or None if it can.

        Cheap: no model is loaded. A fallback chain skips engines that give a reason.
        """
        return None

    def chunks(self, sentences: list[str]) -> list[str]:
        """The pieces to synthesize one call each; by default one sentence per call."""
        return sentences

    def configure(self, threads: int) -> None:
        """Use at most ``threads`` compute threads (torch engines set their intra-op pool)."""
        return None


def missing_modules(*modules: str) -> list[str]:
    """The modules of ``modules`` that cannot be imported, found without importing them."""
    missing = []
    for module in modules:
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(module)
    return missing


def keep_libraries_quiet() -> None:
    """Keep the speech libraries' own noise out of the user's terminal, which belongs to the progress
    display: setuptools' "pkg_resources is deprecated" warning (libraries that still import it, as
    Chatterbox's watermarker does, trigger it on import) and tqdm bars (Chatterbox draws one per chunk
    while sampling). Called before those libraries load; safe to call again."""
    import warnings

    warnings.filterwarnings("ignore", message=r".*pkg_resources is deprecated", category=UserWarning)
    try:
        import tqdm.std  # type: ignore[import-untyped, import-not-found, unused-ignore]
    except ImportError:
        return  # no tqdm, no bars
    bar = tqdm.std.tqdm
    if not getattr(bar, "_quiet_for_pipeline", False):
        import functools

        bar.__init__ = functools.partialmethod(bar.__init__, disable=True)  # type: ignore[method-assign, unused-ignore]
        bar._quiet_for_pipeline = True  # type: ignore[attr-defined, unused-ignore]


def set_torch_threads(threads: int) -> None:
    """torch's intra-op pool; more threads than the node's slot make autoregressive decoding far slower."""
    try:
        import torch
    except ImportError:
        return  # nothing to configure (a test engine standing in for a torch one)
    if torch.get_num_threads() != threads:
        torch.set_num_threads(max(1, threads))
