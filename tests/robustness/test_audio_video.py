"""Robustness, audio and video: music, recordings and background clips of every shape.

Music at 8 kHz, mono, 6 channels, 0.2 s long, several minutes long, pure silence, or the sound of a video
renders (the output is always AAC 48 kHz stereo, as long as the narration); music with a corrupt header,
or a video without sound given as music, is refused at the recipe's music line. A recorded narration at
8 kHz mono plays. Background clips of odd sizes (321x241) and pixel formats (yuv444p, rgb24), with and
without sound (``video_audio: mix``), render to the recipe's size; a corrupt clip is refused.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from nodes.media.ffmpeg import ffmpeg_exe
from tests.e2e.checks import decode_audio, rms_dbfs
from tests.robustness.helpers import ASSETS, Guard, Project, assert_rendered, scene_recipe, srt_text

NARRATION = "The tide comes in slowly tonight."


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Project:
    return Project(tmp_path_factory.mktemp("audio video"))


@pytest.fixture(scope="module")
def guard(project: Project) -> Guard:
    return Guard(project)


def ffmpeg(*args: str) -> Callable[[Path], None]:
    """A maker that writes its file with ffmpeg (lavfi sources, so nothing is read)."""
    def make(path: Path) -> None:
        subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *args, str(path)],
                       check=True, stdin=subprocess.DEVNULL, capture_output=True)
    return make


def tone(rate: int, seconds: float, channels: int = 1, level: float = 0.3, fmt: str = "WAV",
         subtype: str | None = None) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        t = np.arange(int(rate * seconds)) / rate
        wave = (level * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
        sf.write(path, np.repeat(wave[:, None], channels, axis=1), rate, format=fmt, subtype=subtype)
    return make


def silence(path: Path) -> None:
    sf.write(path, np.zeros((48000 * 3, 2), np.float32), 48000, format="WAV")


def corrupt_header(path: Path) -> None:
    tone(16000, 2.0)(path)
    data = bytearray(path.read_bytes())
    data[0:44] = b"\x13\x37" * 22  # RIFF/WAVE/fmt header overwritten; the samples are still there
    path.write_bytes(bytes(data))


def garbage(path: Path) -> None:
    path.write_bytes(np.random.default_rng(7).integers(0, 256, 20000, np.uint8).tobytes())


MUSIC_RENDERS = [
    # (id, file, maker, whether the music is heard under the voice)
    ("8khz-mono-wav", "m8k.wav", tone(8000, 4.0), True),
    ("mono-ogg", "mono.ogg", tone(22050, 4.0, fmt="OGG", subtype="VORBIS"), True),
    ("six-channels-flac", "six.flac", tone(48000, 3.0, channels=6, fmt="FLAC"), True),
    ("float-wav", "float.wav", tone(44100, 3.0, channels=2, subtype="FLOAT"), True),
    ("very-short-0.2s", "short.wav", tone(44100, 0.2), True),
    ("several-minutes-ogg", "long.ogg", tone(8000, 240.0, fmt="OGG", subtype="VORBIS"), True),
    ("pure-silence", "silent.wav", silence, False),
    ("video-with-sound-as-music", "clip.mp4",
     ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x64:rate=10:duration=3", "-f", "lavfi", "-i",
            "sine=frequency=330:duration=3", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac",
            "-shortest"), True),
]


@pytest.mark.parametrize("case, name, make, audible", MUSIC_RENDERS, ids=[c[0] for c in MUSIC_RENDERS])
def test_music_of_any_shape_renders(project, guard, case, name, make, audible):
    make(project.root / name)
    recipe = project.write(f"{case}.yaml", scene_recipe(
        {"text": NARRATION, "image": "assets/city.jpg"}, {"image": "assets/hills.jpg", "duration": 1.5},
        music={"path": name, "volume_db": -12, "fade_out": 0}))
    outcome = project.run(recipe)
    video = project.root / "out" / f"{case}.mp4"
    info = assert_rendered(outcome, video)
    assert info.duration is not None and 3.0 < info.duration < 6.5  # the scenes' length, not the music's
    assert "tide comes in slowly tonight." in srt_text(video.with_suffix(".srt"))
    samples, rate = decode_audio(video)
    tail = samples[-int(rate * 0.9):]  # the second scene has no narration: only the music sounds there
    assert (rms_dbfs(tail) > -50) == audible, (case, rms_dbfs(tail))
    guard.assert_untouched()


MUSIC_REFUSED = [
    ("corrupt-wav-header", "corrupt.wav", corrupt_header, ["corrupt.wav"]),
    ("random-bytes-ogg", "noise.ogg", garbage, ["noise.ogg"]),
    ("video-without-sound-as-music", "waves.mp4",
     lambda p: p.write_bytes((ASSETS / "waves.mp4").read_bytes()), ["has no audio"]),
    ("empty-wav", "empty.wav", lambda p: sf.write(p, np.zeros((0, 1), np.float32), 44100), ["empty.wav"]),
]


@pytest.mark.parametrize("case, name, make, phrases", MUSIC_REFUSED, ids=[c[0] for c in MUSIC_REFUSED])
def test_unusable_music_is_refused_at_its_line(project, guard, case, name, make, phrases):
    make(project.root / name)
    recipe = scene_recipe({"text": NARRATION, "image": "assets/city.jpg"}, music={"path": name})
    guard.refused(f"{case}.yaml", recipe, "path:", *phrases, field=("merge", "music"))


def test_recorded_narration_at_8khz_mono_plays(project, guard):
    tone(8000, 2.0, level=0.5)(project.root / "voice8k.wav")
    recipe = project.write("voice8k.yaml", scene_recipe({"audio": "voice8k.wav", "image": "assets/hills.jpg"}))
    video = project.root / "out" / "voice8k.mp4"
    info = assert_rendered(project.run(recipe), video)
    assert info.duration is not None and abs(info.duration - 2.0) < 0.15
    samples, _ = decode_audio(video)
    assert rms_dbfs(samples) > -20
    guard.assert_untouched()


CLIPS = [
    # (id, file, maker, video_audio, whether the clip has sound)
    ("odd-size-321x241-yuv444p", "odd.mp4",
     ffmpeg("-f", "lavfi", "-i", "testsrc=size=321x241:rate=25:duration=2", "-c:v", "libx264",
            "-pix_fmt", "yuv444p"), "drop", False),
    ("rgb24", "rgb.mp4",
     ffmpeg("-f", "lavfi", "-i", "testsrc=size=200x120:rate=10:duration=2", "-c:v", "libx264rgb",
            "-pix_fmt", "rgb24"), "drop", False),
    ("rgb24-png-in-mov", "rgb.mov",
     ffmpeg("-f", "lavfi", "-i", "testsrc=size=97x55:rate=12:duration=2", "-c:v", "png", "-pix_fmt", "rgb24"),
     "drop", False),
    ("no-sound-with-mix", "silent.mp4",
     ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=15:duration=2", "-c:v", "libx264",
            "-pix_fmt", "yuv420p"), "mix", False),
    ("sound-with-mix", "loud.mp4",
     ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=15:duration=2", "-f", "lavfi", "-i",
            "sine=frequency=500:sample_rate=8000:duration=2", "-c:v", "libx264", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-ac", "1", "-shortest"), "mix", True),
]


@pytest.mark.parametrize("case, name, make, video_audio, sound", CLIPS, ids=[c[0] for c in CLIPS])
def test_background_clip_of_any_shape_renders(project, guard, case, name, make, video_audio, sound):
    make(project.root / name)
    recipe = project.write(f"{case}.yaml", scene_recipe(
        {"video": name, "duration": 3, "render": {"video_audio": video_audio}}))
    video = project.root / "out" / f"{case}.mp4"
    assert_rendered(project.run(recipe), video, seconds=3.0)
    samples, _ = decode_audio(video)
    assert (rms_dbfs(samples) > -60) == sound, (case, rms_dbfs(samples))
    guard.assert_untouched()


def test_corrupt_clip_is_refused_at_its_line(project, guard):
    garbage(project.root / "broken.mp4")
    recipe = scene_recipe({"video": "broken.mp4", "duration": 2})
    guard.refused("broken-clip.yaml", recipe, "video:", "broken.mp4", field=("scene1.render", "video"))
