"""ASS (v4.00+) output for burning captions in with libass, and the ffmpeg filter that does it.

Layout: PlayResX/PlayResY equal the video size, so every number here is in video pixels. WrapStyle 2
turns libass's own wrapping off because the segmenter already chose the lines. Position uses the style's
alignment (2 bottom, 5 center, 8 top) with MarginV as the safe area, so bottom text grows upward and never
runs off the frame. A line wider than the safe width (one over-long word) gets a smaller ``\\fs`` for its
event only, measured with the actual font file.

Escaping, checked against libass by burning frames: libass reads ``{...}`` as an override block, ``\\N``
(and ``\\n`` with WrapStyle 2) as a line break and ``\\h`` as a hard space, and it understands ``\\{`` and
``\\}`` as literal braces. So user text is made inert by (1) turning every line break and control
character into a space (one caption line stays one line of the file), (2) putting a WORD JOINER (U+2060,
invisible, zero width) after every backslash, so no backslash sequence is ever recognised, then (3)
writing braces as ``\\{`` and ``\\}``. Commas need nothing: the text is the last field of a Dialogue line.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from PIL import ImageFont
from pydantic import BaseModel, ConfigDict, Field, field_validator

from nodes.captions.font import DEFAULT_FAMILY, ResolvedFont, resolve_font
from nodes.formats import CaptionTrack
from nodes.media.ffmpeg import escape_filter_value

WORD_JOINER = "\u2060"
_ALIGNMENT = {"bottom": 2, "center": 5, "top": 8}
_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x9f]")
_HEX = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


class CaptionStyle(BaseModel):
    """How burned-in captions look. Sizes are video pixels; None means "proportional to the video"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    font: str = Field(DEFAULT_FAMILY, description="Family name, or a path to a .ttf/.otf/.ttc file.")
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

    @field_validator("primary_colour", "outline_colour", "shadow_colour")
    @classmethod
    def _colour(cls, value: str) -> str:
        if not _HEX.match(value):
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


def _style_line(style: CaptionStyle, font: ResolvedFont, size: int, width: int, height: int) -> str:
    if "," in font.family:
        raise ValueError(f"font family {font.family!r} contains a comma, which ASS styles cannot hold")
    outline = style.outline if style.outline is not None else round(size / 16, 1)
    shadow = style.shadow if style.shadow is not None else round(size / 24, 1)
    margin_h = round(width * style.margin)
    margin_v = round(height * style.margin)
    fields = [
        "Default", font.family, str(size),
        ass_colour(style.primary_colour), ass_colour(style.primary_colour),
        ass_colour(style.outline_colour), ass_colour(style.shadow_colour, style.shadow_opacity),
        "-1" if style.bold else "0", "0", "0", "0", "100", "100", "0", "0",
        "1", f"{outline:g}", f"{shadow:g}", str(_ALIGNMENT[style.position]),
        str(margin_h), str(margin_h), str(margin_v), "1",
    ]
    return "Style: " + ",".join(fields)


@lru_cache(maxsize=8)
def _measurer(file: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(file, size)


def _fitted_size(lines: list[str], font: ResolvedFont, size: int, available: float) -> int | None:
    """A smaller font size when the widest line overflows the safe width, else None."""
    if font.file is None or available <= 0:
        return None
    measure = _measurer(str(font.file), size)
    widest = max((measure.getlength(line) for line in lines), default=0.0)
    if widest <= available:
        return None
    return max(4, math.floor(size * available / widest))


def write_ass(track: CaptionTrack, path: Path, style: CaptionStyle, width: int, height: int) -> None:
    """Write the track as an ASS file for a ``width`` x ``height`` video."""
    if width <= 0 or height <= 0:
        raise ValueError(f"video size must be positive, got {width}x{height}")
    font = resolve_font(style.font, style.bold)
    size = style.size_for(height)
    outline = style.outline if style.outline is not None else size / 16
    available = width - 2 * round(width * style.margin) - 2 * outline
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
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, "
        "Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, "
        "Alignment, MarginL, MarginR, MarginV, Encoding",
        _style_line(style, font, size, width, height),
        "",
        "[Events]",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ]
    for segment in track.segments:
        lines = [" ".join(_LINE_BREAKS.sub(" ", line).split()) for line in segment.lines]
        lines = [line.upper() if style.uppercase else line for line in lines if line]
        if not lines:
            continue
        fitted = _fitted_size(lines, font, size, available)
        prefix = f"{{\\fs{fitted}}}" if fitted is not None else ""
        text = prefix + "\\N".join(escape_text(line) for line in lines)
        out.append(f"Dialogue: 0,{ass_time(segment.start)},{ass_time(segment.end)},Default,,0,0,0,,{text}")
    Path(path).write_text("\n".join(out) + "\n", encoding="utf-8", newline="\n")


def burn_filter(ass_path: Path, fontsdir: Path) -> str:
    """The ``subtitles`` filter (escaped for a filtergraph) that burns ``ass_path`` in, looking for fonts in
    ``fontsdir`` before the system's."""
    return (f"subtitles=filename={escape_filter_value(str(ass_path))}"
            f":fontsdir={escape_filter_value(str(fontsdir))}")
