"""Benchmark the uncertainty analysis against a loop of full runs (COINr's way), on us-counties and 85,000 x 20.

Run on demand when the machine is quiet (not a test):

    uv run python benchmarks/bench_uncertainty.py [--draws 1000] [--full-runs 20] [--repeat 3]

For each set it prints the load average, then:

- the engine: 1,000 draws over weights x normalisation x aggregation (the issue's target), from a scored run to
  every region's rank interval (building the normalised tables, the draws, re-aggregation, ranking, statistics),
  best of ``--repeat``, wall time and the process's CPU time (all threads; it depends much less than the wall
  time on what else runs on the machine); and the same with every input that applies (imputation, treatment,
  balance weight, exposure measure too);
- a loop of full pipeline runs of the same draws (what COINr's ``get_sensitivity`` does: regenerate the whole
  index per draw): ``--full-runs`` of them timed, per draw, extrapolated to the draws, and the ratio;
- the peak memory of the engine run (tracemalloc), beside the size of the ``regions x draws`` rank matrix it keeps
  and of the ``draws x regions x indicators`` array it never builds;
- the first-level aggregation as the engine writes it (one einsum, summing the indicators in order: the same bits
  for any chunking) against one BLAS matrix product (whose bits depend on the block shape), for the record.
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

from bench_index import synthetic
from ideopolis.index.run import IndexRun
from ideopolis.index.scoring import score_region_set
from ideopolis.index.uncertainty import analyse
from ideopolis.index.uncertainty.engine import Engine, uniform_design
from ideopolis.index.uncertainty.spec import spec_from_mapping
from ideopolis.regions.model import load_region_set

TARGETS = {"us-counties": 2.0, "synthetic 85,000 x 20": 30.0}
#: Normalisation alternatives of the synthetic set: its log-normal indicators reach z = -184 untreated, so the z-score
#: alternative needs a mean of 200 to stay positive under a geometric mean (the engine refuses less, naming it).
SYNTHETIC_NORMALISE = [{"method": "minmax", "l_u": [1, 100]}, {"method": "zscore", "m_sd": [200, 1]}]
CORE = ["weights", "normalise", "aggregate"]


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The best wall time of ``repeat`` calls, and the last call's result."""
    t, _, out = best_with_cpu(fn, repeat)
    return t, out


def best_with_cpu(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """The best wall time of ``repeat`` calls, that call's CPU time (every thread of the process), the result.

    The CPU time barely depends on what else runs on the machine, the wall time does: on a quiet machine the wall
    time lies between the CPU time divided by the CPUs used and the CPU time.
    """
    runs, out = [], None
    for _ in range(repeat):
        c0, t0 = time.process_time(), time.perf_counter()
        out = fn()
        runs.append((time.perf_counter() - t0, time.process_time() - c0))
    wall, cpu = min(runs)
    return wall, cpu, out


def full_runs(run: IndexRun, spec: Any, n: int, draws: int) -> tuple[float, float]:
    """Wall and CPU seconds per draw of a full pipeline run of the engine's own draws (denominate ... lens)."""
    engine = Engine(run, spec)
    d = engine.decode(uniform_design(draws, engine.dims, 12345))
    c0, t0 = time.process_time(), time.perf_counter()
    for i in range(n):
        config = engine.draw_config(d, i)
        IndexRun(
            run.datasets["raw"], run.framework, groups=run.groups, denominators=run.denominators, config=config
        ).run()
    return (time.perf_counter() - t0) / n, (time.process_time() - c0) / n


def first_level(run: IndexRun, draws: int) -> tuple[float, float]:
    """Seconds for the pillar numerators of ``draws`` weight vectors: the engine's einsum vs one BLAS product."""
    x = np.nan_to_num(run.datasets["normalised"][run.framework.indicators].to_numpy(dtype=float))
    w = np.random.default_rng(1).random((draws, x.shape[1]))
    xt = np.ascontiguousarray(x.T)
    t_sum, _ = best(lambda: np.einsum("ck,kr->cr", w, xt), 3)
    t_blas, _ = best(lambda: w @ xt, 3)
    return t_sum, t_blas


def bench(name: str, rs: Any, args: argparse.Namespace) -> None:
    print(f"\n== {name}  ({load()})")
    run = score_region_set(rs)
    regions, k = len(run.scores), len(run.framework.indicators)
    print(f"regions scored {regions:,}, indicators {k}, aggregates {len(run.framework.aggregates)}")
    for label, vary in (("weights x normalisation x aggregation", CORE), ("every input that applies", None)):
        section: dict[str, Any] = {"draws": args.draws}
        if name.startswith("synthetic"):
            section["normalise"] = SYNTHETIC_NORMALISE
        if vary is not None:
            section["vary"] = vary
        spec = spec_from_mapping(section)
        t, cpu, result = best_with_cpu(lambda spec=spec: analyse(run, spec), args.repeat)
        per_full, per_full_cpu = full_runs(run, spec, args.full_runs, args.draws)
        loop = per_full * args.draws
        target = TARGETS.get(name)
        verdict = (
            ""
            if vary is None or target is None
            else f"  (target <= {target:g} s: {'met' if t <= target else 'MISSED'})"
        )
        print(f"{label}: varied {', '.join(result.varied())}")
        print(f"  engine, {args.draws:,} draws: {t:.2f} s wall, {cpu:.2f} s CPU{verdict}")
        print(
            f"  loop of full runs: {per_full * 1000:.0f} ms a draw ({args.full_runs} timed) -> {loop:.1f} s for "
            f"{args.draws:,} draws; ratio {loop / t:.0f}x (CPU time: {per_full_cpu * args.draws:.1f} s, "
            f"ratio {per_full_cpu * args.draws / cpu:.0f}x)"
        )
    extra = {"normalise": SYNTHETIC_NORMALISE} if name.startswith("synthetic") else {}
    spec = spec_from_mapping({"draws": args.draws, "vary": CORE, **extra})
    tracemalloc.start()
    analyse(run, spec)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    ranks = regions * args.draws * 4
    avoided = args.draws * regions * k * 8
    print(
        f"  peak memory {peak / 1e6:.0f} MB (rank matrix {ranks / 1e6:.0f} MB; a draws x regions x indicators "
        f"array would be {avoided / 1e9:.1f} GB)"
    )
    t_sum, t_blas = first_level(run, args.draws)
    print(
        f"  first level, {args.draws:,} weight vectors: the engine's einsum (sums in order) {t_sum:.3f} s, one BLAS "
        f"product {t_blas:.3f} s (ratio {t_sum / t_blas:.1f}x)"
    )
    print(f"  ({load()})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--full-runs", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=["us-counties", "synthetic"], default=None)
    args = parser.parse_args()
    print(f"bench_uncertainty: {os.cpu_count()} CPUs; {load()}")
    if args.only in (None, "us-counties"):
        bench("us-counties", load_region_set("us-counties"), args)
    if args.only in (None, "synthetic"):
        args.full_runs = min(args.full_runs, 3)
        bench("synthetic 85,000 x 20", synthetic(85_000, 20), args)


if __name__ == "__main__":
    main()
