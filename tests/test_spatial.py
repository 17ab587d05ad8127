"""Spatial weights: queen contiguity, island fallback, k-nearest neighbours, distance bands."""

from __future__ import annotations

import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import MultiPolygon, Point, box

from ideopolis.errors import MethodError, UnknownMethodError
from ideopolis.spatial.weights import (
    EARTH_RADIUS_KM,
    WEIGHTS,
    build_weights,
    distance_band_weights,
    knn_weights,
    queen_weights,
    region_points,
)
from tests._spatial_data import bundled_counties


def lattice(rows: int, cols: int, *, size: float = 1.0) -> gpd.GeoSeries:
    """Square cells r0c0, r0c1, ... in row-major order (lon/lat near the equator)."""
    cells, ids = [], []
    for r in range(rows):
        for c in range(cols):
            cells.append(box(c * size, r * size, (c + 1) * size, (r + 1) * size))
            ids.append(f"r{r}c{c}")
    return gpd.GeoSeries(cells, index=ids, crs="EPSG:4326")


def test_queen_on_a_lattice_counts_corner_neighbours() -> None:
    w = queen_weights(lattice(3, 3))
    cards = pd.Series(w.cardinalities, index=w.ids)
    assert cards["r0c0"] == 3  # two by an edge, one by a corner
    assert cards["r0c1"] == 5
    assert cards["r1c1"] == 8
    assert sorted(w.neighbours("r0c0")) == ["r0c1", "r1c0", "r1c1"]
    assert w.symmetric
    assert w.fallback_ids == [] and not w.fallback_only.any()
    assert w.describe() == "queen contiguity"


def test_islands_get_their_nearest_region_and_are_named() -> None:
    grid = lattice(2, 2)
    island = gpd.GeoSeries([box(10, 0, 11, 1)], index=["isle"], crs="EPSG:4326")
    geometry = pd.concat([grid, island])
    names = pd.Series(["A", "B", "C", "D", "Isle of Test"], index=geometry.index)
    w = queen_weights(geometry, names=names)
    assert w.fallback_ids == ["isle"]
    assert w.fallback_only_ids == ["isle"]
    # nearest cell to the island is the east column, lower row
    assert w.neighbours("isle") == ["r0c1"]
    # the link goes both ways, but r0c1 still has contiguous neighbours: not flagged
    assert "isle" in w.neighbours("r0c1")
    assert not w.fallback_only[w.ids.get_loc("r0c1")]
    report = w.fallback_report()
    assert report is not None and "Isle of Test (isle)" in report
    assert "1 nearest-region fallback for 1 region without neighbours" in w.describe()


def test_two_islands_linked_only_to_each_other_are_both_fallback_only() -> None:
    geometry = pd.concat(
        [
            lattice(2, 2),
            gpd.GeoSeries([box(20, 0, 21, 1), box(22, 0, 23, 1)], index=["i1", "i2"], crs="EPSG:4326"),
        ]
    )
    w = queen_weights(geometry)
    assert w.neighbours("i1") == ["i2"] and w.neighbours("i2") == ["i1"]
    assert w.fallback_only_ids == ["i1", "i2"]


def test_fallback_can_be_switched_off() -> None:
    geometry = pd.concat([lattice(2, 2), gpd.GeoSeries([box(10, 0, 11, 1)], index=["isle"], crs="EPSG:4326")])
    w = queen_weights(geometry, fallback_k=0)
    assert w.islands == ["isle"]
    assert w.fallback_ids == []
    assert w.fallback_report() is None


def test_empty_geometry_has_no_location_and_no_neighbours() -> None:
    geometry = pd.concat([lattice(2, 2), gpd.GeoSeries([shapely.Polygon()], index=["gone"], crs="EPSG:4326")])
    w = queen_weights(geometry)
    assert w.unlocated_ids == ["gone"]
    assert w.neighbours("gone") == []
    assert all("gone" not in w.neighbours(i) for i in w.ids)


def test_subset_reruns_the_fallback_for_regions_cut_off() -> None:
    w = queen_weights(lattice(1, 3))  # r0c0 - r0c1 - r0c2
    sub = w.subset(["r0c0", "r0c2"])
    assert sub.fallback_ids == ["r0c0", "r0c2"]
    assert sub.neighbours("r0c0") == ["r0c2"]
    with pytest.raises(MethodError, match="unknown region ids"):
        w.subset(["nowhere"])


def test_region_points_handle_the_antimeridian() -> None:
    # one region in two parts either side of 180 degrees: its point must sit near 180, not near 0
    split = MultiPolygon([box(178, 50, 180, 52), box(-180, 50, -178, 52)])
    points, metric = region_points(gpd.GeoSeries([split], crs="EPSG:4326"))
    assert metric == "sphere"
    x, y, z = points[0]
    lon, lat = np.degrees(np.arctan2(y, x)), np.degrees(np.arcsin(z))
    assert abs(abs(lon) - 180) < 0.01
    assert 50 < lat < 52


def test_distance_band_uses_great_circle_distances() -> None:
    # one degree of latitude on the mean sphere
    one_degree = np.radians(1.0) * EARTH_RADIUS_KM
    geometry = gpd.GeoSeries(
        [Point(10, 45).buffer(0.01), Point(10, 46).buffer(0.01)], index=["a", "b"], crs="EPSG:4326"
    )
    near = distance_band_weights(geometry, threshold_km=one_degree + 1, fallback_k=0)
    far = distance_band_weights(geometry, threshold_km=one_degree - 1, fallback_k=0)
    assert near.neighbours("a") == ["b"]
    assert far.neighbours("a") == [] and far.islands == ["a", "b"]
    assert far.describe() == f"distance band of {one_degree - 1:g} km"


def test_distance_band_on_projected_data_needs_metres() -> None:
    geometry = gpd.GeoSeries([box(0, 0, 1, 1), box(5, 0, 6, 1)], index=["a", "b"], crs="EPSG:2263")
    with pytest.raises(MethodError, match="need a CRS in metres"):
        distance_band_weights(geometry, threshold_km=1)
    metric_geometry = geometry.set_crs("EPSG:3857", allow_override=True)
    w = distance_band_weights(metric_geometry, threshold_km=0.006, fallback_k=0)
    assert w.neighbours("a") == ["b"]


def test_knn_gives_k_neighbours_without_self() -> None:
    w = knn_weights(lattice(4, 4), k=3)
    assert (w.cardinalities == 3).all()
    assert all(i not in w.neighbours(i) for i in w.ids)
    assert w.describe() == "3 nearest neighbours"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda g: knn_weights(g, k=0), "need 1 <= k < number of regions"),
        (lambda g: knn_weights(g, k=4), "need 1 <= k < number of regions"),
        (lambda g: distance_band_weights(g, threshold_km=0), "threshold_km > 0"),
        (lambda g: build_weights(g, "distance_band"), "need a threshold in km"),
        (lambda g: build_weights(g, "queen", k=3), "k applies to knn weights only"),
        (lambda g: build_weights(g, "knn", threshold_km=3), "threshold_km applies to distance_band"),
        (lambda g: queen_weights(g, fallback_k=-1), "fallback_k must be 0 or more"),
    ],
    ids=["k0", "k-too-big", "band0", "band-missing", "k-with-queen", "band-with-knn", "fallback<0"],
)
def test_weight_options_are_checked(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MethodError, match=message):
        call(lattice(2, 2))


def test_registry_names_and_unknown_scheme() -> None:
    assert WEIGHTS.names() == ["distance_band", "knn", "queen"]
    grid = lattice(2, 3)
    direct = knn_weights(grid, k=2)
    via = build_weights(grid, "K-Nearest", k=2)
    assert via.to_dict() == direct.to_dict()
    with pytest.raises(UnknownMethodError, match="choose one of: distance_band, knn, queen"):
        build_weights(grid, "rook")


def test_duplicate_ids_are_refused() -> None:
    grid = lattice(1, 2)
    grid.index = ["a", "a"]
    with pytest.raises(MethodError, match="must be unique"):
        queen_weights(grid)


# ------------------------------------------------------------------ against libpysal on real geometry
@pytest.mark.filterwarnings("ignore:The weights matrix is not fully connected:UserWarning")
def test_queen_matches_libpysal_on_us_counties() -> None:
    counties = bundled_counties()
    mine = queen_weights(counties, fallback_k=0)
    reference = libpysal.weights.Queen.from_dataframe(counties, use_index=True, silence_warnings=True)
    assert mine.n == reference.n == len(counties)
    for region in counties.index:
        assert sorted(mine.neighbours(region)) == sorted(reference.neighbors[region])
    assert sorted(mine.islands) == sorted(reference.islands)


def test_us_county_islands_are_reported_by_name() -> None:
    from ideopolis.regions.model import load_region_set

    counties = bundled_counties()
    w = queen_weights(counties, names=load_region_set("us-counties").names)
    assert {"15001", "15003", "15007", "25019", "53055"} <= set(w.fallback_ids)  # Hawaii, Nantucket, San Juan
    report = w.fallback_report(limit=100)
    assert report is not None and "Nantucket County, MA (25019)" in report and "Honolulu County, HI (15003)" in report
    # every county of the bundled set has a shape (Falls Church city, empty in the raw simplified boundaries, too)
    assert w.unlocated_ids == [] and "51610" in counties.index


@pytest.mark.filterwarnings("ignore:The weights matrix is not fully connected:UserWarning")
def test_knn_matches_libpysal_on_the_same_points() -> None:
    counties = bundled_counties()
    counties = counties[~counties.geometry.is_empty]
    mine = knn_weights(counties, k=5)
    points, _ = region_points(counties)
    reference = libpysal.weights.KNN.from_array(points, k=5, ids=list(counties.index))
    same = sum(sorted(mine.neighbours(i)) == sorted(reference.neighbors[i]) for i in counties.index)
    assert same == len(counties)
