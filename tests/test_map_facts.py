"""Region facts on the map: in the page payload (``facts``), in the hover tooltip and the popup of a real browser."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import ideopolis as ideo
from ideopolis.index.facts import EXPOSURE_PERCENTILE, EXPOSURE_RANGE, NOT_SCORED, SCORED_ON
from ideopolis.maps.interactive import interactive_map
from tests.mapdata import EVIL
from tests.test_maps_html import _inputs

CHROMIUM = Path(os.environ.get("IDEOPOLIS_CHROMIUM", "/usr/bin/chromium"))


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
    assert {label for label, row in rows.items() if row["tooltip"]} == {NOT_SCORED, SCORED_ON, EXPOSURE_RANGE}
    assert len([label for label in rows if label.startswith(EXPOSURE_PERCENTILE)]) == 5
    # the map states the rule behind its ranks
    assert "a score needs data for 65% of its weight; ranks are among the 692 regions scored on all 5 pillars (233" in (
        m.inputs.source
    )


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed")
    if not CHROMIUM.exists():
        pytest.skip(f"no chromium at {CHROMIUM}")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


@pytest.mark.browser
def test_tooltip_and_popup_show_the_facts(page: Any, tmp_path: Path) -> None:
    run = ideo.score("us-metros")
    m = run.map(hotspots=False)
    path = tmp_path / "metros.html"
    m.save(path, offline=True)
    tab = page.new_page(viewport={"width": 1366, "height": 800})
    errors: list[str] = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    try:
        tab.goto(path.resolve().as_uri())
        tab.wait_for_function("window.ideopolis !== undefined")
        shape = m.inputs.prepared.shapes["10140"]  # Aberdeen, WA: no knowledge-jobs pillar
        point = shape.representative_point()
        xy = tab.evaluate(
            """([lat, lng]) => {
                const map = window.ideopolis.map;
                map.setView([lat, lng], map.getZoom(), {animate: false});
                const p = map.latLngToContainerPoint([lat, lng]);
                return [p.x, p.y];
            }""",
            [point.y, point.x],
        )
        tab.mouse.move(xy[0], xy[1])
        tooltip = tab.locator(".leaflet-tooltip")
        tooltip.wait_for(state="visible")
        text = tooltip.inner_text()
        assert "Scored on\n4 of 5 pillars, no Knowledge jobs (not ranked)" in text
        assert f"{EXPOSURE_RANGE}\n38.9 to 63.9" in text
        assert "Lens data" not in text  # the popup's, not the tooltip's
        tab.evaluate("window.ideopolis.paths[window.ideopolis.indexOf('41940')].openPopup()")
        popup = tab.locator(".ido-popup").inner_text()
        facts = run.region_facts().loc["41940"]
        for label, value in facts.items():
            if value:
                assert f"{label}\n{value}" in popup
        assert f"{EXPOSURE_PERCENTILE}Share of jobs that can be done from home\n99.8" in popup
        assert "Share of jobs that can be done from home\t51.0%" in popup  # its value, in the indicator table
        shots = os.environ.get("IDEOPOLIS_SCREENSHOT_DIR")
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            tab.screenshot(path=str(Path(shots) / "facts-popup.png"))
        assert errors == []
    finally:
        tab.close()


def test_the_county_map_with_its_facts_meets_the_size_target() -> None:
    m = ideo.score("us-counties").map(hotspots=False, offline=True)
    assert len(m.html().encode("utf-8")) < 2_000_000  # the target of tests/test_maps_html.py, facts included
