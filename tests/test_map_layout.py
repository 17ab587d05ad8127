"""The bundled maps at the sizes people use: 1366x800, a 700x480 iframe in an article, a 390x844 phone.

For each bundled set (us-metros, us-counties, eu-nuts2) and size, in headless Chromium:

- the boxes on the page (title, search, layer choice or menu, legend, zoom, source line) do not overlap;
- the boxes on the map cover at most :data:`COVER_LIMIT` of it (stated in docs/maps.md), and no region of
  the main body lies under one at the first view, which holds the whole main body;
- search finds a region typed with or without accents, in any case, or misspelled;
- the region card fits the viewport, keeps its region in view and closes with Escape;
- nothing is logged to the console and nothing is requested.

Screenshots of every case go to ``$IDEOPOLIS_SCREENSHOT_DIR`` when it is set.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ideopolis.maps.interactive import RegionMap
from tests.browser import DESKTOP, IFRAME, PHONE, OpenPage, launch, open_page, screenshot

pytestmark = pytest.mark.browser

SETS = ("us-metros", "us-counties", "eu-nuts2")
#: Both renderers of the page: one SVG path per region (these sets' default) and one canvas (issue 16).
RENDERERS = ("svg", "canvas")
SIZES = {"desktop": (DESKTOP, False), "iframe": (IFRAME, True), "phone": (PHONE, False)}
#: Most of the map the boxes on it (legend, zoom buttons) may cover, by size (docs/maps.md).
COVER_LIMIT = {"desktop": 0.10, "iframe": 0.20, "phone": 0.20}
#: What to type and the region it must find, by set.
SEARCHES = {
    "us-metros": [("Desmoines", "19780"), ("des moines", "19780"), ("BOSTON", "14460")],
    "us-counties": [("santa clara county", "06085"), ("Santa Clarra", "06085")],
    "eu-nuts2": [("Ile de France", "FR10"), ("île-de-france", "FR10"), ("ÎLE-DE-FRANCE", "FR10"), ("Paris", "FR10")],
}

#: Every box that is part of the page's furniture, by name (those shown at a size are measured).
BOXES = {
    "title": ".ido-heading",
    "search": ".ido-search-input",
    "layers": ".ido-layer-pick",
    "menu": ".ido-menu-button",
    "legend": ".ido-legend",
    "zoom": ".leaflet-control-zoom",
    "source": ".ido-source",
    "about": ".ido-about-button",
    "credit": ".ido-credit",
}
ON_MAP = ("legend", "zoom")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch()


@pytest.fixture(scope="module")
def pages(
    tmp_path_factory: pytest.TempPathFactory, bundled_maps: dict[str, RegionMap]
) -> dict[str, tuple[Path, RegionMap]]:
    folder = tmp_path_factory.mktemp("layout")
    out = {}
    for name, region_map in bundled_maps.items():
        for renderer in RENDERERS:
            path = folder / f"{name}-{renderer}.html"
            drawn = region_map if renderer == "svg" else region_map.with_renderer(renderer)
            drawn.save(path)
            out[f"{name}-{renderer}"] = (path, drawn)
    return out


def _boxes(frame: Any) -> dict[str, dict[str, float]]:
    """The visible boxes of the page, in the frame's viewport pixels."""
    return frame.evaluate(
        """(boxes) => {
            const out = {};
            for (const [name, sel] of Object.entries(boxes)) {
                const el = document.querySelector(sel);
                if (!el || !el.offsetWidth || getComputedStyle(el).visibility === 'hidden') continue;
                const r = el.getBoundingClientRect();
                if (r.width < 1 || r.height < 1) continue;
                out[name] = {left: r.left, top: r.top, right: r.right, bottom: r.bottom};
            }
            const m = document.querySelector('.ido-map').getBoundingClientRect();
            out.map = {left: m.left, top: m.top, right: m.right, bottom: m.bottom};
            out.viewport = {left: 0, top: 0, right: innerWidth, bottom: innerHeight};
            return out;
        }""",
        BOXES,
    )


def _overlap(a: dict[str, float], b: dict[str, float]) -> float:
    w = min(a["right"], b["right"]) - max(a["left"], b["left"])
    h = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
    return max(w, 0.0) * max(h, 0.0)


def _union_area(rects: list[dict[str, float]], clip: dict[str, float]) -> float:
    """Area of the union of rectangles inside ``clip`` (coordinate compression, exact)."""
    clipped = []
    for r in rects:
        c = {
            "left": max(r["left"], clip["left"]),
            "right": min(r["right"], clip["right"]),
            "top": max(r["top"], clip["top"]),
            "bottom": min(r["bottom"], clip["bottom"]),
        }
        if c["right"] > c["left"] and c["bottom"] > c["top"]:
            clipped.append(c)
    xs = sorted({v for c in clipped for v in (c["left"], c["right"])})
    ys = sorted({v for c in clipped for v in (c["top"], c["bottom"])})
    area = 0.0
    for x0, x1 in itertools.pairwise(xs):
        for y0, y1 in itertools.pairwise(ys):
            if any(c["left"] <= x0 and x1 <= c["right"] and c["top"] <= y0 and y1 <= c["bottom"] for c in clipped):
                area += (x1 - x0) * (y1 - y0)
    return area


def _region_rects(frame: Any, ids: list[str]) -> list[dict[str, float]]:
    """The regions' boxes on the page: their SVG paths', or on a canvas their shapes' extents."""
    return frame.evaluate(
        """(ids) => ids.map(id => {
            if (window.ideopolis.renderer === 'canvas') return window.ideopolis.regionRect(id);
            const el = document.querySelector(`path[data-region="${id}"]`);
            if (!el) return null;
            const r = el.getBoundingClientRect();
            return {id, left: r.left, top: r.top, right: r.right, bottom: r.bottom};
        }).filter(r => r)""",
        ids,
    )


@pytest.fixture(
    scope="module",
    params=[(s, z, r) for s in SETS for z in SIZES for r in RENDERERS],
    ids=lambda p: f"{p[0]}-{p[1]}-{p[2]}",
)
def opened(
    request: pytest.FixtureRequest, browser: Any, pages: dict[str, tuple[Path, RegionMap]]
) -> Iterator[tuple[OpenPage, RegionMap, str, str]]:
    name, size_name, renderer = request.param
    path, region_map = pages[f"{name}-{renderer}"]
    size, iframe = SIZES[size_name]
    page = open_page(browser, path, size, iframe=iframe)
    assert page.frame.evaluate("window.ideopolis.renderer") == renderer
    yield page, region_map, name, f"{size_name}-{renderer}"
    page.close()


@pytest.mark.parametrize("layer", ["ideopolis_index", "hotspots"])
def test_boxes_do_not_overlap_and_cover_little_of_the_map(
    opened: tuple[OpenPage, RegionMap, str, str], layer: str, tmp_path: Path
) -> None:
    page, _region_map, name, size = opened
    page.frame.evaluate("(key) => window.ideopolis.setLayer(key)", layer)
    page.frame.evaluate("window.ideopolis.home()")
    screenshot(page.page, tmp_path / f"{name}-{size}-{layer}.png")
    boxes = _boxes(page.frame)
    furniture = {k: v for k, v in boxes.items() if k not in ("map", "viewport")}
    assert {"title", "legend", "source", "about"} <= set(furniture)
    assert ("search" in furniture and "layers" in furniture) or "menu" in furniture
    names = sorted(furniture)
    overlaps = [(a, b) for i, a in enumerate(names) for b in names[i + 1 :] if _overlap(furniture[a], furniture[b]) > 0]
    assert overlaps == []
    for box in furniture.values():  # all of it on screen
        assert box["left"] >= 0 and box["top"] >= 0
        assert box["right"] <= boxes["viewport"]["right"] + 0.5 and box["bottom"] <= boxes["viewport"]["bottom"] + 0.5
    on_map = [furniture[k] for k in ON_MAP if k in furniture]
    m = boxes["map"]
    share = _union_area(on_map, m) / ((m["right"] - m["left"]) * (m["bottom"] - m["top"]))
    assert share <= COVER_LIMIT[size.split("-")[0]], f"{share:.1%} of the map is covered"
    # nothing else lies on the map: the title bar and the source line are above and below it
    for key in set(furniture) - set(ON_MAP):
        assert _overlap(furniture[key], m) == 0, key
    if size.startswith("iframe"):
        assert page.frame.evaluate("window.ideopolis.embed") is True
        assert "zoom" not in furniture  # embed mode: the legend is the one box on the map


@pytest.mark.parametrize("layer", ["ideopolis_index", "hotspots"])
def test_first_view_holds_the_main_body_clear_of_the_boxes(
    opened: tuple[OpenPage, RegionMap, str, str], layer: str
) -> None:
    page, region_map, _name, _size = opened
    page.frame.evaluate("(key) => window.ideopolis.setLayer(key)", layer)
    page.frame.evaluate("window.ideopolis.home()")
    prepared = region_map.inputs.prepared
    main = [rid for rid, m in zip(region_map.inputs.ids, prepared.groups.main_mask(), strict=True) if m]
    minx, miny, maxx, maxy = prepared.view
    west, south, east, north = page.frame.evaluate(
        "(() => { const b = window.ideopolis.map.getBounds(); return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()"
    )
    assert west <= minx and east >= maxx and south <= miny and north >= maxy
    boxes = _boxes(page.frame)
    on_map = [boxes[k] for k in ON_MAP if k in boxes]
    rects = _region_rects(page.frame, main)
    assert len(rects) == len(main)
    under = [r["id"] for r in rects if any(_overlap(r, box) > 0 for box in on_map)]
    assert under == []


def test_search_and_the_region_card(opened: tuple[OpenPage, RegionMap, str, str], tmp_path: Path) -> None:
    page, _region_map, name, size = opened
    frame = page.frame
    viewport = _boxes(frame)["viewport"]
    for k, (typed, expected) in enumerate(SEARCHES[name]):
        if frame.locator(".ido-menu-button").is_visible():
            frame.locator(".ido-menu-button").click()
        box = frame.locator("#ido-search-input")
        box.fill(typed)
        box.press("Enter")
        card = frame.locator("#ido-card")
        card.wait_for(state="visible")
        assert frame.evaluate("window.ideopolis.selected()") == expected, typed
        rect = card.bounding_box()
        frame_box = _boxes(frame)
        c = frame_box["map"]
        assert frame.evaluate("document.activeElement.id") == "ido-card-name"
        # the card fits the viewport
        got = frame.evaluate(
            "(() => { const r = document.getElementById('ido-card').getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })()"
        )
        assert got[0] >= 0 and got[1] >= 0 and got[2] <= viewport["right"] + 0.5 and got[3] <= viewport["bottom"] + 0.5
        assert rect is not None
        # the region stays in view, beside the card (or above the sheet)
        region = _region_rects(frame, [expected])[0]
        cx, cy = (region["left"] + region["right"]) / 2, (region["top"] + region["bottom"]) / 2
        card_box = {"left": got[0], "top": got[1], "right": got[2], "bottom": got[3]}
        assert c["left"] <= cx <= c["right"] and c["top"] <= cy <= c["bottom"]
        assert _overlap(region, card_box) == 0, "the card covers its region"
        if k == 0:
            screenshot(page.page, tmp_path / f"{name}-{size}-card.png")
        page.page.keyboard.press("Escape")
        card.wait_for(state="hidden")
        assert frame.evaluate("window.ideopolis.selected()") is None


def test_no_console_error_and_no_request(opened: tuple[OpenPage, RegionMap, str, str]) -> None:
    page, _region_map, _name, _size = opened
    page.frame.evaluate("window.ideopolis.setLayer('hotspots') || true")
    page.frame.evaluate("window.ideopolis.home()")
    assert page.errors() == []
    assert page.blocked == []
    assert page.outside_requests() == set()


def test_union_area_against_a_pixel_count() -> None:
    rects = [
        {"left": 0, "top": 0, "right": 10, "bottom": 10},
        {"left": 5, "top": 5, "right": 15, "bottom": 12},
        {"left": 20, "top": 0, "right": 30, "bottom": 4},
    ]
    clip = {"left": 0, "top": 0, "right": 25, "bottom": 20}
    grid = np.zeros((20, 25), dtype=bool)
    for r in rects:
        grid[int(r["top"]) : int(r["bottom"]), int(r["left"]) : int(r["right"])] = True
    assert _union_area(rects, clip) == grid.sum() == 100 + 70 - 25 + 20
