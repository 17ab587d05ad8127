from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ideopolis.errors import ConfigError, FrameworkError, MethodError, RegionSetError
from ideopolis.index.framework import flat_framework, framework_from_records
from ideopolis.index.profile import RunConfig, load_profile
from ideopolis.index.run import IndexRun
from ideopolis.index.scoring import score_region_set

from ._synthetic import FakeRegionSet, make_region_set

RESULT_COLUMNS = {
    "talent", "capital", "knowledge_jobs", "cluster_strength", "attraction", "exposure",
    "balance", "ideopolis_index",
}  # fmt: skip


def test_default_run_on_a_region_set(region_set: FakeRegionSet) -> None:
    run = score_region_set(region_set)
    assert set(run.scores.columns) == RESULT_COLUMNS
    assert list(run.datasets) == [
        "raw", "denominated", "imputed", "screened", "treated", "normalised", "aggregated"
    ]  # fmt: skip
    assert [r.step for r in run.log] == [
        "denominate", "impute", "screen", "treat", "normalise", "weight", "aggregate", "lens"
    ]  # fmt: skip
    # patents were divided by population (from the metadata's denominate_by)
    raw, den = run.datasets["raw"], run.datasets["denominated"]
    np.testing.assert_allclose(den["patents"], raw["patents"] / region_set.data["population"])
    idx = run.scores["ideopolis_index"]
    np.testing.assert_allclose(idx, 0.75 * run.scores["cluster_strength"] + 0.25 * run.scores["balance"])
    assert run.ranks["ideopolis_index"].min() == 1
    assert set(run.typology.dropna()) <= {"magnet", "talent_hub", "exporter", "rooted"}
    assert run.effective_weights.loc[["ba_share", "telework_share"], "all"].tolist() == [0.125, 0.125]


def test_rerun_recomputes_only_downstream(region_set: FakeRegionSet) -> None:
    run = score_region_set(region_set)
    treated = run.datasets["treated"]
    before = run.scores.copy()
    n = len(run.executed)
    run.rerun("normalise", method="zscore", m_sd=[50, 10])
    assert run.executed[n:] == ["normalise", "weight", "aggregate", "lens"]
    assert run.datasets["treated"] is treated
    assert not np.allclose(run.scores, before)
    assert run.config.step("normalise").as_dict() == {"method": "zscore", "m_sd": [50, 10]}
    assert run.log[4].method == "zscore"
    n = len(run.executed)
    run.rerun("lens", balance_weight=0.5)
    assert run.executed[n:] == ["weight", "aggregate", "lens"]
    np.testing.assert_allclose(
        run.scores["ideopolis_index"], 0.5 * run.scores["cluster_strength"] + 0.5 * run.scores["balance"]
    )
    n = len(run.executed)
    run.rerun("lens", attraction_threshold=1e9)
    assert run.executed[n:] == ["lens"]
    assert set(run.typology) <= {"exporter", "rooted"}
    with pytest.raises(ConfigError, match="unknown step 'polish'"):
        run.rerun("polish")


def test_save_log_reproduces_the_run(region_set: FakeRegionSet, tmp_path: Path) -> None:
    run = score_region_set(region_set, normalise="prank", impute={"method": "mean"})
    path = run.save_log(tmp_path / "run.toml")
    doc = tomllib.loads(path.read_text())
    assert doc["normalise"]["method"] == "prank" and doc["impute"]["method"] == "mean"
    assert doc["log"]["steps"][0]["step"] == "denominate"
    again = score_region_set(region_set, load_profile(path))
    pd.testing.assert_frame_equal(again.scores, run.scores)
    js = run.save_log(tmp_path / "run.json")
    assert json.loads(js.read_text())["framework"]["nodes"]["talent"]["parent"] == "cluster_strength"


def test_explain_and_find_region(region_set: FakeRegionSet) -> None:
    run = score_region_set(region_set)
    table = run.explain("Region 3 City")
    assert table.index[0] == "ideopolis_index"
    row = table.loc["ba_share"]
    assert row["parent"] == "talent" and row["effective_weight"] == pytest.approx(0.125)
    assert row["score"] == pytest.approx(run.indicator_scores.at["00003", "ba_share"])
    assert row["contribution"] == pytest.approx(0.125 * row["score"])
    assert table.loc["ideopolis_index", "score"] == pytest.approx(run.scores.at["00003", "ideopolis_index"])
    # with complete data and arithmetic means the contributions add up to the index
    assert table["contribution"].sum() == pytest.approx(run.scores.at["00003", "ideopolis_index"])
    assert run.find_region("00007") == "00007"
    assert run.find_region("region 3 city") == "00003"  # case folded
    with pytest.raises(RegionSetError, match=r"'Region 1' matches 11 regions in synthetic: Region 1 City \(00001\)"):
        run.find_region("Region 1")
    with pytest.raises(RegionSetError, match="no region 'Atlantis' in synthetic"):
        run.find_region("Atlantis")


def test_strengths_weaknesses(region_set: FakeRegionSet) -> None:
    run = score_region_set(region_set)
    sw = run.strengths_weaknesses("00003", n=3)
    assert list(sw["kind"]) == ["strength"] * 3 + ["weakness"] * 3
    ranks = run.indicator_ranks.loc["00003"]
    assert sw["rank"].iloc[0] == ranks.min()
    assert sw["rank"].iloc[3] == ranks.max()


def test_flat_framework_for_data_without_pillars() -> None:
    rs = make_region_set(pillars={"x": (None, 1), "y": (None, -1)})
    run = score_region_set(rs)
    assert list(run.scores.columns) == ["ideopolis_index"]
    assert run.typology is None and run.lens is None
    assert "population" in run.framework  # flat over every declared column


def test_missing_lens_side_is_said_not_crashed() -> None:
    pillars = {"a": ("talent", 1), "b": ("capital", 1), "m": ("import_people", 1)}
    run = score_region_set(make_region_set(pillars=pillars))
    assert "balance" not in run.scores.columns and run.typology is None
    assert any("no export_jobs indicators" in n for n in run.notes)
    assert run.log[-1].summary["lens"].startswith("off")
    np.testing.assert_allclose(run.scores["ideopolis_index"], run.scores["cluster_strength"])


def test_screening_drops_regions_and_reports_them() -> None:
    rs = make_region_set()
    rs.data.loc[["00001", "00002"], ["ba_share", "grad_share", "income_pc", "ki_share"]] = np.nan
    run = score_region_set(rs, screen={"method": "by_na", "threshold": 0.9})
    assert run.dropped == ["00001", "00002"]
    assert "00001" not in run.scores.index
    with pytest.raises(RegionSetError, match="was dropped by screening"):
        run.find_region("00001")


def test_bad_input_errors() -> None:
    data = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [np.nan] * 3, "c": ["x", "y", "z"]})
    with pytest.raises(FrameworkError, match="indicator 'q' of the framework is not a column"):
        IndexRun(data, flat_framework(["a", "q"]))
    with pytest.raises(MethodError, match="indicator 'b' has no data in any region at the raw step"):
        IndexRun(data, flat_framework(["a", "b"]))
    with pytest.raises(MethodError, match="indicator 'c' is not numeric"):
        IndexRun(data, flat_framework(["a", "c"]))
    const = pd.DataFrame({"a": [1.0, 2.0, 3.0], "k": [5.0, 5.0, 5.0]})
    with pytest.raises(MethodError, match="'k' has zero variance"):
        IndexRun(const, flat_framework(["a", "k"])).run()
    with pytest.raises(ConfigError, match="unknown run option 'colour'"):
        score_region_set(make_region_set(), colour="red")


def test_geometric_over_zero_is_a_clear_error(region_set: FakeRegionSet) -> None:
    with pytest.raises(MethodError, match="geometric mean over values <= 0 in 'talent'"):
        score_region_set(region_set, aggregate="geometric")
    ok = score_region_set(region_set, aggregate="geometric", normalise={"method": "minmax", "l_u": [1, 100]})
    assert ok.log[6].summary["methods"]["talent"] == "geometric"


def test_peer_group_weights_through_the_run(region_set: FakeRegionSet) -> None:
    run = score_region_set(
        region_set,
        weights={"method": "peer_group", "group": "state", "weights": {"AA": {"talent": 3}}},
    )
    eff = run.effective_weights
    assert eff.at["talent", "AA"] == pytest.approx(0.75 * 3 / 5)
    assert eff.at["talent", "other"] == pytest.approx(0.25)
    table = run.explain("00000")  # state AA
    assert table.loc["talent", "weight"] == 3


def _toy_run(values: np.ndarray) -> IndexRun:
    fw = framework_from_records(
        [
            {"code": "idx"},
            {"code": "p", "parent": "idx"},
            {"code": "q", "parent": "idx", "weight": 2},
            {"code": "x", "parent": "p"},
            {"code": "y", "parent": "p", "direction": -1},
            {"code": "z", "parent": "q"},
        ]
    )
    df = pd.DataFrame(values, columns=["x", "y", "z"], index=[f"r{i}" for i in range(len(values))])
    cfg = RunConfig().with_step("treat", "none")
    return IndexRun(df, fw, config=cfg).run()


@st.composite
def matrix(draw: st.DrawFn) -> list[tuple[float, float, float]]:
    """4-12 regions x 3 indicators in [0, 1000], each indicator with a spread of at least 1 (by construction,
    so no example is thrown away: a constant indicator is an error the index reports, tested elsewhere)."""
    n = draw(st.integers(4, 12))
    columns = []
    for _ in range(3):
        low = draw(st.floats(0, 900))
        gap = draw(st.floats(1, 1000 - low))
        inner = draw(st.lists(st.floats(0, 1), min_size=n - 2, max_size=n - 2))
        column = [low, low + gap, *(low + gap * u for u in inner)]
        columns.append(draw(st.permutations(column)))
    return list(zip(*columns, strict=True))


@settings(max_examples=60, deadline=None)
@given(rows=matrix(), who=st.integers(0, 11), bump=st.floats(0.1, 500))
def test_raising_a_positive_indicator_never_lowers_the_score(
    rows: list[tuple[float, float, float]], who: int, bump: float
) -> None:
    values = np.array(rows)
    who = who % len(values)
    before = _toy_run(values).scores["idx"].iloc[who]
    raised = values.copy()
    raised[who, 0] += bump  # x has direction +1
    after = _toy_run(raised).scores["idx"].iloc[who]
    assert after >= before - 1e-9


@settings(max_examples=40, deadline=None)
@given(rows=matrix(), seed=st.integers(0, 2**16))
def test_permuting_regions_permutes_results(rows: list[tuple[float, float, float]], seed: int) -> None:
    values = np.array(rows)
    run = _toy_run(values)
    perm = np.random.default_rng(seed).permutation(len(values))
    fw = run.framework
    df = pd.DataFrame(values, columns=["x", "y", "z"], index=[f"r{i}" for i in range(len(values))])
    other = IndexRun(df.iloc[perm], fw, config=run.config).run()
    pd.testing.assert_frame_equal(other.scores.loc[run.scores.index], run.scores)
    pd.testing.assert_frame_equal(other.ranks.loc[run.ranks.index], run.ranks)


def test_weights_summing_to_zero_name_the_aggregate(region_set: FakeRegionSet) -> None:
    with pytest.raises(MethodError, match=r"weights of the children of 'talent' \(ba_share, grad_share\) sum to zero"):
        score_region_set(region_set, weights={"method": "manual", "weights": {"ba_share": 0, "grad_share": 0}})
    with pytest.raises(FrameworkError, match="weight given for 'no_such_indicator'"):
        score_region_set(region_set, weights={"method": "manual", "weights": {"no_such_indicator": 2}})


def test_profile_with_an_inline_framework(region_set: FakeRegionSet, tmp_path: Path) -> None:
    prof = tmp_path / "run.toml"
    prof.write_text(
        "[framework.nodes.idx]\ntype = 'aggregate'\n"
        "[framework.nodes.ba_share]\nparent = 'idx'\nweight = 3\n"
        "[framework.nodes.income_pc]\nparent = 'idx'\n"
        "[aggregate]\nmethod = 'geometric'\n[normalise]\nmethod = 'minmax'\nl_u = [1, 100]\n"
    )
    run = score_region_set(region_set, prof)
    assert list(run.scores.columns) == ["idx"]
    n = run.indicator_scores
    expected = np.exp((3 * np.log(n["ba_share"]) + np.log(n["income_pc"])) / 4)
    np.testing.assert_allclose(run.scores["idx"], expected)


def test_aggregation_threshold_through_the_run() -> None:
    rs = make_region_set()
    rs.data.loc["00004", "ba_share"] = np.nan
    run = score_region_set(rs, aggregate={"method": "arithmetic", "threshold_by_node": {"talent": 1.0}})
    assert np.isnan(run.scores.at["00004", "talent"])
    assert not np.isnan(run.scores.at["00004", "cluster_strength"])  # mean over the available pillars
    assert not np.isnan(run.scores.at["00005", "talent"])


def test_notes_are_not_repeated_by_reruns() -> None:
    rs = make_region_set()
    rs.data.loc["00002", "population"] = 0.0  # patents per person undefined there
    run = score_region_set(rs)
    assert sum("denominator 'population'" in n for n in run.notes) == 1
    run.rerun("denominate")
    run.rerun("treat", method="none")
    assert sum("denominator 'population'" in n for n in run.notes) == 1
