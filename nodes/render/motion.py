"""Ken Burns motion as pure geometry: frame index -> crop rectangle in source pixels.

The source is the image already fitted ("cover") to the output aspect at ``max_zoom`` times the output
size, so the smallest crop is exactly output-sized and no frame is upscaled. Zoom is always between 1 and
1 + amount whatever the scene length (the old renderer grew without bound), it eases in and out, and the
rectangle is fractional: the sampler interpolates, so motion moves by sub-pixel steps without jitter.

The focus point (fractions of the width and height) keeps its place on screen while zooming. A pan moves
the view towards the named side of the image: "left" ends on the image's left edge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Motion(BaseModel):
    """How the camera moves over the image during a scene."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    zoom: Literal["in", "out", "none"] = "in"
    pan: Literal["none", "left", "right", "up", "down"] = "none"
    amount: float = Field(0.12, ge=0.0, le=1.0,
                          description="Zoom over the whole scene: 0.12 ends 12% closer. Also the pan room.")
    focus: tuple[float, float] = Field((0.5, 0.5),
                                       description="Point (x, y as fractions) the zoom heads for; stays put.")

    @field_validator("focus")
    @classmethod
    def _focus_inside(cls, focus: tuple[float, float]) -> tuple[float, float]:
        if not all(0.0 <= value <= 1.0 for value in focus):
            raise ValueError("focus is (x, y) as fractions of the image, each between 0 and 1")
        return focus

    @property
    def is_still(self) -> bool:
        """True when every frame is the same (nothing moves)."""
        return self.amount == 0.0 or (self.zoom == "none" and self.pan == "none")


@dataclass(frozen=True)
class Rect:
    """A crop rectangle in source pixels; fractional on purpose."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def scaled(self, factor: float) -> Rect:
        return Rect(self.x0 * factor, self.y0 * factor, self.x1 * factor, self.y1 * factor)


def ease_in_out(u: float) -> float:
    """Smoothstep: starts and stops at rest, so a scene cut never lands mid-swing."""
    u = min(1.0, max(0.0, u))
    return u * u * (3.0 - 2.0 * u)


def max_zoom(motion: Motion) -> float:
    """The largest zoom any frame uses; the source must hold this much extra resolution."""
    return 1.0 if motion.is_still else 1.0 + motion.amount


def zoom_at(motion: Motion, eased: float) -> float:
    if motion.is_still:
        return 1.0
    top = 1.0 + motion.amount
    if motion.zoom == "in":
        return 1.0 + motion.amount * eased
    if motion.zoom == "out":
        return top - motion.amount * eased
    return top  # pan only: stay zoomed in to have room to travel


def placement_at(motion: Motion, eased: float) -> tuple[float, float]:
    """Where the window sits in its free room, 0 = left/top edge, 1 = right/bottom edge."""
    fx, fy = motion.focus
    if motion.pan == "left":
        return 1.0 - eased, fy
    if motion.pan == "right":
        return eased, fy
    if motion.pan == "up":
        return fx, 1.0 - eased
    if motion.pan == "down":
        return fx, eased
    return fx, fy


def crop_rect(index: int, n_frames: int, motion: Motion, src_w: float, src_h: float) -> Rect:
    """The source rectangle shown by frame ``index`` of ``n_frames``.

    ``src_w`` x ``src_h`` is the fitted source (output aspect, ``max_zoom`` times the output size). The
    first frame shows the start of the motion and the last frame its end.
    """
    u = index / (n_frames - 1) if n_frames > 1 else 0.0
    eased = ease_in_out(u)
    zoom = zoom_at(motion, eased)
    width, height = src_w / zoom, src_h / zoom  # the source is max_zoom times the output: 1:1 at the top
    px, py = placement_at(motion, eased)
    x0 = px * (src_w - width)
    y0 = py * (src_h - height)
    return Rect(x0, y0, x0 + width, y0 + height)
