"""Gi* and local Moran: hand-computed values, exact permutation p-values, corrections, classes, honesty."""

from __future__ import annotations

import itertools
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from ideopolis.errors import MethodError, UnknownMethodError
from ideopolis.spatial.classes import CLASS_COLOURS, GI_STAR_CLASSES, LISA_CLASSES, UNTESTED_CLASSES
from ideopolis.spatial.hotspots import STATISTICS, gi_star, hotspots, local_moran
from ideopolis.spatial.inference import (
    CORRECTIONS,
    _floyd_subsets,
    adjust_pvalues,
    conditional_permutation_pvalues,
    minimum_pvalue,
    permutation_limits,
    permutations_needed,
)
from ideopolis.spatial.streams import stream_key
from ideopolis.spatial.weights import SpatialWeights, queen_weights

SEED = 20240611


def lattice(rows: int, cols: int) -> gpd.GeoSeries:
    cells = [box(c, r, c + 1, r + 1) for r in range(rows) for c in range(cols)]
    ids = [f"r{r}c{c}" for r in range(rows) for c in range(cols)]
    return gpd.GeoSeries(cells, index=ids, crs="EPSG:4326")


@pytest.fixture
def grid3() -> SpatialWeights:
    return queen_weights(lattice(3, 3))


ONE_TO_NINE = np.arange(1.0, 10.0)  # row-major: 1 2 3 / 4 5 6 / 7 8 9


# ------------------------------------------------------------------ values by hand
def test_gi_star_by_hand_on_a_3x3_lattice(grid3: SpatialWeights) -> None:
    g, z = gi_star(ONE_TO_NINE, grid3)
    # corner r0c0 (value 1) with itself and neighbours 2, 4, 5: sum 12 of a total of 45
    # mean 5, population variance 20/3, W = S1 = 4, n = 9:
    # z = (12 - 4 * 5) / (sqrt(20/3) * sqrt((9 * 4 - 16) / 8)) = -8 / sqrt(50/3)
    np.testing.assert_allclose(g[0], 12 / 45, rtol=1e-12)
    np.testing.assert_allclose(z[0], -8 / math.sqrt(50 / 3), rtol=1e-12)
    # the centre sees every region: G = 1, and with W = n the variance n S1 - W^2 is 0: z undefined
    np.testing.assert_allclose(g[4], 1.0)
    assert np.isnan(z[4])
    # edge r0c1 (value 2): itself and 1, 3, 4, 5, 6 -> 21 with W = S1 = 6
    expected = (21 - 6 * 5) / (math.sqrt(20 / 3) * math.sqrt((9 * 6 - 36) / 8))
    np.testing.assert_allclose(z[1], expected, rtol=1e-12)


def test_local_moran_by_hand_on_a_3x3_lattice(grid3: SpatialWeights) -> None:
    i_stat, lag, quadrant = local_moran(ONE_TO_NINE, grid3)
    s = math.sqrt(20 / 3)
    # corner: z = -4/s, neighbours 2, 4, 5 -> z = -3/s, -1/s, 0 -> lag = -4/(3s)
    # I = (n - 1) z lag / sum z^2 = 8 * (16 / (3 s^2)) / 9 = 128 / 180
    np.testing.assert_allclose(lag[0], -4 / (3 * s), rtol=1e-12)
    np.testing.assert_allclose(i_stat[0], 128 / 180, rtol=1e-12)
    assert quadrant[0] == "Low-Low"
    assert quadrant[8] == "High-High"
    # the centre has z = 0 and lag 0: I = 0, and "high" means > 0, so it is Low-Low
    assert i_stat[4] == 0 and quadrant[4] == "Low-Low"


def _exact_pvalues(values: np.ndarray, weights: SpatialWeights, i: int) -> tuple[float, float]:
    """Exact conditional-randomisation p-values (folded, directed) of a binary-weight lag by enumeration."""
    others = np.delete(values, i)
    k = int(weights.cardinalities[i])
    neighbours = weights.indices[weights.indptr[i] : weights.indptr[i + 1]]
    observed = values[neighbours].sum()
    sums = np.array([sum(c) for c in itertools.combinations(others, k)])
    centre = sums.mean()
    folded = float(np.mean(np.abs(sums - centre) >= abs(observed - centre) - 1e-9))
    directed = float(min(np.mean(sums >= observed - 1e-9), np.mean(sums <= observed + 1e-9)))
    return folded, directed


@pytest.mark.parametrize("alternative", ["folded", "directed"])
def test_permutation_pvalues_converge_to_the_exact_ones(grid3: SpatialWeights, alternative: str) -> None:
    values = np.array([3.0, 8.0, 1.0, 9.0, 4.0, 7.0, 2.0, 6.0, 5.0])
    lag = np.bincount(np.repeat(np.arange(9), grid3.cardinalities), weights=values[grid3.indices], minlength=9)
    perms = 40_000
    p = conditional_permutation_pvalues(
        values, grid3, grid3.values, lag, permutations=perms, seed=SEED, alternative=alternative
    )
    for i in range(9):
        folded, directed = _exact_pvalues(values, grid3, i)
        exact = folded if alternative == "folded" else directed
        sd = math.sqrt(max(exact * (1 - exact), 1e-4) / perms)
        assert abs(p[i] - exact) < 5 * sd + 2 / perms, (i, p[i], exact)


@pytest.mark.parametrize(("n_others", "k"), [(6, 3), (10, 4), (7, 7)], ids=["6c3", "10c4", "all"])
def test_floyd_draws_every_subset_equally_often(n_others: int, k: int) -> None:
    stats = pytest.importorskip("scipy.stats")
    perms = 60_000
    picks = _floyd_subsets(stream_key(SEED), np.array([0, 1]), 0, perms, k, n_others)
    assert picks.shape == (k, 2, perms)
    assert picks.min() >= 0 and picks.max() < n_others
    rows = np.sort(picks.reshape(k, -1).T, axis=1)
    assert (np.diff(rows, axis=1) > 0).all()  # k distinct positions in every draw
    codes = (rows * n_others ** np.arange(k)).sum(axis=1)
    _, counts = np.unique(codes, return_counts=True)
    assert len(counts) == math.comb(n_others, k)  # every subset occurs
    if len(counts) > 1:  # chi-square against the uniform distribution over the C(n, k) subsets
        assert stats.chisquare(counts).pvalue > 1e-4


@pytest.mark.parametrize("chunk_regions", [1, 7, None], ids=["chunk1", "chunk7", "all"])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("statistic", ["gi_star", "local_moran"])
def test_results_are_identical_for_any_chunking_and_thread_count(
    chunk_regions: int | None, threads: int, statistic: str
) -> None:
    w, values = hot_block()
    kwargs = {"statistic": statistic, "permutations": 199, "max_permutations": 3199, "seed": SEED}
    reference = hotspots(values, w, **kwargs).table  # type: ignore[arg-type]
    small = 50 if chunk_regions == 1 else 1 << 16  # chunks of 1 region also split its permutations
    other = hotspots(
        values,
        w,
        **kwargs,
        chunk_regions=chunk_regions,
        chunk_elements=small,
        threads=threads,  # type: ignore[arg-type]
    ).table
    pd.testing.assert_frame_equal(reference, other)
    assert (reference["permutations"] > 199).any()  # the sequential rounds ran, and agree too


def test_another_seed_gives_other_draws_but_the_same_significant_regions() -> None:
    w, values = hot_block()
    a = hotspots(values, w, permutations=499, seed=SEED).table
    b = hotspots(values, w, permutations=499, seed=SEED + 1).table
    assert not a["p_sim"].equals(b["p_sim"])
    hot_a, hot_b = (t["cls"].str.startswith("Hot") for t in (a, b))
    cold_a, cold_b = (t["cls"].str.startswith("Cold") for t in (a, b))
    assert hot_a.sum() >= 10 and cold_a.sum() >= 10
    pd.testing.assert_series_equal(hot_a, hot_b)
    pd.testing.assert_series_equal(cold_a, cold_b)


def test_smallest_pseudo_p_value_is_one_over_p_plus_one() -> None:
    w = queen_weights(lattice(6, 6))
    values = pd.Series(np.where(np.arange(36) < 9, 100.0, 1.0), index=w.ids)  # rows 0-1 and half of 2
    result = hotspots(values, w, permutations=99, max_permutations=99, seed=SEED, correction="none")
    assert result.table["p_sim"].min() == pytest.approx(1 / 100)
    assert minimum_pvalue(99) == pytest.approx(0.01)


# ------------------------------------------------------------------ corrections
def test_benjamini_hochberg_on_constructed_pvalues() -> None:
    p = np.array([0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216])
    # by hand: p_(i) * m / i, then the running minimum from the largest rank down
    scaled = p * 10 / np.arange(1, 11)
    expected = np.minimum.accumulate(scaled[::-1])[::-1]
    np.testing.assert_allclose(adjust_pvalues(p), expected)
    np.testing.assert_allclose(expected[:5], [0.01, 0.04, 0.084, 0.084, 0.084])
    shuffled = np.random.default_rng(SEED).permutation(10)
    np.testing.assert_allclose(adjust_pvalues(p[shuffled]), expected[shuffled])
    from scipy import stats

    np.testing.assert_allclose(adjust_pvalues(p, "fdr_bh"), stats.false_discovery_control(p))


def test_bonferroni_none_and_missing_values() -> None:
    p = np.array([0.001, np.nan, 0.02, 0.5])
    np.testing.assert_allclose(adjust_pvalues(p, "bonferroni"), [0.003, np.nan, 0.06, 1.0])
    np.testing.assert_allclose(adjust_pvalues(p, "none"), p)
    np.testing.assert_allclose(adjust_pvalues(p, "BH"), [0.003, np.nan, 0.03, 0.5])
    assert CORRECTIONS.names() == ["bonferroni", "fdr_bh", "none"]


def test_correction_errors() -> None:
    with pytest.raises(UnknownMethodError, match="choose one of: bonferroni, fdr_bh, none"):
        adjust_pvalues([0.1], "holm")
    with pytest.raises(MethodError, match=r"p-values must lie in \[0, 1\]"):
        adjust_pvalues([1.5])


# ------------------------------------------------------------------ honesty about permutations
def test_permutations_needed_matches_the_arithmetic() -> None:
    assert permutations_needed(3200, 0.05, "bonferroni") == 63_999
    assert permutations_needed(3200, 0.05, "fdr_bh") == 63_999
    assert permutations_needed(3200, 0.05, "none") == 19
    assert permutations_needed(1, 0.01, "none") == 99


def test_bonferroni_limit_is_spelled_out() -> None:
    (message,) = permutation_limits(3200, 99, "bonferroni", (0.05,))
    assert message == (
        "with 99 permutations the smallest pseudo p-value is 0.01; Bonferroni over 3,200 regions at "
        "95% needs p <= 1.6e-05, i.e. at least 63,999 permutations: no region can be significant at "
        "that level"
    )


def test_uncorrected_levels_out_of_reach() -> None:
    (message,) = permutation_limits(50, 9, "none", (0.01, 0.05, 0.10))
    assert message == (
        "with 9 permutations the smallest pseudo p-value is 0.1, so no region can be significant at "
        "99%/95% (99% needs at least 99; 95% needs at least 19)"
    )


def test_fdr_limit_states_the_group_size_and_lone_region_need() -> None:
    (message,) = permutation_limits(3215, 999, "fdr_bh", (0.01, 0.05, 0.10))
    assert "a region can be significant at 99%/95%/90% only if at least 322/65/33 regions" in message
    assert "a lone region would need at least 321,499/64,299/32,149 permutations" in message
    assert permutation_limits(30, 9999, "fdr_bh", (0.05,)) == []


def test_result_carries_the_permutation_warning() -> None:
    w = queen_weights(lattice(6, 6))
    values = pd.Series(np.arange(36.0), index=w.ids)
    result = hotspots(values, w, permutations=99, max_permutations=99, correction="bonferroni", seed=SEED)
    # with no extreme permutation in 99, the top of the 99.9% interval is 1 - 0.0005 ** (1 / 99) = 0.0739:
    # 99% and 95% are out of reach; at 90% Bonferroni needs 0.1 / 36 = 0.0028, i.e.
    # ln(0.0005) / ln(1 - 0.1 / 36) = 2,733 permutations
    # (99%: ln(0.0005) / ln(0.99) = 756.3, 95%: ln(0.0005) / ln(0.95) = 148.2, rounded up)
    unreachable, bonferroni, undetermined = result.warnings
    assert unreachable == (
        "with at most 99 permutations a region's p-value can be shown to lie below 0.0739 at best (the upper end "
        "of its 99.9% Monte Carlo interval), so no region can be significant at 99%/95% (99% needs at least 757; "
        "95% needs at least 149)"
    )
    assert "Bonferroni over 36 regions at 90% needs p <= 0.0028, i.e. at least 2,733 permutations" in bonferroni
    # the exact p-values could pass where the estimates cannot show it: such regions are undetermined
    count = int(result.table["undetermined"].sum())
    assert count > 0  # how many straddle depends on the draws; the message must name them all
    assert undetermined.startswith(f"{count} regions are undetermined: after 99 permutations their p-values still")
    assert result.n_undetermined == count
    assert (result.table["cls"] == "Not significant").all()
    default = hotspots(values, w, permutations=99, correction="bonferroni", seed=SEED)
    assert default.max_permutations == 51_199  # enough for a lone region at 99%
    assert not any(m.startswith("with at most") for m in default.warnings)


# ------------------------------------------------------------------ classes
def hot_block() -> tuple[SpatialWeights, pd.Series]:
    w = queen_weights(lattice(10, 10))
    rng = np.random.default_rng(SEED)
    values = rng.normal(10, 1, 100)
    rows, cols = np.divmod(np.arange(100), 10)
    values[(rows < 4) & (cols < 4)] += 8  # a hot corner
    values[(rows > 5) & (cols > 5)] -= 6  # a cold corner
    return w, pd.Series(values, index=w.ids, name="demo")


def test_gi_star_finds_the_hot_and_cold_corners() -> None:
    w, values = hot_block()
    result = hotspots(values, w, permutations=999, seed=SEED)
    cls = result.table["cls"]
    assert set(cls) <= set(GI_STAR_CLASSES)
    assert cls["r1c1"] == "Hot spot 99%"
    assert cls["r8c8"].startswith("Cold spot")
    assert cls["r0c9"] == "Not significant"
    assert list(result.table.columns) == [
        "value", "n_neighbours", "statistic", "z", "p_sim", "p_low", "p_high", "permutations", "p_adjusted", "cls",
        "undetermined", "fallback_only",
    ]  # fmt: skip
    counts = result.counts()
    assert list(counts.index) == list(GI_STAR_CLASSES + UNTESTED_CLASSES)
    assert counts.sum() == 100
    assert set(CLASS_COLOURS) >= set(GI_STAR_CLASSES + LISA_CLASSES + UNTESTED_CLASSES)


def test_local_moran_labels_clusters_and_outliers() -> None:
    w, values = hot_block()
    values["r1c1"] = 0.0  # a low outlier inside the hot corner
    result = hotspots(values, w, statistic="LISA", permutations=999, seed=SEED, correction="none")
    cls = result.table["cls"]
    assert set(cls) <= set(LISA_CLASSES)
    assert cls["r2c2"] == "High-High" and cls["r8c8"] == "Low-Low"
    assert cls["r1c1"] == "Low-High"
    assert result.table.loc["r1c1", "quadrant"] == "Low-High"
    assert "quadrant" in result.table and "z" not in result.table


def test_fallback_only_regions_are_flagged_not_significant() -> None:
    grid = lattice(6, 6)
    geometry = pd.concat([grid, gpd.GeoSeries([box(20, 0, 21, 1)], index=["isle"], crs="EPSG:4326")])
    w = queen_weights(geometry, names=pd.Series(["Cell"] * 36 + ["Isle"], index=geometry.index))
    values = pd.Series(np.r_[np.arange(36.0), 1000.0], index=geometry.index)
    result = hotspots(values, w, permutations=999, seed=SEED)
    row = result.table.loc["isle"]
    assert row["cls"] == "Fallback neighbours only"
    assert bool(row["fallback_only"]) and np.isnan(row["p_adjusted"]) and not np.isnan(row["p_sim"])
    assert result.n_tested == 36
    assert any("Isle (isle)" in m and "flagged, not reported as significant" in m for m in result.warnings)
    assert result.table.loc["r0c0", "name"] == "Cell"


def test_missing_values_are_left_out_and_reported() -> None:
    w = queen_weights(lattice(5, 5))
    values = pd.Series(np.arange(25.0), index=w.ids)
    values["r2c2"] = np.nan
    result = hotspots(values, w, permutations=99, seed=SEED, indicator="income")
    assert result.table.loc["r2c2", "cls"] == "No data"
    assert result.table.loc["r2c2", "n_neighbours"] == 0
    assert result.table.loc["r1c1", "n_neighbours"] == 7  # the centre is gone
    assert result.n_tested == 24
    assert any(m.startswith("1 regions have no value for income") for m in result.warnings)


def test_regions_without_neighbours_get_no_statistic() -> None:
    geometry = pd.concat([lattice(3, 3), gpd.GeoSeries([box(20, 0, 21, 1)], index=["isle"], crs="EPSG:4326")])
    w = queen_weights(geometry, fallback_k=0)
    values = pd.Series(np.arange(10.0), index=geometry.index)
    result = hotspots(values, w, permutations=99, seed=SEED)
    assert result.table.loc["isle", "cls"] == "No neighbours"
    assert np.isnan(result.table.loc["isle", "statistic"])


def test_method_note_and_params() -> None:
    w, values = hot_block()
    result = hotspots(values, w, permutations=199, seed=7, correction="bonferroni")
    # Bonferroni over 100 regions at 99%: a lone region must show p <= 1e-4 at the top of its 99.9% interval,
    # which takes ln(0.0005) / ln(1 - 1e-4) = 76,005.2 permutations: the ladder 199, 399, ... reaches 102,399
    assert result.max_permutations == 102_399
    assert result.method_note == (
        "Getis-Ord Gi* of demo; weights: queen contiguity; 199 conditional permutations per region from its own "
        "stream (seed 7), up to 102,399 where the call was close; two-sided (folded) pseudo p-values; Bonferroni "
        "over 100 regions; hot and cold spots at 90, 95 and 99% confidence, each call holding across the "
        f"p-value's 99.9% Monte Carlo interval{_undetermined(result)}."
    )
    params = result.params
    assert params["seed"] == 7 and params["permutations"] == 199 and params["correction"] == "bonferroni"
    assert params["max_permutations"] == 102_399 and params["mc_level"] == 0.999
    assert params["permutations_run"] == int(result.table["permutations"].sum()) >= 100 * 199
    assert params["weights"] == "queen contiguity" and params["statistic"] == "gi_star"


def _undetermined(result: object) -> str:
    n = getattr(result, "n_undetermined")  # noqa: B009
    return f" ({n:,} regions undetermined, shown no stronger than their call holds)" if n else ""


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"permutations": 0}, MethodError, r"permutations must be at least 1 \(got 0\)"),
        ({"permutations": 9.5}, MethodError, "permutations must be a whole number"),
        ({"statistic": "gamma"}, UnknownMethodError, "choose one of: gi_star, local_moran"),
        ({"correction": "holm"}, UnknownMethodError, "choose one of: bonferroni, fdr_bh, none"),
        ({"alternative": "greater"}, MethodError, "unknown alternative 'greater'"),
        ({"alpha": 1.5}, MethodError, "alpha must lie strictly between 0 and 1"),
    ],
    ids=["perm0", "perm-float", "statistic", "correction", "alternative", "alpha"],
)
def test_option_errors(kwargs: dict, error: type, message: str) -> None:  # type: ignore[type-arg]
    w, values = hot_block()
    with pytest.raises(error, match=message):
        hotspots(values, w, **kwargs)


def test_value_errors() -> None:
    w = queen_weights(lattice(3, 3))
    with pytest.raises(MethodError, match="identical in every region"):
        hotspots(pd.Series(1.0, index=w.ids), w)
    with pytest.raises(MethodError, match="have values but no place in the weights"):
        hotspots(pd.Series(1.0, index=["elsewhere"]), w)
    with pytest.raises(MethodError, match="must be numeric"):
        hotspots(pd.Series(["a"] * 9, index=w.ids, name="label"), w)
    assert STATISTICS.names() == ["gi_star", "local_moran"]


# ------------------------------------------------------------------ invariants
@settings(max_examples=25, deadline=None)
@given(
    scale=st.floats(min_value=0.01, max_value=1e4),
    shift=st.floats(min_value=-1e4, max_value=1e4),
)
def test_statistics_do_not_depend_on_units(scale: float, shift: float) -> None:
    w, values = hot_block()
    base_g = hotspots(values, w, permutations=99, seed=SEED)
    moved_g = hotspots(values * scale + shift, w, permutations=99, seed=SEED)
    np.testing.assert_allclose(moved_g.table["z"], base_g.table["z"], rtol=1e-7, atol=1e-9)
    pd.testing.assert_series_equal(moved_g.table["p_sim"], base_g.table["p_sim"])
    base_i = hotspots(values, w, statistic="local_moran", permutations=99, seed=SEED)
    moved_i = hotspots(-(values * scale) + shift, w, statistic="local_moran", permutations=99, seed=SEED)
    np.testing.assert_allclose(moved_i.table["statistic"], base_i.table["statistic"], atol=1e-9)
    pd.testing.assert_series_equal(moved_i.table["p_sim"], base_i.table["p_sim"])
