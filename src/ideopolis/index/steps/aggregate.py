"""Aggregate normalised indicators up the framework tree.

Each aggregate is a weighted mean of its children over the regions' *available* children, weights
renormalised (COINr's ``a_amean`` and friends). Methods: ``arithmetic``, ``geometric``, ``harmonic``
and ``generalised`` (power mean with exponent ``p``; p = 1 arithmetic, 0 geometric, -1 harmonic).
The method can be set per level and per aggregate; a data-availability threshold per level or per
aggregate turns the score of a region with too little of its children's data into a missing value.

**Data availability** of an aggregate for a region is the share of the aggregate's weight that its children
*with a value* carry (``availability="weight"``, the default), or the share of its children with a value
(``availability="count"``: COINr's ``dat_thresh``, ``sum(!is.na(x_row)) / length(x_row)``). With equal
weights the two agree. The default run computes an aggregate only where availability is at least 0.65 (the
JRC COIN practice, DESIGN section 4; ``[aggregate] threshold``); :attr:`AggregateResult.availability` keeps
every region's availability of every aggregate, so a run can say why a score is missing.

A child with direction -1 enters its parent reflected on the normalised scale (``low + high - x``),
which is how exposure enters the balance (see :mod:`ideopolis.index.lens`).

Weights are either one value per node (a Series) or one row per region (a DataFrame, for weights by
peer group).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ideopolis.errors import MethodError
from ideopolis.index.framework import Framework
from ideopolis.registry import Registry

AggregateFn = Callable[..., np.ndarray]
AGGREGATORS: Registry[AggregateFn] = Registry("aggregate")


def _weights_matrix(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    ww = np.broadcast_to(w, x.shape).astype(float)
    return np.where(np.isnan(x), 0.0, ww)


@AGGREGATORS.register("arithmetic", aliases=("a_amean", "amean", "mean"))
def a_amean(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted arithmetic mean over each row's available values."""
    ww = _weights_matrix(x, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nansum(x * ww, axis=1) / ww.sum(axis=1)


@AGGREGATORS.register("geometric", aliases=("a_gmean", "gmean"))
def a_gmean(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted geometric mean; every value must be > 0."""
    ww = _weights_matrix(x, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.exp(np.nansum(np.log(x) * ww, axis=1) / ww.sum(axis=1))


@AGGREGATORS.register("harmonic", aliases=("a_hmean", "hmean"))
def a_hmean(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted harmonic mean; every value must be > 0."""
    ww = _weights_matrix(x, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        return ww.sum(axis=1) / np.nansum(ww / x, axis=1)


@AGGREGATORS.register("generalised", aliases=("generalized", "power", "a_genmean", "genmean"))
def a_genmean(x: np.ndarray, w: np.ndarray, p: float = 2.0) -> np.ndarray:
    """Weighted generalised (power) mean ``(sum w x^p / sum w)^(1/p)``; p = 0 is geometric."""
    if p == 0:
        return a_gmean(x, w)
    ww = _weights_matrix(x, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (np.nansum(ww * x**p, axis=1) / ww.sum(axis=1)) ** (1.0 / p)


def reflected(framework: Framework, code: str) -> bool:
    """Tell whether ``code`` enters its parent reflected (a -1 aggregate; indicators flip earlier)."""
    node = framework.node(code)
    return not node.indicator and node.direction == -1


def _positive_required(key: str, params: Mapping[str, float]) -> bool:
    if key in ("geometric", "harmonic"):
        return True
    return key == "generalised" and float(params.get("p", 2.0)) <= 0


@dataclass(frozen=True)
class AggregateSpec:
    """How to aggregate: default method, per-level and per-node overrides, availability thresholds.

    Parameters
    ----------
    method : str
        Default method for every aggregate.
    params : mapping
        Parameters of the default method (``p`` for the generalised mean).
    by_level : mapping
        Level (2 = pillars, ...) -> method name.
    by_node : mapping
        Aggregate code -> method name (wins over ``by_level``).
    threshold : float or None
        Default data-availability threshold (0-1): below it an aggregate's score is missing.
    threshold_by_level, threshold_by_node : mapping
        Overrides of the threshold.
    availability : {"weight", "count"}
        How availability is measured: the share of the aggregate's weight carried by children with a value
        (default), or the share of children with a value (COINr's ``dat_thresh``).
    """

    method: str = "arithmetic"
    params: Mapping[str, float] = field(default_factory=dict)
    by_level: Mapping[int, str] = field(default_factory=dict)
    by_node: Mapping[str, str] = field(default_factory=dict)
    threshold: float | None = None
    threshold_by_level: Mapping[int, float] = field(default_factory=dict)
    threshold_by_node: Mapping[str, float] = field(default_factory=dict)
    availability: str = "weight"

    def method_for(self, fw: Framework, code: str) -> str:
        """Return the method name used for aggregate ``code``."""
        return self.by_node.get(code, self.by_level.get(fw.level(code), self.method))

    def threshold_for(self, fw: Framework, code: str) -> float | None:
        """Return the availability threshold used for aggregate ``code``."""
        if code in self.threshold_by_node:
            return self.threshold_by_node[code]
        return self.threshold_by_level.get(fw.level(code), self.threshold)


#: How data availability of an aggregate is measured (see the module docstring).
AVAILABILITY = ("weight", "count")
#: The availability threshold of a run that sets none (``[aggregate] threshold``): the JRC COIN practice of
#: computing an aggregate only where at least 65% of its inputs exist (DESIGN section 4); 0 turns it off.
DEFAULT_THRESHOLD = 0.65


@dataclass(frozen=True)
class AggregateResult:
    """Indicators and every aggregate, and each region's data availability of each aggregate.

    Attributes
    ----------
    data : pandas.DataFrame
        Index = region id; one column per indicator and per aggregate.
    methods : dict of str to str
        Aggregate -> the mean used.
    availability : pandas.DataFrame
        Index = region id; one column per aggregate: the share (0-1) of its weight (or of its children, with
        ``availability="count"``) that has a value for the region.
    thresholds : dict of str to float or None
        Aggregate -> the availability threshold applied (``None``: none).
    """

    data: pd.DataFrame
    methods: dict[str, str]
    availability: pd.DataFrame = field(default_factory=pd.DataFrame)
    thresholds: dict[str, float | None] = field(default_factory=dict)


def aggregate(
    normalised: pd.DataFrame,
    framework: Framework,
    weights: pd.Series | pd.DataFrame,
    *,
    spec: AggregateSpec | None = None,
    bounds: tuple[float, float] = (0.0, 100.0),
) -> AggregateResult:
    """Aggregate ``normalised`` up ``framework``.

    Parameters
    ----------
    normalised : DataFrame
        Normalised indicators (index = region id, columns = the framework's indicators).
    framework : Framework
        The tree.
    weights : Series or DataFrame
        Node -> weight, or region x node weights (weights by peer group).
    spec : AggregateSpec, optional
        Methods and thresholds (default: arithmetic everywhere, no threshold).
    bounds : tuple
        (low, high) of the normalised scale, to reflect children with direction -1.

    Returns
    -------
    AggregateResult
    """
    spec = spec or AggregateSpec()
    for name, value in [
        ("threshold", spec.threshold),
        *spec.threshold_by_level.items(),
        *spec.threshold_by_node.items(),
    ]:
        if value is not None and not 0 <= float(value) <= 1:
            raise MethodError(f"aggregation threshold for {name} is {value}; use a share between 0 and 1")
    if spec.availability not in AVAILABILITY:
        raise MethodError(
            f"aggregate availability {spec.availability!r} is unknown; choose one of: {', '.join(AVAILABILITY)}"
        )
    unknown = [c for c in spec.by_node if c not in framework.aggregates]
    unknown += [c for c in spec.threshold_by_node if c not in framework.aggregates]
    if unknown:
        raise MethodError(
            f"aggregation setting for {unknown[0]!r}, which is not an aggregate of the framework; "
            f"aggregates: {', '.join(framework.aggregates)}"
        )
    missing = [c for c in framework.indicators if c not in normalised.columns]
    if missing:
        raise MethodError(
            f"indicator {missing[0]!r} of the framework is not in the data; "
            "add the column or remove it from the framework"
        )
    cols: dict[str, np.ndarray] = {c: normalised[c].to_numpy(dtype=float) for c in framework.indicators}
    per_region = isinstance(weights, pd.DataFrame)
    lo, hi = bounds
    methods: dict[str, str] = {}
    shares: dict[str, np.ndarray] = {}
    thresholds: dict[str, float | None] = {}
    for agg in framework.aggregates:
        kids = list(framework.children(agg))
        x = np.column_stack([(lo + hi - cols[k]) if reflected(framework, k) else cols[k] for k in kids])
        if per_region:
            assert isinstance(weights, pd.DataFrame)
            w = weights.reindex(index=normalised.index, columns=kids).to_numpy(dtype=float)
            total = np.nansum(w, axis=1)
            if (total == 0).any():
                region = normalised.index[np.flatnonzero(total == 0)[0]]
                raise MethodError(
                    f"weights of the children of {agg!r} sum to zero for region {region!r}; "
                    "give at least one of them a positive weight"
                )
        else:
            w = np.asarray(weights.reindex(kids).to_numpy(dtype=float))
            if np.isnan(w).any():
                raise MethodError(
                    f"no weight for {kids[int(np.flatnonzero(np.isnan(w))[0])]!r} in {agg!r}; give every node a weight"
                )
            if w.sum() == 0:
                raise MethodError(
                    f"weights of the children of {agg!r} ({', '.join(kids)}) sum to zero; "
                    "give at least one of them a positive weight"
                )
        name = spec.method_for(framework, agg)
        key = AGGREGATORS.canonical(name)
        params = {"p": float(spec.params["p"])} if key == "generalised" and "p" in spec.params else {}
        if _positive_required(key, params) and (x <= 0).any():
            r, c = np.argwhere(x <= 0)[0]
            raise MethodError(
                f"{key} mean over values <= 0 in {agg!r}: {kids[c]!r} is {x[r, c]:g} for region "
                f"{normalised.index[r]!r}; normalise to a positive range (e.g. minmax l_u = [1, 100]) "
                "or aggregate it arithmetically"
            )
        y = AGGREGATORS.get(key)(x, w, **params)
        thr = spec.threshold_for(framework, agg)
        avail = _availability(x, w, spec.availability)
        y = np.where(np.isnan(x).all(axis=1), np.nan, y)
        if thr is not None:
            # a hair of tolerance: 2 of 3 equal weights is 0.666..., and 13 / 20 must pass a 0.65 threshold
            y = np.where(avail < float(thr) - 1e-12, np.nan, y)
        cols[agg] = y
        shares[agg] = avail
        methods[agg] = key
        thresholds[agg] = None if thr is None else float(thr)
    # the indicator columns share the normalised table's values (copy-on-write, pandas >= 3); the aggregates
    # are one new block: no copy of the whole table
    scores = np.stack([cols[a] for a in framework.aggregates])  # aggregates x regions (a framework has a root)
    out = pd.concat(
        [
            normalised[list(framework.indicators)],
            pd.DataFrame(scores.T, index=normalised.index, columns=list(framework.aggregates), copy=False),
        ],
        axis=1,
    )
    return AggregateResult(out, methods, pd.DataFrame(shares, index=normalised.index), thresholds)


def _availability(x: np.ndarray, w: np.ndarray, how: str) -> np.ndarray:
    """Share of the weight (or of the children) with a value, per row; 0 where nothing is available."""
    have = ~np.isnan(x)
    if how == "count":
        return np.asarray(have.sum(axis=1) / x.shape[1], dtype=float)
    ww = np.broadcast_to(np.nan_to_num(w, nan=0.0), x.shape).astype(float)
    total = ww.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, (ww * have).sum(axis=1) / total, 0.0)
    return np.asarray(share, dtype=float)
