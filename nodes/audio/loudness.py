"""Loudness (EBU R128 integrated, LUFS) and true peak (dBTP) measured by ffmpeg's ebur128 filter.

ebur128 is the reference implementation of ITU-R BS.1770 (K-weighting, 400 ms blocks, absolute and
relative gates, 4x oversampled true peak); measuring with it means the node and its tests agree on what
"-14 LUFS" is. The values are read from the filter's per-frame metadata (``ametadata`` writes key=value
lines to a file), the last frame carrying the totals, rather than from its human-readable log summary.
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from nodes.audio.pcm import RATE, Samples
from nodes.media.ffmpeg import FeedFn, escape_filter_value, ffmpeg_exe, run_ffmpeg

SILENCE_LUFS = -70.0  # ebur128's floor: what it reports when every block is gated out


@dataclass(frozen=True)
class Loudness:
    integrated: float  # LUFS; -inf for silence
    true_peak: float  # dBTP; -inf for silence

    @property
    def silent(self) -> bool:
        return math.isinf(self.integrated)


def parse_metadata(text: str) -> Loudness:
    """Totals from ``ametadata=mode=print`` output of ``ebur128=metadata=1:peak=true``."""
    integrated, peak = SILENCE_LUFS, 0.0
    for line in text.splitlines():
        key, _, value = line.strip().partition("=")
        if key == "lavfi.r128.I":
            integrated = float(value)
        elif key == "lavfi.r128.true_peak":
            peak = float(value)
    return Loudness(
        integrated=-math.inf if integrated <= SILENCE_LUFS else integrated,
        true_peak=20 * math.log10(peak) if peak > 0 else -math.inf,
    )


def measure_file(path: Path, work_dir: Path, *, stream: str = "a:0") -> Loudness:
    """Loudness and true peak of the audio stream ``stream`` of a media file."""
    return _measure(["-i", str(path), "-map", f"0:{stream}"], work_dir, feed=None, true_peak=True)


def measure(samples: Samples, work_dir: Path, *, true_peak: bool = False) -> Loudness:
    """Loudness of (2, n) float32 samples at 48 kHz; the true peak (4x oversampled, several times the
    cost) only when asked, else it reads as -inf."""
    if samples.shape[1] == 0 or not np.any(samples):
        return Loudness(-math.inf, -math.inf)
    interleaved = np.ascontiguousarray(samples.T, dtype="<f4")

    def feed(stdin: IO[bytes]) -> None:
        view = memoryview(interleaved).cast("B")
        step = 1 << 20
        for start in range(0, len(view), step):
            stdin.write(view[start:start + step])

    source = ["-f", "f32le", "-ar", str(RATE), "-ac", "2", "-i", "pipe:0"]
    return _measure(source, work_dir, feed=feed, true_peak=true_peak)


def _measure(source: list[str], work_dir: Path, feed: FeedFn | None, true_peak: bool) -> Loudness:
    work_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix="ebur128-", suffix=".txt", dir=work_dir)  # measures may run at once
    os.close(fd)
    report = Path(name)
    peak = ":peak=true" if true_peak else ""
    graph = (f"ebur128=metadata=1{peak},"
             f"ametadata=mode=print:file={escape_filter_value(str(report))}")
    try:
        run_ffmpeg([*source, "-af", graph, "-f", "null", "-"], exe=ffmpeg_exe(), feed=feed)
        return parse_metadata(report.read_text(encoding="utf-8", errors="replace"))
    finally:
        report.unlink(missing_ok=True)
