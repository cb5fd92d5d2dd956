"""The whole soundtrack: levelled narration joined across transitions, the ducked music bed under it,
normalised to the loudness target.

Order matters: the narration is levelled first (so ducking sees every scene at the same level and the
music sits the same under each), the music is ducked under the joined narration, and the loudness target
is applied last, to the sum, which is what listeners hear.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from nodes.audio.duck import duck_gain
from nodes.audio.level import level
from nodes.audio.music import music_bed
from nodes.audio.pcm import RATE, Samples
from nodes.audio.timeline import join
from nodes.audio.to_target import normalize

Progress = Callable[[float | None, str], None]


@dataclass(frozen=True)
class MusicSettings:
    volume_db: float = -18.0
    fade_in: float = 1.0
    fade_out: float = 2.0
    loop: bool = True
    duck: bool = True
    duck_depth_db: float = 12.0
    duck_attack_ms: float = 80.0
    duck_release_ms: float = 400.0


@dataclass(frozen=True)
class MixReport:
    """What the mix did, for the node's progress messages and the tests."""

    scene_gains_db: list[float]
    loudness: float
    gain_db: float
    target_reached: bool = True  # False when the true-peak ceiling kept the mix under the target


def mix(scenes: Sequence[Samples], overlaps: Sequence[int], music: Samples | None, *,
        settings: MusicSettings, target_lufs: float, true_peak_db: float, workers: int = 1,
        progress: Progress | None = None) -> tuple[Samples, MixReport]:
    """The final soundtrack, ``sum(len(scenes)) - sum(overlaps)`` samples of 48 kHz stereo float32.
    ``workers``: scenes levelled at once (the measurement runs without the GIL; the result does not
    depend on it)."""
    def report(fraction: float, message: str) -> None:
        if progress is not None:
            progress(fraction, message)

    report(0.0, f"levelling {len(scenes)} scenes")
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(scenes))), thread_name_prefix="level") as pool:
        levelled = list(pool.map(lambda scene: level(scene, target_lufs), scenes))
    report(0.3, "mixing")
    voice = join([item.samples for item in levelled], overlaps)
    total = voice.shape[1]
    out = voice
    if music is not None:
        report(0.35, "music bed")
        bed = music_bed(music, total, volume_db=settings.volume_db, fade_in=settings.fade_in,
                        fade_out=settings.fade_out, loop=settings.loop)
        if settings.duck:
            bed *= duck_gain(voice, depth_db=settings.duck_depth_db, attack_ms=settings.duck_attack_ms,
                             release_ms=settings.duck_release_ms)
        out = voice + bed
    report(0.5, "loudness")
    result = normalize(out, target_lufs=target_lufs, true_peak_db=true_peak_db)
    return result.samples, MixReport([item.gain_db for item in levelled], result.loudness, result.gain_db,
                                     result.reached)


def load_kernels() -> None:
    """Compile, or load from numba's cache, every compiled loop a mix uses, by mixing a second of tone
    over a tone bed (the first real mix in a process then starts at once)."""
    import numpy as np

    t = np.arange(RATE, dtype=np.float32) / RATE
    tone = np.stack([0.2 * np.sin(2 * np.pi * 220 * t)] * 2).astype(np.float32)
    tone[:, RATE // 2:] = 0.0  # speech, then a gap: ducking has something to do
    mix([tone, tone], [RATE // 10], tone.copy(), settings=MusicSettings(), target_lufs=-14.0, true_peak_db=-1.0)
