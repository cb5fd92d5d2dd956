"""A long soundtrack encoded to AAC on several cores: chunks encoded at once, their frames spliced.

ffmpeg's AAC encoder uses one core, and after any edit the merge re-encodes the whole mix (about 1 s for
70 s of stereo), while the other cores wait. So the samples are cut into chunks at multiples of the AAC
frame (1024 samples); each chunk is encoded by its own ffmpeg with ``OVERLAP`` samples of context on
both sides, and the ADTS frames that cover the chunk itself are kept. A frame depends only on its own
samples and the one before it (the MDCT overlap), and after the context the encoders have settled into
the same state, so the spliced stream decodes like a single encode (tests/nodes/media/test_aac.py holds
the seams to it). Timing is made exact in the mux: the first frame is the encoder's priming (1024
samples), so the track starts ``PRIMING`` samples early (``-itsoffset``, which the MP4 muxer turns into
an edit list), and the last frame's duration is cut to the samples it really carries, so the track is
exactly as long as the mix.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
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
OVERLAP = 8 * FRAME  # context encoded on each side of a chunk and thrown away
MIN_CHUNK_SECONDS = 15.0  # shorter soundtracks are not split: the extra process costs more than it saves
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


def chunk_bounds(n_samples: int, parts: int) -> list[int]:
    """Chunk boundaries [0, b1, ..., n]: ``parts`` chunks at most, inner boundaries on frame multiples,
    each chunk at least ``MIN_CHUNK_SECONDS`` long."""
    longest = max(1, int(n_samples // (MIN_CHUNK_SECONDS * SAMPLE_RATE)))
    parts = max(1, min(parts, longest))
    inner = sorted({round(n_samples * i / parts / FRAME) * FRAME for i in range(1, parts)})
    return [0, *(b for b in inner if 0 < b < n_samples), n_samples]


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


def _kept_frames(frames: list[bytes], start: int, begin: int, end: int, last: bool) -> list[bytes]:
    """The frames of a chunk's encode that cover samples [begin, end) of the whole; the encode began at
    sample ``start`` (begin - overlap, or 0). Frame j of an encode covers its samples
    [(j - 1) * FRAME, j * FRAME): frame 0 is priming."""
    first = (begin - start) // FRAME + 1 if begin > 0 else 0
    if last:
        return frames[first:]
    stop = (end - start) // FRAME + 1
    if stop > len(frames):
        raise NodeError(f"the AAC encoder wrote {len(frames)} frames for a chunk that needs {stop}",
                        hint=BUILD_HINT)
    return frames[first:stop]


def encode_aac(samples: np.ndarray, output: Path, *, parts: int, exe: str,
               cancel: threading.Event | None = None) -> AacTrack:
    """Encode (2, n) float32 samples at 48 kHz to the ADTS file ``output``, in up to ``parts`` chunks at
    once."""
    n = int(samples.shape[1])
    bounds = chunk_bounds(n, parts)
    spans = []
    for index in range(len(bounds) - 1):
        begin, end = bounds[index], bounds[index + 1]
        spans.append((max(0, begin - OVERLAP), begin, end, min(n, end + OVERLAP)))
    interleaved = np.ascontiguousarray(samples.T, dtype=np.float32)  # f32le, L R L R ...

    def encode(span: tuple[int, int, int, int]) -> list[bytes]:
        start, _, _, stop = span
        chunk = output.with_name(f"{output.stem}.part{start}{output.suffix}")

        def feed(stdin: IO[bytes]) -> None:
            stdin.write(interleaved[start:stop].data)

        args = ["-f", "f32le", "-ar", str(SAMPLE_RATE), "-ac", "2", "-i", "pipe:0", *audio_encoder_args(),
                "-f", "adts", str(chunk)]
        try:
            run_ffmpeg(args, feed=feed, cancel=cancel, exe=exe, expected_duration=(stop - start) / SAMPLE_RATE)
            return adts_frames(chunk.read_bytes(), chunk.name)
        finally:
            chunk.unlink(missing_ok=True)

    with ThreadPoolExecutor(max_workers=len(spans)) as pool:
        encoded = list(pool.map(encode, spans))
    kept: list[bytes] = []
    for index, (frames, (start, begin, end, _)) in enumerate(zip(encoded, spans, strict=True)):
        kept += _kept_frames(frames, start, begin, end, last=index == len(spans) - 1)
    needed = -(-(n + PRIMING) // FRAME)  # the encoder's flush may add a frame past the last sample
    if len(kept) < needed:
        raise NodeError(f"the AAC encoder wrote {len(kept)} frames for {n} samples (needs {needed})",
                        hint=BUILD_HINT)
    output.write_bytes(b"".join(kept[:needed]))
    return AacTrack(output, n, needed)
