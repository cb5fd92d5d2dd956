"""``pipeline voices``: which speech engines and voices this machine can use, and why the others cannot.

The same checks as the tts node's fallback chain (installed packages, weights found offline), so what is
listed as usable is what a recipe gets.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from nodes.tts.align import aeneas_version
from nodes.tts.chatterbox_engine import BUILTIN_VOICE, ChatterboxEngine, ChatterboxOptions, chatterbox_version
from nodes.tts.kokoro_engine import LANGUAGES, KokoroEngine, KokoroOptions, kokoro_version
from nodes.tts.piper_engine import PiperEngine, bundled_voice, piper_version
from nodes.tts.remote_engine import RemoteEngine, RemoteOptions
from nodes.tts.weights import WeightsNotFound


@dataclass
class EngineRow:
    engine: str
    usable: bool
    detail: str
    voices: list[str] = field(default_factory=list)


def _piper() -> EngineRow:
    engine = PiperEngine()
    reason = engine.unavailable()
    if reason:
        return EngineRow("piper", False, reason)
    voice = bundled_voice()
    return EngineRow("piper", True, f"piper-tts {piper_version()}; other voices: voice: <path of a .onnx>",
                     [f"{voice.name.removesuffix('.onnx')} (bundled, en-us)"])


def _kokoro(weights: str | None) -> EngineRow:
    # Probe with an American voice; the language of each listed voice is its first letter.
    engine = KokoroEngine(options=KokoroOptions(weights=weights))
    reason = engine.unavailable()
    if reason and not reason.startswith("no weights"):
        return EngineRow("kokoro", False, reason)
    voice_dir: Path | None
    try:
        files = engine.files()
        voice_dir = files.voice.parent
    except WeightsNotFound:
        voice_dir = _kokoro_voice_dir(engine)
        if voice_dir is None:
            return EngineRow("kokoro", False, reason or "no weights")
    names = sorted(p.stem for p in voice_dir.glob("*.pt"))
    voices = [f"{n} ({LANGUAGES.get(n[0], '?')})" for n in names]
    if not names:
        return EngineRow("kokoro", False, f"no voices in {voice_dir}")
    return EngineRow("kokoro", True, f"{kokoro_version()}; weights in {voice_dir.parent}", voices)


def _kokoro_voice_dir(engine: KokoroEngine) -> Path | None:
    """The voices/ folder beside the config when af_heart itself is missing."""
    from nodes.tts.kokoro_engine import REPO
    from nodes.tts.weights import find_file

    try:
        config = find_file(REPO, "config.json", engine._dir(), allow_download=False)
    except WeightsNotFound:
        return None
    voices = config.parent / "voices"
    return voices if voices.is_dir() else None


def _chatterbox(weights: str | None) -> EngineRow:
    engine = ChatterboxEngine(options=ChatterboxOptions(weights=weights, reference="clip"))
    reason = engine.unavailable()
    if reason:
        return EngineRow("chatterbox", False, reason)
    files = engine.files()
    voices = ["any reference clip (chatterbox.reference: voice cloning, English)"]
    if (files["ve.safetensors"].parent / BUILTIN_VOICE).is_file():
        voices.insert(0, "built-in voice (no reference)")
    return EngineRow("chatterbox", True, f"{chatterbox_version()}; weights in {files['ve.safetensors'].parent}",
                     voices)


def _remote(urls: list[str], token_env: str | None) -> EngineRow:
    """A server speaking the media API: usable when one of ``urls`` answers, as a recipe's chain would see."""
    if not urls:
        return EngineRow("remote", False, "no server given: pipeline voices --remote http://host:8000 checks "
                                          "one (in a recipe: remote: {url: ...})")
    engine = RemoteEngine(RemoteOptions(url=urls, token_env=token_env), speed=1.0)
    reason = engine.unavailable()
    if reason:
        return EngineRow("remote", False, reason)
    about = engine.fingerprint()
    return EngineRow("remote", True, f"server {engine.url} ({about['remote-server']} {about['remote-version']})",
                     [f"any voice its Kokoro endpoint knows (remote.voice, default {engine.options.voice})"])


def engine_report(kokoro_weights: str | None = None, chatterbox_weights: str | None = None,
                  remote: list[str] | None = None, remote_token_env: str | None = None) -> list[EngineRow]:
    return [_piper(), _kokoro(kokoro_weights), _chatterbox(chatterbox_weights),
            _remote(remote or [], remote_token_env)]


def aligner_report() -> list[EngineRow]:
    aeneas = aeneas_version()
    return [
        EngineRow("energy", True, "speech/silence segmentation + words shared by length (always available)"),
        EngineRow("aeneas", aeneas is not None,
                  f"aeneas {aeneas} (forced alignment, espeak + DTW)" if aeneas else
                  "not installed: apt-get install libespeak-ng-dev festival-dev libestools-dev; pip install "
                  "aeneas-ng (AGPL-3.0)"),
    ]


def cmd_voices(args: argparse.Namespace) -> int:
    engines = engine_report(args.kokoro_weights, args.chatterbox_weights, args.remote, args.remote_token_env)
    aligners = aligner_report()
    if args.json:
        print(json.dumps({"engines": [asdict(r) for r in engines], "aligners": [asdict(r) for r in aligners]},
                         indent=2))
        return 0
    for row in engines:
        print(f"{row.engine:<11} {'usable' if row.usable else 'not usable'}: {row.detail}")
        for voice in row.voices:
            print(f"    {voice}")
    print("aligners (word timings for engines without them and for narration you bring):")
    for row in aligners:
        print(f"    {row.engine:<7} {'usable' if row.usable else 'not usable'}: {row.detail}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``voices`` to the ``pipeline`` command."""
    text = "list the speech engines and voices usable on this machine, and why others are not"
    parser = subparsers.add_parser("voices", help=text, description=text)
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--kokoro-weights", metavar="DIR", help="a Kokoro weights directory to check")
    parser.add_argument("--chatterbox-weights", metavar="DIR", help="a Chatterbox weights directory to check")
    parser.add_argument("--remote", metavar="URL", action="append",
                        help="a media server to check for the remote engine (repeat for several)")
    parser.add_argument("--remote-token-env", metavar="NAME",
                        help="environment variable holding that server's token")
    parser.set_defaults(fn=cmd_voices)


