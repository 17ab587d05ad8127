"""The uncertainty engine: every draw equals a full pipeline run with the same choices, independent of chunking."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ideopolis as ideo
from ideopolis.errors import ConfigError, MethodError, UnknownMethodError
from ideopolis.index.run import IndexRun
from ideopolis.index.uncertainty import analyse
from ideopolis.index.uncertainty.engine import Engine, rank_rows, uniform_design
from ideopolis.index.uncertainty.result import ordinal, rank_statistics, stability_class
from ideopolis.index.uncertainty.sobol import sobol_analysis
from ideopolis.index.uncertainty.spec import UncertaintySpec, spec_from_mapping

SEED = 12345


@pytest.fixture(scope="module")
def metros() -> ideo.Run:
    return ideo.score("us-metros")


@pytest.fixture(scope="module")
def engine(metros: ideo.Run) -> Engine:
    return Engine(metros.index, UncertaintySpec())


def _full_ranks(engine: Engine, full: IndexRun) -> np.ndarray:
    """The full run's target ranks, re-ranked among the regions the analysis compares (the nominal ranked ones)."""
    ranks = full.ranks[engine.target].reindex(engine.ids).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    scores = full.scores[engine.target].reindex(engine.ids).to_numpy(dtype=float)
    keep = ~np.isnan(ranks) & ~np.isnan(engine.nominal_ranks)
    return rank_rows(np.where(keep, scores, np.nan)[None, :])[0].astype(float)


def _full_run(engine: Engine, draws: object, i: int) -> IndexRun:
    ir = engine.run
    config = engine.draw_config(draws, i)  # type: ignore[arg-type]
    return IndexRun(
        ir.datasets["raw"], ir.framework, groups=ir.groups, denominators=ir.denominators, names=ir.names, config=config
    ).run()


def test_default_inputs_on_us_metros(engine: Engine) -> None:
    names = [i.name for i in engine.inputs]
    assert names == ["weights", "normalise", "aggregate", "impute", "treat", "balance_weight", "exposure"]
    weights = engine.inputs[0]
    # levels 1 and 2: every indicator and pillar, not cluster_strength/balance (the balance weight sets those)
    assert "cluster_strength" not in weights.labels and "balance" not in weights.labels
    assert {"talent", "exposure", "ba_plus_share", "teleworkable_share"} <= set(weights.labels)
    assert engine.exposure[0] == "all" and len(engine.exposure) == 6
    assert [a["method"] for a in engine.alternatives["impute"]] == ["none", "median"]
    assert [a["method"] for a in engine.alternatives["treat"]] == ["coinr", "none"]
    assert engine.notes == []


def test_every_draw_equals_a_full_pipeline_run(engine: Engine) -> None:
    # 48 draws cover every (imputation, treatment, normalisation, aggregation) combination and exposure measure
    draws = engine.decode(uniform_design(48, engine.dims, SEED))
    combos = {
        (a, b, c, d) for a, b, c, d in zip(draws.impute, draws.treat, draws.normalise, draws.aggregate, strict=True)
    }
    assert len(combos) == 16 and set(draws.exposure) == set(range(6))
    ev = engine.evaluate(draws, keep_scores=True)
    assert ev.ranks is not None and ev.scores is not None
    for i in range(len(draws)):
        full = _full_run(engine, draws, i)
        scores = full.scores[engine.target].reindex(engine.ids).to_numpy(dtype=float)
        ranks = _full_ranks(engine, full)
        np.testing.assert_allclose(ev.scores[:, i], scores, rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(ev.ranks[:, i], ranks)
        shift = np.abs(ranks - engine.nominal_ranks)
        assert ev.shift[i] == pytest.approx(np.nanmean(shift))


@pytest.mark.parametrize(
    "aggregate",
    [
        {"method": "arithmetic", "availability": "count", "threshold": 0.8},
        {"method": "arithmetic", "threshold": 0.9},
        {"method": "arithmetic", "rank_partial": True},
    ],
    ids=["count-0.8", "weight-0.9", "rank-partial"],
)
def test_availability_rules_and_partial_ranks_as_a_full_run(metros: ideo.Run, aggregate: dict[str, object]) -> None:
    # the aggregation step's availability rule and the coverage's like-with-like ranks, for other settings
    from ideopolis.index.uncertainty.engine import _replace_step

    ir = metros.index
    config = _replace_step(ir.config, "aggregate", aggregate)
    run = IndexRun(
        ir.datasets["raw"], ir.framework, groups=ir.groups, denominators=ir.denominators, names=ir.names, config=config
    ).run()
    engine = Engine(run, spec_from_mapping({"draws": 12, "vary": ["weights", "normalise", "impute", "aggregate"]}))
    draws = engine.decode(uniform_design(12, engine.dims, SEED))
    ev = engine.evaluate(draws, keep_scores=True)
    assert ev.ranks is not None and ev.scores is not None
    unranked = 0
    for i in range(len(draws)):
        full = _full_run(engine, draws, i)
        scores = full.scores[engine.target].reindex(engine.ids).to_numpy(dtype=float)
        ranks = _full_ranks(engine, full)
        np.testing.assert_allclose(ev.scores[:, i], scores, rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(ev.ranks[:, i], ranks)
        unranked += int((~np.isnan(scores) & np.isnan(ranks)).sum())
    if aggregate.get("rank_partial"):
        assert unranked == 0


def test_draws_decode_as_documented(engine: Engine) -> None:
    u = uniform_design(2000, engine.dims, 7)
    u[0] = 0.0
    u[1] = 1.0
    u[2] = 0.5
    u[2, -1] = 0.0  # exposure (the last input): "all", the run's weights
    d = engine.decode(u)
    assert d.normalise[0] == 0 and d.normalise[1] == 1  # the unit interval cut into equal parts, ends included
    weights = engine.inputs[0]
    cols = [engine.position[c] for c in weights.labels]
    nominal = engine.nominal_weights[cols]
    np.testing.assert_allclose(d.weights[2, cols], nominal)  # u = 0.5: no noise
    plain = d.exposure == 0  # a single exposure measure sets the exposure weights to 1 and 0
    ratio = d.weights[plain][:, cols] / nominal
    assert ratio.min() >= 0.75 and ratio.max() <= 1.25 and ratio.min() < 0.76 and ratio.max() > 1.24
    cs, bal = engine.position["cluster_strength"], engine.position["balance"]
    np.testing.assert_allclose(d.weights[:, cs] + d.weights[:, bal], 1.0)
    assert d.balance.min() >= 0.1 and d.balance.max() <= 0.4
    measures = [engine.position[m] for m in engine.exposure[1:]]
    one = d.exposure > 0
    assert one.any()
    np.testing.assert_array_equal(np.sort(d.weights[one][:, measures], axis=1)[:, -2:], [[0.0, 1.0]] * int(one.sum()))
    # each alternative equally likely
    counts = np.bincount(d.exposure, minlength=6) / len(d)
    assert np.abs(counts - 1 / 6).max() < 0.03
    with pytest.raises(ValueError, match="design rows must have"):
        engine.decode(np.zeros((3, 2)))


def test_results_do_not_depend_on_chunking_or_threads(engine: Engine) -> None:
    draws = engine.decode(uniform_design(300, engine.dims, SEED))
    ref = engine.evaluate(draws, keep_scores=True)
    for chunk, workers in ((1, 1), (7, 2), (64, 3), (500, 1)):
        other = engine.evaluate(draws, keep_scores=True, chunk=chunk, workers=workers)
        np.testing.assert_array_equal(other.scores, ref.scores)
        np.testing.assert_array_equal(other.ranks, ref.ranks)
        np.testing.assert_array_equal(other.shift, ref.shift)


def test_one_table_at_a_time_gives_the_numbers_of_every_table_kept(engine: Engine) -> None:
    """evaluate() builds a combination's table when its draws run and frees it after them (memory: one table).

    The reference keeps every combination's table built up front (what the engine did before, and what the Dask
    path still ships to its workers) and runs each batch on them: scores, ranks and shifts must be equal, bit
    for bit, and a released table rebuilt must equal the first one.
    """
    draws = engine.decode(uniform_design(200, engine.dims, SEED))
    combos = sorted(set(zip(draws.impute.tolist(), draws.treat.tolist(), draws.normalise.tolist(), strict=True)))
    assert len(combos) > 1  # the test needs several tables to mean anything
    ev = engine.evaluate(draws, keep_scores=True, chunk=9, workers=2)
    assert len(engine._tables) <= 1  # every table but the last was freed
    kept = {combo: engine.table(*combo) for combo in combos}  # every table alive together
    assert len(engine._tables) == len(combos)
    scores = np.full((len(engine.ids), len(draws)), np.nan)
    shift = np.full(len(draws), np.nan)
    for combo, agg, rows in engine._tasks(draws, 9):
        y, _, shift[rows] = engine.evaluate_batch(combo, agg, draws.weights[rows])
        scores[:, rows] = y.T
    np.testing.assert_array_equal(ev.scores, scores)
    np.testing.assert_array_equal(ev.shift, shift)
    first = combos[0]
    before = kept[first].values.copy()
    engine.release_tables()
    assert engine._tables == {}
    np.testing.assert_array_equal(engine.table(*first).values, before)
    again = engine.evaluate(draws, keep_scores=True)
    np.testing.assert_array_equal(again.scores, ev.scores)
    np.testing.assert_array_equal(again.ranks, ev.ranks)


def test_the_nominal_draw_gives_the_nominal_ranks(metros: ideo.Run) -> None:
    spec = spec_from_mapping({"vary": ["weights", "impute", "treat"]})
    eng = Engine(metros.index, spec)
    u = np.full((1, eng.dims), 0.25)  # first alternative of impute and treat (the run's); noise at -12.5 %...
    u[0, : eng.inputs[0].dims] = 0.5  # ... no: u = 0.5 leaves every weight as it is
    ev = eng.evaluate(eng.decode(u))
    assert ev.ranks is not None
    np.testing.assert_array_equal(ev.ranks[:, 0], eng.nominal_ranks)
    assert ev.shift[0] == 0


def test_same_seed_same_numbers_other_seed_other_draws(metros: ideo.Run) -> None:
    spec = UncertaintySpec(draws=60)
    a = analyse(metros.index, spec)
    b = analyse(metros.index, spec)
    c = analyse(metros.index, spec_from_mapping({"draws": 60, "seed": 99}))
    pd.testing.assert_frame_equal(a.ranks, b.ranks)
    pd.testing.assert_frame_equal(a.design, b.design)
    assert a.seed == SEED and c.seed == 99
    assert not a.design.equals(c.design)


@given(
    st.lists(
        st.lists(st.one_of(st.integers(0, 5).map(float), st.just(np.nan)), min_size=6, max_size=6),
        min_size=1,
        max_size=4,
    )
)
@settings(max_examples=60, deadline=None)
def test_rank_rows_agrees_with_pandas(rows: list[list[float]]) -> None:
    x = np.array(rows, dtype=float)
    expected = pd.DataFrame(x.T).rank(ascending=False, method="min", na_option="keep").to_numpy().T
    np.testing.assert_array_equal(rank_rows(x), expected)


def test_rank_statistics_and_stability_rule() -> None:
    ranks = np.array([[1, 1, 1, 2, 1, 1, 1, 1, 1, 1], [2, 3, 2, 1, 2, 2, 9, 2, 2, 2]], dtype=float)
    stats = rank_statistics(ranks, np.array([1.0, 2.0]), pd.Index(["a", "b"]), cutoffs=(0.05, 0.15))
    assert stats.loc["a", "rank_lo"] == 1 and stats.loc["a", "rank_hi"] == 2
    assert stats.loc["b", "rank_lo"] == 1 and stats.loc["b", "rank_hi"] == 9
    assert stats.loc["b", "mean_abs_shift"] == pytest.approx((1 + 1 + 7) / 10)
    assert stats.loc["b", "median_rank"] == 2
    assert stats["stability"].tolist() == ["stable", "moderate"]  # n = 2: the floors (3 and 10 ranks) apply
    # the rule: widths up to max(3, 5 % n) stable, up to max(10, 15 % n) moderate
    assert stability_class(np.array([3.0, 4.0, 10.0, 11.0]), 20).tolist() == [
        "stable",
        "moderate",
        "moderate",
        "volatile",
    ]
    assert stability_class(np.array([50.0, 51.0, 150.0, 151.0]), 1000).tolist() == [
        "stable",
        "moderate",
        "moderate",
        "volatile",
    ]
    missing = rank_statistics(
        np.array([[1.0, np.nan], [np.nan, np.nan]]), np.array([1.0, np.nan]), pd.Index(["a", "b"])
    )
    assert missing.loc["a", "rank_hi"] == 1 and pd.isna(missing.loc["b", "rank_lo"])
    assert pd.isna(missing.loc["b", "stability"])
    assert [ordinal(i) for i in (1, 2, 3, 11, 22, 113)] == ["1st", "2nd", "3rd", "11th", "22nd", "113th"]


def test_sobol_index_of_an_input_that_changes_nothing_is_zero(metros: ideo.Run) -> None:
    # COINr's own test: two identical normalisation alternatives give exactly zero first-order and total indices
    spec = spec_from_mapping(
        {
            "vary": ["normalise", "aggregate", "balance_weight"],
            "normalise": [{"method": "minmax", "l_u": [1, 100]}, {"method": "minmax", "l_u": [1, 100]}],
        }
    )
    eng = Engine(metros.index, spec)
    sens = sobol_analysis(eng, n=64, seed=SEED, bootstrap=200)
    assert sens.runs == 64 * (3 + 2)
    table = sens.table
    assert table.loc["normalise", "S1"] == 0 and table.loc["normalise", "ST"] == 0
    assert table.loc["balance_weight", "ST"] > 0.05 and table.loc["aggregate", "ST"] > 0.05
    assert (table["S1_lo"] <= table["S1_hi"]).all() and (table["ST_lo"] <= table["ST"] + 1e-12).all()
    again = sobol_analysis(eng, n=64, seed=SEED, bootstrap=200)
    pd.testing.assert_frame_equal(sens.table, again.table)
    assert "normalise" in repr(sens) and sens.log()["runs"] == 320


def test_sobol_needs_two_inputs_and_eight_rows(metros: ideo.Run) -> None:
    eng = Engine(metros.index, spec_from_mapping({"vary": ["weights"]}))
    with pytest.raises(ConfigError, match="at least two uncertain inputs"):
        sobol_analysis(eng, n=64, seed=1)
    eng2 = Engine(metros.index, spec_from_mapping({"vary": ["weights", "treat"]}))
    with pytest.raises(ConfigError, match="at least 8"):
        sobol_analysis(eng2, n=4, seed=1)


def test_asem_inputs_that_cannot_apply_are_left_out_or_refused() -> None:
    run = ideo.score_coinr("tests/data/coinr-asem/asem_iData.csv", "tests/data/coinr-asem/asem_iMeta.csv")
    eng = Engine(run.index, UncertaintySpec())
    assert [i.name for i in eng.inputs] == ["weights", "normalise", "aggregate", "treat"]
    assert any("balance_weight is not varied" in n for n in eng.notes)
    assert any("impute is not varied: the scored regions have no missing value" in n for n in eng.notes)
    with pytest.raises(ConfigError, match="'exposure' cannot apply to this run"):
        Engine(run.index, spec_from_mapping({"vary": ["weights", "exposure"]}))
    with pytest.raises(ConfigError, match="target 'Nope' is not an aggregate"):
        Engine(run.index, spec_from_mapping({"target": "Nope"}))
    sub = Engine(run.index, spec_from_mapping({"target": "Conn", "vary": ["weights"], "weights": {"1": 0.5}}))
    assert sub.target == "Conn" and sub.inputs[0].labels[0] == "LPI"


def test_geometric_mean_over_zeros_is_refused_before_any_draw(metros: ideo.Run) -> None:
    with pytest.raises(MethodError, match=r"'ba_plus_share' is 0 for region .* vary normalise too"):
        Engine(metros.index, spec_from_mapping({"vary": ["weights", "aggregate"]}))
    with pytest.raises(
        MethodError, match=r"zscore\(m_sd=\[0, 1\]\): 'ba_plus_share' is -2.1.* mean above 2.1.*m_sd = \[4, 1\]"
    ):
        Engine(metros.index, spec_from_mapping({"normalise": [{"method": "zscore", "m_sd": [0, 1]}]}))


def test_a_reflected_aggregate_is_checked_by_its_bounds() -> None:
    from ideopolis.index.framework import framework_from_records
    from ideopolis.index.profile import RunConfig

    rng = np.random.default_rng(1)
    c = rng.normal(size=40)
    c[0] = 12.0  # one region far out: its z-score is about +6
    data = pd.DataFrame({"a": rng.normal(size=40), "c": c}, index=[f"r{i}" for i in range(40)])
    fw = framework_from_records(
        [
            {"code": "idx", "type": "aggregate"},
            {"code": "pos", "parent": "idx", "type": "aggregate"},
            {"code": "neg", "parent": "idx", "type": "aggregate", "direction": -1},
            {"code": "a", "parent": "pos"},
            {"code": "c", "parent": "neg"},
        ]
    )
    run = IndexRun(data, fw, config=RunConfig().with_options(treat="none")).run()
    spec = spec_from_mapping({"normalise": [{"method": "zscore", "m_sd": [5, 1]}], "vary": ["normalise", "aggregate"]})
    # every indicator is positive (5 - 2.5 > 0), but neg enters idx reflected: 10 - (5 + 6) < 0
    with pytest.raises(MethodError, match=r"'neg' can fall to -0.5.* for region 'r0'"):
        Engine(run, spec)


def test_engine_errors_name_the_fix(metros: ideo.Run) -> None:
    with pytest.raises(ConfigError, match="needs a grouping column"):
        Engine(metros.index, spec_from_mapping({"impute": ["none", "group_median"]}))
    peer = ideo.score(
        "us-metros", weights={"method": "peer_group", "group": "cbsa_type", "weights": {"micro": {"talent": 2}}}
    )
    with pytest.raises(ConfigError, match="peer-group weights"):
        Engine(peer.index, UncertaintySpec())
    with pytest.raises(ConfigError, match="exposure measure 'nope'"):
        Engine(metros.index, spec_from_mapping({"exposure": ["all", "nope"]}))
    with pytest.raises(ConfigError, match="no node at the levels"):
        Engine(metros.index, spec_from_mapping({"vary": ["weights"], "weights": {"7": 0.2}}))


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"drawz": 5}, "unknown key 'drawz' in \\[uncertainty\\]"),
        ({"draws": 5}, "draws is 5 .* >= 10"),
        ({"draws": True}, "draws is True"),
        ({"vary": ["weights", "colour"]}, "unknown uncertain input 'colour'"),
        ({"vary": []}, "vary .* must be a list of inputs"),
        ({"weights": {"2": 1.5}}, "noise factor 1.5 at level 2"),
        ({"weights": {"pillars": 0.2}}, "'pillars' is not a framework level"),
        ({"weights": []}, "must map framework levels"),
        ({"normalise": []}, "normalise .* must be a list of alternatives"),
        ({"normalise": [{"l_u": [1, 2]}]}, "give a method name or a table with a method key"),
        ({"normalise": [{"method": "minmax", "lu": [1, 2]}]}, "unknown key 'lu' in a normalise alternative"),
        ({"balance_weight": [0.5, 0.2]}, "0 <= low < high <= 1"),
        ({"balance_weight": "wide"}, "must be a range"),
        ({"exposure": [1, 2]}, 'must list "all"'),
        ({"sensitivity": "yes"}, "sensitivity .* true or false"),
        ({"sobol_n": 4}, "sobol_n is 4 .* >= 8"),
        ({"bootstrap": 3}, "bootstrap is 3"),
        ({"target": 3}, "target .* must name an aggregate"),
        ({"stability": [0.2, 0.1]}, "0 < stable < moderate < 1"),
    ],
    ids=lambda v: str(v)[:30],
)
def test_section_errors(section: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        spec_from_mapping(section, where="p.toml")


def test_unknown_method_lists_the_valid_ones() -> None:
    with pytest.raises(UnknownMethodError, match="unknown aggregate method 'median'; choose one of: arithmetic"):
        spec_from_mapping({"aggregate": ["arithmetic", "median"]})
    with pytest.raises(ConfigError, match="must be a table"):
        spec_from_mapping(["draws"])  # type: ignore[arg-type]


def test_spec_round_trips_through_plain_data() -> None:
    spec = spec_from_mapping(
        {
            "draws": 50,
            "seed": 3,
            "vary": ["weights", "aggregate"],
            "aggregate": ["arithmetic", "harmonic"],
            "sobol_n": 64,
        }
    )
    assert spec_from_mapping(spec.to_dict()) == spec
    assert spec.normalise[1] == {"method": "zscore", "m_sd": [10.0, 1.0]}  # a name gets the positive defaults


@given(st.floats(0.01, 100.0), st.integers(0, 2**31 - 1))
@settings(max_examples=15, deadline=None)
def test_weights_are_relative_to_their_siblings(engine: Engine, factor: float, seed: int) -> None:
    # scaling every weight by one factor changes no score: each aggregate divides by its children's weights
    draws = engine.decode(uniform_design(4, engine.dims, seed))
    scaled = type(draws)(**{**draws.__dict__, "weights": draws.weights * factor})
    a = engine.evaluate(draws, keep_scores=True).scores
    b = engine.evaluate(scaled, keep_scores=True).scores
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


def test_saltelli_design_gives_the_indices_of_an_additive_function() -> None:
    # y = x1 + 2 x2 + 3 x3 with x uniform: S1 = ST = (1, 4, 9) / 14, no interactions (checks the row layout)
    from SALib.analyze import sobol as sobol_analyze

    from ideopolis.index.uncertainty.sobol import saltelli_design

    groups = ["a", "b", "b", "c"]  # b is two columns that move together: x2 = their mean
    x = saltelli_design(groups, 4096, SEED)
    y = x[:, 0] + 2 * (x[:, 1] + x[:, 2]) / 2 * np.sqrt(2) + 3 * x[:, 3]
    problem = {"num_vars": 4, "names": list("pqrs"), "bounds": [[0, 1]] * 4, "groups": groups}
    s = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=1)
    expected = np.array([1, 4, 9]) / 14
    np.testing.assert_allclose(s["S1"], expected, atol=0.04)
    np.testing.assert_allclose(s["ST"], expected, atol=0.04)


def test_a_two_way_choice_gets_its_share(metros: ideo.Run) -> None:
    # treatment on/off moves ranks on us-metros: its total index is clearly above 0 (a Sobol' sequence gave 0)
    eng = Engine(metros.index, spec_from_mapping({"vary": ["treat", "balance_weight"]}))
    sens = sobol_analysis(eng, n=128, seed=SEED, bootstrap=100)
    assert sens.table.loc["treat", "ST"] > 0.1 and sens.table.loc["treat", "ST_lo"] > 0.05
