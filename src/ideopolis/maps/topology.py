"""Shared-arc topology of a polygon coverage, built with array operations (no Python loop per region).

A TopoJSON topology (Bostock, `topojson-specification <https://github.com/topojson/topojson-specification>`_)
stores every border between two regions once, as an *arc*, and each region as rings of arc references.
This module builds one the way ``topojson-server`` does, in four steps, each a handful of numpy calls over
all the points of all the rings at once:

1. **quantise**: points to an integer grid of ``quantization`` steps along the longer side of the bounding
   box (TopoJSON's ``transform``: ``x = i * kx + x0``), dropping points that fall on the grid point of the
   previous one;
2. **join**: a point is a *junction* when the rings that pass through it do not all have the same two
   neighbours there (``topojson-server``'s ``join``: the neighbour pair of each visit is compared with the
   first, either way round). Borders meet, end or fork only at junctions;
3. **cut**: each ring is rotated to start at its first junction and cut at every junction into arcs; a ring
   without junctions (an island, or a hole filled by exactly one other region) is one closed arc, rotated to
   start at its lowest point;
4. **dedup**: arcs equal as point sequences, either way round, are one arc; a region that runs along an arc
   backwards refers to it reversed. Arcs are compared by length, end points and two 64-bit polynomial
   hashes of their point sequences, and every match is then checked point by point, so a hash collision can
   never merge two different arcs.

The result is the same set of arcs as ``topojson-server`` and the Python ``topojson`` package make (the
tests compare them on the bundled region sets), in a fraction of the time: 85,000 regions in about a second
instead of a minute.

Examples
--------
>>> from shapely.geometry import box
>>> topo = build_topology([box(0, 0, 1, 1), box(1, 0, 2, 1)], quantization=3)
>>> topo.n_arcs, topo.arc_points.shape[0]  # the middle border is stored once
(3, 10)
>>> [topo.arc_users(a) for a in range(topo.n_arcs)]
[(0, 1), (0,), (1,)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

IntArray = NDArray[np.int64]

#: Multipliers of the two polynomial hashes of point sequences (odd 64-bit constants).
_HASH_BASES = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))


@dataclass(frozen=True)
class Topology:
    """Arcs and the rings that use them.

    All offsets are CSR style: the items of element ``k`` are ``items[offsets[k]:offsets[k + 1]]``.

    Attributes
    ----------
    scale, translate : tuple of float
        Grid to coordinates: ``x = i * scale[0] + translate[0]`` (TopoJSON's ``transform``).
    arc_points : numpy.ndarray
        ``(n_points, 2)`` int64 grid points of all arcs, one arc after another.
    arc_offsets : numpy.ndarray
        ``n_arcs + 1`` offsets into ``arc_points``.
    ring_refs : numpy.ndarray
        Arc references of all rings, one ring after another: ``2 * arc`` forward, ``2 * arc + 1`` reversed.
    ring_offsets : numpy.ndarray
        ``n_rings + 1`` offsets into ``ring_refs``.
    polygon_offsets : numpy.ndarray
        ``n_polygons + 1`` offsets into the rings (a polygon's first ring is its shell, then its holes).
    region_offsets : numpy.ndarray
        ``n_regions + 1`` offsets into the polygons (a region without a shape has none).
    """

    scale: tuple[float, float]
    translate: tuple[float, float]
    arc_points: IntArray
    arc_offsets: IntArray
    ring_refs: IntArray
    ring_offsets: IntArray
    polygon_offsets: IntArray
    region_offsets: IntArray

    @property
    def n_arcs(self) -> int:
        """Number of distinct arcs."""
        return int(self.arc_offsets.size - 1)

    @property
    def n_regions(self) -> int:
        """Number of regions (with or without a shape)."""
        return int(self.region_offsets.size - 1)

    @cached_property
    def ref_regions(self) -> IntArray:
        """The region of each arc reference in :attr:`ring_refs`."""
        rings_per_polygon = np.diff(self.polygon_offsets)
        polygons_per_region = np.diff(self.region_offsets)
        polygon_region = np.repeat(np.arange(self.n_regions), polygons_per_region)
        ring_region = np.repeat(polygon_region, rings_per_polygon)
        return np.repeat(ring_region, np.diff(self.ring_offsets))

    @cached_property
    def _users(self) -> tuple[IntArray, IntArray]:
        """Regions using each arc, once per use, sorted: (offsets per arc, regions)."""
        arcs = self.ring_refs >> 1
        order = np.lexsort((self.ref_regions, arcs))
        counts = np.bincount(arcs, minlength=self.n_arcs)
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return offsets, self.ref_regions[order]

    def arc_users(self, arc: int) -> tuple[int, ...]:
        """The regions whose rings use ``arc``, once per use, in increasing order."""
        offsets, regions = self._users
        return tuple(int(r) for r in regions[offsets[arc] : offsets[arc + 1]])

    def arc_use_counts(self) -> IntArray:
        """How many ring references each arc has (1: the outside of the set; 2: a border)."""
        return np.diff(self._users[0])

    def border_arcs(self, labels: NDArray[np.int64]) -> IntArray:
        """Arcs on the outline of groups of regions: used once, or by regions of two different groups.

        Parameters
        ----------
        labels : numpy.ndarray
            An integer group code per region.

        Returns
        -------
        numpy.ndarray
            Arc numbers, increasing.
        """
        offsets, regions = self._users
        counts = np.diff(offsets)
        groups = np.asarray(labels, dtype=np.int64)[regions]
        first = groups[offsets[:-1]]
        arc_of_use = np.repeat(np.arange(self.n_arcs), counts)
        differs = np.zeros(self.n_arcs, dtype=bool)
        np.logical_or.at(differs, arc_of_use, groups != first[arc_of_use])
        return np.flatnonzero((counts == 1) | differs).astype(np.int64)


def _rings(geoms: Sequence[BaseGeometry | None]) -> tuple[NDArray[np.object_], IntArray, IntArray]:
    """The rings of every polygon, with the polygon of each ring and the region of each polygon."""
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = list(geoms)
    present = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    parts, part_region = shapely.get_parts(arr[present], return_index=True)
    part_region = np.flatnonzero(present)[part_region]
    keep = shapely.get_type_id(parts) == 3  # polygons only
    parts, part_region = parts[keep], part_region[keep]
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    return rings, ring_part.astype(np.int64), part_region.astype(np.int64)


def _segment_hash(
    values: NDArray[np.uint64], starts: IntArray, lengths: IntArray, base: np.uint64
) -> NDArray[np.uint64]:
    """Polynomial hash ``sum(values[s + k] * base**k)`` (mod 2**64) of each segment."""
    n = int(lengths.max()) if lengths.size else 0
    powers = np.ones(max(n, 1), dtype=np.uint64)
    if n > 1:
        powers[1:] = base
        powers = np.cumprod(powers, dtype=np.uint64)
    local = np.arange(values.size, dtype=np.int64) - np.repeat(starts, lengths)
    with np.errstate(over="ignore"):
        terms = values * powers[local]
    out = np.zeros(starts.size, dtype=np.uint64)
    nonempty = lengths > 0
    out[nonempty] = np.add.reduceat(terms, starts[nonempty])
    return out


def build_topology(
    geoms: Sequence[BaseGeometry | None],
    *,
    quantization: int = 100_000,
) -> Topology:
    """Build the shared-arc topology of polygonal shapes (see the module docstring).

    Parameters
    ----------
    geoms : sequence of shapely geometries or None
        One shape per region: Polygon or MultiPolygon (other parts are ignored), ``None`` or empty for a
        region without a shape.
    quantization : int, default 100_000
        Grid steps along the longer side of the bounding box (at least 2).

    Returns
    -------
    Topology

    Raises
    ------
    ValueError
        When ``quantization`` is below 2.
    """
    if quantization < 2:
        raise ValueError(f"quantization must be at least 2, got {quantization}")
    n_regions = len(geoms)
    rings, ring_polygon, polygon_region = _rings(geoms)
    n_polygons = polygon_region.size
    region_offsets = np.concatenate([[0], np.cumsum(np.bincount(polygon_region, minlength=n_regions))])
    polygon_offsets = np.concatenate([[0], np.cumsum(np.bincount(ring_polygon, minlength=n_polygons))])
    if rings.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Topology(
            (1.0, 1.0),
            (0.0, 0.0),
            np.zeros((0, 2), dtype=np.int64),
            np.zeros(1, dtype=np.int64),
            empty,
            np.zeros(1, dtype=np.int64),
            polygon_offsets.astype(np.int64),
            region_offsets.astype(np.int64),
        )

    # 1. quantise
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    x0, y0, x1, y1 = shapely.total_bounds(rings)
    kx = (x1 - x0) / (quantization - 1) if x1 > x0 else 1.0
    ky = (y1 - y0) / (quantization - 1) if y1 > y0 else 1.0
    qx = np.round((coords[:, 0] - x0) / kx).astype(np.int64)
    qy = np.round((coords[:, 1] - y0) / ky).astype(np.int64)
    # drop a point on the grid point of the one before it (the closing point stays: it repeats the first)
    same = np.zeros(qx.size, dtype=bool)
    same[1:] = (qx[1:] == qx[:-1]) & (qy[1:] == qy[:-1]) & (coord_ring[1:] == coord_ring[:-1])
    qx, qy, coord_ring = qx[~same], qy[~same], coord_ring[~same]
    n_rings = rings.size
    counts = np.bincount(coord_ring, minlength=n_rings)  # points per ring, closing point included
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    # the ring's distinct positions: all but the closing point (a ring shrunk to one point keeps it)
    cyc = np.maximum(counts - 1, 1)
    keep = np.ones(qx.size, dtype=bool)
    keep[starts + counts - 1] = counts == 1
    px, py = qx[keep], qy[keep]
    ring_of = np.repeat(np.arange(n_rings), cyc)
    cstart = np.concatenate([[0], np.cumsum(cyc)[:-1]])
    pos = np.arange(px.size) - cstart[ring_of]

    # point ids
    keys = px * np.int64(quantization + 1) + py
    uniq, pid = np.unique(keys, return_inverse=True)
    pid = pid.astype(np.int64)
    ux, uy = uniq // np.int64(quantization + 1), uniq % np.int64(quantization + 1)

    # 2. join: neighbours of each visit, cyclic within the ring
    prev_pos = np.where(pos == 0, cyc[ring_of] - 1, pos - 1) + cstart[ring_of]
    next_pos = np.where(pos == cyc[ring_of] - 1, 0, pos + 1) + cstart[ring_of]
    a, b = pid[prev_pos], pid[next_pos]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    visits = np.unique(np.column_stack([pid, lo, hi]), axis=0)
    pairs_per_point = np.bincount(visits[:, 0], minlength=uniq.size)
    junction_point = pairs_per_point > 1
    junction = junction_point[pid]

    # 3. cut: rotate every ring to start at its first junction (or its lowest point) and close it
    big = np.iinfo(np.int64).max
    first_j = np.full(n_rings, big, dtype=np.int64)
    np.minimum.at(first_j, ring_of[junction], pos[junction])
    has_j = first_j < big
    lowest = np.full(n_rings, big, dtype=np.int64)
    np.minimum.at(lowest, ring_of, pid)
    is_low = pid == lowest[ring_of]
    low_pos = np.full(n_rings, big, dtype=np.int64)
    np.minimum.at(low_pos, ring_of[is_low], pos[is_low])
    rot = np.where(has_j, first_j, low_pos)
    seq_len = cyc + 1  # closed: the start repeats at the end
    seq_ring = np.repeat(np.arange(n_rings), seq_len)
    seq_start = np.concatenate([[0], np.cumsum(seq_len)[:-1]])
    t = np.arange(seq_ring.size) - seq_start[seq_ring]
    src = (rot[seq_ring] + t) % cyc[seq_ring] + cstart[seq_ring]
    seq_pid = pid[src]
    seq_cut = junction[src] | (t == 0) | (t == seq_len[seq_ring] - 1)
    # a ring without junctions is cut only at its (closing) ends: one closed arc
    # arcs run from one cut to the next inside a ring
    cut_idx = np.flatnonzero(seq_cut)
    same_ring = seq_ring[cut_idx[1:]] == seq_ring[cut_idx[:-1]]
    arc_from = cut_idx[:-1][same_ring]
    arc_to = cut_idx[1:][same_ring]  # inclusive
    arc_ring = seq_ring[arc_from]
    arc_len = arc_to - arc_from + 1

    # 4. dedup: canonical direction, then hash, then check
    first_pid, last_pid = seq_pid[arc_from], seq_pid[arc_to]
    second = seq_pid[np.minimum(arc_from + 1, arc_to)]
    before_last = seq_pid[np.maximum(arc_to - 1, arc_from)]
    reverse = (last_pid < first_pid) | ((last_pid == first_pid) & (before_last < second))
    # canonical sequence of each arc occurrence
    occ = np.repeat(np.arange(arc_from.size), arc_len)
    k = np.arange(occ.size) - np.repeat(np.concatenate([[0], np.cumsum(arc_len)[:-1]]), arc_len)
    canon_src = np.where(reverse[occ], arc_to[occ] - k, arc_from[occ] + k)
    canon = seq_pid[canon_src]
    canon_starts = np.concatenate([[0], np.cumsum(arc_len)[:-1]]).astype(np.int64)
    values = canon.astype(np.uint64) + np.uint64(1)
    h1 = _segment_hash(values, canon_starts, arc_len, _HASH_BASES[0])
    h2 = _segment_hash(values, canon_starts, arc_len, _HASH_BASES[1])
    c_first = canon[canon_starts]
    c_last = canon[canon_starts + arc_len - 1]
    table = np.column_stack([arc_len, c_first, c_last, h1.view(np.int64), h2.view(np.int64)])
    _, first_occ, arc_id = np.unique(table, axis=0, return_index=True, return_inverse=True)
    arc_id = arc_id.reshape(-1)
    # number the arcs in order of first use, so the point stream runs on from arc to arc
    order = np.argsort(first_occ, kind="stable")
    renumber = np.empty_like(order)
    renumber[order] = np.arange(order.size)
    arc_id = renumber[arc_id]
    rep = first_occ[order]  # the occurrence that defines each arc
    # check every occurrence against its arc's defining occurrence, point by point
    rep_of_occ = rep[arc_id]
    if not np.array_equal(canon, canon[canon_starts[rep_of_occ][occ] + k]):
        raise RuntimeError("shared-arc topology: two different arcs hashed alike; please report this")

    # the arcs' points, each in the direction of its first use (as topojson-server stores them): arcs are
    # numbered in order of first use, so one arc then mostly starts where the one before it ended and the
    # page's running point stream costs almost nothing there; and the rings' references
    rep_len = arc_len[rep]
    flip = reverse[rep]
    arc_offsets = np.concatenate([[0], np.cumsum(rep_len)]).astype(np.int64)
    step = np.arange(int(arc_offsets[-1]), dtype=np.int64) - np.repeat(arc_offsets[:-1], rep_len)
    step = np.where(np.repeat(flip, rep_len), np.repeat(rep_len, rep_len) - 1 - step, step)
    take = np.repeat(canon_starts[rep], rep_len) + step
    arc_pids = canon[take]
    arc_points = np.column_stack([ux[arc_pids], uy[arc_pids]]).astype(np.int64)
    refs = 2 * arc_id.astype(np.int64) + (reverse ^ flip[arc_id]).astype(np.int64)
    ring_offsets = np.concatenate([[0], np.cumsum(np.bincount(arc_ring, minlength=n_rings))]).astype(np.int64)
    return Topology(
        (float(kx), float(ky)),
        (float(x0), float(y0)),
        arc_points,
        arc_offsets,
        refs,
        ring_offsets,
        polygon_offsets.astype(np.int64),
        region_offsets.astype(np.int64),
    )
