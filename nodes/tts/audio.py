"""Reading audio the user brings (narration, a voice reference) in any common format, as mono float
(decoded by ``nodes.media.decode``, at the rate the consumer needs)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


class AudioReadError(Exception):
    """The file is missing, is not audio, or holds no samples."""


def read_mono(path: Path, rate: int | None = None, max_seconds: float | None = None) -> tuple[np.ndarray, int]:
    """Decode the first audio stream of ``path`` to mono float32 at ``rate`` (None keeps the file's rate).

    ``max_seconds`` stops decoding early (a voice reference needs only its first seconds). The channels
    are averaged here: ffmpeg's downmix lowers a centred voice by 3 dB.
    """
    from nodes.media.decode import AudioDecodeError, decode_audio

    limit = None if max_seconds is None or rate is None else int(max_seconds * rate)
    try:
        channels, out_rate = decode_audio(path, rate=rate, max_samples=limit)
    except AudioDecodeError as exc:
        raise AudioReadError(str(exc)) from exc
    audio = channels.mean(axis=0).astype("float32")
    if max_seconds is not None:
        audio = audio[:int(max_seconds * out_rate)]
    if audio.size == 0:
        raise AudioReadError(f"{path.name} holds no audio samples")
    return audio, out_rate
