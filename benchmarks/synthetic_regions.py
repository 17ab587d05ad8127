"""A quick synthetic region set for the hotspot benchmarks: a lattice of square cells with 20 indicators.

Run: ``uv run python benchmarks/synthetic_regions.py N OUT_DIR`` writes ``OUT_DIR/regions.parquet`` (GeoParquet,
``id``, ``name``, square cells of 0.01 degree) and ``OUT_DIR/indicators.parquet`` (``id``, ``population`` and 20
indicators whose names put them in the five default pillars), for about ``N`` regions (the nearest square).
Every indicator is a smooth regional pattern plus noise smoothed over the lattice (3 passes of neighbour
averaging), so the values are spatially autocorrelated like real ones. Never committed as data; branch
``scale`` (issue 16) writes the proper generator (a tessellation with realistic autocorrelation).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

INDICATORS = {
    "talent": ("ba_share", "degree_share", "college_share", "graduate_share"),
    "capital": ("income_per_capita", "gdp_per_capita", "patents_per_capita", "wage_median"),
    "knowledge_jobs": ("knowledge_jobs_share", "tech_jobs_share", "stem_share", "professional_share"),
    "import_people": ("net_migration_rate", "inflow_rate", "foreign_born_share", "movers_share"),
    "export_jobs": ("telework_share", "remote_share", "offshoring_share", "automation_exposure"),
}
CELL = 0.01  # degrees


def _smooth(field: np.ndarray, passes: int = 3) -> np.ndarray:
    """Average each cell with its four lattice neighbours, ``passes`` times (edges keep their own value)."""
    for _ in range(passes):
        padded = np.pad(field, 1, mode="edge")
        field = (padded[1:-1, 1:-1] + padded[:-2, 1:-1] + padded[2:, 1:-1] + padded[1:-1, :-2] + padded[1:-1, 2:]) / 5
    return field


def lattice_values(side: int, seed: int = 1) -> pd.DataFrame:
    """``side**2`` rows: population and 20 spatially autocorrelated indicators (row-major cell order)."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:side, 0:side].astype(np.float64)
    columns: dict[str, np.ndarray] = {}
    for j, name in enumerate(n for names in INDICATORS.values() for n in names):
        trend = np.sin(rows / (side / (3 + j % 4))) + np.cos(cols / (side / (2 + j % 5)))
        noise = _smooth(rng.normal(size=(side, side)))
        values = trend + 2.5 * noise / noise.std() + rng.normal(scale=0.5, size=(side, side))
        columns[name] = np.round(np.exp(0.15 * values) * (10 + j), 4).ravel()  # right-skewed, log-sd about 0.4
    frame = pd.DataFrame(columns)
    frame.insert(0, "population", rng.integers(1_000, 200_000, side * side))
    return frame


def write(n: int, folder: Path, seed: int = 1) -> tuple[Path, Path]:
    """Write the geometry and the indicators of about ``n`` regions into ``folder``; return both paths."""
    import geopandas as gpd
    import shapely

    side = max(2, round(n**0.5))
    folder.mkdir(parents=True, exist_ok=True)
    r, c = np.divmod(np.arange(side * side), side)
    x0, y0 = -100.0 + c * CELL, 30.0 + r * CELL
    ids = np.char.add("r", np.char.zfill(np.arange(side * side).astype(str), 7))
    cells = shapely.box(x0, y0, x0 + CELL, y0 + CELL)
    geometry = gpd.GeoDataFrame({"id": ids, "name": np.char.add("Cell ", ids)}, geometry=cells, crs="EPSG:4326")
    regions, indicators = folder / "regions.parquet", folder / "indicators.parquet"
    geometry.to_parquet(regions)
    table = lattice_values(side, seed)
    table.insert(0, "id", ids)
    table.to_parquet(indicators, index=False)
    return regions, indicators


if __name__ == "__main__":
    count, out = int(sys.argv[1]), Path(sys.argv[2])
    paths = write(count, out)
    print(" ".join(str(p) for p in paths))
