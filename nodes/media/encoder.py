"""Video encoder policy: NVENC when it really works on this machine, libx264 otherwise.

An ffmpeg build may list h264_nvenc without a GPU or driver to run it, so the choice rests on a one-frame
test encode, done once per ffmpeg binary. Every output is yuv420p with BT.709 tags, so players agree on
its colours, and the scenes of one run share their codec settings (the merge joins them without
re-encoding).
"""

from __future__ import annotations

import subprocess
import threading

LIBX264 = "libx264"
NVENC = "h264_nvenc"
DEFAULT_QUALITY = 23

_choices: dict[str, str] = {}
_usable: dict[tuple[str, str], bool] = {}
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


def choose_video_encoder(ffmpeg: str) -> str:
    """"h264_nvenc" when a test encode with it succeeds, else "libx264"."""
    with _lock:
        if ffmpeg in _choices:
            return _choices[ffmpeg]
    choice = NVENC if encoder_usable(ffmpeg, NVENC) else LIBX264
    with _lock:
        _choices[ffmpeg] = choice
    return choice


def video_encoder_args(encoder: str, *, quality: int = DEFAULT_QUALITY, threads: int | None = None,
                       faststart: bool = True) -> list[str]:
    """The output argv for H.264 with ``encoder`` at constant ``quality`` (CRF for x264, CQ for NVENC)."""
    if encoder == LIBX264:
        args = ["-c:v", LIBX264, "-preset", "veryfast", "-crf", str(quality)]
        if threads:
            args += ["-threads", str(threads)]
    elif encoder == NVENC:
        args = ["-c:v", NVENC, "-preset", "p5", "-tune", "hq", "-rc", "vbr", "-cq", str(quality), "-b:v", "0"]
    else:
        raise ValueError(f"unsupported video encoder {encoder!r}")
    args += ["-pix_fmt", "yuv420p", "-color_range", "tv",
             "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709"]
    if faststart:
        args += ["-movflags", "+faststart"]
    return args


def audio_encoder_args(bitrate: str = "192k") -> list[str]:
    """AAC, 48 kHz stereo: the one audio format every output of the pipeline carries."""
    return ["-c:a", "aac", "-b:a", bitrate, "-ar", "48000", "-ac", "2"]
