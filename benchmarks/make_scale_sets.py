"""Synthetic region sets of any size for the map benchmarks: a tessellation of the conterminous US.

The scale issue (16) measures the map at 10k, 85k, 300k and 1M regions with sets a user would bring as
their own files. This script makes them:

- **geometry**: per state of the bundled ``us-counties`` set (its 48 conterminous states and DC dissolved
  from the counties), random seed points, half spread by area and half by the counties' 2023 population
  (so cities get small cells and the plains large ones, as block groups and tracts do); the Voronoi cells
  of the points, cut by the state's outline (a coastal cell may fall apart into several polygons), in
  EPSG:5070 (Conus Albers, equal area) and written in EPSG:4326;
- **20 indicators with spatial autocorrelation**: five smooth Gaussian random fields (one per pillar of the
  default framework, drawn as random Fourier features: Rahimi & Recht 2007, with length scales of 150 to
  600 km), each indicator its pillar's field plus a field of its own and independent noise, mapped to
  shares, rates and levels; a ``population`` count; a ``state`` group (the outlines);
- **ids and names**: ``T0000001``... in state order, then along a Morton curve inside the state (as official
  codes run); names made of syllables plus the state ("Brenwick Hollow, KS"), with repeats as real place
  names have.

Everything is drawn from ``numpy.random.default_rng(seed)``; the same ``n`` and seed give the same files.
The sets are written as region-set folders (``manifest.toml``, ``geometry.parquet``, ``indicators.parquet``,
``DATASHEET.md``) and never committed (``benchmarks/out`` is ignored).

Each set made (or found) is followed by the global Moran's I of a few indicators on queen contiguity
(:func:`global_morans_i`), so the autocorrelation the sets carry is stated rather than assumed.

Run: ``uv run python benchmarks/make_scale_sets.py --n 85000 [--out benchmarks/out/sets]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import tomli_w

ROOT = Path(__file__).resolve().parents[1]
COUNTIES = ROOT / "data" / "regions" / "us-counties"
OUT = Path(__file__).resolve().parent / "out" / "sets"
SEED = 20_160_4
#: Not in the conterminous frame (Alaska, Hawaii, Puerto Rico, the island areas).
OUTSIDE = {"AK", "HI", "PR", "GU", "VI", "AS", "MP"}
PILLARS = ("talent", "capital", "knowledge_jobs", "import_people", "export_jobs")
#: name, pillar, kind, unit: four indicators per pillar.
INDICATORS = (
    ("ba_plus_share", "talent", "share", "share of adults 25+"),
    ("grad_share", "talent", "share", "share of adults 25+"),
    ("stem_share", "talent", "share", "share of workers"),
    ("young_adult_share", "talent", "share", "share of residents"),
    ("income_per_capita", "capital", "level", "US$ per person"),
    ("gdp_per_capita", "capital", "level", "US$ per person"),
    ("patents_per_100k", "capital", "rate", "patents per 100,000 residents"),
    ("venture_per_capita", "capital", "level", "US$ per person"),
    ("knowledge_gdp_share", "knowledge_jobs", "share", "share of GDP"),
    ("ki_services_share", "knowledge_jobs", "share", "share of jobs"),
    ("tech_jobs_share", "knowledge_jobs", "share", "share of jobs"),
    ("research_jobs_share", "knowledge_jobs", "share", "share of jobs"),
    ("dom_mig_rate", "import_people", "rate", "per 1,000 residents a year"),
    ("intl_mig_rate", "import_people", "rate", "per 1,000 residents a year"),
    ("movers_share", "import_people", "share", "share of residents"),
    ("foreign_born_share", "import_people", "share", "share of residents"),
    ("teleworkable_share", "export_jobs", "share", "share of jobs"),
    ("aioe_mean", "export_jobs", "level", "AIOE score (standardised)"),
    ("gpt_exposure_mean", "export_jobs", "share", "share of tasks"),
    ("traded_jobs_share", "export_jobs", "share", "share of jobs"),
)
_ONSETS = ("br", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "st", "t", "v", "w", "z", "ash", "el")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ea", "ou")
_CODAS = ("n", "r", "l", "m", "s", "th", "rd", "ck", "nt", "")
_SUFFIXES = ("ton", "ville", "field", "wick", "ford", "burg", "dale", " Hollow", " Springs", " Heights", "")


def states_frame() -> gpd.GeoDataFrame:
    """The conterminous states (and DC) dissolved from the bundled counties, with their 2023 population."""
    geo = gpd.read_parquet(COUNTIES / "geometry.parquet")
    table = pd.read_csv(COUNTIES / "indicators.csv", dtype={"fips": str}, usecols=["fips", "state", "pop_2023"])
    counties = geo.merge(table, on="fips")
    counties = counties[~counties["state"].isin(OUTSIDE)].to_crs("EPSG:5070")
    counties["geometry"] = shapely.make_valid(counties.geometry.array)
    return counties


def _fields(xy: np.ndarray, n_fields: int, rng: np.random.Generator, scales_km: tuple[float, float]) -> np.ndarray:
    """Smooth Gaussian random fields at points (metres), unit variance: 200 random Fourier features each."""
    features = 200
    out = np.empty((len(xy), n_fields))
    for f in range(n_fields):
        scale = rng.uniform(*scales_km) * 1000.0
        omega = rng.normal(0.0, 1.0 / scale, size=(2, features))
        phase = rng.uniform(0, 2 * np.pi, size=features)
        out[:, f] = np.sqrt(2.0 / features) * np.cos(xy @ omega + phase).sum(axis=1)
    return out


def _names(n: int, states: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Place-like names from syllables, with the state: repeats happen, as they do among real places."""
    parts = [
        np.asarray(_ONSETS)[rng.integers(0, len(_ONSETS), n)],
        np.asarray(_VOWELS)[rng.integers(0, len(_VOWELS), n)],
        np.asarray(_CODAS)[rng.integers(0, len(_CODAS), n)],
        np.asarray(_ONSETS)[rng.integers(0, len(_ONSETS), n)],
        np.asarray(_VOWELS)[rng.integers(0, len(_VOWELS), n)],
        np.asarray(_SUFFIXES)[rng.integers(0, len(_SUFFIXES), n)],
    ]
    stems = np.char.add(np.char.add(np.char.add(parts[0], parts[1]), np.char.add(parts[2], parts[3])), parts[4])
    words = np.char.add(np.char.capitalize(stems), parts[5])
    return np.char.add(np.char.add(words, ", "), states.astype(str))


def _morton(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Morton (Z-order) codes of points scaled to a 2^16 grid."""

    def spread(v: np.ndarray) -> np.ndarray:
        v = v.astype(np.uint64)
        v = (v | (v << np.uint64(8))) & np.uint64(0x00FF00FF)
        v = (v | (v << np.uint64(4))) & np.uint64(0x0F0F0F0F)
        v = (v | (v << np.uint64(2))) & np.uint64(0x33333333)
        return (v | (v << np.uint64(1))) & np.uint64(0x55555555)

    def grid(v: np.ndarray) -> np.ndarray:
        span = max(float(v.max() - v.min()), 1e-9)
        return ((v - v.min()) / span * 65535).astype(np.uint64)

    return spread(grid(x)) | (spread(grid(y)) << np.uint64(1))


def _points_in(poly: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` uniform random points inside a polygon (rejection sampling on its bounding box)."""
    minx, miny, maxx, maxy = poly.bounds
    shapely.prepare(poly)
    out: list[np.ndarray] = []
    have = 0
    while have < n:
        m = max(64, int((n - have) * 2.5))
        xs = rng.uniform(minx, maxx, m)
        ys = rng.uniform(miny, maxy, m)
        inside = shapely.contains_xy(poly, xs, ys)
        pts = np.column_stack([xs[inside], ys[inside]])
        out.append(pts)
        have += len(pts)
    return np.vstack(out)[:n]


def tessellate(n: int, seed: int = SEED) -> gpd.GeoDataFrame:
    """Voronoi cells of ``n`` random points in the conterminous US (columns ``state``, ``geometry``, EPSG:5070)."""
    rng = np.random.default_rng(seed)
    counties = states_frame()
    states = counties.dissolve(by="state", aggfunc={"pop_2023": "sum"})
    area = states.geometry.area.to_numpy()
    # half of the points by area, half by population, per state (at least 3 points a state)
    share = 0.5 * area / area.sum() + 0.5 * states["pop_2023"].to_numpy() / states["pop_2023"].sum()
    per_state = np.maximum(3, np.round(share * n).astype(int))
    per_state[np.argmax(per_state)] += n - per_state.sum()
    frames = []
    for (code, row), k in zip(states.iterrows(), per_state, strict=True):
        poly = row.geometry
        mine = counties[counties["state"] == code]
        by_area = k // 2
        pts = [_points_in(poly, by_area, rng)]
        pop = mine["pop_2023"].fillna(0).to_numpy(dtype=float)
        draws = rng.multinomial(k - by_area, pop / pop.sum()) if pop.sum() > 0 else np.zeros(len(mine), dtype=int)
        for geom, m in zip(mine.geometry.array, draws, strict=True):
            if m:
                pts.append(_points_in(geom, int(m), rng))
        xy = np.vstack(pts)
        order = np.argsort(_morton(xy[:, 0], xy[:, 1]), kind="stable")
        xy = xy[order]
        minx, miny, maxx, maxy = poly.bounds
        frame = shapely.box(minx - 1e5, miny - 1e5, maxx + 1e5, maxy + 1e5)
        cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(xy), extend_to=frame, ordered=True))
        shapely.prepare(poly)
        inside = shapely.contains(poly, cells)
        cut = cells.copy()
        cut[~inside] = shapely.intersection(cells[~inside], poly)
        frames.append(gpd.GeoDataFrame({"state": [code] * len(cut)}, geometry=cut, crs=counties.crs))
    out = pd.concat(frames, ignore_index=True)
    polygonal = shapely.get_type_id(out.geometry.array) != 7
    out.loc[~polygonal, "geometry"] = [
        shapely.union_all([p for p in shapely.get_parts(g) if shapely.get_type_id(p) in (3, 6)])
        for g in out.geometry.array[~polygonal]
    ]
    return gpd.GeoDataFrame(out, geometry="geometry", crs=counties.crs)


def indicators(cells: gpd.GeoDataFrame, seed: int = SEED) -> pd.DataFrame:
    """Twenty spatially autocorrelated indicators and a population count per cell."""
    rng = np.random.default_rng(seed + 1)
    centre = shapely.get_coordinates(shapely.point_on_surface(cells.geometry.array))
    pillar_fields = _fields(centre, len(PILLARS), rng, (300.0, 600.0))
    own_fields = _fields(centre, len(INDICATORS), rng, (150.0, 400.0))
    n = len(cells)
    area_km2 = cells.geometry.area.to_numpy() / 1e6
    # denser cells (smaller) hold about as many people as large ones: population ~ lognormal, weakly by size
    population = np.round(np.exp(rng.normal(8.2, 0.6, n)) * (1 + 0.2 * np.log1p(area_km2))).astype(np.int64)
    out = {"population": population}
    for k, (name, pillar, kind, _unit) in enumerate(INDICATORS):
        z = 0.7 * pillar_fields[:, PILLARS.index(pillar)] + 0.5 * own_fields[:, k] + 0.5 * rng.normal(size=n)
        if kind == "share":
            base = rng.uniform(-2.0, -0.5)
            values = 1.0 / (1.0 + np.exp(-(base + 0.6 * z)))
        elif kind == "rate" and "mig" in name:
            values = 10.0 * z + rng.uniform(-2, 20)
        elif kind == "rate":
            values = np.exp(3.0 + 0.6 * z)
        else:
            values = np.exp(10.5 + 0.25 * z) if "capita" in name else z
        out[name] = np.round(values, 6)
    return pd.DataFrame(out)


def write_set(n: int, out: Path, seed: int = SEED) -> Path:
    """Write the region-set folder ``out / f"synthetic-{n}"`` and return it (reused when it exists)."""
    folder = out / f"synthetic-{n}"
    if (folder / "manifest.toml").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    cells = tessellate(n, seed)
    table = indicators(cells, seed)
    rng = np.random.default_rng(seed + 2)
    ids = np.char.add("T", np.char.zfill(np.arange(1, len(cells) + 1).astype(str), 7))
    table.insert(0, "name", _names(len(cells), cells["state"].to_numpy(), rng))
    table.insert(0, "state", cells["state"].to_numpy())
    table.insert(0, "id", ids)
    geo = gpd.GeoDataFrame({"id": ids}, geometry=cells.geometry.array, crs=cells.crs).to_crs("EPSG:4326")
    geo.to_parquet(folder / "geometry.parquet")
    table.to_parquet(folder / "indicators.parquet", index=False)
    manifest = {
        "format_version": 1,
        "region_set": {
            "name": f"synthetic-{n}",
            "title": f"Synthetic tessellation of the conterminous US ({len(cells):,} regions)",
            "description": "Voronoi cells of random points, with spatially autocorrelated indicators (benchmarks).",
            "id_column": "id",
            "name_column": "name",
            "crs": "EPSG:4326",
            "license": "Synthetic (no real data)",
            "sources": ["ideopolis benchmarks/make_scale_sets.py"],
            "datasheet": "DATASHEET.md",
        },
        "geometry": {"file": "geometry.parquet"},
        "tables": [{"file": "indicators.parquet"}],
        "groups": {"state": {"label": "State (USPS code)"}},
        "indicators": {
            "population": {"label": "Population", "unit": "residents", "kind": "count"},
            **{
                name: {
                    "label": name.replace("_", " ").capitalize(),
                    "unit": unit,
                    "kind": kind,
                    "pillar": pillar,
                    "direction": 1,
                    "source": "synthetic",
                    "vintage": "2024",
                    **({"min": -1e9} if "mig" in name or name == "aioe_mean" else {}),
                }
                for name, pillar, kind, unit in INDICATORS
            },
        },
    }
    (folder / "manifest.toml").write_text(tomli_w.dumps(manifest), encoding="utf-8")
    (folder / "DATASHEET.md").write_text(
        f"# synthetic-{n}\n\nMade by `benchmarks/make_scale_sets.py` (seed {seed}) in "
        f"{time.perf_counter() - t0:.0f} s. No real data: see the script's docstring.\n",
        encoding="utf-8",
    )
    return folder


#: Indicators whose global Moran's I is printed (one per kind of field, and the population count).
MORAN_INDICATORS = ("ba_plus_share", "income_per_capita", "tech_jobs_share", "dom_mig_rate", "population")


def global_morans_i(folder: Path, columns: tuple[str, ...] = MORAN_INDICATORS) -> dict[str, float]:
    """Global Moran's I of ``columns`` on queen contiguity, row-standardised (Moran 1950; Cliff & Ord 1981).

    ``I = (n / S0) * sum_ij w_ij z_i z_j / sum_i z_i**2`` with ``z`` the deviations from the mean and ``w``
    the row-standardised queen weights of :func:`ideopolis.spatial.weights.queen_weights` (islands get their
    nearest region, so every row sums to 1 and ``S0 = n``). Values near 0 mean no autocorrelation; counties'
    socio-economic indicators typically lie between 0.3 and 0.7.

    Parameters
    ----------
    folder : Path
        A region-set folder written by :func:`write_set`.
    columns : tuple of str
        Indicators to measure.

    Returns
    -------
    dict
        Moran's I by indicator.
    """
    from ideopolis.spatial.weights import queen_weights

    geo = gpd.read_parquet(folder / "geometry.parquet").set_index("id")
    table = pd.read_parquet(folder / "indicators.parquet", columns=["id", *columns]).set_index("id")
    w = queen_weights(geo.geometry)
    rows = np.repeat(np.arange(w.n), w.cardinalities)
    link = 1.0 / w.cardinalities[rows]
    out = {}
    for column in columns:
        z = table[column].reindex(w.ids).to_numpy(dtype=np.float64)
        z = z - z.mean()
        lag = np.bincount(rows, weights=link * z[w.indices], minlength=w.n)
        s0 = float(link.sum())
        out[column] = float(w.n / s0 * (z * lag).sum() / (z**2).sum())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[10_000, 85_000, 300_000])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    for n in args.n:
        t0 = time.perf_counter()
        folder = write_set(n, args.out, args.seed)
        print(f"{folder}: {time.perf_counter() - t0:.1f} s", flush=True)
        moran = global_morans_i(folder)
        print("  global Moran's I (queen, row-standardised): " + ", ".join(f"{k} {v:.3f}" for k, v in moran.items()))


if __name__ == "__main__":
    main()
