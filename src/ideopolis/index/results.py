"""Results of a run: ranks, strengths and weaknesses, correlations and Cronbach's alpha.

All functions take DataFrames indexed by region id. Ranks follow COINr: 1 = highest score, ties share
the lowest rank ("min"), missing scores have no rank.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ideopolis.index.framework import Framework


def rank_table(scores: pd.DataFrame) -> pd.DataFrame:
    """Rank every column, 1 = highest, ties at the lowest rank, missing stays missing."""
    return scores.rank(ascending=False, method="min", na_option="keep").astype("Int64")


def strengths_weaknesses(
    normalised: pd.DataFrame,
    region: str,
    *,
    n: int = 5,
    framework: Framework | None = None,
) -> pd.DataFrame:
    """Return a region's best and worst indicators by rank among all regions.

    With fewer than ``2 n`` indicators the two lists split them (best half, worst half) so no
    indicator is both a strength and a weakness.

    Ranks are on the normalised values, so negative-direction indicators are already flipped (a low
    unemployment rate is a strength). Returns rows ``kind`` (strength / weakness), ``indicator``,
    ``label``, ``rank``, ``of`` (regions with data) and ``score``.
    """
    values = normalised.to_numpy(dtype=float)
    pos = int(normalised.index.get_indexer(pd.Index([region]))[0])
    ranks = normalised.rank(ascending=False, method="min").to_numpy(dtype=float)[pos]
    valid = np.count_nonzero(~np.isnan(values), axis=0)
    cols = [str(c) for c in normalised.columns]
    have = np.flatnonzero(~np.isnan(ranks))
    ordered = have[np.argsort(ranks[have], kind="stable")]
    rows = []
    n_best = min(n, (ordered.size + 1) // 2)
    n_worst = min(n, ordered.size - n_best)
    best, worst = ordered[:n_best], ordered[ordered.size - n_worst :][::-1]
    for kind, sel in (("strength", best), ("weakness", worst)):
        for j in sel:
            label = framework.node(cols[j]).label if framework is not None else ""
            rows.append(
                {
                    "kind": kind,
                    "indicator": cols[j],
                    "label": label or cols[j],
                    "rank": int(ranks[j]),
                    "of": int(valid[j]),
                    "score": float(values[pos, j]),
                }
            )
    return pd.DataFrame(rows)


def cronbach_alpha(values: pd.DataFrame) -> float:
    """Cronbach's alpha of the columns of ``values`` over complete rows.

    ``alpha = k / (k - 1) * (1 - sum of item variances / variance of the row sums)``; NaN for fewer
    than two columns or two complete rows.
    """
    x = values.dropna().to_numpy(dtype=float)
    k = x.shape[1] if x.ndim == 2 else 0
    if k < 2 or x.shape[0] < 2:
        return float("nan")
    item_var = x.var(axis=0, ddof=1).sum()
    total_var = x.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return float("nan")
    return float(k / (k - 1) * (1 - item_var / total_var))


def pillar_statistics(aggregated: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """Per aggregate: number of children, Cronbach's alpha and mean inter-child correlation.

    Children enter with their direction (a -1 child is negated) so that alpha measures agreement in
    the direction the framework aggregates them.
    """
    rows = []
    for agg in framework.aggregates:
        kids = list(framework.children(agg))
        sign = np.array([framework.node(k).direction for k in kids], dtype=float)
        x = aggregated[kids] * sign
        corr = x.corr()
        k = len(kids)
        mean_r = float((corr.to_numpy().sum() - k) / (k * (k - 1))) if k > 1 else float("nan")
        rows.append(
            {
                "aggregate": agg,
                "level": framework.level(agg),
                "children": k,
                "cronbach_alpha": cronbach_alpha(x),
                "mean_correlation": mean_r,
            }
        )
    return pd.DataFrame(rows).set_index("aggregate")


def child_parent_correlations(aggregated: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """Pearson correlation of every node with its parent (rows ``node, parent, correlation``)."""
    rows = []
    for agg in framework.aggregates:
        for kid in framework.children(agg):
            rows.append(
                {
                    "node": kid,
                    "parent": agg,
                    "correlation": float(aggregated[kid].corr(aggregated[agg])),
                }
            )
    return pd.DataFrame(rows)


def correlations(aggregated: pd.DataFrame, framework: Framework, aggregate: str) -> pd.DataFrame:
    """Correlation matrix of the children of ``aggregate`` and the aggregate itself."""
    cols = [*framework.children(aggregate), aggregate]
    return aggregated[cols].corr()
