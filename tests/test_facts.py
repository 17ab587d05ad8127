"""Exposure measures with percentiles and the cross-measure range; lens context; the collapse check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import percentileofscore

from ideopolis.index.facts import (
    EXPOSURE_PERCENTILES,
    EXPOSURE_RANGE,
    LENS_DATA,
    exposure_measures,
    exposure_table,
    lens_context,
    percentile_rank,
    short_label,
)
from ideopolis.index.facts import region_facts as run_facts
from ideopolis.index.framework import framework_from_records
from ideopolis.index.profile import RunConfig
from ideopolis.index.run import IndexRun
from ideopolis.index.steps.normalise import collapsed_indicators

FW = framework_from_records(
    [
        {"code": "i"},
        {"code": "talent", "parent": "i"},
        {"code": "exposure", "parent": "i", "direction": -1},
        {"code": "ba", "parent": "talent"},
        {"code": "tele", "parent": "exposure"},
        {"code": "ai", "parent": "exposure", "weight": 0.25},
        {"code": "anchored_inv", "parent": "exposure", "direction": -1},
    ]
)
VALUES = pd.DataFrame(
    {
        "ba": [1.0, 2.0, 3.0, 4.0],
        "tele": [0.1, 0.4, 0.2, np.nan],
        "ai": [5.0, 5.0, 1.0, 2.0],
        "anchored_inv": [0.9, 0.1, 0.5, 0.3],  # direction -1: less of it is more exposed
    },
    index=["a", "b", "c", "d"],
)


def test_percentiles_and_range_by_hand() -> None:
    assert exposure_measures(FW) == ["tele", "ai", "anchored_inv"]
    t = exposure_table(FW, VALUES)
    # tele over 3 values (0.1, 0.2, 0.4): a 1/3, c 2/3, b 3/3; d has none
    assert t["tele_pct"].round(4).tolist()[:3] == [33.3333, 100.0, 66.6667] and np.isnan(t.at["d", "tele_pct"])
    # ai over 4 values with a tie at the top: both 5s share 100, 1 -> 25, 2 -> 50
    assert t["ai_pct"].tolist() == [100.0, 100.0, 25.0, 50.0]
    # anchored_inv turned round: the lowest value (b, 0.1) is the most exposed
    assert t["anchored_inv_pct"].tolist() == [25.0, 100.0, 50.0, 75.0]
    assert t.loc["a", ["exposure_pct_min", "exposure_pct_max", "exposure_measures"]].tolist() == [25.0, 100.0, 3]
    assert t.loc["d", ["exposure_pct_min", "exposure_pct_max", "exposure_measures"]].tolist() == [50.0, 75.0, 2]
    assert t.at["b", "tele"] == 0.4  # the value as it is, beside its percentile
    assert exposure_table(framework_from_records([{"code": "i"}, {"code": "x", "parent": "i"}]), VALUES).empty


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-5, 5), min_size=1, max_size=30))
def test_percentile_rank_is_scipys_weak_percentile(values: list[int]) -> None:
    x = pd.DataFrame({"v": [float(v) for v in values]})
    ours = percentile_rank(x)["v"].to_numpy()
    theirs = [percentileofscore(values, v, kind="weak") for v in values]
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_lens_context_aligns_and_ranks_the_anchored_share() -> None:
    groups = pd.DataFrame({"lens_route": ["oews_metro", "none", "enclosing_area"]}, index=["a", "b", "c"])
    data = pd.DataFrame(
        {"anchored_share": [0.5, np.nan, 0.25], "occ_coverage": [0.9, np.nan, 0.95]}, index=groups.index
    )
    ctx = lens_context(groups, data, pd.Index(["c", "a", "b", "z"]))
    assert list(ctx.columns) == ["lens_route", "occ_coverage", "anchored_share", "anchored_share_pct"]
    assert ctx["lens_route"].tolist()[:3] == ["enclosing_area", "oews_metro", "none"] and pd.isna(
        ctx.at["z", "lens_route"]
    )
    assert ctx.at["a", "anchored_share_pct"] == 100.0 and ctx.at["c", "anchored_share_pct"] == 50.0
    assert lens_context(None, None, pd.Index(["a"])).columns.empty
    assert short_label("GPT exposure (beta), job-weighted mean") == "GPT exposure (beta)"


def test_collapse_check_flags_a_crowded_column_and_only_it() -> None:
    n = 200
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "spread": rng.uniform(0, 100, n),
            "one_giant": np.r_[rng.uniform(0, 2, n - 1), 100.0],  # every other region within 2% of the bottom
            "one_dwarf": np.r_[rng.uniform(98, 100, n - 1), 0.0],
            "ninety_percent": np.r_[np.zeros(180), rng.uniform(10, 100, 20)],  # exactly 90%: not over the line
        }
    )
    found = {c.indicator: c for c in collapsed_indicators(frame)}
    assert set(found) == {"one_giant", "one_dwarf"}
    assert found["one_giant"].end == "bottom" and found["one_giant"].share == pytest.approx((n - 1) / n)
    assert found["one_dwarf"].end == "top"
    assert "99.5% of regions lie in the bottom 5% of its range" in found["one_giant"].note()
    assert collapsed_indicators(frame, share=0.89)[0].indicator == "one_giant"
    assert {c.indicator for c in collapsed_indicators(frame, share=0.89)} == {
        "one_giant",
        "one_dwarf",
        "ninety_percent",
    }


def test_a_run_notes_and_logs_a_collapsed_indicator() -> None:
    rng = np.random.default_rng(3)
    data = pd.DataFrame({"a": rng.uniform(1, 2, 60), "b": rng.uniform(1, 2, 60)}, index=[f"r{i}" for i in range(60)])
    data.iloc[0, 1] = 1e6  # one extreme value; no treatment, so min-max crushes everyone else
    fw = framework_from_records([{"code": "i"}, {"code": "a", "parent": "i"}, {"code": "b", "parent": "i"}])
    run = IndexRun(data, fw, config=RunConfig().with_options(treat="none")).run()
    assert [n for n in run.notes if "collapses" in n] == [
        "indicator 'b' collapses after normalisation: 98.3% of regions lie in the bottom 5% of its range, so it acts "
        "almost as a constant; the highest values are far from the rest (often a tiny denominator): check them, or "
        "treat the indicator another way"
    ]
    assert run.log[4].summary["collapsed"] == {"b": "0.983 in the bottom 5%"}
    # COINr's treatment (log after winsorising fails) spreads it out again: no note
    treated = IndexRun(data, fw).run()
    assert not [n for n in treated.notes if "collapses" in n]


def test_region_facts_rows_by_hand() -> None:
    """The card's rows from :data:`FW` / :data:`VALUES`: the range, the percentiles in measure order, the route."""
    fw = framework_from_records(
        [
            {"code": "i"},
            {"code": "talent", "parent": "i"},
            {"code": "exposure", "parent": "i"},
            {"code": "ba", "parent": "talent"},
            {"code": "tele", "parent": "exposure", "label": "Share of jobs that can be done from home"},
            {"code": "ai", "parent": "exposure", "label": "AI occupational exposure (AIOE), mean"},
        ]
    )
    groups = pd.DataFrame(
        {
            "lens_route": ["oews_metro", "a_new_route", "none", pd.NA],
            "lens_area": ["0000a", "z", pd.NA, pd.NA],
        },
        index=VALUES.index,
    )
    data = VALUES.assign(occ_coverage=[0.984, 0.5, np.nan, np.nan])
    run = IndexRun(data[["ba", "tele", "ai"]], fw, groups=groups, denominators=data[["occ_coverage"]]).run()
    facts = run_facts(run)
    label = f"{EXPOSURE_PERCENTILES} (tele \u00b7 AIOE)"  # a long label gives way to the code
    # percentiles from test_percentiles_and_range_by_hand: tele a 33.3, b 100, c 66.7, d none; ai 100, 100, 25, 50
    assert facts[label].tolist() == [
        "33.3 \u00b7 100.0",
        "100.0 \u00b7 100.0",
        "66.7 \u00b7 25.0",
        "\u2013 \u00b7 50.0",
    ]
    assert facts[EXPOSURE_RANGE].tolist() == [
        "33.3 to 100.0",
        "100.0 to 100.0",
        "25.0 to 66.7",
        "50.0 (1 of 2 measures)",
    ]
    assert facts[LENS_DATA].tolist() == [
        "OEWS's published metro occupation mix (area 0000a); 98% of its jobs in published occupations",
        "a_new_route (area z); 50% of its jobs in published occupations",  # an unknown route shows as its code
        "none: no exposure data for this region",
        "",
    ]
