"""The ``render`` node: one scene = a still image with Ken Burns motion (or a background clip), the
narration (or silence) and burned-in captions, as one MP4.

The scene's length is the ``duration`` param when given, else the narration's, else the clip's: exactly
ceil(length * fps) frames and the audio padded or cut to the same length, so video and audio agree within
a frame and the merge can join scenes end to end. Still frames are made in Python (see ``kenburns_frames.py`` for
why) and piped to ffmpeg, which burns the captions in with libass and encodes.

With ``frames`` the node renders only that range of a still scene, video only, for a ``join`` step
(``segments.py``): the scene's length, motion and caption times stay those of the whole scene. With
``segment_seconds`` the node splits itself once its inputs exist (a narrated scene's length is known only
then): the engine runs the scene's segments, sound and joins as steps of their own (``parts.py``).
"""

from __future__ import annotations

import functools
import math
import threading
import warnings
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from nodes.captions.ass import CaptionStyle, burn_filter, font_problems, glyph_notice, write_node_ass
from nodes.formats import CaptionTrack
from nodes.media.encoder import (
    DEFAULT_QUALITY,
    LIBX264,
    NVENC,
    SEGMENT_X264_THREADS,
    X264_THREADS,
    choose_video_encoder,
    encode_with_fallback,
    encoder_usable,
    video_encoder_args,
)
from nodes.media.ffmpeg import FeedFn, ffmpeg_exe, ffmpeg_version, run_ffmpeg
from nodes.media.filters import frames_for
from nodes.media.probe import frame_count, probe
from nodes.render.auto import content_digest, resolve_auto
from nodes.render.bounds import MAX_FPS, MAX_SCENE_FRAMES, MAX_SCENE_SECONDS
from nodes.render.command import ClipSound, Pictures, Sound, render_args, segment_args
from nodes.render.fit import Fit, fit_image
from nodes.render.motion import Motion, Rect, crop_rect, source_zoom
from nodes.render.parts import scene_parts
from nodes.render.segments import SEGMENT_SECONDS, segment_length
from nodes.render.soundtrack import NARRATION_HINT
from nodes.render.video import Clip, clip_chain, clip_input
from pipeline.node import (
    CheckValue,
    Facts,
    InputValue,
    NodeError,
    NodeInputError,
    NodeType,
    Params,
    Port,
    Resources,
    RunContext,
    Split,
)

if TYPE_CHECKING:
    from nodes.render.kenburns_frames import YuvSource

__all__ = ["Render", "RenderParams", "render_args"]

MAX_SIDE = 4096
MAX_DURATION = float(MAX_SCENE_SECONDS)
MAX_IMAGE_PIXELS = 1_000_000_000  # 3 GB decoded: the most max_image_pixels may allow
# The fitted source is at most this many times the output size: deeper zooms upscale a little instead of
# holding (and resampling) a huge source in memory.
MAX_SOURCE_ZOOM = 2.0

class RenderParams(Params):
    width: int = Field(1080, ge=16, le=MAX_SIDE, description="Output width in pixels (even).")
    height: int = Field(1920, ge=16, le=MAX_SIDE, description="Output height in pixels (even).")
    fps: int = Field(30, ge=1, le=MAX_FPS, description="Frames per second.")
    motion: Motion = Field(Motion(), description="Ken Burns zoom and pan (stills only).")
    fit: Fit = Field("cover", description="cover: fill and crop; contain: whole picture, black bars; "
                     "blur: whole picture over a blurred, darkened copy of itself.")
    caption_style: CaptionStyle = Field(CaptionStyle(), description="Look of burned captions.")
    max_image_pixels: int = Field(100_000_000, ge=1, le=MAX_IMAGE_PIXELS, description="Refuse pictures larger "
                                  "than this many pixels before decoding them (memory stays bounded).")
    max_seconds: float = Field(600.0, gt=0, le=MAX_DURATION, description="Refuse scenes longer than this "
                               "(a runaway narration or a wrong duration).")
    duration: float | None = Field(None, gt=0, le=MAX_DURATION,
                                   description="Scene length in seconds; default: the narration's (or the "
                                   "clip's). Needed when there is no narration.")
    video_audio: Literal["drop", "mix"] = Field("drop", description="A background clip's own sound: drop "
                                                "it, or mix it under the narration.")
    video_audio_db: float = Field(-18.0, ge=-60.0, le=12.0, description="Level of the clip's sound, dB.")
    quality: int = Field(DEFAULT_QUALITY, ge=0, le=51, description="Video quality, x264 CRF scale.")
    preview: bool = Field(False, description="Fastest encoder preset, for a quick look.")
    frames: tuple[int, int] | None = Field(None, description="Only frames [first, end) of the scene, as a "
                                           "video-only segment for a `join` step (stills only). Motion "
                                           "and captions are those of the whole scene at these frames.")
    segment_seconds: float | None = Field(None, gt=0, le=MAX_DURATION,
                                          description="Cut a still scene into segments of this many seconds "
                                          "once its length is known (a narrated scene's, when its speech "
                                          "exists): each segment is a step of its own, cached and run in "
                                          "parallel, joined by stream copy.")

    @model_validator(mode="after")
    def _one_way_of_segmenting(self) -> RenderParams:
        if self.frames is not None and self.segment_seconds is not None:
            raise ValueError("`frames` (one segment of a scene) and `segment_seconds` (a scene cutting itself "
                             "into segments) exclude each other; give one")
        return self

    @field_validator("frames")
    @classmethod
    def _range(cls, value: tuple[int, int] | None) -> tuple[int, int] | None:
        if value is not None and not 0 <= value[0] < value[1] <= MAX_SCENE_FRAMES:
            raise ValueError(f"expected [first, end) with 0 <= first < end <= {MAX_SCENE_FRAMES} (the longest "
                             f"scene), got {list(value)}")
        return value

    @field_validator("width", "height")
    @classmethod
    def _even(cls, value: int) -> int:
        if value % 2:
            raise ValueError(f"must be even (H.264 4:2:0 needs even sizes), got {value}; try {value + 1}")
        return value


def _even_ceil(value: float) -> int:
    return 2 * math.ceil(round(value, 6) / 2)


def source_size(params: RenderParams, motion: Motion) -> tuple[int, int]:
    """The fitted source: the output size times the largest zoom (capped), so frames are not upscaled, and a
    little more for a moving view (``motion.source_zoom``)."""
    zoom = min(source_zoom(motion), MAX_SOURCE_ZOOM)
    return _even_ceil(params.width * zoom), _even_ceil(params.height * zoom)


def _resampler_path() -> str:
    """How frames are resampled on this machine (``resample.block_path``), in words for ``doctor``."""
    from nodes.render.resample import block_path

    path = block_path()
    if path.lanes == 0:
        return f"one pixel at a time ({path.reason}; same bytes, about 3x slower)"
    return f"vector permutes, {path.lanes} pixels a block ({'AVX-512' if path.lanes == 16 else 'AVX2'}; {path.reason})"


class Render(NodeType):
    name = "render"
    doc = ("A still image with smooth Ken Burns motion, or a background clip, with the narration as sound "
           "and the captions burned in.")
    version = "9"
    params = RenderParams
    inputs = {
        "image": Port("image", "The picture (JPEG, PNG, WebP...); give this or `video`.", optional=True),
        "video": Port("video", "A background clip, looped or cut to the scene; give this or `image`.",
                      optional=True),
        "audio": Port("audio", "The narration; its length sets the scene's length.", optional=True),
        "captions": Port("captions", "Caption track (JSON) to burn in.", optional=True),
    }
    outputs = {"video": Port("video", "H.264 + AAC 48 kHz stereo MP4 of the scene.", suffix=".mp4")}
    resources = Resources(cpu=2, ffmpeg=1)
    # A segment is one thread making frames and a one-thread x264 (SEGMENT_X264_THREADS): one slot per CPU
    # thread, so PIPELINE_THREADS segments run at once; their encoders are short and need no ffmpeg slot.
    segment_resources = Resources(cpu=1)

    def resources_for(self, params: RenderParams) -> Resources:
        return self.segment_resources if params.frames is not None else self.resources

    def may_split(self, params: RenderParams) -> bool:
        """Only a scene asked for segments splits; a segment (``frames``) never does."""
        return params.segment_seconds is not None and params.frames is None

    def split(self, params: RenderParams, inputs: dict[str, InputValue]) -> Split | None:
        """With ``segment_seconds``, a still scene longer than one segment runs as its segments, sound and
        joins (``parts.py``); anything the run refuses (a clip, a scene over the limit) runs, and is
        refused, as one node."""
        image, audio = inputs.get("image"), inputs.get("audio")
        if params.segment_seconds is None or params.frames is not None or not isinstance(image, Path) \
                or inputs.get("video") is not None:
            return None
        seconds = params.duration
        if seconds is None:
            if not isinstance(audio, Path):
                return None
            seconds = narration_format(audio)[1]
        n_frames = frames_for(seconds, params.fps)
        if seconds > params.max_seconds or n_frames <= segment_length(params.fps, params.segment_seconds):
            return None
        return scene_parts(params, n_frames, narrated=isinstance(audio, Path),
                           captioned=isinstance(inputs.get("captions"), Path))

    def tools(self, params: RenderParams) -> dict[str, str | Path]:
        exe = ffmpeg_exe()
        return {"ffmpeg": Path(exe), "video_encoder": choose_video_encoder(exe)}  # a Path: hashed by the engine

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
            "frame resampler": _resampler_path(),
            "parallelism": _parallelism(),
        }

    @classmethod
    def versions(cls) -> dict[str, str]:
        try:
            exe = ffmpeg_exe()
            return {"ffmpeg": f"{ffmpeg_version(exe).removeprefix('ffmpeg version ').split()[0]} ({exe})"}
        except NodeError as exc:
            return {"ffmpeg": f"not usable: {exc.message}"}

    def check(self, params: RenderParams, inputs: dict[str, CheckValue]) -> list[NodeInputError]:
        errors = font_problems(params.caption_style)
        if params.duration is not None and params.duration > params.max_seconds:
            errors.append(NodeInputError(f"the scene would last {params.duration:.1f} s, more than the limit of "
                                         f"{params.max_seconds:g} s", field="duration", hint=_LENGTH_HINT))
        image, video, audio = inputs.get("image"), inputs.get("video"), inputs.get("audio")
        if (image is None) == (video is None):
            errors.append(_picture_count_error(both=image is not None))
            return errors
        if video is not None and (params.frames is not None or params.segment_seconds is not None):
            errors.append(_clip_segments_error(params))
        if params.duration is None and audio is None and video is None:
            errors.append(_no_length())
        if params.frames is not None and params.duration is not None:
            n_frames = frames_for(params.duration, params.fps)
            if params.frames[1] > n_frames:
                errors.append(_past_the_end(params, n_frames, params.duration))
        if isinstance(video, Path):
            try:
                clip = _read_clip(video)
            except NodeInputError as exc:
                errors.append(exc)
            else:
                if params.duration is None and audio is None and clip.duration > params.max_seconds:
                    errors.append(NodeInputError(f"the scene would last {clip.duration:.1f} s (its clip), more than "
                                                 f"the limit of {params.max_seconds:g} s", field="video",
                                                 hint=_LENGTH_HINT))
        if isinstance(image, Path) and image.is_file():
            errors.extend(_picture_problems(image, params.max_image_pixels))
        if params.duration is None and isinstance(audio, Path) and audio.is_file():
            try:  # a recording used as it is sets the scene's length: over the limit is refused now
                seconds = narration_format(audio)[1]
            except NodeInputError as exc:
                errors.append(exc)
            else:
                if seconds > params.max_seconds:
                    errors.append(NodeInputError(f"the scene would last {seconds:.1f} s, more than the limit of "
                                                 f"{params.max_seconds:g} s", field="audio", hint=_LENGTH_HINT))
        return errors

    def known(self, params: RenderParams, inputs: dict[str, CheckValue]) -> dict[str, Facts]:
        """The video's size and frame rate always; its frame count when the params fix it (a ``duration``,
        or a segment's ``frames``, or a clip the user gave, without narration), not when a narration sets it."""
        facts: dict[str, object] = {"width": params.width, "height": params.height, "fps": params.fps}
        if params.frames is not None:
            facts["frames"] = params.frames[1] - params.frames[0]
        elif params.duration is not None:
            facts["frames"] = frames_for(params.duration, params.fps)
        elif inputs.get("audio") is None and isinstance(clip := inputs.get("video"), Path):
            facts["frames"] = frames_for(_read_clip(clip).duration, params.fps)  # a clip's header tells it
        return {"video": facts}

    def run(self, ctx: RunContext, params: RenderParams, inputs: dict[str, InputValue]) -> None:
        image_path, clip_path = _one_picture(inputs)
        audio_path, captions_path = inputs.get("audio"), inputs.get("captions")
        clip = Clip.read(clip_path) if clip_path is not None else None

        narration_channels, narration_length = 1, None
        if isinstance(audio_path, Path):
            narration_channels, narration_length = narration_format(audio_path)
        seconds = _scene_length(params, narration_length, clip)
        if seconds > params.max_seconds:
            raise NodeInputError(f"the scene would last {seconds:.1f} s, more than the limit of "
                                 f"{params.max_seconds:g} s", field="duration" if params.duration else "audio",
                                 hint=_LENGTH_HINT)
        if narration_length is not None and params.duration is not None and narration_length > seconds + 1e-3:
            ctx.warning(f"the narration ({narration_length:.2f} s) is cut to the scene's duration "
                        f"({seconds:.2f} s)")
        n_frames = frames_for(seconds, params.fps)
        first, end = params.frames or (0, n_frames)
        if clip is not None and (params.frames is not None or params.segment_seconds is not None):
            raise _clip_segments_error(params)
        if params.frames is not None and end > n_frames:
            raise _past_the_end(params, n_frames, seconds)

        if params.segment_seconds is not None and n_frames > segment_length(params.fps, params.segment_seconds):
            raise NodeError("a scene longer than one segment runs as the steps its split gives, not as one node",
                            field="segment_seconds", hint="run it through the engine (a recipe), which splits it")

        subtitles = None
        if isinstance(captions_path, Path):
            subtitles = self._subtitles(ctx, params, captions_path)

        clip_sound = None
        feed: FeedFn | None = None
        still = False
        if clip is not None:
            if params.video_audio == "mix":
                if clip.audio_channels:
                    clip_sound = ClipSound(clip.path, clip.audio_channels, start=clip.start, length=clip.duration,
                                           loop=clip.needs_loop(n_frames / params.fps),
                                           gain_db=params.video_audio_db)
                else:
                    ctx.warning(f"{clip.path.name} has no sound to mix (video_audio: mix)")
            if "motion" in params.model_fields_set:
                ctx.warning("motion applies to still images; the background clip plays as it is")
            pictures = Pictures(clip_input(clip, n_frames / params.fps),
                                clip_chain(params.fit, params.width, params.height, params.fps))
            ctx.progress(0.0, "looping the clip" if clip.needs_loop(n_frames / params.fps) else "cutting the clip")
        else:
            assert image_path is not None
            pictures = Pictures.raw(params.width, params.height, params.fps)
            feed, unmoving = self._still_frames(ctx, params, image_path, n_frames, first, end)
            still = unmoving and subtitles is None  # captions change the picture
        sound = Sound(narration=audio_path if isinstance(audio_path, Path) else None,
                      narration_channels=narration_channels, clip=clip_sound)

        exe = ffmpeg_exe()

        def arguments(encoder: str) -> list[str]:
            if params.frames is not None:  # one segment: video only, x264's fixed segment threads
                return segment_args(pictures=pictures, first=first, count=end - first, output=ctx.output("video"),
                                    encoder_args=video_encoder_args(encoder, quality=params.quality, faststart=False,
                                                                    preview=params.preview, still=still,
                                                                    x264_threads=SEGMENT_X264_THREADS),
                                    subtitles=subtitles)
            return render_args(pictures=pictures, sound=sound, fps=params.fps, n_frames=n_frames,
                               output=ctx.output("video"),
                               encoder_args=video_encoder_args(encoder, quality=params.quality,
                                                               threads=ctx.threads, preview=params.preview,
                                                               still=still),
                               subtitles=subtitles)

        def encode(encoder: str) -> None:
            run_ffmpeg(arguments(encoder), progress=ctx.progress, expected_duration=(end - first) / params.fps,
                       cancel=ctx.cancelled, feed=feed, exe=exe)

        encode_with_fallback(encode, ffmpeg=exe, warn=ctx.warning, cancelled=ctx.cancelled)
        _check_frames(ctx.output("video"), end - first)
        ctx.progress(1.0, f"frames {first}..{end} of {n_frames}" if params.frames is not None else f"{n_frames} frames")

    def warm_up(self) -> None:
        from nodes.render.kenburns_frames import YuvSource  # noqa: F401 - imports Pillow and the resampler
        from nodes.render.resample import load_kernels

        load_kernels()

    def _still_frames(self, ctx: RunContext, params: RenderParams, image_path: Path, n_frames: int, first: int,
                      end: int) -> tuple[FeedFn, bool]:
        """The stdin feeder for frames [first, end) of a still with motion (the motion is evaluated at the
        scene's own frame numbers, of ``n_frames``), and whether every frame is the same."""
        from nodes.media.pipe import PipeFeed
        from nodes.render.kenburns_frames import frames

        motion = params.motion
        if motion.auto:
            try:
                motion = resolve_auto(motion, content_digest(image_path.read_bytes()))
            except OSError as exc:
                raise NodeInputError(f"cannot read {image_path.name}: {exc}", field="image",
                                     hint="check the path") from exc
        src_w, src_h = source_size(params, motion)
        ctx.progress(0.0, "fitting the image")
        source = _fitted_source(image_path, params, motion, src_w, src_h)
        width, height = params.width, params.height

        def feed(stdin: IO[bytes]) -> None:
            rects = (crop_rect(i, n_frames, motion, src_w, src_h) for i in range(first, end))
            with PipeFeed(stdin) as pipe:  # frames are never changed once made, so they may go zero-copy
                for frame in frames(source, _until_cancelled(rects, ctx), width, height, workers=ctx.threads):
                    pipe.send(frame)

        return feed, motion.is_still

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
        font = write_node_ass(track, ass_path, style, params.width, params.height)
        notice = glyph_notice(track, style, font)
        if notice is not None:
            ctx.warning(notice)
        return burn_filter(ass_path, font.fontsdir)


# Fitted pictures kept for the next segments of the same scene in this process (a segment would otherwise
# decode and fit the picture again: about a tenth of a 2 s segment's work at 1080x1920).
_FITTED: OrderedDict[tuple[object, ...], YuvSource] = OrderedDict()
_FITTED_KEEP = 4
_fitted_lock = threading.Lock()


def _fitted_source(image_path: Path, params: RenderParams, motion: Motion, src_w: int, src_h: int) -> YuvSource:
    """The picture decoded, fitted to ``src_w`` x ``src_h`` and split into planes; the last few are kept,
    by the file's identity (path, inode, size, mtime) and the fitting settings."""
    from nodes.render.image import load_image
    from nodes.render.kenburns_frames import YuvSource

    try:
        stat = image_path.stat()
    except OSError as exc:
        raise NodeInputError(f"cannot read {image_path.name}: {exc}", field="image", hint="check the path") from exc
    key = (str(image_path), stat.st_ino, stat.st_size, stat.st_mtime_ns, src_w, src_h, params.fit,
           motion.focus, params.max_image_pixels)
    with _fitted_lock:
        if key in _FITTED:
            _FITTED.move_to_end(key)
            return _FITTED[key]
    picture = load_image(image_path, field="image", min_size=(src_w, src_h), fit=params.fit,
                         max_pixels=params.max_image_pixels)
    source = YuvSource(fit_image(picture, src_w, src_h, params.fit, motion.focus))
    with _fitted_lock:
        _FITTED[key] = source
        while len(_FITTED) > _FITTED_KEEP:
            _FITTED.popitem(last=False)
    return source


# From this many CPU threads on, doctor suggests segments: a scene in one piece is one frame-making thread and
# x264's fixed 4 threads, about a third of a 16-thread machine (issue measurements: 6.3x real time there).
MANY_THREADS = 8


def _parallelism() -> str:
    """What runs at once here, in words for ``doctor``: segments (where a recipe asks for them), one per
    CPU thread the local executor has (``PIPELINE_THREADS`` caps it), each a one-thread x264; a scene in
    one piece gets x264's fixed frame threads."""
    from pipeline.device import cpu_threads

    threads = cpu_threads()
    return (f"segments: {threads} at once, x264 {SEGMENT_X264_THREADS} thread each (where a recipe asks "
            f"for them: render: {{segment_seconds: {SEGMENT_SECONDS:g}}}; one per CPU thread, PIPELINE_THREADS "
            f"caps it; on a cluster, spread over its workers); a scene in one piece: x264 {X264_THREADS} threads "
            "(both fixed: same bytes everywhere)"
            + (f"; with {threads} threads here, one long scene in one piece keeps only a few busy: ask for "
               "segments for long scenes" if threads >= MANY_THREADS else ""))


_LENGTH_HINT = "shorten the narration, or raise limits: {max_scene_seconds: ...} in the recipe"


def _read_clip(path: Path) -> Clip:
    """``Clip.read``, once per clip file (by identity): ``known`` and ``check`` both need it."""
    try:
        stat = path.stat()
    except OSError:
        return Clip.read(path)
    return _cached_clip(path, (stat.st_ino, stat.st_size, stat.st_mtime_ns))


@functools.lru_cache(maxsize=64)
def _cached_clip(path: Path, identity: tuple[int, int, int]) -> Clip:
    return Clip.read(path)


def _picture_problems(image: Path, max_pixels: int) -> list[NodeInputError]:
    """``_read_picture_problems``, once per picture file (by identity and limit): a recipe of thousands of
    scenes over one picture is checked in a second, not in minutes."""
    try:
        stat = image.stat()
    except OSError:
        return _read_picture_problems(image, max_pixels)
    return list(_cached_picture_problems(image, (stat.st_ino, stat.st_size, stat.st_mtime_ns), max_pixels))


@functools.lru_cache(maxsize=64)
def _cached_picture_problems(image: Path, identity: tuple[int, int, int],
                             max_pixels: int) -> tuple[NodeInputError, ...]:
    return tuple(_read_picture_problems(image, max_pixels))


def _read_picture_problems(image: Path, max_pixels: int) -> list[NodeInputError]:
    """A picture that opens, is within the pixel limit, and decodes to its end (a truncated JPEG passes
    ``verify`` but fails halfway through the render; decoding at a reduced scale catches it cheaply)."""
    from PIL import Image, UnidentifiedImageError

    from nodes.render.image import IMAGE_HINT

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # image.MAX_PIXELS decides
            with Image.open(image) as handle:
                if handle.width * handle.height > max_pixels:
                    return [NodeInputError(
                        f"{image.name} is {handle.width}x{handle.height}, more than the limit of "
                        f"{max_pixels / 1e6:g} megapixels", field="image",
                        hint="use a smaller picture, or raise limits: {max_image_megapixels: ...} in the recipe")]
                handle.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        return [NodeInputError(f"{image.name} is not an image that can be read: {exc}", field="image",
                               hint=IMAGE_HINT)]
    try:
        with Image.open(image) as handle:
            handle.draft("RGB", (max(1, handle.width // 8), max(1, handle.height // 8)))
            handle.load()
    except (OSError, SyntaxError, ValueError) as exc:
        return [NodeInputError(f"{image.name} could not be decoded: {exc}", field="image", hint=IMAGE_HINT)]
    return []


def _one_picture(inputs: dict[str, InputValue]) -> tuple[Path | None, Path | None]:
    image, video = inputs.get("image"), inputs.get("video")
    image = image if isinstance(image, Path) else None
    video = video if isinstance(video, Path) else None
    if (image is None) == (video is None):
        raise _picture_count_error(both=image is not None)
    return image, video


def _picture_count_error(*, both: bool) -> NodeInputError:
    return NodeInputError("a scene needs exactly one picture: an `image` or a `video`, "
                          + ("not both" if both else "and it has neither"), field="image",
                          hint="give the scene `image: picture.jpg` or `video: clip.mp4`")


def _clip_segments_error(params: RenderParams) -> NodeInputError:
    field_name = "frames" if params.frames is not None else "segment_seconds"
    return NodeInputError("a background clip cannot be rendered in segments", field=field_name,
                          hint=f"render the clip's scene as one step (no `{field_name}`)")


def _past_the_end(params: RenderParams, n_frames: int, seconds: float) -> NodeInputError:
    assert params.frames is not None
    first, end = params.frames
    return NodeInputError(f"frames {first}..{end} lie past the scene's end ({n_frames} frames, "
                          f"{seconds:.3f} s at {params.fps} fps)", field="frames",
                          hint="segments must cover [0, scene frames) exactly")


def _no_length() -> NodeInputError:
    return NodeInputError("a scene without narration needs a length", field="duration",
                          hint="give the scene `duration: <seconds>`, or narration text or audio")


# Narrations measured in this process, by file identity (device, inode, size, mtime): a scene's check, its
# split and its run each ask, and measuring decodes the whole file (about a second for ten compressed
# minutes). The identity, not the path: the split reads a copy of the input linked into a scratch folder.
_NARRATIONS: dict[tuple[int, int, int, int], tuple[int, float]] = {}
_NARRATIONS_LOCK = threading.Lock()


def narration_format(path: Path) -> tuple[int, float]:
    """Channels and length (seconds) of the narration file: the length sets the scene's frames. It is
    the decoded sound's, to the sample, not the container's (``decoded_length``); measured once a file."""
    try:
        stat = path.stat()
    except OSError:
        return _measure_narration(path)  # says what is wrong with it
    identity = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
    with _NARRATIONS_LOCK:
        known = _NARRATIONS.get(identity)
    if known is None:
        known = _measure_narration(path)
        with _NARRATIONS_LOCK:
            if len(_NARRATIONS) >= 256:
                _NARRATIONS.clear()
            _NARRATIONS[identity] = known
    return known


def _measure_narration(path: Path) -> tuple[int, float]:
    from nodes.media.decode import AudioDecodeError, decoded_length

    info = probe(path, field="audio")
    if info.audio is None:
        raise NodeInputError(f"{path.name} has no audio stream", field="audio", hint=NARRATION_HINT)
    try:
        samples, rate = decoded_length(path)
    except AudioDecodeError as exc:
        raise NodeInputError(f"{path.name}: its audio cannot be decoded: {exc}", field="audio",
                             hint=NARRATION_HINT) from exc
    if samples <= 0:
        raise NodeInputError(f"{path.name} is empty (0 s of audio)", field="audio",
                             hint="check the narration text is not empty")
    return info.audio.channels, samples / rate


def _scene_length(params: RenderParams, narration: float | None, clip: Clip | None) -> float:
    if params.duration is not None:
        return params.duration
    if narration is not None:
        return narration
    if clip is not None:
        return clip.duration
    raise _no_length()


def _check_frames(output: Path, expected: int) -> None:
    """The scene's MP4 holds exactly ``expected`` frames: the merge places scenes, their sound and their
    captions end to end by that count, so a short scene would cut its narration and shift all that follows."""
    got = frame_count(output, field="video") or 0
    if got != expected:
        raise NodeError(f"the render made {got} frames, but the scene needs {expected}",
                        hint="this is a bug in the render node: report it with the scene's picture or clip")


def _until_cancelled(items: Iterator[Rect], ctx: RunContext) -> Iterator[Rect]:
    """Stop making frames once the run is cancelled (ffmpeg is being killed anyway)."""
    for item in items:
        if ctx.cancelled.is_set():
            return
        yield item
