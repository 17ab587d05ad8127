"""Inference for local statistics: conditional permutation p-values, their Monte Carlo error, corrections.

- The permutation engine (:func:`permutation_counts`): conditional permutation (Anselin 1995), every region
  drawing from its own stream (:mod:`ideopolis.spatial.streams`) with Floyd's algorithm, vectorised in numpy
  over chunks of regions x permutations, so memory is bounded and results do not depend on the chunks or
  the threads.
- The sequential test (:func:`sequential_test`): the pseudo p-value ``(M + 1) / (P + 1)``, a Clopper-Pearson
  interval around it, calls that hold across the intervals of all regions (MMCTest, Gandy & Hahn 2014) and
  more permutations, round by round, for the regions whose call does not yet.
- Benjamini-Hochberg (1995) or Bonferroni adjustment over the regions tested, and the arithmetic of how many
  permutations a correction needs (the smallest p-value is ``1 / (P + 1)``).

See :mod:`ideopolis.spatial.hotspots` for the statistics and the classes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from ideopolis.errors import MethodError
from ideopolis.registry import Registry
from ideopolis.spatial.streams import check_stream_limits, slot_draws, stream_key
from ideopolis.spatial.weights import BoolArray, FloatArray, IntArray, SpatialWeights

#: What runs a test's permutations: :func:`permutation_counts` or an engine's equivalent (same counts).
PermutationCounter = Callable[..., IntArray]

DEFAULT_PERMUTATIONS = 999
DEFAULT_SEED = 12345
ALTERNATIVES = ("folded", "directed")


def _rows(weights: SpatialWeights) -> IntArray:
    return np.repeat(np.arange(weights.n, dtype=np.int64), weights.cardinalities)


_CHUNK_ELEMENTS = 1 << 16  # region x permutation pairs held at once (about 60 bytes each): they stay in cache

_TIE_RTOL = 1e-9

ENGINES = ("auto", "numpy", "numba")
"""Permutation engines of :func:`permutation_counts` (identical counts)."""

NUMBA_MIN_DRAWS = 200_000_000
"""Random numbers (permutations x neighbours) from which ``engine="auto"`` runs the compiled engine: below it,
the numpy engine finishes before numba would have loaded its cached code (about 1.5 CPU seconds)."""

DEFAULT_MC_LEVEL = 0.999
"""Confidence of each region's Monte Carlo interval of its p-value."""

LADDER_FACTOR = 2
"""Each round of the sequential test multiplies ``P + 1`` of the undetermined regions by this."""

BUDGET_FACTOR = 10
"""The default budget of a sequential test: this many times the permutations of its first round."""

PERMUTATION_CAP = 255_999
"""The most permutations the default maximum gives a region: about 2 s of work for US counties (benchmarks/)."""


CORRECTIONS: Registry[Callable[[FloatArray], FloatArray]] = Registry("multiple-testing correction")


_CORRECTION_LABEL = {
    "fdr_bh": "Benjamini-Hochberg false discovery rate",
    "bonferroni": "Bonferroni",
    "none": "no multiple-testing correction",
}


@CORRECTIONS.register("fdr_bh", aliases=("fdr", "bh", "benjamini_hochberg"))
def _fdr_bh(p: FloatArray) -> FloatArray:
    m = p.size
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return out


@CORRECTIONS.register("bonferroni")
def _bonferroni(p: FloatArray) -> FloatArray:
    return np.minimum(p * p.size, 1.0)


@CORRECTIONS.register("none", aliases=("uncorrected",))
def _none(p: FloatArray) -> FloatArray:
    return p.copy()


def adjust_pvalues(p: FloatArray | pd.Series, method: str = "fdr_bh") -> FloatArray:
    """Adjust p-values for multiple testing; missing values stay missing and are not counted.

    Parameters
    ----------
    p : array-like
        p-values in [0, 1]; NaN for tests not run.
    method : str, default "fdr_bh"
        ``"fdr_bh"`` (Benjamini-Hochberg step-up adjusted p-values), ``"bonferroni"`` (``min(1, m p)``) or
        ``"none"``.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values; a test is significant at level ``alpha`` when its adjusted p-value is <= alpha.

    Raises
    ------
    UnknownMethodError
        For an unknown correction (listing the valid names).
    MethodError
        For p-values outside [0, 1].

    Examples
    --------
    >>> adjust_pvalues([0.01, 0.04, 0.03, 0.5], "fdr_bh").round(4).tolist()
    [0.04, 0.0533, 0.0533, 0.5]
    """
    func = CORRECTIONS.get(method)
    values = np.asarray(p, dtype=np.float64)
    out = np.full(values.shape, np.nan)
    ok = ~np.isnan(values)
    if ((values[ok] < 0) | (values[ok] > 1)).any():
        raise MethodError("p-values must lie in [0, 1]")
    if ok.any():
        out[ok] = func(values[ok])
    return out


def minimum_pvalue(permutations: int) -> float:
    """Return the smallest pseudo p-value ``1 / (P + 1)`` that ``permutations`` can give.

    The pseudo p-value of a permutation test is ``(M + 1) / (P + 1)``, with ``M`` the permutations at least as
    extreme as the observed statistic (Davison & Hinkley 1997; North, Curtis & Sham 2002); it is
    smallest when ``M = 0``.

    Parameters
    ----------
    permutations : int
        Permutations run (``P``), at least 1.

    Returns
    -------
    float
        ``1 / (P + 1)``.

    Raises
    ------
    MethodError
        When ``permutations`` is not a whole number of at least 1.

    Examples
    --------
    >>> minimum_pvalue(999)
    0.001
    """
    _check_permutations(permutations)
    return 1.0 / (permutations + 1)


def permutations_needed(tests: int, alpha: float, correction: str = "fdr_bh") -> int:
    """Return the fewest permutations that let a single region be significant at ``alpha``.

    A lone significant region needs ``1 / (P + 1) <= alpha / m`` under Bonferroni and under Benjamini-Hochberg
    (whose smallest threshold is ``alpha / m``), ``1 / (P + 1) <= alpha`` without correction.

    Parameters
    ----------
    tests : int
        Number of regions tested (``m``).
    alpha : float
        Significance level.
    correction : str, default "fdr_bh"
        Multiple-testing correction.

    Returns
    -------
    int
        ``ceil(m / alpha) - 1`` (``ceil(1 / alpha) - 1`` without correction).

    Examples
    --------
    >>> permutations_needed(3200, 0.05, "bonferroni")
    63999
    """
    key = CORRECTIONS.canonical(correction)
    m = 1 if key == "none" else max(int(tests), 1)
    return math.ceil(Fraction(m) / Fraction(str(alpha))) - 1


def permutation_limits(
    tests: int, permutations: int, correction: str, levels: tuple[float, ...], *, mc_level: float | None = None
) -> list[str]:
    """Say, in plain words, which significance levels the permutations cannot reach.

    Parameters
    ----------
    tests : int
        Number of regions tested.
    permutations : int
        Permutations run (``P``), or the most a region may run in a sequential test.
    correction : str
        Multiple-testing correction.
    levels : tuple of float
        Significance levels used by the classes (e.g. 0.01, 0.05, 0.10).
    mc_level : float, optional
        For a sequential test: the confidence of the Monte Carlo intervals. The smallest p-value a region can
        then be shown to have is the upper end of its interval with no permutation as extreme,
        ``1 - ((1 - mc_level) / 2) ** (1 / P)``, rather than the pseudo p-value ``1 / (P + 1)``.

    Returns
    -------
    list of str
        One sentence per kind of limit; empty when every level can be reached by a single region.

    Examples
    --------
    >>> permutation_limits(3136, 255_999, "fdr_bh", (0.01,), mc_level=0.999)[0][:95]
    "with at most 255,999 permutations a region's p-value can be shown to lie below 2.97e-05 at best"
    """
    key = CORRECTIONS.canonical(correction)
    m = max(int(tests), 1)
    if mc_level is None:
        p_min = 1.0 / (permutations + 1)
        smallest = f"with {permutations:,} permutations the smallest pseudo p-value is {p_min:.3g}"

        def need(cut: float, lone: int) -> int:
            return permutations_needed(lone, cut, "none" if lone == 1 else key)

    else:
        delta = 1.0 - mc_level
        p_min = -math.expm1(math.log(delta / 2) / permutations)
        smallest = (
            f"with at most {permutations:,} permutations a region's p-value can be shown to lie below "
            f"{p_min:.3g} at best (the upper end of its {100 * mc_level:.10g}% Monte Carlo interval)"
        )

        def need(cut: float, lone: int) -> int:
            return permutations_to_certify(cut / (1 if lone == 1 or key == "none" else lone), delta)

    levels = tuple(sorted(levels))
    out: list[str] = []
    impossible = [a for a in levels if p_min > a]
    if impossible:
        needs = "; ".join(f"{_pct(a)} needs at least {need(a, 1):,}" for a in impossible)
        out.append(f"{smallest}, so no region can be significant at {_levels(impossible)} ({needs})")
    possible = [a for a in levels if a not in impossible]
    if key == "none" or m == 1:
        return out
    binding = [a for a in possible if p_min > a / m]
    if not binding:
        return out
    needs = "/".join(f"{need(a, m):,}" for a in binding)
    if key == "bonferroni":
        thresholds = "/".join(f"{a / m:.2g}" for a in binding)
        out.append(
            f"{smallest}; Bonferroni over {m:,} regions at {_levels(binding)} needs p <= {thresholds}, "
            f"i.e. at least {needs} permutations: no region can be significant at that level"
        )
    else:
        group = "/".join(f"{math.ceil(m * p_min / a - 1e-9):,}" for a in binding)
        out.append(
            f"{smallest}; with Benjamini-Hochberg over {m:,} regions a region can be significant at "
            f"{_levels(binding)} only if at least {group} regions reach that p-value together "
            f"(a lone region would need at least {needs} permutations)"
        )
    return out


def _pct(alpha: float) -> str:
    return f"{100 * (1 - alpha):g}%"


def _levels(alphas: list[float]) -> str:
    return "/".join(_pct(a) for a in alphas)


def _check_permutations(permutations: int) -> None:
    if isinstance(permutations, bool) or not isinstance(permutations, int | np.integer):
        raise MethodError(f"permutations must be a whole number, got {permutations!r}")
    if permutations < 1:
        raise MethodError(
            f"permutations must be at least 1 (got {permutations}); 999 is usual, and the smallest "
            "pseudo p-value is 1/(permutations + 1)"
        )


# --------------------------------------------------------------------------- the permutation engine
@dataclass(frozen=True)
class LagProblem:
    """What the permutation engine needs of one statistic: values, weights and the observed lags.

    Both statistics of :mod:`ideopolis.spatial.hotspots` are, for a given region, an increasing (Gi*) or a
    linear (local Moran, through ``z_i``) function of the spatial lag of the other regions' values, so the lag
    is what is permuted. Every link of a region carries the same weight (binary or row-standardised weights),
    so a permuted lag is that weight times the sum of ``k_i`` values drawn without replacement from the
    ``n - 1`` other regions.

    Attributes
    ----------
    values : numpy.ndarray
        The values the lag is taken of, shape ``(n,)``.
    cardinalities : numpy.ndarray
        Neighbours per region ``k_i``.
    link_weight : numpy.ndarray
        The weight of each of region i's links (0 where it has none).
    observed : numpy.ndarray
        The observed lag of each region.
    centre : numpy.ndarray
        The exact expectation of the permuted lag: ``k_i w_i`` times the mean of the other values.
    tolerance : numpy.ndarray
        Ties within ``1e-9`` of the scale of a region's lag count as at least as extreme.
    """

    values: FloatArray
    cardinalities: IntArray
    link_weight: FloatArray
    observed: FloatArray
    centre: FloatArray
    tolerance: FloatArray

    @classmethod
    def build(
        cls, values: FloatArray, weights: SpatialWeights, link_weights: FloatArray, observed_lag: FloatArray
    ) -> LagProblem:
        """Check the weights are equal within each region and derive centres and tie tolerances.

        Parameters
        ----------
        values : numpy.ndarray
            The values the lag is taken of (centred for Gi*, standardised for local Moran).
        weights : SpatialWeights
            Neighbour structure.
        link_weights : numpy.ndarray
            Weight of each link, aligned with ``weights.indices``.
        observed_lag : numpy.ndarray
            The observed lag of every region.

        Returns
        -------
        LagProblem

        Raises
        ------
        MethodError
            When a region's links carry different weights (the engine draws unordered neighbour sets).
        """
        n = weights.n
        cards = weights.cardinalities.astype(np.int64)
        rows = _rows(weights)
        has = cards > 0
        first = np.zeros(n)
        first[has] = link_weights[weights.indptr[:-1][has]]
        if len(rows) and not np.allclose(link_weights, first[rows], rtol=1e-12, atol=0.0):
            raise MethodError(
                "conditional permutation here needs equal weights within each region (binary or row-standardised)"
            )
        values = np.asarray(values, dtype=np.float64)
        scale = float(np.abs(values - values.mean()).max()) if n else 0.0
        total = cards * np.abs(first)
        others_mean = (values.sum() - values) / max(n - 1, 1)
        return cls(
            values=values,
            cardinalities=cards,
            link_weight=first,
            observed=np.asarray(observed_lag, dtype=np.float64),
            centre=cards * first * others_mean,
            tolerance=np.asarray(_TIE_RTOL * (total * scale + 1e-300), dtype=np.float64),
        )


def _floyd_subsets(key: int, regions: IntArray, first: int, last: int, k: int, n_others: int) -> np.ndarray:
    """``k`` distinct positions in ``[0, n_others)`` per region and permutation, from the regions' streams.

    Robert Floyd's algorithm (Bentley & Floyd 1987, "A sample of brilliance", CACM 30(9)) picks a uniformly
    random ``k``-subset with exactly ``k`` draws: at step ``t = n - k + s`` draw ``r`` uniform in ``[0, t]`` and
    take ``r``, or ``t`` when ``r`` was taken before. ``r`` is slot ``s``'s draw below ``t + 1``
    (:func:`ideopolis.spatial.streams.draws_below`: 32 bits of word ``s // 2``, Lemire's method). The order
    of the subset is not uniform; the statistics here only use its sum.

    Returns
    -------
    numpy.ndarray
        Shape ``(k, len(regions), last - first)``, int32 (int64 beyond 2**31 regions).
    """
    shape = (len(regions), last - first)
    picks = np.empty((k, *shape), dtype=np.int32 if n_others < 2**31 - 1 else np.int64)
    taken = np.empty(shape, dtype=bool)
    same = np.empty(shape, dtype=bool)
    bounds = [n_others - k + s + 1 for s in range(k)]
    for s, draws in enumerate(slot_draws(key, regions, np.arange(first, last, dtype=np.int64), bounds)):
        top = bounds[s] - 1
        r = picks[s]
        r[...] = draws
        if s:
            np.equal(picks[0], r, out=taken)
            for t in range(1, s):
                np.equal(picks[t], r, out=same)
                np.logical_or(taken, same, out=taken)
            if taken.any():
                r[taken] = top
    return picks


def _count_block(
    problem: LagProblem, key: int, regions: IntArray, k: int, first: int, last: int, alternative: str
) -> IntArray:
    """Counts of permuted lags at least as extreme, permutations ``[first, last)`` of ``regions`` (all with ``k``)."""
    n = len(problem.values)
    picks = _floyd_subsets(key, regions, first, last, k, n - 1)
    picks += picks >= regions[None, :, None].astype(
        picks.dtype
    )  # position a among "the others of i" is region a or a + 1
    lags = problem.values[picks[0]]
    for s in range(1, k):
        lags += problem.values[picks[s]]
    lags *= problem.link_weight[regions][:, None]
    obs = problem.observed[regions][:, None]
    tol = problem.tolerance[regions][:, None]
    out = np.zeros((len(regions), 2), dtype=np.int64)
    if alternative == "folded":
        centre = problem.centre[regions][:, None]
        lags -= centre
        np.abs(lags, out=lags)
        out[:, 0] = np.count_nonzero(lags >= np.abs(obs - centre) - tol, axis=1)
    else:
        out[:, 0] = np.count_nonzero(lags >= obs - tol, axis=1)
        out[:, 1] = np.count_nonzero(lags <= obs + tol, axis=1)
    return out


def resolve_engine(engine: str, cardinalities: IntArray, start: Any, stop: Any) -> str:
    """The engine :func:`permutation_counts` runs for ``engine`` on regions with these neighbour counts and ranges.

    Parameters
    ----------
    engine : {"auto", "numpy", "numba"}
        As :func:`permutation_counts`.
    cardinalities : numpy.ndarray of int
        Neighbours of each region run, shape ``(r,)``.
    start, stop : int or numpy.ndarray of int
        The permutations run, ``start <= j < stop`` (broadcast to ``(r,)``).

    Returns
    -------
    str
        ``"numpy"`` or ``"numba"``: ``auto`` is ``numba`` from :data:`NUMBA_MIN_DRAWS` random numbers on.

    Raises
    ------
    MethodError
        For an unknown engine.

    Examples
    --------
    >>> resolve_engine("auto", np.array([6, 6]), 0, 999), resolve_engine("auto", np.full(40_000, 6), 0, 999)
    ('numpy', 'numba')
    """
    if engine not in ENGINES:
        raise MethodError(f"unknown permutation engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    if engine != "auto":
        return engine
    ranges = np.maximum(np.asarray(stop, dtype=np.int64) - np.asarray(start, dtype=np.int64), 0)
    draws = int((ranges * np.asarray(cardinalities, dtype=np.int64)).sum())
    return "numba" if draws >= NUMBA_MIN_DRAWS else "numpy"


def permutation_counts(
    problem: LagProblem,
    regions: IntArray,
    start: IntArray,
    stop: IntArray,
    *,
    seed: int,
    alternative: str = "folded",
    chunk_regions: int | None = None,
    chunk_elements: int = _CHUNK_ELEMENTS,
    threads: int = 1,
    engine: str = "auto",
) -> IntArray:
    """Run permutations ``start[r] <= j < stop[r]`` of each region ``regions[r]`` and count the extreme ones.

    Every draw comes from the region's own stream (:mod:`ideopolis.spatial.streams`), so the counts do not
    depend on ``chunk_regions``, ``chunk_elements`` or ``threads``, and a region can be extended later by
    asking for the permutations after those it has run.

    Parameters
    ----------
    problem : LagProblem
        Values, weights and observed lags.
    regions : numpy.ndarray of int
        Region positions, each with at least one neighbour.
    start, stop : numpy.ndarray of int
        Permutation numbers to run per region (``start <= stop``).
    seed : int
        The test's seed.
    alternative : {"folded", "directed"}
        ``folded``: column 0 counts permuted lags at least as far from the centre as the observed one.
        ``directed``: column 0 counts lags ``>=`` the observed one, column 1 lags ``<=`` it.
    chunk_regions : int, optional
        Regions computed together (default: as many as fit in ``chunk_elements``).
    chunk_elements : int
        Region x permutation pairs held at once (memory bound: about ``24 + 4 k`` bytes each).
    threads : int, default 1
        Worker threads (numpy releases the GIL in the array work; numba spreads the regions over them).
    engine : {"auto", "numpy", "numba"}
        ``numpy``: the vectorised reference engine; ``numba``: the same draws and sums in one compiled
        loop (:mod:`ideopolis.spatial.kernel`), identical counts; ``auto`` (default): numba for work of at
        least :data:`NUMBA_MIN_DRAWS` random numbers (where it repays loading the compiled code), numpy below.
        The chunks apply to the numpy engine only.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(regions), 2)``, int64.

    Raises
    ------
    MethodError
        For ``threads`` or ``chunk_regions`` below 1, a region without neighbours, more regions, permutations
        or neighbours than the streams address (:func:`ideopolis.spatial.streams.check_stream_limits`), or an
        unknown engine.
    """
    regions = np.asarray(regions, dtype=np.int64)
    start = np.broadcast_to(np.asarray(start, dtype=np.int64), regions.shape)
    stop = np.broadcast_to(np.asarray(stop, dtype=np.int64), regions.shape)
    if threads < 1:
        raise MethodError(f"threads must be at least 1, got {threads}")
    if chunk_regions is not None and chunk_regions < 1:
        raise MethodError(f"chunk_regions must be at least 1, got {chunk_regions}")
    key = stream_key(seed)
    cards = problem.cardinalities[regions]
    if (cards < 1).any():
        raise MethodError("every region run through the permutation engine needs a neighbour")
    check_stream_limits(len(problem.values), int(stop.max(initial=0)), int(cards.max(initial=0)))
    if resolve_engine(engine, cards, start, stop) == "numba":
        from ideopolis.spatial.kernel import count_extreme

        return count_extreme(
            problem.values,
            problem.link_weight,
            problem.observed,
            problem.centre,
            problem.tolerance,
            problem.cardinalities,
            regions,
            start,
            np.maximum(stop, start),
            key=key,
            alternative=alternative,
            threads=threads,
        )
    out = np.zeros((len(regions), 2), dtype=np.int64)
    work: list[tuple[IntArray, int, int, int]] = []  # (rows of out, k, first, last)
    order = np.lexsort((regions, stop, start, cards))
    groups = np.flatnonzero(np.diff(np.c_[cards[order], start[order], stop[order]], axis=0).any(axis=1)) + 1
    for rows in np.split(order, groups):
        if not len(rows):
            continue
        k, first, last = int(cards[rows[0]]), int(start[rows[0]]), int(stop[rows[0]])
        span = last - first
        if span <= 0:
            continue
        if chunk_regions is None:
            batch = min(span, max(1, chunk_elements))
            size = max(1, chunk_elements // batch)
        else:
            size = chunk_regions
            batch = min(span, max(1, chunk_elements // size))
        for r0 in range(0, len(rows), size):
            for j0 in range(first, last, batch):
                work.append((rows[r0 : r0 + size], k, j0, min(last, j0 + batch)))

    def run(item: tuple[IntArray, int, int, int]) -> IntArray:
        rows, k, j0, j1 = item
        return _count_block(problem, key, regions[rows], k, j0, j1, alternative)

    if threads == 1 or len(work) < 2:
        results: Iterable[IntArray] = map(run, work)
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=threads) as pool:
            results = list(pool.map(run, work))
    for (rows, *_), counts in zip(work, results, strict=True):
        out[rows] += counts
    return out


def conditional_permutation_pvalues(
    values: FloatArray,
    weights: SpatialWeights,
    link_weights: FloatArray,
    observed_lag: FloatArray,
    *,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
    alternative: str = "folded",
    chunk_regions: int | None = None,
    chunk_elements: int = _CHUNK_ELEMENTS,
    threads: int = 1,
    counter: PermutationCounter | None = None,
) -> FloatArray:
    """Pseudo p-values ``(M + 1) / (P + 1)`` of the spatial lags with the same ``P`` for every region.

    The fixed-size test (as esda runs it); :func:`sequential_test` is the one :func:`hotspots` uses.

    Parameters
    ----------
    values, weights, link_weights, observed_lag
        As :meth:`LagProblem.build`.
    permutations : int, default 999
        Conditional permutations ``P`` per region.
    seed : int, default 12345
        Seed of the regions' streams.
    alternative : {"folded", "directed"}
        Module docstring of :mod:`ideopolis.spatial.hotspots`.
    chunk_regions, chunk_elements, threads
        Work split (:func:`permutation_counts`); results do not depend on them.
    counter : callable, optional
        Runs the permutations instead of :func:`permutation_counts` (same signature and counts), e.g. a Dask
        engine's (:meth:`ideopolis.engines.ComputeEngine.permutation_counts`).

    Returns
    -------
    numpy.ndarray
        NaN for regions without neighbours.

    Raises
    ------
    MethodError
        For permutations below 1, an unknown alternative or unequal weights within a region.
    """
    _check_permutations(permutations)
    _check_alternative(alternative)
    problem = LagProblem.build(values, weights, link_weights, observed_lag)
    run = np.flatnonzero(problem.cardinalities > 0)
    counts = (counter or permutation_counts)(
        problem,
        run,
        np.zeros(len(run), dtype=np.int64),
        np.full(len(run), permutations, dtype=np.int64),
        seed=seed,
        alternative=alternative,
        chunk_regions=chunk_regions,
        chunk_elements=chunk_elements,
        threads=threads,
    )
    p = np.full(weights.n, np.nan)
    p[run] = (_extreme(counts, alternative) + 1.0) / (permutations + 1.0)
    return p


def permutation_threads() -> int:
    """Worker threads for the permutation engine: the cores this process may use (results do not depend on it).

    Returns
    -------
    int
        ``len(os.sched_getaffinity(0))`` where the platform has it, else ``os.cpu_count()``, at least 1.
    """
    import os

    affinity = getattr(os, "sched_getaffinity", None)
    cores = len(affinity(0)) if affinity is not None else os.cpu_count()
    return max(1, int(cores or 1))


def _extreme(counts: IntArray, alternative: str) -> IntArray:
    return counts[:, 0] if alternative == "folded" else np.minimum(counts[:, 0], counts[:, 1])


def _check_alternative(alternative: str) -> None:
    if alternative not in ALTERNATIVES:
        raise MethodError(f"unknown alternative {alternative!r}; choose one of: {', '.join(ALTERNATIVES)}")


# --------------------------------------------------------------------------- the sequential test
@dataclass(frozen=True)
class SequentialTest:
    """Monte Carlo p-values with their error, and the calls that hold within that error.

    Attributes
    ----------
    p_sim : numpy.ndarray
        ``(M + 1) / (P + 1)`` with the region's own ``P`` (NaN where not run, 1 where the p-value is exactly 1).
    p_low, p_high : numpy.ndarray
        Clopper-Pearson interval of the exact permutation p-value at confidence :attr:`interval_level`.
    exceedances, permutations : numpy.ndarray
        ``M`` and ``P`` per region (0 where not run).
    significant : dict of float to numpy.ndarray
        Per level: significant with every p-value at the upper end of its interval (a call that holds).
    possible : dict of float to numpy.ndarray
        Per level: significant with every p-value at the lower end (a call that may hold).
    undetermined : numpy.ndarray
        Tested regions possible but not significant at some level after the last permutation.
    ladder : tuple of int
        Cumulative permutations a region may reach, round by round.
    rounds : int
        Rounds run.
    interval_level : float
        Confidence of each interval (``mc_level``).
    budget, spent : int
        The most permutations the test could run in all, and how many it ran.
    out_of_budget : bool
        The rounds stopped because the next one would have exceeded the budget.
    """

    p_sim: FloatArray
    p_low: FloatArray
    p_high: FloatArray
    exceedances: IntArray
    permutations: IntArray
    significant: dict[float, BoolArray]
    possible: dict[float, BoolArray]
    undetermined: BoolArray
    ladder: tuple[int, ...]
    rounds: int
    interval_level: float
    budget: int = 0
    spent: int = 0
    out_of_budget: bool = False


def tail_bound(problem: LagProblem, alternative: str = "folded", *, grid: int = 32) -> FloatArray:
    """An upper bound on each region's exact conditional-permutation p-value, without permutations.

    The permuted neighbour sum ``S`` of region i is a sum of ``k_i`` values drawn without replacement from
    the ``n - 1`` other values. Hoeffding (1963, "Probability inequalities for sums of bounded random
    variables", JASA 58(301), Theorem 4) shows ``E f(S) <= E f(S')`` for every continuous convex ``f``, where
    ``S'`` draws with replacement; with ``f(x) = exp(lambda x)`` the Chernoff bound of ``S'`` holds for ``S``:

        P(S >= s) <= exp(-lambda s) M_i(lambda) ** k_i,   M_i(lambda) = mean of exp(lambda v_j) over j != i,

    for every ``lambda > 0`` (and the mirror for the lower tail). The bound is the smallest over a geometric
    grid of ``lambda`` (any ``lambda`` gives a valid bound), summed over both tails for ``folded`` and the
    smaller tail for ``directed``. It is far from tight, but for strongly clustered regions it can show that the
    p-value is below a cut-off that no affordable number of permutations could show.

    Parameters
    ----------
    problem : LagProblem
        Values, weights and observed lags (positive link weights).
    alternative : {"folded", "directed"}
        Which p-value is bounded.
    grid : int, default 32
        Values of ``lambda`` tried, from ``0.02`` to ``20`` over the standard deviation of the values.

    Returns
    -------
    numpy.ndarray
        Bounds in ``(0, 1]``; 1 where the region has no neighbour.

    Examples
    --------
    Nine values on a 3 x 3 lattice; the corner with the three largest values around it:

    >>> import numpy as np, geopandas as gpd
    >>> from shapely.geometry import box
    >>> from ideopolis.spatial.weights import queen_weights
    >>> w = queen_weights(gpd.GeoSeries([box(c, r, c + 1, r + 1) for r in range(3) for c in range(3)]))
    >>> v = np.array([1.0, 9, 2, 8, 7, 3, 4, 5, 6]) - 5
    >>> lag = np.bincount(np.repeat(np.arange(9), w.cardinalities), weights=v[w.indices], minlength=9)
    >>> bound = tail_bound(LagProblem.build(v, w, w.values, lag), "directed")
    >>> bool(bound[0] >= 1 / 56)  # the exact p-value: 1 of the 56 neighbour triples reaches 24
    True
    """
    v = problem.values
    n = len(v)
    out = np.ones(n)
    has = (problem.cardinalities > 0) & (problem.link_weight > 0)
    if n < 2 or not has.any():
        return out
    k = problem.cardinalities.astype(np.float64)
    scale = problem.link_weight
    spread = float(v.std())
    if spread == 0:
        return out
    lambdas = np.geomspace(0.02, 20.0, grid) / spread
    # thresholds on the neighbour sum that count as "at least as extreme" (ties included)
    if alternative == "folded":
        reach = np.abs(problem.observed - problem.centre) - problem.tolerance
        upper = np.where(has, (problem.centre + reach) / np.where(has, scale, 1.0), np.inf)
        lower = np.where(has, (problem.centre - reach) / np.where(has, scale, 1.0), -np.inf)
    else:
        upper = np.where(has, (problem.observed - problem.tolerance) / np.where(has, scale, 1.0), np.inf)
        lower = np.where(has, (problem.observed + problem.tolerance) / np.where(has, scale, 1.0), -np.inf)
    log_tail = {}
    for sign, threshold in ((1.0, upper), (-1.0, lower)):
        best = np.zeros(n)  # log of the bound; log 1 = 0
        for lam in lambdas:
            a = sign * lam * v
            top = float(a.max())
            terms = np.exp(a - top)
            total = float(terms.sum())
            others = total - terms
            # without region i's own term; where that term is most of the total, the subtraction loses
            # precision: skip this lambda there (skipping only loosens the bound)
            usable = terms <= 0.5 * total
            log_m = top + np.log(np.where(usable, others, 1.0) / (n - 1))
            candidate = np.where(usable, k * log_m - sign * lam * threshold, 0.0)
            np.minimum(best, candidate, out=best)
        log_tail[sign] = best
    up, down = np.exp(log_tail[1.0]), np.exp(log_tail[-1.0])
    out = up + down if alternative == "folded" else np.minimum(up, down)
    out = np.minimum(1.0, out * (1 + 1e-9))  # a margin for rounding in exp and log
    out[~has] = 1.0
    return out


def permutation_ladder(permutations: int, max_permutations: int, factor: int = LADDER_FACTOR) -> tuple[int, ...]:
    """Cumulative permutations of the rounds: ``P0``, then ``factor (P + 1) - 1`` until ``max_permutations``.

    Parameters
    ----------
    permutations : int
        Permutations of the first round (``P0``).
    max_permutations : int
        The last rung.
    factor : int, default 2
        Growth of ``P + 1`` from one round to the next.

    Returns
    -------
    tuple of int

    Examples
    --------
    >>> permutation_ladder(999, 20_000)
    (999, 1999, 3999, 7999, 15999, 20000)
    """
    rungs = [permutations]
    while rungs[-1] < max_permutations:
        rungs.append(min(max_permutations, factor * (rungs[-1] + 1) - 1))
    return tuple(rungs)


def clopper_pearson(successes: Any, trials: Any, delta: float) -> tuple[FloatArray, FloatArray]:
    """Exact binomial interval (Clopper & Pearson 1934, Biometrika 26(4)) at confidence ``1 - delta``.

    Parameters
    ----------
    successes, trials : array-like of int
        ``M`` permutations at least as extreme out of ``P`` (``0 <= M <= P``, ``P >= 1``).
    delta : float
        Error of the two-sided interval (``delta / 2`` in each tail).

    Returns
    -------
    low, high : numpy.ndarray
        ``Beta(delta/2; M, P - M + 1)`` (0 when ``M = 0``) and ``Beta(1 - delta/2; M + 1, P - M)`` (1 when ``M = P``).

    Examples
    --------
    No success in 999 trials, 95%: the upper end is ``1 - 0.025 ** (1 / 999)``.

    >>> low, high = clopper_pearson([0], [999], 0.05)
    >>> float(low[0]), round(float(high[0]), 6)
    (0.0, 0.003686)
    """
    from scipy.special import betaincinv

    m_all = np.asarray(successes, dtype=np.float64)
    p_all = np.asarray(trials, dtype=np.float64)
    shape = np.broadcast_shapes(m_all.shape, p_all.shape)
    m, p = np.broadcast_to(m_all, shape).ravel(), np.broadcast_to(p_all, shape).ravel()
    back = None
    if m.size > 64 and p.max(initial=0) < 2**31:
        # many regions share a count and a number of permutations (a fixed test: at most P + 1 pairs among a
        # million regions); each distinct pair is inverted once
        codes, back = np.unique(p.astype(np.int64) << 32 | m.astype(np.int64), return_inverse=True)
        m, p = (codes & 0xFFFFFFFF).astype(np.float64), (codes >> 32).astype(np.float64)
    low = np.zeros(m.shape)
    high = np.ones(m.shape)
    some, short = m > 0, m < p
    low[some] = betaincinv(m[some], p[some] - m[some] + 1, delta / 2)
    high[short] = betaincinv(m[short] + 1, p[short] - m[short], 1 - delta / 2)
    if back is not None:
        back = np.ravel(back)
        low, high = low[back], high[back]
    return low.reshape(shape), high.reshape(shape)


def permutations_to_certify(cut: float, delta: float) -> int:
    """Fewest permutations that let a region with no extreme permutation show ``p <= cut``.

    The upper end of the Clopper-Pearson interval with ``M = 0`` is ``1 - (delta / 2) ** (1 / P)``.

    Parameters
    ----------
    cut : float
        The cut-off the p-value must be shown to lie below.
    delta : float
        Error of the two-sided interval (``1 - mc_level``).

    Returns
    -------
    int
        ``ceil(ln(delta / 2) / ln(1 - cut))``.

    Examples
    --------
    >>> permutations_to_certify(0.05, 0.05)
    72
    """
    return max(1, math.ceil(math.log(delta / 2) / math.log1p(-cut)))


def default_max_permutations(
    tests: int, levels: tuple[float, ...], correction: str, permutations: int, mc_level: float = DEFAULT_MC_LEVEL
) -> int:
    """The most permutations a region may get: enough for a lone region to pass the strictest cut-off.

    The strictest cut-off a single region can face is ``min(levels) / m`` under Benjamini-Hochberg and
    Bonferroni (``min(levels)`` without correction); with ``M = 0`` the upper end of its interval passes it after
    :func:`permutations_to_certify` permutations. The result is rounded up to a rung of the ladder, capped at
    :data:`PERMUTATION_CAP` (the work a command-line call can afford) and never
    below ``permutations``.

    Parameters
    ----------
    tests : int
        Regions tested (``m``).
    levels : tuple of float
        Significance levels of the classes.
    correction : str
        Multiple-testing correction.
    permutations : int
        Permutations of the first round.
    mc_level : float, default 0.999
        Confidence of the Monte Carlo intervals.

    Returns
    -------
    int

    Examples
    --------
    >>> default_max_permutations(100, (0.05,), "fdr_bh", 999)
    15999
    >>> default_max_permutations(3136, (0.01, 0.05, 0.10), "fdr_bh", 999)
    255999
    """
    key = CORRECTIONS.canonical(correction)
    m = 1 if key == "none" else max(int(tests), 1)
    need = permutations_to_certify(min(levels) / m, 1.0 - mc_level)
    rung = next((r for r in permutation_ladder(permutations, PERMUTATION_CAP) if r >= need), PERMUTATION_CAP)
    return max(permutations, rung)


def sequential_test(
    problem: LagProblem,
    *,
    tested: BoolArray,
    levels: tuple[float, ...],
    correction: str = "fdr_bh",
    permutations: int = DEFAULT_PERMUTATIONS,
    max_permutations: int | None = None,
    budget: int | None = None,
    mc_level: float = DEFAULT_MC_LEVEL,
    seed: int = DEFAULT_SEED,
    alternative: str = "folded",
    exactly_one: BoolArray | None = None,
    chunk_regions: int | None = None,
    chunk_elements: int = _CHUNK_ELEMENTS,
    threads: int = 1,
    counter: PermutationCounter | None = None,
) -> SequentialTest:
    """Permute until every region's call is settled within its Monte Carlo error (or the most permutations).

    The scheme of MMCTest (Gandy & Hahn 2014, "MMCTest - a safe algorithm for implementing multiple Monte
    Carlo tests", Scandinavian Journal of Statistics 41(4), 1083-1101), with rounds on a doubling schedule:

    1. every region with a neighbour runs ``permutations`` conditional permutations from its own stream;
    2. each tested region gets a Clopper-Pearson interval ``[low, high]`` of its exact permutation p-value
       (the one infinitely many permutations would give) at confidence ``mc_level``;
    3. the correction is applied to the upper ends, and separately to the lower ends. Benjamini-Hochberg,
       Bonferroni and no correction are monotone (lowering p-values never removes a rejection), so a region
       significant with every p-value at its upper end is significant with the exact p-values, and one not
       significant with every p-value at its lower end is not, as long as the intervals hold;
    4. regions in between are *undetermined*: next round they run until ``2 (P + 1) - 1`` permutations in all;
       the others stop. An undetermined region is reported as not significant.

    Besag & Clifford (1991, "Sequential Monte Carlo p-values", Biometrika 78(2)) stop a test early once its
    outcome is clear; here the outcome is the call after the correction, which depends on every region, so the
    decision is taken jointly after each round. A region whose exact p-value sits on a cut-off is never settled
    (no finite number of permutations decides it), hence ``max_permutations``. With ``m`` tested regions and
    ``R`` rounds, all intervals hold together with probability at least ``1 - m R (1 - mc_level)``
    (Bonferroni); MMCTest's guarantee that every call equals the exact p-values' call with probability
    ``1 - eps`` is ``mc_level = 1 - eps / (m R)``, which costs about twice the permutations on US counties.

    Parameters
    ----------
    problem : LagProblem
        Values, weights and observed lags.
    tested : numpy.ndarray of bool
        Regions counted in the correction (others with a neighbour run ``permutations`` once, for display).
    levels : tuple of float
        Significance levels of the classes.
    correction : str, default "fdr_bh"
        Multiple-testing correction (:data:`CORRECTIONS`).
    permutations : int, default 999
        Permutations every region runs.
    max_permutations : int, optional
        Most permutations a region may run; default :func:`default_max_permutations`.
    budget : int, optional
        Most permutations the whole test may run (Gandy & Hahn 2017, "QuickMMCTest", Statistics and
        Computing 27(3), bound the total work the same way): the rounds stop when the next one would exceed
        it; the first round always runs. Default :data:`BUDGET_FACTOR` times the first round, so the work
        grows in proportion to the regions.
    mc_level : float, default 0.999
        Confidence of each Monte Carlo interval.
    seed : int
        Seed of the regions' streams.
    alternative : {"folded", "directed"}
        Pseudo p-value convention. For ``directed`` the interval is that of the smaller tail's count.
    exactly_one : numpy.ndarray of bool, optional
        Regions whose p-value is exactly 1 whatever the draws (local Moran with ``z_i = 0``): not permuted.
    chunk_regions, chunk_elements, threads
        Work split (:func:`permutation_counts`); results do not depend on them.
    counter : callable, optional
        Runs each round's permutations instead of :func:`permutation_counts` (same signature and counts), e.g. a
        Dask engine's (:meth:`ideopolis.engines.ComputeEngine.permutation_counts`).

    Returns
    -------
    SequentialTest

    Raises
    ------
    MethodError
        For ``max_permutations < permutations``, or ``mc_level`` outside [0.5, 1).
    """
    _check_permutations(permutations)
    _check_alternative(alternative)
    corr = CORRECTIONS.canonical(correction)
    if not 0.5 <= mc_level < 1:
        raise MethodError(
            f"mc_level (the confidence of the Monte Carlo intervals) must lie in [0.5, 1), got {mc_level}"
        )
    n = len(problem.values)
    m = int(tested.sum())
    if max_permutations is None:
        max_permutations = default_max_permutations(m, levels, corr, permutations, mc_level)
    _check_permutations(max_permutations)
    if max_permutations < permutations:
        raise MethodError(f"max_permutations ({max_permutations:,}) must be at least permutations ({permutations:,})")
    ladder = permutation_ladder(permutations, max_permutations)
    delta = 1.0 - mc_level
    first_round = int(permutations) * int(((problem.cardinalities > 0) & ~_as_bool(exactly_one, n)).sum())
    if budget is None:
        budget = max(1, BUDGET_FACTOR * first_round)
    _check_budget(budget)
    fixed = _as_bool(exactly_one, n)
    run = (problem.cardinalities > 0) & ~fixed
    tested = np.asarray(tested, dtype=bool) & (problem.cardinalities > 0)
    counts = np.zeros((n, 2), dtype=np.int64)
    perms = np.zeros(n, dtype=np.int64)
    rung = np.full(n, -1, dtype=np.int64)
    low, high = np.full(n, np.nan), np.full(n, np.nan)
    bound = tail_bound(problem, alternative)
    low[fixed & (problem.cardinalities > 0)] = high[fixed & (problem.cardinalities > 0)] = 1.0
    todo = run
    rounds = 0
    significant: dict[float, BoolArray] = {}
    possible: dict[float, BoolArray] = {}
    undetermined = np.zeros(n, dtype=bool)
    spent = 0
    out_of_budget = False
    while todo.any():
        idx = np.flatnonzero(todo)
        stop = np.asarray(ladder, dtype=np.int64)[rung[idx] + 1]
        cost = int((stop - perms[idx]).sum())
        if rounds and spent + cost > budget:
            out_of_budget = True
            break
        rounds += 1
        spent += cost
        counts[idx] += (counter or permutation_counts)(
            problem,
            idx,
            perms[idx],
            stop,
            seed=seed,
            alternative=alternative,
            chunk_regions=chunk_regions,
            chunk_elements=chunk_elements,
            threads=threads,
        )
        perms[idx] = stop
        rung[idx] += 1
        low[idx], high[idx] = clopper_pearson(_extreme(counts[idx], alternative), stop, delta)
        high[idx] = np.minimum(high[idx], bound[idx])  # the exact p-value is below both
        significant, possible = _decide(low, high, tested, corr, levels)
        undetermined = np.zeros(n, dtype=bool)
        for level in levels:
            undetermined |= possible[level] & ~significant[level]
        todo = undetermined & run & (rung < len(ladder) - 1)
    if rounds == 0:
        significant, possible = _decide(low, high, tested, corr, levels)
    extreme = _extreme(counts, alternative)
    p_sim = np.full(n, np.nan)
    p_sim[run] = (extreme[run] + 1.0) / (perms[run] + 1.0)
    p_sim[fixed & (problem.cardinalities > 0)] = 1.0
    return SequentialTest(
        p_sim=p_sim,
        p_low=low,
        p_high=high,
        exceedances=extreme,
        permutations=perms,
        significant=significant,
        possible=possible,
        undetermined=undetermined,
        ladder=ladder,
        rounds=rounds,
        interval_level=mc_level,
        budget=budget,
        spent=spent,
        out_of_budget=out_of_budget,
    )


def _check_budget(budget: int) -> None:
    if isinstance(budget, bool) or not isinstance(budget, int | np.integer) or budget < 1:
        raise MethodError(f"the permutation budget must be a whole number of at least 1, got {budget!r}")


def _as_bool(mask: BoolArray | None, n: int) -> BoolArray:
    return np.zeros(n, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)


def _decide(
    low: FloatArray, high: FloatArray, tested: BoolArray, correction: str, levels: tuple[float, ...]
) -> tuple[dict[float, BoolArray], dict[float, BoolArray]]:
    """Apply the correction to the upper and to the lower ends of the intervals, level by level."""
    n = len(low)
    adj_high = np.full(n, np.nan)
    adj_low = np.full(n, np.nan)
    if tested.any():
        adj_high[tested] = adjust_pvalues(high[tested], correction)
        adj_low[tested] = adjust_pvalues(low[tested], correction)
    significant = {level: tested & (adj_high <= level) for level in levels}
    possible = {level: tested & (adj_low <= level) for level in levels}
    return significant, possible
