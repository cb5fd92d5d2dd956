"""Scaling of one long render: segments at once, side by side with today's single render step.

One still scene of ``--seconds`` (a photo-like picture, ease-in-out zoom, no music; silent, or with
``--narration`` a speech-like recording as long as the scene) is run as a whole recipe (render, then the
merge) with fresh caches:

- today: the scene as one render step (one ffmpeg, x264's fixed threads, fed by one Python thread);
- N at once: the scene list's render step with ``segment_seconds``, which splits into its segments when it
  runs (2 s of frames each, a one-thread x264 each), with PIPELINE_THREADS=N, so the local executor runs N
  segments at once, with the soundtrack step beside them; the join and the merge follow;
- with --dask: the segments on a Dask LocalCluster (one single-threaded worker process per CPU thread).

Printed: seconds, realtime factors, CPU seconds (this process and its children: the pipeline, ffmpeg),
the speed-up of each count over 1 at once, the best count against today, and whether the final files of
every segmented run are byte-identical (they must be).
Goals (issue 19): on 2 cores, 2 at once >= 1.6x of 1 at once; no regression against today.

    python bench/scale.py [--seconds 600] [--size 1080x1920] [--counts 1,2,4] [--dask]
    python bench/scale.py --seconds 60     # a shorter run: a minute of video, a few minutes to measure
    python bench/scale.py --narration      # with a sound to encode: the join then copies it
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from render_kenburns import photo  # noqa: E402
from short_merge import narration  # noqa: E402

PIPELINE = str(Path(sys.executable).with_name("pipeline"))

SCENES = """\
version: 1
output: {{size: {size}, fps: {fps}}}
captions: false
motion: {{zoom: in, amount: 0.12, easing: ease-in-out}}
render: {{segment_seconds: {segment}}}
scenes:
  - image: photo.jpg
    {length}
"""

WHOLE = """\
version: 1
steps:
  scene: {{type: render, image: photo.jpg, duration: {seconds}, width: {width}, height: {height}, fps: {fps},{audio}
          motion: {{zoom: in, amount: 0.12, easing: ease-in-out}}}}
  merge: {{type: merge, scenes: ["${{scene.video}}"]}}
outputs:
  out/whole.mp4: ${{merge.video}}
"""



def cpu_seconds() -> float:
    """User + system CPU seconds of this process and its finished children (the pipeline and its ffmpegs)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def timed_run(folder: Path, recipe: str, cache: str, threads: str | None,
              executor: str = "local") -> tuple[float, float]:
    """Wall seconds and CPU seconds of one run of ``recipe`` with a fresh cache. (Dask's worker
    processes are not children of this one: their CPU time is not counted.)"""
    env = dict(os.environ)
    if threads is not None:
        env["PIPELINE_THREADS"] = threads
    cpu = cpu_seconds()
    start = time.perf_counter()
    subprocess.run([PIPELINE, "--cache-dir", str(folder / cache), "run", "-q", "--executor", executor,
                    str(folder / recipe)], check=True, env=env)
    return time.perf_counter() - start, cpu_seconds() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--size", default="1080x1920")
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--segment", type=float, default=2.0, help="segment_seconds")
    parser.add_argument("--counts", default="1,2,4", help="segments at once (PIPELINE_THREADS), comma-separated")
    parser.add_argument("--dask", action="store_true", help="also run the segments on a Dask LocalCluster")
    parser.add_argument("--narration", action="store_true",
                        help="give the scene a speech-like recording as long as it (a sound to encode)")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))
    counts = [c.strip() for c in args.counts.split(",") if c.strip()]

    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        folder = Path(tmp)
        photo(folder / "photo.jpg")
        listed, stepped = f"duration: {args.seconds}", ""
        if args.narration:  # a recording used as it is, as long as the scene
            narration(folder / "narration.wav", args.seconds, seed=1)
            listed, stepped = "audio: narration.wav", " audio: narration.wav,"
        (folder / "scenes.yaml").write_text(SCENES.format(size=args.size, fps=args.fps, segment=args.segment,
                                                          length=listed))
        (folder / "whole.yaml").write_text(WHOLE.format(seconds=args.seconds, width=width, height=height,
                                                        fps=args.fps, audio=stepped))
        # compile the kernels and hash ffmpeg once, outside the timings
        subprocess.run([PIPELINE, "--cache-dir", str(folder / "warm"), "run", "-q", str(folder / "whole.yaml")],
                       check=True, env={**os.environ}, stdout=subprocess.DEVNULL)

        print(f"one still scene of {args.seconds:g} s at {width}x{height}, {args.fps} fps, "
              f"{'narrated' if args.narration else 'silent'}; segments of "
              f"{args.segment:g} s; {os.cpu_count()} CPUs visible")
        rows: list[tuple[str, tuple[float, float]]] = []
        today = timed_run(folder, "whole.yaml", "today", None)
        rows.append(("today: one render step", today))
        seconds_at: dict[str, float] = {}
        digests: dict[str, str] = {}
        for count in counts:
            timing = timed_run(folder, "scenes.yaml", f"segments{count}", count)
            seconds_at[count] = timing[0]
            digests[count] = hashlib.sha256((folder / "out" / "scenes.mp4").read_bytes()).hexdigest()
            rows.append((f"{count} segment{'s' if count != '1' else ''} at once", timing))
        if args.dask:
            rows.append(("segments on Dask LocalCluster", timed_run(folder, "scenes.yaml", "dask", None, "dask")))
            digests["dask"] = hashlib.sha256((folder / "out" / "scenes.mp4").read_bytes()).hexdigest()

        for label, (seconds, cpu) in rows:
            print(f"{label:<34}{seconds:8.2f} s   {args.seconds / seconds:6.2f}x realtime   {cpu:8.2f} CPU s")
        base = seconds_at.get("1")
        if base:
            for count, seconds in seconds_at.items():
                if count != "1":
                    print(f"speed-up, {count} at once / 1 at once: {base / seconds:.2f}x"
                          + ("   (goal on 2 cores: >= 1.6x)" if count == "2" else ""))
        best = min(seconds_at.values())
        print(f"best segmented / today (time): {best / today[0]:.3f}x   (goal: <= 1.0x)")
        same = len(set(digests.values())) == 1
        print(f"final files byte-identical across {', '.join(digests)}: {'yes' if same else 'NO'}")
        if not same:
            sys.exit(1)


if __name__ == "__main__":
    main()
