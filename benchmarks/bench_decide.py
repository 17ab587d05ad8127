"""Benchmark the decision tools against the plain way of doing the same thing, in the same process.

Run on demand (not a test):  uv run python benchmarks/bench_decide.py [--regions us-metros]

Prints, for the set given:

- what would move us: re-runs and seconds per indicator of the regula falsi search (Illinois) against plain
  bisection to the same tolerance, and the ratio; both must find the same value to the tolerance;
- ``--where``: the parsed filter against pandas boolean indexing written by hand (same rows);
- peers: the vectorised distance against a Python loop over candidates (same order);
- the workbook writer (write_xlsx, formula guard and text cells) against pandas ``to_excel`` with openpyxl
  (no guard), on the scores table.

Report the machine's load (``uptime``) with the figures: the ratios are what carry over between machines.
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import ideopolis as ideo
from ideopolis.decide import whatif as w
from ideopolis.decide.peers import nearest


def best_of(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    best, out = math.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def bisection(index: Any, rid: str, code: str, x0: float, best: float, target: int) -> tuple[float, int]:
    """Plain bisection on the rank predicate, to the same tolerance as the module's search."""
    lo, hi, runs = x0, best, 0
    span = abs(best - x0)
    while abs(hi - lo) > w.TOLERANCE * span:
        mid = (lo + hi) / 2
        rank, _ = w._standing_at(index, rid, code, mid, target)
        runs += 1
        if rank <= target:
            hi = mid
        else:
            lo = mid
    return hi, runs


def bench_move(run: Any, region: str, places: int) -> None:
    index = run.index
    rid = run.find_region(region)
    root = index.framework.root
    target = int(index.ranks.at[rid, root]) - places
    raw = index.datasets["raw"]
    rows = []
    for code in index.framework.indicators:
        x0 = float(raw.at[rid, code])
        up = w._improving_direction(index, code)
        values = raw.loc[index.scores.index, code].dropna()
        if np.isnan(x0):
            continue
        best = float(values.max() if up > 0 else values.min())
        if (best - x0) * up <= 0:
            continue
        standing = w._standing_at(index, rid, code, best, target)
        if standing[0] > target:
            continue
        t = time.perf_counter()
        value, _, runs = w._threshold(index, rid, code, x0, best, target, standing)
        t_rf = time.perf_counter() - t
        t = time.perf_counter()
        plain, plain_runs = bisection(index, rid, code, x0, best, target)
        t_bi = time.perf_counter() - t
        assert abs(value - plain) <= 2 * w.TOLERANCE * abs(best - x0), (code, value, plain)
        rows.append((code, runs, plain_runs, t_rf, t_bi))
    frame = pd.DataFrame(rows, columns=["indicator", "runs", "runs_bisection", "s", "s_bisection"]).set_index(
        "indicator"
    )
    print(frame.round(3).to_string())
    total, total_bi = frame["s"].sum(), frame["s_bisection"].sum()
    print(
        f"what would move {region} ({places} places): {frame['runs'].sum()} re-runs in {total:.2f} s against "
        f"{frame['runs_bisection'].sum()} in {total_bi:.2f} s by bisection: {total_bi / total:.1f}x fewer seconds"
    )


def bench_where(run: Any) -> None:
    table = run.attributes()
    expr = "population >= 250000 and type == 'metro'" if "type" in table else "population >= 250000 and eu27"
    from ideopolis.decide.where import parse

    p = parse(expr)
    t_ours, ours = best_of(lambda: p.evaluate(table), 20)
    if "type" in table:
        t_plain, plain = best_of(lambda: (table["population"] >= 250000) & (table["type"] == "metro"), 20)
    else:
        t_plain, plain = best_of(lambda: (table["population"] >= 250000) & table["eu27"], 20)
    assert ours.tolist() == plain.fillna(False).tolist()
    print(f"--where {expr!r}: {t_ours * 1e3:.2f} ms against {t_plain * 1e3:.2f} ms by hand ({t_ours / t_plain:.1f}x)")


def bench_peers(run: Any, region: str) -> None:
    profiles = run.index.indicator_scores
    rid = run.find_region(region)
    t_vec, (distances, _) = best_of(lambda: nearest(profiles, rid), 5)

    def loop() -> pd.Series:
        x = profiles.loc[rid]
        out = {}
        for other, row in profiles.iterrows():
            if other == rid:
                continue
            both = x.notna() & row.notna()
            if both.sum() < 0.5 * x.notna().sum():
                continue
            out[other] = float(np.sqrt(((row[both] - x[both]) ** 2).mean()))
        return pd.Series(out).sort_values(kind="stable")

    t_loop, plain = best_of(loop, 2)
    assert list(distances.index[:20]) == list(plain.index[:20])
    print(f"peers of {region}: {t_vec * 1e3:.1f} ms against {t_loop * 1e3:.1f} ms by a loop ({t_loop / t_vec:.0f}x)")


def bench_xlsx(run: Any) -> None:
    from ideopolis.output import write_xlsx

    table = run.table()
    with tempfile.TemporaryDirectory() as folder:
        ours_path, plain_path = Path(folder) / "ours.xlsx", Path(folder) / "plain.xlsx"
        t_ours, _ = best_of(lambda: write_xlsx({"scores": table}, ours_path), 3)
        t_plain, _ = best_of(lambda: table.to_excel(plain_path, engine="openpyxl"), 3)
        size, plain_size = ours_path.stat().st_size, plain_path.stat().st_size
    print(
        f"workbook of {table.shape[0]:,} x {table.shape[1]} cells: {t_ours:.2f} s ({size / 1e3:.0f} kB) against "
        f"pandas to_excel {t_plain:.2f} s ({plain_size / 1e3:.0f} kB): {t_ours / t_plain:.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--regions", default="us-metros")
    parser.add_argument("--region", default=None)
    parser.add_argument("--places", type=int, default=10)
    args = parser.parse_args()
    region = args.region or {"us-metros": "Des Moines", "us-counties": "Polk County, IA", "eu-nuts2": "Lombardia"}.get(
        args.regions, ""
    )
    print(f"load: {os.getloadavg()[0]:.2f}")
    run = ideo.score(args.regions)
    bench_where(run)
    bench_peers(run, region)
    bench_xlsx(run)
    bench_move(run, region, args.places)
    print(f"load: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
