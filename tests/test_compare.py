"""Compare: the run's numbers side by side, ranks and intervals, in the terminal, HTML, xlsx and CSV."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

import ideopolis as ideo
from ideopolis.cli import app
from ideopolis.errors import ConfigError, DataFileError, IdeopolisError
from ideopolis.run import Run

TOY = Path(__file__).resolve().parent / "data" / "toy"


@pytest.fixture(scope="module")
def run() -> Run:
    return ideo.score(str(TOY))


def test_values_are_the_runs_own(run: Run) -> None:
    c = run.compare(["Alder", "02005", "Birch"])
    assert c.ids == ["01001", "02005", "01003"]
    for rid in c.ids:
        for code in run.scores.columns:
            assert c.values.at[code, rid] == pytest.approx(run.scores.at[rid, code])
            assert c.ranks.at[code, rid] == run.ranks.at[rid, code]
        assert c.values.at["ba_share", rid] == run.index.datasets["raw"].at[rid, "ba_share"]
        assert c.values.at["typology", rid] == run.typology[rid]
    assert c.values.at["population", "02005"] == 6000
    assert c.values.loc["ba_share", "section"] == "indicators"
    assert c.ranks_note == "among all 6 regions scored in toy"


def test_display_reads_like_a_table(run: Run) -> None:
    c = run.compare(["01001", "02005"])
    shown = c.display()
    assert list(shown.columns) == c.names
    index = run.scores["ideopolis_index"]
    assert shown.loc["Ideopolis index", c.names[0]] == f"{index['01001']:.1f} (5th)"
    assert shown.loc["Ideopolis index", c.names[1]] == f"{index['02005']:.1f} (1st)"
    assert shown.loc["Share of adults 25+ with a bachelor's degree or higher (share)", c.names[1]] == "50.0% (1st)"
    assert shown.loc["Population", c.names[0]] == "1,000"
    text = str(c)
    assert text.startswith(f"Compared: {c.names[0]}, {c.names[1]}")
    assert "ranks: among all 6 regions scored in toy" in text


def test_intervals_show_when_an_uncertainty_analysis_exists(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    ranks = pd.DataFrame(
        {"rank_lo": pd.array([4, 1], dtype="Int64"), "rank_hi": pd.array([6, 2], dtype="Int64")},
        index=["01001", "02005"],
    )
    monkeypatch.setattr(Run, "uncertainty", property(lambda self: SimpleNamespace(ranks=ranks)), raising=False)
    c = run.compare(["01001", "02005"])
    shown = c.display()
    assert shown.loc["Ideopolis index", c.names[0]].endswith("(5th (4th–6th))")
    assert shown.loc["Talent", c.names[0]].endswith("(4th)")  # intervals are the index's only


def test_a_shortlist_ranked_within(run: Run) -> None:
    short = run.where("state == '02'", ranks="within")
    c = short.compare(["02001", "02005"])
    assert c.ranks.at["ideopolis_index", "02005"] == 1 and c.ranks.at["ideopolis_index", "02001"] == 2
    assert c.ranks_note == "within the 3 regions of the shortlist"
    with pytest.raises(ConfigError, match="is not in the shortlist its ranks are within"):
        short.compare(["01001", "02005"])


def test_files(run: Run, tmp_path: Path) -> None:
    c = run.compare(["01001", "02005"])
    page = c.to_file(tmp_path / "c.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
    assert '<td class="num">50.0% (1st)</td>' in page
    book = openpyxl.load_workbook(c.to_file(tmp_path / "c.xlsx", run=run))
    assert book.sheetnames == ["compare", "values", "ranks", "metadata", "run log"]
    header, *rows = list(book["values"].iter_rows(values_only=True))
    assert header[:4] == ("key", "section", "label", "unit") and "01001" in header
    values = {r[0]: r for r in rows}
    assert values["ideopolis_index"][header.index("02005")] == pytest.approx(run.scores.at["02005", "ideopolis_index"])
    csv = pd.read_csv(c.to_file(tmp_path / "c.csv"))
    assert list(csv.columns) == ["measure", *c.names]
    with pytest.raises(DataFileError, match=r"compare writes \.html, \.xlsx, \.csv"):
        c.to_file(tmp_path / "c.pdf")


def test_errors(run: Run) -> None:
    with pytest.raises(ConfigError, match="two regions or more"):
        run.compare(["01001"])
    with pytest.raises(ConfigError, match="two regions or more"):
        run.compare("01001")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="named twice"):
        run.compare(["01001", "Alder"])
    with pytest.raises(ConfigError, match="at most 25"):
        run.compare([str(i) for i in range(26)])
    with pytest.raises(IdeopolisError, match="no region 'Nowhere'"):
        run.compare(["01001", "Nowhere"])


@pytest.mark.parametrize("name", ["us-metros", "us-counties", "eu-nuts2"])
def test_compare_command_on_every_bundled_set(name: str, runner: CliRunner, tmp_path: Path) -> None:
    regions = {
        "us-metros": ["Des Moines", "Omaha", "Madison, WI"],
        "us-counties": ["Polk County, IA", "Douglas County, NE"],
        "eu-nuts2": ["Oberbayern", "Lombardia", "Île-de-France"],
    }[name]
    out = tmp_path / "c.xlsx"
    result = runner.invoke(app, ["compare", *regions, "--regions", name, "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Compared: ")
    assert "Ideopolis index" in result.stdout and out.exists() and (tmp_path / "c.xlsx.run.toml").exists()
    bad = runner.invoke(app, ["compare", regions[0], "--regions", name])
    assert bad.exit_code == 1 and "two regions or more" in bad.stderr
