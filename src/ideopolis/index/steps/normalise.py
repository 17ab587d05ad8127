"""Normalise indicators onto a common scale, flipping negative-direction indicators.

As in COINr's ``Normalise``, each column is first multiplied by its direction (so for a -1 indicator
the highest raw value becomes the lowest score), then normalised by a named method:

============  =====================================================================================
method        formula (``x`` already times direction)
============  =====================================================================================
minmax        ``(x - min) / (max - min) * (u - l) + l`` with ``l_u = (l, u)``, default (0, 100)
zscore        ``(x - mean) / sd * s + m`` with ``m_sd = (m, s)``, default (0, 1); sd with n - 1
rank          rank, ties get the lowest rank ("min"), 1 = lowest value
prank         percentile rank ``(rank - 1) / (n - 1)`` in [0, 1]
dist2max      ``1 - (max - x) / (max - min)``
dist2ref      ``1 - (x_ref - x) / (x_ref - min)``, x_ref the value of a reference region
dist2targ     ``1 - (t - x) / (t - min)``, t the indicator's target (metadata), optionally capped at 1
goalposts     ``(x - l) / (u - l) * a`` truncated to [0, a] with ``gposts = (l, u, a)`` per indicator;
              for direction -1 the posts are flipped (COINr ``n_goalposts``)
fracmax       ``x / max``
none          ``x``
============  =====================================================================================

An indicator with no data, or with zero variance under a method that divides by its spread, raises a
:class:`~ideopolis.errors.MethodError` naming it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ideopolis.errors import MethodError
from ideopolis.registry import Registry

NormaliseFn = Callable[..., np.ndarray]
NORMALISERS: Registry[NormaliseFn] = Registry("normalise")

#: methods that divide by the spread of the data and so fail on a constant indicator
_SPREAD_METHODS = {"minmax", "zscore", "dist2max", "dist2ref", "prank"}


def _pair(value: Sequence[float], name: str) -> tuple[float, float]:
    vals = tuple(float(v) for v in value)
    if len(vals) != 2:
        raise MethodError(f"{name} must be two numbers, e.g. [0, 100]; got {list(value)}")
    return vals[0], vals[1]


@NORMALISERS.register("minmax", aliases=("min_max", "n_minmax"))
def n_minmax(x: np.ndarray, *, l_u: Sequence[float] = (0.0, 100.0)) -> np.ndarray:
    """Min-max scale onto ``[l, u]``."""
    lo, hi = _pair(l_u, "l_u")
    mn, mx = np.nanmin(x), np.nanmax(x)
    return (x - mn) / (mx - mn) * (hi - lo) + lo


@NORMALISERS.register("zscore", aliases=("z_score", "n_zscore", "standardise"))
def n_zscore(x: np.ndarray, *, m_sd: Sequence[float] = (0.0, 1.0)) -> np.ndarray:
    """Standardise to mean ``m`` and standard deviation ``s``."""
    m, s = _pair(m_sd, "m_sd")
    if s <= 0:
        raise MethodError(f"z-score standard deviation must be > 0; got {s}")
    return (x - np.nanmean(x)) / np.nanstd(x, ddof=1) * s + m


def _rank_min(x: np.ndarray) -> np.ndarray:
    return pd.Series(x).rank(method="min", na_option="keep").to_numpy(dtype=float)


@NORMALISERS.register("rank", aliases=("n_rank",))
def n_rank(x: np.ndarray) -> np.ndarray:
    """Rank, ties at the lowest rank, 1 for the lowest value."""
    return _rank_min(x)


@NORMALISERS.register("prank", aliases=("percentile_rank", "n_prank", "percentile"))
def n_prank(x: np.ndarray) -> np.ndarray:
    """Percentile rank in [0, 1]."""
    return (_rank_min(x) - 1) / (np.count_nonzero(~np.isnan(x)) - 1)


@NORMALISERS.register("dist2max", aliases=("distance_to_max", "n_dist2max"))
def n_dist2max(x: np.ndarray) -> np.ndarray:
    """Distance to the maximum: 1 at the best region, 0 at the worst."""
    mn, mx = np.nanmin(x), np.nanmax(x)
    return 1 - (mx - x) / (mx - mn)


@NORMALISERS.register("dist2ref", aliases=("distance_to_reference", "n_dist2ref"))
def n_dist2ref(x: np.ndarray, *, iref: int, cap_max: bool = False) -> np.ndarray:
    """Distance to the value at position ``iref`` (a reference region)."""
    ref = x[iref]
    y = 1 - (ref - x) / (ref - np.nanmin(x))
    return np.minimum(y, 1.0) if cap_max else y


@NORMALISERS.register("dist2targ", aliases=("distance_to_target", "n_dist2targ"))
def n_dist2targ(x: np.ndarray, *, targ: float, cap_max: bool = False) -> np.ndarray:
    """Distance to a target value."""
    y = 1 - (targ - x) / (targ - np.nanmin(x))
    return np.minimum(y, 1.0) if cap_max else y


@NORMALISERS.register("goalposts", aliases=("n_goalposts", "goalpost"))
def n_goalposts(x: np.ndarray, *, gposts: Sequence[float], direction: int = 1, trunc2posts: bool = True) -> np.ndarray:
    """Goalposts ``(l, u, a)``: share of the way from l to u, times a, truncated to [0, a]."""
    g = [float(v) for v in gposts]
    if len(g) != 3:
        raise MethodError(f"goalposts must be three numbers (low, high, scale); got {list(gposts)}")
    if direction == -1:
        # x arrives multiplied by -1, so the posts are too (the scale a is not)
        g = [-g[0], -g[1], g[2]]
        y = (x - g[1]) / (g[0] - g[1])
    else:
        y = (x - g[0]) / (g[1] - g[0])
    if trunc2posts:
        y = np.clip(y, 0.0, 1.0)
    return y * g[2]


@NORMALISERS.register("fracmax", aliases=("n_fracmax", "fraction_of_max"))
def n_fracmax(x: np.ndarray) -> np.ndarray:
    """Fraction of the maximum."""
    return x / np.nanmax(x)


@NORMALISERS.register("none", aliases=("no",))
def n_none(x: np.ndarray) -> np.ndarray:
    """No normalisation (directions are still applied)."""
    return x.copy()


def scale_bounds(method: str, params: Mapping[str, Any], n_regions: int) -> tuple[float, float]:
    """Nominal (low, high) of a method's scale; a -1 aggregate is reflected as ``low + high - x``."""
    key = NORMALISERS.canonical(method)
    if key == "minmax":
        return _pair(params.get("l_u", (0.0, 100.0)), "l_u")
    if key == "zscore":
        m, _ = _pair(params.get("m_sd", (0.0, 1.0)), "m_sd")
        return m, m
    if key == "rank":
        return 1.0, float(n_regions)
    if key == "goalposts":
        return 0.0, float(params.get("scale", 1.0))
    if key == "none":
        return 0.0, 0.0
    return 0.0, 1.0


@dataclass(frozen=True)
class NormaliseResult:
    """Normalised data, the method and parameters used per indicator, and the scale bounds."""

    data: pd.DataFrame
    methods: dict[str, dict[str, Any]]
    bounds: tuple[float, float]


def check_indicators(data: pd.DataFrame, *, step: str, spread: Sequence[str] = ()) -> None:
    """Raise ``MethodError`` for an all-missing indicator or a constant one (in ``spread``)."""
    values = data.to_numpy(dtype=float)
    n_valid = np.count_nonzero(~np.isnan(values), axis=0)
    for j, col in enumerate(data.columns):
        if n_valid[j] == 0:
            raise MethodError(
                f"indicator {col!r} has no data in any region at the {step} step; "
                "drop it from the framework or supply its values"
            )
    for col in spread:
        x = data[col].to_numpy(dtype=float)
        mn, mx = np.nanmin(x), np.nanmax(x)
        if mn == mx:
            raise MethodError(
                f"indicator {col!r} has zero variance (every region has {mn:g}) and cannot be "
                f"normalised at the {step} step; drop it from the framework"
            )


#: A normalised indicator "collapses" when more than this share of regions lies within :data:`COLLAPSE_BAND`
#: of one end of its range (us-counties' GDP per capita with Loving County, TX in it: 99.1% in the bottom 5%).
COLLAPSE_SHARE = 0.9
#: The band at either end of an indicator's normalised range that :func:`collapsed_indicators` looks at.
COLLAPSE_BAND = 0.05


@dataclass(frozen=True)
class Collapse:
    """An indicator whose normalised values crowd into one end of their range (it acts as a constant).

    Attributes
    ----------
    indicator : str
        The indicator.
    end : str
        ``"bottom"`` or ``"top"``: the end of the range the regions crowd into.
    share : float
        Share (0-1) of the regions with a value that lie within the band at that end.
    band : float
        The band (share of the range) looked at.
    """

    indicator: str
    end: str
    share: float
    band: float

    def note(self) -> str:
        """Say it in one line, with the likely cause and what to do."""
        far = "highest" if self.end == "bottom" else "lowest"
        return (
            f"indicator {self.indicator!r} collapses after normalisation: {self.share:.1%} of regions lie in the "
            f"{self.end} {self.band:.0%} of its range, so it acts almost as a constant; the {far} values are far "
            "from the rest (often a tiny denominator): check them, or treat the indicator another way"
        )


def collapsed_indicators(
    normalised: pd.DataFrame, *, share: float = COLLAPSE_SHARE, band: float = COLLAPSE_BAND
) -> list[Collapse]:
    """Find indicators whose normalised values crowd into one end of their range.

    Parameters
    ----------
    normalised : pandas.DataFrame
        Normalised indicators (index = region id).
    share : float
        Flag an indicator when more than this share of its regions with a value lies in the band.
    band : float
        Width of the band at either end, as a share of the indicator's range (max - min of its values).

    Returns
    -------
    list of Collapse
        One per flagged indicator, in column order (constant or empty columns are not flagged).

    Examples
    --------
    >>> x = pd.DataFrame({"even": np.arange(20.0), "one_giant": [0.0] * 19 + [100.0]})
    >>> [(c.indicator, c.end, c.share) for c in collapsed_indicators(x)]
    [('one_giant', 'bottom', 0.95)]
    """
    out = []
    for col in normalised.columns:
        x = normalised[col].to_numpy(dtype=float)
        x = x[~np.isnan(x)]
        if x.size == 0:
            continue
        lo, hi = float(x.min()), float(x.max())
        width = hi - lo
        if width <= 0:
            continue
        for end, inside in (("bottom", x <= lo + band * width), ("top", x >= hi - band * width)):
            frac = float(np.count_nonzero(inside)) / x.size
            if frac > share:
                out.append(Collapse(str(col), end, frac, band))
    return out


def normalise(
    data: pd.DataFrame,
    *,
    directions: Mapping[str, int],
    method: str = "minmax",
    params: Mapping[str, Any] | None = None,
    per_indicator: Mapping[str, Mapping[str, Any]] | None = None,
    targets: Mapping[str, float | None] | None = None,
    goalposts: Mapping[str, Sequence[float]] | None = None,
    reference: str | None = None,
) -> NormaliseResult:
    """Normalise every indicator of ``data``.

    Parameters
    ----------
    data : DataFrame
        Indicators (index = region id).
    directions : mapping
        Indicator -> +1 / -1.
    method : str
        Default method, a name in :data:`NORMALISERS`.
    params : mapping, optional
        Parameters of the default method (``l_u``, ``m_sd``, ``cap_max``, ...).
    per_indicator : mapping, optional
        Indicator -> ``{"method": ..., **params}`` overriding the default for that indicator.
    targets : mapping, optional
        Indicator -> target (for ``dist2targ``).
    goalposts : mapping, optional
        Indicator -> ``(low, high, scale)`` (for ``goalposts``).
    reference : str, optional
        Region id of the reference region (for ``dist2ref``).

    Returns
    -------
    NormaliseResult
    """
    params = dict(params or {})
    per_indicator = per_indicator or {}
    unknown = [c for c in per_indicator if c not in data.columns]
    if unknown:
        raise MethodError(
            f"normalisation given for {unknown[0]!r}, which is not an indicator of the data; "
            f"valid: {', '.join(data.columns)}"
        )
    specs: dict[str, dict[str, Any]] = {}
    for col in data.columns:
        spec = dict(per_indicator.get(col, {"method": method, **params}))
        spec["method"] = NORMALISERS.canonical(str(spec.get("method", method)))
        specs[col] = spec
    check_indicators(data, step="normalise", spread=[c for c, s in specs.items() if s["method"] in _SPREAD_METHODS])
    out = {}
    for col in data.columns:
        spec = specs[col]
        key = spec["method"]
        kwargs = {k: v for k, v in spec.items() if k != "method"}
        d = int(directions.get(col, 1))
        x = data[col].to_numpy(dtype=float) * d
        if key == "dist2targ":
            targ = (targets or {}).get(col) if "targ" not in kwargs else kwargs.pop("targ")
            if targ is None or (isinstance(targ, float) and np.isnan(targ)):
                raise MethodError(
                    f"indicator {col!r} has no target for dist2targ; set its target in the "
                    "metadata or choose another normalisation"
                )
            kwargs["targ"] = float(targ) * d
        elif key == "goalposts":
            gp = kwargs.pop("gposts", None) or (goalposts or {}).get(col)
            if gp is None:
                raise MethodError(
                    f"indicator {col!r} has no goalposts; give (low, high, scale) for it or "
                    "choose another normalisation"
                )
            kwargs.pop("scale", None)
            kwargs.update(gposts=gp, direction=d)
        elif key == "dist2ref":
            ref = kwargs.pop("reference", reference)
            if ref is None or str(ref) not in data.index:
                raise MethodError(f"dist2ref needs a reference region that is in the data; got {ref!r}")
            kwargs["iref"] = int(data.index.get_loc(str(ref)))  # type: ignore[arg-type]
        try:
            out[col] = NORMALISERS.get(key)(x, **kwargs)
        except TypeError as exc:
            raise MethodError(f"bad parameters for normalise method {key!r} on {col!r}: {exc}") from None
    bounds = scale_bounds(method, params, len(data))
    return NormaliseResult(pd.DataFrame(out, index=data.index), specs, bounds)
