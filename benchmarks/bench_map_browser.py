"""The interactive map at scale in headless Chromium: build time, page size, first paint, layer switch, frame rate.

Issue 16 item 4 asks for a map of 85,000 regions that builds in <= 15 CPU seconds, weighs <= 10 MB, paints
within 6 s, switches layers within 0.5 s and pans smoothly, and a map of 300,000 regions that opens within
20 s. :func:`measure` opens one page and measures it the way a reader meets it:

- ``first_paint_s``: from the start of navigation (``performance.now()`` is 0 there) to the second animation
  frame after the page script has built the map (parsing, inflating and decoding the payload, drawing);
- ``layer_switch_s``: the median over three switches of ``setLayer`` up to the second animation frame after
  it (the recoloured map is on screen);
- ``fps_pan``: animation frames per second while the mouse drags the map for 2 s (40 moves) and then turns
  the wheel to zoom in and out; Chromium calls ``requestAnimationFrame`` once per frame it can show, so
  the count is the frame rate the reader sees (60 at most);
- ``search_first_s`` and ``search_next_s``: a near-miss search (a misspelt name, so every name is compared)
  right after the first paint, and the median of three more; the page folds the names while it is idle after
  its first paint, so the first query may have to finish that work;
- ``page_mb``: the file's size in MB (10^6 bytes).

``benchmarks/bench_scale.py`` imports :func:`measure` for its map stage. Run on its own
(``uv run python benchmarks/bench_map_browser.py [--sizes 10000 85000 300000] [--sets DIR]``) it builds each
synthetic set (``benchmarks/make_scale_sets.py``) with the page's default renderer (canvas above 5,000
regions) and with ``--renderer svg`` (one SVG path per region, the page before issue 16), measures both and
prints a table with the ratios SVG / canvas where the SVG page finishes within the time limit. Build CPU
seconds and peak memory are a child process's (see :func:`build`; the hotspot test is left out and measured by
``bench_scale.py``). Run it when the 1-minute load is below ~1.5.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("IDEOPOLIS_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
#: A page that has not painted after this many seconds counts as not opening.
TIMEOUT_S = 180.0

#: Misspelt names (near misses: every name of the set is compared) for the search timings.
SEARCHES = ("Springfeld", "Oakvile Hollw", "Greenburg", "Riverdael")

_TWO_FRAMES = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))"


def _ready(page: Any, timeout_s: float) -> None:
    page.wait_for_function("window.ideopolis !== undefined", timeout=timeout_s * 1000, polling=100)


def measure(page: Path, *, size: tuple[int, int] = (1366, 800), timeout_s: float = TIMEOUT_S) -> dict[str, Any]:
    """Open a map page in headless Chromium and measure paint, layer switch, frame rate and size.

    Parameters
    ----------
    page : Path
        An offline map page (``ideopolis map --offline``).
    size : (int, int)
        The viewport, default a laptop's 1366 x 800.
    timeout_s : float
        Give up on a page that has not built its map after this many seconds.

    Returns
    -------
    dict
        ``first_paint_s``, ``layer_switch_s``, ``search_first_s``, ``search_next_s``, ``fps_pan``, ``page_mb``,
        ``renderer`` (``svg`` or ``canvas``), ``regions``; the timings are ``None`` (and ``error`` says why)
        when the page did not open within ``timeout_s``.
    """
    from playwright.sync_api import sync_playwright

    out: dict[str, Any] = {"page_mb": round(page.stat().st_size / 1e6, 2)}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            tab = browser.new_page(viewport={"width": size[0], "height": size[1]})
            tab.route(
                "**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort()
            )
            tab.set_default_timeout(timeout_s * 1000)
            try:
                tab.goto(page.resolve().as_uri(), wait_until="commit", timeout=timeout_s * 1000)
                _ready(tab, timeout_s)
            except Exception as exc:
                out.update(first_paint_s=None, layer_switch_s=None, fps_pan=None, error=type(exc).__name__)
                return out
            out["first_paint_s"] = round(tab.evaluate(_TWO_FRAMES) / 1000, 2)
            out["renderer"] = tab.evaluate("window.ideopolis.renderer")
            out["regions"] = tab.evaluate("Object.keys(window.ideopolis.boxes).length")
            keys = tab.evaluate("Array.from(document.querySelectorAll('.ido-layer-select option')).map(o => o.value)")
            switches = []
            for key in (keys[1:4] if len(keys) > 1 else keys) + keys[:1]:
                took = tab.evaluate(
                    """async (key) => {
                        const t = performance.now();
                        window.ideopolis.setLayer(key);
                        await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
                        return performance.now() - t;
                    }""",
                    key,
                )
                switches.append(took / 1000)
            switches.sort()
            out["layer_switch_s"] = round(switches[len(switches) // 2], 3)
            searches = [
                tab.evaluate(
                    "(q) => { const t = performance.now(); window.ideopolis.suggest(q, 8); return performance.now() - t; }",
                    query,
                )
                / 1000
                for query in SEARCHES
            ]
            out["search_first_s"] = round(searches[0], 3)
            out["search_next_s"] = round(sorted(searches[1:])[1], 3)
            out["fps_pan"] = round(_fps(tab, size), 1)
        finally:
            browser.close()
    return out


def _fps(tab: Any, size: tuple[int, int]) -> float:
    """Frames per second while the mouse drags the map for 2 s and the wheel zooms in and out."""
    tab.evaluate(
        """() => { window.__frames = 0; window.__counting = true;
            const tick = () => { if (!window.__counting) return; window.__frames++; requestAnimationFrame(tick); };
            requestAnimationFrame(tick); }"""
    )
    box = tab.evaluate(
        "(() => { const r = window.ideopolis.map.getContainer().getBoundingClientRect(); "
        "return [r.left, r.top, r.width, r.height]; })()"
    )
    x0, y0 = box[0] + box[2] / 2, box[1] + box[3] / 2
    start = time.perf_counter()
    tab.mouse.move(x0, y0)
    tab.mouse.down()
    for k in range(1, 41):
        tab.mouse.move(x0 - 6 * k, y0 - 3 * k)
        time.sleep(0.05)
    tab.mouse.up()
    for delta in (-300, -300, 300, 300):
        tab.mouse.wheel(0, delta)
        time.sleep(0.25)
    elapsed = time.perf_counter() - start
    frames = tab.evaluate("(() => { window.__counting = false; return window.__frames; })()")
    return float(frames) / elapsed


_BUILD = """
import json, resource, sys, time
t0 = time.process_time()
import mapclassify  # noqa: F401 - imported before the clock starts, as a warm interpreter has it
import ideopolis as ideo
t1 = time.process_time()
run = ideo.score(sys.argv[1])
t2 = time.process_time()
region_map = run.map(offline=True, hotspots=False).with_renderer(sys.argv[3])
size = region_map.save(sys.argv[2])
t3 = time.process_time()
print(json.dumps({"import_cpu_s": t1 - t0, "score_cpu_s": t2 - t1, "map_cpu_s": t3 - t2, "bytes": size,
                  "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6}))
"""


def build(regions: Path, out: Path, *, renderer: str = "auto") -> dict[str, Any]:
    """Build an offline page in a child process: CPU seconds of the map stage (and of the run), peak memory.

    ``map_cpu_s`` is ``Run.map`` plus writing the page (shapes prepared, classified, encoded, rendered);
    ``score_cpu_s`` loads and scores the set; imports are timed apart (``import_cpu_s``; this machine runs
    with ``PYTHONDONTWRITEBYTECODE``, so every import compiles its source).
    """
    cmd = [sys.executable, "-c", _BUILD, str(regions), str(out), renderer]
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"building {out.name} failed:\n{done.stderr}")
    got = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "map_cpu_s": round(got["map_cpu_s"], 1),
        "score_cpu_s": round(got["score_cpu_s"], 1),
        "import_cpu_s": round(got["import_cpu_s"], 1),
        "build_wall_s": round(wall, 1),
        "peak_gb": round(got["peak_gb"], 2),
    }


def main() -> None:
    """Build and measure the synthetic sets; print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 85_000, 300_000])
    parser.add_argument("--sets", type=Path, default=ROOT / "benchmarks" / "out" / "sets")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "pages")
    parser.add_argument("--no-svg", action="store_true", help="Skip the SVG pages (the plain way).")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"load {os.getloadavg()[0]:.2f}", flush=True)
    rows = []
    for n in args.sizes:
        regions = args.sets / f"synthetic-{n}"
        if not regions.exists():
            raise SystemExit(f"{regions} is missing; make it: uv run python benchmarks/make_scale_sets.py --n {n}")
        for renderer in ("auto", "svg")[: 1 if args.no_svg else 2]:
            page = args.out / f"synthetic-{n}-{renderer}.html"
            built = build(regions, page, renderer=renderer)
            measured = measure(page)
            row = {
                "n": n,
                "renderer": measured.get("renderer", renderer),
                **built,
                **measured,
                "load": round(os.getloadavg()[0], 2),
            }
            rows.append(row)
            print(row, flush=True)
    cols = ["n", "renderer", "map_cpu_s", "score_cpu_s", "peak_gb", "page_mb", "first_paint_s", "layer_switch_s"]
    cols += ["search_first_s", "search_next_s", "fps_pan", "load"]
    print("\n" + " | ".join(cols) + " | paint ratio svg/canvas")
    for row in rows:
        ratio = ""
        if row["renderer"] == "canvas":
            svg = next((r for r in rows if r["n"] == row["n"] and r["renderer"] == "svg"), None)
            if svg and svg.get("first_paint_s") and row.get("first_paint_s"):
                ratio = f"{svg['first_paint_s'] / row['first_paint_s']:.1f}x"
            elif svg:
                ratio = f"svg did not open in {TIMEOUT_S:.0f} s"
        print(" | ".join(str(row.get(c)) for c in cols) + f" | {ratio}")


if __name__ == "__main__":
    main()
