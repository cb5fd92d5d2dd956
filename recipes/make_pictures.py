"""Contact sheets of the example recipes for the README, made from their golden frames.

Each sheet puts a recipe's sampled frames (``recipes/<name>.golden/frame-*.png``, written by
``pipeline golden record``) side by side on a dark strip: ``recipes/pictures/<name>.jpg``.

Run: ``python recipes/make_pictures.py`` after recording the golden sets.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
GAP = 6
BACKGROUND = (24, 24, 28)


def contact_sheet(frames: list[Path]) -> Image.Image:
    images = [Image.open(f).convert("RGB") for f in frames]
    height = max(im.height for im in images)
    width = sum(im.width for im in images) + GAP * (len(images) + 1)
    sheet = Image.new("RGB", (width, height + 2 * GAP), BACKGROUND)
    x = GAP
    for im in images:
        sheet.paste(im, (x, GAP + (height - im.height) // 2))
        x += im.width + GAP
    return sheet


def main() -> None:
    out = HERE / "pictures"
    out.mkdir(exist_ok=True)
    for golden in sorted(HERE.glob("*.golden")):
        frames = sorted(golden.glob("frame-*.png"), key=lambda p: int(p.stem.split("-")[1]))
        if frames:  # one sheet per recipe (hello-steps renders what hello does; README shows hello's)
            dest = out / f"{golden.name.removesuffix('.golden')}.jpg"
            contact_sheet(frames).save(dest, quality=82, optimize=True)
            print(f"wrote {dest}")


if __name__ == "__main__":
    main()
