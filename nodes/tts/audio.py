"""Reading audio the user brings (narration, a voice reference) in any common format, as mono float.

PyAV decodes what ffmpeg decodes (WAV, FLAC, MP3, M4A/AAC, OGG/Opus, the audio of a video) and its resampler
converts to mono float at the rate the consumer needs, so no format has a special path.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


class AudioReadError(Exception):
    """The file is missing, is not audio, or holds no samples."""


def read_mono(path: Path, rate: int | None = None, max_seconds: float | None = None) -> tuple[np.ndarray, int]:
    """Decode the first audio stream of ``path`` to mono float32 at ``rate`` (None keeps the file's rate).

    ``max_seconds`` stops decoding early (a voice reference needs only its first seconds).
    """
    import av
    import numpy as np

    if not path.is_file():
        raise AudioReadError(f"file not found: {path}")
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise AudioReadError(f"{path.name} has no audio stream")
            stream = container.streams.audio[0]
            out_rate = rate or stream.rate or stream.codec_context.sample_rate
            if not out_rate:
                raise AudioReadError(f"{path.name}: unknown sample rate")
            channels = stream.codec_context.channels or 1
            # Keep the channels and average them here: ffmpeg's downmix lowers a centred voice by 3 dB.
            resampler = av.AudioResampler(format="fltp", layout=stream.layout.name if channels > 1 else "mono",
                                          rate=out_rate)
            limit = None if max_seconds is None else int(max_seconds * out_rate)
            pieces: list[np.ndarray] = []
            total = 0
            for frame in container.decode(stream):
                for converted in resampler.resample(frame):
                    pieces.append(converted.to_ndarray().mean(axis=0))
                    total += pieces[-1].size
                if limit is not None and total >= limit:
                    break
            else:
                for converted in resampler.resample(None):
                    pieces.append(converted.to_ndarray().mean(axis=0))
    except av.FFmpegError as exc:
        raise AudioReadError(f"cannot decode {path.name}: {exc}") from exc
    audio = np.concatenate(pieces).astype(np.float32) if pieces else np.zeros(0, dtype=np.float32)
    if limit is not None:
        audio = audio[:limit]
    if audio.size == 0:
        raise AudioReadError(f"{path.name} holds no audio samples")
    return audio, int(out_rate)
