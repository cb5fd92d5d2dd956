"""Which engine speaks: the engines by name, and the fallback chain that picks the first usable one.

``engine: [chatterbox, kokoro, piper]`` means: Chatterbox if it is installed and has its weights, else
Kokoro, else Piper. The choice is made the same way when the cache key is computed and when the node runs,
so the key names the engine that actually spoke; every engine passed over is reported with its reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from nodes.tts.chatterbox_engine import ChatterboxEngine
from nodes.tts.engine import Engine
from nodes.tts.kokoro_engine import KokoroEngine
from nodes.tts.piper_engine import PiperEngine
from nodes.tts.remote_engine import RemoteEngine

if TYPE_CHECKING:
    from nodes.tts.node import TTSParams


def _piper(params: TTSParams) -> Engine:
    return PiperEngine(voice=params.voice, speed=params.speed, deterministic=params.deterministic)


def _kokoro(params: TTSParams) -> Engine:
    return KokoroEngine(options=params.kokoro, speed=params.speed, allow_download=params.allow_download)


def _chatterbox(params: TTSParams) -> Engine:
    return ChatterboxEngine(options=params.chatterbox, allow_download=params.allow_download)


def _remote(params: TTSParams) -> Engine:
    return RemoteEngine(options=params.remote, speed=params.speed)


# Engine name -> factory from params. Adding an engine means one class and one entry here.
ENGINES: dict[str, Callable[[TTSParams], Engine]] = {"piper": _piper, "kokoro": _kokoro,
                                                     "chatterbox": _chatterbox, "remote": _remote}


class NoEngine(Exception):
    """No engine of the chain can run here; the message lists why for each."""


@dataclass
class Choice:
    engine: Engine
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def warnings(self) -> list[str]:
        return [f"tts engine {name} skipped: {reason}; using {self.engine.name}" for name, reason in self.skipped]


def chain(params: TTSParams) -> list[str]:
    return [params.engine] if isinstance(params.engine, str) else list(params.engine)


def choose(params: TTSParams) -> Choice:
    """The first engine of the chain that can run here, and the ones passed over with their reasons."""
    skipped: list[tuple[str, str]] = []
    for name in chain(params):
        engine = ENGINES[name](params)
        reason = engine.unavailable()
        if reason is None:
            return Choice(engine, skipped)
        skipped.append((name, reason))
    raise NoEngine("; ".join(f"{name}: {reason}" for name, reason in skipped))
