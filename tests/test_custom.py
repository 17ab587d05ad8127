"""Custom regions aggregate exactly: counts summed, rates recomputed from counts, levels only by rule."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ideopolis.cli import app
from ideopolis.errors import RegionSetError
from ideopolis.regions.custom import custom_regions, read_mapping, write_region_set
from ideopolis.regions.metadata import GeometrySpec, IndicatorMeta, Manifest, TableSpec
from ideopolis.regions.model import RegionSet, load_region_set
from ideopolis.regions.problems import ValidationReport

from .conftest import TOY

WEST_EAST = pd.DataFrame(
    {"base": ["01001", "01003", "02001", "01005", "02003"], "region": ["West", "West", "West", "East", "East"]}
)


def test_counts_rates_and_levels_against_hand_totals() -> None:
    out = custom_regions(load_region_set(TOY), WEST_EAST, name="we")
    west, east = out.data.loc["West"], out.data.loc["East"]
    # counts: 1000 + 2000 + 4000 and 3000 + 5000
    assert west["population"] == 7000 and east["population"] == 8000
    assert west["ba_plus"] == 120 + 480 + 1200
    # shares and rates from summed counts, never averaged: 1800 / 4200, not mean(0.2, 0.4, 0.5) = 0.3667
    assert west["ba_share"] == pytest.approx(1800 / 4200)
    assert east["ba_share"] == pytest.approx((360 + 600) / (1800 + 3000))
    assert west["income_pc"] == pytest.approx(310_000_000 / 7000)
    assert west["mig_rate"] == pytest.approx((10 - 20 + 200) / 7000 * 1000)
    assert east["mig_rate"] == pytest.approx((60 - 50) / 8000 * 1000)
    assert west["telework_share"] == pytest.approx((100 + 400 + 1000) / (500 + 1000 + 2000))
    # a level with a rule: population-weighted mean of median incomes
    assert west["median_income"] == pytest.approx((50_000 * 1000 + 60_000 * 2000 + 80_000 * 4000) / 7000)
    assert east["median_income"] == pytest.approx((45_000 * 3000 + 40_000 * 5000) / 8000)
    # a level without a rule is not aggregatable: missing, with a note
    assert out.data["median_age"].isna().all()
    assert any(n.startswith("median_age: a level") for n in out.notes)
    assert "1 of 6 base regions are in no custom region and are left out" in out.notes
    # groups: shared value kept, several listed
    assert out.groups.loc["West", "state"] == "01; 02"


def test_a_missing_member_value_makes_the_total_missing(toy_dir: Path) -> None:
    csv = toy_dir / "indicators.csv"
    csv.write_text(csv.read_text().replace("01003,01,2000,1200,480,0.4,", "01003,01,2000,1200,,,"))
    out = custom_regions(load_region_set(toy_dir), WEST_EAST)
    assert np.isnan(out.data.loc["West", "ba_plus"])  # 120 + ? + 1200 is not 1320
    assert np.isnan(out.data.loc["West", "ba_share"])
    assert out.data.loc["East", "ba_share"] == pytest.approx(960 / 4800)


def test_dissolved_shapes_have_no_internal_borders() -> None:
    out = custom_regions(load_region_set(TOY), WEST_EAST)
    west = out.geometry.loc["West"].geometry
    # 01001, 01003 (bottom row, x -100..-98) and 02001 (top row, x -100..-99): an L of three squares
    assert west.geom_type == "Polygon" and len(west.interiors) == 0
    assert west.area == pytest.approx(3.0)
    assert shapely.is_valid(west)
    assert west.length == pytest.approx(8.0)  # the outline of the L only: inner edges would add length


def _square_set(geoms: list[shapely.Geometry], ids: list[str]) -> RegionSet:
    data = pd.DataFrame({"pop": np.ones(len(ids))}, index=pd.Index(ids, name="id"))
    manifest = Manifest(
        name="sq",
        id_column="id",
        name_column="id",
        geometry=GeometrySpec("x", "id"),
        tables=(TableSpec("y", "id"),),
        indicators={"pop": IndicatorMeta("pop", "pop", "", "count")},
    )
    geo = gpd.GeoDataFrame(geometry=geoms, index=pd.Index(ids, name="id"), crs="EPSG:4326")
    return RegionSet(
        manifest, data, pd.DataFrame(index=data.index), pd.Series(ids, index=data.index), geo, ValidationReport("sq")
    )


def test_a_gap_between_members_is_closed_but_an_enclave_is_kept() -> None:
    box = shapely.box
    # a 3x3 block: the centre is a separate region (an enclave, like an independent city)
    cells = [box(x, y, x + 1, y + 1) for y in range(3) for x in range(3)]
    ids = [f"c{i}" for i in range(9)]
    rs = _square_set(cells, ids)
    ring = [i for i in ids if i != "c4"]
    out = custom_regions(rs, pd.DataFrame({"base": ring, "region": "ring"}))
    shape = out.geometry.loc["ring"].geometry
    assert len(shape.interiors) == 1  # the enclave stays a hole
    assert shape.area == pytest.approx(8.0)
    # four squares that almost meet leave a tiny gap in the middle: a sliver, closed
    eps = 1e-7
    near = [
        box(0, 0, 1 - eps, 1 - eps),
        box(1 + eps, 0, 2, 1 - eps),
        box(0, 1 + eps, 1 - eps, 2),
        box(1 + eps, 1 + eps, 2, 2),
    ]
    rs2 = _square_set(near, ["a", "b", "c", "d"])
    shape2 = (
        custom_regions(rs2, pd.DataFrame({"base": ["a", "b", "c", "d"], "region": "all"})).geometry.loc["all"].geometry
    )
    assert all(len(p.interiors) == 0 for p in shapely.get_parts(shape2))


def test_mapping_errors_are_one_line_with_the_fix() -> None:
    rs = load_region_set(TOY)
    with pytest.raises(
        RegionSetError, match=r"names 1 base regions that are not in 'toy' \('99999'\); fix: use ids of 'toy'"
    ):
        custom_regions(rs, pd.DataFrame({"base": ["99999"], "region": ["X"]}))
    with pytest.raises(RegionSetError, match=r"base region '01001' is mapped to 2 custom regions \('A', 'B'\)"):
        custom_regions(rs, pd.DataFrame({"base": ["01001", "01001"], "region": ["A", "B"]}))


def test_read_mapping_keeps_leading_zeros_and_reports_empty_cells(tmp_path: Path) -> None:
    p = tmp_path / "m.csv"
    p.write_text("fips,region\n01001,Home\n01003,Home\n")
    assert read_mapping(p)["base"].tolist() == ["01001", "01003"]
    p.write_text("fips,region\n01001,Home\n01003,\n")
    with pytest.raises(RegionSetError, match=r"m.csv: column 'region' is empty at rows 3; fix: fill every cell"):
        read_mapping(p)
    with pytest.raises(RegionSetError, match=r"column 'county' is missing"):
        read_mapping(p, base_column="county")


def test_written_set_reloads_and_validates(tmp_path: Path) -> None:
    out = custom_regions(load_region_set(TOY), WEST_EAST, name="we")
    folder = write_region_set(out, tmp_path / "we")
    back = load_region_set(folder)
    assert back.report.problems == []
    pd.testing.assert_frame_equal(back.data, out.data, check_exact=False, rtol=1e-10)
    assert back.long_table("members")["base"].tolist() == ["01001", "01003", "02001", "01005", "02003"]


def test_cli_custom_writes_a_usable_set(tmp_path: Path, runner: CliRunner) -> None:
    mapping = tmp_path / "our-counties.csv"
    WEST_EAST.rename(columns={"base": "fips"}).to_csv(mapping, index=False)
    result = runner.invoke(app, ["custom", str(mapping), "--regions", str(TOY), "--out", str(tmp_path / "ours")])
    assert result.exit_code == 0, result.output
    assert "2 regions (2 custom, from 5 of toy)" in result.stdout
    assert "median_age" in result.stderr
    check = runner.invoke(app, ["validate", str(tmp_path / "ours")])
    assert check.exit_code == 0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["A", "B", "C"]), min_size=6, max_size=6))
def test_any_grouping_preserves_totals(assignment: list[str]) -> None:
    rs = load_region_set(TOY)
    mapping = pd.DataFrame({"base": list(rs.ids), "region": assignment})
    out = custom_regions(rs, mapping)
    for col in ("population", "ba_plus", "income_total", "net_migration", "jobs"):
        assert out.data[col].sum() == pytest.approx(rs.data[col].sum())
    # the share of the whole equals the share recomputed from all counts
    total = out.data["ba_plus"].sum() / out.data["adults_25"].sum()
    assert total == pytest.approx(rs.data["ba_plus"].sum() / rs.data["adults_25"].sum())
    assert shapely.area(out.geometry.geometry.to_numpy()).sum() == pytest.approx(6.0)


def test_keep_others_compares_a_custom_region_with_the_rest() -> None:
    rs = load_region_set(TOY)
    ours = pd.DataFrame({"base": ["01001", "01003"], "region": ["Home"] * 2})
    out = custom_regions(rs, ours, keep_others=True)
    assert list(out.ids) == ["Home", "01005", "02001", "02003", "02005"]
    assert out.names["Home"] == "Home" and out.names["02003"] == "Elm"
    # a region of one base region keeps its values, levels without a rule included
    pd.testing.assert_series_equal(out.data.loc["02003"], rs.data.loc["02003"], check_names=False)
    assert out.data.loc["Home", "population"] == 3000
    assert np.isnan(out.data.loc["Home", "median_age"])
    assert shapely.equals(out.geometry.loc["02003"].geometry, rs.geometry.loc["02003"].geometry)
    assert "4 of 6 base regions are in no custom region and are kept as they are" in out.notes
    with pytest.raises(RegionSetError, match="custom region '01005' has the id of a base region"):
        custom_regions(rs, pd.DataFrame({"base": ["01001"], "region": ["01005"]}), keep_others=True)


def test_cli_scores_with_a_custom_region_in_context(tmp_path: Path, runner: CliRunner) -> None:
    mapping = tmp_path / "home.csv"
    mapping.write_text("fips,region\n01001,Home\n01003,Home\n")
    result = runner.invoke(app, ["score", "--regions", str(TOY), "--custom", str(mapping), "--explain", "Home"])
    assert result.exit_code == 0, result.output
    assert "Home (Home)" in result.stdout and "rank" in result.stdout
