"""``ideopolis clusters``: a region's strong clusters, one cluster's valleys, citations, errors."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from ideopolis.cli import app
from tests._spatial_data import write_lattice_set

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
    # by construction (tests/_spatial_data.py): Alpha's employment is concentrated in the 4 x 4 hot corner
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
    result = runner.invoke(app, ["clusters", "San Jose", "-r", "us-metros"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("San Jose-Sunnyvale-Santa Clara, CA (41940), metro:")
    assert "Information Technology and Analytical Instruments" in result.stdout


def _strong_counts_by_the_rule(industry: pd.DataFrame, crosswalk: pd.DataFrame, types: pd.Series) -> pd.Series:
    """The strong-cluster rule written out in plain pandas (published 6-digit cells only), independently of
    ideopolis.industry: traded LQ against traded employment, LQ >= 1 and >= the 75th percentile within the
    region type, employment and establishments above the 25th percentile (US Cluster Mapping convention)."""
    six = industry[industry["naics"].astype(str).str.fullmatch(r"\d{6}")].assign(naics=lambda d: d["naics"].astype(str))
    traded = crosswalk[crosswalk["traded_local"].astype(str).str.lower() == "traded"][["naics", "cluster"]]
    rows = six.merge(traded, on="naics")
    regions = pd.Index(sorted(set(industry["id"])), name="id")
    grid = pd.MultiIndex.from_product([regions, sorted(traded["cluster"].unique())], names=["id", "cluster"])
    by = rows.groupby(["id", "cluster"])[["emp", "estab"]].sum().reindex(grid, fill_value=0)
    traded_emp = rows.groupby("id")["emp"].sum().reindex(regions, fill_value=0)
    national = by["emp"].groupby(level="cluster").sum() / traded_emp.sum()
    ids, clusters = by.index.get_level_values("id"), by.index.get_level_values("cluster")
    lq = by["emp"] / traded_emp.reindex(ids).to_numpy() / national.reindex(clusters).to_numpy()
    frame = by.assign(lq=lq, type=types.reindex(ids).to_numpy())
    within = frame.groupby([clusters, "type"])
    key = pd.MultiIndex.from_arrays([clusters, frame["type"]])
    p75 = within["lq"].quantile(0.75).reindex(key).to_numpy()
    emp25 = within["emp"].quantile(0.25).reindex(key).to_numpy()
    estab25 = within["estab"].quantile(0.25).reindex(key).to_numpy()
    strong = (frame["lq"] >= 1) & (frame["lq"] >= p75) & (frame["emp"] > emp25) & (frame["estab"] > estab25)
    return strong.groupby(level="id").sum()


def test_strong_cluster_counts_on_the_bundled_metros() -> None:
    from ideopolis.industry.clusters import region_set_clusters
    from ideopolis.regions.model import load_region_set

    rs = load_region_set("us-metros")
    published = region_set_clusters(rs, suppressed="published")
    expected = _strong_counts_by_the_rule(
        rs.long_table("industry_employment"), rs.reference_table("naics_clusters"), rs.groups["cbsa_type"]
    )
    counts = published.summary["n_strong_traded"]
    assert len(counts) == rs.long_table("industry_employment")["id"].nunique()  # the CBSAs with CBP data
    pd.testing.assert_series_equal(counts.astype(int), expected.reindex(counts.index).astype(int), check_names=False)
    # allocating unpublished cells only adds jobs: no cluster of any region loses employment
    allocated = region_set_clusters(rs)
    assert allocated.suppressed == "allocate"
    joined = allocated.clusters["emp"].reindex(published.clusters.index)
    assert (joined >= published.clusters["emp"] - 1e-9).all()
