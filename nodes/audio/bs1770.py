"""Loudness (EBU R128 integrated, LUFS) and true peak (dBTP) of the mix, measured in-process.

ITU-R BS.1770-4: K-weighting (a high shelf, then a high-pass), mean square over 400 ms blocks every
100 ms, an absolute gate at -70 LUFS and a relative gate 10 LU under the gated mean. The filters run in
a compiled loop (numba), so measuring 70 s of stereo takes about 10 ms, where starting ffmpeg's
ebur128 for it took 90 ms; normalising a mix measures it several times and levelling measures every
scene. ffmpeg's ebur128, the reference implementation, stays the judge: ``measure_file`` runs it on
finished files, and the tests hold this measurement to it on speech, music, tones and silence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numba import njit

from nodes.audio.limiter import true_peak_db
from nodes.audio.pcm import RATE, Samples
from nodes.media.ebur128 import ebur128_readings

SILENCE_LUFS = -70.0  # ebur128's floor: what it reports when every block is gated out

# BS.1770-4 K-weighting at 48 kHz, as (b0, b1, b2, a1, a2): the head's high shelf, then the RLB high-pass.
SHELF = (1.53512485958697, -2.69169618940638, 1.19839281085285, -1.69065929318241, 0.73248077421585)
HIGH_PASS = (1.0, -2.0, 1.0, -1.99004745483398, 0.99007225036621)
STEP = RATE // 10  # gating blocks start every 100 ms ...
BLOCK_STEPS = 4  # ... and last 400 ms
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = 10.0


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
    """Loudness and true peak of the audio stream ``stream`` of a media file, by ffmpeg's ebur128."""
    return parse_metadata(ebur128_readings(path, stream=stream, true_peak=True, work_dir=work_dir))


def measure(samples: Samples, *, true_peak: bool = False) -> Loudness:
    """Loudness of (2, n) float32 samples at 48 kHz; the true peak (4x oversampled, several times the
    cost) only when asked, else it reads as -inf."""
    if samples.shape[1] == 0 or not np.any(samples):
        return Loudness(-math.inf, -math.inf)
    peak = true_peak_db(samples) if true_peak else -math.inf
    return Loudness(integrated_lufs(samples), peak)


def integrated_lufs(samples: Samples) -> float:
    """BS.1770 integrated loudness of (channels, n) samples at 48 kHz; -inf when every block is gated
    out (silence, or under 400 ms of sound)."""
    channels = [np.ascontiguousarray(channel, dtype=np.float32) for channel in samples]
    if len(channels) % 2:
        channels.append(np.zeros_like(channels[-1]))
    energies = [_step_energies(channels[i], channels[i + 1]) for i in range(0, len(channels), 2)]
    steps = np.sum(energies, axis=0) if energies else np.zeros(0)
    if steps.size < BLOCK_STEPS:
        return -math.inf
    blocks = np.convolve(steps, np.ones(BLOCK_STEPS), mode="valid") / (BLOCK_STEPS * STEP)
    with np.errstate(divide="ignore"):
        block_lufs = _lufs(blocks)
    gated = block_lufs > ABSOLUTE_GATE_LUFS
    if not np.any(gated):
        return -math.inf
    gated &= block_lufs > _lufs(blocks[gated].mean()) - RELATIVE_GATE_LU
    return float(_lufs(blocks[gated].mean()))


def _lufs(mean_square: np.ndarray | np.floating) -> np.ndarray | np.floating:
    """BS.1770's loudness of a (channel-summed) mean square."""
    return -0.691 + 10 * np.log10(mean_square)


@njit(cache=True, nogil=True)
def _step_energies(left: np.ndarray, right: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """Sum of squares of both K-weighted channels per whole 100 ms step (a trailing part step is
    dropped). Both biquads in transposed direct form II, in float64; the two channels' filter chains
    are interleaved: each sample waits on the one before it, so two independent chains side by side
    take hardly longer than one (a lone channel is paired with silence, which adds nothing)."""
    b0, b1, b2, a1, a2 = SHELF
    c0, c1, c2, d1, d2 = HIGH_PASS
    n_steps = left.size // STEP
    out = np.zeros(n_steps)
    s1 = s2 = t1 = t2 = 0.0
    u1 = u2 = v1 = v2 = 0.0
    for step in range(n_steps):
        total = 0.0
        for i in range(step * STEP, (step + 1) * STEP):
            x = np.float64(left[i])
            w = np.float64(right[i])
            y = b0 * x + s1
            r = b0 * w + u1
            s1 = b1 * x - a1 * y + s2
            u1 = b1 * w - a1 * r + u2
            s2 = b2 * x - a2 * y
            u2 = b2 * w - a2 * r
            z = c0 * y + t1
            q = c0 * r + v1
            t1 = c1 * y - d1 * z + t2
            v1 = c1 * r - d1 * q + v2
            t2 = c2 * y - d2 * z
            v2 = c2 * r - d2 * q
            total += z * z + q * q
        out[step] = total
    return out
