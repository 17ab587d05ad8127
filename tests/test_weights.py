from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ideopolis.errors import FrameworkError, IdeopolisWarning, MethodError, UnknownMethodError
from ideopolis.index.framework import framework_from_records
from ideopolis.index.steps.weights import (
    WEIGHTERS,
    effective_weights,
    effective_weights_table,
    w_equal,
    weigh,
)

FW = framework_from_records(
    [
        {"code": "idx"},
        {"code": "p1", "parent": "idx", "weight": 3},
        {"code": "p2", "parent": "idx", "weight": 1},
        {"code": "a", "parent": "p1", "weight": 1},
        {"code": "b", "parent": "p1", "weight": 1},
        {"code": "c", "parent": "p1", "weight": 2},
        {"code": "d", "parent": "p2"},
    ]
)


def test_effective_weights_by_hand() -> None:
    eff = effective_weights(FW, FW.weights)
    assert eff["idx"] == 1.0
    assert eff["p1"] == pytest.approx(0.75) and eff["p2"] == pytest.approx(0.25)
    assert eff["a"] == pytest.approx(0.75 * 0.25) and eff["c"] == pytest.approx(0.75 * 0.5)
    assert eff["d"] == pytest.approx(0.25)
    assert eff[FW.indicators].sum() == pytest.approx(1.0)


def test_equal_manual_framework() -> None:
    norm = pd.DataFrame(np.ones((4, 4)), columns=list("abcd"))
    assert (weigh(FW, norm, method="equal").nodes == 1).all()
    assert weigh(FW, norm).nodes["p1"] == 3
    man = weigh(FW, norm, method="manual", weights={"d": 0.0, "a": 5})
    assert man.nodes["a"] == 5 and man.nodes["d"] == 0 and man.nodes["p1"] == 3
    with pytest.raises(FrameworkError, match="weight given for 'zz', which is not in the framework"):
        weigh(FW, norm, method="manual", weights={"zz": 1})
    assert WEIGHTERS.get("equal") is w_equal
    with pytest.raises(UnknownMethodError, match="unknown weight method 'entropy'"):
        weigh(FW, norm, method="entropy")


def test_pca_weights_sign_fixed_and_warn_on_disagreement() -> None:
    rng = np.random.default_rng(1)
    f = rng.normal(size=200)
    norm = pd.DataFrame(
        {
            "a": f + 0.3 * rng.normal(size=200),
            "b": f + 0.3 * rng.normal(size=200),
            "c": -f + 0.3 * rng.normal(size=200),
            "d": rng.normal(size=200),
        }
    )
    with pytest.warns(IdeopolisWarning, match=r"PCA loadings in 'p1' disagree in sign: c load"):
        w = weigh(FW, norm, method="pca")
    assert w.nodes["a"] > 0.5 and w.nodes["b"] > 0.5 and w.nodes["c"] == 0.0
    assert w.nodes["p1"] == 3 and w.nodes["d"] == 1  # only indicator groups get PCA weights
    assert "disagree in sign" in w.notes[0]
    agree = norm.assign(c=f + 0.3 * rng.normal(size=200))
    w2 = weigh(FW, -agree, method="pca")  # all indicators reversed: still positive loadings
    assert (w2.nodes[["a", "b", "c"]] > 0).all() and not w2.notes
    # by hand: two perfectly correlated indicators get loadings 1/sqrt(2)
    two = framework_from_records([{"code": "i"}, {"code": "x", "parent": "i"}, {"code": "y", "parent": "i"}])
    w3 = weigh(two, pd.DataFrame({"x": [1.0, 2, 3, 4], "y": [2.0, 4, 6, 8.5]}), method="pca")
    assert w3.nodes["x"] == pytest.approx(1 / np.sqrt(2), abs=1e-3)


def test_peer_group_weights() -> None:
    norm = pd.DataFrame(np.ones((4, 4)), columns=list("abcd"), index=list("wxyz"))
    groups = pd.DataFrame({"stage": ["low", "low", "high", "mid"]}, index=list("wxyz"))
    w = weigh(FW, norm, method="peer_group", groups=groups, group="stage",
              weights={"low": {"p1": 1}, "high": {"p2": 3}})  # fmt: skip
    per = w.for_aggregation(norm.index)
    assert per.at["w", "p1"] == 1 and per.at["y", "p2"] == 3 and per.at["y", "p1"] == 3
    assert per.at["z", "p1"] == 3  # no entry for "mid": framework weights
    eff = effective_weights_table(FW, w)
    assert list(eff.columns) == ["low", "high", "other"]
    assert eff.at["p1", "low"] == pytest.approx(0.5) and eff.at["p1", "high"] == pytest.approx(0.5)
    with pytest.raises(MethodError, match="weights given for group 'top', which no region has"):
        weigh(FW, norm, method="peer_group", groups=groups, group="stage", weights={"top": {"a": 1}})
    with pytest.raises(MethodError, match="group column 'class' for weights is not in the data"):
        weigh(FW, norm, method="peer_group", groups=groups, group="class", weights={"low": {}})
    with pytest.raises(FrameworkError, match="group 'low': weight given for 'q'"):
        weigh(FW, norm, method="peer_group", groups=groups, group="stage", weights={"low": {"q": 1}})
