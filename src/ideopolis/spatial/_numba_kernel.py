"""The compiled loop behind :func:`ideopolis.spatial.kernel.count_extreme` (imports numba: import it lazily)."""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from ideopolis.spatial.streams import GAMMA

__all__ = ["count_kernel", "draws_below_kernel"]

_GAMMA = np.uint64(GAMMA)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S32 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(32)
_S38, _S12 = np.uint64(38), np.uint64(12)
_LOW = np.uint64(0xFFFFFFFF)
_TWO32 = np.uint64(1 << 32)
_BLOCK_DRAWS = 4096  # picks held per region between the drawing and the summing pass (32 kB: stays in L1/L2)


@numba.njit(inline="always")
def _mix(z: Any) -> Any:  # pragma: no cover - compiled
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@intrinsic
def _prefetch(typingctx: Any, array: Any, index: Any) -> Any:  # pragma: no cover - compiled
    """Ask the processor to bring ``array[index]`` into cache (LLVM's ``llvm.prefetch``: read, high locality).

    A hint only: it changes no value. The second pass of :func:`count_kernel` then finds the picked values in
    cache instead of waiting for each random read in turn.
    """
    signature = types.void(array, index)

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        array_type = sig.args[0]
        view = context.make_array(array_type)(context, builder, args[0])
        pointer = cgutils.get_item_pointer(  # type: ignore[no-untyped-call]
            context, builder, array_type, view, [args[1]], wraparound=False
        )
        byte_pointer = ir.IntType(8).as_pointer()
        int32 = ir.IntType(32)
        function = cgutils.get_or_insert_function(  # type: ignore[no-untyped-call]
            builder.module, ir.FunctionType(ir.VoidType(), [byte_pointer, int32, int32, int32]), "llvm.prefetch.p0i8"
        )
        # read (0), highest temporal locality (3), data cache (1)
        builder.call(
            function,
            [
                builder.bitcast(pointer, byte_pointer),
                ir.Constant(int32, 0),
                ir.Constant(int32, 3),
                ir.Constant(int32, 1),
            ],
        )
        return context.get_dummy_value()

    return signature, codegen


@numba.njit(inline="always")
def _draw_below(word: Any, half: Any, bound: Any) -> Any:  # pragma: no cover - compiled
    """Slot draw below ``bound`` from ``half`` of ``word``: :func:`ideopolis.spatial.streams.draws_below`."""
    u = (word >> _S32) if half else (word & _LOW)
    x = u * bound
    if (x & _LOW) < bound:  # rejection is possible only here (Lemire 2019, algorithm 5)
        threshold = (_TWO32 - bound) % bound
        attempt = np.uint64(0)
        while (x & _LOW) < threshold:
            attempt += np.uint64(1)
            again = _mix(word + (np.uint64(2) * attempt + np.uint64(half)) * _GAMMA)
            x = (again & _LOW) * bound
    return x >> _S32


@numba.njit(cache=True, nogil=True)
def draws_below_kernel(words: Any, half: int, bound: int) -> Any:  # pragma: no cover - compiled
    """:func:`_draw_below` of every word (what the tests compare with the numpy engine's draws)."""
    out = np.empty_like(words)
    b = np.uint64(bound)
    for q in range(words.shape[0]):
        out[q] = _draw_below(words[q], half, b)
    return out


@numba.njit(parallel=True, cache=True, nogil=True, fastmath=False, error_model="numpy")
def count_kernel(  # pragma: no cover - compiled; the tests compare it with the numpy engine
    values: Any,
    link_weight: Any,
    observed: Any,
    centre: Any,
    tolerance: Any,
    cards: Any,
    regions: Any,
    start: Any,
    stop: Any,
    key_plus_gamma: Any,
    folded: bool,
    out: Any,
) -> None:
    """Fill ``out[r]`` with the extreme counts of permutations ``start[r] <= j < stop[r]`` of ``regions[r]``.

    Per region, blocks of permutations run in two passes: the first draws every pick of the block (the random
    numbers and Floyd's rule, :mod:`ideopolis.spatial.streams`) into a small buffer and asks for each picked
    value to be fetched into cache, the second sums the picked values and compares. A million regions' values
    (8 MB) do not fit in a core's cache, and a fused loop waits for each random read in turn: measured on 1M
    regions (benchmarks/bench_scale.py), the two passes with the fetch hint take 5.2-5.3 ns per draw where the
    fused loop took 7.4-9.3, under the same load.
    """
    n_others = values.shape[0] - 1
    for r in numba.prange(regions.shape[0]):
        i = regions[r]
        k = cards[i]
        block = max(1, _BLOCK_DRAWS // k)
        buffer = np.empty(block * k, dtype=np.int64)
        region_base = (np.uint64(i) << _S38) * _GAMMA + key_plus_gamma
        weight = link_weight[i]
        mid = centre[i]
        tol = tolerance[i]
        obs = observed[i]
        reach = np.abs(obs - mid) - tol
        upper = obs - tol
        lower = obs + tol
        above = np.int64(0)
        below = np.int64(0)
        for j0 in range(start[r], stop[r], block):
            size = min(block, stop[r] - j0)
            for b in range(size):
                base = region_base + (np.uint64(j0 + b) << _S12) * _GAMMA
                row = b * k
                word = np.uint64(0)
                for s in range(k):
                    bound = np.uint64(n_others - k + s + 1)
                    if s & 1 == 0:
                        word = _mix(base + np.uint64(s >> 1) * _GAMMA)
                    pick = np.int64(_draw_below(word, s & 1, bound))
                    for t in range(s):
                        if buffer[row + t] == pick:
                            pick = np.int64(bound) - 1
                            break
                    buffer[row + s] = pick
                for s in range(k):  # position a among the others of i is region a or a + 1
                    other = buffer[row + s] + np.int64(buffer[row + s] >= i)
                    buffer[row + s] = other
                    _prefetch(values, other)  # type: ignore[call-arg]
            for b in range(size):
                row = b * k
                lag = values[buffer[row]]
                for s in range(1, k):
                    lag += values[buffer[row + s]]
                lag *= weight
                if folded:  # counted without a branch: whether a permutation is extreme is unpredictable
                    above += np.int64(np.abs(lag - mid) >= reach)
                else:
                    above += np.int64(lag >= upper)
                    below += np.int64(lag <= lower)
        out[r, 0] = above
        out[r, 1] = below
