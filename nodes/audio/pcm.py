"""Decoding any audio ffmpeg reads to 48 kHz stereo float32, and writing it back as WAV.

Mono is copied to both sides at full level (a standard upmix would lower it by 3 dB, so a mono voice
would come out quieter than the same voice in stereo); more than two channels are downmixed by ffmpeg.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import soundfile as sf

from pipeline.node import NodeInputError

RATE = 48_000
Samples = np.ndarray  # float32, shape (2, n)


def silence(n: int) -> Samples:
    """``n`` samples of stereo silence."""
    return np.zeros((2, max(0, n)), dtype=np.float32)


def read_audio(path: Path, *, field: str, max_samples: int | None = None) -> Samples:
    """The first audio stream of ``path`` as (2, n) float32 at 48 kHz.

    Decoding stops once ``max_samples`` are in hand, so an hour of music under a minute of video costs a
    minute of decoding. A file without audio gives an empty array.
    """
    chunks: list[np.ndarray] = []
    have = 0
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                return silence(0)
            stream = container.streams.audio[0]
            channels = stream.codec_context.channels
            layout = "mono" if channels == 1 else "stereo"
            resampler = av.AudioResampler(format="fltp", layout=layout, rate=RATE)
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunk = out.to_ndarray()
                    chunks.append(chunk)
                    have += chunk.shape[1]
                if max_samples is not None and have >= max_samples:
                    break
            else:
                for out in resampler.resample(None):
                    chunks.append(out.to_ndarray())
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise NodeInputError(f"{Path(path).name}: its audio cannot be decoded: {exc}", field=field,
                             hint="use an audio file ffmpeg can decode (WAV, MP3, OGG, FLAC, M4A)") from exc
    if not chunks:
        return silence(0)
    data = np.concatenate(chunks, axis=1).astype(np.float32, copy=False)
    if data.shape[0] == 1:
        data = np.repeat(data, 2, axis=0)
    if max_samples is not None:
        data = data[:, :max_samples]
    return np.ascontiguousarray(data)


def fit_length(samples: Samples, n: int) -> Samples:
    """Exactly ``n`` samples: cut, or padded with silence at the end."""
    if samples.shape[1] >= n:
        return samples[:, :n]
    return np.concatenate([samples, silence(n - samples.shape[1])], axis=1)


def write_wav(path: Path, samples: Samples) -> None:
    """A 32-bit float WAV (no clipping or rounding before the AAC encoder sees it)."""
    sf.write(str(path), samples.T, RATE, subtype="FLOAT")


def db_to_gain(db: float) -> float:
    return float(10.0 ** (db / 20.0))
