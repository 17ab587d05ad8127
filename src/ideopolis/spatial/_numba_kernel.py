"""The compiled loop behind :func:`ideopolis.spatial.kernel.count_extreme` (imports numba: import it lazily)."""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from ideopolis.spatial.streams import GAMMA

__all__ = ["count_kernel"]

_GAMMA = np.uint64(GAMMA)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_S38, _S12 = np.uint64(38), np.uint64(12)
_UNIT = 2.0**-53


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
    """Fill ``out[r]`` with the extreme counts of permutations ``start[r] <= j < stop[r]`` of ``regions[r]``."""
    n_others = values.shape[0] - 1
    for r in numba.prange(regions.shape[0]):
        i = regions[r]
        k = cards[i]
        picks = np.empty(k, dtype=np.int64)
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
        for j in range(start[r], stop[r]):
            base = region_base + (np.uint64(j) << _S12) * _GAMMA
            lag = 0.0
            for s in range(k):
                top = n_others - k + s
                z = base + np.uint64(s) * _GAMMA
                z = (z ^ (z >> _S30)) * _M1
                z = (z ^ (z >> _S27)) * _M2
                z = z ^ (z >> _S31)
                draw = np.float64(np.int64(z >> _S11)) * ((top + 1) * _UNIT)
                pick = np.int64(draw)  # truncation is the floor of a non-negative number
                if pick > top:
                    pick = top
                for t in range(s):
                    if picks[t] == pick:
                        pick = top
                        break
                picks[s] = pick
                other = pick + np.int64(pick >= i)  # position a among the others of i is region a or a + 1
                if s == 0:
                    lag = values[other]
                else:
                    lag += values[other]
            lag *= weight
            if folded:  # counted without a branch: whether a permutation is extreme is unpredictable
                above += np.int64(np.abs(lag - mid) >= reach)
            else:
                above += np.int64(lag >= upper)
                below += np.int64(lag <= lower)
        out[r, 0] = above
        out[r, 1] = below
