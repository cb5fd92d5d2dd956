"""The resampler's two-tap horizontal pass, a block of output pixels per vector permute (AVX-512 or AVX2).

Why: every output pixel of a row reads two source values from a position of its own, and as scalar code
(or with gather instructions, which are slow on AMD) that was three quarters of a frame's cost. Between
neighbouring output pixels the position advances by the scale, at most 1.25 while the filter has two taps,
so a block of 16 output pixels reads from a window of under 32 consecutive values: two vector loads and one
two-source permute per tap fetch them all (``vpermi2ps``; AVX2 has one-source ``vpermps``, so two of them
and a blend per tap for 8 pixels). numba cannot express a permute, so the block is written in LLVM IR as a
numba ``intrinsic``. The arithmetic is the scalar pass's, operation for operation (two products, their
sum, + 0.5, clamp to 255, truncate; no fused multiply-add), so every path gives the same bytes.

On a CPU without AVX2 ``lanes()`` is 0 and the scalar pass runs; if a kernel is still compiled for one
(a forced path, or a generic ``NUMBA_CPU_NAME``), each intrinsic emits plain loads instead of permutes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.core.registry import cpu_target
from numba.extending import intrinsic

I8, I32, I64, F32 = ir.IntType(8), ir.IntType(32), ir.IntType(64), ir.FloatType()

# The instruction set each block width needs, and the LLVM permute it uses.
NEEDS = {16: "avx512f", 8: "avx2"}


def target_features() -> frozenset[str]:
    """The CPU features numba compiles for (the host's, unless NUMBA_CPU_NAME/NUMBA_CPU_FEATURES say
    otherwise): the permutes may only be emitted where the code will be compiled for them."""
    features = cpu_target.target_context.codegen()._tm_features  # "+avx2,-avx512f,..."
    return frozenset(item[1:] for item in features.split(",") if item.startswith("+"))


@functools.cache
def lanes() -> int:
    """Output pixels per block on this machine: 16 with AVX-512, 8 with AVX2, 0 (scalar pass) without."""
    features = target_features()
    return next((width for width, feature in NEEDS.items() if feature in features), 0)


def fits(first: np.ndarray, width: int) -> bool:
    """Whether every block of ``width`` output pixels reads inside two registers' worth of source values
    (its last pixel's second tap at most 2 * width - 1 past its first pixel's first tap)."""
    if width == 0 or first.size < width:
        return False
    reach = first[width - 1:] - first[:first.size - width + 1]
    return int(reach.max()) + 1 < 2 * width


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


def _block(width: int) -> Callable[..., Any]:
    """An intrinsic ``block(row, first, w0, w1, dest, x)``: output pixels x .. x + width - 1 of a row,
    ``dest[x + j] = uint8(min(w0[x + j] * row[first[x + j]] + w1[x + j] * row[first[x + j] + 1] + 0.5,
    255))``. ``row`` must hold 2 * width readable values past every ``first``."""

    def typer(typingctx: Any, row: Any, first: Any, w0: Any, w1: Any, dest: Any, x: Any) -> Any:
        def codegen(context: Any, builder: ir.IRBuilder, signature: Any, args: Any) -> Any:
            row_p, first_p, w0_p, w1_p, dest_p = (context.make_array(kind)(context, builder, value).data
                                                  for kind, value in zip(signature.args[:5], args[:5], strict=True))
            x_at = args[5]
            floats, ints = ir.VectorType(F32, width), ir.VectorType(I32, width)
            lead = builder.load(builder.gep(first_p, [x_at]))
            index = builder.sub(_vector(builder, first_p, I32, width, x_at), _splat(builder, lead, width))
            after = builder.add(index, ir.Constant(ints, [1] * width))
            base = builder.gep(row_p, [builder.sext(lead, I64)])
            if NEEDS[width] in target_features():
                window = (_vector(builder, base, F32, width, ir.Constant(I64, 0)),
                          _vector(builder, base, F32, width, ir.Constant(I64, width)))
                left, right = _permuted(builder, window, index, width), _permuted(builder, window, after, width)
            else:
                left, right = _loaded(builder, base, index, width), _loaded(builder, base, after, width)
            total = builder.fadd(builder.fmul(_vector(builder, w0_p, F32, width, x_at), left),
                                 builder.fmul(_vector(builder, w1_p, F32, width, x_at), right))
            total = builder.fadd(total, ir.Constant(floats, [0.5] * width))
            ceiling = ir.Constant(floats, [255.0] * width)
            total = builder.select(builder.fcmp_ordered("<", total, ceiling), total, ceiling)
            target = builder.bitcast(builder.gep(dest_p, [x_at]), ir.VectorType(I8, width).as_pointer())
            builder.store(builder.fptoui(total, ir.VectorType(I8, width)), target, align=1)
            return context.get_dummy_value()

        return types.void(row, first, w0, w1, dest, x), codegen

    typer.__name__ = f"block{width}"
    return intrinsic(typer)


_block16 = _block(16)
_block8 = _block(8)


@njit(cache=True, nogil=True)
def pairs(row: np.ndarray, first: np.ndarray, w0: np.ndarray, w1: np.ndarray, dest: np.ndarray,
          width: int) -> None:  # pragma: no cover - compiled
    """One output row of the two-tap pass, ``width`` (16 or 8) pixels per block, the rest one by one
    with the same arithmetic. ``fits(first, width)`` must hold, and ``row`` have 2 * width spare values."""
    count = dest.shape[0]
    x = 0
    if width == 16:
        while x + 16 <= count:
            _block16(row, first, w0, w1, dest, x)
            x += 16
    elif width == 8:
        while x + 8 <= count:
            _block8(row, first, w0, w1, dest, x)
            x += 8
    for x in range(x, count):
        i = first[x]
        total = w0[x] * row[i] + w1[x] * row[i + 1] + np.float32(0.5)
        dest[x] = np.uint8(total if total < np.float32(255.0) else np.float32(255.0))
