"""Loading region sets: ids as strings, every file format, CRS handling, repairs, long tables."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from ideopolis.errors import RegionSetError, RegionSetNotFoundError
from ideopolis.regions.model import load_region_set, validate_region_set

from .conftest import TOY


def test_toy_loads_with_string_ids_and_float_data() -> None:
    rs = load_region_set(TOY)
    assert list(rs.ids) == ["01001", "01003", "01005", "02001", "02003", "02005"]
    assert rs.data.index.name == "id"
    assert (rs.data.dtypes == "float64").all()
    assert rs.data.loc["02001", "ba_share"] == 0.5
    assert rs.groups.loc["01005", "state"] == "01"  # a group keeps its leading zero too
    assert rs.names["01003"] == "Birch"
    assert rs.geometry is not None and rs.geometry.crs.to_epsg() == 4326
    assert rs.scored_indicators == ["ba_share", "income_pc", "mig_rate", "telework_share", "median_income"]
    assert rs.report.problems == []


def test_frame_joins_everything() -> None:
    rs = load_region_set(TOY)
    frame = rs.frame()
    assert isinstance(frame, gpd.GeoDataFrame)
    assert list(frame.columns[:2]) == ["name", "state"]
    assert frame.loc["01001", "population"] == 1000
    assert shapely.area(frame.geometry.to_numpy()).round(6).tolist() == [1.0] * 6  # one-degree squares


def _write_topojson(gdf: gpd.GeoDataFrame, path: Path) -> None:
    arcs, geometries = [], []
    for _, row in gdf.iterrows():
        arcs.append([list(c) for c in row.geometry.exterior.coords])
        geometries.append(
            {"type": "Polygon", "arcs": [[len(arcs) - 1]], "properties": {"GEOID": row["GEOID"], "name": row["name"]}}
        )
    topo = {
        "type": "Topology",
        "objects": {"r": {"type": "GeometryCollection", "geometries": geometries}},
        "arcs": arcs,
    }
    path.write_text(json.dumps(topo))


@pytest.mark.parametrize("geometry_format", ["geojson", "gpkg", "parquet", "shp", "topojson"])
@pytest.mark.parametrize("table_format", ["csv", "parquet", "xlsx"])
def test_every_supported_format_gives_the_same_set(tmp_path: Path, geometry_format: str, table_format: str) -> None:
    folder = tmp_path / "set"
    shutil.copytree(TOY, folder)
    manifest = (folder / "manifest.toml").read_text()
    gdf = gpd.read_file(folder / "regions.geojson")
    gfile = f"regions.{geometry_format}"
    if geometry_format == "gpkg":
        gdf.to_file(folder / gfile, driver="GPKG")
    elif geometry_format == "parquet":
        gdf.to_parquet(folder / gfile)
    elif geometry_format == "shp":
        gdf.to_file(folder / gfile)
    elif geometry_format == "topojson":
        _write_topojson(gdf, folder / gfile)
    table = pd.read_csv(folder / "indicators.csv", dtype={"GEOID": str, "state": str})
    tfile = f"indicators.{table_format}"
    if table_format == "parquet":
        table.to_parquet(folder / tfile)
    elif table_format == "xlsx":
        table.to_excel(folder / tfile, index=False)
    manifest = manifest.replace('file = "regions.geojson"', f'file = "{gfile}"')
    manifest = manifest.replace('file = "indicators.csv"', f'file = "{tfile}"')
    (folder / "manifest.toml").write_text(manifest)

    rs = load_region_set(folder)
    base = load_region_set(TOY)
    pd.testing.assert_frame_equal(rs.data, base.data)
    pd.testing.assert_series_equal(rs.names, base.names)
    assert rs.geometry is not None and rs.geometry.crs.to_epsg() == 4326
    assert shapely.equals(rs.geometry.geometry.to_numpy(), base.geometry.geometry.to_numpy()).all()


def test_projected_geometry_is_reprojected_to_wgs84(tmp_path: Path) -> None:
    folder = tmp_path / "set"
    shutil.copytree(TOY, folder)
    gpd.read_file(folder / "regions.geojson").to_crs("EPSG:5070").to_file(folder / "regions.gpkg")
    text = (folder / "manifest.toml").read_text().replace("regions.geojson", "regions.gpkg")
    (folder / "manifest.toml").write_text(text.replace('crs = "EPSG:4326"', 'crs = "EPSG:5070"'))
    rs = load_region_set(folder)
    assert rs.geometry.crs.to_epsg() == 4326
    np.testing.assert_allclose(rs.geometry.total_bounds, [-100, 40, -97, 42], atol=1e-6)


def test_invalid_geometry_is_repaired_and_reported() -> None:
    rs = load_region_set(Path(__file__).parent / "broken" / "invalid-geometry")
    assert shapely.is_valid(rs.geometry.geometry.to_numpy()).all()
    assert rs.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert rs.report.codes() == ["invalid-geometry"]


def test_a_fatal_problem_raises_one_line_naming_the_first_error() -> None:
    with pytest.raises(RegionSetError) as info:
        load_region_set(Path(__file__).parent / "broken" / "duplicate-id")
    message = str(info.value)
    assert "\n" not in message
    assert "1 id occurs more than once ('01003' at rows 3, 4)" in message


def test_unknown_region_set_lists_the_bundled_ones() -> None:
    with pytest.raises(RegionSetNotFoundError, match=r"no region set 'atlantis'.*'ideopolis datasets'"):
        load_region_set("atlantis")


def test_bundled_name_lookup_uses_the_data_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDEOPOLIS_DATA", str(TOY.parent))
    assert load_region_set("toy").name == "toy"
    report = validate_region_set("toy")
    assert report.source == "toy" and report.ok


def test_long_table_is_read_on_demand(toy_dir: Path) -> None:
    (toy_dir / "industry.csv").write_text("GEOID,naics,emp\n01001,541511,10\n01001,511210,\n09999,541511,3\n")
    with (toy_dir / "manifest.toml").open("a") as f:
        f.write('\n[[long_tables]]\nname = "industry"\nfile = "industry.csv"\n')
    rs = load_region_set(toy_dir)
    lt = rs.long_table("industry")
    assert lt["id"].tolist() == ["01001", "01001"]  # the unknown id is left out (validate reports it)
    assert lt["naics"].tolist() == ["541511", "511210"]
    report = validate_region_set(toy_dir)
    assert report.codes() == ["long-table-unknown-ids"]
    with pytest.raises(RegionSetError, match="has no long table 'jobs'; fix: use one of: industry"):
        rs.long_table("jobs")


def test_reference_table_is_declared_read_and_validated(toy_dir: Path) -> None:
    (toy_dir / "codes.csv").write_text("naics,cluster\n541511,IT\n511210,IT\n")
    with (toy_dir / "manifest.toml").open("a") as f:
        f.write('\n[[reference_tables]]\nname = "codes"\nfile = "codes.csv"\nkey_column = "naics"\n')
    rs = load_region_set(toy_dir)
    assert rs.reference_table("codes")["cluster"].tolist() == ["IT", "IT"]
    assert validate_region_set(toy_dir).problems == []
    (toy_dir / "codes.csv").write_text("naics,cluster\n541511,IT\n541511,IT\n")
    report = validate_region_set(toy_dir)
    assert report.codes() == ["duplicate-id"]
    assert "codes.csv: column 'naics': 1 id occurs more than once ('541511' at rows 2, 3)" in report.lines()[0]
    with pytest.raises(RegionSetError, match="has no reference table 'x'; fix: use one of: codes"):
        rs.reference_table("x")
