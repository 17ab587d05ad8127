"""Region facts on the map: in the page payload (``facts``), in the hover tooltip and the popup of a real browser."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import ideopolis as ideo
from ideopolis.index.facts import EXPOSURE_PERCENTILES, EXPOSURE_RANGE, NOT_SCORED, SCORED_ON
from ideopolis.maps.interactive import interactive_map
from tests.browser import DESKTOP, IFRAME, PHONE, launch, open_page, screenshot
from tests.mapdata import EVIL
from tests.test_map_browser import _point_of
from tests.test_maps_html import _inputs


def _payload(html: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="ideopolis-data">(.*?)</script>', html, re.S)
    assert match
    payload: dict[str, Any] = json.loads(match.group(1))
    return payload


def test_facts_are_aligned_on_the_map_order_and_empty_rows_dropped() -> None:
    ids = _inputs().ids
    facts = pd.DataFrame(
        {"Scored on": ["all 5 pillars"] * 2, "Nothing": ["", None], "Note": [EVIL, "x"]},
        index=[ids[3], ids[0]],
    )
    inputs = _inputs(facts=facts, tooltip_facts=("Scored on",))
    assert [label for label, _ in inputs.facts] == ["Scored on", "Note"]
    payload = _payload(interactive_map(inputs, offline=True).html())
    rows = {f["label"]: f for f in payload["facts"]}
    assert rows["Scored on"]["values"][3] == "all 5 pillars" and rows["Scored on"]["values"][1] is None
    assert rows["Scored on"]["tooltip"] is True and rows["Note"]["tooltip"] is False
    assert rows["Note"]["values"][3] == EVIL  # data, escaped for the script element, set as text by the page
    assert _payload(interactive_map(_inputs(), offline=True).html())["facts"] == []


def test_a_runs_map_carries_its_region_facts() -> None:
    run = ideo.score("us-metros")
    m = run.map(hotspots=False)
    payload = _payload(m.html())
    rows = {f["label"]: f for f in payload["facts"]}
    facts = run.region_facts()
    i = payload["ids"].index("41980")
    assert rows[NOT_SCORED]["values"][i] == facts.at["41980", NOT_SCORED] != ""
    j = payload["ids"].index("10140")
    assert rows[SCORED_ON]["values"][j] == "4 of 5 pillars, no Knowledge jobs (not ranked)"
    assert {label for label, row in rows.items() if row["tooltip"]} == {NOT_SCORED, SCORED_ON}
    (label,) = [label for label in rows if label.startswith(EXPOSURE_PERCENTILES)]
    assert (
        rows[label]["values"][j] == facts.at["10140", label] == "63.9 \u00b7 52.9 \u00b7 55.6 \u00b7 38.9 \u00b7 48.4"
    )
    # the map states the rule behind its ranks
    assert "a score needs data for 65% of its weight; ranks are among the 692 regions scored on all 5 pillars (233" in (
        m.inputs.source
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch()


@pytest.fixture(scope="module")
def metros_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[ideo.Run, Any, Path]:
    """The us-metros run, its map and the saved offline page (built once for the three screen sizes)."""
    run = ideo.score("us-metros")
    m = run.map(hotspots=False)
    path = tmp_path_factory.mktemp("facts") / "metros.html"
    m.save(path, offline=True)
    return run, m, path


@pytest.mark.browser
@pytest.mark.parametrize("size", [DESKTOP, IFRAME, PHONE], ids=["desktop", "iframe", "phone"])
def test_tooltip_and_card_show_the_facts(
    browser: Any, metros_page: tuple[ideo.Run, Any, Path], tmp_path: Path, size: tuple[int, int]
) -> None:
    run, m, path = metros_page
    facts = run.region_facts()
    opened = open_page(browser, path, size)
    page = opened.page
    try:
        x, y = _point_of(opened, m.inputs, "10140")  # Aberdeen, WA: no knowledge-jobs pillar
        if size != PHONE:  # a phone has no hover
            page.mouse.move(x, y)
            tooltip = page.locator(".leaflet-tooltip")
            tooltip.wait_for(state="visible")
            text = tooltip.inner_text()
            assert "Scored on: 4 of 5 pillars, no Knowledge jobs (not ranked)" in text
            assert "Lens data" not in text and EXPOSURE_RANGE not in text  # the card's, not the tooltip's
        page.mouse.click(x, y)  # a click (a tap) on the region opens its card with its facts
        card = page.locator("#ido-card")
        card.wait_for(state="visible")
        assert card.locator(".ido-card-name").inner_text() == "Aberdeen, WA"
        text = card.inner_text()
        assert f"{SCORED_ON}\n4 of 5 pillars, no Knowledge jobs (not ranked)" in text
        assert f"{EXPOSURE_RANGE}\n38.9 to 63.9" in text
        page.evaluate("window.ideopolis.closeCard()")
        for rid in ("41940", "41980"):
            page.evaluate(f"window.ideopolis.openCard(window.ideopolis.indexOf('{rid}'))")
            card = page.locator("#ido-card")
            card.wait_for(state="visible")
            text = card.inner_text()
            for label, value in facts.loc[rid].items():
                if value:
                    assert f"{label}\n{value}" in text
            screenshot(page, tmp_path / f"facts-card-{rid}-{size[0]}.png")
            page.evaluate("window.ideopolis.closeCard()")
        assert opened.errors() == []
    finally:
        opened.close()


def test_the_county_map_with_its_facts_meets_the_size_target() -> None:
    m = ideo.score("us-counties").map(hotspots=False, offline=True)
    assert len(m.html().encode("utf-8")) < 2_000_000  # the target of tests/test_maps_html.py, facts included
