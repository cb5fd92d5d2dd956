"""The ``merge`` node: scenes joined with cuts or transitions, the final mix, and captions for the whole video.

Video: when every boundary is a cut the scenes are joined without re-encoding (concat demuxer, stream
copy): the render node made every scene with the same codec settings, so this is fast and loses nothing.
A crossfade, fade through black or slide needs new pixels, so then the scenes are decoded, joined with
ffmpeg's ``xfade`` (``concat`` at the cuts between them) and encoded once with the project's encoder
policy. Times are whole frames. A transition never takes speech away: for a transition of D seconds
(round(D * fps) frames) the scene before it holds its last picture, in silence, for those frames, and
the scene after it holds its first picture for as long before it starts; the transition plays over
the two held pictures. So every narration is heard whole, never two at once, and the video is the sum
of the scenes plus one transition's length per transition.

Audio is rebuilt in numpy (``nodes.audio``): each scene's sound cut to exactly its video length in
samples, levelled, crossfaded where the video crossfades, the music bed ducked under it, and the sum
normalised to the loudness target; ffmpeg only encodes the result to AAC, in chunks on every core the
node has (``nodes.media.aac``), and the join copies it in. Every length is a sample or frame count fixed
before ffmpeg runs, so nothing can make an endless encode.

Captions: the scene tracks are placed where each scene's own sound starts in the joined video and written
as SRT, WebVTT and ASS. With ``burn_captions`` (the scene list sets it when a recipe has transitions, and
then the renders burn nothing) they are also burned in after the join, on that speech timeline: no
caption is drawn during a transition, so two scenes' captions never cross-fade over each other or slide
off the frame with the picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nodes.captions.ass import CaptionStyle, burn_filter, font_problems, glyph_notice, write_node_ass
from nodes.captions.srt import concat as concat_tracks
from nodes.captions.srt import write_srt
from nodes.captions.vtt import write_vtt
from nodes.formats import CaptionTrack
from nodes.media.encoder import (
    DEFAULT_QUALITY,
    audio_encoder_args,
    choose_video_encoder,
    encode_with_fallback,
    video_encoder_args,
)
from nodes.media.ffmpeg import ProgressFn, ffmpeg_exe, run_ffmpeg
from nodes.media.filters import samples_for
from nodes.media.probe import MediaInfo, VideoInfo, probe
from pipeline.node import CheckValue, InputValue, NodeInputError, NodeType, Params, Pending, Port, Resources, RunContext

if TYPE_CHECKING:
    import numpy as np

    from nodes.media.aac import AacTrack

MUSIC_HINT = "use a music file ffmpeg can decode (OGG, MP3, WAV, FLAC, M4A) with an audio track"

# Share of the progress bar taken by the audio work; the ffmpeg join/encode takes the rest.
AUDIO_SHARE = 0.3
MAX_VIDEO_SECONDS = 24 * 3600.0  # the most max_seconds may allow

TransitionType = Literal["cut", "crossfade", "fade", "slide"]
Direction = Literal["left", "right", "up", "down"]


class Transition(BaseModel):
    """How one scene turns into the next. ``fade`` goes through black; ``slide`` pushes the next scene in
    from the side opposite ``direction`` (``left``: it enters from the right, moving left)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: TransitionType = "cut"
    duration: float = Field(0.5, gt=0, le=10, description="Seconds the transition lasts, over the held last "
                            "and first pictures of the two scenes (not for cut).")
    direction: Direction = Field("left", description="For slide: where the new scene moves to.")


class MergeParams(Params):
    max_seconds: float = Field(4 * 3600.0, gt=0, le=MAX_VIDEO_SECONDS, description="Refuse videos longer than "
                               "this.")
    music_volume_db: float = Field(-18.0, ge=-60.0, le=12.0, description="Music gain relative to the file "
                                   "as-is, dB (before ducking and the final loudness gain).")
    music_fade_in: float = Field(1.0, ge=0.0, le=60.0, description="Seconds of music fade-in at the start.")
    music_fade_out: float = Field(2.0, ge=0.0, le=60.0, description="Seconds of music fade-out at the end.")
    music_loop: bool = Field(True, description="Loop music shorter than the video (else silence after it).")
    music_duck: bool = Field(True, description="Lower the music while the narration speaks.")
    music_duck_depth_db: float = Field(12.0, ge=0.0, le=60.0, description="How far the music goes down "
                                       "under speech, dB.")
    music_duck_attack_ms: float = Field(80.0, ge=1.0, le=5000.0, description="Ramp down before speech, ms.")
    music_duck_release_ms: float = Field(400.0, ge=1.0, le=10000.0, description="Ramp back up after "
                                         "speech, ms.")
    loudness_lufs: float = Field(-14.0, ge=-40.0, le=-5.0, description="Integrated loudness of the "
                                 "final mix, LUFS (EBU R128).")
    true_peak_db: float = Field(-1.0, ge=-12.0, le=0.0, description="Ceiling for the mix's true peak, dBTP.")
    transition: Transition = Field(Transition(), description="Transition at every boundary (default cut).")
    burn_captions: bool = Field(False, description="Burn the captions in after the join, on the speech "
                                "timeline (for scenes rendered without them; re-encodes even at cuts).")
    transitions: list[Transition | None] | None = Field(
        None, description="Per boundary (scene i into scene i+1): a transition, or null for `transition`.")
    caption_style: CaptionStyle = Field(CaptionStyle(), description="Look of the ASS caption file.")
    caption_scenes: list[Annotated[int, Field(ge=0)]] | None = Field(
        None, description="Which scene (0-based) each caption track belongs to, when not every scene has "
                          "captions (a music-only scene); default: one track per scene, in order.")
    quality: int = Field(DEFAULT_QUALITY, ge=0, le=51, description="Video quality (x264 CRF scale) when "
                         "transitions make the merge re-encode; cuts alone copy the scenes as they are.")
    preview: bool = Field(False, description="Fastest encoder preset for a quick look.")


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

    def frames(self, fps: Fraction) -> int:
        """Frame count: from the container index, else from the duration."""
        return self.video.frames or max(1, round(self.duration * fps))

    def decode_delay(self) -> Fraction | None:
        """How far its first video packet is decoded before it is shown (x264's B-frame delay: none for
        a scene of one or two frames, two frames for longer ones at the project's settings)."""
        import av

        with av.open(str(self.path)) as container:
            stream = container.streams.video[0]
            for packet in container.demux(stream):
                if packet.pts is None or packet.dts is None or stream.time_base is None:
                    return None
                return Fraction(packet.pts - packet.dts) * stream.time_base
        return None


def same_decode_delay(scenes: list[Scene]) -> bool:
    """True when the scenes' packets can be copied one after another: the same decode delay in each.
    Copied after a scene with a delay, one without it makes the decode timestamps jump (irregular frame
    durations; a frame rate of 357/53 for 7 fps scenes of one and two frames), so the merge re-encodes."""
    return len({scene.decode_delay() for scene in scenes}) == 1


@dataclass(frozen=True)
class Boundary:
    """A resolved transition: its type, ffmpeg xfade name and overlap in frames (0 for a cut)."""

    type: TransitionType
    frames: int
    direction: Direction = "left"

    @property
    def xfade(self) -> str:
        if self.type == "crossfade":
            return "fade"
        if self.type == "fade":
            return "fadeblack"
        return f"slide{self.direction}"


@dataclass(frozen=True)
class Timeline:
    """Where each scene sits in the joined video, in frames: its own frames, the frames its first picture is
    held before them (``heads``) and its last picture after them (``tails``), and where that padded scene
    starts."""

    fps: Fraction
    frames: list[int]
    boundaries: list[Boundary]
    starts: list[int]
    heads: list[int]
    tails: list[int]

    def padded(self, index: int) -> int:
        return self.heads[index] + self.frames[index] + self.tails[index]

    @property
    def total_frames(self) -> int:
        return self.starts[-1] + self.padded(len(self.frames) - 1)

    @property
    def total(self) -> float:
        return float(self.total_frames / self.fps)

    @property
    def all_cuts(self) -> bool:
        return all(b.type == "cut" for b in self.boundaries)

    def start_seconds(self, index: int) -> float:
        """Where scene ``index``'s own picture and sound begin (after its held first picture)."""
        return float((self.starts[index] + self.heads[index]) / self.fps)

    def sample_spans(self) -> tuple[list[int], list[int]]:
        """Each padded scene's length in audio samples and each boundary's overlap, from the frame times, so
        the sound is exactly as long as the picture and follows it through every transition."""
        begin = [samples_for(float(s / self.fps)) for s in self.starts]
        end = [samples_for(float((s + self.padded(i)) / self.fps)) for i, s in enumerate(self.starts)]
        lengths = [e - b for b, e in zip(begin, end, strict=True)]
        overlaps = [end[i] - begin[i + 1] for i in range(len(self.starts) - 1)]
        return lengths, overlaps

    def held_samples(self, index: int) -> tuple[int, int]:
        """Samples of silence before and after scene ``index``'s own sound (its held pictures)."""
        start = self.starts[index]
        own_begin = samples_for(float((start + self.heads[index]) / self.fps))
        own_end = samples_for(float((start + self.heads[index] + self.frames[index]) / self.fps))
        return (own_begin - samples_for(float(start / self.fps)),
                samples_for(float((start + self.padded(index)) / self.fps)) - own_end)


def resolve_transitions(params: MergeParams, n_scenes: int) -> list[Transition]:
    """One transition per boundary: the per-boundary entry, or the default where it is null."""
    n = max(0, n_scenes - 1)
    if params.transitions is None:
        return [params.transition] * n
    if len(params.transitions) != n:
        raise NodeInputError(f"{len(params.transitions)} transitions for {n} scene boundaries",
                             field="transitions",
                             hint=f"give one entry per boundary ({n}), null where the default applies")
    return [t if t is not None else params.transition for t in params.transitions]


def plan_timeline(frames: list[int], fps: Fraction, transitions: list[Transition]) -> Timeline:
    """Frame positions of the scenes. A transition of N frames holds the last picture of the scene before it
    and the first picture of the scene after it for N frames each, and overlaps those held frames, so it
    takes no frame (and no sound) of either scene's own."""
    boundaries: list[Boundary] = []
    for transition in transitions:
        if transition.type == "cut":
            boundaries.append(Boundary("cut", 0))
        else:
            boundaries.append(Boundary(transition.type, max(1, round(transition.duration * fps)),
                                       transition.direction))
    n = len(frames)
    heads = [0] + [b.frames for b in boundaries]
    tails = [b.frames for b in boundaries] + [0]
    starts = [0]
    for index, boundary in enumerate(boundaries):
        starts.append(starts[-1] + heads[index] + frames[index] + tails[index] - boundary.frames)
    assert len(starts) == n
    return Timeline(fps, frames, boundaries, starts, heads, tails)


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


def copy_args(*, concat_file: Path, audio: AacTrack, total: float, output: Path) -> list[str]:
    """ffmpeg arguments for the cut-only join: video packets and the encoded mix copied.

    ``-copyts`` keeps the timestamps as the inputs give them. Without it ffmpeg shifts every stream of
    the concat input by that input's start time, which is the scenes' AAC priming (their sound starts one
    AAC frame before zero, behind an edit list), so the picture began 21 ms after the sound."""
    return [
        "-copyts",
        "-f", "concat", "-safe", "0", "-i", str(concat_file),
        *audio.input_args(),
        "-map", "0:v:0", "-map", "1:a:0",
        "-c:v", "copy", *audio.copy_args(),
        "-movflags", "+faststart",
        "-t", f"{total:.6f}",
        str(output),
    ]


def transition_graph(timeline: Timeline, subtitles: str | None = None) -> str:
    """The filter graph joining inputs 0..n-1 into ``[v]``: each scene's held pictures added (``tpad``),
    xfade at transitions, concat at cuts, then the captions burned in (``subtitles``: a filter)."""
    tb = f"{timeline.fps.denominator}/{timeline.fps.numerator}"
    graph = []
    for i in range(len(timeline.frames)):
        hold = ""
        if timeline.heads[i] or timeline.tails[i]:
            hold = (f",tpad=start={timeline.heads[i]}:stop={timeline.tails[i]}"
                    ":start_mode=clone:stop_mode=clone")
        graph.append(f"[{i}:v]setpts=PTS-STARTPTS,settb={tb}{hold}[s{i}]")
    current = "[s0]"
    for index, boundary in enumerate(timeline.boundaries):
        following = f"[s{index + 1}]"
        label = f"[j{index}]"
        if boundary.type == "cut":
            graph.append(f"{current}{following}concat=n=2:v=1:a=0{label}")
        else:
            offset = float(timeline.starts[index + 1] / timeline.fps)
            duration = float(boundary.frames / timeline.fps)
            graph.append(f"{current}{following}xfade=transition={boundary.xfade}:duration={duration:.6f}"
                         f":offset={offset:.6f}{label}")
        current = label
    burn = f",{subtitles}" if subtitles else ""
    graph.append(f"{current}format=yuv420p{burn}[v]")
    return ";".join(graph)


def encode_args(*, scenes: list[Scene], timeline: Timeline, audio: Path, encoder_args: list[str],
                output: Path, subtitles: str | None = None) -> list[str]:
    """ffmpeg arguments for a join with transitions: every scene decoded, joined, encoded once."""
    inputs: list[str] = []
    for scene in scenes:
        inputs += ["-i", str(scene.path)]
    n = len(scenes)
    return [
        *inputs, "-i", str(audio),
        "-filter_complex", transition_graph(timeline, subtitles),
        "-map", "[v]", "-map", f"{n}:a:0",
        *encoder_args, *audio_encoder_args(),
        "-frames:v", str(timeline.total_frames),
        str(output),
    ]


def _uses_encoder(params: MergeParams) -> bool:
    if params.burn_captions:
        return True
    candidates = [params.transition, *(params.transitions or [])]
    return any(t is not None and t.type != "cut" for t in candidates)


class Merge(NodeType):
    name = "merge"
    doc = ("Join scenes (stream copy at cuts; crossfade, fade or slide transitions), mix the narration with "
           "ducked music at a loudness target, write SRT, WebVTT and ASS captions.")
    # 6: one AAC encode (no chunks), limiter without fast-math; picture and sound start together,
    # loudness on target, transitions over held pictures;
    # the caption files written by the new caption packing
    version = "8"
    params = MergeParams
    inputs = {
        "scenes": Port("video", "The scene videos in order (from render nodes).", many=True),
        "captions": Port("captions", "One caption track per scene, same order, for the subtitle files.",
                         many=True, optional=True),
        "music": Port("audio", "Background music (any format ffmpeg decodes); looped to length.",
                      optional=True),
    }
    outputs = {
        "video": Port("video", "The whole video: H.264 + AAC 48 kHz stereo MP4.", suffix=".mp4"),
        # Optional: with no caption at all (recordings nobody could transcribe) the files are empty and not
        # published; players reject an empty subtitle file.
        "srt": Port("subtitles", "Captions of all scenes at their place in the video (empty if none).",
                    suffix=".srt", optional=True),
        "vtt": Port("subtitles-vtt", "The same captions as WebVTT (empty if none).", suffix=".vtt",
                    optional=True),
        "ass": Port("subtitles-ass", "The same captions as styled ASS for the video's size (empty if none).",
                    suffix=".ass", optional=True),
    }
    # The AAC encode of a cut-only merge runs in fixed 30 s chunks, up to eight at once (nodes/media/aac.py):
    # a 10-minute video's 20 chunks take 3 rounds instead of 5 on a many-core machine, where the merge runs
    # after every scene. The slots are capped at the machine's, so two cores give two.
    resources = Resources(cpu=8, ffmpeg=2)

    def tools(self, params: MergeParams) -> dict[str, str | Path]:
        exe = ffmpeg_exe()
        found: dict[str, str | Path] = {"ffmpeg": Path(exe)}  # a Path: hashed once by the engine
        if _uses_encoder(params):
            found["video_encoder"] = choose_video_encoder(exe)
        return found

    def warm_up(self) -> None:
        from nodes.audio.mix import load_kernels

        load_kernels()

    def check(self, params: MergeParams, inputs: dict[str, CheckValue]) -> list[NodeInputError]:
        errors = font_problems(params.caption_style)
        music = inputs.get("music")
        if isinstance(music, Path) and music.is_file():
            try:
                _music_info(music)
            except NodeInputError as exc:
                errors.append(exc)
        scenes = inputs.get("scenes")
        if isinstance(scenes, list):
            errors.extend(_scene_list_problems(params, scenes, inputs.get("captions")))
        return errors

    def run(self, ctx: RunContext, params: MergeParams, inputs: dict[str, InputValue]) -> None:
        scene_paths = inputs["scenes"]
        assert isinstance(scene_paths, list)
        if not scene_paths:
            raise _no_scenes()
        scenes = [Scene.read(path) for path in scene_paths]
        _check_compatible(scenes)
        tracks = _load_tracks(inputs.get("captions"), len(scenes), params.caption_scenes)
        music = inputs.get("music")
        if isinstance(music, Path):
            _music_info(music)

        fps = scenes[0].video.fps
        assert fps is not None  # _check_compatible refuses scenes without a frame rate
        timeline = plan_timeline([scene.frames(fps) for scene in scenes], fps,
                                 resolve_transitions(params, len(scenes)))
        if timeline.total > params.max_seconds:
            raise _too_long(params, timeline.total)
        # Captions first: they are cheap, and a bad caption style then fails before any encoding.
        subtitles = self._captions(ctx, params, tracks, timeline, scenes[0].video)
        copy = timeline.all_cuts and subtitles is None and same_decode_delay(scenes)

        samples = self._mix(ctx, params, scenes, timeline, music if isinstance(music, Path) else None)

        def video_progress(fraction: float | None, message: str) -> None:
            ctx.progress(None if fraction is None else AUDIO_SHARE + (1 - AUDIO_SHARE) * fraction, message)

        if copy:
            from nodes.media.aac import encode_aac

            exe = ffmpeg_exe()
            track = encode_aac(samples, ctx.work_dir / "mix.aac", exe=exe, cancel=ctx.cancelled,
                               workers=ctx.threads)
            ctx.progress(AUDIO_SHARE + (1 - AUDIO_SHARE) * 0.8, "joining the scenes")
            concat_file = ctx.work_dir / "scenes.ffconcat"
            concat_file.write_text(concat_list(scenes), encoding="utf-8")
            run_ffmpeg(copy_args(concat_file=concat_file, audio=track, total=timeline.total,
                                 output=ctx.output("video")),
                       cancel=ctx.cancelled, exe=exe, expected_duration=timeline.total)
        else:
            from nodes.audio.pcm import write_wav

            audio_path = ctx.work_dir / "mix.wav"
            write_wav(audio_path, samples)
            self._encode(ctx, params, scenes, timeline, audio_path, video_progress, subtitles)
        kind = "stream copy" if copy else "re-encoded for transitions" if not timeline.all_cuts else \
            "re-encoded for the captions" if subtitles is not None else "re-encoded: scenes of one or two frames"
        ctx.progress(1.0, f"{len(scenes)} scenes, {timeline.total:.2f} s ({kind})")

    def _mix(self, ctx: RunContext, params: MergeParams, scenes: list[Scene], timeline: Timeline,
             music: Path | None) -> np.ndarray:
        import numpy as np

        from nodes.audio.mix import MusicSettings, mix
        from nodes.audio.pcm import fit_length, read_audio, silence

        lengths, overlaps = timeline.sample_spans()
        parts = []
        for index, (scene, length) in enumerate(zip(scenes, lengths, strict=True)):
            before, after = timeline.held_samples(index)
            own = length - before - after
            if scene.audio_channels:
                sound = fit_length(read_audio(scene.path, field="scenes", max_samples=own), own)
            else:
                sound = silence(own)
            if before or after:  # the held pictures are silent: speech is never under a transition
                sound = np.concatenate([silence(before), sound, silence(after)], axis=1)
            parts.append(sound)
        music_samples = None
        if music is not None:
            music_samples = read_audio(music, field="music", max_samples=sum(lengths) - sum(overlaps))
            if music_samples.shape[1] == 0:
                raise NodeInputError(f"music {music.name} holds no audio that decodes", field="music",
                                     hint=MUSIC_HINT)
        settings = MusicSettings(
            volume_db=params.music_volume_db, fade_in=params.music_fade_in, fade_out=params.music_fade_out,
            loop=params.music_loop, duck=params.music_duck, duck_depth_db=params.music_duck_depth_db,
            duck_attack_ms=params.music_duck_attack_ms, duck_release_ms=params.music_duck_release_ms)
        samples, report = mix(parts, overlaps, music_samples, settings=settings,
                              target_lufs=params.loudness_lufs, true_peak_db=params.true_peak_db,
                              workers=ctx.threads,
                              progress=lambda f, m: ctx.progress(None if f is None else f * AUDIO_SHARE, m))
        ctx.progress(AUDIO_SHARE, f"mix at {report.loudness:.1f} LUFS")
        if not report.target_reached:
            ctx.warning(f"the mix reaches {report.loudness:.1f} LUFS, not the {params.loudness_lufs:g} LUFS "
                        f"target: louder, its peaks would pass the {params.true_peak_db:g} dBTP ceiling; "
                        "lower the loudness target or raise true_peak_db (loudness: {target_lufs: ..., "
                        "true_peak_db: ...} in the recipe)")
        return samples

    def _encode(self, ctx: RunContext, params: MergeParams, scenes: list[Scene], timeline: Timeline,
                audio: Path, progress: ProgressFn, subtitles: str | None) -> None:
        exe = ffmpeg_exe()

        def encode(encoder: str) -> None:
            encoder_args = video_encoder_args(encoder, quality=params.quality, threads=ctx.threads,
                                              preview=params.preview)
            run_ffmpeg(encode_args(scenes=scenes, timeline=timeline, audio=audio, encoder_args=encoder_args,
                                   output=ctx.output("video"), subtitles=subtitles),
                       progress=progress, expected_duration=timeline.total, cancel=ctx.cancelled, exe=exe)

        encode_with_fallback(encode, ffmpeg=exe, warn=ctx.warning, cancelled=ctx.cancelled)

    def _captions(self, ctx: RunContext, params: MergeParams, tracks: list[CaptionTrack], timeline: Timeline,
                  video: VideoInfo) -> str | None:
        """Write the caption files; return the filter burning them in when ``burn_captions`` asks for it and
        there is something to show."""
        offsets = [timeline.start_seconds(i) for i in range(len(timeline.frames))]
        if tracks:
            track = concat_tracks(tracks, offsets, duration=timeline.total)
        else:
            track = CaptionTrack(duration=timeline.total, segments=[])
        style = params.caption_style
        if not track.segments:
            for port in ("srt", "vtt", "ass"):
                ctx.output(port).write_bytes(b"")  # nothing to caption: empty, so not published
            return None
        write_srt(track, ctx.output("srt"))
        write_vtt(track, ctx.output("vtt"))
        font = write_node_ass(track, ctx.output("ass"), style, video.width, video.height)
        if not params.burn_captions:
            return None
        notice = glyph_notice(track, style, font)  # burned here, so said here (the renders burned nothing)
        if notice is not None:
            ctx.warning(notice)
        return burn_filter(ctx.output("ass"), font.fontsdir)


def _no_scenes() -> NodeInputError:
    return NodeInputError("merge needs at least one scene", field="scenes",
                          hint="list the rendered scene videos under `scenes`")


def _too_long(params: MergeParams, seconds: float, *, at_least: bool = False) -> NodeInputError:
    return NodeInputError(f"the video would last {'at least ' if at_least else ''}{seconds:.1f} s, more than "
                          f"the limit of {params.max_seconds:g} s", field="scenes",
                          hint="shorten the scenes, or raise limits: {max_video_seconds: ...} in the recipe")


def _owner_problem(owners: list[int], n_scenes: int) -> str:
    """Why ``caption_scenes`` cannot name the scenes of ``n_scenes`` (empty: it can)."""
    if len(set(owners)) != len(owners):
        return f"caption_scenes {owners} names a scene twice"
    outside = [o for o in owners if o >= n_scenes]
    if outside:
        return f"caption_scenes {owners} names scene {outside[0]}, but there are {n_scenes} (0 to {n_scenes - 1})"
    return ""


def _scene_list_problems(params: MergeParams, scenes: list[Path | Pending],
                         captions: CheckValue) -> list[NodeInputError]:
    """What the scene list, the caption list and the params say against each other before anything runs:
    a scene at all, one transition per boundary, caption tracks that name scenes there are, scenes of
    one size and frame rate, and a video within ``max_seconds`` as far as the scenes' lengths are known
    (a scene with a ``duration`` is; a narrated one is not until its speech exists)."""
    if not scenes:
        return [_no_scenes()]
    errors: list[NodeInputError] = []
    n = len(scenes)
    transitions: list[Transition] | None = None
    try:
        transitions = resolve_transitions(params, n)
    except NodeInputError as exc:
        errors.append(exc)
    owners = params.caption_scenes
    if owners is not None and (why := _owner_problem(owners, n)):
        errors.append(NodeInputError(why, field="caption_scenes",
                                     hint="name each scene with captions once, 0-based, in order"))
    elif isinstance(captions, list) and captions and len(captions) != (n if owners is None else len(owners)):
        errors.append(NodeInputError(f"{len(captions)} caption tracks for "
                                     + (f"{n} scenes" if owners is None else f"scenes {owners}"), field="captions",
                                     hint="give one caption track per scene, in the same order (or name their "
                                          "scenes in caption_scenes)"))
    facts = [scene.facts if isinstance(scene, Pending) else {} for scene in scenes]
    shapes = [(i, (f["width"], f["height"], f["fps"])) for i, f in enumerate(facts)
              if all(k in f for k in ("width", "height", "fps"))]
    for index, shape in shapes[1:]:
        first, reference = shapes[0]
        if shape != reference:
            errors.append(NodeInputError(
                f"scene {index + 1} is {shape[0]}x{shape[1]} @ {shape[2]} fps, but scene {first + 1} is "
                f"{reference[0]}x{reference[1]} @ {reference[2]} fps", field="scenes",
                hint="render every scene with the same width, height and fps"))
            return errors
    if shapes and transitions is not None:
        fps = Fraction(shapes[0][1][2])
        frames = [int(f["frames"]) if "frames" in f else 0 for f in facts]  # unknown: at least nothing
        total = plan_timeline(frames, fps, transitions).total
        if total > params.max_seconds:
            errors.append(_too_long(params, total, at_least=any("frames" not in f for f in facts)))
    return errors


def _check_compatible(scenes: list[Scene]) -> None:
    """Joining needs every scene in the same format; say which one differs."""
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
        if scene.duration <= 0 or not scene.video.fps:
            raise NodeInputError(f"scene {scene.path.name} is empty or has no frame rate", field="scenes",
                                 hint="connect the `video` outputs of render nodes")


def _load_tracks(paths: InputValue, n_scenes: int, owners: list[int] | None = None) -> list[CaptionTrack]:
    """One track per scene; scenes without captions (per ``owners``) get an empty one."""
    if not paths:
        return []
    assert isinstance(paths, list)
    owners = list(range(n_scenes)) if owners is None else owners
    if len(paths) != len(owners) or _owner_problem(owners, n_scenes):
        raise NodeInputError(f"{len(paths)} caption tracks for scenes {owners} of {n_scenes}", field="captions",
                             hint="give one caption track per scene, in the same order (or name their scenes "
                                  "in caption_scenes)")
    tracks = [CaptionTrack(duration=0, segments=[]) for _ in range(n_scenes)]
    for owner, path in zip(owners, paths):
        try:
            tracks[owner] = CaptionTrack.load(path)
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
