"""Audio as the mix uses it: any file decoded to 48 kHz stereo float32, and written back as WAV.

Mono is copied to both sides at full level (a standard upmix would lower it by 3 dB, so a mono voice
would come out quieter than the same voice in stereo); more than two channels are downmixed by ffmpeg.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from nodes.media.decode import AudioDecodeError, NoAudioStream, decode_audio
from pipeline.node import NodeInputError

RATE = 48_000
Samples = np.ndarray  # float32, shape (2, n)


def silence(n: int) -> Samples:
    """``n`` samples of stereo silence."""
    return np.zeros((2, max(0, n)), dtype=np.float32)


def read_audio(path: Path, *, field: str, max_samples: int | None = None) -> Samples:
    """The first audio stream of ``path`` as (2, n) float32 at 48 kHz (``nodes.media.decode``).

    Decoding stops once ``max_samples`` are in hand, so an hour of music under a minute of video costs a
    minute of decoding. A file without audio gives an empty array.
    """
    try:
        data, _ = decode_audio(path, rate=RATE, stereo_at_most=True, max_samples=max_samples)
    except NoAudioStream:
        return silence(0)
    except AudioDecodeError as exc:
        raise NodeInputError(f"{Path(path).name}: its audio cannot be decoded: {exc}", field=field,
                             hint="use an audio file ffmpeg can decode (WAV, MP3, OGG, FLAC, M4A)") from exc
    if data.shape[1] == 0:
        return silence(0)
    if data.shape[0] == 1:
        data = np.repeat(data, 2, axis=0)
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
