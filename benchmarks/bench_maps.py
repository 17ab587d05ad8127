"""Interactive maps: ideopolis' one-geometry page against stock folium, for every bundled region set.

For each set, in the same run and on the same scores and classes:

- **ideopolis**: the offline page (shapes once, classes per layer, styled in the browser);
- **folium (raw)**: stock folium, one ``GeoJson`` layer with a Python ``style_function`` and a tooltip per
  score, switched in a ``LayerControl``, on the region set's own shapes;
- **folium (simplified)**: the same, on ideopolis' simplified shapes (separates the gain of simplifying
  from the gain of drawing the shapes once).

Reported: build time (Python, best of ``--repeat``), HTML size, and in headless Chromium (the system's,
through Playwright) the first contentful paint and the time until every layer's script has run and a
frame has been painted (median of ``--repeat``). Stock folium links Leaflet, jQuery, Bootstrap and
Font Awesome from CDNs; the benchmark serves Leaflet from the installed XStatic-Leaflet package and
refuses the rest (there is no network here), so both pages draw.

Run: ``uv run python benchmarks/bench_maps.py [--regions NAME ...] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import pandas as pd

from ideopolis.maps.api import region_set_map_inputs
from ideopolis.maps.interactive import MapInputs, interactive_map
from ideopolis.maps.layers import ClassifiedLayer
from ideopolis.maps.offline import leaflet_css, leaflet_js
from ideopolis.maps.palettes import NO_DATA_FILL

CHROMIUM = "/usr/bin/chromium"
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
PAINTED = """() => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(() => {
  const drawn = performance.now();
  const paths = document.querySelectorAll('path.leaflet-interactive').length;
  const done = fcp => resolve({drawn, paths, fcp});
  new PerformanceObserver(list => {
    const e = list.getEntries().find(e => e.name === 'first-contentful-paint');
    if (e) done(e.startTime);
  }).observe({type: 'paint', buffered: true});
  setTimeout(() => done(null), 5000);
})))"""


@dataclass
class Result:
    variant: str
    build_s: float
    size: int
    fcp_ms: float = float("nan")
    drawn_ms: float = float("nan")
    paths: int = 0


def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best = float("inf")
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def stock_folium(shapes: gpd.GeoSeries, names: list[str], layers: list[ClassifiedLayer]) -> str:
    """Stock folium: one GeoJson per layer, styled by a Python style_function, in a LayerControl."""
    frame = gpd.GeoDataFrame({"id": shapes.index.astype(str), "name": names}, geometry=shapes.array, crs=shapes.crs)
    present = frame.geometry.notna().to_numpy() & ~frame.geometry.is_empty.to_numpy()
    fmap = folium.Map(location=[39, -96], zoom_start=4, tiles=None)
    for n, layer in enumerate(layers):
        fill = {
            i: (layer.legend[c].colour if c >= 0 else NO_DATA_FILL)
            for i, c in zip(frame["id"], layer.classes, strict=True)
        }
        data = frame.assign(value=[str(v) for v in layer.values])[present]

        def style(feature: dict, fill: dict = fill) -> dict:
            return {
                "fillColor": fill[feature["properties"]["id"]],
                "color": "#ffffff",
                "weight": 0.5,
                "fillOpacity": 0.9,
            }

        folium.GeoJson(
            data,
            name=layer.spec.title,
            style_function=style,
            tooltip=folium.GeoJsonTooltip(fields=["name", "value"], aliases=["", layer.spec.title]),
            overlay=False,
            show=n == 0,
        ).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    return str(fmap.get_root().render())


def measure_paint(browser: Any, path: Path, repeat: int) -> tuple[float, float, int]:
    fcps, drawn, paths = [], [], 0
    for _ in range(repeat):
        page = browser.new_page(viewport={"width": 1280, "height": 800})

        def route(r: Any) -> None:
            url = r.request.url
            if url.startswith("file:") or url.startswith("data:"):
                r.continue_()
            elif url.endswith("/leaflet.js"):
                r.fulfill(body=leaflet_js(), content_type="application/javascript")
            elif url.endswith("/leaflet.css"):
                r.fulfill(body=leaflet_css(), content_type="text/css")
            else:
                r.abort()

        page.route("**/*", route)
        page.goto(path.resolve().as_uri(), wait_until="load", timeout=300_000)
        out = page.evaluate(PAINTED)
        fcps.append(out["fcp"] if out["fcp"] is not None else float("nan"))
        drawn.append(out["drawn"])
        paths = out["paths"]
        page.close()
    return statistics.median(fcps), statistics.median(drawn), paths


def bench_set(
    rs: Any, inputs: MapInputs, prepare_s: float, repeat: int, browser: Any | None, workdir: Path
) -> list[Result]:
    results = []
    build, page = _best(lambda: interactive_map(inputs, offline=True).html(), repeat)
    ours = workdir / f"{rs.name}-ideopolis.html"
    ours.write_text(page, encoding="utf-8")
    # Preparing the inputs (repair, simplification, classification) is part of our build.
    results.append(Result("ideopolis", build + prepare_s, ours.stat().st_size))

    raw_shapes = rs.geometry.geometry.reindex(pd.Index(inputs.ids))
    for variant, shapes in (("folium (raw)", raw_shapes), ("folium (simplified)", inputs.prepared.shapes)):
        build, page = _best(lambda shapes=shapes: stock_folium(shapes, inputs.names, inputs.layers), repeat)
        target = workdir / f"{rs.name}-{variant.split()[1].strip('()')}.html"
        target.write_text(page, encoding="utf-8")
        results.append(Result(variant, build, target.stat().st_size))

    if browser is not None:
        files = [ours, *(workdir / f"{rs.name}-{v}.html" for v in ("raw", "simplified"))]
        for result, path in zip(results, files, strict=True):
            result.fcp_ms, result.drawn_ms, result.paths = measure_paint(browser, path, repeat)
    return results


def main() -> None:
    from ideopolis.index.scoring import score_region_set
    from ideopolis.regions.datasets import bundled_names
    from ideopolis.regions.model import load_region_set

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", nargs="*", help="region sets (names or folders); default: every bundled set")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium paint timings")
    args = parser.parse_args()

    browser = None
    playwright = None
    if not args.no_browser and Path(CHROMIUM).exists():
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

    header = f"{'region set':<12}{'variant':<21}{'build s':>8}{'HTML MB':>9}{'FCP ms':>8}{'drawn ms':>10}{'paths':>7}"
    lines = [header]
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.regions or bundled_names():
            rs = load_region_set(name)
            run = score_region_set(rs)
            prepare_s, inputs = _best(
                lambda rs=rs, run=run: region_set_map_inputs(rs, run.scores, ranks=run.ranks, typology=run.typology),
                args.repeat,
            )
            results = bench_set(rs, inputs, prepare_s, args.repeat, browser, Path(tmp))
            ours = results[0]
            for r in results:
                lines.append(
                    f"{rs.name:<12}{r.variant:<21}{r.build_s:>8.2f}{r.size / 1e6:>9.2f}"
                    f"{r.fcp_ms:>8.0f}{r.drawn_ms:>10.0f}{r.paths:>7}"
                )
            for r in results[1:]:
                lines.append(
                    f"{'':<12}{'  ratio ' + r.variant.split()[1]:<21}{r.build_s / ours.build_s:>8.1f}"
                    f"{r.size / ours.size:>9.1f}{r.fcp_ms / ours.fcp_ms:>8.1f}{r.drawn_ms / ours.drawn_ms:>10.1f}"
                )
            print("\n".join(lines[-5:]), flush=True)
    if browser is not None:
        browser.close()
    if playwright is not None:
        playwright.stop()
    print()
    print("\n".join(lines))
    print(
        f"build: best of {args.repeat} (ideopolis includes simplification and classification); "
        f"FCP, drawn: median of {args.repeat} in headless Chromium, ms from navigation start; "
        "ratio = folium / ideopolis; paths = SVG paths in the page (folium draws the shown layer)"
    )


if __name__ == "__main__":
    main()
