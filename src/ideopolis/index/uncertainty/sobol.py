"""Variance-based sensitivity: which uncertain input drives the rank shifts (Sobol indices, via SALib).

The output analysed is COINr's (``get_sensitivity``, ``SA_type = "SA"``): for each run of the design, the mean
over the regions of ``|rank - nominal rank|`` of the target. Its variance is apportioned to the inputs:

- **first-order index** ``S1``: the share of the variance an input explains alone (Saltelli et al. 2010,
  estimator ``mean(f(B) (f(AB_i) - f(A))) / V``);
- **total index** ``ST``: its share including every interaction with the other inputs (Jansen 1999,
  ``mean((f(A) - f(AB_i))^2) / 2V``).

The design is Saltelli's (2010): two independent uniform matrices ``A`` and ``B`` of ``N`` rows and, for each
input ``i``, ``AB_i`` = ``A`` with input ``i``'s columns taken from ``B``: ``N (d + 2)`` runs for ``d`` inputs, in
SALib's row order. The weights are one input (every noised weight of a run moves together, as COINr's list of
noisy weight sets is one input; SALib's ``groups``). ``A`` and ``B`` are plain Monte Carlo draws from the seeded
generator, as COINr's ``SA_sample``, not SALib's Sobol' sequence: a scrambled Sobol' sequence gives every
dimension the same first bit up to a flip, so a two-way choice (treatment on/off, arithmetic/geometric) decoded
from it is identical or opposite in ``A`` and ``B`` in every row, and its indices come out exactly 0 or biased
(seen on COINr's ASEM example: treatment's total index 0.00 although switching it moves ranks). SALib's
``sobol.analyze`` computes the indices and the bootstrap; the confidence intervals here are the 5 % and 95 %
quantiles of its kept bootstrap resamples (what COINr reports as ``Si_q5``/``Si_q95``), not its normal
approximation.

SALib fits: it is the field's library for these estimators and their bootstrap, it accepts groups, and the
model evaluations stay ours (the engine computes the ``N (d + 2)`` runs in bulk).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ideopolis.errors import ConfigError

if TYPE_CHECKING:
    from ideopolis.engines import ComputeEngine
    from ideopolis.index.uncertainty.engine import Engine

__all__ = ["SensitivityResult", "saltelli_design", "sobol_analysis"]

#: Confidence level of the intervals (5 % to 95 %, as COINr).
CI_QUANTILES = (0.05, 0.95)


@dataclass(frozen=True)
class SensitivityResult:
    """Sobol indices of the mean absolute rank shift to each uncertain input.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per input: ``S1``, ``S1_lo``, ``S1_hi`` (first order and its 5-95 % bootstrap interval), ``ST``,
        ``ST_lo``, ``ST_hi`` (total), ``what`` (what varied).
    n : int
        Base sample size of the design.
    runs : int
        Model runs: ``n (d + 2)``.
    bootstrap : int
        Bootstrap resamples.
    variance : float
        Variance of the output (mean absolute rank shift) over the design.
    mean_shift : float
        Mean of the output over the design.
    seed : int
        Seed of the design and the bootstrap.
    notes : tuple of str
        What a reader should know (a constant output).
    """

    table: pd.DataFrame
    n: int
    runs: int
    bootstrap: int
    variance: float
    mean_shift: float
    seed: int
    notes: tuple[str, ...] = ()

    def log(self) -> dict[str, Any]:
        """Plain data for the run log."""
        rows = {
            str(k): {c: round(float(v), 6) for c, v in row.items() if c != "what"}
            for k, row in self.table.drop(columns="what").iterrows()
        }
        return {"n": self.n, "runs": self.runs, "bootstrap": self.bootstrap, "seed": self.seed, "indices": rows}

    def plot(self, path: str | Path) -> Path:
        """Draw the indices as a bar chart with their intervals (COINr's ``plot_sensitivity``) and write a PNG.

        Parameters
        ----------
        path : str or Path
            The ``.png`` to write (atomically).

        Returns
        -------
        Path
        """
        from ideopolis.index.uncertainty.plots import plot_sensitivity

        return plot_sensitivity(self, path)

    def __repr__(self) -> str:
        """The table, one line per input."""
        lines = [f"Sobol indices of the mean absolute rank shift ({self.runs:,} runs, N = {self.n})"]
        for name, row in self.table.iterrows():
            lines.append(
                f"  {name}: S1 {row['S1']:.2f} ({row['S1_lo']:.2f} to {row['S1_hi']:.2f}), "
                f"ST {row['ST']:.2f} ({row['ST_lo']:.2f} to {row['ST_hi']:.2f})"
            )
        return "\n".join(lines)


def saltelli_design(groups: list[str], n: int, seed: int | np.random.SeedSequence) -> np.ndarray:
    """Saltelli's design for first-order and total indices, in SALib's row order (no second-order rows).

    Parameters
    ----------
    groups : list of str
        The input (group) of each column, as SALib's ``groups``.
    n : int
        Rows of ``A`` and ``B``.
    seed : int or numpy.random.SeedSequence

    Returns
    -------
    numpy.ndarray
        ``(n (g + 2), len(groups))``: for each row ``k``, ``A_k``, then ``AB_i`` for every group ``i`` in order of
        first appearance, then ``B_k``.

    Examples
    --------
    >>> x = saltelli_design(["w", "w", "agg"], 2, 1)
    >>> x.shape
    (8, 3)
    >>> bool((x[1, :2] == x[3, :2]).all() and x[1, 2] == x[0, 2])  # AB_w: A with w's columns from B
    True
    """
    rng = np.random.default_rng(seed)
    k = len(groups)
    a, b = rng.random((n, k)), rng.random((n, k))
    names = list(dict.fromkeys(groups))
    step = len(names) + 2
    x = np.empty((n * step, k))
    x[0::step] = a
    x[step - 1 :: step] = b
    for i, name in enumerate(names):
        cols = [j for j, g in enumerate(groups) if g == name]
        ab = a.copy()
        ab[:, cols] = b[:, cols]
        x[i + 1 :: step] = ab
    return x


def _nonzero_seed(seq: np.random.SeedSequence) -> int:
    # SALib's analyze treats seed 0 as "no seed" (``if seed:``): draw a seed >= 1
    return int(seq.generate_state(1, dtype=np.uint32)[0]) | 1


def sobol_analysis(
    engine: Engine,
    *,
    n: int,
    seed: int | np.random.SeedSequence,
    bootstrap: int = 1000,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    compute: ComputeEngine | None = None,
) -> SensitivityResult:
    """Estimate first-order and total Sobol indices of the rank shift to each input of ``engine``.

    Parameters
    ----------
    engine : Engine
        The analysis's inputs and its fast evaluation.
    n : int
        Base sample size ``N`` (rows of ``A`` and ``B``); the design has ``N (d + 2)`` runs.
    seed : int or numpy.random.SeedSequence
        Seeds the scrambled Sobol' sequence and the bootstrap.
    bootstrap : int
        Bootstrap resamples of the intervals.
    workers : int, optional
        Threads of the evaluation (the results do not depend on it).
    progress : callable, optional
        Called with the number of runs finished.
    compute : ComputeEngine, optional
        Where the runs are evaluated (:mod:`ideopolis.engines`; default here); the results do not change.

    Returns
    -------
    SensitivityResult

    Raises
    ------
    ConfigError
        With fewer than two inputs varied (a Sobol index then says nothing), or ``n`` below 8.
    """
    from SALib.analyze import sobol as sobol_analyze

    d = len(engine.inputs)
    if d < 2:
        raise ConfigError(
            "a sensitivity analysis needs at least two uncertain inputs; vary more inputs or run the uncertainty "
            "analysis alone (sensitivity = false)"
        )
    if n < 8:
        raise ConfigError(f"the Sobol base sample must be at least 8; got {n}")
    seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    sample_seq, boot_seq = seq.spawn(2)
    groups = engine.groups()
    problem = {
        "num_vars": len(groups),
        "names": [f"{g}[{i}]" for i, g in enumerate(groups)],
        "bounds": [[0.0, 1.0]] * len(groups),
        "groups": groups,
    }
    x = saltelli_design(groups, n, sample_seq)
    draws = engine.decode(x)
    y = engine.evaluate(draws, keep_ranks=False, workers=workers, progress=progress, compute=compute).shift
    names = [i.name for i in engine.inputs]
    what = [i.describe() for i in engine.inputs]
    notes: list[str] = []
    y = np.where(np.isnan(y), 0.0, y)
    if np.ptp(y) == 0:
        notes.append("no draw moved any rank: every index is 0")
        zeros = np.zeros(d)
        table = pd.DataFrame(
            {"S1": zeros, "S1_lo": zeros, "S1_hi": zeros, "ST": zeros, "ST_lo": zeros, "ST_hi": zeros, "what": what},
            index=pd.Index(names, name="input"),
        )
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # SALib's constant-output note: handled above
            s = sobol_analyze.analyze(
                problem,
                y,
                calc_second_order=False,
                num_resamples=bootstrap,
                conf_level=0.9,
                keep_resamples=True,
                seed=_nonzero_seed(boot_seq),
            )
        s1_all = np.asarray(s["S1_conf_all"])
        st_all = np.asarray(s["ST_conf_all"])
        lo, hi = CI_QUANTILES
        table = pd.DataFrame(
            {
                "S1": np.asarray(s["S1"], dtype=float),
                "S1_lo": np.quantile(s1_all, lo, axis=0),
                "S1_hi": np.quantile(s1_all, hi, axis=0),
                "ST": np.asarray(s["ST"], dtype=float),
                "ST_lo": np.quantile(st_all, lo, axis=0),
                "ST_hi": np.quantile(st_all, hi, axis=0),
                "what": what,
            },
            index=pd.Index(names, name="input"),
        )
    return SensitivityResult(
        table=table,
        n=n,
        runs=len(draws),
        bootstrap=bootstrap,
        variance=float(np.var(y)),
        mean_shift=float(np.mean(y)),
        seed=int(seq.entropy) if isinstance(seq.entropy, int) else 0,
        notes=tuple(notes),
    )
