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

from typing import NamedTuple

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from shapely.geometry.base import BaseGeometry

__all__ = [
    "OVERLAP_TOLERANCE",
    "axis_order_swapped",
    "clean_shapes",
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


EDGE_PREFILTER_MIN = 50_000
"""Shapes from which :func:`overlapping_pairs` first sets aside the shapes that :func:`clean_shapes` proves overlap
nothing (a matched-edge test over all edges at once), and searches the rest only."""

_EPS = 2.0**-52
_TRIES = 3  # points tried per group of polygons before it is left to the exact test


class _Rings(NamedTuple):
    """The coordinates of polygonal shapes, ring by ring (see :func:`_ring_table`)."""

    coords: NDArray[np.float64]  # (m, 2), every ring closed, in the order shapely.get_coordinates writes them
    shape: NDArray[np.intp]  # (r,) the shape each ring belongs to
    # (r,) the polygon each ring belongs to: one_ring[k] is polygon k, parts[k] is polygon len(one_ring) + k
    part: NDArray[np.intp]
    shell: NDArray[np.bool_]  # (r,) first ring of its polygon
    length: NDArray[np.intp]  # (r,) coordinates in the ring (the closing one included)
    one_ring: NDArray[np.intp]  # shapes that are a polygon without holes
    parts: NDArray[np.object_]  # the polygons of the other shapes
    part_shape: NDArray[np.intp]  # the shape of each of those polygons


def _ring_table(shapes: NDArray[np.object_]) -> _Rings | None:
    """Split polygonal shapes into rings; ``None`` when a coordinate is not finite (then nothing is proven)."""
    coords = shapely.get_coordinates(shapes)
    if not np.isfinite(coords).all():
        return None
    simple = shapely.get_type_id(shapes) == 3
    simple[simple] = shapely.get_num_interior_rings(shapes[simple]) == 0
    one = np.flatnonzero(simple)
    many = np.flatnonzero(~simple)
    parts, part_of = shapely.get_parts(shapes[many], return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    shell_many = np.ones(len(rings), dtype=bool)
    shell_many[1:] = ring_part[1:] != ring_part[:-1]
    ring_shape = np.concatenate([one, many[part_of[ring_part]]])
    ring_polygon = np.concatenate([np.arange(len(one)), len(one) + ring_part])
    ring_len = np.concatenate([shapely.get_num_coordinates(shapes[one]), shapely.get_num_coordinates(rings)])
    shell = np.concatenate([np.ones(len(one), dtype=bool), shell_many])
    order = np.argsort(ring_shape, kind="stable")  # rings in the order get_coordinates wrote them
    ring_len = ring_len[order]
    if int(ring_len.sum()) != len(coords) or (ring_len < 4).any():
        return None
    return _Rings(coords, ring_shape[order], ring_polygon[order], shell[order], ring_len, one, parts, many[part_of])


def clean_shapes(
    shapes: NDArray[np.object_], *, valid: NDArray[np.bool_] | None = None, tree: shapely.STRtree | None = None
) -> NDArray[np.bool_]:
    """Shapes proven to share no interior with any other shape, found from matched edges in one pass.

    An edge is *matched* when exactly two edges, of two shapes, join the same two endpoints (equal float
    coordinates) and run in opposite directions once every shell is counter-clockwise and every hole
    clockwise: the two shapes lie on opposite sides of it. A polygon (a Polygon, or one part of a
    MultiPolygon) is *open* when its shape is a valid Polygon or MultiPolygon whose rings have a certain
    orientation, no unmatched edge enters the shape's interior (touching its boundary is allowed: the
    outline of a tessellation), and the shape (closed) touches no shape that is not of that kind. Two open
    polygons are *linked* by a matched edge between them that no unmatched edge meets in its relative
    interior; linked polygons form groups. A group is proven when a point of one of its polygons lies in that
    polygon and in no other shape (closed sets). A shape is *clean* when all its polygons are in proven groups.

    Why a clean shape overlaps nothing: the number ``d(x)`` of shapes whose interior holds a point ``x``
    changes only where ``x`` crosses a boundary, by the shapes whose interior lies on the side entered minus
    those on the side left; across a matched pair that is one minus one. Every boundary inside an open
    polygon is matched, so ``d`` is constant on the polygon's interior (which is connected for a valid
    polygon); along a link every boundary is matched too (away from finitely many points), so ``d`` is equal
    on its two sides: it is one number per group. Near the proving point no other closed shape lies, so that
    number is 1: no other shape's interior meets a proven polygon, and an interior overlap (DE-9IM
    ``2********``) is impossible. Shapes that are not clean may or may not overlap: the caller tests them
    exactly.

    Parameters
    ----------
    shapes : array of shapely geometries, shape (n,)
        Non-empty geometries (any CRS).
    valid : array of bool, shape (n,), optional
        Which shapes are known to be valid (``shapely.is_valid``); computed when omitted. A shape that is not
        valid is never clean, and its neighbours are not either.
    tree : shapely.STRtree, optional
        An R-tree of ``shapes`` (built when omitted).

    Returns
    -------
    numpy.ndarray of bool, shape (n,)
        True for the shapes proven to overlap nothing.

    Notes
    -----
    Orientation is the sign of the shoelace sum; a ring whose sum is within the floating-point error bound of
    recursive summation (Higham 2002, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., chapter 4, with
    ``(m + 4) * 2**-52`` of the sum of absolute products for ``m`` edges) has no certain orientation and its
    shape is not clean. Vertices are equal only when both coordinates are equal floats, so a file that is not
    noded (a vertex of one shape in the middle of another's edge) has unmatched edges there: they link
    nothing, and a shape whose interior they enter goes to the exact test.

    Examples
    --------
    >>> from shapely import box
    >>> clean_shapes(np.array([box(0, 0, 1, 1), box(1, 0, 2, 1), box(1.5, 0.5, 1.8, 0.8)], dtype=object)).tolist()
    [True, False, False]
    >>> grid = np.array([box(x, y, x + 1, y + 1) for x in range(4) for y in range(4)], dtype=object)
    >>> clean_shapes(grid).all()  # the outline's unmatched edges touch the border cells, they do not enter them
    np.True_
    >>> grid[5] = box(1.5, 1, 2.5, 2)  # moved half a cell over cell 9
    >>> np.flatnonzero(~clean_shapes(grid)).tolist()
    [5, 9]
    """
    n = len(shapes)
    clean = np.zeros(n, dtype=bool)
    if n == 0:
        return clean
    if valid is None:
        valid = shapely.is_valid(shapes)
    types = shapely.get_type_id(shapes)
    good = np.asarray(valid, dtype=bool) & ((types == 3) | (types == 6))
    local = np.flatnonzero(good)
    rings = _ring_table(shapes[local]) if local.size else None
    if rings is None:
        return clean
    x, y = rings.coords[:, 0], rings.coords[:, 1]
    nr = len(rings.length)
    ends = np.cumsum(rings.length)
    edge = np.ones(len(x) - 1, dtype=bool)  # coordinate k starts an edge to k + 1 unless it closes its ring
    edge[ends[:-1] - 1] = False
    xa, ya, xb, yb = x[:-1][edge], y[:-1][edge], x[1:][edge], y[1:][edge]
    ring_of_edge = np.repeat(np.arange(nr), rings.length - 1)

    # orientation: twice the signed area of each ring, and the bound on its rounding error
    pq, qp = xa * yb, xb * ya
    area2 = np.bincount(ring_of_edge, weights=pq - qp, minlength=nr)
    size = np.bincount(ring_of_edge, weights=np.abs(pq) + np.abs(qp), minlength=nr)
    del pq, qp
    certain = np.abs(area2) > (rings.length + 3) * _EPS * size
    flip = np.where(rings.shell, area2 < 0, area2 > 0)  # shells counter-clockwise, holes clockwise

    # an edge is keyed by its two endpoints, the lower one (by x, then y) first: a 64-bit hash of the four
    # coordinates' bits, then compared coordinate by coordinate (a hash collision leaves both edges unmatched)
    a_low = (xa < xb) | ((xa == xb) & (ya < yb))
    real = a_low | (xa != xb) | (ya != yb)  # a repeated point is no edge
    forward = a_low ^ flip[ring_of_edge]  # the edge, run with its polygon on its left, goes low to high
    high = ~a_low  # from here on (xa, ya) is the lower endpoint of each edge and (xb, yb) the higher one
    xa[high], xb[high] = xb[high], xa[high]
    ya[high], yb[high] = yb[high], ya[high]
    del high
    key, _ = pd.factorize(_hash64(xa, ya, xb, yb))
    first = np.zeros(int(key.max()) + 1, dtype=np.intp)
    first[key[::-1]] = np.arange(key.size)[::-1]
    at = first[key]  # the first edge of each edge's key
    same = (xa == xa[at]) & (ya == ya[at]) & (xb == xb[at]) & (yb == yb[at]) & real
    times = np.bincount(key, weights=same)
    ways = np.bincount(key, weights=same & forward)
    matched = (times == 2) & (ways == 1)  # two edges, run opposite ways
    second = np.flatnonzero(matched[key] & same & (at != np.arange(key.size)))
    pair = (ring_of_edge[at[second]], ring_of_edge[second])
    one_shape = rings.shape[pair[0]] == rings.shape[pair[1]]
    matched[key[second[one_shape]]] = False  # ... of two shapes (a valid shape never repeats an edge)
    second = second[~one_shape]
    loose = real & ~(matched[key] & same)

    # a shape that an unmatched edge enters (its interior), or that touches a shape this test cannot read,
    # is not clean; a matched edge that an unmatched edge meets (in its relative interior) links nothing
    if tree is None:
        tree = shapely.STRtree(shapes)
    flagged = ~good
    flagged[local[rings.shape[~certain]]] = True
    unread = np.flatnonzero(flagged)
    if unread.size:
        flagged[tree.query(shapes[unread], predicate="intersects")[1]] = True
    n_one = len(rings.one_ring)
    polygon_shape = np.concatenate([rings.one_ring, rings.part_shape])
    ends_a, ends_b = rings.part[pair[0][~one_shape]], rings.part[pair[1][~one_shape]]
    blocked = np.zeros(len(second), dtype=bool)
    if loose.any():
        segments = shapely.linestrings(np.stack([xa[loose], ya[loose], xb[loose], yb[loose]], axis=1).reshape(-1, 2, 2))
        hit_segment, hit_shape = tree.query(segments, predicate="intersects")
        inside = ~shapely.touches(segments[hit_segment], shapes[hit_shape])
        flagged[hit_shape[inside]] = True
        touched = np.zeros(n, dtype=bool)
        touched[hit_shape[~inside]] = True
        near = np.flatnonzero(touched[local[polygon_shape[ends_a]]] | touched[local[polygon_shape[ends_b]]])
        if near.size:
            e = second[near]
            lines = shapely.linestrings(np.stack([xa[e], ya[e], xb[e], yb[e]], axis=1).reshape(-1, 2, 2))
            toucher = segments[np.unique(hit_segment[~inside])]
            hit_toucher, hit_line = shapely.STRtree(lines).query(toucher, predicate="intersects")
            on_line = shapely.relate_pattern(
                lines[hit_line], toucher[hit_toucher], "T********"
            ) | shapely.relate_pattern(lines[hit_line], toucher[hit_toucher], "*T*******")
            blocked[near[hit_line[on_line]]] = True
    del xa, ya, xb, yb, key, same, real, loose, at, first

    # d is equal on the two sides of a matched edge between two unflagged polygons that no unmatched edge
    # meets, so it is one number on each connected group of them: one point per group, in its polygon and in
    # no other shape, proves d = 1
    open_polygon = ~flagged[local[polygon_shape]]
    link = open_polygon[ends_a] & open_polygon[ends_b] & ~blocked
    n_poly = len(polygon_shape)
    graph = coo_matrix((np.ones(int(link.sum())), (ends_a[link], ends_b[link])), shape=(n_poly, n_poly))
    _, group = connected_components(graph, directed=False)
    proven = np.zeros(int(group.max()) + 1, dtype=bool)
    candidates = np.flatnonzero(open_polygon)
    for _attempt in range(_TRIES):
        # the first polygon of every group not yet proven (a point may fall on a border: then try another)
        order = candidates[np.argsort(group[candidates], kind="stable")]
        lead = order[np.r_[True, group[order][1:] != group[order][:-1]]] if order.size else order
        if lead.size == 0:
            break
        polys = np.empty(lead.size, dtype=object)
        whole = lead < n_one
        polys[whole] = shapes[local[rings.one_ring[lead[whole]]]]
        polys[~whole] = rings.parts[lead[~whole] - n_one]
        inner = shapely.point_on_surface(polys)
        ok = _alone(tree, inner, local[polygon_shape[lead]]) & shapely.intersects(polys, inner)
        proven[group[lead[ok]]] = True
        candidates = candidates[~proven[group[candidates]] & ~np.isin(candidates, lead)]
    good_polygon = open_polygon & proven[group]
    bad_shape = np.zeros(len(local), dtype=bool)
    bad_shape[polygon_shape[~good_polygon]] = True
    clean[local[~bad_shape]] = True
    return clean


def _hash64(*columns: NDArray[np.float64]) -> NDArray[np.int64]:
    """A 64-bit hash of the bits of float columns (multiply-add with odd constants, wrapping)."""
    out = np.zeros(len(columns[0]), dtype=np.uint64)
    for k, col in enumerate(columns):
        out = (out ^ col.view(np.uint64)) * np.uint64(_MIX[k])
        out ^= out >> np.uint64(29)
    return out.view(np.int64)


_MIX = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93)


def _alone(tree: shapely.STRtree, points: NDArray[np.object_], owner: NDArray[np.intp]) -> NDArray[np.bool_]:
    """Whether each point lies (closed sets) in exactly one of the tree's shapes, and that one is its owner."""
    hit_point, hit_shape = tree.query(points, predicate="intersects")
    hits = np.bincount(hit_point, minlength=len(points))
    own = np.zeros(len(points), dtype=bool)
    own[hit_point[hit_shape == owner[hit_point]]] = True
    return own & (hits == 1)


def _overlap_candidates(shapes: NDArray[np.object_]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Pairs ``i < j`` of shapes that intersect: every overlapping pair is among them."""
    left, right = shapely.STRtree(shapes).query(shapes, predicate="intersects")
    keep = left < right
    return left[keep], right[keep]


def overlapping_pairs(
    geoms: NDArray[np.object_], *, tolerance: float = OVERLAP_TOLERANCE, valid: NDArray[np.bool_] | None = None
) -> list[tuple[int, int, float]]:
    """Pairs of shapes whose interiors overlap by more than ``tolerance`` of the smaller one's area.

    Parameters
    ----------
    geoms : array of shapely geometries
        Valid polygons (any CRS; areas are compared as shares, so degrees do).
    tolerance : float
        The smallest overlap reported, as a share of the smaller shape.
    valid : array of bool, optional
        Which of ``geoms`` are known to be valid (the caller checked them); from :data:`EDGE_PREFILTER_MIN`
        shapes on, validity is computed when omitted (see :func:`clean_shapes`).

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
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    idx = np.flatnonzero(present)
    if idx.size < 2:
        return []
    if idx.size >= EDGE_PREFILTER_MIN:
        # shapes proven to overlap nothing leave the search; every intersecting pair of the others is tested
        known = None if valid is None else np.asarray(valid, dtype=bool)[idx]
        idx = idx[~clean_shapes(geoms[idx], valid=known)]
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
