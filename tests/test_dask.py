"""The Dask engine gives the local numbers bit for bit (issue 16, item 3).

One LocalCluster of two worker processes (one thread each) for the module: the index's intermediate tables,
scores and ranks, the hotspot p-values and classes (fixed and sequential tests) and the uncertainty results on
us-metros and the toy set equal the local path exactly (``check_exact``); the CLI runs with ``--engine dask`` end
to end, replays the engine from a run log, and says in one line what is wrong for a scheduler it cannot reach,
an unknown engine and a missing dask.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")

import dask
import distributed

import ideopolis as ideo
from ideopolis.cli import app
from ideopolis.engines import ENGINES, open_engine, split_positions
from ideopolis.engines.dask import DaskEngine
from ideopolis.engines.steps import denominate_split
from ideopolis.errors import ConfigError, EngineError, MethodError
from ideopolis.index.profile import load_profile, profile_from_dict
from ideopolis.index.steps.denominate import denominate
from ideopolis.spatial.inference import LagProblem, conditional_permutation_pvalues, permutation_counts
from ideopolis.spatial.weights import queen_weights

from .conftest import TOY

SEED = 12345
SETS = {"us-metros": "us-metros", "toy": str(TOY)}


@pytest.fixture(scope="module")
def cluster() -> Iterator[distributed.LocalCluster]:
    # dashboard_address=":0": no dashboard (bokeh is not installed), and the scheduler's HTTP endpoint on a free port
    # (None binds it to :8787 and warns, an error here, when another cluster of the machine holds that port)
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
    ) as local_cluster:
        yield local_cluster


@pytest.fixture(scope="module")
def client(cluster: distributed.LocalCluster) -> Iterator[distributed.Client]:
    with distributed.Client(cluster, set_as_default=False) as c:
        yield c


@pytest.fixture(scope="module")
def engine(client: distributed.Client) -> DaskEngine:
    engine = open_engine("dask", client=client)
    assert isinstance(engine, DaskEngine)
    return engine


@pytest.fixture(scope="module")
def metros(client: distributed.Client) -> tuple[ideo.Run, ideo.Run]:
    return ideo.score("us-metros"), ideo.score("us-metros", client=client)


def _same(a: pd.DataFrame | pd.Series, b: pd.DataFrame | pd.Series) -> None:
    if isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, check_exact=True)
    else:
        pd.testing.assert_frame_equal(a, b, check_exact=True)


# -- the work splits ----------------------------------------------------------------------------------------


def test_the_engine_splits_the_work_over_both_workers(engine: DaskEngine) -> None:
    frame = pd.DataFrame(np.arange(40.0).reshape(10, 4), index=[f"r{i}" for i in range(10)])
    rows = engine.map_regions(lambda f: list(f.index), [frame])
    cols = engine.map_indicators(lambda f: list(f.columns), frame)
    assert engine.n_workers == 2
    assert len(rows) == 4 and [i for r in rows for i in r] == list(frame.index)  # 2 tasks per worker, in order
    assert len(cols) == 4 and [c for part in cols for c in part] == list(frame.columns)
    assert engine.describe() == "dask (a client, 2 workers)"


def test_split_positions_covers_every_position_once_in_order() -> None:
    for n in (1, 2, 7, 100):
        for parts in (1, 3, 8, 200):
            pieces = split_positions(n, parts)
            assert np.concatenate(pieces).tolist() == list(range(n))
            assert len(pieces) == min(n, parts) and all(len(p) for p in pieces)


# -- the index ------------------------------------------------------------------------------------------------

CONFIGS = {
    "default": {},
    "zscore-group-impute": {"normalise": "zscore", "impute": "group_mean", "impute_group": "state"},
    "minmax-geometric": {"normalise": {"method": "minmax", "l_u": [1, 100]}, "aggregate": "geometric"},
    "median-rank": {"impute": "median", "normalise": "rank"},
}


@pytest.mark.parametrize("options", list(CONFIGS.values()), ids=list(CONFIGS))
@pytest.mark.parametrize("name", list(SETS), ids=list(SETS))
def test_every_table_of_the_index_equals_the_local_one(
    client: distributed.Client, name: str, options: dict[str, Any]
) -> None:
    local = ideo.score(SETS[name], **options)
    remote = ideo.score(SETS[name], client=client, **options)
    assert isinstance(remote.compute, DaskEngine) and remote.index.compute is remote.compute
    assert local.compute is None and local.index.compute is None
    assert list(local.index.datasets) == list(remote.index.datasets)
    for step, table in local.index.datasets.items():
        _same(table, remote.index.datasets[step])
    _same(local.scores, remote.scores)
    _same(local.ranks, remote.ranks)
    den_l, den_r = local.index.reports["denominate"], remote.index.reports["denominate"]
    assert (den_l.applied, den_l.notes) == (den_r.applied, den_r.notes)
    imp_l, imp_r = local.index.reports["impute"], remote.index.reports["impute"]
    _same(imp_l.imputed, imp_r.imputed)
    assert imp_l.remaining_missing == imp_r.remaining_missing
    treat_l, treat_r = local.index.reports["treat"], remote.index.reports["treat"]
    _same(treat_l.cells, treat_r.cells)
    _same(treat_l.table, treat_r.table)
    assert local.index.reports["normalise"].methods == remote.index.reports["normalise"].methods
    _same(local.index.reports["aggregate"].availability, remote.index.reports["aggregate"].availability)
    if local.typology is not None:
        _same(local.typology, remote.typology)
    assert [(r.step, r.method, r.summary) for r in local.index.log] == [
        (r.step, r.method, r.summary) for r in remote.index.log
    ]


def test_denomination_by_indicator_groups_equals_the_local_one(engine: DaskEngine) -> None:
    raw = pd.read_csv(TOY / "indicators.csv", dtype={"GEOID": str, "state": str}).set_index("GEOID")
    raw.loc["01003", "population"] = 0.0  # a zero and a missing denominator: notes naming the regions
    raw.loc["01005", "jobs"] = np.nan
    data = raw[["ba_plus", "income_total", "net_migration", "telework_jobs", "median_age"]]
    by = {"ba_plus": "adults_25", "income_total": "population", "net_migration": "population", "telework_jobs": "jobs"}
    scale = {"net_migration": 1000.0}
    local = denominate(data, raw, by=by, scale=scale)
    remote = denominate_split(engine, data, raw, by=by, method="by_metadata", scale=scale)
    _same(local.data, remote.data)
    assert remote.notes == local.notes and len(local.notes) == 3
    assert remote.applied == local.applied
    with pytest.raises(MethodError, match="'nope', which is not a column"):
        denominate_split(engine, data, raw, by={"ba_plus": "nope"}, method="by_metadata")


def test_a_method_error_on_a_worker_reaches_the_user_as_itself(client: distributed.Client) -> None:
    with pytest.raises(MethodError, match="geometric mean over values <= 0"):
        ideo.score("us-metros", client=client, aggregate="geometric")


# -- the permutation test ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("statistic", ["gi_star", "local_moran"])
def test_sequential_hotspots_equal_the_local_test(metros: tuple[ideo.Run, ideo.Run], statistic: str) -> None:
    local, remote = metros
    a = local.hotspots(statistic=statistic, seed=SEED)
    b = remote.hotspots(statistic=statistic, seed=SEED)
    _same(a.table, b.table)
    assert a.permutations_run == b.permutations_run
    assert a.permutations_run > a.permutations * a.n_tested  # more than one round: the problem was reused


def test_fixed_permutation_pvalues_equal_the_local_ones(engine: DaskEngine) -> None:
    rs = ideo.load_regions(str(TOY))
    w = queen_weights(rs.geometry)
    y = rs.data["ba_share"].reindex(w.ids).to_numpy(dtype=float)
    link = np.ones(len(w.indices))
    lag = np.bincount(np.repeat(np.arange(w.n), w.cardinalities), weights=y[w.indices], minlength=w.n)
    kwargs: dict[str, Any] = {"permutations": 499, "seed": 7, "alternative": "directed"}
    local = conditional_permutation_pvalues(y - y.mean(), w, link, lag, **kwargs)
    remote = conditional_permutation_pvalues(y - y.mean(), w, link, lag, counter=engine.permutation_counts, **kwargs)
    np.testing.assert_array_equal(local, remote)
    problem = LagProblem.build(y - y.mean(), w, link, lag)
    regions = np.flatnonzero(problem.cardinalities > 0)
    start, stop = np.arange(len(regions)) * 10, np.arange(len(regions)) * 10 + 333
    np.testing.assert_array_equal(
        permutation_counts(problem, regions, start, stop, seed=3),
        engine.permutation_counts(problem, regions, start, stop, seed=3),
    )


def test_every_part_runs_the_engine_the_whole_call_would(engine: DaskEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    # each part of a large call may alone fall below the compiled engine's threshold; the parts must still run
    # the engine the local call would (numba here), not the 7x slower numpy engine (same counts either way)
    from ideopolis.spatial import inference

    rs = ideo.load_regions(str(TOY))
    w = queen_weights(rs.geometry)
    y = rs.data["ba_share"].reindex(w.ids).to_numpy(dtype=float)
    link = np.ones(len(w.indices))
    lag = np.bincount(np.repeat(np.arange(w.n), w.cardinalities), weights=y[w.indices], minlength=w.n)
    problem = LagProblem.build(y - y.mean(), w, link, lag)
    regions = np.flatnonzero(problem.cardinalities > 0)
    whole = int(problem.cardinalities[regions].sum()) * 300
    monkeypatch.setattr(inference, "NUMBA_MIN_DRAWS", whole)  # the whole call reaches it, no part does
    seen: list[str] = []
    run = engine._run

    def spy(func: Any, calls: list[Any]) -> Any:
        seen.extend(kw["engine"] for _, kw in calls)
        return run(func, calls)

    monkeypatch.setattr(engine, "_run", spy)
    remote = engine.permutation_counts(problem, regions, 0, 300, seed=5)
    assert len(seen) > 1 and set(seen) == {"numba"}
    np.testing.assert_array_equal(remote, permutation_counts(problem, regions, 0, 300, seed=5, engine="numpy"))
    seen.clear()
    engine.permutation_counts(problem, regions[:3], 0, 300, seed=5)  # small: numpy, as locally
    assert set(seen) == {"numpy"}


# -- the uncertainty draws --------------------------------------------------------------------------------------


def test_uncertainty_and_sensitivity_equal_the_local_analysis(metros: tuple[ideo.Run, ideo.Run]) -> None:
    local, remote = metros
    keys: dict[str, Any] = {"draws": 300, "sensitivity": True, "sobol_n": 32, "bootstrap": 50, "seed": 11}
    a = ideo.uncertainty(local, **keys)
    b = ideo.uncertainty(remote, **keys)
    _same(a.ranks, b.ranks)
    _same(a.design, b.design)
    assert a.rank_matrix is not None and b.rank_matrix is not None
    np.testing.assert_array_equal(a.rank_matrix, b.rank_matrix)
    np.testing.assert_array_equal(a.shift, b.shift)
    assert a.sensitivity is not None and b.sensitivity is not None
    _same(a.sensitivity.table, b.sensitivity.table)


# -- the command line -------------------------------------------------------------------------------------------


def test_cli_engine_dask_end_to_end_and_replayed_from_its_log(runner: Any, cluster: Any, tmp_path: Path) -> None:
    address = cluster.scheduler_address
    out_local, out_dask = tmp_path / "local.csv", tmp_path / "dask.csv"
    res = runner.invoke(app, ["hotspots", "--regions", "us-metros", "--out", str(out_local)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(
        app, ["hotspots", "--regions", "us-metros", "--engine", "dask", "--scheduler", address, "--out", str(out_dask)]
    )
    assert res.exit_code == 0, res.output
    assert out_dask.read_bytes() == out_local.read_bytes()
    log = Path(f"{out_dask}.run.toml")
    config = load_profile(log)
    assert (config.engine, config.scheduler) == ("dask", address)
    assert f'engine = "dask ({address}, 2 workers)"' in log.read_text()
    # the log replays: another command runs on the same engine, with the same numbers
    replay = tmp_path / "replay.csv"
    res = runner.invoke(app, ["hotspots", "--profile", str(log), "--out", str(replay)])
    assert res.exit_code == 0, res.output
    assert replay.read_bytes() == out_local.read_bytes()
    assert load_profile(Path(f"{replay}.run.toml")).scheduler == address
    # --engine local overrides the log's engine (and drops its scheduler)
    res = runner.invoke(app, ["hotspots", "--profile", str(log), "--engine", "local", "--out", str(replay)])
    assert res.exit_code == 0, res.output
    assert "[run]" not in Path(f"{replay}.run.toml").read_text()


def test_cli_unreachable_scheduler_is_one_line_and_writes_nothing(runner: Any, tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        res = runner.invoke(
            app,
            [
                "score",
                "--regions",
                "us-metros",
                "--engine",
                "dask",
                "--scheduler",
                "tcp://127.0.0.1:9",
                "--out",
                str(out),
            ],
        )
    assert res.exit_code == 1
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("error: cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'")
    assert "dask scheduler" in lines[0] and "Traceback" not in res.output
    assert list(tmp_path.iterdir()) == []


def test_cli_without_dask_says_how_to_install_it(runner: Any, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` now raises ImportError
    out = tmp_path / "scores.csv"
    res = runner.invoke(app, ["score", "--regions", "us-metros", "--engine", "dask", "--out", str(out)])
    assert res.exit_code == 1
    assert res.stderr.count("\n") == 1
    assert "fix: pip install 'ideopolis[dask]'" in res.stderr
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ConfigError, match=r"pip install 'ideopolis\[dask\]'"):
        open_engine("dask")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--engine", "spark"], "unknown engine method 'spark'; choose one of: dask, local"),
        (["--scheduler", "tcp://127.0.0.1:9"], "needs the dask engine; fix: add --engine dask"),
    ],
    ids=["unknown-engine", "scheduler-without-dask"],
)
def test_cli_engine_option_errors(runner: Any, args: list[str], message: str) -> None:
    res = runner.invoke(app, ["score", "--regions", "us-metros", *args])
    assert res.exit_code == 1
    assert message in res.stderr and res.stderr.count("\n") == 1


# -- the profile and the API --------------------------------------------------------------------------------------


def test_profile_run_section_is_checked() -> None:
    assert profile_from_dict({"run": {"engine": "Dask", "scheduler": " tcp://h:8786 "}}).scheduler == "tcp://h:8786"
    assert profile_from_dict({}).engine == "local"
    with pytest.raises(ConfigError, match="unknown key 'workers' in \\[run\\]"):
        profile_from_dict({"run": {"workers": 3}})
    with pytest.raises(ConfigError, match=r'needs the dask engine; fix: add engine = "dask" to \[run\]'):
        profile_from_dict({"run": {"scheduler": "tcp://h:8786"}})
    with pytest.raises(ConfigError, match="scheduler is 3"):
        profile_from_dict({"run": {"engine": "dask", "scheduler": 3}})
    assert ENGINES.names() == ["dask", "local"]


def test_a_local_cluster_started_by_the_engine_is_closed_with_it() -> None:
    engine = DaskEngine(n_workers=1)
    cluster = engine._cluster
    assert engine.describe() == "dask (a LocalCluster on this machine, 1 worker)"
    engine.close()
    assert cluster.status.name == "closed" and engine.client.status == "closed"


def test_a_run_leaves_the_callers_client_open(client: distributed.Client) -> None:
    with ideo.score(str(TOY), client=client) as run:
        assert run.config.engine == "dask"
    assert client.status == "running"
    with pytest.raises(ConfigError, match="a Dask client runs the dask engine, not 'local'"):
        ideo.score(str(TOY), client=client, engine="local")
    with pytest.raises(EngineError, match="cannot reach"), dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        ideo.score("us-metros", engine="dask", scheduler="tcp://127.0.0.1:9")


def test_workers_of_another_ideopolis_version_are_refused(cluster: Any, monkeypatch: Any) -> None:
    import ideopolis

    engine = DaskEngine(scheduler=cluster.scheduler_address)  # the same version: accepted
    assert engine.describe() == f"dask ({cluster.scheduler_address}, 2 workers)"
    engine.close()
    theirs = re.escape(ideopolis.__version__)
    monkeypatch.setattr(ideopolis, "__version__", "9.9.9")  # this client only; the workers report theirs
    with pytest.raises(EngineError, match=rf"runs ideopolis {theirs}, this client 9\.9\.9; fix: install the same"):
        DaskEngine(scheduler=cluster.scheduler_address)
