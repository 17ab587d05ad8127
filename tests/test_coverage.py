"""Data availability at every level: the 65% rule, what a score rests on, ranks of partial regions, used weights.

Hand-computed on the toy set (tests/data/toy) with three regions made incomplete. With ``treat="none"`` every
normalised value is ``(x - min) / (max - min) x 100`` and the bounds do not move when the cells below are blanked:

=======  ========  =========  =============  ========  ==============
region   ba_share  income_pc  median_income  mig_rate  telework_share
=======  ========  =========  =============  ========  ==============
01001    (blank)   14.2857    20             33.3333   (blank)
01003    66.6667   42.8571    40             (blank)   66.6667
01005    0         14.2857    (blank)        50        0
02001    100       71.4286    80             100       100
02003    0         0          0              0         0
02005    100       100        100            100       100
=======  ========  =========  =============  ========  ==============

- 01001 has 3 of 5 indicators carrying 50% of the index's effective weight (< 2/3): screened out;
- 01003 has no attraction, so no balance (exposure alone is 50% of it, < 65%); its index rests on cluster
  strength, which carries 0.75 of the index's weight (>= 65%): index = cluster strength = (66.6667 + (42.8571 + 40)
  / 2) / 2 = 54.0476, on 2 of 4 pillars (talent, capital), so it is not ranked;
- 01005 has half of capital (50% < 65%): no capital, so cluster strength rests on talent alone (50% < 65%) and
  the index on the balance alone (25% < 65%): no index score;
- the complete regions: 02005 = 0.75 x 100 + 0.25 x 50 = 87.5; 02001 = 0.75 x (100 + 75.7143) / 2 + 0.25 x 50
  = 78.3929; 02003 = 0.25 x 50 = 12.5; ranked 1, 2, 3.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ideopolis as ideo
from ideopolis.errors import ConfigError, IdeopolisError, RegionSetError
from ideopolis.index.coverage import nominal_shares, units
from ideopolis.index.framework import framework_from_records
from ideopolis.index.profile import RunConfig, load_profile
from ideopolis.index.scoring import score_region_set
from ideopolis.index.steps.aggregate import reflected

from ._synthetic import make_region_set

BLANK = {
    "01001": ["ba_plus", "ba_share", "telework_jobs", "telework_share"],
    "01003": ["net_migration", "mig_rate"],
    "01005": ["median_income"],
}


@pytest.fixture
def gappy_toy(toy_dir: Path) -> Path:
    """The toy set with the cells of :data:`BLANK` left empty."""
    path = toy_dir / "indicators.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    for rid, cols in BLANK.items():
        table.loc[table["GEOID"] == rid, cols] = ""
    table.to_csv(path, index=False)
    return toy_dir


def test_availability_rule_scores_and_ranks_by_hand(gappy_toy: Path) -> None:
    run = ideo.score(str(gappy_toy), treat="none")
    scores, ranks = run.scores, run.ranks
    assert run.dropped == ["01001"]
    assert np.isnan(scores.at["01003", "balance"]) and np.isnan(scores.at["01005", "capital"])
    assert np.isnan(scores.at["01005", "cluster_strength"]) and np.isnan(scores.at["01005", "ideopolis_index"])
    expected = {"01003": (66.6667 + (42.8571 + 40) / 2) / 2, "02001": 0.75 * (100 + 75.7143) / 2 + 12.5}
    expected |= {"02003": 12.5, "02005": 87.5}
    for rid, value in expected.items():
        assert scores.at[rid, "ideopolis_index"] == pytest.approx(value, abs=1e-4)
    # complete regions are ranked among themselves; the partial one keeps its score and has no rank
    assert ranks["ideopolis_index"].dropna().to_dict() == {"02001": 2, "02003": 3, "02005": 1}
    assert pd.isna(ranks.at["01003", "ideopolis_index"]) and pd.isna(ranks.at["01003", "balance"])
    # its cluster strength rests on every cluster pillar: ranked (54.05 after 100 and 87.86)
    assert ranks.at["01003", "cluster_strength"] == 3
    # ... but its pillars are ranked like anyone's: talent 66.67 is second to the two 100s
    assert ranks.at["01003", "talent"] == 3
    cov = run.index.coverage
    assert cov.needed["ideopolis_index"] == ["talent", "capital", "attraction", "exposure"]
    assert cov.scored_on("ideopolis_index")["01003"] == ("talent", "capital")  # exposure has a score, unused
    assert cov.scored_on("exposure")["01003"] == ("exposure",) and cov.missing("ideopolis_index", "01003") == [
        "attraction",
        "exposure",
    ]
    assert cov.availability.at["01005", "capital"] == 0.5 and cov.availability.at["01005", "ideopolis_index"] == 0.25
    assert any("1 region(s) have an index score on fewer pillars" in n for n in run.notes)
    # rank_partial ranks every score together (COINr's way), the pillars still named
    together = ideo.score(str(gappy_toy), treat="none", aggregate={"rank_partial": True})
    assert together.ranks["ideopolis_index"].dropna().to_dict() == {"01003": 3, "02001": 2, "02003": 4, "02005": 1}
    assert together.table().at["01003", "scored_on"] == "talent, capital"


def test_every_region_stays_in_the_table_with_the_reason(gappy_toy: Path, tmp_path: Path) -> None:
    run = ideo.score(str(gappy_toy), treat="none")
    table = run.table()
    assert list(table.index) == ["01001", "01003", "01005", "02001", "02003", "02005"]
    assert table.at["01001", "name"] == "Alder"  # a screened-out region keeps its name
    assert table.at["01001", "not_scored_reason"] == (
        # ba_share (0.375 of the index weight) and telework_share (0.125) are blank: 1 - 0.5 = 50% left
        "screened out: data for 50% of the index weight (3 of 5 indicators), below the screen threshold (67%)"
    )
    assert table.at["01005", "not_scored_reason"] == (
        "too little data for ideopolis_index: the parts with a score carry 25% of its weight, below the "
        "aggregation threshold (65%) (no capital)"
    )
    assert table.at["01003", "not_scored_reason"] == "" and table.at["02001", "not_scored_reason"] == ""
    assert table.at["01005", "not_ranked_reason"] == "" and table.at["02005", "not_ranked_reason"] == ""
    assert table.at["01003", "not_ranked_reason"] == (
        "scored on 2 of 4 pillars (no attraction, exposure); ranked only among regions scored on all 4"
    )
    assert table.at["02005", "scored_on"] == "talent, capital, attraction, exposure"
    assert table.at["01001", "scored_on"] == "" and np.isnan(table.at["01001", "ideopolis_index"])
    # the exposure measure and its percentile are there for every region with a value, screened or not
    assert table.at["01003", "telework_share_pct"] == pytest.approx(100 * 3 / 5)  # 0.2 0.2 0.2 <= 0.4 < 0.5 0.5
    assert np.isnan(table.at["01001", "telework_share_pct"])
    out = run.to_file(tmp_path / "scores.csv")
    written = pd.read_csv(out, dtype={"id": str}).set_index("id")
    assert len(written) == 6 and written.at["01001", "not_scored_reason"].startswith("screened out")
    facts = run.region_facts()
    assert facts.at["01001", "Not scored"].startswith("screened out") and facts.at["01001", "Scored on"] == ""
    assert facts.at["01003", "Scored on"] == (
        "2 of 4 pillars, no Attraction (import people), Exposure (export jobs) (not ranked)"
    )
    assert facts.at["02005", "Scored on"] == "all 4 pillars"
    assert list(facts.index) == list(table.index)
    dropped = r"'01001' of .* was dropped by screening \(data for 50% of the index weight \(3 of 5 indicators"
    with pytest.raises(RegionSetError, match=dropped):
        run.explain("01001")
    # a region that passed screening but has no index says why where explain names the pillars
    lines = str(run.explain("01005")).splitlines()
    assert lines[2:4] == [
        "ideopolis_index: no score  no rank",
        f"not scored: {table.at['01005', 'not_scored_reason']}",
    ]


def test_contributions_add_up_and_renormalisation_is_shown(gappy_toy: Path) -> None:
    run = ideo.score(str(gappy_toy), treat="none")
    e = run.explain("01003")
    t = e.table
    # the balance has no score: cluster strength carries the whole index, talent and capital half each
    assert t.at["cluster_strength", "effective_weight"] == 1.0 and t.at["balance", "effective_weight"] == 0.0
    assert t.at["ba_share", "effective_weight"] == 0.5 and t.at["median_income", "effective_weight"] == 0.25
    assert t.at["ba_share", "framework_effective_weight"] == 0.375
    assert t.at["telework_share", "contribution"] == 0.0
    assert t.at["telework_share", "status"] == "not used: balance has no score" == t.at["exposure", "status"]
    by_hand = 0.5 * 66.6667 + 0.25 * 42.8571 + 0.25 * 40
    assert t["contribution"].sum() == pytest.approx(by_hand, abs=1e-4)
    assert t["contribution"].sum() == pytest.approx(e.score, rel=1e-12)
    text = str(e)
    assert "not ranked: scored on 2 of 4 pillars (no attraction, exposure)" in text
    assert "mig_rate has no score; the other part of attraction" not in text  # attraction has no score at all
    assert "attraction has no score; the other part of balance" not in text  # balance has no score either
    assert (
        "balance has no score; the other part of ideopolis_index carries its 25% of the weight (weights x1.33)" in text
    )
    assert "the contributions add up to the index: 54.05" in text
    assert e.rank is None and e.scored_on == ("talent", "capital")
    # a complete region: the ranked count names what it is ranked among
    assert "rank 1 of 3 (the regions scored on all 4 pillars)" in str(run.explain("02005"))


def test_contributions_are_not_claimed_under_a_geometric_mean(gappy_toy: Path) -> None:
    run = ideo.score(
        str(gappy_toy), treat="none", normalise={"method": "minmax", "l_u": [1, 100]}, aggregate="geometric"
    )
    e = run.explain("02001")
    assert e.table["contribution"].isna().all()
    assert "contributions: not additive under this aggregation" in str(e)
    # a new aggregation method keeps the availability rule (it is not the method's parameter)
    assert run.config.step("aggregate").params["threshold"] == 0.65


@settings(max_examples=30, deadline=None)
@given(holes=st.lists(st.tuples(st.integers(0, 39), st.integers(0, 8)), max_size=60), seed=st.integers(0, 3))
def test_used_weights_reproduce_every_index_exactly(holes: list[tuple[int, int]], seed: int) -> None:
    rs = make_region_set(seed=seed)
    cols = list(rs.data.columns[:9])
    for r, c in holes:
        rs.data.iat[r, rs.data.columns.get_loc(cols[c])] = np.nan
    try:
        run = score_region_set(rs, treat="none")
    except Exception:  # too few values left for an indicator (zero variance): not this test's subject
        return
    _, used = run.used_weights()
    normed = run.indicator_scores
    lo, hi = run.reports["normalise"].bounds
    fw = run.framework
    total = pd.Series(0.0, index=normed.index)
    for ind in fw.indicators:
        flips = sum(reflected(fw, a) for a in fw.ancestors(ind)) % 2
        enters = (lo + hi - normed[ind]) if flips else normed[ind]
        total += (used[ind] * enters.fillna(0.0)).where(used[ind] > 0, 0.0)
    index = run.scores[fw.root]
    have = index.notna()
    np.testing.assert_allclose(total[have], index[have], rtol=1e-12, atol=1e-9)
    # effective weights of the indicators sum to 1 wherever the index has a score, 0 elsewhere
    np.testing.assert_allclose(used[fw.indicators].sum(axis=1), have.astype(float), atol=1e-12)
    # the pillars a score rests on are exactly those that carry weight in it (two independent computations)
    on = run.coverage.scored_on(fw.root)
    pillars = run.coverage.needed[fw.root]
    for rid in index.index:
        assert set(on[rid]) == {p for p in pillars if used.at[rid, p] > 0}


def test_units_and_nominal_shares_by_hand() -> None:
    fw = framework_from_records(
        [
            {"code": "i"},
            {"code": "s", "parent": "i", "weight": 3},
            {"code": "p", "parent": "s"},
            {"code": "q", "parent": "s", "weight": 0},
            {"code": "x", "parent": "i"},  # an indicator straight under the index counts as its own unit
            {"code": "a", "parent": "p"},
            {"code": "b", "parent": "q"},
        ]
    )
    assert units(fw, "i") == ["p", "q", "x"] and units(fw, "s") == ["p", "q"] and units(fw, "p") == ["p"]
    shares = nominal_shares(fw, fw.weights, pd.Index(["r"]))
    assert shares.loc["r", ["i", "s", "x", "p", "q"]].tolist() == [1.0, 0.75, 0.25, 1.0, 0.0]
    # q weighs 0: a region without q is still complete
    data = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [np.nan, 1.0, 2.0], "x": [1.0, 3.0, 2.0]}, index=["r1", "r2", "r3"])
    from ideopolis.index.run import IndexRun

    run = IndexRun(data, fw, config=RunConfig().with_options(treat="none")).run()
    assert run.coverage.complete.loc["r1", "i"] and run.ranks.at["r1", "i"] >= 1


def test_rank_partial_and_availability_options_are_checked(tmp_path: Path) -> None:
    rs = make_region_set()
    with pytest.raises(ConfigError, match=r"\[aggregate\] rank_partial is 'yes'; use true"):
        score_region_set(rs, aggregate={"rank_partial": "yes"})
    from ideopolis.errors import MethodError

    with pytest.raises(MethodError, match="aggregate availability 'votes' is unknown"):
        score_region_set(rs, aggregate={"availability": "votes"})
    profile = tmp_path / "p.toml"
    profile.write_text('[aggregate]\nmethod = "arithmetic"\nthreshold = 0.9\navailability = "count"\n')
    cfg = load_profile(profile)
    assert cfg.step("aggregate").params == {"threshold": 0.9, "availability": "count"}
    assert RunConfig().step("aggregate").params == {"threshold": 0.65}


def test_every_reason_a_region_has_no_score(gappy_toy: Path) -> None:
    run = ideo.score(str(gappy_toy), treat="none", screen={"method": "by_na", "force_exclude": ["02003"]})
    reasons = run.table()["not_scored_reason"]
    assert reasons["02003"] == "screened out: excluded by force_exclude"
    zeros = ideo.score(str(gappy_toy), treat="none", screen={"method": "by_zeros", "nonzero_threshold": 0.9})
    # 02003's normalised values are all 0, but screening reads the raw values: 0 zeros of 5 -> kept
    assert zeros.dropped == []
    counted = ideo.score(str(gappy_toy), treat="none", aggregate={"availability": "count"})
    assert counted.table().at["01005", "not_scored_reason"] == (
        "too little data for ideopolis_index: 50% of its parts have a score, below the aggregation threshold (65%) "
        "(no capital)"
    )
    off = ideo.score(str(gappy_toy), treat="none", aggregate={"threshold": 0})
    # threshold 0: capital = income_pc alone (14.2857), cluster strength = (0 + 14.2857) / 2, balance = (50 + 100) / 2
    assert off.scores.at["01005", "ideopolis_index"] == pytest.approx(0.75 * 14.2857 / 2 + 0.25 * 75, abs=1e-4)


def test_ranks_are_computed_once_and_follow_a_rerun(gappy_toy: Path) -> None:
    index = ideo.score(str(gappy_toy), treat="none").index
    first = index.ranks  # ranked
    expected = first.copy()
    first.iloc[:, :] = 999  # a caller's change to the table it got ...
    again = index.ranks  # from the cache
    again.iloc[:, :] = 998
    pd.testing.assert_frame_equal(index.ranks, expected)  # ... does not reach the cached ranks
    # a re-run of the aggregation ranks the new scores: rank_partial ranks the partial region too
    assert pd.isna(index.ranks.at["01003", "ideopolis_index"])
    index.rerun("aggregate", rank_partial=True)
    assert index.ranks.at["01003", "ideopolis_index"] == 3
    index.rerun("normalise", method="rank")
    pd.testing.assert_frame_equal(
        index.ranks, index.scores.rank(ascending=False, method="min").astype("Int64"), check_dtype=False
    )


def test_ranks_and_coverage_go_with_a_failed_re_aggregation(gappy_toy: Path) -> None:
    # found in review: a re-run that fails inside the aggregation left the last ranks cached
    index = ideo.score(str(gappy_toy), treat="none").index
    assert index.ranks.notna().any().any() and index.coverage is not None
    with pytest.raises(IdeopolisError):
        index.rerun("aggregate", threshold=7.0)
    for stale in ("scores", "ranks", "coverage"):
        with pytest.raises(ConfigError, match=r"no aggregated dataset|no 'aggregated' dataset"):
            getattr(index, stale)
