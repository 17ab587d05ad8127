"""The Dask engine against the local one: wall and CPU seconds of the same commands, and the same output bytes.

Run: ``uv run python benchmarks/bench_dask.py [--sets us-counties,/tmp/sets/dask/synthetic-85000] [--repeat 2]
[--draws 200]``

For every set, ``hotspots`` (the sequential Gi* test of the index, 999 permutations, FDR) and ``uncertainty``
(``--draws`` draws, no Sobol design) run as cold commands, alternating ``--engine local`` and ``--engine dask``
(a LocalCluster of one worker process per core, one thread each, started and closed by the command). Printed:
min and median wall seconds, min CPU seconds (the command and its worker processes: ``wait4`` counts the
workers the command reaped), the peak resident memory of the largest process, the ratio dask / local of the
minima, whether the two engines wrote byte-identical tables, and the 1-minute load before each pair (the
machine is shared). Make the synthetic set first: ``uv run python benchmarks/make_scale_sets.py --n 85000 --out
/tmp/sets/dask``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_SETS = "us-counties,/tmp/sets/dask/synthetic-85000"


def _run(args: list[str]) -> tuple[float, float, int]:
    """Run a command; wall seconds, CPU seconds (user + system, reaped descendants included), peak RSS (MB)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {err[-500:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


def _commands(region_set: str, out: Path, draws: int) -> dict[str, list[str]]:
    me = [sys.executable, "-m", "ideopolis"]
    return {
        "hotspots": [*me, "hotspots", "--regions", region_set, "--top", "1", "--out", str(out / "hot.csv")],
        "uncertainty": [
            *me, "uncertainty", "--regions", region_set, "--draws", str(draws), "--sobol", "0", "--top", "1",
            "--out", str(out / "unc.csv"),
        ],
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=DEFAULT_SETS, help="comma-separated region sets (names or folders)")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each command and engine")
    parser.add_argument("--draws", type=int, default=200, help="uncertainty draws")
    args = parser.parse_args()
    print(f"cores: {len(os.sched_getaffinity(0))}; repeat {args.repeat}; uncertainty draws {args.draws}")
    header = (
        f"{'set':<18} {'command':<12} {'engine':<6} {'wall min/med s':>15} {'CPU min s':>10} {'RSS MB':>7} "
        f"{'dask/local':>10} {'same bytes':>10}  load"
    )
    print(header)
    print("-" * len(header))
    for region_set in args.sets.split(","):
        name = Path(region_set).name
        with tempfile.TemporaryDirectory() as tmp:
            dirs = {e: Path(tmp) / e for e in ("local", "dask")}
            for d in dirs.values():
                d.mkdir()
            for command in ("hotspots", "uncertainty"):
                runs: dict[str, list[tuple[float, float, int]]] = {"local": [], "dask": []}
                loads = []
                for _ in range(args.repeat):
                    loads.append(os.getloadavg()[0])
                    for engine, d in dirs.items():
                        cmd = _commands(region_set, d, args.draws)[command]
                        runs[engine].append(_run([*cmd, "--engine", engine]))
                out = "hot.csv" if command == "hotspots" else "unc.csv"
                same = (dirs["local"] / out).read_bytes() == (dirs["dask"] / out).read_bytes()
                local_cpu = min(r[1] for r in runs["local"])
                local_wall = min(r[0] for r in runs["local"])
                for engine in ("local", "dask"):
                    walls = [r[0] for r in runs[engine]]
                    cpu = min(r[1] for r in runs[engine])
                    rss = max(r[2] for r in runs[engine])
                    ratio = f"{min(walls) / local_wall:4.2f}w {cpu / local_cpu:4.2f}c" if engine == "dask" else ""
                    print(
                        f"{name:<18} {command:<12} {engine:<6} {min(walls):6.1f} / {statistics.median(walls):6.1f} "
                        f"{cpu:10.1f} {rss:7d} {ratio:>10} {('yes' if same else 'NO') if engine == 'dask' else '':>10}"
                        f"  {', '.join(f'{x:.2f}' for x in loads) if engine == 'local' else ''}"
                    )


if __name__ == "__main__":
    main()
