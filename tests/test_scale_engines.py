"""Engines for a million regions give the reference's results: the numba permutation kernel, the overlap prefilter,
queen weights on tessellations, the treatment's distinct-value checks."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ideopolis.regions.shapes as shapes_module
from ideopolis.errors import MethodError
from ideopolis.index.steps.treat import _two_values
from ideopolis.spatial import inference
from ideopolis.spatial.inference import LagProblem, permutation_counts
from ideopolis.spatial.streams import lemire_threshold, splitmix64, stream_key
from ideopolis.spatial.weights import (
    SpatialWeights,
    _distinct_links,
    _shared_vertex_pairs,
    _unique_ints,
    queen_weights,
)

SEED = 20261130


def _problem(draw: st.DrawFn) -> tuple[LagProblem, np.ndarray]:
    """A random lag problem: random links (some regions with many, some with one), tied values, either weights."""
    n = draw(st.integers(3, 40))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    links = draw(st.integers(1, 4 * n))
    i, j = rng.integers(0, n, links), rng.integers(0, n, links)
    ok = i != j
    w = SpatialWeights(
        [f"r{x}" for x in range(n)],
        np.r_[i[ok], j[ok]],
        np.r_[j[ok], i[ok]],
        points=rng.random((n, 2)),
        metric="plane",
        kind="test",
        params={},
        fallback_k=draw(st.integers(0, 2)),
    )
    if draw(st.booleans()):
        values = rng.integers(0, 3, n).astype(np.float64)  # many ties
    else:
        values = rng.normal(size=n) * 10.0 ** draw(st.integers(-3, 6))
    rows = np.repeat(np.arange(n), w.cardinalities)
    if draw(st.booleans()):
        link = w.values
    else:  # row-standardised (local Moran)
        sums = np.bincount(rows, weights=w.values, minlength=n)
        link = w.values / sums[rows]
    lag = np.bincount(rows, weights=link * values[w.indices], minlength=n)
    return LagProblem.build(values, w, link, lag), np.flatnonzero(w.cardinalities > 0)


@st.composite
def requests(draw: st.DrawFn) -> tuple[LagProblem, np.ndarray, np.ndarray, np.ndarray]:
    problem, regions = _problem(draw)
    if not len(regions):
        regions = np.empty(0, dtype=np.int64)
    order = np.random.default_rng(draw(st.integers(0, 1000))).permutation(regions)
    chosen = order[: draw(st.integers(0, len(order)))]
    # ranges that start and stop inside, at and across the kernel's blocks of 256 permutations
    start = np.asarray(draw(st.lists(st.integers(0, 300), min_size=len(chosen), max_size=len(chosen))), dtype=np.int64)
    extra = np.asarray(draw(st.lists(st.integers(0, 600), min_size=len(chosen), max_size=len(chosen))), dtype=np.int64)
    return problem, chosen.astype(np.int64), start, start + extra


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    request=requests(),
    alternative=st.sampled_from(["folded", "directed"]),
    seed=st.integers(0, 2**31),
    threads=st.integers(1, 3),
    chunk_elements=st.integers(1, 300),
    chunk_regions=st.one_of(st.none(), st.integers(1, 5)),
)
def test_numba_counts_equal_the_numpy_reference_for_any_split(
    request: tuple[LagProblem, np.ndarray, np.ndarray, np.ndarray],
    alternative: str,
    seed: int,
    threads: int,
    chunk_elements: int,
    chunk_regions: int | None,
) -> None:
    problem, regions, start, stop = request
    reference = permutation_counts(
        problem,
        regions,
        start,
        stop,
        seed=seed,
        alternative=alternative,
        chunk_elements=chunk_elements,
        chunk_regions=chunk_regions,
        engine="numpy",
    )
    fused = permutation_counts(
        problem, regions, start, stop, seed=seed, alternative=alternative, threads=threads, engine="numba"
    )
    np.testing.assert_array_equal(fused, reference)
    if alternative == "folded":
        assert (fused[:, 1] == 0).all()


def test_numba_counts_equal_numpy_for_large_cardinalities_and_near_integer_draws() -> None:
    # a region next to every other (k = n - 1: Floyd takes "t" often) and neighbours of one
    n = 300
    rng = np.random.default_rng(SEED)
    hub = np.zeros(n - 1, dtype=np.int64)
    others = np.arange(1, n)
    w = SpatialWeights(
        [str(x) for x in range(n)],
        np.r_[hub, others],
        np.r_[others, hub],
        points=rng.random((n, 2)),
        metric="plane",
        kind="star",
        params={},
        fallback_k=0,
    )
    values = rng.normal(size=n)
    lag = np.bincount(np.repeat(np.arange(n), w.cardinalities), weights=values[w.indices], minlength=n)
    problem = LagProblem.build(values, w, w.values, lag)
    regions = np.arange(n)
    for alternative in ("folded", "directed"):
        a = permutation_counts(problem, regions, 0, 400, seed=SEED, alternative=alternative, engine="numpy")
        b = permutation_counts(problem, regions, 0, 400, seed=SEED, alternative=alternative, engine="numba", threads=2)
        np.testing.assert_array_equal(a, b)
    # the hub's lag is the sum of all others whatever the draws: it is never less extreme than itself
    assert a[0, 0] == 400


def test_numba_counts_equal_numpy_where_lemire_rejects_draws() -> None:
    # A draw below m is rejected with probability (2**32 mod m) / 2**32: with a million regions about one draw
    # in 10,000, so the kernel's rare path (a flagged column redrawn one number at a time) must run here.
    n, k, regions = 1_000_000, 8, np.array([3, 499_999, 999_998], dtype=np.int64)
    rng = np.random.default_rng(SEED)
    cards = np.zeros(n, dtype=np.int64)
    cards[regions] = k
    values = rng.normal(size=n)
    link = np.where(cards > 0, 1.0, 0.0)
    observed = np.zeros(n)
    observed[regions] = [-0.5, 0.0, 0.7]
    problem = LagProblem(
        values=values,
        cardinalities=cards,
        link_weight=link,
        observed=observed,
        centre=cards * (values.sum() - values) / (n - 1),
        tolerance=np.full(n, 1e-9),
    )
    start, stop = np.array([0, 37, 255], dtype=np.int64), np.array([12_000, 12_300, 12_511], dtype=np.int64)
    key = stream_key(SEED)
    bounds = [n - 1 - k + s + 1 for s in range(k)]
    rejected = 0
    for i, a, b in zip(regions, start, stop, strict=True):
        words = splitmix64(key, (int(i) << 38) + (np.arange(a, b)[:, None] << 12) + np.arange(k // 2)[None, :])
        for s, m in enumerate(bounds):
            u = (words[:, s // 2] >> np.uint64(32)) if s % 2 else (words[:, s // 2] & np.uint64(0xFFFFFFFF))
            rejected += int((((u * np.uint64(m)) & np.uint64(0xFFFFFFFF)) < lemire_threshold(m)).sum())
    assert rejected >= 5  # about 20 expected
    for alternative in ("folded", "directed"):
        a = permutation_counts(problem, regions, start, stop, seed=SEED, alternative=alternative, engine="numpy")
        b = permutation_counts(problem, regions, start, stop, seed=SEED, alternative=alternative, engine="numba")
        np.testing.assert_array_equal(a, b)
        assert 0 < int(a[:, 0].sum()) < int((stop - start).sum())


def test_auto_engine_switches_to_numba_above_the_threshold_with_the_same_counts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(SEED)
    n = 50
    i, j = np.arange(n - 1), np.arange(1, n)
    w = SpatialWeights(
        [str(x) for x in range(n)],
        np.r_[i, j],
        np.r_[j, i],
        points=rng.random((n, 2)),
        metric="plane",
        kind="chain",
        params={},
        fallback_k=0,
    )
    values = rng.normal(size=n)
    lag = np.bincount(np.repeat(np.arange(n), w.cardinalities), weights=values[w.indices], minlength=n)
    problem = LagProblem.build(values, w, w.values, lag)
    below = permutation_counts(problem, np.arange(n), 0, 99, seed=1)
    calls: list[int] = []
    import ideopolis.spatial.kernel as kernel

    original = kernel.count_extreme

    def spy(*args: object, **kwargs: object) -> np.ndarray:
        calls.append(1)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(kernel, "count_extreme", spy)
    monkeypatch.setattr(inference, "NUMBA_MIN_DRAWS", 1)
    above = permutation_counts(problem, np.arange(n), 0, 99, seed=1)
    assert calls == [1]
    np.testing.assert_array_equal(above, below)


def test_auto_engine_is_numba_from_the_threshold_on(monkeypatch: pytest.MonkeyPatch) -> None:
    from ideopolis.spatial.inference import resolve_engine

    monkeypatch.setattr(inference, "NUMBA_MIN_DRAWS", 600)
    cards = np.array([2, 4])
    assert resolve_engine("auto", cards, 0, 99) == "numpy"  # 594 random numbers
    assert resolve_engine("auto", cards, 0, 100) == "numba"  # 600
    assert resolve_engine("auto", cards, [0, 50], [100, 200]) == "numba"  # 200 + 600
    assert resolve_engine("auto", cards, [100, 0], [0, 99]) == "numpy"  # an empty range counts nothing
    assert resolve_engine("numpy", cards, 0, 10**6) == "numpy" and resolve_engine("numba", cards, 0, 1) == "numba"
    with pytest.raises(MethodError, match="unknown permutation engine 'cuda'"):
        resolve_engine("cuda", cards, 0, 1)


def test_unknown_engine_is_refused_with_the_valid_names() -> None:
    rng = np.random.default_rng(SEED)
    w = SpatialWeights(
        ["a", "b", "c"],
        np.array([0, 1]),
        np.array([1, 0]),
        points=rng.random((3, 2)),
        metric="plane",
        kind="t",
        params={},
        fallback_k=1,
    )
    problem = LagProblem.build(np.array([1.0, 2.0, 4.0]), w, w.values, np.zeros(3))
    with pytest.raises(MethodError, match=r"unknown permutation engine 'cuda'; choose one of: auto, numpy, numba"):
        permutation_counts(problem, np.array([0]), 0, 9, seed=1, engine="cuda")


# --------------------------------------------------------------------------- tessellations
@st.composite
def tessellations(draw: st.DrawFn) -> np.ndarray:
    """Voronoi cells of random points clipped to a square, plus a few shapes laid over them."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = draw(st.integers(4, 120))
    pts = shapely.points(rng.random((n, 2)) * 100)
    square = shapely.box(0, 0, 100, 100)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts)))
    cells = shapely.intersection(cells, square)
    cells = cells[~shapely.is_empty(cells)]
    extra = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["duplicate", "inside", "across", "reversed"]))
        pick = cells[draw(st.integers(0, len(cells) - 1))]
        if kind == "duplicate":
            extra.append(shapely.Polygon(shapely.get_coordinates(pick)))
        elif kind == "reversed":
            extra.append(shapely.reverse(pick))
        elif kind == "inside":
            extra.append(shapely.buffer(pick, -0.5) if shapely.area(shapely.buffer(pick, -0.5)) > 0 else pick)
        else:
            x, y = rng.random(2) * 90
            extra.append(shapely.box(x, y, x + 10, y + 10))
    return np.array([*cells, *extra], dtype=object)


@settings(max_examples=40, deadline=None)
@given(geoms=tessellations())
def test_overlap_prefilter_finds_every_overlap_the_full_search_finds(geoms: np.ndarray) -> None:
    saved = shapes_module.EDGE_PREFILTER_MIN
    try:
        shapes_module.EDGE_PREFILTER_MIN = 10**9
        full = shapes_module.overlapping_pairs(geoms)
        shapes_module.EDGE_PREFILTER_MIN = 1
        filtered = shapes_module.overlapping_pairs(geoms)
    finally:
        shapes_module.EDGE_PREFILTER_MIN = saved
    assert filtered == full


def test_overlap_prefilter_on_hand_made_overlaps() -> None:
    grid = [shapely.box(x, y, x + 1, y + 1) for x in range(10) for y in range(10)]
    laid = [
        shapely.box(3.2, 3.2, 3.8, 3.8),  # inside cell 33: 100% of the smaller
        shapely.box(5, 5, 6, 6),  # duplicate of cell 55
        shapely.box(7.5, 7, 8.5, 8),  # half over cells 77 and 87
    ]
    geoms = np.array(grid + laid, dtype=object)
    saved = shapes_module.EDGE_PREFILTER_MIN
    try:
        shapes_module.EDGE_PREFILTER_MIN = 1
        pairs = shapes_module.overlapping_pairs(geoms)
    finally:
        shapes_module.EDGE_PREFILTER_MIN = saved
    assert sorted(pairs) == [(33, 100, 1.0), (55, 101, 1.0), (77, 102, 0.5), (87, 102, 0.5)]


@settings(max_examples=25, deadline=None)
@given(geoms=tessellations())
def test_queen_weights_equal_libpysal_queen_on_tessellations(geoms: np.ndarray) -> None:
    import geopandas as gpd
    from libpysal.graph import Graph

    frame = gpd.GeoDataFrame(geometry=list(geoms), index=[f"c{i}" for i in range(len(geoms))])
    ours = queen_weights(frame, fallback_k=0)
    graph = Graph.build_contiguity(frame, rook=False, strict=False)
    theirs = {str(k): sorted(str(v) for v in vs) for k, vs in graph.neighbors.items()}
    assert {k: sorted(v) for k, v in ours.to_dict().items()} == theirs


@given(st.lists(st.integers(-5, 5), max_size=60))
def test_unique_ints_is_numpy_unique(values: list[int]) -> None:
    a = np.asarray(values, dtype=np.int64)
    np.testing.assert_array_equal(_unique_ints(a), np.unique(a))


@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), max_size=80), st.integers(7, 9))
def test_distinct_links_are_the_sorted_distinct_pairs(pairs: list[tuple[int, int]], n: int) -> None:
    i = np.asarray([a for a, _ in pairs], dtype=np.int64)
    j = np.asarray([b for _, b in pairs], dtype=np.int64)
    rows, cols = _distinct_links(i, j, n)
    expected = np.unique(i * n + j) if len(i) else np.empty(0, dtype=np.int64)
    np.testing.assert_array_equal(rows * n + cols, expected)
    assert rows.dtype == cols.dtype == np.int64


def test_shared_vertices_match_exact_coordinates_only() -> None:
    # -0.0 and 0.0 are one vertex (equal floats); a vertex one ulp away is another vertex
    shapes = np.array(
        [
            shapely.Polygon([(0.0, 0.0), (1, 0), (1, 1), (0, 1)]),
            shapely.Polygon([(-0.0, -0.0), (-1, 0), (-1, -1)]),  # shares (0, 0) written as (-0.0, -0.0)
            shapely.Polygon([(np.nextafter(1.0, 2.0), 1.0), (3, 1), (3, 3)]),  # one ulp from (1, 1)
        ],
        dtype=object,
    )
    i, j = _shared_vertex_pairs(shapes)
    assert list(zip(i.tolist(), j.tolist(), strict=True)) == [(0, 1)]


@given(st.lists(st.sampled_from([0.0, -0.0, 1.0, 2.5, -3.0, 1e-300]), max_size=30))
def test_two_values_is_two_distinct_values(values: list[float]) -> None:
    a = np.asarray(values, dtype=np.float64)
    assert _two_values(a) == (np.unique(a).size == 2)


# --------------------------------------------------------------------------- uncertainty streamed to disk
def test_streamed_rank_intervals_equal_the_in_memory_ones(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    import tempfile

    import pandas as pd

    import ideopolis as ideo
    import ideopolis.index.uncertainty as unc
    from ideopolis.index.uncertainty import analyse
    from ideopolis.index.uncertainty.spec import UncertaintySpec

    run = ideo.score("us-counties")
    spec = UncertaintySpec(draws=97, seed=7)  # an odd count: the median averages nothing
    in_memory = analyse(run.index, spec)
    assert in_memory.rank_matrix is not None
    made: list[str] = []
    real = tempfile.TemporaryDirectory

    def spy(*args: object, **kwargs: object) -> tempfile.TemporaryDirectory[str]:
        folder = real(*args, **kwargs)  # type: ignore[call-overload]
        made.append(folder.name)
        return folder

    monkeypatch.setattr(unc, "RANK_MATRIX_BYTES", 0)
    monkeypatch.setattr(tempfile, "TemporaryDirectory", spy)
    streamed = analyse(run.index, spec)
    pd.testing.assert_frame_equal(streamed.ranks, in_memory.ranks)
    np.testing.assert_array_equal(streamed.shift, in_memory.shift)
    assert streamed.rank_matrix is None
    with pytest.raises(ValueError, match="streamed to disk"):
        streamed.coinr_stats()
    from pathlib import Path

    assert made and not any(Path(m).exists() for m in made)  # the temporary ranks are gone


def test_rank_file_reads_back_what_was_written_in_any_block(tmp_path: object) -> None:
    from pathlib import Path

    from ideopolis.index.uncertainty.result import RankFile, rank_statistics

    rng = np.random.default_rng(SEED)
    matrix = rng.integers(1, 50, (9000, 13)).astype(np.float32)
    matrix[5, 3] = np.nan
    store = RankFile(Path(str(tmp_path)) / "r.f32", 9000, 13, block_bytes=1)
    for d in rng.permutation(13):
        store.write(int(d), matrix[:, d])
    np.testing.assert_array_equal(store[0:10], matrix[0:10])
    np.testing.assert_array_equal(store[8990:9000], matrix[8990:9000])
    np.testing.assert_array_equal(store[4000:4100], matrix[4000:4100])
    nominal = rng.integers(1, 50, 9000).astype(float)
    import pandas as pd

    ids = pd.Index([f"r{i}" for i in range(9000)])
    pd.testing.assert_frame_equal(rank_statistics(store, nominal, ids), rank_statistics(matrix, nominal, ids))
    with pytest.raises(ValueError, match=r"one rank per region \(9,000\) expected"):
        store.write(0, matrix[:10, 0])
    with pytest.raises(ValueError, match="contiguous slices"):
        store[0:10:2]


def test_a_rank_file_is_refused_with_a_compute_engine(tmp_path: object) -> None:
    from pathlib import Path

    import ideopolis as ideo
    from ideopolis.index.uncertainty.engine import Engine, uniform_design
    from ideopolis.index.uncertainty.result import RankFile
    from ideopolis.index.uncertainty.spec import UncertaintySpec

    engine = Engine(ideo.score("us-metros").index, UncertaintySpec(draws=3))
    draws = engine.decode(uniform_design(3, engine.dims, 1))
    store = RankFile(Path(str(tmp_path)) / "r.f32", len(engine.ids), 3)
    with pytest.raises(MethodError, match="with compute, leave it out"):
        engine.evaluate(draws, compute=object(), ranks_file=store)  # type: ignore[arg-type]
