"""``ideopolis uncertainty``, ``--uncertainty N`` and the run log: ranks with their intervals wherever they show."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import ideopolis as ideo
from ideopolis.cli import app
from ideopolis.index.profile import load_profile

QUICK = ["--regions", "us-metros", "--draws", "60", "--sobol", "16"]


def invoke(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    res = runner.invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("unc") / "unc.csv"
    runner = CliRunner()
    code, stdout, stderr = invoke(
        runner, "uncertainty", *QUICK, "--top", "5", "--out", str(out), "--png", str(out.with_suffix(".png")),
        "--ranks-png", str(out.parent / "ranks.png"),
    )  # fmt: skip
    assert code == 0, stderr
    return out, stdout


def test_prints_each_region_with_its_interval_and_the_sobol_table(written: tuple[Path, str]) -> None:
    out, stdout = written
    lines = stdout.splitlines()
    assert lines[0].startswith("us-metros: ideopolis_index ranks over 60 draws (seed 12345) of weights, normalise")
    assert lines[1].split()[:6] == ["id", "rank", "interval", "5-95%", "median", "mean"]
    first = lines[2].split()
    assert first[0] == "41940" and first[1] == "1" and re.fullmatch(r"1–\d+", first[2])
    assert len([ln for ln in lines if re.match(r"^\d{5} ", ln)]) == 5  # --top 5
    assert "Sensitivity of the mean absolute rank shift (Sobol indices via SALib; 144 runs, N = 16" in stdout
    table = stdout[stdout.index("input") :].splitlines()
    assert [ln.split()[0] for ln in table[1:]] == [
        "weights", "normalise", "aggregate", "impute", "treat", "balance_weight", "exposure",
    ]  # fmt: skip
    # 692 of the 925 scored metros are ranked (scored on all five pillars): 5 % of them is 34.6
    assert re.search(r"stability \(width of the 5-95% rank interval over 60 draws: stable up to 34 ranks", stdout)
    assert out.with_suffix(".png").read_bytes()[:4] == b"\x89PNG"
    assert (out.parent / "ranks.png").read_bytes()[:4] == b"\x89PNG"


def test_the_table_and_the_log_carry_the_intervals_and_replay(written: tuple[Path, str], runner: CliRunner) -> None:
    out, _ = written
    table = pd.read_csv(out, dtype={"id": str}).set_index("id")
    assert {"rank_lo", "rank_hi", "median_rank", "mean_abs_shift", "rank_stability"} <= set(table.columns)
    assert (table["rank_lo"] <= table["rank_ideopolis_index"]).sum() > 0.9 * table["rank_lo"].notna().sum()
    # an interval exactly where there is a rank: a region scored on fewer pillars is not compared in any draw
    assert (table["rank_lo"].notna() == table["rank_ideopolis_index"].notna()).all()
    log = tomllib.loads(Path(f"{out}.run.toml").read_text(encoding="utf-8"))
    section = log["uncertainty"]
    assert section["draws"] == 60 and section["sobol_n"] == 16 and section["sensitivity"] is True
    assert section["vary"] == ["weights", "normalise", "aggregate", "impute", "treat", "balance_weight", "exposure"]
    assert section["impute"] == [{"method": "none"}, {"method": "median"}]
    assert log["log"]["uncertainty"]["seed"] == 12345 and log["log"]["uncertainty"]["draws"] == 60
    assert set(log["log"]["uncertainty"]["sensitivity"]["indices"]) == set(section["vary"])
    # any command replays the log with the same intervals
    code, replay, err = invoke(runner, "score", "--profile", f"{out}.run.toml", "--top", "5")
    assert code == 0, err
    rows = [ln.split() for ln in replay.splitlines()[1:]]
    assert [r[:3] for r in rows] == [
        [
            i,
            str(int(table.at[i, "rank_ideopolis_index"])),
            f"{int(table.at[i, 'rank_lo'])}–{int(table.at[i, 'rank_hi'])}",
        ]
        for i in table.sort_values("rank_ideopolis_index").index[:5]
    ]
    replayed = ideo.score(profile=load_profile(f"{out}.run.toml"))
    assert replayed.uncertainty is not None
    mine = replayed.uncertainty.ranks
    pd.testing.assert_series_equal(
        mine["rank_lo"].rename(None),
        table["rank_lo"].reindex(mine.index).astype("Int64").rename(None),
        check_index_type=False,
    )


def test_score_with_uncertainty_explains_the_interval(runner: CliRunner) -> None:
    code, out, err = invoke(runner, "score", "--uncertainty", "40", "--explain", "Des Moines")
    assert code == 0, err
    head = out.splitlines()[2]
    assert re.fullmatch(
        r"ideopolis_index: \d+\.\d\d  rank \d+ of 692 \(5-95% interval \d+–\d+\) \(the regions scored on all 5 pillars\)",
        head,
    )
    assert "over 40 draws of weights, normalise, aggregate, impute, treat, balance_weight, exposure" in out


def test_map_after_an_uncertainty_run_carries_the_intervals(written: tuple[Path, str], runner: CliRunner) -> None:
    out, _ = written
    target = out.parent / "map.html"
    code, _, err = invoke(
        runner, "map", "--profile", f"{out}.run.toml", "--no-hotspots", "--offline", "--out", str(target)
    )
    assert code == 0, err
    html = target.read_text(encoding="utf-8")
    payload = json.loads(re.search(r'id="ideopolis-data">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    index = payload["layers"][0]
    table = pd.read_csv(out, dtype={"id": str}).set_index("id")
    i = payload["ids"].index("41940")
    assert index["key"] == "ideopolis_index"
    assert (index["rankLo"][i], index["rankHi"][i]) == (
        int(table.at["41940", "rank_lo"]),
        int(table.at["41940", "rank_hi"]),
    )
    assert all("rankLo" not in layer for layer in payload["layers"][1:])
    stability = next(layer for layer in payload["layers"] if layer["key"] == "rank_stability")
    assert [e[0] for e in stability["legend"]] == ["stable", "moderate", "volatile"]
    run_info = json.loads(re.search(r'id="ideopolis-run">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    assert run_info["uncertainty"]["draws"] == 60


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--vary", "weights,colour"], "error: unknown uncertain input 'colour' in vary of [uncertainty]"),
        (["--png", "plot.txt"], "error: plot.txt is not a .png file"),
        (["--draws", "5"], "error: Invalid value for '--draws' / '-N'"),
        (["--draws", "50", "--uncertainty", "60"], "error: --draws and --uncertainty both give the number of draws"),
        (["--sobol", "4"], "error: sobol_n is 4 in [uncertainty] of the run options; use a whole number >= 8"),
        (["--vary", "weights", "--sobol", "16"], "error: a sensitivity analysis needs at least two uncertain inputs"),
        (
            ["--regions", "us-metros", "--vary", "weights,aggregate"],
            "error: the uncertainty analysis combines geometric",
        ),
    ],
    ids=["vary", "png", "draws", "both", "sobol", "one-input", "geometric"],
)
def test_user_errors_are_one_line(runner: CliRunner, args: list[str], message: str) -> None:
    code, out, err = (
        invoke(runner, "uncertainty", "--draws", "20", *args)
        if "--draws" not in args
        else invoke(runner, "uncertainty", *args)
    )
    assert code == 1
    assert err.startswith(message), err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert out == ""


def test_a_run_without_the_section_has_no_uncertainty() -> None:
    run = ideo.score("us-metros")
    assert run.uncertainty is None
    assert "rank_lo" not in run.table().columns and "interval" not in run.top(3).columns
    assert "uncertainty" not in run.log_document()
    assert run.explain("San Jose").interval is None


def test_api_uncertainty_on_coinr_tables() -> None:
    run = ideo.score_coinr("tests/data/coinr-asem/asem_iData.csv", "tests/data/coinr-asem/asem_iMeta.csv")
    ua = ideo.uncertainty(run, draws=100, sobol_n=32)
    assert run.uncertainty is ua and ua.sensitivity is not None
    assert list(ua.varied()) == ["weights", "normalise", "aggregate", "treat"]
    assert ua.ranks.loc["CHE", "nominal_rank"] == 1
    assert "interval" in run.top(3).columns
    assert ua.sensitivity.table.index.tolist() == ["weights", "normalise", "aggregate", "treat"]
    assert repr(ua).startswith("UncertaintyResult(Index: 51 regions, 100 draws, seed 12345")
    assert "<table" in ua._repr_html_()
