"""Regions smaller than the page's quantisation grid are still drawn, hovered, clicked and found (issue 16).

The page's shared-arc encoding puts every border point on one grid (a step of a quarter of the simplification
tolerance: about 40 m here, 200 m for the conterminous US). A region a few metres across collapses onto that
grid: its rings shrink to a point, its neighbours' borders meet over it, and before this fix the page drew a
white speck there or nothing, and could not hover, click or find the region. The test set is a Voronoi
tessellation of 400 random points over Kansas and Missouri (cells of 30 to 80 km) with a 4 x 4 cluster of
points 10 m apart near Kansas City, whose four inner cells are about 10 m wide (checked below: on the grid they
lose at least half their area or more than double it, so the set exercises the collapse). The page must send those cells again at a
finer grid, every region id must come back from the payload with a shape of about its true area, and in
Chromium the tiny cell must paint pixels in its own colour when zoomed in, its tooltip and card must open
under the pointer, and search must zoom close enough to see it.
"""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from ideopolis.maps.encode import decode_fine_shapes, decode_geometry, quantised_areas
from ideopolis.maps.interactive import RegionMap, interactive_map, prepare_map
from ideopolis.maps.layers import MapLayer
from tests.browser import DESKTOP, OpenPage, launch, open_page

#: The cluster near Kansas City: 4 x 4 points 1e-4 degrees (about 10 m) apart.
CLUSTER = (-94.6, 39.0)
STEP = 1e-4


def _small_cell_set() -> tuple[gpd.GeoSeries, list[str]]:
    """Voronoi cells of 400 random points and a 4 x 4 cluster; the ids of the cluster's four inner cells."""
    rng = np.random.default_rng(16)
    xs = rng.uniform(-100.0, -91.0, 400)
    ys = rng.uniform(36.0, 41.0, 400)
    gx, gy = np.meshgrid(np.arange(4) * STEP, np.arange(4) * STEP)
    jitter = rng.uniform(-0.1, 0.1, (2, 16)) * STEP
    cx = CLUSTER[0] + gx.ravel() + jitter[0]
    cy = CLUSTER[1] + gy.ravel() + jitter[1]
    points = shapely.points(np.concatenate([xs, cx]), np.concatenate([ys, cy]))
    frame = shapely.box(-100.0, 36.0, -91.0, 41.0)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(points), extend_to=frame))
    cells = shapely.intersection(cells, frame)
    # number the cells by the point each holds
    order = [int(np.flatnonzero(shapely.contains(cells, p))[0]) for p in points]
    ids = [f"R{k:03d}" for k in range(points.size)]
    geometry = gpd.GeoSeries(list(cells[order]), index=ids, crs="EPSG:4326")
    inner = [ids[400 + 4 * r + c] for r in (1, 2) for c in (1, 2)]
    return geometry, inner


def _build(renderer: str = "canvas") -> tuple[RegionMap, list[str]]:
    geometry, inner = _small_cell_set()
    ids = list(geometry.index)
    # the inner cells get the top class, their neighbours the bottom one, so their colour shows
    value = pd.Series(np.linspace(0.0, 50.0, len(ids)), index=ids)
    value[inner] = 100.0
    names = pd.Series([f"Cell {k}" for k in range(len(ids))], index=ids)
    names[inner] = [f"Tiny Block {k}" for k in range(len(inner))]
    inputs = prepare_map(
        geometry,
        pd.DataFrame({"score": value}),
        [MapLayer("score", "Score", unit="score", scheme="quantiles", k=5)],
        names=names,
        title="Small cells",
        source="Synthetic",
    )
    return interactive_map(inputs, offline=True, renderer=renderer), inner


@pytest.fixture(scope="module")
def small_map() -> tuple[RegionMap, list[str]]:
    return _build()


def test_the_set_has_cells_that_collapse_on_the_grid(small_map: tuple[RegionMap, list[str]]) -> None:
    region_map, inner = small_map
    encoded = region_map.encoded
    assert encoded.topology is not None
    drawn = quantised_areas(encoded.topology)
    sx, sy = encoded.payload["scale"]
    ids = region_map.inputs.ids
    shapes = region_map.inputs.prepared.shapes
    for region_id in inner:
        true_area = shapes[region_id].area / (sx * sy)
        assert true_area < 2.0  # smaller than two grid cells
        ratio = drawn[ids.index(region_id)] / true_area
        assert ratio < 0.5 or ratio > 2.0  # collapsed, or snapped to a bigger triangle of grid points
    # the big cells keep their area on the grid (within a few per cent)
    big = [k for k, rid in enumerate(ids) if rid not in inner and shapes[rid].area > 0.01]
    true_big = np.array([shapes[ids[k]].area for k in big]) / (sx * sy)
    assert np.allclose(drawn[big], true_big, rtol=0.05)


def test_every_region_comes_back_with_its_area(small_map: tuple[RegionMap, list[str]]) -> None:
    region_map, inner = small_map
    ids = region_map.inputs.ids
    payload = region_map.encoded.payload
    assert sorted(ids[k] for k in region_map.encoded.fine) == sorted(inner) or set(inner) <= {
        ids[k] for k in region_map.encoded.fine
    }
    assert region_map.run["regions_fine"] == region_map.encoded.fine.size
    decoded = decode_geometry(payload)
    assert len(decoded) == len(ids)
    shapes = region_map.inputs.prepared.shapes
    for k, region_id in enumerate(ids):
        polygons = [shapely.Polygon(rings[0], rings[1:]) for rings in decoded[k]]
        area = sum(p.area for p in polygons)
        assert area > 0, region_id
        if region_id in inner:
            # at the fine grid the shape keeps its area within 10 %
            assert area == pytest.approx(shapes[region_id].area, rel=0.1), region_id
    fine = decode_fine_shapes(payload)
    assert {ids[k] for k in fine} == {ids[k] for k in region_map.encoded.fine}


def test_quantised_areas_match_shapely_on_the_decoded_shapes() -> None:
    """The shoelace sums per arc against shapely's area of the rings the page decodes (holes included)."""
    from tests.test_maps_html import _inputs

    page = interactive_map(_inputs(dense=True), offline=True)
    topo = page.encoded.topology
    assert topo is not None
    sx, sy = page.encoded.payload["scale"]
    decoded = decode_geometry(page.encoded.payload)
    expected = [sum(shapely.Polygon(r[0], r[1:]).area for r in polygons) / (sx * sy) for polygons in decoded]
    assert np.allclose(quantised_areas(topo), expected, rtol=1e-9, atol=1e-6)


def test_quantised_areas_by_hand_with_a_hole_and_two_parts() -> None:
    from shapely.geometry import MultiPolygon, Polygon, box

    from ideopolis.maps.topology import build_topology

    ring = Polygon(box(0, 0, 4, 4).exterior.coords, [box(1, 1, 3, 3).exterior.coords])
    parts = MultiPolygon([box(5, 0, 6, 1), box(7, 0, 8, 1)])
    # 9 grid points along each axis: x steps of 8 / 8 = 1, y steps of 4 / 8 = 0.5, so a grid cell is half a unit
    # square and the areas (16 - 4, 4 and 1 + 1 units) count twice as many grid cells
    topo = build_topology([ring, box(1, 1, 3, 3), parts, None], quantization=9)
    assert topo.scale == (1.0, 0.5)
    assert quantised_areas(topo).tolist() == [24.0, 8.0, 4.0, 0.0]


def test_a_set_without_tiny_cells_sends_no_fine_shapes() -> None:
    from tests.test_maps_html import _inputs

    page = interactive_map(_inputs(), offline=True)
    assert page.encoded.fine.size == 0
    assert "small" not in page.encoded.payload
    assert decode_fine_shapes(page.encoded.payload) == {}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch()


@pytest.fixture(scope="module")
def opened(
    browser: Any, small_map: tuple[RegionMap, list[str]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OpenPage]:
    path = tmp_path_factory.mktemp("small") / "small.html"
    small_map[0].save(path)
    page = open_page(browser, path, DESKTOP)
    yield page
    page.close()


def _pixels(opened: OpenPage) -> np.ndarray:
    from PIL import Image

    png = opened.page.locator(".ido-map").screenshot()
    return np.asarray(Image.open(BytesIO(png)).convert("RGB"), dtype=np.int16)


def _centre_on(opened: OpenPage, lat: float, lng: float, zoom: float) -> tuple[float, float]:
    """Centre the map on (lat, lng) at a zoom; return that point in page pixels and wait for the redraw."""
    x, y = opened.frame.evaluate(
        """([lat, lng, zoom]) => {
            const map = window.ideopolis.map;
            map.setView([lat, lng], zoom, {animate: false});
            const p = map.latLngToContainerPoint([lat, lng]);
            const r = map.getContainer().getBoundingClientRect();
            return [p.x + r.left, p.y + r.top];
        }""",
        [lat, lng, zoom],
    )
    opened.frame.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    return float(x), float(y)


def _hex(colour: str) -> np.ndarray:
    return np.array([int(colour[k : k + 2], 16) for k in (1, 3, 5)], dtype=np.int16)


@pytest.mark.browser
def test_every_region_is_present_in_the_page(opened: OpenPage, small_map: tuple[RegionMap, list[str]]) -> None:
    ids = small_map[0].inputs.ids
    boxes = opened.frame.evaluate("window.ideopolis.boxes")
    missing = [rid for rid, b in zip(ids, boxes, strict=True) if b is None or not (b[2] > b[0] and b[3] > b[1])]
    assert missing == []


@pytest.mark.browser
def test_a_tiny_cell_paints_its_colour_and_opens_its_card(
    opened: OpenPage, small_map: tuple[RegionMap, list[str]]
) -> None:
    region_map, inner = small_map
    shapes = region_map.inputs.prepared.shapes
    top = _hex(region_map.inputs.layers[0].colours[-1])
    for region_id in inner[:2]:
        point = shapes[region_id].representative_point()
        x, y = _centre_on(opened, point.y, point.x, 19)
        # the cell is drawn in the top class's colour (blended with the page at the fill opacity)
        pixels = _pixels(opened)
        r = opened.frame.evaluate("(id) => window.ideopolis.regionRect(id)", region_id)
        origin = opened.frame.evaluate(
            "(() => { const r = window.ideopolis.map.getContainer().getBoundingClientRect(); return [r.left, r.top]; })()"
        )
        width = r["right"] - r["left"]
        assert width > 20  # about 10 m at zoom 19 (0.2 m a pixel here)
        patch = pixels[int(y - origin[1]) - 2 : int(y - origin[1]) + 3, int(x - origin[0]) - 2 : int(x - origin[0]) + 3]
        opacity = region_map.style.fill_opacity
        expected = opacity * top + (1 - opacity) * 255
        assert np.abs(patch - expected).max() < 40, (patch.mean(axis=(0, 1)), expected)
        # the page's hit test and shapely agree, and hover and click reach the cell
        inside = [x - origin[0], y - origin[1]]  # regionAt takes the map container's pixels
        assert opened.frame.evaluate("([x, y]) => window.ideopolis.regionAt(x, y)", inside) == region_id
        assert shapes[region_id].contains(point)
        opened.page.mouse.move(x - 2, y)
        opened.page.mouse.move(x, y)
        tooltip = opened.frame.locator(".ido-tooltip")
        tooltip.wait_for(state="visible")
        name = region_map.inputs.names[region_map.inputs.ids.index(region_id)]
        assert name in tooltip.inner_text()
        opened.page.mouse.click(x, y)
        opened.frame.locator("#ido-card").wait_for(state="visible")
        assert opened.frame.evaluate("window.ideopolis.selected()") == region_id
        assert opened.frame.locator("#ido-card-name").inner_text() == name
        opened.page.keyboard.press("Escape")
        opened.frame.locator("#ido-card").wait_for(state="hidden")
    assert opened.errors() == []


@pytest.mark.browser
def test_a_tiny_cell_shows_when_zoomed_out(opened: OpenPage, small_map: tuple[RegionMap, list[str]]) -> None:
    """At zoom 8 the cell is a hundredth of a pixel: it is drawn as a small square of its colour, and answers."""
    region_map, inner = small_map
    point = region_map.inputs.prepared.shapes[inner[0]].representative_point()
    x, y = _centre_on(opened, point.y, point.x, 8)
    origin = opened.frame.evaluate(
        "(() => { const r = window.ideopolis.map.getContainer().getBoundingClientRect(); return [r.left, r.top]; })()"
    )
    pixels = _pixels(opened)
    top = _hex(region_map.inputs.layers[0].colours[-1])
    opacity = region_map.style.fill_opacity
    expected = opacity * top + (1 - opacity) * 255
    px, py = round(x - origin[0]), round(y - origin[1])
    patch = pixels[py - 1 : py + 2, px - 1 : px + 2].reshape(-1, 3)
    assert (np.abs(patch - expected).max(axis=1) < 40).any(), patch
    # all 16 cells of the cluster lie within this pixel: one of those sent at the finer grid answers
    ids = region_map.inputs.ids
    fine = {ids[k] for k in region_map.encoded.fine}
    assert opened.frame.evaluate("([x, y]) => window.ideopolis.regionAt(x, y)", [px, py]) in fine


@pytest.mark.browser
def test_search_zooms_close_enough_to_see_a_tiny_cell(opened: OpenPage, small_map: tuple[RegionMap, list[str]]) -> None:
    inner = small_map[1]
    opened.frame.evaluate("window.ideopolis.home()")
    box = opened.frame.locator("#ido-search-input")
    box.fill("Tiny Block 3")
    box.press("Enter")
    opened.frame.locator("#ido-card").wait_for(state="visible")
    assert opened.frame.evaluate("window.ideopolis.selected()") == inner[3]
    r = opened.frame.evaluate("(id) => window.ideopolis.regionRect(id)", inner[3])
    assert r["right"] - r["left"] >= 8, r  # at least 8 pixels wide on screen: visible, clickable
    opened.page.keyboard.press("Escape")
    opened.frame.evaluate("window.ideopolis.home()")


@pytest.mark.browser
def test_the_svg_page_draws_the_tiny_cell_above_its_neighbours(browser: Any, tmp_path: Path) -> None:
    region_map, inner = _build("svg")
    path = tmp_path / "small-svg.html"
    region_map.save(path)
    opened = open_page(browser, path, DESKTOP)
    try:
        point = region_map.inputs.prepared.shapes[inner[0]].representative_point()
        x, y = _centre_on(opened, point.y, point.x, 19)
        hit = opened.page.evaluate("([x, y]) => document.elementFromPoint(x, y).getAttribute('data-region')", [x, y])
        assert hit == inner[0]
        assert opened.errors() == []
    finally:
        opened.close()
