"""``ideopolis hotspots``: output, files, errors as one line."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from typer.testing import CliRunner

from ideopolis.cli import app
from tests._spatial_data import write_lattice_set


@pytest.fixture
def lattice(tmp_path: Path) -> Path:
    return write_lattice_set(tmp_path / "lattice")


def test_hotspots_prints_classes_method_and_notes(lattice: Path, runner: CliRunner) -> None:
    result = runner.invoke(app, ["hotspots", "-r", str(lattice), "--permutations", "199"])
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.startswith("Hot and cold spots (Getis-Ord Gi*) of demo on lattice (101 regions)")
    assert "methods: Getis-Ord Gi* of demo; weights: queen contiguity, 1 nearest-region fallback" in out
    assert "Hot spot 90%" in out and "Fallback neighbours only" in out and "No data" in out
    assert "r1c1" in out  # in the hot corner, listed among the strongest
    # each listed region shows its p-value's Monte Carlo interval and the permutations it ran
    line = next(x for x in out.splitlines() if x.strip().startswith("r1c1"))
    assert re.search(r"p [\d.e-]+ \(MC [\d.e-]+ to [\d.e-]+, [\d,]+ permutations\)  Hot spot 9\d%$", line), line
    err = result.stderr
    # the lattice's indicators do not make an index: the set's default indicator is tested instead
    assert err.startswith("note: the Ideopolis index cannot be computed for lattice (")
    assert "testing demo instead" in err
    assert "up to 102,399 where the call was close" in out  # Benjamini-Hochberg over 100 regions at 99%
    assert "Isle of Test (isle)" in err and "flagged, not reported as significant" in err
    assert "1 regions have no value for demo: Cell 9 0 (r9c0)" in err


def test_hotspots_writes_table_parameters_and_png(lattice: Path, tmp_path: Path, runner: CliRunner) -> None:
    out, png = tmp_path / "hot.gpkg", tmp_path / "hot.png"
    args = ["hotspots", "-r", str(lattice), "-s", "local_moran", "--permutations", "99", "--seed", "3"]
    result = runner.invoke(app, [*args, "--out", str(out), "--png", str(png), "--top", "0"])
    assert result.exit_code == 0, result.stderr
    table = gpd.read_file(out).set_index("id")
    assert len(table) == 101 and table.crs.to_epsg() == 4326
    assert {"value", "statistic", "quadrant", "p_sim", "p_adjusted", "cls", "fallback_only"} <= set(table.columns)
    assert table.loc["isle", "cls"] == "Fallback neighbours only"
    log = tomllib.loads((tmp_path / "hot.gpkg.run.toml").read_text())
    assert log["seed"] == 3 and log["regions"] == str(lattice.resolve())
    assert log["hotspots"] == {
        "indicator": "demo",
        "statistic": "local_moran",
        "weights": "queen",
        "fallback_k": 1,
        "permutations": 99,
        "mc_level": 0.999,
        "correction": "fdr_bh",
        "alpha": 0.05,
        "alternative": "folded",
    }
    params = log["log"]["hotspots"]
    # a lone region at 0.05 / 100: ln(0.0005) / ln(1 - 5e-4) = 15,199 permutations, the rung 25,599 of 99, 199, ...
    assert params["max_permutations"] == 25_599 and params["mc_level"] == 0.999
    assert params["permutations_run"] == int(table["permutations"].sum())
    assert {"p_low", "p_high", "permutations", "undetermined"} <= set(table.columns)
    assert log["log"]["hotspots"]["weights"].startswith("queen contiguity")
    assert log["log"]["hotspots"]["n_regions"] == 101
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob(".*tmp*"))  # atomic writes leave no temporary file


def test_hotspots_csv_has_no_geometry(lattice: Path, tmp_path: Path, runner: CliRunner) -> None:
    out = tmp_path / "hot.csv"
    result = runner.invoke(
        app, ["hotspots", "-r", str(lattice), "--permutations", "9", "--out", str(out), "--top", "0"]
    )
    assert result.exit_code == 0, result.stderr
    table = pd.read_csv(out, dtype={"id": str}).set_index("id")
    assert "geometry" not in table.columns and table.loc["r9c0", "cls"] == "No data"


def test_other_weights_by_option(lattice: Path, runner: CliRunner) -> None:
    knn = runner.invoke(
        app, ["hotspots", "-r", str(lattice), "--permutations", "9", "--spatial-weights", "knn", "--k", "4"]
    )
    assert knn.exit_code == 0 and "weights: 4 nearest neighbours;" in knn.stdout
    band = runner.invoke(
        app,
        [
            "hotspots",
            "-r",
            str(lattice),
            "--permutations",
            "9",
            "--spatial-weights",
            "distance_band",
            "--threshold-km",
            "200",
        ],
    )
    assert band.exit_code == 0 and "weights: distance band of 200 km" in band.stdout


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--indicator", "nope"], "error: unknown indicator 'nope' for lattice; choose one of: demo, flat"),
        (["--indicator", "flat"], "error: the values are identical in every region"),
        (["--permutations", "0"], "error: permutations must be at least 1 (got 0)"),
        (["--max-permutations", "10"], "error: max_permutations (10) must be at least permutations (999)"),
        (["--mc-level", "1"], "error: mc_level (the confidence of each p-value's Monte Carlo interval) must lie"),
        (["--statistic", "gamma"], "error: unknown hotspot statistic method 'gamma'; choose one of: gi_star"),
        (["--correction", "holm"], "error: unknown multiple-testing correction method 'holm'"),
        (["--spatial-weights", "rook"], "error: unknown spatial weights method 'rook'; choose one of: distance_band"),
        (["--spatial-weights", "distance_band"], "error: distance_band weights need a threshold in km"),
        (["--weights", "knn"], "error: --weights sets the index's weighting (framework, equal, pca); for knn spatial"),
        (["--k", "3"], "error: k applies to knn weights only, not to queen"),
        (["--alternative", "less"], "error: unknown alternative 'less'; choose one of: folded, directed"),
        (["--out", "hot.txt"], "error: hot.txt: unsupported output format"),
        (["--png", "hot.jpg"], "error: hot.jpg: a print map is written as .png, .svg or .pdf; fix: end the file name"),
    ],
    ids=[
        "indicator", "constant", "permutations", "max-permutations", "mc-level", "statistic", "correction", "weights", "band", "index-weights", "k",
        "alternative", "out", "png",
    ],
)  # fmt: skip
def test_user_errors_are_one_line(lattice: Path, runner: CliRunner, extra: list[str], message: str) -> None:
    result = runner.invoke(app, ["hotspots", "-r", str(lattice), *extra])
    assert result.exit_code == 1
    assert result.stderr.startswith(message), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr + result.stdout


def test_hotspots_help_names_the_options(runner: CliRunner) -> None:
    result = runner.invoke(app, ["hotspots", "--help"])
    for option in (
        "--regions", "--indicator", "--statistic", "--spatial-weights", "--permutations", "--max-permutations",
        "--mc-level", "--profile",
    ):  # fmt: skip
        assert option in result.stdout


def test_default_is_the_ideopolis_index_on_a_bundled_set(runner: CliRunner) -> None:
    result = runner.invoke(app, ["hotspots", "-r", "us-counties", "--permutations", "99", "--top", "3"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Hot and cold spots (Getis-Ord Gi*) of ideopolis_index on us-counties")
    assert "Honolulu County, HI (15003)" in result.stderr


def test_hotspots_html_map_of_any_indicator(lattice: Path, tmp_path: Path, runner: CliRunner) -> None:
    import json
    import re

    page = tmp_path / "hot.html"
    args = ["hotspots", "-r", str(lattice), "--permutations", "199", "--html", str(page), "--offline"]
    result = runner.invoke(app, [*args, "--title", "Where demo clusters", "-W", "knn", "--neighbours", "4"])
    assert result.exit_code == 0, result.stderr
    assert f"wrote {page}" in result.stdout
    payload = json.loads(re.search(r'id="ideopolis-data">(.*?)</script>', page.read_text(), re.S).group(1))
    assert payload["title"] == "Where demo clusters"
    assert [layer["key"] for layer in payload["layers"]] == ["hotspots", "demo"]
    assert payload["active"] == "hotspots"
    assert "4 nearest neighbours" in payload["layers"][0]["method"]
    assert tomllib.loads((tmp_path / "hot.html.run.toml").read_text())["hotspots"]["k"] == 4


def test_hotspots_print_map_title_dpi_and_formats(lattice: Path, tmp_path: Path, runner: CliRunner) -> None:
    for suffix, magic in ((".pdf", b"%PDF"), (".svg", b"<?xm")):
        out = tmp_path / f"h{suffix}"
        args = ["hotspots", "-r", str(lattice), "--permutations", "99", "--print", str(out), "--title", "Demo"]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.stderr
        assert out.read_bytes()[:4] == magic
    assert b"Demo" in (tmp_path / "h.svg").read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dpi", "90"], "error: --dpi sets the resolution of the print map; fix: add --png FILE"),
        (["--offline"], "error: --offline and --embed shape the --html map; fix: add --html FILE"),
        (["--html", "x.htm_"], "error: x.htm_: --html writes an .html page"),
        (["--png", "x.gif"], "error: x.gif: a print map is written as .png, .svg or .pdf"),
    ],
)
def test_hotspots_map_option_errors(args: list[str], message: str, lattice: Path, runner: CliRunner) -> None:
    result = runner.invoke(app, ["hotspots", "-r", str(lattice), *args])
    assert result.exit_code == 1
    assert result.stderr.startswith(message), result.stderr
