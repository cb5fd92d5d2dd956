"""Scenes rendered in fixed-length segments: the same frames as a whole-scene render, the same bytes
whatever runs at once, joined by stream copy, and a late edit re-renders only the segments it touches."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image, ImageDraw

from nodes.media.aac import AacTrack
from nodes.render.command import join_args
from nodes.render.join import JoinParams
from nodes.render.node import Render, RenderParams
from nodes.render.segments import (
    GROUP_SEGMENTS,
    MIN_SEGMENT_FRAMES,
    segment_groups,
    segment_length,
    segment_ranges,
)
from pipeline import load
from pipeline.cache import Cache
from pipeline.plan import plan
from pipeline.progress import Summary
from pipeline.run import run_pipeline

WORDS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven"]


def _picture(path: Path) -> Path:
    """Stripes and diagonals: any misplaced frame or caption shows."""
    image = Image.new("RGB", (400, 600))
    draw = ImageDraw.Draw(image)
    for x in range(0, 400, 20):
        draw.rectangle([x, 0, x + 10, 600], fill=(x % 256, (x * 3) % 256, 200))
    for y in range(0, 600, 37):
        draw.line([0, y, 400, y + 50], fill=(255, 255, 0), width=3)
    image.save(path)
    return path


def _words(path: Path, last: str = "eleven") -> Path:
    words = [*WORDS[:-1], last]
    path.write_text(json.dumps({"duration": 5.0, "words": [
        {"text": w, "start": round(i * 0.45, 2), "end": round(i * 0.45 + 0.4, 2)} for i, w in enumerate(words)]}))
    return path


# A 5 s scene at 10 fps in 1 s segments; quality 0 is lossless, so decoded frames compare exactly.
STEPS = """\
version: 1
defaults: {render: {width: 160, height: 284, fps: 10, duration: 5, quality: QUALITY,
                    motion: {zoom: in, amount: 0.2, pan: left}}}
steps:
  subs: {type: captions, words: words.json, max_chars: 12, lines: 1}
  whole: {type: render, image: pic.png, captions: "${subs.captions}"}
SEGMENTS
  joined: {type: join, fps: 10, frames: COUNTS, segments: [REFS]}
outputs:
  out/whole.mp4: ${whole.video}
  out/joined.mp4: ${joined.video}
OUTPUTS
"""


def _steps_recipe(folder: Path, quality: int) -> tuple[Path, list[tuple[int, int]]]:
    ranges = segment_ranges(50, segment_length(10, 1.0))
    segments, outputs = [], []
    for k, (first, end) in enumerate(ranges, start=1):
        segments.append(f"  w{k}: {{type: caption_window, captions: \"${{subs.captions}}\", start: {first / 10},"
                        f" end: {end / 10}}}")
        segments.append(f"  s{k}: {{type: render, image: pic.png, captions: \"${{w{k}.captions}}\", "
                        f"frames: [{first}, {end}]}}")
        outputs.append(f"  out/s{k}.mp4: ${{s{k}.video}}")
    text = (STEPS.replace("QUALITY", str(quality)).replace("SEGMENTS", "\n".join(segments))
            .replace("COUNTS", str([end - first for first, end in ranges]))
            .replace("REFS", ", ".join(f'"${{s{k}.video}}"' for k in range(1, len(ranges) + 1)))
            .replace("OUTPUTS", "\n".join(outputs)))
    recipe = folder / "segments.yaml"
    recipe.write_text(text)
    return recipe, ranges


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    _picture(tmp_path / "pic.png")
    _words(tmp_path / "words.json")
    return tmp_path


def _run(recipe: Path, cache: Path) -> Summary:
    # the engine's modules, not ``from pipeline import run``: once the ``pipeline.run`` module has been
    # imported (other tests do), that name is the module, not the function
    return run_pipeline(load(recipe), Cache(cache))


def _frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="yuv420p") for frame in container.decode(container.streams.video[0])]


def _packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(container.streams.video[0]) if p.size]


def test_segment_ranges_cover_the_scene() -> None:
    assert segment_length(30) == 60 and segment_length(25, 1.0) == 25
    assert segment_ranges(130, 60) == [(0, 60), (60, 120), (120, 130)]
    assert segment_ranges(60, 60) == [(0, 60)]
    # a tail shorter than MIN_SEGMENT_FRAMES is part of the segment before it
    assert segment_ranges(16, 15) == [(0, 16)] and segment_ranges(62, 30) == [(0, 30), (30, 62)]
    assert segment_ranges(38, 30) == [(0, 30), (30, 38)] and segment_ranges(5, 30) == [(0, 5)]
    assert segment_length(15, 0.1) == MIN_SEGMENT_FRAMES


def test_segment_groups_are_fixed_runs_of_segments() -> None:
    assert GROUP_SEGMENTS == 30  # a constant of the project: the bytes of long scenes depend on it
    assert segment_groups(30) == [range(30)]  # up to a group's worth: joined at once, as before
    assert segment_groups(61) == [range(0, 30), range(30, 60), range(60, 61)]
    assert segment_groups(300) == [range(k, k + 30) for k in range(0, 300, 30)]
    assert [k for group in segment_groups(95, 7) for k in group] == list(range(95))


def test_only_a_scene_asked_for_segments_may_split() -> None:
    # a segment never splits again: the engine need not fetch its inputs to ask it
    assert Render().may_split(RenderParams(duration=60, segment_seconds=2))
    assert not Render().may_split(RenderParams(duration=60, frames=(0, 60)))
    assert not Render().may_split(RenderParams(duration=60))


def test_segments_show_the_frames_of_the_whole_scene(folder: Path) -> None:
    recipe, ranges = _steps_recipe(folder, quality=0)
    _run(recipe, folder / "cache")
    whole = _frames(folder / "out" / "whole.mp4")
    assert len(whole) == 50
    for k, (first, end) in enumerate(ranges, start=1):
        part = _frames(folder / "out" / f"s{k}.mp4")
        assert len(part) == end - first
        for index, frame in enumerate(part):
            assert np.array_equal(frame, whole[first + index]), f"segment {k} frame {index}"
    # the motion moves and the captions change: equal frames are not equal by accident
    assert not np.array_equal(whole[10], whole[11])
    joined = _frames(folder / "out" / "joined.mp4")
    assert all(np.array_equal(a, b) for a, b in zip(joined, whole, strict=True))


def test_join_copies_the_segments_packets(folder: Path) -> None:
    recipe, ranges = _steps_recipe(folder, quality=23)
    _run(recipe, folder / "cache")
    copied = [p for k in range(1, len(ranges) + 1) for p in _packets(folder / "out" / f"s{k}.mp4")]
    assert _packets(folder / "out" / "joined.mp4") == copied
    # x264 writes its settings into the stream: a segment's encoder ran on one thread, a whole scene's on four
    assert b" threads=1 " in (folder / "out" / "s1.mp4").read_bytes()
    assert b" threads=4 " in (folder / "out" / "whole.mp4").read_bytes()
    args = join_args(concat_file=Path("x.ffconcat"), soundtrack=AacTrack(Path("x.aac"), 240_000, 236),
                     n_frames=50, output=Path("o.mp4"))
    assert args[args.index("-c:v") + 1] == "copy" and args[args.index("-c:a") + 1] == "copy"
    with av.open(str(folder / "out" / "joined.mp4")) as container:
        assert container.streams.video[0].frames == 50
        assert container.streams.audio[0].codec_context.name == "aac"


def test_the_join_reads_its_segments_the_same_without_the_box_reader(folder: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The join reads frame counts and encoder configurations from the segments' MP4 boxes; with that fast
    path forced off (libavformat reads them) it writes the same bytes and still catches a wrong count."""
    from nodes.media import probe as probe_module
    from nodes.render import segments
    from nodes.render.join import Join
    from pipeline.node import NodeInputError, RunContext

    recipe, ranges = _steps_recipe(folder, quality=23)
    _run(recipe, folder / "cache")
    parts = [folder / "out" / f"s{k}.mp4" for k in range(1, len(ranges) + 1)]
    counts = [end - first for first, end in ranges]

    def joined(name: str, frames: list[int]) -> bytes:
        ctx = RunContext(node="j", work_dir=folder, outputs={"video": folder / name},
                         warn=lambda node, message: None)
        Join().run(ctx, JoinParams(fps=10, frames=frames), {"segments": parts, "audio": None})
        return (folder / name).read_bytes()

    fast = joined("fast.mp4", counts)
    with pytest.raises(NodeInputError, match="segment 2 .* has 10 frames, not 9"):
        joined("wrong.mp4", [10, 9, 10, 10, 10])
    monkeypatch.setattr(probe_module, "video_track", lambda path: None)  # the join reads frame counts there
    monkeypatch.setattr(segments, "video_track", lambda path: None)
    assert joined("plain.mp4", counts) == fast == (folder / "out" / "joined.mp4").read_bytes()
    with pytest.raises(NodeInputError, match="segment 2 .* has 10 frames, not 9"):
        joined("wrong.mp4", [10, 9, 10, 10, 10])


def test_a_late_edit_renders_only_the_segments_it_touches(folder: Path) -> None:
    recipe, _ = _steps_recipe(folder, quality=23)
    _run(recipe, folder / "cache")
    before = (folder / "out" / "s1.mp4").read_bytes()
    _words(folder / "words.json", last="twelve")  # the last word, at 4.5 s: the fifth segment
    planned = {p.node: p for p in plan(load(recipe), Cache(folder / "cache"))}
    assert planned["subs"].action == "run" and any("words.json" in r for r in planned["subs"].reasons)
    summary = _run(recipe, folder / "cache")
    rendered = {name for name in summary.ran if name.startswith("s") and name != "subs"}
    assert rendered == {"s5"}, summary.ran
    assert "whole" in summary.ran and "joined" in summary.ran
    assert (folder / "out" / "s1.mp4").read_bytes() == before
    # and the CLI's plan agrees: nothing is left to run, the early segments never ran again
    out = subprocess.run([str(Path(sys.executable).with_name("pipeline")), "--cache-dir", str(folder / "cache"),
                          "plan", "--json", str(recipe)], capture_output=True, text=True, check=True).stdout
    assert all(entry["action"] == "skip" for entry in json.loads(out))


SCENES = """\
version: 1
output: {size: 160x284, fps: 10}
captions: false
motion: {zoom: in, amount: 0.2}
render: {segment_seconds: 1}
scenes:
  - image: pic.png
    duration: 5
  - image: pic.png
    duration: 0.8
"""


def _parts(step_params: RenderParams, **inputs: Path) -> dict[str, object]:
    """The parts a render step splits into, by name, with their params."""
    split = Render().split(step_params, dict(inputs))
    assert split is not None
    return {part.name: part for part in split.parts}


def test_scene_list_splits_long_stills_into_segments(folder: Path) -> None:
    (folder / "list.yaml").write_text(SCENES)
    pipeline = load(folder / "list.yaml")
    assert [n for n in pipeline.steps if n.startswith("scene1.")] == ["scene1.render"]  # split when it runs
    params = pipeline.steps["scene1.render"].params
    assert isinstance(params, RenderParams) and params.segment_seconds == 1
    parts = _parts(params, image=folder / "pic.png")
    assert list(parts) == ["sound"] + [f"seg{k}" for k in range(1, 6)] + ["join"]
    last = parts["seg5"]
    assert last.type == "render" and last.params["frames"] == [40, 50]  # type: ignore[attr-defined]
    assert parts["sound"].type == "soundtrack"  # type: ignore[attr-defined]  # encoded while segments render
    summary = _run(folder / "list.yaml", folder / "cache")
    assert {"scene1.render.sound", "scene1.render.seg1", "scene1.render.seg5", "scene1.render.join",
            "scene1.render"} <= set(summary.ran)
    assert not [n for n in summary.ran if n.startswith("scene2.render.")]  # shorter than a segment: one step
    again = _run(folder / "list.yaml", folder / "cache")
    assert again.ran == [] and "scene1.render" in again.cached and "scene1.render.seg1" not in again.cached


GROUPED_SPLIT = """\
version: 1
steps:
  split: {type: render, image: pic.png, width: 160, height: 284, fps: 10, duration: 5, segment_seconds: 1,
          motion: {zoom: in, amount: 0.2}}
  merge: {type: merge, scenes: ["${split.video}"]}
outputs: {out/split.mp4: "${merge.video}"}
"""


def test_a_long_scene_joins_its_segments_in_groups_first(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """More segments than a group holds: groups of segments are joined (video only) as their segments are
    made, then the groups; the same packets as the segments joined at once, and a steps recipe asking
    for segments gives the scene list's bytes."""
    from nodes.render import segments

    (folder / "list.yaml").write_text(SCENES.split("  - image: pic.png\n    duration: 0.8")[0])  # scene 1 alone
    _run(folder / "list.yaml", folder / "flat")
    flat = folder / "flat.mp4"
    flat.write_bytes((folder / "out" / "list.mp4").read_bytes())
    monkeypatch.setattr(segments, "GROUP_SEGMENTS", 2)
    parts = _parts(load(folder / "list.yaml").steps["scene1.render"].params, image=folder / "pic.png")  # type: ignore[arg-type]
    # each group right after its segments: the executor starts ready steps in this order
    assert list(parts) == ["sound", "seg1", "seg2", "group1", "seg3", "seg4", "group2", "seg5", "group3", "join"]
    group, final = parts["group3"].params, parts["join"].params  # type: ignore[attr-defined]
    assert group["video_only"] and group["frames"] == [10]
    assert "video_only" not in final and final["frames"] == [20, 20, 10]
    summary = _run(folder / "list.yaml", folder / "cache")
    assert {"scene1.render.group1", "scene1.render.group2", "scene1.render.group3"} <= set(summary.ran)
    grouped = folder / "out" / "list.mp4"
    assert _packets(grouped) == _packets(flat)
    with av.open(str(grouped)) as container:
        assert container.streams.video[0].frames == 50
    (folder / "split.yaml").write_text(GROUPED_SPLIT)
    _run(folder / "split.yaml", folder / "cache")
    assert (folder / "out" / "split.mp4").read_bytes() == grouped.read_bytes()
    assert not _run(folder / "list.yaml", folder / "cache").ran  # all cached


def test_a_video_only_join_takes_no_audio(folder: Path) -> None:
    from nodes.render.join import Join
    from pipeline.node import NodeInputError, RunContext

    ctx = RunContext(node="j", work_dir=folder, outputs={"video": folder / "j.mp4"})
    with pytest.raises(NodeInputError, match="video-only join takes no sound") as caught:
        Join().run(ctx, JoinParams(fps=10, frames=[10], video_only=True),
                   {"segments": [folder / "pic.png"], "audio": _voice(folder / "voice.wav")})
    assert caught.value.field == "audio"


def test_a_recording_used_as_it_is_sets_the_segments(folder: Path) -> None:
    """A scene narrated by a recording: its length sets the segments; the recording is encoded beside
    them (the segments' keys hold the scene's frame count, not the recording) and the join copies it."""
    voice = _voice(folder / "voice.wav")
    (folder / "rec.yaml").write_text(SCENES.split("scenes:")[0] + "scenes:\n  - {image: pic.png, audio: voice.wav}\n")
    params = load(folder / "rec.yaml").steps["scene1.render"].params
    assert isinstance(params, RenderParams)
    parts = _parts(params, image=folder / "pic.png", audio=voice)
    # 43 frames in 10-frame segments: the 3-frame tail is part of the fourth segment
    assert [n for n in parts if n.startswith("seg")] == [f"seg{k}" for k in range(1, 5)]
    assert "audio" in parts["sound"].inputs and "audio" not in parts["seg1"].inputs  # type: ignore[attr-defined]
    assert parts["seg1"].params["duration"] == 4.3  # type: ignore[attr-defined]  # 43 frames at 10 fps
    _run(folder / "rec.yaml", folder / "cache")
    with av.open(str(folder / "out" / "rec.mp4")) as container:
        assert container.streams.video[0].frames == 43
        audio = container.streams.audio[0]
        assert audio.duration is not None and audio.time_base is not None
        assert abs(float(audio.duration * audio.time_base) - 4.3) < 0.03


def test_same_bytes_whatever_runs_at_once(folder: Path) -> None:
    """1, 2 and 4 segments at once (PIPELINE_THREADS caps the local executor's slots), fresh caches."""
    (folder / "list.yaml").write_text(SCENES)
    digests = {}
    for threads in ("1", "2", "4"):
        env = {**os.environ, "PIPELINE_THREADS": threads}
        subprocess.run([str(Path(sys.executable).with_name("pipeline")), "--cache-dir",
                        str(folder / f"cache{threads}"), "run", "-q", str(folder / "list.yaml")], check=True, env=env)
        digests[threads] = hashlib.sha256((folder / "out" / "list.mp4").read_bytes()).hexdigest()
    assert len(set(digests.values())) == 1, digests


def test_dask_spreads_the_segments_with_the_same_bytes(folder: Path) -> None:
    """The segments on a Dask LocalCluster of two worker processes give the local executor's bytes."""
    (folder / "list.yaml").write_text(SCENES)
    pipeline_cli = str(Path(sys.executable).with_name("pipeline"))
    env = {**os.environ, "PIPELINE_THREADS": "2"}
    digests = []
    for executor, cache in (("local", "cache-local"), ("dask", "cache-dask")):
        subprocess.run([pipeline_cli, "--cache-dir", str(folder / cache), "run", "-q", "--executor", executor,
                        str(folder / "list.yaml")], check=True, env=env, timeout=300)
        digests.append(hashlib.sha256((folder / "out" / "list.mp4").read_bytes()).hexdigest())
    assert digests[0] == digests[1]


def test_segment_errors_name_the_field(folder: Path) -> None:
    from pipeline.node import NodeInputError, RunContext

    ctx = RunContext(node="s", work_dir=folder, outputs={"video": folder / "s.mp4"})
    params = RenderParams(width=160, height=284, fps=10, duration=1, frames=(5, 20))
    with pytest.raises(NodeInputError) as caught:
        Render().run(ctx, params, {"image": folder / "pic.png"})
    assert caught.value.field == "frames" and "10 frames" in caught.value.message
    with pytest.raises(ValueError, match="first < end"):
        RenderParams(frames=(4, 4))


def test_doctor_reports_the_parallelism(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIPELINE_THREADS", "3")
    line = Render.diagnostics()["parallelism"]
    assert "segments: 3 at once, x264 1 thread each" in line and "segment_seconds" in line
    assert "one piece: x264 4 threads" in line and "ask for segments" not in line
    monkeypatch.setenv("PIPELINE_THREADS", "16")  # a many-core machine: segments are worth asking for
    assert "with 16 threads here, one long scene in one piece keeps only a few busy" in \
        Render.diagnostics()["parallelism"]


def test_segments_encoded_differently_still_join(folder: Path) -> None:
    """The plain path: segments whose encoder configurations differ (as after an encoder fallback) are
    joined with their parameter sets in-band, and every frame decodes."""
    from nodes.render.join import Join
    from pipeline.node import RunContext

    (folder / "two.yaml").write_text("""\
version: 1
defaults: {render: {width: 160, height: 284, fps: 10, duration: 2, motion: {zoom: in}}}
steps:
  a: {type: render, image: pic.png, frames: [0, 10], quality: 0}
  b: {type: render, image: pic.png, frames: [10, 20], quality: 30}
outputs: {out/a.mp4: "${a.video}", out/b.mp4: "${b.video}"}
""")
    _run(folder / "two.yaml", folder / "cache")
    warnings: list[str] = []
    ctx = RunContext(node="j", work_dir=folder, outputs={"video": folder / "joined.mp4"},
                     warn=lambda node, message: warnings.append(message))
    segments = [folder / "out" / "a.mp4", folder / "out" / "b.mp4"]
    Join().run(ctx, JoinParams(fps=10, frames=[10, 10]), {"segments": segments, "audio": None})
    assert any("different settings" in w for w in warnings)
    expected = _frames(segments[0]) + _frames(segments[1])
    joined = _frames(folder / "joined.mp4")
    assert len(joined) == 20 and all(np.array_equal(a, b) for a, b in zip(joined, expected, strict=True))


def test_a_bad_segment_length_is_reported_once_at_its_line(folder: Path) -> None:
    from pipeline import RecipeError

    (folder / "bad.yaml").write_text(SCENES.replace("segment_seconds: 1", "segment_seconds: fast"))
    with pytest.raises(RecipeError) as caught:
        load(folder / "bad.yaml")
    text = str(caught.value)
    assert text.count("segment_seconds must be a positive number") == 1 and "bad.yaml:5:" in text


def _voice(path: Path, seconds: float = 4.3) -> Path:
    import soundfile as sf

    rate = 22050
    t = np.arange(int(seconds * rate)) / rate
    sf.write(path, (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), rate)
    return path


# A narrated scene (length from its audio: 43 frames at 10 fps) in 1 s segments, both ways: one render step
# that splits itself when it runs (caption windows, a soundtrack step), and segment steps written by hand
# (the whole caption track each, the join encoding the narration).
NARRATED = """\
version: 1
defaults: {render: {width: 160, height: 284, fps: 10, motion: {zoom: in, amount: 0.2, pan: left}}}
steps:
  subs: {type: captions, words: words.json, max_chars: 12, lines: 1}
  split: {type: render, image: pic.png, audio: voice.wav, captions: "${subs.captions}", segment_seconds: 1}
SEGMENTS
  joined: {type: join, fps: 10, frames: COUNTS, segments: [REFS], audio: voice.wav}
outputs:
  out/split.mp4: ${split.video}
  out/joined.mp4: ${joined.video}
"""


def test_a_narrated_scene_splits_itself_into_the_bytes_of_segment_steps(folder: Path) -> None:
    _voice(folder / "voice.wav")
    ranges = segment_ranges(43, segment_length(10, 1.0))
    steps = [f"  s{k}: {{type: render, image: pic.png, audio: voice.wav, captions: \"${{subs.captions}}\", "
             f"frames: [{first}, {end}]}}" for k, (first, end) in enumerate(ranges, start=1)]
    (folder / "narrated.yaml").write_text(
        NARRATED.replace("SEGMENTS", "\n".join(steps))
        .replace("COUNTS", str([end - first for first, end in ranges]))
        .replace("REFS", ", ".join(f'"${{s{k}.video}}"' for k in range(1, len(ranges) + 1))))
    summary = _run(folder / "narrated.yaml", folder / "cache")
    assert {"split.seg1", "split.win1", "split.seg4", "split.join"} <= set(summary.ran)
    split = (folder / "out" / "split.mp4").read_bytes()
    assert split == (folder / "out" / "joined.mp4").read_bytes()
    assert b" threads=1 " in split  # encoded as segments, not as one scene
    with av.open(str(folder / "out" / "split.mp4")) as container:
        assert container.streams.video[0].frames == 43
        assert container.streams.audio[0].codec_context.name == "aac"


def test_a_narrated_scene_edit_rerenders_only_the_segments_whose_captions_changed(folder: Path) -> None:
    """The speech keeps its length and only the last word's caption changes: the segments showing the
    other captions are found in the cache."""
    voice = _voice(folder / "voice.wav", 5.0)
    (folder / "one.yaml").write_text(NARRATED.split("SEGMENTS")[0] + "outputs:\n  out/split.mp4: ${split.video}\n")
    _run(folder / "one.yaml", folder / "cache")
    _words(folder / "words.json", last="twelve")  # at 4.5 s: the fifth segment
    summary = _run(folder / "one.yaml", folder / "cache")
    assert {"split.seg5", "split.join", "split"} <= set(summary.ran)
    assert {"split.seg1", "split.seg2", "split.seg3", "split.seg4", "split.sound"} <= set(summary.cached)
    assert voice.is_file()


def test_a_long_scene_is_not_rendered_whole_by_mistake(folder: Path) -> None:
    """Outside the engine, a scene longer than one segment is refused (the engine runs its parts); one no
    longer than a segment is one encode, the bytes of the scene without segments."""
    from pipeline.node import NodeError, RunContext

    voice = _voice(folder / "voice.wav")
    params = RenderParams(width=160, height=284, fps=10, motion={"zoom": "in", "amount": 0.2},  # type: ignore[arg-type]
                          segment_seconds=1)
    ctx = RunContext(node="scene", work_dir=folder, outputs={"video": folder / "long.mp4"})
    with pytest.raises(NodeError) as caught:
        Render().run(ctx, params, {"image": folder / "pic.png", "audio": voice})
    assert caught.value.field == "segment_seconds"
    short = _voice(folder / "short.wav", 0.8)
    assert Render().split(params, {"image": folder / "pic.png", "audio": short}) is None
    for name, seconds in (("cut", 1.0), ("whole", None)):
        ctx = RunContext(node="short", work_dir=folder, outputs={"video": folder / f"{name}.mp4"}, threads=2)
        Render().run(ctx, params.model_copy(update={"segment_seconds": seconds}), {"image": folder / "pic.png",
                                                                                  "audio": short})
    assert (folder / "cut.mp4").read_bytes() == (folder / "whole.mp4").read_bytes()


def test_segment_seconds_and_frames_exclude_each_other() -> None:
    with pytest.raises(ValueError, match="exclude each other"):
        RenderParams(frames=(0, 10), segment_seconds=1)


def test_a_narrated_scene_list_scene_splits_itself_when_it_runs(folder: Path) -> None:
    """From the scene list to the file: the speech sets the length, the render step cuts itself into
    1 s segments (one-thread x264 in the stream) and the video has the speech's frames."""
    (folder / "spoken.yaml").write_text(SCENES.split("scenes:")[0] + "scenes:\n"
                                        "  - {image: pic.png, text: Every city has a sound at dawn and this "
                                        "one hums.}\n")
    pipeline = load(folder / "spoken.yaml")
    assert [n for n in pipeline.steps if n.startswith("scene1.render")] == ["scene1.render"]
    summary = _run(folder / "spoken.yaml", folder / "cache")
    assert {"scene1.render", "scene1.render.join"} <= set(summary.ran)
    assert len([n for n in summary.ran if n.startswith("scene1.render.seg")]) > 1
    video = (folder / "out" / "spoken.mp4").read_bytes()
    assert b" threads=1 " in video  # the merge copied the segments' packets
    with av.open(str(folder / "out" / "spoken.mp4")) as container:
        frames = container.streams.video[0].frames
        audio = container.streams.audio[0]
        assert audio.duration is not None and audio.time_base is not None
        assert frames > 10  # longer than one segment: it was split
        assert abs(frames / 10 - float(audio.duration * audio.time_base)) < 0.1


def test_a_scene_one_frame_past_its_segments_joins_and_merges(folder: Path) -> None:
    """16 frames in 15-frame segments: the frame over is part of the segment before it (a segment of
    one frame had no B-frame delay, so its copied timestamps jumped and the merge refused the scene)."""
    (folder / "tail.yaml").write_text(
        "version: 1\noutput: {size: 160x284, fps: 15}\ncaptions: false\nrender: {segment_seconds: 1}\n"
        "scenes:\n  - {image: pic.png, duration: 1.0667}\n  - {image: pic.png, duration: 1}\n")
    _run(folder / "tail.yaml", folder / "cache")
    with av.open(str(folder / "out" / "tail.mp4")) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert video.frames == 17 + 15 and video.average_rate == 15
        dts = [p.dts for p in container.demux(video) if p.size]
        assert len({b - a for a, b in zip(dts, dts[1:], strict=False)}) == 1
        assert video.duration is not None and audio.duration is not None
        assert abs(float(video.duration * video.time_base) - float(audio.duration * audio.time_base)) < 1 / 15


def test_join_check_refuses_what_its_params_and_segments_say_before_they_render() -> None:
    from nodes.render.join import Join
    from pipeline.node import Pending

    def fields(params: JoinParams, inputs: dict) -> list[str | None]:
        return [e.field for e in Join().check(params, inputs)]

    segments = [Pending("seg1", "video", {"frames": 10}), Pending("seg2", "video", {"frames": 5})]
    assert fields(JoinParams(fps=10, frames=[10, 5]), {"segments": segments}) == []
    assert fields(JoinParams(fps=10, frames=[10, 5, 5]), {"segments": segments}) == ["segments"]
    assert fields(JoinParams(fps=10, frames=[10, 6]), {"segments": segments}) == ["frames"]
    assert fields(JoinParams(fps=10, frames=[10, 6]), {"segments": [Pending("a", "video")] * 2}) == []  # unknown
    sound = {"audio": Pending("tts", "audio"), "soundtrack": Pending("snd", "soundtrack")}
    assert fields(JoinParams(fps=10, frames=[10, 5]), {"segments": segments, **sound}) == ["soundtrack"]
    assert fields(JoinParams(fps=10, frames=[10, 5], video_only=True),
                  {"segments": segments, "audio": sound["audio"]}) == ["audio"]
    assert Join().known(JoinParams(fps=10, frames=[10, 5]), {}) == {"video": {"frames": 15, "fps": 10}}


def test_join_check_holds_the_segments_and_the_soundtrack_to_its_fps_and_frames() -> None:
    from nodes.render.join import Join
    from nodes.render.soundtrack import Soundtrack, SoundtrackParams
    from pipeline.node import Pending

    def fields(params: JoinParams, inputs: dict) -> list[str | None]:
        return [e.field for e in Join().check(params, inputs)]

    made = Soundtrack().known(SoundtrackParams(fps=10, frames=15), {})["soundtrack"]
    segments = [Pending("seg1", "video", {"frames": 10, "fps": 10}), Pending("seg2", "video", {"frames": 5})]
    sound = {"soundtrack": Pending("snd", "soundtrack", made)}
    assert fields(JoinParams(fps=10, frames=[10, 5]), {"segments": segments, **sound}) == []
    assert fields(JoinParams(fps=12, frames=[10, 5]), {"segments": segments}) == ["fps"]
    other = {"soundtrack": Pending("snd", "soundtrack", {"frames": 40, "fps": 10})}
    assert fields(JoinParams(fps=10, frames=[10, 5]), {"segments": segments, **other}) == ["soundtrack"]
