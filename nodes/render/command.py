"""The ffmpeg command of one scene: its pictures, its soundtrack and the encoder, as an argument list.

Pictures come either as raw yuv420p frames on stdin (a still with motion, made in Python) or from a
background clip (filtered inside ffmpeg). The soundtrack is the narration, or silence when the scene has
none, optionally with the clip's own sound mixed under it, following the clip's picture. Every stream is
bounded: exactly ``n_frames`` video frames and exactly the matching number of 48 kHz samples, so video and
audio end together.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nodes.media.encoder import audio_encoder_args
from nodes.media.filters import SAMPLE_RATE, exact_length, samples_for, to_stereo_48k

if TYPE_CHECKING:
    from nodes.media.aac import AacTrack

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
class ClipSound:
    """A background clip's own sound, mixed under the narration at ``gain_db``.

    It follows the clip's picture: read from ``start`` (the picture's first timestamp) for ``length``
    seconds (the picture's length), with silence where the clip has no sound, and repeated with the
    picture when it ``loop``s. The repeat holds one period of 48 kHz stereo in memory (375 KiB a second):
    a looped clip is shorter than its scene, which ``max_seconds`` bounds.
    """

    path: Path
    channels: int
    start: float = 0.0
    length: float = 0.0
    loop: bool = False
    gain_db: float = -18.0


@dataclass(frozen=True)
class Sound:
    """The soundtrack: ``narration`` (None = silence, input 1) and the clip's own sound (input 2) under it."""

    narration: Path | None = None
    narration_channels: int = 1
    clip: ClipSound | None = None


def _clip_sound(clip: ClipSound, samples: int) -> str:
    """Input 2's sound, one period of the picture long (looped), cut or padded to ``samples``."""
    period = samples_for(clip.length)
    chain = [f"[2:a]asetpts=PTS-{clip.start:.6f}/TB",
             "aresample=async=1:first_pts=0",  # silence before a late start and in gaps, an early start cut
             to_stereo_48k(clip.channels), exact_length(period)]
    if clip.loop:
        chain.append(f"aloop=loop=-1:size={period}")
    chain += [f"volume={clip.gain_db:.2f}dB", exact_length(samples)]
    return ",".join(chain)


def _audio_graph(sound: Sound, samples: int) -> str:
    """Filters ending in ``[a]``; the narration (or silence) is input 1, the clip's sound input 2."""
    if sound.narration is None:
        voice = f"[1:a]{exact_length(samples)}"
    else:
        voice = f"[1:a]{to_stereo_48k(sound.narration_channels)},{exact_length(samples)}"
    if sound.clip is None:
        return f"{voice}[a]"
    return (f"{voice}[voice];{_clip_sound(sound.clip, samples)}[bed];"
            f"[voice][bed]amix=inputs=2:duration=first:normalize=0,{exact_length(samples)}[a]")


def render_args(*, pictures: Pictures, sound: Sound, fps: int, n_frames: int, output: Path,
                encoder_args: list[str], subtitles: str | None = None) -> list[str]:
    """ffmpeg arguments for a scene of exactly ``n_frames`` frames at ``fps`` -> H.264/AAC MP4."""
    samples = samples_for(n_frames / fps)
    video_chain = ",".join(part for part in (pictures.chain, TAGS, subtitles) if part)
    graph = f"[0:v]{video_chain}[v];{_audio_graph(sound, samples)}"
    return [
        *pictures.input_args,
        *_audio_input(sound),
        "-filter_complex", graph,
        "-map", "[v]", "-map", "[a]",
        *encoder_args, *audio_encoder_args(),
        "-frames:v", str(n_frames),
        str(output),
    ]


def _audio_input(sound: Sound) -> list[str]:
    """Inputs 1 (the narration, or silence) and 2 (the clip's sound, read apart from its looped picture)."""
    if sound.narration is None:
        voice = ["-f", "lavfi", "-i", f"anullsrc=r={SAMPLE_RATE}:cl=stereo"]
    else:
        voice = ["-i", str(sound.narration)]
    if sound.clip is None:
        return voice
    return [*voice, "-vn", "-sn", "-dn", "-i", str(sound.clip.path)]


def segment_args(*, pictures: Pictures, first: int, count: int, output: Path, encoder_args: list[str],
                 subtitles: str | None = None) -> list[str]:
    """ffmpeg arguments for frames ``first`` .. ``first + count`` of a scene, video only.

    The frames on stdin are numbered from 0; the captions are burned at the scene's own times (the
    timestamps are moved forward for libass and back again), so a segment shows what the same frames
    of the whole scene show.
    """
    shift, unshift = "", ""
    if subtitles and first:
        shift, unshift = f"setpts=PTS+{first}/(FRAME_RATE*TB)", "setpts=PTS-STARTPTS"
    chain = ",".join(part for part in (pictures.chain, shift, TAGS, subtitles, unshift) if part)
    return [
        *pictures.input_args,
        "-filter_complex", f"[0:v]{chain}[v]",
        "-map", "[v]", "-an",
        *encoder_args,
        "-frames:v", str(count),
        str(output),
    ]


def join_args(*, concat_file: Path, soundtrack: AacTrack | None, n_frames: int, output: Path,
              same_config: bool = True) -> list[str]:
    """ffmpeg arguments joining a scene's segments: the video packets and the encoded ``soundtrack``
    (``nodes/render/soundtrack.py``) copied, the sound placed to the sample.

    ``soundtrack`` None joins the video alone, as a segment is (a group of a long scene's segments, which a
    later join takes with the others).

    ``same_config``: every segment has the same encoder configuration (H.264 parameter sets), so the
    packets are copied as x264 wrote them and the first segment's configuration describes them all.
    Otherwise (an encoder fallback between segments) the concat demuxer repeats each segment's
    parameter sets in-band, so every segment still decodes right.
    """
    video = ["-f", "concat", "-safe", "0", "-auto_convert", "0" if same_config else "1", "-i", str(concat_file)]
    if soundtrack is None:
        return [*video, "-map", "0:v:0", "-c:v", "copy", "-an", "-frames:v", str(n_frames), str(output)]
    return [
        *video,
        *soundtrack.input_args(),
        "-map", "0:v:0", "-map", "1:a:0",
        "-c:v", "copy", *soundtrack.copy_args(),
        "-movflags", "+faststart",
        str(output),
    ]
