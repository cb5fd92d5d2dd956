"""What a render looks and sounds like, reduced to what the golden set keeps: stream facts, frames at
fixed times, an audio fingerprint, and the caption cues."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from nodes.media.probe import probe
from pipeline import NodeError
from pipeline.apps.golden import thumbnails as framing
from pipeline.apps.golden.captions import Cue, read_cues
from pipeline.apps.golden.envelope import measure
from pipeline.apps.golden.errors import GoldenError
from pipeline.apps.golden.spectrum import BAND_CENTRES_HZ, spectrum
from pipeline.apps.golden.store import AudioPrint, AudioStream, Streams, VideoStream

DEFAULT_SAMPLES = 5
MAX_SAMPLES = 1000  # a golden set is for review by eye; more frames only slow every check


@dataclass
class Observation:
    """One render, measured. ``frames`` holds a thumbnail (or None past the end) per sampled time."""

    video: Path
    streams: Streams
    indices: list[int] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    frames: list[np.ndarray | None] = field(default_factory=list)
    audio: AudioPrint | None = None
    captions: dict[str, tuple[Path, list[Cue]]] = field(default_factory=dict)


def _count_packets(video: Path) -> int:
    with av.open(str(video)) as container:
        return sum(1 for packet in container.demux(video=0) if packet.size)


def describe_streams(video: Path) -> Streams:
    """Codecs, size, exact fps, sample rate, channels and durations of ``video``."""
    try:
        info = probe(video, field="video")
    except NodeError as exc:
        raise GoldenError(f"cannot read the rendered video: {exc.message}", hint=exc.hint or "") from exc
    vstream = None
    if info.video is not None:
        fps = info.video.fps or Fraction(0)
        frames = _count_packets(video)
        vstream = VideoStream(codec=info.video.codec, width=info.video.width, height=info.video.height,
                              fps=f"{fps.numerator}/{fps.denominator}", pix_fmt=info.video.pix_fmt,
                              frames=frames, duration=round(float(frames / fps), 6) if fps else 0.0)
    astream = None
    if info.audio is not None:
        astream = AudioStream(codec=info.audio.codec, sample_rate=info.audio.sample_rate,
                              channels=info.audio.channels,
                              duration=round(info.audio.duration, 6) if info.audio.duration is not None else None)
    return Streams(container=info.format_name,
                   duration=round(info.duration, 6) if info.duration is not None else None,
                   video=vstream, audio=astream)


def audio_print(video: Path) -> AudioPrint:
    """Integrated loudness, loudness range, momentary envelope and octave spectrum of the audio."""
    try:
        loud = measure(video)
    except NodeError as exc:
        raise GoldenError(f"cannot measure the loudness of {video}: {exc.message}",
                          hint=exc.detail or "") from exc
    return AudioPrint(integrated_lufs=loud.integrated, loudness_range_lu=loud.loudness_range,
                      envelope_lufs=loud.envelope, spectrum_bands_hz=list(BAND_CENTRES_HZ),
                      spectrum_db=spectrum(video))


def extract(video: Path, captions: list[Path], times: list[float] | None = None,
            samples: int = DEFAULT_SAMPLES, sizes: list[tuple[int, int]] | None = None) -> Observation:
    """Measure ``video`` and read ``captions``.

    Frames are taken at ``times`` when given (a check uses the golden set's times), else at ``samples``
    evenly spaced frames. ``sizes`` (width, height per time) makes thumbnails match the golden ones.
    """
    streams = describe_streams(video)
    observed = Observation(video=video, streams=streams)
    if streams.video is not None and streams.video.frames:
        fps = Fraction(streams.video.fps)
        if times is None:
            observed.indices = framing.sample_indices(streams.video.frames, samples)
            observed.times = [round(float(i / fps), 6) for i in observed.indices]
        else:
            observed.times = list(times)
            observed.indices = [round(t * fps) for t in times]
        decoded = framing.frames_at(video, observed.times, fps)
        observed.frames = [None if rgb is None else
                           framing.thumbnail(rgb, sizes[i] if sizes else None)
                           for i, rgb in enumerate(decoded)]
    if streams.audio is not None:
        observed.audio = audio_print(video)
    for path in captions:
        observed.captions[path.name] = (path, read_cues(path))
    return observed
