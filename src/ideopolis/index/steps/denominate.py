"""Denominate: divide extensive indicators by a size column (per capita, per km2, per GDP).

Follows COINr's ``Denominate``: each indicator named in ``by`` is divided by its denominator column,
optionally times a scale factor (``x * scale / denominator``, COINr's ``ScaleFactor``). Which column
divides which indicator comes from metadata (a region set's ``denominate_by``, COINr iMeta's
``Denominator``). A zero or missing denominator gives a missing value, reported in the notes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ideopolis.errors import MethodError
from ideopolis.registry import Registry


@dataclass(frozen=True)
class DenominateResult:
    """Denominated data, which indicator was divided by what, and notes on missing denominators."""

    data: pd.DataFrame
    applied: dict[str, str]
    notes: tuple[str, ...]


DenominateFn = Callable[..., DenominateResult]
DENOMINATORS: Registry[DenominateFn] = Registry("denominate")


@DENOMINATORS.register("by_metadata", aliases=("metadata", "coinr", "divide"))
def by_metadata(
    data: pd.DataFrame,
    denominators: pd.DataFrame | None,
    *,
    by: Mapping[str, str],
    scale: Mapping[str, float] | None = None,
) -> DenominateResult:
    """Divide each indicator in ``by`` by its denominator column (times an optional scale).

    Parameters
    ----------
    data : DataFrame
        Indicators (index = region id).
    denominators : DataFrame or None
        Denominator columns, same index as ``data`` (extra rows allowed).
    by : mapping
        Indicator -> denominator column.
    scale : mapping, optional
        Indicator -> multiplier of the ratio (default 1).

    Returns
    -------
    DenominateResult
    """
    scale = scale or {}
    if not by:
        return DenominateResult(data.copy(deep=False), {}, ())  # copy-on-write: shares the input's values
    if denominators is None:
        first = next(iter(by))
        raise MethodError(
            f"indicator {first!r} is to be divided by {by[first]!r} but no denominator columns "
            "were given; pass the denominators or set denominate to 'none'"
        )
    out = data.copy()
    notes = []
    for ind, col in by.items():
        if ind not in data.columns:
            raise MethodError(
                f"denominator given for {ind!r}, which is not an indicator of the data; remove it from the denominators"
            )
        if col not in denominators.columns:
            raise MethodError(
                f"indicator {ind!r} is to be divided by {col!r}, which is not a column of the data; "
                f"add the column or correct the denominator (columns: {', '.join(denominators.columns)})"
            )
        d = denominators[col].reindex(data.index).to_numpy(dtype=float)
        bad = ~np.isfinite(d) | (d == 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = data[ind].to_numpy(dtype=float) * float(scale.get(ind, 1.0)) / d
        ratio[bad] = np.nan
        if bad.any():
            where = ", ".join(map(str, data.index[bad][:5]))
            notes.append(
                f"{ind}: denominator {col!r} is zero or missing for {int(bad.sum())} region(s) "
                f"({where}); their value is missing"
            )
        out[ind] = ratio
    return DenominateResult(out, dict(by), tuple(notes))


@DENOMINATORS.register("none")
def no_denomination(
    data: pd.DataFrame,
    denominators: pd.DataFrame | None,
    *,
    by: Mapping[str, str],
    scale: Mapping[str, float] | None = None,
) -> DenominateResult:
    """Leave the data as it is."""
    return DenominateResult(data.copy(deep=False), {}, ())  # copy-on-write: shares the input's values


def denominate(
    data: pd.DataFrame,
    denominators: pd.DataFrame | None,
    *,
    by: Mapping[str, str],
    method: str = "by_metadata",
    scale: Mapping[str, float] | None = None,
) -> DenominateResult:
    """Run the denominate method ``method`` (see :data:`DENOMINATORS`)."""
    return DENOMINATORS.get(method)(data, denominators, by=by, scale=scale)
