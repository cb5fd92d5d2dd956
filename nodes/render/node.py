"""The ``render`` node: one scene = a still image with Ken Burns motion + the narration (+ burned captions).

The narration's length sets the scene: exactly ceil(duration * fps) frames, and the audio padded with
silence to the same length, so video and audio agree within a frame and the merge can join scenes
end to end. Frames are made in Python (see ``frames.py`` for why) and piped to ffmpeg, which burns the
captions in with libass and encodes.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from PIL import Image, UnidentifiedImageError
from pydantic import Field, ValidationError, field_validator

from nodes.captions.ass import CaptionStyle, burn_filter, write_ass
from nodes.captions.font import resolve_font
from nodes.formats import CaptionTrack
from nodes.media.encoder import (
    LIBX264,
    NVENC,
    audio_encoder_args,
    choose_video_encoder,
    encoder_usable,
    video_encoder_args,
)
from nodes.media.ffmpeg import ffmpeg_exe, ffmpeg_fingerprint, ffmpeg_version, run_ffmpeg
from nodes.media.filters import exact_length, frames_for, samples_for, to_stereo_48k
from nodes.media.probe import probe
from nodes.render.frames import YuvSource, frames
from nodes.render.image import cover_fit, load_image
from nodes.render.motion import Motion, Rect, crop_rect, max_zoom
from pipeline.node import InputValue, NodeError, NodeInputError, NodeType, Params, Port, Resources, RunContext

MAX_SIDE = 4096


class RenderParams(Params):
    width: int = Field(1080, ge=16, le=MAX_SIDE, description="Output width in pixels (even).")
    height: int = Field(1920, ge=16, le=MAX_SIDE, description="Output height in pixels (even).")
    fps: int = Field(30, ge=1, le=120, description="Frames per second.")
    motion: Motion = Field(Motion(), description="Ken Burns zoom and pan.")
    caption_style: CaptionStyle = Field(CaptionStyle(), description="Look of burned captions.")

    @field_validator("width", "height")
    @classmethod
    def _even(cls, value: int) -> int:
        if value % 2:
            raise ValueError(f"must be even (H.264 4:2:0 needs even sizes), got {value}; try {value + 1}")
        return value


def _source_size(params: RenderParams) -> tuple[int, int]:
    """The fitted source: the output size times the largest zoom, so no frame is upscaled."""
    zoom = max_zoom(params.motion)
    return _even_ceil(params.width * zoom), _even_ceil(params.height * zoom)


def _even_ceil(value: float) -> int:
    return 2 * math.ceil(round(value, 6) / 2)


def render_args(*, width: int, height: int, fps: int, n_frames: int, audio: Path, audio_channels: int,
                output: Path, encoder_args: list[str], subtitles: str | None = None) -> list[str]:
    """ffmpeg arguments: raw yuv420p frames on stdin + the narration -> H.264/AAC MP4 of n_frames."""
    samples = samples_for(n_frames / fps)
    video_chain = "setparams=range=tv:color_primaries=bt709:color_trc=bt709:colorspace=bt709"
    if subtitles:
        video_chain += "," + subtitles
    graph = (f"[0:v]{video_chain}[v];"
             f"[1:a]{to_stereo_48k(audio_channels)},{exact_length(samples)}[a]")
    return [
        "-f", "rawvideo", "-pix_fmt", "yuv420p", "-video_size", f"{width}x{height}", "-framerate", str(fps),
        "-i", "pipe:0",
        "-i", str(audio),
        "-filter_complex", graph,
        "-map", "[v]", "-map", "[a]",
        *encoder_args, *audio_encoder_args(),
        "-frames:v", str(n_frames),
        str(output),
    ]


class Render(NodeType):
    name = "render"
    doc = "A still image with smooth Ken Burns motion, the narration as sound and the captions burned in."
    version = "1"
    params = RenderParams
    inputs = {
        "image": Port("image", "The picture (JPEG, PNG, WebP...); fitted to the frame by cover."),
        "audio": Port("audio", "The narration; its length sets the scene's length."),
        "captions": Port("captions", "Caption track (JSON) to burn in.", optional=True),
    }
    outputs = {"video": Port("video", "H.264 + AAC 48 kHz stereo MP4 of the scene.", suffix=".mp4")}
    resources = Resources(cpu=2, ffmpeg=1)

    def tools(self, params: RenderParams) -> dict[str, str]:
        exe = ffmpeg_exe()
        return {"ffmpeg": ffmpeg_fingerprint(exe), "video_encoder": choose_video_encoder(exe)}

    @classmethod
    def diagnostics(cls) -> dict[str, str]:
        try:
            exe = ffmpeg_exe()
            version = ffmpeg_version(exe)
        except NodeError as exc:
            return {"ffmpeg": f"not usable: {exc.message}"}
        return {
            "ffmpeg": exe,
            "ffmpeg version": version,
            "libx264": "yes" if encoder_usable(exe, LIBX264) else "no",
            "h264_nvenc": "yes" if encoder_usable(exe, NVENC) else "no",
            "video encoder": choose_video_encoder(exe),
        }

    def check(self, params: RenderParams, inputs: dict[str, InputValue]) -> list[NodeInputError]:
        image = inputs.get("image")
        if not isinstance(image, Path) or not image.is_file():
            return []
        try:
            with Image.open(image) as handle:
                handle.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            return [NodeInputError(f"{image.name} is not an image that can be read: {exc}", field="image",
                                   hint="use a JPEG, PNG or WebP image file")]
        return []

    def run(self, ctx: RunContext, params: RenderParams, inputs: dict[str, InputValue]) -> None:
        image_path, audio_path, captions_path = inputs["image"], inputs["audio"], inputs.get("captions")
        assert isinstance(image_path, Path) and isinstance(audio_path, Path)
        width, height, fps = params.width, params.height, params.fps

        audio = probe(audio_path, field="audio")
        if audio.audio is None:
            raise NodeInputError(f"{audio_path.name} has no audio stream", field="audio",
                                 hint="connect the narration (a WAV from the tts node)")
        duration = audio.audio.duration or audio.duration or 0.0
        if duration <= 0:
            raise NodeInputError(f"{audio_path.name} is empty (0 s of audio)", field="audio",
                                 hint="check the narration text is not empty")
        n_frames = frames_for(duration, fps)

        subtitles = None
        if isinstance(captions_path, Path):
            subtitles = self._subtitles(ctx, params, captions_path)

        src_w, src_h = _source_size(params)
        ctx.progress(0.0, "fitting the image")
        picture = load_image(image_path, field="image", min_size=(src_w, src_h))
        source = YuvSource(cover_fit(picture, src_w, src_h, params.motion.focus))
        del picture

        def feed(stdin: IO[bytes]) -> None:
            rects = (crop_rect(i, n_frames, params.motion, src_w, src_h) for i in range(n_frames))
            for frame in frames(source, _until_cancelled(rects, ctx), width, height):
                stdin.write(frame)

        exe = ffmpeg_exe()
        encoder = choose_video_encoder(exe)
        for attempt in (encoder, LIBX264) if encoder != LIBX264 else (encoder,):
            args = render_args(width=width, height=height, fps=fps, n_frames=n_frames, audio=audio_path,
                               audio_channels=audio.audio.channels, output=ctx.output("video"),
                               encoder_args=video_encoder_args(attempt, threads=ctx.threads),
                               subtitles=subtitles)
            try:
                run_ffmpeg(args, progress=ctx.progress, expected_duration=n_frames / fps,
                           cancel=ctx.cancelled, feed=feed, exe=exe)
                break
            except NodeError as exc:
                if attempt == LIBX264 or ctx.cancelled.is_set():
                    raise
                ctx.warning(f"{attempt} failed ({exc.message}); encoding with libx264 instead")
        ctx.progress(1.0, f"{n_frames} frames")

    def _subtitles(self, ctx: RunContext, params: RenderParams, captions_path: Path) -> str | None:
        """Write the ASS file for the captions and return the burn-in filter (None when nothing to show)."""
        try:
            track = CaptionTrack.load(captions_path)
        except (OSError, ValidationError, ValueError) as exc:
            raise NodeInputError(f"{captions_path.name} is not a caption track: {str(exc).splitlines()[0]}",
                                 field="captions",
                                 hint="connect `captions` to the `captions` output of a captions node") from exc
        if not track.segments:
            return None
        ass_path = ctx.work_dir / "captions.ass"
        style = params.caption_style
        try:
            fontsdir = resolve_font(style.font, style.bold).fontsdir
            write_ass(track, ass_path, style, params.width, params.height)
        except ValueError as exc:  # includes a missing or unreadable user font file
            raise NodeInputError(f"caption style: {exc}", field="caption_style",
                                 hint="use the default font or a readable .ttf/.otf file") from exc
        return burn_filter(ass_path, fontsdir)


def _until_cancelled(items: Iterator[Rect], ctx: RunContext) -> Iterator[Rect]:
    """Stop making frames once the run is cancelled (ffmpeg is being killed anyway)."""
    for item in items:
        if ctx.cancelled.is_set():
            return
        yield item
