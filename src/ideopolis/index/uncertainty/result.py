"""The result of an uncertainty analysis: each region's rank distribution, summarised, and its stability class.

Per region (COINr's ``get_sensitivity`` ``RankStats``, with the interval as whole ranks):

- ``nominal_rank``: the run's rank;
- ``median_rank``: the median of its ranks over the draws;
- ``rank_lo``, ``rank_hi``: the 5 % and 95 % quantiles of its ranks, as ranks it actually took (the inverted
  empirical distribution: ``rank_lo`` is the best rank with at least 5 % of the draws at or above it, ``rank_hi``
  the best rank with at least 95 % of the draws at or above it); 90 % of the draws lie in between;
- ``mean_abs_shift``: the mean over the draws of ``|rank - nominal_rank|``;
- ``stability``: a class from the interval's width ``w = rank_hi - rank_lo``, the regions ranked ``n`` and the
  region's nominal rank ``r``:

  ============  =================================================================
  class         rule (default cut-offs 5 % and 15 %)
  ============  =================================================================
  ``stable``    ``w <= max(3, 0.05 n)`` and ``w <= max(3, 2 r)``
  ``moderate``  ``w <= max(10, 0.15 n)`` and ``w <= max(10, 10 r)``
  ``volatile``  otherwise
  ============  =================================================================

  The shares of ``n`` make a class mean the same among 51 countries and among 3,000 counties; the bounds by
  the rank itself keep a top rank from passing as stable on a width that is small for the list but large for
  it ("5th, anywhere from 1st to 134th" is volatile; "12th (8th–19th)" is stable); the floors (3 and 10 ranks)
  keep a small set from calling a two-rank wobble volatile.

:meth:`UncertaintyResult.coinr_stats` gives COINr's own table (Mean, Median, Q5, Q95 with R's default quantile,
type 7), for comparisons with COINr.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from pathlib import Path

    from ideopolis.index.uncertainty.engine import Input
    from ideopolis.index.uncertainty.sobol import SensitivityResult
    from ideopolis.index.uncertainty.spec import UncertaintySpec

__all__ = ["STABILITY_CLASSES", "UncertaintyResult", "ordinal", "rank_statistics", "stability_class"]

#: The stability classes, most stable first.
STABILITY_CLASSES = ("stable", "moderate", "volatile")
#: Fewest ranks each class allows, whatever the number of regions.
STABILITY_FLOORS = (3, 10)
#: Widest interval each class allows as a multiple of the region's own rank (beside the share of the regions).
STABILITY_RANK_FACTORS = (2, 10)
#: Regions summarised at a time (bounds the memory of :func:`rank_statistics`).
ROW_BLOCK = 4096


def stability_class(
    width: np.ndarray, n: int, cutoffs: Sequence[float] = (0.05, 0.15), rank: np.ndarray | None = None
) -> np.ndarray:
    """Classify 5-95 % rank intervals of width ``width`` among ``n`` ranked regions (see the module docstring).

    Parameters
    ----------
    width : numpy.ndarray
        ``rank_hi - rank_lo`` per region (NaN: not ranked).
    n : int
        Regions ranked.
    cutoffs : (float, float)
        Shares of ``n`` up to which an interval is ``stable`` and ``moderate``.
    rank : numpy.ndarray, optional
        Each region's nominal rank: an interval may also be no wider than twice the rank (stable) or ten times
        the rank (moderate). Default: no bound by rank.

    Returns
    -------
    numpy.ndarray of object
        ``"stable"``, ``"moderate"``, ``"volatile"`` or ``None``.

    Examples
    --------
    >>> stability_class(np.array([2.0, 40.0, 90.0, 150.0, np.nan]), 925).tolist()
    ['stable', 'stable', 'moderate', 'volatile', None]
    >>> stability_class(np.array([11.0, 19.0, 133.0]), 3142, rank=np.array([12.0, 2.0, 5.0])).tolist()
    ['stable', 'moderate', 'volatile']
    """
    w = np.asarray(width, dtype=float)
    r = np.full(w.shape, np.inf) if rank is None else np.asarray(rank, dtype=float)
    stable = np.minimum(
        max(STABILITY_FLOORS[0], cutoffs[0] * n), np.maximum(STABILITY_FLOORS[0], STABILITY_RANK_FACTORS[0] * r)
    )
    moderate = np.minimum(
        max(STABILITY_FLOORS[1], cutoffs[1] * n), np.maximum(STABILITY_FLOORS[1], STABILITY_RANK_FACTORS[1] * r)
    )
    with np.errstate(invalid="ignore"):
        out = np.where(w <= stable, "stable", np.where(w <= moderate, "moderate", "volatile")).astype(object)
    out[np.isnan(w)] = None
    return out


def ordinal(n: int) -> str:
    """``1`` -> ``"1st"``, ``12`` -> ``"12th"``, ``23`` -> ``"23rd"``.

    Examples
    --------
    >>> [ordinal(i) for i in (1, 2, 3, 4, 11, 12, 13, 21, 102)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '102nd']
    """
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


class RankFile:
    """A ``(regions, draws)`` float32 rank matrix kept on disk, one draw after another (bounded memory).

    :meth:`ideopolis.index.uncertainty.engine.Engine.evaluate` writes each draw's ranks where they belong
    (``os.pwrite``, so worker threads never share a buffer); :func:`rank_statistics` then reads it back a block
    of regions at a time (every draw's segment of the block), so the memory is one block, never the matrix
    (at a million regions and 1,000 draws the matrix is 4 GB).

    Parameters
    ----------
    path : Path
        The file (created, or truncated, to ``4 R N`` bytes).
    regions, draws : int
        ``R`` and ``N``.
    block_bytes : int
        The most bytes of ranks held in memory when reading.
    """

    def __init__(self, path: Path, regions: int, draws: int, *, block_bytes: int = 1 << 28) -> None:
        self.path = Path(path)
        self.shape = (int(regions), int(draws))
        self._block_rows = max(ROW_BLOCK, block_bytes // max(1, 4 * self.shape[1]))
        with self.path.open("wb") as f:
            f.truncate(4 * self.shape[0] * self.shape[1])
        self._cache: tuple[int, np.ndarray] | None = None

    def write(self, draw: int, ranks: np.ndarray) -> None:
        """Store one draw's ``(R,)`` ranks."""
        data = np.ascontiguousarray(ranks, dtype=np.float32)
        if data.shape != (self.shape[0],):
            raise ValueError(f"one rank per region ({self.shape[0]:,}) expected, got shape {data.shape}")
        fd = os.open(self.path, os.O_WRONLY)
        try:
            os.pwrite(fd, data.tobytes(), 4 * self.shape[0] * int(draw))
        finally:
            os.close(fd)

    def __getitem__(self, rows: slice) -> np.ndarray:
        """The ``(len(rows), N)`` ranks of a contiguous slice of regions (step 1)."""
        start, stop, step = rows.indices(self.shape[0])
        if step != 1:
            raise ValueError("a rank file is read by contiguous slices of regions")
        if self._cache is None or not (self._cache[0] <= start and stop <= self._cache[0] + len(self._cache[1])):
            first, last = start, min(self.shape[0], max(stop, start + self._block_rows))
            block = np.empty((self.shape[1], last - first), dtype=np.float32)
            with self.path.open("rb") as f:
                for d in range(self.shape[1]):
                    f.seek(4 * (self.shape[0] * d + first))
                    f.readinto(memoryview(block[d]))
            self._cache = (first, np.ascontiguousarray(block.T))
        first, cached = self._cache
        return cached[start - first : stop - first]


def rank_statistics(
    ranks: np.ndarray | RankFile,
    nominal: np.ndarray,
    ids: pd.Index,
    *,
    cutoffs: Sequence[float] = (0.05, 0.15),
) -> pd.DataFrame:
    """Summarise a ``(regions, draws)`` rank matrix per region (see the module docstring).

    Parameters
    ----------
    ranks : numpy.ndarray or RankFile
        ``(R, N)`` ranks (NaN: not ranked in that draw), in memory or on disk (the same numbers either way:
        every statistic is computed region by region).
    nominal : numpy.ndarray
        ``(R,)`` the run's ranks.
    ids : pandas.Index
        Region ids.
    cutoffs : (float, float)
        The stability cut-offs.

    Returns
    -------
    pandas.DataFrame
        Index ``id``; ``nominal_rank``, ``median_rank``, ``rank_lo``, ``rank_hi`` (Int64), ``mean_abs_shift``,
        ``stability``.

    Examples
    --------
    >>> r = np.array([[1, 1, 2, 1, 1, 1, 1, 1, 1, 3], [2, 2, 1, 2, 2, 2, 2, 2, 2, 1]], dtype=float)
    >>> rank_statistics(r, np.array([1.0, 2.0]), pd.Index(["a", "b"]))[["rank_lo", "rank_hi", "mean_abs_shift"]]
        rank_lo  rank_hi  mean_abs_shift
    id
    a         1        3             0.3
    b         1        2             0.2
    """
    if not isinstance(ranks, RankFile):
        ranks = np.asarray(ranks)
    nominal = np.asarray(nominal, dtype=float)
    r = ranks.shape[0]
    median, lo, hi, shift = (np.full(r, np.nan) for _ in range(4))
    # blocks of regions: the extra memory is one block, never another regions x draws array
    for start in range(0, r, ROW_BLOCK):
        rows = slice(start, min(r, start + ROW_BLOCK))
        block = ranks[rows].astype(float)
        if not block.shape[1]:
            continue
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a region never ranked: its statistics are NaN
            if np.isnan(block).any():
                median[rows] = np.nanmedian(block, axis=1)
                lo[rows] = np.nanquantile(block, 0.05, axis=1, method="inverted_cdf")
                hi[rows] = np.nanquantile(block, 0.95, axis=1, method="inverted_cdf")
                shift[rows] = np.nanmean(np.abs(block - nominal[rows, None]), axis=1)
            else:
                # one sort per block gives every order statistic (the same numbers as np.median/np.quantile)
                ordered = np.sort(block, axis=1)
                n = ordered.shape[1]
                median[rows] = (ordered[:, (n - 1) // 2] + ordered[:, n // 2]) / 2
                lo[rows] = ordered[:, max(0, math.ceil(0.05 * n) - 1)]
                hi[rows] = ordered[:, max(0, math.ceil(0.95 * n) - 1)]
                shift[rows] = np.abs(block - nominal[rows, None]).mean(axis=1)
    n = int(np.isfinite(nominal).sum())
    out = pd.DataFrame(
        {
            "nominal_rank": pd.array(np.where(np.isnan(nominal), np.nan, nominal), dtype="Float64").astype("Int64"),
            "median_rank": median,
            "rank_lo": pd.array(lo, dtype="Float64").astype("Int64"),
            "rank_hi": pd.array(hi, dtype="Float64").astype("Int64"),
            "mean_abs_shift": shift,
            "stability": pd.array(stability_class(hi - lo, n, cutoffs, rank=nominal), dtype="string"),
        },
        index=pd.Index(ids, name="id"),
    )
    return out


@dataclass
class UncertaintyResult:
    """Each region's rank distribution over the draws of an uncertainty analysis.

    Attributes
    ----------
    ranks : pandas.DataFrame
        One row per region ranked (index = region id, str): ``nominal_rank``, ``median_rank``, ``rank_lo``,
        ``rank_hi`` (5 % and 95 % rank quantiles, Int64), ``mean_abs_shift``, ``stability``.
    spec : UncertaintySpec
        What was asked (with the seed used filled in).
    target : str
        The aggregate analysed.
    inputs : list of Input
        What varied.
    design : pandas.DataFrame
        The draws (one row each: the alternative of every input, the balance weight, the noised weights).
    notes : list of str
        What the analysis decided (an input left out and why).
    rank_matrix : numpy.ndarray or None
        ``(regions, draws)`` float32 ranks.
    shift : numpy.ndarray
        ``(draws,)`` mean absolute rank shift of each draw.
    sensitivity : SensitivityResult or None
        Sobol indices, when estimated.
    names : pandas.Series or None
        Region names.
    seed_used : int
        The seed the draws came from.

    Examples
    --------
    >>> import ideopolis as ideo
    >>> run = ideo.score("us-metros")
    >>> ua = ideo.uncertainty(run, draws=200, sensitivity=False)
    >>> list(ua.ranks.columns)
    ['nominal_rank', 'median_rank', 'rank_lo', 'rank_hi', 'mean_abs_shift', 'stability']
    >>> ua.interval_text("41940")  # San Jose
    '1st (1st–2nd)'
    """

    ranks: pd.DataFrame
    spec: UncertaintySpec
    target: str
    inputs: list[Input]
    design: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    rank_matrix: np.ndarray | None = None
    shift: np.ndarray = field(default_factory=lambda: np.array([]))
    sensitivity: SensitivityResult | None = None
    names: pd.Series | None = None
    seed_used: int = 0

    @property
    def draws(self) -> int:
        """Number of draws."""
        return len(self.design)

    @property
    def seed(self) -> int:
        """The seed the draws came from (the spec's, else the run's)."""
        return self.seed_used

    def varied(self) -> dict[str, str]:
        """What varied, input by input, in one phrase each."""
        return {i.name: i.describe() for i in self.inputs}

    def interval_text(self, region: str) -> str:
        """``"12th (8th–19th)"``: a region's rank and its 5-95 % interval; ``"not ranked"`` without one.

        Parameters
        ----------
        region : str
            A region id.

        Returns
        -------
        str
        """
        if region not in self.ranks.index:
            return "not ranked"
        cells: list[Any] = [self.ranks.at[region, c] for c in ("nominal_rank", "rank_lo", "rank_hi")]
        nominal, lo, hi = cells
        if any(pd.isna(v) for v in cells):
            return "not ranked"
        return f"{ordinal(int(nominal))} ({ordinal(int(lo))}–{ordinal(int(hi))})"

    def interval_column(self, ids: Sequence[str] | pd.Index) -> pd.Series:
        """The interval as text (``"8–19"``) for ``ids``, empty where a region has none."""
        table = self.ranks.reindex(pd.Index(ids, dtype=str))
        text = [
            "" if pd.isna(lo) or pd.isna(hi) else f"{int(lo)}–{int(hi)}"
            for lo, hi in zip(table["rank_lo"], table["rank_hi"], strict=True)
        ]
        return pd.Series(text, index=table.index, dtype=object)

    def stability_note(self) -> str:
        """How the stability classes were made, in one line (a map legend's note)."""
        lo, hi = self.spec.stability
        n = int(self.ranks["nominal_rank"].notna().sum())
        floors = STABILITY_FLOORS
        return (
            f"width of the 5-95% rank interval over {self.draws:,} draws: stable up to "
            f"{math.floor(max(floors[0], lo * n))} ranks and twice the rank, moderate up to "
            f"{math.floor(max(floors[1], hi * n))} and 10 times the rank, else volatile"
        )

    def coinr_stats(self) -> pd.DataFrame:
        """COINr's ``RankStats`` table: Nominal, Mean, Median, Q5 and Q95 (R's default quantile, type 7).

        Returns
        -------
        pandas.DataFrame
            Index ``uCode`` (the region id).

        Raises
        ------
        ValueError
            When the rank matrix was not kept.
        """
        if self.rank_matrix is None:
            raise ValueError(
                "the rank matrix was not kept; run the analysis with keep_ranks=True (it is kept only when it fits "
                "in ideopolis.index.uncertainty.RANK_MATRIX_BYTES; larger ones are streamed to disk)"
            )
        r = self.rank_matrix.astype(float)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            out = pd.DataFrame(
                {
                    "Nominal": self.ranks["nominal_rank"].astype("Float64").to_numpy(dtype=float, na_value=np.nan),
                    "Mean": np.nanmean(r, axis=1),
                    "Median": np.nanmedian(r, axis=1),
                    "Q5": np.nanquantile(r, 0.05, axis=1),
                    "Q95": np.nanquantile(r, 0.95, axis=1),
                },
                index=pd.Index(self.ranks.index, name="uCode"),
            )
        return out

    def counts(self) -> pd.Series:
        """Regions per stability class, most stable first."""
        counts = self.ranks["stability"].value_counts()
        return counts.reindex(list(STABILITY_CLASSES), fill_value=0).rename("regions")

    def table(self, names: pd.Series | None = None) -> pd.DataFrame:
        """Every region ranked, best nominal rank first: rank, interval, median, shift, stability, name.

        Parameters
        ----------
        names : pandas.Series, optional
            Region names (default: the result's).

        Returns
        -------
        pandas.DataFrame
        """
        names = names if names is not None else self.names
        t = self.ranks.copy()
        out = pd.DataFrame(index=t.index)
        out["rank"] = t["nominal_rank"]
        out["interval 5-95%"] = self.interval_column(t.index)
        out["median"] = t["median_rank"]
        out["mean shift"] = t["mean_abs_shift"]
        out["stability"] = t["stability"]
        if names is not None:
            out["name"] = names.reindex(t.index)
        order = t["nominal_rank"].astype("Float64").to_numpy(dtype=float, na_value=np.inf)
        return out.iloc[np.argsort(order, kind="stable")]

    def log(self) -> dict[str, Any]:
        """What the analysis did, for the run log (``[log.uncertainty]``)."""
        out: dict[str, Any] = {
            "draws": self.draws,
            "seed": self.seed,
            "target": self.target,
            "varied": self.varied(),
            "stability_counts": {str(k): int(v) for k, v in self.counts().items()},
            "notes": list(self.notes),
        }
        if self.sensitivity is not None:
            out["sensitivity"] = self.sensitivity.log()
        return out

    def plot(self, path: str | Path, *, top: int | None = 40) -> Path:
        """Draw the regions' median ranks and 5-95 % intervals (COINr's ``plot_uncertainty``) as a PNG.

        Parameters
        ----------
        path : str or Path
            The ``.png`` to write (atomically).
        top : int, optional
            Only the best ``top`` regions by nominal rank (``None``: all).

        Returns
        -------
        Path
        """
        from ideopolis.index.uncertainty.plots import plot_rank_intervals

        return plot_rank_intervals(self, path, top=top)

    def __repr__(self) -> str:
        """Short: draws, seed, what varied, the stability counts."""
        counts = ", ".join(f"{k} {v}" for k, v in self.counts().items())
        return (
            f"UncertaintyResult({self.target}: {len(self.ranks):,} regions, {self.draws:,} draws, seed {self.seed}; "
            f"varied: {', '.join(self.varied())}; {counts})"
        )

    def _repr_html_(self) -> str:
        """The top of the table (notebooks)."""
        head = escape(repr(self))
        return f"<div><p>{head}</p>{self.table().head(20).to_html(na_rep='-', float_format=lambda v: f'{v:.1f}')}</div>"
