"""ASS output: header and style, time rounding, escaping of hostile text, and real libass burn-ins."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from nodes.captions.ass import (
    WORD_JOINER,
    CaptionStyle,
    ass_colour,
    ass_time,
    burn_filter,
    escape_text,
    highlight_spans,
    line_width,
    word_runs,
    write_ass,
)
from nodes.captions.font import fonts_dir, resolve_font
from nodes.formats import CaptionTrack, Segment, Word

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
    for colour in ("#fff\n", "#FFFFFF\n", "#ff", "#FFFFFF,x"):
        with pytest.raises(ValidationError):
            CaptionStyle(highlight=colour)
        with pytest.raises(ValidationError):
            CaptionStyle(primary_colour=colour)


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


def test_one_size_for_every_caption_long_words_wrap_instead(tmp_path: Path) -> None:
    """A line wider than the safe width is wrapped (at hyphens, else between letters with a hyphen added),
    never drawn smaller: every caption keeps the style's size (a long word used to shrink to a third)."""
    path = tmp_path / "a.ass"
    track = CaptionTrack(duration=4, segments=[
        Segment(start=0, end=1, lines=["short"]),
        Segment(start=1, end=2, lines=["x" * 60]),
        Segment(start=2, end=3, lines=["state-of-the-art-and-beyond-anything-known"]),
        Segment(start=3, end=4, lines=["日本語" * 12])])
    write_ass(track, path, CaptionStyle(font_size=20), W, H)
    events = [line.split(",,", 1)[1].split(",", 4)[-1] for line in dialogues(path)]
    assert not any("\\fs" in event for event in events)
    short, xs, hyphens, cjk = (event.split("\\N") for event in events)
    assert short == ["short"]
    assert len(xs) > 1 and all(line.endswith("-") for line in xs[:-1]) and "".join(xs).replace("-", "") == "x" * 60
    assert len(hyphens) > 1 and "".join(hyphens) == "state-of-the-art-and-beyond-anything-known"
    assert all(line.endswith("-") for line in hyphens[:-1])  # cut after its own hyphens only
    assert len(cjk) > 1 and "".join(cjk) == "日本語" * 12  # no hyphen added between CJK characters
    measure = line_width(resolve_font("DejaVu Sans", True), 20)
    available = W - 2 * round(W * 0.08) - 2 * round(20 / 16, 1)
    assert all(measure(line) <= available for event in (xs, hyphens, cjk) for line in event)


def test_wrapped_long_word_is_drawn_at_the_same_size(tmp_path: Path) -> None:
    def x_height(lines: list[str]) -> int:
        frame = burn(tmp_path, lines)
        rows = np.flatnonzero((frame > 128).any(axis=1))
        first_line = rows[: np.argmax(np.diff(rows) > 1) + 1] if (np.diff(rows) > 1).any() else rows
        return int(first_line[-1] - first_line[0])

    assert abs(x_height(["xxxx"]) - x_height(["x" * 80])) <= 1


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


# --- background box ------------------------------------------------------------------------------------------


def style_fields(path: Path) -> list[str]:
    return next(line for line in path.read_text(encoding="utf-8").splitlines()
                if line.startswith("Style:")).split(",")


def test_box_styles_map_to_border_styles(tmp_path: Path) -> None:
    path = tmp_path / "a.ass"
    write_ass(track_of("hi"), path, CaptionStyle(font_size=40), W, H)
    assert style_fields(path)[15:18] == ["1", "2.5", "1.7"]  # outline and shadow scale with the size
    write_ass(track_of("hi"), path, CaptionStyle(font_size=40, box="line", box_colour="#102030",
                                                 box_opacity=0.5), W, H)
    fields = style_fields(path)
    assert fields[15:18] == ["3", "10", "0"] and fields[5] == "&H80302010"  # box = OutlineColour
    write_ass(track_of("hi"), path, CaptionStyle(font_size=40, box="block", box_padding=6, box_opacity=1), W, H)
    fields = style_fields(path)
    assert fields[15:18] == ["4", "2.5", "6"] and fields[6] == "&H00000000"  # box = BackColour
    with pytest.raises(ValidationError):
        CaptionStyle(box="round")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        CaptionStyle(box_colour="blue")


# --- karaoke highlight ---------------------------------------------------------------------------------------

YELLOW = "#FFFF00"
OWN_TAGS = re.compile(r"\{\\1c&H[0-9A-F]{6}&\}|^\{\\fs\d+\}")


def karaoke_track() -> CaptionTrack:
    words = [Word(text="Hello", start=0.0, end=0.4), Word(text=",", start=0.4, end=0.4),
             Word(text="big", start=0.5, end=0.9), Word(text="world.", start=2.0, end=2.5)]
    return CaptionTrack(duration=4, segments=[Segment(start=0.0, end=2.8, lines=["Hello, big", "world."],
                                                      words=words)])


def event_times(line: str) -> tuple[str, str, str]:
    fields = line.split(",", 9)
    return fields[1], fields[2], fields[9]


def test_highlight_gives_one_event_per_spoken_word(tmp_path: Path) -> None:
    path = tmp_path / "a.ass"
    write_ass(karaoke_track(), path, CaptionStyle(highlight=YELLOW), W, H)
    lit, plain = "{\\1c&H00FFFF&}", "{\\1c&HFFFFFF&}"
    assert [event_times(e) for e in dialogues(path)] == [
        ("0:00:00.00", "0:00:00.50", f"{lit}Hello,{plain} big\\Nworld."),  # the comma belongs to "Hello"
        ("0:00:00.50", "0:00:00.90", f"Hello, {lit}big{plain}\\Nworld."),
        ("0:00:00.90", "0:00:02.00", "Hello, big\\Nworld."),  # a pause: nothing lit
        ("0:00:02.00", "0:00:02.80", f"Hello, big\\N{lit}world.{plain}"),  # lit to the end of the caption
    ]


def test_highlight_events_partition_the_caption_time() -> None:
    segment = karaoke_track().segments[0]
    spans = highlight_spans(segment, {0: [0, 1], 2: [2], 3: [3]})
    assert spans[0][0] == segment.start and spans[-1][1] == segment.end
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))
    assert [lit for _, _, lit in spans] == [0, 2, None, 3]


def test_highlight_falls_back_to_plain_when_words_do_not_spell_the_lines(tmp_path: Path) -> None:
    path = tmp_path / "a.ass"
    track = CaptionTrack(duration=2, segments=[
        Segment(start=0, end=1, lines=["edited text"], words=[Word(text="other", start=0, end=1)]),
        Segment(start=1, end=2, lines=["no words"])])
    write_ass(track, path, CaptionStyle(highlight=YELLOW), W, H)
    assert [event_times(e)[2] for e in dialogues(path)] == ["edited text", "no words"]
    assert word_runs(["a b"], [Word(text="a", start=0, end=1)]) is None
    assert word_runs(["ab", "c"], [Word(text="a", start=0, end=1), Word(text="b c", start=1, end=2)]) == [
        [("a", 0), ("b", 1)], [("c", 1)]]


def test_highlight_with_uppercase_and_cjk_pieces(tmp_path: Path) -> None:
    path = tmp_path / "a.ass"
    words = [Word(text=ch, start=0.2 * i, end=0.2 * i + 0.2) for i, ch in enumerate("日本語")]
    track = CaptionTrack(duration=1, segments=[
        Segment(start=0, end=0.6, lines=["日本語"], words=words),
        Segment(start=0.6, end=1, lines=["straße"], words=[Word(text="straße", start=0.6, end=1)])])
    write_ass(track, path, CaptionStyle(highlight=YELLOW, uppercase=True), W, H)
    texts = [event_times(e)[2] for e in dialogues(path)]
    assert texts == ["{\\1c&H00FFFF&}日{\\1c&HFFFFFF&}本語", "日{\\1c&H00FFFF&}本{\\1c&HFFFFFF&}語",
                     "日本{\\1c&H00FFFF&}語{\\1c&HFFFFFF&}", "{\\1c&H00FFFF&}STRASSE{\\1c&HFFFFFF&}"]


def test_hostile_words_stay_inert_in_highlight_mode(tmp_path: Path) -> None:
    path = tmp_path / "a.ass"
    words = [Word(text=t, start=0.1 * i, end=0.1 * i + 0.1) for i, t in enumerate(HOSTILE)]
    lines = [" ".join(t.split()) for t in HOSTILE]
    track = CaptionTrack(duration=3, segments=[Segment(start=0, end=2, lines=lines, words=words)])
    write_ass(track, path, CaptionStyle(highlight=YELLOW, uppercase=True), W, H)
    events = dialogues(path)
    assert len(events) == len(HOSTILE) + 1  # one per word, then the tail with nothing lit
    for event in events:
        text = OWN_TAGS.sub("", event_times(event)[2])
        assert text.count("\\N") == len(HOSTILE) - 1
        rest = text.replace("\\N", "").replace("\\{", "").replace("\\}", "").replace("\\" + WORD_JOINER, "")
        assert "{" not in rest and "}" not in rest and "\\" not in rest
    starts = [event_times(e)[0] for e in events]
    ends = [event_times(e)[1] for e in events]
    assert starts[1:] == ends[:-1]  # touching, never overlapping


_piece = st.sampled_from(["a", "bc", "日", "本", ",", ".", "{\\an8}", "\\N", "ß", "😀", "שלום"])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(_piece, st.floats(0, 5), st.floats(0, 2)), min_size=1, max_size=8),
       st.floats(0, 5), st.floats(0, 5))
def test_highlight_spans_are_ordered_and_touching(pieces: list[tuple[str, float, float]], start: float,
                                                  length: float) -> None:
    words = [Word(text=t, start=s, end=s + d) for t, s, d in pieces]
    segment = Segment(start=start, end=start + length, lines=[" ".join(t for t, _, _ in pieces)], words=words)
    runs = word_runs(segment.lines, words)
    assert runs is not None
    spans = highlight_spans(segment, {i: [i] for i in range(len(words))})
    assert spans and all(a <= b for a, b, _ in spans)
    assert all(a[1] == b[0] or ass_time(a[1]) == ass_time(b[0]) for a, b in zip(spans, spans[1:]))
    lit = [i for _, _, i in spans if i is not None]
    assert lit == sorted(lit) and len(set(lit)) == len(lit)


# --- real burn-ins of the box and the highlight --------------------------------------------------------------


def burn_rgb(tmp_path: Path, track: CaptionTrack, style: CaptionStyle, at: float) -> np.ndarray:
    """One 320x180 RGB frame (grey background) at time ``at`` with the track burned in."""
    ass = tmp_path / "k.ass"
    write_ass(track, ass, style, W, H)
    argv = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin",
            "-f", "lavfi", "-i", f"color=c=gray:s={W}x{H}:d=4", "-vf", burn_filter(ass, fonts_dir()),
            "-ss", f"{at}", "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    result = subprocess.run(argv, capture_output=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]
    return np.frombuffer(result.stdout, np.uint8).reshape(H, W, 3).astype(np.int16)


def yellow_columns(frame: np.ndarray) -> np.ndarray:
    mask = (frame[..., 0] > 200) & (frame[..., 1] > 200) & (frame[..., 2] < 80)
    return np.flatnonzero(mask.any(axis=0))


def test_burned_highlight_follows_the_spoken_word(tmp_path: Path) -> None:
    style = CaptionStyle(font_size=24, highlight=YELLOW)
    first = yellow_columns(burn_rgb(tmp_path, karaoke_track(), style, 0.2))
    second = yellow_columns(burn_rgb(tmp_path, karaoke_track(), style, 0.7))
    pause = yellow_columns(burn_rgb(tmp_path, karaoke_track(), style, 1.5))
    assert first.size and second.size and not pause.size
    assert first.max() < second.min()  # "Hello," then "big", to its right


def test_burned_boxes(tmp_path: Path) -> None:
    def blue(style: CaptionStyle) -> np.ndarray:
        frame = burn_rgb(tmp_path, track_of("Box me", "two"), style, 0.5)
        return (frame[..., 2] > 200) & (frame[..., 0] < 60) & (frame[..., 1] < 60)

    assert not blue(CaptionStyle(font_size=20)).any()
    for box in ("line", "block"):
        mask = blue(CaptionStyle(font_size=20, box=box, box_colour="#0000FF", box_opacity=1))  # type: ignore[arg-type]
        rows = np.flatnonzero(mask.any(axis=1))
        assert mask.sum() > 500, box
        assert rows.min() > H // 2 and rows.max() < H - round(H * 0.08) + 12, box  # bottom, in the safe area


def test_burned_hostile_text_in_highlight_mode_stays_in_place(tmp_path: Path) -> None:
    texts = ["{\\an8}X", "\\N", "{\\fs80}", "שלום", "日本"]
    words = [Word(text=t, start=0.2 * i, end=0.2 * i + 0.2) for i, t in enumerate(texts)]
    track = CaptionTrack(duration=2, segments=[Segment(start=0, end=1.5, lines=[" ".join(texts)], words=words)])
    style = CaptionStyle(font_size=16, highlight=YELLOW)
    for at in (0.1, 0.3, 0.5, 0.7):
        frame = burn_rgb(tmp_path, track, style, at)
        text = (frame.max(axis=2) > 200)
        rows = np.flatnonzero(text.any(axis=1))
        assert rows.size and rows.min() > H // 2, at  # not moved to the top by \an8, one line, no \fs80
        assert rows.max() - rows.min() < 30, at
        assert yellow_columns(frame).size, at


# --- right-to-left lines -----------------------------------------------------------------------------------


def _profile(frame: np.ndarray) -> np.ndarray:
    return (frame > 128).sum(axis=0).astype(np.float64)


@pytest.mark.parametrize("highlight", [None, YELLOW])
def test_right_to_left_line_ends_on_the_left(tmp_path: Path, highlight: str | None) -> None:
    """A Hebrew or Arabic line's final punctuation is drawn at its left end (libass's default base direction
    is left to right, which put "!!!" on the right of the words)."""
    words_only = "שלום עולם"
    style = CaptionStyle(font_size=20, highlight=highlight)
    track = CaptionTrack(duration=2, segments=[Segment(
        start=0, end=2, lines=[words_only + "!!!!"],
        words=[Word(text="שלום", start=0, end=1), Word(text="עולם!!!!", start=1, end=2)])])
    ass = tmp_path / "rtl.ass"
    write_ass(track, ass, style, W, H)
    argv = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin",
            "-f", "lavfi", "-i", f"color=c=black:s={W}x{H}:d=1", "-vf", burn_filter(ass, fonts_dir()),
            "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"]
    result = subprocess.run(argv, capture_output=True, timeout=60, check=False)
    assert result.returncode == 0
    frame = np.frombuffer(result.stdout, np.uint8).reshape(H, W).astype(np.int16)
    alone = burn(tmp_path, [words_only])
    _, _, left, right = ink(frame)
    _, _, a_left, a_right = ink(alone)
    width = a_right - a_left + 1
    words = _profile(alone)[a_left:a_right + 1]
    with_marks = _profile(frame)
    at_right = np.abs(with_marks[right + 1 - width:right + 1] - words).sum()
    at_left = np.abs(with_marks[left:left + width] - words).sum()
    assert at_right < at_left  # the words are at the right end, so the marks are on the left


@pytest.mark.parametrize("highlight", [None, YELLOW])
def test_line_boxes_never_overlap_into_darker_bands(tmp_path: Path, highlight: str | None) -> None:
    """Half-transparent `box: line` boxes over white: every box pixel is the same grey. Where the boxes of two
    lines, or of two words in karaoke mode, overlapped, the box was drawn twice (dark bands)."""
    words = [Word(text=t, start=0.3 * i, end=0.3 * i + 0.3) for i, t in enumerate(["Box", "me", "two", "lines"])]
    track = CaptionTrack(duration=2, segments=[Segment(start=0, end=2, lines=["Box me", "two lines"], words=words)])
    style = CaptionStyle(font_size=20, box="line", box_colour="#000000", box_opacity=0.5, highlight=highlight)
    ass = tmp_path / "box.ass"
    write_ass(track, ass, style, W, H)
    for at in (0.1, 0.7):
        argv = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin",
                "-f", "lavfi", "-i", f"color=c=white:s={W}x{H}:d=2", "-vf", burn_filter(ass, fonts_dir()),
                "-ss", f"{at}", "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"]
        result = subprocess.run(argv, capture_output=True, timeout=60, check=False)
        assert result.returncode == 0
        frame = np.frombuffer(result.stdout, np.uint8).reshape(H, W).astype(np.int16)
        box = frame < 250
        assert box.sum() > 1500  # both lines have their box
        assert frame.min() >= 115, (at, np.unique(frame[box], return_counts=True))  # never drawn twice
        rows = np.flatnonzero(box.any(axis=1))
        assert rows.max() - rows.min() + 1 == box.any(axis=1).sum()  # one block of rows: the boxes touch


def test_rewrapped_lines_keep_phrases() -> None:
    from nodes.captions.wrap import fit_lines

    lines = fit_lines(["And the harbour, where", "the day begins"], len, 16)
    assert " ".join(lines) == "And the harbour, where the day begins"
    assert all(len(line) <= 16 for line in lines)
    assert not any(line.split()[-1].lower() in {"the", "and", "a", "of"} for line in lines[:-1]), lines
