"""The one interface every speech engine implements: text in, audio and word timings out.

The node does the rest (normalising, sentence splitting, joining with pauses, writing files), so an engine
is a small class that turns one sentence into sound and says when each of its words is spoken.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from nodes.formats import Word


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


class Engine(ABC):
    """A speech engine configured for one voice and style. Constructing it must be cheap: the voice is loaded
    (once per process, shared) on the first ``synthesize``."""

    name: ClassVar[str]

    @abstractmethod
    def synthesize(self, text: str) -> Speech:
        """Speak ``text`` (one sentence, already normalised) and time its script words."""

    @abstractmethod
    def fingerprint(self) -> dict[str, str]:
        """Versions and weight digests that decide the output, for the cache key (memoised)."""
