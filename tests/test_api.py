"""The public API: one run object shared by the library and the CLI; replayable logs; notebook display."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import ideopolis as ideo
from ideopolis.cli import app
from ideopolis.errors import ConfigError, RegionSetError
from ideopolis.output import sidecar_path

TOY = Path(__file__).resolve().parent / "data" / "toy"


def _cli(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_every_public_name_resolves_and_has_a_docstring_with_examples() -> None:
    for name in ideo.__all__:
        obj = getattr(ideo, name)
        if name == "__version__":
            continue
        doc = obj.__doc__ or ""
        assert doc.strip(), name
        if callable(obj):
            assert "Examples" in doc and ">>>" in doc, f"{name} has no Examples section"
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        _ = ideo.nope  # type: ignore[attr-defined]


def test_import_stays_light() -> None:
    code = (
        "import sys, ideopolis; "
        "heavy = [m for m in ('pandas', 'geopandas', 'folium', 'matplotlib', 'mapclassify', 'esda') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_api_page_is_the_cli_page_byte_for_byte(tmp_path: Path, runner: CliRunner) -> None:
    run = ideo.score(str(TOY), balance_weight=0.4, seed=7)
    hot = ideo.hotspots(run, "ideopolis_index", permutations=99)
    api_page = tmp_path / "api.html"
    m = ideo.map(run, hotspots=hot, title="Toy")
    assert m._repr_html_()  # shown in a notebook first: rendering once more must not change the page
    m.save(api_page)
    profile = tmp_path / "p.run.toml"
    profile.write_text("[hotspots]\npermutations = 99\n")
    cli_page = tmp_path / "cli.html"
    _cli(
        runner,
        "map",
        "-r",
        str(TOY),
        "-p",
        str(profile),
        "-w",
        "0.4",
        "--seed",
        "7",
        "--title",
        "Toy",
        "-o",
        str(cli_page),
    )
    assert api_page.read_bytes() == cli_page.read_bytes()
    # and re-running the same map gives the same bytes
    _cli(
        runner,
        "map",
        "-r",
        str(TOY),
        "-p",
        str(profile),
        "-w",
        "0.4",
        "--seed",
        "7",
        "--title",
        "Toy",
        "-o",
        str(cli_page),
    )
    assert api_page.read_bytes() == cli_page.read_bytes()
    # another seed is another page: the seed reaches the hotspot test
    _cli(
        runner,
        "map",
        "-r",
        str(TOY),
        "-p",
        str(profile),
        "-w",
        "0.4",
        "--seed",
        "8",
        "--title",
        "Toy",
        "-o",
        str(cli_page),
    )
    assert api_page.read_bytes() != cli_page.read_bytes()


def test_map_with_a_profile_shows_its_weights_and_scores(tmp_path: Path, runner: CliRunner) -> None:
    profile = tmp_path / "client.run.toml"
    profile.write_text(
        f'regions = "{TOY.as_posix()}"\n\n[weights]\nmethod = "manual"\nweights = {{ talent = 3 }}\nbalance_weight = 0.5\n'
    )
    page = tmp_path / "client.html"
    _cli(runner, "map", "--profile", str(profile), "--offline", "--out", str(page), "--no-hotspots")
    html = page.read_text(encoding="utf-8")
    # the toy set's cluster pillars: talent (weight 3) and capital (1): 0.75 and 0.25 of cluster strength
    assert "manual weights (talent 0.75, capital 0.25)" in html
    assert "index = 0.5 x cluster strength + 0.5 x balance" in html
    scores = tmp_path / "client.csv"
    _cli(runner, "score", "--profile", str(profile), "--out", str(scores))
    table = pd.read_csv(scores, dtype={"id": str}).set_index("id")
    expected = 0.5 * table["cluster_strength"] + 0.5 * table["balance"]
    pd.testing.assert_series_equal(table["ideopolis_index"], expected, check_names=False)
    expected_cs = 0.75 * table["talent"] + 0.25 * table["capital"]
    pd.testing.assert_series_equal(table["cluster_strength"], expected_cs, check_names=False)
    run = ideo.score(profile=profile)
    pd.testing.assert_series_equal(run.scores["ideopolis_index"], table["ideopolis_index"], check_names=False)


def test_a_log_written_by_any_command_replays_with_any_other(tmp_path: Path, runner: CliRunner) -> None:
    hot_out = tmp_path / "hot.csv"
    _cli(
        runner, "hotspots", "-r", str(TOY), "--normalise", "prank", "--permutations", "49",
        "--statistic", "local_moran", "--seed", "3", "--out", str(hot_out),
    )  # fmt: skip
    log = sidecar_path(hot_out)
    doc = tomllib.loads(log.read_text())
    assert doc["normalise"]["method"] == "prank" and doc["seed"] == 3
    # score replays the run: the same normalisation
    scores = tmp_path / "scores.csv"
    _cli(runner, "score", "--profile", str(log), "--out", str(scores))
    assert tomllib.loads(sidecar_path(scores).read_text())["normalise"]["method"] == "prank"
    # hotspots replays the test: same statistic, permutations and seed, so the same p-values
    again = tmp_path / "again.csv"
    _cli(runner, "hotspots", "--profile", str(log), "--out", str(again))
    first = pd.read_csv(hot_out, dtype={"id": str}).set_index("id")
    second = pd.read_csv(again, dtype={"id": str}).set_index("id")
    pd.testing.assert_frame_equal(first, second)
    # map replays it too, and its own log replays in score
    page = tmp_path / "m.html"
    _cli(runner, "map", "--profile", str(log), "--offline", "--out", str(page))
    page_log = tomllib.loads(sidecar_path(page).read_text())
    assert page_log["normalise"]["method"] == "prank" and page_log["hotspots"]["statistic"] == "local_moran"
    # two outputs of one command never share a log
    _cli(runner, "score", "--profile", str(log), "--out", str(tmp_path / "scores.gpkg"))
    assert sidecar_path(tmp_path / "scores.gpkg") != sidecar_path(scores)
    assert sidecar_path(scores).exists() and sidecar_path(tmp_path / "scores.gpkg").exists()


def test_run_object_results_files_and_errors(tmp_path: Path) -> None:
    run = ideo.score(str(TOY))
    assert run.find_region("01001") == "01001"
    explanation = run.explain("01001")
    text = str(explanation)
    assert text.splitlines()[0].endswith("(01001)") and "contribution" in text
    assert explanation.score == pytest.approx(float(run.scores.at["01001", "ideopolis_index"]))
    hot = run.hotspots(permutations=19)
    assert run.results["hotspots"] is hot and hot.indicator == "ideopolis_index"
    table = run.table()
    assert list(table["hotspot_class"]) == list(hot.table["cls"].reindex(table.index))
    target = run.to_file(tmp_path / "toy.parquet")
    assert sidecar_path(target).exists()
    log = tomllib.loads(sidecar_path(target).read_text())
    assert log["hotspots"]["permutations"] == 19 and log["log"]["hotspots"]["n_regions"] == 6
    with pytest.raises(ConfigError, match="unknown hotspot option 'colour'"):
        run.hotspots(colour="red")
    with pytest.raises(ConfigError, match="unknown indicator 'nope' for toy"):
        run.hotspots("nope")
    asem = TOY.parent / "coinr-asem"
    with pytest.raises(ConfigError, match="applies to the lens"):
        ideo.score_coinr(asem / "asem_iData.csv", asem / "asem_iMeta.csv", balance_weight=0.3)
    coin = ideo.score_coinr(asem / "asem_iData.csv", asem / "asem_iMeta.csv")
    with pytest.raises(RegionSetError, match="no region shapes to map"):
        coin.map()
    with pytest.raises(RegionSetError, match="hotspots need a region set"):
        coin.hotspots("Index")


def test_notebook_display(tmp_path: Path) -> None:
    rs = ideo.load_regions(str(TOY))
    assert repr(rs).startswith("RegionSet 'toy': 6 regions")
    assert "<table" in rs._repr_html_() and "ba_share" in rs._repr_html_()
    run = ideo.score(rs)
    lines = repr(run).splitlines()
    assert lines[0] == "Run of toy: 6 regions scored" and lines[1].startswith("indicators normalised")
    assert "<table" in run._repr_html_()
    assert repr(run.index).startswith("IndexRun(") and "6 regions scored; denominate by_metadata" in repr(run.index)
    hot = run.hotspots(permutations=19)
    text = repr(hot)
    assert text.startswith("HotspotResult: Hot and cold spots (Getis-Ord Gi*) of ideopolis_index")
    assert "Not significant" in text and "seed 12345" in text
    assert "<table" in hot._repr_html_()
    m = run.map(hotspots=hot)
    assert repr(m).startswith("RegionMap('Ideopolis index and its ingredients': 6 regions")
    frame = m._repr_html_()
    assert frame.startswith('<iframe srcdoc="') and "&lt;script" in frame and "<script" not in frame
    explanation = run.explain("01001")
    assert repr(explanation).startswith("Explanation(") and "<table" in explanation._repr_html_()
    # save(offline=True) writes the page without the basemap
    m.save(tmp_path / "online.html")
    m.save(tmp_path / "offline.html", offline=True)
    assert "arcgisonline" in (tmp_path / "online.html").read_text(encoding="utf-8")
    assert "arcgisonline" not in (tmp_path / "offline.html").read_text(encoding="utf-8")
    assert m.to_png(tmp_path / "index.png") > 1000


def test_a_custom_region_run_replays_from_its_log(tmp_path: Path, runner: CliRunner) -> None:
    mapping = tmp_path / "home.csv"
    mapping.write_text("fips,region\n01001,Home\n01003,Home\n")
    first = tmp_path / "first.csv"
    _cli(runner, "score", "-r", str(TOY), "--custom", str(mapping), "--out", str(first))
    log = tomllib.loads(sidecar_path(first).read_text())
    assert log["custom"] == str(mapping.resolve()) and log["regions"] == str(TOY)
    second = tmp_path / "second.csv"
    _cli(runner, "score", "--profile", str(sidecar_path(first)), "--out", str(second))
    a = pd.read_csv(first, dtype={"id": str}).set_index("id")
    b = pd.read_csv(second, dtype={"id": str}).set_index("id")
    assert "Home" in a.index and len(a) == 5
    pd.testing.assert_frame_equal(a, b)
