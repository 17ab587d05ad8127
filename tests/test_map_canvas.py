"""The canvas renderer in a real browser, on a synthetic set of 3,000 regions (issue 16).

Above 5,000 regions the page draws every region on one canvas instead of one SVG path each; these tests force
the canvas on a set small enough to build in seconds (``benchmarks/make_scale_sets.py --n 3000``, a Voronoi
tessellation of the conterminous US brought as a user's own region-set folder) and check what a reader
meets: the map is drawn (pixels, not a blank canvas), the pointer over a region shows that region's tooltip
and a click opens its card (the id under the cursor is checked against the shape that holds the point, with
shapely), search finds a region, a layer switch recolours the pixels, nothing is logged and nothing is
requested. The bundled sets run through the same layout and card tests with both renderers in
``test_map_layout.py``.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ideopolis.maps.interactive import RegionMap
from ideopolis.maps.layers import format_value
from tests.browser import DESKTOP, OpenPage, launch, open_page, screenshot

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
N = 3000


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch()


@pytest.fixture(scope="module")
def canvas_map(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, RegionMap]:
    import ideopolis as ideo

    folder = tmp_path_factory.mktemp("canvas")
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "make_scale_sets.py"), "--n", str(N), "--out", str(folder)],
        check=True,
        capture_output=True,
    )
    region_map = ideo.score(folder / f"synthetic-{N}").map(offline=True, hotspots=False).with_renderer("canvas")
    path = folder / "canvas.html"
    region_map.save(path)
    return path, region_map


@pytest.fixture(scope="module")
def opened(browser: Any, canvas_map: tuple[Path, RegionMap]) -> Iterator[OpenPage]:
    page = open_page(browser, canvas_map[0], DESKTOP)
    yield page
    page.close()


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n:,}{suffix}"


def _map_pixels(opened: OpenPage) -> np.ndarray:
    """The map's pixels (RGB), from a screenshot of its container."""
    from PIL import Image

    png = opened.page.locator(".ido-map").screenshot()
    return np.asarray(Image.open(BytesIO(png)).convert("RGB"), dtype=np.int16)


def _inside_point(region_map: RegionMap, region_id: str) -> tuple[float, float]:
    point = region_map.inputs.prepared.shapes[region_id].representative_point()
    return point.y, point.x


def _client_point(opened: OpenPage, lat: float, lng: float, zoom: float | None = None) -> tuple[float, float]:
    """Centre the map on (lat, lng), optionally at a zoom; return that point in page pixels."""
    x, y = opened.frame.evaluate(
        """([lat, lng, zoom]) => {
            const map = window.ideopolis.map;
            map.setView([lat, lng], zoom === null ? map.getZoom() : zoom, {animate: false});
            const p = map.latLngToContainerPoint([lat, lng]);
            const r = map.getContainer().getBoundingClientRect();
            return [p.x + r.left, p.y + r.top];
        }""",
        [lat, lng, zoom],
    )
    return float(x), float(y)


def test_the_page_uses_the_canvas_and_draws_the_regions(
    opened: OpenPage, canvas_map: tuple[Path, RegionMap], tmp_path: Path
) -> None:
    assert opened.frame.evaluate("window.ideopolis.renderer") == "canvas"
    assert "rankOffsets" in canvas_map[1].html() and '"ranks":' not in canvas_map[1].html()
    assert opened.frame.locator("path[data-region]").count() == 0  # no SVG path per region
    screenshot(opened.page, tmp_path / "canvas-3000.png")
    pixels = _map_pixels(opened)
    background = pixels[2, pixels.shape[1] // 2]  # the top edge of the map is empty sea
    coloured = np.abs(pixels - background).sum(axis=2) > 30
    assert coloured.mean() > 0.25, f"only {coloured.mean():.0%} of the map is drawn"


def test_hover_and_click_find_the_region_under_the_cursor(opened: OpenPage, canvas_map: tuple[Path, RegionMap]) -> None:
    import shapely

    _path, region_map = canvas_map
    rng = np.random.default_rng(7)
    ids = region_map.inputs.ids
    for region_id in [ids[int(k)] for k in rng.choice(len(ids), size=4, replace=False)]:
        lat, lng = _inside_point(region_map, region_id)
        x, y = _client_point(opened, lat, lng, zoom=9)
        # the page's own hit test and shapely agree on the region under the point
        assert opened.frame.evaluate("([x, y]) => window.ideopolis.regionAt(x, y)", [x, y]) == region_id
        assert region_map.inputs.prepared.shapes[region_id].buffer(1e-9).contains(shapely.Point(lng, lat))
        opened.page.mouse.move(x - 3, y)
        opened.page.mouse.move(x, y)
        tooltip = opened.frame.locator(".ido-tooltip")
        tooltip.wait_for(state="visible")
        name = region_map.inputs.names[ids.index(region_id)]
        assert name in tooltip.inner_text()
        # the rank the page rebuilds from its values and the offsets is the run's rank
        layer = region_map.inputs.layer(str(region_map.run["active_layer"]))
        assert layer.ranks is not None
        rank = int(layer.ranks.iloc[ids.index(region_id)])
        assert f"rank {_ordinal(rank)} of {len(ids):,}" in tooltip.inner_text()
        value = format_value(float(layer.values.iloc[ids.index(region_id)]), layer.decimals)
        assert f"{layer.spec.title}: {value}" in tooltip.inner_text()
        opened.page.mouse.click(x, y)
        opened.frame.locator("#ido-card").wait_for(state="visible")
        assert opened.frame.evaluate("window.ideopolis.selected()") == region_id
        assert opened.frame.locator("#ido-card-name").inner_text() == name
        # the indicator table, sent as packed columns, shows the values Python rounded
        popup = region_map.inputs.popup
        assert popup is not None
        card = opened.frame.locator("#ido-card").inner_text()
        for field, column in list(zip(popup["fields"], popup["values"], strict=True))[:5]:
            shown = column[ids.index(region_id)]
            if shown is not None:
                assert format_value(shown, field["decimals"]) in card, field["key"]
        opened.page.keyboard.press("Escape")
        opened.frame.locator("#ido-card").wait_for(state="hidden")


def test_a_click_outside_the_regions_closes_the_card(opened: OpenPage, canvas_map: tuple[Path, RegionMap]) -> None:
    region_map = canvas_map[1]
    region_id = region_map.inputs.ids[0]
    assert opened.frame.evaluate("(id) => window.ideopolis.openCard(window.ideopolis.indexOf(id))", region_id)
    # the Atlantic off the coast of Georgia: no region there
    x, y = _client_point(opened, 31.0, -77.0, zoom=6)
    assert opened.frame.evaluate("([x, y]) => window.ideopolis.regionAt(x, y)", [x, y]) is None
    opened.page.mouse.click(x, y)
    opened.frame.locator("#ido-card").wait_for(state="hidden")
    assert opened.frame.evaluate("window.ideopolis.selected()") is None


def test_search_finds_a_region(opened: OpenPage, canvas_map: tuple[Path, RegionMap]) -> None:
    region_map = canvas_map[1]
    names = region_map.inputs.names
    unique = [i for i, name in enumerate(names) if names.count(name) == 1]
    k = unique[len(unique) // 2]
    box = opened.frame.locator("#ido-search-input")
    box.fill(names[k].upper())
    box.press("Enter")
    opened.frame.locator("#ido-card").wait_for(state="visible")
    assert opened.frame.evaluate("window.ideopolis.selected()") == region_map.inputs.ids[k]
    opened.page.keyboard.press("Escape")


def test_switching_layers_changes_the_pixels(opened: OpenPage, canvas_map: tuple[Path, RegionMap]) -> None:
    region_map = canvas_map[1]
    opened.frame.evaluate("window.ideopolis.home()")
    before = _map_pixels(opened)
    other = next(layer.key for layer in region_map.layers if layer.key != region_map.run["active_layer"])
    opened.page.select_option("#ido-layer-select", other)
    after = _map_pixels(opened)
    changed = np.abs(after - before).sum(axis=2) > 30
    assert changed.mean() > 0.10, f"only {changed.mean():.0%} of the map changed colour"
    assert opened.frame.locator(".ido-map").get_attribute("data-active-layer") == other
    # the colour under a region is its class's colour in the legend
    region_id = region_map.inputs.ids[len(region_map.inputs.ids) // 3]
    layer = region_map.inputs.layer(other)
    k = region_map.inputs.ids.index(region_id)
    expected = layer.legend[int(layer.classes[k])].colour if layer.classes[k] >= 0 else "url(#ido-nodata)"
    assert opened.frame.evaluate("(id) => window.ideopolis.fillOf(id)", region_id) == expected
    opened.page.select_option("#ido-layer-select", str(region_map.run["active_layer"]))


def test_no_console_error_and_no_request(opened: OpenPage) -> None:
    opened.frame.evaluate("window.ideopolis.home()")
    assert opened.errors() == []
    assert opened.blocked == []
    assert opened.outside_requests() == set()


def test_a_simplified_rendition_opens_and_says_so(browser: Any, tmp_path: Path) -> None:
    from ideopolis.maps.interactive import interactive_map
    from tests.test_maps_html import _inputs

    inputs = _inputs(dense=True)
    full = interactive_map(inputs, offline=True)
    page_map = interactive_map(inputs, offline=True, renderer="canvas", max_points=full.encoded.n_points // 3)
    path = tmp_path / "simplified.html"
    page_map.save(path)
    opened = open_page(browser, path, DESKTOP)
    try:
        source = opened.frame.locator(".ido-source").get_attribute("title") or ""
        assert "Simplified rendition" in source
        opened.frame.locator(".ido-about-button").click()
        assert "Simplified rendition" in opened.frame.locator(".ido-about .ido-notice").inner_text()
        assert opened.errors() == []
        assert opened.outside_requests() == set()
    finally:
        opened.close()


def test_a_compressed_payload_opens_like_a_plain_one(
    browser: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above COMPRESS_ABOVE the payload is gzip + base 85, inflated by the browser; the page is the same map."""
    import base64
    import gzip
    import json
    import re

    from ideopolis.maps import interactive
    from tests.test_maps_html import _inputs

    inputs = _inputs()
    plain = interactive.interactive_map(inputs, offline=True).html()
    monkeypatch.setattr(interactive, "COMPRESS_ABOVE", 1000)
    packed_page = interactive.interactive_map(inputs, offline=True)
    text = packed_page.html()
    found = re.search(r'id="ideopolis-data" data-encoding="gzip-base85">([^<]+)</script>', text)
    assert found is not None
    packed = found.group(1)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;.=>?@^_`{|}~"
    assert set(packed) <= set(alphabet)  # no "<": nothing can close the script element
    inflated = json.loads(gzip.decompress(base64.b85decode(packed.replace(".", "<"))))
    original = re.search(r'<script type="application/json" id="ideopolis-data">(.*?)</script>', plain, re.S)
    assert original is not None
    assert inflated == json.loads(original.group(1))
    path = tmp_path / "compressed.html"
    packed_page.save(path)
    opened = open_page(browser, path, DESKTOP)
    try:
        assert opened.frame.evaluate("window.ideopolis.suggest('aleut')")[:1] == ["AM1"]
        assert opened.frame.evaluate("window.ideopolis.openCard(window.ideopolis.indexOf('M07'))") is True
        # the page's base-85 decoder against Python's encoder, for every length modulo 4
        for length in range(9):
            data = bytes((37 * k + 250) % 256 for k in range(length))
            text = base64.b85encode(data).decode("ascii").replace("<", ".")
            assert opened.frame.evaluate("(t) => Array.from(window.ideopolisMap.base85(t))", text) == list(data)
        assert opened.errors() == []
        assert opened.outside_requests() == set()
    finally:
        opened.close()
