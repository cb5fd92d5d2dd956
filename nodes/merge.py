"""The ``merge`` node: scenes joined end to end, the music bed under the narration, and one SRT for all.

Video is joined without re-encoding (concat demuxer, stream copy): the render node made every scene with
the same codec settings, so this is fast and loses nothing. The audio is rebuilt: each scene's narration
cut to exactly its video length (in samples), concatenated, and the music looped, trimmed to the same
total, faded and mixed under it at full voice level (``normalize=0``: amix's default would halve both).
Every stream is bounded by a sample count and the output by ``-t``, so a looped music input can never
make an endless encode.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, ValidationError

from nodes.captions.srt import concat as concat_tracks
from nodes.captions.srt import write_srt
from nodes.formats import CaptionTrack
from nodes.media.encoder import audio_encoder_args
from nodes.media.ffmpeg import ffmpeg_exe, ffmpeg_fingerprint, run_ffmpeg
from nodes.media.filters import exact_length, samples_for, to_stereo_48k
from nodes.media.probe import MediaInfo, VideoInfo, probe
from pipeline.node import InputValue, NodeInputError, NodeType, Params, Port, Resources, RunContext

MUSIC_HINT = "use a music file ffmpeg can decode (OGG, MP3, WAV, FLAC, M4A) with an audio track"


class MergeParams(Params):
    music_volume_db: float = Field(-18.0, ge=-60.0, le=12.0, description="Music level relative to as-is, dB.")
    music_fade_in: float = Field(1.0, ge=0.0, le=60.0, description="Seconds of music fade-in at the start.")
    music_fade_out: float = Field(2.0, ge=0.0, le=60.0, description="Seconds of music fade-out at the end.")


@dataclass(frozen=True)
class Scene:
    """What the merge needs to know about one scene file."""

    path: Path
    duration: float  # of its video: frames / fps
    audio_channels: int  # 0 when the scene has no sound
    video: VideoInfo

    @classmethod
    def read(cls, path: Path) -> Scene:
        info = probe(path, field="scenes", decode=False)
        if info.video is None:
            raise NodeInputError(f"scene {path.name} has no video stream", field="scenes",
                                 hint="connect the `video` outputs of render nodes")
        video = info.video
        if video.frames and video.fps:
            duration = float(video.frames / video.fps)
        else:
            duration = video.duration or info.duration or 0.0
        return cls(path, duration, info.audio.channels if info.audio else 0, video)


def _quote_concat_path(path: Path) -> str:
    """A path as a quoted string for an ffconcat ``file`` line ('...' with ' written as '\\'')."""
    return "'" + str(path.resolve()).replace("'", "'\\''") + "'"


def concat_list(scenes: list[Scene]) -> str:
    """The concat demuxer script. Each file's duration is given, so the next scene starts exactly where
    this one's video ends (an AAC tail a few ms longer would otherwise shift it)."""
    lines = ["ffconcat version 1.0"]
    for scene in scenes:
        lines.append(f"file {_quote_concat_path(scene.path)}")
        lines.append(f"duration {scene.duration:.6f}")
    return "\n".join(lines) + "\n"


def _fade_filters(total: float, fade_in: float, fade_out: float) -> list[str]:
    """Fades that fit the video: each at most half of it."""
    fade_in, fade_out = min(fade_in, total / 2), min(fade_out, total / 2)
    out = []
    if fade_in > 0:
        out.append(f"afade=t=in:st=0:d={fade_in:.6f}")
    if fade_out > 0:
        out.append(f"afade=t=out:st={total - fade_out:.6f}:d={fade_out:.6f}")
    return out


def merge_args(*, concat_file: Path, scenes: list[Scene], music: Path | None, music_channels: int,
               params: MergeParams, output: Path) -> list[str]:
    """ffmpeg arguments: video copied from the concat list, narration rebuilt per scene, music mixed in."""
    total = sum(scene.duration for scene in scenes)
    total_samples = samples_for(total)
    args = ["-f", "concat", "-safe", "0", "-i", str(concat_file)]
    n_inputs = 1
    graph: list[str] = []
    labels: list[str] = []
    start = 0.0
    for index, scene in enumerate(scenes):
        # Sample counts from the cumulative times, so the sum over scenes is exactly total_samples.
        samples = samples_for(start + scene.duration) - samples_for(start)
        start += scene.duration
        label = f"[n{index}]"
        if scene.audio_channels:
            args += ["-i", str(scene.path)]
            graph.append(f"[{n_inputs}:a]{to_stereo_48k(scene.audio_channels)},{exact_length(samples)}{label}")
            n_inputs += 1
        else:
            graph.append(f"anullsrc=r=48000:cl=stereo,atrim=end_sample={samples}{label}")
        labels.append(label)
    graph.append(f"{''.join(labels)}concat=n={len(labels)}:v=0:a=1[voice]")
    if music is not None:
        args += ["-stream_loop", "-1", "-i", str(music)]
        chain = [to_stereo_48k(music_channels), f"atrim=end_sample={total_samples}",
                 f"volume={params.music_volume_db:g}dB",
                 *_fade_filters(total, params.music_fade_in, params.music_fade_out)]
        graph.append(f"[{n_inputs}:a]{','.join(chain)}[music]")
        graph.append("[voice][music]amix=inputs=2:duration=first:dropout_transition=0:normalize=0[mix]")
        graph.append(f"[mix]{exact_length(total_samples)}[a]")
    else:
        graph.append(f"[voice]{exact_length(total_samples)}[a]")
    return [
        *args,
        "-filter_complex", ";".join(graph),
        "-map", "0:v:0", "-map", "[a]",
        "-c:v", "copy", *audio_encoder_args(),
        "-movflags", "+faststart",
        "-t", f"{total:.6f}",
        str(output),
    ]


class Merge(NodeType):
    name = "merge"
    doc = "Join scenes end to end (no video re-encode), lay music under the narration, write one SRT."
    version = "1"
    params = MergeParams
    inputs = {
        "scenes": Port("video", "The scene videos in order (from render nodes).", many=True),
        "captions": Port("captions", "One caption track per scene, same order, for the SRT.", many=True,
                         optional=True),
        "music": Port("audio", "Background music (any format ffmpeg decodes); looped to length.",
                      optional=True),
    }
    outputs = {
        "video": Port("video", "The whole video: H.264 + AAC 48 kHz stereo MP4.", suffix=".mp4"),
        "srt": Port("subtitles", "Captions of all scenes at their place in the video (empty if none).",
                    suffix=".srt"),
    }
    resources = Resources(cpu=1, ffmpeg=1)

    def tools(self, params: MergeParams) -> dict[str, str]:
        return {"ffmpeg": ffmpeg_fingerprint()}

    def check(self, params: MergeParams, inputs: dict[str, InputValue]) -> list[NodeInputError]:
        music = inputs.get("music")
        if not isinstance(music, Path) or not music.is_file():
            return []
        try:
            _music_info(music)
        except NodeInputError as exc:
            return [exc]
        return []

    def run(self, ctx: RunContext, params: MergeParams, inputs: dict[str, InputValue]) -> None:
        scene_paths = inputs["scenes"]
        assert isinstance(scene_paths, list)
        if not scene_paths:
            raise NodeInputError("merge needs at least one scene", field="scenes",
                                 hint="list the rendered scene videos under `scenes`")
        scenes = [Scene.read(path) for path in scene_paths]
        _check_compatible(scenes)
        tracks = _load_tracks(inputs.get("captions"), len(scenes))

        music = inputs.get("music")
        music_channels = 0
        if isinstance(music, Path):
            music_audio = _music_info(music).audio
            assert music_audio is not None
            music_channels = music_audio.channels

        concat_file = ctx.work_dir / "scenes.ffconcat"
        concat_file.write_text(concat_list(scenes), encoding="utf-8")
        total = sum(scene.duration for scene in scenes)
        args = merge_args(concat_file=concat_file, scenes=scenes,
                          music=music if isinstance(music, Path) else None, music_channels=music_channels,
                          params=params, output=ctx.output("video"))
        run_ffmpeg(args, progress=ctx.progress, expected_duration=total, cancel=ctx.cancelled,
                   exe=ffmpeg_exe())

        offsets, start = [], 0.0
        for scene in scenes:
            offsets.append(start)
            start += scene.duration
        if tracks:
            write_srt(concat_tracks(tracks, offsets, duration=total), ctx.output("srt"))
        else:
            ctx.output("srt").write_text("", encoding="utf-8")
        ctx.progress(1.0, f"{len(scenes)} scenes, {total:.2f} s")


def _check_compatible(scenes: list[Scene]) -> None:
    """Stream copy needs every scene in the same format; say which one differs."""
    first = scenes[0].video
    reference = (first.codec, first.width, first.height, first.fps, first.pix_fmt)
    for scene in scenes[1:]:
        video = scene.video
        found = (video.codec, video.width, video.height, video.fps, video.pix_fmt)
        if found != reference:
            raise NodeInputError(
                f"scene {scene.path.name} is {video.codec} {video.width}x{video.height} @ {video.fps} fps "
                f"{video.pix_fmt}, but the first scene is {first.codec} {first.width}x{first.height} @ "
                f"{first.fps} fps {first.pix_fmt}", field="scenes",
                hint="render every scene with the same width, height and fps")
    for scene in scenes:
        if scene.duration <= 0:
            raise NodeInputError(f"scene {scene.path.name} is empty", field="scenes")


def _load_tracks(paths: InputValue, n_scenes: int) -> list[CaptionTrack]:
    if not paths:
        return []
    assert isinstance(paths, list)
    if len(paths) != n_scenes:
        raise NodeInputError(f"{len(paths)} caption tracks for {n_scenes} scenes", field="captions",
                             hint="give one caption track per scene, in the same order, or none")
    tracks = []
    for path in paths:
        try:
            tracks.append(CaptionTrack.load(path))
        except (OSError, ValidationError, ValueError) as exc:
            raise NodeInputError(f"{path.name} is not a caption track: {str(exc).splitlines()[0]}",
                                 field="captions",
                                 hint="connect the `captions` outputs of captions nodes") from exc
    return tracks


def _music_info(path: Path) -> MediaInfo:
    info = probe(path, field="music")
    if info.audio is None:
        raise NodeInputError(f"music {path.name} has no audio track", field="music", hint=MUSIC_HINT)
    duration = info.audio.duration if info.audio.duration is not None else info.duration
    if duration is not None and duration <= 0.01:
        raise NodeInputError(f"music {path.name} is empty", field="music", hint=MUSIC_HINT)
    return info
