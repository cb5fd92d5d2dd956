"""The merge's audio tail of a long video: how much of a render it adds, stage by stage.

The merge of a cut-only video copies the scenes' video packets, so what it costs is the soundtrack:
reading each scene's sound, levelling it, the ducked music bed, the loudness target, and the AAC encode
(in fixed 30 s chunks, several at once, see nodes/media/aac.py; timed alone too, one chunk at once
against all at once, with a check that the bytes are the same). This runs
the real merge node over two narrated scenes of ``--minutes`` in all (tiny 160x284 pictures, so the
scene renders are cheap and the merge is all audio) with the repo's music, times each stage from the
node's own progress messages, and sets the merge beside the scene renders and beside the render of the
same length at 1080x1920 at the real-time factor bench/render_kenburns.py measures (``--render-speed``).

Goal (issue: every core and every worker): no single-threaded tail that dominates a long render.

    python bench/merge_tail.py [--minutes 10] [--render-speed 5.7]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.short_merge import MUSIC, PICTURES, narration  # noqa: E402
from nodes.audio.mix import load_kernels  # noqa: E402
from nodes.audio.pcm import read_audio  # noqa: E402
from nodes.media.aac import encode_aac  # noqa: E402
from nodes.media.ffmpeg import ffmpeg_exe  # noqa: E402
from nodes.merge.node import Merge, MergeParams  # noqa: E402
from nodes.render.node import Render, RenderParams  # noqa: E402
from pipeline.node import RunContext  # noqa: E402

THREADS = os.cpu_count() or 2
LABELS = {"mix": f"AAC encode (30 s chunks, {THREADS} at once)", "joining the scenes": "video packets copied, muxed"}


def stage_times(marks: list[tuple[float, str]], start: float, end: float) -> list[tuple[str, float]]:
    """Seconds from each progress message to the next (the first stage from ``start``)."""
    names = ["reading the scenes' sound"] + [LABELS.get(message.split(" at ")[0], message) for _, message in marks]
    times = [start] + [at for at, _ in marks] + [end]
    return [(name, times[i + 1] - times[i]) for i, name in enumerate(names) if times[i + 1] - times[i] >= 0.005]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the video (two scenes)")
    parser.add_argument("--render-speed", type=float, default=5.7,
                        help="times real time of a 1080x1920 render on this machine (bench/render_kenburns.py; "
                             "README's 10-minute row), to set the merge beside")
    args = parser.parse_args()
    scene_seconds = args.minutes * 60 / 2
    load_kernels()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        scenes = []
        started = time.perf_counter()
        for index in range(2):
            wav = narration(tmp / f"narration{index}.wav", scene_seconds, seed=index)
            scene = tmp / f"scene{index}.mp4"
            ctx = RunContext(node=f"scene{index}", work_dir=tmp, outputs={"video": scene}, threads=THREADS)
            Render().run(ctx, RenderParams(width=160, height=284, fps=30),
                         {"image": PICTURES[index], "audio": wav, "video": None, "captions": None})
            scenes.append(scene)
        renders = time.perf_counter() - started

        marks: list[tuple[float, str]] = []
        outputs = {"video": tmp / "final.mp4", "srt": tmp / "o.srt", "vtt": tmp / "o.vtt", "ass": tmp / "o.ass"}
        ctx = RunContext(node="merge", work_dir=tmp, outputs=outputs, threads=THREADS,
                         report=lambda node, fraction, message: marks.append((time.perf_counter(), message)))
        start = time.perf_counter()
        Merge().run(ctx, MergeParams(), {"scenes": scenes, "captions": None, "music": MUSIC})
        end = time.perf_counter()

        # The AAC encode alone, on the mix as the video carries it: chunks one at a time, then at once.
        mixed = read_audio(tmp / "final.mp4", field="video")
        encodes = {}
        for workers in (1, THREADS):
            began = time.perf_counter()
            track = encode_aac(mixed, tmp / f"aac{workers}.aac", exe=ffmpeg_exe(), workers=workers)
            encodes[workers] = (time.perf_counter() - began, track.path.read_bytes())

    merge = end - start
    seconds = args.minutes * 60
    print(f"Merge of {args.minutes:g} min (2 scenes, music, -14 LUFS, cut-only: video copied); {THREADS} threads")
    for name, took in stage_times(marks, start, end):
        print(f"  {name:<40}{took:7.2f} s")
    print(f"merge: {merge:.2f} s ({seconds / merge:.0f}x real time); tiny scene renders {renders:.1f} s")
    (one, one_bytes), (many, many_bytes) = encodes[1], encodes[THREADS]
    print(f"AAC encode alone: 1 chunk at once {one:.2f} s, {THREADS} at once {many:.2f} s: {one / many:.2f}x; "
          f"same bytes: {'yes' if one_bytes == many_bytes else 'NO'}")
    full = seconds / args.render_speed
    print(f"merge / a 1080x1920 render of the same length ({full:.0f} s at {args.render_speed:g}x): "
          f"{merge / full:.3f}; "
          f"share of render + merge {merge / (full + merge):.1%}")


if __name__ == "__main__":
    main()
