"""The merge node: stream copy at cuts, transitions with exact lengths, the mix at its loudness target with
the music ducked under speech, captions shifted onto the joined timeline."""

from __future__ import annotations

import math
import threading
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf

from nodes.audio.bs1770 import measure_file
from nodes.formats import CaptionTrack, Segment
from nodes.media.aac import AacTrack
from nodes.media.encoder import LIBX264, audio_encoder_args, video_encoder_args
from nodes.media.ffmpeg import run_ffmpeg
from nodes.media.probe import VideoInfo, probe
from nodes.merge.node import (
    Merge,
    MergeParams,
    Scene,
    Transition,
    concat_list,
    copy_args,
    encode_args,
    plan_timeline,
)
from pipeline.node import NodeInputError, Pending, RunContext

W, H, FPS = 160, 284, 15
RATE = 48000
MUSIC_HZ = 1500.0
PORTS = {"video": ".mp4", "srt": ".srt", "vtt": ".vtt", "ass": ".ass"}


def _narration(path: Path, seconds: float, speech: tuple[float, float] | None) -> Path:
    """A tone burst (220 Hz, 0.3) where the narration speaks, silence elsewhere: known speech spans."""
    t = np.arange(int(seconds * 22050)) / 22050
    wave = np.zeros_like(t)
    if speech is not None:
        inside = (t >= speech[0]) & (t < speech[1])
        wave[inside] = 0.3 * np.sin(2 * np.pi * 220 * t[inside])
    sf.write(path, wave.astype(np.float32), 22050)
    return path


def _scene(folder: Path, name: str, seconds: float, speech: tuple[float, float] | None,
           with_audio: bool = True, width: int = W, source: str = "testsrc2") -> Path:
    """A scene as the render node makes it: H.264 (project encoder settings) + AAC 48 kHz stereo."""
    frames = math.ceil(seconds * FPS)
    video = folder / f"{name}.mp4"
    options = f"s={width}x{H}:r={FPS}"
    args = ["-f", "lavfi", "-i", f"{source}:{options}" if "=" in source else f"{source}={options}"]
    if with_audio:
        samples = round(frames / FPS * RATE)
        args += ["-i", str(_narration(folder / f"{name}.wav", seconds, speech)),
                 "-filter_complex", f"[1:a]aresample={RATE},apad=whole_len={samples},"
                                    f"atrim=end_sample={samples}[a]",
                 "-map", "0:v", "-map", "[a]", *audio_encoder_args()]
    args += [*video_encoder_args(LIBX264, threads=2), "-frames:v", str(frames), str(video)]
    run_ffmpeg(args)
    return video


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("scenes")
    out = {
        "a": _scene(folder, "a", 2.4, (0.2, 1.2)),  # 36 frames
        "b": _scene(folder, "b", 2.0, (0.3, 1.0)),  # 30 frames
        "silent": _scene(folder, "silent", 1.0, None),  # 15 frames, silent track
        "mute": _scene(folder, "mute", 1.0, None, with_audio=False),  # no audio stream at all
    }
    for name, seconds, fmt in (("short_music", 0.5, "WAV"), ("long_music", 10.0, "OGG")):
        t = np.arange(int(seconds * 44100)) / 44100
        wave = 0.5 * np.sin(2 * np.pi * MUSIC_HZ * t)
        path = folder / f"{name}.{fmt.lower()}"
        sf.write(path, np.stack([wave, wave], axis=1), 44100, format=fmt)
        out[name] = path
    return out


def _merge(tmp_path: Path, scenes: list[Path], music: Path | None = None,
           captions: list[Path] | None = None, warnings: list[str] | None = None,
           **params: object) -> dict[str, Path]:
    outputs = {port: tmp_path / f"final{suffix}" for port, suffix in PORTS.items()}
    ctx = RunContext(node="final", work_dir=tmp_path, outputs=outputs, threads=2,
                     warn=lambda node, message: warnings.append(message) if warnings is not None else None)
    # Guard: an endless encode is cancelled (and fails the test) instead of hanging it.
    timer = threading.Timer(60, ctx.cancelled.set)
    timer.start()
    try:
        Merge().run(ctx, MergeParams.model_validate(params),
                    {"scenes": scenes, "captions": captions, "music": music})
    finally:
        timer.cancel()
    return outputs


def _audio(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        return np.concatenate([frame.to_ndarray() for frame in container.decode(audio=0)], axis=1)


def _tone_db(samples: np.ndarray, start: float, end: float, freq: float = MUSIC_HZ) -> float:
    """Level of the band around one frequency in a span (Hann-windowed spectrum, +-100 Hz), dB."""
    span = samples[0, int(start * RATE):int(end * RATE)].astype(np.float64)
    spectrum = np.fft.rfft(span * np.hanning(span.size))
    bins = np.fft.rfftfreq(span.size, 1 / RATE)
    band = np.abs(spectrum[(bins > freq - 100) & (bins < freq + 100)]) ** 2
    return 10 * math.log10(max(float(band.sum()) / span.size ** 2, 1e-20))  # a sine's |X| grows with N


def _slices(packet: bytes) -> bytes:
    """The packet's NAL units (4-byte lengths, as in MP4) without parameter sets (SPS 7, PPS 8): the
    concat demuxer repeats those in-band at keyframes, which changes no picture."""
    out, position = b"", 0
    while position + 4 <= len(packet):
        size = int.from_bytes(packet[position:position + 4], "big")
        unit = packet[position:position + 4 + size]
        if unit[4] & 0x1F not in (7, 8):
            out += unit
        position += 4 + size
    return out


def _video_packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [_slices(bytes(p)) for p in container.demux(video=0) if p.size]


def test_cut_only_join_copies_the_video_packets(tmp_path: Path, media: dict[str, Path]) -> None:
    started = time.monotonic()
    out = _merge(tmp_path, [media["a"], media["b"]])
    assert time.monotonic() - started < 20
    assert _video_packets(out["video"]) == _video_packets(media["a"]) + _video_packets(media["b"])
    info = probe(out["video"])
    assert info.video is not None and info.audio is not None
    assert info.video.frames == 66
    assert info.audio.duration == pytest.approx(66 / FPS, abs=1 / FPS)
    assert (info.audio.codec, info.audio.sample_rate, info.audio.channels) == ("aac", 48000, 2)
    with open(out["video"], "rb") as handle:  # +faststart: the index comes before the media data
        head = handle.read(4096)
    assert head.find(b"moov") != -1 and (head.find(b"mdat") == -1 or head.find(b"moov") < head.find(b"mdat"))


def test_scenes_of_one_or_two_frames_are_joined_with_even_frame_times(tmp_path: Path,
                                                                      media: dict[str, Path]) -> None:
    # x264 gives a one- or two-frame encode no B-frame delay: copied between longer scenes its decode
    # timestamps jumped (frame durations of 3 frames and of 1 tick; a frame rate of 357/53 at 7 fps)
    tiny = _scene(tmp_path, "tiny", 2 / FPS, None)
    progress: list[str] = []
    outputs = {port: tmp_path / f"final{suffix}" for port, suffix in PORTS.items()}
    ctx = RunContext(node="final", work_dir=tmp_path, outputs=outputs, threads=2,
                     report=lambda node, fraction, message: progress.append(message))
    Merge().run(ctx, MergeParams(), {"scenes": [media["a"], tiny, media["b"]], "captions": None, "music": None})
    with av.open(str(outputs["video"])) as container:
        stream = container.streams.video[0]
        dts = [p.dts for p in container.demux(stream) if p.size]
        assert stream.average_rate == FPS
    assert len(dts) == 36 + 2 + 30 and len({b - a for a, b in zip(dts, dts[1:], strict=False)}) == 1
    assert "one or two frames" in progress[-1]
    # longer scenes alone are still copied as they are
    assert "stream copy" in (_merge_progress(tmp_path / "copy", [media["a"], media["b"]]))


def _merge_progress(tmp_path: Path, scenes: list[Path]) -> str:
    tmp_path.mkdir()
    progress: list[str] = []
    outputs = {port: tmp_path / f"final{suffix}" for port, suffix in PORTS.items()}
    ctx = RunContext(node="final", work_dir=tmp_path, outputs=outputs, threads=2,
                     report=lambda node, fraction, message: progress.append(message))
    Merge().run(ctx, MergeParams(), {"scenes": scenes, "captions": None, "music": None})
    return progress[-1]


def _stream_starts(path: Path) -> tuple[dict[str, float], float, int]:
    """Each stream's start_time (as ffprobe reports it), the container's duration, and the frames a plain
    decode gives."""
    with av.open(str(path)) as container:
        starts = {s.type: float(s.start_time * s.time_base) for s in container.streams
                  if s.start_time is not None}
        duration = float(container.duration / av.time_base) if container.duration else 0.0
        decoded = sum(1 for _ in container.decode(video=0))
    return starts, duration, decoded


@pytest.mark.parametrize("transition", [None, {"type": "crossfade", "duration": 0.4}])
def test_picture_and_sound_start_together(tmp_path: Path, media: dict[str, Path],
                                          transition: dict[str, object] | None) -> None:
    params = {} if transition is None else {"transition": transition}
    out = _merge(tmp_path, [media["a"], media["b"]], **params)
    starts, duration, decoded = _stream_starts(out["video"])
    assert starts == {"video": 0.0, "audio": 0.0}  # a cut lands where the sound changes
    info = probe(out["video"])
    assert info.video is not None and info.video.frames is not None
    assert decoded == info.video.frames
    assert duration == pytest.approx(info.video.frames / FPS, abs=1e-3)  # not one AAC frame longer


def test_argv_goldens(media: dict[str, Path]) -> None:
    scenes = [Scene.read(media["a"]), Scene.read(media["b"])]
    track = AacTrack(Path("/w/mix.aac"), samples=211_200, frames=208)
    copy = copy_args(concat_file=Path("/w/list"), audio=track, total=4.4, output=Path("/o.mp4"))
    assert copy[copy.index("-c:v") + 1] == "copy" and copy[copy.index("-c:a") + 1] == "copy"
    assert copy[copy.index("-itsoffset") + 1] == "-0.021333333"  # the priming frame starts before zero
    assert copy[copy.index("-bsf:a") + 1] == "setts=duration=if(eq(N\\,207)\\,DURATION*256/1024\\,DURATION)"
    assert "libx264" not in copy and "h264_nvenc" not in copy and "-filter_complex" not in copy
    assert copy[copy.index("-t") + 1] == "4.400000"
    timeline = plan_timeline([36, 30], Fraction(FPS), [Transition(type="slide", duration=0.4, direction="up")])
    encode = encode_args(scenes=scenes, timeline=timeline, audio=Path("/w/mix.wav"),
                         encoder_args=video_encoder_args(LIBX264), output=Path("/o.mp4"))
    graph = encode[encode.index("-filter_complex") + 1]
    # Scene a holds its last picture and b its first for the 6 frames of the slide, which overlaps them.
    assert "[0:v]setpts=PTS-STARTPTS,settb=1/15,tpad=start=0:stop=6:start_mode=clone:stop_mode=clone[s0]" in graph
    assert "[1:v]setpts=PTS-STARTPTS,settb=1/15,tpad=start=6:stop=0:start_mode=clone:stop_mode=clone[s1]" in graph
    assert "xfade=transition=slideup:duration=0.400000:offset=2.400000" in graph
    assert encode[encode.index("-frames:v") + 1] == "72"
    assert encode[encode.index("-c:v") + 1] == "libx264"


def test_loudness_target_and_true_peak(tmp_path: Path, media: dict[str, Path]) -> None:
    warnings: list[str] = []
    out = _merge(tmp_path, [media["a"], media["b"]], media["short_music"], warnings=warnings)
    loudness = measure_file(out["video"], tmp_path / "m")  # ffmpeg's ebur128 on the encoded file
    assert loudness.integrated == pytest.approx(-14.0, abs=0.1)
    assert loudness.true_peak <= -1.0
    quieter = _merge(tmp_path, [media["a"], media["b"]], media["short_music"], loudness_lufs=-23,
                     true_peak_db=-2, warnings=warnings)
    loudness = measure_file(quieter["video"], tmp_path / "m")
    assert loudness.integrated == pytest.approx(-23.0, abs=0.1)
    assert loudness.true_peak <= -2.0
    assert not warnings


def test_a_loudness_target_the_ceiling_forbids_is_reported(tmp_path: Path, media: dict[str, Path]) -> None:
    warnings: list[str] = []
    out = _merge(tmp_path, [media["a"], media["b"]], media["short_music"], loudness_lufs=-5,
                 true_peak_db=-12, warnings=warnings)
    loudness = measure_file(out["video"], tmp_path / "m")
    assert loudness.true_peak <= -12.0 + 0.1
    assert any("-5" in w and "LUFS" in w and "true_peak_db" in w for w in warnings), warnings


def test_music_is_ducked_under_speech(tmp_path: Path, media: dict[str, Path]) -> None:
    out = _merge(tmp_path, [media["a"], media["b"]], media["short_music"], music_fade_in=0, music_fade_out=0)
    samples = _audio(out["video"])
    # Scene a speaks 0.2-1.2 s, scene b (from 2.4 s) 2.7-3.4 s; gaps in between.
    under = max(_tone_db(samples, 0.3, 1.1), _tone_db(samples, 2.8, 3.3))
    gaps = min(_tone_db(samples, 1.7, 2.3), _tone_db(samples, 3.9, 4.3))
    assert gaps - under >= 10.0
    flat = _audio(_merge(tmp_path, [media["a"], media["b"]], media["short_music"], music_fade_in=0,
                         music_fade_out=0, music_duck=False)["video"])
    assert abs(_tone_db(flat, 0.3, 1.1) - _tone_db(flat, 1.7, 2.3)) < 1.0


@pytest.mark.parametrize("transition", [
    {"type": "crossfade", "duration": 0.4},
    {"type": "fade", "duration": 0.4},
    {"type": "slide", "duration": 0.4, "direction": "right"},
])
def test_transition_length_is_sum_plus_the_transition(tmp_path: Path, media: dict[str, Path],
                                                      transition: dict[str, object]) -> None:
    out = _merge(tmp_path, [media["a"], media["b"]], transition=transition)
    info = probe(out["video"])
    assert info.video is not None and info.audio is not None
    expected = (36 + 30 + 6) / FPS  # 0.4 s = 6 held frames each side, overlapping
    assert info.video.frames == 72
    assert info.video.duration == pytest.approx(expected, abs=1 / FPS)
    assert info.audio.duration == pytest.approx(expected, abs=1 / FPS)
    assert (info.video.width, info.video.height, info.video.pix_fmt) == (W, H, "yuv420p")


def _frames_rgb(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24").astype(int) for frame in container.decode(video=0)]


def test_crossfade_and_fade_through_black_frames(tmp_path: Path) -> None:
    red = _scene(tmp_path, "red", 2.0, None, source="color=c=red")
    blue = _scene(tmp_path, "blue", 2.0, None, source="color=c=blue")
    mean = [f.mean(axis=(0, 1)) for f in _frames_rgb(_merge(tmp_path, [red, blue],
                                                           transition={"type": "crossfade", "duration": 0.4})["video"])]
    assert len(mean) == 66  # 30 + 30 + 6, the transition over the held pictures from frame 30
    assert mean[29][0] > 200 and mean[29][2] < 40  # still red
    assert 80 < mean[33][0] < 180 and 80 < mean[33][2] < 180  # half way: both
    assert mean[36][2] > 200 and mean[36][0] < 40  # blue
    mean = [f.mean(axis=(0, 1)) for f in _frames_rgb(_merge(tmp_path, [red, blue],
                                                           transition={"type": "fade", "duration": 0.4})["video"])]
    assert min(max(m) for m in mean[30:36]) < 40  # through black
    assert mean[29][0] > 200 and mean[36][2] > 200


def test_mixed_transitions_shift_the_captions(tmp_path: Path, media: dict[str, Path]) -> None:
    tracks = []
    for index, text in enumerate(["First <scene>.", "Second scene.", "Third scene."]):
        path = tmp_path / f"c{index}.json"
        CaptionTrack(duration=1.0, segments=[Segment(start=0.1, end=0.5, lines=[text])]).save(path)
        tracks.append(path)
    out = _merge(tmp_path, [media["a"], media["b"], media["silent"]], captions=tracks,
                 transitions=[{"type": "crossfade", "duration": 0.4}, None])
    info = probe(out["video"])
    assert info.video is not None and info.video.frames == 36 + 30 + 15 + 6
    # Scene b's own frames start after a's 36 and the 6 of the crossfade: 2.8 s; scene c at 2.8 + 2 = 4.8 s.
    srt = out["srt"].read_text(encoding="utf-8")
    assert "00:00:00,100 --> 00:00:00,500\nFirst" in srt
    assert "00:00:02,900 --> 00:00:03,300\nSecond scene." in srt
    assert "00:00:04,900 --> 00:00:05,300\nThird scene." in srt
    vtt = out["vtt"].read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT")
    assert "00:00:02.900 --> 00:00:03.300" in vtt and "<scene>" not in vtt
    ass = out["ass"].read_text(encoding="utf-8")
    assert f"PlayResX: {W}" in ass and f"PlayResY: {H}" in ass
    assert "0:00:04.90,0:00:05.30" in ass


def test_music_longer_and_shorter_than_the_video(tmp_path: Path, media: dict[str, Path]) -> None:
    for name in ("short_music", "long_music"):
        out = _merge(tmp_path, [media["a"], media["silent"]], media[name], music_fade_in=0, music_fade_out=0)
        info = probe(out["video"])
        assert info.audio is not None and info.audio.duration == pytest.approx(51 / FPS, abs=1 / FPS)
        samples = _audio(out["video"])
        # The music plays to the end (looped when short): present in the final, speechless second.
        assert _tone_db(samples, 2.6, 3.3) > -40


def test_silent_scenes_without_music(tmp_path: Path, media: dict[str, Path]) -> None:
    out = _merge(tmp_path, [media["silent"], media["mute"]])
    info = probe(out["video"])
    assert info.video is not None and info.audio is not None and info.video.frames == 30
    assert info.audio.duration == pytest.approx(2.0, abs=1 / FPS)
    assert np.abs(_audio(out["video"])).max() < 1e-3
    # no captions: the optional caption outputs are empty, which the engine takes as "not written"
    assert all(out[port].read_bytes() == b"" for port in ("srt", "vtt", "ass"))
    assert all(Merge.outputs[port].optional for port in ("srt", "vtt", "ass"))


def test_music_only_scenes_reach_the_target(tmp_path: Path, media: dict[str, Path]) -> None:
    out = _merge(tmp_path, [media["silent"], media["mute"]], media["short_music"])
    assert measure_file(out["video"], tmp_path / "m").integrated == pytest.approx(-14.0, abs=1.0)


def test_a_transition_longer_than_its_scenes_plays_over_held_pictures(tmp_path: Path,
                                                                     media: dict[str, Path]) -> None:
    warnings: list[str] = []
    out = _merge(tmp_path, [media["silent"], media["a"]], warnings=warnings,
                 transition={"type": "crossfade", "duration": 5})
    info = probe(out["video"])
    assert info.video is not None and info.video.frames == 15 + 36 + 75  # nothing of either scene is lost
    assert not warnings


def test_transitions_list_must_match_the_boundaries(tmp_path: Path, media: dict[str, Path]) -> None:
    with pytest.raises(NodeInputError) as caught:
        _merge(tmp_path, [media["a"], media["b"]], transitions=[None, None])
    assert caught.value.field == "transitions" and caught.value.hint


def test_undecodable_music_is_an_input_error(tmp_path: Path, media: dict[str, Path]) -> None:
    bad = tmp_path / "music.mp3"
    bad.write_bytes(b"ID3 but not really an mp3 file" * 20)
    with pytest.raises(NodeInputError) as caught:
        _merge(tmp_path, [media["a"]], bad)
    assert caught.value.field == "music" and caught.value.hint
    assert [e.field for e in Merge().check(MergeParams(), {"scenes": [media["a"]], "music": bad})] == ["music"]


def test_mismatched_scenes_are_refused(tmp_path: Path, media: dict[str, Path]) -> None:
    other = _scene(tmp_path, "wide", 0.4, (0.0, 0.3), width=W + 2)
    with pytest.raises(NodeInputError, match="162x284") as caught:
        _merge(tmp_path, [media["a"], other])
    assert caught.value.field == "scenes"
    with pytest.raises(NodeInputError) as caught:
        _merge(tmp_path, [media["a"], media["b"]], captions=[tmp_path / "only-one.json"])
    assert caught.value.field == "captions"


def test_concat_list_quotes_paths(tmp_path: Path) -> None:
    path = tmp_path / "it's here.mp4"
    video = VideoInfo(codec="h264", width=W, height=H, fps=Fraction(FPS), pix_fmt="yuv420p", frames=None,
                      duration=None)
    text = concat_list([Scene(path, 1.5, 2, video)])
    assert text.splitlines()[1] == "file '" + str(path).replace("'", "'\\''") + "'"
    assert text.splitlines()[2] == "duration 1.500000"


def test_encoder_tools_only_when_a_transition_needs_them() -> None:
    assert "video_encoder" not in Merge().tools(MergeParams())
    assert "video_encoder" in Merge().tools(MergeParams(transitions=[None, Transition(type="fade")]))


def test_caption_tracks_can_name_their_scenes(tmp_path):
    from nodes.formats import CaptionTrack, Segment
    from nodes.merge.node import _load_tracks

    track = CaptionTrack(duration=1.0, segments=[Segment(start=0.1, end=0.9, lines=["Hi"])])
    path = tmp_path / "c.json"
    track.save(path)
    tracks = _load_tracks([path], 3, [1])
    assert [len(t.segments) for t in tracks] == [0, 1, 0]
    with pytest.raises(NodeInputError):
        _load_tracks([path], 3, [5])


def _speech_seconds(samples: np.ndarray) -> float:
    """How long the narration tone sounds: 10 ms windows whose 220 Hz level is within 20 dB of the loudest."""
    window = RATE // 100
    n = samples.shape[1] // window
    t = np.arange(window) / RATE
    probe_wave = np.exp(-2j * np.pi * 220 * t)
    levels = np.array([abs(np.dot(samples[0, i * window:(i + 1) * window], probe_wave)) for i in range(n)])
    return float(np.sum(levels > levels.max() * 0.1) * window / RATE)


@pytest.fixture(scope="module")
def edge_speech(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Scenes whose narration runs to their last frame, and from their first: a transition that overlapped
    them would play two voices at once or cut one short."""
    folder = tmp_path_factory.mktemp("edges")
    return {"late": _scene(folder, "late", 1.0, (0.0, 1.0)), "early": _scene(folder, "early", 1.0, (0.0, 1.0))}


@pytest.mark.parametrize("kind", ["crossfade", "fade", "slide"])
def test_a_transition_never_shortens_or_overlaps_speech(tmp_path: Path, edge_speech: dict[str, Path],
                                                        kind: str) -> None:
    out = _merge(tmp_path, [edge_speech["late"], edge_speech["early"]],
                 transition={"type": kind, "duration": 0.4})
    info = probe(out["video"])
    assert info.video is not None and info.video.frames == 15 + 15 + 6  # both held 6 frames, overlapping 6
    samples = _audio(out["video"])
    assert _speech_seconds(samples) == pytest.approx(2.0, abs=0.04)  # all of both narrations
    # The transition (1.0-1.4 s) is a pause between the two voices, not both at once.
    assert _speech_seconds(samples[:, int(1.02 * RATE):int(1.38 * RATE)]) == 0.0


def _caption_track(path: Path, start: float, end: float, text: str) -> Path:
    CaptionTrack(duration=1.0, segments=[Segment(start=start, end=end, lines=[text])]).save(path)
    return path


def test_sidecar_cues_end_with_the_last_word_at_transitions(tmp_path: Path, edge_speech: dict[str, Path]) -> None:
    tracks = [_caption_track(tmp_path / "c0.json", 0.1, 1.0, "Said to the end."),
              _caption_track(tmp_path / "c1.json", 0.0, 0.5, "Said from the start.")]
    out = _merge(tmp_path, [edge_speech["late"], edge_speech["early"]], captions=tracks,
                 transition={"type": "crossfade", "duration": 0.4})
    srt = out["srt"].read_text(encoding="utf-8")
    # The second scene's speech starts after the 0.4 s transition, at 1.4 s.
    assert "00:00:00,100 --> 00:00:01,000\nSaid to the end." in srt
    assert "00:00:01,400 --> 00:00:01,900\nSaid from the start." in srt
    assert "0:00:00.10,0:00:01.00" in out["ass"].read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", ["crossfade", "slide"])
def test_burned_captions_follow_the_speech_not_the_picture(tmp_path: Path, kind: str) -> None:
    """Captions burned after the join: none is drawn during the transition (no speech there), so two
    scenes' captions never cross-fade over each other or slide off the frame edge."""
    grey = _scene(tmp_path, "grey", 1.0, (0.0, 1.0), source="color=c=gray")
    tracks = [_caption_track(tmp_path / "c0.json", 0.0, 1.0, "FIRST WORDS"),
              _caption_track(tmp_path / "c1.json", 0.0, 1.0, "SECOND WORDS")]
    transition = {"type": kind, "duration": 0.4}
    (tmp_path / "plain").mkdir()
    plain = _frames_rgb(_merge(tmp_path / "plain", [grey, grey], transition=transition)["video"])
    burned = _frames_rgb(_merge(tmp_path, [grey, grey], captions=tracks, transition=transition,
                                burn_captions=True)["video"])
    assert len(plain) == len(burned) == 36
    drawn = [float(np.abs(b - p).max()) for b, p in zip(burned, plain, strict=True)]
    assert min(drawn[2:13]) > 100 and min(drawn[23:34]) > 100  # captions while each scene speaks
    assert max(drawn[15:21]) < 20  # none during the transition (frames 15-20: 1.0-1.4 s)


def test_captions_burned_after_transitions_name_the_glyphs_the_font_lacks(tmp_path: Path) -> None:
    """The merge burns the captions when there are transitions: it warns about characters the font
    cannot draw, as a scene's render does, and names none the font has."""
    grey = _scene(tmp_path, "grey", 1.0, (0.0, 1.0), source="color=c=gray")
    tracks = [_caption_track(tmp_path / "c0.json", 0.0, 1.0, "Hello 漢字"),
              _caption_track(tmp_path / "c1.json", 0.0, 1.0, "world")]
    transition = {"type": "crossfade", "duration": 0.4}
    warnings: list[str] = []
    _merge(tmp_path, [grey, grey], captions=tracks, transition=transition, burn_captions=True, warnings=warnings)
    glyph_warnings = [w for w in warnings if "glyph" in w]
    assert len(glyph_warnings) == 1, warnings
    assert "漢 (U+6F22)" in glyph_warnings[0] and "字 (U+5B57)" in glyph_warnings[0]
    assert "U+0048" not in glyph_warnings[0]  # H: the font has it
    # not burned (the renders burned each scene's captions): not the merge's to say
    (tmp_path / "files").mkdir()
    warnings.clear()
    _merge(tmp_path / "files", [grey, grey], captions=tracks, transition=transition, warnings=warnings)
    assert not [w for w in warnings if "glyph" in w], warnings


def _pending_scene(frames: int | None = None, size: tuple[int, int] = (64, 32), fps: int = 10) -> Pending:
    """A scene another step renders, with what its params say of it."""
    facts: dict[str, int] = {"width": size[0], "height": size[1], "fps": fps}
    if frames is not None:
        facts["frames"] = frames
    return Pending("render", "video", facts)


def _problems(params: MergeParams, inputs: dict) -> list[tuple[str | None, str]]:
    return [(e.field, e.message) for e in Merge().check(params, inputs)]


def test_check_refuses_a_scene_list_the_params_cannot_join() -> None:
    assert _problems(MergeParams(), {"scenes": []}) == [("scenes", "merge needs at least one scene")]
    two = {"scenes": [_pending_scene(), _pending_scene()]}
    assert _problems(MergeParams(transitions=[None, None, None]), two) == [
        ("transitions", "3 transitions for 1 scene boundaries")]
    assert [f for f, _ in _problems(MergeParams(caption_scenes=[7]), two)] == ["caption_scenes"]
    assert [f for f, _ in _problems(MergeParams(caption_scenes=[1, 1]), two)] == ["caption_scenes"]
    captions = [Pending("c1", "captions"), Pending("c2", "captions"), Pending("c3", "captions")]
    assert [f for f, _ in _problems(MergeParams(), {**two, "captions": captions})] == ["captions"]
    assert _problems(MergeParams(caption_scenes=[1]), {**two, "captions": captions[:1]}) == []
    two_sizes = {"scenes": [_pending_scene(), _pending_scene(size=(32, 32))]}
    assert [f for f, _ in _problems(MergeParams(), two_sizes)] == ["scenes"]


def test_check_adds_up_the_scene_lengths_known_before_running() -> None:
    limit = MergeParams(max_seconds=5)
    assert _problems(limit, {"scenes": [_pending_scene(30), _pending_scene(30)]}) == [
        ("scenes", "the video would last 6.0 s, more than the limit of 5 s")]
    assert _problems(limit, {"scenes": [_pending_scene(30), _pending_scene(20)]}) == []
    # a narrated scene's length is unknown: what is known already passes the limit
    assert _problems(limit, {"scenes": [_pending_scene(60), _pending_scene()]}) == [
        ("scenes", "the video would last at least 6.0 s, more than the limit of 5 s")]
    assert _problems(limit, {"scenes": [_pending_scene(40), _pending_scene()]}) == []
    # each transition adds its length
    fade = MergeParams(max_seconds=5, transition={"type": "crossfade", "duration": 1.5})
    assert [f for f, _ in _problems(fade, {"scenes": [_pending_scene(20), _pending_scene(20)]})] == ["scenes"]
