"""WebVTT output, and hostile text in both sidecar formats read back by ffmpeg's own parsers."""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest

from nodes.captions.srt import WORD_JOINER, write_srt
from nodes.captions.vtt import escape_vtt, to_vtt, vtt_time, write_vtt
from nodes.formats import CaptionTrack, Segment

HOSTILE = [
    r"{\an8}top",
    "<i>it</i> <font color=red>red</font> <b>",
    r"a\Nb\nc\hd back\slash",
    "00:00:01,000 --> 00:00:09,000",
    "00:00:01.000 --> 00:00:09.000 line:0",
    "%{pts} {Y:i}x {",
    "\"quotes\" 'single': colon, comma; semi & &amp; &lt;",
    "new\nline\r\nagain",
    "emoji 😀 שלום مرحبا 日本語",
]


def hostile_track() -> CaptionTrack:
    return CaptionTrack(duration=3, segments=[Segment(start=0, end=1, lines=HOSTILE),
                                              Segment(start=1, end=2.0004, lines=["next"])])


def test_vtt_time_rounds_to_the_nearest_millisecond() -> None:
    assert vtt_time(0) == "00:00:00.000"
    assert vtt_time(1.0006) == "00:00:01.001"
    assert vtt_time(2.9999) == "00:00:03.000"
    assert vtt_time(3723.4567) == "01:02:03.457"


def test_to_vtt_layout() -> None:
    track = CaptionTrack(duration=5, segments=[
        Segment(start=0.0, end=1.5, lines=["Hello there,", "friend."]),
        Segment(start=1.5, end=2.25, lines=["", "  "]),
        Segment(start=2.25, end=3.0, lines=["Bye!"]),
    ])
    assert to_vtt(track) == (
        "WEBVTT\n\n"
        "1\n00:00:00.000 --> 00:00:01.500\nHello there,\nfriend.\n\n"
        "2\n00:00:02.250 --> 00:00:03.000\nBye!\n"
    )
    assert to_vtt(CaptionTrack(duration=1, segments=[])) == "WEBVTT\n"


def test_escape_vtt() -> None:
    assert escape_vtt("a & b <c> -->") == "a &amp; b &lt;c&gt; --&gt;"
    assert escape_vtt("x\n\ny\u2028z\x00w") == "x y z w"
    assert escape_vtt("{\\an8} 日本 😀") == "{\\an8} 日本 😀"


def test_hostile_vtt_keeps_its_structure(tmp_path: Path) -> None:
    path = tmp_path / "a.vtt"
    write_vtt(hostile_track(), path)
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    assert blocks[0] == "WEBVTT" and len(blocks) == 3
    cue = blocks[1].split("\n")
    assert cue[:2] == ["1", "00:00:00.000 --> 00:00:01.000"] and len(cue) == 2 + len(HOSTILE)
    assert all("<" not in line and ">" not in line for line in cue[2:])
    assert "-->" not in blocks[1].split("\n", 2)[2]


def ffmpeg_dialogues(path: Path, tmp_path: Path) -> list[str]:
    """The caption texts ffmpeg's own parser finds in ``path`` (converted to ASS)."""
    out = tmp_path / (path.name + ".ass")
    argv = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
            "-i", str(path), str(out)]
    result = subprocess.run(argv, capture_output=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]
    return [line.split(",", 9)[9] for line in out.read_text(encoding="utf-8").splitlines()
            if line.startswith("Dialogue:")]


@pytest.mark.parametrize(("suffix", "writer"), [("srt", write_srt), ("vtt", write_vtt)])
def test_players_see_hostile_text_literally(tmp_path: Path, suffix: str, writer: object) -> None:
    path = tmp_path / f"we'ird, dir.{suffix}"
    writer(hostile_track(), path)  # type: ignore[operator]
    texts = ffmpeg_dialogues(path, tmp_path)
    assert len(texts) == 2 and texts[1] == "next"  # no cue was split off or swallowed
    first = texts[0]
    # No override block came out of the text: no italics, colours or \an8 repositioning.
    assert "{\\" not in first
    assert first.count("\\N") == len(HOSTILE) - 1  # only the real line breaks
    shown = first.replace(WORD_JOINER, "").replace("\\{", "{").replace("\\}", "}")  # as libass draws it
    for needle in ("<i>it</i>", "an8}top", "%", "pts}", "--> 00:00:09", "&amp;", "😀", "שלום", "日本語", "new line"):
        assert needle in shown, needle
