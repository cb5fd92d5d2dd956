"""The picture a failing frame check leaves behind: golden | new | amplified difference, labelled, so the
change is visible at a glance even when it is a faint one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

GAIN = 4  # the difference is multiplied by this; faint changes would otherwise look black
_LABEL_HEIGHT = 14


def side_by_side(golden: np.ndarray, new: np.ndarray) -> Image.Image:
    """One image holding ``golden``, ``new`` and their amplified absolute difference (same-size RGB)."""
    height, width = golden.shape[:2]
    diff = np.clip(np.abs(golden.astype(np.int16) - new.astype(np.int16)) * GAIN, 0, 255).astype(np.uint8)
    gap = 4
    sheet = Image.new("RGB", (3 * width + 2 * gap, height + _LABEL_HEIGHT), (32, 32, 32))
    draw = ImageDraw.Draw(sheet)
    for column, (label, picture) in enumerate((("golden", golden), ("new", new), (f"diff x{GAIN}", diff))):
        x = column * (width + gap)
        sheet.paste(Image.fromarray(picture), (x, _LABEL_HEIGHT))
        draw.text((x + 2, 1), label, fill=(255, 255, 255))
    return sheet


def write_side_by_side(golden: np.ndarray, new: np.ndarray, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    side_by_side(golden, new).save(path, format="PNG")
    return path
