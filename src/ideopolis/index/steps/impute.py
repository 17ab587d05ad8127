"""Impute missing indicator values, recording every imputed cell.

Methods (COINr's ``i_*`` functions, column by column): ``none``, ``mean``, ``median``,
``group_mean`` and ``group_median`` (the mean/median of the region's group in a grouping column, e.g.
state or urban/rural class; COINr ``i_mean_grp``/``i_median_grp``). A value whose group has no data,
or whose group label is missing, stays missing (as in COINr).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ideopolis.errors import MethodError
from ideopolis.registry import Registry

ImputeFn = Callable[..., pd.DataFrame]
IMPUTERS: Registry[ImputeFn] = Registry("impute")


@dataclass(frozen=True)
class ImputeResult:
    """Imputed data and one row per imputed cell (``region, indicator, value, method, group``)."""

    data: pd.DataFrame
    imputed: pd.DataFrame
    remaining_missing: int


@IMPUTERS.register("none", aliases=("no",))
def impute_none(data: pd.DataFrame, *, group: pd.Series | None = None) -> pd.DataFrame:
    """Return the data unchanged (a copy-on-write view: the values are shared until either side is written)."""
    return data.copy(deep=False)


@IMPUTERS.register("mean", aliases=("i_mean",))
def impute_mean(data: pd.DataFrame, *, group: pd.Series | None = None) -> pd.DataFrame:
    """Fill each indicator's gaps with its mean over regions."""
    return data.fillna(data.mean())


@IMPUTERS.register("median", aliases=("i_median",))
def impute_median(data: pd.DataFrame, *, group: pd.Series | None = None) -> pd.DataFrame:
    """Fill each indicator's gaps with its median over regions."""
    return data.fillna(data.median())


def _need_group(group: pd.Series | None, method: str) -> pd.Series:
    if group is None:
        raise MethodError(
            f"impute method {method!r} needs a grouping column; name one "
            '(--impute-group COLUMN, or group = "state" under [impute] in a profile)'
        )
    return group


@IMPUTERS.register("group_mean", aliases=("i_mean_grp", "mean_grp"))
def impute_group_mean(data: pd.DataFrame, *, group: pd.Series | None = None) -> pd.DataFrame:
    """Fill gaps with the mean of the region's group."""
    g = _need_group(group, "group_mean").reindex(data.index)
    return data.fillna(data.groupby(g, dropna=True).transform("mean"))


@IMPUTERS.register("group_median", aliases=("i_median_grp", "median_grp"))
def impute_group_median(data: pd.DataFrame, *, group: pd.Series | None = None) -> pd.DataFrame:
    """Fill gaps with the median of the region's group."""
    g = _need_group(group, "group_median").reindex(data.index)
    return data.fillna(data.groupby(g, dropna=True).transform("median"))


def impute(
    data: pd.DataFrame,
    *,
    method: str = "none",
    groups: pd.DataFrame | None = None,
    group: str | None = None,
) -> ImputeResult:
    """Impute ``data`` with ``method`` and record every imputed cell.

    Parameters
    ----------
    data : DataFrame
        Indicators (index = region id).
    method : str
        A name in :data:`IMPUTERS`.
    groups : DataFrame, optional
        Grouping columns (index = region id).
    group : str, optional
        The grouping column for the group methods.

    Returns
    -------
    ImputeResult
    """
    fn = IMPUTERS.get(method)
    key = IMPUTERS.canonical(method)
    gser: pd.Series | None = None
    if group is not None:
        if groups is None or group not in groups.columns:
            have = ", ".join(groups.columns) if groups is not None else "none"
            raise MethodError(f"grouping column {group!r} for imputation is not in the data; choose one of: {have}")
        gser = pd.Series(groups[group])
    out = fn(data, group=gser)
    before = data.to_numpy(dtype=float)
    after = out.to_numpy(dtype=float)
    rows, cols = np.nonzero(np.isnan(before) & ~np.isnan(after))
    imputed = pd.DataFrame(
        {
            "region": data.index.astype(str).to_numpy()[rows],
            "indicator": data.columns.astype(str).to_numpy()[cols],
            "value": after[rows, cols],
            "method": key,
        }
    )
    if gser is not None:
        imputed["group"] = gser.reindex(imputed["region"]).astype("string").to_numpy()
    return ImputeResult(out, imputed, int(np.isnan(after).sum()))
