"""Screen regions by data availability, reporting who was dropped and why.

COINr's ``Screen`` semantics: a region's data availability is the share of its indicators that are
not missing; its non-zero share is the share of its *available* values that are not zero. A region is
dropped when availability < ``threshold`` (method ``by_na``), non-zero share < ``nonzero_threshold``
(``by_zeros``) or either (``by_na_and_zeros``). ``force_include``/``force_exclude`` override the rule.
COINr's default threshold is 2/3.
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


def data_availability(data: pd.DataFrame) -> pd.DataFrame:
    """Per region: missing and zero counts, availability and non-zero share."""
    values = data.to_numpy(dtype=float)
    k = values.shape[1]
    n_missing = np.isnan(values).sum(axis=1)
    n_zero = (values == 0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        nonzero = 1 - n_zero / (k - n_missing)
    return pd.DataFrame(
        {
            "n_missing": n_missing,
            "n_zero": n_zero,
            "availability": 1 - n_missing / k if k else np.ones(len(data)),
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

    Returns
    -------
    ScreenResult
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
    summary = data_availability(data)
    keep = rule(summary, threshold, nonzero_threshold).astype(bool)
    keep[list(force_include)] = True
    keep[list(force_exclude)] = False
    summary["included"] = keep
    dropped = [str(r) for r in data.index[~keep.to_numpy()]]
    return ScreenResult(data.loc[keep.to_numpy()].copy(), summary, dropped)
