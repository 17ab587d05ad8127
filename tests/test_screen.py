from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ideopolis.errors import MethodError, UnknownMethodError
from ideopolis.index.framework import flat_framework
from ideopolis.index.profile import RunConfig
from ideopolis.index.run import IndexRun
from ideopolis.index.scoring import score_region_set
from ideopolis.index.steps.screen import screen
from ideopolis.index.steps.weights import effective_weights
from ideopolis.regions.model import load_region_set

DATA = pd.DataFrame(
    {
        "x": [1.0, np.nan, 0.0, 4.0],
        "y": [1.0, np.nan, 0.0, np.nan],
        "z": [1.0, 2.0, 0.0, 5.0],
    },
    index=["a", "b", "c", "d"],
)


def test_by_na_drops_below_threshold_and_reports() -> None:
    res = screen(DATA, threshold=2 / 3)
    assert res.dropped == ["b"]
    assert list(res.data.index) == ["a", "c", "d"]
    assert res.summary.at["b", "availability"] == pytest.approx(1 / 3)
    assert res.summary.at["d", "availability"] == pytest.approx(2 / 3)
    assert not res.summary.at["b", "included"]


def test_by_zeros_and_both() -> None:
    assert screen(DATA, method="by_zeros", nonzero_threshold=0.5).dropped == ["c"]
    assert screen(DATA, method="by_na_and_zeros", threshold=0.9, nonzero_threshold=0.5).dropped == [
        "b",
        "c",
        "d",
    ]
    assert screen(DATA, method="none").dropped == []


def test_force_include_and_exclude() -> None:
    res = screen(DATA, threshold=0.9, force_include=["d"], force_exclude=["a"])
    assert res.dropped == ["a", "b"]


def test_errors() -> None:
    with pytest.raises(MethodError, match=r"screen threshold is 1\.5; use a share between 0 and 1"):
        screen(DATA, threshold=1.5)
    with pytest.raises(MethodError, match="region 'zz' named in force_include"):
        screen(DATA, force_include=["zz"])


# --- by_weight: the share of the index's effective weight carried by the indicators a region has ---------------

TOY = Path(__file__).parent / "data" / "toy"


def _toy_run(blank: dict[str, list[str]], **options: Any) -> IndexRun:
    """Score the toy set with some indicator cells blanked (region id -> columns)."""
    rs = load_region_set(TOY)
    data = rs.data.copy()
    for rid, cols in blank.items():
        data.loc[rid, cols] = np.nan
    return score_region_set(replace(rs, data=data), treat="none", **options)


def test_toy_effective_weights_by_hand() -> None:
    # Default framework of the toy set (DESIGN section 3): index = 0.75 cluster_strength + 0.25 balance;
    # cluster_strength = talent (ba_share) and capital (income_pc, median_income), equal weights;
    # balance = attraction (mig_rate) and exposure (telework_share), equal weights.
    w = _toy_run({}).screen_weights()
    expected = {
        "ba_share": 0.75 / 2,  # 0.375
        "income_pc": 0.75 / 2 / 2,  # 0.1875
        "median_income": 0.75 / 2 / 2,
        "mig_rate": 0.25 / 2,  # 0.125
        "telework_share": 0.25 / 2,
    }
    assert w.to_dict() == pytest.approx(expected)


def test_toy_by_weight_against_by_na_by_hand() -> None:
    blank = {
        # no lens data, as the UK in eu-nuts2: 3 of 5 indicators (60%) but 0.375 + 2 * 0.1875 = 0.75 of the
        # weight: by_na drops it, by_weight keeps it, and cluster_strength (75% of the index) scores it
        "01001": ["mig_rate", "net_migration", "telework_share", "telework_jobs"],
        # 4 of 5 indicators (80%) but 1 - 0.375 = 0.625 of the weight: by_na keeps, by_weight drops
        "01003": ["ba_share", "ba_plus"],
        # 3 of 5 (60%) and 1 - 0.375 - 0.125 = 0.5 of the weight: both drop
        "02001": ["ba_share", "ba_plus", "telework_share"],
    }
    by_weight = _toy_run(blank, screen="by_weight")
    summary = by_weight.reports["screen"].summary
    assert summary["weight_availability"].to_dict() == pytest.approx(
        {"01001": 0.75, "01003": 0.625, "01005": 1.0, "02001": 0.5, "02003": 1.0, "02005": 1.0}
    )
    assert summary["availability"].to_dict() == pytest.approx(
        {"01001": 0.6, "01003": 0.8, "01005": 1.0, "02001": 0.6, "02003": 1.0, "02005": 1.0}
    )
    assert by_weight.dropped == ["01003", "02001"]
    assert _toy_run(blank, screen="by_na").dropped == ["01001", "02001"]
    reasons = by_weight.not_scored_reasons()
    assert reasons["02001"] == (
        "screened out: data for 50% of the index weight (3 of 5 indicators), below the screen threshold (67%)"
    )
    assert reasons["01001"] == ""
    assert by_weight.scores.at["01001", "ideopolis_index"] == pytest.approx(
        by_weight.scores.at["01001", "cluster_strength"]
    )
    by_na_reasons = _toy_run(blank, screen="by_na").not_scored_reasons()
    assert by_na_reasons["01001"] == (
        "screened out: data for 3 of 5 indicators (60%), below the screen threshold (67%)"
    )


def test_by_weight_is_the_default_and_follows_manual_weights() -> None:
    blank = {"01003": ["ba_share", "ba_plus"]}
    assert _toy_run(blank).config.step("screen").method == "by_weight"
    assert _toy_run(blank).dropped == ["01003"]
    # talent weight 1 -> 3 against capital 1: ba_share carries 0.75 * 3/4 = 0.5625, so 01003 keeps 0.4375
    manual = _toy_run(blank, weights={"method": "manual", "weights": {"talent": 3.0}})
    assert manual.screen_weights()["ba_share"] == pytest.approx(0.5625)
    assert manual.reports["screen"].summary.at["01003", "weight_availability"] == pytest.approx(0.4375)
    # balance weight 0.25 -> 0.5: ba_share carries 0.5 / 2 = 0.25, so 01003 keeps 0.75 and passes
    assert _toy_run(blank, balance_weight=0.5).dropped == []


def test_by_weight_threshold_is_reached_within_rounding() -> None:
    # 0.1 + 0.2 is 0.30000000000000004 and 0.7 + 0.1 + 0.2 - 0.7 falls just short of 0.3 in floating point
    data = pd.DataFrame({"a": [np.nan, 1.0], "b": [1.0, 1.0], "c": [1.0, 1.0]}, index=["r", "s"])
    w = pd.Series({"a": 0.7, "b": 0.1, "c": 0.2})
    assert screen(data, method="by_weight", threshold=0.3, weights=w).dropped == []
    assert screen(data, method="by_weight", threshold=0.31, weights=w).dropped == ["r"]


@settings(deadline=None)  # timing is not what is tested; the machine is shared
@given(
    st.integers(min_value=1, max_value=8).flatmap(
        lambda k: st.lists(
            st.lists(st.booleans(), min_size=k, max_size=k),
            min_size=1,
            max_size=12,
        )
    ),
    st.floats(min_value=0.0, max_value=1.0),
    st.floats(min_value=0.01, max_value=100.0),
)
def test_by_weight_equals_by_na_with_equal_weights_on_one_level(
    rows: list[list[bool]], threshold: float, weight: float
) -> None:
    k = len(rows[0])
    cols = [f"i{j}" for j in range(k)]
    data = pd.DataFrame([[np.nan if m else 1.0 for m in row] for row in rows], columns=cols)
    data.index = [f"r{i}" for i in range(len(rows))]
    # one level: the index's children are the indicators, all with the same weight
    fw = flat_framework(cols)
    w = effective_weights(fw, pd.Series(weight, index=[fw.root, *cols]))[cols]
    res_w = screen(data, method="by_weight", threshold=threshold, weights=w)
    res_n = screen(data, method="by_na", threshold=threshold)
    np.testing.assert_allclose(res_w.summary["weight_availability"], res_n.summary["availability"])
    # the rules agree except where rounding of k equal weights lands within 1e-9 of the threshold
    n_have = (~data.isna()).sum(axis=1) / k
    near = np.isclose(n_have, threshold, rtol=0, atol=1e-9)
    assert list(res_w.summary["included"][~near]) == list(res_n.summary["included"][~near])
    # without weights by_weight counts every indicator equally: the same numbers as by_na
    no_w = screen(data, method="by_weight", threshold=threshold).summary
    np.testing.assert_array_equal(no_w["weight_availability"], res_n.summary["availability"])


def test_unknown_screen_method_names_the_choices() -> None:
    with pytest.raises(UnknownMethodError) as err:
        screen(DATA, method="by_weigth")
    message = str(err.value)
    for name in ("by_na", "by_weight", "by_zeros", "by_na_and_zeros", "none"):
        assert name in message
    with pytest.raises(UnknownMethodError, match=r"unknown screen method 'by_weigth'; choose one of: .*by_weight"):
        RunConfig().with_options(screen="by_weigth")


def test_bad_screen_weights_are_refused() -> None:
    with pytest.raises(MethodError, match=r"screen weight of indicator 'x' is -1\.0; use a weight >= 0"):
        screen(DATA, method="by_weight", weights=pd.Series({"x": -1.0, "y": 1.0, "z": 1.0}))
    with pytest.raises(MethodError, match="every indicator has weight 0"):
        screen(DATA, method="by_weight", weights=pd.Series({"x": 0.0, "y": 0.0, "z": 0.0}))


# --- the bundled sets: what by_weight changes against COINr's count ----------------------------------------------

#: set -> (regions screened out by by_na, by by_weight) in the default run (counted 2026-11-30, see docs/method.md)
BUNDLED = {"eu-nuts2": (76, 38), "us-metros": (10, 10), "us-counties": (89, 89)}


@pytest.mark.parametrize("name", list(BUNDLED))
def test_bundled_sets_by_weight_against_by_na(name: str) -> None:
    run = score_region_set(load_region_set(name))
    assert run.config.step("screen").method == "by_weight"
    counted = screen(run.datasets["imputed"], method="by_na", threshold=2 / 3)
    assert (len(counted.dropped), len(run.dropped)) == BUNDLED[name]
    # weighing never drops a region that counting keeps in these sets: by_weight only gives back regions
    assert set(run.dropped) <= set(counted.dropped)
    if name != "eu-nuts2":
        return
    # the UK has talent, capital and knowledge-job data but no lens data (five exposure measures, migration):
    # counted, 6 of 13 indicators (46%) screens every UK region out; weighed, those with 6 carry 2/3 of the weight
    uk = [r for r in run.datasets["raw"].index if str(r).startswith("UK")]
    assert len(uk) == 41 and set(uk) <= set(counted.dropped)
    reasons = run.not_scored_reasons()[uk]
    assert (reasons == "").sum() == 31
    summary = run.reports["screen"].summary.loc[uk]
    kept = summary.index[summary["included"]]
    assert summary.loc[kept, "weight_availability"].to_numpy() == pytest.approx(2 / 3)
    assert summary.loc[kept, "n_missing"].eq(7).all()
    assert (
        reasons[reasons != ""]
        .str.fullmatch(
            r"screened out: data for (50|54|58)% of the index weight \([45] of 13 indicators\), "
            r"below the screen threshold \(67%\)"
        )
        .all()
    )
    assert run.scores.loc[kept, "ideopolis_index"].notna().all()


def test_rerun_with_new_weights_redoes_the_weighted_screen() -> None:
    run = _toy_run({"01003": ["ba_share", "ba_plus"]})
    assert run.dropped == ["01003"]  # 0.625 of the weight
    # balance weight 0.5: ba_share carries 0.25, so 01003 keeps 0.75 and is screened back in
    done = len(run.executed)
    run.rerun("weight", balance_weight=0.5)
    assert run.executed[done:] == ["screen", "treat", "normalise", "weight", "aggregate", "lens"]
    assert run.dropped == [] and run.reports["screen"].summary.at["01003", "weight_availability"] == 0.75
    # no talent now leaves capital alone in cluster strength (50% < 65%): the aggregate rule, not the screen, says so
    assert run.not_scored_reasons()["01003"].startswith("too little data for ideopolis_index")
    # unchanged weights, or a count screen, keep the screen as it is
    done = len(run.executed)
    run.rerun("weight", balance_weight=0.5)
    assert run.executed[done:] == ["weight", "aggregate", "lens"]
    counted = _toy_run({"01003": ["ba_share", "ba_plus"]}, screen="by_na")
    done = len(counted.executed)
    counted.rerun("weight", balance_weight=0.5)
    assert counted.executed[done:] == ["weight", "aggregate", "lens"]
