"""The offline map in a real browser (synthetic regions): shapes, legend, tooltip, region card, search, safety.

The bundled sets at the three sizes people use are in ``test_map_layout.py``.
"""

from __future__ import annotations

import difflib
import html
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from ideopolis.maps.interactive import MapInputs, interactive_map
from ideopolis.maps.layers import format_value
from ideopolis.regions.lookup import fold
from tests.browser import DESKTOP, PHONE, OpenPage, launch, open_page, screenshot
from tests.hostile import HOSTILE, hostile
from tests.mapdata import EVIL
from tests.test_maps_html import _inputs

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch()


@pytest.fixture(scope="module")
def synthetic(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[OpenPage, MapInputs]]:
    inputs = _inputs()
    path = tmp_path_factory.mktemp("map") / "synthetic.html"
    interactive_map(inputs, offline=True).save(path)
    opened = open_page(browser, path, DESKTOP)
    yield opened, inputs
    opened.close()


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n:,}{suffix}"


def _point_of(opened: OpenPage, inputs: MapInputs, region_id: str) -> tuple[float, float]:
    """Centre the map on a point inside the region; return that point in page pixels."""
    point = inputs.prepared.shapes[region_id].representative_point()
    xy = opened.frame.evaluate(
        """([lat, lng]) => {
            const map = window.ideopolis.map;
            map.setView([lat, lng], map.getZoom(), {animate: false});
            const p = map.latLngToContainerPoint([lat, lng]);
            const r = map.getContainer().getBoundingClientRect();
            return [p.x + r.left, p.y + r.top, p.x, p.y];
        }""",
        [point.y, point.x],
    )
    under = opened.frame.evaluate(
        """([x, y, cx, cy]) => {
            const e = document.elementFromPoint(x, y);
            const id = e && e.getAttribute('data-region');
            return id || window.ideopolis.regionAt(cx, cy);  // an SVG path, or the canvas's hit test
        }""",
        xy,
    )
    assert under == region_id
    return xy[0], xy[1]


def _hover(opened: OpenPage, inputs: MapInputs, region_id: str) -> str:
    """Move the mouse onto the region; return the tooltip's text."""
    x, y = _point_of(opened, inputs, region_id)
    page = opened.page
    page.mouse.move(x, y)
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for(state="visible")
    text: str = tooltip.inner_text()
    box = page.locator(".ido-legend").bounding_box()
    page.mouse.move(box["x"] + 5, box["y"] + 5)  # onto the legend: the tooltip goes
    page.wait_for_function("document.querySelectorAll('.leaflet-tooltip').length === 0")
    return text


def _fills(opened: OpenPage) -> list[str]:
    return opened.frame.eval_on_selector_all("path[data-region]", "ps => ps.map(p => p.getAttribute('fill'))")


def test_one_shape_per_region(synthetic: tuple[OpenPage, MapInputs]) -> None:
    opened, inputs = synthetic
    drawn = [i for i, g in zip(inputs.ids, inputs.prepared.shapes.array, strict=True) if g is not None]
    regions = opened.frame.eval_on_selector_all("path[data-region]", "ps => ps.map(p => p.getAttribute('data-region'))")
    assert sorted(regions) == sorted(drawn)
    assert len(regions) == 43


def test_title_legend_and_source_are_visible(synthetic: tuple[OpenPage, MapInputs]) -> None:
    opened, inputs = synthetic
    page = opened.page
    assert page.locator(".ido-title").inner_text() == "Test <map> & title"
    assert page.locator(".ido-subtitle").inner_text() == "Synthetic regions"
    legend = page.locator(".ido-legend")
    assert legend.is_visible()
    text = legend.inner_text()
    first = inputs.layers[0]
    assert first.spec.title in text and first.spec.unit in text
    for entry in first.legend:
        assert entry.label in text
    assert "No data" in text
    assert page.locator(".ido-source").inner_text().startswith("Data: synthetic")


def test_view_fits_the_main_body_not_the_globe(synthetic: tuple[OpenPage, MapInputs]) -> None:
    opened, _ = synthetic
    opened.frame.evaluate("window.ideopolis.home()")
    west, south, east, north = opened.frame.evaluate(
        "(() => { const b = window.ideopolis.map.getBounds(); return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()"
    )
    assert west <= -100 and east >= -92 and south <= 35 and north >= 40
    assert east - west < 40  # the islands and the antimeridian region do not widen the view


def test_hover_shows_name_value_and_rank_of_the_layer(synthetic: tuple[OpenPage, MapInputs]) -> None:
    opened, inputs = synthetic
    text = _hover(opened, inputs, "M10")
    i = inputs.ids.index("M10")
    index = inputs.layer("ideopolis_index")
    assert text.splitlines()[0] == "Region M10"
    rank = int(index.ranks.iloc[i])
    assert f"Ideopolis index: {format_value(index.values.iloc[i], index.decimals)}" in text
    assert f"rank {_ordinal(rank)} of {int(index.ranks.notna().sum())}" in text
    assert "Click for details" in text


def test_malicious_name_shows_as_text_and_runs_nothing(synthetic: tuple[OpenPage, MapInputs]) -> None:
    opened, inputs = synthetic
    text = _hover(opened, inputs, "M05")
    assert text.splitlines()[0] == EVIL
    assert opened.frame.locator(".ido-app img").count() == 0
    assert opened.dialogs == []


def test_click_opens_the_region_card(synthetic: tuple[OpenPage, MapInputs]) -> None:
    opened, inputs = synthetic
    page = opened.page
    x, y = _point_of(opened, inputs, "M10")
    page.mouse.click(x, y)
    card = page.locator("#ido-card")
    card.wait_for(state="visible")
    text = card.inner_text()
    i = inputs.ids.index("M10")
    index = inputs.layer("ideopolis_index")
    lines = text.splitlines()
    assert lines[0] == "Region M10"
    assert f"Rank {_ordinal(int(index.ranks.iloc[i]))} of 43" in text
    assert format_value(index.values.iloc[i], index.decimals) in text
    assert f"Type\n{inputs.layer('typology').values.iloc[i]}" in text
    assert f"Hotspot class\n{inputs.layer('hotspots').values.iloc[i]}" in text
    talent = inputs.layer("talent")
    assert f"Talent\t{format_value(talent.values.iloc[i], talent.decimals)}" in text
    # the indicator table: labels, units, vintages; shares as percentages, counts with separators
    assert "Adults with a degree" in text and "share of adults 25+" in text and "2019-2023" in text
    assert "21.4%" in text  # 0.1 + 10 / 88 = 0.2136... as a percentage
    assert "Income per person" in text and "US$ per person" in text and "38,125" in text
    assert page.evaluate("document.activeElement.id") == "ido-card-name"  # focus moved to the card
    page.keyboard.press("Escape")
    card.wait_for(state="hidden")


def test_card_closes_with_its_button_and_keeps_the_region_in_view(synthetic: tuple[OpenPage, MapInputs]) -> None:
    opened = synthetic[0]
    page = opened.page
    opened.frame.evaluate("window.ideopolis.home()")
    # M39 is at the east edge: the side panel would cover it, so the map pans
    assert opened.frame.evaluate("window.ideopolis.openCard(window.ideopolis.indexOf('M39'))")
    card = page.locator("#ido-card").bounding_box()
    region = page.locator("path[data-region='M39']").bounding_box()
    assert region["x"] + region["width"] <= card["x"]  # left of the card
    page.locator(".ido-card-close").click()
    page.locator("#ido-card").wait_for(state="hidden")


def test_the_card_is_reachable_and_closed_by_keyboard(synthetic: tuple[OpenPage, MapInputs]) -> None:
    page = synthetic[0].page
    box = page.locator("#ido-search-input")
    box.fill("Region M12")
    box.press("Enter")
    page.locator("#ido-card").wait_for(state="visible")
    assert page.evaluate("document.activeElement.id") == "ido-card-name"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "ido-card-close"
    page.keyboard.press("Enter")
    page.locator("#ido-card").wait_for(state="hidden")
    assert page.evaluate("document.activeElement.id") == "ido-search-input"  # focus goes back where it was


def test_switching_layers_recolours_the_same_shapes(synthetic: tuple[OpenPage, MapInputs], tmp_path: Path) -> None:
    opened, _ = synthetic
    page = opened.page
    before = _fills(opened)
    n_paths = len(before)
    screenshot(page, tmp_path / "map-index.png")
    page.select_option("#ido-layer-select", "balance")
    after = _fills(opened)
    assert len(after) == n_paths == page.locator("path[data-region]").count()
    assert sum(a != b for a, b in zip(before, after, strict=True) if a) > n_paths // 2
    assert page.locator(".ido-map").get_attribute("data-active-layer") == "balance"
    assert "Balance" in page.locator(".ido-legend-title").inner_text()
    i07 = page.evaluate("window.ideopolis.element(window.ideopolis.indexOf('M07')).getAttribute('fill')")
    assert i07 == "url(#ido-nodata)"
    page.select_option("#ido-layer-select", "ideopolis_index")
    assert _fills(opened) == before


def test_search_finds_a_region_by_name(synthetic: tuple[OpenPage, MapInputs]) -> None:
    opened, _ = synthetic
    page = opened.page
    box = page.locator("#ido-search-input")
    box.fill("aleut")
    box.press("Enter")
    page.locator("#ido-card").wait_for(state="visible")
    assert page.locator("#ido-card-name").inner_text() == "Aleutia"
    page.keyboard.press("Escape")
    box.fill("unicode & co")  # accents and case ignored: "Ünïcode & Co <Ltd>"
    box.press("Enter")
    assert page.locator("#ido-card-name").inner_text() == "Ünïcode & Co <Ltd>"
    page.keyboard.press("Escape")
    box.fill("no such place")
    box.press("Enter")
    assert "No region matches" in page.locator(".ido-search-note").inner_text()


def test_the_page_folds_and_compares_names_as_python_does(synthetic: tuple[OpenPage, MapInputs]) -> None:
    """The page reuses the region lookup's rules: the same folding, the same difflib ratio."""
    opened, _ = synthetic
    texts = [
        "Île-de-France",
        "ÎLE DE FRANCE",
        "Łódzkie",
        "Østjylland",
        "Straße",
        "  St. Louis, MO-IL ",
        "Ærø_Œuvre",
        "Þingvellir",
        "Ħamrun",
        "Đakovo",
        "Bərdə",
        "Ελλάδα ΣΟΦΟΣ",
        "Région de Bruxelles-Capitale/ Brussels Hoofdstedelijk Gewest",
        "ﬁnance ½",
        EVIL,
        *HOSTILE.values(),
    ]
    assert opened.frame.evaluate("ts => ts.map(window.ideopolis.fold)", texts) == [fold(t) for t in texts]
    pairs = [
        ("desmoines", "des moines west des moines ia"),
        ("desmoinesw", "desmoineswestdesmoinesia"[:10]),
        ("ile de france", "ile de france"),
        ("abcabcabc", "cbacbacba"),
        ("", ""),
        ("paris", "ile de france"),
        ("x" * 210, "xy" * 120),  # difflib's popular-element rule for long strings
    ]
    got = opened.frame.evaluate("ps => ps.map(p => window.ideopolis.ratio(p[0], p[1]))", pairs)
    assert got == pytest.approx([difflib.SequenceMatcher(None, a, b).ratio() for a, b in pairs], abs=1e-12)


def test_about_panel_shows_the_data_and_the_layer_methods(synthetic: tuple[OpenPage, MapInputs]) -> None:
    opened, _ = synthetic
    page = opened.page
    page.locator(".ido-about-button").click()
    dialog = page.locator("dialog.ido-about")
    dialog.wait_for(state="visible")
    text = dialog.inner_text()
    assert "Data: synthetic" in text
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert page.locator("#ido-card").is_hidden()


def test_no_console_errors_and_no_network(synthetic: tuple[OpenPage, MapInputs], tmp_path: Path) -> None:
    opened, _ = synthetic
    opened.frame.evaluate("window.ideopolis.home()")
    shot = screenshot(opened.page, tmp_path / "map-final.png")
    assert shot.stat().st_size > 10_000
    assert opened.errors() == []
    assert opened.blocked == []
    assert opened.outside_requests() == set()


@pytest.mark.parametrize("renderer", ["svg", "canvas"])
def test_template_and_script_payloads_show_as_typed(
    browser: Any, tmp_path: Path, renderer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Region names, the title, a layer title, a card label, a fact and a methods note carrying payloads.

    ``canvas``: the large-page path (canvas renderer, packed columns, the payload gzip + base 85 coded).
    """
    if renderer == "canvas":
        from ideopolis.maps import interactive

        monkeypatch.setattr(interactive, "COMPRESS_ABOVE", 1000)
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
        facts=((texts[5], tuple(texts[6] for _ in base.ids)),),
        methods_html=(
            f"<p>{html.escape(texts[7])}</p><script>alert(2)</script><img src=x onerror=alert(3)>"
            '<a href="javascript:alert(4)">link</a><p onclick="alert(5)">kept as text</p>'
        ),
    )
    path = tmp_path / "hostile.html"
    interactive_map(inputs, offline=True, renderer=renderer).save(path)
    if renderer == "canvas":
        assert 'data-encoding="gzip-base85"' in path.read_text(encoding="utf-8")
    opened = open_page(browser, path, DESKTOP)
    try:
        page = opened.page
        assert page.title() == texts[0]
        assert page.locator(".ido-title").inner_text() == texts[0]
        assert page.locator(".ido-subtitle").inner_text() == texts[4]
        assert page.locator(".ido-source").inner_text() == texts[1]
        assert page.locator(".ido-legend-title").inner_text().startswith(texts[2])
        for region, text in zip(regions, texts, strict=True):
            assert _hover(opened, inputs, region).splitlines()[0] == text
        page.evaluate(f"window.ideopolis.openCard(window.ideopolis.indexOf('{regions[0]}'))")
        card = page.locator("#ido-card")
        card.wait_for(state="visible")
        assert card.inner_text().splitlines()[0] == texts[0]
        assert texts[3] in card.inner_text() and texts[5] in card.inner_text() and texts[6] in card.inner_text()
        page.keyboard.press("Escape")
        page.locator(".ido-about-button").click()
        about = page.locator("dialog.ido-about")
        about.wait_for(state="visible")
        assert texts[7] in about.inner_text() and "kept as text" in about.inner_text() and "link" in about.inner_text()
        assert about.locator("script, img, a, [onclick]").count() == 0
        screenshot(page, tmp_path / f"map-hostile-{renderer}.png")
        page.keyboard.press("Escape")
        assert page.locator("img").count() == 0  # the HTML payloads made no element
        assert opened.dialogs == []
        assert opened.errors() == []
        assert opened.blocked == [] and opened.outside_requests() == set()
    finally:
        opened.close()
    assert not marker.exists()


def test_rank_intervals_and_facts_show_in_the_card(browser: Any, tmp_path: Path) -> None:
    """The contracts with the uncertainty and lens branches: "12th of 43 (8th–19th)" and fact rows."""
    base = _inputs()
    index = base.layer("ideopolis_index")
    intervals = pd.DataFrame(
        {"rank_lo": index.ranks.fillna(1).astype(int) - 1, "rank_hi": index.ranks.fillna(1).astype(int) + 7},
        index=pd.Index(base.ids),
    ).clip(lower=1)
    layers = [replace(index, rank_interval=intervals), *base.layers[1:]]
    facts = (("Scored on", tuple("talent, capital" if i == "M10" else None for i in base.ids)),)
    inputs = replace(base, layers=layers, facts=facts)
    path = tmp_path / "intervals.html"
    interactive_map(inputs, offline=True).save(path)
    opened = open_page(browser, path, PHONE)
    try:
        page = opened.page
        page.evaluate("window.ideopolis.openCard(window.ideopolis.indexOf('M10'))")
        text = page.locator("#ido-card").inner_text()
        rank = int(index.ranks.iloc[base.ids.index("M10")])
        assert f"Rank {_ordinal(rank)} of 43 ({_ordinal(rank - 1)}\u2013{_ordinal(rank + 7)})" in text
        assert "Scored on\ntalent, capital" in text
        page.keyboard.press("Escape")
        page.evaluate("window.ideopolis.openCard(window.ideopolis.indexOf('M11'))")
        assert "Scored on" not in page.locator("#ido-card").inner_text()
        assert opened.errors() == []
    finally:
        opened.close()


def test_embed_mode_keeps_only_the_legend_on_the_map(browser: Any, tmp_path: Path) -> None:
    """--embed (or an iframe): slim bars, the subtitle opening the source line, no zoom buttons, a folding legend."""
    inputs = _inputs()
    path = tmp_path / "embed.html"
    interactive_map(inputs, offline=True, embed=True).save(path)
    opened = open_page(browser, path, DESKTOP)
    try:
        page = opened.page
        assert page.evaluate("window.ideopolis.embed") is True
        assert page.locator(".leaflet-control-zoom").count() == 0
        assert page.locator(".ido-subtitle").is_hidden()
        assert page.locator(".ido-source").inner_text().startswith("Synthetic regions. Data: synthetic")
        legend = page.locator(".ido-legend")
        assert "ido-legend-row" in legend.get_attribute("class")
        page.locator(".ido-legend-toggle").click()
        assert page.locator(".ido-legend-body").is_hidden()
        page.locator(".ido-legend-toggle").click()
        assert page.locator(".ido-legend-body").is_visible()
        on_map = page.evaluate(
            """(() => { const m = document.querySelector('.ido-map');
                return [...m.querySelectorAll('.leaflet-control')].filter(c => c.offsetWidth).map(c => c.className); })()"""
        )
        assert len(on_map) == 1 and "ido-legend" in on_map[0]
        assert opened.errors() == []
    finally:
        opened.close()
    # the same page opened as '#embed' from a plain link
    plain = tmp_path / "plain.html"
    interactive_map(inputs, offline=True).save(plain)
    page = browser.new_page(viewport={"width": 900, "height": 600})
    try:
        page.goto(plain.resolve().as_uri() + "#embed")
        page.wait_for_function("window.ideopolis !== undefined")
        assert page.evaluate("window.ideopolis.embed") is True
    finally:
        page.close()
