"""Screen regions by data availability, reporting who was dropped and why.

COINr's ``Screen`` semantics: a region's data availability is the share of its indicators that are
not missing; its non-zero share is the share of its *available* values that are not zero. A region is
dropped when availability < ``threshold`` (method ``by_na``), non-zero share < ``nonzero_threshold``
(``by_zeros``) or either (``by_na_and_zeros``). ``force_include``/``force_exclude`` override the rule.
COINr's default threshold is 2/3.

Method ``by_weight`` counts weight instead of indicators: a region's *weight availability* is the share
of the index's effective weight carried by its non-missing indicators, the effective weight of an
indicator being the product of its sibling-normalised weights up to the index (OECD/JRC, *Handbook on
Constructing Composite Indicators*, 2008, section 6; COINr ``get_eff_weights``). Five alternative
measures of one concept that share one indicator's weight then count as that one indicator's share,
not as five indicators, which is the rule the aggregate step already applies at every level
(DESIGN "data availability at every level"). With equal weights in a one-level framework the two rules
agree (every indicator carries ``1/k``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ideopolis.errors import MethodError
from ideopolis.registry import Registry

ScreenRule = Callable[[pd.DataFrame, float, float], "pd.Series[bool]"]
SCREENS: Registry[ScreenRule] = Registry("screen")

#: shares of weight this close to the threshold reach it (floating-point sums of effective weights)
_TOLERANCE = 1e-9


@dataclass(frozen=True)
class ScreenResult:
    """Screened data, a per-region summary and the ids that were dropped."""

    data: pd.DataFrame
    summary: pd.DataFrame
    dropped: list[str]


@SCREENS.register("by_na", aliases=("byNA", "na", "availability"))
def by_na(summary: pd.DataFrame, threshold: float, nonzero_threshold: float) -> pd.Series:
    """Keep regions with data availability >= threshold."""
    return ~(summary["availability"] < threshold)


@SCREENS.register("by_zeros", aliases=("byzeros", "zeros"))
def by_zeros(summary: pd.DataFrame, threshold: float, nonzero_threshold: float) -> pd.Series:
    """Keep regions with a non-zero share >= nonzero_threshold."""
    return ~(summary["nonzero"] < nonzero_threshold)


@SCREENS.register("by_na_and_zeros", aliases=("byNAandzeros",))
def by_na_and_zeros(summary: pd.DataFrame, threshold: float, nonzero_threshold: float) -> pd.Series:
    """Keep regions that pass both rules."""
    return by_na(summary, threshold, nonzero_threshold) & by_zeros(summary, threshold, nonzero_threshold)


@SCREENS.register("none", aliases=("no",))
def keep_all(summary: pd.DataFrame, threshold: float, nonzero_threshold: float) -> pd.Series:
    """Keep every region."""
    return pd.Series(True, index=summary.index)


@SCREENS.register("by_weight", aliases=("weight", "weight_availability", "byweight"))
def by_weight(summary: pd.DataFrame, threshold: float, nonzero_threshold: float) -> pd.Series:
    """Keep regions whose non-missing indicators carry >= threshold of the index's effective weight.

    A share within ``1e-9`` of the threshold counts as reaching it: a sum of effective weights such as
    ``4/8 * 3/4 + 2/3 * 1/4`` is exact on paper but may land one rounding step below 2/3 in floating point.
    """
    wa = summary["weight_availability"].to_numpy(dtype=float)
    below = (wa < threshold) & ~np.isclose(wa, threshold, rtol=0.0, atol=_TOLERANCE)
    return pd.Series(~below, index=summary.index)


def data_availability(data: pd.DataFrame, weights: pd.Series | None = None) -> pd.DataFrame:
    """Per region: missing and zero counts, availability, weight availability and non-zero share.

    Parameters
    ----------
    data : DataFrame
        Indicators (index = region id), n regions x k indicators.
    weights : Series, optional
        Effective weight of every indicator (index = indicator code, >= 0); default: equal weights.
        Indicators absent from ``weights`` carry weight 0.

    Returns
    -------
    DataFrame
        Index = region id; ``n_missing``, ``n_zero`` (counts), ``availability`` (share of indicators with a
        value, COINr ``Screen``), ``weight_availability`` (share of the summed effective weight carried by
        indicators with a value; OECD/JRC Handbook 2008) and ``nonzero`` (share of available values not zero).

    Raises
    ------
    MethodError
        When a weight is negative or not finite, or every indicator has weight 0.
    """
    values = data.to_numpy(dtype=float)
    k = values.shape[1]
    missing = np.isnan(values)
    n_missing = missing.sum(axis=1)
    n_zero = (values == 0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        nonzero = 1 - n_zero / (k - n_missing)
    availability = 1 - n_missing / k if k else np.ones(len(data))
    if weights is None or not k:
        weight_availability = availability
    else:
        w = weights.reindex(data.columns).fillna(0.0).to_numpy(dtype=float)
        bad = [str(c) for c, v in zip(data.columns, w, strict=True) if not (np.isfinite(v) and v >= 0)]
        if bad:
            raise MethodError(f"screen weight of indicator {bad[0]!r} is {weights[bad[0]]}; use a weight >= 0")
        if w.sum() <= 0:
            raise MethodError("every indicator has weight 0, so the by_weight screen has nothing to count; use by_na")
        weight_availability = (~missing).astype(float) @ w / w.sum()
    return pd.DataFrame(
        {
            "n_missing": n_missing,
            "n_zero": n_zero,
            "availability": availability,
            "weight_availability": weight_availability,
            "nonzero": nonzero,
        },
        index=data.index,
    )


def screen(
    data: pd.DataFrame,
    *,
    method: str = "by_na",
    threshold: float = 2 / 3,
    nonzero_threshold: float = 0.05,
    force_include: Sequence[str] = (),
    force_exclude: Sequence[str] = (),
    weights: pd.Series | None = None,
) -> ScreenResult:
    """Drop regions with too little data.

    Parameters
    ----------
    data : DataFrame
        Indicators (index = region id).
    method : str
        A name in :data:`SCREENS`.
    threshold : float
        Minimum data availability (0-1).
    nonzero_threshold : float
        Minimum share of non-zero values among available ones (0-1).
    force_include, force_exclude : sequence of str
        Region ids kept or dropped whatever the rule says.
    weights : Series, optional
        Effective weight of every indicator (index = indicator code), read by ``by_weight``; default: equal
        weights (``by_weight`` then equals ``by_na``). See :func:`data_availability`.

    Returns
    -------
    ScreenResult

    Raises
    ------
    MethodError
        For an unknown method (naming the choices), a threshold outside [0, 1], a forced region not in the
        data, or unusable weights.

    Examples
    --------
    >>> data = pd.DataFrame({"a": [1.0, 1.0], "b": [np.nan, 1.0], "c": [np.nan, 1.0]}, index=["x", "y"])
    >>> w = pd.Series({"a": 0.5, "b": 0.25, "c": 0.25})
    >>> screen(data, method="by_na", threshold=0.5).dropped  # x has 1 of 3 indicators
    ['x']
    >>> screen(data, method="by_weight", threshold=0.5, weights=w).dropped  # x carries half the weight
    []
    """
    for name, value in (("threshold", threshold), ("nonzero_threshold", nonzero_threshold)):
        if not 0 <= value <= 1:
            raise MethodError(f"screen {name} is {value}; use a share between 0 and 1")
    rule = SCREENS.get(method)
    unknown = [r for r in (*force_include, *force_exclude) if r not in data.index]
    if unknown:
        raise MethodError(
            f"region {unknown[0]!r} named in force_include/force_exclude is not in the data; use a region id"
        )
    summary = data_availability(data, weights)
    keep = rule(summary, threshold, nonzero_threshold).astype(bool)
    keep[list(force_include)] = True
    keep[list(force_exclude)] = False
    summary["included"] = keep
    dropped = [str(r) for r in data.index[~keep.to_numpy()]]
    mask = keep.to_numpy()
    # copy-on-write (pandas >= 3): keeping every region shares the input's values; a boolean take copies already
    kept = data.copy(deep=False) if mask.all() else data.loc[mask]
    return ScreenResult(kept, summary, dropped)
