"""ASS output: header and style, time rounding, escaping of hostile text, and real libass burn-ins."""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from pydantic import ValidationError

from nodes.captions.ass import (
    WORD_JOINER,
    CaptionStyle,
    ass_colour,
    ass_time,
    burn_filter,
    escape_text,
    write_ass,
)
from nodes.captions.font import fonts_dir
from nodes.formats import CaptionTrack, Segment

W, H = 320, 180
HOSTILE = [
    r"{\an8}",
    "{",
    "}",
    r"\N",
    r"\n",
    r"\h",
    "back\\slash",
    "\"quotes\" 'single'",
    "colon: comma, semi;",
    "new\nline",
    "emoji 😀",
    "שלום مرحبا",
    "日本語",
]


def track_of(*lines: str) -> CaptionTrack:
    return CaptionTrack(duration=2, segments=[Segment(start=0, end=2, lines=list(lines))])


def dialogues(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("Dialogue:")]


def test_ass_time_rounds_to_the_nearest_centisecond() -> None:
    assert ass_time(0) == "0:00:00.00"
    assert ass_time(1.236) == "0:00:01.24"  # rounded, not truncated
    assert ass_time(1.234) == "0:00:01.23"
    assert ass_time(59.996) == "0:01:00.00"
    assert ass_time(3723.45) == "1:02:03.45"


def test_ass_colour_is_bgr_with_transparency_alpha() -> None:
    assert ass_colour("#FF8000") == "&H000080FF"
    assert ass_colour("#abc") == "&H00CCBBAA"
    assert ass_colour("#000000", opacity=0.0) == "&HFF000000"
    assert ass_colour("#000000", opacity=0.5) == "&H80000000"


def test_header_and_style(tmp_path: Path) -> None:
    path = tmp_path / "a.ass"
    write_ass(track_of("hi"), path, CaptionStyle(), 1080, 1920)
    text = path.read_text(encoding="utf-8")
    for needle in ("ScriptType: v4.00+", "PlayResX: 1080", "PlayResY: 1920", "WrapStyle: 2",
                   "ScaledBorderAndShadow: yes"):
        assert needle in text
    style = next(line for line in text.splitlines() if line.startswith("Style:")).split(",")
    assert style[1] == "DejaVu Sans" and style[2] == str(round(1920 * 0.045))
    assert style[7] == "-1"  # bold
    assert style[18] == "2"  # bottom centre: text grows upward from MarginV
    assert style[21] == str(round(1920 * 0.08))
    assert dialogues(path) == ["Dialogue: 0,0:00:00.00,0:00:02.00,Default,,0,0,0,,hi"]


@pytest.mark.parametrize(("position", "alignment"), [("top", "8"), ("center", "5"), ("bottom", "2")])
def test_position_uses_alignment_not_pos(tmp_path: Path, position: str, alignment: str) -> None:
    path = tmp_path / "a.ass"
    write_ass(track_of("hi"), path, CaptionStyle(position=position), W, H)  # type: ignore[arg-type]
    text = path.read_text(encoding="utf-8")
    assert next(line for line in text.splitlines() if line.startswith("Style:")).split(",")[18] == alignment
    assert "\\pos" not in text


def test_style_rejects_bad_values() -> None:
    with pytest.raises(ValidationError):
        CaptionStyle(primary_colour="red")
    with pytest.raises(ValidationError):
        CaptionStyle(position="left")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        CaptionStyle(colour="#fff")  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        CaptionStyle(font="Evil\nStyle: x")


def test_escape_text_neutralises_overrides_and_breaks() -> None:
    assert escape_text(r"{\an8}") == "\\{\\" + WORD_JOINER + "an8\\}"
    assert escape_text(r"\N\n\h") == "".join("\\" + WORD_JOINER + c for c in "Nnh")
    assert escape_text("a\nb\r\nc\u2028d\x00e") == "a b  c de"
    assert escape_text("\\{") == "\\" + WORD_JOINER + "\\{"
    for text in HOSTILE:
        escaped = escape_text(text)
        assert "\n" not in escaped and "\r" not in escaped
        # Every brace is escaped and every backslash is either a brace escape or followed by the joiner.
        rest = escaped.replace("\\{", "").replace("\\}", "").replace("\\" + WORD_JOINER, "")
        assert "{" not in rest and "}" not in rest and "\\" not in rest


def test_hostile_text_stays_one_dialogue_with_its_lines(tmp_path: Path) -> None:
    path = tmp_path / "a.ass"
    write_ass(track_of(*HOSTILE), path, CaptionStyle(), W, H)
    lines = path.read_text(encoding="utf-8").splitlines()
    events = dialogues(path)
    assert len(events) == 1 and lines[-1] == events[0]
    text = events[0].split(",", 9)[9]
    assert text.count("\\N") == len(HOSTILE) - 1  # only our own line breaks
    assert "日本語" in text and "😀" in text and "שלום" in text


def test_uppercase_and_empty_lines(tmp_path: Path) -> None:
    path = tmp_path / "a.ass"
    track = CaptionTrack(duration=3, segments=[Segment(start=0, end=1, lines=["", "shout \\n", ""]),
                                               Segment(start=1, end=2, lines=["  "])])
    write_ass(track, path, CaptionStyle(uppercase=True), W, H)
    assert dialogues(path) == [f"Dialogue: 0,0:00:00.00,0:00:01.00,Default,,0,0,0,,SHOUT \\{WORD_JOINER}N"]


def test_over_wide_line_gets_a_smaller_size_for_that_event_only(tmp_path: Path) -> None:
    path = tmp_path / "a.ass"
    track = CaptionTrack(duration=3, segments=[Segment(start=0, end=1, lines=["short"]),
                                               Segment(start=1, end=2, lines=["x" * 60])])
    write_ass(track, path, CaptionStyle(font_size=20), W, H)
    short, wide = dialogues(path)
    assert "\\fs" not in short
    size = int(wide.split("{\\fs")[1].split("}")[0])
    assert 4 <= size < 20


# --- real burn-ins with the static ffmpeg and libass ---------------------------------------------------------


def burn(tmp_path: Path, lines: list[str], style: CaptionStyle | None = None) -> np.ndarray:
    """Render one 320x180 frame with the captions burned in; returns a grey image (H, W) as int16."""
    folder = tmp_path / "we'ird, [dir]: x"  # the filter string must survive hostile path characters
    folder.mkdir(exist_ok=True)
    ass = folder / "c.ass"
    write_ass(track_of(*lines), ass, style or CaptionStyle(font_size=20), W, H)
    argv = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin",
            "-f", "lavfi", "-i", f"color=c=black:s={W}x{H}:d=1", "-vf", burn_filter(ass, fonts_dir()),
            "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"]
    result = subprocess.run(argv, capture_output=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]
    return np.frombuffer(result.stdout, np.uint8).reshape(H, W).astype(np.int16)


def ink(frame: np.ndarray) -> tuple[int, int, int, int]:
    """Bounding box (top, bottom, left, right) of the bright text pixels."""
    rows = np.flatnonzero((frame > 128).any(axis=1))
    cols = np.flatnonzero((frame > 128).any(axis=0))
    assert rows.size, "no text was drawn"
    return int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])


def test_override_tag_in_user_text_is_drawn_literally(tmp_path: Path) -> None:
    hostile = burn(tmp_path, [r"{\an8}X"])
    plain = burn(tmp_path, ["X"])
    top, bottom, left, right = ink(hostile)
    # Still at the bottom: \an8 did not move it to the top.
    assert top > 2 * H // 3 and not (hostile[: H // 3] > 128).any()
    # Wider than "X" alone: the tag's characters are on screen, not swallowed as an override.
    p_top, p_bottom, p_left, p_right = ink(plain)
    assert (right - left) > 4 * (p_right - p_left)
    assert abs(bottom - p_bottom) <= 4  # same size, same place (braces reach a little below the baseline)


def test_backslash_sequences_do_not_break_lines(tmp_path: Path) -> None:
    literal = burn(tmp_path, [r"A\NB\nC\hD"])
    one_line = burn(tmp_path, ["A NB nC hD"])
    two_lines = burn(tmp_path, ["A", "B"])
    height = ink(literal)[1] - ink(literal)[0]
    assert height <= ink(one_line)[1] - ink(one_line)[0] + 2
    assert height < ink(two_lines)[1] - ink(two_lines)[0] - 10
    # The backslashes are drawn: more ink than the same text with spaces in their place.
    assert (literal > 128).sum() > (one_line > 128).sum() + 20


def test_braces_newlines_and_scripts_render(tmp_path: Path) -> None:
    frame = burn(tmp_path, ["{ } {\\fs80}", "a\nb", "שלום مرحبا 😀"])
    top, bottom, _, _ = ink(frame)
    assert not (frame[: H // 3] > 128).any()  # three lines, no giant \fs80 text
    assert bottom - top < H // 2


def test_top_position_draws_at_the_top(tmp_path: Path) -> None:
    frame = burn(tmp_path, ["X"], CaptionStyle(font_size=20, position="top"))
    assert ink(frame)[0] < H // 3 and not (frame[2 * H // 3:] > 128).any()
