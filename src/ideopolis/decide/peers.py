"""Peers: the regions most like a region in their indicator profile, optionally of the same size, type or stage.

A region's *profile* is its row of normalised indicators (direction applied, the index's scale: 0-100 for
min-max), as the run scored them, so every indicator counts on the same scale whatever its unit. The distance
between two regions is the root mean square of their differences over the indicators both have::

    d(a, b) = sqrt( sum_i w_i (x_ai - x_bi)^2 / sum_i w_i )

with equal weights ``w_i = 1`` (default) or the indicators' effective weights in the index
(``weights="index"``: indicators that move the index more count more). On the 0-100 scale, ``d = 8`` means
the two regions are 8 points apart on a typical indicator. A candidate must share at least ``min_overlap`` of
the region's indicators. This is the nearest-neighbour view of peers in the OECD/JRC Handbook (2008, step 10
"links to other variables") and of the EU Regional Competitiveness Index's comparison with similar regions,
which groups regions by development stage (GDP per head, :mod:`ideopolis.decide.attributes`).

What drives a distance: the indicators with the largest share of ``sum_i w_i (x_ai - x_bi)^2``, signed as the
peer minus the region ("+12": the peer scores 12 points higher).

Examples
--------
>>> import pandas as pd
>>> profiles = pd.DataFrame({"a": [50.0, 52.0, 80.0], "b": [50.0, 50.0, 20.0]}, index=["x", "y", "z"])
>>> distances, _ = nearest(profiles, "x")
>>> distances.round(3).to_dict()
{'y': 1.414, 'z': 30.0}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ideopolis.errors import ConfigError

if TYPE_CHECKING:
    from ideopolis.run import Run

__all__ = ["PEER_GROUPS", "PeerResult", "nearest", "peers"]

#: What ``within`` may name besides any group column of the set: the common attributes.
PEER_GROUPS = ("size", "type", "state", "country", "stage", "eu27")
#: Weighting of the indicators in the distance.
PEER_WEIGHTS = ("equal", "index")


def nearest(
    profiles: pd.DataFrame,
    region: str,
    *,
    candidates: Sequence[str] | None = None,
    weights: pd.Series | None = None,
    min_overlap: float = 0.5,
) -> tuple[pd.Series, pd.DataFrame]:
    """Distances from one region to every candidate, nearest first, and the signed differences behind them.

    Parameters
    ----------
    profiles : pandas.DataFrame
        One row per region, one column per indicator on a common scale (normalised indicators).
    region : str
        The region (a row of ``profiles``).
    candidates : sequence of str, optional
        The regions to compare with (default: every other row).
    weights : pandas.Series, optional
        A weight per indicator (default equal).
    min_overlap : float
        Least share of the region's indicators a candidate must also have (0-1).

    Returns
    -------
    (pandas.Series, pandas.DataFrame)
        The distance of every eligible candidate, ascending (ties by id); and ``peer - region`` per
        indicator for those candidates (missing where either has no value).

    Raises
    ------
    ConfigError
        For a region with no indicator values, or ``min_overlap`` outside 0-1.
    """
    if not 0 <= min_overlap <= 1:
        raise ConfigError(f"min_overlap is {min_overlap}; use a share between 0 and 1")
    x = profiles.loc[region].to_numpy(dtype=float)
    have = ~np.isnan(x)
    if not have.any():
        raise ConfigError(f"region {region!r} has no indicator values to compare")
    pool = [c for c in (profiles.index if candidates is None else candidates) if c != region]
    others = profiles.loc[pool].to_numpy(dtype=float)
    w = np.ones(len(profiles.columns)) if weights is None else weights.reindex(profiles.columns).fillna(0).to_numpy()
    diff = others - x
    both = ~np.isnan(diff) & (w > 0)
    overlap = both[:, have].sum(axis=1) / max(int(have.sum()), 1)
    sq = np.where(both, diff**2, 0.0) * w
    wsum = np.where(both, w, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        dist = np.sqrt(sq.sum(axis=1) / wsum)
    ok = (overlap >= min_overlap) & (wsum > 0)
    ids = pd.Index(np.asarray(pool, dtype=object)[ok], name="id")
    distances = pd.Series(dist[ok], index=ids, name="distance")
    distances = distances.iloc[np.lexsort((distances.index.to_numpy(dtype=str), distances.to_numpy()))]
    diffs = pd.DataFrame(diff[ok], index=ids, columns=profiles.columns)
    return distances, diffs.reindex(distances.index)


@dataclass(frozen=True)
class PeerResult:
    """A region's peers.

    Attributes
    ----------
    region : str
        The region's id.
    name : str
        Its name.
    table : pandas.DataFrame
        One row per peer, nearest first (index ``id``): ``rank`` (1 = nearest), ``name``, ``distance``,
        ``indicators`` (compared), ``drivers`` (the three largest differences, in words), the attributes
        (``population``, ``type``, ``state``/``country``, ``size``, ``stage`` where the set has them), the
        index score and its rank.
    differences : pandas.DataFrame
        Peer minus region per indicator (normalised points), one row per peer.
    within : tuple of str
        The attributes a peer shares with the region.
    candidates : int
        Regions that were eligible.
    method : str
        How the distance was computed, in one line.
    labels : dict
        Indicator labels.

    Examples
    --------
    >>> import ideopolis as ideo
    >>> result = ideo.score("us-metros").peers("Des Moines", k=2)
    >>> list(result.table.columns[:4])
    ['rank', 'name', 'distance', 'indicators']
    """

    region: str
    name: str
    table: pd.DataFrame
    differences: pd.DataFrame
    within: tuple[str, ...]
    candidates: int
    method: str
    labels: Mapping[str, str]

    @property
    def ids(self) -> list[str]:
        """The peers' ids, nearest first."""
        return [str(i) for i in self.table.index]

    def __str__(self) -> str:
        """The peers as text (what ``ideopolis peers`` prints)."""
        from ideopolis.index.explain import format_table

        head = f"Peers of {self.name} ({self.region})"
        if self.within:
            head += f", same {', '.join(self.within)}"
        shown = self.table.drop(columns=["drivers"])
        lines = [head, "", format_table(shown, max_width=36), "", "what sets each peer apart (peer minus region):"]
        for _rid, row in self.table.iterrows():
            lines.append(f"  {str(row['name'])[:36]:<36}  {row['drivers']}")
        lines += ["", f"method: {self.method}"]
        return "\n".join(lines)

    def __repr__(self) -> str:
        """Short: the region and its peers' ids."""
        return f"PeerResult({self.name} ({self.region}): {', '.join(self.ids)})"

    def _repr_html_(self) -> str:
        """The peer table (notebooks)."""
        table = self.table.to_html(float_format=lambda v: f"{v:.2f}", na_rep="-")
        return f"<div><p><strong>Peers of {escape(self.name)}</strong></p>{table}<p>{escape(self.method)}</p></div>"


def _drivers(diff: pd.Series, weights: pd.Series | None, labels: Mapping[str, str], n: int = 3) -> str:
    contribution = diff**2 * (1.0 if weights is None else weights.reindex(diff.index).fillna(0))
    top = contribution.dropna().sort_values(ascending=False).head(n)
    parts = [f"{labels.get(str(c), str(c))} {diff[c]:+.0f}" for c in top.index if top[c] > 0]
    return "; ".join(parts) if parts else "no difference"


def peers(
    run: Run,
    region: str,
    *,
    k: int = 10,
    within: Sequence[str] = (),
    weights: str = "equal",
    min_overlap: float = 0.5,
) -> PeerResult:
    """Return the ``k`` regions nearest to ``region`` by normalised indicator profile.

    Parameters
    ----------
    run : Run
        A run (scored if it was not). With a shortlist (:meth:`ideopolis.Run.where`), peers come from the
        shortlist.
    region : str
        An id or (part of) a name.
    k : int
        How many peers (1 or more).
    within : sequence of str
        Attributes a peer must share with the region: ``size``, ``type``, ``state``, ``country``, ``stage``
        (development stage), ``eu27``, or any group column of the set (``csa``, ``rucc_2023``).
    weights : {"equal", "index"}
        Indicators count equally, or by their effective weight in the index.
    min_overlap : float
        Least share of the region's indicators a peer must have data for.

    Returns
    -------
    PeerResult

    Raises
    ------
    RegionNotFoundError
        For an unknown, ambiguous or unscored region.
    ConfigError
        For ``k < 1``, an unknown ``within`` attribute or ``weights``, a region without a value for a
        ``within`` attribute, or no candidate left.

    Examples
    --------
    >>> import ideopolis as ideo
    >>> result = ideo.score("us-metros").peers("Des Moines", k=3, within=["type"])
    >>> len(result.table), set(result.table["type"])
    (3, {'metro'})
    """
    from ideopolis.decide.where import unknown_column

    if k < 1:
        raise ConfigError(f"k (-k) is {k}; ask for 1 peer or more")
    if weights not in PEER_WEIGHTS:
        raise ConfigError(f"peer weights {weights!r} unknown; use one of: {', '.join(PEER_WEIGHTS)}")
    index = run.index
    rid = run.find_region(region)
    profiles = index.indicator_scores
    pool = list(profiles.index)
    if run.selection is not None:
        keep = set(run.selection.ids)
        pool = [i for i in pool if i in keep]
    attrs = run.regions_attributes() if run.regions is not None else pd.DataFrame(index=profiles.index)
    names = index.names if index.names is not None else pd.Series(profiles.index, index=profiles.index)
    for key in within:
        if key not in attrs.columns:
            groups = [c for c in attrs.columns if c in PEER_GROUPS or c in getattr(run.regions, "groups", ())]
            raise unknown_column(key, groups, what="--within")
        value: Any = attrs.at[rid, key]
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            raise ConfigError(f"{names.get(rid, rid)} has no {key} in {run.name}; fix: drop --within {key}")
        same = attrs[key].reindex(pool)
        pool = [i for i, v in zip(pool, same.tolist(), strict=True) if pd.notna(v) and v == value]
    w = index.effective_weights["all"].reindex(profiles.columns) if weights == "index" else None
    distances, diffs = nearest(profiles, rid, candidates=pool, weights=w, min_overlap=min_overlap)
    if distances.empty:
        raise ConfigError(
            f"no region of {run.name} is comparable with {names.get(rid, rid)}"
            + (f" within the same {', '.join(within)}" if within else "")
            + "; fix: loosen --within or --where"
        )
    chosen = distances.head(k)
    labels = {c: (index.framework.node(c).label or c) for c in profiles.columns}
    table = pd.DataFrame(index=chosen.index)
    table.insert(0, "rank", range(1, len(chosen) + 1))
    table["name"] = names.reindex(chosen.index)
    table["distance"] = chosen.round(2)
    have = profiles.loc[rid].notna()
    table["indicators"] = [int((profiles.loc[p].notna() & have).sum()) for p in chosen.index]
    table["drivers"] = [_drivers(diffs.loc[p], w, labels) for p in chosen.index]
    for column in ("population", "type", "state", "country", "size", "stage"):
        if column in attrs.columns:
            table[column] = attrs[column].reindex(chosen.index)
    if "population" in table.columns:
        table["population"] = table["population"].round().astype("Int64")
    root = index.framework.root
    table[root] = index.scores[root].reindex(chosen.index).round(2)
    table[f"rank_{root}"] = index.ranks[root].reindex(chosen.index)
    table.index.name = "id"
    scale = "score points, 0-100" if index.config.step("normalise").method == "minmax" else "normalised units"
    method = (
        f"root mean square difference of the {len(profiles.columns)} normalised indicators ({scale}), "
        f"{'weighted by their effective weight in the index' if w is not None else 'each counted equally'}, "
        f"over the indicators both regions have (at least {min_overlap:.0%}); "
        f"{len(distances):,} regions compared" + (f", all of the same {', '.join(within)}" if within else "")
    )
    return PeerResult(
        region=rid,
        name=str(names.get(rid, rid)),
        table=table,
        differences=diffs.loc[chosen.index],
        within=tuple(within),
        candidates=len(distances),
        method=method,
        labels=labels,
    )


def peer_medians(run: Run, result: PeerResult) -> pd.Series:
    """Median score of the peers on every aggregate (for the profile's bars).

    Parameters
    ----------
    run : Run
        The run.
    result : PeerResult
        The region's peers.

    Returns
    -------
    pandas.Series
        Aggregate -> median of the peers' scores.
    """
    return run.index.scores.loc[result.ids].median()
