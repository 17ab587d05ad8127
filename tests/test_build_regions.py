"""Tests of the region-set build (scripts/build_regions.py).

Helper tests run anywhere. Tests marked ``shared_data`` compare the committed sets with the raw official files
and rebuild the sets byte for byte; they skip when ``../shared/data`` (or ``$IDEOPOLIS_SHARED_DATA``) is absent.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

ROOT = Path(__file__).resolve().parents[1]
REGIONS = ROOT / "data" / "regions"
sys.path.insert(0, str(ROOT / "scripts"))

from build import bea, ct, geo, output  # noqa: E402
from build.spec import Indicator, RegionSet  # noqa: E402
from build.us_common import knowledge_gdp  # noqa: E402

CT_LEGACY = [f"090{c:02d}" for c in range(1, 16, 2)]


def counties() -> pd.DataFrame:
    return pd.read_csv(REGIONS / "us-counties" / "indicators.csv", dtype={"fips": str, "cbsa_code": str}).set_index(
        "fips"
    )


# --- helpers (no raw data needed) ------------------------------------------------------------------------


def test_ipf_fits_margins_on_its_support() -> None:
    seed = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 1.0]])
    rows = np.array([30.0, 20.0])
    cols = np.array([10.0, 25.0, 15.0])
    fitted, _, err = ct.ipf(seed, rows, cols)
    assert err < 1e-9
    np.testing.assert_allclose(fitted.sum(axis=1), rows)
    np.testing.assert_allclose(fitted.sum(axis=0), cols)
    assert fitted[0, 2] == 0 and fitted[1, 0] == 0


def test_knowledge_gdp_never_reads_suppression_as_zero() -> None:
    cols = [12, 45, 50, 51, 56, 59, 60, 64, 65, 90]
    lines = pd.DataFrame(
        [
            [10, 5, 30, 20, 10, 40, 25, 5, 10, 15],  # all published: 5 + 20 + 25 + 5
            [10, np.nan, 30, np.nan, 10, 40, np.nan, np.nan, 10, 15],  # recovered by identities: 5 + 20 + 30
            [10, np.nan, 30, 20, 10, 40, 25, 5, 10, np.nan],  # information unknowable
        ],
        columns=cols,
        dtype=float,
    )
    result = knowledge_gdp(lines)
    assert result[0] == 55 and result[1] == 55 and np.isnan(result[2])


def test_split_combinations_keeps_totals_and_per_capita() -> None:
    values = pd.DataFrame({"income": [300.0, 50.0], "pop": [30.0, 5.0]}, index=["51901", "01001"])
    weights = pd.Series({"51003": 20.0, "51540": 10.0})
    out = bea.split_combinations(values, {"51901": ["51003", "51540"]}, weights)
    assert list(out.index) == ["01001", "51003", "51540"]
    assert out.loc[["51003", "51540"], "income"].sum() == pytest.approx(300.0)
    assert (out["income"] / out["pop"]).round(9).tolist() == [10.0, 10.0, 10.0]


def test_node_faces_repairs_overlaps_and_keeps_shared_edges() -> None:
    a = shapely.box(0, 0, 1, 1)
    b = shapely.box(0.99, 0, 2, 1)  # overlaps a by a sliver
    faces = geo.node_faces(["a", "b"], [a, b])
    polys = geo.dissolve(faces.geoms, faces.owner)
    assert faces.overlap_faces == 1
    assert polys["a"].intersection(polys["b"]).area == 0
    assert shapely.coverage_is_valid(polys.to_numpy())
    simplified = geo.simplify_coverage(polys.to_numpy(), 0.1)
    assert shapely.coverage_is_valid(simplified)


def test_power_split_matches_target_areas() -> None:
    county = shapely.box(-73.0, 41.0, -72.0, 42.0)
    targets = pd.DataFrame({"c": [0.2, 0.8]}, index=["r1", "r2"])
    split = geo.power_split({"c": county}, {"r1": (-72.9, 41.5), "r2": (-72.1, 41.5)}, targets)
    assert split.area_error < 1e-5
    faces = geo.node_faces(["c"], [county], extra_lines=split.lines)
    owner = geo.assign_faces(faces, lambda o, f: split.owner(o, shapely.point_on_surface(f)))
    pieces = geo.dissolve(faces.geoms, owner)
    assert pieces["r1"].area / county.area == pytest.approx(0.2, abs=1e-4)


def test_csv_formatting_is_fixed(tmp_path: Path) -> None:
    rs = RegionSet(
        "t", "t", "t", "id", "name", "x", [], [],
        [
            Indicator("n", "n", "u", "count", 0, "d", "s", "t", "v", "l"),
            Indicator("d", "d", "u", "count", 1, "d", "s", "t", "v", "l"),
            Indicator("r", "r", "u", "share", 6, "d", "s", "t", "v", "l", numerator="n", denominator="d", scale=1),
        ],
    )  # fmt: skip
    df = pd.DataFrame({"id": ["02", "01"], "name": ["b", "a"], "n": [1.4, np.nan], "d": [3.04, 2.0]})
    final = output.finalize_indicators(df, rs)
    output.write_indicators_csv(final, rs, tmp_path / "x.csv", ["id", "name"])
    assert (tmp_path / "x.csv").read_text() == "id,name,n,d,r\n01,a,,2.0,\n02,b,1,3.0,0.3333333333\n"


# --- against the raw official files -----------------------------------------------------------------------


@pytest.mark.shared_data
def test_ba_share_matches_ers_published_percent(shared_data: Path) -> None:
    ers = pd.read_csv(
        shared_data / "us" / "usda_ers_education_1970_2023" / "Education.csv", skiprows=1, dtype=str
    ).set_index("FIPS Code")
    pct = pd.to_numeric(ers["Percent of adults with a bachelor's degree or higher, 2019-23"], errors="coerce")
    df = counties()
    common = df.index.intersection(pct.dropna().index).difference(CT_LEGACY)
    assert len(common) > 3200
    diff = (df.loc[common, "ba_plus_share"] * 100 - pct[common]).abs()
    assert diff.max() <= 0.05 + 1e-9  # ERS rounds to 0.1


@pytest.mark.shared_data
def test_migration_rates_match_popest_published_rates(shared_data: Path) -> None:
    raw = pd.read_csv(
        shared_data / "us" / "census_popest_v2023_county_components" / "co-est2023-alldata.csv",
        dtype={"STATE": str, "COUNTY": str},
    )
    raw = raw[raw["SUMLEV"].astype(int) == 50]
    raw.index = raw["STATE"].str.zfill(2) + raw["COUNTY"].str.zfill(3)
    df = counties()
    common = df.index.intersection(raw.index)
    assert len(common) == 3144 - 9 - 2  # every PopEst county but the 9 CT planning regions and 02063/02066
    for part, col in (("DOMESTICMIG", "dom_mig_rate"), ("INTERNATIONALMIG", "intl_mig_rate")):
        mid = {y: (raw[f"POPESTIMATE{y - 1}"] + raw[f"POPESTIMATE{y}"]) / 2 for y in (2021, 2022, 2023)}
        weighted = sum(raw[f"R{part}{y}"] * mid[y] for y in mid) / sum(mid.values())
        np.testing.assert_allclose(df.loc[common, col], weighted[common], rtol=1e-6, atol=1e-6, err_msg=col)


@pytest.mark.shared_data
def test_income_per_capita_matches_bea_line_3(shared_data: Path) -> None:
    raw = pd.read_csv(
        shared_data / "us" / "bea_cainc1_county_1969_2021" / "cainc1_2010_2021_fips5.csv", dtype={"fips5": str}
    )
    published = pd.to_numeric(raw[raw["line_code"] == 3].set_index("fips5")["2021"], errors="coerce").dropna()
    df = counties()
    common = df.index.intersection(published.index)
    assert len(common) > 3050
    diff = (df.loc[common, "income_per_capita"] - published[common]).abs()
    assert diff.max() <= 1.0  # BEA rounds to whole dollars


@pytest.mark.shared_data
def test_unemployment_rate_matches_laus(shared_data: Path) -> None:
    raw = pd.read_csv(shared_data / "us" / "bls_laus_county_2022" / "laus_county_2022_clean.csv", dtype={"fips5": str})
    published = raw.set_index("fips5")["unemployment_rate"]
    df = counties()
    common = df.index.intersection(published.index).difference(["15009"])  # Maui row split with Kalawao
    assert len(common) > 3200
    assert (df.loc[common, "unemployment_rate"] - published[common]).abs().max() <= 0.05 + 1e-9


@pytest.mark.shared_data
def test_patents_add_up_to_usptos_county_total(shared_data: Path) -> None:
    raw = pd.read_csv(
        shared_data
        / "us"
        / "uspto_patents_by_county_2000_2015"
        / "uspto_utility_patents_by_county_2000_2015_fips5.csv",
        dtype={"fips5": str},
    )
    county_rows = raw[~raw["fips5"].str.endswith("000") & (raw["fips5"] != "02280")]
    assert counties()["patents_2000_2015"].sum() == county_rows["Total"].sum()


@pytest.mark.shared_data
def test_rebuild_is_byte_identical(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "regions"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_regions.py"), "--shared", str(shared_data), "--out", str(out)],
        check=True,
        capture_output=True,
    )

    def digests(folder: Path) -> dict[str, str]:
        return {
            str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for name in ("us-metros", "us-counties", "eu-nuts2")
            for p in sorted((folder / name).rglob("*"))
            if p.is_file()
        }

    built = digests(out)
    assert len(built) == 17  # 7 files in us-metros, 5 in us-counties, 5 in eu-nuts2
    assert built == digests(REGIONS)
