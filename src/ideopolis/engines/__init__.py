"""Compute engines: where a run's heavy work runs, chosen by name (``local``, ``dask``).

A run's numbers never depend on the engine. The engine only decides where the work that splits runs:

- ``local`` (the default): in this process, as it always has (the permutation test on threads);
- ``dask``: on a Dask cluster (:mod:`ideopolis.engines.dask`): a ``distributed.LocalCluster`` on this machine
  when no scheduler is named, or the cluster at ``scheduler`` (``tcp://HOST:8786``), or a
  ``distributed.Client`` the caller made.

Every engine offers the same operations, each defined so its result is bitwise the local one:

- :meth:`ComputeEngine.map_regions`: a row-wise step over partitions of regions, concatenated in order;
- :meth:`ComputeEngine.map_indicators`: a column-wise step (its statistics are per indicator) over groups of
  indicators, every group with all the regions;
- :meth:`ComputeEngine.permutation_counts`: :func:`ideopolis.spatial.inference.permutation_counts` over chunks of
  regions (each region draws from its own stream, so chunks do not change a count);
- :meth:`ComputeEngine.evaluate_draws`: the uncertainty draws in the batches
  :meth:`ideopolis.index.uncertainty.engine.Engine.evaluate` makes (a draw's parameters are decoded before any
  batch is made, so batches do not change them).

A run profile chooses the engine in ``[run]`` (``engine = "dask"``, ``scheduler = "tcp://..."``); the CLI with
``--engine`` and ``--scheduler``; the API with ``engine=``, ``scheduler=`` and ``client=``.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ideopolis.registry import Registry

if TYPE_CHECKING:
    from ideopolis.index.uncertainty.engine import Draws, Engine, Evaluation
    from ideopolis.spatial.inference import LagProblem
    from ideopolis.spatial.weights import IntArray

__all__ = ["DEFAULT_ENGINE", "ENGINES", "ComputeEngine", "LocalEngine", "close_open_engines", "open_engine"]

DEFAULT_ENGINE = "local"


class ComputeEngine:
    """Where a run's work that splits runs; the base class runs everything here, in this process.

    Subclasses override the operations they distribute; each must give the local result bit for bit.
    """

    name = "local"

    def describe(self) -> str:
        """One line for notes and logs: the engine and where it runs."""
        return "local (this process)"

    def map_regions(self, func: Callable[..., Any], frames: Sequence[pd.DataFrame], **kwargs: Any) -> list[Any]:
        """Apply a row-wise ``func`` to partitions of regions; one result per partition, in region order.

        Parameters
        ----------
        func : callable
            ``func(*partitions, **kwargs)``: the same rows of every frame in ``frames``.
        frames : sequence of DataFrame
            Tables with the same index (regions).
        **kwargs
            Passed to every call (sent once).

        Returns
        -------
        list
            Here: one result, of the whole tables.
        """
        return [func(*frames, **kwargs)]

    def map_indicators(self, func: Callable[..., Any], frame: pd.DataFrame, **kwargs: Any) -> list[Any]:
        """Apply a column-wise ``func`` to groups of columns (every region in each); one result per group.

        Parameters
        ----------
        func : callable
            ``func(group, **kwargs)``.
        frame : DataFrame
            The table; groups keep its column order.
        **kwargs
            Passed to every call.

        Returns
        -------
        list
            Here: one result, of the whole table.
        """
        return [func(frame, **kwargs)]

    def permutation_counts(
        self,
        problem: LagProblem,
        regions: IntArray,
        start: IntArray,
        stop: IntArray,
        **kwargs: Any,
    ) -> IntArray:
        """:func:`ideopolis.spatial.inference.permutation_counts`, here (its own threads)."""
        from ideopolis.spatial.inference import permutation_counts

        return permutation_counts(problem, regions, start, stop, **kwargs)

    def evaluate_draws(self, engine: Engine, draws: Draws, **kwargs: Any) -> Evaluation:
        """:meth:`ideopolis.index.uncertainty.engine.Engine.evaluate`, here (its own threads)."""
        return engine.evaluate(draws, **kwargs)

    def close(self) -> None:
        """Release what the engine holds (a cluster it started); the local engine holds nothing."""

    def __enter__(self) -> ComputeEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LocalEngine(ComputeEngine):
    """The default engine: everything in this process (numpy, and threads for the permutation test)."""


EngineFactory = Callable[..., ComputeEngine]

#: Engines by name: ``local`` and ``dask``.
ENGINES: Registry[EngineFactory] = Registry("engine")


@ENGINES.register("local", aliases=("single", "here"))
def _local(*, scheduler: str | None = None, client: Any = None, **_: Any) -> ComputeEngine:
    if scheduler is not None or client is not None:
        from ideopolis.errors import ConfigError

        raise ConfigError("a scheduler or a Dask client needs the dask engine; fix: add --engine dask")
    return LocalEngine()


@ENGINES.register("dask", aliases=("distributed",))
def _dask(*, scheduler: str | None = None, client: Any = None, **options: Any) -> ComputeEngine:
    from ideopolis.engines.dask import DaskEngine

    return DaskEngine(scheduler=scheduler, client=client, **options)


def open_engine(name: str = DEFAULT_ENGINE, *, scheduler: str | None = None, client: Any = None) -> ComputeEngine:
    """Open the engine ``name``: ``local``, or ``dask`` on ``client``, at ``scheduler`` or on a LocalCluster.

    Parameters
    ----------
    name : str, default "local"
        A name in :data:`ENGINES`.
    scheduler : str, optional
        The Dask scheduler's address (``tcp://HOST:8786``); default a ``distributed.LocalCluster`` here
        (processes, one per core, one thread each), closed by :meth:`ComputeEngine.close`.
    client : distributed.Client, optional
        A client the caller made (a notebook's): used as it is and left open.

    Returns
    -------
    ComputeEngine
        Close it when done (it is a context manager).

    Raises
    ------
    UnknownMethodError
        For an unknown engine name (listing the valid ones).
    ConfigError
        For ``scheduler`` or ``client`` without the dask engine, or the dask engine without dask installed
        (``pip install 'ideopolis[dask]'``).
    OutputError
        When the scheduler cannot be reached.

    Examples
    --------
    >>> with open_engine("local") as engine:
    ...     engine.describe()
    'local (this process)'
    """
    engine = ENGINES.get(name)(scheduler=scheduler, client=client)
    _OPEN.add(engine)
    return engine


#: Engines opened and not closed yet (what a command closes when it ends).
_OPEN: weakref.WeakSet[ComputeEngine] = weakref.WeakSet()


def close_open_engines() -> int:
    """Close every engine :func:`open_engine` opened that is still open (a command does this when it ends).

    Returns
    -------
    int
        How many were closed.
    """
    engines = list(_OPEN)
    for engine in engines:
        engine.close()
        _OPEN.discard(engine)
    return len(engines)


def split_positions(n: int, parts: int) -> list[np.ndarray]:
    """Split ``range(n)`` into at most ``parts`` contiguous, non-empty, nearly equal pieces, in order.

    Parameters
    ----------
    n : int
        How many positions.
    parts : int
        How many pieces wanted (at least 1).

    Returns
    -------
    list of numpy.ndarray

    Examples
    --------
    >>> [p.tolist() for p in split_positions(5, 2)]
    [[0, 1, 2], [3, 4]]
    >>> split_positions(0, 3)
    []
    """
    return [p for p in np.array_split(np.arange(n), max(1, min(parts, n))) if len(p)] if n else []
