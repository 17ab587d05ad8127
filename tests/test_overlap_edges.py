"""The matched-edge overlap prefilter (``regions.shapes.clean_shapes``) is exact: a shape it sets aside overlaps
nothing, and ``overlapping_pairs`` with it reports the pairs a search of every intersecting pair reports.

The reference is the plain way: every pair of shapes whose bounds meet, tested with DE-9IM ``2********`` by GEOS,
with the prefilter switched off. (GEOS's coverage validator, the prefilter before this one, misses the overlaps of
two stacked tessellations: their edges all match within each tessellation, so it flags none of them; see
``test_a_second_grid_shifted_by_half_a_cell_is_found_by_the_interior_point``.) Tessellations are Voronoi cells (noded, as Census and Eurostat coverages are
meant to be) with overlaps injected the ways real files have them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import affinity
from shapely.ops import split

import ideopolis.regions.shapes as shapes_module
from ideopolis.regions.shapes import clean_shapes, overlapping_pairs

KINDS = ("duplicate", "reversed", "inside", "across", "shifted", "stacked", "enclave", "spill", "multi", "tjunction")


@contextmanager
def _prefilter(on: bool) -> Iterator[None]:
    saved = shapes_module.EDGE_PREFILTER_MIN
    shapes_module.EDGE_PREFILTER_MIN = 1 if on else 10**9
    try:
        yield
    finally:
        shapes_module.EDGE_PREFILTER_MIN = saved


def _voronoi(rng: np.random.Generator, n: int, size: float = 100.0) -> list[shapely.Geometry]:
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(rng.random((n, 2)) * size)))
    cells = shapely.intersection(cells, shapely.box(0, 0, size, size))
    return list(cells[~shapely.is_empty(cells)])


def _inject(rng: np.random.Generator, cells: list[shapely.Geometry], kind: str) -> None:
    """Lay one overlap (or a harmless change: a hole filled exactly, a multipolygon) over a tessellation."""
    k = int(rng.integers(0, len(cells)))
    pick = cells[k]
    if kind == "duplicate":
        cells.append(shapely.from_wkb(shapely.to_wkb(pick)))
    elif kind == "reversed":  # the same cell written the other way round: only orientation tells it apart
        cells.append(shapely.reverse(pick))
    elif kind == "inside":
        inner = shapely.buffer(pick, -0.5)
        cells.append(inner if shapely.area(inner) > 0 else pick)
    elif kind == "across":
        x, y = rng.random(2) * 90
        cells.append(shapely.box(x, y, x + 10, y + 10))
    elif kind == "shifted":
        cells[k] = affinity.translate(pick, *(rng.random(2) - 0.5) * 2)
    elif kind == "stacked":  # a second tessellation over the first: its inner edges are matched among themselves
        cells.extend(_voronoi(rng, int(rng.integers(3, 25))))
    elif kind in ("enclave", "spill"):  # a hole, filled by a region exactly (no overlap) or spilling over
        inner = shapely.buffer(shapely.point_on_surface(pick), 0.3)
        if shapely.contains_properly(pick, inner):
            cells[k] = shapely.difference(pick, inner)
            cells.append(inner if kind == "enclave" else shapely.buffer(inner, 0.1))
    elif kind == "multi":  # two cells that do not touch become one region (islands)
        j = int(rng.integers(0, len(cells)))
        if j != k and not shapely.intersects(cells[j], pick) and {pick.geom_type, cells[j].geom_type} == {"Polygon"}:
            cells[k] = shapely.MultiPolygon([pick, cells[j]])
            if rng.random() < 0.5:
                del cells[j]  # the part is the region now
    elif kind == "tjunction":  # a cell split in two: its neighbours keep edges that end mid-way (not noded)
        c = shapely.get_coordinates(pick)[:-1]
        if len(c) >= 4:
            m1, m2 = (c[0] + c[1]) / 2, (c[2] + c[3]) / 2
            parts = list(split(pick, shapely.LineString([m1 - (m2 - m1) * 0.01, m2 + (m2 - m1) * 0.01])).geoms)
            if len(parts) == 2:
                cells[k] = parts[0]
                cells.append(parts[1])


@st.composite
def tessellations(draw: st.DrawFn) -> np.ndarray:
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    cells = _voronoi(rng, draw(st.integers(4, 150)))
    for kind in draw(st.lists(st.sampled_from(KINDS), max_size=5)):
        _inject(rng, cells, kind)
    return np.array(cells, dtype=object)


def _overlapping(geoms: np.ndarray) -> np.ndarray:
    """Which shapes share interior with another: every pair whose bounds meet, tested by GEOS."""
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    other = left != right
    inner = shapely.relate_pattern(geoms[left[other]], geoms[right[other]], "2********")
    out = np.zeros(len(geoms), dtype=bool)
    out[left[other][inner]] = True
    return out


@settings(max_examples=150, deadline=None)
@given(geoms=tessellations())
def test_a_clean_shape_overlaps_nothing_and_the_pairs_equal_the_full_search(geoms: np.ndarray) -> None:
    clean = clean_shapes(geoms)
    assert not (clean & _overlapping(geoms)).any()
    with _prefilter(on=False):
        full = overlapping_pairs(geoms)
    with _prefilter(on=True):
        assert overlapping_pairs(geoms) == full


def test_most_cells_of_a_clean_tessellation_are_set_aside() -> None:
    """The prefilter does its job: in a noded tessellation every cell is proven, the outline's too (its
    unmatched edges only touch the cells, they do not enter them)."""
    geoms = np.array(_voronoi(np.random.default_rng(7), 2000), dtype=object)
    assert clean_shapes(geoms).all()
    geoms[17] = affinity.translate(geoms[17], 0.01, 0)
    clean = clean_shapes(geoms)
    moved_into = shapely.relate_pattern(geoms, geoms[17], "2********")
    assert not clean[moved_into].any()
    assert clean.mean() > 0.99


def _grid(n: int, dx: float = 0.0, dy: float = 0.0) -> list[shapely.Geometry]:
    return [shapely.box(x + dx, y + dy, x + dx + 1, y + dy + 1) for x in range(n) for y in range(n)]


def test_a_second_grid_shifted_by_half_a_cell_is_found_by_the_interior_point() -> None:
    """Every edge inside both grids is matched and no outline touches the middle cells: only the point of
    each group, which lies in a cell of the other grid, shows that the middle cells overlap."""
    geoms = np.array(_grid(6) + _grid(6, 0.5, 0.5), dtype=object)
    assert not clean_shapes(geoms).any()
    with _prefilter(on=False):
        full = overlapping_pairs(geoms)
    with _prefilter(on=True):
        assert overlapping_pairs(geoms) == full
    assert len(full) == 25 * 4 + 2 * 5 * 2 + 1  # middle cells meet 4 cells; border rows 2; the corner 1


def test_an_edge_that_an_unmatched_edge_runs_along_links_nothing() -> None:
    """Q (above) and R (below) share a matched edge; S contains Q and runs its bottom edge along that edge, so
    S's edges enter neither Q nor R. Across the shared edge two shapes cover Q's side and one R's side: were
    the edge a link, R's point (in R alone) would prove Q too."""
    q, r, s = shapely.box(0, 0, 1, 1), shapely.box(0, -1, 1, 0), shapely.box(-1, 0, 2, 2)
    geoms = np.array([q, r, s], dtype=object)
    assert clean_shapes(geoms).tolist() == [False, True, False]
    with _prefilter(on=True):
        assert overlapping_pairs(geoms) == [(0, 2, 1.0)]


def test_a_cell_written_clockwise_twice_is_not_matched_with_itself() -> None:
    """A duplicate written in the other direction has its edges reversed: without orienting the rings they
    would look like matched pairs."""
    grid = _grid(4)
    geoms = np.array([*grid, shapely.reverse(grid[5])], dtype=object)
    clean = clean_shapes(geoms)
    assert not clean[5] and not clean[16]
    with _prefilter(on=True):
        assert overlapping_pairs(geoms) == [(5, 16, 1.0)]


def test_an_enclave_filling_a_hole_exactly_is_clean_and_one_spilling_over_is_reported() -> None:
    """The middle of a 3 x 3 grid has a hole; its shell's edges match the neighbours', the hole's the enclave's."""
    grid = [shapely.box(10 * x, 10 * y, 10 * x + 10, 10 * y + 10) for x in range(3) for y in range(3)]
    hole = shapely.box(14, 14, 16, 16)
    middle = grid[4].difference(hole)
    exact = np.array([*grid[:4], middle, *grid[5:], hole], dtype=object)
    assert clean_shapes(exact).all()
    spill = np.array([*grid[:4], middle, *grid[5:], shapely.box(14, 14, 16, 17)], dtype=object)
    assert not clean_shapes(spill)[[4, 9]].any()
    with _prefilter(on=True):
        assert overlapping_pairs(spill) == [(4, 9, 0.3333)]  # 2 of the enclave's 6


def test_a_shape_that_is_not_valid_is_never_clean_nor_are_its_neighbours() -> None:
    grid = _grid(5)
    bowtie = shapely.Polygon([(2, 2), (3, 3), (3, 2), (2, 3)])  # self-crossing: GEOS's relate is undefined on it
    geoms = np.array([*grid[:12], bowtie, *grid[13:]], dtype=object)
    clean = clean_shapes(geoms)
    assert not clean[12]
    assert not clean[[6, 7, 8, 11, 13, 16, 17, 18]].any()
    valid = np.ones(len(geoms), dtype=bool)
    valid[12] = False
    np.testing.assert_array_equal(clean_shapes(geoms, valid=valid), clean)


def test_a_ring_too_thin_for_its_orientation_to_be_certain_is_not_clean() -> None:
    """At (1e6, 1e6) a ring 1e-9 high has a shoelace sum far inside its rounding error (products of 1e12):
    no certain orientation, so neither it nor the shapes that touch it are proven."""
    x = y = 1e6
    sliver = shapely.Polygon([(x, y), (x + 1, y), (x + 1, y + 1e-9), (x, y + 1e-9)])
    neighbours = [
        shapely.box(x, y - 1, x + 1, y),
        shapely.box(x, y + 1e-9, x + 1, y + 1),
        shapely.box(x + 5, y, x + 6, y + 1),
    ]
    geoms = np.array([sliver, *neighbours], dtype=object)
    assert shapely.is_valid(sliver)
    assert clean_shapes(geoms).tolist() == [False, False, False, True]


def test_points_lines_and_collections_are_left_to_the_exact_test() -> None:
    grid = _grid(4)
    collection = shapely.GeometryCollection([shapely.box(1.2, 1.2, 1.8, 1.8), shapely.Point(9, 9)])
    geoms = np.array([*grid, shapely.Point(2.5, 2.5), shapely.LineString([(0, 0), (4, 4)]), collection], dtype=object)
    clean = clean_shapes(geoms)
    assert not clean[16:].any()
    assert not clean[5] and not clean[10]  # the collection lies in cell 5; the line crosses the diagonal cells
    with _prefilter(on=True):
        assert overlapping_pairs(geoms) == [(5, 18, 1.0)]  # the collection's square lies in cell 5


@pytest.mark.parametrize("coordinate", [np.nan, np.inf])
def test_a_coordinate_that_is_not_finite_proves_nothing(coordinate: float) -> None:
    with np.errstate(invalid="ignore"):
        odd = shapely.Polygon([(10, 10), (11, 10), (coordinate, 11)])
    geoms = np.array([*_grid(4), odd], dtype=object)
    assert not clean_shapes(geoms, valid=np.ones(len(geoms), dtype=bool)).any()
