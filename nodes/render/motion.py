"""Ken Burns motion as pure geometry: frame index -> the rectangle of the fitted image that frame shows.

Every motion reduces to a start and an end rectangle, in fractions of the fitted image (the picture already
fitted to the output's aspect, so a rectangle of the output's aspect has equal width and height fractions).
Frames in between follow the one similarity path from the start to the end rectangle: the scale changes
geometrically (a zoom looks equally fast throughout, never rushing at its end) and the point the two
rectangles share stays put on screen, so "zoom in towards the focus" keeps the focus still.

Zoom is bounded by ``amount`` whatever the scene's length (the old renderer grew without bound), and the
rectangles are fractional: the sampler interpolates, so the picture moves by sub-pixel steps without jitter.
A pan moves the view towards the named side of the image: "left" ends on the image's left edge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Easing = Literal["linear", "ease-in-out"]

# The smallest rectangle side (fraction of the fitted image): a 5x zoom is the most any frame shows.
MIN_BOX = 0.2
# Start/end rectangles must keep the output's shape: width and height fractions equal within this.
ASPECT_TOLERANCE = 0.01
# A moving view's source is fitted this much larger than its deepest view needs. At exactly one source
# pixel per output pixel every output pixel sits at the same sub-pixel phase, so the interpolation's blur
# (none at whole pixels, most half way between) pulses over the whole frame as a pan moves, which motion
# tracking reads as jitter (1.6-1.9x an exact render's); 5% more spreads the phases across the frame (a
# cycle every 20 output pixels) and brings pans within 1.4x (bench/pan_jitter.py).
PHASE_SPREAD = 1.05


class Box(BaseModel):
    """A rectangle of the fitted image as fractions: left ``x``, top ``y``, width ``w``, height ``h``.

    The fitted image has the output's aspect, so an undistorted view has ``h == w`` (the default).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    x: float = Field(0.0, ge=0.0, le=1.0)
    y: float = Field(0.0, ge=0.0, le=1.0)
    w: float = Field(1.0, ge=MIN_BOX, le=1.0, description=f"Width fraction, at least {MIN_BOX} (5x zoom).")
    h: float | None = Field(None, ge=MIN_BOX, le=1.0, description="Height fraction; default: equal to w.")

    @model_validator(mode="after")
    def _inside(self) -> Box:
        h = self.w if self.h is None else self.h
        if abs(h - self.w) > ASPECT_TOLERANCE:
            raise ValueError(f"w ({self.w}) and h ({h}) must be equal: fractions of the fitted image, which "
                             "has the output's shape, so unequal ones would stretch the picture")
        if self.x + self.w > 1.0 + 1e-9 or self.y + h > 1.0 + 1e-9:
            raise ValueError(f"the box x={self.x}, y={self.y}, w={self.w}, h={h} runs off the image "
                             "(x + w and y + h must be at most 1)")
        return self

    def rect(self) -> Rect:
        """As a Rect of the unit square (the box's own width, so the shape is exact)."""
        return Rect(self.x, self.y, self.x + self.w, self.y + self.w)


class Motion(BaseModel):
    """How the camera moves over the image during a scene."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    zoom: Literal["in", "out", "none"] = "in"
    pan: Literal["none", "left", "right", "up", "down"] = "none"
    amount: float = Field(0.12, ge=0.0, le=1.0,
                          description="Zoom over the whole scene: 0.12 ends 12% closer. Also the pan room.")
    easing: Easing = Field("ease-in-out", description="linear: constant speed; ease-in-out: starts and "
                           "stops at rest.")
    focus: tuple[float, float] = Field((0.5, 0.5),
                                       description="Point (x, y as fractions) the zoom heads for; stays put.")
    start: Box | None = Field(None, description="Explicit first view (instead of zoom/pan/amount/focus).")
    end: Box | None = Field(None, description="Explicit last view; given together with start.")
    auto: bool = Field(False, description="Pick zoom, pan and focus per scene from the seed and the image.")
    seed: int = Field(0, ge=-(2**63), lt=2**63, description="Varies the auto choice; the same seed and image "
                      "give the same motion.")

    @field_validator("focus")
    @classmethod
    def _focus_inside(cls, focus: tuple[float, float]) -> tuple[float, float]:
        if not all(0.0 <= value <= 1.0 for value in focus):
            raise ValueError("focus is (x, y) as fractions of the image, each between 0 and 1")
        return focus

    @model_validator(mode="after")
    def _one_way_to_say_it(self) -> Motion:
        if (self.start is None) != (self.end is None):
            raise ValueError("give both start and end boxes, or neither")
        if self.start is not None:
            clashing = sorted({"zoom", "pan", "amount", "focus", "auto"} & self.model_fields_set)
            if clashing:
                raise ValueError(f"start/end boxes replace {', '.join(clashing)}: give one or the other")
        return self

    @property
    def is_still(self) -> bool:
        """True when every frame is the same (nothing moves)."""
        if self.start is not None and self.end is not None:
            return self.start.rect() == self.end.rect()
        if self.auto:
            return self.amount == 0.0
        return self.amount == 0.0 or (self.zoom == "none" and self.pan == "none")


@dataclass(frozen=True)
class Rect:
    """A rectangle (in fractions or in pixels, as the caller uses it); fractional on purpose."""

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

    def stretched(self, sx: float, sy: float) -> Rect:
        """From fractions of an image to its pixels (``sx`` x ``sy`` pixels)."""
        return Rect(self.x0 * sx, self.y0 * sy, self.x1 * sx, self.y1 * sy)


FULL = Rect(0.0, 0.0, 1.0, 1.0)


def ease_in_out(u: float) -> float:
    """Smoothstep: starts and stops at rest, so a scene cut never lands mid-swing."""
    u = min(1.0, max(0.0, u))
    return u * u * (3.0 - 2.0 * u)


def eased(easing: Easing, u: float) -> float:
    u = min(1.0, max(0.0, u))
    return ease_in_out(u) if easing == "ease-in-out" else u


def _placed(size: float, px: float, py: float) -> Rect:
    """A square-fraction rectangle of side ``size`` at placement (px, py) in its free room (0..1 each)."""
    x0, y0 = px * (1.0 - size), py * (1.0 - size)
    return Rect(x0, y0, x0 + size, y0 + size)


_PAN_FROM_TO = {"left": ((1.0, None), (0.0, None)), "right": ((0.0, None), (1.0, None)),
                "up": ((None, 1.0), (None, 0.0)), "down": ((None, 0.0), (None, 1.0))}


def endpoints(motion: Motion) -> tuple[Rect, Rect]:
    """The first and last view of ``motion`` as rectangles of the unit square (auto already resolved)."""
    if motion.start is not None and motion.end is not None:
        return motion.start.rect(), motion.end.rect()
    if motion.is_still:
        return FULL, FULL
    close = 1.0 / (1.0 + motion.amount)
    fx, fy = motion.focus
    if motion.pan == "none":
        start_place = end_place = (fx, fy)
    else:
        (sx, sy), (ex, ey) = _PAN_FROM_TO[motion.pan]
        start_place = (fx if sx is None else sx, fy if sy is None else sy)
        end_place = (fx if ex is None else ex, fy if ey is None else ey)
    sizes = {"in": (1.0, close), "out": (close, 1.0), "none": (close, close)}[motion.zoom]
    return _placed(sizes[0], *start_place), _placed(sizes[1], *end_place)


def max_zoom(motion: Motion) -> float:
    """The largest zoom any frame uses (1 = the whole fitted image); the source needs this much detail."""
    start, end = endpoints(motion)
    return 1.0 / min(start.width, end.width)


def source_zoom(motion: Motion) -> float:
    """How many times the output size the fitted source should be: the deepest zoom any frame uses, and
    for a moving view ``PHASE_SPREAD`` more, so no frame samples it at exactly one pixel per pixel (a
    still is copied 1:1)."""
    zoom = max_zoom(motion)
    return zoom if motion.is_still else zoom * PHASE_SPREAD


def _path_weight(ratio: float, t: float) -> float:
    """Weight of the end rectangle at time ``t`` (0..1) on the similarity path whose scale goes 1 -> ratio.

    (ratio**t - 1) / (ratio - 1): the scale grows geometrically and every point of the picture moves in a
    straight line; it tends to plain ``t`` (a pure pan) as the ratio nears 1.
    """
    if abs(ratio - 1.0) < 1e-9:
        return t
    return math.expm1(t * math.log(ratio)) / (ratio - 1.0)


def view_at(index: int, n_frames: int, motion: Motion) -> Rect:
    """The rectangle (fractions of the fitted image) frame ``index`` of ``n_frames`` shows.

    The first frame shows the start view and the last frame the end view exactly.
    """
    start, end = endpoints(motion)
    if start == end:
        return start
    u = index / (n_frames - 1) if n_frames > 1 else 0.0
    weight = _path_weight(end.width / start.width, eased(motion.easing, u))
    return Rect(start.x0 + (end.x0 - start.x0) * weight, start.y0 + (end.y0 - start.y0) * weight,
                start.x1 + (end.x1 - start.x1) * weight, start.y1 + (end.y1 - start.y1) * weight)


def crop_rect(index: int, n_frames: int, motion: Motion, src_w: float, src_h: float) -> Rect:
    """The rectangle frame ``index`` shows, in pixels of a ``src_w`` x ``src_h`` fitted source."""
    return view_at(index, n_frames, motion).stretched(src_w, src_h)
