"""Benchmark a whole index run: us-counties-sized (about 3,200 x 20) and 100,000 x 20 synthetic regions.

Run on demand (not a test):  uv run python benchmarks/bench_index.py [--regions us-counties]

Prints, per size: the best of several in-process runs of the whole pipeline (denominate, impute,
screen, treat, normalise, weight, aggregate, lens), a plain-pandas equivalent of the same steps in the
same process and the ratio, and the peak memory of one run (tracemalloc) per byte of input data, to
show memory grows in proportion to regions x indicators.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ideopolis.index.framework import default_framework
from ideopolis.index.scoring import score_region_set
from ideopolis.regions.metadata import IndicatorMeta

PILLARS = ("talent", "capital", "knowledge_jobs", "import_people", "export_jobs")
TARGETS = {"us-counties": 0.2, "100k": 3.0}


@dataclass
class Synthetic:
    """What ``score_region_set`` reads from a region set, built in memory."""

    name: str
    data: pd.DataFrame
    groups: pd.DataFrame
    names: pd.Series
    indicators: dict[str, IndicatorMeta]
    manifest: dict[str, Any] = field(default_factory=dict)


def synthetic(n: int, k: int = 20, seed: int = 1) -> Synthetic:
    """``n`` regions x ``k`` indicators spread over the five default pillars, skewed, 2 % missing."""
    rng = np.random.default_rng(seed)
    ids = pd.Index([f"{i:06d}" for i in range(n)], name="id")
    cols = {f"ind{j:02d}": rng.lognormal(1.0, 0.8, n) for j in range(k)}
    data = pd.DataFrame(cols, index=ids)
    data = data.mask(rng.random(data.shape) < 0.02)
    data["population"] = rng.integers(1_000, 5_000_000, n).astype(float)
    metas = {
        c: IndicatorMeta(
            c,
            c,
            "",
            "level",
            pillar=PILLARS[j % 5],
            direction=1 if j % 7 else -1,
            denominate_by="population" if j == 0 else None,
        )
        for j, c in enumerate(cols)
    }
    metas["population"] = IndicatorMeta("population", "Population", "persons", "count")
    groups = pd.DataFrame({"state": [f"S{i % 50:02d}" for i in range(n)]}, index=ids)
    names = pd.Series([f"Region {i}" for i in range(n)], index=ids)
    return Synthetic(f"synthetic-{n}", data, groups, names, metas)


def plain_pandas(rs: Any) -> pd.Series:
    """The same default pipeline written directly in pandas (no registry, no run object, no log)."""
    fw = default_framework(rs.indicators).framework
    inds = fw.indicators
    df = rs.data[inds].copy()
    for c in inds:  # denominate
        den = rs.indicators[c].denominate_by
        if den:
            df[c] = df[c] / rs.data[den]
    df = df[df.notna().mean(axis=1) >= 2 / 3]  # screen
    for c in inds:  # treat: COINr rule
        x = df[c]
        fails = lambda s: abs(s.skew()) >= 2 and s.kurt() >= 3.5  # noqa: E731
        if not fails(x):
            continue
        w = x.copy()
        nwin = 0
        while fails(w) and nwin < 5:
            if w.skew() >= 0:
                top = w.max()
                hit = w == top
                w[hit] = w[~hit].max()
            else:
                bot = w.min()
                hit = w == bot
                w[hit] = w[~hit].min()
            nwin = int(((w != x) & x.notna()).sum())  # NaN != NaN: count changed values only
        df[c] = np.log(x - x.min() + 0.01 * (x.max() - x.min())) if fails(w) else w
    dirs = fw.directions
    df = df * dirs[inds]  # normalise: min-max 0-100 with directions
    df = (df - df.min()) / (df.max() - df.min()) * 100
    scores = df
    for agg in fw.aggregates:  # aggregate: weighted mean over available children
        kids = list(fw.children(agg))
        vals = scores[kids].copy()
        for k in kids:
            if not fw.node(k).indicator and fw.node(k).direction == -1:
                vals[k] = 100 - vals[k]
        w = fw.weights[kids]
        ww = vals.notna().mul(w, axis=1)
        scores = scores.assign(**{agg: vals.mul(w, axis=1).sum(axis=1) / ww.sum(axis=1)})
    return scores[fw.root]


def best_of(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def peak_memory(fn: Callable[[], Any]) -> int:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def bench(label: str, rs: Any, repeat: int) -> None:
    n, k = len(rs.data), len(rs.data.columns)
    score_region_set(rs)  # warm up imports and caches
    t_engine = best_of(lambda: score_region_set(rs), repeat)
    t_plain = best_of(lambda: plain_pandas(rs), repeat)
    run = score_region_set(rs)
    check = plain_pandas(rs).reindex(run.scores.index)
    agree = np.nanmax(np.abs(check.to_numpy() - run.scores["ideopolis_index"].to_numpy()))
    peak = peak_memory(lambda: score_region_set(rs))
    data_bytes = rs.data.memory_usage(index=False).sum()
    target = TARGETS.get(label)
    verdict = "" if target is None else f" (target < {target:.1f} s: {'met' if t_engine < target else 'MISSED'})"
    print(f"{label}: {n:,} regions x {k} columns")
    print(f"  engine, whole run      {t_engine * 1000:8.1f} ms{verdict}")
    print(f"  plain pandas, same     {t_plain * 1000:8.1f} ms   ratio engine/plain = {t_engine / t_plain:.2f}")
    print(f"  max |index difference| {agree:.2e}")
    print(f"  peak memory            {peak / 1e6:8.1f} MB = {peak / data_bytes:.1f} x the input data")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--regions", default="us-counties", help="bundled set to time (synthetic if absent)")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    try:
        from ideopolis.regions.model import load_region_set

        rs: Any = load_region_set(args.regions)
        label = args.regions
    except Exception as exc:
        print(f"({args.regions} not available: {exc}; using a synthetic set of the same size)")
        rs = synthetic(3_222)
        label = "us-counties"
    bench(label, rs, args.repeat)
    bench("10k", synthetic(10_000), args.repeat)
    bench("100k", synthetic(100_000), max(2, args.repeat // 2))


if __name__ == "__main__":
    main()
