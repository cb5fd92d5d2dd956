"""A segmented scene's sound, encoded on its own while the segments render and copied by the join: the
same timing as a whole-scene render's sound, to the sample, and clear errors for a wrong one."""

from __future__ import annotations

import threading
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from nodes.audio.pcm import read_audio
from nodes.media.ffmpeg import ffmpeg_exe
from nodes.render.join import Join, JoinParams
from nodes.render.node import Render, RenderParams
from nodes.render.soundtrack import (
    Soundtrack,
    SoundtrackParams,
    encode_soundtrack,
    read_soundtrack,
    scene_samples,
    soundtrack_samples,
)
from pipeline.node import NodeError, NodeInputError, RunContext


def _voice(path: Path, seconds: float = 4.37, rate: int = 22050, channels: int = 1) -> Path:
    """A tone that stops 0.37 s before the end: the silence after it shows where the sound sits."""
    t = np.arange(int(seconds * rate)) / rate
    tone = (0.3 * np.sin(2 * np.pi * 220 * t) * (t < seconds - 0.37)).astype(np.float32)
    sf.write(path, tone if channels == 1 else np.stack([tone, 0.5 * tone], axis=1), rate)
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    Image.new("RGB", (400, 600), (90, 40, 200)).save(tmp_path / "pic.png")
    return tmp_path


def _audio_timing(path: Path) -> tuple[int | None, int | None, int]:
    with av.open(str(path)) as container:
        audio = container.streams.audio[0]
        return audio.start_time, audio.duration, audio.frames


def test_the_samples_are_the_narration_at_48k_stereo_cut_or_padded(folder: Path) -> None:
    mono = soundtrack_samples(_voice(folder / "mono.wav"), 48_000 * 5)
    assert mono.shape == (2, 240_000) and mono.dtype == np.float32
    assert np.array_equal(mono[0], mono[1])  # mono on both sides at full level
    assert abs(float(np.max(np.abs(mono))) - 0.3) < 0.01
    assert not np.any(mono[:, round(4.37 * 48_000):])  # padded with silence
    stereo = soundtrack_samples(_voice(folder / "stereo.wav", channels=2), 48_000)  # cut
    assert stereo.shape == (2, 48_000) and np.allclose(stereo[1], 0.5 * stereo[0], atol=1e-4)
    assert not np.any(soundtrack_samples(None, 1000)) and soundtrack_samples(None, 1000).shape == (2, 1000)


TIMING = """\
version: 1
defaults: {render: {width: 160, height: 284, fps: 10}}
steps:
  whole: {type: render, image: pic.png, audio: voice.wav}
  split: {type: render, image: pic.png, audio: voice.wav, segment_seconds: 1}
outputs: {out/whole.mp4: "${whole.video}", out/split.mp4: "${split.video}"}
"""


def test_a_split_scene_has_the_sound_timing_of_a_whole_scene(folder: Path) -> None:
    """The copied soundtrack starts with the AAC priming behind an edit list and ends on the scene's last
    sample, as ffmpeg's own encode in a whole-scene render does; decoded, it is the narration."""
    from pipeline import load
    from pipeline.cache import Cache
    from pipeline.run import run_pipeline

    voice = _voice(folder / "voice.wav")
    (folder / "timing.yaml").write_text(TIMING)
    summary = run_pipeline(load(folder / "timing.yaml"), Cache(folder / "cache"))
    assert "split.sound" in summary.ran
    split, whole = folder / "out" / "split.mp4", folder / "out" / "whole.mp4"
    assert b" threads=1 " in split.read_bytes()  # made of segments
    assert _audio_timing(split) == _audio_timing(whole) == (0, 44 * 4800, 208)
    source = soundtrack_samples(voice, 44 * 4800)
    heard = read_audio(split, field="video")[:, :source.shape[1]]
    noise = float(np.sum((heard - source) ** 2))
    assert 10 * np.log10(float(np.sum(source ** 2)) / noise) > 40  # in place: a shift of one sample is ~10 dB


def test_the_join_copies_a_soundtrack_step_or_encodes_the_narration_the_same_way(folder: Path) -> None:
    voice = _voice(folder / "voice.wav", seconds=2.0)
    segment = folder / "seg.mp4"
    ctx = RunContext(node="seg", work_dir=folder, outputs={"video": segment})
    Render().run(ctx, RenderParams(width=160, height=284, fps=10, duration=2.0, frames=(0, 20)),
                 {"image": folder / "pic.png"})
    sound = RunContext(node="sound", work_dir=folder, outputs={"soundtrack": folder / "sound.aac"}, threads=2)
    Soundtrack().run(sound, SoundtrackParams(fps=10, frames=20), {"audio": voice})
    joined = {}
    for name, inputs in (("copied", {"soundtrack": folder / "sound.aac"}), ("encoded", {"audio": voice})):
        work = folder / name
        work.mkdir()
        ctx = RunContext(node=name, work_dir=work, outputs={"video": folder / f"{name}.mp4"})
        Join().run(ctx, JoinParams(fps=10, frames=[20]), {"segments": [segment], **inputs})
        joined[name] = (folder / f"{name}.mp4").read_bytes()
    assert joined["copied"] == joined["encoded"]


def test_a_soundtrack_of_the_wrong_length_or_a_second_sound_is_refused(folder: Path) -> None:
    track = encode_soundtrack(None, 20, 10, folder / "two.aac", exe=ffmpeg_exe())
    assert track.samples == scene_samples(20, 10) == 96_000
    assert read_soundtrack(folder / "two.aac", 20, 10) == track
    with pytest.raises(NodeInputError, match="holds 95 AAC frames, but 30 frames at 10 fps need 142") as caught:
        read_soundtrack(folder / "two.aac", 30, 10)
    assert caught.value.field == "soundtrack"
    ctx = RunContext(node="j", work_dir=folder, outputs={"video": folder / "j.mp4"})
    with pytest.raises(NodeInputError, match="not both") as both:
        Join().run(ctx, JoinParams(fps=10, frames=[20]), {"segments": [folder / "pic.png"],
                                                            "audio": _voice(folder / "v.wav"),
                                                            "soundtrack": folder / "two.aac"})
    assert both.value.field == "soundtrack"


def test_a_narration_without_sound_is_named(folder: Path) -> None:
    segment = folder / "silent.mp4"
    ctx = RunContext(node="seg", work_dir=folder, outputs={"video": segment})
    Render().run(ctx, RenderParams(width=160, height=284, fps=10, duration=1.0, frames=(0, 10)),
                 {"image": folder / "pic.png"})  # video only
    with pytest.raises(NodeInputError, match="silent.mp4 has no audio stream") as caught:
        soundtrack_samples(segment, 1000)
    assert caught.value.field == "audio"


def test_a_cancelled_soundtrack_stops_and_leaves_nothing(folder: Path) -> None:
    """Cancelled while it encodes (the run stopped, or a segment failed): its encodes stop, the step fails
    and its chunk files are removed."""
    voice = _voice(folder / "voice.wav", seconds=120.0)
    cancelled = threading.Event()
    timer = threading.Timer(0.3, cancelled.set)
    timer.start()
    try:
        with pytest.raises(NodeError, match="cancelled"):
            encode_soundtrack(voice, 1200, 10, folder / "out.aac", exe=ffmpeg_exe(), cancel=cancelled)
    finally:
        timer.cancel()
    assert not (folder / "out.aac").exists()
    assert not [p for p in folder.rglob("*.aac")]
