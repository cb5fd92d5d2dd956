"""Measurements the end-to-end tests make on rendered files."""

from __future__ import annotations

import re
import string
from pathlib import Path

import av
import numpy as np


def decode_audio(path: Path) -> tuple[np.ndarray, int]:
    """All audio samples of the first audio stream as float32 (channels mixed down), and the rate."""
    chunks = []
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        rate = stream.codec_context.sample_rate
        for frame in container.decode(stream):
            data = frame.to_ndarray().astype(np.float32)
            if data.ndim == 2 and frame.format.is_planar:
                data = data.mean(axis=0)
            elif data.ndim == 2:
                data = data.reshape(-1, len(frame.layout.channels)).mean(axis=1)
            chunks.append(data.reshape(-1))
    return np.concatenate(chunks), rate


def count_video_frames(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def rms_dbfs(samples: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(np.square(samples)))) if samples.size else 0.0
    return 20 * np.log10(max(rms, 1e-12))


def words_of(text: str) -> list[str]:
    """Words for comparison: lower case, punctuation stripped."""
    table = str.maketrans("", "", string.punctuation + "“”‘’")
    return [w for w in (t.translate(table).lower() for t in text.split()) if w]


def srt_cues(path: Path) -> list[tuple[float, float, str]]:
    """(start, end, text) of every cue in an SRT file."""
    cues = []
    blocks = re.split(r"\n\s*\n", path.read_text(encoding="utf-8").strip())
    stamp = r"(\d+):(\d\d):(\d\d),(\d\d\d)"
    for block in blocks:
        lines = block.splitlines()
        if len(lines) < 2:
            continue
        match = re.match(stamp + r" --> " + stamp, lines[1])
        assert match, f"bad SRT timing line: {lines[1]!r}"
        g = [int(x) for x in match.groups()]
        start = g[0] * 3600 + g[1] * 60 + g[2] + g[3] / 1000
        end = g[4] * 3600 + g[5] * 60 + g[6] + g[7] / 1000
        cues.append((start, end, " ".join(lines[2:])))
    return cues
