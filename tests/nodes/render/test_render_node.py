"""The render node end to end on small scenes: streams, exact frame count, durations, stills, captions."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf
from PIL import Image
from pydantic import ValidationError

from nodes.captions.ass import burn_filter
from nodes.formats import CaptionTrack, Segment
from nodes.media.ffmpeg import ffmpeg_exe
from nodes.media.probe import probe
from nodes.render.command import ClipSound, Pictures, Sound
from nodes.render.node import Render, RenderParams, render_args
from pipeline.node import NodeInputError, Pending, RunContext

W, H, FPS = 320, 568, 15


@pytest.fixture(scope="module")
def picture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A landscape picture with detail, so motion shows in the frames."""
    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[0:300, 0:480]
    pixels = np.stack([xx * 255 // 480, yy * 255 // 300, (xx // 20 + yy // 20) % 2 * 200], axis=-1)
    pixels = (pixels + rng.integers(0, 30, pixels.shape)).clip(0, 255).astype(np.uint8)
    path = tmp_path_factory.mktemp("img") / "picture.png"
    Image.fromarray(pixels).save(path)
    return path


@pytest.fixture(scope="module")
def narration(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1.5 s of a mono 22.05 kHz tone, as the TTS writes it."""
    rate = 22050
    t = np.arange(int(1.5 * rate)) / rate
    path = tmp_path_factory.mktemp("wav") / "narration.wav"
    sf.write(path, (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), rate)
    return path


def _render(tmp_path: Path, picture: Path, narration: Path, captions: Path | None = None,
            **params: object) -> Path:
    out = tmp_path / "scene.mp4"
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    ctx = RunContext(node="scene", work_dir=work, outputs={"video": out}, threads=2)
    Render().run(ctx, RenderParams(width=W, height=H, fps=FPS, **params),
                 {"image": picture, "audio": narration, "captions": captions})
    return out


def _luma_frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="gray").astype(np.int16) for frame in container.decode(video=0)]


def _audio(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        chunks = [frame.to_ndarray() for frame in container.decode(audio=0)]
    return np.concatenate(chunks, axis=1)


def test_scene_streams_frames_and_durations(tmp_path: Path, picture: Path, narration: Path) -> None:
    out = _render(tmp_path, picture, narration)
    info = probe(out)
    assert info.video is not None and info.audio is not None
    assert (info.video.codec, info.video.width, info.video.height, info.video.fps) == ("h264", W, H, FPS)
    assert info.video.pix_fmt == "yuv420p"
    assert (info.audio.codec, info.audio.sample_rate, info.audio.channels) == ("aac", 48000, 2)
    n_frames = 23  # ceil(1.5 * 15)
    assert info.video.frames == n_frames
    assert len(_luma_frames(out)) == n_frames
    assert info.video.duration == pytest.approx(n_frames / FPS)
    assert info.audio.duration == pytest.approx(n_frames / FPS, abs=1 / FPS)
    samples = _audio(out)
    assert samples.shape[1] == pytest.approx(48000 * n_frames / FPS, abs=1024)
    # Mono narration on both sides at full level (sine 0.3 -> RMS 0.21), then padded silence.
    speech = samples[:, 4800:60000]
    assert np.sqrt(np.mean(speech**2, axis=1)) == pytest.approx([0.212, 0.212], abs=0.02)
    assert np.abs(samples[:, -1000:]).max() < 0.02
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.color_primaries == 1  # BT.709
        assert stream.codec_context.colorspace == 1


def test_zoom_moves_the_picture(tmp_path: Path, picture: Path, narration: Path) -> None:
    frames = _luma_frames(_render(tmp_path, picture, narration, motion={"zoom": "in", "amount": 0.3}))
    assert np.abs(frames[0] - frames[-1]).mean() > 5


@pytest.mark.parametrize("motion", [{"zoom": "none", "pan": "none"}, {"amount": 0.0}])
def test_still_motion_gives_identical_frames(tmp_path: Path, picture: Path, narration: Path,
                                             motion: dict) -> None:
    frames = _luma_frames(_render(tmp_path, picture, narration, motion=motion))
    assert len(frames) == 23
    for before, after in zip(frames, frames[1:], strict=False):
        assert np.array_equal(before, after)  # decoded pictures, not just the frames fed in


def test_captions_are_burned_in(tmp_path: Path, picture: Path, narration: Path) -> None:
    track = CaptionTrack(duration=1.5, segments=[Segment(start=0.0, end=1.5, lines=["HELLO THERE"])])
    weird = tmp_path / "it's: a, [weird]; dir"  # the ASS path must survive filter-graph escaping
    weird.mkdir()
    captions = weird / "captions.json"
    track.save(captions)
    (tmp_path / "plain").mkdir()
    plain = _luma_frames(_render(tmp_path / "plain", picture, narration, motion={"zoom": "none"}))
    burned = _luma_frames(_render(weird, picture, narration, captions, motion={"zoom": "none"},
                                  caption_style={"position": "center", "font_size": 40}))
    middle = slice(H // 2 - 30, H // 2 + 30)
    assert np.abs(plain[10][middle] - burned[10][middle]).mean() > 10
    top = slice(0, 100)
    assert np.abs(plain[10][top] - burned[10][top]).max() <= 4


def test_empty_caption_track_is_fine(tmp_path: Path, picture: Path, narration: Path) -> None:
    captions = tmp_path / "none.json"
    CaptionTrack(duration=1.5, segments=[]).save(captions)
    assert probe(_render(tmp_path, picture, narration, captions)).video is not None


def test_bad_inputs_name_their_field(tmp_path: Path, picture: Path, narration: Path) -> None:
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"nope" * 50)
    with pytest.raises(NodeInputError) as caught:
        _render(tmp_path, junk, narration)
    assert caught.value.field == "image"
    assert Render().check(RenderParams(), {"image": junk, "audio": narration})[0].field == "image"
    with pytest.raises(NodeInputError) as caught:
        _render(tmp_path, picture, junk)
    assert caught.value.field == "audio"
    bad_captions = tmp_path / "c.json"
    bad_captions.write_text("{}", encoding="utf-8")
    with pytest.raises(NodeInputError) as caught:
        _render(tmp_path, picture, narration, bad_captions)
    assert caught.value.field == "captions"


@pytest.mark.parametrize("bad", [{"width": 1081}, {"height": 7}, {"fps": 0}, {"motion": {"amount": 3}},
                                 {"colour": "red"}])
def test_params_are_validated(bad: dict) -> None:
    with pytest.raises(ValidationError):
        RenderParams(**bad)


def test_render_args_golden(tmp_path: Path) -> None:
    args = render_args(pictures=Pictures.raw(W, H, FPS), sound=Sound(Path("/a/n.wav"), 1), fps=FPS, n_frames=23,
                       output=Path("/o/v.mp4"), encoder_args=["-c:v", "libx264"],
                       subtitles=burn_filter(Path("/w/c,1.ass"), Path("/f")))
    assert args == [
        "-f", "rawvideo", "-pix_fmt", "yuv420p", "-video_size", "320x568", "-framerate", "15", "-i", "pipe:0",
        "-i", "/a/n.wav",
        "-filter_complex",
        "[0:v]setparams=range=tv:color_primaries=bt709:color_trc=bt709:colorspace=bt709,"
        "subtitles=filename=/w/c\\,1.ass:fontsdir=/f[v];"
        "[1:a]aresample=48000,pan=stereo|c0=c0|c1=c0,apad=whole_len=73600,atrim=end_sample=73600[a]",
        "-map", "[v]", "-map", "[a]", "-c:v", "libx264",
        "-c:a", "aac", "-aac_coder", "fast", "-b:a", "192k", "-ar", "48000", "-ac", "2", "-frames:v", "23", "/o/v.mp4"]


def test_render_args_silence_and_clip_sound() -> None:
    silent = render_args(pictures=Pictures(["-i", "/c.mp4"], "fps=15"), sound=Sound(), fps=FPS, n_frames=15,
                         output=Path("/o.mp4"), encoder_args=[])
    assert silent[silent.index("-f"):silent.index("-f") + 4] == ["-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo"]
    graph = silent[silent.index("-filter_complex") + 1]
    assert graph.endswith("[1:a]apad=whole_len=48000,atrim=end_sample=48000[a]")
    clip = ClipSound(Path("/c.mp4"), 2, start=0.5, length=0.5, loop=True, gain_db=-18.0)
    mixed = render_args(pictures=Pictures(["-an", "-i", "/c.mp4"]), sound=Sound(Path("/n.wav"), 2, clip), fps=FPS,
                        n_frames=15, output=Path("/o.mp4"), encoder_args=[])
    assert mixed[:mixed.index("-filter_complex")] == ["-an", "-i", "/c.mp4", "-i", "/n.wav",
                                                      "-vn", "-sn", "-dn", "-i", "/c.mp4"]
    graph = mixed[mixed.index("-filter_complex") + 1]
    # the sound from the picture's start, one picture's length (24000 samples) repeated, at its level
    assert ("[2:a]asetpts=PTS-0.500000/TB,aresample=async=1:first_pts=0,aresample=48000,"
            "aformat=channel_layouts=stereo,apad=whole_len=24000,atrim=end_sample=24000,"
            "aloop=loop=-1:size=24000,volume=-18.00dB,apad=whole_len=48000,atrim=end_sample=48000[bed]") in graph
    assert "amix=inputs=2:duration=first:normalize=0" in graph


def test_tools_and_diagnostics() -> None:
    tools = Render().tools(RenderParams())
    assert tools["ffmpeg"] == Path(ffmpeg_exe())  # the binary itself: the engine hashes it
    assert tools["video_encoder"] in ("libx264", "h264_nvenc")
    facts = Render.diagnostics()
    assert facts["libx264"] == "yes" and facts["h264_nvenc"] in ("yes", "no")
    from nodes.render import resample_kernel

    lanes = resample_kernel.lanes()
    assert facts["frame resampler"].startswith(f"vector permutes, {lanes} pixels" if lanes else "one pixel at a time")


def _fields(params: RenderParams, inputs: dict) -> list[str | None]:
    return [e.field for e in Render().check(params, inputs)]


def test_check_refuses_before_running_what_params_and_inputs_say_cannot_render(picture: Path) -> None:
    upstream = Pending("narrate", "audio")
    # no picture at all, or two: known from the recipe, also when another step feeds one of them
    assert _fields(RenderParams(duration=2), {}) == ["image"]
    assert _fields(RenderParams(duration=2), {"image": picture, "video": Pending("clip", "video")}) == ["image"]
    # a still without narration and without a duration has no length
    assert _fields(RenderParams(), {"image": picture}) == ["duration"]
    assert _fields(RenderParams(), {"image": picture, "audio": upstream}) == []
    # a segment past the end of a scene whose length the duration fixes (2 s at 30 fps: 60 frames)
    assert _fields(RenderParams(duration=2, frames=(500, 600)), {"image": picture}) == ["frames"]
    assert _fields(RenderParams(duration=2, frames=(30, 60)), {"image": picture}) == []
    assert _fields(RenderParams(frames=(500, 600)), {"image": picture, "audio": upstream}) == []  # length unknown
    # a clip cannot be cut into segments
    assert _fields(RenderParams(segment_seconds=2), {"video": Pending("clip", "video")}) == ["segment_seconds"]


def test_known_gives_the_size_and_the_frames_its_params_fix() -> None:
    assert Render().known(RenderParams(width=64, height=32, fps=10, duration=2.05), {}) == {
        "video": {"width": 64, "height": 32, "fps": 10, "frames": 21}}
    assert Render().known(RenderParams(fps=10, duration=9, frames=(10, 30)), {})["video"]["frames"] == 20
    assert "frames" not in Render().known(RenderParams(), {"audio": Pending("narrate", "audio")})["video"]


def test_one_picture_is_checked_once_however_many_scenes_show_it(tmp_path: Path, monkeypatch) -> None:
    from nodes.render import node as render_node

    reads: list[Path] = []
    real = render_node._read_picture_problems

    def counted(image: Path, limit: int) -> list[NodeInputError]:
        reads.append(image)
        return real(image, limit)

    monkeypatch.setattr(render_node, "_read_picture_problems", counted)
    picture = tmp_path / "p.png"
    Image.new("RGB", (32, 32)).save(picture)
    for _ in range(3):
        assert Render().check(RenderParams(duration=1), {"image": picture}) == []
    Image.new("RGB", (32, 30)).save(picture)  # a new picture at the same path is read again
    assert Render().check(RenderParams(duration=1), {"image": picture}) == []
    assert reads == [picture, picture]


def test_a_clip_the_user_gives_tells_the_scene_length_before_running() -> None:
    waves = Path(__file__).parents[3] / "recipes" / "assets" / "waves.mp4"  # 4 s
    assert Render().known(RenderParams(fps=10), {"video": waves})["video"]["frames"] == 40
    narrated = {"video": waves, "audio": Pending("n", "audio")}
    assert "frames" not in Render().known(RenderParams(fps=10), narrated)["video"]
    assert [e.field for e in Render().check(RenderParams(max_seconds=3), {"video": waves})] == ["video"]
    assert Render().check(RenderParams(max_seconds=3, duration=2), {"video": waves}) == []
