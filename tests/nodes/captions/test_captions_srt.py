"""SRT output: format, millisecond rounding, structure-safe text; shifting and joining scene tracks."""

from __future__ import annotations

from pathlib import Path

import pytest

from nodes.captions.srt import concat, shift, srt_time, to_srt, write_srt
from nodes.formats import CaptionTrack, Segment, Word


def test_srt_time_rounds_to_the_nearest_millisecond() -> None:
    assert srt_time(0) == "00:00:00,000"
    assert srt_time(1.0006) == "00:00:01,001"  # rounded, not truncated
    assert srt_time(1.0004) == "00:00:01,000"
    assert srt_time(2.9999) == "00:00:03,000"
    assert srt_time(3723.4567) == "01:02:03,457"
    assert srt_time(1.005) == "00:00:01,005"


def test_to_srt_numbers_cues_and_joins_lines() -> None:
    track = CaptionTrack(duration=5, segments=[
        Segment(start=0.0, end=1.5, lines=["Hello there,", "friend."]),
        Segment(start=1.5, end=2.25, lines=["Bye!"]),
    ])
    assert to_srt(track) == (
        "1\n00:00:00,000 --> 00:00:01,500\nHello there,\nfriend.\n\n"
        "2\n00:00:01,500 --> 00:00:02,250\nBye!\n"
    )


def test_line_breaks_inside_text_cannot_break_the_cue_structure() -> None:
    track = CaptionTrack(duration=5, segments=[
        Segment(start=0, end=1, lines=["a\n\n2\n00:00:00,000 --> 00:00:09,000", "", "b\r\nc"]),
        Segment(start=1, end=2, lines=["", "  "]),
        Segment(start=2, end=3, lines=["next"]),
    ])
    blocks = to_srt(track).split("\n\n")
    assert len(blocks) == 2
    assert blocks[0].splitlines() == ["1", "00:00:00,000 --> 00:00:01,000",
                                      "a 2 00:00:00,000 --\u2060> 00:00:09,000", "b c"]
    assert blocks[1].splitlines()[0] == "2"


def test_write_srt_is_utf8(tmp_path: Path) -> None:
    track = CaptionTrack(duration=1, segments=[Segment(start=0, end=1, lines=["日本語 😀 שלום"])])
    write_srt(track, tmp_path / "a.srt")
    assert "日本語 😀 שלום" in (tmp_path / "a.srt").read_text(encoding="utf-8")
    write_srt(CaptionTrack(duration=1, segments=[]), tmp_path / "empty.srt")
    assert (tmp_path / "empty.srt").read_text() == ""


def test_shift_moves_segments_and_words() -> None:
    track = CaptionTrack(duration=2, segments=[
        Segment(start=0.5, end=1.0, lines=["hi"], words=[Word(text="hi", start=0.5, end=0.9)])])
    moved = shift(track, 10.0)
    assert moved.duration == 12.0
    assert (moved.segments[0].start, moved.segments[0].end) == (10.5, 11.0)
    assert (moved.segments[0].words[0].start, moved.segments[0].words[0].end) == (10.5, 10.9)
    assert track.segments[0].start == 0.5  # the original is untouched
    with pytest.raises(ValueError):
        shift(track, -1)


def test_concat_places_scenes_and_cuts_overlaps_from_transitions() -> None:
    a = CaptionTrack(duration=3, segments=[Segment(start=0, end=1, lines=["a1"]),
                                           Segment(start=1, end=3, lines=["a2"])])
    b = CaptionTrack(duration=2, segments=[Segment(start=0, end=2, lines=["b1"])])
    joined = concat([a, b], [0.0, 2.5])  # a 0.5 s crossfade
    assert [(s.lines[0], s.start, s.end) for s in joined.segments] == [
        ("a1", 0, 1), ("a2", 1, 2.5), ("b1", 2.5, 4.5)]
    assert joined.duration == 4.5
    assert concat([a], [1.0], duration=10).duration == 10
    with pytest.raises(ValueError):
        concat([a, b], [0.0])


def burn_srt(tmp_path: Path, text: str) -> tuple[int, int, int, int] | None:
    """Burn one cue through ffmpeg's own SRT reader and libass; the bounding box (top, bottom, left, right)
    of the drawn text, or None when nothing is drawn."""
    import subprocess

    import imageio_ffmpeg
    import numpy as np

    from nodes.captions.font import fonts_dir
    from nodes.media.ffmpeg import escape_filter_value

    path = tmp_path / "c.srt"
    write_srt(CaptionTrack(duration=2, segments=[Segment(start=0, end=2, lines=[text])]), path)
    vf = f"subtitles=filename={escape_filter_value(str(path))}:fontsdir={escape_filter_value(str(fonts_dir()))}"
    argv = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-f", "lavfi",
            "-i", "color=c=black:s=320x180:d=1", "-vf", vf, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt",
            "gray", "-"]
    result = subprocess.run(argv, capture_output=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]
    frame = np.frombuffer(result.stdout, np.uint8).reshape(180, 320) > 128
    rows, cols = np.flatnonzero(frame.any(axis=1)), np.flatnonzero(frame.any(axis=0))
    return (int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])) if rows.size else None


def test_braces_survive_libass_reading_the_srt(tmp_path: Path) -> None:
    """libass's SRT path (ffmpeg's reader, then libass) hid "{...}" as an override block; the escaped
    braces and what is between them are drawn, at the bottom."""
    plain = burn_srt(tmp_path, "X")
    assert plain is not None
    for text in ("{X}", "{\\an8}X", "a {b} c"):
        box = burn_srt(tmp_path, text)
        assert box is not None, text
        assert box[0] > 90, text  # still at the bottom: {\an8} did not move it
        assert box[3] - box[2] > 2 * (plain[3] - plain[2]), text  # more than the X: the braces are drawn
