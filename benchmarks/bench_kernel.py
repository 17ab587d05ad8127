"""The permutation kernel per random number: the compiled engine against the numpy reference and a plain loop.

Run: ``uv run python benchmarks/bench_kernel.py [--n 1000000] [--regions 60000] [--permutations 999]
[--repeat 5]``

One process builds a lag problem like the 1M synthetic set's (``--n`` regions' values, 4-8 neighbours each)
and counts ``--permutations`` permutations of ``--regions`` of them, the same counts three ways, alternating,
``--repeat`` times each; it prints CPU nanoseconds per random number (min and median) and the ratios of the
minima:

- ``numba``: :func:`ideopolis.spatial.kernel.count_extreme` (this package's compiled engine), one thread and
  two threads (CPU seconds of both threads: the work, not the wait);
- ``loop``: the plain way to compile the test: one permutation at a time, draw a slot and add its value (the
  same draws and sums, written here in numba; what the engine did before it ran along blocks of
  permutations);
- ``numpy``: :func:`ideopolis.spatial.inference.permutation_counts` with ``engine="numpy"`` (the reference),
  on a tenth of the regions.

Every engine's counts are compared with the numpy reference's on the regions they share: a difference stops
the benchmark. The values do not fit a core's cache from about 100,000 regions (8 bytes each), which is where
the time of a draw is mostly the read of the picked value.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numba
import numpy as np

from ideopolis.spatial._numba_kernel import _draw_below, _mix
from ideopolis.spatial.inference import LagProblem, permutation_counts
from ideopolis.spatial.kernel import count_extreme
from ideopolis.spatial.streams import GAMMA, stream_key

_G = np.uint64(GAMMA)
_S38, _S12 = np.uint64(38), np.uint64(12)


@numba.njit(parallel=True, nogil=True, error_model="numpy")
def _loop(
    values: Any,
    link: Any,
    observed: Any,
    centre: Any,
    tol: Any,
    cards: Any,
    regions: Any,
    perms: int,
    key_plus_gamma: Any,
    out: Any,
) -> None:  # pragma: no cover - compiled
    """The plain compiled test (folded): per permutation, draw each slot (Floyd) and add its value at once."""
    n_others = values.shape[0] - 1
    for r in numba.prange(regions.shape[0]):
        i = regions[r]
        k = cards[i]
        picks = np.empty(k, dtype=np.int64)
        region_base = (np.uint64(i) << _S38) * _G + key_plus_gamma
        reach = np.abs(observed[i] - centre[i]) - tol[i]
        above = 0
        for j in range(perms):
            base = region_base + (np.uint64(j) << _S12) * _G
            word = np.uint64(0)
            lag = 0.0
            for s in range(k):
                bound = np.uint64(n_others - k + s + 1)
                if s & 1 == 0:
                    word = _mix(base + np.uint64(s >> 1) * _G)
                pick = np.int64(_draw_below(word, s & 1, bound))
                for t in range(s):
                    if picks[t] == pick:
                        pick = np.int64(bound) - 1
                        break
                picks[s] = pick
                value = values[pick + np.int64(pick >= i)]
                lag = value if s == 0 else lag + value
            above += np.int64(np.abs(lag * link[i] - centre[i]) >= reach)
        out[r, 0] = above


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="regions whose values are drawn from")
    parser.add_argument("--regions", type=int, default=60_000, help="regions whose permutations are counted")
    parser.add_argument("--permutations", type=int, default=999)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    rng = np.random.default_rng(20261201)
    n = args.n
    values = rng.normal(size=n)
    cards = rng.integers(4, 9, size=n).astype(np.int64)
    link = 1.0 / cards
    observed = link * cards * rng.normal(size=n) * 0.4
    problem = LagProblem(
        values, cards, link, observed, cards * link * (values.sum() - values) / (n - 1), np.full(n, 1e-9)
    )
    regions = np.sort(rng.choice(n, args.regions, replace=False)).astype(np.int64)
    perms = args.permutations
    draws = int(cards[regions].sum()) * perms
    seed = 7
    key = stream_key(seed)
    tenth = regions[: max(1, len(regions) // 10)]
    tenth_draws = int(cards[tenth].sum()) * perms

    def numba_run(threads: int) -> Callable[[], np.ndarray]:
        zero = np.zeros(len(regions), dtype=np.int64)
        return lambda: count_extreme(
            problem.values,
            problem.link_weight,
            problem.observed,
            problem.centre,
            problem.tolerance,
            cards,
            regions,
            zero,
            zero + perms,
            key=key,
            alternative="folded",
            threads=threads,
        )

    def loop_run() -> np.ndarray:
        out = np.zeros((len(regions), 2), dtype=np.int64)
        numba.set_num_threads(1)
        _loop(
            values,
            link,
            problem.observed,
            problem.centre,
            problem.tolerance,
            cards,
            regions,
            perms,
            np.uint64((key + GAMMA) % 2**64),
            out,
        )
        return out

    def numpy_run() -> np.ndarray:
        return permutation_counts(problem, tenth, 0, perms, seed=seed, alternative="folded", engine="numpy")

    engines: dict[str, tuple[Callable[[], np.ndarray], int]] = {
        "numba, 1 thread": (numba_run(1), draws),
        "numba, 2 threads": (numba_run(2), draws),
        "loop, 1 thread": (loop_run, draws),
        "numpy (reference)": (numpy_run, tenth_draws),
    }
    reference = numpy_run()
    for name, (run, _) in engines.items():  # compile, and compare with the reference
        counts = run()
        if not np.array_equal(counts[: len(tenth)], reference):
            raise SystemExit(f"{name}: counts differ from the numpy reference")
    times: dict[str, list[float]] = {name: [] for name in engines}
    for _ in range(args.repeat):
        for name, (run, count) in engines.items():
            t0 = time.process_time()
            run()
            times[name].append((time.process_time() - t0) / count * 1e9)
    print(
        f"{n:,} regions' values; {len(regions):,} regions x {perms} permutations = {draws:,} random numbers "
        f"(numpy: {tenth_draws:,}); CPU ns per random number, {args.repeat} runs each, alternating"
    )
    print("| engine | min ns | median ns | min / numba (1 thread) |")
    print("|---|---:|---:|---:|")
    base = min(times["numba, 1 thread"])
    for name, ts in times.items():
        print(f"| {name} | {min(ts):.2f} | {statistics.median(ts):.2f} | {min(ts) / base:.2f} |")
    print("counts identical to the numpy reference: yes")


if __name__ == "__main__":
    main()
