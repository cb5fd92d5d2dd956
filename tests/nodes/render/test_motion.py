"""Ken Burns geometry: bounded zoom, easing, focus held still, pans in the named direction."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from nodes.render.motion import Motion, crop_rect, ease_in_out, max_zoom

SRC_W, SRC_H = 1210.0, 2152.0  # about 1.12 x 1080x1920


def test_ease_in_out_endpoints_and_symmetry() -> None:
    assert ease_in_out(0.0) == 0.0 and ease_in_out(1.0) == 1.0 and ease_in_out(0.5) == 0.5
    assert ease_in_out(-1) == 0.0 and ease_in_out(2) == 1.0
    assert ease_in_out(0.2) == pytest.approx(1 - ease_in_out(0.8))
    # Slow at both ends: the first step is far smaller than the middle one.
    assert ease_in_out(0.01) < 0.001


@given(n=st.integers(1, 20_000), zoom=st.sampled_from(["in", "out", "none"]),
       pan=st.sampled_from(["none", "left", "right", "up", "down"]), amount=st.floats(0, 1),
       fx=st.floats(0, 1), fy=st.floats(0, 1), at=st.floats(0, 1))
def test_zoom_is_bounded_and_rect_inside_source(n: int, zoom: str, pan: str, amount: float, fx: float,
                                                fy: float, at: float) -> None:
    motion = Motion(zoom=zoom, pan=pan, amount=amount, focus=(fx, fy))
    top = max_zoom(motion)
    assert 1.0 <= top <= 1.0 + amount + 1e-12
    rect = crop_rect(min(n - 1, int(at * n)), n, motion, SRC_W * top, SRC_H * top)
    zoom_factor = SRC_W * top / rect.width
    assert 1.0 - 1e-9 <= zoom_factor <= 1.0 + amount + 1e-9
    assert rect.x0 >= -1e-9 and rect.y0 >= -1e-9
    assert rect.x1 <= SRC_W * top + 1e-6 and rect.y1 <= SRC_H * top + 1e-6
    assert rect.width / rect.height == pytest.approx(SRC_W / SRC_H)


def test_long_scene_zooms_no_further_than_a_short_one() -> None:
    motion = Motion(zoom="in", amount=0.12)
    short_end = crop_rect(89, 90, motion, SRC_W, SRC_H)
    long_end = crop_rect(36_000 - 1, 36_000, motion, SRC_W, SRC_H)  # 20 minutes at 30 fps
    assert short_end == long_end
    assert SRC_W / long_end.width == pytest.approx(1.12)


def test_zoom_in_starts_wide_and_ends_close() -> None:
    motion = Motion(zoom="in", amount=0.2)
    first, last = crop_rect(0, 50, motion, 1200, 2400), crop_rect(49, 50, motion, 1200, 2400)
    assert (first.width, first.height) == pytest.approx((1200, 2400))
    assert (last.width, last.height) == pytest.approx((1000, 2000))
    out_first = crop_rect(0, 50, Motion(zoom="out", amount=0.2), 1200, 2400)
    assert out_first.width == pytest.approx(1000)


def test_focus_point_keeps_its_screen_position() -> None:
    motion = Motion(zoom="in", amount=0.3, focus=(0.2, 0.7))
    fx, fy = 0.2 * 1300, 0.7 * 2600  # the focus point in source pixels
    for index in range(0, 40, 7):
        rect = crop_rect(index, 40, motion, 1300, 2600)
        assert (fx - rect.x0) / rect.width == pytest.approx(0.2)
        assert (fy - rect.y0) / rect.height == pytest.approx(0.7)


def test_motion_is_smooth_and_monotonic() -> None:
    motion = Motion(zoom="in", amount=0.12)
    widths = [crop_rect(i, 300, motion, SRC_W, SRC_H).width for i in range(300)]
    steps = [a - b for a, b in zip(widths, widths[1:], strict=False)]
    assert all(step >= 0 for step in steps)
    assert max(steps) < 1.0  # sub-pixel steps: no frame jumps a whole pixel
    assert steps[0] < max(steps) / 20  # eased start


@pytest.mark.parametrize(("pan", "axis", "direction"), [
    ("left", "x0", -1), ("right", "x0", 1), ("up", "y0", -1), ("down", "y0", 1)])
def test_pan_direction(pan: str, axis: str, direction: int) -> None:
    motion = Motion(zoom="none", pan=pan, amount=0.1)
    first, last = crop_rect(0, 30, motion, 1100, 2200), crop_rect(29, 30, motion, 1100, 2200)
    assert direction * (getattr(last, axis) - getattr(first, axis)) > 0
    assert first.width == pytest.approx(1000)  # pan only: constant zoom, 1:1 with the output
    if pan == "left":
        assert last.x0 == pytest.approx(0.0)


def test_still_motion_is_the_whole_source() -> None:
    for motion in (Motion(zoom="none", pan="none"), Motion(zoom="in", amount=0.0)):
        assert motion.is_still and max_zoom(motion) == 1.0
        assert {crop_rect(i, 10, motion, 640, 480) for i in range(10)} == {crop_rect(0, 10, motion, 640, 480)}


def test_single_frame_scene() -> None:
    rect = crop_rect(0, 1, Motion(zoom="in"), SRC_W, SRC_H)
    assert rect.width == pytest.approx(SRC_W)


@pytest.mark.parametrize("bad", [{"amount": -0.1}, {"amount": 1.5}, {"focus": (1.2, 0.5)}, {"zoom": "sideways"},
                                 {"speed": 2}])
def test_invalid_motion_is_refused(bad: dict) -> None:
    with pytest.raises(ValidationError):
        Motion(**bad)
