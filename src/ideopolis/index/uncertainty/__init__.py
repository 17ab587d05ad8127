"""Uncertainty and sensitivity analysis of the ranks (OECD/JRC Handbook step 7; COINr's ``get_sensitivity``).

- :mod:`~ideopolis.index.uncertainty.spec`: what varies (the ``[uncertainty]`` section of a run profile);
- :mod:`~ideopolis.index.uncertainty.engine`: the draws and their fast evaluation (only what a draw changes);
- :mod:`~ideopolis.index.uncertainty.result`: each region's median rank, 5-95 % interval, shift and stability class;
- :mod:`~ideopolis.index.uncertainty.sobol`: first-order and total Sobol indices with bootstrap intervals (SALib);
- :mod:`~ideopolis.index.uncertainty.plots`: the PNG plots.

:func:`analyse` runs an analysis on a finished :class:`~ideopolis.index.run.IndexRun`; most users call
:func:`ideopolis.index.uncertainty` (the API) or ``ideopolis uncertainty`` (the command), which attach the result to a
:class:`~ideopolis.run.Run` so that its tables, maps and log carry the intervals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ideopolis.engines import ComputeEngine
    from ideopolis.index.run import IndexRun
    from ideopolis.index.uncertainty.engine import Engine
    from ideopolis.index.uncertainty.result import UncertaintyResult
    from ideopolis.index.uncertainty.spec import UncertaintySpec

__all__ = ["analyse", "resolved_spec"]


def resolved_spec(engine: Engine) -> UncertaintySpec:
    """The engine's spec with everything decided from the run written out (inputs varied, alternatives).

    A run log records this form, so a replay varies exactly the same inputs over exactly the same alternatives
    even if the defaults change.

    Parameters
    ----------
    engine : Engine

    Returns
    -------
    UncertaintySpec
    """
    spec = engine.spec
    varied = {i.name for i in engine.inputs}
    alts = engine.alternatives
    return replace(
        spec,
        vary=tuple(i.name for i in engine.inputs),
        normalise=tuple(alts["normalise"]) if "normalise" in varied else spec.normalise,
        aggregate=tuple(alts["aggregate"]) if "aggregate" in varied else spec.aggregate,
        impute=tuple(alts["impute"]) if "impute" in varied else spec.impute,
        treat=tuple(alts["treat"]) if "treat" in varied else spec.treat,
        exposure=tuple(engine.exposure) if "exposure" in varied else spec.exposure,
        target=engine.target,
    )


def analyse(
    run: IndexRun,
    spec: UncertaintySpec,
    *,
    sensitivity: bool | None = None,
    keep_ranks: bool = True,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    compute: ComputeEngine | None = None,
) -> UncertaintyResult:
    """Run an uncertainty analysis (and optionally a Sobol sensitivity analysis) of ``run``'s ranks.

    The ``spec.draws`` draws come from ``numpy.random.SeedSequence(seed).spawn(2)[0]`` (the seed: ``spec.seed``,
    else the run's), the Sobol design from the second stream: the same spec and seed give the same numbers,
    whatever the chunking and thread count.

    Parameters
    ----------
    run : IndexRun
        A finished index run (its scored regions are the ones ranked).
    spec : UncertaintySpec
        What varies.
    sensitivity : bool, optional
        Also estimate Sobol indices (default: ``spec.sensitivity``).
    keep_ranks : bool, default True
        Keep the ``(regions, draws)`` rank matrix on the result.
    workers : int, optional
        Threads.
    progress : callable, optional
        Called with the number of draws (runs) finished.
    compute : ComputeEngine, optional
        Where the batches of draws run (:mod:`ideopolis.engines`; default here); the numbers do not change.

    Returns
    -------
    UncertaintyResult

    Raises
    ------
    ConfigError, MethodError
        See :class:`~ideopolis.index.uncertainty.engine.Engine` and
        :func:`~ideopolis.index.uncertainty.sobol.sobol_analysis`.
    """
    import numpy as np

    from ideopolis.index.uncertainty.engine import Engine, uniform_design
    from ideopolis.index.uncertainty.result import UncertaintyResult, rank_statistics
    from ideopolis.index.uncertainty.sobol import sobol_analysis

    seed = spec.seed if spec.seed is not None else int(run.config.seed)
    engine = Engine(run, spec)
    ua_seq, sa_seq = np.random.SeedSequence(seed).spawn(2)
    draws = engine.decode(uniform_design(spec.draws, engine.dims, ua_seq))
    evaluation = engine.evaluate(draws, keep_ranks=True, workers=workers, progress=progress, compute=compute)
    assert evaluation.ranks is not None
    ranks = rank_statistics(evaluation.ranks, engine.nominal_ranks, engine.ids, cutoffs=spec.stability)
    sens = None
    if spec.sensitivity if sensitivity is None else sensitivity:
        sens = sobol_analysis(
            engine, n=spec.sobol_n, seed=sa_seq, bootstrap=spec.bootstrap, workers=workers, compute=compute
        )
        sens = replace(sens, seed=seed)
    return UncertaintyResult(
        ranks=ranks,
        spec=resolved_spec(engine),
        target=engine.target,
        inputs=list(engine.inputs),
        design=engine.describe(draws),
        notes=list(engine.notes),
        rank_matrix=evaluation.ranks if keep_ranks else None,
        shift=evaluation.shift,
        sensitivity=sens,
        names=run.names,
        seed_used=seed,
    )
