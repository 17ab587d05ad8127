"""How long does loading (and validating) a bundled region set take, against the plain read of its files?

Run: ``uv run python benchmarks/bench_load_regions.py`` (target: under 0.5 s per set).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

import geopandas as gpd
import pandas as pd

from ideopolis.regions.datasets import bundled_names, locate
from ideopolis.regions.model import load_region_set

REPEAT = 5


def _best(fn: object) -> float:
    times = []
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return min(times)


def _plain(name: str) -> None:
    folder = locate(name)
    gpd.read_parquet(folder / "geometry.parquet")
    pd.read_csv(folder / "indicators.csv", dtype=str)


def main() -> None:
    print(f"{'region set':<14}{'regions':>9}{'load (s)':>10}{'plain (s)':>11}{'ratio':>8}{'cold CLI (s)':>14}")
    for name in bundled_names():
        n = len(load_region_set(name).ids)
        ours = _best(lambda name=name: load_region_set(name))
        plain = _best(lambda name=name: _plain(name))
        cold = []
        for _ in range(3):
            t0 = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-c",
                    f"from ideopolis.regions.model import load_region_set; load_region_set({name!r})",
                ],
                check=True,
            )
            cold.append(time.perf_counter() - t0)
        print(f"{name:<14}{n:>9,}{ours:>10.3f}{plain:>11.3f}{ours / plain:>8.1f}{statistics.median(cold):>14.2f}")
    print("load = load_region_set (read + validate + join), best of", REPEAT, "; plain = read_parquet + read_csv")
    print("cold CLI = a fresh Python process importing ideopolis and loading the set (median of 3)")


if __name__ == "__main__":
    main()
