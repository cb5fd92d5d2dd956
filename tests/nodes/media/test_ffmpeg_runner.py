"""The ffmpeg runner: argv, escaping (checked against ffmpeg itself), progress, errors, cancellation."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from nodes.media.ffmpeg import escape_filter_value, ffmpeg_command, ffmpeg_exe, run_ffmpeg
from pipeline.node import NodeError

ASS = """[Script Info]
ScriptType: v4.00+
PlayResX: 64
PlayResY: 64

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, \
Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, \
MarginR, MarginV, Encoding
Style: Default,DejaVu Sans,20,&H00FFFFFF,&H00FFFFFF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,1,0,5,0,0,0,1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Dialogue: 0,0:00:00.00,0:00:05.00,Default,,0,0,0,,X
"""


def test_command_has_fixed_safety_flags_and_no_shell() -> None:
    argv = ffmpeg_command(["-i", "in.wav", "out.wav"], exe="/x/ffmpeg")
    assert argv == ["/x/ffmpeg", "-nostdin", "-hide_banner", "-nostats", "-y", "-progress", "pipe:1",
                    "-i", "in.wav", "out.wav"]


@pytest.mark.parametrize(("raw", "escaped"), [
    ("/tmp/plain.ass", "/tmp/plain.ass"),
    ("C:\\subs\\a.ass", "C\\\\:\\\\\\\\subs\\\\\\\\a.ass"),
    ("it's.ass", "it\\\\\\'s.ass"),
    ("a,b;c[d].ass", "a\\,b\\;c\\[d\\].ass"),
    ("k:v", "k\\\\:v"),
])
def test_escape_filter_value(raw: str, escaped: str) -> None:
    assert escape_filter_value(raw) == escaped


@pytest.mark.parametrize("name", ["plain", "it's", "a:b", "x,y;z", "[br]ackets", "back\\slash", "sp ace",
                                  "all: ' , ; [ ] \\ \""])
def test_escaped_subtitle_path_is_read_by_ffmpeg(tmp_path: Path, name: str) -> None:
    folder = tmp_path / name
    folder.mkdir()
    subs = folder / "s.ass"
    subs.write_text(ASS, encoding="utf-8")
    out = tmp_path / "frame.png"
    graph = f"subtitles=filename={escape_filter_value(str(subs))}"
    run_ffmpeg(["-f", "lavfi", "-i", "color=c=black:s=64x64:r=5:d=1", "-vf", graph, "-frames:v", "1",
                str(out)])
    assert out.stat().st_size > 0


def test_injection_attempt_stays_a_file_name(tmp_path: Path) -> None:
    evil = tmp_path / "x.ass,drawbox=c=red:t=fill"
    evil.write_text(ASS, encoding="utf-8")
    graph = f"subtitles=filename={escape_filter_value(str(evil))}"
    run_ffmpeg(["-f", "lavfi", "-i", "color=c=black:s=64x64:r=5:d=1", "-vf", graph, "-frames:v", "1",
                str(tmp_path / "f.png")])


def test_failure_raises_with_stderr_tail(tmp_path: Path) -> None:
    with pytest.raises(NodeError) as caught:
        run_ffmpeg(["-i", str(tmp_path / "missing.wav"), str(tmp_path / "out.wav")])
    assert "missing.wav" in (caught.value.detail or "")
    assert "exit status" in caught.value.message


def test_progress_fractions_reach_one(tmp_path: Path) -> None:
    seen: list[float | None] = []
    run_ffmpeg(["-f", "lavfi", "-i", "sine=frequency=440:duration=2", str(tmp_path / "a.wav")],
               progress=lambda fraction, message: seen.append(fraction), expected_duration=2.0)
    fractions = [f for f in seen if f is not None]
    assert fractions and fractions[-1] == pytest.approx(1.0, abs=0.05)
    assert all(0.0 <= f <= 1.0 for f in fractions)
    # one report an update, though ffmpeg writes its time twice in each (out_time_us, out_time_ms)
    assert all(later > earlier for earlier, later in zip(fractions, fractions[1:]))


def test_feed_writes_stdin(tmp_path: Path) -> None:
    out = tmp_path / "a.wav"
    run_ffmpeg(["-f", "s16le", "-ar", "8000", "-ac", "1", "-i", "pipe:0", str(out)],
               feed=lambda stdin: stdin.write(b"\x00\x01" * 8000))
    assert out.stat().st_size > 16000


def test_feed_exception_propagates_and_kills(tmp_path: Path) -> None:
    def broken(stdin: object) -> None:
        raise RuntimeError("frame maker broke")

    with pytest.raises(RuntimeError, match="frame maker broke"):
        run_ffmpeg(["-f", "s16le", "-ar", "8000", "-ac", "1", "-i", "pipe:0", str(tmp_path / "a.wav")],
                   feed=broken)


def test_cancel_kills_an_endless_encode(tmp_path: Path) -> None:
    cancel = threading.Event()
    threading.Timer(0.5, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(NodeError, match="cancelled"):
        run_ffmpeg(["-re", "-f", "lavfi", "-i", "sine=frequency=440", "-f", "null", "-"], cancel=cancel)
    assert time.monotonic() - started < 10


def test_env_var_selects_the_binary(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real = ffmpeg_exe()
    monkeypatch.setenv("PIPELINE_FFMPEG", real)
    assert ffmpeg_exe() == real
    monkeypatch.setenv("PIPELINE_FFMPEG", str(tmp_path / "no-ffmpeg"))
    with pytest.raises(NodeError, match="PIPELINE_FFMPEG"):
        ffmpeg_exe()
