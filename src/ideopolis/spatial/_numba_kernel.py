"""The compiled loop behind :func:`ideopolis.spatial.kernel.count_extreme` (imports numba: import it lazily)."""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from ideopolis.spatial.streams import GAMMA

__all__ = ["count_kernel", "draws_below_kernel"]

_GAMMA = np.uint64(GAMMA)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S32 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(32)
_S38, _S12 = np.uint64(38), np.uint64(12)
_LOW = np.uint64(0xFFFFFFFF)
_TWO32 = np.uint64(1 << 32)
_BLOCK = 256
"""Permutations drawn together: the kernel's arrays run along them (256 x neighbours picks, a few kB per region)."""


@numba.njit(inline="always")
def _mix(z: Any) -> Any:  # pragma: no cover - compiled
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


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

    A region's permutations run in blocks of :data:`_BLOCK`, each step one loop along the block's
    permutations (structure of arrays: ``words[q, b]``, ``picks[s, b]``, ``lags[b]``), so the compiler turns
    it into vector instructions (SplitMix64's 64-bit products, Lemire's products and Floyd's comparisons eight
    or four permutations at a time): the SplitMix64 words of the block, then per neighbour slot ``s`` its draws
    (a rare possible rejection, flagged in the same loop, redraws that slot's column one by one through
    :func:`_draw_below`) and Floyd's rule against slots ``0 .. s - 1``, then the lags (slot 0 first, so the
    additions run in the numpy engine's order) and the comparisons. Measured on one thread with 1M regions'
    values, 60,000 regions x 999 permutations (0.36 billion draws, ``benchmarks/bench_kernel.py``): 2.4 CPU ns
    per draw (median 2.8), where a loop over one permutation at a time takes 10.3 and the numpy engine 16.7;
    the kernel this replaced (a block's picks drawn permutation by permutation, with prefetch hints) took
    5.4-6.1 beside it. Drawing alone is about 0.8 ns; the rest is reading the picked values from a table that
    does not fit a core's cache. Picks are held as int32: a test holds at most 2**26 regions
    (:data:`ideopolis.spatial.streams.MAX_REGIONS`).
    """
    n_others = values.shape[0] - 1
    for r in numba.prange(regions.shape[0]):
        i = regions[r]
        k = cards[i]
        # allocated per region: buffers shared by a chunk of regions made the loops 1.4-1.8x slower (the
        # compiler no longer knew they were private and reloaded them)
        words = np.empty(_BLOCK * ((k + 1) // 2), dtype=np.uint64)
        picks = np.empty(_BLOCK * k, dtype=np.int32)
        lags = np.empty(_BLOCK, dtype=np.float64)
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
        for j0 in range(start[r], stop[r], _BLOCK):
            size = min(_BLOCK, stop[r] - j0)
            for q in range((k + 1) // 2):  # word q of permutation j: mix(region base + (j << 12 + q) * GAMMA)
                row = q * _BLOCK
                slot_base = region_base + np.uint64(q) * _GAMMA
                for b in range(size):
                    words[row + b] = _mix(slot_base + (np.uint64(j0 + b) << _S12) * _GAMMA)
            for s in range(k):
                bound = np.uint64(n_others - k + s + 1)
                row = (s >> 1) * _BLOCK
                column = s * _BLOCK
                maybe_rejected = np.uint64(0)
                if s & 1 == 0:
                    for b in range(size):
                        x = (words[row + b] & _LOW) * bound
                        picks[column + b] = np.int32(x >> _S32)
                        maybe_rejected |= np.uint64((x & _LOW) < bound)
                else:
                    for b in range(size):
                        x = (words[row + b] >> _S32) * bound
                        picks[column + b] = np.int32(x >> _S32)
                        maybe_rejected |= np.uint64((x & _LOW) < bound)
                if maybe_rejected:  # Lemire's exact test, one draw at a time (rare: below bound / 2**32)
                    for b in range(size):
                        picks[column + b] = np.int32(_draw_below(words[row + b], s & 1, bound))
                taken = np.int32(np.int64(bound) - 1)  # Floyd: a value taken before becomes t = bound - 1
                for t in range(s):
                    before = t * _BLOCK
                    for b in range(size):
                        pick = picks[column + b]
                        picks[column + b] = taken if pick == picks[before + b] else pick
            for b in range(size):  # position a among the others of i is region a or a + 1
                pick = np.int64(picks[b])
                lags[b] = values[pick + np.int64(pick >= i)]
            for s in range(1, k):
                column = s * _BLOCK
                for b in range(size):
                    pick = np.int64(picks[column + b])
                    lags[b] += values[pick + np.int64(pick >= i)]
            if folded:  # counted without a branch: whether a permutation is extreme is unpredictable
                for b in range(size):
                    above += np.int64(np.abs(lags[b] * weight - mid) >= reach)
            else:
                for b in range(size):
                    lag = lags[b] * weight
                    above += np.int64(lag >= upper)
                    below += np.int64(lag <= lower)
        out[r, 0] = above
        out[r, 1] = below
