"""The consultant's robust shortlist: a shortlist's ranks with their 5-95% intervals from a real uncertainty run.

The decision tools (shortlists, compare, profile, workbook) and the uncertainty analysis were built in parallel;
these tests join them with a real :class:`~ideopolis.index.uncertainty.result.UncertaintyResult` (no stand-in):
every interval shown is the analysis' own, national intervals are never put beside ranks counted within a
shortlist, and the numbers do not depend on the shortlist.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

import ideopolis as ideo
from ideopolis.cli import app
from ideopolis.decide.wording import rank_text
from ideopolis.run import Run

TOY = Path(__file__).resolve().parent / "data" / "toy"
WHERE = "population >= 2000"


@pytest.fixture(scope="module")
def run() -> Run:
    return ideo.score(str(TOY), uncertainty=40, seed=7)


def test_a_shortlist_keeps_the_national_intervals(run: Run) -> None:
    unc = run.uncertainty
    assert unc is not None
    short = run.where(WHERE)
    assert short.uncertainty is not None
    top = short.top(10)
    assert "interval" in top.columns
    assert set(top.index) < set(run.scores.index)  # a real shortlist
    for rid in top.index:
        lo, hi = unc.ranks.at[rid, "rank_lo"], unc.ranks.at[rid, "rank_hi"]
        if pd.isna(lo):
            continue
        assert top.at[rid, "interval"] == f"{int(lo)}–{int(hi)}"
        assert int(lo) <= int(unc.ranks.at[rid, "median_rank"]) <= int(hi)
    table = short.table()
    pd.testing.assert_series_equal(
        table["rank_lo"], unc.ranks["rank_lo"].reindex(table.index), check_names=False, check_dtype=False
    )


def test_ranks_within_a_shortlist_carry_no_national_interval(run: Run) -> None:
    within = run.where(WHERE, ranks="within")
    assert "interval" not in within.top(10).columns
    assert "rank_lo" not in within.table().columns


def test_compare_and_profile_show_the_analysis_intervals(run: Run) -> None:
    unc = run.uncertainty
    assert unc is not None
    ids = [rid for rid in run.ranks["ideopolis_index"].dropna().index[:2]]
    shown = run.compare(ids).display()
    for rid, name in zip(ids, run.compare(ids).names, strict=True):
        lo, hi = unc.ranks.at[rid, "rank_lo"], unc.ranks.at[rid, "rank_hi"]
        expected = rank_text(run.ranks.at[rid, "ideopolis_index"], lo, hi)
        assert shown.loc["Ideopolis index", name].endswith(", " + expected)
    profile = run.profile(ids[0], hotspots=False, clusters=False, peers=0)
    assert profile.rank_label == rank_text(
        run.ranks.at[ids[0], "ideopolis_index"], unc.ranks.at[ids[0], "rank_lo"], unc.ranks.at[ids[0], "rank_hi"]
    )


def test_the_command_line_shortlist_workbook_has_the_intervals(tmp_path: Path) -> None:
    out = tmp_path / "shortlist.xlsx"
    result = CliRunner().invoke(
        app,
        ["score", "--regions", str(TOY), "--where", WHERE, "--uncertainty", "40", "--seed", "7", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "interval" in result.output
    book = openpyxl.load_workbook(out, read_only=True)
    header = [c.value for c in next(book["scores"].iter_rows(max_row=1))]
    assert "Ideopolis index: 5% rank (uncertainty analysis)" in header, header
    assert "Ideopolis index: 95% rank (uncertainty analysis)" in header, header
    rows = list(book["scores"].iter_rows(min_row=2, values_only=True))
    assert rows and len(rows) < 6  # the shortlist only
    unc = ideo.score(str(TOY), uncertainty=40, seed=7).uncertainty
    assert unc is not None
    lo_col = header.index("Ideopolis index: 5% rank (uncertainty analysis)")
    for row in rows:
        expected = unc.ranks.at[str(row[0]), "rank_lo"]
        assert (row[lo_col] is None) if pd.isna(expected) else row[lo_col] == int(expected)
