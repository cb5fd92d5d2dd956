"""Piper speed on this machine: model load apart, real-time factor, and what a scene costs beyond synthesis.

    python bench/tts_piper.py [--repeats 5] [--scenes 20]

Prints medians. RTF = synthesis seconds / audio seconds (lower is faster; 0.1 is ten times real time).
Per-scene overhead = one tts node run (normalise, split, synthesize, write WAV + JSON) minus synthesizing
the same text directly; the voice must load once for all scenes. Parallel: two scenes at a time on two
threads (the tts node declares one CPU), against one at a time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from nodes.tts import piper_engine
from nodes.tts.node import TTS, TTSParams, speakable_sentences
from nodes.tts.piper_engine import PiperEngine
from pipeline.device import cpu_threads
from pipeline.node import RunContext

PARAGRAPH = ("Every city has a sound at dawn. The first trams hum along the river, the bakeries open their "
             "doors, and the harbour wakes slowly. Listen closely, and it tells you where you are.")
SCENE = "The harbour wakes slowly, and the first boats leave before the sun is up."


def timed(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - start


def run_scene(work: Path, i: int, text: str) -> None:
    out = work / f"scene{i}"
    out.mkdir(exist_ok=True)
    ctx = RunContext(node=f"scene{i}", work_dir=out, outputs={"audio": out / "a.wav", "words": out / "w.json"})
    TTS().run(ctx, TTSParams(text=text), {})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--scenes", type=int, default=20)
    args = parser.parse_args()

    load = timed(lambda: piper_engine.load_voice(piper_engine.bundled_voice()))
    engine = PiperEngine()
    sentences = speakable_sentences(PARAGRAPH)
    audio_seconds = sum(engine.synthesize(s).duration for s in sentences)  # warm-up, and the audio length
    synth = [timed(lambda: [engine.synthesize(s) for s in sentences]) for _ in range(args.repeats)]
    rtf = statistics.median(synth) / audio_seconds

    scene_text = speakable_sentences(SCENE)[0]
    direct: list[float] = []
    node: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        loads_before = piper_engine.voice_loads()
        for i in range(args.scenes):  # paired, so load on the machine hits both sides alike
            direct.append(timed(lambda: engine.synthesize(scene_text)))
            node.append(timed(lambda i=i: run_scene(work, i, SCENE)))
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda i: run_scene(work, 100 + i, SCENE), range(args.scenes)))
        parallel = time.perf_counter() - start
        reloads = piper_engine.voice_loads() - loads_before

    overhead = statistics.median(n - d for n, d in zip(node, direct, strict=True))
    print(f"cpu threads available: {cpu_threads()}; Piper runs one onnxruntime thread per scene; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"model load (once per process):     {load:.2f} s")
    print(f"paragraph: {audio_seconds:.1f} s of audio, synthesis median {statistics.median(synth):.2f} s "
          f"-> RTF {rtf:.3f} ({1 / rtf:.1f}x real time)")
    print(f"scene ({len(SCENE)} chars): direct synthesis median {statistics.median(direct) * 1000:.0f} ms, "
          f"tts node median {statistics.median(node) * 1000:.0f} ms")
    print(f"per-scene overhead over {args.scenes} scenes: {overhead * 1000:.1f} ms "
          f"({overhead / statistics.median(direct):.1%} of synthesis); voice reloads: {reloads}")
    print(f"{args.scenes} scenes sequential {sum(node):.2f} s, two at a time {parallel:.2f} s "
          f"-> speed-up {sum(node) / parallel:.2f}x")
    print(f"load / one scene: {load / statistics.median(node):.1f}x (what reloading per scene would cost)")


if __name__ == "__main__":
    main()
