"""The sequential permutation test: Monte Carlo intervals, decisions that match the exact p-values, limits."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from ideopolis.errors import MethodError
from ideopolis.spatial.hotspots import hotspots
from ideopolis.spatial.inference import (
    PERMUTATION_CAP,
    LagProblem,
    adjust_pvalues,
    clopper_pearson,
    default_max_permutations,
    permutation_counts,
    permutation_ladder,
    permutations_to_certify,
    sequential_test,
    tail_bound,
)
from ideopolis.spatial.weights import SpatialWeights, queen_weights

SEED = 20240611
VALUES = np.array([3.0, 8.0, 1.0, 9.0, 4.0, 7.0, 2.0, 6.0, 5.0])  # a 3 x 3 lattice, row-major


def lattice(rows: int, cols: int) -> SpatialWeights:
    cells = [box(c, r, c + 1, r + 1) for r in range(rows) for c in range(cols)]
    return queen_weights(gpd.GeoSeries(cells, index=[f"r{r}c{c}" for r in range(rows) for c in range(cols)]))


def lag_problem(w: SpatialWeights, values: np.ndarray) -> LagProblem:
    lag = np.bincount(np.repeat(np.arange(w.n), w.cardinalities), weights=values[w.indices], minlength=w.n)
    return LagProblem.build(values, w, w.values, lag)


def exact_pvalues(w: SpatialWeights, values: np.ndarray, alternative: str) -> list[Fraction]:
    """Exact conditional-permutation p-values of each region's neighbour sum, by enumerating every subset."""
    out = []
    for i in range(w.n):
        others = np.delete(values, i)
        k = int(w.cardinalities[i])
        observed = values[w.indices[w.indptr[i] : w.indptr[i + 1]]].sum()
        sums = [sum(c) for c in itertools.combinations(others, k)]
        total = len(sums)
        if alternative == "folded":
            centre = Fraction(round(sum(sums)), total)  # integer data: the mean is a fraction
            hits = sum(abs(s - centre) >= abs(observed - centre) for s in sums)
        else:
            hits = min(sum(s >= observed for s in sums), sum(s <= observed for s in sums))
        out.append(Fraction(hits, total))
    return out


# ------------------------------------------------------------------ intervals and the schedule
@pytest.mark.parametrize(("m", "p", "delta"), [(0, 999, 0.001), (3, 999, 0.05), (500, 999, 1e-6), (999, 999, 0.01)])
def test_clopper_pearson_matches_scipy(m: int, p: int, delta: float) -> None:
    stats = pytest.importorskip("scipy.stats")
    low, high = clopper_pearson([m], [p], delta)
    ci = stats.binomtest(m, p).proportion_ci(confidence_level=1 - delta, method="exact")
    np.testing.assert_allclose([low[0], high[0]], [ci.low, ci.high], rtol=1e-9, atol=1e-15)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 5_000), st.integers(1, 5_000)), min_size=65, max_size=400),
    st.sampled_from([0.001, 0.05]),
)
def test_clopper_pearson_of_many_regions_equals_one_at_a_time(pairs: list[tuple[int, int]], delta: float) -> None:
    # above 64 regions the distinct (M, P) pairs are inverted once each: the result must not change
    m = np.array([min(a, b) for a, b in pairs])
    p = np.array([b for _, b in pairs])
    low, high = clopper_pearson(m, p, delta)
    for i in range(0, len(m), 37):
        (one_low,), (one_high,) = clopper_pearson([m[i]], [p[i]], delta)
        assert (low[i], high[i]) == (one_low, one_high)
    stats = pytest.importorskip("scipy.stats")
    ci = stats.binomtest(int(m[-1]), int(p[-1])).proportion_ci(confidence_level=1 - delta, method="exact")
    np.testing.assert_allclose([low[-1], high[-1]], [ci.low, ci.high], rtol=1e-9, atol=1e-15)


def test_permutations_to_certify_by_hand() -> None:
    # no extreme permutation among P: the 99.9% interval's upper end is 1 - 0.0005 ** (1 / P)
    p = permutations_to_certify(0.001, 0.001)
    assert p == math.ceil(math.log(0.0005) / math.log(0.999)) == 7598  # 7597.1, rounded up
    assert 1 - 0.0005 ** (1 / p) <= 0.001 < 1 - 0.0005 ** (1 / (p - 1))


def test_the_ladder_doubles_and_stops_at_the_maximum() -> None:
    assert permutation_ladder(99, 99) == (99,)
    assert permutation_ladder(99, 1000) == (99, 199, 399, 799, 1000)
    # a lone region under Benjamini-Hochberg over 40 regions at 5%: p <= 0.00125, so 6,077 permutations
    assert permutations_to_certify(0.05 / 40, 0.001) == 6077
    assert default_max_permutations(40, (0.05,), "fdr_bh", 999) == 7999
    assert default_max_permutations(40, (0.05,), "none", 999) == 999  # 152 would do: never below P
    assert default_max_permutations(1_000_000, (0.05,), "bonferroni", 999) == PERMUTATION_CAP


# ------------------------------------------------------------------ decisions against exact p-values
@pytest.mark.parametrize("alternative", ["folded", "directed"])
@pytest.mark.parametrize("correction", ["none", "fdr_bh", "bonferroni"])
def test_every_call_made_is_the_call_of_the_exact_pvalues(alternative: str, correction: str) -> None:
    w = lattice(3, 3)
    exact = exact_pvalues(w, VALUES, alternative)
    levels = (0.15, 0.3, 0.6)
    test = sequential_test(
        lag_problem(w, VALUES),
        tested=np.ones(9, dtype=bool),
        levels=levels,
        correction=correction,
        permutations=99,
        max_permutations=50_000,
        budget=10**9,
        seed=SEED,
        alternative=alternative,
    )
    ideal = adjust_pvalues(np.array([float(p) for p in exact]), correction)
    for level in levels:
        truth = ideal <= level
        sig, possible = test.significant[level], test.possible[level]
        assert (sig <= truth).all() and (truth <= possible).all(), (level, sig, truth, possible)
    decided = ~test.undetermined
    assert decided.sum() >= 7  # only regions (near) a cut-off stay undetermined
    assert (test.p_low <= test.p_high).all()
    inside = [float(test.p_low[i]) <= float(exact[i]) <= float(test.p_high[i]) for i in range(9)]
    assert all(inside), (exact, test.p_low, test.p_high)


def test_a_region_on_the_cut_off_stays_undetermined() -> None:
    w = lattice(3, 3)
    exact = exact_pvalues(w, VALUES, "folded")
    assert exact[0] == Fraction(3, 14)  # 12 of the 56 neighbour triples of the corner
    test = sequential_test(
        lag_problem(w, VALUES),
        tested=np.ones(9, dtype=bool),
        levels=(3 / 14,),
        correction="none",
        permutations=99,
        max_permutations=12_799,
        budget=10**9,
        seed=SEED,
    )
    assert test.undetermined[0] and not test.significant[3 / 14][0]
    assert test.permutations[0] == 12_799 and test.rounds == len(test.ladder) == 8
    others = [i for i in range(1, 9) if exact[i] != Fraction(3, 14)]
    assert not test.undetermined[others].any()
    assert all(test.permutations[i] < 12_799 for i in others)  # settled regions stop early


def test_the_budget_bounds_the_work() -> None:
    w = lattice(3, 3)
    kwargs = {"tested": np.ones(9, dtype=bool), "levels": (3 / 14,), "correction": "none", "seed": SEED}
    free = sequential_test(lag_problem(w, VALUES), permutations=99, max_permutations=12_799, budget=10**9, **kwargs)
    assert not free.out_of_budget and free.spent == free.permutations.sum() > 9 * 99 * 10
    # the default budget is 10 first rounds: 9 regions x 99 x 10 = 8,910 permutations
    tight = sequential_test(lag_problem(w, VALUES), permutations=99, max_permutations=12_799, **kwargs)
    assert tight.budget == 8_910 and tight.out_of_budget
    assert tight.spent == tight.permutations.sum() <= 8_910 < free.spent
    # the calls made within the budget are a subset of those made without it
    assert (tight.significant[3 / 14] <= free.significant[3 / 14]).all()
    once = sequential_test(lag_problem(w, VALUES), permutations=99, budget=1, **kwargs)
    assert once.rounds == 1 and once.spent == 9 * 99  # the first round always runs
    with pytest.raises(MethodError, match="the permutation budget must be a whole number of at least 1, got 0"):
        sequential_test(lag_problem(w, VALUES), budget=0, **kwargs)


def test_regions_with_an_exact_pvalue_of_one_are_not_permuted() -> None:
    w = lattice(3, 3)
    test = sequential_test(
        lag_problem(w, VALUES),
        tested=np.ones(9, dtype=bool),
        levels=(0.05,),
        exactly_one=np.arange(9) == 4,
        seed=SEED,
    )
    assert test.p_sim[4] == test.p_low[4] == test.p_high[4] == 1.0 and test.permutations[4] == 0


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32), data_seed=st.integers(0, 2**16), statistic=st.sampled_from(["gi_star", "lisa"]))
def test_a_significant_call_holds_at_the_top_of_every_interval(seed: int, data_seed: int, statistic: str) -> None:
    w = lattice(6, 6)
    rng = np.random.default_rng(data_seed)
    values = pd.Series(rng.lognormal(size=36) + np.repeat([3.0, 0, 0, 0, 0, 0], 6), index=w.ids)
    result = hotspots(values, w, statistic=statistic, permutations=49, max_permutations=799, seed=seed)
    table = result.table
    level = max(result.levels)
    called = ~table["cls"].isin(["Not significant", "Fallback neighbours only", "No neighbours", "No data"])
    assert (table.loc[called, "p_adjusted"] <= level).all()  # the interval rule is stricter than the estimate
    assert (adjust_pvalues(table["p_high"].to_numpy())[called.to_numpy()] <= level).all()
    assert (table.loc[table["undetermined"], "cls"] == "Not significant").all()
    estimate = (table["p_sim"] * (table["permutations"] + 1) - 1) / table["permutations"]
    assert (table["p_low"] <= estimate + 1e-12).all()  # (the upper end may be the tail bound, below M / P)
    assert ((table["permutations"] >= 49) & (table["permutations"] <= 799)).all()


# ------------------------------------------------------------------ the tail bound
@pytest.mark.parametrize("alternative", ["folded", "directed"])
@pytest.mark.parametrize("shape", [(3, 3), (4, 4)], ids=["3x3", "4x4"])
@pytest.mark.parametrize("data_seed", [0, 1, 2])
def test_the_tail_bound_is_never_below_the_exact_pvalue(
    alternative: str, shape: tuple[int, int], data_seed: int
) -> None:
    w = lattice(*shape)
    rng = np.random.default_rng(data_seed)
    values = np.round(rng.lognormal(0, 1, w.n) * 10)  # skewed, with ties
    values[: shape[1]] += 40  # a hot first row: small exact p-values there
    exact = exact_pvalues(w, values, alternative)
    bound = tail_bound(lag_problem(w, values), alternative)
    assert all(b >= float(p) for b, p in zip(bound, exact, strict=True)), (bound, exact)
    assert (bound <= 1).all() and (bound > 0).all()


def test_the_tail_bound_settles_strong_clusters_at_once() -> None:
    w = lattice(30, 30)
    rows, cols = np.divmod(np.arange(w.n), 30)
    values = np.where((rows < 8) & (cols < 8), 10.0, 0.0) + np.random.default_rng(3).normal(0, 1, w.n)
    problem = lag_problem(w, values - values.mean())
    bound = tail_bound(problem)
    inner = (rows > 0) & (rows < 7) & (cols > 0) & (cols < 7)  # eight hot neighbours each
    assert (bound[inner] < 1e-6).all()  # far below what 999 permutations can show (0.0076 at 99.9%)
    test = sequential_test(problem, tested=np.ones(w.n, dtype=bool), levels=(0.01,), seed=SEED)
    assert test.significant[0.01][inner].all() and (test.permutations[inner] == 999).all()


# ------------------------------------------------------------------ errors
def test_option_errors() -> None:
    w = lattice(3, 3)
    problem = lag_problem(w, VALUES)
    tested = np.ones(9, dtype=bool)
    with pytest.raises(MethodError, match=r"max_permutations \(99\) must be at least permutations \(999\)"):
        sequential_test(problem, tested=tested, levels=(0.05,), max_permutations=99)
    with pytest.raises(MethodError, match=r"mc_level \(the confidence of the Monte Carlo intervals\) must lie"):
        sequential_test(problem, tested=tested, levels=(0.05,), mc_level=1.0)
    regions = np.arange(9)
    with pytest.raises(MethodError, match="threads must be at least 1, got 0"):
        permutation_counts(problem, regions, 0, 10, seed=1, threads=0)
    with pytest.raises(MethodError, match="chunk_regions must be at least 1, got 0"):
        permutation_counts(problem, regions, 0, 10, seed=1, chunk_regions=0)
    with pytest.raises(MethodError, match="needs equal weights within each region"):
        LagProblem.build(VALUES, w, np.arange(len(w.indices), dtype=float), VALUES)
    w, values = lattice(4, 4), pd.Series(np.arange(16.0), index=lattice(4, 4).ids)
    for kwargs, message in [
        ({"max_permutations": 10, "permutations": 99}, r"max_permutations \(10\) must be at least permutations"),
        ({"mc_level": 0.3}, r"mc_level \(the confidence of each p-value's Monte Carlo interval\) must lie in"),
        ({"mc_level": True}, "must lie in"),
        ({"max_permutations": 0}, r"permutations must be at least 1 \(got 0\)"),
        ({"permutation_budget": 0}, "permutation_budget must be a whole number of at least 1, got 0"),
    ]:
        with pytest.raises(MethodError, match=message):
            hotspots(values, w, **kwargs)  # type: ignore[arg-type]
