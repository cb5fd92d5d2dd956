"""Caption fonts: the bundled font, user font files, glyph coverage from the cmap table."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import pytest

from nodes.captions.font import (
    DEFAULT_FAMILY,
    FontError,
    _read_cmap,
    default_font_file,
    fonts_dir,
    glyph_warning,
    missing_glyphs,
    resolve_font,
    user_font,
)


def test_bundled_fonts_and_licence_ship_with_the_code() -> None:
    folder = fonts_dir()
    assert sorted(p.name for p in folder.iterdir()) == ["DejaVuSans-Bold.ttf", "DejaVuSans.ttf"]
    assert "Bitstream" in (folder.parent / "LICENSE.txt").read_text(encoding="utf-8")
    assert user_font(default_font_file(bold=True)) == (folder, DEFAULT_FAMILY)


def test_resolve_font_default_path_and_system_family(tmp_path: Path) -> None:
    default = resolve_font(DEFAULT_FAMILY, bold=False)
    assert default.file == default_font_file(bold=False) and default.fontsdir == fonts_dir()
    copy = tmp_path / "My Font.ttf"
    shutil.copy(default_font_file(), copy)
    mine = resolve_font(str(copy))
    assert (mine.fontsdir, mine.family, mine.file) == (tmp_path.resolve(), DEFAULT_FAMILY, copy.resolve())
    system = resolve_font("Liberation Sans")
    assert system.file is None and system.family == "Liberation Sans"


def test_bad_user_fonts_raise_font_error(tmp_path: Path) -> None:
    with pytest.raises(FontError, match="not found"):
        resolve_font(str(tmp_path / "missing.ttf"))
    fake = tmp_path / "fake.otf"
    fake.write_bytes(b"not a font at all")
    with pytest.raises(FontError):
        resolve_font(str(fake))
    with pytest.raises(FontError):
        missing_glyphs("a", fake)


def test_missing_glyphs_reports_uncovered_characters_once_in_order() -> None:
    font = default_font_file()
    assert missing_glyphs("Hello, world! é ñ Ж שלום مرحبا", font) == []
    assert missing_glyphs("日本 日本 x 語", font) == ["日", "本", "語"]
    # Whitespace and invisible format characters need no glyph.
    assert missing_glyphs("a\u200d\u2060\ufe0f\t\n b", font) == []


def test_cmap_format_12_is_read() -> None:
    # A minimal font: offset table with one 'cmap' table holding one (3, 10) format 12 subtable.
    groups = [(0x41, 0x43, 1), (0x1F600, 0x1F600, 4), (0x50, 0x50, 0)]
    sub = struct.pack(">HHIII", 12, 0, 16 + 12 * len(groups), 0, len(groups))
    sub += b"".join(struct.pack(">III", *g) for g in groups)
    cmap = struct.pack(">HH", 0, 1) + struct.pack(">HHI", 3, 10, 12) + sub
    header = struct.pack(">IHHHH", 0x00010000, 1, 16, 0, 0) + struct.pack(">4sIII", b"cmap", 0, 28, len(cmap))
    assert _read_cmap(header + cmap) == {0x41, 0x42, 0x43, 0x1F600}


def test_glyph_warning_names_the_missing_characters() -> None:
    default = resolve_font(DEFAULT_FAMILY)
    assert glyph_warning("Hello, world! é Ж", default) is None
    message = glyph_warning("日本 x 😀 語", default)
    assert message is not None
    assert "日 (U+65E5)" in message and "語 (U+8A9E)" in message and "DejaVu Sans" in message
    assert "`font`" in message  # says what to do
    many = glyph_warning("".join(chr(0x4E00 + i) for i in range(20)), default, limit=3)
    assert many is not None and "and 17 more" in many
    assert glyph_warning("日本", resolve_font("Some System Family")) is None  # no file to check
