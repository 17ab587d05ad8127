"""Checks on the committed bundled region sets; they need no raw data (they run on a fresh clone)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from ideopolis.regions.model import validate_region_set

ROOT = Path(__file__).resolve().parents[1]
REGIONS = ROOT / "data" / "regions"
SETS = {"us-metros": ("cbsa", 935, 5), "us-counties": ("fips", 3231, 5), "eu-nuts2": ("nuts_id", 334, 4)}
CT_LEGACY = [f"090{c:02d}" for c in range(1, 16, 2)]
PILLARS = {"talent", "capital", "knowledge_jobs", "import_people", "export_jobs"}


def manifest(name: str) -> dict:
    return tomllib.loads((REGIONS / name / "manifest.toml").read_text(encoding="utf-8"))


def table(name: str) -> pd.DataFrame:
    id_col = SETS[name][0]
    return pd.read_csv(
        REGIONS / name / "indicators.csv",
        dtype={id_col: str, "cbsa_code": str, "csa": str, "rucc_2023": str},
        keep_default_na=False,
        na_values=[""],
    )


def geometry(name: str) -> gpd.GeoDataFrame:
    return gpd.read_parquet(REGIONS / name / "geometry.parquet")


@pytest.mark.parametrize("name", SETS)
def test_validator_finds_no_problem(name: str) -> None:
    report = validate_region_set(REGIONS / name)
    assert not report.errors, [p.message for p in report.errors]
    assert not report.warnings, [p.message for p in report.warnings]


@pytest.mark.parametrize("name", SETS)
def test_region_counts_and_ids(name: str) -> None:
    id_col, count, width = SETS[name]
    df = table(name)
    geo = geometry(name)
    assert len(df) == count and len(geo) == count
    for ids in (df[id_col], geo[id_col]):
        assert ids.map(type).eq(str).all()
        assert ids.is_unique
        assert ids.str.len().eq(width).all()
        assert ids.is_monotonic_increasing
    assert list(df[id_col]) == list(geo[id_col])


def test_us_ids_keep_leading_zeros() -> None:
    assert "01001" in set(table("us-counties")["fips"])
    assert "02261" in set(table("us-counties")["fips"])
    assert set(CT_LEGACY) <= set(table("us-counties")["fips"])
    assert "10100" in set(table("us-metros")["cbsa"])


def test_metro_types() -> None:
    counts = table("us-metros")["cbsa_type"].value_counts()
    assert counts.to_dict() == {"micro": 542, "metro": 393}


@pytest.mark.parametrize("name", SETS)
def test_manifest_metadata_is_complete(name: str) -> None:
    m = manifest(name)
    df = table(name)
    for col, ind in m["indicators"].items():
        assert col in df.columns, col
        for key in ("label", "unit", "kind", "source", "table", "vintage", "license"):
            assert ind.get(key), (col, key)
        if "pillar" in ind:
            assert ind["pillar"] in PILLARS and ind["direction"] in (1, -1)
        if ind["kind"] in ("rate", "share"):
            assert ind["numerator"] in df.columns and ind["denominator"] in df.columns
            assert m["indicators"][ind["numerator"]]["kind"] == "count"
            assert m["indicators"][ind["denominator"]]["kind"] == "count"
        if "weight_by" in ind:
            assert ind["weight_by"] in df.columns
    for group in m["groups"]:
        assert group in df.columns
    pillars = {ind.get("pillar") for ind in m["indicators"].values()} - {None}
    assert pillars == PILLARS


@pytest.mark.parametrize("name", SETS)
def test_rates_recompute_from_stored_counts(name: str) -> None:
    m = manifest(name)
    df = table(name)
    for col, ind in m["indicators"].items():
        if ind["kind"] not in ("rate", "share"):
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            again = df[ind["numerator"]] / df[ind["denominator"]] * ind.get("scale", 1)
        both = df[col].notna() & again.notna()
        assert both.sum() > 0, col
        np.testing.assert_allclose(df.loc[both, col], again[both], rtol=1e-6, atol=1e-9, err_msg=col)
        # no value without its counts
        assert not (df[col].notna() & again.isna()).any(), col


@pytest.mark.parametrize("name", SETS)
def test_value_ranges(name: str) -> None:
    m = manifest(name)
    df = table(name)
    for col, ind in m["indicators"].items():
        values = df[col].dropna()
        assert np.isfinite(values).all(), col
        if ind["kind"] == "share":
            assert values.between(0, 1).all(), col
        if ind["kind"] == "count" and "min" not in ind:
            assert (values >= 0).all(), col


def test_metro_population_is_the_sum_of_its_counties() -> None:
    """Exact for every CBSA outside Connecticut; Connecticut CBSAs only as a whole (see DATASHEET)."""
    metros = table("us-metros").set_index("cbsa")
    counties = table("us-counties")
    for col in ("pop_2023", "pop_25plus", "ba_plus_25", "dom_mig_2021_2023"):
        summed = counties.groupby("cbsa_code")[col].sum(min_count=1)
        ct_metros = set(counties.loc[counties["fips"].isin(CT_LEGACY), "cbsa_code"])
        ct_metros |= set(metros.index[metros["name"].str.endswith(", CT")])
        other = metros.index.difference(sorted(ct_metros))
        left = metros.loc[other, col]
        right = summed.reindex(other)
        assert (left.isna() == right.isna()).all(), col
        np.testing.assert_array_equal(left.dropna().to_numpy(), right.dropna().to_numpy(), err_msg=col)
        # Connecticut: planning-region metros against legacy counties, as a whole (tolerance 0.01 %)
        ct_total = metros.loc[sorted(ct_metros), col].sum()
        legacy_total = counties.loc[counties["fips"].isin(CT_LEGACY), col].sum()
        assert abs(ct_total - legacy_total) <= 1e-4 * abs(ct_total) + 5, col


def test_every_county_in_a_metro_belongs_to_a_listed_metro() -> None:
    metros = set(table("us-metros")["cbsa"])
    counties = table("us-counties")
    codes = set(counties["cbsa_code"].dropna())
    assert codes <= metros
    assert codes == metros - {"47930"}  # Waterbury-Shelton: no legacy county has it as dominant region
    assert set(counties["cbsa_type"]) == {"metro", "micro", "noncore"}


@pytest.mark.parametrize("name", SETS)
def test_geometry_is_a_clean_coverage(name: str) -> None:
    geo = geometry(name)
    assert geo.crs is not None and geo.crs.to_epsg() == 4326
    assert geo.geometry.is_valid.all()
    assert not geo.geometry.is_empty.any()
    assert set(geo.geom_type) <= {"Polygon", "MultiPolygon"}
    minx, miny, maxx, maxy = geo.total_bounds
    assert minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90
    transformer = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:6933", always_xy=True)
    projected = shapely.transform(
        geo.geometry.to_numpy(), lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    )
    total = shapely.area(projected).sum()
    union = shapely.union_all(projected)
    overlap = (total - union.area) / total
    assert overlap < 1e-4  # neighbours overlap by less than 0.01 % of the area
    holes = [
        shapely.Polygon(ring).area
        for part in shapely.get_parts(union)
        for ring in shapely.get_interior_ring(part, range(shapely.get_num_interior_rings(part)))
    ]
    slivers = sum(h for h in holes if h < 1e6)  # gaps between neighbours are tiny holes in the union
    assert slivers / union.area < 1e-4


def test_industry_long_table() -> None:
    ind = pd.read_parquet(REGIONS / "us-metros" / "industry.parquet")
    assert list(ind.columns) == ["cbsa", "naics", "emp", "estab"]
    naics = ind["naics"].astype(str)
    # every level CBP publishes: the total, the 20 sectors (with ranges) and 3- to 6-digit industries
    assert naics.str.fullmatch(r"00|\d{2}|\d{2}-\d{2}|\d{3,6}").all()
    assert set(naics.str.len()) == {2, 3, 4, 5, 6}
    assert (naics == "00").sum() == ind["cbsa"].nunique()  # one all-sector total per CBSA
    assert set(ind["cbsa"].astype(str)) <= set(table("us-metros")["cbsa"])
    assert (ind["emp"] >= 0).all() and (ind["estab"] >= 1).all()  # a published cell, never a filled-in zero
    assert not ind.duplicated(["cbsa", "naics"]).any()


def test_strong_cluster_indicators_feed_knowledge_jobs() -> None:
    t = table("us-metros").set_index("cbsa")
    meta = manifest("us-metros")["indicators"]
    assert meta["n_strong_traded_clusters"]["pillar"] == "knowledge_jobs"
    assert meta["strong_traded_cluster_emp_share"]["numerator"] == "strong_traded_cluster_emp"
    share = t["strong_traded_cluster_emp"] / t["traded_emp"]
    np.testing.assert_allclose(t["strong_traded_cluster_emp_share"], share, rtol=1e-6)
    assert t.loc["41940", "n_strong_traded_clusters"] >= 5  # San Jose
    # The CBSAs with CBP 2019 data: 872 under their own code, 5 under their 2018 predecessor's (Cleveland...).
    assert t["n_strong_traded_clusters"].notna().sum() == 877
    assert t.loc["17410", "n_strong_traded_clusters"] >= 1


def test_cluster_crosswalk() -> None:
    xw = pd.read_parquet(REGIONS / "us-metros" / "clusters.parquet")
    assert xw["naics"].is_unique and xw["naics"].str.fullmatch(r"\d{6}").all()
    assert set(xw["traded_local"].astype(str)) == {"traded", "local"}
    dropped = {"111000", "112000", "901199", "902999", "903999", "491110", "482110", "525110"}
    assert not dropped & set(xw["naics"])
    assert int(xw["naics_2017_only"].sum()) == 16
    assert "541715" in set(xw["naics"])  # R&D, a NAICS 2017 code CBP 2019 uses
    assert xw.loc[xw["traded_local"] == "traded", "cluster"].nunique() == 51


@pytest.mark.parametrize("name", SETS)
def test_datasheet_documents_every_indicator(name: str) -> None:
    text = (REGIONS / name / "DATASHEET.md").read_text(encoding="utf-8")
    for col in manifest(name)["indicators"]:
        assert f"### `{col}`" in text, col


def test_committed_sets_are_small() -> None:
    size = sum(p.stat().st_size for p in REGIONS.rglob("*") if p.is_file())
    assert size < 15 * 1024 * 1024
