"""Hotspot speed and memory, and esda on the same weights for comparison.

Run: ``uv run python benchmarks/bench_hotspots.py [REGION_SET]`` (default ``us-counties``; a folder works too).

Prints
- the cold end-to-end CLI call ``ideopolis hotspots --regions REGION_SET --permutations 999`` (fresh process
  each time; target under 3 s), next to ``ideopolis --help`` (the floor: Python, pandas, geopandas, typer);
- 85,000 synthetic regions (a lattice), 999 permutations, Gi* and local Moran: time and peak memory of a fresh
  process (target under 10 s and 2 GB);
- esda's own ``G_Local``/``Moran_Local`` on the same weights in the same run, first call of a fresh process
  (import included, as the CLI would pay it), with the ratio, and how well the two agree.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import textwrap
import time

REPEAT = 5
PERMUTATIONS = 999


def _cold(args: list[str]) -> list[float]:
    times = []
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return times


def _fresh(code: str) -> dict[str, float]:
    """Run ``code`` in a fresh interpreter; it prints a JSON dict, to which peak memory (MB) is added."""
    wrapper = code + textwrap.dedent(
        """
        import json as _json, resource as _resource
        _result["peak_mb"] = _resource.getrusage(_resource.RUSAGE_SELF).ru_maxrss / 1024
        print(_json.dumps(_result))
        """
    )
    out = subprocess.run([sys.executable, "-c", wrapper], check=True, capture_output=True, text=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


LATTICE = textwrap.dedent(
    """
    import time
    t0 = time.perf_counter()
    import numpy as np, pandas as pd, geopandas as gpd, shapely
    from ideopolis.spatial.weights import queen_weights
    from ideopolis.spatial.hotspots import hotspots
    t_import = time.perf_counter() - t0
    side = 292  # 85,264 regions
    x, y = np.meshgrid(np.arange(side) * 0.05 - 100, np.arange(side) * 0.05 + 30)
    cells = shapely.box(x.ravel(), y.ravel(), x.ravel() + 0.05, y.ravel() + 0.05)
    ids = [f"r{i:06d}" for i in range(len(cells))]
    shapes = gpd.GeoSeries(cells, index=ids, crs="EPSG:4326")
    rng = np.random.default_rng(1)
    values = pd.Series(np.sin(x.ravel() / 3) + np.cos(y.ravel() / 2) + rng.normal(0, 1, len(ids)), index=ids)
    t1 = time.perf_counter(); w = queen_weights(shapes); t_weights = time.perf_counter() - t1
    t2 = time.perf_counter(); hotspots(values, w, permutations=PERM); t_gi = time.perf_counter() - t2
    t3 = time.perf_counter(); hotspots(values, w, statistic="local_moran", permutations=PERM)
    t_lisa = time.perf_counter() - t3
    _result = {"regions": len(ids), "import": t_import, "weights": t_weights, "gi_star": t_gi, "local_moran": t_lisa}
    """
).replace("PERM", str(PERMUTATIONS))

ESDA = textwrap.dedent(
    """
    import time, warnings
    import numpy as np, pandas as pd
    from ideopolis.regions.model import load_region_set
    from ideopolis.spatial.weights import queen_weights
    from ideopolis.spatial.hotspots import hotspots
    rs = load_region_set(REGIONS)
    column = rs.manifest.default_indicator or rs.scored_indicators[0]
    values = rs.data[column].dropna()
    w = queen_weights(rs.geometry.reindex(values.index), names=rs.names)
    y = values.reindex(w.ids).to_numpy()
    t0 = time.perf_counter(); ours_g = hotspots(values, w, permutations=PERM, alternative="directed")
    t_ours_g = time.perf_counter() - t0
    t0 = time.perf_counter()
    ours_i = hotspots(values, w, statistic="local_moran", permutations=PERM, alternative="directed")
    t_ours_i = time.perf_counter() - t0
    t0 = time.perf_counter()
    import esda  # imports libpysal too
    t_import = time.perf_counter() - t0
    lw = w.to_libpysal()
    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    g = esda.G_Local(y, lw, transform="B", star=True, permutations=PERM, seed=1, n_jobs=1)
    t_esda_g = time.perf_counter() - t0
    lw.transform = "r"
    t0 = time.perf_counter()
    m = esda.Moran_Local(y, lw, transformation="r", permutations=PERM, seed=1)
    t_esda_i = time.perf_counter() - t0
    try:
        import numba  # noqa: F401
        jit = "numba"
    except ImportError:
        jit = "no numba (pure numpy fallback)"
    tested = (w.cardinalities > 0) & ~w.fallback_only
    tg, ti = ours_g.table.reindex(w.ids), ours_i.table.reindex(w.ids)
    def agree(ours, ref, level):
        return float(((ours <= level) == (ref <= level))[tested].mean())
    _result = {
        "regions": int(tested.sum()), "indicator": column, "jit": jit,
        "ours_gi": t_ours_g, "ours_lisa": t_ours_i, "esda_import": t_import, "esda_gi": t_esda_g,
        "esda_lisa": t_esda_i,
        "max_diff_G": float(np.max(np.abs(tg["statistic"].to_numpy() - g.Gs)[tested])),
        "max_diff_z": float(np.max(np.abs(tg["z"].to_numpy() - g.Zs)[tested])),
        "max_diff_I": float(np.max(np.abs(ti["statistic"].to_numpy() - m.Is)[tested])),
        "agree_gi_05": agree(tg["p_sim"].to_numpy(), g.p_sim, 0.05),
        "agree_gi_01": agree(tg["p_sim"].to_numpy(), g.p_sim, 0.01),
        "agree_lisa_05": agree(ti["p_sim"].to_numpy(), m.p_sim, 0.05),
        "agree_lisa_01": agree(ti["p_sim"].to_numpy(), m.p_sim, 0.01),
    }
    """
).replace("PERM", str(PERMUTATIONS))


def main() -> None:
    regions = sys.argv[1] if len(sys.argv) > 1 else "us-counties"
    cli = [sys.executable, "-m", "ideopolis"]
    floor = _cold([*cli, "--help"])
    call = _cold([*cli, "hotspots", "--regions", regions, "--permutations", str(PERMUTATIONS), "--top", "0"])
    print(f"cold CLI, {REPEAT} fresh processes each (min / median, s):")
    print(f"  ideopolis --help                                   {min(floor):6.2f} / {statistics.median(floor):6.2f}")
    print(
        f"  ideopolis hotspots --regions {regions} -p {PERMUTATIONS}"
        f"{'':>{max(0, 8 - len(regions))}}{min(call):6.2f} / {statistics.median(call):6.2f}   (target < 3 s)"
    )

    big = _fresh(LATTICE)
    print(f"\n{big['regions']:,.0f} synthetic regions, {PERMUTATIONS} permutations (fresh process):")
    print(
        f"  import {big['import']:.2f} s, queen weights {big['weights']:.2f} s, Gi* {big['gi_star']:.2f} s, "
        f"local Moran {big['local_moran']:.2f} s; peak memory {big['peak_mb']:,.0f} MB   (target < 10 s, 2 GB)"
    )

    ref = _fresh(ESDA.replace("REGIONS", repr(regions)))
    print(
        f"\nesda on the same queen weights, {regions}, {ref['indicator']}, {ref['regions']:,.0f} tested regions "
        f"({ref['jit']}):"
    )
    print(f"  ideopolis  Gi* {ref['ours_gi']:.2f} s, local Moran {ref['ours_lisa']:.2f} s")
    print(
        f"  esda       import (with libpysal) {ref['esda_import']:.2f} s, G_Local {ref['esda_gi']:.2f} s (first call), "
        f"Moran_Local {ref['esda_lisa']:.2f} s"
    )
    ratio_g = (ref["esda_import"] + ref["esda_gi"]) / ref["ours_gi"]
    print(
        f"  ratio esda (import + first G_Local) / ideopolis Gi*: {ratio_g:.1f}x; "
        f"G_Local alone / ours: {ref['esda_gi'] / ref['ours_gi']:.1f}x; "
        f"Moran_Local / ours: {ref['esda_lisa'] / ref['ours_lisa']:.1f}x"
    )
    print(f"  max |difference|: G {ref['max_diff_G']:.1e}, z {ref['max_diff_z']:.1e}, I {ref['max_diff_I']:.1e}")
    print(
        f"  same call (directed p-values, different seeds): Gi* {ref['agree_gi_05']:.1%} at 0.05, "
        f"{ref['agree_gi_01']:.1%} at 0.01; local Moran {ref['agree_lisa_05']:.1%} at 0.05, "
        f"{ref['agree_lisa_01']:.1%} at 0.01"
    )


if __name__ == "__main__":
    main()
