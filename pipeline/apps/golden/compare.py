"""Comparing a new render with its golden set: one check per fact, each with what was measured and what
was allowed, so a failure reads as a sentence rather than a diff of numbers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from pipeline.apps.golden import thumbnails as framing
from pipeline.apps.golden.captions import Cue, read_cues
from pipeline.apps.golden.envelope import FLOOR_LUFS
from pipeline.apps.golden.extract import Observation
from pipeline.apps.golden.sidebyside import write_side_by_side
from pipeline.apps.golden.similarity import luma, psnr, ssim
from pipeline.apps.golden.store import GoldenSet
from pipeline.apps.golden.tolerances import Tolerances

# Bands this far below the total in both renders are not compared: next to the rest of the sound they
# are inaudible, and their level is mostly the AAC coder's noise, which moves by several dB with the
# mix's level (a mix made 6 dB quieter moved such a band, at 63 Hz, by 3.4 dB).
SPECTRUM_IGNORE_DB = -40.0


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    measured: str
    allowed: str
    picture: Path | None = None  # the side-by-side PNG of a failing frame


def _exact(name: str, golden: object, new: object) -> CheckResult:
    return CheckResult(name, golden == new, f"{new}", f"exactly {golden}")


def _streams(golden: GoldenSet, new: Observation, tol: Tolerances) -> list[CheckResult]:
    results = [_exact("container", golden.streams.container, new.streams.container)]
    gv, nv = golden.streams.video, new.streams.video
    if gv is not None or nv is not None:
        if gv is None or nv is None:
            results.append(CheckResult("video stream", False, "present" if nv else "missing",
                                       "present" if gv else "absent"))
        else:
            frame = float(1 / Fraction(gv.fps)) if Fraction(gv.fps) else 0.0
            allowed = tol.duration_frames * frame
            delta = nv.duration - gv.duration
            results += [
                _exact("video codec", gv.codec, nv.codec),
                _exact("video size", f"{gv.width}x{gv.height}", f"{nv.width}x{nv.height}"),
                _exact("video fps", gv.fps, nv.fps),
                _exact("video pixel format", gv.pix_fmt, nv.pix_fmt),
                CheckResult("video duration", abs(delta) <= allowed + 1e-9,
                            f"{nv.duration:.3f}s ({nv.frames} frames, {delta:+.3f}s)",
                            f"{gv.duration:.3f}s ± {allowed:.3f}s ({tol.duration_frames:g} frame)"),
            ]
    ga, na = golden.streams.audio, new.streams.audio
    if ga is not None or na is not None:
        if ga is None or na is None:
            results.append(CheckResult("audio stream", False, "present" if na else "missing",
                                       "present" if ga else "absent"))
        else:
            results += [
                _exact("audio codec", ga.codec, na.codec),
                _exact("audio sample rate", ga.sample_rate, na.sample_rate),
                _exact("audio channels", ga.channels, na.channels),
            ]
            if ga.duration is not None and na.duration is not None:
                fps = Fraction(gv.fps) if gv is not None else Fraction(0)
                allowed = tol.duration_frames * (float(1 / fps) if fps else 0.04)
                delta = na.duration - ga.duration
                results.append(CheckResult("audio duration", abs(delta) <= allowed + 1e-9,
                                           f"{na.duration:.3f}s ({delta:+.3f}s)",
                                           f"{ga.duration:.3f}s ± {allowed:.3f}s"))
    return results


def _frames(golden: GoldenSet, folder: Path, new: Observation, tol: Tolerances,
            failures: Path) -> list[CheckResult]:
    results = []
    for number, (sample, picture) in enumerate(zip(golden.frames, new.frames), start=1):
        name = f"frame {number} @ {sample.time:.2f}s"
        if picture is None:
            results.append(CheckResult(name, False, "no frame (the video ends before it)",
                                       f"SSIM >= {tol.ssim:.3f}"))
            continue
        reference = framing.load_png(folder / sample.file)
        if picture.shape != reference.shape:
            picture = framing.thumbnail(picture, (reference.shape[1], reference.shape[0]))
        score = ssim(luma(reference), luma(picture))
        noise = psnr(luma(reference), luma(picture))
        passed = score >= tol.ssim and (tol.psnr_db is None or noise >= tol.psnr_db)
        allowed = f"SSIM >= {tol.ssim:.3f}" + (f", PSNR >= {tol.psnr_db:.1f} dB" if tol.psnr_db is not None
                                                else "")
        shown = "inf" if math.isinf(noise) else f"{noise:.1f}"
        side = None
        if not passed:
            side = failures / f"frame-{number}.png"
            write_side_by_side(reference, picture, side)
        results.append(CheckResult(name, passed, f"SSIM {score:.4f}, PSNR {shown} dB", allowed, side))
    return results


def envelope_distance(golden: list[float], new: list[float]) -> float:
    """RMS difference in LU of two loudness envelopes (the shorter one padded with silence)."""
    length = max(len(golden), len(new))
    if length == 0:
        return 0.0
    a = np.full(length, FLOOR_LUFS)
    b = np.full(length, FLOOR_LUFS)
    a[: len(golden)] = golden
    b[: len(new)] = new
    return float(np.sqrt(np.mean((a - b) ** 2)))


def spectrum_difference(golden: list[float], new: list[float], bands_hz: list[float]) -> tuple[float, float]:
    """The largest band level difference (dB) and its band, over the bands loud enough to compare."""
    pairs = [(abs(a - b), hz) for a, b, hz in zip(golden, new, bands_hz) if max(a, b) > SPECTRUM_IGNORE_DB]
    return max(pairs, default=(0.0, 0.0))


def _audio(golden: GoldenSet, new: Observation, tol: Tolerances) -> list[CheckResult]:
    ga, na = golden.audio, new.audio
    if ga is None or na is None:
        return []
    delta = na.integrated_lufs - ga.integrated_lufs
    distance = envelope_distance(ga.envelope_lufs, na.envelope_lufs)
    worst, worst_hz = spectrum_difference(ga.spectrum_db, na.spectrum_db, ga.spectrum_bands_hz)
    band = f" (worst band {worst_hz:g} Hz)" if worst > 0 else ""
    return [
        CheckResult("audio loudness", abs(delta) <= tol.loudness_lu,
                    f"{na.integrated_lufs:.2f} LUFS ({delta:+.2f} LU)",
                    f"{ga.integrated_lufs:.2f} LUFS ± {tol.loudness_lu:g} LU"),
        CheckResult("audio envelope", distance <= tol.envelope_lu,
                    f"RMS difference {distance:.2f} LU", f"<= {tol.envelope_lu:g} LU"),
        CheckResult("audio spectrum", worst <= tol.spectrum_db,
                    f"max band difference {worst:.2f} dB{band}", f"<= {tol.spectrum_db:g} dB"),
    ]


def _short(text: str, limit: int = 48) -> str:
    text = text.replace("\n", " / ")
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def compare_cues(name: str, golden: list[Cue], new: list[Cue], tol: Tolerances) -> list[CheckResult]:
    """Caption text exactly, and start/end times within ``caption_ms``."""
    text_ok = len(golden) == len(new) and all(g.text == n.text for g, n in zip(golden, new))
    if text_ok:
        text = CheckResult(f"captions {name} text", True, f"{len(new)} cues, same text",
                           "exactly the golden text")
    else:
        first = next((i for i, (g, n) in enumerate(zip(golden, new)) if g.text != n.text), None)
        if first is None:
            measured = f"{len(new)} cues (golden has {len(golden)})"
        else:
            measured = (f"cue {first + 1} reads {_short(new[first].text)}, "
                        f"golden {_short(golden[first].text)}")
        text = CheckResult(f"captions {name} text", False, measured, "exactly the golden text")
    shifts = [(abs(g.start - n.start) * 1000, i, "start") for i, (g, n) in enumerate(zip(golden, new))]
    shifts += [(abs(g.end - n.end) * 1000, i, "end") for i, (g, n) in enumerate(zip(golden, new))]
    worst = max(shifts, default=(0.0, 0, "start"))
    timing = CheckResult(f"captions {name} timing", worst[0] <= tol.caption_ms + 1e-6,
                         f"max shift {worst[0]:.0f} ms" + (f" (cue {worst[1] + 1} {worst[2]})" if worst[0] else ""),
                         f"<= {tol.caption_ms:g} ms")
    return [text, timing]


def _captions(golden: GoldenSet, folder: Path, new: Observation, tol: Tolerances) -> list[CheckResult]:
    results = []
    for caption in golden.captions:
        found = new.captions.get(Path(caption.output).name)
        if found is None:
            results.append(CheckResult(f"captions {caption.file}", False, "not written by the recipe",
                                       f"present at {caption.output}"))
            continue
        results += compare_cues(caption.file, read_cues(folder / caption.file), found[1], tol)
    recorded = {Path(c.output).name for c in golden.captions}
    for extra in sorted(set(new.captions) - recorded):
        results.append(CheckResult(f"captions {extra}", False, "written by the recipe", "absent (not recorded)"))
    return results


def compare(golden: GoldenSet, folder: Path, new: Observation, tolerances: Tolerances | None = None,
            failures: Path | None = None) -> list[CheckResult]:
    """Every check of ``new`` against ``golden`` (stored in ``folder``); side-by-side pictures of failing
    frames go to ``failures`` (default ``folder/failures``)."""
    tol = tolerances or golden.tolerances
    failures = failures or folder / "failures"
    return (_streams(golden, new, tol) + _frames(golden, folder, new, tol, failures)
            + _audio(golden, new, tol) + _captions(golden, folder, new, tol))
