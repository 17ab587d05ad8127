"""The Dask engine: a run's splittable work on a ``dask.distributed`` cluster, with the local numbers.

What runs on the workers, and why each gives the local result bit for bit:

- **the permutation test** (fixed and sequential): the regions of a round are cut into contiguous chunks and each
  chunk runs :func:`ideopolis.spatial.inference.permutation_counts` on a worker, the test's
  :class:`~ideopolis.spatial.inference.LagProblem` scattered once. Every region draws from its own stream
  (:mod:`ideopolis.spatial.streams`), so a region's counts do not depend on the chunk it is in; the rounds'
  decisions (which regions run more) are taken on the client from the gathered counts, as locally;
- **the uncertainty draws**: the draws are decoded on the client (each draw's inputs come from one seeded
  uniform design, before any batch exists), then the batches :meth:`~ideopolis.index.uncertainty.engine.Engine.evaluate`
  makes run on the workers (the engine and its tables scattered once); a batch's ranks depend only on its draws;
- **the index steps that split** (:mod:`ideopolis.engines.steps`): aggregation is row-wise (each region's
  aggregates come from its own normalised values and the weights), so it runs over partitions of regions;
  denomination, imputation, outlier treatment and normalisation work per indicator (an indicator's own
  denominator; its mean or median, overall or by group; skew and kurtosis, winsorisation; min and max, mean and
  sd, ranks), so they run over groups of indicators, each with every region: the statistics are computed by the
  same code on the same numbers, hence identical, with no reduction of partial sums whose order could change a
  last bit.

What stays on the client: loading and checking the set and its geometry, the spatial weights (contiguity needs
neighbouring shapes together), screening (it counts over the whole set), the weights step (PCA needs the whole
table), the lens and the typology (medians), ranks, the Sobol estimates and every output. No geometry work is
partitioned: at 85,000 regions reading the shapes takes 0.16 CPU seconds, their representative points 0.17 and
their validity 0.06, less than sending them to the workers would.
"""

from __future__ import annotations

import atexit
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ideopolis.engines import ComputeEngine, split_positions
from ideopolis.errors import ConfigError, EngineError

if TYPE_CHECKING:
    from ideopolis.index.uncertainty.engine import Draws, Engine, Evaluation
    from ideopolis.spatial.inference import LagProblem
    from ideopolis.spatial.weights import IntArray

#: What to install when dask is missing (the ``dask`` extra of ideopolis).
INSTALL_HINT = "pip install 'ideopolis[dask]'"

#: Tasks per worker a split makes (a little more than one, so a slow worker does not hold the rest).
TASKS_PER_WORKER = 2


def _distributed() -> Any:
    """Import ``distributed``, or raise the one-line fix."""
    try:
        import distributed
    except ImportError as exc:
        raise ConfigError(f"the dask engine needs dask.distributed ({exc}); fix: {INSTALL_HINT}") from None
    return distributed


def _ideopolis_version() -> str:
    """The ideopolis version of the process this runs in (a worker's)."""
    import ideopolis

    return str(ideopolis.__version__)


class DaskEngine(ComputeEngine):
    """Run a run's splittable work on a Dask cluster.

    Parameters
    ----------
    scheduler : str, optional
        The scheduler's address (``tcp://HOST:8786``); how long to try is Dask's
        ``distributed.comm.timeouts.connect`` (``DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=5s``).
    client : distributed.Client, optional
        A client made by the caller: used, never closed here.
    n_workers : int, optional
        Workers of the LocalCluster started when neither is given (default: the cores this process may use).

    Raises
    ------
    ConfigError
        Without dask installed (``pip install 'ideopolis[dask]'``), or with both ``scheduler`` and ``client``.
    EngineError
        When the scheduler cannot be reached, or its workers run another ideopolis version.
    """

    name = "dask"

    def __init__(self, *, scheduler: str | None = None, client: Any = None, n_workers: int | None = None) -> None:
        distributed = _distributed()
        if scheduler is not None and client is not None:
            raise ConfigError("give a Dask scheduler address or a client, not both")
        self.scheduler = scheduler
        self._cluster: Any = None
        self._owns_client = client is None
        self._problem: tuple[Any, Any] | None = None  # (the last LagProblem, its scattered future)
        if client is not None:
            self.client = client
        elif scheduler is not None:
            try:
                self.client = distributed.Client(scheduler, set_as_default=False)
            except (OSError, TimeoutError, ValueError) as exc:
                reason = " ".join(str(exc).split()) or type(exc).__name__
                raise EngineError(
                    f"cannot reach the Dask scheduler at {scheduler!r} ({reason}); fix: start it ('dask scheduler', "
                    f"then 'dask worker {scheduler}' on each machine) and check the address, or drop --scheduler "
                    "to run on a cluster of this machine"
                ) from None
            self._check_versions()
        else:
            import dask

            from ideopolis.spatial.inference import permutation_threads

            # Dask starts workers with MALLOC_TRIM_THRESHOLD_=65536 (to hand memory back to the system on long-lived
            # workers); a fixed threshold turns off glibc's adaptive mmap threshold, so every large numpy array is
            # mapped and unmapped again: the permutation kernel ran 3 times slower (0.74 CPU s here, 2.2 on a
            # worker, 1.1 without it: benchmarks/bench_dask.py). A cluster that lives for one command needs no trim.
            with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
                self._cluster = distributed.LocalCluster(
                    n_workers=n_workers or permutation_threads(),
                    threads_per_worker=1,
                    processes=True,
                    # no dashboard; the scheduler's HTTP endpoint (health, metrics) still opens, so on a free
                    # port: None would take :8787 and warn when another cluster of this machine has it
                    dashboard_address=":0",
                )
            self.client = distributed.Client(self._cluster, set_as_default=False)
        atexit.register(self.close)

    def _check_versions(self) -> None:
        """Refuse workers that run another ideopolis (their numbers could differ)."""
        import ideopolis

        try:
            versions = self.client.run(_ideopolis_version)
        except ImportError:
            versions = {"a worker": "none (not installed)"}
        other = {w: v for w, v in versions.items() if v != ideopolis.__version__}
        if other:
            worker, version = next(iter(other.items()))
            self.close()
            raise EngineError(
                f"the Dask worker {worker} runs ideopolis {version}, this client {ideopolis.__version__}; fix: "
                "install the same version on every worker"
            )

    # -- what the engine is ----------------------------------------------------------------------------
    @property
    def n_workers(self) -> int:
        """Workers the scheduler knows now (at least 1)."""
        return max(1, len(self.client.scheduler_info(n_workers=-1).get("workers", {})))

    def _parts(self) -> int:
        return TASKS_PER_WORKER * self.n_workers

    def describe(self) -> str:
        """One line: the scheduler (or a LocalCluster) and its workers."""
        where = self.scheduler or ("a LocalCluster on this machine" if self._cluster is not None else "a client")
        n = self.n_workers
        return f"dask ({where}, {n} worker{'' if n == 1 else 's'})"

    # -- the operations ----------------------------------------------------------------------------------
    def _run(self, func: Callable[..., Any], calls: Sequence[tuple[Sequence[Any], dict[str, Any]]]) -> list[Any]:
        futures = [self.client.submit(func, *args, pure=False, **kw) for args, kw in calls]
        try:
            return list(self.client.gather(futures))
        finally:
            for f in futures:
                f.release()

    def _scatter(self, value: Any) -> Any:
        return self.client.scatter(value, broadcast=True, hash=False)

    def map_regions(self, func: Callable[..., Any], frames: Sequence[pd.DataFrame], **kwargs: Any) -> list[Any]:
        """Apply ``func`` to partitions of regions on the workers; results in region order.

        The partitions are scattered (each to one worker); ``kwargs`` (settings, the framework) travel with the tasks.
        """
        parts = split_positions(len(frames[0]), self._parts())
        pieces = [self.client.scatter([f.iloc[p] for f in frames], hash=False) for p in parts]
        return self._run(func, [(piece, kwargs) for piece in pieces])

    def map_indicators(self, func: Callable[..., Any], frame: pd.DataFrame, **kwargs: Any) -> list[Any]:
        """Apply ``func`` to groups of columns on the workers (every region in each); results in column order."""
        parts = split_positions(frame.shape[1], self._parts())
        pieces = [self.client.scatter(frame.iloc[:, p], hash=False) for p in parts]
        return self._run(func, [((piece,), kwargs) for piece in pieces])

    def permutation_counts(
        self,
        problem: LagProblem,
        regions: IntArray,
        start: IntArray,
        stop: IntArray,
        **kwargs: Any,
    ) -> IntArray:
        """:func:`~ideopolis.spatial.inference.permutation_counts` over chunks of regions on the workers.

        The problem is scattered once per test (the rounds of a sequential test reuse it); each worker runs one
        thread. The counts are those of the local call: every region draws from its own stream.
        """
        from ideopolis.spatial.inference import permutation_counts, resolve_engine

        regions = np.asarray(regions, dtype=np.int64)
        start = np.broadcast_to(np.asarray(start, dtype=np.int64), regions.shape)
        stop = np.broadcast_to(np.asarray(stop, dtype=np.int64), regions.shape)
        if self._problem is None or self._problem[0] is not problem:
            self._problem = (problem, self._scatter(problem))
        future = self._problem[1]
        # the engine the local call would run, chosen for the whole call: each part alone may fall below the
        # compiled engine's threshold and run the numpy engine, 7x slower per draw (same counts either way)
        engine = resolve_engine(kwargs.get("engine", "auto"), problem.cardinalities[regions], start, stop)
        kwargs = {**kwargs, "threads": 1, "engine": engine}
        parts = split_positions(len(regions), self._parts())
        if not parts:
            return np.zeros((0, 2), dtype=np.int64)
        calls = [((future, regions[p], start[p], stop[p]), kwargs) for p in parts]
        return np.concatenate(self._run(permutation_counts, calls), axis=0)

    def evaluate_draws(self, engine: Engine, draws: Draws, **kwargs: Any) -> Evaluation:
        """The batches of :meth:`~ideopolis.index.uncertainty.engine.Engine.evaluate` on the workers."""
        from ideopolis.index.uncertainty.engine import Evaluation

        keep_ranks = bool(kwargs.get("keep_ranks", True))
        keep_scores = bool(kwargs.get("keep_scores", False))
        progress: Callable[[int], None] | None = kwargs.get("progress")
        n, r = len(draws), len(engine.ids)
        chunk = kwargs.get("chunk") or engine.chunk_size()
        tasks = engine._tasks(draws, chunk)
        for combo, _, _ in tasks:  # the tables, built here in a fixed order, travel with the engine
            engine.table(*combo)
        shared = self._scatter(engine)
        futures = [
            self.client.submit(
                _evaluate_batch, shared, combo, agg, draws.weights[rows], keep_ranks, keep_scores, pure=False
            )
            for combo, agg, rows in tasks
        ]
        ranks = np.full((r, n), np.nan, dtype=np.float32) if keep_ranks else None
        scores = np.full((r, n), np.nan) if keep_scores else None
        shift = np.full(n, np.nan)
        try:
            for future, (_, _, rows) in zip(futures, tasks, strict=True):  # in order: progress as batches land
                rk, y, s = future.result()
                shift[rows] = s
                if ranks is not None and rk is not None:
                    ranks[:, rows] = rk.T
                if scores is not None and y is not None:
                    scores[:, rows] = y.T
                if progress is not None:
                    progress(int(rows.size))
        finally:
            for f in futures:
                f.release()
        return Evaluation(ranks=ranks, shift=shift, scores=scores)

    def close(self) -> None:
        """Close the client and the LocalCluster this engine started (a caller's client stays open)."""
        atexit.unregister(self.close)
        self._problem = None
        if self._owns_client and getattr(self, "client", None) is not None:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


def _evaluate_batch(
    engine: Engine, combo: tuple[int, int, int], agg: int, weights: np.ndarray, keep_ranks: bool, keep_scores: bool
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray]:
    """One batch of draws on a worker: :meth:`Engine.evaluate_batch`, with only what the caller keeps."""
    y, rk, shift = engine.evaluate_batch(combo, agg, weights)
    # float32 here, as the local matrix stores them: the same cast, half the bytes to send back
    return (rk.astype(np.float32) if keep_ranks else None), (y if keep_scores else None), shift
