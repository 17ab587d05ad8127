"""Rank intervals on the map, in a real browser: the tooltip and the region card show the interval, and a layer
shows rank stability.

Headless Chromium through Playwright (``tests/browser.py``: skips locally without it, fails under CI), on
us-metros after an uncertainty run. Screenshots at the three sizes people use (desktop, an embed, a phone) go to
the test's tmp path and to ``$IDEOPOLIS_SCREENSHOT_DIR`` when that is set.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import ideopolis as ideo
from tests.browser import DESKTOP, IFRAME, PHONE, launch, open_page, screenshot
from tests.test_map_browser import _hover, _ordinal

pytestmark = pytest.mark.browser

VARY = {"draws": 200, "vary": ["weights", "normalise", "aggregate", "balance_weight"]}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch()


@pytest.fixture(scope="module")
def uncertain_map(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any, Any]:
    run = ideo.score("us-metros", uncertainty=VARY)
    region_map = run.map(hotspots=False, offline=True)
    path = tmp_path_factory.mktemp("unc-map") / "us-metros-uncertainty.html"
    region_map.save(path)
    return path, run, region_map.inputs


def test_tooltip_and_card_show_the_rank_interval(
    browser: Any, uncertain_map: tuple[Path, Any, Any], tmp_path: Path
) -> None:
    path, run, inputs = uncertain_map
    ua = run.uncertainty
    n = int(ua.ranks["nominal_rank"].notna().sum())
    opened = open_page(browser, path, DESKTOP)
    try:
        for query in ("San Jose", "Des Moines"):
            rid = run.find_region(query)
            row = ua.ranks.loc[rid]
            interval = f"({_ordinal(int(row['rank_lo']))}\u2013{_ordinal(int(row['rank_hi']))})"
            text = _hover(opened, inputs, rid)
            assert f"rank {_ordinal(int(row['nominal_rank']))} of {n:,} {interval}" in text
            opened.frame.evaluate(f"window.ideopolis.openCard(window.ideopolis.indexOf('{rid}'))")
            card = opened.frame.locator("#ido-card").inner_text()
            assert f"Rank {_ordinal(int(row['nominal_rank']))} of {n:,} {interval}" in card
            assert f"Rank stability\n{row['stability']}" in card
            screenshot(opened.page, tmp_path / f"uncertainty-card-{rid}-desktop.png")
            opened.page.keyboard.press("Escape")
        assert opened.errors() == [] and opened.blocked == []
    finally:
        opened.close()


@pytest.mark.parametrize(
    ("size", "name", "iframe"), [(DESKTOP, "desktop", False), (IFRAME, "embed", True), (PHONE, "phone", False)]
)
def test_rank_stability_layer(
    browser: Any, uncertain_map: tuple[Path, Any, Any], tmp_path: Path, size: tuple[int, int], name: str, iframe: bool
) -> None:
    path, run, _ = uncertain_map
    opened = open_page(browser, path, size, iframe=iframe)
    try:
        opened.frame.evaluate("window.ideopolis.setLayer('rank_stability')")
        legend = opened.frame.locator(".ido-legend").inner_text()
        counts = run.uncertainty.counts()
        for cls in ("stable", "moderate", "volatile"):
            assert cls in legend
            if not iframe:  # an embedded map's legend is one compact row: classes only
                assert f"{counts[cls]:,}" in legend
        if name == "desktop":  # the rule under the legend title (a phone's legend keeps to the classes)
            assert "width of the 5-95% rank interval over 200 draws" in legend
            # regions the index does not rank have no interval: the legend says so, not "No data"
            unranked = int(run.ranks["ideopolis_index"].reindex(run.table().index).isna().sum())
            assert unranked > 0 and f"Not ranked\n{unranked:,}" in legend and "No data" not in legend
        screenshot(opened.page, tmp_path / f"uncertainty-stability-{name}.png")
        assert opened.errors() == []
    finally:
        opened.close()
