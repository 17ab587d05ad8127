"""Compact geometry for web maps: repair, unwrap, coverage-simplify, quantise, share arcs, pack.

The region shapes of a map are written into the page once. They are:

1. **repaired** (``make_valid``, keeping only the polygonal parts),
2. **unwrapped** across the antimeridian (Alaska's Aleutians keep longitudes below -180 instead of
   jumping to +179, so no shape spans the globe),
3. **coverage-simplified** (``shapely.coverage_simplify``: shared borders are simplified once, so
   neighbours still meet without gaps or slivers),
4. **quantised and cut into shared arcs** (a TopoJSON topology built with array operations by
   :mod:`ideopolis.maps.topology`: a border between two regions is stored once and referenced by both),
   and
5. **packed** into two strings of variable-length integers in a URL-safe base-64 alphabet, decoded by
   ``assets/ideopolis-map.js``:

   - ``arcs``: for each arc, its number of points, then the (x, y) grid steps from the previous point,
     zig-zag coded; the stream runs on across arcs, so an arc that starts where the last one ended
     costs two characters for its first point;
   - ``shapes``: for each region, its number of polygons; for each polygon its number of rings; for
     each ring its number of arcs, then each arc reference ``2 * arc + reversed`` as a zig-zag coded
     step from the previous reference.

   - ``small`` (only when some region needs it): the regions the grid is too coarse for, each once more
     at a finer grid of its own (see :func:`fine_regions` and :func:`pack_fine_shapes`), so the page draws,
     hovers and finds every region however small: ``regions``, their numbers as increasing steps;
     ``factor``, the fine grid's steps per grid step; ``points``, for each of these regions its number of
     polygons, per polygon its number of rings, per ring its number of points, then the points as zig-zag
     coded steps on the fine grid (running on across rings and regions).

A digit carries five bits and a continuation flag, so small steps cost one character.

Examples
--------
>>> pack_varints([0, 31, 32, 1000])
'AfgBof'
>>> unpack_varints("AfgBof")
[0, 31, 32, 1000]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from shapely.geometry import GeometryCollection, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from ideopolis.errors import RegionSetError
from ideopolis.maps.frame import Groups, bounds_of, group_regions
from ideopolis.maps.topology import Topology, build_topology

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_ALPHABET_BYTES = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)
_DECODE = {ch: i for i, ch in enumerate(ALPHABET)}


def pack_varints(values: Iterable[int] | NDArray[np.integer]) -> str:
    """Pack non-negative integers into a string, five bits per character.

    Parameters
    ----------
    values : iterable of int
        Non-negative integers below 2**35.

    Returns
    -------
    str
        The packed digits, in :data:`ALPHABET`.
    """
    v = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=np.int64)
    if v.size == 0:
        return ""
    if (v < 0).any():
        raise ValueError("pack_varints takes non-negative integers; zig-zag code signed ones first")
    width = 1
    while (v >> (5 * width)).any():
        width += 1
    shifts = 5 * np.arange(width, dtype=np.int64)
    chunks = (v[:, None] >> shifts[None, :]) & 31
    n_chunks = np.ones(v.size, dtype=np.int64)
    for j in range(1, width):
        n_chunks += (v >> (5 * j)) > 0
    position = np.arange(width)[None, :]
    used = position < n_chunks[:, None]
    more = position < (n_chunks[:, None] - 1)
    digits = (chunks | (more * 32))[used]
    return _ALPHABET_BYTES[digits].tobytes().decode("ascii")


def unpack_varints(text: str) -> list[int]:
    """Unpack a string written by :func:`pack_varints` (the reference for the JavaScript decoder).

    Parameters
    ----------
    text : str
        Packed digits.

    Returns
    -------
    list of int
        The integers.
    """
    out: list[int] = []
    value = shift = 0
    for ch in text:
        d = _DECODE[ch]
        value |= (d & 31) << shift
        if d & 32:
            shift += 5
        else:
            out.append(value)
            value = shift = 0
    return out


def zigzag(values: NDArray[np.integer]) -> NDArray[np.int64]:
    """Map signed integers to non-negative ones: 0, -1, 1, -2, 2 -> 0, 1, 2, 3, 4."""
    v = np.asarray(values, dtype=np.int64)
    return np.where(v >= 0, 2 * v, -2 * v - 1)


def unzigzag(values: Sequence[int]) -> list[int]:
    """Invert :func:`zigzag`."""
    return [(v >> 1) if v % 2 == 0 else -((v + 1) >> 1) for v in values]


# --------------------------------------------------------------------------------------------------
# Geometry preparation
# --------------------------------------------------------------------------------------------------


def polygonal(geom: BaseGeometry | None) -> Polygon | MultiPolygon | None:
    """Return the valid polygonal part of a geometry, or ``None`` when it has none.

    Parameters
    ----------
    geom : shapely geometry or None
        Any geometry; invalid ones are repaired with ``make_valid`` first, and points or lines that a
        repair leaves behind are dropped.

    Returns
    -------
    Polygon, MultiPolygon or None
    """
    if geom is None or geom.is_empty:
        return None
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    polys = _polygons(geom)
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


def _polygons(geom: BaseGeometry) -> list[Polygon]:
    """Collect the non-empty polygons of a geometry, looking into multi-parts and collections."""
    if isinstance(geom, Polygon):
        return [] if geom.is_empty else [geom]
    if isinstance(geom, MultiPolygon | GeometryCollection):
        return [p for part in geom.geoms for p in _polygons(part)]
    return []


def _unwrap_ring(coords: NDArray[np.float64]) -> NDArray[np.float64]:
    """Remove +-360 jumps in longitude inside one ring."""
    dx = np.diff(coords[:, 0])
    jumps = np.where(dx > 180, -360.0, np.where(dx < -180, 360.0, 0.0))
    if not jumps.any():
        return coords
    out = coords.copy()
    out[1:, 0] += np.cumsum(jumps)
    return out


def polygonal_all(geoms: Sequence[BaseGeometry | None]) -> list[Polygon | MultiPolygon | None]:
    """Apply :func:`polygonal` to every geometry, testing validity in one vectorised call.

    A valid, non-empty Polygon or MultiPolygon is returned as it is; only the others (invalid, empty,
    collections, lines) go through :func:`polygonal` one by one.

    Parameters
    ----------
    geoms : sequence of shapely geometries (or None)

    Returns
    -------
    list
        The polygonal parts in the same order (``None`` where there are none).
    """
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = list(geoms)
    types = shapely.get_type_id(arr)
    fine = ((types == 3) | (types == 6)) & ~shapely.is_empty(arr)
    fine[fine] = shapely.is_valid(arr[fine])
    out = list(arr)
    for i in np.flatnonzero(~fine):
        out[i] = polygonal(arr[i])
    return out


def unwrap_antimeridian(
    geoms: Sequence[BaseGeometry | None], *, centre_lon: float | None = None
) -> list[BaseGeometry | None]:
    """Make every polygon continuous in longitude and keep it within 180 degrees of the set's centre.

    A ring that jumps from +179 to -179 is unwrapped, and a polygon whose longitudes lie more than 180
    degrees from ``centre_lon`` is shifted by 360 degrees, so Alaska's western Aleutians sit at
    longitudes below -180 next to the rest of Alaska (Leaflet draws them there) instead of across the
    map on the other side of the globe.

    The test is vectorised over all rings at once; only the shapes that need a change (a jump inside a
    ring, or a shift) are rebuilt, so a set away from the antimeridian passes through unchanged.

    Parameters
    ----------
    geoms : sequence of shapely geometries (or None)
        Polygonal geometries in longitude/latitude degrees.
    centre_lon : float, optional
        The longitude the set is centred on; default: the circular mean of the polygons' centre longitudes
        (a set that straddles 180 degrees, half at 179 and half at -179, is centred on 180, not on 0).

    Returns
    -------
    list
        Geometries in the same order (``None`` stays ``None``; non-polygonal parts are dropped).
    """
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = list(geoms)
    present = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    out: list[BaseGeometry | None] = [g if ok else None for g, ok in zip(arr, present, strict=True)]
    if not present.any():
        return out
    parts, part_geom = shapely.get_parts(arr[present], return_index=True)
    part_region = np.flatnonzero(present)[part_geom]
    is_poly = shapely.get_type_id(parts) == 3
    shells = shapely.get_exterior_ring(parts[is_poly])
    shell_region = part_region[is_poly]
    coords, coord_ring = shapely.get_coordinates(shells, return_index=True)
    x = coords[:, 0]
    jump = np.zeros(x.size, dtype=bool)
    jump[1:] = (np.abs(np.diff(x)) > 180) & (coord_ring[1:] == coord_ring[:-1])
    shell_jumps = np.bincount(coord_ring[jump], minlength=shells.size) > 0
    counts = np.bincount(coord_ring, minlength=shells.size)
    means = np.bincount(coord_ring, weights=x, minlength=shells.size) / np.maximum(counts, 1)
    for k in np.flatnonzero(shell_jumps):
        means[k] = _unwrap_ring(np.asarray(shells[k].coords))[:, 0].mean()
    if centre_lon is None:
        angles = np.radians(means)
        centre_lon = float(np.degrees(np.arctan2(np.sin(angles).mean(), np.cos(angles).mean())))
    bounds = shapely.bounds(shells)
    mids = (bounds[:, 0] + bounds[:, 2]) / 2
    shifted = np.round((mids - centre_lon) / 360.0) != 0
    # holes can jump too: test every ring of the regions not already marked
    rings, ring_part = shapely.get_rings(parts[is_poly], return_index=True)
    rcoords, rring = shapely.get_coordinates(rings, return_index=True)
    rjump = np.zeros(rcoords.shape[0], dtype=bool)
    rjump[1:] = (np.abs(np.diff(rcoords[:, 0])) > 180) & (rring[1:] == rring[:-1])
    ring_jumps = np.bincount(rring[rjump], minlength=rings.size) > 0
    redo = set(shell_region[shell_jumps | shifted].tolist()) | set(shell_region[ring_part[ring_jumps]].tolist())
    redo |= set(part_region[~is_poly].tolist())  # non-polygon parts to drop
    for i in sorted(redo):
        out[i] = _unwrap_one(arr[i], centre_lon)
    return out


def _unwrap_one(geom: BaseGeometry, centre_lon: float) -> BaseGeometry | None:
    """Unwrap one shape's rings and shift its polygons to within 180 degrees of ``centre_lon``."""

    def fix_polygon(poly: Polygon) -> Polygon:
        shell = _unwrap_ring(np.asarray(poly.exterior.coords))
        holes = [_unwrap_ring(np.asarray(r.coords)) for r in poly.interiors]
        mid = (shell[:, 0].min() + shell[:, 0].max()) / 2
        shift = -360.0 * round((mid - centre_lon) / 360.0)
        if shift:
            shell = shell + np.array([shift, 0.0])
            holes = [h + np.array([shift, 0.0]) for h in holes]
        # Holes unwrapped on their own may sit 360 degrees away from their shell.
        fixed_holes = []
        for h in holes:
            hmid = (h[:, 0].min() + h[:, 0].max()) / 2
            smid = (shell[:, 0].min() + shell[:, 0].max()) / 2
            fixed_holes.append(h + np.array([-360.0 * round((hmid - smid) / 360.0), 0.0]))
        return Polygon(shell, fixed_holes)

    parts = [fix_polygon(p) for p in shapely.get_parts(geom) if isinstance(p, Polygon)]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def auto_tolerance(bounds: Sequence[float]) -> float:
    """Return a simplification tolerance (degrees) for a region set whose main body has ``bounds``.

    About 1/8,000 of the main body's diagonal: some 0.008 degrees (under a kilometre) for the
    conterminous US, finer than a pixel at the zoom that shows a whole state.

    Parameters
    ----------
    bounds : sequence of float
        ``(minx, miny, maxx, maxy)``.

    Returns
    -------
    float
    """
    minx, miny, maxx, maxy = bounds
    return math.hypot(maxx - minx, maxy - miny) / 8000.0


@dataclass(frozen=True)
class PreparedGeometry:
    """Region shapes ready to map.

    Attributes
    ----------
    shapes : geopandas.GeoSeries
        Repaired, unwrapped, simplified shapes (same index as the input, EPSG:4326, ``None`` where a
        region has no polygon).
    tolerance : float
        Simplification tolerance used (degrees).
    groups : Groups
        Regions grouped by proximity (main body and outlying groups).
    view : tuple of float
        ``(minx, miny, maxx, maxy)`` of the main body.
    """

    shapes: gpd.GeoSeries
    tolerance: float
    groups: Groups
    view: tuple[float, float, float, float]


def prepare_geometry(geometry: gpd.GeoSeries, *, tolerance: float | None = None) -> PreparedGeometry:
    """Repair, unwrap and coverage-simplify region shapes for mapping, and find their main body.

    Parameters
    ----------
    geometry : geopandas.GeoSeries
        Region shapes, index = region id, in longitude/latitude (EPSG:4326) or any CRS that can be
        transformed to it.
    tolerance : float, optional
        Simplification tolerance in degrees; default: :func:`auto_tolerance` of the main body. ``0``
        keeps every vertex.

    Returns
    -------
    PreparedGeometry

    Raises
    ------
    RegionSetError
        When the geometry has no CRS.
    """
    if geometry.crs is None:
        raise RegionSetError('the region geometry has no CRS; set crs = "EPSG:4326" in the region set\'s manifest')
    if not geometry.crs.equals("EPSG:4326"):
        geometry = geometry.to_crs("EPSG:4326")
    repaired = polygonal_all(geometry.array)
    unwrapped = unwrap_antimeridian(repaired)
    series = gpd.GeoSeries(unwrapped, index=geometry.index, crs="EPSG:4326")
    groups = group_regions(series)
    view = bounds_of(series, groups.main_mask())
    if tolerance is None:
        tolerance = auto_tolerance(view)
    if tolerance > 0:
        present = np.array([g is not None for g in unwrapped], dtype=bool)
        if present.any():
            simplified = shapely.coverage_simplify(np.asarray(series.array[present], dtype=object), tolerance)
            values = np.asarray(series.array, dtype=object)
            values[present] = polygonal_all(simplified)
            series = gpd.GeoSeries(list(values), index=geometry.index, crs="EPSG:4326")
    return PreparedGeometry(series, float(tolerance), groups, view)


def coarsen(shapes: gpd.GeoSeries, tolerance: float) -> gpd.GeoSeries:
    """Coverage-simplify prepared shapes again with a larger tolerance (a simplified rendition of a map).

    Parameters
    ----------
    shapes : geopandas.GeoSeries
        :attr:`PreparedGeometry.shapes` (``None`` where a region has no polygon).
    tolerance : float
        Simplification tolerance in degrees.

    Returns
    -------
    geopandas.GeoSeries
        Same index; neighbours still share their borders exactly (``shapely.coverage_simplify``).
    """
    values = np.asarray(shapes.array, dtype=object)
    present = np.array([g is not None for g in values], dtype=bool)
    if present.any():
        values = values.copy()
        values[present] = polygonal_all(shapely.coverage_simplify(values[present], tolerance))
    return gpd.GeoSeries(list(values), index=shapes.index, crs=shapes.crs)


# --------------------------------------------------------------------------------------------------
# Topology and packing
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EncodedGeometry:
    """Region shapes packed for the page.

    Attributes
    ----------
    payload : dict
        JSON-ready: ``scale`` and ``translate`` (grid to degrees), ``arcs`` and ``shapes`` (packed
        strings, see the module docstring).
    n_regions : int
        Number of regions (shapes may be empty).
    n_arcs : int
        Number of distinct arcs (shared borders counted once).
    n_points : int
        Number of grid points over all arcs.
    topology : Topology or None
        The shared-arc topology the payload packs (:mod:`ideopolis.maps.topology`): which regions use
        each arc (:func:`mesh_arcs` picks the group borders from it). ``None`` when no region has a shape.
    fine : numpy.ndarray
        Numbers (in map order, increasing) of the regions the grid is too coarse for, sent once more at a
        finer grid in ``payload["small"]`` (:func:`fine_regions`); empty when every region keeps its shape.
    """

    payload: dict[str, Any]
    n_regions: int
    n_arcs: int
    n_points: int
    topology: Topology | None = None
    fine: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def arc_regions(self) -> tuple[tuple[int, ...], ...]:
        """For each arc, the regions (numbers in map order) whose rings use it, once per use.

        One region for an arc on the outside of the set, two for a border between neighbours (the same
        region twice where two of its parts meet, as Aleutian parts do at 180 degrees). A Python tuple per
        arc: for inspection and tests; :func:`mesh_arcs` works on the topology's arrays.
        """
        if self.topology is None:
            return ()
        return tuple(self.topology.arc_users(a) for a in range(self.n_arcs))


def _exclusive_cumsum(values: NDArray[np.int64]) -> NDArray[np.int64]:
    """``[0, v0, v0 + v1, ...]``: ``values.size + 1`` running totals (the last one is the sum)."""
    return np.concatenate([[0], np.cumsum(values)]).astype(np.int64)


def encode_geometry(prepared: gpd.GeoSeries, *, quantization: int = 100_000) -> EncodedGeometry:
    """Build a shared-arc topology of prepared shapes and pack it.

    The topology is built by :func:`ideopolis.maps.topology.build_topology` and packed with array
    operations only (no Python loop per region or per point), so 85,000 regions take about two seconds.

    Parameters
    ----------
    prepared : geopandas.GeoSeries
        Output of :func:`prepare_geometry` (``None`` for regions without a polygon).
    quantization : int, default 100_000
        Grid size along the longer side of the bounding box (TopoJSON's ``quantization``).

    Returns
    -------
    EncodedGeometry
    """
    n = len(prepared)
    topo = build_topology(list(prepared.array), quantization=quantization)
    if topo.n_arcs == 0:
        empty: dict[str, Any] = {"scale": [1, 1], "translate": [0, 0], "arcs": "", "shapes": pack_varints([0] * n)}
        return EncodedGeometry(empty, n, 0, 0)

    # Arcs: each arc's point count, then its points as steps from the previous point (running on).
    points = topo.arc_points
    n_arcs = topo.n_arcs
    steps = np.diff(np.vstack([np.zeros((1, 2), dtype=np.int64), points]), axis=0)
    lengths = np.diff(topo.arc_offsets)
    arc_stream = np.empty(n_arcs + 2 * points.shape[0], dtype=np.int64)
    header = 2 * topo.arc_offsets[:-1] + np.arange(n_arcs)
    is_header = np.zeros(arc_stream.size, dtype=bool)
    is_header[header] = True
    arc_stream[header] = lengths
    arc_stream[~is_header] = zigzag(steps.ravel())

    # Shapes: per region its polygon count; per polygon its ring count; per ring its arc count and the
    # zig-zag coded steps between successive arc references (running on across rings and regions).
    refs = topo.ring_refs
    refs_per_ring = np.diff(topo.ring_offsets)
    rings_per_polygon = np.diff(topo.polygon_offsets)
    polygons_per_region = np.diff(topo.region_offsets)
    ring_size = 1 + refs_per_ring
    ring_polygon = np.repeat(np.arange(rings_per_polygon.size), rings_per_polygon)
    polygon_size = 1 + np.bincount(ring_polygon, weights=ring_size, minlength=rings_per_polygon.size).astype(np.int64)
    polygon_region = np.repeat(np.arange(n), polygons_per_region)
    region_size = 1 + np.bincount(polygon_region, weights=polygon_size, minlength=n).astype(np.int64)
    region_start = _exclusive_cumsum(region_size)[:-1]
    polygon_cum = _exclusive_cumsum(polygon_size)
    polygon_start = (
        region_start[polygon_region] + 1 + polygon_cum[:-1] - polygon_cum[topo.region_offsets[:-1]][polygon_region]
    )
    ring_cum = _exclusive_cumsum(ring_size)
    ring_start = polygon_start[ring_polygon] + 1 + ring_cum[:-1] - ring_cum[topo.polygon_offsets[:-1]][ring_polygon]
    ref_ring = np.repeat(np.arange(refs_per_ring.size), refs_per_ring)
    ref_pos = ring_start[ref_ring] + 1 + np.arange(refs.size) - topo.ring_offsets[:-1][ref_ring]
    shapes_stream = np.empty(int(region_size.sum()), dtype=np.int64)
    shapes_stream[region_start] = polygons_per_region
    shapes_stream[polygon_start] = rings_per_polygon
    shapes_stream[ring_start] = refs_per_ring
    shapes_stream[ref_pos] = zigzag(np.diff(np.concatenate([[0], refs])))
    payload: dict[str, Any] = {
        "scale": [float(s) for s in topo.scale],
        "translate": [float(t) for t in topo.translate],
        "arcs": pack_varints(arc_stream),
        "shapes": pack_varints(shapes_stream),
    }
    geoms = np.empty(n, dtype=object)
    geoms[:] = list(prepared.array)
    fine = fine_regions(topo, geoms)
    if fine.size:
        payload["small"] = pack_fine_shapes(geoms, fine, topo.scale, topo.translate)
    return EncodedGeometry(payload, n, n_arcs, int(points.shape[0]), topo, fine)


#: A region whose shape on the grid has less than this share of its area, or more than its inverse, is sent
#: again at a finer grid.
FINE_BELOW = 0.5
#: The finer grid has at least this many steps across the smallest such region (a power of two times the grid).
FINE_STEPS = 32


def quantised_areas(topo: Topology) -> NDArray[np.float64]:
    """Area of every region's shape as the page draws it, in grid units squared (shoelace formula).

    A ring's shoelace sum is the sum of its arcs' sums (an arc used backwards adds its sum negated), so the
    areas come from one cross-product sum per arc. A polygon's area is its shell's less its holes'.

    Parameters
    ----------
    topo : Topology

    Returns
    -------
    numpy.ndarray
        ``(n_regions,)`` areas, 0 for a region without a shape or whose rings collapsed onto the grid.
    """
    pts = topo.arc_points.astype(np.float64)
    n_pts = pts.shape[0]
    cross = np.zeros(n_pts, dtype=np.float64)
    if n_pts > 1:
        cross[:-1] = pts[:-1, 0] * pts[1:, 1] - pts[1:, 0] * pts[:-1, 1]
    # the last point of an arc has no segment inside the arc
    cross[topo.arc_offsets[1:] - 1] = 0.0
    arc_sum = np.add.reduceat(cross, topo.arc_offsets[:-1]) if topo.n_arcs else np.zeros(0)
    arc_sum[np.diff(topo.arc_offsets) == 0] = 0.0
    refs = topo.ring_refs
    signed = np.where(refs & 1, -1.0, 1.0) * arc_sum[refs >> 1]
    n_rings = topo.ring_offsets.size - 1
    ring_of_ref = np.repeat(np.arange(n_rings), np.diff(topo.ring_offsets))
    ring_area = np.abs(np.bincount(ring_of_ref, weights=signed, minlength=n_rings)) / 2
    is_shell = np.zeros(n_rings, dtype=bool)
    is_shell[topo.polygon_offsets[:-1][np.diff(topo.polygon_offsets) > 0]] = True
    n_polygons = topo.polygon_offsets.size - 1
    ring_polygon = np.repeat(np.arange(n_polygons), np.diff(topo.polygon_offsets))
    polygon_area = np.bincount(ring_polygon, weights=np.where(is_shell, ring_area, -ring_area), minlength=n_polygons)
    polygon_region = np.repeat(np.arange(topo.n_regions), np.diff(topo.region_offsets))
    areas = np.bincount(polygon_region, weights=np.maximum(polygon_area, 0.0), minlength=topo.n_regions)
    return areas.astype(np.float64)


def fine_regions(topo: Topology, geoms: NDArray[np.object_]) -> NDArray[np.int64]:
    """The regions the quantisation grid is too coarse for: on the grid their area halves or doubles.

    A region a few grid steps across (a city-centre cell of 100 m on a grid of 200 m steps) collapses onto
    the grid: its rings shrink to a point or a line, its neighbours' borders meet over it, and the page would
    neither draw it nor find it under the pointer. Such a region is sent once more at a finer grid
    (:func:`pack_fine_shapes`) and drawn above its neighbours.

    Parameters
    ----------
    topo : Topology
        The shared-arc topology of ``geoms``.
    geoms : numpy.ndarray
        ``(n_regions,)`` shapely polygons or multipolygons (``None`` for a region without a shape).

    Returns
    -------
    numpy.ndarray
        Region numbers, increasing, whose area on the grid is below :data:`FINE_BELOW` times their true area
        or above it divided by :data:`FINE_BELOW` (a cell smaller than a grid cell that snaps to a triangle
        of half a grid cell: drawn, but not in its place or form).
    """
    present = np.array([g is not None for g in geoms], dtype=bool)
    if not present.any():
        return np.zeros(0, dtype=np.int64)
    true_area = np.zeros(geoms.size, dtype=np.float64)
    true_area[present] = shapely.area(geoms[present]) / (topo.scale[0] * topo.scale[1])
    drawn = quantised_areas(topo)
    off = (drawn < FINE_BELOW * true_area) | (drawn * FINE_BELOW > true_area)
    return np.flatnonzero(present & (true_area > 0) & off).astype(np.int64)


def pack_fine_shapes(
    geoms: NDArray[np.object_],
    regions: NDArray[np.int64],
    scale: tuple[float, float],
    translate: tuple[float, float],
) -> dict[str, Any]:
    """Pack some regions' shapes at a grid fine enough to keep their form (the payload's ``small`` entry).

    The fine grid is the topology's grid divided by a power of two, ``factor``, chosen so that the smallest
    of these regions spans at least :data:`FINE_STEPS` fine steps: ``x = i * scale[0] / factor +
    translate[0]``. Each region is written on its own (no shared arcs: there are few of them), as its
    polygons' rings without the closing point, and consecutive points on the same fine grid point are
    written once.

    Parameters
    ----------
    geoms : numpy.ndarray
        ``(n_regions,)`` shapes of all regions.
    regions : numpy.ndarray
        The region numbers to pack, increasing (:func:`fine_regions`).
    scale, translate : tuple of float
        The topology's grid (:attr:`Topology.scale`, :attr:`Topology.translate`).

    Returns
    -------
    dict
        ``{"regions": str, "factor": int, "points": str}`` as the module docstring describes.
    """
    chosen = geoms[regions]
    bounds = shapely.bounds(chosen)
    steps = np.minimum((bounds[:, 2] - bounds[:, 0]) / scale[0], (bounds[:, 3] - bounds[:, 1]) / scale[1])
    smallest = float(steps.min()) if steps.size else 1.0
    factor = 1
    while factor < 1 << 16 and smallest * factor < FINE_STEPS:
        factor *= 2
    parts, part_region = shapely.get_parts(chosen, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    fx = np.round((coords[:, 0] - translate[0]) / (scale[0] / factor)).astype(np.int64)
    fy = np.round((coords[:, 1] - translate[1]) / (scale[1] / factor)).astype(np.int64)
    # drop each ring's closing point and a point on the fine grid point of the one before it
    last = np.ones(coord_ring.size, dtype=bool)
    last[:-1] = coord_ring[1:] != coord_ring[:-1]
    same = np.zeros(coord_ring.size, dtype=bool)
    same[1:] = (fx[1:] == fx[:-1]) & (fy[1:] == fy[:-1]) & (coord_ring[1:] == coord_ring[:-1])
    keep = ~(last | same)
    fx, fy, coord_ring = fx[keep], fy[keep], coord_ring[keep]
    pts_per_ring = np.bincount(coord_ring, minlength=rings.size)
    rings_per_part = np.bincount(ring_part, minlength=parts.size)
    parts_per_region = np.bincount(part_region, minlength=regions.size)
    # the stream: region header, then per polygon its header, per ring its header and its points
    ring_size = 1 + 2 * pts_per_ring
    part_size = 1 + np.bincount(ring_part, weights=ring_size, minlength=parts.size).astype(np.int64)
    region_size = 1 + np.bincount(part_region, weights=part_size, minlength=regions.size).astype(np.int64)
    region_start = _exclusive_cumsum(region_size)[:-1]
    part_cum = _exclusive_cumsum(part_size)
    first_part = _exclusive_cumsum(parts_per_region)[:-1]
    part_start = region_start[part_region] + 1 + part_cum[:-1] - part_cum[first_part][part_region]
    ring_cum = _exclusive_cumsum(ring_size)
    first_ring = _exclusive_cumsum(rings_per_part)[:-1]
    ring_start = part_start[ring_part] + 1 + ring_cum[:-1] - ring_cum[first_ring][ring_part]
    point_cum = _exclusive_cumsum(pts_per_ring)
    point_pos = ring_start[coord_ring] + 1 + 2 * (np.arange(coord_ring.size) - point_cum[:-1][coord_ring])
    stream = np.empty(int(region_size.sum()), dtype=np.int64)
    stream[region_start] = parts_per_region
    stream[part_start] = rings_per_part
    stream[ring_start] = pts_per_ring
    stream[point_pos] = zigzag(np.diff(np.concatenate([[0], fx])))
    stream[point_pos + 1] = zigzag(np.diff(np.concatenate([[0], fy])))
    return {
        "regions": pack_varints(np.diff(np.concatenate([[0], regions]))),
        "factor": int(factor),
        "points": pack_varints(stream),
    }


def mesh_arcs(encoded: EncodedGeometry, labels: Sequence[object | None]) -> list[int]:
    """Return the arcs that outline groups of regions: the regions dissolved by ``labels``, as shared arcs.

    The outline of a group (a state, a country) is its regions' union's boundary. In a shared-arc topology
    that boundary is made of whole arcs (TopoJSON cuts arcs where borders meet): the arcs used by one region
    only (the outside of the set: coasts, borders with regions not in the set) and the arcs between two
    regions of different groups. Borders inside a group are left out. This is TopoJSON's *mesh* with the
    filter ``a !== b`` on the groups (Bostock, topojson-client ``mesh``), so the outlines need no geometry of
    their own: the page draws them from the arcs it already holds, and they meet the region borders exactly.

    Parameters
    ----------
    encoded : EncodedGeometry
        The packed shapes with :attr:`EncodedGeometry.topology`.
    labels : sequence of object or None
        One group label per region, in map order; regions without a label form one group together.

    Returns
    -------
    list of int
        Arc numbers, increasing.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> squares = gpd.GeoSeries([box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)], crs="EPSG:4326")
    >>> enc = encode_geometry(squares, quantization=1000)
    >>> len(mesh_arcs(enc, ["a", "a", "b"])) < len(mesh_arcs(enc, ["a", "b", "c"]))
    True
    """
    if encoded.topology is None:
        return []
    codes, _ = pd.factorize(pd.Series(list(labels), dtype=object), use_na_sentinel=True)
    return [int(a) for a in encoded.topology.border_arcs(np.asarray(codes, dtype=np.int64))]


def decode_geometry(payload: dict[str, Any]) -> list[list[list[list[tuple[float, float]]]]]:
    """Decode a payload into rings of (lon, lat) per polygon per region (reference implementation).

    The page's JavaScript does the same; tests use this to check that encoding loses nothing but
    the quantisation.

    Parameters
    ----------
    payload : dict
        :attr:`EncodedGeometry.payload`.

    Returns
    -------
    list
        For each region, its polygons; for each polygon, its rings; for each ring, its points.
    """
    sx, sy = payload["scale"]
    tx, ty = payload["translate"]
    stream = unpack_varints(payload["arcs"])
    arcs: list[list[tuple[int, int]]] = []
    pos = 0
    x = y = 0
    while pos < len(stream):
        pts, pos, x, y = _delta_points(stream, pos, x, y)
        arcs.append(pts)
    shapes = unpack_varints(payload["shapes"])
    pos = 0
    prev = 0
    regions: list[list[list[list[tuple[float, float]]]]] = []
    while pos < len(shapes):
        n_poly = shapes[pos]
        pos += 1
        polygons = []
        for _ in range(n_poly):
            n_rings = shapes[pos]
            pos += 1
            rings = []
            for _ in range(n_rings):
                n_arcs = shapes[pos]
                pos += 1
                ring: list[tuple[float, float]] = []
                for _ in range(n_arcs):
                    (step,) = unzigzag([shapes[pos]])
                    pos += 1
                    code = prev + step
                    prev = code
                    arc = arcs[code >> 1]
                    pts = arc[::-1] if code & 1 else arc
                    ring.extend(pts if not ring else pts[1:])
                rings.append([(px * sx + tx, py * sy + ty) for px, py in ring])
            polygons.append(rings)
        regions.append(polygons)
    for region, polygons in decode_fine_shapes(payload).items():
        regions[region] = polygons
    return regions


def _delta_points(stream: list[int], pos: int, x: int, y: int) -> tuple[list[tuple[int, int]], int, int, int]:
    """Read a count, then that many zigzag (dx, dy) steps from ``(x, y)``: the points, next position and last point.

    The run both geometry streams are made of (an arc of the shared arcs, a ring of the finer shapes).
    """
    count = stream[pos]
    pos += 1
    pts = []
    for _ in range(count):
        dx, dy = unzigzag(stream[pos : pos + 2])
        pos += 2
        x += dx
        y += dy
        pts.append((x, y))
    return pts, pos, x, y


def decode_fine_shapes(payload: dict[str, Any]) -> dict[int, list[list[list[tuple[float, float]]]]]:
    """Decode the payload's ``small`` entry: the regions sent again at a finer grid (reference implementation).

    Parameters
    ----------
    payload : dict
        :attr:`EncodedGeometry.payload`.

    Returns
    -------
    dict
        Region number to its polygons; for each polygon its rings of (lon, lat) points (not closed). Empty when
        the payload has no ``small`` entry.
    """
    small = payload.get("small")
    if not small:
        return {}
    factor = small["factor"]
    sx, sy = payload["scale"][0] / factor, payload["scale"][1] / factor
    tx, ty = payload["translate"]
    numbers: list[int] = []
    at = 0
    for step in unpack_varints(small["regions"]):
        at += step
        numbers.append(at)
    stream = unpack_varints(small["points"])
    pos = 0
    x = y = 0
    out: dict[int, list[list[list[tuple[float, float]]]]] = {}
    for region in numbers:
        n_polygons = stream[pos]
        pos += 1
        polygons = []
        for _ in range(n_polygons):
            n_rings = stream[pos]
            pos += 1
            rings = []
            for _ in range(n_rings):
                pts, pos, x, y = _delta_points(stream, pos, x, y)
                rings.append([(px * sx + tx, py * sy + ty) for px, py in pts])
            polygons.append(rings)
        out[region] = polygons
    return out
