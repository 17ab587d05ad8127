"""Polygon coverages: clean (node + polygonize), split Connecticut, dissolve, simplify, measure.

The us-atlas counties are a near-coverage with a few invalid rings and overlapping edges. Instead of
repairing polygons one by one, the whole coverage is rebuilt: every boundary is noded against every
other (``union_all``), the linework is polygonized into faces, and each face is given to the unit whose
original polygon contains its representative point (overlap faces to the lowest id, tiny gap faces to
the neighbour with the longest shared border). Dissolving faces per group then gives polygons whose
shared borders are identical vertex by vertex, which ``shapely.coverage_simplify`` needs in order to
simplify the whole coverage without opening gaps or overlaps.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyproj
import shapely

#: Geometries as a numpy object array or any sequence.
GeomArray = np.ndarray | Sequence[shapely.Geometry]

EQUAL_AREA = "EPSG:6933"  # WGS 84 / NSIDC EASE-Grid 2.0 Global: equal-area, valid for all US areas and Europe


@dataclass
class Faces:
    """Faces of a noded coverage and the unit each belongs to."""

    geoms: np.ndarray
    owner: np.ndarray
    gap_faces: int
    gap_area_deg2: float
    overlap_faces: int


def node_faces(
    unit_ids: Sequence[str],
    geoms: GeomArray,
    extra_lines: GeomArray = (),
    max_gap_deg2: float = 1e-3,
    priority: Sequence[str] = (),
) -> Faces:
    """Node all unit boundaries (plus extra cut lines) and assign every face to a unit.

    Parameters
    ----------
    unit_ids : sequence of str
        Unit ids (e.g. county FIPS), parallel to ``geoms``.
    geoms : sequence of shapely geometries
        Valid (multi)polygons in lon/lat.
    extra_lines : sequence of shapely geometries
        Additional lines that cut faces (used to split Connecticut counties).
    max_gap_deg2 : float
        Faces inside no unit and smaller than this (square degrees) are gaps between neighbours and go to
        the neighbour with the longest shared border; larger ones stay unassigned (holes).
    priority : sequence of str
        Units that win a face they share with others (inserted polygons cut out of their neighbours).

    Returns
    -------
    Faces
        The faces and their owners (``""`` for unassigned faces).
    """
    ids = np.asarray(unit_ids, dtype=object)
    polys = np.asarray(geoms, dtype=object)
    lines = [shapely.boundary(p) for p in polys] + list(extra_lines)
    noded = shapely.union_all(np.asarray(lines, dtype=object))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    points = shapely.point_on_surface(faces)
    tree = shapely.STRtree(polys)
    face_idx, poly_idx = tree.query(points, predicate="within")
    owner = np.full(len(faces), "", dtype=object)
    overlap = 0
    preferred_ids = set(priority)
    for f in np.unique(face_idx):
        candidates = sorted(ids[poly_idx[face_idx == f]])
        preferred = [c for c in candidates if c in preferred_ids]
        owner[f] = preferred[0] if preferred else candidates[0]
        overlap += len(candidates) > 1
    gaps = 0
    gap_area = 0.0
    boundaries = shapely.boundary(polys)
    for f in np.flatnonzero(owner == ""):
        area = float(shapely.area(faces[f]))
        if area > max_gap_deg2:
            continue
        near = tree.query(faces[f], predicate="intersects")
        if len(near) == 0:
            continue
        shared = shapely.length(shapely.intersection(boundaries[near], shapely.boundary(faces[f])))
        best = near[np.lexsort((ids[near], -np.round(shared, 12)))[0]]
        owner[f] = ids[best]
        gaps += 1
        gap_area += area
    return Faces(faces, owner, gaps, gap_area, overlap)


def square_of_area(lon: float, lat: float, area_m2: float) -> shapely.Polygon:
    """Return a lon/lat square of a given ground area centred on a point.

    Used for a unit whose polygon collapsed in the source (Falls Church city, VA, in us-atlas 10m).

    Parameters
    ----------
    lon, lat : float
        Centre (e.g. the Census Gazetteer internal point).
    area_m2 : float
        Ground area in square metres (e.g. Gazetteer ALAND).

    Returns
    -------
    shapely.Polygon
        The square, in lon/lat.
    """
    half = math.sqrt(area_m2) / 2.0
    dlat = half / 111_320.0
    dlon = half / (111_320.0 * math.cos(math.radians(lat)))
    return shapely.box(lon - dlon, lat - dlat, lon + dlon, lat + dlat)


def dissolve(faces: np.ndarray, groups: Sequence[str] | np.ndarray) -> pd.Series:
    """Union faces per group.

    Parameters
    ----------
    faces : numpy.ndarray
        Face polygons.
    groups : sequence of str
        Group id of every face; ``""`` faces are dropped.

    Returns
    -------
    pandas.Series
        One (multi)polygon per group id, sorted by id.
    """
    frame = pd.DataFrame({"group": np.asarray(groups, dtype=object), "i": np.arange(len(faces))})
    frame = frame[frame["group"] != ""]
    out = {}
    for group, rows in frame.groupby("group", sort=True):
        out[group] = shapely.union_all(faces[rows["i"].to_numpy()])
    return pd.Series(out, dtype=object)


def simplify_coverage(geoms: GeomArray, tolerance: float) -> np.ndarray:
    """Simplify a whole polygonal coverage with ``shapely.coverage_simplify`` and check validity.

    Parameters
    ----------
    geoms : sequence of shapely geometries
        An edge-matched, non-overlapping coverage in lon/lat.
    tolerance : float
        Visvalingam-Whyatt tolerance in degrees.

    Returns
    -------
    numpy.ndarray
        Simplified, valid (multi)polygons (any invalid output is repaired with ``make_valid``).
    """
    arr = np.asarray(geoms, dtype=object)
    out = shapely.coverage_simplify(arr, tolerance, simplify_boundary=True)
    bad = ~shapely.is_valid(out)
    if bad.any():
        out[bad] = [_polygonal(g) for g in shapely.make_valid(out[bad], method="structure", keep_collapsed=False)]
    return out


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    if isinstance(geom, shapely.Polygon | shapely.MultiPolygon):
        return geom
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, shapely.Polygon | shapely.MultiPolygon)]
    return shapely.union_all(parts)


def to_equal_area(geoms: GeomArray) -> np.ndarray:
    """Project lon/lat geometries to the equal-area CRS used for area checks.

    Parameters
    ----------
    geoms : sequence of shapely geometries
        Geometries in EPSG:4326 (lon, lat order).

    Returns
    -------
    numpy.ndarray
        Geometries in EPSG:6933 (metres).
    """
    transformer = pyproj.Transformer.from_crs("EPSG:4326", EQUAL_AREA, always_xy=True)
    return shapely.transform(
        np.asarray(geoms, dtype=object), lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    )


def coverage_quality(geoms: GeomArray) -> dict[str, float]:
    """Measure how far a set of polygons is from a clean coverage.

    Parameters
    ----------
    geoms : sequence of shapely geometries
        Region polygons in lon/lat.

    Returns
    -------
    dict
        ``invalid`` (count of invalid geometries), ``overlap_share`` = (sum of areas - area of union) /
        sum of areas, ``gap_share`` = area of the union's interior holes smaller than 1 km^2 / union area,
        both in an equal-area projection; ``coverage_valid`` (1.0 when shapely.coverage_is_valid).
    """
    arr = np.asarray(geoms, dtype=object)
    projected = to_equal_area(arr)
    total = float(shapely.area(projected).sum())
    union = shapely.union_all(projected)
    union_area = float(shapely.area(union))
    small_holes = 0.0
    for part in shapely.get_parts(union):
        for ring in shapely.get_interior_ring(part, range(shapely.get_num_interior_rings(part))):
            hole = shapely.area(shapely.Polygon(ring))
            if hole < 1e6:
                small_holes += float(hole)
    return {
        "invalid": float((~shapely.is_valid(arr)).sum()),
        "overlap_share": (total - union_area) / total,
        "gap_share": small_holes / union_area,
        "coverage_valid": float(shapely.coverage_is_valid(arr)),
    }


# --- Connecticut: approximate planning-region pieces inside legacy counties -------------------------------

CT_LAT0 = 41.5
CT_K = math.cos(math.radians(CT_LAT0))


def _to_plane(xy: np.ndarray) -> np.ndarray:
    return xy * np.array([CT_K, 1.0])


def _from_plane(xy: np.ndarray) -> np.ndarray:
    return xy / np.array([CT_K, 1.0])


def _halfplane(
    sp: np.ndarray, sq: np.ndarray, wp: float, wq: float, big: float
) -> tuple[shapely.Polygon, shapely.LineString]:
    """Half-plane of points closer (in power distance) to site p than to q, and its border line."""
    n = sq - sp
    norm = math.sqrt(n @ n)
    unit = n / norm
    # border: n.x = (|sq|^2 - wq - |sp|^2 + wp) / 2, i.e. the midpoint shifted by (wp - wq) / (2 |n|)
    x0 = (sp + sq) / 2.0 + unit * (wp - wq) / (2.0 * norm)
    t = np.array([-unit[1], unit[0]])
    a, b = x0 + big * t, x0 - big * t
    poly = shapely.Polygon([a, b, b - big * unit, a - big * unit])
    return poly, shapely.LineString([a, b])


@dataclass
class PowerSplit:
    """Area-matched power diagrams that split legacy counties into planning-region pieces."""

    sites: dict[str, np.ndarray]
    members: dict[str, list[str]]
    weights: dict[str, np.ndarray]
    lines: list[shapely.Geometry]
    area_error: float

    def owner(self, legacy: str, point: shapely.Point) -> str:
        """Return the planning region a point of a legacy county belongs to.

        Parameters
        ----------
        legacy : str
            Legacy county FIPS.
        point : shapely.Point
            Point in lon/lat.

        Returns
        -------
        str
            Planning-region FIPS (the site with the smallest power distance).
        """
        regions = self.members[legacy]
        if len(regions) == 1:
            return regions[0]
        x = _to_plane(np.array([point.x, point.y]))
        power = [
            float((x - self.sites[r]) @ (x - self.sites[r])) - w
            for r, w in zip(regions, self.weights[legacy], strict=True)
        ]
        return regions[int(np.argmin(power))]


def power_split(
    legacy_polys: Mapping[str, shapely.Geometry],
    sites_lonlat: Mapping[str, tuple[float, float]],
    targets: pd.DataFrame,
    iterations: int = 100,
) -> PowerSplit:
    """Split each legacy county among its planning regions with an area-matched power diagram.

    Inside a county, a point goes to the planning region whose internal point (Census Gazetteer) is
    nearest in power distance ``|x - s_r|^2 - w_r``; the weights ``w_r`` are tuned so that each piece
    gets its target area. Coordinates are scaled to a local plane (longitude x cos 41.5 deg) so that
    straight lines stay straight in lon/lat.

    Parameters
    ----------
    legacy_polys : mapping
        Legacy county polygons (lon/lat).
    sites_lonlat : mapping
        Planning-region internal points ``(lon, lat)``.
    targets : pandas.DataFrame
        Target area shares: rows planning regions, columns legacy counties, each column summing to 1;
        zero = region not in county.
    iterations : int
        Maximum Gauss-Seidel sweeps per county (each site's weight is solved by bisection).

    Returns
    -------
    PowerSplit
        Sites, weights, the cut lines (lon/lat) and the largest relative area error of a piece.
    """
    sites = {r: _to_plane(np.array(xy, dtype=float)) for r, xy in sites_lonlat.items()}
    members: dict[str, list[str]] = {}
    weights: dict[str, np.ndarray] = {}
    lines: list[shapely.Geometry] = []
    worst = 0.0
    for legacy, poly_ll in sorted(legacy_polys.items()):
        share = targets[legacy]
        regions = sorted(share.index[share > 0])
        members[legacy] = regions
        if len(regions) == 1:
            weights[legacy] = np.zeros(1)
            continue
        poly = shapely.transform(poly_ll, _to_plane)
        area = poly.area
        big = 10.0
        target = share[regions].to_numpy() * area
        pts = [sites[r] for r in regions]
        # start with every cell meeting at the county's representative point, so that no cell is empty
        centre = np.array(poly.representative_point().coords[0])
        w = np.array([float((centre - p) @ (centre - p)) for p in pts])
        w -= w.mean()

        def piece_areas(
            weights: np.ndarray, pts: list[np.ndarray] = pts, poly: shapely.Geometry = poly, big: float = big
        ) -> np.ndarray:
            areas = []
            for i in range(len(pts)):
                cell = poly
                for j in range(len(pts)):
                    if i != j:
                        cell = cell.intersection(_halfplane(pts[i], pts[j], weights[i], weights[j], big)[0])
                areas.append(cell.area)
            return np.array(areas)

        # Gauss-Seidel: solve each site's weight by bisection (its piece grows monotonically with it)
        err = np.inf
        for _ in range(iterations):
            for i in range(len(pts)):
                lo, hi = w[i] - 4.0, w[i] + 4.0
                for _step in range(60):
                    w[i] = (lo + hi) / 2.0
                    if piece_areas(w)[i] < target[i]:
                        lo = w[i]
                    else:
                        hi = w[i]
            w -= w.mean()
            err = float(np.max(np.abs(target - piece_areas(w)) / target))
            if err < 1e-6:
                break
        worst = max(worst, err)
        weights[legacy] = w
        clip = shapely.buffer(poly, 1e-6 * math.sqrt(area))
        for i in range(len(regions)):
            for j in range(i + 1, len(regions)):
                line = _halfplane(pts[i], pts[j], w[i], w[j], big)[1].intersection(clip)
                if not line.is_empty:
                    lines.append(shapely.transform(line, _from_plane))
    return PowerSplit(sites, members, weights, lines, worst)


def assign_faces(faces: Faces, relabel: Callable[[str, shapely.Geometry], str]) -> np.ndarray:
    """Relabel face owners (e.g. a Connecticut legacy-county face to its planning region).

    Parameters
    ----------
    faces : Faces
        Output of :func:`node_faces`.
    relabel : callable
        ``relabel(owner, face) -> new owner``.

    Returns
    -------
    numpy.ndarray
        New owner of every face.
    """
    return np.array([relabel(o, f) if o else "" for o, f in zip(faces.owner, faces.geoms, strict=True)], dtype=object)
