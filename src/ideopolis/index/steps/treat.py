"""Treat outliers with COINr's default rule, recording every treated cell.

The rule (COINr ``Treat`` defaults: ``winsorise`` then ``log_CT``, checked by ``check_SkewKurt``):

1. An indicator *fails* when ``|skew| >= 2`` **and** ``kurtosis >= 3.5``, using the sample,
   bias-corrected skewness and excess kurtosis (type 2 of e1071, Excel's SKEW and KURT; missing values
   ignored).
2. A failing indicator is winsorised one point at a time on the side of its skew (positive skew: the
   highest value takes the next highest value; tied extremes move together), re-checking after each
   step, until it passes or ``winmax`` (5) points have been winsorised. Points winsorised earlier sit at
   the new extreme and move with it, so the count is of distinct points.
3. If it still fails, the winsorisation is discarded and the *original* column is log-transformed:
   ``log(x - min + 0.01 (max - min))`` (COINr ``log_CT``).

Indicators with fewer than 4 values or zero variance cannot be checked and are left as they are
(noted in the table). A binary indicator (two distinct values, a 0/1 flag) that fails the check has no
outliers: winsorising its rarer value would make it constant, so it is left as it is (status ``"binary"``). More generally, a
winsorisation step never removes the last difference between regions. (COINr itself would winsorise a 0/1
indicator with few 1s into a constant; this is where ideopolis deliberately differs.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ideopolis.registry import Registry

TreatColumnFn = Callable[..., "ColumnTreatment"]
TREATMENTS: Registry[TreatColumnFn] = Registry("treat")


def skew_kurt(x: np.ndarray) -> tuple[float, float]:
    """Sample skewness and excess kurtosis, both bias-corrected (e1071 type 2; Excel SKEW and KURT).

    Missing values are ignored. Skewness needs 3 values and kurtosis 4; either is NaN below that or for
    a constant column.
    """
    v = x[~np.isnan(x)]
    n = v.size
    if n < 3:
        return float("nan"), float("nan")
    d = v - v.mean()
    d2 = d * d
    m2 = float(d2.sum())
    if m2 == 0:
        return float("nan"), float("nan")
    # plain ufunc reductions, not np.dot: a BLAS call may wait on its thread pool on a busy machine
    m3 = float((d2 * d).sum())
    g1 = np.sqrt(n) * m3 / m2**1.5
    skew = float(g1 * np.sqrt(n * (n - 1)) / (n - 2))
    if n < 4:
        return skew, float("nan")
    r = n * float((d2 * d2).sum()) / m2**2
    kurt = float(((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)))
    return skew, kurt


def skewness(x: np.ndarray) -> float:
    """Sample skewness, bias-corrected (e1071 type 2; Excel SKEW), NaNs ignored."""
    return skew_kurt(x)[0]


def kurtosis(x: np.ndarray) -> float:
    """Sample excess kurtosis, bias-corrected (e1071 type 2; Excel KURT), NaNs ignored."""
    return skew_kurt(x)[1]


def _check(sk: float, kt: float, skew_thresh: float, kurt_thresh: float) -> bool | None:
    if np.isnan(sk) or np.isnan(kt):
        return None
    return bool(abs(sk) < skew_thresh or kt < kurt_thresh)


def passes(x: np.ndarray, skew_thresh: float = 2.0, kurt_thresh: float = 3.5) -> bool | None:
    """COINr's check: pass when ``|skew| < skew_thresh`` or ``kurtosis < kurt_thresh``.

    Returns ``None`` when skew or kurtosis cannot be computed (fewer than 4 values, zero variance).
    """
    return _check(*skew_kurt(x), skew_thresh, kurt_thresh)


def log_ct(x: np.ndarray) -> np.ndarray:
    """COINr's ``log_CT``: ``log(x - min + 0.01 (max - min))``, NaNs kept."""
    lo, hi = np.nanmin(x), np.nanmax(x)
    return np.log(x - lo + 0.01 * (hi - lo))


@dataclass(frozen=True)
class ColumnTreatment:
    """What happened to one indicator."""

    values: np.ndarray
    status: str  # "ok", "winsorised", "log", "unchecked", "binary", "none"
    high: np.ndarray  # positions winsorised at the top
    low: np.ndarray  # positions winsorised at the bottom
    stats: dict[str, Any]


def _stats(prefix: str, x: np.ndarray) -> dict[str, float]:
    sk, kt = skew_kurt(x)
    return {f"skew_{prefix}": sk, f"kurt_{prefix}": kt}


def winsorise(
    x: np.ndarray, *, winmax: int = 5, skew_thresh: float = 2.0, kurt_thresh: float = 3.5
) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool | None]:
    """Winsorise ``x`` one extreme at a time until it passes or ``winmax`` points are treated.

    Returns
    -------
    tuple
        (winsorised values, positions treated high, positions treated low, passes afterwards).
    """
    x = x.astype(float, copy=True)
    empty = np.array([], dtype=np.intp)
    high, low = empty, empty
    sk, kt = skew_kurt(x)
    ok = _check(sk, kt, skew_thresh, kurt_thresh)
    while ok is False and high.size + low.size < winmax:
        top_side = sk >= 0  # positive skew: the outliers are high
        extreme = np.nanmax(x) if top_side else np.nanmin(x)
        at = np.flatnonzero(x == extreme)  # earlier winsorised points sit here too
        rest = x[(x != extreme) & ~np.isnan(x)]
        if rest.size == 0 or rest.min() == rest.max():
            break  # one more step would leave every region with the same value
        x[at] = rest.max() if top_side else rest.min()
        if top_side:
            high = at
        else:
            low = at
        sk, kt = skew_kurt(x)
        ok = _check(sk, kt, skew_thresh, kurt_thresh)
    return x, high, low, ok


def _two_values(v: np.ndarray) -> bool:
    """Whether ``v`` (no NaN) holds exactly two distinct values (``np.unique`` without its sort of a column)."""
    if not v.size:
        return False
    lo, hi = v.min(), v.max()
    return bool(lo != hi and ((v == lo) | (v == hi)).all())


@TREATMENTS.register("coinr", aliases=("default", "winsorise_then_log", "winsorise_log"))
def treat_coinr(
    x: np.ndarray,
    *,
    winmax: int = 5,
    skew_thresh: float = 2.0,
    kurt_thresh: float = 3.5,
    log_fallback: bool = True,
) -> ColumnTreatment:
    """COINr's default treatment of one column (see the module docstring)."""
    empty = np.array([], dtype=np.intp)
    stats: dict[str, Any] = _stats("before", x)
    ok = _check(stats["skew_before"], stats["kurt_before"], skew_thresh, kurt_thresh)
    stats["passed_before"] = ok
    if ok is None:
        return ColumnTreatment(x.copy(), "unchecked", empty, empty, stats)
    if ok:
        return ColumnTreatment(x.copy(), "ok", empty, empty, {**stats, "passed_after": True})
    if _two_values(x[~np.isnan(x)]):  # a 0/1 flag fails the check but has no outliers
        return ColumnTreatment(x.copy(), "binary", empty, empty, {**stats, "passed_after": False})
    xw, high, low, ok_w = winsorise(x, winmax=winmax, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh)
    stats["n_winsorised"] = int(high.size + low.size)
    stats.update(_stats("winsorised", xw))  # (winsorise computed these last; recomputing is cheap)
    if ok_w is not False or not log_fallback:
        return ColumnTreatment(xw, "winsorised", high, low, {**stats, "passed_after": ok_w})
    xl = log_ct(x)
    stats.update(_stats("log", xl))
    return ColumnTreatment(xl, "log", empty, empty, {**stats, "passed_after": passes(xl, skew_thresh, kurt_thresh)})


@TREATMENTS.register("winsorise", aliases=("winsorize", "winsorise_only"))
def treat_winsorise(
    x: np.ndarray, *, winmax: int = 5, skew_thresh: float = 2.0, kurt_thresh: float = 3.5
) -> ColumnTreatment:
    """Winsorisation only (no log fallback)."""
    return treat_coinr(x, winmax=winmax, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh, log_fallback=False)


@TREATMENTS.register("none", aliases=("no",))
def treat_none(x: np.ndarray, **_: Any) -> ColumnTreatment:
    """Leave the column as it is."""
    empty = np.array([], dtype=np.intp)
    return ColumnTreatment(x.copy(), "none", empty, empty, {})


@dataclass(frozen=True)
class TreatResult:
    """Treated data, one row per treated cell and one row of statistics per indicator.

    ``cells`` has columns ``region, indicator, original, treated, treatment`` where treatment is
    ``winsorised_high``, ``winsorised_low`` or ``log``. ``table`` has, per indicator, the status and
    skew/kurtosis before and after.
    """

    data: pd.DataFrame
    cells: pd.DataFrame
    table: pd.DataFrame


def treat(
    data: pd.DataFrame,
    *,
    method: str = "coinr",
    winmax: int = 5,
    skew_thresh: float = 2.0,
    kurt_thresh: float = 3.5,
    skip: Sequence[str] = (),
) -> TreatResult:
    """Treat outliers in every indicator of ``data`` (except those in ``skip``).

    Parameters
    ----------
    data : DataFrame
        Indicators (index = region id).
    method : str
        A name in :data:`TREATMENTS` (``coinr`` by default).
    winmax : int
        Maximum number of points to winsorise per indicator.
    skew_thresh, kurt_thresh : float
        The thresholds of the check.
    skip : sequence of str
        Indicators to leave untreated.

    Returns
    -------
    TreatResult
    """
    fn = TREATMENTS.get(method)
    ids = data.index.astype(str).to_numpy()
    cell_frames = []
    rows = []
    columns = np.ascontiguousarray(data.to_numpy(dtype=float).T)  # one contiguous row per indicator
    treated = np.empty_like(columns)  # the treated values, written row by row: one table, no per-column copies
    for j, col in enumerate(data.columns):
        x = columns[j]
        fn_col = treat_none if col in skip else fn
        res = fn_col(x, winmax=winmax, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh)
        treated[j] = res.values
        rows.append({"indicator": col, "status": res.status, **res.stats})
        if res.status == "log":
            pos = np.flatnonzero(~np.isnan(x))
            kinds = [("log", pos)]
        else:
            kinds = [("winsorised_high", res.high), ("winsorised_low", res.low)]
        for kind, pos in kinds:
            if pos.size:
                cell_frames.append(
                    pd.DataFrame(
                        {
                            "region": ids[pos],
                            "indicator": col,
                            "original": x[pos],
                            "treated": res.values[pos],
                            "treatment": kind,
                        }
                    )
                )
    cells = (
        pd.concat(cell_frames, ignore_index=True)
        if cell_frames
        else pd.DataFrame(columns=["region", "indicator", "original", "treated", "treatment"])
    )
    table = pd.DataFrame(rows).set_index("indicator")
    # treated.T is column-major (n regions x k indicators): pandas keeps it as its one block without a copy
    out = pd.DataFrame(treated.T, index=data.index, columns=data.columns, copy=False)
    return TreatResult(out, cells, table)
