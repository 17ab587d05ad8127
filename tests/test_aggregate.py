from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ideopolis.errors import MethodError, UnknownMethodError
from ideopolis.index.framework import Framework, Node, framework_from_records
from ideopolis.index.steps.aggregate import AGGREGATORS, AggregateSpec, aggregate

FW = framework_from_records(
    [
        {"code": "idx"},
        {"code": "p", "parent": "idx", "weight": 1},
        {"code": "q", "parent": "idx", "weight": 3},
        {"code": "a", "parent": "p", "weight": 1},
        {"code": "b", "parent": "p", "weight": 3},
        {"code": "c", "parent": "q"},
    ]
)
X = pd.DataFrame(
    {"a": [10.0, 40.0, np.nan], "b": [20.0, 10.0, 30.0], "c": [100.0, 1.0, np.nan]},
    index=["r1", "r2", "r3"],
)


def test_weighted_arithmetic_by_hand_with_missing_data() -> None:
    out = aggregate(X, FW, FW.weights).data
    assert out.at["r1", "p"] == pytest.approx((10 + 3 * 20) / 4)
    assert out.at["r3", "p"] == pytest.approx(30.0)  # weights renormalised over available
    assert np.isnan(out.at["r3", "q"])  # nothing available
    assert out.at["r1", "idx"] == pytest.approx((17.5 + 3 * 100) / 4)
    assert out.at["r3", "idx"] == pytest.approx(30.0)


def test_geometric_harmonic_generalised_by_hand() -> None:
    w = FW.weights
    geo = aggregate(X, FW, w, spec=AggregateSpec(method="geometric")).data
    assert geo.at["r1", "p"] == pytest.approx(np.exp((np.log(10) + 3 * np.log(20)) / 4))
    har = aggregate(X, FW, w, spec=AggregateSpec(method="harmonic")).data
    assert har.at["r2", "p"] == pytest.approx(4 / (1 / 40 + 3 / 10))
    gen = aggregate(X, FW, w, spec=AggregateSpec(method="generalised", params={"p": 2})).data
    assert gen.at["r1", "p"] == pytest.approx(np.sqrt((100 + 3 * 400) / 4))
    assert np.isnan(gen.at["r3", "q"])


def test_method_per_level_and_per_node() -> None:
    spec = AggregateSpec(method="arithmetic", by_level={3: "geometric"}, by_node={"q": "harmonic"})
    res = aggregate(X, FW, FW.weights, spec=spec)
    assert res.methods == {"p": "arithmetic", "q": "harmonic", "idx": "geometric"}


def test_availability_threshold_per_aggregate() -> None:
    # r3 has b (weight 3) but not a (weight 1): 3/4 of p's weight, 1 of its 2 children
    by_count = AggregateSpec(threshold_by_node={"p": 0.75}, availability="count")
    res = aggregate(X, FW, FW.weights, spec=by_count)
    assert np.isnan(res.data.at["r3", "p"]) and res.data.at["r1", "p"] == pytest.approx(17.5)
    assert res.availability.at["r3", "p"] == 0.5 and res.thresholds["p"] == 0.75 and res.thresholds["q"] is None
    by_weight = aggregate(X, FW, FW.weights, spec=AggregateSpec(threshold_by_node={"p": 0.75}))
    assert by_weight.availability.at["r3", "p"] == 0.75 and by_weight.data.at["r3", "p"] == pytest.approx(30.0)
    assert np.isnan(aggregate(X, FW, FW.weights, spec=AggregateSpec(threshold_by_node={"p": 0.76})).data.at["r3", "p"])
    spec2 = AggregateSpec(threshold=0.5)
    assert res.data.at["r2", "p"] == aggregate(X, FW, FW.weights, spec=spec2).data.at["r2", "p"]


def test_availability_counts_weight_and_a_missing_child_turns_the_parent_off() -> None:
    # idx = p (weight 1) + q (weight 3); r3 has no c, so q is missing and idx rests on p: 1/4 of its weight
    res = aggregate(X, FW, FW.weights, spec=AggregateSpec(threshold=0.65))
    assert res.availability.at["r3", "idx"] == 0.25 and np.isnan(res.data.at["r3", "idx"])
    assert res.availability.at["r1", "idx"] == 1.0 and res.data.at["r1", "idx"] == pytest.approx((17.5 + 300) / 4)
    # 2 of 3 equal weights is 0.666... and passes a 0.65 threshold; 13 of 20 passes it exactly
    fw3 = framework_from_records([{"code": "i"}, *({"code": k, "parent": "i"} for k in "xyz")])
    x3 = pd.DataFrame({"x": [1.0], "y": [2.0], "z": [np.nan]})
    assert aggregate(x3, fw3, fw3.weights, spec=AggregateSpec(threshold=0.65)).data.at[0, "i"] == 1.5
    fw20 = framework_from_records([{"code": "i"}, *({"code": f"k{j}", "parent": "i"} for j in range(20))])
    x20 = pd.DataFrame({f"k{j}": [1.0 if j < 13 else np.nan] for j in range(20)})
    assert aggregate(x20, fw20, fw20.weights, spec=AggregateSpec(threshold=0.65)).data.at[0, "i"] == 1.0
    with pytest.raises(MethodError, match="aggregate availability 'votes' is unknown; choose one of: weight, count"):
        aggregate(X, FW, FW.weights, spec=AggregateSpec(availability="votes"))


def test_minus_one_aggregate_is_reflected_on_the_scale() -> None:
    fw = Framework(
        (
            Node("bal", None, indicator=False),
            Node("att", "bal", indicator=False),
            Node("exp", "bal", indicator=False, direction=-1),
            Node("m", "att"),
            Node("t", "exp"),
        )
    )
    x = pd.DataFrame({"m": [80.0], "t": [30.0]})
    out = aggregate(x, fw, fw.weights, bounds=(0, 100)).data
    # balance = attraction - exposure rescaled to [0, 100]: (80 - 30 + 100) / 2
    assert out.at[0, "bal"] == pytest.approx(75.0)
    assert out.at[0, "exp"] == pytest.approx(30.0)


def test_per_region_weights() -> None:
    w = pd.DataFrame(
        {"a": [1.0, 0.0, 1.0], "b": [0.0, 1.0, 1.0], "c": 1.0, "p": 1.0, "q": 1.0, "idx": 1.0},
        index=X.index,
    )
    out = aggregate(X, FW, w).data
    assert out.at["r1", "p"] == 10.0 and out.at["r2", "p"] == 10.0


def test_errors() -> None:
    neg = X.assign(a=[-1.0, 2.0, 3.0])
    with pytest.raises(MethodError, match=r"geometric mean over values <= 0 in 'p': 'a' is -1 for region 'r1'"):
        aggregate(neg, FW, FW.weights, spec=AggregateSpec(method="geometric"))
    with pytest.raises(MethodError, match="harmonic mean over values <= 0"):
        aggregate(neg, FW, FW.weights, spec=AggregateSpec(method="harmonic"))
    zero = FW.weights.copy()
    zero[["a", "b"]] = 0.0
    with pytest.raises(MethodError, match=r"weights of the children of 'p' \(a, b\) sum to zero"):
        aggregate(X, FW, zero)
    with pytest.raises(MethodError, match="aggregation threshold for threshold is 2"):
        aggregate(X, FW, FW.weights, spec=AggregateSpec(threshold=2))
    with pytest.raises(MethodError, match="aggregation setting for 'zz'"):
        aggregate(X, FW, FW.weights, spec=AggregateSpec(by_node={"zz": "geometric"}))
    with pytest.raises(MethodError, match="indicator 'c' of the framework is not in the data"):
        aggregate(X.drop(columns="c"), FW, FW.weights)
    with pytest.raises(UnknownMethodError, match="unknown aggregate method 'median'"):
        aggregate(X, FW, FW.weights, spec=AggregateSpec(method="median"))


# x = (1, 4) with weights (1, 3), and (9, missing): by hand. Weights are renormalised over available children.
HAND_X = np.array([[1.0, 4.0], [9.0, np.nan]])
HAND_W = np.array([1.0, 3.0])
HAND = {
    "a_amean": ([(1 * 1 + 3 * 4) / 4, 9.0], {}),  # 3.25
    "geometric": ([4 ** (3 / 4), 9.0], {}),  # exp((ln 1 + 3 ln 4) / 4)
    "hmean": ([4 / (1 / 1 + 3 / 4), 9.0], {}),  # 2.2857...
    "power": ([((1 * 1**2 + 3 * 4**2) / 4) ** 0.5, 9.0], {"p": 2.0}),  # 3.5
    "generalised": ([((1 * 1**3 + 3 * 4**3) / 4) ** (1 / 3), 9.0], {"p": 3.0}),
}


@pytest.mark.parametrize("name", list(HAND), ids=list(HAND))
def test_registry_dispatch_gives_the_hand_computed_values(name: str) -> None:
    expected, params = HAND[name]
    np.testing.assert_allclose(AGGREGATORS.get(name)(HAND_X, HAND_W, **params), expected, rtol=1e-12)


def test_every_registered_aggregator_is_checked_by_hand() -> None:
    assert {AGGREGATORS.canonical(n) for n in HAND} == set(AGGREGATORS.names())


@settings(max_examples=80, deadline=None)
@given(
    values=st.lists(st.floats(0, 100), min_size=3, max_size=3),
    weights=st.lists(st.floats(0.01, 10), min_size=3, max_size=3),
    p=st.sampled_from([-1.0, 0.0, 1.0, 2.0, 3.0]),
)
def test_power_means_lie_between_min_and_max(values: list[float], weights: list[float], p: float) -> None:
    x = np.array([values]) + 1.0
    y = AGGREGATORS.get("generalised")(x, np.array(weights), p=p)[0]
    assert x.min() - 1e-9 <= y <= x.max() + 1e-9
