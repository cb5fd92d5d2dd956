"""Small media answers for the info, frame and font routes, through the node types' media helpers."""

from __future__ import annotations

import functools
import subprocess
import tempfile
from fractions import Fraction
from math import gcd
from pathlib import Path
from typing import Any

from nodes.media.ffmpeg import ffmpeg_exe
from nodes.media.probe import MediaInfo, probe

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts",
             Path.home() / ".local/share/fonts")
MAX_FONT_FILES = 5000


class MediaUnreadable(ValueError):
    """The stored file is not media ffmpeg can read (the client gets 400, not an empty 200)."""


def describe(path: Path) -> MediaInfo:
    try:
        return probe(path, field="file_id", decode=False)
    except Exception as exc:  # noqa: BLE001 - any probe failure is the file's problem, said plainly
        raise MediaUnreadable(f"the file cannot be read as media: {getattr(exc, 'message', exc)}") from None


def not_an_image(path: Path) -> str | None:
    """None when ``path`` is a picture Pillow can open; else what it holds, in words ("holds audio")."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path):
            return None
    except Image.DecompressionBombError:
        return None  # a picture; the render step says it is too large, in its own terms
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        pass
    try:
        info = probe(path, field="background_id", decode=False)
    except Exception:  # noqa: BLE001 - unreadable as media too: said below
        return "is not a picture (not media at all)"
    if info.video is not None and info.video.width > 0:  # a broken .jpg probes as a 0x0 mjpeg "video"
        return "holds video, not a picture"
    if info.audio is not None:
        return "holds audio, not a picture"
    return "is not a picture"


def wrong_kind(path: Path, media_type: str) -> str | None:
    """What a stored file holds when it is recognisably media of another kind than ``media_type`` (audio
    stored as an image), else None; bytes that are no media at all pass, as the original stored them."""
    picture = not_an_image(path) is None
    try:
        info = probe(path, field="file", decode=False)
    except Exception:  # noqa: BLE001 - not media ffmpeg reads: a picture or nothing recognisable
        info = None
    moving = info is not None and info.video is not None and info.video.width > 0 and not picture
    sound = info is not None and info.audio is not None
    if media_type == "image" and not picture and (moving or sound):
        return "video" if moving else "audio"
    if media_type == "video" and sound and not moving and not picture:
        return "audio"
    if media_type == "audio" and not sound and (moving or picture):
        return "video" if moving else "an image"
    return None


def fraction_text(value: Fraction | None) -> str | None:
    """An exact rate such as ``30000/1001`` (the original gave only the numerator)."""
    if value is None:
        return None
    return f"{value.numerator}/{value.denominator}"


def video_info(path: Path) -> dict[str, Any]:
    info = describe(path)
    if info.video is None:
        raise MediaUnreadable("the file has no video stream")
    video = info.video
    divisor = gcd(video.width, video.height) or 1
    return {"duration": info.duration or video.duration, "width": video.width, "height": video.height,
            "fps": fraction_text(video.fps), "aspect_ratio": f"{video.width // divisor}:{video.height // divisor}",
            "codec": video.codec}


def audio_info(path: Path) -> dict[str, Any]:
    info = describe(path)
    if info.audio is None:
        raise MediaUnreadable("the file has no audio stream")
    duration = info.duration or info.audio.duration
    bitrate = round(path.stat().st_size * 8 / duration) if duration else None
    return {"duration": duration, "channels": info.audio.channels, "sample_rate": info.audio.sample_rate,
            "codec": info.audio.codec, "bitrate": bitrate}


def extract_frame(path: Path, timestamp: float) -> bytes:
    """One JPEG frame at ``timestamp`` (past the end: 0.3 s before the end, as the original did)."""
    info = describe(path)
    if info.video is None:
        raise MediaUnreadable("the file has no video stream")
    duration = info.duration or info.video.duration or 0.0
    if timestamp >= duration:
        timestamp = max(0.0, duration - 0.3)
    with tempfile.TemporaryDirectory(prefix="pipeline-frame-") as folder:
        out = Path(folder) / "frame.jpg"
        argv = [ffmpeg_exe(), "-nostdin", "-v", "error", "-ss", f"{timestamp:.3f}", "-i", str(path),
                "-frames:v", "1", "-q:v", "2", "-y", str(out)]
        result = subprocess.run(argv, capture_output=True, timeout=120, check=False)
        if result.returncode != 0 or not out.is_file():
            raise MediaUnreadable("no frame could be decoded at that time")
        return out.read_bytes()


@functools.cache
def font_families() -> tuple[str, ...]:
    """Family names of the bundled fonts and the machine's TrueType/OpenType files, sorted."""
    from PIL import ImageFont

    from nodes.captions.font import fonts_dir

    files = [p for p in fonts_dir().rglob("*") if p.suffix.lower() in (".ttf", ".otf")]
    for folder in FONT_DIRS:
        if folder.is_dir():
            files += [p for p in folder.rglob("*") if p.suffix.lower() in (".ttf", ".otf")][:MAX_FONT_FILES]
    families = set()
    for file in files[:MAX_FONT_FILES]:
        try:
            families.add(ImageFont.truetype(str(file), 12).getname()[0])
        except OSError:
            continue
    return tuple(sorted(f for f in families if f))
