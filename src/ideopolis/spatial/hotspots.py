"""Hotspots: Getis-Ord Gi* and local Moran, conditional permutation inference, multiple-testing control.

The statistics follow their published formulas (Getis & Ord 1992, Ord & Getis 1995; Anselin 1995) with the
conventions of PySAL's esda, so the numbers can be checked against esda (the tests do): on the same
binary weights, Gi* values and z-scores and local Moran's I agree to 1e-9. Inference is implemented here,
vectorised in numpy, because esda's conditional randomisation is compiled by numba on the first call of
each process (about 17 s for US counties) and importing esda alone costs seconds; the command line must
answer faster than that.

Statistics (:data:`STATISTICS`)
-------------------------------
``gi_star``
    Getis-Ord Gi* on binary weights with the region itself included (self-weight 1):
    ``G*_i = sum_j w_ij y_j / sum_j y_j`` and the z-score
    ``z_i = (sum_j w_ij y_j - W_i ybar) / (s sqrt((n S1_i - W_i^2) / (n - 1)))`` with ``W_i = sum_j w_ij``,
    ``S1_i = sum_j w_ij^2`` and ``s`` the population standard deviation. The G value assumes non-negative
    data; z and p do not.
``local_moran``
    Local Moran's I on row-standardised weights: ``I_i = (n - 1) z_i lag_i / sum_j z_j^2`` with ``z``
    the values standardised by their population standard deviation and ``lag_i = sum_j w_ij z_j``. The
    quadrant is High-High when ``z_i > 0`` and ``lag_i > 0``, Low-Low when both are ``<= 0``, High-Low and
    Low-High otherwise.

Inference
---------
Conditional permutation (Anselin 1995): region *i* keeps its own value while the values at its ``k_i``
neighbours are drawn, without replacement, from the other ``n - 1`` regions, ``permutations`` times. Each
block of 64 consecutive regions shares one table of draws from its own seeded stream, each region mapping
the draws onto the regions other than itself: each region's test is exact and a run is reproducible. esda
shares one table among all regions; that is as valid for each region but makes the Monte Carlo errors of
all regions move together, so how many regions pass a false-discovery-rate cut-off can swing with the seed. The pseudo p-value
is ``(M + 1) / (P + 1)`` where ``P`` is the number of permutations and ``M`` counts simulated statistics at
least as extreme as the observed one:

- ``folded`` (default, two-sided; esda's ``alternative="folded"``): distance from the expected statistic. The
  centre is the exact conditional expectation (the weights times the mean of the other regions' values) where
  esda uses the mean of the simulations; the two differ by Monte Carlo noise only, but the exact centre keeps
  p-values of discrete data (counts) from jumping when a simulated value mirrors the observed one;
- ``directed`` (esda's current default for ``G_Local`` and ``Moran_Local``): the tail the observed value lies
  in, ``M = min(#{sim >= obs}, #{sim <= obs})``. It is one-sided and so about half the two-sided value.

Ties (to 1e-9 of the scale of the data) count as at least as extreme, so the smallest possible p-value is
``1 / (P + 1)``. Adjustment for testing every region (:data:`CORRECTIONS`): Benjamini-Hochberg false discovery
rate (``fdr_bh``, default), ``bonferroni`` or ``none``, over the regions actually tested.

Classes (``HotspotResult.table["cls"]``)
----------------------------------------
Gi*: ``"Hot spot 99%"``, ``"Hot spot 95%"``, ``"Hot spot 90%"`` (adjusted p <= 0.01, 0.05, 0.10 and z > 0),
``"Cold spot 99%"``, ``"Cold spot 95%"``, ``"Cold spot 90%"`` (z < 0). Local Moran: ``"High-High"``,
``"Low-Low"``, ``"High-Low"``, ``"Low-High"`` (adjusted p <= ``alpha``, default 0.05). Both:
``"Not significant"``. Regions that are not tested get:

- ``"Fallback neighbours only"``: every neighbour of the region comes from the island fallback of the weights
  (:mod:`ideopolis.spatial.weights`); its statistic and p-value are shown but never called significant, and it is not
  counted in the multiple-testing correction;
- ``"No neighbours"``: no neighbour at all (no geometry, or weights without a fallback): no statistic;
- ``"No data"``: the value is missing; the region is left out of the weights and the statistics.

:data:`CLASS_COLOURS` gives the colour of every class (grey for "Not significant").
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from ideopolis.errors import MethodError
from ideopolis.registry import Registry
from ideopolis.spatial.weights import FloatArray, IntArray, SpatialWeights

__all__ = [
    "CLASS_COLOURS",
    "CORRECTIONS",
    "DEFAULT_PERMUTATIONS",
    "DEFAULT_SEED",
    "GI_LEVELS",
    "GI_STAR_CLASSES",
    "LISA_CLASSES",
    "NOT_SIGNIFICANT",
    "STATISTICS",
    "UNTESTED_CLASSES",
    "HotspotResult",
    "adjust_pvalues",
    "check_options",
    "conditional_permutation_pvalues",
    "gi_star",
    "hotspots",
    "local_moran",
    "minimum_pvalue",
    "permutation_limits",
    "permutations_needed",
]

DEFAULT_PERMUTATIONS = 999
DEFAULT_SEED = 12345
GI_LEVELS = (0.01, 0.05, 0.10)
"""Adjusted p-value cut-offs of the Gi* classes at 99, 95 and 90% confidence."""

NOT_SIGNIFICANT = "Not significant"
FALLBACK_ONLY = "Fallback neighbours only"
NO_NEIGHBOURS = "No neighbours"
NO_DATA = "No data"
GI_STAR_CLASSES = (
    "Hot spot 99%",
    "Hot spot 95%",
    "Hot spot 90%",
    "Cold spot 99%",
    "Cold spot 95%",
    "Cold spot 90%",
    NOT_SIGNIFICANT,
)
LISA_CLASSES = ("High-High", "Low-Low", "High-Low", "Low-High", NOT_SIGNIFICANT)
UNTESTED_CLASSES = (FALLBACK_ONLY, NO_NEIGHBOURS, NO_DATA)

CLASS_COLOURS: dict[str, str] = {
    "Hot spot 99%": "#b2182b",
    "Hot spot 95%": "#ef8a62",
    "Hot spot 90%": "#fddbc7",
    "Cold spot 99%": "#2166ac",
    "Cold spot 95%": "#67a9cf",
    "Cold spot 90%": "#d1e5f0",
    "High-High": "#d7191c",
    "Low-Low": "#2c7bb6",
    "High-Low": "#fdae61",
    "Low-High": "#abd9e9",
    NOT_SIGNIFICANT: "#d9d9d9",
    FALLBACK_ONLY: "#f7f7f7",
    NO_NEIGHBOURS: "#ffffff",
    NO_DATA: "#ffffff",
}
"""Fill colour of every class; grey for "Not significant", near-white for regions not tested."""

_CHUNK_ELEMENTS = 6_000_000  # simulated values held at once (about 50 MB of float64 per temporary)
_TIE_RTOL = 1e-9
_BLOCK = 64  # regions sharing one table of draws (blocks make the Monte Carlo errors of regions independent)


# --------------------------------------------------------------------------- registries
STATISTICS: Registry[Callable[..., Any]] = Registry("hotspot statistic")
CORRECTIONS: Registry[Callable[[FloatArray], FloatArray]] = Registry("multiple-testing correction")
ALTERNATIVES = ("folded", "directed")

_STAT_LABEL = {"gi_star": "Getis-Ord Gi*", "local_moran": "local Moran's I (LISA)"}
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


# --------------------------------------------------------------------------- permutation arithmetic
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


# --------------------------------------------------------------------------- statistics
def _rows(weights: SpatialWeights) -> IntArray:
    return np.repeat(np.arange(weights.n, dtype=np.int64), weights.cardinalities)


def _row_sums(weights: SpatialWeights, values: FloatArray) -> FloatArray:
    return np.bincount(_rows(weights), weights=values, minlength=weights.n).astype(np.float64)


def _lag(weights: SpatialWeights, link_weights: FloatArray, y: FloatArray) -> FloatArray:
    return _row_sums(weights, link_weights * y[weights.indices])


def _as_values(y: FloatArray | pd.Series, weights: SpatialWeights) -> FloatArray:
    if isinstance(y, pd.Series):
        y = y.reindex(weights.ids).to_numpy(dtype=np.float64)
    values = np.asarray(y, dtype=np.float64)
    if values.shape != (weights.n,):
        raise MethodError(f"need one value per region ({weights.n:,}), got shape {values.shape}")
    if not np.isfinite(values).all():
        raise MethodError("values must be finite; drop or impute missing values first")
    if weights.n < 3:
        raise MethodError(f"hotspot statistics need at least 3 regions, got {weights.n}")
    if np.ptp(values) == 0:
        raise MethodError("the values are identical in every region: there is no pattern to test")
    return values


def gi_star(y: FloatArray | pd.Series, weights: SpatialWeights) -> tuple[FloatArray, FloatArray]:
    """Getis-Ord Gi* values and z-scores (self-weight 1 added to the binary weights).

    Parameters
    ----------
    y : array-like or pandas.Series
        One finite value per region (a Series is aligned on the weights' ids).
    weights : SpatialWeights
        Binary weights without self-links.

    Returns
    -------
    G : numpy.ndarray
        ``sum_j w_ij y_j / sum_j y_j`` including the region itself (NaN where the region has no neighbour).
    z : numpy.ndarray
        The Ord & Getis (1995) z-score (NaN where the region has no neighbour).
    """
    values = _as_values(y, weights)
    n = weights.n
    link = weights.values
    numerator = _lag(weights, link, values) + values  # self-weight 1
    w_sum = _row_sums(weights, link) + 1.0
    s1 = _row_sums(weights, link**2) + 1.0
    # sum_j w_ij y_j - W_i ybar, computed on centred values to avoid cancellation for large offsets
    centred = values - values.mean()
    excess = _lag(weights, link, centred) + centred
    sd = math.sqrt((centred**2).mean())
    with np.errstate(divide="ignore", invalid="ignore"):
        g = numerator / values.sum()
        z = excess / (sd * np.sqrt((n * s1 - w_sum**2) / (n - 1)))
    none = weights.cardinalities == 0
    g[none] = np.nan
    z[none] = np.nan
    return g, z


def local_moran(y: FloatArray | pd.Series, weights: SpatialWeights) -> tuple[FloatArray, FloatArray, np.ndarray]:
    """Local Moran's I on row-standardised weights, with the spatial lag and the quadrant of each region.

    Parameters
    ----------
    y : array-like or pandas.Series
        One finite value per region.
    weights : SpatialWeights
        Binary weights; they are row-standardised here.

    Returns
    -------
    I : numpy.ndarray
        ``(n - 1) z_i lag_i / sum z^2`` (NaN where the region has no neighbour).
    lag : numpy.ndarray
        Mean of the standardised values of the neighbours.
    quadrant : numpy.ndarray of str
        ``"High-High"``, ``"Low-Low"``, ``"High-Low"`` or ``"Low-High"`` ("" without neighbours).
    """
    values = _as_values(y, weights)
    z = _standardise(values)
    lag = _lag(weights, _row_standardised(weights), z)
    i_stat = (weights.n - 1) * z * lag / (z**2).sum()
    quadrant = _quadrants(z, lag)
    none = weights.cardinalities == 0
    i_stat[none] = np.nan
    lag[none] = np.nan
    quadrant[none] = ""
    return i_stat, lag, quadrant


def _standardise(values: FloatArray) -> FloatArray:
    centred = values - values.mean()
    return centred / centred.std()


def _row_standardised(weights: SpatialWeights) -> FloatArray:
    sums = _row_sums(weights, weights.values)
    return weights.values / sums[_rows(weights)]


def _quadrants(z: FloatArray, lag: FloatArray) -> np.ndarray:
    high, high_lag = z > 0, lag > 0
    return np.select(
        [high & high_lag, ~high & ~high_lag, high & ~high_lag],
        ["High-High", "Low-Low", "High-Low"],
        default="Low-High",
    ).astype(object)


# --------------------------------------------------------------------------- conditional permutation
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


# --------------------------------------------------------------------------- result
@dataclass(frozen=True)
class HotspotResult:
    """Hotspots of one indicator or score over one region set.

    Attributes
    ----------
    table : pandas.DataFrame
        Index ``id`` (every region given, in the input order). Columns: ``name`` (when names are known),
        ``value``, ``n_neighbours``, ``statistic`` (Gi* or local Moran's I), ``z`` (Gi* only),
        ``quadrant`` and ``lag`` (local Moran only), ``p_sim``, ``p_adjusted``, ``cls`` (str, see the module
        docstring), ``fallback_only`` (bool).
    statistic : str
        ``"gi_star"`` or ``"local_moran"``.
    indicator : str or None
        Name of the indicator or score tested.
    weights : str
        Plain-language description of the weights.
    permutations, seed : int
        Conditional permutations run and their seed.
    correction, alternative : str
        Multiple-testing correction and pseudo p-value convention.
    levels : tuple of float
        Adjusted p-value cut-offs used by the classes.
    n_tested : int
        Regions tested (the ``m`` of the correction).
    method_note : str
        One plain-language line: statistic, indicator, weights, permutations, seed, correction.
    warnings : tuple of str
        What the reader must know: unreachable levels, fallback regions by name, regions without data.
    """

    table: pd.DataFrame
    statistic: str
    indicator: str | None
    weights: str
    permutations: int
    seed: int
    correction: str
    alternative: str
    levels: tuple[float, ...]
    n_tested: int
    method_note: str
    warnings: tuple[str, ...] = field(default=())

    @property
    def classes(self) -> tuple[str, ...]:
        """Class labels in legend order (significant classes, "Not significant", untested)."""
        base = GI_STAR_CLASSES if self.statistic == "gi_star" else LISA_CLASSES
        return base + UNTESTED_CLASSES

    def counts(self) -> pd.Series:
        """Return the number of regions per class, in legend order (empty classes included as 0)."""
        counts = self.table["cls"].value_counts()
        return counts.reindex(list(self.classes), fill_value=0).rename("regions")

    @property
    def params(self) -> dict[str, Any]:
        """Parameters of the run, to be written next to the results."""
        return {
            "statistic": self.statistic,
            "indicator": self.indicator,
            "weights": self.weights,
            "permutations": self.permutations,
            "seed": self.seed,
            "correction": self.correction,
            "alternative": self.alternative,
            "levels": list(self.levels),
            "n_regions": len(self.table),
            "n_tested": self.n_tested,
            "method_note": self.method_note,
            "warnings": list(self.warnings),
        }


def hotspots(
    values: pd.Series,
    weights: SpatialWeights,
    *,
    statistic: str = "gi_star",
    permutations: int = DEFAULT_PERMUTATIONS,
    correction: str = "fdr_bh",
    alpha: float = 0.05,
    seed: int = DEFAULT_SEED,
    alternative: str = "folded",
    indicator: str | None = None,
    chunk_elements: int = _CHUNK_ELEMENTS,
) -> HotspotResult:
    """Test every region for a local spatial cluster of ``values``.

    Parameters
    ----------
    values : pandas.Series
        Indicator or score by region id; missing values are allowed (class "No data").
    weights : SpatialWeights
        Weights over (at least) every region of ``values``; regions without a value are removed from them
        and the island fallback re-run.
    statistic : str, default "gi_star"
        ``"gi_star"`` or ``"local_moran"`` (aliases: ``"gi*"``, ``"getis_ord"``, ``"lisa"``, ``"moran"``).
    permutations : int, default 999
        Conditional permutations; the smallest pseudo p-value is ``1 / (permutations + 1)``.
    correction : str, default "fdr_bh"
        ``"fdr_bh"``, ``"bonferroni"`` or ``"none"``.
    alpha : float, default 0.05
        Significance level of the local Moran classes (Gi* uses 0.01, 0.05 and 0.10).
    seed : int, default 12345
        Seed of the permutations.
    alternative : {"folded", "directed"}
        Pseudo p-value convention (module docstring).
    indicator : str, optional
        Name of what is tested, for the methods note (default: ``values.name``).
    chunk_elements : int
        Memory bound of the permutation engine (simulated values held at once).

    Returns
    -------
    HotspotResult
    """
    key, corr = check_options(
        statistic=statistic, permutations=permutations, correction=correction, alternative=alternative, alpha=alpha
    )
    indicator = indicator if indicator is not None else (str(values.name) if values.name else None)
    values = values.copy()
    values.index = values.index.astype(str)
    numeric = pd.to_numeric(values, errors="coerce").astype(np.float64)
    bad = numeric.isna() & values.notna()
    if bad.any():
        raise MethodError(f"{indicator or 'the values'} must be numeric; non-numeric in {list(values.index[bad][:5])}")
    numeric[~np.isfinite(numeric)] = np.nan
    has_data = numeric.notna()
    unknown = numeric.index[has_data.to_numpy()].difference(weights.ids)
    if len(unknown):
        raise MethodError(f"{len(unknown):,} regions have values but no place in the weights, e.g. {list(unknown[:5])}")
    keep = has_data.reindex(weights.ids, fill_value=False).to_numpy(dtype=bool)
    w = weights if keep.all() else weights.subset(weights.ids[keep])
    y = numeric.reindex(w.ids).to_numpy()
    levels = GI_LEVELS if key == "gi_star" else (float(alpha),)

    frame = STATISTICS.get(key)(y, w, permutations, seed, alternative, chunk_elements)
    cards = w.cardinalities
    tested = (cards > 0) & ~w.fallback_only
    p_adj = np.full(w.n, np.nan)
    p_adj[tested] = adjust_pvalues(frame["p_sim"].to_numpy()[tested], corr)
    frame["p_adjusted"] = p_adj
    cls = _classify(key, frame, levels)
    cls[w.fallback_only] = FALLBACK_ONLY
    cls[cards == 0] = NO_NEIGHBOURS
    frame["cls"] = cls
    frame["fallback_only"] = w.fallback_only
    frame.index = w.ids

    table = frame.reindex(values.index)
    table.insert(0, "value", numeric)
    table["n_neighbours"] = table["n_neighbours"].fillna(0).astype(np.int64)
    table["cls"] = table["cls"].fillna(NO_DATA).astype(object)
    table["fallback_only"] = table["fallback_only"].fillna(False).astype(bool)
    if w.names is not None:
        table.insert(0, "name", w.names.reindex(table.index).astype(object))
    table.index.name = "id"

    n_tested = int(tested.sum())
    notes = permutation_limits(n_tested, permutations, corr, levels)
    if (report := w.fallback_report()) is not None:
        notes.append(report + "; they are flagged, not reported as significant on their own")
    if w.unlocated_ids:
        labels = ", ".join(w.label(i) for i in w.unlocated_ids[:12])
        notes.append(f"{len(w.unlocated_ids):,} regions have no geometry and no neighbours: {labels}")
    missing = int((~has_data).sum())
    if missing:
        example = ", ".join(weights.label(str(i)) for i in has_data.index[~has_data][:8])
        more = f" and {missing - 8:,} more" if missing > 8 else ""
        notes.append(f"{missing:,} regions have no value for {indicator or 'the values'}: {example}{more}")
    if key == "gi_star" and (y < 0).any():
        notes.append(
            "Gi* values (G) assume non-negative data and this indicator has negative values; "
            "the z-scores and p-values are unaffected"
        )
    note = _method_note(key, indicator, w, permutations, seed, alternative, corr, n_tested, levels)
    return HotspotResult(
        table=table,
        statistic=key,
        indicator=indicator,
        weights=w.describe(),
        permutations=int(permutations),
        seed=int(seed),
        correction=corr,
        alternative=alternative,
        levels=tuple(levels),
        n_tested=n_tested,
        method_note=note,
        warnings=tuple(notes),
    )


def check_options(
    *, statistic: str, permutations: int, correction: str, alternative: str, alpha: float
) -> tuple[str, str]:
    """Check the options of :func:`hotspots` before any work; return the canonical statistic and correction.

    Raises
    ------
    UnknownMethodError
        For an unknown statistic or correction (listing the valid names).
    MethodError
        For permutations < 1, an unknown alternative or alpha outside (0, 1).
    """
    key = STATISTICS.canonical(statistic)
    corr = CORRECTIONS.canonical(correction)
    _check_permutations(permutations)
    if alternative not in ALTERNATIVES:
        raise MethodError(f"unknown alternative {alternative!r}; choose one of: {', '.join(ALTERNATIVES)}")
    if not 0 < alpha < 1:
        raise MethodError(f"alpha must lie strictly between 0 and 1, got {alpha}")
    return key, corr


@STATISTICS.register("gi_star", aliases=("gi*", "gistar", "g_star", "getis_ord", "getis_ord_gi*"))
def _gi_star_frame(
    y: FloatArray, w: SpatialWeights, permutations: int, seed: int, alternative: str, chunk: int
) -> pd.DataFrame:
    g, z = gi_star(y, w)
    centred = y - y.mean()
    lag = _lag(w, w.values, centred)
    p = conditional_permutation_pvalues(
        centred,
        w,
        w.values,
        lag,
        permutations=permutations,
        seed=seed,
        alternative=alternative,
        chunk_elements=chunk,
    )
    return pd.DataFrame({"n_neighbours": w.cardinalities, "statistic": g, "z": z, "p_sim": p})


@STATISTICS.register("local_moran", aliases=("lisa", "moran", "local_morans_i", "moran_local"))
def _local_moran_frame(
    y: FloatArray, w: SpatialWeights, permutations: int, seed: int, alternative: str, chunk: int
) -> pd.DataFrame:
    i_stat, lag, quadrant = local_moran(y, w)
    z = _standardise(y)
    p = conditional_permutation_pvalues(
        z,
        w,
        _row_standardised(w),
        np.nan_to_num(lag),
        permutations=permutations,
        seed=seed,
        alternative=alternative,
        chunk_elements=chunk,
    )
    p[z == 0] = np.where(np.isnan(p[z == 0]), np.nan, 1.0)  # I_i is 0 whatever the neighbours
    return pd.DataFrame(
        {
            "n_neighbours": w.cardinalities,
            "statistic": i_stat,
            "quadrant": quadrant,
            "lag": lag,
            "p_sim": p,
        }
    )


def _classify(key: str, frame: pd.DataFrame, levels: tuple[float, ...]) -> np.ndarray:
    p = frame["p_adjusted"].to_numpy()
    cls = np.full(len(frame), NOT_SIGNIFICANT, dtype=object)
    if key == "gi_star":
        z = frame["z"].to_numpy()
        for level in sorted(levels, reverse=True):  # 90% first, overwritten by stricter levels
            sig = p <= level
            cls[sig & (z > 0)] = f"Hot spot {_pct(level)}"
            cls[sig & (z < 0)] = f"Cold spot {_pct(level)}"
    else:
        sig = p <= levels[0]
        cls[sig] = frame["quadrant"].to_numpy()[sig]
    return cls


def _method_note(
    key: str,
    indicator: str | None,
    w: SpatialWeights,
    permutations: int,
    seed: int,
    alternative: str,
    correction: str,
    n_tested: int,
    levels: tuple[float, ...],
) -> str:
    what = f" of {indicator}" if indicator else ""
    tail = "two-sided (folded)" if alternative == "folded" else "one-sided (directed)"
    level_text = (
        "hot and cold spots at 90, 95 and 99% confidence"
        if key == "gi_star"
        else f"clusters and outliers at {_pct(levels[0])} confidence"
    )
    return (
        f"{_STAT_LABEL[key]}{what}; weights: {w.describe()}; {permutations:,} conditional "
        f"permutations (seed {seed}), {tail} pseudo p-values; {_CORRECTION_LABEL[correction]} "
        f"over {n_tested:,} regions; {level_text}."
    )
