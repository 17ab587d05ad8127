"""Scale: score, hotspots, uncertainty and the map from 10,000 to 1,000,000 regions, beside the plain way.

Run: ``uv run python benchmarks/bench_scale.py [--sizes 10000,85000,300000,1000000] [--set N=PATH ...]``

Every measurement is a child process (``python -m ideopolis ...`` with the set read as a user's own folder,
``--regions PATH``), timed by ``os.wait4``: CPU seconds (user + system, every thread), peak resident memory
(``ru_maxrss``) and wall seconds. The sets come from ``make_scale_sets.py`` (built into ``--sets`` when missing;
``--set N=PATH`` reuses a folder made elsewhere). Per size:

- ``score``: ``ideopolis score --regions SET`` (load, check, treat, normalise, aggregate);
  ``score`` and ``hotspots`` run ``--repeat`` times (default 3): the table gives the least CPU and the median,
  and the peak memory of the largest run;
- ``hotspots``: ``ideopolis hotspots --regions SET --permutations 999 --max-permutations 999`` (every region 999
  conditional permutations, Benjamini-Hochberg FDR: the fixed-size test; without ``--max-permutations`` the
  command runs the sequential test, which adds rounds for undetermined regions);
- ``uncertainty``: ``ideopolis uncertainty --regions SET --draws D`` (Monte Carlo rank intervals, and the
  command's default Sobol analysis of 256 (d + 2) runs unless ``--sobol`` says otherwise; ``--sobol 0`` measures
  the rank intervals alone);
- ``map``: ``ideopolis map --regions SET --offline --out PAGE`` (page size in MB; with
  ``benchmarks/bench_map_browser.py`` present, its ``measure(page)`` columns too: first paint, layer switch, FPS);
- ``plain``: the way a user would do it with the field's libraries: ``geopandas.read_parquet``,
  ``libpysal.weights.Queen``, ``esda.G_Local(star=True, permutations=999)`` on one indicator and
  Benjamini-Hochberg via ``scipy.stats.false_discovery_control``, stopped after ``--plain-limit`` seconds of
  wall time (the table says where it stopped). The ratio is plain CPU over ``hotspots`` CPU (which also scores
  the index: the plain way does less).

Bytecode: Python normally caches each module's compiled bytecode (``.pyc``) on its first import, and ``pip``
compiles it at install; an environment with ``PYTHONDONTWRITEBYTECODE`` set (some containers and CI images) never
does, and every command then spends seconds compiling the sources of numpy, pandas, shapely... (3.5 CPU s of a
1M ``hotspots`` run on the machine this was written on). So the benchmark first compiles the environment's
bytecode (``compileall``; its time is printed) and runs its children without ``PYTHONDONTWRITEBYTECODE``, the state
of a normal installation; ``--as-is`` keeps the environment as it is.

Also the numba kernel's first-call cost: one process with an empty ``NUMBA_CACHE_DIR`` (compiles) and one
with the cache warm.

Growth exponents: the log-log slope of CPU seconds and of peak memory against regions, from the smallest to the
largest size measured, per command. The 1-minute load (``os.getloadavg``) is recorded with every row and in the
header (the machine is shared; CPU seconds are less sensitive to load than wall seconds). The table is printed
as markdown and written with the raw numbers to ``benchmarks/out/bench_scale.{md,json}``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import platform
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
SIZES = (10_000, 85_000, 300_000, 1_000_000)
COMMANDS = ("score", "hotspots", "uncertainty", "map")
REPEATED = ("score", "hotspots")
"""Commands run ``--repeat`` times: the CPU targets are theirs, and a shared machine disturbs single runs (the
1M ``hotspots`` command took 30.5 to 40 CPU s in runs minutes apart on one day)."""

PLAIN = textwrap.dedent(
    """
    import sys, warnings
    warnings.simplefilter("ignore")
    import geopandas as gpd, numpy as np, pandas as pd
    from libpysal.weights import Queen
    from esda import G_Local
    from scipy.stats import false_discovery_control
    folder = sys.argv[1]
    geo = gpd.read_parquet(folder + "/geometry.parquet").set_index("id")
    y = pd.read_parquet(folder + "/indicators.parquet", columns=["id", "ba_plus_share"]).set_index("id")
    y = y["ba_plus_share"].reindex(geo.index).to_numpy()
    w = Queen.from_dataframe(geo, use_index=True, silence_warnings=True)
    w.transform = "B"
    g = G_Local(y, w, star=True, permutations=999, seed=12345)
    q = false_discovery_control(g.p_sim)
    print(int((q <= 0.05).sum()))
    """
)

KERNEL = textwrap.dedent(
    """
    import numpy as np
    from ideopolis.spatial.kernel import count_extreme
    n = 10
    ones = np.ones(n)
    count_extreme(ones, ones, ones, ones, ones, np.full(n, 2, dtype=np.int64), np.arange(n, dtype=np.int64),
                  np.zeros(n, dtype=np.int64), np.full(n, 9, dtype=np.int64), key=1, alternative="folded", threads=1)
    """
)


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _wait_quiet(max_load: float, patience: float) -> float:
    """Wait (at most ``patience`` s) for the 1-minute load to fall below ``max_load``; return the load."""
    deadline = time.monotonic() + patience
    while _load() > max_load and time.monotonic() < deadline:
        time.sleep(10)
    return _load()


CHILD_ENV: dict[str, str] | None = None  # None: the children inherit this process's environment


def compile_bytecode() -> dict[str, Any]:
    """Compile the ``.pyc`` of this environment's packages and of ideopolis, as an installation leaves them."""
    import sysconfig

    import ideopolis

    global CHILD_ENV
    CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    roots = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"], str(Path(ideopolis.__file__).parent)}
    return measure([sys.executable, "-m", "compileall", "-q", "-j", "0", *sorted(roots)], env=CHILD_ENV)


def measure(args: list[str], *, env: dict[str, str] | None = None, limit: float | None = None) -> dict[str, Any]:
    """Run ``args`` as a child process; return wall s, CPU s (user + sys), peak RSS MB, status, load."""
    env = CHILD_ENV if env is None else env
    load = _load()
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err, env=env, start_new_session=True)
        stopped = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if limit is not None and time.perf_counter() - t0 > limit:
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                stopped = True
                break
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read().decode(errors="replace").strip().splitlines()[-3:]
    return {
        "wall_s": round(time.perf_counter() - t0, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_mb": round(usage.ru_maxrss / 1024, 1),
        "ok": proc.returncode == 0 and not stopped,
        "stopped": stopped,
        "error": "" if proc.returncode == 0 or stopped else " / ".join(tail),
        "load": load,
    }


def ensure_set(n: int, sets: Path, given: dict[int, Path]) -> Path:
    """The folder of the ``n``-region set: given, found in ``sets``, or built there."""
    if n in given:
        return given[n]
    folder = sets / f"synthetic-{n}"
    if (folder / "manifest.toml").exists():
        return folder
    sys.path.insert(0, str(HERE))
    from make_scale_sets import write_set

    print(f"building {folder} ...", flush=True)
    return write_set(n, sets)


def _command(name: str, folder: Path, work: Path, draws: int, sobol: int | None = None) -> list[str]:
    base = [sys.executable, "-m", "ideopolis"]
    if name == "score":
        return [*base, "score", "--regions", str(folder), "--top", "3"]
    if name == "hotspots":
        return [*base, "hotspots", "--regions", str(folder), "--permutations", "999", "--max-permutations", "999"]
    if name == "uncertainty":
        extra = [] if sobol is None else ["--sobol", str(sobol)]
        return [*base, "uncertainty", "--regions", str(folder), "--draws", str(draws), "--top", "3", *extra]
    if name == "map":
        return [*base, "map", "--regions", str(folder), "--offline", "--out", str(work / f"{folder.name}.html")]
    raise ValueError(name)


def _browser() -> Any:
    """``bench_map_browser.measure`` when that benchmark exists (branch bigmap), else None."""
    path = HERE / "bench_map_browser.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("bench_map_browser", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, "measure", None)


def kernel_compile_cost() -> dict[str, Any]:
    """CPU seconds of the numba kernel's first call with an empty cache (compiling) and with a warm one."""
    with tempfile.TemporaryDirectory() as cache:
        base = CHILD_ENV if CHILD_ENV is not None else dict(os.environ)
        cold = measure([sys.executable, "-c", KERNEL], env={**base, "NUMBA_CACHE_DIR": cache})
        warm = measure([sys.executable, "-c", KERNEL], env={**base, "NUMBA_CACHE_DIR": cache})
    floor = measure([sys.executable, "-c", "import numpy, ideopolis.spatial.inference"])
    return {"cold": cold, "warm": warm, "floor": floor}


def slope(xs: list[float], ys: list[float]) -> float | None:
    """Log-log slope between the first and the last point (None with fewer than two positive points)."""
    pts = [(x, y) for x, y in zip(xs, ys, strict=True) if x > 0 and y and y > 0]
    if len(pts) < 2:
        return None
    (x0, y0), (x1, y1) = pts[0], pts[-1]
    return round(math.log(y1 / y0) / math.log(x1 / x0), 2)


def _cell(row: dict[str, Any] | None, key: str, fmt: str = "{:,.1f}") -> str:
    if row is None:
        return ""
    if row.get("stopped"):
        return f"> {row['wall_s']:,.0f} s wall (stopped)"
    if not row.get("ok", True):
        return "" if str(row.get("error", "")).startswith("not run") else "failed"
    value = row.get(key)
    return "" if value is None else fmt.format(value)


def render(result: dict[str, Any]) -> str:
    """The markdown table of a run."""
    lines = [
        f"Scale benchmark, {result['when']} on {result['machine']}; 1-minute load at the start {result['load_start']}, "
        f"at the end {result['load_end']}.",
        "",
        "| regions | command | CPU s | peak MB | wall s | load | other |",
        "|---:|---|---:|---:|---:|---:|---|",
    ]
    for n, rows in result["sizes"].items():
        for name, row in rows.items():
            other = ""
            if name == "map" and row.get("page_mb") is not None:
                other = f"page {row['page_mb']:.1f} MB"
                for key, value in row.get("browser", {}).items():
                    other += f"; {key} {value}"
            if name == "plain":
                other = "geopandas + libpysal Queen + esda G_Local(999) + BH"
                if row.get("ratio") is not None:
                    other += f"; {row['ratio']:.1f}x the CPU of `hotspots`"
            if row.get("error"):
                other = row["error"] if row["error"].startswith("not run") else f"failed: {row['error'][:120]}"
            cpu = _cell(row, "cpu_s")
            if row.get("cpu_runs"):
                cpu += f" (median {row['cpu_median']:,.1f} of {len(row['cpu_runs'])})"
            lines.append(
                f"| {int(n):,} | {name} | {cpu} | {_cell(row, 'peak_mb', '{:,.0f}')} | "
                f"{_cell(row, 'wall_s')} | {row.get('load', '')} | {other} |"
            )
    for n, rows in result["sizes"].items():
        score, hot = rows.get("score", {}), rows.get("hotspots", {})
        if score.get("ok") and hot.get("ok"):
            lines.append(
                f"\n{int(n):,} regions: `score` then `hotspots`, two commands one after the other, "
                f"{score['cpu_s'] + hot['cpu_s']:,.1f} CPU s (each its least disturbed run); `hotspots` alone "
                f"scores the index and tests it in one run: {hot['cpu_s']:,.1f} CPU s."
            )
    lines += ["", "| command | CPU growth exponent | memory growth exponent |", "|---|---:|---:|"]
    for name, (cpu, mem) in result["exponents"].items():
        lines.append(f"| {name} | {cpu if cpu is not None else ''} | {mem if mem is not None else ''} |")
    k = result.get("kernel")
    if k:
        lines += [
            "",
            f"numba kernel, first call in a fresh process: {k['cold']['cpu_s']} CPU s with an empty cache "
            f"(compiling), {k['warm']['cpu_s']} CPU s with the cache warm; the process without numba "
            f"{k['floor']['cpu_s']} CPU s.",
        ]
    b = result.get("bytecode")
    lines += [
        "",
        f"Bytecode compiled first (compileall, {b['cpu_s']} CPU s); children run without PYTHONDONTWRITEBYTECODE."
        if b
        else "Run as-is (--as-is): children inherit the environment, PYTHONDONTWRITEBYTECODE included if set.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES), help="comma-separated region counts")
    parser.add_argument("--commands", default=",".join(COMMANDS), help="comma-separated: " + ",".join(COMMANDS))
    parser.add_argument("--sets", type=Path, default=OUT / "sets", help="where sets are found or built")
    parser.add_argument("--set", action="append", default=[], metavar="N=PATH", help="reuse a set folder")
    parser.add_argument("--draws", type=int, default=1000, help="uncertainty draws (default 1000)")
    parser.add_argument("--sobol", type=int, default=None, help="uncertainty's --sobol (default: the command's)")
    parser.add_argument("--plain-limit", type=float, default=600.0, help="wall seconds the plain way may take")
    parser.add_argument("--skip-plain", action="store_true")
    parser.add_argument(
        "--map-max", type=int, default=400_000, help="largest set mapped (a page holds 400,000 regions with cards)"
    )
    parser.add_argument(
        "--plain-max", type=int, default=300_000, help="largest set the plain way runs on (300k peaks at 6 GB)"
    )
    parser.add_argument("--max-load", type=float, default=2.5, help="wait for the 1-minute load to fall below")
    parser.add_argument("--patience", type=float, default=120.0, help="wait at most this long for it (s)")
    parser.add_argument("--out", type=Path, default=OUT / "bench_scale")
    parser.add_argument("--as-is", action="store_true", help="do not compile bytecode first (module docstring)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of score and hotspots per size (min and median CPU reported)"
    )
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    commands = [c for c in args.commands.split(",") if c]
    given = {int(k): Path(v) for k, v in (s.split("=", 1) for s in args.set)}
    browser = _browser() if "map" in commands else None
    result: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_start": _load(),
        "sizes": {},
        "args": {k: str(v) for k, v in vars(args).items()},
    }
    plain_stopped = False
    if not args.as_is:
        result["bytecode"] = compile_bytecode()
        print(f"compiled bytecode: {json.dumps(result['bytecode'])}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if "hotspots" in commands:
            result["kernel"] = kernel_compile_cost()
        for n in sizes:
            folder = ensure_set(n, args.sets, given)
            rows: dict[str, Any] = {}
            for name in commands:
                if name == "map" and n > args.map_max:
                    rows[name] = {"ok": False, "stopped": False, "error": f"not run: above --map-max {args.map_max:,}"}
                    continue
                runs = []
                for _ in range(args.repeat if name in REPEATED else 1):
                    _wait_quiet(args.max_load, args.patience)
                    runs.append(measure(_command(name, folder, work, args.draws, args.sobol)))
                row = min(runs, key=lambda r: (not r["ok"], r["cpu_s"]))  # the least disturbed run
                if len(runs) > 1:
                    row["cpu_runs"] = [r["cpu_s"] for r in runs]
                    row["cpu_median"] = round(sorted(row["cpu_runs"])[len(runs) // 2], 2)
                    row["peak_mb"] = max(r["peak_mb"] for r in runs)
                if name == "map":
                    page = work / f"{folder.name}.html"
                    row["page_mb"] = round(page.stat().st_size / 1e6, 2) if page.exists() else None
                    if browser is not None and page.exists():
                        row["browser"] = browser(page)
                    page.unlink(missing_ok=True)
                rows[name] = row
                print(f"{n:>9,} {name:<12} {json.dumps(row)}", flush=True)
            if not args.skip_plain and not plain_stopped and n > args.plain_max:
                rows["plain"] = {
                    "ok": False,
                    "stopped": False,
                    "error": f"not run: above --plain-max {args.plain_max:,}",
                }
            elif not args.skip_plain and not plain_stopped:
                _wait_quiet(args.max_load, args.patience)
                row = measure([sys.executable, "-c", PLAIN, str(folder)], limit=args.plain_limit)
                plain_stopped = row["stopped"]
                if row["ok"] and rows.get("hotspots", {}).get("ok"):
                    row["ratio"] = round(row["cpu_s"] / rows["hotspots"]["cpu_s"], 2)
                rows["plain"] = row
                print(f"{n:>9,} {'plain':<12} {json.dumps(row)}", flush=True)
            result["sizes"][str(n)] = rows
    names = [*commands, *([] if args.skip_plain else ["plain"])]
    result["exponents"] = {}
    for name in names:
        ok = [(int(n), rows[name]) for n, rows in result["sizes"].items() if rows.get(name, {}).get("ok")]
        xs = [float(n) for n, _ in ok]
        result["exponents"][name] = (
            slope(xs, [r["cpu_s"] for _, r in ok]),
            slope(xs, [r["peak_mb"] for _, r in ok]),
        )
    result["load_end"] = _load()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(
        json.dumps(result, indent=2), encoding="utf-8"
    )  # first: kept if render fails
    table = render(result)
    print()
    print(table)
    args.out.with_suffix(".md").write_text(table + "\n", encoding="utf-8")
    print(f"\nwrote {args.out.with_suffix('.md')} and {args.out.with_suffix('.json')}")


if __name__ == "__main__":
    main()
