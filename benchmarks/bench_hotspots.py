"""Hotspot speed, memory and seed stability, with esda and the fixed-size test in the same run.

Run: ``uv run python benchmarks/bench_hotspots.py [--baseline PYTHON] [--sizes 100000,1000000] [--skip-esda]``

Prints, each part in fresh processes:

1. **Cold command line** on us-counties, interleaved runs (the machine is shared; min and median of wall and
   CPU seconds): ``ideopolis --help`` (the floor), ``ideopolis hotspots --regions us-counties`` (the sequential
   test), the same with ``--max-permutations 999`` (every region 999 permutations: the work of a fixed-size
   test) and, with ``--baseline PYTHON``, the same command run by another checkout's interpreter (main before
   this change): the ratio the brief bounds at 2.
2. **Seed stability**: significant regions at seeds 12345, 1, 2, 3, 4 on us-counties (local Moran, Gi*) and
   us-metros (Gi*), and the smallest agreement between two seeds; for this tree and the baseline.
3. **Scale**: synthetic lattices (:mod:`synthetic_regions`) through the whole ``hotspots`` command (load, score,
   weights, test): the fixed-size test, the sequential test from 999 and from 99 permutations; CPU seconds and
   peak memory, and esda's ``G_Local`` (999 permutations, first call of a process, import included) on the same
   queen weights.
4. **esda on us-counties**: statistics to 1e-9 and how often the calls agree, next to how often two esda runs
   agree (the noise floor).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPEAT = 5
SEEDS = (12345, 1, 2, 3, 4)
HERE = Path(__file__).resolve().parent


def _run(args: list[str]) -> tuple[float, float, int]:
    """Run a command; return wall seconds, CPU seconds of the child (user + system) and its peak memory (KB)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = _wait4(proc.pid)
    wall = time.perf_counter() - t0
    if status != 0:
        raise RuntimeError(f"{' '.join(args)} failed with status {status}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def _wait4(pid: int) -> tuple[int, int, resource.struct_rusage]:
    import os

    _, status, usage = os.wait4(pid, 0)
    return pid, os.waitstatus_to_exitcode(status), usage


def _summary(label: str, runs: list[tuple[float, float, int]]) -> str:
    walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
    return (
        f"  {label:<58} wall {min(walls):5.2f} / {statistics.median(walls):5.2f} s   "
        f"CPU {min(cpus):5.2f} / {statistics.median(cpus):5.2f} s"
    )


def cold_cli(baseline: str | None) -> None:
    me = [sys.executable, "-m", "ideopolis"]
    commands = {
        "ideopolis --help": [*me, "--help"],
        "hotspots --regions us-counties (sequential)": [*me, "hotspots", "--regions", "us-counties", "--top", "0"],
        "hotspots ... --max-permutations 999 (fixed size)": [
            *me, "hotspots", "--regions", "us-counties", "--top", "0", "--max-permutations", "999",
        ],
    }  # fmt: skip
    if baseline:
        commands["baseline: hotspots --regions us-counties"] = [
            baseline, "-m", "ideopolis", "hotspots", "--regions", "us-counties", "--top", "0",
        ]  # fmt: skip
        commands["baseline: ideopolis --help"] = [baseline, "-m", "ideopolis", "--help"]
    runs: dict[str, list[tuple[float, float, int]]] = {k: [] for k in commands}
    for _ in range(REPEAT):  # interleaved, so load from other work on the machine hits every command alike
        for label, args in commands.items():
            runs[label].append(_run(args))
    print(f"1. cold command line, {REPEAT} interleaved fresh processes each (min / median)")
    for label in commands:
        print(_summary(label, runs[label]))
    new = "hotspots --regions us-counties (sequential)"
    fixed = "hotspots ... --max-permutations 999 (fixed size)"
    ratio = statistics.median(r[1] for r in runs[new]) / statistics.median(r[1] for r in runs[fixed])
    print(f"  sequential / fixed size, median CPU: {ratio:.2f}x")
    if baseline:
        base = "baseline: hotspots --regions us-counties"
        for what, i in (("wall", 0), ("CPU", 1)):
            lo = min(r[i] for r in runs[new]) / min(r[i] for r in runs[base])
            med = statistics.median(r[i] for r in runs[new]) / statistics.median(r[i] for r in runs[base])
            print(f"  this tree / baseline, {what}: {lo:.2f}x (min), {med:.2f}x (median)   (target <= 2x)")


def _significant(python: str, regions: str, statistic: str, seed: int, folder: Path) -> list[bool]:
    out = folder / f"{regions}-{statistic}-{seed}.csv"
    args = [python, "-m", "ideopolis", "hotspots", "--regions", regions, "--statistic", statistic]
    subprocess.run([*args, "--seed", str(seed), "--top", "0", "--out", str(out)], check=True, capture_output=True)
    import pandas as pd

    cls = pd.read_csv(out, dtype={"id": str}).set_index("id")["cls"]
    untested = {"Not significant", "Fallback neighbours only", "No neighbours", "No data"}
    return [c not in untested for c in cls]


def seed_stability(baseline: str | None) -> None:
    import itertools

    print("\n2. seed stability: significant regions at seeds " + ", ".join(map(str, SEEDS)))
    trees = {"this tree": sys.executable} | ({"baseline": baseline} if baseline else {})
    with tempfile.TemporaryDirectory() as tmp:
        for regions, statistic in (
            ("us-counties", "local_moran"),
            ("us-counties", "gi_star"),
            ("us-metros", "gi_star"),
        ):
            for tree, python in trees.items():
                sets = [_significant(python, regions, statistic, s, Path(tmp)) for s in SEEDS]
                counts = [sum(s) for s in sets]
                worst = min(
                    sum(x == y for x, y in zip(a, b, strict=True)) / len(a) for a, b in itertools.combinations(sets, 2)
                )
                print(f"  {regions:<12} {statistic:<12} {tree:<10} {counts}   least agreement {worst:.2%}")


SCALE = textwrap.dedent(
    """
    import json, resource, sys, time
    t0 = time.process_time()
    import numpy as np, pandas as pd, geopandas as gpd
    from ideopolis.spatial.weights import queen_weights
    from ideopolis.spatial.hotspots import hotspots
    folder, mode = sys.argv[1], sys.argv[2]
    geo = gpd.read_parquet(folder + "/regions.parquet").set_index("id")
    values = pd.read_parquet(folder + "/indicators.parquet").set_index("id")["ba_share"]
    t1 = time.process_time(); w = queen_weights(geo.geometry); t_weights = time.process_time() - t1
    out = {"regions": w.n, "weights": t_weights}
    if mode == "esda":
        import warnings; warnings.simplefilter("ignore")
        t1 = time.process_time(); import esda; out["import"] = time.process_time() - t1
        lw = w.to_libpysal(); y = values.reindex(w.ids).to_numpy()
        t1 = time.process_time()
        esda.G_Local(y, lw, transform="B", star=True, permutations=999, seed=1, n_jobs=1, keep_simulations=False)
        out["test"] = time.process_time() - t1
    else:
        kwargs = {"fixed": dict(max_permutations=999), "seq999": {}, "seq99": dict(permutations=99)}[mode]
        t1 = time.process_time(); r = hotspots(values, w, threads=1, **kwargs); out["test"] = time.process_time() - t1
        out |= {"permutations": r.permutations_run, "undetermined": r.n_undetermined,
                "significant": int((~r.table["cls"].isin(["Not significant"])).sum())}
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))
    """
)


def scale(sizes: list[int], skip_esda: bool) -> None:
    sys.path.insert(0, str(HERE))
    from synthetic_regions import write

    print("\n3. scale: synthetic lattices (queen weights, about 8 neighbours); CPU seconds, peak memory")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            regions, indicators = write(n, Path(tmp))
            cli = [sys.executable, "-m", "ideopolis", "hotspots", "--geometry", str(regions)]
            cli += ["--indicators", str(indicators), "--id", "id", "--top", "0"]
            for label, extra in (
                ("whole command, fixed size (999 each)", ["--max-permutations", "999"]),
                ("whole command, sequential from 999", []),
                ("whole command, sequential from 99", ["--permutations", "99"]),
            ):
                wall, cpu, peak = _run([*cli, *extra])
                print(f"  {n:>9,} {label:<42} CPU {cpu:7.1f} s  wall {wall:7.1f} s  peak {peak / 1024:6,.0f} MB")
            for mode in ("fixed", "seq999", "seq99") + (() if skip_esda else ("esda",)):
                got = subprocess.run(
                    [sys.executable, "-c", SCALE, tmp, mode], check=True, capture_output=True, text=True
                )
                r = json.loads(got.stdout.strip().splitlines()[-1])
                extra = (
                    f"import {r['import']:.1f} s + "
                    if mode == "esda"
                    else f"{r['permutations']:,} permutations, {r['significant']:,} significant, "
                    f"{r['undetermined']:,} undetermined; "
                )
                print(
                    f"  {r['regions']:>9,} ba_share Gi*, {mode:<7} weights {r['weights']:5.1f} s, test "
                    f"{r['test']:7.1f} s CPU ({extra}peak {r['peak_mb']:,.0f} MB)"
                )


ESDA = textwrap.dedent(
    """
    import json, time, warnings, itertools
    import numpy as np
    from ideopolis.regions.model import load_region_set
    from ideopolis.spatial.weights import queen_weights
    from ideopolis.spatial.hotspots import hotspots
    rs = load_region_set("us-counties")
    column = rs.manifest.default_indicator or rs.scored_indicators[0]
    values = rs.data[column].dropna()
    w = queen_weights(rs.geometry.reindex(values.index), names=rs.names)
    y = values.reindex(w.ids).to_numpy()
    t0 = time.process_time()
    ours_g = hotspots(values, w, max_permutations=999, alternative="directed", threads=1)
    t_ours_g = time.process_time() - t0
    t0 = time.process_time()
    ours_i = hotspots(values, w, statistic="local_moran", max_permutations=999, alternative="directed", threads=1)
    t_ours_i = time.process_time() - t0
    t0 = time.process_time(); seq = hotspots(values, w, threads=1); t_seq = time.process_time() - t0
    t0 = time.process_time(); import esda; t_import = time.process_time() - t0
    lw = w.to_libpysal()
    warnings.simplefilter("ignore")
    g, m = [], []
    times_g, times_i = [], []
    for seed in (1, 2, 3, 4):
        lw.transform = "b"
        t0 = time.process_time()
        g.append(esda.G_Local(y, lw, transform="B", star=True, permutations=999, seed=seed, n_jobs=1))
        times_g.append(time.process_time() - t0)
        lw.transform = "r"
        t0 = time.process_time()
        m.append(esda.Moran_Local(y, lw, transformation="r", permutations=999, seed=seed))
        times_i.append(time.process_time() - t0)
    tested = (w.cardinalities > 0) & ~w.fallback_only
    tg, ti = ours_g.table.reindex(w.ids), ours_i.table.reindex(w.ids)
    def same(p, q, level):
        return float(((p <= level) == (q <= level))[tested].mean())
    def agree(ours, runs, level):
        mine = float(np.mean([same(ours, r.p_sim, level) for r in runs]))
        floor = float(np.mean([same(a.p_sim, b.p_sim, level) for a, b in itertools.combinations(runs, 2)]))
        return mine, floor
    _result = {
        "regions": int(tested.sum()), "indicator": column,
        "ours_gi": t_ours_g, "ours_lisa": t_ours_i, "ours_seq": t_seq, "seq_perms": seq.permutations_run,
        "esda_import": t_import, "esda_gi_first": times_g[0], "esda_gi_next": min(times_g[1:]),
        "esda_lisa": min(times_i),
        "max_diff_G": float(np.max(np.abs(tg["statistic"].to_numpy() - g[0].Gs)[tested])),
        "max_diff_z": float(np.max(np.abs(tg["z"].to_numpy() - g[0].Zs)[tested])),
        "max_diff_I": float(np.max(np.abs(ti["statistic"].to_numpy() - m[0].Is)[tested])),
        "gi": {lv: agree(tg["p_sim"].to_numpy(), g, lv) for lv in (0.01, 0.05)},
        "lisa": {lv: agree(ti["p_sim"].to_numpy(), m, lv) for lv in (0.01, 0.05)},
    }
    print(json.dumps(_result))
    """
)


def esda_counties() -> None:
    got = subprocess.run([sys.executable, "-c", ESDA], check=True, capture_output=True, text=True)
    r = json.loads(got.stdout.strip().splitlines()[-1])
    print(
        f"\n4. esda on the same queen weights: us-counties, {r['indicator']}, {r['regions']:,} tested regions (CPU s)"
    )
    print(
        f"  ideopolis  Gi* {r['ours_gi']:.2f} s and local Moran {r['ours_lisa']:.2f} s at 999 each; "
        f"sequential Gi* {r['ours_seq']:.2f} s ({r['seq_perms']:,} permutations)"
    )
    print(
        f"  esda       import {r['esda_import']:.2f} s, G_Local {r['esda_gi_first']:.2f} s first call "
        f"(numba compiles), {r['esda_gi_next']:.2f} s after; Moran_Local {r['esda_lisa']:.2f} s"
    )
    print(
        f"  ratio esda (import + first G_Local) / ideopolis Gi* at 999: "
        f"{(r['esda_import'] + r['esda_gi_first']) / r['ours_gi']:.1f}x; "
        f"G_Local (compiled) / ours: {r['esda_gi_next'] / r['ours_gi']:.1f}x"
    )
    print(f"  max |difference|: G {r['max_diff_G']:.1e}, z {r['max_diff_z']:.1e}, I {r['max_diff_I']:.1e}")
    for stat in ("gi", "lisa"):
        text = "; ".join(f"at {lv}: {mine:.1%} (esda vs esda {floor:.1%})" for lv, (mine, floor) in r[stat].items())
        print(f"  same call as esda (directed p, 999, mean over 4 esda seeds), {stat}: {text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="python of another checkout (e.g. main) to compare the CLI with")
    parser.add_argument("--sizes", default="100000,1000000", help="synthetic sizes, comma-separated ('' for none)")
    parser.add_argument("--skip-esda", action="store_true", help="no esda at scale (it needs minutes at 1M)")
    args = parser.parse_args()
    cold_cli(args.baseline)
    seed_stability(args.baseline)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if sizes:
        scale(sizes, args.skip_esda)
    esda_counties()


if __name__ == "__main__":
    main()
