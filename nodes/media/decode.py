"""Decoding the first audio stream of any file ffmpeg reads (WAV, FLAC, MP3, M4A/AAC, OGG/Opus, a video's
sound) to planar float32, through PyAV: the one audio decoder of the node types and their applications.

PyAV's resampler converts to the rate the caller needs, so no format has a special path. Channels stay as
the file has them (mono as one channel), or with ``stereo_at_most`` more than two are mixed to stereo by
ffmpeg; callers that want mono average the channels themselves, since ffmpeg's downmix lowers a centred
voice by 3 dB.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np


class AudioDecodeError(Exception):
    """The file is missing, cannot be decoded, or has no audio stream (``NoAudioStream``)."""


class NoAudioStream(AudioDecodeError):
    """The file decodes, but holds no audio stream."""


def decode_audio(path: Path, *, rate: int | None = None, stereo_at_most: bool = False,
                 max_samples: int | None = None) -> tuple[np.ndarray, int]:
    """The first audio stream of ``path`` as float32 (channels, n) at ``rate`` (None: the file's own),
    and that rate. Decoding stops once ``max_samples`` are in hand (an hour of music under a minute of
    video costs a minute of decoding); the result is cut to it."""
    path = Path(path)
    if not path.is_file():
        raise AudioDecodeError(f"file not found: {path}")
    pieces: list[np.ndarray] = []
    have = 0
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise NoAudioStream(f"{path.name} has no audio stream")
            stream = container.streams.audio[0]
            out_rate = rate or stream.rate or stream.codec_context.sample_rate
            if not out_rate:
                raise AudioDecodeError(f"{path.name}: unknown sample rate")
            channels = stream.codec_context.channels or 1
            layout = "mono" if channels == 1 else "stereo" if stereo_at_most else stream.layout.name
            resampler = av.AudioResampler(format="fltp", layout=layout, rate=out_rate)
            for frame in container.decode(stream):
                for converted in resampler.resample(frame):
                    pieces.append(converted.to_ndarray())
                    have += pieces[-1].shape[1]
                if max_samples is not None and have >= max_samples:
                    break
            else:
                for converted in resampler.resample(None):
                    pieces.append(converted.to_ndarray())
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise AudioDecodeError(f"cannot decode {path.name}: {exc}") from exc
    if not pieces:
        return np.zeros((channels, 0), dtype=np.float32), int(out_rate)
    data = np.concatenate(pieces, axis=1).astype(np.float32, copy=False)
    if max_samples is not None:
        data = data[:, :max_samples]
    return np.ascontiguousarray(data), int(out_rate)


def decoded_length(path: Path) -> tuple[int, int]:
    """Samples and sample rate of the first audio stream of ``path`` as ffmpeg plays it, to the sample.

    The container's duration is not the sound's: an Ogg Opus file counts its encoder's pre-skip (4.000 s
    of speech says 4.0065 s), an MP3 its encoder's padding, and some files say nothing. Two counts that
    can each only overshoot give it: the decoded samples (the decoder drops what the codec marks, Opus'
    pre-skip or LAME's padding, but not what an MP4 edit list cuts: its priming packet and the end of its
    last one), and the end of the last packet kept, from time 0 (which includes what the codec drops).
    The sound is the smaller of the two.
    """
    path = Path(path)
    if not path.is_file():
        raise AudioDecodeError(f"file not found: {path}")
    decoded = 0
    end: int | None = None  # in the stream's time base
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise NoAudioStream(f"{path.name} has no audio stream")
            stream = container.streams.audio[0]
            rate = stream.codec_context.sample_rate or stream.rate or 0
            for packet in container.demux(stream):
                for frame in packet.decode():
                    decoded += frame.samples
                    rate = frame.sample_rate or rate
                if packet.size and not packet.is_discard and packet.pts is not None and packet.duration:
                    end = max(end or 0, packet.pts + packet.duration)
            time_base = stream.time_base
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise AudioDecodeError(f"cannot decode {path.name}: {exc}") from exc
    if not rate:
        raise AudioDecodeError(f"{path.name}: unknown sample rate")
    if end is not None and time_base is not None:
        decoded = min(decoded, round(end * time_base * rate))
    return decoded, int(rate)
