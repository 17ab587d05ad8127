"""A small synthetic region set for map tests: a main body, a far island group, a region across the
antimeridian, a region without a shape, a region without data and a region with a malicious name."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import MultiPolygon, Polygon, box

EVIL = "<img src=x onerror=alert(1)>"
SCORE_COLUMNS = [
    "ideopolis_index",
    "cluster_strength",
    "talent",
    "capital",
    "knowledge_jobs",
    "attraction",
    "exposure",
    "balance",
]


def synthetic_geometry() -> gpd.GeoSeries:
    """40 one-degree squares (the main body), two far islands, an antimeridian region, an empty shape."""
    ids: list[str] = []
    shapes: list[object] = []
    for row in range(5):
        for col in range(8):
            ids.append(f"M{row * 8 + col:02d}")
            shapes.append(box(-100 + col, 35 + row, -99 + col, 36 + row))
    ids += ["I01", "I02"]
    shapes += [box(-158, 20, -157, 21), box(-156.5, 19, -155.5, 20)]
    ids.append("AM1")
    shapes.append(
        MultiPolygon(
            [
                Polygon([(178, 52), (180, 52), (180, 53), (178, 53)]),
                Polygon([(-180, 52), (-178, 52), (-178, 53), (-180, 53)]),
            ]
        )
    )
    ids.append("EMPTY")
    shapes.append(Polygon())
    return gpd.GeoSeries(shapes, index=pd.Index(ids, name="id"), crs="EPSG:4326")


def synthetic_names(ids: pd.Index) -> pd.Series:
    names = pd.Series([f"Region {i}" for i in ids], index=ids)
    names["M05"] = EVIL
    names["M06"] = "Ünïcode & Co <Ltd>"
    names["AM1"] = "Aleutia"
    return names


def synthetic_scores(ids: pd.Index) -> pd.DataFrame:
    n = len(ids)
    base = np.arange(n, dtype=float)
    scores = pd.DataFrame(
        {col: (base * (k + 1) * 7.3) % 100 for k, col in enumerate(SCORE_COLUMNS)},
        index=ids,
    )
    scores["ideopolis_index"] = base * 2.25 + 0.15
    scores["balance"] = 50 + (base - n / 2) * 1.9
    scores.loc["M07", :] = np.nan
    return scores


def synthetic_typology(ids: pd.Index) -> pd.Series:
    cats = ["magnet", "talent_hub", "exporter", "rooted"]
    out = pd.Series([cats[i % 4] for i in range(len(ids))], index=ids, dtype=object)
    out["M07"] = None
    return out


def synthetic_hotspots(ids: pd.Index) -> pd.Series:
    labels = ["Hot spot 99%", "Hot spot 95%", "Not significant", "Not significant", "Cold spot 95%"]
    out = pd.Series([labels[i % len(labels)] for i in range(len(ids))], index=ids, dtype=object)
    out["M07"] = "No data"
    return out


def synthetic_indicators(ids: pd.Index) -> pd.DataFrame:
    n = len(ids)
    base = np.arange(n, dtype=float)
    return pd.DataFrame(
        {
            "ba_share": 0.1 + base / (2 * n),
            "income_pc": 30000 + base * 812.5,
            "mig_rate": base - 10,
        },
        index=ids,
    )
