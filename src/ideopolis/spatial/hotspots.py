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
neighbours are drawn, without replacement, from the other ``n - 1`` regions. Every region draws from its own
seeded stream (:mod:`ideopolis.spatial.streams`), so its p-value does not depend on which regions are computed
with it, in what chunks or on how many threads, and the Monte Carlo errors of different regions are
independent. (esda shares one table of draws among all regions: as valid for each region, but the errors of
all regions then move together, so how many regions pass a false-discovery-rate cut-off swings with the seed.)
The pseudo p-value is ``(M + 1) / (P + 1)`` where ``P`` is the number of permutations the region ran and ``M``
counts simulated statistics at least as extreme as the observed one:

- ``folded`` (default, two-sided; esda's ``alternative="folded"``): distance from the expected statistic. The
  centre is the exact conditional expectation (the weights times the mean of the other regions' values) where
  esda uses the mean of the simulations; the two differ by Monte Carlo noise only, but the exact centre keeps
  p-values of discrete data (counts) from jumping when a simulated value mirrors the observed one;
- ``directed`` (esda's current default for ``G_Local`` and ``Moran_Local``): the tail the observed value lies
  in, ``M = min(#{sim >= obs}, #{sim <= obs})``. It is one-sided and so about half the two-sided value.

Ties (to 1e-9 of the scale of the data) count as at least as extreme, so the smallest possible p-value is
``1 / (P + 1)``. Adjustment for testing every region (:data:`CORRECTIONS`): Benjamini-Hochberg false discovery
rate (``fdr_bh``, default), ``bonferroni`` or ``none``, over the regions actually tested.

Monte Carlo error and the calls (:func:`ideopolis.spatial.inference.sequential_test`): each p-value gets its
Clopper-Pearson interval ``[p_low, p_high]`` (99.9% by default). A region is called significant at a level
only when it is significant with every region's p-value at the top of its interval, and not significant only
when it is not significant with every p-value at the bottom; the corrections are monotone, so these calls are
the ones the exact p-values (infinitely many permutations) make, as long as the intervals hold. Regions in
between (*undetermined*) run more permutations, doubling each round from ``permutations`` (999) up to
``max_permutations``; those still undetermined are shown only as far as their call holds (not significant, or a
lower Gi* confidence) and flagged in ``table["undetermined"]``. This is MMCTest (Gandy & Hahn 2014), a
sequential Monte Carlo test in the spirit of Besag & Clifford (1991).

Classes (``HotspotResult.table["cls"]``)
----------------------------------------
Gi*: ``"Hot spot 99%"``, ``"Hot spot 95%"``, ``"Hot spot 90%"`` (significant at 0.01, 0.05, 0.10 after the
correction, as above, and z > 0), ``"Cold spot 99%"``, ``"Cold spot 95%"``, ``"Cold spot 90%"`` (z < 0). Local
Moran: ``"High-High"``, ``"Low-Low"``, ``"High-Low"``, ``"Low-High"`` (significant at ``alpha``, default 0.05).
Both: ``"Not significant"`` (including undetermined regions). Regions that are not tested get:

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
from typing import Any

import numpy as np
import pandas as pd

from ideopolis.errors import MethodError
from ideopolis.registry import Registry
from ideopolis.spatial.budget import check_permutation_budget
from ideopolis.spatial.classes import (
    CLASS_COLOURS,
    FALLBACK_ONLY,
    GI_STAR_CLASSES,
    LISA_CLASSES,
    NO_DATA,
    NO_NEIGHBOURS,
    NOT_SIGNIFICANT,
    UNTESTED_CLASSES,
)
from ideopolis.spatial.inference import (
    _CHUNK_ELEMENTS,
    _CORRECTION_LABEL,
    ALTERNATIVES,
    CORRECTIONS,
    DEFAULT_MC_LEVEL,
    DEFAULT_PERMUTATIONS,
    DEFAULT_SEED,
    LagProblem,
    PermutationCounter,
    SequentialTest,
    _check_permutations,
    _pct,
    _rows,
    adjust_pvalues,
    default_max_permutations,
    permutation_limits,
    sequential_test,
)
from ideopolis.spatial.weights import FloatArray, SpatialWeights

__all__ = [
    "GI_LEVELS",
    "STATISTICS",
    "STATISTIC_TITLES",
    "HotspotResult",
    "check_options",
    "gi_star",
    "hotspots",
    "local_moran",
]

GI_LEVELS = (0.01, 0.05, 0.10)
"""Adjusted p-value cut-offs of the Gi* classes at 99, 95 and 90% confidence."""


# --------------------------------------------------------------------------- registries
STATISTICS: Registry[Callable[..., Any]] = Registry("hotspot statistic")

_STAT_LABEL = {"gi_star": "Getis-Ord Gi*", "local_moran": "local Moran's I (LISA)"}
#: Headings of the statistics' results (tables, maps, the CLI).
STATISTIC_TITLES = {"gi_star": "Hot and cold spots (Getis-Ord Gi*)", "local_moran": "Local Moran clusters"}


# --------------------------------------------------------------------------- permutation arithmetic


# --------------------------------------------------------------------------- statistics
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
        The Ord & Getis (1995) z-score (NaN where the region has no neighbour, and where its neighbourhood is
        every region: the statistic then does not vary).
    """
    values = _as_values(y, weights)
    n = weights.n
    link = weights.values
    numerator = _lag(weights, link, values) + values  # self-weight 1
    w_sum = _row_sums(weights, link) + 1.0
    s1 = _row_sums(weights, link**2) + 1.0
    # sum_j w_ij y_j - W_i ybar, computed on centred values to avoid cancellation for large offsets, and
    # divided by their largest magnitude: z is scale-free, and squares of 1e-300 or 1e300 would under- or
    # overflow (a z of -inf written to a table)
    centred = values - values.mean()
    centred = centred / np.abs(centred).max()
    excess = _lag(weights, link, centred) + centred
    sd = math.sqrt((centred**2).mean())
    spread = (n * s1 - w_sum**2) / (n - 1)  # 0 when a region's neighbourhood is the whole set
    with np.errstate(divide="ignore", invalid="ignore"):
        g = numerator / values.sum()
        z = excess / (sd * np.sqrt(spread))
    none = weights.cardinalities == 0
    g[none] = np.nan
    z[none | (spread <= 1e-12 * n * s1)] = np.nan  # undefined, not infinite
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
    centred = centred / np.abs(centred).max()  # scale-free: no under- or overflow in the squares
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


# --------------------------------------------------------------------------- result
@dataclass(frozen=True)
class HotspotResult:
    """Hotspots of one indicator or score over one region set.

    Attributes
    ----------
    table : pandas.DataFrame
        Index ``id`` (every region given, in the input order). Columns: ``name`` (when names are known),
        ``value``, ``n_neighbours``, ``statistic`` (Gi* or local Moran's I), ``z`` (Gi* only),
        ``quadrant`` and ``lag`` (local Moran only), ``p_sim`` (pseudo p-value), ``p_low`` and ``p_high`` (its
        Monte Carlo interval at ``mc_level``), ``permutations`` (run by the region), ``p_adjusted`` (the
        correction applied to ``p_sim``), ``cls`` (str, see the module docstring), ``undetermined`` (bool: the
        exact p-values may make a stronger call than shown), ``fallback_only`` (bool).
    statistic : str
        ``"gi_star"`` or ``"local_moran"``.
    indicator : str or None
        Name of the indicator or score tested.
    weights : str
        Plain-language description of the weights.
    permutations : int
        Conditional permutations every region ran (more where the call was close: ``table["permutations"]``).
    max_permutations : int
        The most permutations a region could get.
    permutation_budget, permutations_run : int
        The most permutations the whole test could run, and how many it ran (first round included).
    seed : int
        Seed of the regions' streams.
    mc_level : float
        Confidence of each p-value's Monte Carlo interval (``p_low``, ``p_high``).
    n_undetermined : int
        Tested regions whose call still straddled a cut-off after ``max_permutations`` (shown as not significant).
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

    Examples
    --------
    >>> import ideopolis as ideo
    >>> hot = ideo.hotspots("us-metros", "ba_plus_share", permutations=99)
    >>> hot.statistic, hot.permutations, int(hot.counts().sum())
    ('gi_star', 99, 935)
    >>> print(repr(hot).splitlines()[0])
    HotspotResult: Hot and cold spots (Getis-Ord Gi*) of ba_plus_share
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
    max_permutations: int = DEFAULT_PERMUTATIONS
    mc_level: float = DEFAULT_MC_LEVEL
    n_undetermined: int = 0
    permutation_budget: int = 0
    permutations_run: int = 0

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
    def title(self) -> str:
        """What was tested, for a heading: ``"Hot and cold spots (Getis-Ord Gi*) of ideopolis_index"``."""
        return f"{STATISTIC_TITLES.get(self.statistic, self.statistic)} of {self.indicator or 'the values'}"

    @property
    def legend_classes(self) -> tuple[str, ...]:
        """Classes a map legend shows: every class but "No data" (maps draw missing values themselves)."""
        return tuple(c for c in self.classes if c != NO_DATA)

    def significant(self, n: int | None = None) -> pd.DataFrame:
        """Return the significant regions, strongest first (largest absolute z for Gi*, statistic for LISA).

        Parameters
        ----------
        n : int, optional
            Keep the first ``n`` (default: all).

        Returns
        -------
        pandas.DataFrame
            The rows of :attr:`table` whose class is a significant one.
        """
        table = self.table
        hits = table[~table["cls"].isin([NOT_SIGNIFICANT, *UNTESTED_CLASSES])]
        strength = hits["z"].abs() if "z" in hits else hits["statistic"].abs()
        ordered = hits.loc[strength.sort_values(ascending=False, kind="stable").index]
        return ordered if n is None else ordered.head(n)

    def frame(self, regions: Any = None) -> pd.DataFrame:
        """Return :attr:`table`, with the regions' shapes when ``regions`` has them (for spatial formats).

        Parameters
        ----------
        regions : RegionSet, optional
            The set tested.

        Returns
        -------
        pandas.DataFrame or geopandas.GeoDataFrame
        """
        geometry = getattr(regions, "geometry", None)
        if geometry is None:
            return self.table
        import geopandas as gpd

        return gpd.GeoDataFrame(self.table, geometry=geometry.geometry.reindex(self.table.index), crs=geometry.crs)

    def to_png(self, regions: Any, path: Any, *, title: str | None = None, dpi: int | None = None) -> int:
        """Draw the classes as a print map (insets for outlying parts) and write it atomically.

        Parameters
        ----------
        regions : RegionSet
            The set tested (shapes, names, sources).
        path : str or path-like
            The ``.png`` file (``.svg`` and ``.pdf`` write those formats).
        title : str, optional
            Default: what was tested (:attr:`title`), with the indicator's label.
        dpi : int, optional
            Resolution of a PNG (default 200).

        Returns
        -------
        int
            Bytes written.
        """
        from ideopolis.maps.api import HotspotLayer, label_of, layer_png
        from ideopolis.maps.layers import MapLayer

        label = label_of(regions, self.indicator) if self.indicator else "the values"
        hot = HotspotLayer.from_result(self, label)
        layer = MapLayer(
            key="hotspots",
            title=hot.title,
            kind="categorical",
            palette="hotspots",
            categories=self.legend_classes,
            group="Hotspots",
            description=hot.short,
            card_label="Hotspot class",
        )
        cls = self.table["cls"]
        sources = "; ".join(regions.manifest.sources) or regions.name
        return layer_png(
            regions,
            cls.where(cls != NO_DATA),
            layer,
            path,
            source=f"Method: {hot.method} Data: {sources}. Map: ideopolis.",
            title=title,
            dpi=dpi,
        )

    def __repr__(self) -> str:
        """A short summary table (as mapclassify's classifiers print): classes and their counts."""
        counts = self.counts()
        width = max(len(c) for c in counts.index)
        lines = [
            f"HotspotResult: {self.title}",
            f"{len(self.table):,} regions, {self.n_tested:,} tested; {_permutation_range(self)} permutations, "
            f"seed {self.seed}; {self.n_undetermined:,} undetermined",
            "",
            f"{'Class':<{width}}  Count",
            "-" * (width + 7),
        ]
        lines += [f"{cls:<{width}}  {n:>5,}" for cls, n in counts.items() if n or cls not in UNTESTED_CLASSES]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """The summary as an HTML table, the method note under it (notebooks)."""
        from html import escape

        rows = "".join(
            f"<tr><td><span style='display:inline-block;width:0.8em;height:0.8em;background:{CLASS_COLOURS.get(str(c), '#ffffff')};"
            f"border:1px solid #999'></span> {escape(str(c))}</td><td style='text-align:right'>{n:,}</td></tr>"
            for c, n in self.counts().items()
            if n or c not in UNTESTED_CLASSES
        )
        return (
            f"<div><strong>{escape(self.title)}</strong><table><thead><tr><th>Class</th><th>Count</th></tr></thead>"
            f"<tbody>{rows}</tbody></table><p style='font-size:smaller'>{escape(self.method_note)}</p></div>"
        )

    @property
    def params(self) -> dict[str, Any]:
        """Parameters of the run, to be written next to the results."""
        return {
            "statistic": self.statistic,
            "indicator": self.indicator,
            "weights": self.weights,
            "permutations": self.permutations,
            "max_permutations": self.max_permutations,
            "permutation_budget": self.permutation_budget,
            "permutations_run": self.permutations_run,
            "mc_level": self.mc_level,
            "n_undetermined": self.n_undetermined,
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
    max_permutations: int | None = None,
    permutation_budget: int | None = None,
    correction: str = "fdr_bh",
    alpha: float = 0.05,
    seed: int = DEFAULT_SEED,
    alternative: str = "folded",
    mc_level: float = DEFAULT_MC_LEVEL,
    indicator: str | None = None,
    chunk_regions: int | None = None,
    chunk_elements: int = _CHUNK_ELEMENTS,
    threads: int = 1,
    counter: PermutationCounter | None = None,
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
        Conditional permutations every region runs.
    max_permutations : int, optional
        The most a region runs while its call is undetermined (default: what a lone region needs to pass the
        strictest cut-off of the correction, at most 255,999; see
        :func:`ideopolis.spatial.inference.default_max_permutations`).
    permutation_budget : int, optional
        The most permutations the whole test may run (default: 10 times its first round, so the work grows
        in proportion to the regions); the rounds for undetermined regions stop when the next would exceed it.
    correction : str, default "fdr_bh"
        ``"fdr_bh"``, ``"bonferroni"`` or ``"none"``.
    alpha : float, default 0.05
        Significance level of the local Moran classes (Gi* uses 0.01, 0.05 and 0.10).
    seed : int, default 12345
        Seed of the regions' permutation streams.
    alternative : {"folded", "directed"}
        Pseudo p-value convention (module docstring).
    mc_level : float, default 0.999
        Confidence of each p-value's Monte Carlo interval; a call must hold across it.
    indicator : str, optional
        Name of what is tested, for the methods note (default: ``values.name``).
    chunk_regions, chunk_elements, threads
        How the permutation work is split (regions per chunk, draws held at once, worker threads); the
        results are identical whatever they are.
    counter : callable, optional
        Runs the permutations instead of :func:`~ideopolis.spatial.inference.permutation_counts` (same counts),
        e.g. on a Dask cluster (:meth:`ideopolis.engines.ComputeEngine.permutation_counts`).

    Returns
    -------
    HotspotResult

    Raises
    ------
    MethodError, UnknownMethodError
        For invalid options (before any work), non-numeric values, or values without a place in the weights.

    Examples
    --------
    >>> import ideopolis as ideo
    >>> from ideopolis.spatial.weights import queen_weights
    >>> rs = ideo.load_regions("us-metros")
    >>> shares = rs.data["ba_plus_share"].dropna()
    >>> result = hotspots(shares, queen_weights(rs.geometry.reindex(shares.index)), permutations=999)
    >>> result.permutations, result.max_permutations
    (999, 255999)
    """
    key, corr = check_options(
        statistic=statistic,
        permutations=permutations,
        correction=correction,
        alternative=alternative,
        alpha=alpha,
        max_permutations=max_permutations,
        mc_level=mc_level,
        permutation_budget=permutation_budget,
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
    check_permutation_budget(w.n, int(permutations), int(w.cardinalities.max()) if w.n else 0)

    frame, problem, exactly_one = STATISTICS.get(key)(y, w)
    cards = w.cardinalities
    tested = (cards > 0) & ~w.fallback_only
    n_tested = int(tested.sum())
    if max_permutations is None:
        max_permutations = default_max_permutations(n_tested, levels, corr, permutations, mc_level)
    test = sequential_test(
        problem,
        tested=tested,
        levels=levels,
        correction=corr,
        permutations=permutations,
        max_permutations=max_permutations,
        budget=permutation_budget,
        mc_level=mc_level,
        seed=seed,
        alternative=alternative,
        exactly_one=exactly_one,
        chunk_regions=chunk_regions,
        chunk_elements=chunk_elements,
        threads=threads,
        counter=counter,
    )
    frame["p_sim"] = test.p_sim
    frame["p_low"] = test.p_low
    frame["p_high"] = test.p_high
    frame["permutations"] = test.permutations
    p_adj = np.full(w.n, np.nan)
    p_adj[tested] = adjust_pvalues(test.p_sim[tested], corr)
    frame["p_adjusted"] = p_adj
    cls = _classify(key, frame, test, levels)
    cls[w.fallback_only] = FALLBACK_ONLY
    cls[cards == 0] = NO_NEIGHBOURS
    frame["cls"] = cls
    frame["undetermined"] = test.undetermined
    frame["fallback_only"] = w.fallback_only
    frame.index = w.ids

    table = frame.reindex(values.index)
    table.insert(0, "value", numeric)
    table["n_neighbours"] = table["n_neighbours"].fillna(0).astype(np.int64)
    table["permutations"] = table["permutations"].fillna(0).astype(np.int64)
    table["cls"] = table["cls"].fillna(NO_DATA).astype(object)
    table["undetermined"] = table["undetermined"].fillna(False).astype(bool)
    table["fallback_only"] = table["fallback_only"].fillna(False).astype(bool)
    if w.names is not None:
        table.insert(0, "name", w.names.reindex(table.index).astype(object))
    table.index.name = "id"

    n_undetermined = int(test.undetermined.sum())
    notes = permutation_limits(n_tested, max_permutations, corr, levels, mc_level=mc_level)
    if n_undetermined:
        notes.append(_undetermined_note(w, test, max_permutations, mc_level))
    if test.out_of_budget:
        notes.append(
            f"the permutation budget ({test.budget:,} permutations in all, {test.spent:,} run) stopped the rounds "
            "before every region reached its call or max_permutations; a larger permutation_budget may settle more"
        )
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
    note = _method_note(
        key, indicator, w, (permutations, max_permutations), seed, alternative, corr, n_tested, levels, mc_level,
        n_undetermined,
    )  # fmt: skip
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
        max_permutations=int(max_permutations),
        mc_level=float(mc_level),
        n_undetermined=n_undetermined,
        permutation_budget=int(test.budget),
        permutations_run=int(test.permutations.sum()),
    )


def _undetermined_note(w: SpatialWeights, test: SequentialTest, max_permutations: int, mc_level: float) -> str:
    ids = np.flatnonzero(test.undetermined)
    labels = ", ".join(w.label(str(w.ids[i])) for i in ids[:8])
    more = f" and {len(ids) - 8:,} more" if len(ids) > 8 else ""
    return (
        f"{len(ids):,} regions are undetermined: after {max_permutations:,} permutations their p-values still "
        f"straddle a cut-off within their {_confidence(mc_level)} Monte Carlo intervals, so they are shown "
        f"{_shown_as(len(test.significant))} (a larger max_permutations may settle them): {labels}{more}"
    )


def _shown_as(n_levels: int) -> str:
    return "as not significant" if n_levels == 1 else "only at the confidence their call holds at, if any"


def _confidence(level: float) -> str:
    return f"{100 * level:.10g}%"


def _permutation_range(result: HotspotResult) -> str:
    if result.max_permutations == result.permutations:
        return f"{result.permutations:,}"
    return f"{result.permutations:,}-{result.max_permutations:,}"


def check_options(
    *,
    statistic: str,
    permutations: int,
    correction: str,
    alternative: str,
    alpha: float,
    max_permutations: int | None = None,
    mc_level: float = DEFAULT_MC_LEVEL,
    permutation_budget: int | None = None,
) -> tuple[str, str]:
    """Check the options of :func:`hotspots` before any work; return the canonical statistic and correction.

    Parameters
    ----------
    statistic, permutations, correction, alternative, alpha, max_permutations, mc_level, permutation_budget
        As in :func:`hotspots`.

    Returns
    -------
    tuple of str
        The registered names of the statistic (``gi_star``, ``local_moran``) and the correction.

    Raises
    ------
    UnknownMethodError
        For an unknown statistic or correction (listing the valid names).
    MethodError
        For permutations < 1, max_permutations below permutations, a permutation_budget that is not a whole
        number of at least 1, an unknown alternative, alpha outside (0, 1) or mc_level outside [0.5, 1).
    """
    key = STATISTICS.canonical(statistic)
    corr = CORRECTIONS.canonical(correction)
    _check_permutations(permutations)
    if max_permutations is not None:
        _check_permutations(max_permutations)
        if max_permutations < permutations:
            raise MethodError(
                f"max_permutations ({max_permutations:,}) must be at least permutations ({permutations:,})"
            )
    if permutation_budget is not None and (
        isinstance(permutation_budget, bool) or not isinstance(permutation_budget, int) or permutation_budget < 1
    ):
        raise MethodError(f"permutation_budget must be a whole number of at least 1, got {permutation_budget!r}")
    if alternative not in ALTERNATIVES:
        raise MethodError(f"unknown alternative {alternative!r}; choose one of: {', '.join(ALTERNATIVES)}")
    if not 0 < alpha < 1:
        raise MethodError(f"alpha must lie strictly between 0 and 1, got {alpha}")
    if isinstance(mc_level, bool) or not isinstance(mc_level, int | float) or not 0.5 <= mc_level < 1:
        raise MethodError(
            f"mc_level (the confidence of each p-value's Monte Carlo interval) must lie in [0.5, 1), got {mc_level!r}"
        )
    return key, corr


@STATISTICS.register("gi_star", aliases=("gi*", "gistar", "g_star", "getis_ord", "getis_ord_gi*"))
def _gi_star_frame(y: FloatArray, w: SpatialWeights) -> tuple[pd.DataFrame, LagProblem, None]:
    g, z = gi_star(y, w)
    centred = y - y.mean()
    problem = LagProblem.build(centred, w, w.values, _lag(w, w.values, centred))
    return pd.DataFrame({"n_neighbours": w.cardinalities, "statistic": g, "z": z}), problem, None


@STATISTICS.register("local_moran", aliases=("lisa", "moran", "local_morans_i", "moran_local"))
def _local_moran_frame(y: FloatArray, w: SpatialWeights) -> tuple[pd.DataFrame, LagProblem, np.ndarray]:
    i_stat, lag, quadrant = local_moran(y, w)
    z = _standardise(y)
    problem = LagProblem.build(z, w, _row_standardised(w), np.nan_to_num(lag))
    frame = pd.DataFrame({"n_neighbours": w.cardinalities, "statistic": i_stat, "quadrant": quadrant, "lag": lag})
    return frame, problem, z == 0  # I_i is 0 whatever the neighbours: p = 1


def _classify(key: str, frame: pd.DataFrame, test: SequentialTest, levels: tuple[float, ...]) -> np.ndarray:
    cls = np.full(len(frame), NOT_SIGNIFICANT, dtype=object)
    if key == "gi_star":
        z = frame["z"].to_numpy()
        for level in sorted(levels, reverse=True):  # 90% first, overwritten by stricter levels
            sig = test.significant[level]
            cls[sig & (z > 0)] = f"Hot spot {_pct(level)}"
            cls[sig & (z < 0)] = f"Cold spot {_pct(level)}"
    else:
        sig = test.significant[levels[0]]
        cls[sig] = frame["quadrant"].to_numpy()[sig]
    return cls


def _method_note(
    key: str,
    indicator: str | None,
    w: SpatialWeights,
    permutations: tuple[int, int],
    seed: int,
    alternative: str,
    correction: str,
    n_tested: int,
    levels: tuple[float, ...],
    mc_level: float,
    n_undetermined: int,
) -> str:
    what = f" of {indicator}" if indicator else ""
    tail = "two-sided (folded)" if alternative == "folded" else "one-sided (directed)"
    level_text = (
        "hot and cold spots at 90, 95 and 99% confidence"
        if key == "gi_star"
        else f"clusters and outliers at {_pct(levels[0])} confidence"
    )
    low, high = permutations
    more = f", up to {high:,} where the call was close" if high > low else ""
    shown = "as not significant" if len(levels) == 1 else "no stronger than their call holds"
    undetermined = f" ({n_undetermined:,} regions undetermined, shown {shown})" if n_undetermined else ""
    return (
        f"{_STAT_LABEL[key]}{what}; weights: {w.describe()}; {low:,} conditional permutations per region from "
        f"its own stream (seed {seed}){more}; {tail} pseudo p-values; {_CORRECTION_LABEL[correction]} over "
        f"{n_tested:,} regions; {level_text}, each call holding across the p-value's {_confidence(mc_level)} "
        f"Monte Carlo interval{undetermined}."
    )
