"""Connecticut: planning regions (2022+) against the legacy counties of older sources and polygons.

There are no town populations in the shared data, so towns cannot be used as weights directly. The
crosswalk only tells which (planning region, legacy county) pairs share towns and how many. We estimate
the population of every shared cell by iterative proportional fitting (IPF) of a region x county matrix
whose support is the set of pairs that share towns (seed = number of shared towns), with margins
= PopEst V2023 planning-region populations (July 1, 2021) and BEA CAINC1 legacy-county populations
(2021, rescaled to the same state total). The fitted matrix gives two allocation shares:

* ``A[r | c]`` = share of legacy county *c*'s population living in planning region *r*, used to move
  legacy-county counts (BEA income and GDP, LAUS, USPTO) to planning regions;
* ``B[c | r]`` = share of planning region *r*'s population living in legacy county *c*, used to move
  planning-region counts (PopEst, ERS) to legacy counties.

Both assume that a count is spread like population inside each shared cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

LEGACY = ["09001", "09003", "09005", "09007", "09009", "09011", "09013", "09015"]
REGIONS = ["09110", "09120", "09130", "09140", "09150", "09160", "09170", "09180", "09190"]


def ipf(
    seed: np.ndarray, rows: np.ndarray, cols: np.ndarray, tol: float = 1e-10, max_iter: int = 200_000
) -> tuple[np.ndarray, int, float]:
    """Fit a non-negative matrix to row and column totals by iterative proportional fitting.

    Parameters
    ----------
    seed : numpy.ndarray
        Starting matrix; zero cells stay zero (the support).
    rows, cols : numpy.ndarray
        Target row and column sums (same grand total).
    tol : float
        Stop when the largest relative margin error is below ``tol``.
    max_iter : int
        Iteration limit.

    Returns
    -------
    tuple
        Fitted matrix, iterations used and the final largest relative margin error.
    """
    m = seed.astype(float).copy()
    err = np.inf
    for it in range(1, max_iter + 1):
        m *= (rows / m.sum(axis=1))[:, None]
        m *= (cols / m.sum(axis=0))[None, :]
        err = float(np.max(np.abs(m.sum(axis=1) - rows) / rows))
        if err < tol:
            return m, it, err
    return m, max_iter, err


@dataclass(frozen=True)
class CtAllocation:
    """The fitted Connecticut matrix and its two allocation share tables.

    Attributes
    ----------
    matrix : pandas.DataFrame
        Fitted persons (2021) by planning region (rows) x legacy county (columns).
    a_region_given_legacy : pandas.DataFrame
        ``A[r | c]``: columns sum to 1.
    b_legacy_given_region : pandas.DataFrame
        ``B[c | r]``: rows sum to 1.
    iterations : int
        IPF iterations.
    margin_error : float
        Largest relative margin error after fitting.
    seed_sensitivity : float
        Largest absolute difference in ``A`` between the town-count seed and a uniform (0/1) seed.
    a_uniform_seed : pandas.DataFrame
        ``A[r | c]`` fitted from the uniform seed (for measuring what the seed choice changes).
    """

    matrix: pd.DataFrame
    a_region_given_legacy: pd.DataFrame
    b_legacy_given_region: pd.DataFrame
    iterations: int
    margin_error: float
    seed_sensitivity: float
    a_uniform_seed: pd.DataFrame

    def legacy_to_region(self, legacy: pd.DataFrame) -> pd.DataFrame:
        """Move legacy-county counts to planning regions (``X_r = sum_c A[r|c] X_c``).

        Parameters
        ----------
        legacy : pandas.DataFrame
            Counts indexed by legacy county FIPS (all eight present).

        Returns
        -------
        pandas.DataFrame
            Counts indexed by planning region; missing when any contributing county is missing.
        """
        return _apply(self.a_region_given_legacy, legacy.reindex(LEGACY))

    def region_to_legacy(self, regions: pd.DataFrame) -> pd.DataFrame:
        """Move planning-region counts to legacy counties (``X_c = sum_r B[c|r] X_r``).

        Parameters
        ----------
        regions : pandas.DataFrame
            Counts indexed by planning region FIPS (all nine present).

        Returns
        -------
        pandas.DataFrame
            Counts indexed by legacy county; missing when any contributing region is missing.
        """
        return _apply(self.b_legacy_given_region.T, regions.reindex(REGIONS))

    def dominant_region(self) -> dict[str, str]:
        """Return, for every legacy county, the planning region holding most of its population.

        Returns
        -------
        dict
            ``{legacy fips5: region fips5}``.
        """
        a = self.a_region_given_legacy
        return {c: str(a[c].idxmax()) for c in a.columns}


def _apply(weights: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """Return ``weights @ values`` where a missing input poisons every output it contributes to."""
    w = weights.to_numpy()
    v = values.to_numpy(dtype=float)
    filled = np.nan_to_num(v)
    out = w @ filled
    poisoned = (w > 0).astype(float) @ np.isnan(v).astype(float)
    out[poisoned > 0] = np.nan
    return pd.DataFrame(out, index=weights.index, columns=values.columns)


def fit_allocation(crosswalk: pd.DataFrame, region_pop: pd.Series, legacy_pop: pd.Series) -> CtAllocation:
    """Fit the Connecticut planning-region x legacy-county population matrix.

    Parameters
    ----------
    crosswalk : pandas.DataFrame
        Towns with ``legacy`` and ``region`` (see :func:`readers_us.read_ct_crosswalk`).
    region_pop : pandas.Series
        Population by planning region (row margins).
    legacy_pop : pandas.Series
        Population by legacy county (column margins, rescaled to the row total).

    Returns
    -------
    CtAllocation
        The fitted matrix and allocation shares.
    """
    towns = crosswalk.groupby(["region", "legacy"]).size().unstack(fill_value=0)
    towns = towns.reindex(index=REGIONS, columns=LEGACY, fill_value=0)
    rows = region_pop.reindex(REGIONS).to_numpy(dtype=float)
    cols = legacy_pop.reindex(LEGACY).to_numpy(dtype=float)
    cols = cols * rows.sum() / cols.sum()
    fitted, iterations, err = ipf(towns.to_numpy(), rows, cols)
    uniform, _, _ = ipf((towns.to_numpy() > 0).astype(float), rows, cols)
    matrix = pd.DataFrame(fitted, index=REGIONS, columns=LEGACY)
    a = matrix / matrix.sum(axis=0)
    b = matrix.div(matrix.sum(axis=1), axis=0)
    a_uniform = uniform / uniform.sum(axis=0)
    sensitivity = float(np.max(np.abs(a.to_numpy() - a_uniform)))
    a_alt = pd.DataFrame(a_uniform, index=REGIONS, columns=LEGACY)
    return CtAllocation(matrix, a, b, iterations, err, sensitivity, a_alt)
