"""The permutation engine compiled with numba: the numpy engine's draws and sums, in vector loops.

:func:`ideopolis.spatial.inference.permutation_counts` has two engines that give the same counts bit for bit:

- ``numpy`` (the reference): vectorised over chunks of regions x permutations, about ten array passes per
  random number (:func:`ideopolis.spatial.inference._floyd_subsets`, ``_count_block``);
- ``numba`` (this module): per region, blocks of 256 permutations, each step (the SplitMix64 words, a
  neighbour slot's draws, Floyd's rule, the sums, the comparisons) one loop along the block's permutations
  that the compiler turns into vector instructions; the arrays stay in the core's cache.

Both use the same SplitMix64 word and half of every draw (:mod:`ideopolis.spatial.streams`), the same Floyd
picks (a draw below ``t + 1`` by Lemire's multiply-and-reject method, ``t`` when taken before),
the same order of the floating-point additions (slot 0, 1, ..., ``k - 1``), the same product by the link
weight, the same centre and the same tie tolerance, and numba compiles without ``fastmath`` (no reassociation,
no fused multiply-add), so every comparison, and so every count, is identical. The regions are spread over
threads with ``numba.prange``; a region's counts depend only on its own stream, so they do not depend on the
number of threads. The compiled code is cached on disk (``cache=True``): only the first call on a machine pays
the compilation (a few CPU seconds, measured in ``benchmarks/bench_scale.py``).
"""

from __future__ import annotations

import numpy as np

from ideopolis.spatial.streams import GAMMA

__all__ = ["count_extreme"]


def count_extreme(
    values: np.ndarray,
    link_weight: np.ndarray,
    observed: np.ndarray,
    centre: np.ndarray,
    tolerance: np.ndarray,
    cardinalities: np.ndarray,
    regions: np.ndarray,
    start: np.ndarray,
    stop: np.ndarray,
    *,
    key: int,
    alternative: str,
    threads: int,
) -> np.ndarray:
    """Counts of permuted lags at least as extreme, permutations ``start[r] <= j < stop[r]`` of ``regions[r]``.

    Parameters
    ----------
    values, link_weight, observed, centre, tolerance, cardinalities : numpy.ndarray
        The fields of :class:`ideopolis.spatial.inference.LagProblem`, shape ``(n,)``.
    regions, start, stop : numpy.ndarray of int
        Region positions (each with a neighbour) and the permutation numbers to run, shape ``(r,)``.
    key : int
        :func:`ideopolis.spatial.streams.stream_key` of the seed.
    alternative : {"folded", "directed"}
        As :func:`ideopolis.spatial.inference.permutation_counts`.
    threads : int
        Threads numba spreads the regions over (capped at ``numba.config.NUMBA_NUM_THREADS``).

    Returns
    -------
    numpy.ndarray
        Shape ``(r, 2)``, int64: the counts of
        :func:`ideopolis.spatial.inference.permutation_counts` (column 1 is 0 for ``folded``).
    """
    import numba

    from ideopolis.spatial._numba_kernel import count_kernel as kernel

    out = np.zeros((len(regions), 2), dtype=np.int64)
    if not len(regions):
        return out
    before = numba.get_num_threads()
    most = int(numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]
    numba.set_num_threads(max(1, min(int(threads), most)))
    try:
        kernel(
            np.ascontiguousarray(values, dtype=np.float64),
            np.ascontiguousarray(link_weight, dtype=np.float64),
            np.ascontiguousarray(observed, dtype=np.float64),
            np.ascontiguousarray(centre, dtype=np.float64),
            np.ascontiguousarray(tolerance, dtype=np.float64),
            np.ascontiguousarray(cardinalities, dtype=np.int64),
            np.ascontiguousarray(regions, dtype=np.int64),
            np.ascontiguousarray(start, dtype=np.int64),
            np.ascontiguousarray(stop, dtype=np.int64),
            np.uint64((key + GAMMA) & ((1 << 64) - 1)),
            alternative == "folded",
            out,
        )
    finally:
        numba.set_num_threads(before)
    return out
