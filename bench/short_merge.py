"""A whole short, TTS excluded: three 20 s Ken Burns scenes with music, ours against the original server.

Same inputs for both: the repo's three pictures (recipes/assets), a speech-like tone narration per scene
(24 kHz mono, the original's Kokoro rate: syllable bursts with pauses, so ducking has work to do) and
recipes/assets/music.ogg; output 1080x1920 at 30 fps, no captions.

- ours: the render node once per scene at the final settings (libx264 veryfast CRF 23, 30 fps), then the
  merge node: cut-only, so the video is joined by stream copy, while the audio is rebuilt (levelling,
  ducked music, -14 LUFS, true peak <= -1 dBTP) and encoded to AAC.
- original: its two-step path. Step 1 per scene: the router's PIL cover fit to 1080x1920, then the
  captioned-video command (zoompan +0.001/frame to the top-left at 25 fps, libx264 ultrafast CRF 23, AAC
  192k). Step 2: its merge, which scales/pads every scene, converts to 30 fps and re-encodes everything
  (concat filter, libx264 veryfast CRF 23) with the music looped and amixed at its default volume 0.5.

Quality: SSIM of each output against a reference of the same motion made the same way at CRF 10 (for
the original, both of its steps at CRF 10), so SSIM measures what encoding lost, not the motion. Both
outputs are 30 fps, so they are compared frame for frame (every ``--ssim-step``-th frame).

Goal: ours <= 0.6x the original's time, at equal or better SSIM and size.

    python bench/short_merge.py [--quick] [--repeat N] [--ssim-step N] [--ours-preset P] [--ours-crf N]

``--ours-preset``/``--ours-crf`` try other x264 settings for our renders (the project's encoder policy
decides the real ones); they show how much of the time budget the encoder preset holds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile as sf
from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nodes.audio.bs1770 import measure_file  # noqa: E402
from nodes.media import encoder as encoder_policy  # noqa: E402
from nodes.media.ffmpeg import escape_filter_value, run_ffmpeg  # noqa: E402
from nodes.media.probe import probe  # noqa: E402
from nodes.merge.node import Merge, MergeParams  # noqa: E402
from nodes.render.node import Render, RenderParams  # noqa: E402
from pipeline.node import RunContext  # noqa: E402

WIDTH, HEIGHT, FPS = 1080, 1920, 30
ORIGINAL_FPS = 25
THREADS = os.cpu_count() or 2
ASSETS = ROOT / "recipes" / "assets"
PICTURES = [ASSETS / "city.jpg", ASSETS / "harbour.jpg", ASSETS / "hills.jpg"]
MUSIC = ASSETS / "music.ogg"
REFERENCE_CRF = 10


def narration(path: Path, seconds: float, seed: int) -> Path:
    """Speech-like tone: 'syllables' (a 150 Hz buzz with harmonics, 120-300 ms) in 'sentences' of 2-4 s
    separated by 0.4-0.8 s pauses; 24 kHz mono."""
    rate = 24_000
    rng = np.random.default_rng(seed)
    wave = np.zeros(int(seconds * rate), np.float32)
    t = 0.2
    while t < seconds - 0.5:
        sentence_end = min(seconds - 0.3, t + rng.uniform(2.0, 4.0))
        while t < sentence_end:
            length = rng.uniform(0.12, 0.3)
            n = int(length * rate)
            start = int(t * rate)
            k = np.arange(n) / rate
            pitch = 150 * rng.uniform(0.9, 1.2)
            buzz = sum(np.sin(2 * np.pi * pitch * h * k) / h for h in range(1, 6))
            wave[start:start + n] += (0.15 * buzz * np.hanning(n)).astype(np.float32)[: wave.size - start]
            t += length + rng.uniform(0.02, 0.08)
        t += rng.uniform(0.4, 0.8)
    sf.write(path, wave, rate)
    return path


# ---------------------------------------------------------------- ours

def render_ours(picture: Path, wav: Path, out: Path, work: Path, quality: int = 23) -> None:
    ctx = RunContext(node="scene", work_dir=work, outputs={"video": out}, threads=THREADS)
    Render().run(ctx, RenderParams(width=WIDTH, height=HEIGHT, fps=FPS, quality=quality),
                 {"image": picture, "audio": wav, "video": None, "captions": None})


def merge_ours(scenes: list[Path], out: Path, work: Path) -> None:
    outputs = {"video": out, "srt": work / "o.srt", "vtt": work / "o.vtt", "ass": work / "o.ass"}
    ctx = RunContext(node="final", work_dir=work, outputs=outputs, threads=THREADS)
    Merge().run(ctx, MergeParams(), {"scenes": scenes, "captions": None, "music": MUSIC})


def run_ours(wavs: list[Path], out: Path, work: Path, quality: int = 23) -> None:
    scenes = []
    for index, (picture, wav) in enumerate(zip(PICTURES, wavs, strict=True)):
        scene = work / f"ours{index}.mp4"
        render_ours(picture, wav, scene, work, quality)
        scenes.append(scene)
    merge_ours(scenes, out, work)


# ---------------------------------------------------------------- the original server

def original_fit(picture: Path, out: Path) -> Path:
    """The router's PIL cover resize (scale to cover, LANCZOS, centre crop), saved as JPEG."""
    with Image.open(picture) as image:
        ImageOps.fit(image.convert("RGB"), (WIDTH, HEIGHT), Image.Resampling.LANCZOS).save(out, quality=95)
    return out


def original_scene(fitted: Path, wav: Path, out: Path, crf: int, preset: str) -> None:
    """The captioned-video command (no captions): zoompan to the top-left at 25 fps."""
    seconds = sf.info(str(wav)).duration
    graph = (f"[0]scale={WIDTH}:-2,setsar=1:1,crop={WIDTH}:{HEIGHT},"
             f"zoompan=z='zoom+0.001':x=0:y=0:d={int(seconds * ORIGINAL_FPS) + 1}:s={WIDTH}x{HEIGHT}"
             f":fps={ORIGINAL_FPS}[bg];[bg]copy[v]")
    run_ffmpeg(["-loop", "1", "-t", f"{seconds}", "-i", str(fitted), "-i", str(wav),
                "-filter_complex", graph, "-map", "[v]", "-map", "1:a",
                "-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-b:a", "192k", "-t", f"{seconds}", str(out)])


def original_merge(scenes: list[Path], out: Path, crf: int) -> None:
    """Its merge_videos: scale/pad/fps=30 per input, concat filter, music looped and amixed, re-encode."""
    args: list[str] = []
    graph: list[str] = []
    for index, scene in enumerate(scenes):
        args += ["-i", str(scene)]
        graph.append(f"[{index}:v]scale={WIDTH}:{HEIGHT}:force_original_aspect_ratio=decrease,"
                     f"pad={WIDTH}:{HEIGHT}:(ow-iw)/2:(oh-ih)/2:black,fps=30,format=yuv420p[v{index}]")
        graph.append(f"[{index}:a]aformat=sample_rates=48000:channel_layouts=stereo[a{index}]")
    n = len(scenes)
    args += ["-stream_loop", "-1", "-i", str(MUSIC)]
    graph.append("".join(f"[v{i}][a{i}]" for i in range(n)) + f"concat=n={n}:v=1:a=1[v][speech]")
    graph.append(f"[{n}:a]volume=0.5[music]")
    graph.append("[speech][music]amix=inputs=2:duration=first[a]")
    run_ffmpeg([*args, "-filter_complex", ";".join(graph), "-map", "[v]", "-map", "[a]",
                "-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf), "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-b:a", "192k", str(out)])


def run_original(wavs: list[Path], out: Path, work: Path, crf: int = 23, preset: str = "ultrafast") -> None:
    scenes = []
    for index, (picture, wav) in enumerate(zip(PICTURES, wavs, strict=True)):
        fitted = original_fit(picture, work / f"fitted{index}.jpg")
        scene = work / f"original{index}.mp4"
        original_scene(fitted, wav, scene, crf, preset)
        scenes.append(scene)
    original_merge(scenes, out, crf)


# ---------------------------------------------------------------- measures

def ssim(distorted: Path, reference: Path, step: int, work: Path) -> float:
    """Mean SSIM (all planes) over every ``step``-th frame, read from the filter's frame metadata."""
    report = work / "ssim.txt"
    report.unlink(missing_ok=True)
    graph = (f"[0:v]framestep={step}[a];[1:v]framestep={step}[b];[a][b]ssim,"
             f"metadata=mode=print:key=lavfi.ssim.All:file={escape_filter_value(str(report))}")
    run_ffmpeg(["-i", str(distorted), "-i", str(reference), "-lavfi", graph, "-f", "null", "-"])
    values = [float(line.split("=", 1)[1]) for line in report.read_text().splitlines()
              if line.startswith("lavfi.ssim.All=")]
    return statistics.fmean(values)


def timed(action: Callable[[], None]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="3 s scenes, one run")
    parser.add_argument("--repeat", type=int, default=None, help="runs per variant (default 3, quick 1)")
    parser.add_argument("--ssim-step", type=int, default=None, help="compare every Nth frame (default 5, "
                        "quick 1)")
    parser.add_argument("--ours-preset", default=None, help="x264 preset for our renders (default: the "
                        "encoder policy's)")
    parser.add_argument("--ours-crf", type=int, default=23, help="x264 CRF for our renders (default 23)")
    args = parser.parse_args()
    if args.ours_preset:
        encoder_policy.X264_PRESET = args.ours_preset
    scene_seconds = 3.0 if args.quick else 20.0
    repeat = args.repeat or (1 if args.quick else 3)
    step = args.ssim_step or (1 if args.quick else 5)

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        wavs = [narration(tmp / f"narration{i}.wav", scene_seconds, seed=i) for i in range(3)]
        work = {name: tmp / name for name in ("ours", "original", "ref_ours", "ref_original")}
        for folder in work.values():
            folder.mkdir()
        outs = {name: tmp / f"{name}.mp4" for name in work}
        actions: dict[str, Callable[[], None]] = {
            "ours": lambda: run_ours(wavs, outs["ours"], work["ours"], quality=args.ours_crf),
            "original": lambda: run_original(wavs, outs["original"], work["original"]),
        }
        timings: dict[str, list[float]] = {name: [] for name in actions}
        ratios: list[float] = []
        for _ in range(repeat):  # interleaved, so drift in machine speed hits both alike
            round_times = {name: timed(action) for name, action in actions.items()}
            for name, value in round_times.items():
                timings[name].append(value)
            ratios.append(round_times["ours"] / round_times["original"])

        encoder_policy.X264_PRESET = "veryfast"
        run_ours(wavs, outs["ref_ours"], work["ref_ours"], quality=REFERENCE_CRF)
        run_original(wavs, outs["ref_original"], work["ref_original"], crf=REFERENCE_CRF, preset="veryfast")
        quality = {"ours": ssim(outs["ours"], outs["ref_ours"], step, tmp),
                   "original": ssim(outs["original"], outs["ref_original"], step, tmp)}
        sizes = {name: outs[name].stat().st_size / 1e6 for name in actions}
        infos = {name: probe(outs[name]) for name in actions}
        loudness = {name: measure_file(outs[name], tmp / "loudness") for name in actions}

    total = 3 * scene_seconds
    print(f"Short: 3 scenes x {scene_seconds:g} s = {total:g} s at {WIDTH}x{HEIGHT} {FPS} fps, music, no TTS; "
          f"{THREADS} threads; median of {repeat}")
    print(f"{'variant':<50}{'wall s':>8}{'MB':>8}{'SSIM':>8}{'frames':>8}{'LUFS':>7}{'dBTP':>7}")
    preset = args.ours_preset or "veryfast"
    labels = {"ours": f"ours (render x3, {preset} CRF {args.ours_crf}, + merge copy)",
              "original": "original (ultrafast 25 fps x3 + re-encode 30 fps)"}
    for name, label in labels.items():
        video = infos[name].video
        frames = video.frames if video is not None and video.frames else 0
        print(f"{label:<50}{statistics.median(timings[name]):>8.2f}{sizes[name]:>8.2f}{quality[name]:>8.4f}"
              f"{frames:>8}{loudness[name].integrated:>7.1f}{loudness[name].true_peak:>7.1f}")
    print(f"{'time ours / original':<50}{statistics.median(ratios):>8.3f}   goal <= 0.6")
    print(f"{'size ours / original':<50}{sizes['ours'] / sizes['original']:>8.2f}   goal <= 1.0")
    print(f"{'SSIM ours - original':<50}{quality['ours'] - quality['original']:>+8.4f}   goal >= 0")


if __name__ == "__main__":
    main()
