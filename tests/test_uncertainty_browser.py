"""Rank intervals on the map, in a real browser: the tooltip shows the interval, a layer shows rank stability.

Headless Chromium through Playwright, as ``tests/test_map_browser.py`` (skips locally without it, fails under
CI). Screenshots at the three sizes people use (desktop, an embed, a phone) go to the test's tmp path and to
``$IDEOPOLIS_SCREENSHOT_DIR`` when that is set.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import ideopolis as ideo
from tests.test_map_browser import OpenMap, _hover, _open, _screenshot, browser  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.shared_data]


@pytest.fixture(scope="module")
def uncertain_map(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[OpenMap, Any]]:  # noqa: F811
    run = ideo.score(
        "us-metros", uncertainty={"draws": 200, "vary": ["weights", "normalise", "aggregate", "balance_weight"]}
    )
    region_map = run.map(hotspots=False, offline=True)
    path = tmp_path_factory.mktemp("unc-map") / "us-metros-uncertainty.html"
    region_map.save(path)
    opened = _open(browser, path, region_map.inputs)
    yield opened, run
    opened.page.close()


def test_tooltip_shows_the_rank_interval(uncertain_map: tuple[OpenMap, Any], tmp_path: Path) -> None:
    opened, run = uncertain_map
    ua = run.uncertainty
    for query in ("San Jose", "Des Moines"):
        rid = run.find_region(query)
        row = ua.ranks.loc[rid]
        text = _hover(opened, rid)
        n = int(ua.ranks["nominal_rank"].notna().sum())
        assert f"rank {int(row['nominal_rank'])} of {n} ({int(row['rank_lo'])}\u2013{int(row['rank_hi'])})" in text
    # pillar layers have ranks but no interval: their rank shows alone
    assert "Talent" in text and "rank" in text
    assert opened.console == [] or all(kind != "pageerror" for kind, _ in opened.console)
    assert opened.blocked == []


def test_rank_stability_layer(uncertain_map: tuple[OpenMap, Any], tmp_path: Path) -> None:
    opened, run = uncertain_map
    page = opened.page
    page.evaluate("window.ideopolis.setLayer('rank_stability')")
    legend = page.locator(".ido-legend").inner_text()
    counts = run.uncertainty.counts()
    for cls in ("stable", "moderate", "volatile"):
        assert cls in legend
        assert f"{counts[cls]:,}" in legend or str(counts[cls]) in legend
    for width, height, name in ((1366, 800, "desktop"), (700, 480, "embed"), (390, 844, "phone")):
        page.set_viewport_size({"width": width, "height": height})
        _screenshot(page, tmp_path / f"uncertainty-stability-{name}.png")
    page.set_viewport_size({"width": 1366, "height": 800})
    page.evaluate("window.ideopolis.setLayer('ideopolis_index')")
    rid = run.find_region("Boulder")
    shape = opened.inputs.prepared.shapes[rid]
    point = shape.representative_point()
    xy = page.evaluate(
        """([lat, lng]) => {
            const map = window.ideopolis.map;
            map.setView([lat, lng], 6, {animate: false});
            const p = map.latLngToContainerPoint([lat, lng]);
            return [p.x, p.y];
        }""",
        [point.y, point.x],
    )
    page.mouse.move(xy[0], xy[1])
    tooltip = page.locator(".leaflet-tooltip", has_text="Boulder")
    tooltip.wait_for(state="visible")
    row = run.uncertainty.ranks.loc[rid]
    assert f"({int(row['rank_lo'])}\u2013{int(row['rank_hi'])})" in tooltip.inner_text()
    _screenshot(page, tmp_path / "uncertainty-tooltip-desktop.png")
