"""Paths and loaders for the tests of spatial weights, hotspots and clusters.

Raw official files live in ``../shared/data`` beside the repository (never committed); tests that need them
skip when they are absent. Bundled region sets live in ``data/regions``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("IDEOPOLIS_SHARED_DATA", REPO.parent / "shared" / "data"))
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


def bundled_counties():  # -> geopandas.GeoDataFrame
    """US counties from the committed us-counties region set (EPSG:4326), indexed by 5-digit FIPS."""
    from ideopolis.regions.model import load_region_set

    geometry = load_region_set("us-counties").require_geometry()
    return geometry.set_axis(geometry.index.astype(str))


def cbsa_types() -> pd.Series:
    """CBSA type ("metro"/"micro") by code, from the OMB July 2023 delineation."""
    need(CBSA_DELINEATION)
    omb = pd.read_csv(CBSA_DELINEATION, dtype=str).drop_duplicates("cbsa_code").set_index("cbsa_code")
    kind = {"Metropolitan Statistical Area": "metro", "Micropolitan Statistical Area": "micro"}
    return omb["cbsa_type"].map(kind)


LATTICE_MANIFEST = """format_version = 1

[region_set]
name = "lattice"
title = "Test lattice (10 x 10 squares and an island)"
id_column = "id"
name_column = "name"
crs = "EPSG:4326"
license = "CC0 (made up for tests)"
sources = ["ideopolis test suite"]
default_indicator = "demo"

[geometry]
file = "regions.geojson"

[[tables]]
file = "indicators.csv"

[[long_tables]]
name = "industry_employment"
file = "industry.csv"
id_column = "id"
description = "made-up employment by NAICS"

[groups.cbsa_type]
label = "Type"
values = ["metro", "micro"]

[indicators.demo]
label = "Demo indicator"
unit = "points"
kind = "level"

[indicators.flat]
label = "The same everywhere"
unit = "points"
kind = "level"
"""


def write_lattice_set(folder: Path, seed: int = 7) -> Path:
    """Write a region-set folder: a 10 x 10 lattice with a hot corner, an island, a region without data.

    Regions ``r{row}c{col}`` ("Cell r c") plus ``isle`` ("Isle of Test"); ``demo`` is high in the
    4 x 4 corner at rows/cols 0-3 and missing in ``r9c0``; ``flat`` is constant. Industry: clusters
    "Alpha" (111111) and "Beta" (222221), traded, and "Local" (444441); Alpha is concentrated in the
    hot corner.
    """
    import geopandas as gpd
    import numpy as np
    from shapely.geometry import box

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    ids, names, shapes, demo, kinds = [], [], [], [], []
    for r in range(10):
        for c in range(10):
            ids.append(f"r{r}c{c}")
            names.append(f"Cell {r} {c}")
            shapes.append(box(c, r, c + 1, r + 1))
            demo.append(rng.normal(10, 1) + (8 if r < 4 and c < 4 else 0))
            kinds.append("metro" if (r + c) % 3 else "micro")
    ids.append("isle")
    names.append("Isle of Test")
    shapes.append(box(20, 0, 21, 1))
    demo.append(10.0)
    kinds.append("micro")
    demo[ids.index("r9c0")] = float("nan")
    gpd.GeoDataFrame({"id": ids, "name": names}, geometry=shapes, crs="EPSG:4326").to_file(
        folder / "regions.geojson", driver="GeoJSON"
    )
    pd.DataFrame({"id": ids, "cbsa_type": kinds, "demo": demo, "flat": 1.0}).to_csv(
        folder / "indicators.csv", index=False
    )
    rows = []
    for i, rid in enumerate(ids):
        hot = rid.startswith("r") and int(rid[1]) < 4 and int(rid[3]) < 4
        rows += [
            (rid, "111111", 300 if hot else 20 + i % 7, 12 if hot else 3),
            (rid, "222221", 100 + (i * 13) % 50, 5 + i % 4),
            (rid, "444441", 500, 40),
        ]
    pd.DataFrame(rows, columns=["id", "naics", "emp", "estab"]).to_csv(folder / "industry.csv", index=False)
    pd.DataFrame(
        {
            "naics": ["111111", "222221", "444441"],
            "traded_local": ["Traded", "Traded", "Local"],
            "cluster": ["Alpha", "Beta", "Local"],
        }
    ).to_parquet(folder / "clusters.parquet")
    (folder / "manifest.toml").write_text(LATTICE_MANIFEST, encoding="utf-8")
    return folder
