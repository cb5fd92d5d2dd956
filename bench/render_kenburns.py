"""Ken Burns render: speed, smoothness and memory, measured side by side in one run.

On the same picture (a generated 2400x1600 photo-like image: shapes with sharp edges over 1/f noise) and the same
20 s of narration, at 1080x1920 and 30 fps, every variant encodes with the same settings (libx264
veryfast, CRF 23, yuv420p, AAC 192k, the machine's thread count):

- ours: the render node (default motion: ease-in-out zoom by 12%, sub-pixel);
- original: the original server's zoompan command (zoom + 0.001 per frame towards the top-left corner,
  on the picture pre-fitted to 1080x1920 as its router did, which is not timed);
- floor: the encoder alone on the very frames ours makes (written to a raw file beforehand), i.e. the
  cost of encoding with no motion work at all.

Then the jitter of ours and of the original (phase correlation between consecutive frames, residual from
a smooth trajectory; see ``jitter.py``) and the peak memory of a 10-minute render in a child process
(the child's own high-water mark plus its ffmpeg's, which run at the same time).

Goals: ours <= 1.0x original, <= 1.2x floor; jitter <= 0.05 px; memory <= 1 GB.

    python bench/render_kenburns.py [--quick] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile as sf
from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from jitter import jitter_px  # noqa: E402

from nodes.media.encoder import LIBX264, audio_encoder_args, video_encoder_args  # noqa: E402
from nodes.media.ffmpeg import run_ffmpeg  # noqa: E402
from nodes.media.filters import frames_for  # noqa: E402
from nodes.render.command import Pictures, Sound, render_args  # noqa: E402
from nodes.render.fit import cover_fit, fit_image  # noqa: E402
from nodes.render.image import load_image  # noqa: E402
from nodes.render.kenburns_frames import YuvSource, frames  # noqa: E402
from nodes.render.motion import crop_rect  # noqa: E402
from nodes.render.node import Render, RenderParams, source_size  # noqa: E402
from pipeline.node import RunContext  # noqa: E402

WIDTH, HEIGHT, FPS = 1080, 1920, 30
THREADS = os.cpu_count() or 2


def photo(path: Path, width: int = 2400, height: int = 1600, seed: int = 7) -> Path:
    """A photo-like JPEG: a 1/f noise backdrop (like natural scenes), a few hundred overlapping shapes with
    sharp edges at every size, a slight optical blur and sensor grain."""
    rng = np.random.default_rng(seed)
    field = np.zeros((height, width, 3), np.float32)
    for level in range(1, 10):
        cells = 2 ** level
        small = rng.normal(0, 1, (max(2, height * cells // width), cells, 3)).astype(np.float32)
        layers = [np.asarray(Image.fromarray(small[..., c], mode="F").resize((width, height),
                                                                             Image.Resampling.BICUBIC))
                  for c in range(3)]
        field += np.stack(layers, -1) / cells
    field = (field - field.mean()) / field.std()
    picture = Image.fromarray(np.clip(120 + 40 * field, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(picture, "RGBA")
    for _ in range(400):
        size = float(width * rng.uniform(0.01, 0.25) ** 1.5)
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        colour = tuple(int(v) for v in rng.integers(0, 256, 3)) + (int(rng.integers(120, 256)),)
        if rng.random() < 0.5:
            draw.ellipse((cx - size, cy - size * rng.uniform(0.3, 1), cx + size, cy + size), fill=colour)
        else:
            angles = np.sort(rng.uniform(0, 2 * np.pi, int(rng.integers(3, 7))))
            draw.polygon([(float(cx + size * np.cos(a)), float(cy + size * np.sin(a))) for a in angles],
                         fill=colour)
    picture = picture.filter(ImageFilter.GaussianBlur(0.8))
    grain = rng.normal(0, 3, (height, width, 1)).astype(np.float32)
    pixels = np.clip(np.asarray(picture, np.float32) + grain, 0, 255).astype(np.uint8)
    Image.fromarray(pixels).save(path, quality=92)
    return path


def narration(path: Path, seconds: float) -> Path:
    """A quiet 24 kHz mono tone (the original's Kokoro rate) standing in for speech."""
    rate = 24_000
    t = np.arange(int(seconds * rate)) / rate
    sf.write(path, (0.1 * np.sin(2 * np.pi * 200 * t)).astype(np.float32), rate)
    return path


def params(seconds: float | None = None) -> RenderParams:
    return RenderParams(width=WIDTH, height=HEIGHT, fps=FPS, duration=seconds)


def run_ours(image: Path, wav: Path, out: Path, work: Path) -> None:
    ctx = RunContext(node="bench", work_dir=work, outputs={"video": out}, threads=THREADS)
    Render().run(ctx, params(), {"image": image, "audio": wav, "video": None, "captions": None})


def run_original(fitted: Path, wav: Path, seconds: float, out: Path) -> None:
    """The original server's Ken Burns command at 30 fps, with our encoder settings."""
    graph = (f"[0]scale={WIDTH}:-2,setsar=1:1,crop={WIDTH}:{HEIGHT},"
             f"zoompan=z='zoom+0.001':x=0:y=0:d={int(seconds * FPS) + 1}:s={WIDTH}x{HEIGHT}:fps={FPS}[bg];"
             "[bg]copy[v]")
    args = ["-loop", "1", "-t", f"{seconds}", "-i", str(fitted), "-i", str(wav),
            "-filter_complex", graph, "-map", "[v]", "-map", "1:a",
            *video_encoder_args(LIBX264, threads=THREADS), *audio_encoder_args(), "-t", f"{seconds}", str(out)]
    run_ffmpeg(args)


def write_frames(image: Path, seconds: float, raw: Path) -> int:
    """Our frames for ``image``, as the render node makes them, into a raw yuv420p file."""
    settings = params()
    n_frames = frames_for(seconds, FPS)
    src_w, src_h = source_size(settings, settings.motion)
    picture = load_image(image, min_size=(src_w, src_h))
    source = YuvSource(fit_image(picture, src_w, src_h, "cover", settings.motion.focus))
    rects = (crop_rect(i, n_frames, settings.motion, src_w, src_h) for i in range(n_frames))
    with open(raw, "wb") as handle:
        for frame in frames(source, rects, WIDTH, HEIGHT):
            handle.write(frame.data)
    return n_frames


def run_floor(raw: Path, n_frames: int, wav: Path, out: Path) -> None:
    """The same command as ours, reading the finished frames from a file: encoding cost only."""
    pictures = Pictures(["-f", "rawvideo", "-pix_fmt", "yuv420p", "-video_size", f"{WIDTH}x{HEIGHT}",
                         "-framerate", str(FPS), "-i", str(raw)])
    args = render_args(pictures=pictures, sound=Sound(narration=wav), fps=FPS, n_frames=n_frames, output=out,
                       encoder_args=video_encoder_args(LIBX264, threads=THREADS))
    run_ffmpeg(args)


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (ffmpeg), user + system."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(action: Callable[[], None]) -> tuple[float, float]:
    """(wall, cpu) seconds of ``action``. CPU time hardly depends on other load on the machine."""
    start, start_cpu = time.perf_counter(), _cpu_seconds()
    action()
    return time.perf_counter() - start, _cpu_seconds() - start_cpu


def memory_child(seconds: float, image: Path, out: Path) -> None:
    """Run in a child process: render ``seconds`` and print the peak memory of this process and ffmpeg."""
    with tempfile.TemporaryDirectory() as work:
        ctx = RunContext(node="bench", work_dir=Path(work), outputs={"video": out}, threads=THREADS)
        Render().run(ctx, params(seconds), {"image": image, "audio": None, "video": None, "captions": None})
    status = Path("/proc/self/status").read_text()
    hwm_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    ffmpeg_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest waited-for child
    print(json.dumps({"python_mb": hwm_kb / 1024, "ffmpeg_mb": ffmpeg_kb / 1024}))


def measure_memory(seconds: float, image: Path, out: Path) -> tuple[dict[str, float], float]:
    argv = [sys.executable, __file__, "--memory-child", str(seconds), str(image), str(out)]
    start = time.perf_counter()
    result = subprocess.run(argv, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1]), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="5 s clips, one run each, a 1-minute memory render")
    parser.add_argument("--repeat", type=int, default=None, help="runs per variant (default 3, quick 1)")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory render (timings only)")
    parser.add_argument("--memory-child", nargs=3, metavar=("SECONDS", "IMAGE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        seconds, image, out = args.memory_child
        memory_child(float(seconds), Path(image), Path(out))
        return
    seconds = 5.0 if args.quick else 20.0
    memory_seconds = 60.0 if args.quick else 600.0
    repeat = args.repeat or (1 if args.quick else 3)

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        image = photo(tmp / "photo.jpg")
        wav = narration(tmp / "narration.wav", seconds)
        fitted = tmp / "fitted.jpg"  # what the original's router wrote before rendering
        cover_fit(Image.open(image).convert("RGB"), WIDTH, HEIGHT).save(fitted, quality=95)
        raw = tmp / "frames.yuv"
        n_frames = write_frames(image, seconds, raw)
        (tmp / "work").mkdir()
        outs = {name: tmp / f"{name}.mp4" for name in ("ours", "original", "floor")}
        actions: dict[str, Callable[[], None]] = {
            "ours": lambda: run_ours(image, wav, outs["ours"], tmp / "work"),
            "original": lambda: run_original(fitted, wav, seconds, outs["original"]),
            "floor": lambda: run_floor(raw, n_frames, wav, outs["floor"]),
        }
        timings: dict[str, list[tuple[float, float]]] = {name: [] for name in actions}
        ratios: dict[str, list[tuple[float, float]]] = {"original": [], "floor": []}
        for _ in range(repeat):  # interleaved, so drift in machine speed hits every variant alike
            round_times = {name: timed(action) for name, action in actions.items()}
            for name, value in round_times.items():
                timings[name].append(value)
            for name in ratios:
                ours, other = round_times["ours"], round_times[name]
                ratios[name].append((ours[0] / other[0], ours[1] / other[1]))
        raw.unlink()
        jitter = {name: jitter_px(outs[name]) for name in ("ours", "original")}
        sizes = {name: path.stat().st_size / 1e6 for name, path in outs.items()}
        memory = None if args.no_memory else measure_memory(memory_seconds, image, tmp / "long.mp4")

    print(f"Ken Burns render, {seconds:g} s at {WIDTH}x{HEIGHT} {FPS} fps, libx264 veryfast CRF 23, "
          f"{THREADS} threads; median of {repeat}")
    print(f"{'variant':<44}{'wall s':>8}{'x realtime':>12}{'cpu s':>8}{'MB':>8}")
    labels = {"ours": "ours (render node, sub-pixel zoom 12%)",
              "original": "original zoompan (+0.001/frame, top-left)",
              "floor": "encoder floor (same frames, no motion work)"}
    for name, label in labels.items():
        wall = statistics.median(t[0] for t in timings[name])
        cpu = statistics.median(t[1] for t in timings[name])
        print(f"{label:<44}{wall:>8.2f}{seconds / wall:>12.2f}{cpu:>8.2f}{sizes[name]:>8.1f}")
    print(f"{'ratios (median of per-round ratios)':<44}{'wall':>8}{'':>12}{'cpu':>8}")
    for name, goal in (("original", "1.0"), ("floor", "1.2")):
        wall_ratio = statistics.median(r[0] for r in ratios[name])
        cpu_ratio = statistics.median(r[1] for r in ratios[name])
        label = f"ours / {'original zoompan' if name == 'original' else 'encoder floor'}"
        print(f"{label:<44}{wall_ratio:>8.2f}{'':>12}{cpu_ratio:>8.2f}   goal (wall) <= {goal}")
    print(f"{'jitter rms px: ours':<44}{jitter['ours']:>8.3f}   goal <= 0.05")
    print(f"{'jitter rms px: original zoompan':<44}{jitter['original']:>8.3f}")
    if memory is None:
        return
    usage, memory_wall = memory
    total = usage["python_mb"] + usage["ffmpeg_mb"]
    print(f"peak memory, {memory_seconds / 60:g}-minute render: python {usage['python_mb']:.0f} MB + ffmpeg "
          f"{usage['ffmpeg_mb']:.0f} MB = {total:.0f} MB (goal <= 1024); it took {memory_wall:.0f} s "
          f"({memory_seconds / memory_wall:.2f}x realtime)")


if __name__ == "__main__":
    main()
