"""Shared fixtures: the bundled Piper voice is loaded once for the whole test session."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from nodes.formats import WordTimings
from nodes.tts import piper_engine
from nodes.tts.node import TTS, TTSParams
from pipeline.node import RunContext

Result = tuple[np.ndarray, int, WordTimings]


@pytest.fixture(scope="session")
def voice_loaded() -> int:
    """Load the bundled voice; returns the process's load count right after."""
    piper_engine.load_voice(piper_engine.bundled_voice())
    return piper_engine.voice_loads()


@pytest.fixture
def run_tts(tmp_path: Path, voice_loaded: int) -> Callable[..., Result]:
    """Run the tts node on params; returns (int16 samples, sample rate, word timings)."""
    counter = iter(range(1000))

    def run(progress: list[float] | None = None, **params: object) -> Result:
        out = tmp_path / f"run{next(counter)}"
        out.mkdir()
        ctx = RunContext(node="narrate", work_dir=out, outputs={"audio": out / "a.wav", "words": out / "w.json"},
                         report=lambda node, frac, msg: progress.append(frac) if progress is not None else None)
        TTS().run(ctx, TTSParams(**params), {})
        audio, rate = sf.read(out / "a.wav", dtype="int16")
        return audio, rate, WordTimings.load(out / "w.json")

    return run
