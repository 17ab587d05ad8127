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
from typing import Any

import numpy as np
import pandas as pd

from ideopolis.errors import MethodError
from ideopolis.registry import Registry
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
    DEFAULT_PERMUTATIONS,
    DEFAULT_SEED,
    _check_permutations,
    _pct,
    _rows,
    adjust_pvalues,
    conditional_permutation_pvalues,
    permutation_limits,
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
            f"{len(self.table):,} regions, {self.n_tested:,} tested; {self.permutations} permutations, seed {self.seed}",
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
