"""Excel workbooks: every sheet issue 13 names, values as the run has them, text never a formula."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

import ideopolis as ideo
from ideopolis.cli import app
from ideopolis.index.profile import profile_from_dict
from ideopolis.output import Sheet, write_table, write_xlsx
from ideopolis.regions.readers import read_table

TOY = Path(__file__).resolve().parent / "data" / "toy"
SHEETS = [
    "scores",
    "indicators raw",
    "indicators treated",
    "indicators normalised",
    "metadata",
    "not scored",
    "run log",
]


def rows(ws: Any) -> list[tuple[Any, ...]]:
    return list(ws.iter_rows(values_only=True))


def as_frame(ws: Any) -> pd.DataFrame:
    header, *body = rows(ws)
    return pd.DataFrame(body, columns=header).set_index(header[0])


def no_formula_cells(book: Any) -> None:
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)


def test_score_out_xlsx_has_every_sheet_with_the_runs_values(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "scores.xlsx"
    result = runner.invoke(app, ["score", "--regions", str(TOY), "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "scores.xlsx.run.toml").exists()
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == SHEETS
    no_formula_cells(book)
    run = ideo.score(str(TOY))
    table = run.table()

    scores = as_frame(book["scores"])
    assert list(scores.index) == list(table.index)
    assert list(scores.columns[:3]) == ["Name", "Population", "State"]
    assert "Ideopolis index (score 0-100)" in scores.columns
    assert "Ideopolis index: rank (1 = best, of 6)" in scores.columns
    np.testing.assert_allclose(scores["Ideopolis index (score 0-100)"], table["ideopolis_index"].round(2))
    assert scores["Ideopolis index: rank (1 = best, of 6)"].tolist() == table["rank_ideopolis_index"].tolist()
    assert scores["Population"].tolist() == [1000, 2000, 3000, 4000, 5000, 6000]
    assert scores["Type (lens quadrant)"].tolist() == table["typology"].astype(str).tolist()
    assert book["scores"].freeze_panes == "A2"

    raw = as_frame(book["indicators raw"])
    toy = pd.read_csv(TOY / "indicators.csv", dtype={"GEOID": str}).set_index("GEOID")
    assert raw["Share of adults 25+ with a bachelor's degree or higher (share)"].tolist() == toy["ba_share"].tolist()
    assert raw["Net migration rate (per 1,000 residents)"].tolist() == toy["mig_rate"].tolist()
    normalised = as_frame(book["indicators normalised"])
    header = "Share of adults 25+ with a bachelor's degree or higher (normalised, direction applied; score 0-100)"
    np.testing.assert_allclose(normalised[header], run.index.indicator_scores["ba_share"])
    treated = as_frame(book["indicators treated"])
    assert any("(unchanged: no outliers)" in c for c in treated.columns)

    meta = as_frame(book["metadata"])
    assert meta.loc["ba_share", "vintage"] == "2023"
    assert meta.loc["ba_share", "role"] == "indicator" and meta.loc["ba_share", "pillar"] == "talent"
    assert meta.loc["talent", "role"] == "aggregate"
    assert meta.loc["population", "role"] == "auxiliary column" and meta.loc["population", "unit"] == "persons"
    assert meta.loc["ba_share", "effective_weight"] == pytest.approx(
        float(run.index.effective_weights.loc["ba_share", "all"])
    )
    assert rows(book["not scored"])[1] == (None, None, "every region was scored")

    log_lines = [r[0] for r in rows(book["run log"])[1:]]
    assert log_lines[0].startswith("# method: indicators normalised (min-max to 0-100)")
    doc = tomllib.loads("\n".join(line or "" for line in log_lines))
    assert doc["regions"] == str(TOY.resolve())
    assert profile_from_dict(doc).step("normalise").method == "minmax"


def test_a_set_with_screened_regions_says_why(tmp_path: Path) -> None:
    run = ideo.score("us-metros")
    out = run.to_file(tmp_path / "m.xlsx")
    book = openpyxl.load_workbook(out, read_only=True)
    gone = as_frame(book["not scored"])
    assert sorted(gone.index) == sorted(run.dropped)
    summary = run.index.reports["screen"].summary
    rid = gone.index[0]
    have = 16 - int(summary.loc[rid, "n_missing"])
    share = float(summary.loc[rid, "weight_availability"])  # the default screen weighs (by_weight)
    assert share < 2 / 3
    assert gone.loc[rid, "reason"] == (
        f"screened out: data for {share:.0%} of the index weight ({have} of 16 indicators), "
        "below the screen threshold (67%)"
    )
    assert len(rows(book["scores"])) == len(run.regions.ids) + 1  # type: ignore[union-attr]  (every region keeps its row)


def test_a_shortlist_workbook_has_its_regions_and_says_which_ranks(tmp_path: Path) -> None:
    run = ideo.score("us-metros", where="state == 'IA'", ranks="within")
    book = openpyxl.load_workbook(run.to_file(tmp_path / "ia.xlsx"), read_only=True)
    scores = as_frame(book["scores"])
    n = int(run.ranks["ideopolis_index"].notna().sum())  # ranked: the index rests on every pillar
    assert set(scores["State"]) == {"IA"} and len(scores) == len(run.selection.ids)  # type: ignore[union-attr]
    column = f"Ideopolis index: rank (1 = best, of {n} in the shortlist)"
    assert sorted(scores[column].dropna()) == list(range(1, n + 1))
    assert len(rows(book["indicators raw"])) - 1 == len(run.selection.ids)  # type: ignore[union-attr]
    log = [r[0] for r in rows(book["run log"])[1:3]]
    assert log[1].startswith("# shortlist: ") and "ranks are within these" in log[1]


def test_write_xlsx_guards_text_and_keeps_numbers(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "name": ["=1+1", "@SUM(A1)", "-x", "Ames\x1b[31m\x00", "'s-Hertogenbosch"],
            "=header": [1.5, np.nan, -2.0, np.inf, 0.0],
            "count": pd.array([1, None, 3, 4, 5], dtype="Int64"),
            "flag": [True, False, True, False, True],
        },
        index=pd.Index(["+1", "2", "3", "4", "5"], name="id"),
    )
    target = write_xlsx(
        {"a/b:c?": Sheet(frame, formats={"=header": "0.0"}), "a-b-c-": frame, "x" * 40: frame}, tmp_path / "t.xlsx"
    )
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["a-b-c-", "a-b-c- 2", "x" * 31]
    no_formula_cells(book)
    header, *body = rows(book["a-b-c-"])
    assert header == ("id", "name", "'=header", "count", "flag")
    assert body[0] == ("'+1", "'=1+1", 1.5, 1, True)
    assert body[1] == ("2", "'@SUM(A1)", None, None, False)
    assert body[2][1:3] == ("'-x", -2.0)
    assert body[3][1] == "Ames\ufffd[31m\ufffd" and body[3][2] is None  # control characters; inf is not a number
    assert body[4][1] == "'s-Hertogenbosch"
    assert book["a-b-c-"]["C2"].number_format == "0.0"
    # ideopolis reads its own workbook back: the guard comes off
    back, _, _ = read_table(target)
    assert back["id"].tolist()[0] == "+1" and back["name"].tolist()[:3] == ["=1+1", "@SUM(A1)", "-x"]


def test_write_table_xlsx_is_one_sheet(tmp_path: Path) -> None:
    frame = pd.DataFrame({"score": [1.25]}, index=pd.Index(["01001"], name="id"))
    book = openpyxl.load_workbook(write_table(frame, tmp_path / "t.xlsx"))
    assert book.sheetnames == ["table"] and rows(book["table"]) == [("id", "score"), ("01001", 1.25)]


def test_hotspots_and_clusters_write_xlsx(runner: CliRunner, tmp_path: Path) -> None:
    hot = tmp_path / "hot.xlsx"
    result = runner.invoke(app, ["hotspots", "--regions", str(TOY), "--permutations", "99", "--out", str(hot)])
    assert result.exit_code == 0, result.stderr
    book = openpyxl.load_workbook(hot)
    assert book.sheetnames[0] == "hotspots" and "run log" in book.sheetnames
    assert len(rows(book["hotspots"])) == 7
    assert rows(book["hotspots"])[0][:5] == ("id", "name", "population", "state", "value")  # exports carry them
    clusters = tmp_path / "clusters.xlsx"
    result = runner.invoke(app, ["clusters", "Des Moines", "--out", str(clusters)])
    assert result.exit_code == 0, result.stderr
    book = openpyxl.load_workbook(clusters)
    assert book.sheetnames[0] == "clusters" and "run log" in book.sheetnames
    no_formula_cells(book)
