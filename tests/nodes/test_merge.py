"""The merge node: stream-copied join, exact total length, music looped and bounded, voice not halved, SRT."""

from __future__ import annotations

import threading
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from nodes.formats import CaptionTrack, Segment
from nodes.media.probe import VideoInfo, probe
from nodes.merge import Merge, MergeParams, Scene, concat_list, merge_args
from nodes.render.node import Render, RenderParams
from pipeline.node import NodeInputError, RunContext

W, H, FPS = 160, 284, 15
RATE = 22050


def _tone(path: Path, seconds: float, freq: float, silent_after: float | None = None) -> Path:
    t = np.arange(int(seconds * RATE)) / RATE
    wave = 0.3 * np.sin(2 * np.pi * freq * t)
    if silent_after is not None:
        wave[t >= silent_after] = 0.0
    sf.write(path, wave.astype(np.float32), RATE)
    return path


@pytest.fixture(scope="module")
def scenes(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two rendered scenes: 1.0 s (15 frames) and 1.2 s (18 frames) whose last 0.5 s is silent."""
    folder = tmp_path_factory.mktemp("scenes")
    picture = folder / "p.png"
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (90, 120, 3), dtype=np.uint8)).save(picture)
    out = []
    for index, (seconds, silent_after) in enumerate([(1.0, None), (1.2, 0.7)]):
        narration = _tone(folder / f"n{index}.wav", seconds, 220 * (index + 1), silent_after)
        video = folder / f"scene{index}.mp4"
        ctx = RunContext(node=f"scene{index}", work_dir=folder, outputs={"video": video}, threads=2)
        Render().run(ctx, RenderParams(width=W, height=H, fps=FPS),
                     {"image": picture, "audio": narration, "captions": None})
        out.append(video)
    return out


@pytest.fixture(scope="module")
def music(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """0.5 s of stereo 880 Hz at 44.1 kHz, much shorter than the video: it must loop."""
    t = np.arange(int(0.5 * 44100)) / 44100
    wave = 0.5 * np.sin(2 * np.pi * 880 * t)
    path = tmp_path_factory.mktemp("music") / "music.ogg"
    sf.write(path, np.stack([wave, wave], axis=1), 44100, format="OGG", subtype="VORBIS")
    return path


def _merge(tmp_path: Path, scenes: list[Path], music: Path | None = None,
           captions: list[Path] | None = None, **params: object) -> tuple[Path, Path, float]:
    video, srt = tmp_path / "final.mp4", tmp_path / "final.srt"
    ctx = RunContext(node="final", work_dir=tmp_path, outputs={"video": video, "srt": srt}, threads=1)
    # Guard: an endless encode is cancelled (and fails the test) instead of hanging it.
    timer = threading.Timer(30, ctx.cancelled.set)
    timer.start()
    started = time.monotonic()
    try:
        Merge().run(ctx, MergeParams(**params), {"scenes": scenes, "captions": captions, "music": music})
    finally:
        timer.cancel()
    return video, srt, time.monotonic() - started


def _audio(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        return np.concatenate([frame.to_ndarray() for frame in container.decode(audio=0)], axis=1)


def _rms(samples: np.ndarray, start: float, end: float) -> float:
    return float(np.sqrt(np.mean(samples[:, int(start * 48000):int(end * 48000)] ** 2)))


def test_two_scenes_with_music(tmp_path: Path, scenes: list[Path], music: Path) -> None:
    video, srt, elapsed = _merge(tmp_path, scenes, music, music_fade_in=0.1, music_fade_out=0.1)
    assert elapsed < 30
    total = 15 / FPS + 18 / FPS  # ceil(1.0 * 15) + ceil(1.2 * 15) frames
    info = probe(video)
    assert info.video is not None and info.audio is not None
    assert info.video.frames == 33
    assert info.video.duration == pytest.approx(total, abs=1e-6)
    assert info.audio.duration == pytest.approx(total, abs=1 / FPS)
    assert (info.audio.codec, info.audio.sample_rate, info.audio.channels) == ("aac", 48000, 2)
    samples = _audio(video)
    assert samples.shape[1] == pytest.approx(total * 48000, abs=1024)
    # Voice at full level (amix's default would halve it): sine 0.3 -> RMS 0.212, plus a little music.
    assert _rms(samples, 0.2, 0.9) == pytest.approx(0.212, abs=0.03)
    # Where the narration is silent the looped music is still there (0.5 * 10^(-18/20) -> RMS ~0.045).
    music_only = _rms(samples, 1.0 + 0.8, 1.0 + 1.1)
    assert 0.02 < music_only < 0.07
    assert srt.read_text(encoding="utf-8") == ""


def test_music_volume_is_in_db(tmp_path: Path, scenes: list[Path], music: Path) -> None:
    video, _, _ = _merge(tmp_path, scenes, music, music_volume_db=-38.0, music_fade_in=0.0,
                         music_fade_out=0.0)
    assert _rms(_audio(video), 1.8, 2.1) == pytest.approx(0.0045, rel=0.35)


def test_without_music_the_video_is_copied(tmp_path: Path, scenes: list[Path]) -> None:
    video, _, _ = _merge(tmp_path, scenes)
    with av.open(str(video)) as merged, av.open(str(scenes[0])) as first:
        assert merged.streams.video[0].codec_context.extradata == first.streams.video[0].codec_context.extradata
    samples = _audio(video)
    assert _rms(samples, 1.8, 2.1) < 0.005  # silence stays silent
    with open(video, "rb") as handle:  # +faststart: the index comes before the media data
        head = handle.read(4096)
    assert head.find(b"moov") != -1 and (head.find(b"mdat") == -1 or head.find(b"moov") < head.find(b"mdat"))


def test_srt_tracks_are_shifted_by_scene_starts(tmp_path: Path, scenes: list[Path]) -> None:
    tracks = []
    for index, text in enumerate(["First scene.", "Second scene."]):
        path = tmp_path / f"c{index}.json"
        CaptionTrack(duration=1.0, segments=[Segment(start=0.1, end=0.9, lines=[text])]).save(path)
        tracks.append(path)
    _, srt, _ = _merge(tmp_path, scenes, captions=tracks)
    text = srt.read_text(encoding="utf-8")
    assert "00:00:00,100 --> 00:00:00,900\nFirst scene." in text
    assert "00:00:01,100 --> 00:00:01,900\nSecond scene." in text


def test_undecodable_music_is_an_input_error(tmp_path: Path, scenes: list[Path]) -> None:
    bad = tmp_path / "music.mp3"
    bad.write_bytes(b"ID3 but not really an mp3 file" * 20)
    with pytest.raises(NodeInputError) as caught:
        _merge(tmp_path, scenes, bad)
    assert caught.value.field == "music" and caught.value.hint
    assert [e.field for e in Merge().check(MergeParams(), {"scenes": scenes, "music": bad})] == ["music"]


def test_mismatched_scenes_are_refused(tmp_path: Path, scenes: list[Path]) -> None:
    other = tmp_path / "other.mp4"
    ctx = RunContext(node="x", work_dir=tmp_path, outputs={"video": other}, threads=2)
    narration = _tone(tmp_path / "n.wav", 0.3, 330)
    picture = tmp_path / "p.png"
    Image.new("RGB", (64, 64), (90, 20, 20)).save(picture)
    Render().run(ctx, RenderParams(width=W + 2, height=H, fps=FPS),
                 {"image": picture, "audio": narration, "captions": None})
    with pytest.raises(NodeInputError, match="162x284") as caught:
        _merge(tmp_path, [scenes[0], other])
    assert caught.value.field == "scenes"
    with pytest.raises(NodeInputError) as caught:
        _merge(tmp_path, scenes, captions=[tmp_path / "only-one.json"])
    assert caught.value.field == "captions"


def test_concat_list_quotes_paths(tmp_path: Path) -> None:
    path = tmp_path / "it's here.mp4"
    video = VideoInfo(codec="h264", width=W, height=H, fps=Fraction(FPS), pix_fmt="yuv420p", frames=None,
                      duration=None)
    text = concat_list([Scene(path, 1.5, 2, video)])
    assert text.splitlines()[1] == "file '" + str(path).replace("'", "'\\''") + "'"
    assert text.splitlines()[2] == "duration 1.500000"


def test_merge_args_bound_the_looped_music(tmp_path: Path, scenes: list[Path], music: Path) -> None:
    parsed = [Scene.read(path) for path in scenes]
    args = merge_args(concat_file=Path("/w/list"), scenes=parsed, music=music, music_channels=2,
                      params=MergeParams(), output=Path("/o/final.mp4"))
    graph = args[args.index("-filter_complex") + 1]
    assert args[args.index("-stream_loop") + 1] == "-1"
    assert args[args.index("-t") + 1] == "2.200000"
    assert "atrim=end_sample=105600" in graph  # 2.2 s at 48 kHz
    assert "normalize=0" in graph and "volume=-18dB" in graph
    assert "afade=t=in:st=0:d=1.000000" in graph
    assert "afade=t=out:st=1.100000:d=1.100000" in graph  # 2 s fade-out clamped to half the video
    assert args[args.index("-c:v") + 1] == "copy"
