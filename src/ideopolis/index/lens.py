"""The export-jobs vs import-people lens: exposure, attraction, balance and the typology.

- **exposure** (node ``exposure``): the aggregate of the ``export_jobs`` indicators, oriented so that
  a higher score means more of the region's jobs could be done from elsewhere (e.g. the teleworkable
  share of jobs, Dingel & Neiman 2020).
- **attraction** (node ``attraction``): the aggregate of the ``import_people`` indicators (net
  domestic and international migration): higher means the region draws more people in.
- **balance** = attraction - exposure on the same normalised scale, rescaled to the score range. With
  scores on ``[l, u]`` the rescaled difference ``(attraction - exposure + (u - l)) / 2 + l`` equals
  the arithmetic mean of attraction and the reflected exposure ``l + u - exposure``, which is how the
  framework computes it: ``balance`` is an aggregate whose children are ``attraction`` (direction +1)
  and ``exposure`` (direction -1).
- **Ideopolis index** = ``(1 - w) * cluster_strength + w * balance`` with ``w`` the balance weight
  (``--balance-weight``, default 0.25). Why 0.25: cluster strength (talent, capital, knowledge jobs) is
  what the index measures and the lens is a stance on top of it; at 0.25 the balance counts exactly as
  much as each of the three cluster pillars (each 0.75 / 3), i.e. as a fourth pillar under equal
  weights. ``w = 0`` ignores the stance, ``w = 1`` scores the balance alone.
- **typology**: quadrants on (attraction, exposure), each split at its median over the region set
  (or a user threshold). High means strictly above the threshold.

  ============  =================  ================
  category      attraction         exposure
  ============  =================  ================
  magnet        high               low
  talent_hub    high               high
  exporter      low                high
  rooted        low                low
  ============  =================  ================
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ideopolis.errors import ConfigError
from ideopolis.index.framework import ATTRACTION, BALANCE, EXPOSURE

TYPES = ("magnet", "talent_hub", "exporter", "rooted")
DESCRIPTIONS = {
    "magnet": "people come and the work is anchored here",
    "talent_hub": "people come, but their work could be done anywhere",
    "exporter": "jobs could leave and people are not coming",
    "rooted": "local-serving: jobs are anchored and few people move in",
}


@dataclass(frozen=True)
class LensResult:
    """The lens of a run: its two axes, the balance, the typology and the thresholds used."""

    attraction: pd.Series
    exposure: pd.Series
    balance: pd.Series | None
    typology: pd.Series
    attraction_threshold: float
    exposure_threshold: float


def typology(
    attraction: pd.Series,
    exposure: pd.Series,
    *,
    attraction_threshold: float | None = None,
    exposure_threshold: float | None = None,
) -> tuple[pd.Series, float, float]:
    """Classify regions into magnet / talent_hub / exporter / rooted.

    Parameters
    ----------
    attraction, exposure : Series
        The two axes (same index).
    attraction_threshold, exposure_threshold : float, optional
        Split points; default the median of each axis.

    Returns
    -------
    tuple
        (categories as a Series of strings, missing where an axis is missing; the two thresholds).

    Raises
    ------
    ConfigError
        For a threshold that is not a finite number (``inf`` would put every region on one side).
    """
    for name, given in (("attraction", attraction_threshold), ("exposure", exposure_threshold)):
        if given is not None and not (isinstance(given, int | float) and math.isfinite(given)):
            raise ConfigError(
                f"the {name} threshold is {given!r}; use a finite number on the axis' 0-100 scale "
                f"(--{name}-threshold), or leave it out for the median"
            )
    a_thr = float(attraction.median()) if attraction_threshold is None else float(attraction_threshold)
    e_thr = float(exposure.median()) if exposure_threshold is None else float(exposure_threshold)
    a = attraction.to_numpy(dtype=float)
    e = exposure.reindex(attraction.index).to_numpy(dtype=float)
    hi_a, hi_e = a > a_thr, e > e_thr
    cat = np.select([hi_a & ~hi_e, hi_a & hi_e, ~hi_a & hi_e], ["magnet", "talent_hub", "exporter"], "rooted").astype(
        object
    )
    cat[np.isnan(a) | np.isnan(e)] = None
    out = pd.Series(cat, index=attraction.index, name="typology", dtype="string")
    return out, a_thr, e_thr


def lens(
    scores: pd.DataFrame,
    *,
    attraction_threshold: float | None = None,
    exposure_threshold: float | None = None,
) -> LensResult | None:
    """Return the lens from a run's scores, or ``None`` when the framework has no lens."""
    if ATTRACTION not in scores.columns or EXPOSURE not in scores.columns:
        return None
    cats, a_thr, e_thr = typology(
        scores[ATTRACTION],
        scores[EXPOSURE],
        attraction_threshold=attraction_threshold,
        exposure_threshold=exposure_threshold,
    )
    return LensResult(
        attraction=scores[ATTRACTION],
        exposure=scores[EXPOSURE],
        balance=scores[BALANCE] if BALANCE in scores.columns else None,
        typology=cats,
        attraction_threshold=a_thr,
        exposure_threshold=e_thr,
    )
