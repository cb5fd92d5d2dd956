"""Caption presets: each fills in style fields (the recipe's own fields win), writes its animation as ASS
tags around the spoken word, keeps user text inert, and draws through libass as described."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest

from nodes.captions.ass import CaptionStyle, burn_filter, write_ass
from nodes.captions.font import fonts_dir
from nodes.captions.presets import PRESETS
from nodes.formats import CaptionTrack, Segment, Word

W, H = 320, 180
WORDS = ["Hello", "big", "{\\an8}world"]


def track() -> CaptionTrack:
    words = [Word(text=t, start=0.5 * i, end=0.5 * i + 0.4) for i, t in enumerate(WORDS)]
    return CaptionTrack(duration=2, segments=[Segment(start=0, end=1.5, lines=[" ".join(WORDS)], words=words)])


def events(tmp_path: Path, style: CaptionStyle) -> list[tuple[str, str, str]]:
    path = tmp_path / "p.ass"
    write_ass(track(), path, style, W, H)
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("Dialogue:"):
            fields = line.split(",", 9)
            out.append((fields[1], fields[2], fields[9]))
    return out


def without_tags(text: str) -> str:
    text = re.sub(r"(?<!\\)\{\\[^{}]*\}", "", text)  # the writer's own override blocks
    return text.replace("\\{", "{").replace("\\}", "}").replace("\u2060", "")


def test_presets_fill_fields_and_the_recipe_wins() -> None:
    assert set(PRESETS) == {"pop", "word-box", "bounce", "typewriter", "karaoke"}
    assert CaptionStyle(preset="karaoke").highlight == "#FFD400"
    pop = CaptionStyle(preset="pop")
    assert pop.position == "center" and pop.uppercase and pop.highlight is None
    assert CaptionStyle.model_validate({"preset": "pop", "position": "top"}).position == "top"
    with pytest.raises(ValueError):
        CaptionStyle.model_validate({"preset": "sparkle"})


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_preset_follows_the_words_with_inert_text(tmp_path: Path, preset: str) -> None:
    found = events(tmp_path, CaptionStyle(font_size=16, preset=preset))
    assert len(found) == 3 if preset == "pop" else len(found) >= 3
    for _, _, text in found:
        # The only override blocks are the writer's own: user braces are escaped.
        assert "{\\an8}" not in text.replace("\u2060", "")
        blocks = re.findall(r"(?<!\\)\{([^}]*)\}", text)
        assert all(block.startswith("\\") and "an8" not in block for block in blocks), text
    shown = [without_tags(text) for _, _, text in found]
    if preset == "pop":
        assert shown == ["HELLO", "BIG", "{\\AN8}WORLD"]
        assert all("\\t(0,120,\\fscx100\\fscy100)" in text for _, _, text in found)
    else:
        assert all(len(s) >= len("Hello big world") for s in shown)


def test_animation_tags_sit_on_the_spoken_word(tmp_path: Path) -> None:
    bounce = events(tmp_path, CaptionStyle(preset="bounce"))
    assert "\\t(0,90,\\fscy130)" in bounce[1][2].split("BIG")[0] and "BIG" in bounce[1][2]
    box = events(tmp_path, CaptionStyle(preset="word-box"))
    assert re.search(r"\\3a&H00&[^}]*\}BIG", box[1][2])
    typed = events(tmp_path, CaptionStyle(preset="typewriter"))
    first = typed[0][2]
    assert re.search(r"\\alpha&HFF&\}big", first) and "\\t(0,80,\\alpha&H00&)}Hello" in first


def burn(tmp_path: Path, style: CaptionStyle, at: float) -> np.ndarray:
    path = tmp_path / "b.ass"
    write_ass(track(), path, style, W, H)
    argv = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-f", "lavfi",
            "-i", f"color=c=black:s={W}x{H}:d=2", "-vf", burn_filter(path, fonts_dir()), "-ss", f"{at}",
            "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    result = subprocess.run(argv, capture_output=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]
    return np.frombuffer(result.stdout, np.uint8).reshape(H, W, 3).astype(np.int16)


def columns(mask: np.ndarray) -> np.ndarray:
    return np.flatnonzero(mask.any(axis=0))


def white(frame: np.ndarray) -> np.ndarray:
    return frame.min(axis=2) > 200


def yellow(frame: np.ndarray) -> np.ndarray:
    return (frame[..., 0] > 200) & (frame[..., 1] > 170) & (frame[..., 2] < 90)


def test_pop_draws_one_word_at_a_time_in_the_middle(tmp_path: Path) -> None:
    style = CaptionStyle(font_size=20, preset="pop")
    hello, big = burn(tmp_path, style, 0.3), burn(tmp_path, style, 0.8)
    rows = np.flatnonzero(white(hello).any(axis=1))
    assert H // 3 < rows.min() and rows.max() < 2 * H // 3  # centred
    assert 0 < columns(white(big)).size < columns(white(hello)).size  # "BIG" is narrower than "HELLO"
    early = burn(tmp_path, style, 0.52)  # 20 ms into "BIG": still scaling in
    assert columns(white(early)).size < columns(white(big)).size


def test_karaoke_bounce_and_word_box_mark_the_spoken_word(tmp_path: Path) -> None:
    for preset in ("karaoke", "bounce"):
        first = columns(yellow(burn(tmp_path, CaptionStyle(font_size=20, preset=preset), 0.3)))
        second = columns(yellow(burn(tmp_path, CaptionStyle(font_size=20, preset=preset), 0.8)))
        assert first.size and second.size and first.max() < second.min(), preset
    tall = burn(tmp_path, CaptionStyle(font_size=20, preset="bounce"), 0.59)  # 90 ms in: stretched
    rest = burn(tmp_path, CaptionStyle(font_size=20, preset="bounce"), 0.85)
    assert np.flatnonzero(yellow(tall).any(axis=1)).size > np.flatnonzero(yellow(rest).any(axis=1)).size
    boxed = burn(tmp_path, CaptionStyle(font_size=20, preset="word-box"), 0.8)
    box = yellow(boxed)
    assert box.sum() > 150  # a yellow box behind "BIG" only
    words = columns(white(boxed))
    assert columns(box).min() > words.min() and columns(box).max() < words.max()


def test_typewriter_reveals_words_as_they_are_spoken(tmp_path: Path) -> None:
    style = CaptionStyle(font_size=20, preset="typewriter")
    widths = [columns(white(burn(tmp_path, style, at))).size for at in (0.3, 0.8, 1.3)]
    assert 0 < widths[0] < widths[1] < widths[2]
