"""ASS (v4.00+) output for burning captions in with libass, and the ffmpeg filter that does it.

Layout: PlayResX/PlayResY equal the video size, so every number here is in video pixels. The style's
Encoding is -1, libass's "base direction from the text": a Hebrew or Arabic line reads right to left with
its final punctuation on the left (the default, left to right, put it on the right; VSFilter-family
renderers read a negative Encoding as the default character set). WrapStyle 2
turns libass's own wrapping off because the segmenter already chose the lines. Position uses the style's
alignment (2 bottom, 5 center, 8 top) with MarginV as the safe area, so bottom text grows upward and never
runs off the frame. Every caption keeps the style's size: a line wider than the safe width, measured
with the actual font file, is wrapped (``wrap.py``), and only a caption taller than the safe area gets a
smaller ``\\fs``.

Escaping, checked against libass by burning frames: libass reads ``{...}`` as an override block, ``\\N``
(and ``\\n`` with WrapStyle 2) as a line break and ``\\h`` as a hard space, and it understands ``\\{`` and
``\\}`` as literal braces. So user text is made inert by (1) turning every line break and control
character into a space (one caption line stays one line of the file), (2) putting a WORD JOINER (U+2060,
invisible, zero width) after every backslash, so no backslash sequence is ever recognised, then (3)
writing braces as ``\\{`` and ``\\}``. Commas need nothing: the text is the last field of a Dialogue line.
Escaping is per character, so escaping pieces of a line one by one gives the same text as escaping the
whole line; the only override blocks in the file are the ones written here, from validated numbers and
colours.

Background box: ``box: line`` is BorderStyle 3 (a box behind each line, in OutlineColour, padded by the
Outline width), drawn by events of its own on layer 0, one per line and clipped to that line's band, with
the text over them on layer 1 in the "Text" style (see ``segment_events``); ``box: block`` is libass's
BorderStyle 4 (one box behind the whole caption, in BackColour, padded by the Shadow size; the text keeps
its outline).

Highlight (karaoke): with ``highlight`` set, a caption becomes one event per stretch of time in which the
same word is being spoken, each showing the whole caption with that word in the highlight colour (the
words come from ``Segment.words``, matched to the lines character by character). Between words that are
close together the previous word stays lit; in a longer pause nothing is. Events of one caption touch
and never overlap, so the text is never drawn twice. Presets (``presets.py``) use the same events and mark the
spoken word with their own tags.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from nodes.captions.cue_timing import GAP_CLOSE
from nodes.captions.font import DEFAULT_FAMILY, FontError, ResolvedFont, glyph_warning, resolve_font
from nodes.captions.presets import BOUNCE, FADE_IN, POP_IN, PRESETS, WORD_BY_WORD, PresetName
from nodes.captions.wrap import fit_lines
from nodes.formats import CaptionTrack, Segment, Word
from nodes.media.ffmpeg import escape_filter_value
from pipeline.node import NodeInputError, RecipePath

if TYPE_CHECKING:
    from PIL import ImageFont

WORD_JOINER = "\u2060"
_ALIGNMENT = {"bottom": 2, "center": 5, "top": 8}
_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x9f]")
_HEX = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


class CaptionStyle(BaseModel):
    """How burned-in captions look. Sizes are video pixels; None means "proportional to the video"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    font: RecipePath = Field(DEFAULT_FAMILY, description="Family name, or a path to a .ttf/.otf/.ttc file.")
    font_size: int | None = Field(None, ge=4, le=1000, description="Default: 4.5% of the video height.")
    primary_colour: str = Field("#FFFFFF", description="Text colour, #RRGGBB or #RGB.")
    outline_colour: str = "#000000"
    outline: float | None = Field(None, ge=0, le=100, description="Outline width; default font_size / 16.")
    shadow: float | None = Field(None, ge=0, le=100, description="Shadow offset; default font_size / 24.")
    shadow_colour: str = "#000000"
    shadow_opacity: float = Field(0.5, ge=0, le=1, description="0 = invisible, 1 = opaque.")
    bold: bool = True
    position: Literal["top", "center", "bottom"] = "bottom"
    margin: float = Field(0.08, ge=0, le=0.4, description="Safe area: fraction of height (top/bottom) "
                          "and of width (sides) kept free of text.")
    uppercase: bool = False
    highlight: str | None = Field(None, description="Colour of the word being spoken (karaoke); None: off.")
    box: Literal["none", "line", "block"] = Field(
        "none", description="Background box: none, one box per line, or one block behind the caption.")
    box_colour: str = "#000000"
    box_opacity: float = Field(0.6, ge=0, le=1, description="0 = invisible, 1 = opaque.")
    box_padding: float | None = Field(None, ge=0, le=200, description="Box margin around the text; "
                                      "default font_size / 4.")
    preset: PresetName | None = Field(
        None, description="A named look: karaoke, pop, bounce, word-box or typewriter (fields it sets can "
                          "still be given; see the README's caption presets).")

    @model_validator(mode="before")
    @classmethod
    def _preset(cls, data: object) -> object:
        """A preset's fields first, the recipe's own fields over them."""
        if isinstance(data, dict) and isinstance(data.get("preset"), str) and data["preset"] in PRESETS:
            return {**PRESETS[data["preset"]], **data}
        return data

    @field_validator("primary_colour", "outline_colour", "shadow_colour", "box_colour", "highlight")
    @classmethod
    def _colour(cls, value: str | None) -> str | None:
        if value is not None and not _HEX.fullmatch(value):
            raise ValueError(f"colour must look like #RRGGBB or #RGB, got {value!r}")
        return value

    @field_validator("font")
    @classmethod
    def _font(cls, value: str) -> str:
        if not value.strip() or _LINE_BREAKS.search(value):
            raise ValueError("font must be a family name or a font file path on one line")
        return value

    def size_for(self, height: int) -> int:
        """The font size used for a video of this height."""
        return self.font_size if self.font_size is not None else max(4, round(height * 0.045))


FONT_HINT = "use the default font or a readable .ttf/.otf file"


def font_problems(style: CaptionStyle) -> list[NodeInputError]:
    """A font file the style names that cannot be used (missing, unreadable, not a font), found before any
    work starts and whether or not the scene has captions yet: a step's ``check`` reports it."""
    try:
        resolve_font(style.font, style.bold)
    except FontError as exc:
        return [NodeInputError(str(exc), field="caption_style", hint=FONT_HINT)]
    return []


def ass_colour(hex_colour: str, opacity: float = 1.0) -> str:
    """``#RRGGBB`` to ASS ``&HAABBGGRR`` (ASS alpha is transparency: 00 opaque, FF invisible)."""
    digits = hex_colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    red, green, blue = digits[0:2], digits[2:4], digits[4:6]
    alpha = round((1 - opacity) * 255)
    return f"&H{alpha:02X}{blue}{green}{red}".upper()


def ass_time(seconds: float) -> str:
    """``H:MM:SS.cc``, rounded to the nearest centisecond."""
    cs = max(0, math.floor(seconds * 100 + 0.5))
    hours, cs = divmod(cs, 360_000)
    minutes, cs = divmod(cs, 6000)
    secs, cs = divmod(cs, 100)
    return f"{hours}:{minutes:02d}:{secs:02d}.{cs:02d}"


def escape_text(text: str) -> str:
    """Make user text inert in an ASS Dialogue line: it shows literally and stays on one line."""
    text = _CONTROLS.sub("", _LINE_BREAKS.sub(" ", text)).replace("\t", " ")
    text = text.replace("\\", "\\" + WORD_JOINER)
    return text.replace("{", "\\{").replace("}", "\\}")


@dataclass(frozen=True)
class _Borders:
    """The BorderStyle and the numbers and colours it reads, for one style and font size."""

    border_style: int
    outline: float
    shadow: float
    outline_colour: str
    back_colour: str
    padding: float  # extra room the box or outline takes on each side of the text


def _borders(style: CaptionStyle, size: int) -> _Borders:
    outline = style.outline if style.outline is not None else round(size / 16, 1)
    padding = style.box_padding if style.box_padding is not None else round(size / 4, 1)
    box = ass_colour(style.box_colour, style.box_opacity)
    shadow_colour = ass_colour(style.shadow_colour, style.shadow_opacity)
    if style.preset == "word-box":  # a box per run, shown (by \\3a) only behind the spoken word
        return _Borders(3, padding / 2, 0.0, ass_colour(style.highlight or style.primary_colour, 0.0),
                        shadow_colour, padding / 2)
    if style.box == "line":  # the box is drawn in OutlineColour, Outline wide; the shadow is the box's
        shadow = style.shadow if style.shadow is not None else 0.0
        return _Borders(3, padding, shadow, box, shadow_colour, padding)
    if style.box == "block":  # the box is drawn in BackColour, Shadow wide; no drop shadow
        return _Borders(4, outline, padding, ass_colour(style.outline_colour), box, max(padding, outline))
    shadow = style.shadow if style.shadow is not None else round(size / 24, 1)
    return _Borders(1, outline, shadow, ass_colour(style.outline_colour), shadow_colour, outline)


def _style_line(style: CaptionStyle, font: ResolvedFont, size: int, width: int, height: int,
                name: str = "Default") -> str:
    """One ``Style:`` line. "Text" is the text drawn over separate ``box: line`` boxes: no box, no outline."""
    if "," in font.family or _LINE_BREAKS.search(font.family) or _CONTROLS.search(font.family):
        raise ValueError(f"font family {font.family!r} contains a comma or a control character, which ASS "
                         "styles cannot hold")
    borders = _borders(style, size)
    if name == "Text":
        borders = _Borders(1, 0.0, 0.0, borders.outline_colour, borders.back_colour, borders.padding)
    margin_h = round(width * style.margin)
    margin_v = round(height * style.margin)
    fields = [
        name, font.family, str(size),
        ass_colour(style.primary_colour), ass_colour(style.primary_colour),
        borders.outline_colour, borders.back_colour,
        "-1" if style.bold else "0", "0", "0", "0", "100", "100", "0", "0",
        str(borders.border_style), f"{borders.outline:g}", f"{borders.shadow:g}", str(_ALIGNMENT[style.position]),
        str(margin_h), str(margin_h), str(margin_v), "-1",
    ]
    return "Style: " + ",".join(fields)


@lru_cache(maxsize=8)
def _measurer(file: str, size: int) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    return ImageFont.truetype(file, size)


def line_width(font: ResolvedFont, size: int) -> Callable[[str], float]:
    """How wide libass draws a line at font size ``size``. libass, like VSFilter, takes the size as the
    font's cell height (ascent + descent), not its em, so Pillow's em-sized measure is scaled by that
    ratio (checked against burned frames: within 2 px on 200 px). Without a font file: 0.6 em a character."""
    if font.file is None:
        return lambda text: 0.6 * size * len(text)
    measure = _measurer(str(font.file), size)
    ascent, descent = measure.getmetrics()
    scale = size / max(1, ascent + descent)
    return lambda text: measure.getlength(text) * scale


Run = tuple[str, int | None]  # a stretch of one line and the index of the word it shows (None: spaces)


def _clean_line(line: str) -> str:
    return " ".join(_LINE_BREAKS.sub(" ", line).split())


def word_runs(lines: list[str], words: list[Word]) -> list[list[Run]] | None:
    """Each line cut into runs that belong to one word of ``words`` (spaces belong to none), or None
    when the words do not spell the lines (then a caption cannot be highlighted word by word). A
    punctuation-only word's run goes to the word it touches, so ``word,`` lights up as one."""
    found = _runs_and_groups(lines, words)
    return found[0] if found is not None else None


def _runs_and_groups(lines: list[str], words: list[Word]) -> tuple[list[list[Run]], dict[int, list[int]]] | None:
    """``word_runs``, and each word that is lit (in order) with the words whose times it takes: itself
    and the punctuation words it took over."""
    owners = [(ch, i) for i, word in enumerate(words) for ch in "".join(_clean_line(word.text).split())]
    at = 0
    result: list[list[Run]] = []
    groups: dict[int, set[int]] = {}
    for line in lines:
        raw: list[Run] = []
        for ch in line:
            if ch.isspace():
                owner = None
            elif at < len(owners) and owners[at][0] == ch:
                owner = owners[at][1]
                at += 1
            elif ch == "-" and len(raw) == len(line) - 1:
                owner = None  # the hyphen added where a long word was cut across lines
            else:
                return None
            raw.append((ch, owner))
        attached = _attach_punctuation(raw, words)
        for (_, before), (_, after) in zip(_split(raw), _split(attached), strict=True):
            if after is not None and before is not None:
                groups.setdefault(after, set()).add(before)
        result.append(_merge(attached))
    if at != len(owners):
        return None
    return result, {key: sorted(groups[key]) for key in sorted(groups)}


def _split(runs: list[Run]) -> list[Run]:
    return [(ch, owner) for text, owner in runs for ch in text]


def _attach_punctuation(runs: list[Run], words: list[Word]) -> list[Run]:
    def punctuation(owner: int | None) -> bool:
        return owner is not None and all(unicodedata.category(ch)[0] == "P" for ch in words[owner].text
                                         if not ch.isspace())

    owners = [owner for _, owner in _merge(runs)]
    texts = [text for text, _ in _merge(runs)]
    for k, owner in enumerate(owners):
        if not punctuation(owner):
            continue
        if k > 0 and owners[k - 1] is not None and not punctuation(owners[k - 1]):
            owners[k] = owners[k - 1]
        elif k + 1 < len(owners) and owners[k + 1] is not None and not punctuation(owners[k + 1]):
            owners[k] = owners[k + 1]
    return list(zip(texts, owners, strict=True))


def _merge(runs: list[Run]) -> list[Run]:
    merged: list[Run] = []
    for text, owner in runs:
        if merged and merged[-1][1] == owner:
            merged[-1] = (merged[-1][0] + text, owner)
        else:
            merged.append((text, owner))
    return merged


def highlight_spans(segment: Segment, groups: dict[int, list[int]]) -> list[tuple[float, float, int | None]]:
    """``(start, end, lit word or None)`` covering the segment's time, one entry per stretch in which the
    same word is lit. ``groups`` maps each word to light (index into ``segment.words``, in order) to the
    words whose times it takes (itself and attached punctuation). Spans touch and never overlap."""
    start, end = segment.start, max(segment.start, segment.end)
    marks: list[tuple[float, float, int]] = []  # (lit from, spoken until, word), clamped and ordered
    for key in sorted(groups):
        members = [segment.words[i] for i in groups[key]]
        lit = min(max(min(w.start for w in members), marks[-1][0] if marks else start, start), end)
        marks.append((lit, min(max(max(w.end for w in members), lit), end), key))
    spans: list[tuple[float, float, int | None]] = []
    cursor = start
    for k, (lit, spoken_until, key) in enumerate(marks):
        following = marks[k + 1][0] if k + 1 < len(marks) else end
        if lit > cursor:
            spans.append((cursor, lit, None))
        off = following if following - spoken_until < GAP_CLOSE else spoken_until
        spans.append((lit, off, key))
        cursor = off
    if cursor < end or not spans:
        spans.append((cursor, end, None))
    return [span for span in spans if ass_time(span[0]) != ass_time(span[1])] or [(start, end, None)]


def _event_text(runs: list[list[Run]], lit: int | None, style: CaptionStyle, prefix: str,
                spoken: int | None = None) -> str:
    """One event's text: ``runs`` escaped, the ``lit`` word marked as the style or its preset says;
    ``spoken`` is the last word spoken so far (typewriter hides the words after it)."""
    colour = f"&H{ass_colour(style.primary_colour)[4:]}&"
    on_colour = f"&H{ass_colour(style.highlight or style.primary_colour)[4:]}&"
    if style.preset == "pop":
        word = "".join(text for line in runs for text, owner in line if owner is not None and owner == lit)
        return prefix + f"{{{POP_IN}}}" + escape_text(word.upper() if style.uppercase else word) if word else ""
    out: list[str] = []
    for line in runs:
        parts: list[str] = []
        for text, owner in line:
            shown = escape_text(text.upper() if style.uppercase else text)
            if owner is not None and owner == lit:
                if style.preset == "bounce":
                    shown = f"{{\\1c{on_colour}{BOUNCE}}}{shown}{{\\1c{colour}\\fscy100}}"
                elif style.preset == "word-box":
                    shown = f"{{\\3a&H00&\\1c{on_colour}}}{shown}{{\\3a&HFF&\\1c{colour}}}"
                elif style.preset == "typewriter":
                    shown = f"{{{FADE_IN}}}{shown}{{\\alpha&H00&}}"
                elif style.highlight is not None:
                    shown = f"{{\\1c{on_colour}}}{shown}{{\\1c{colour}}}"
            elif style.preset == "typewriter" and owner is not None and (spoken is None or owner > spoken):
                shown = f"{{\\alpha&HFF&}}{shown}{{\\alpha&H00&}}"
            parts.append(shown)
        out.append("".join(parts))
    head = "{\\3a&HFF&}" if style.preset == "word-box" else ""
    return prefix + head + "\\N".join(out)


def _dialogue(start: float, end: float, text: str, layer: int = 0, style: str = "Default") -> str:
    return f"Dialogue: {layer},{ass_time(start)},{ass_time(end)},{style},,0,0,0,,{text}"


@dataclass(frozen=True)
class Frame:
    """Where a caption block sits: the video size, the anchor that the style's alignment and margins give,
    and the line pitch (libass puts lines one font size apart)."""

    width: int
    height: int
    alignment: int
    margin_v: int
    pitch: int

    def line_boxes(self, count: int) -> list[str]:
        """Override tags for one box-layer event per line: the text invisible, the block anchored where
        the margins put it, and the event clipped to its own line's band, so the boxes of two lines meet
        at the band's edge instead of overlapping (the outer boxes keep their padding); the event for a
        line shows only that line's box (the others' are transparent)."""
        x = self.width // 2
        if self.alignment == 2:
            y, top = self.height - self.margin_v, self.height - self.margin_v - count * self.pitch
        elif self.alignment == 8:
            y, top = self.margin_v, self.margin_v
        else:
            y, top = self.height // 2, self.height // 2 - (count * self.pitch) // 2
        tags = []
        for k in range(count):
            upper = 0 if k == 0 else top + k * self.pitch
            lower = self.height if k == count - 1 else top + (k + 1) * self.pitch
            tags.append(f"{{\\an{self.alignment}\\pos({x},{y})\\clip(0,{upper},{self.width},{lower})"
                        "\\1a&HFF&}")
        return tags


def segment_events(segment: Segment, style: CaptionStyle, prefix: str = "",
                   lines: list[str] | None = None, frame: Frame | None = None) -> list[str]:
    """The Dialogue lines that show one caption (several when the spoken word is highlighted), as
    ``lines`` (default: the segment's own) after ``prefix`` (override tags written here).

    With ``box: line`` (and the ``frame``) the boxes are events of their own on layer 0, one per line
    clipped to that line's band (see ``Frame.line_boxes``), and the text is drawn over them on layer 1
    without a box: libass draws a box per run of text, so the boxes of neighbouring words (in karaoke every
    coloured word is a run) and of neighbouring lines overlapped, and a half-transparent box was drawn
    twice there (dark bands).
    """
    shown = [line for line in (_clean_line(line) for line in (segment.lines if lines is None else lines)) if line]
    if not shown:
        return []
    by_word = style.highlight is not None or style.preset in WORD_BY_WORD
    found = _runs_and_groups(shown, list(segment.words)) if by_word else None
    plain: list[list[Run]] = [[(line, None)] for line in shown]
    events: list[str] = []
    text_layer, text_style = 0, "Default"
    if style.box == "line" and frame is not None and style.preset != "pop":
        box_alpha = ass_colour(style.box_colour, style.box_opacity)[2:4]
        for k, tags in enumerate(frame.line_boxes(len(shown))):
            boxed = [f"{{\\3a&H{box_alpha if j == k else 'FF'}&}}" + _event_text([plain[j]], None, style, "")
                     for j in range(len(shown))]
            events.append(_dialogue(segment.start, segment.end, prefix + tags + "\\N".join(boxed)))
        text_layer, text_style = 1, "Text"
    if found is None:
        return [*events, _dialogue(segment.start, segment.end, _event_text(plain, None, style, prefix),
                                   text_layer, text_style)]
    runs, groups = found
    spoken: int | None = None
    for start, end, lit in highlight_spans(segment, groups):
        spoken = lit if lit is not None else spoken
        text = _event_text(runs, lit, style, prefix, spoken)
        if text:
            events.append(_dialogue(start, end, text, text_layer, text_style))
    return events


def write_ass(track: CaptionTrack, path: Path, style: CaptionStyle, width: int, height: int) -> ResolvedFont:
    """Write the track as an ASS file for a ``width`` x ``height`` video; return the font it is drawn with.

    Every caption keeps the style's size: a line wider than the safe width is wrapped (at spaces, then
    hyphens, then between characters; ``wrap.py``). Only a caption whose wrapped lines would be taller than
    the safe area gets a smaller size, as a last resort.
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"video size must be positive, got {width}x{height}")
    font = resolve_font(style.font, style.bold)
    size = style.size_for(height)
    available = width - 2 * round(width * style.margin) - 2 * _borders(style, size).padding
    safe_height = height - 2 * round(height * style.margin)
    measure = line_width(font, size)
    out = [
        "[Script Info]",
        "ScriptType: v4.00+",
        f"PlayResX: {width}",
        f"PlayResY: {height}",
        "WrapStyle: 2",
        "ScaledBorderAndShadow: yes",
        "YCbCr Matrix: None",
        "",
        "[V4+ Styles]",
        ("Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, "
         "Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, "
         "Alignment, MarginL, MarginR, MarginV, Encoding"),
        _style_line(style, font, size, width, height),
    ]
    if style.box == "line":
        out.append(_style_line(style, font, size, width, height, name="Text"))
    out += ["", "[Events]", "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text"]
    for segment in track.segments:
        lines = [_clean_line(line) for line in segment.lines]
        lines = [line for line in lines if line]
        if not lines:
            continue
        lines = fit_lines(lines, lambda text: measure(text.upper() if style.uppercase else text), available)
        prefix, pitch = "", size
        if len(lines) * size > safe_height:
            pitch = max(4, math.floor(safe_height / len(lines)))
            prefix = f"{{\\fs{pitch}}}"
        frame = Frame(width, height, _ALIGNMENT[style.position], round(height * style.margin), pitch)
        out.extend(segment_events(segment, style, prefix, lines, frame))
    Path(path).write_text("\n".join(out) + "\n", encoding="utf-8", newline="\n")
    return font


def write_node_ass(track: CaptionTrack, path: Path, style: CaptionStyle, width: int, height: int) -> ResolvedFont:
    """``write_ass`` for a node: the font it drew with, and a style the recipe must fix (a font file that
    cannot be used, a family name ASS cannot hold) as a NodeInputError on ``caption_style``."""
    try:
        return write_ass(track, path, style, width, height)
    except ValueError as exc:  # includes a missing or unreadable user font file
        raise NodeInputError(f"caption style: {exc}", field="caption_style", hint=FONT_HINT) from exc


def burn_filter(ass_path: Path, fontsdir: Path) -> str:
    """The ``subtitles`` filter (escaped for a filtergraph) that burns ``ass_path`` in, looking for fonts in
    ``fontsdir`` before the system's."""
    return (f"subtitles=filename={escape_filter_value(str(ass_path))}"
            f":fontsdir={escape_filter_value(str(fontsdir))}")


def glyph_notice(track: CaptionTrack, style: CaptionStyle, font: ResolvedFont) -> str | None:
    """The warning to give when captions are burned in with ``font`` and it has no glyph for some of the
    characters shown (they would come out as boxes or in a fallback font), or None. The text checked is
    the text drawn: upper-cased when the style says so. One notice for every node that burns captions
    (a scene's render, or the merge after transitions). A font file whose glyphs cannot be read gives
    None: that is reported where the font is used."""
    text = "".join(line for segment in track.segments for line in segment.lines)
    try:
        return glyph_warning(text.upper() if style.uppercase else text, font)
    except FontError:
        return None
