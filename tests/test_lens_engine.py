"""Issue 11 on the bundled sets: every region in every output, exposure measures with their range, honest ranks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import ideopolis as ideo
from ideopolis.cli import app
from ideopolis.index.facts import EXPOSURE_PERCENTILES, EXPOSURE_RANGE, LENS_DATA


@pytest.fixture(scope="module")
def metros() -> ideo.Run:
    return ideo.score("us-metros")


@pytest.fixture(scope="module")
def counties() -> ideo.Run:
    return ideo.score("us-counties")


def test_score_out_has_every_cbsa_and_cleveland_is_scored(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "metros.csv"
    result = runner.invoke(app, ["score", "--regions", "us-metros", "--out", str(out), "-n", "1"])
    assert result.exit_code == 0, result.stderr
    table = pd.read_csv(out, dtype={"id": str}, keep_default_na=False, na_values=[""]).set_index("id")
    assert len(table) == 935 and table.index.is_unique
    assert table.at["17410", "name"] == "Cleveland, OH" and table.at["17410", "ideopolis_index"] > 0
    assert pd.isna(table.at["17410", "not_scored_reason"])  # an empty reason: it is scored
    # every region has an index score or the reason it has none, never both, never neither
    has_score = table["ideopolis_index"].notna()
    has_reason = table["not_scored_reason"].notna()
    assert (has_score ^ has_reason).all()
    assert table.loc[~has_score, "not_scored_reason"].str.startswith("screened out").all()
    assert "wrote" in result.stderr and "(935 regions, 925 with an index score)" in result.stderr


def test_hotspots_out_keeps_every_cbsa_with_the_reason(metros: ideo.Run, tmp_path: Path) -> None:
    out = tmp_path / "hot.csv"
    args = ["hotspots", "--regions", "us-metros", "--permutations", "9", "--top", "0", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    table = pd.read_csv(out, dtype={"id": str}, keep_default_na=False, na_values=[""]).set_index("id")
    assert len(table) == 935
    reasons = metros.table()["not_scored_reason"]
    gone = reasons.index[reasons != ""]
    assert len(gone) == 10 and (table.loc[gone, "cls"] == "No data").all()
    assert table.loc[gone, "not_scored_reason"].tolist() == reasons[gone].tolist()
    assert table["not_scored_reason"].isna().sum() == 925  # an empty reason: it is scored


def test_explain_san_jose_shows_every_exposure_measure_with_its_range(metros: ideo.Run) -> None:
    result = CliRunner().invoke(app, ["score", "--regions", "us-metros", "--explain", "San Jose"])
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    exposure = ideo.load_regions("us-metros").data.loc["41940"]
    table = metros.table().loc["41940"]
    measures = ["teleworkable_share", "aioe_mean", "lm_aioe_mean", "gpt_exposure_mean", "ai_applicability_mean"]
    lines = {line.split()[0]: line for line in text.splitlines() if line.split() and line.split()[0] in measures}
    assert set(lines) == set(measures)
    for m in measures:
        pct = table[f"{m}_pct"]
        assert f"{exposure[m]:.2f}" in lines[m] and f"{pct:.2f}" in lines[m] and " 935 " in lines[m]
    lo, hi = table["exposure_pct_min"], table["exposure_pct_max"]
    assert f"range across the 5 measures: percentile {lo:.1f} to {hi:.1f}" in text
    assert lo == min(table[f"{m}_pct"] for m in measures) and hi == max(table[f"{m}_pct"] for m in measures)
    assert "lens data: route oews_metro (OEWS's published metro occupation mix), area 0041940, occ_coverage" in text
    assert "anchored_share: 35.4% (percentile 2.9): share of private jobs that are in-person" in text
    assert "scored on: all 5 pillars (talent, capital, knowledge_jobs, attraction, exposure)" in text
    # the card's rows: the range, then every measure's percentile in one line, the route in words
    facts = metros.region_facts().loc["41940"]
    assert facts[EXPOSURE_RANGE] == f"{lo:.1f} to {hi:.1f}"
    label = f"{EXPOSURE_PERCENTILES} (teleworkable share \u00b7 AIOE \u00b7 LM-AIOE \u00b7 GPT exposure \u00b7 AI applicability score)"
    assert facts[label] == " \u00b7 ".join(f"{table[f'{m}_pct']:.1f}" for m in measures)
    assert facts[LENS_DATA] == (
        f"OEWS's published metro occupation mix (area 0041940); {100 * table['occ_coverage']:.0f}% of its jobs in "
        "published occupations"
    )


def test_des_moines_contributions_add_up_to_its_index(metros: ideo.Run) -> None:
    e = metros.explain("Des Moines")
    t = e.table
    assert np.isnan(t.at["gdp_knowledge_share", "score"])
    assert t["contribution"].sum() == pytest.approx(e.score, rel=1e-12)
    # the missing indicator's 0.05 of the index is shared by the four others of knowledge_jobs: 0.0625 each
    assert t.loc["knowledge_emp_share":"n_strong_traded_clusters", "effective_weight"].tolist() == [0.0625] * 4
    assert "gdp_knowledge_share has no score; the other 4 parts of knowledge_jobs share its 20% of the weight" in str(e)


def test_ranks_compare_like_with_like_on_the_metros(metros: ideo.Run) -> None:
    table = metros.table()
    ranked = table["rank_ideopolis_index"].notna()
    complete = table["scored_on"] == "talent, capital, knowledge_jobs, attraction, exposure"
    assert (ranked == complete).all()
    assert sorted(table.loc[ranked, "rank_ideopolis_index"].astype(int)) == list(range(1, int(ranked.sum()) + 1))
    partial = table["ideopolis_index"].notna() & ~complete
    assert partial.sum() > 0 and (table.loc[partial, "not_ranked_reason"].str.contains("no knowledge_jobs")).all()
    # a ranked region outscores every region ranked below it
    order = table.loc[ranked].sort_values("rank_ideopolis_index")["ideopolis_index"]
    assert order.is_monotonic_decreasing
    # Los Alamos has the second-highest score but no knowledge-jobs pillar: not in the ranking
    assert table.at["31060", "not_ranked_reason"].startswith("scored on 4 of 5 pillars (no knowledge_jobs)")
    assert "31060" not in metros.top(10).index


def test_every_scored_county_has_a_balance_and_a_typology(counties: ideo.Run) -> None:
    table = counties.table()
    assert len(table) == 3231
    scored = table["not_scored_reason"] == ""
    assert table.loc[scored, "balance"].notna().all() and table.loc[scored, "typology"].notna().all()
    assert table.loc[scored, "exposure_measures"].eq(5).all()
    # Puerto Rico: exposure through the enclosing area, but no migration data -> screened out with the reason
    assert table.at["72001", "lens_route"] == "enclosing_area" and table.at["72001", "not_scored_reason"] != ""
    assert set(table.loc[table["lens_route"] == "none", "not_scored_reason"].str[:12]) == {"screened out"}
    facts = counties.region_facts()
    assert facts.at["60010", LENS_DATA] == "none: no exposure data for this region"


def test_loving_county_would_collapse_gdp_per_capita() -> None:
    """The data fix of issue 11, undone: GDP / population for every county flattens the indicator (99.1%)."""
    rs = ideo.load_regions("us-counties")
    rs.data["gdp_per_capita"] = rs.data["gdp_2021_k"] * 1000 / rs.data["bea_pop_2021"]
    assert rs.data.at["48301", "gdp_per_capita"] == pytest.approx(102_658_070, rel=1e-6)  # Loving County, TX
    run = ideo.score(rs)
    assert run.index.log[4].summary["collapsed"] == {"gdp_per_capita": "0.991 in the bottom 5%"}
    assert any(
        n.startswith("indicator 'gdp_per_capita' collapses after normalisation: 99.1% of regions") for n in run.notes
    )
    # the bundled data (tiny counties left out) does not collapse
    assert "collapsed" not in ideo.score("us-counties").index.log[4].summary


def test_eu_regions_without_lens_data_say_so() -> None:
    run = ideo.score("eu-nuts2")
    table, facts = run.table(), run.region_facts()
    none = table.index[table["lens_route"] == "none"]
    assert len(none) == 76 and table.loc[none, "exposure_measures"].eq(0).all()
    assert facts.loc[none, LENS_DATA].eq("none: no exposure data for this region").all()
    assert facts.loc["DE21", LENS_DATA] == "4 NACE sector groups \u00d7 US staffing pattern (an approximation)"
    # without lens data a region is either screened out (less than 2/3 of the index weight) or scored on cluster
    # strength alone and not ranked, saying so
    screened = table.loc[none, "not_scored_reason"].str.startswith("screened out")
    assert screened.sum() == 38
    scored = none[~screened.to_numpy()]
    assert table.loc[scored, "ideopolis_index"].notna().all()
    assert table.loc[scored, "not_ranked_reason"].str.contains("no .*attraction, exposure").all()
    assert len(table) == 334


def test_readme_explain_example_is_what_the_command_prints() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("San Jose-Sunnyvale-Santa Clara, CA (41940)\n", 1)[1].split("```", 1)[0]
    result = CliRunner().invoke(app, ["score", "--regions", "us-metros", "--explain", "San Jose"])
    assert result.exit_code == 0, result.stderr
    printed = result.stdout.splitlines()
    shown = [line for line in block.splitlines() if line and line != "..."]
    assert len(shown) > 10
    for line in shown:
        if line.endswith("..."):  # abridged
            assert any(p.startswith(line[:-3]) for p in printed), line
        else:
            assert line in printed, line
