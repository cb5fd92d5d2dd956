"""The resampler's kernel: blocks by vector permutes give the same bytes as one pixel at a time, on every path."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from nodes.render import resample_kernel
from nodes.render.resample import _CHECKS, block_path, resample_alike, taps

ROOT = Path(__file__).resolve().parents[3]
Case = tuple[np.ndarray, tuple[float, float, float, float], tuple[int, int]]


def _cases(seed: int, count: int, taps_wanted: int) -> list[Case]:
    """Random planes and rectangles whose horizontal pass has ``taps_wanted`` taps: scales from a 3x enlargement
    to the 1.25x shrink where the filter widens (two taps), and on to a 1.9x shrink (three), touching the
    plane's edges, output widths that are and are not a multiple of 16 (the one-by-one tail), bright
    planes (the clamp to 255)."""
    rng = np.random.default_rng(seed)
    cases: list[Case] = []
    while len(cases) < count:
        height, width = (int(v) for v in rng.integers(4, 160, 2))
        top = 255 if rng.random() < 0.2 else int(rng.integers(1, 256))
        plane = rng.integers(max(0, top - 40), top + 1, (height, width), dtype=np.uint8)
        out_w, out_h = int(rng.integers(1, 120)), int(rng.integers(1, 40))
        length = min(float(width), out_w * (rng.uniform(0.33, 1.25) if taps_wanted == 2 else rng.uniform(1.26, 1.9)))
        x0 = 0.0 if rng.random() < 0.2 else rng.uniform(0, width - length)
        x1 = float(width) if rng.random() < 0.2 else x0 + length
        y0 = rng.uniform(0, height / 2)
        box = (x0, y0, min(x1, float(width)), rng.uniform(y0 + 0.5, height))
        if taps(box[0], box[2] - box[0], out_w, width)[1].shape[1] == taps_wanted:
            cases.append((plane, box, (out_h, out_w)))
    return cases


def _render(plane: np.ndarray, box: tuple[float, float, float, float], shape: tuple[int, int],
            lanes: int) -> np.ndarray:
    out = np.full(shape, 7, np.uint8)
    resample_alike([plane], box, [out], lanes=lanes)
    return out


@pytest.mark.parametrize("tap_count", [2, 3])
@pytest.mark.parametrize("lanes", [16, 8])
def test_blocks_give_the_scalar_bytes(lanes: int, tap_count: int) -> None:
    checked = 0
    for plane, box, shape in _cases(seed=lanes + tap_count, count=400, taps_wanted=tap_count):
        if not resample_kernel.fits(taps(box[0], box[2] - box[0], shape[1], plane.shape[1])[0], lanes, tap_count):
            continue
        expected = _render(plane, box, shape, lanes=0)
        assert np.array_equal(_render(plane, box, shape, lanes=lanes), expected), (box, shape)
        checked += 1
    assert checked > 150  # most cases fit; the rest are too narrow for one block, or (8 lanes) too wide


def test_fits_is_the_register_reach() -> None:
    assert resample_kernel.fits(np.arange(16, dtype=np.int32) * 2, 16, 2)  # last tap 31 values on: inside 32
    assert not resample_kernel.fits(np.r_[np.arange(15) * 2, 31].astype(np.int32), 16, 2)  # 32 values on
    assert not resample_kernel.fits(np.arange(16, dtype=np.int32) * 2, 16, 3)  # the third tap: 32 values on
    assert resample_kernel.fits(np.arange(40, dtype=np.int32), 8, 3)
    assert not resample_kernel.fits(np.arange(7, dtype=np.int32), 8, 2)  # narrower than one block
    assert not resample_kernel.fits(np.arange(40, dtype=np.int32), 16, 4)  # no block kernel for four taps
    assert not resample_kernel.fits(np.arange(40, dtype=np.int32), 0, 2)  # no permutes on this CPU


def test_the_default_path_follows_the_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two and three taps go ``block_path().lanes`` at a time; four (a 2x shrink) always one by one."""
    lanes = block_path().lanes  # chosen (and self-checked) before counting the calls
    seen: list[int] = []
    blocks, scalar = resample_kernel.two_pass, resample_kernel.two_pass_scalar
    monkeypatch.setattr(resample_kernel, "two_pass", lambda *args: (seen.append(args[-1]), blocks(*args)))
    monkeypatch.setattr(resample_kernel, "two_pass_scalar", lambda *args: (seen.append(0), scalar(*args)))
    plane = np.random.default_rng(2).integers(0, 256, (64, 200), dtype=np.uint8)
    resample_alike([plane], (3.5, 2.0, 190.5, 60.0), [np.empty((50, 160), np.uint8)])  # 1.17x: two taps
    resample_alike([plane], (0.0, 0.0, 200.0, 64.0), [np.empty((20, 140), np.uint8)])  # 1.43x: three
    resample_alike([plane], (0.0, 0.0, 200.0, 64.0), [np.empty((20, 100), np.uint8)])  # 2x: four
    assert lanes == resample_kernel.lanes()  # on this machine the blocks pass their self-check
    assert seen == [lanes, lanes, 0]


def test_lanes_follow_the_target_features(monkeypatch: pytest.MonkeyPatch) -> None:
    features = resample_kernel.target_features()
    expected = 16 if "avx512f" in features else 8 if "avx2" in features else 0
    assert resample_kernel.lanes() == expected
    assert resample_kernel.target_features() >= {"sse2"} or resample_kernel.lanes() == 0  # x86-64 or none
    # the public probe agrees with what numba's code generator was set up with (a private attribute,
    # read here only to check the probe)
    from numba.core.registry import cpu_target

    private = getattr(cpu_target.target_context.codegen(), "_tm_features", None)
    if private is not None:
        assert {"avx2", "avx512f"} & features == {f[1:] for f in private.split(",")
                                                  if f in ("+avx2", "+avx512f")}

    def broken() -> None:
        raise RuntimeError("no host features here")

    monkeypatch.setattr(resample_kernel.llvm, "get_host_cpu_features", broken)
    monkeypatch.setattr(resample_kernel.config, "CPU_FEATURES", None)
    assert resample_kernel.target_features() == frozenset()  # a failing probe: no features, no crash
    monkeypatch.setattr(resample_kernel.config, "CPU_FEATURES", "+avx2,-avx512f")
    assert resample_kernel.target_features() == {"avx2"}


def test_the_self_check_cases_fit_every_block_width() -> None:
    for plane_shape, box, shape in _CHECKS:
        first, weights = taps(box[0], box[2] - box[0], shape[1], plane_shape[1])
        assert all(resample_kernel.fits(first, width, weights.shape[1]) for width in (8, 16))
    assert sorted(taps(b[0], b[2] - b[0], o[1], p[1])[1].shape[1] for p, b, o in _CHECKS) == [2, 3]


@pytest.mark.parametrize("failure", ["compile", "wrong bytes"])
def test_a_failing_block_kernel_falls_back_to_the_scalar_kernel(monkeypatch: pytest.MonkeyPatch,
                                                                failure: str) -> None:
    """Forced: the block kernel raises as a failed compile would, or writes wrong bytes. The process then
    takes the scalar kernel everywhere, with the reason for ``doctor``, and renders the same bytes."""
    from numba.core.errors import LoweringError

    plane = np.random.default_rng(5).integers(0, 256, (64, 200), dtype=np.uint8)
    box, shape = (3.5, 2.0, 190.5, 60.0), (50, 160)
    expected = _render(plane, box, shape, lanes=0)

    def broken(src: np.ndarray, xfirst: np.ndarray, columns: np.ndarray, yfirst: np.ndarray,
               yweights: np.ndarray, out: np.ndarray, lanes: int) -> None:
        if failure == "compile":
            raise LoweringError("Failed in nopython mode pipeline (step: native lowering)")
        out[:] = 0

    monkeypatch.setattr(resample_kernel, "two_pass", broken)
    monkeypatch.setattr(resample_kernel, "lanes", lambda: 16)  # as on a CPU with permutes
    block_path.cache_clear()
    try:
        path = block_path()
        assert path.lanes == 0
        assert ("failed to compile (LoweringError" if failure == "compile" else "self-check") in path.reason
        out = np.empty(shape, np.uint8)
        resample_alike([plane], box, [out])
        assert np.array_equal(out, expected)
        from nodes.render.node import _resampler_path

        assert _resampler_path().startswith("one pixel at a time (the 16-pixel blocks failed")
    finally:
        block_path.cache_clear()


def test_a_cpu_without_permutes_loads_instead(tmp_path: Path) -> None:
    """Compiled for a generic x86-64 (no AVX), the engine picks the scalar pass, and a block forced anyway
    is emitted with plain loads: still the scalar bytes."""
    script = textwrap.dedent("""
        import numpy as np
        from nodes.render import resample_kernel
        from nodes.render.resample import resample_alike
        assert resample_kernel.lanes() == 0, resample_kernel.lanes()
        plane = np.random.default_rng(4).integers(0, 256, (40, 90), dtype=np.uint8)
        for box, width in (((1.5, 0.5, 80.25, 39.0), 70), ((1.5, 0.5, 88.0, 39.0), 60)):  # two taps, three
            outs = {lanes: np.empty((30, width), np.uint8) for lanes in (0, 8, 16)}
            for lanes, out in outs.items():
                resample_alike([plane], box, [out], lanes=lanes)
            assert np.array_equal(outs[0], outs[8]) and np.array_equal(outs[0], outs[16]), box
        print("same bytes")
    """)
    env = {**os.environ, "NUMBA_CPU_NAME": "generic", "NUMBA_CPU_FEATURES": "", "NUMBA_CACHE_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "same bytes" in result.stdout
