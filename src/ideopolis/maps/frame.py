"""Where a region set's main body is: the view a map opens on and the insets of a static map.

Regions are linked when their shapes (their convex hulls) lie within ``link_distance`` degrees of each
other; the linked
groups (connected components) holding at least ``min_share`` of the regions form the **main body** (the
conterminous US for a US set; continental Europe for a NUTS set). Smaller groups far from it (Alaska,
Hawaii, Puerto Rico, the Canaries) are **outliers**: the interactive map opens on the main body and the
static map draws each outlying group in an inset.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

#: Shapes closer than this (degrees) belong to the same group.
LINK_DISTANCE = 3.0
#: First-pass link distance (degrees): neighbours and near neighbours.
NEAR = 0.25
#: A group holding at least this share of the regions is part of the main body.
MIN_SHARE = 0.05
#: Above this many regions the first pass links only shapes whose hulls touch: with tens of thousands of
#: small regions a 0.25-degree ring around each holds hundreds of others, and testing every such pair cost
#: 15 of the 22 seconds of preparing 85,000 regions. The second pass links the groups as before.
TOUCH_ONLY_ABOVE = 20_000


@dataclass(frozen=True)
class Groups:
    """Regions grouped by proximity.

    Attributes
    ----------
    labels : numpy.ndarray
        Group number of each region (-1 for a region without a shape), in the input order; group 0 is
        the largest.
    main : frozenset of int
        Group numbers that form the main body.
    """

    labels: NDArray[np.int64]
    main: frozenset[int]

    def main_mask(self) -> NDArray[np.bool_]:
        """Return a boolean mask of the regions in the main body."""
        return np.isin(self.labels, sorted(self.main))

    def outliers(self) -> list[int]:
        """Return the group numbers outside the main body, largest first."""
        return sorted({int(g) for g in self.labels if g >= 0} - set(self.main))


def _components(geoms: NDArray[np.object_], distance: float) -> NDArray[np.int64]:
    """Connected components of shapes linked when closer than ``distance``."""
    tree = shapely.STRtree(geoms)
    if distance > 0:
        left, right = tree.query(geoms, predicate="dwithin", distance=distance)
    else:
        left, right = tree.query(geoms, predicate="intersects")
    graph = coo_matrix((np.ones(left.size), (left, right)), shape=(geoms.size, geoms.size))
    _, comp = connected_components(graph, directed=False)
    return np.asarray(comp, dtype=np.int64)


def group_regions(
    geometry: gpd.GeoSeries,
    *,
    link_distance: float = LINK_DISTANCE,
    min_share: float = MIN_SHARE,
) -> Groups:
    """Group regions by proximity and pick the main body.

    Parameters
    ----------
    geometry : geopandas.GeoSeries
        Region shapes in longitude/latitude degrees (unwrapped across the antimeridian).
    link_distance : float, default 3.0
        Shapes closer than this many degrees are linked.
    min_share : float, default 0.05
        Groups with at least this share of the regions (and always the largest group) form the main
        body.

    Returns
    -------
    Groups
    """
    geoms = np.asarray(geometry.array, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    labels = np.full(len(geoms), -1, dtype=np.int64)
    idx = np.flatnonzero(present)
    if idx.size == 0:
        return Groups(labels, frozenset())
    # Two passes keep this fast on thousands of regions: neighbours first (hulls nearly touching),
    # then the few resulting groups linked by the distance between their hulls. A hull is never
    # farther from anything than the shapes it holds.
    hulls = shapely.convex_hull(geoms[idx])
    near = 0.0 if idx.size > TOUCH_ONLY_ABOVE else NEAR
    comp = _components(hulls, min(near, link_distance))
    if link_distance > NEAR and comp.max() > 0:
        coords, owner = shapely.get_coordinates(hulls, return_index=True)
        order = np.argsort(comp[owner], kind="stable")  # shapely wants the points grouped by their part
        group_hulls = shapely.convex_hull(shapely.multipoints(coords[order], indices=comp[owner][order]))
        comp = _components(group_hulls, link_distance)[comp]
    sizes = np.bincount(comp)
    order = np.argsort(-sizes, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    labels[idx] = rank[comp]
    sorted_sizes = sizes[order]
    main = {0} | {int(g) for g in range(sorted_sizes.size) if sorted_sizes[g] >= min_share * idx.size}
    return Groups(labels, frozenset(main))


def bounds_of(geometry: gpd.GeoSeries, mask: NDArray[np.bool_] | None = None) -> tuple[float, float, float, float]:
    """Return ``(minx, miny, maxx, maxy)`` of the shapes selected by ``mask`` (default: all).

    The whole world when nothing is selected.
    """
    geoms = np.asarray(geometry.array, dtype=object)
    if mask is not None:
        geoms = geoms[mask]
    geoms = np.array([g for g in geoms if g is not None and not g.is_empty], dtype=object)
    if geoms.size == 0:
        return (-180.0, -85.0, 180.0, 85.0)
    b = shapely.total_bounds(geoms)
    return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))


def main_body_bounds(
    geometry: gpd.GeoSeries,
    *,
    link_distance: float = LINK_DISTANCE,
    min_share: float = MIN_SHARE,
) -> tuple[float, float, float, float]:
    """Return ``(minx, miny, maxx, maxy)`` of the main body of a region set.

    Parameters
    ----------
    geometry : geopandas.GeoSeries
        Region shapes in longitude/latitude degrees (unwrapped across the antimeridian).
    link_distance, min_share : float
        See :func:`group_regions`.

    Returns
    -------
    tuple of float
        The bounds; the whole world when there is no shape at all.
    """
    groups = group_regions(geometry, link_distance=link_distance, min_share=min_share)
    return bounds_of(geometry, groups.main_mask())


def pad_bounds(bounds: Sequence[float], fraction: float = 0.02) -> tuple[float, float, float, float]:
    """Grow ``(minx, miny, maxx, maxy)`` by ``fraction`` of its size on every side."""
    minx, miny, maxx, maxy = bounds
    dx = (maxx - minx) * fraction
    dy = (maxy - miny) * fraction
    return (minx - dx, miny - dy, maxx + dx, maxy + dy)
