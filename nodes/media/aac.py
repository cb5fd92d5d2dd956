"""The soundtrack encoded to AAC once, as ADTS frames, placed in the mux to the exact sample.

One encode of the whole mix, on one core. Encoding chunks on several cores and splicing their frames was
tried and dropped: the encoder's state (its bit reservoir) does not converge after the context, so the
spliced frames differ from a single encode's for a hundred frames after each seam and the bytes depended
on the machine's core count. Timing is made exact in the mux: the first frame is the encoder's priming
(1024 samples), so the track starts ``PRIMING`` samples early (``-itsoffset``, which the MP4 muxer turns
into an edit list), and the last frame's duration is cut to the samples it really carries, so the track
is exactly as long as the mix."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from nodes.media.encoder import audio_encoder_args
from nodes.media.ffmpeg import run_ffmpeg
from nodes.media.filters import SAMPLE_RATE
from pipeline.node import NodeError

FRAME = 1024  # samples per AAC-LC frame
PRIMING = FRAME  # ffmpeg's AAC encoder delay: its first frame holds no signal of its own
BUILD_HINT = "check the ffmpeg build (PIPELINE_FFMPEG)"


@dataclass(frozen=True)
class AacTrack:
    """An ADTS file and what the mux needs to place it exactly."""

    path: Path
    samples: int  # real samples in it (priming and padding aside)
    frames: int

    @property
    def last_frame_samples(self) -> int:
        """How many samples of the last frame belong to the track (1..1024)."""
        return self.samples + PRIMING - (self.frames - 1) * FRAME

    def input_args(self) -> list[str]:
        """ffmpeg input arguments: the ADTS file, starting the priming frame before zero."""
        return ["-itsoffset", f"{-PRIMING / SAMPLE_RATE:.9f}", "-i", str(self.path)]

    def copy_args(self, stream: str = "a") -> list[str]:
        """Output arguments for copying it: the last frame's duration trimmed, so the track ends exactly."""
        last = self.frames - 1
        trim = f"setts=duration=if(eq(N\\,{last})\\,DURATION*{self.last_frame_samples}/{FRAME}\\,DURATION)"
        return [f"-c:{stream}", "copy", f"-bsf:{stream}", trim]


def adts_frames(data: bytes, source: str) -> list[bytes]:
    """The frames of an ADTS stream (each starts with its 7- or 9-byte header)."""
    frames = []
    position = 0
    while position < len(data):
        header = data[position:position + 7]
        if len(header) < 7 or header[0] != 0xFF or header[1] & 0xF6 != 0xF0:
            raise NodeError(f"the AAC encoder wrote a broken ADTS stream ({source}, byte {position})",
                            hint=BUILD_HINT)
        length = ((header[3] & 0x03) << 11) | (header[4] << 3) | (header[5] >> 5)
        if length < 7 or position + length > len(data):
            raise NodeError(f"the AAC encoder wrote a truncated ADTS frame ({source}, byte {position})",
                            hint=BUILD_HINT)
        frames.append(data[position:position + length])
        position += length
    return frames


def encode_aac(samples: np.ndarray, output: Path, *, exe: str,
               cancel: threading.Event | None = None) -> AacTrack:
    """Encode (2, n) float32 samples at 48 kHz to the ADTS file ``output``."""
    n = int(samples.shape[1])
    interleaved = np.ascontiguousarray(samples.T, dtype=np.float32)  # f32le, L R L R ...
    encoded = output.with_name(f"{output.stem}.encoded{output.suffix}")

    def feed(stdin: IO[bytes]) -> None:
        stdin.write(interleaved.data)

    args = ["-f", "f32le", "-ar", str(SAMPLE_RATE), "-ac", "2", "-i", "pipe:0", *audio_encoder_args(),
            "-f", "adts", str(encoded)]
    try:
        run_ffmpeg(args, feed=feed, cancel=cancel, exe=exe, expected_duration=n / SAMPLE_RATE)
        frames = adts_frames(encoded.read_bytes(), encoded.name)
    finally:
        encoded.unlink(missing_ok=True)
    needed = -(-(n + PRIMING) // FRAME)  # the encoder's flush may add a frame past the last sample
    if len(frames) < needed:
        raise NodeError(f"the AAC encoder wrote {len(frames)} frames for {n} samples (needs {needed})",
                        hint=BUILD_HINT)
    output.write_bytes(b"".join(frames[:needed]))
    return AacTrack(output, n, needed)
