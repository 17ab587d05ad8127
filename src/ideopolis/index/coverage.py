"""Data availability at every level: which pillars a score rests on, who is ranked, and the weights actually used.

DESIGN section 4 asks that a pillar or an index be computed only where enough of its inputs exist, that a
score say which pillars it rests on, and that regions never be ranked together silently on different pillar
sets. The aggregation step (:mod:`ideopolis.index.steps.aggregate`) applies the availability threshold; this
module reads its result:

- the **units** a node rests on are its pillars: the aggregates of its subtree whose children are all
  indicators (level 2, COINr's "pillars"); an indicator that sits directly under a higher aggregate counts as
  a unit of its own. A unit whose weight within the node is 0 is not needed;
- a region's score on a node is **complete** when the node has a score and every unit it needs has one;
- **ranks** (1 = best, ties at the lowest rank, COINr's convention) compare like with like: a score is
  ranked only among the regions whose score on that node is complete. A region scored on fewer pillars keeps
  its score and gets no rank, with the reason (:func:`not_ranked_reason`). ``[aggregate] rank_partial = true``
  ranks every score together instead (COINr's behaviour; the ``scored_on`` column still names the pillars);
- the **weights used** for a region (:func:`used_weights`) are the framework's weights renormalised over the
  children that have a value, level by level, which is what a weighted mean over the available children
  does (COINr's ``a_amean``). Under arithmetic means, a region's index is exactly the sum over indicators of
  used effective weight x score as it enters the index.

Examples
--------
>>> import pandas as pd
>>> from ideopolis.index.framework import framework_from_records
>>> fw = framework_from_records([{"code": "i"}, {"code": "p", "parent": "i"}, {"code": "q", "parent": "i"},
...     {"code": "a", "parent": "p"}, {"code": "b", "parent": "q"}])
>>> units(fw, "i")
['p', 'q']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ideopolis.index.framework import Framework

__all__ = [
    "Coverage",
    "coverage",
    "nominal_shares",
    "not_ranked_reason",
    "units",
    "used_weights",
]


def units(framework: Framework, code: str) -> list[str]:
    """Return the units (pillars) ``code`` rests on, in framework order.

    Parameters
    ----------
    framework : Framework
        The indicator tree.
    code : str
        A node.

    Returns
    -------
    list of str
        The level-2 aggregates of its subtree, and any indicator whose parent is above level 2; ``[code]`` for
        a level-2 aggregate or an indicator.
    """
    if framework.node(code).indicator or framework.level(code) == 2:
        return [code]
    out: list[str] = []
    for kid in framework.children(code):
        node = framework.node(kid)
        if node.indicator or framework.level(kid) == 2:
            out.append(kid)
        else:
            out.extend(units(framework, kid))
    return out


def _weight_matrix(framework: Framework, weights: pd.Series | pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    codes = [n.code for n in framework.nodes]
    if isinstance(weights, pd.DataFrame):
        return weights.reindex(index=index, columns=codes).astype(float).fillna(0.0)
    row = weights.reindex(codes).astype(float).fillna(0.0).to_numpy()
    return pd.DataFrame(np.broadcast_to(row, (len(index), len(codes))).copy(), index=index, columns=codes)


def nominal_shares(framework: Framework, weights: pd.Series | pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """Return every node's weight divided by the sum of its siblings' weights, per region.

    Parameters
    ----------
    framework : Framework
        The indicator tree.
    weights : Series or DataFrame
        Node -> weight, or region x node (peer-group weights).
    index : pandas.Index
        The regions.

    Returns
    -------
    pandas.DataFrame
        Region x node; the root has share 1; a node whose siblings' weights sum to 0 has share 0.
    """
    w = _weight_matrix(framework, weights, index)
    out = pd.DataFrame(0.0, index=index, columns=w.columns)
    out[framework.root] = 1.0
    for agg in framework.aggregates:
        kids = list(framework.children(agg))
        total = w[kids].sum(axis=1).to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            out[kids] = np.where(total[:, None] > 0, w[kids].to_numpy() / total[:, None], 0.0)
    return out


def used_weights(
    framework: Framework,
    weights: pd.Series | pd.DataFrame,
    aggregated: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the weights each region's scores were actually computed with.

    A child without a value gets weight 0 and its siblings share its weight in proportion to their own
    (the weighted mean over available children); a node under an aggregate without a score gets 0.

    Parameters
    ----------
    framework : Framework
        The indicator tree.
    weights : Series or DataFrame
        Node -> weight, or region x node, as the aggregation used them.
    aggregated : pandas.DataFrame
        The ``aggregated`` dataset (region x node: normalised indicators and aggregate scores).

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        Region x node: the weight within its parent as used, and the effective weight as used (the product
        of used weights from the node up to the index; the indicators' effective weights sum to 1 wherever
        the index has a score).
    """
    index = aggregated.index
    w = _weight_matrix(framework, weights, index)
    have = aggregated.reindex(columns=w.columns).notna().to_numpy()
    w = w.where(have, 0.0)
    within = pd.DataFrame(0.0, index=index, columns=w.columns)
    effective = pd.DataFrame(0.0, index=index, columns=w.columns)
    root = framework.root
    within[root] = np.where(aggregated[root].notna(), 1.0, 0.0)
    effective[root] = within[root]
    for agg in reversed(framework.aggregates):  # parents before children
        kids = list(framework.children(agg))
        x = w[kids].to_numpy()
        total = x.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(total[:, None] > 0, x / total[:, None], 0.0)
        share = share * aggregated[agg].notna().to_numpy()[:, None]  # nothing is used under a missing score
        within[kids] = share
        effective[kids] = share * effective[agg].to_numpy()[:, None]
    return within, effective


@dataclass(frozen=True)
class Coverage:
    """Which units (pillars) every score rests on, and whether it is complete.

    Attributes
    ----------
    needed : dict of str to list of str
        Aggregate -> the units it rests on in the framework (all of them, in framework order).
    present : pandas.DataFrame
        Region x unit: whether the unit has a score.
    required : pandas.DataFrame
        Region x (aggregate, unit) pairs flattened as ``"aggregate/unit"``: whether the unit's weight within
        the aggregate is positive for the region (a unit weighted 0 is not needed).
    on : pandas.DataFrame
        The same pairs: whether the aggregate's score rests on the unit (the unit and every aggregate between
        it and the aggregate have a score; exposure with a score does not count when the balance has none).
    scored : pandas.DataFrame
        Region x aggregate: whether the score exists.
    complete : pandas.DataFrame
        Region x aggregate: whether the score exists and rests on every unit it needs.
    availability : pandas.DataFrame
        Region x aggregate: the data availability the aggregation measured (0-1).
    thresholds : dict of str to float or None
        Aggregate -> the availability threshold applied.
    """

    needed: dict[str, list[str]]
    present: pd.DataFrame
    required: pd.DataFrame
    on: pd.DataFrame
    scored: pd.DataFrame
    complete: pd.DataFrame
    availability: pd.DataFrame
    thresholds: dict[str, float | None]

    def scored_on(self, code: str) -> pd.Series:
        """Return, per region, the units ``code``'s score rests on (a tuple; empty without a score).

        Parameters
        ----------
        code : str
            An aggregate.

        Returns
        -------
        pandas.Series
            Tuples of unit codes in framework order.
        """
        unit_list = self.needed[code]
        has = self.on[[f"{code}/{u}" for u in unit_list]].to_numpy()
        out = [tuple(u for u, h in zip(unit_list, row, strict=True) if h) for row in has]
        return pd.Series(out, index=self.present.index, name="scored_on", dtype=object)

    def missing(self, code: str, region: str) -> list[str]:
        """Return the units ``code`` needs for ``region`` that have no score."""
        return [
            u
            for u in self.needed[code]
            if bool(self.required.at[region, f"{code}/{u}"]) and not bool(self.on.at[region, f"{code}/{u}"])
        ]


def coverage(
    framework: Framework,
    aggregated: pd.DataFrame,
    weights: pd.Series | pd.DataFrame,
    *,
    availability: pd.DataFrame | None = None,
    thresholds: dict[str, float | None] | None = None,
) -> Coverage:
    """Work out which units every score rests on and which scores are complete.

    Parameters
    ----------
    framework : Framework
        The indicator tree.
    aggregated : pandas.DataFrame
        Region x node scores (the ``aggregated`` dataset).
    weights : Series or DataFrame
        The weights the aggregation used.
    availability : pandas.DataFrame, optional
        Region x aggregate availability from :class:`~ideopolis.index.steps.aggregate.AggregateResult`.
    thresholds : dict, optional
        Aggregate -> threshold applied.

    Returns
    -------
    Coverage
    """
    index = aggregated.index
    # one weight per node (no peer groups) gives every region the same shares: one row broadcasts to all
    shares = nominal_shares(framework, weights, index if isinstance(weights, pd.DataFrame) else index[:1])
    needed = {agg: units(framework, agg) for agg in framework.aggregates}
    all_units = list(dict.fromkeys(u for us in needed.values() for u in us))
    present = aggregated.reindex(columns=all_units).notna()
    required_cols: dict[str, np.ndarray] = {}
    complete = pd.DataFrame(False, index=index, columns=framework.aggregates)
    on_cols: dict[str, np.ndarray] = {}
    scored = aggregated[framework.aggregates].notna()
    for agg, unit_list in needed.items():
        ok = scored[agg].to_numpy()
        for u in unit_list:
            rel = np.ones(len(index))
            reaches = present[u].to_numpy() & scored[agg].to_numpy()
            code = u
            while code != agg:
                rel = rel * shares[code].to_numpy()
                parent = framework.node(code).parent
                assert parent is not None
                code = parent
                reaches = reaches & scored[code].to_numpy()
            need = rel > 0
            required_cols[f"{agg}/{u}"] = need
            on_cols[f"{agg}/{u}"] = reaches
            ok = ok & (~need | reaches)
        complete[agg] = ok
    required = pd.DataFrame(required_cols, index=index)
    used_units = pd.DataFrame(on_cols, index=index)
    return Coverage(
        needed=needed,
        present=present,
        required=required,
        on=used_units,
        scored=scored,
        complete=complete,
        availability=availability if availability is not None else pd.DataFrame(index=index),
        thresholds=dict(thresholds or {}),
    )


def not_ranked_reason(cov: Coverage, code: str, region: str, *, labels: dict[str, str] | None = None) -> str:
    """Say why a region has a score on ``code`` but no rank ("" when it is ranked or has no score).

    Parameters
    ----------
    cov : Coverage
        The run's coverage.
    code : str
        An aggregate.
    region : str
        A region id.
    labels : dict, optional
        Unit code -> how to name it.

    Returns
    -------
    str
        E.g. ``"scored on 4 of 5 pillars (no knowledge_jobs); ranked only among regions scored on all 5"``.
    """
    if bool(cov.complete.at[region, code]) or not bool(cov.scored.at[region, code]):
        return ""
    missing = cov.missing(code, region)
    if not missing:
        return ""
    name = labels or {}
    n_all = len(cov.needed[code])
    n_have = sum(bool(cov.on.at[region, f"{code}/{u}"]) for u in cov.needed[code])
    gone = ", ".join(name.get(u, u) for u in missing)
    return f"scored on {n_have} of {n_all} pillars (no {gone}); ranked only among regions scored on all {n_all}"
