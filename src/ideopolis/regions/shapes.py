"""Region shapes as GIS files hold them: collections with slivers, rings across the antimeridian, swapped axes.

Pure functions over shapely geometries, used by the geometry checks of a region set
(:mod:`ideopolis.regions.checks`):

- :func:`polygonal_parts` keeps the polygons of a ``GeometryCollection`` (a clip leaves lines and points
  behind) and says what it dropped;
- :func:`cut_at_antimeridian` turns a polygon written continuously across 180 degrees (a ring from 179.5 to
  -179.5, or longitudes below -180) into the two parts RFC 7946 section 3.1.9 asks for ("Antimeridian
  Cutting"), so the shape keeps its place instead of being "repaired" into a band around the world;
- :func:`axis_order_swapped` recognises ``[lat, lon]`` written where GeoJSON wants ``[lon, lat]``
  (RFC 7946 section 3.1.1);
- :func:`overlapping_pairs` finds regions whose interiors overlap by more than a tolerance.
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

__all__ = [
    "OVERLAP_TOLERANCE",
    "axis_order_swapped",
    "crosses_antimeridian",
    "cut_at_antimeridian",
    "overlapping_pairs",
    "polygonal_parts",
]

#: Overlaps smaller than this share of the smaller region are digitising noise, not overlapping regions.
OVERLAP_TOLERANCE = 0.01

_POLYGONAL = ("Polygon", "MultiPolygon")


def polygonal_parts(geom: BaseGeometry) -> tuple[BaseGeometry, list[str]]:
    """Keep the polygons of a geometry collection; return them and the types of the parts dropped.

    Parameters
    ----------
    geom : shapely geometry
        Any geometry.

    Returns
    -------
    geometry : Polygon, MultiPolygon or an empty Polygon
        The polygonal part.
    dropped : list of str
        The geometry types of the parts left out (``["LineString"]``).

    Examples
    --------
    >>> from shapely import GeometryCollection, LineString, box
    >>> shape, dropped = polygonal_parts(GeometryCollection([box(0, 0, 1, 1), LineString([(1, 1), (2, 2)])]))
    >>> shape.geom_type, dropped
    ('Polygon', ['LineString'])
    """
    if geom.geom_type in _POLYGONAL:
        return geom, []
    parts = list(shapely.get_parts(geom))
    polys = [p for g in parts if g.geom_type in _POLYGONAL for p in shapely.get_parts(g)]
    dropped = [g.geom_type for g in parts if g.geom_type not in _POLYGONAL]
    if not polys:
        return shapely.Polygon(), dropped
    return (polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)), dropped


def _rings(geom: BaseGeometry) -> list[NDArray[np.float64]]:
    out = []
    for poly in shapely.get_parts(geom):
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        out.append(np.asarray(poly.exterior.coords))
        out.extend(np.asarray(r.coords) for r in poly.interiors)
    return out


def crosses_antimeridian(geom: BaseGeometry) -> bool:
    """Whether a polygon's ring jumps more than 180 degrees of longitude or leaves [-180, 180].

    Examples
    --------
    >>> from shapely import Polygon
    >>> crosses_antimeridian(Polygon([(179.5, 51), (-179.5, 51), (-179.5, 52), (179.5, 52)]))
    True
    """
    for ring in _rings(geom):
        x = ring[:, 0]
        if (np.abs(np.diff(x)) > 180).any() or (np.abs(x) > 180).any():
            return True
    return False


def _unwrap(ring: NDArray[np.float64]) -> NDArray[np.float64]:
    """Remove the +-360 degree jumps of a ring, so its longitudes run continuously."""
    out = ring.copy()
    dx = np.diff(out[:, 0])
    out[1:, 0] += np.cumsum(np.where(dx > 180, -360.0, np.where(dx < -180, 360.0, 0.0)))
    return out


def cut_at_antimeridian(geom: BaseGeometry) -> BaseGeometry | None:
    """Cut a polygon written continuously across 180 degrees into its parts on each side (RFC 7946 3.1.9).

    Parameters
    ----------
    geom : Polygon or MultiPolygon
        In longitude/latitude degrees; rings may jump from +179.5 to -179.5 or run below -180.

    Returns
    -------
    Polygon, MultiPolygon or None
        The same area within [-180, 180]; ``None`` when a ring goes round a pole (it cannot be cut into
        polygons on a plate carree map).

    Examples
    --------
    >>> from shapely import Polygon
    >>> cut = cut_at_antimeridian(Polygon([(179.5, 51), (-179.5, 51), (-179.5, 52), (179.5, 52)]))
    >>> cut.geom_type, [round(b, 1) for b in cut.bounds], round(cut.area, 3)
    ('MultiPolygon', [-180.0, 51.0, 180.0, 52.0], 1.0)
    """
    parts: list[BaseGeometry] = []
    for poly in shapely.get_parts(geom):
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        shell = _unwrap(np.asarray(poly.exterior.coords))
        if abs(shell[0, 0] - shell[-1, 0]) > 1e-9:
            return None  # the ring goes round a pole
        holes = []
        for r in poly.interiors:
            h = _unwrap(np.asarray(r.coords))
            h[:, 0] += -360.0 * np.round((h[:, 0].mean() - shell[:, 0].mean()) / 360.0)
            holes.append(h)
        unwrapped = shapely.make_valid(shapely.Polygon(shell, holes))
        for shift in (-360.0, 0.0, 360.0):
            window = shapely.box(-180.0 - shift, -90.0, 180.0 - shift, 90.0)
            piece = shapely.intersection(unwrapped, window)
            if piece.is_empty:
                continue
            piece = shapely.transform(piece, lambda xy, s=shift: xy + np.array([s, 0.0]))
            parts.extend(p for p in shapely.get_parts(polygonal_parts(piece)[0]) if not p.is_empty)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def axis_order_swapped(bounds: tuple[float, float, float, float]) -> bool:
    """Whether ``(minx, miny, maxx, maxy)`` looks like latitude written as x and longitude as y.

    True when every x is a valid latitude and the y values leave the latitude range but not the longitude
    range: only the swapped order can be read.

    Examples
    --------
    >>> axis_order_swapped((40.0, -101.0, 42.0, -98.0))
    True
    >>> axis_order_swapped((-101.0, 40.0, -98.0, 42.0))
    False
    """
    minx, miny, maxx, maxy = bounds
    return -90 <= minx <= maxx <= 90 and -180 <= miny <= maxy <= 180 and (miny < -90 or maxy > 90)


COVERAGE_PREFILTER_MIN = 50_000
"""Shapes from which :func:`overlapping_pairs` first asks GEOS's coverage validator which shapes can overlap."""


def _overlap_candidates(shapes: NDArray[np.object_]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Pairs ``i < j`` of shapes that intersect and may share interior: every overlapping pair is among them.

    Below :data:`COVERAGE_PREFILTER_MIN` shapes: every intersecting pair. From there, only pairs with a shape that
    GEOS's coverage validator (``shapely.coverage_invalid_edges``, GEOS >= 3.12) flags, or with a twin of the
    same bounds: a shape whose every edge matches a neighbour's edge or lies outside all other shapes has no
    edge inside another shape, so it can share interior with another shape only by containing it (then the
    contained shape's edges are flagged) or by being its exact duplicate (same bounds). On a tessellation
    that leaves a few pairs to test instead of millions.
    """
    tree = shapely.STRtree(shapes)
    if len(shapes) < COVERAGE_PREFILTER_MIN:
        left, right = tree.query(shapes, predicate="intersects")
    else:
        flagged = ~shapely.is_empty(shapely.coverage_invalid_edges(shapes))
        bounds = shapely.bounds(shapes)
        order = np.lexsort(bounds.T[::-1])
        same = (bounds[order][1:] == bounds[order][:-1]).all(axis=1)
        flagged[order[1:][same]] = True
        flagged[order[:-1][same]] = True
        query = np.flatnonzero(flagged)
        left, right = tree.query(shapes[query], predicate="intersects")
        left = query[left]
        left, right = np.minimum(left, right), np.maximum(left, right)
        if left.size:
            key = np.unique(left.astype(np.int64) * len(shapes) + right)
            left, right = key // len(shapes), key % len(shapes)
    keep = left < right
    return left[keep], right[keep]


def overlapping_pairs(
    geoms: NDArray[np.object_], *, tolerance: float = OVERLAP_TOLERANCE
) -> list[tuple[int, int, float]]:
    """Pairs of shapes whose interiors overlap by more than ``tolerance`` of the smaller one's area.

    Parameters
    ----------
    geoms : array of shapely geometries
        Valid polygons (any CRS; areas are compared as shares, so degrees do).
    tolerance : float
        The smallest overlap reported, as a share of the smaller shape.

    Returns
    -------
    list of (i, j, share)
        ``i < j`` positions in ``geoms`` and the overlap as a share of the smaller shape, largest first (then by position).

    Examples
    --------
    >>> from shapely import box
    >>> overlapping_pairs(np.array([box(0, 0, 2, 2), box(1, 0, 3, 2), box(3, 0, 4, 2)], dtype=object))
    [(0, 1, 0.5)]
    """
    present = np.array([g is not None and not g.is_empty for g in geoms], dtype=bool)
    idx = np.flatnonzero(present)
    if idx.size < 2:
        return []
    shapes = geoms[idx]
    left, right = _overlap_candidates(shapes)
    if left.size == 0:
        return []
    inner = shapely.relate_pattern(shapes[left], shapes[right], "2********")
    left, right = left[inner], right[inner]
    if left.size == 0:
        return []
    shared = shapely.area(shapely.intersection(shapes[left], shapes[right]))
    smaller = np.minimum(shapely.area(shapes[left]), shapely.area(shapes[right]))
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(smaller > 0, shared / smaller, 0.0)
    hits = np.flatnonzero(share > tolerance)
    out = [(int(idx[left[k]]), int(idx[right[k]]), round(float(share[k]), 4)) for k in hits]
    return sorted(out, key=lambda t: (-t[2], t[0], t[1]))
