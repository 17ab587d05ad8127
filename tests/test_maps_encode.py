"""Compact geometry: packing, repair, antimeridian, coverage simplification, shared arcs."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import GeometryCollection, LineString, MultiPolygon, Polygon, box

from ideopolis.errors import RegionSetError
from ideopolis.maps import encode, frame, layers, palettes, static
from ideopolis.maps.encode import (
    decode_geometry,
    encode_geometry,
    mesh_arcs,
    pack_varints,
    polygonal,
    prepare_geometry,
    unpack_varints,
    unwrap_antimeridian,
    unzigzag,
    zigzag,
)
from tests.mapdata import synthetic_geometry


@pytest.mark.parametrize("module", [encode, frame, layers, palettes, static], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module)
    assert result.failed == 0


@given(st.lists(st.integers(min_value=0, max_value=2**34), max_size=200))
def test_varints_round_trip(values):
    assert unpack_varints(pack_varints(values)) == values


@given(st.lists(st.integers(min_value=-(2**30), max_value=2**30), max_size=200))
def test_zigzag_round_trip(values):
    coded = zigzag(np.array(values, dtype=np.int64))
    assert (coded >= 0).all()
    assert unzigzag(coded.tolist()) == values


def test_small_steps_cost_one_character():
    assert len(pack_varints(range(32))) == 32
    assert pack_varints([]) == ""
    with pytest.raises(ValueError, match="non-negative"):
        pack_varints([-1])


def test_polygonal_repairs_and_drops_lines():
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    fixed = polygonal(bowtie)
    assert fixed is not None and fixed.is_valid and fixed.area == pytest.approx(0.5)
    mixed = GeometryCollection([box(0, 0, 1, 1), LineString([(2, 2), (3, 3)])])
    assert polygonal(mixed).equals(box(0, 0, 1, 1))
    assert polygonal(Polygon()) is None
    assert polygonal(None) is None
    assert polygonal(LineString([(0, 0), (1, 1)])) is None


def test_antimeridian_parts_move_next_to_the_rest():
    aleutia = MultiPolygon(
        [
            Polygon([(178, 52), (180, 52), (180, 53), (178, 53)]),
            Polygon([(-180, 52), (-178, 52), (-178, 53), (-180, 53)]),
        ]
    )
    mainland = box(-150, 60, -140, 65)
    out = unwrap_antimeridian([aleutia, mainland])
    minx, _, maxx, _ = out[0].bounds
    assert maxx - minx == pytest.approx(4.0)  # not 358 degrees wide
    assert minx == pytest.approx(-182.0)
    assert out[1].equals(mainland)


def test_ring_crossing_the_antimeridian_is_unwrapped():
    ring = Polygon([(179, 0), (-179, 0), (-179, 1), (179, 1)])
    (out,) = unwrap_antimeridian([ring], centre_lon=-170)
    minx, _, maxx, _ = out.bounds
    assert maxx - minx == pytest.approx(2.0)


def test_prepare_needs_a_crs():
    import geopandas as gpd

    with pytest.raises(RegionSetError, match="no CRS"):
        prepare_geometry(gpd.GeoSeries([box(0, 0, 1, 1)]))


def test_prepare_finds_main_body_and_keeps_empty_shapes_empty():
    prep = prepare_geometry(synthetic_geometry())
    shapes = prep.shapes
    assert shapes["EMPTY"] is None
    assert prep.view == pytest.approx((-100.0, 35.0, -92.0, 40.0))
    assert prep.groups.main_mask().sum() == 40
    assert len(prep.groups.outliers()) == 2  # the islands, Aleutia


def test_coverage_simplification_keeps_neighbours_together():
    # Two squares sharing a wiggly border: simplified, they still share it exactly.
    wiggle = [(1, y / 10 + (0.01 if y % 2 else 0)) for y in range(11)]
    left = Polygon([(0, 0), *wiggle, (0, 1)])
    right = Polygon([(2, 0), (2, 1), *reversed(wiggle)])
    import geopandas as gpd

    series = gpd.GeoSeries([left, right], index=["a", "b"], crs="EPSG:4326")
    prep = prepare_geometry(series, tolerance=0.05)
    a, b = prep.shapes["a"], prep.shapes["b"]
    assert shapely.get_num_coordinates(a) < shapely.get_num_coordinates(left)
    assert a.intersection(b).area == pytest.approx(0.0, abs=1e-12)
    assert a.union(b).area == pytest.approx(2.0, rel=1e-2)


def test_encode_decode_round_trip_within_quantisation():
    prep = prepare_geometry(synthetic_geometry(), tolerance=0)
    enc = encode_geometry(prep.shapes, quantization=10_000)
    decoded = decode_geometry(enc.payload)
    assert len(decoded) == len(prep.shapes) == enc.n_regions
    sx, sy = enc.payload["scale"]
    for original, polygons in zip(prep.shapes.array, decoded, strict=True):
        if original is None:
            assert polygons == []
            continue
        rebuilt = MultiPolygon([Polygon(rings[0], rings[1:]) for rings in polygons])
        assert rebuilt.symmetric_difference(original).area < 1e-6 + 4 * max(sx, sy) * original.length


def test_shared_borders_are_stored_once():
    prep = prepare_geometry(synthetic_geometry(), tolerance=0)
    enc = encode_geometry(prep.shapes, quantization=10_000)
    # A 8 x 5 grid has 8*6 + 9*5 = 93 unit edges; stored per polygon it would be 160.
    ring_points = sum(shapely.get_num_coordinates(g) for g in prep.shapes.array if g is not None)
    assert enc.n_points < ring_points
    assert enc.n_arcs < 160


@pytest.mark.shared_data
def test_us_counties_view_is_the_conterminous_us(shared_data):
    import geopandas as gpd

    path = shared_data / "us" / "census_cb2017_us_atlas_topojson" / "counties-10m.json"
    counties = gpd.read_file(path, layer="counties").set_crs(4326).set_index("id").geometry
    prep = prepare_geometry(counties)
    minx, miny, maxx, maxy = prep.view
    assert -125.5 < minx < -124 and 24 < miny < 25 and -67.5 < maxx < -66.5 and 49 < maxy < 49.5
    aleutians = prep.shapes["02016"].bounds
    assert aleutians[2] - aleutians[0] < 30  # no longer spans the globe
    enc = encode_geometry(prep.shapes)
    assert len(enc.payload["arcs"]) + len(enc.payload["shapes"]) < 400_000


def _arc_lines(enc) -> list:
    """The arcs of an encoding as lines in degrees (decoded independently of decode_geometry)."""
    sx, sy = enc.payload["scale"]
    tx, ty = enc.payload["translate"]
    stream = unpack_varints(enc.payload["arcs"])
    lines, pos, x, y = [], 0, 0, 0
    while pos < len(stream):
        count = stream[pos]
        pos += 1
        pts = []
        for _ in range(count):
            dx, dy = unzigzag(stream[pos : pos + 2])
            pos += 2
            x, y = x + dx, y + dy
            pts.append((x * sx + tx, y * sy + ty))
        lines.append(LineString(pts) if len(pts) > 1 else None)
    return lines


def test_group_outlines_are_the_dissolved_boundaries():
    """The mesh of arcs between groups and on the outside equals the boundary of the regions dissolved by group."""
    import geopandas as gpd

    prep = prepare_geometry(synthetic_geometry(), tolerance=0)
    enc = encode_geometry(prep.shapes, quantization=10_000)
    # the 8 x 5 grid split into a west and an east half; the islands and Aleutia a group each
    labels = [
        ("west" if int(i[1:]) % 8 < 4 else "east") if i.startswith("M") else ("islands" if i.startswith("I") else i)
        for i in prep.shapes.index
    ]
    lines = _arc_lines(enc)
    mesh = shapely.union_all([lines[a] for a in mesh_arcs(enc, labels) if lines[a] is not None])
    frame = gpd.GeoDataFrame({"g": labels}, geometry=list(prep.shapes.array), crs=4326).dropna(subset=["geometry"])
    dissolved = shapely.union_all(list(frame.dissolve("g").boundary))
    tolerance = 2 * max(enc.payload["scale"])
    assert mesh.difference(dissolved.buffer(tolerance)).length == pytest.approx(0, abs=1e-9)
    assert dissolved.difference(mesh.buffer(tolerance)).length == pytest.approx(0, abs=1e-9)
    # the border between the halves is in, the borders inside each half are not
    assert mesh.intersects(LineString([(-96.5, 37.5), (-95.5, 37.5)]))  # crosses x = -96
    assert not mesh.intersects(LineString([(-98.5, 37.5), (-97.5, 37.5)]))  # crosses x = -98, inside the west


def test_every_arc_borders_one_or_two_regions():
    prep = prepare_geometry(synthetic_geometry(), tolerance=0)
    enc = encode_geometry(prep.shapes, quantization=10_000)
    assert len(enc.arc_regions) == enc.n_arcs
    assert {len(users) for users in enc.arc_regions} <= {1, 2}
    aleutia = prep.shapes.index.get_loc("AM1")  # its two parts meet at 180 degrees: that arc is inside it
    assert (aleutia, aleutia) in enc.arc_regions
    same = ["all"] * len(prep.shapes)
    assert [a for a in mesh_arcs(enc, same)] == [a for a, users in enumerate(enc.arc_regions) if len(users) == 1]
