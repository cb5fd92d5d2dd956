"""The ``soundtrack`` node: a segmented scene's sound encoded to AAC on its own, so its join only copies.

A scene made of segments used to have its join encode the narration, on one core, after the last segment
was made: 13 s of a 10-minute narrated scene's render came after all its pictures were done. Now the
soundtrack (the narration, or silence, cut or padded to the scene's frames) is encoded in fixed 30 s
chunks (``nodes/media/aac.py``) by a ``soundtrack`` step beside the segment steps, while they render.
The join copies its frames into the scene's MP4 and places them to the sample; a join given the narration
instead encodes the same samples the same way, so both give the same bytes.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field

from nodes.media.ffmpeg import ffmpeg_exe
from nodes.media.filters import SAMPLE_RATE, samples_for
from nodes.render.bounds import MAX_FPS, MAX_SCENE_FRAMES
from pipeline.node import CheckValue, Facts, InputValue, NodeInputError, NodeType, Params, Port, Resources, RunContext

if TYPE_CHECKING:  # numpy and the decoders load when a soundtrack is made, not when node types are listed
    import numpy as np

    from nodes.media.aac import AacTrack

NARRATION_HINT = ("give an audio file with a sound track (WAV, MP3, M4A, OGG...), or the narration "
                  "a tts step makes")


def scene_samples(n_frames: int, fps: int) -> int:
    """Samples of sound in a scene of ``n_frames`` frames: what a whole-scene render gives it."""
    return samples_for(n_frames / fps)


def soundtrack_samples(narration: Path | None, samples: int) -> np.ndarray:
    """The scene's sound as (2, ``samples``) float32 at 48 kHz: the narration resampled, mono on both sides
    at full level, cut or padded with silence; silence without one."""
    import numpy as np

    from nodes.audio.pcm import fit_length, silence
    from nodes.media.decode import AudioDecodeError, NoAudioStream, decode_audio

    if narration is None:
        return silence(samples)
    try:
        data, _ = decode_audio(narration, rate=SAMPLE_RATE, stereo_at_most=True, max_samples=samples)
    except NoAudioStream as exc:
        raise NodeInputError(f"{narration.name} has no audio stream", field="audio", hint=NARRATION_HINT) from exc
    except AudioDecodeError as exc:
        raise NodeInputError(f"{narration.name}: its audio cannot be decoded: {exc}", field="audio",
                             hint=NARRATION_HINT) from exc
    if data.shape[0] == 1:
        data = np.repeat(data, 2, axis=0)
    return np.ascontiguousarray(fit_length(data, samples))


def encode_soundtrack(narration: Path | None, n_frames: int, fps: int, output: Path, *, exe: str,
                      cancel: threading.Event | None = None, workers: int = 1) -> AacTrack:
    """The soundtrack of a scene of ``n_frames`` frames, encoded to the ADTS file ``output``, ``workers``
    chunks at once (the bytes do not depend on it)."""
    from nodes.media.aac import encode_aac

    samples = soundtrack_samples(narration, scene_samples(n_frames, fps))
    return encode_aac(samples, output, exe=exe, cancel=cancel, workers=workers)


def aac_frames_for(n_frames: int, fps: int) -> int:
    """AAC frames a soundtrack of a scene of ``n_frames`` at ``fps`` holds (its priming included)."""
    from nodes.media.aac import FRAME, PRIMING

    return -(-(scene_samples(n_frames, fps) + PRIMING) // FRAME)


def read_soundtrack(path: Path, n_frames: int, fps: int) -> AacTrack:
    """A ``soundtrack`` step's file as the join places it, checked to be as long as the scene."""
    from nodes.media.aac import AacTrack, adts_frames

    samples = scene_samples(n_frames, fps)
    needed = aac_frames_for(n_frames, fps)
    try:
        found = len(adts_frames(path.read_bytes(), path.name))
    except OSError as exc:
        raise NodeInputError(f"cannot read the soundtrack {path.name}: {exc}", field="soundtrack",
                             hint="connect the `soundtrack` output of a soundtrack step") from exc
    if found != needed:
        raise NodeInputError(f"the soundtrack {path.name} holds {found} AAC frames, but {n_frames} frames at "
                             f"{fps} fps need {needed}", field="soundtrack",
                             hint="give the soundtrack step the same fps and frames as the join")
    return AacTrack(path, samples, needed)


class SoundtrackParams(Params):
    fps: int = Field(30, ge=1, le=MAX_FPS, description="Frames per second of the scene.")
    frames: int = Field(ge=1, le=MAX_SCENE_FRAMES, description="Frames in the whole scene: the sound is cut or "
                        "padded to them.")


class Soundtrack(NodeType):
    name = "soundtrack"
    doc = ("A segmented scene's sound (the narration, or silence) encoded to AAC while its segments render; "
           "the join copies it.")
    version = "1"
    params = SoundtrackParams
    inputs = {"audio": Port("audio", "The narration; silence without it.", optional=True)}
    outputs = {"soundtrack": Port("soundtrack", "AAC (ADTS) of exactly the scene's length.", suffix=".aac")}
    resources = Resources(cpu=1)

    def tools(self, params: SoundtrackParams) -> dict[str, str | Path]:
        return {"ffmpeg": Path(ffmpeg_exe())}

    def known(self, params: SoundtrackParams, inputs: dict[str, CheckValue]) -> dict[str, Facts]:
        return {"soundtrack": {"frames": params.frames, "fps": params.fps}}

    def run(self, ctx: RunContext, params: SoundtrackParams, inputs: dict[str, InputValue]) -> None:
        audio = inputs.get("audio")
        narration = audio if isinstance(audio, Path) else None
        track = encode_soundtrack(narration, params.frames, params.fps, ctx.output("soundtrack"), exe=ffmpeg_exe(),
                                  cancel=ctx.cancelled, workers=ctx.threads)
        ctx.progress(1.0, f"{track.samples / SAMPLE_RATE:.2f} s of {'narration' if narration else 'silence'}")
