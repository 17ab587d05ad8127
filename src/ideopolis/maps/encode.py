"""Compact geometry for web maps: repair, unwrap, coverage-simplify, quantise, share arcs, pack.

The region shapes of a map are written into the page once. They are:

1. **repaired** (``make_valid``, keeping only the polygonal parts),
2. **unwrapped** across the antimeridian (Alaska's Aleutians keep longitudes below -180 instead of
   jumping to +179, so no shape spans the globe),
3. **coverage-simplified** (``shapely.coverage_simplify``: shared borders are simplified once, so
   neighbours still meet without gaps or slivers),
4. **quantised and cut into shared arcs** (a TopoJSON topology built by the ``topojson`` package: a
   border between two regions is stored once and referenced by both), and
5. **packed** into two strings of variable-length integers in a URL-safe base-64 alphabet, decoded by
   ``assets/ideopolis-map.js``:

   - ``arcs``: for each arc, its number of points, then the (x, y) grid steps from the previous point,
     zig-zag coded; the stream runs on across arcs, so an arc that starts where the last one ended
     costs two characters for its first point;
   - ``shapes``: for each region, its number of polygons; for each polygon its number of rings; for
     each ring its number of arcs, then each arc reference ``2 * arc + reversed`` as a zig-zag coded
     step from the previous reference.

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
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import GeometryCollection, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from ideopolis.errors import RegionSetError
from ideopolis.maps.frame import Groups, bounds_of, group_regions

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


def unwrap_antimeridian(
    geoms: Sequence[BaseGeometry | None], *, centre_lon: float | None = None
) -> list[BaseGeometry | None]:
    """Make every polygon continuous in longitude and keep it within 180 degrees of the set's centre.

    A ring that jumps from +179 to -179 is unwrapped, and a polygon whose longitudes lie more than 180
    degrees from ``centre_lon`` is shifted by 360 degrees, so Alaska's western Aleutians sit at
    longitudes below -180 next to the rest of Alaska (Leaflet draws them there) instead of across the
    map on the other side of the globe.

    Parameters
    ----------
    geoms : sequence of shapely geometries (or None)
        Polygonal geometries in longitude/latitude degrees.
    centre_lon : float, optional
        The longitude the set is centred on; default: the median of the polygons' centre longitudes.

    Returns
    -------
    list
        Geometries in the same order (``None`` stays ``None``).
    """
    if centre_lon is None:
        xs = [g.centroid.x for g in geoms if g is not None and not g.is_empty]
        centre_lon = float(np.median(xs)) if xs else 0.0

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

    out: list[BaseGeometry | None] = []
    for geom in geoms:
        if geom is None or geom.is_empty:
            out.append(None)
            continue
        parts = [fix_polygon(p) for p in shapely.get_parts(geom) if isinstance(p, Polygon)]
        if not parts:
            out.append(None)
        elif len(parts) == 1:
            out.append(parts[0])
        else:
            out.append(MultiPolygon(parts))
    return out


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
    repaired = [polygonal(g) for g in geometry.array]
    unwrapped = unwrap_antimeridian(repaired)
    series = gpd.GeoSeries(unwrapped, index=geometry.index, crs="EPSG:4326")
    groups = group_regions(series)
    view = bounds_of(series, groups.main_mask())
    if tolerance is None:
        tolerance = auto_tolerance(view)
    if tolerance > 0:
        present = np.array([g is not None for g in unwrapped])
        if present.any():
            simplified = shapely.coverage_simplify(np.asarray(series.array[present], dtype=object), tolerance)
            values = np.asarray(series.array, dtype=object)
            values[present] = [polygonal(g) for g in simplified]
            series = gpd.GeoSeries(list(values), index=geometry.index, crs="EPSG:4326")
    return PreparedGeometry(series, float(tolerance), groups, view)


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
    arc_regions : tuple of tuple of int
        For each arc, the regions (numbers in map order) whose rings use it, once per use: one region for an
        arc on the outside of the set, two for a border between neighbours (the same region twice where two
        of its parts meet, as Aleutian parts do at 180 degrees). :func:`mesh_arcs` picks the group borders
        from it.
    """

    payload: dict[str, Any]
    n_regions: int
    n_arcs: int
    n_points: int
    arc_regions: tuple[tuple[int, ...], ...] = ()


def encode_geometry(prepared: gpd.GeoSeries, *, quantization: int = 100_000) -> EncodedGeometry:
    """Build a shared-arc topology of prepared shapes and pack it.

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
    from topojson.core.topology import Topology

    n = len(prepared)
    present = [i for i, g in enumerate(prepared.array) if g is not None and not g.is_empty]
    shapes_stream: list[int] = []
    if not present:
        payload = {"scale": [1, 1], "translate": [0, 0], "arcs": "", "shapes": pack_varints([0] * n)}
        return EncodedGeometry(payload, n, 0, 0)
    frame = gpd.GeoDataFrame({"i": present}, geometry=[prepared.array[i] for i in present], crs=prepared.crs)
    topo = Topology(frame, prequantize=quantization, topology=True).to_dict()
    arcs = topo["arcs"]
    transform = topo.get("transform") or {"scale": [1.0, 1.0], "translate": [0.0, 0.0]}

    # Arcs: absolute grid points per arc, then one running delta stream.
    arc_stream: list[NDArray[np.int64]] = []
    last = np.zeros(2, dtype=np.int64)
    n_points = 0
    for arc in arcs:
        pts = np.cumsum(np.asarray(arc, dtype=np.int64).reshape(-1, 2), axis=0)
        steps = np.diff(np.vstack([last, pts]), axis=0)
        last = pts[-1]
        n_points += len(pts)
        arc_stream.append(np.concatenate([[len(pts)], zigzag(steps.ravel())]))
    arcs_packed = pack_varints(np.concatenate(arc_stream)) if arc_stream else ""

    by_index: dict[int, list[list[list[int]]]] = {}
    for geom in topo["objects"]["data"]["geometries"]:
        i = int(geom["properties"]["i"])
        if geom.get("type") == "Polygon":
            by_index[i] = [geom["arcs"]]
        elif geom.get("type") == "MultiPolygon":
            by_index[i] = geom["arcs"]
    prev = 0
    users: list[list[int]] = [[] for _ in arcs]
    for i in range(n):
        polygons = by_index.get(i, [])
        shapes_stream.append(len(polygons))
        for rings in polygons:
            shapes_stream.append(len(rings))
            for ring in rings:
                shapes_stream.append(len(ring))
                for ref in ring:
                    users[ref if ref >= 0 else ~ref].append(i)
                    code = 2 * ref if ref >= 0 else 2 * (~ref) + 1
                    step = code - prev
                    prev = code
                    shapes_stream.append(2 * step if step >= 0 else -2 * step - 1)
    payload = {
        "scale": [float(s) for s in transform["scale"]],
        "translate": [float(t) for t in transform["translate"]],
        "arcs": arcs_packed,
        "shapes": pack_varints(shapes_stream),
    }
    return EncodedGeometry(payload, n, len(arcs), n_points, tuple(tuple(sorted(u)) for u in users))


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
        The packed shapes with :attr:`EncodedGeometry.arc_regions`.
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
    out = []
    for arc, regions in enumerate(encoded.arc_regions):
        groups = {labels[i] for i in regions}
        if len(regions) == 1 or len(groups) > 1:  # the outside, or a border between two groups
            out.append(arc)
    return out


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
        count = stream[pos]
        pos += 1
        pts = []
        for _ in range(count):
            dx, dy = unzigzag(stream[pos : pos + 2])
            pos += 2
            x += dx
            y += dy
            pts.append((x, y))
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
    return regions
