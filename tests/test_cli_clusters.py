"""``ideopolis clusters``: a region's strong clusters, one cluster's valleys, citations, errors."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from ideopolis.cli import app
from tests._spatial_data import BUNDLED, write_lattice_set

CITE = "Delgado, Porter & Stern (2016)"


@pytest.fixture
def lattice(tmp_path: Path) -> Path:
    return write_lattice_set(tmp_path / "lattice")


def test_region_profile_by_part_of_its_name(lattice: Path, runner: CliRunner) -> None:
    result = runner.invoke(app, ["clusters", "Cell 1 1", "-r", str(lattice)])
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.startswith("Cell 1 1 (r1c1), metro: 1 strong traded clusters")
    assert "Alpha" in out and "rank (employment)" in out
    assert CITE in out and "clustermapping.us" in out
    assert "one NAICS level only" in result.stderr


def test_region_by_id_and_one_cluster_there(lattice: Path, runner: CliRunner) -> None:
    result = runner.invoke(app, ["clusters", "r8c8", "--cluster", "alp", "-r", str(lattice)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Cell 8 8 (r8c8): Alpha is not strong")
    assert "[ ] LQ" in result.stdout and CITE in result.stdout


def test_cluster_valleys_table_and_map(lattice: Path, tmp_path: Path, runner: CliRunner) -> None:
    out, png = tmp_path / "alpha.geojson", tmp_path / "alpha.png"
    result = runner.invoke(
        app, ["clusters", "--cluster", "Alpha", "-r", str(lattice), "--out", str(out), "--png", str(png)]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Alpha: ")
    assert "strong in 16 of 101 regions" in result.stdout
    assert png.read_bytes()[:4] == b"\x89PNG"
    log = tomllib.loads((tmp_path / "alpha.geojson.run.toml").read_text())
    params = log["log"]["clusters"]
    assert params["cluster"] == "Alpha" and CITE in params["citation"]
    assert log["regions"] == str(lattice.resolve())  # the log is a profile: any command replays it


def test_cluster_print_map_as_svg_with_a_title(lattice: Path, tmp_path: Path, runner: CliRunner) -> None:
    svg = tmp_path / "alpha.svg"
    args = ["clusters", "--cluster", "Alpha", "-r", str(lattice), "--print", str(svg), "--title", "Alpha valley"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    text = svg.read_text()
    assert text.startswith("<?xml") and "Alpha valley" in text


def test_cluster_list_without_arguments(lattice: Path, tmp_path: Path, runner: CliRunner) -> None:
    out = tmp_path / "list.csv"
    result = runner.invoke(app, ["clusters", "-r", str(lattice), "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("2 traded clusters")
    assert set(pd.read_csv(out)["cluster"]) == {"Alpha", "Beta"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Cell"], "error: 'Cell' matches 100 regions in lattice: Cell 0 0 (r0c0); Cell 0 1 (r0c1)"),
        (["Atlantis"], "error: no region 'Atlantis' in lattice"),
        (["--cluster", "Gamma"], "error: unknown cluster 'Gamma'; traded clusters are: Alpha; Beta"),
        (["--png", "x.png"], "error: --png maps one cluster; fix: add --cluster NAME"),
        (["--suppressed", "guess"], "error: unknown suppressed-cell method 'guess'"),
        (["--cluster", "Alpha", "--out", "x.txt"], "error: x.txt: unsupported output format"),
        (["--cluster", "Alpha", "--png", "x.tif"], "error: x.tif: a print map is written as .png, .svg or .pdf"),
        (["--cluster", "Alpha", "--dpi", "90"], "error: --title and --dpi shape the print map; fix: add"),
    ],
    ids=["ambiguous", "unknown-region", "unknown-cluster", "png-without-cluster", "suppressed", "out", "suffix", "dpi"],
)
def test_user_errors_are_one_line(lattice: Path, runner: CliRunner, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["clusters", "-r", str(lattice), *args])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith(message), result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_a_set_without_industry_data_says_so(runner: CliRunner, tmp_path: Path) -> None:
    folder = write_lattice_set(tmp_path / "bare")
    manifest = (folder / "manifest.toml").read_text()
    start = manifest.index("[[long_tables]]")
    end = manifest.index("[groups.cbsa_type]")
    (folder / "manifest.toml").write_text(manifest[:start] + manifest[end:])
    result = runner.invoke(app, ["clusters", "r1c1", "-r", str(folder)])
    assert result.exit_code == 1
    assert "error: region set 'lattice' has no industry employment table" in result.stderr


def test_san_jose_on_the_bundled_metros(runner: CliRunner) -> None:
    if not (BUNDLED / "us-metros" / "manifest.toml").exists():
        pytest.skip("bundled region set us-metros not built yet")
    result = runner.invoke(app, ["clusters", "San Jose", "-r", "us-metros"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("San Jose-Sunnyvale-Santa Clara, CA (41940), metro:")
    assert "Information Technology and Analytical Instruments" in result.stdout


def test_strong_cluster_counts_on_the_bundled_metros() -> None:
    if not (BUNDLED / "us-metros" / "manifest.toml").exists():
        pytest.skip("bundled region set us-metros not built yet")
    from ideopolis.industry.clusters import region_set_clusters
    from ideopolis.regions.model import load_region_set

    result = region_set_clusters(load_region_set("us-metros"))
    # the bundled table keeps every NAICS level, so unpublished cells are allocated from their parents
    assert result.suppressed == "allocate"
    counts = result.summary["n_strong_traded"]
    assert counts[["41940", "14460", "42660", "19820"]].tolist() == [8, 10, 8, 6]
    assert "Automotive" in result.strong("19820").index
    assert "Aerospace Vehicles and Defense" in result.strong("42660").index
