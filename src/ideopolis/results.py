"""Results of a run: ranks, strengths and weaknesses, correlations and Cronbach's alpha.

All functions take DataFrames indexed by region id. Ranks follow COINr: 1 = highest score, ties share
the lowest rank ("min"), missing scores have no rank.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ideopolis.framework import Framework


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
    """A region's best and worst indicators by rank among all regions.

    Ranks are on the normalised values, so negative-direction indicators are already flipped (a low
    unemployment rate is a strength). Returns rows ``kind`` (strength / weakness), ``indicator``,
    ``label``, ``rank``, ``of`` (regions with data) and ``score``.
    """
    ranks = rank_table(normalised).loc[region]
    valid = normalised.notna().sum()
    ranks = ranks.dropna().astype(int)
    ordered = ranks.sort_values(kind="stable")
    best = ordered.head(n)
    worst = ordered.tail(n).iloc[::-1]
    rows = []
    for kind, sel in (("strength", best), ("weakness", worst)):
        for ind, r in sel.items():
            label = framework.node(str(ind)).label if framework is not None else ""
            rows.append(
                {
                    "kind": kind,
                    "indicator": ind,
                    "label": label or ind,
                    "rank": int(r),
                    "of": int(valid[ind]),
                    "score": float(normalised.at[region, ind]),
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
        mean_r = (
            float((corr.to_numpy().sum() - k) / (k * (k - 1))) if k > 1 else float("nan")
        )
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
