"""Caption fonts: the font shipped with the project, user font files, and glyph coverage.

Burned-in captions must look the same on every machine, so the default font travels with the code
(``fonts/dejavu/``, DejaVu Sans, see ``fonts/LICENSE.txt``) and the render node hands that folder to
libass as ``fontsdir``. The folder holds font files only: libass tries to load every file in it. A user
may instead name a .ttf/.otf/.ttc file; its family name comes from the font's own name table, because
that is what libass matches against. Glyph coverage is read straight from the font's ``cmap`` table
(formats 4 and 12, which every Unicode font carries), so a missing glyph can be reported before it
silently turns into a fallback font or an empty box.
"""

from __future__ import annotations

import struct
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DEFAULT_FAMILY = "DejaVu Sans"
FONT_SUFFIXES = (".ttf", ".otf", ".ttc")

_FONTS = Path(__file__).resolve().parent / "fonts" / "dejavu"
_BUNDLED = {False: _FONTS / "DejaVuSans.ttf", True: _FONTS / "DejaVuSans-Bold.ttf"}


class FontError(ValueError):
    """A user font cannot be used (missing, unreadable, not a font)."""


@dataclass(frozen=True)
class ResolvedFont:
    """Where libass finds the font (``fontsdir``), the family name to put in the ASS style, and the file
    itself when it is known (for measuring text and checking glyphs; None for a bare system family name)."""

    fontsdir: Path
    family: str
    file: Path | None


def fonts_dir() -> Path:
    """The folder of the bundled fonts (pass it as the subtitles filter's ``fontsdir``)."""
    return _FONTS


def default_font_file(bold: bool = True) -> Path:
    """The bundled DejaVu Sans file for the given weight."""
    return _BUNDLED[bold]


def is_font_path(font: str) -> bool:
    """Whether a ``font`` setting names a font file rather than a family."""
    return font.lower().endswith(FONT_SUFFIXES)


def user_font(path: Path) -> tuple[Path, str]:
    """``(fontsdir, family)`` for a user font file: its folder and the family name from its name table."""
    from PIL import ImageFont

    path = Path(path)
    if not path.is_file():
        raise FontError(f"font file not found: {path}")
    try:
        family = ImageFont.truetype(str(path), 12).getname()[0]
    except OSError as exc:
        raise FontError(f"cannot read font file {path}: {exc}") from exc
    if not family:
        raise FontError(f"font file {path} has no family name")
    return path.resolve().parent, family


def resolve_font(font: str, bold: bool = True) -> ResolvedFont:
    """Resolve a style's ``font`` setting: the default family, a font file path, or a system family name.

    A system family name is looked up by libass through fontconfig, so its look depends on the machine;
    the bundled folder is still returned as ``fontsdir``.
    """
    if font == DEFAULT_FAMILY:
        return ResolvedFont(_FONTS, DEFAULT_FAMILY, _BUNDLED[bold])
    if is_font_path(font):
        fontsdir, family = user_font(Path(font))
        return ResolvedFont(fontsdir, family, Path(font).resolve())
    return ResolvedFont(_FONTS, font, None)


def missing_glyphs(text: str, font_path: Path) -> list[str]:
    """The distinct characters of ``text`` (first-seen order) that ``font_path`` has no glyph for.

    Whitespace, control and format characters (joiners, variation selectors) are skipped: they are
    handled by the shaper and need no glyph of their own.
    """
    covered = _coverage(str(Path(font_path).resolve()))
    missing: list[str] = []
    for ch in dict.fromkeys(text):
        if ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf"):
            continue
        if 0xFE00 <= ord(ch) <= 0xFE0F or 0xE0100 <= ord(ch) <= 0xE01EF:  # variation selectors
            continue
        if ord(ch) not in covered:
            missing.append(ch)
    return missing


def glyph_warning(text: str, font: ResolvedFont, limit: int = 12) -> str | None:
    """A warning naming the characters of ``text`` the font cannot draw, or None when it covers them all
    (or when the font is a system family whose file is unknown)."""
    if font.file is None:
        return None
    missing = missing_glyphs(text, font.file)
    if not missing:
        return None
    shown = ", ".join(f"{ch} (U+{ord(ch):04X})" for ch in missing[:limit])
    more = f" and {len(missing) - limit} more" if len(missing) > limit else ""
    return (f"caption font {font.family!r} has no glyph for {shown}{more}: they will be drawn with a "
            f"fallback font or not at all; set the caption style's `font` to a font file that covers them")


@lru_cache(maxsize=16)
def _coverage(path: str) -> frozenset[int]:
    """The code points that map to a real glyph in the font's best Unicode cmap subtable."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise FontError(f"cannot read font file {path}: {exc}") from exc
    try:
        return frozenset(_read_cmap(data))
    except (struct.error, IndexError, ValueError) as exc:
        raise FontError(f"{path} is not a readable TrueType/OpenType font ({exc})") from exc


def _read_cmap(data: bytes) -> set[int]:
    start = 0
    if data[:4] == b"ttcf":  # a collection: use its first font
        start = struct.unpack_from(">I", data, 12)[0]
    num_tables = struct.unpack_from(">H", data, start + 4)[0]
    cmap = None
    for i in range(num_tables):
        tag, _, offset, _ = struct.unpack_from(">4sIII", data, start + 12 + 16 * i)
        if tag == b"cmap":
            cmap = offset
    if cmap is None:
        raise ValueError("no cmap table")
    count = struct.unpack_from(">H", data, cmap + 2)[0]
    subtables: dict[tuple[int, int, int], int] = {}
    for i in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", data, cmap + 4 + 8 * i)
        fmt = struct.unpack_from(">H", data, cmap + offset)[0]
        subtables.setdefault((platform, encoding, fmt), cmap + offset)
    # Prefer full-repertoire (format 12) subtables, then BMP (format 4) ones.
    for key in ((3, 10, 12), (0, 6, 12), (0, 4, 12), (3, 1, 4), (0, 3, 4), (0, 2, 4), (0, 1, 4), (0, 0, 4)):
        if key in subtables:
            offset = subtables[key]
            return _format12(data, offset) if key[2] == 12 else _format4(data, offset)
    raise ValueError("no Unicode cmap subtable of format 4 or 12")


def _format4(data: bytes, at: int) -> set[int]:
    seg_count = struct.unpack_from(">H", data, at + 6)[0] // 2
    ends = struct.unpack_from(f">{seg_count}H", data, at + 14)
    starts_at = at + 16 + 2 * seg_count
    starts = struct.unpack_from(f">{seg_count}H", data, starts_at)
    deltas = struct.unpack_from(f">{seg_count}H", data, starts_at + 2 * seg_count)
    range_at = starts_at + 4 * seg_count
    range_offsets = struct.unpack_from(f">{seg_count}H", data, range_at)
    covered: set[int] = set()
    for i in range(seg_count):
        for cp in range(starts[i], ends[i] + 1):
            if cp == 0xFFFF:
                continue
            if range_offsets[i] == 0:
                glyph = (cp + deltas[i]) & 0xFFFF
            else:
                where = range_at + 2 * i + range_offsets[i] + 2 * (cp - starts[i])
                glyph = struct.unpack_from(">H", data, where)[0]
                glyph = (glyph + deltas[i]) & 0xFFFF if glyph else 0
            if glyph:
                covered.add(cp)
    return covered


def _format12(data: bytes, at: int) -> set[int]:
    groups = struct.unpack_from(">I", data, at + 12)[0]
    covered: set[int] = set()
    for i in range(groups):
        first, last, glyph = struct.unpack_from(">III", data, at + 16 + 12 * i)
        covered.update(range(first + (1 if glyph == 0 else 0), last + 1))
    return covered
