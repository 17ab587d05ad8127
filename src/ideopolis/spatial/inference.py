"""Inference for local statistics: conditional permutation pseudo p-values and multiple-testing corrections.

Conditional permutation (Anselin 1995) with one seeded stream per block of regions, the pseudo p-value
``(M + 1) / (P + 1)``, and Benjamini-Hochberg (1995) or Bonferroni adjustment over the regions tested; the
arithmetic of how many permutations a correction needs (the smallest p-value is ``1 / (P + 1)``). See
:mod:`ideopolis.spatial.hotspots` for the statistics and the classes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

import numpy as np
import pandas as pd

from ideopolis.errors import MethodError
from ideopolis.registry import Registry
from ideopolis.spatial.weights import FloatArray, IntArray, SpatialWeights

DEFAULT_PERMUTATIONS = 999
DEFAULT_SEED = 12345
ALTERNATIVES = ("folded", "directed")


def _rows(weights: SpatialWeights) -> IntArray:
    return np.repeat(np.arange(weights.n, dtype=np.int64), weights.cardinalities)


_CHUNK_ELEMENTS = 6_000_000  # simulated values held at once (about 50 MB of float64 per temporary)


_TIE_RTOL = 1e-9


_BLOCK = 64  # regions sharing one table of draws (blocks make the Monte Carlo errors of regions independent)


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
    """Return the smallest pseudo p-value ``1 / (P + 1)`` that ``permutations`` can give."""
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


def permutation_limits(tests: int, permutations: int, correction: str, levels: tuple[float, ...]) -> list[str]:
    """Say, in plain words, which significance levels the permutations run cannot reach.

    Parameters
    ----------
    tests : int
        Number of regions tested.
    permutations : int
        Permutations run (``P``).
    correction : str
        Multiple-testing correction.
    levels : tuple of float
        Significance levels used by the classes (e.g. 0.01, 0.05, 0.10).

    Returns
    -------
    list of str
        One sentence per kind of limit; empty when every level can be reached by a single region.
    """
    key = CORRECTIONS.canonical(correction)
    p_min = Fraction(1, permutations + 1)
    m = max(int(tests), 1)
    smallest = f"with {permutations:,} permutations the smallest pseudo p-value is {float(p_min):.3g}"
    levels = tuple(sorted(levels))
    out: list[str] = []
    impossible = [a for a in levels if p_min > Fraction(str(a))]
    if impossible:
        need = "; ".join(f"{_pct(a)} needs at least {permutations_needed(1, a, 'none'):,}" for a in impossible)
        out.append(f"{smallest}, so no region can be significant at {_levels(impossible)} ({need})")
    possible = [a for a in levels if a not in impossible]
    if key == "none" or m == 1:
        return out
    binding = [a for a in possible if p_min > Fraction(str(a)) / m]
    if not binding:
        return out
    needs = "/".join(f"{permutations_needed(m, a, key):,}" for a in binding)
    if key == "bonferroni":
        thresholds = "/".join(f"{a / m:.2g}" for a in binding)
        out.append(
            f"{smallest}; Bonferroni over {m:,} regions at {_levels(binding)} needs p <= {thresholds}, "
            f"i.e. at least {needs} permutations: no region can be significant at that level"
        )
    else:
        group = "/".join(f"{math.ceil(m * p_min / Fraction(str(a))):,}" for a in binding)
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


def _draw_table(n_others: int, k: int, permutations: int, rng: np.random.Generator) -> IntArray:
    """Return ``(permutations, k)`` positions in ``[0, n_others)``, each row ``k`` distinct, in random order.

    Robert Floyd's algorithm builds a uniform random ``k``-subset per row with ``k`` vectorised steps; a
    row-wise shuffle then makes every prefix of a row a uniform random subset too.
    """
    table = np.empty((permutations, k), dtype=np.int64)
    for col, top in enumerate(range(n_others - k, n_others)):
        pick = rng.integers(0, top + 1, size=permutations)
        taken = (table[:, :col] == pick[:, None]).any(axis=1)
        table[:, col] = np.where(taken, top, pick)
    return rng.permuted(table, axis=1)


def conditional_permutation_pvalues(
    values: FloatArray,
    weights: SpatialWeights,
    link_weights: FloatArray,
    observed_lag: FloatArray,
    *,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
    alternative: str = "folded",
    chunk_elements: int = _CHUNK_ELEMENTS,
) -> FloatArray:
    """Pseudo p-values of the spatial lags ``sum_j w_ij v_j`` under conditional permutation.

    Both statistics of this module are, for a given region, an increasing (Gi*) or a linear (local Moran,
    through ``z_i``) function of the lag of the other regions' values, so the lag is what is permuted; callers
    handle a zero slope (local Moran at ``z_i = 0``).

    Parameters
    ----------
    values : numpy.ndarray
        The values the lag is taken of (centred values for Gi*, standardised values for local Moran).
    weights : SpatialWeights
        Neighbour structure.
    link_weights : numpy.ndarray
        Weight of each link, aligned with ``weights.indices``.
    observed_lag : numpy.ndarray
        The observed lag of every region.
    permutations : int, default 999
        Number of conditional permutations ``P``.
    seed : int, default 12345
        Seed of the random draws (a run is reproducible, whatever ``chunk_elements``).
    alternative : {"folded", "directed"}
        See the module docstring.
    chunk_elements : int
        Simulated values held in memory at once; bounds memory for large region sets.

    Returns
    -------
    numpy.ndarray
        ``(M + 1) / (P + 1)`` per region; NaN for regions without neighbours.
    """
    _check_permutations(permutations)
    if alternative not in ALTERNATIVES:
        raise MethodError(f"unknown alternative {alternative!r}; choose one of: {', '.join(ALTERNATIVES)}")
    n = weights.n
    cards = weights.cardinalities
    p_out = np.full(n, np.nan)
    k_max = int(cards.max()) if n else 0
    if k_max == 0:
        return p_out
    scale = np.abs(values - values.mean()).max()
    rows = _rows(weights)
    abs_w = np.bincount(rows, weights=np.abs(link_weights), minlength=n)
    # exact expectation of the permuted lag: the weights times the mean of the other regions' values
    centres = np.bincount(rows, weights=link_weights, minlength=n) * ((values.sum() - values) / (n - 1))
    dense = np.zeros((n, k_max))  # the weights of each region's neighbours, padded with zeros
    dense[rows, np.arange(len(rows)) - weights.indptr[rows]] = link_weights

    # Blocks of regions i0 <= i < i1, each with its own table of draws (one seeded stream per block, so
    # results do not depend on memory settings). Position a among "the others of i" is region a when a < i
    # and region a + 1 otherwise: a draw a >= i1 is region a + 1 for every region of the block and a < i0
    # is region a, so one (permutations x k) table of values serves the whole block (a matrix product);
    # only draws inside [i0, i1) depend on the region, and they are added as corrections.
    streams = np.random.SeedSequence(seed).spawn(-(-n // _BLOCK))
    batch = max(1, min(permutations, chunk_elements // _BLOCK))
    for block, i0 in enumerate(range(0, n, _BLOCK)):
        i1 = min(n, i0 + _BLOCK)
        k = int(cards[i0:i1].max())
        if k == 0:
            continue
        table = _draw_table(n - 1, k, permutations, np.random.default_rng(streams[block]))
        w_block = dense[i0:i1, :k]
        obs = observed_lag[i0:i1, None]
        tol = _TIE_RTOL * (abs_w[i0:i1] * scale + 1e-300)[:, None]
        centre = centres[i0:i1, None]
        extreme = np.zeros(i1 - i0)
        at_least = np.zeros(i1 - i0)
        at_most = np.zeros(i1 - i0)
        for p0 in range(0, permutations, batch):
            draws = table[p0 : p0 + batch]
            low, high = values[draws], values[np.minimum(draws + 1, n - 1)]
            lags = w_block @ np.where(draws >= i1, high, low).T  # (regions, permutations)
            p_ev, k_ev = np.nonzero((draws >= i0) & (draws < i1))
            if len(p_ev):
                region_side = np.arange(i0, i1)[:, None] <= draws[p_ev, k_ev][None, :]
                step = (high - low)[p_ev, k_ev]
                correction = region_side * w_block[:, k_ev] * step[None, :]
                # np.nonzero lists the draws permutation by permutation: sum each permutation's columns
                perms, starts = np.unique(p_ev, return_index=True)
                lags[:, perms] += np.add.reduceat(correction, starts, axis=1)
            if alternative == "folded":
                extreme += (np.abs(lags - centre) >= np.abs(obs - centre) - tol).sum(axis=1)
            else:
                at_least += (lags >= obs - tol).sum(axis=1)
                at_most += (lags <= obs + tol).sum(axis=1)
        if alternative != "folded":
            extreme = np.minimum(at_least, at_most)
        p_out[i0:i1] = (extreme + 1.0) / (permutations + 1.0)
    p_out[cards == 0] = np.nan
    return p_out
