"""The offline map in a real browser: headless Chromium (the system's, driven by Playwright).

Skips when Chromium or Playwright is missing, unless the environment variable ``CI`` is set: then it
fails, because CI installs Debian's chromium (``.ci/run``). Screenshots go to the test's tmp path, and
also to ``$IDEOPOLIS_SCREENSHOT_DIR`` when that is set.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from ideopolis.maps.interactive import MapInputs, interactive_map
from ideopolis.maps.layers import format_value
from tests.hostile import HOSTILE, hostile
from tests.mapdata import EVIL
from tests.test_maps_html import _inputs

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("IDEOPOLIS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; under CI the browser test must run (.ci/run installs chromium)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed")
    if not CHROMIUM.exists():
        _unavailable(f"no chromium at {CHROMIUM}")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@dataclass
class OpenMap:
    """A map page open in the browser, with everything it logged and requested."""

    page: Any
    url: str
    inputs: MapInputs
    console: list[tuple[str, str]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def _open(browser: Any, path: Path, inputs: MapInputs) -> OpenMap:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    opened = OpenMap(page, path.resolve().as_uri(), inputs)
    page.on("console", lambda m: opened.console.append((m.type, m.text)))
    page.on("pageerror", lambda e: opened.console.append(("pageerror", str(e))))
    page.on("request", lambda r: opened.requests.append(r.url))

    def dialog(d: Any) -> None:
        opened.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)

    def route(r: Any) -> None:
        if r.request.url == opened.url or r.request.url.startswith("data:"):
            r.continue_()
        else:
            opened.blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(opened.url)
    page.wait_for_function("window.ideopolis !== undefined")
    return opened


@pytest.fixture(scope="module")
def synthetic_map(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenMap]:
    inputs = _inputs()
    path = tmp_path_factory.mktemp("map") / "synthetic.html"
    interactive_map(inputs, offline=True).save(path)
    opened = _open(browser, path, inputs)
    yield opened
    opened.page.close()


def _screenshot(page: Any, path: Path) -> Path:
    page.screenshot(path=str(path))
    target = os.environ.get("IDEOPOLIS_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / path.name)
    return path


def _hover(opened: OpenMap, region_id: str) -> str:
    """Move the mouse onto a point inside the region's shape; return the tooltip text."""
    shape = opened.inputs.prepared.shapes[region_id]
    point = shape.representative_point()
    # Centre the map on the point first, so no control box covers it.
    xy = opened.page.evaluate(
        """([lat, lng]) => {
            const map = window.ideopolis.map;
            map.setView([lat, lng], map.getZoom(), {animate: false});
            const p = map.latLngToContainerPoint([lat, lng]);
            return [p.x, p.y];
        }""",
        [point.y, point.x],
    )
    under = opened.page.evaluate("([x, y]) => document.elementFromPoint(x, y).getAttribute('data-region')", xy)
    assert under == region_id
    opened.page.mouse.move(xy[0], xy[1])
    tooltip = opened.page.locator(".leaflet-tooltip")
    tooltip.wait_for(state="visible")
    text: str = tooltip.inner_text()
    box = opened.page.locator(".ido-legend").bounding_box()
    opened.page.mouse.move(box["x"] + 5, box["y"] + 5)  # onto the legend: the tooltip fades out and goes
    opened.page.wait_for_function("document.querySelectorAll('.leaflet-tooltip').length === 0")
    return text


def _fills(page: Any) -> list[str]:
    return page.eval_on_selector_all("path.leaflet-interactive", "ps => ps.map(p => p.getAttribute('fill'))")


def test_one_shape_per_region(synthetic_map: OpenMap) -> None:
    drawn = [
        i
        for i, g in zip(synthetic_map.inputs.ids, synthetic_map.inputs.prepared.shapes.array, strict=True)
        if g is not None
    ]
    regions = synthetic_map.page.eval_on_selector_all(
        "path.leaflet-interactive", "ps => ps.map(p => p.getAttribute('data-region'))"
    )
    assert sorted(regions) == sorted(drawn)
    assert len(regions) == 43


def test_title_legend_and_source_are_visible(synthetic_map: OpenMap) -> None:
    page = synthetic_map.page
    assert page.locator(".ido-title h1").inner_text() == "Test <map> & title"
    legend = page.locator(".ido-legend")
    assert legend.is_visible()
    text = legend.inner_text()
    first = synthetic_map.inputs.layers[0]
    assert first.spec.title in text and first.spec.unit in text
    for entry in first.legend:
        assert entry.label in text
    assert "No data" in text
    assert page.locator(".ido-source").inner_text().startswith("Data: synthetic")


def test_view_fits_the_main_body_not_the_globe(synthetic_map: OpenMap) -> None:
    west, south, east, north = synthetic_map.page.evaluate(
        "(() => { const b = window.ideopolis.map.getBounds(); return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()"
    )
    assert west <= -100 and east >= -92 and south <= 35 and north >= 40
    assert east - west < 40  # the islands and the antimeridian region do not widen the view


def test_hover_shows_name_score_rank_pillars_and_typology(synthetic_map: OpenMap) -> None:
    inputs = synthetic_map.inputs
    text = _hover(synthetic_map, "M10")
    i = inputs.ids.index("M10")
    index = inputs.layer("ideopolis_index")
    assert text.splitlines()[0] == "Region M10"
    assert format_value(index.values.iloc[i], index.decimals) in text
    assert f"rank {int(index.ranks.iloc[i])} of {int(index.ranks.notna().sum())}" in text
    talent = inputs.layer("talent")
    assert f"Talent\t{format_value(talent.values.iloc[i], talent.decimals)}" in text
    assert inputs.layer("typology").values.iloc[i].replace("_", " ") in text


def test_malicious_name_shows_as_text_and_runs_nothing(synthetic_map: OpenMap) -> None:
    text = _hover(synthetic_map, "M05")
    assert text.splitlines()[0] == EVIL
    assert synthetic_map.page.locator(".leaflet-container img").count() == 0
    assert synthetic_map.dialogs == []


def test_click_shows_indicators_with_units_and_vintage(synthetic_map: OpenMap) -> None:
    page = synthetic_map.page
    page.evaluate("window.ideopolis.paths[window.ideopolis.indexOf('M10')].openPopup()")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    text = popup.inner_text()
    assert "Adults with a degree" in text and "share of adults 25+" in text and "2019-2023" in text
    assert "21.4%" in text  # 0.1 + 10 / 88 = 0.2136... shown as a percentage
    assert "Income per person" in text and "US$ per person" in text and "38,125" in text
    page.evaluate("window.ideopolis.map.closePopup()")


def test_switching_layers_recolours_the_same_shapes(synthetic_map: OpenMap, tmp_path: Path) -> None:
    page = synthetic_map.page
    before = _fills(page)
    n_paths = len(before)
    _screenshot(page, tmp_path / "map-index.png")
    page.locator(".ido-layers input[value='balance']").check()
    after = _fills(page)
    assert len(after) == n_paths == page.locator("path.leaflet-interactive").count()
    assert sum(a != b for a, b in zip(before, after, strict=True)) > n_paths // 2
    assert page.locator(".leaflet-container").get_attribute("data-active-layer") == "balance"
    assert "Balance" in page.locator(".ido-legend-title").inner_text()
    i07 = page.evaluate("window.ideopolis.paths[window.ideopolis.indexOf('M07')].getElement().getAttribute('fill')")
    assert i07 == "url(#ido-nodata)"
    page.locator(".ido-layers input[value='ideopolis_index']").check()
    assert _fills(page) == before


def test_search_finds_a_region_by_name(synthetic_map: OpenMap) -> None:
    page = synthetic_map.page
    box = page.locator(".ido-search input")
    box.fill("aleut")
    box.press("Enter")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    assert popup.inner_text().startswith("Aleutia")
    box.fill("no such place")
    box.press("Enter")
    assert "No region matches" in page.locator(".ido-search-note").inner_text()
    page.evaluate("window.ideopolis.map.closePopup()")


def test_no_console_errors_and_no_network(synthetic_map: OpenMap, tmp_path: Path) -> None:
    synthetic_map.page.evaluate("window.ideopolis.home()")
    shot = _screenshot(synthetic_map.page, tmp_path / "map-final.png")
    assert shot.stat().st_size > 10_000
    errors = [m for m in synthetic_map.console if m[0] in ("error", "pageerror", "warning")]
    assert errors == []
    assert synthetic_map.blocked == []
    assert {u for u in synthetic_map.requests if not u.startswith("data:")} == {synthetic_map.url}


def test_template_and_script_payloads_show_as_typed(browser: Any, tmp_path: Path) -> None:
    """Region names, the title, a layer title and a popup label that are template, mathtext, HTML or shell payloads."""
    marker = tmp_path / "MARKER"
    texts = [hostile(key, marker) for key in HOSTILE]
    base = _inputs()
    regions = [f"M{i:02d}" for i in range(10, 10 + len(texts))]
    names = dict(zip(base.ids, base.names, strict=True)) | dict(zip(regions, texts, strict=True))
    inputs = replace(
        base,
        names=[names[i] for i in base.ids],
        title=texts[0],
        subtitle=texts[4],
        source=texts[1],
        layers=[replace(base.layers[0], spec=replace(base.layers[0].spec, title=texts[2])), *base.layers[1:]],
        popup={**base.popup, "fields": [{**base.popup["fields"][0], "label": texts[3]}, *base.popup["fields"][1:]]},
    )
    path = tmp_path / "hostile.html"
    interactive_map(inputs, offline=True).save(path)
    opened = _open(browser, path, inputs)
    try:
        page = opened.page
        assert page.title() == texts[0]
        assert page.locator(".ido-title h1").inner_text() == texts[0]
        assert page.locator(".ido-title p").inner_text() == texts[4]
        assert page.locator(".ido-source").inner_text() == texts[1]
        assert page.locator(".ido-legend-title").inner_text().startswith(texts[2])
        for region, text in zip(regions, texts, strict=True):
            assert _hover(opened, region).splitlines()[0] == text
        page.evaluate(f"window.ideopolis.paths[window.ideopolis.indexOf('{regions[0]}')].openPopup()")
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for(state="visible")
        assert popup.inner_text().splitlines()[0] == texts[0] and texts[3] in popup.inner_text()
        _screenshot(page, tmp_path / "map-hostile.png")
        assert page.locator("img").count() == 0  # the HTML payload made no element
        assert opened.dialogs == []
        assert [m for m in opened.console if m[0] in ("error", "pageerror", "warning")] == []
        assert opened.blocked == [] and {u for u in opened.requests if not u.startswith("data:")} == {opened.url}
    finally:
        opened.page.close()
    assert not marker.exists()


@pytest.mark.parametrize(("name", "region"), [("us-metros", "41940"), ("us-counties", "06085")])
def test_bundled_set_in_the_browser(browser: Any, tmp_path: Path, name: str, region: str) -> None:
    from ideopolis.index import scoring as index
    from ideopolis.maps.api import region_set_map_inputs, write_html
    from ideopolis.regions.model import load_region_set

    rs = load_region_set(name)
    run = index.score_region_set(rs)
    inputs = region_set_map_inputs(rs, run.scores, ranks=run.ranks, typology=run.typology)
    path = tmp_path / f"{name}.html"
    region_map, _ = write_html(inputs, path, offline=True)
    opened = _open(browser, path, inputs)
    try:
        drawn = sum(g is not None for g in inputs.prepared.shapes.array)
        assert opened.page.locator("path.leaflet-interactive").count() == drawn
        text = _hover(opened, region)
        i = inputs.ids.index(region)
        layer = inputs.layer("ideopolis_index")
        assert text.splitlines()[0] == inputs.names[i]
        assert format_value(layer.values.iloc[i], layer.decimals) in text
        before = _fills(opened.page)
        opened.page.locator(".ido-layers input[value='talent']").check()
        assert _fills(opened.page) != before
        opened.page.evaluate("window.ideopolis.home()")
        _screenshot(opened.page, tmp_path / f"{name}.png")
        assert [m for m in opened.console if m[0] in ("error", "pageerror")] == []
        assert opened.blocked == []
    finally:
        opened.page.close()
    assert region_map.run["regions_drawn"] == drawn
