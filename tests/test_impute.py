from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ideopolis.errors import MethodError, UnknownMethodError
from ideopolis.index.steps.impute import IMPUTERS, impute, impute_group_mean

IDS = ["a", "b", "c", "d", "e", "f"]
DATA = pd.DataFrame(
    {"x": [1.0, np.nan, 3.0, 10.0, np.nan, 30.0], "y": [np.nan, 2.0, 4.0, np.nan, np.nan, np.nan]},
    index=IDS,
)
GROUPS = pd.DataFrame({"g": ["A", "A", "A", "B", "B", "B"]}, index=IDS)


def test_mean_and_median_by_hand() -> None:
    res = impute(DATA, method="mean")
    assert res.data.at["b", "x"] == pytest.approx((1 + 3 + 10 + 30) / 4)
    assert res.data.at["a", "y"] == pytest.approx(3.0)
    med = impute(DATA, method="median")
    assert med.data.at["e", "x"] == pytest.approx(6.5)


def test_group_mean_and_median_by_hand() -> None:
    res = impute(DATA, method="group_mean", groups=GROUPS, group="g")
    assert res.data.at["b", "x"] == pytest.approx(2.0)
    assert res.data.at["e", "x"] == pytest.approx(20.0)
    assert res.data.at["a", "y"] == pytest.approx(3.0)
    # group B has no y at all: stays missing (COINr semantics)
    assert res.data.loc[["d", "e", "f"], "y"].isna().all()
    assert res.remaining_missing == 3
    med = impute(DATA, method="group_median", groups=GROUPS, group="g")
    assert med.data.at["e", "x"] == pytest.approx(20.0)


def test_every_imputed_cell_is_recorded() -> None:
    res = impute(DATA, method="group_mean", groups=GROUPS, group="g")
    got = {(r.region, r.indicator): r.value for r in res.imputed.itertuples()}
    assert got == {("b", "x"): 2.0, ("e", "x"): 20.0, ("a", "y"): 3.0}
    assert set(res.imputed["group"]) == {"A", "B"}
    assert (res.imputed["method"] == "group_mean").all()
    assert impute(DATA, method="none").imputed.empty


def test_registry_and_direct_call_agree() -> None:
    direct = impute_group_mean(DATA, group=GROUPS["g"])
    assert IMPUTERS.get("i_mean_grp") is impute_group_mean
    pd.testing.assert_frame_equal(direct, impute(DATA, method="group_mean", groups=GROUPS, group="g").data)


def test_errors() -> None:
    with pytest.raises(MethodError, match="needs a grouping column"):
        impute(DATA, method="group_mean")
    with pytest.raises(
        MethodError, match="grouping column 'state' for imputation is not in the data; choose one of: g"
    ):
        impute(DATA, method="group_mean", groups=GROUPS, group="state")
    with pytest.raises(UnknownMethodError, match="unknown impute method 'knn'"):
        impute(DATA, method="knn")
