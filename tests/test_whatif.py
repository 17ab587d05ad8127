"""What-if and "what would move us": new ranks computed by hand on the toy set, minimal changes, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import ideopolis as ideo
from ideopolis.cli import app
from ideopolis.decide.whatif import parse_settings
from ideopolis.errors import ConfigError, IdeopolisError

TOY = Path(__file__).resolve().parent / "data" / "toy"
RAW = pd.read_csv(TOY / "indicators.csv", dtype={"GEOID": str}).set_index("GEOID")


def minmax(values: pd.Series) -> pd.Series:
    return (values - values.min()) / (values.max() - values.min()) * 100


def toy_index(raw: pd.DataFrame) -> pd.Series:
    """The toy's default index by hand: min-max to 0-100; talent = ba_share; capital = mean(income_pc,
    median_income); cluster strength = mean(talent, capital); balance = mean(mig_rate, 100 - telework_share);
    index = 0.75 cluster strength + 0.25 balance (no outlier is treated on six regions)."""
    talent = minmax(raw["ba_share"])
    capital = (minmax(raw["income_pc"]) + minmax(raw["median_income"])) / 2
    balance = (minmax(raw["mig_rate"]) + 100 - minmax(raw["telework_share"])) / 2
    return 0.75 * (talent + capital) / 2 + 0.25 * balance


def ranks_of(index: pd.Series) -> pd.Series:
    return index.rank(ascending=False, method="min").astype(int)


@pytest.fixture(scope="module")
def run() -> ideo.Run:
    return ideo.score(str(TOY))


def test_the_hand_formula_is_the_toy_run(run: ideo.Run) -> None:
    np.testing.assert_allclose(run.scores["ideopolis_index"], toy_index(RAW))


def test_whatif_within_the_bounds_by_hand(run: ideo.Run) -> None:
    changed = RAW.copy()
    changed.loc["01001", "ba_share"] = 0.45
    expected = toy_index(changed)
    # by hand: talent (0.45 - 0.2) / 0.3 * 100 = 83.33; capital 17.14; balance 66.67 -> index 54.35: 3rd
    assert expected["01001"] == pytest.approx(0.75 * (250 / 3 + (100 / 7 + 20) / 2) / 2 + 0.25 * (200 / 3))
    result = run.whatif("01001", ba_share=0.45)
    assert result.rank_before == 5 and result.rank_after == 3 == ranks_of(expected)["01001"]
    assert result.scores.loc["ideopolis_index", "after"] == pytest.approx(expected["01001"])
    assert result.scores.loc["talent", "after"] == pytest.approx(250 / 3)
    assert result.scores.loc["capital", "change"] == 0
    assert not result.bounds_moved and result.others_rescored == 0
    assert result.bounds_note() == "normalisation bounds did not move: no other region's scores changed"
    np.testing.assert_allclose(result.new.scores["ideopolis_index"], expected)
    assert run.scores.loc["01001", "ideopolis_index"] == pytest.approx(toy_index(RAW)["01001"])  # unchanged run


def test_whatif_beyond_the_maximum_moves_the_bounds(run: ideo.Run) -> None:
    changed = RAW.copy()
    changed.loc["01001", "ba_share"] = 0.6
    expected = toy_index(changed)
    result = run.whatif("Alder", {"ba_share": 0.6})
    np.testing.assert_allclose(result.new.scores["ideopolis_index"], expected)
    assert result.rank_after == ranks_of(expected)["01001"] == 3
    row = result.bounds.loc["ba_share"]
    assert (row["min_before"], row["max_before"], row["min_after"], row["max_after"]) == (0.2, 0.5, 0.2, 0.6)
    assert row["moved"] and row["others_changed"] and result.bounds_moved
    # 01003 (0.4) and the two regions at the old maximum (0.5) are rescaled; the two at the minimum are not
    before = toy_index(RAW).drop("01001")
    assert result.others_rescored == int((~np.isclose(before, expected.drop("01001"))).sum()) == 3
    assert result.bounds_note().startswith("normalisation bounds moved: ba_share [0.2, 0.5] -> [0.2, 0.6]")


def test_what_would_move_by_hand(run: ideo.Run) -> None:
    index = toy_index(RAW)
    # 01001 is 5th; to gain two places it must reach the score of the 3rd (01003): ties share the rank
    needed_index = index["01003"]
    # index = 0.75 (t + capital) / 2 + 0.25 balance, with t the normalised ba_share
    capital = (minmax(RAW["income_pc"]) + minmax(RAW["median_income"]))["01001"] / 2
    balance = (minmax(RAW["mig_rate"]) + 100 - minmax(RAW["telework_share"]))["01001"] / 2
    t = (needed_index - 0.25 * balance) * 2 / 0.75 - capital
    needed_share = 0.2 + 0.3 * t / 100
    table = run.what_would_move("01001", places=2)
    assert table.attrs == {"region": "01001", "name": "Alder", "current_rank": 5, "target_rank": 3, "of": 6}
    assert list(table.index[:1]) == ["ba_share"]
    row = table.loc["ba_share"]
    assert row["needed"] == pytest.approx(needed_share, abs=1e-4 * 0.3)  # the tolerance: 1/10,000 of the span
    assert row["needed"] >= needed_share - 1e-12  # the value returned reaches the target
    assert row["rank_then"] == 3 and row["status"] == "reaches 3rd"
    assert row["relative_change"] == pytest.approx((needed_share - 0.2) / 0.2, rel=1e-3)
    assert row["share_of_range"] == pytest.approx((needed_share - 0.2) / 0.3, rel=1e-3)
    # the others cannot do it alone: the set's best value gives 4th
    for code in ("income_pc", "median_income", "mig_rate"):
        assert table.loc[code, "rank_at_best"] == 4
        assert table.loc[code, "status"] == "out of reach: the set's best value gives 4th, not 3rd"
    best_income = RAW.copy()
    best_income.loc["01001", "income_pc"] = RAW["income_pc"].max()
    assert ranks_of(toy_index(best_income))["01001"] == 4
    assert table.loc["telework_share", "status"] == "already the best value in the set"  # lowest exposure already
    assert table.loc["telework_share", "best_in_set"] == 0.2


def test_what_would_move_is_minimal_on_a_real_set() -> None:
    run = ideo.score("us-metros")
    table = run.what_would_move("Des Moines", places=10, indicators=["ba_plus_share", "teleworkable_share"])
    target = table.attrs["target_rank"]
    assert target == int(run.ranks.at["19780", "ideopolis_index"]) - 10
    for code, row in table.iterrows():
        span = abs(row["best_in_set"] - row["current"])
        reached = run.whatif("Des Moines", {str(code): row["needed"]})
        assert reached.rank_after <= target
        short = row["needed"] - np.sign(row["change"]) * 2e-4 * span  # a little less of a change
        assert run.whatif("Des Moines", {str(code): short}).rank_after > target
    assert table.loc["teleworkable_share", "change"] < 0  # less exposure raises the index


def test_counts_need_whole_numbers() -> None:
    run = ideo.score("us-metros")
    table = run.what_would_move("Des Moines", places=10, indicators=["n_strong_traded_clusters"])
    needed = table.loc["n_strong_traded_clusters", "needed"]
    assert float(needed).is_integer() and needed > 7
    target = table.attrs["target_rank"]
    assert run.whatif("Des Moines", n_strong_traded_clusters=needed - 1).rank_after > target


@given(st.sampled_from(list(RAW.index)), st.floats(min_value=0.0, max_value=0.3))
@settings(max_examples=25, deadline=None)
def test_raising_a_positive_indicator_never_lowers_the_index(region: str, increase: float) -> None:
    run = ideo.score(str(TOY), treat="none")
    before = run.scores.loc[region, "ideopolis_index"]
    value = float(RAW.loc[region, "ba_share"]) + increase
    after = run.whatif(region, ba_share=value).scores.loc["ideopolis_index", "after"]
    assert after >= before - 1e-9


def test_parse_settings() -> None:
    assert parse_settings(["a=1", " b = 2_500 "]) == {"a": 1.0, "b": 2500.0}
    for bad, message in (
        ("a", "write NAME=VALUE"),
        ("a=", "write NAME=VALUE"),
        ("=3", "write NAME=VALUE"),
        ("a=x", "'x' is not a number"),
        ("a=inf", "finite number"),
    ):
        with pytest.raises(ConfigError, match=message):
            parse_settings([bad])
    with pytest.raises(ConfigError, match="names 'a' twice"):
        parse_settings(["a=1", "a=2"])


def test_whatif_errors(run: ideo.Run) -> None:
    with pytest.raises(ConfigError, match="at least one change"):
        run.whatif("01001")
    with pytest.raises(ConfigError, match=r"--set: unknown column 'ba_shar' \(did you mean 'ba_share'"):
        run.whatif("01001", ba_shar=0.3)
    with pytest.raises(
        ConfigError, match="'ba_plus' is not an indicator of the index; set the indicator it feeds instead: ba_share"
    ):
        run.whatif("01001", ba_plus=300)
    with pytest.raises(ConfigError, match="finite"):
        run.whatif("01001", ba_share=float("nan"))
    with pytest.raises(IdeopolisError, match="no region 'Atlantis'"):
        run.whatif("Atlantis", ba_share=0.3)
    with pytest.raises(ConfigError, match="is already 1st"):
        run.what_would_move("02005", places=1)
    with pytest.raises(ConfigError, match="not both"):
        run.what_would_move("01001", places=1, target_rank=2)
    with pytest.raises(ConfigError, match="--target-rank is 9; use 1 to 6"):
        run.what_would_move("01001", target_rank=9)


def test_whatif_command(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "w.csv"
    result = runner.invoke(
        app, ["whatif", "Alder", "--regions", str(TOY), "--set", "ba_share=0.45", "--gain", "2", "--out", str(out)]
    )
    assert result.exit_code == 0, result.stderr
    assert "ideopolis_index: 5th -> 3rd of 6 (+31.25 points)" in result.stdout
    assert "normalisation bounds did not move" in result.stdout
    assert "What would move Alder from 5th to 3rd of 6" in result.stdout
    table = pd.read_csv(out)
    assert {"ideopolis_index", "ba_share"} <= set(table["measure"])
    log = (tmp_path / "w.csv.run.toml").read_text()
    assert "[log.whatif]" in log and "ba_share = 0.45" in log
    bad = runner.invoke(app, ["whatif", "Alder", "--regions", str(TOY), "--set", "ba_share"])
    assert bad.exit_code == 1 and bad.stderr.startswith("error: --set 'ba_share': write NAME=VALUE")


def test_a_region_scored_on_fewer_pillars_has_no_rank_to_move() -> None:
    """Ranks compare like with like: a what-if shows such a region's scores without a rank, and 'what would move
    us' says why there is nothing to move (one line, no traceback)."""
    run = ideo.score("us-metros")
    index, ranks = run.scores["ideopolis_index"], run.ranks["ideopolis_index"]
    rid = str(index[index.notna() & ranks.isna()].index[0])
    result = run.whatif(rid, {"ba_plus_share": 0.5})
    assert result.rank_before is None and result.rank_after is None
    assert result.scores.loc["ideopolis_index", "after"] > result.scores.loc["ideopolis_index", "before"]
    assert "ideopolis_index: - -> - of" in str(result)
    with pytest.raises(ConfigError, match="has no rank to move: scored on"):
        run.what_would_move(rid, places=3)
