from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ideopolis.index.framework import framework_from_records
from ideopolis.index.results import (
    child_parent_correlations,
    correlations,
    cronbach_alpha,
    pillar_statistics,
    rank_table,
    strengths_weaknesses,
)


def test_ranks_ties_min_and_missing() -> None:
    s = pd.DataFrame({"x": [5.0, 7.0, 7.0, np.nan, 1.0]})
    assert rank_table(s)["x"].tolist() == [3, 1, 1, pd.NA, 4]


def test_cronbach_alpha_by_hand() -> None:
    # items a = (1, 2, 3), b = (2, 3, 5), c = (3, 4, 4): variances 1, 7/3, 1/3;
    # row sums 6, 9, 12 -> variance 9; alpha = 3/2 (1 - (11/3) / 9) = 8/9
    x = pd.DataFrame({"a": [1.0, 2, 3], "b": [2.0, 3, 5], "c": [3.0, 4, 4]})
    expected = 8 / 9
    assert cronbach_alpha(x) == pytest.approx(expected)
    assert np.isnan(cronbach_alpha(x[["a"]]))
    perfect = pd.DataFrame({"a": [1.0, 2, 3], "b": [1.0, 2, 3]})
    assert cronbach_alpha(perfect) == pytest.approx(1.0)


def test_strengths_and_weaknesses_by_rank() -> None:
    norm = pd.DataFrame(
        {"a": [1.0, 2, 3], "b": [3.0, 2, 1], "c": [2.0, 3, 1], "d": [0.0, 1, 2]},
        index=["r1", "r2", "r3"],
    )
    sw = strengths_weaknesses(norm, "r1", n=1)
    assert sw.to_dict("records") == [
        {"kind": "strength", "indicator": "b", "label": "b", "rank": 1, "of": 3, "score": 3.0},
        {"kind": "weakness", "indicator": "d", "label": "d", "rank": 3, "of": 3, "score": 0.0},
    ]
    both = strengths_weaknesses(norm, "r1", n=5)
    assert len(both) == 4 and not set(both[both.kind == "strength"].indicator) & set(
        both[both.kind == "weakness"].indicator
    )


def test_pillar_statistics_and_correlations() -> None:
    # x = 1, 2, 3, 4 and y = 2, 1, 4, 3 (deviations -1.5 -0.5 0.5 1.5 and -0.5 -1.5 1.5 0.5): r(x, y) = 3 / 5 = 0.6.
    # Parent i = (x + y) / 2 = 1.5, 1.5, 3.5, 3.5 (deviations -1 -1 1 1): r(x, i) = r(y, i) = 4 / sqrt(5 * 4).
    # Cronbach's alpha of (x, y): item variances 5/3 each, row sums 3, 3, 7, 7 (variance 16/3):
    # 2 (1 - (10/3) / (16/3)) = 0.75.
    fw = framework_from_records([{"code": "i"}, {"code": "x", "parent": "i"}, {"code": "y", "parent": "i"}])
    agg = pd.DataFrame({"x": [1.0, 2, 3, 4], "y": [2.0, 1, 4, 3], "i": [1.5, 1.5, 3.5, 3.5]})
    stats = pillar_statistics(agg, fw)
    assert stats.at["i", "mean_correlation"] == pytest.approx(0.6)
    assert stats.at["i", "cronbach_alpha"] == pytest.approx(0.75)
    assert stats.at["i", "children"] == 2 and stats.at["i", "level"] == 2
    cp = child_parent_correlations(agg, fw)
    assert cp["correlation"].tolist() == pytest.approx([4 / 20**0.5, 4 / 20**0.5])
    matrix = correlations(agg, fw, "i")
    assert list(matrix.columns) == ["x", "y", "i"]
    expected = [[1.0, 0.6, 4 / 20**0.5], [0.6, 1.0, 4 / 20**0.5], [4 / 20**0.5, 4 / 20**0.5, 1.0]]
    np.testing.assert_allclose(matrix.to_numpy(), expected)


def test_a_reflected_child_enters_the_pillar_statistics_negated() -> None:
    fw = framework_from_records(
        [{"code": "i"}, {"code": "x", "parent": "i"}, {"code": "y", "parent": "i", "direction": -1}]
    )
    agg = pd.DataFrame({"x": [1.0, 2, 3, 4], "y": [2.0, 1, 4, 3], "i": [0.0, 0, 0, 1]})
    assert pillar_statistics(agg, fw).at["i", "mean_correlation"] == pytest.approx(-0.6)


@pytest.mark.parametrize("n", [0, 1, 3, 15, 400, 10_000])
@pytest.mark.parametrize("sort", [None, "talent"])
def test_top_table_is_the_head_of_every_ranked_region_sorted(n: int, sort: str | None) -> None:
    # the table sorts only the regions ranked n-th or better; it must equal sorting them all (ties included:
    # us-counties has tied ranks), then taking n
    import ideopolis as ideo
    from ideopolis.index.explain import top_table

    run = ideo.score("us-counties").index
    key = sort or run.framework.root
    got = top_table(run, n=n, sort=sort)
    full = run.scores[[c for c in got.columns if c in run.scores.columns]].copy()
    full.insert(0, "rank", run.ranks[key])
    full = full[full["rank"].notna()].sort_values(["rank", key], ascending=[True, False]).head(n)
    assert list(got.index) == list(full.index)
    pd.testing.assert_series_equal(got["rank"], full["rank"], check_names=False)
    assert len(got) == min(n, int(run.ranks[key].notna().sum()))
