"""PNG plots of an uncertainty analysis: the Sobol indices and the rank intervals.

They follow COINr's ``plot_sensitivity`` and ``plot_uncertainty``.

Both are drawn with matplotlib's object API (no global state), with mathtext off for every string (a region
named ``$x$`` prints as typed), and written atomically.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from ideopolis.maps.static import plain_text, save_png

if TYPE_CHECKING:
    from ideopolis.index.uncertainty.result import UncertaintyResult
    from ideopolis.index.uncertainty.sobol import SensitivityResult

__all__ = ["plot_rank_intervals", "plot_sensitivity"]

#: Colours: first-order (main effect) and interactions (Okabe-Ito blue and orange), the interval whiskers.
MAIN, INTERACTIONS, WHISKER = "#0072B2", "#E69F00", "#333333"


def plot_sensitivity(result: SensitivityResult, path: str | Path) -> Path:
    """Draw the Sobol indices as bars: each input's total index split into first order and interactions.

    The first-order part is the main effect, the rest the interactions; whiskers are the 5-95 % bootstrap
    intervals of both.

    Parameters
    ----------
    result : SensitivityResult
    path : str or Path
        The ``.png`` to write.

    Returns
    -------
    Path
    """
    table = result.table.sort_values("ST", ascending=True)
    names = [str(i).replace("_", " ") for i in table.index]
    s1 = np.clip(table["S1"].to_numpy(dtype=float), 0, 1)
    st = np.clip(table["ST"].to_numpy(dtype=float), 0, 1)
    y = np.arange(len(names))
    fig = Figure(figsize=(8.0, 1.2 + 0.55 * len(names)), dpi=150)
    ax = fig.add_subplot(1, 1, 1)
    ax.barh(y, s1, color=MAIN, height=0.6, label="first order (main effect, S1)")
    ax.barh(y, np.maximum(st - s1, 0), left=s1, color=INTERACTIONS, height=0.6, label="interactions (ST - S1)")
    ax.errorbar(
        s1,
        y - 0.12,
        xerr=np.abs(np.vstack([s1 - np.clip(table["S1_lo"], 0, 1), np.clip(table["S1_hi"], 0, 1) - s1])),
        fmt="none",
        ecolor=WHISKER,
        capsize=3,
        lw=1,
    )
    ax.errorbar(
        st,
        y + 0.12,
        xerr=np.abs(np.vstack([st - np.clip(table["ST_lo"], 0, 1), np.clip(table["ST_hi"], 0, 1) - st])),
        fmt="none",
        ecolor=WHISKER,
        capsize=3,
        lw=1,
    )
    ax.set_yticks(y, names)
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the variance of the mean absolute rank shift")
    ax.grid(axis="x", color="#dddddd", lw=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="lower right", frameon=False, fontsize=8)
    ax.set_title(
        f"Sensitivity of the ranks to each uncertain input (Sobol indices, {result.runs:,} runs)\n"
        "whiskers: 5-95 % of the bootstrap resamples; upper ST, lower S1",
        fontsize=9,
        loc="left",
    )
    fig.tight_layout()
    save_png(plain_text(fig), path)
    return Path(path)


def plot_rank_intervals(result: UncertaintyResult, path: str | Path, *, top: int | None = 40) -> Path:
    """Each region's nominal rank, median rank and 5-95 % rank interval, best nominal rank first.

    Parameters
    ----------
    result : UncertaintyResult
    path : str or Path
        The ``.png`` to write.
    top : int, optional
        Only the best ``top`` regions (``None``: all).

    Returns
    -------
    Path
    """
    table = result.ranks.dropna(subset=["nominal_rank"]).sort_values("nominal_rank")
    if top is not None:
        table = table.head(top)
    names = result.names
    labels = [str(names.get(i, i)) if names is not None else str(i) for i in table.index]
    y = np.arange(len(table))[::-1]
    fig = Figure(figsize=(8.0, 1.4 + 0.22 * len(table)), dpi=150)
    ax = fig.add_subplot(1, 1, 1)
    lo = table["rank_lo"].to_numpy(dtype=float)
    hi = table["rank_hi"].to_numpy(dtype=float)
    ax.hlines(y, lo, hi, color="#9e9e9e", lw=2, label="5-95 % of the draws")
    ax.plot(table["median_rank"].to_numpy(dtype=float), y, "o", color=MAIN, ms=4, label="median rank")
    ax.plot(table["nominal_rank"].to_numpy(dtype=float), y, "|", color="#D55E00", ms=9, mew=2, label="nominal rank")
    ax.set_yticks(y, labels, fontsize=7)
    ax.set_xlabel("rank (1 = best)")
    ax.set_xlim(0.5, max(float(np.nanmax(hi)) if len(hi) else 1.0, 1.0) + 0.5)
    ax.grid(axis="x", color="#dddddd", lw=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="lower right", frameon=False, fontsize=8)
    ax.set_title(
        f"Rank intervals of {result.target} over {result.draws:,} draws (seed {result.seed})", fontsize=9, loc="left"
    )
    fig.tight_layout()
    save_png(plain_text(fig), path)
    return Path(path)
