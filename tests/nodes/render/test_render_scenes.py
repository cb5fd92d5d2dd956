"""The render node's other scene shapes: background clips, silent scenes, preview, auto motion, the
encoder fallback and the warnings it gives."""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from nodes.formats import CaptionTrack, Segment
from nodes.media import encoder as enc
from nodes.media.ffmpeg import ffmpeg_exe
from nodes.media.probe import probe
from nodes.render import node as render_node
from nodes.render.node import Render, RenderParams
from pipeline.node import NodeError, NodeInputError, RunContext

W, H, FPS = 320, 568, 15


def _clip(path: Path, seconds: float, audio: bool = True) -> Path:
    """A small test clip made with ffmpeg's own test sources (a moving pattern and a 440 Hz tone)."""
    argv = [ffmpeg_exe(), "-nostdin", "-v", "error", "-y", "-f", "lavfi",
            "-i", f"testsrc=s=160x120:r=25:d={seconds}"]
    if audio:
        argv += ["-f", "lavfi", "-i", f"sine=f=440:d={seconds}:sample_rate=44100"]
    argv += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", str(path)]
    subprocess.run(argv, check=True)
    return path


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("media")
    rate = 22050
    t = np.arange(int(1.5 * rate)) / rate
    sf.write(folder / "narration.wav", (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), rate)
    pixels = np.random.default_rng(4).integers(0, 256, (60, 90, 3), dtype=np.uint8)
    Image.fromarray(pixels).resize((480, 300), Image.Resampling.BICUBIC).save(folder / "picture.png")
    return {"narration": folder / "narration.wav", "picture": folder / "picture.png",
            "short": _clip(folder / "short.mp4", 1.0), "long": _clip(folder / "long.mp4", 3.0),
            "mute": _clip(folder / "mute.mp4", 1.0, audio=False)}


def _run(tmp_path: Path, inputs: dict[str, Path | None], warnings: list[str] | None = None,
         **params: object) -> Path:
    out = tmp_path / "scene.mp4"
    (tmp_path / "work").mkdir(exist_ok=True)
    sink = warnings if warnings is not None else []
    ctx = RunContext(node="scene", work_dir=tmp_path / "work", outputs={"video": out}, threads=2,
                     warn=lambda node, message: sink.append(message))
    full = {"image": None, "video": None, "audio": None, "captions": None, **inputs}
    Render().run(ctx, RenderParams(width=W, height=H, fps=FPS, **params), full)
    return out


def _luma(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="gray").astype(np.int16) for frame in container.decode(video=0)]


def _audio(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        return np.concatenate([frame.to_ndarray() for frame in container.decode(audio=0)], axis=1)


def _check_streams(path: Path, n_frames: int) -> None:
    info = probe(path)
    assert info.video is not None and info.audio is not None
    assert (info.video.width, info.video.height, info.video.frames) == (W, H, n_frames)
    assert (info.audio.codec, info.audio.sample_rate, info.audio.channels) == ("aac", 48000, 2)
    assert info.audio.duration == pytest.approx(n_frames / FPS, abs=1 / FPS)


def test_short_clip_is_looped_to_the_narration(tmp_path: Path, media: dict[str, Path]) -> None:
    out = _run(tmp_path, {"video": media["short"], "audio": media["narration"]})
    _check_streams(out, 23)
    frames = _luma(out)
    # One second in, the loop starts again: frame 15 shows what frame 0 showed.
    assert np.abs(frames[15] - frames[0]).mean() < np.abs(frames[7] - frames[0]).mean() / 3


def test_long_clip_is_cut_and_its_sound_dropped(tmp_path: Path, media: dict[str, Path]) -> None:
    out = _run(tmp_path, {"video": media["long"]}, duration=1.0)
    _check_streams(out, 15)
    assert np.abs(_audio(out)).max() < 1e-3  # no narration, clip sound dropped: silence


def test_clip_sound_mixed_at_its_level(tmp_path: Path, media: dict[str, Path]) -> None:
    out = _run(tmp_path, {"video": media["long"]}, duration=1.0, video_audio="mix", video_audio_db=-12.0)
    samples = _audio(out)[:, 4800:-4800]
    # lavfi's sine is at 1/8 full scale (rms 0.088); 12 dB down is about 0.022.
    assert np.sqrt(np.mean(samples**2)) == pytest.approx(0.088 * 10 ** (-12 / 20), rel=0.15)


def test_mixing_a_mute_clip_warns(tmp_path: Path, media: dict[str, Path]) -> None:
    warnings: list[str] = []
    _run(tmp_path, {"video": media["mute"], "audio": media["narration"]}, warnings, video_audio="mix")
    assert any("no sound to mix" in message for message in warnings)


def test_clip_without_narration_or_duration_plays_its_own_length(tmp_path: Path, media: dict[str, Path]) -> None:
    _check_streams(_run(tmp_path, {"video": media["short"]}), 15)


def test_contained_clip_has_bars(tmp_path: Path, media: dict[str, Path]) -> None:
    frame = _luma(_run(tmp_path, {"video": media["short"]}, fit="contain", duration=0.4))[0]
    assert frame[:100].max() <= 20 and frame[-100:].max() <= 20  # 160x120 in 320x568: bars above and below
    assert frame[H // 2 - 50:H // 2 + 50].std() > 20


def test_silent_still_scene(tmp_path: Path, media: dict[str, Path]) -> None:
    out = _run(tmp_path, {"image": media["picture"]}, duration=1.0)
    _check_streams(out, 15)
    assert np.abs(_audio(out)).max() < 1e-3


def test_duration_cuts_longer_narration_with_a_warning(tmp_path: Path, media: dict[str, Path]) -> None:
    warnings: list[str] = []
    out = _run(tmp_path, {"image": media["picture"], "audio": media["narration"]}, warnings, duration=1.0)
    _check_streams(out, 15)
    assert any("cut" in message for message in warnings)


def test_scene_length_and_picture_are_required(tmp_path: Path, media: dict[str, Path]) -> None:
    with pytest.raises(NodeInputError) as caught:
        _run(tmp_path, {"image": media["picture"]})
    assert caught.value.field == "duration"
    for inputs in ({}, {"image": media["picture"], "video": media["short"]}):
        with pytest.raises(NodeInputError) as caught:
            _run(tmp_path, {**inputs, "audio": media["narration"]})
        assert caught.value.field == "image"
    assert Render().check(RenderParams(), {"image": None, "video": None})[0].field == "image"


def test_blur_fit_still(tmp_path: Path, media: dict[str, Path]) -> None:
    frame = _luma(_run(tmp_path, {"image": media["picture"]}, fit="blur", duration=0.4,
                       motion={"zoom": "none"}))[0]
    top = frame[:150]
    assert 16 + 5 < top.mean() < frame[H // 2 - 40:H // 2 + 40].mean() + 40 and top.std() < 25


def test_auto_motion_reruns_identically(tmp_path: Path, media: dict[str, Path]) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = _luma(_run(tmp_path / "a", {"image": media["picture"]}, duration=0.6, motion={"auto": True}))
    second = _luma(_run(tmp_path / "b", {"image": media["picture"]}, duration=0.6, motion={"auto": True}))
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))
    assert np.abs(first[0] - first[-1]).mean() > 1  # it does move


def test_missing_glyphs_are_named(tmp_path: Path, media: dict[str, Path]) -> None:
    captions = tmp_path / "captions.json"
    CaptionTrack(duration=1.0, segments=[Segment(start=0.0, end=1.0, lines=["Hello 漢字 world"])]).save(captions)
    warnings: list[str] = []
    _run(tmp_path, {"image": media["picture"], "captions": captions}, warnings, duration=1.0)
    glyph_warnings = [message for message in warnings if "glyph" in message]
    assert len(glyph_warnings) == 1
    assert "漢 (U+6F22)" in glyph_warnings[0] and "字 (U+5B57)" in glyph_warnings[0]
    assert "U+0048" not in glyph_warnings[0] and "U+0077" not in glyph_warnings[0]  # H and w: the font has them


def test_nvenc_failure_falls_back_to_libx264(tmp_path: Path, media: dict[str, Path],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(enc, "_choices", {ffmpeg_exe(): enc.NVENC})
    monkeypatch.setattr(enc, "_broken", set())
    real_run = render_node.run_ffmpeg
    calls: list[list[str]] = []

    def run_ffmpeg(args: list[str], **kwargs: object) -> None:
        calls.append(args)
        if enc.NVENC in args:
            raise NodeError("ffmpeg failed (exit status 1): No capable devices found")
        real_run(args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(render_node, "run_ffmpeg", run_ffmpeg)
    warnings: list[str] = []
    out = _run(tmp_path, {"image": media["picture"]}, warnings, duration=0.5, preview=True)
    _check_streams(out, 8)
    assert [enc.NVENC in args for args in calls] == [True, False]
    assert calls[1][calls[1].index("-crf") + 1] == "28"  # the preview's settings survive the fallback
    assert len(warnings) == 1 and "No capable devices" in warnings[0]
    assert enc.choose_video_encoder(ffmpeg_exe()) == enc.LIBX264  # remembered


def _longer_sound(path: Path, video_seconds: float, audio_seconds: float, *extra: str,
                  audio_at: float = 0.0) -> Path:
    """A clip whose sound and picture differ in length (``extra``: more output options, e.g. an offset;
    ``audio_at``: where the sound starts)."""
    argv = [ffmpeg_exe(), "-nostdin", "-v", "error", "-y", "-f", "lavfi",
            "-i", f"testsrc2=s=160x120:r=25:d={video_seconds}", "-itsoffset", str(audio_at), "-f", "lavfi",
            "-i", f"sine=f=440:d={audio_seconds}:sample_rate=48000", "-c:v", "libx264", "-preset", "ultrafast",
            "-pix_fmt", "yuv420p", "-c:a", "libopus" if path.suffix == ".mkv" else "aac", *extra, str(path)]
    subprocess.run(argv, check=True)
    return path


def _loops_every_second(frames: list[np.ndarray]) -> bool:
    """Frames at 15 fps of a 1 s clip looped: each second starts again with frame 0's picture, and the
    picture keeps moving in between (it is not held)."""
    restarts = all(np.abs(frames[k] - frames[0]).mean() < 2 for k in range(15, len(frames), 15))
    moving = all(np.abs(frames[k] - frames[k - 1]).mean() > 0.5 for k in range(1, len(frames)) if k % 15)
    return restarts and moving


def test_clip_with_a_longer_sound_track_loops_its_picture(tmp_path: Path) -> None:
    """MKV gives no per-stream length and its container lasts as long as the 4 s sound: the 1 s picture
    is still looped to the 3 s narration."""
    clip = _longer_sound(tmp_path / "longaud.mkv", 1.0, 4.0)
    narration = tmp_path / "three.wav"
    sf.write(narration, (0.3 * np.sin(np.arange(3 * 24000) / 10)).astype(np.float32), 24000)
    out = _run(tmp_path, {"video": clip, "audio": narration})
    _check_streams(out, 45)
    assert _loops_every_second(_luma(out))


def test_offset_clip_with_a_longer_sound_track_fills_its_duration(tmp_path: Path) -> None:
    clip = _longer_sound(tmp_path / "offset.mkv", 1.0, 4.0, "-output_ts_offset", "2")
    out = _run(tmp_path, {"video": clip}, duration=3.0)
    _check_streams(out, 45)
    assert _loops_every_second(_luma(out))


def test_a_clip_ending_early_holds_its_last_picture(tmp_path: Path, media: dict[str, Path],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Should the clip end before the scene (its length misjudged), the last picture is held: the scene
    still gets all its frames."""
    real_read = render_node.Clip.read

    def read(path: Path, field: str = "video") -> render_node.Clip:
        clip = real_read(path, field)
        return render_node.Clip(clip.path, 10.0, clip.audio_channels, clip.start)  # said to last 10 s: no loop

    monkeypatch.setattr(render_node.Clip, "read", read)
    out = _run(tmp_path, {"video": media["short"]}, duration=2.0)
    _check_streams(out, 30)
    frames = _luma(out)
    assert np.abs(frames[-1] - frames[16]).mean() < 0.5  # held from the clip's end (1 s) on


def test_a_render_short_of_frames_is_an_error(tmp_path: Path, media: dict[str, Path],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    real_run = render_node.run_ffmpeg

    def run_ffmpeg(args: list[str], **kwargs: object) -> None:
        at = args.index("-frames:v") + 1
        real_run([*args[:at], str(int(args[at]) - 1), *args[at + 1:]], **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(render_node, "run_ffmpeg", run_ffmpeg)
    with pytest.raises(NodeError, match="made 14 frames, but the scene needs 15"):
        _run(tmp_path, {"image": media["picture"]}, duration=1.0)


def _loud(sound: np.ndarray, start: float, end: float) -> float:
    """RMS of 48 kHz ``sound`` between ``start`` and ``end`` seconds."""
    return float(np.sqrt(np.mean(sound[:, int(start * 48000):int(end * 48000)] ** 2)))


def test_looped_clip_with_a_longer_sound_keeps_moving(tmp_path: Path) -> None:
    """The picture (1 s) sets the loop's period, not the 4 s sound mixed in: nothing freezes."""
    clip = _longer_sound(tmp_path / "longaud.mp4", 1.0, 4.0)
    out = _run(tmp_path, {"video": clip}, duration=3.0, video_audio="mix", video_audio_db=0.0)
    _check_streams(out, 45)
    assert _loops_every_second(_luma(out))
    sound = _audio(out)
    assert min(_loud(sound, k + 0.1, k + 0.9) for k in range(3)) > 0.05  # each loop plays the sound's first second


def test_looped_clip_sound_follows_its_picture(tmp_path: Path) -> None:
    """3 s of picture with 1 s of sound, looped to 6 s: the tone plays in the first second of each loop."""
    clip = _longer_sound(tmp_path / "shortaud.mp4", 3.0, 1.0)
    sound = _audio(_run(tmp_path, {"video": clip}, duration=6.0, video_audio="mix", video_audio_db=0.0))
    assert _loud(sound, 0.1, 0.9) > 0.05 and _loud(sound, 3.1, 3.9) > 0.05
    assert _loud(sound, 1.2, 2.8) < 1e-3 and _loud(sound, 4.2, 5.8) < 1e-3


def test_clip_sound_starting_late_stays_in_place(tmp_path: Path) -> None:
    clip = _longer_sound(tmp_path / "late.mp4", 2.0, 1.0, audio_at=0.5)
    sound = _audio(_run(tmp_path, {"video": clip}, duration=2.0, video_audio="mix", video_audio_db=0.0))
    assert _loud(sound, 0.0, 0.4) < 1e-3 and _loud(sound, 0.6, 1.4) > 0.05 and _loud(sound, 1.6, 2.0) < 1e-3


def test_opus_narration_sets_the_length_it_decodes_to(tmp_path: Path, media: dict[str, Path]) -> None:
    """4.000 s of Opus speech (its container says 4.0065 s) makes 60 frames at 15 fps, not 61."""
    narration = tmp_path / "voice.ogg"
    subprocess.run([ffmpeg_exe(), "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "sine=f=300:sample_rate=48000:d=4", "-c:a", "libopus", str(narration)], check=True)
    _check_streams(_run(tmp_path, {"image": media["picture"], "audio": narration}), 60)


def test_narration_without_sound_says_what_to_give(tmp_path: Path, media: dict[str, Path]) -> None:
    """The hint serves a scene list's `audio:` as well as a steps recipe's tts connection."""
    problems = Render().check(RenderParams(), {"image": media["picture"], "audio": media["mute"]})
    assert [(problem.field, problem.message) for problem in problems] == [("audio", "mute.mp4 has no audio stream")]
    assert (problems[0].hint or "").startswith("give an audio file with a sound track")
