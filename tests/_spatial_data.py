"""Paths and loaders for the tests of spatial weights, hotspots and clusters.

Raw official files live in ``../shared/data`` beside the repository (never committed); tests that need them
skip when they are absent. Bundled region sets live in ``data/regions``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
BUNDLED = REPO / "data" / "regions"

COUNTIES_TOPOJSON = SHARED / "us" / "census_cb2017_us_atlas_topojson" / "counties-10m.json"
CBP_CBSA = SHARED / "us" / "census_cbp_2019_cbsa_naics" / "cbp2019_cbsa_naics_emp.csv.gz"
CROSSWALK = SHARED / "us" / "uscmp_naics_to_cluster_crosswalk" / "NAICS_crosswalks_to_Cluster_system.xlsx"
CBSA_DELINEATION = SHARED / "us" / "omb_cbsa_delineation_2023" / "county_to_cbsa_2023.csv"


def need(*paths: Path) -> None:
    """Skip the calling test unless every path exists."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        pytest.skip(f"raw data not available: {', '.join(missing)}")


def us_counties():  # -> geopandas.GeoDataFrame
    """US counties (Census 2017 cartographic boundaries via us-atlas), indexed by 5-digit FIPS."""
    import geopandas as gpd

    need(COUNTIES_TOPOJSON)
    frame = gpd.read_file(COUNTIES_TOPOJSON, layer="counties").set_index("id")
    return frame.set_crs("EPSG:4326")


def cbsa_types() -> pd.Series:
    """CBSA type ("metro"/"micro") by code, from the OMB July 2023 delineation."""
    need(CBSA_DELINEATION)
    omb = pd.read_csv(CBSA_DELINEATION, dtype=str).drop_duplicates("cbsa_code").set_index("cbsa_code")
    kind = {"Metropolitan Statistical Area": "metro", "Micropolitan Statistical Area": "micro"}
    return omb["cbsa_type"].map(kind)
