"""The ffmpeg command of one scene: its pictures, its soundtrack and the encoder, as an argument list.

Pictures come either as raw yuv420p frames on stdin (a still with motion, made in Python) or from a
background clip (filtered inside ffmpeg). The soundtrack is the narration, or silence when the scene has
none, optionally with the clip's own sound mixed under it. Every stream is bounded: exactly ``n_frames``
video frames and exactly the matching number of 48 kHz samples, so video and audio end together.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nodes.media.encoder import audio_encoder_args
from nodes.media.filters import SAMPLE_RATE, exact_length, samples_for, to_stereo_48k

TAGS = "setparams=range=tv:color_primaries=bt709:color_trc=bt709:colorspace=bt709"


@dataclass(frozen=True)
class Pictures:
    """Where the frames come from: ``input_args`` (input 0) and the filters from ``[0:v]`` to the frame."""

    input_args: list[str]
    chain: str = ""

    @classmethod
    def raw(cls, width: int, height: int, fps: int) -> Pictures:
        """yuv420p frames of ``width`` x ``height`` written to ffmpeg's stdin."""
        return cls(["-f", "rawvideo", "-pix_fmt", "yuv420p", "-video_size", f"{width}x{height}",
                    "-framerate", str(fps), "-i", "pipe:0"])


@dataclass(frozen=True)
class Sound:
    """The soundtrack: ``narration`` (None = silence) and the clip's own sound (input 0) under it."""

    narration: Path | None = None
    narration_channels: int = 1
    clip_channels: int = 0  # > 0: mix input 0's audio in
    clip_gain_db: float = -18.0


def _audio_graph(sound: Sound, samples: int) -> str:
    """Filters ending in ``[a]``; the narration (or silence) is input 1."""
    if sound.narration is None:
        voice = f"[1:a]{exact_length(samples)}"
    else:
        voice = f"[1:a]{to_stereo_48k(sound.narration_channels)},{exact_length(samples)}"
    if sound.clip_channels <= 0:
        return f"{voice}[a]"
    clip = (f"[0:a]asetpts=PTS-STARTPTS,{to_stereo_48k(sound.clip_channels)},"
            f"volume={sound.clip_gain_db:.2f}dB,{exact_length(samples)}")
    return (f"{voice}[voice];{clip}[bed];"
            f"[voice][bed]amix=inputs=2:duration=first:normalize=0,{exact_length(samples)}[a]")


def render_args(*, pictures: Pictures, sound: Sound, fps: int, n_frames: int, output: Path,
                encoder_args: list[str], subtitles: str | None = None) -> list[str]:
    """ffmpeg arguments for a scene of exactly ``n_frames`` frames at ``fps`` -> H.264/AAC MP4."""
    samples = samples_for(n_frames / fps)
    video_chain = ",".join(part for part in (pictures.chain, TAGS, subtitles) if part)
    if sound.narration is None:
        audio_input = ["-f", "lavfi", "-i", f"anullsrc=r={SAMPLE_RATE}:cl=stereo"]
    else:
        audio_input = ["-i", str(sound.narration)]
    graph = f"[0:v]{video_chain}[v];{_audio_graph(sound, samples)}"
    return [
        *pictures.input_args,
        *audio_input,
        "-filter_complex", graph,
        "-map", "[v]", "-map", "[a]",
        *encoder_args, *audio_encoder_args(),
        "-frames:v", str(n_frames),
        str(output),
    ]
