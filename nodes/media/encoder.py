"""Video encoder policy: NVENC when it really works on this machine, libx264 otherwise.

An ffmpeg build may list h264_nvenc without a GPU or driver to run it, so the choice rests on a one-frame
test encode, done once per ffmpeg binary. A test encode can pass and a real encode still fail (the GPU's
session limit, memory, a driver hiccup): ``encode_with_fallback`` then retries on libx264 and
``mark_encoder_broken`` remembers it, so the rest of the process does not try NVENC again.

Quality is one number on x264's CRF scale (0 best .. 51 worst, 23 the default); NVENC gets the constant
quality value that corresponds (``nvenc_cq``). Every output is yuv420p with BT.709 tags, so players agree
on its colours, and the scenes of one run share their codec settings (the merge joins them without
re-encoding).
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable

from pipeline.node import NodeError

LIBX264 = "libx264"
NVENC = "h264_nvenc"
DEFAULT_QUALITY = 23
# NVENC's VBR constant-quality mode has no psychovisual tuning or macroblock tree, so at the same number it
# looks a little worse than x264's CRF; one step lower is about the same. An approximation: calibrate on
# a GPU machine (SSIM/VMAF at equal settings) before relying on it for size comparisons.
NVENC_CQ_OFFSET = -1
X264_PRESET = "veryfast"
NVENC_PRESET, NVENC_PREVIEW_PRESET = "p5", "p1"
# A preview is fast because it is small (a third of the side, half the frame rate), not because of the
# preset: x264's ultrafast drops CABAC and B-frames, and made previews larger files than the full render.
# So x264 keeps its preset and a preview is coded this many CRF steps coarser.
PREVIEW_QUALITY_OFFSET = 5
# For input whose frames are all the same picture (a still with no motion and no captions): every frame
# after the first is coded at the coarsest quantizer, where no residual survives, so each one repeats the
# first exactly (x264 would otherwise keep refining the picture for a while, and it would shimmer), and no
# further key frame is placed. Never use it for frames that change: they would be coded at the worst quality.
STILL_X264_PARAMS = "zones=1,10000000,q=51:keyint=infinite"

_choices: dict[str, str] = {}
_usable: dict[tuple[str, str], bool] = {}
_broken: set[str] = set()
_lock = threading.Lock()


def encoder_usable(ffmpeg: str, encoder: str) -> bool:
    """Whether ``encoder`` encodes one small frame with this ffmpeg (memoised)."""
    key = (ffmpeg, encoder)
    with _lock:
        if key in _usable:
            return _usable[key]
    argv = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-f", "lavfi",
            "-i", "color=c=black:s=256x256:r=30:d=0.1", "-frames:v", "1", "-c:v", encoder,
            "-pix_fmt", "yuv420p", "-f", "null", "-"]
    try:
        ok = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=30,
                            check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    with _lock:
        _usable[key] = ok
    return ok


def mark_encoder_broken(encoder: str) -> None:
    """Remember for the rest of the process that ``encoder`` failed a real encode; it is not chosen again."""
    with _lock:
        _broken.add(encoder)


def encoder_broken(encoder: str) -> bool:
    with _lock:
        return encoder in _broken


def nvidia_present() -> bool:
    """Whether an NVIDIA device node exists: without one there is nothing to test (a test encode costs a
    process on every run)."""
    return any(os.path.exists(p) for p in ("/dev/nvidiactl", "/dev/nvidia0"))


def choose_video_encoder(ffmpeg: str) -> str:
    """"h264_nvenc" when a test encode with it succeeds and it has not failed since, else "libx264"."""
    with _lock:
        cached = _choices.get(ffmpeg)
    if cached is None:
        cached = NVENC if nvidia_present() and encoder_usable(ffmpeg, NVENC) else LIBX264
        with _lock:
            _choices[ffmpeg] = cached
    return LIBX264 if encoder_broken(cached) else cached


# x264's frame threads, fixed (see below). Four rather than two: on a two-core machine the extra frame
# threads keep both cores busy while Python makes the next frames (renders 6% faster, same size and
# quality, measured with bench/render_kenburns.py), and machines with more cores use them.
X264_THREADS = 4
# A segment's x264 runs on one thread: a scene's segments are encoded several at once (steps spread by the
# executor, or a narrated scene splitting its own frames), which is where the parallelism comes from;
# x264's frame threads on top of that only oversubscribe the cores (each segment with 4 threads made 2
# segments at once slower than one render step on 2 cores). Fixed, never taken from the machine: x264's
# bytes depend on its thread count, and a segment must have the same bytes wherever it ran.
SEGMENT_X264_THREADS = 1


def nvenc_cq(quality: int) -> int:
    """NVENC's ``-cq`` for a quality given on x264's CRF scale."""
    return max(1, min(51, quality + NVENC_CQ_OFFSET))


def video_encoder_args(encoder: str, *, quality: int = DEFAULT_QUALITY, threads: int | None = None,
                       faststart: bool = True, preview: bool = False, still: bool = False,
                       x264_threads: int = X264_THREADS) -> list[str]:
    """The output argv for H.264 with ``encoder`` at constant ``quality`` (x264 CRF scale).

    ``preview`` codes a coarser quality (and NVENC's fastest preset); ``still`` is for frames that are all
    the same picture. ``x264_threads`` is one of the fixed counts (``X264_THREADS`` for a whole scene,
    ``SEGMENT_X264_THREADS`` for a segment), never a number from the machine.
    """
    if x264_threads < 1:
        raise ValueError(f"x264_threads must be at least 1, got {x264_threads}")
    if not 0 <= quality <= 51:
        raise ValueError(f"quality is on the CRF scale 0..51, got {quality}")
    if preview:
        quality = min(51, quality + PREVIEW_QUALITY_OFFSET)
    if encoder == LIBX264:
        args = ["-c:v", LIBX264, "-preset", X264_PRESET, "-crf", str(quality)]
        if still:
            args += ["-x264-params", STILL_X264_PARAMS]
        # x264's output depends on its thread count; a fixed count makes renders byte-identical on every
        # machine with the same ffmpeg build (golden files, shared caches). ``threads`` is accepted for
        # callers' sake but does not change the bytes.
        args += ["-threads", str(x264_threads)]
    elif encoder == NVENC:
        preset = NVENC_PREVIEW_PRESET if preview else NVENC_PRESET
        args = ["-c:v", NVENC, "-preset", preset, "-tune", "hq", "-rc", "vbr", "-cq", str(nvenc_cq(quality)),
                "-b:v", "0"]
    else:
        raise ValueError(f"unsupported video encoder {encoder!r}")
    args += ["-pix_fmt", "yuv420p", "-color_range", "tv",
             "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709"]
    if faststart:
        args += ["-movflags", "+faststart"]
    return args


def encode_with_fallback(encode: Callable[[str], None], *, ffmpeg: str,
                         warn: Callable[[str], None] = lambda message: None,
                         cancelled: threading.Event | None = None) -> str:
    """Run ``encode(encoder)`` with the chosen encoder; when NVENC fails, mark it broken and retry once on
    libx264. Returns the encoder that succeeded; a libx264 failure (or a cancelled run) propagates."""
    encoder = choose_video_encoder(ffmpeg)
    try:
        encode(encoder)
        return encoder
    except NodeError as exc:
        if encoder == LIBX264 or (cancelled is not None and cancelled.is_set()):
            raise
        mark_encoder_broken(encoder)
        warn(f"{encoder} failed ({exc.message}); encoding with {LIBX264} instead, for the rest of this run")
    encode(LIBX264)
    return LIBX264


def audio_encoder_args(bitrate: str = "192k") -> list[str]:
    """AAC, 48 kHz stereo: the one audio format every output of the pipeline carries.

    ffmpeg's ``fast`` AAC coder rather than its default ``twoloop``: at 192k it is 1.8x faster (a 74 s
    mix: 0.97 s against 1.74 s; the final merge waits on this encode), the same size, and closer to the
    source on every kind of sound measured (mix, Piper speech, music: 52-55 dB SNR against 36-42 dB,
    with twoloop's bass below 80 Hz at only 5-13 dB SNR). twoloop's noise shaping pays off at low bit
    rates, which this pipeline does not use.
    """
    return ["-c:a", "aac", "-aac_coder", "fast", "-b:a", bitrate, "-ar", "48000", "-ac", "2"]
