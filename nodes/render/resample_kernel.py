"""The resampler's compiled kernel: a vertical pass into a row buffer, then the horizontal pass, in blocks
of output pixels by vector permutes (AVX-512 or AVX2) where the CPU has them, one pixel at a time
otherwise (``resample.py`` defines the filter and its taps).

Why permutes: every output pixel of a row reads its taps from a source position of its own, and as
scalar code (or with gather instructions, which are slow on AMD) that was three quarters of a frame's
cost. Between neighbouring output pixels the position advances by the scale, so a block of 16 output
pixels at a scale up to about 1.9 (two or three taps) reads from a window of under 32 consecutive values:
two vector loads, then one two-source permute per tap fetch them all (``vpermi2ps``; AVX2 has one-source
``vpermps``, so two of them and a blend per tap, for 8 pixels). numba cannot express a permute, so the
block is written in LLVM IR as a numba ``intrinsic``. The arithmetic is the same on every path, operation
for operation (products summed tap by tap, + 0.5, clamp to 255, truncate; no fused multiply-add), so every
CPU gives the same bytes.

On a CPU without AVX2 ``lanes()`` is 0 and only the scalar loops run; if a block is compiled for one
anyway (a forced path, or a generic ``NUMBA_CPU_NAME``), it is emitted with plain loads instead of permutes.
The blocks are a fast path with a plain fallback: ``two_pass_scalar`` is compiled apart from our IR, and
``resample.block_path`` uses the blocks only after they compiled and matched it on a self-check.

Everything the cached kernel calls lives in this one file on purpose: numba's disk cache is keyed by the
source file of the function it caches, so a callee edited in another file would leave a stale kernel.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from llvmlite import binding as llvm
from llvmlite import ir
from numba import config, njit, types
from numba.core import cgutils
from numba.extending import intrinsic

I8, I32, I64, F32 = ir.IntType(8), ir.IntType(32), ir.IntType(64), ir.FloatType()

# The instruction set each block width needs.
NEEDS = {16: "avx512f", 8: "avx2"}
BLOCK_WIDTHS = tuple(NEEDS)
# Tap counts with a block kernel: the filter's width up to a 2x shrink, short of the widest (4 taps at 2x),
# whose 16-pixel blocks would reach past two registers.
BLOCK_TAPS = (2, 3)


def target_features() -> frozenset[str]:
    """The CPU features numba compiles for, the way numba picks them: ``NUMBA_CPU_FEATURES`` when set (numba
    sets it empty for ``NUMBA_CPU_NAME=generic``), else the host's, read through llvmlite's public
    ``get_host_cpu_features``. The permutes may only be emitted where the code is compiled for them; if
    the probe fails, none are assumed (the scalar pass: slower, same bytes)."""
    try:
        chosen = getattr(config, "CPU_FEATURES", None)  # set by numba from its environment
        if chosen is not None:
            return frozenset(item[1:] for item in str(chosen).split(",") if item.startswith("+"))
        return frozenset(name for name, on in llvm.get_host_cpu_features().items() if on)
    except Exception:  # a probe that fails must cost speed, never a render
        return frozenset()


@functools.cache
def lanes() -> int:
    """Output pixels per block on this machine: 16 with AVX-512, 8 with AVX2, 0 (scalar pass) without."""
    features = target_features()
    return next((width for width, feature in NEEDS.items() if feature in features), 0)


def fits(first: np.ndarray, width: int, taps: int) -> bool:
    """Whether blocks of ``width`` output pixels with ``taps`` taps each can run: every block reads inside
    two registers' worth of source values (its last pixel's last tap under 2 * width past its first
    pixel's first tap)."""
    if width not in BLOCK_WIDTHS or taps not in BLOCK_TAPS or first.size < width:
        return False
    reach = first[width - 1:] - first[:first.size - width + 1]
    return int(reach.max()) + taps - 1 < 2 * width


def _vector(builder: ir.IRBuilder, pointer: ir.Value, kind: ir.Type, width: int, offset: ir.Value) -> ir.Value:
    """Load ``width`` values of ``kind`` from ``pointer[offset]`` (unaligned)."""
    vector = ir.VectorType(kind, width)
    return builder.load(builder.bitcast(builder.gep(pointer, [offset]), vector.as_pointer()), align=1)


def _splat(builder: ir.IRBuilder, value: ir.Value, width: int) -> ir.Value:
    vector = ir.VectorType(value.type, width)
    single = builder.insert_element(ir.Constant(vector, ir.Undefined), value, ir.Constant(I32, 0))
    return builder.shuffle_vector(single, ir.Constant(vector, ir.Undefined), ir.Constant(ir.VectorType(I32, width),
                                                                                        [0] * width))


def _permuted(builder: ir.IRBuilder, window: tuple[ir.Value, ir.Value], index: ir.Value, width: int) -> ir.Value:
    """``window[index[j]]`` for each lane j, the window being two registers of consecutive values."""
    floats, ints = ir.VectorType(F32, width), ir.VectorType(I32, width)
    low, high = window
    if width == 16:
        permute = cgutils.get_or_insert_function(builder.module, ir.FunctionType(floats, [floats, ints, floats]),
                                                 "llvm.x86.avx512.vpermi2var.ps.512")
        return builder.call(permute, [low, index, high])
    # vpermps reads the index's low three bits: permute both halves, keep the one the index points into.
    permute = cgutils.get_or_insert_function(builder.module, ir.FunctionType(floats, [floats, ints]),
                                             "llvm.x86.avx2.permps")
    in_low = builder.icmp_signed("<", index, ir.Constant(ints, [width] * width))
    return builder.select(in_low, builder.call(permute, [low, index]), builder.call(permute, [high, index]))


def _loaded(builder: ir.IRBuilder, base: ir.Value, index: ir.Value, width: int) -> ir.Value:
    """The same values as ``_permuted``, one scalar load each (CPUs without the permute)."""
    values = ir.Constant(ir.VectorType(F32, width), ir.Undefined)
    for lane in range(width):
        position = builder.sext(builder.extract_element(index, ir.Constant(I32, lane)), I64)
        values = builder.insert_element(values, builder.load(builder.gep(base, [position])), ir.Constant(I32, lane))
    return values


def _emit_block(builder: ir.IRBuilder, pointers: tuple[ir.Value, ...], count: ir.Value, x_at: ir.Value,
                width: int, taps: int) -> None:
    """The IR for one block of ``width`` pixels with ``taps`` taps (see ``_block``)."""
    row_p, first_p, columns_p, dest_p = pointers
    floats, ints = ir.VectorType(F32, width), ir.VectorType(I32, width)
    lead = builder.load(builder.gep(first_p, [x_at]))
    index = builder.sub(_vector(builder, first_p, I32, width, x_at), _splat(builder, lead, width))
    base = builder.gep(row_p, [builder.sext(lead, I64)])
    permutes = NEEDS[width] in target_features()
    window = (_vector(builder, base, F32, width, ir.Constant(I64, 0)),
              _vector(builder, base, F32, width, ir.Constant(I64, width))) if permutes else None
    total = None
    for tap in range(taps):
        at = builder.add(index, ir.Constant(ints, [tap] * width))
        values = _permuted(builder, window, at, width) if window else _loaded(builder, base, at, width)
        column = builder.add(builder.mul(count, ir.Constant(count.type, tap)), x_at)
        product = builder.fmul(_vector(builder, columns_p, F32, width, column), values)
        total = product if total is None else builder.fadd(total, product)
    total = builder.fadd(total, ir.Constant(floats, [0.5] * width))
    ceiling = ir.Constant(floats, [255.0] * width)
    total = builder.select(builder.fcmp_ordered("<", total, ceiling), total, ceiling)
    target = builder.bitcast(builder.gep(dest_p, [x_at]), ir.VectorType(I8, width).as_pointer())
    builder.store(builder.fptoui(total, ir.VectorType(I8, width)), target, align=1)


@intrinsic
def _block(typingctx: Any, row: Any, first: Any, columns: Any, dest: Any, x: Any, width: Any) -> Any:
    """``_block(row, first, columns, dest, x, width)``: output pixels x .. x + width - 1 of a row,
    ``dest[x + j] = uint8(min(sum over k of columns[k, x + j] * row[first[x + j] + k] + 0.5, 255))``,
    ``columns`` holding one row of weights per tap. One branch per block width and tap count in
    ``BLOCK_WIDTHS`` x ``BLOCK_TAPS`` (others do nothing). ``row`` must hold 2 * width readable values past
    every ``first``."""

    def codegen(context: Any, builder: ir.IRBuilder, signature: Any, args: Any) -> Any:
        arrays = [context.make_array(kind)(context, builder, value)
                  for kind, value in zip(signature.args[:4], args[:4], strict=True)]
        taps, count = cgutils.unpack_tuple(builder, arrays[2].shape, 2)  # columns is taps x count
        for block_width in BLOCK_WIDTHS:
            for block_taps in BLOCK_TAPS:
                chosen = builder.and_(builder.icmp_signed("==", args[5], ir.Constant(args[5].type, block_width)),
                                      builder.icmp_signed("==", taps, ir.Constant(taps.type, block_taps)))
                with builder.if_then(chosen):
                    _emit_block(builder, tuple(array.data for array in arrays), count, args[4], block_width,
                                block_taps)
        return context.get_dummy_value()

    return types.void(row, first, columns, dest, x, width), codegen


@njit(cache=True, nogil=True, boundscheck=False)
def filter_row(row: np.ndarray, first: np.ndarray, columns: np.ndarray, dest: np.ndarray,
               width: int) -> None:  # pragma: no cover - compiled
    """One output row from one vertically filtered ``row``: ``dest[x]`` from ``row[first[x] + k]`` with
    weights ``columns[k, x]``. In blocks of ``width`` (16 or 8) pixels, which needs ``fits(first, width,
    taps)`` and 2 * width spare values at the end of ``row``, the last few one by one; with ``width`` 0
    all one by one."""
    taps, count = columns.shape
    if width == 0:
        _one_by_one(row, first, columns, dest)
        return
    x = 0
    if width in BLOCK_WIDTHS and taps in BLOCK_TAPS:
        while x + width <= count:
            _block(row, first, columns, dest, x, width)  # type: ignore[call-arg]  # an intrinsic
            x += width
    _any_taps(row, first, columns, dest, x)


@njit(cache=True, nogil=True, boundscheck=False)
def _one_by_one(row: np.ndarray, first: np.ndarray, columns: np.ndarray,
                dest: np.ndarray) -> None:  # pragma: no cover - compiled
    """A whole row one pixel at a time, with the blocks' arithmetic. Two and three taps are written out
    (far faster code than the general loop, as is a loop from a constant start)."""
    taps, count = columns.shape
    ceiling = np.float32(255.0)
    if taps == 2:
        w0, w1 = columns[0], columns[1]
        for x in range(count):
            i = first[x]
            total = w0[x] * row[i] + w1[x] * row[i + 1] + np.float32(0.5)
            dest[x] = np.uint8(total if total < ceiling else ceiling)
    elif taps == 3:
        w0, w1, w2 = columns[0], columns[1], columns[2]
        for x in range(count):
            i = first[x]
            total = w0[x] * row[i] + w1[x] * row[i + 1] + w2[x] * row[i + 2] + np.float32(0.5)
            dest[x] = np.uint8(total if total < ceiling else ceiling)
    else:
        _any_taps(row, first, columns, dest, 0)


@njit(cache=True, nogil=True, boundscheck=False)
def _any_taps(row: np.ndarray, first: np.ndarray, columns: np.ndarray, dest: np.ndarray,
              start: int) -> None:  # pragma: no cover - compiled
    """Output pixels ``start`` onwards, one at a time, for any number of taps: the blocks' sums, tap by
    tap, then + 0.5."""
    taps, count = columns.shape
    ceiling = np.float32(255.0)
    for x in range(start, count):
        i = first[x]
        total = columns[0, x] * row[i]
        for k in range(1, taps):
            total += columns[k, x] * row[i + k]
        total += np.float32(0.5)
        dest[x] = np.uint8(total if total < ceiling else ceiling)


@njit(cache=True, nogil=True, boundscheck=False)
def _vertical(src: np.ndarray, top: int, left: int, weights: np.ndarray,
              row: np.ndarray, span: int) -> None:  # pragma: no cover - compiled
    """``row[:span]`` = the source rows from ``top`` on, weighted by ``weights``, tap by tap."""
    w = weights[0]
    line = src[top, left:left + span]
    for c in range(span):
        row[c] = w * np.float32(line[c])
    for k in range(1, weights.size):
        w = weights[k]
        line = src[top + k, left:left + span]
        for c in range(span):
            row[c] += w * np.float32(line[c])


@njit(cache=True, nogil=True, boundscheck=False)
def two_pass(src: np.ndarray, xfirst: np.ndarray, columns: np.ndarray, yfirst: np.ndarray,
             yweights: np.ndarray, out: np.ndarray, lanes: int) -> None:  # pragma: no cover - compiled
    """``out`` from ``src`` with the taps of ``resample.taps`` (the horizontal weights as ``columns``,
    taps x width, so a block loads each tap's weights at once): per output row, the vertical pass into
    a row buffer (contiguous, so vectorised), then the horizontal pass from that buffer (in cache), in
    blocks of ``lanes`` pixels or, with ``lanes`` 0, one by one. No fused multiply-adds (no fastmath):
    the same bytes on every CPU."""
    height, width = out.shape
    kx = columns.shape[0]
    left = xfirst[0]
    span = xfirst[width - 1] + kx - left
    row = np.zeros(span + 32, np.float32)  # two 16-value registers may be read past the last tap
    first = xfirst - left
    for r in range(height):
        _vertical(src, yfirst[r], left, yweights[r], row, span)
        filter_row(row, first, columns, out[r], lanes)


@njit(cache=True, nogil=True, boundscheck=False)
def two_pass_scalar(src: np.ndarray, xfirst: np.ndarray, columns: np.ndarray, yfirst: np.ndarray,
                    yweights: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover - compiled
    """``two_pass`` one pixel at a time, compiled apart from the block kernel (no LLVM IR of ours), so it
    is the plain fallback when the block kernel cannot be compiled or fails its self-check."""
    height, width = out.shape
    kx = columns.shape[0]
    left = xfirst[0]
    span = xfirst[width - 1] + kx - left
    row = np.zeros(span + 32, np.float32)
    first = xfirst - left
    for r in range(height):
        _vertical(src, yfirst[r], left, yweights[r], row, span)
        _one_by_one(row, first, columns, out[r])
