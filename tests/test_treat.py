from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ideopolis.index.steps.treat import (
    TREATMENTS,
    kurtosis,
    log_ct,
    passes,
    skewness,
    treat,
    treat_coinr,
    winsorise,
)


@pytest.mark.parametrize(
    "x",
    [np.r_[1.0:11.0, 30.0, 100.0], np.array([2.0, 3.0, 5.0, 7.0, 11.0, 13.0]), np.r_[-50.0, 1.0:9.0]],
    ids=["outliers", "primes", "low-outlier"],
)
def test_skew_and_kurtosis_are_the_bias_corrected_sample_statistics(x: np.ndarray) -> None:
    assert skewness(x) == pytest.approx(stats.skew(x, bias=False))
    assert kurtosis(x) == pytest.approx(stats.kurtosis(x, bias=False, fisher=True))


def test_statistics_by_hand_and_missing_values_ignored() -> None:
    # x = 1, 2, 3, 10: mean 4, deviations -3 -2 -1 6; sum d^2 = 50, sum d^3 = 180, sum d^4 = 1394
    g1 = np.sqrt(4) * 180 / 50**1.5
    assert skewness(np.array([1.0, 2, 3, 10, np.nan])) == pytest.approx(g1 * np.sqrt(12) / 2)
    r = 4 * 1394 / 50**2
    assert kurtosis(np.array([1.0, 2, 3, 10])) == pytest.approx(((5 * (r - 3) + 6) * 3) / (2 * 1))
    assert np.isnan(skewness(np.array([1.0, 2.0]))) and np.isnan(kurtosis(np.array([1.0, 2, 3])))
    assert np.isnan(skewness(np.ones(5)))


def test_rule_fails_only_when_both_thresholds_are_reached() -> None:
    x = np.r_[1.0:11.0, 100.0]
    assert passes(x) is False
    # a huge threshold on either statistic makes it pass (the rule is an AND of the two)
    assert passes(x, skew_thresh=100) is True
    assert passes(x, kurt_thresh=1000) is True
    assert passes(np.ones(6)) is None


def test_one_outlier_is_winsorised_to_the_next_value_and_rechecked() -> None:
    x = np.r_[1.0:11.0, 100.0]
    res = treat_coinr(x)
    assert res.status == "winsorised"
    assert res.values[-1] == 10.0
    np.testing.assert_array_equal(res.values[:-1], x[:-1])
    assert res.stats["n_winsorised"] == 1 and res.stats["passed_after"] is True


def test_tied_extremes_are_winsorised_together() -> None:
    x = np.r_[1.0:21.0, 100.0, 100.0]
    res = treat_coinr(x)
    assert res.status == "winsorised"
    np.testing.assert_array_equal(res.high, [20, 21])
    np.testing.assert_array_equal(res.values[20:], [20.0, 20.0])
    assert res.stats["n_winsorised"] == 2


def test_negative_skew_is_winsorised_at_the_bottom() -> None:
    x = np.r_[-100.0, 1.0:11.0]
    res = treat_coinr(x)
    assert res.status == "winsorised" and list(res.low) == [0] and res.values[0] == 1.0


def test_log_fallback_is_applied_to_the_original_column() -> None:
    x = np.r_[1.0:21.0, 100.0, 200.0]
    res = treat_coinr(x, winmax=1)
    assert res.status == "log"
    expected = np.log(x - 1.0 + 0.01 * (200.0 - 1.0))
    np.testing.assert_allclose(res.values, expected)
    # not the log of the winsorised column (where 200 would have become 100)
    assert res.values[-1] == pytest.approx(np.log(199.0 + 1.99))
    assert res.stats["n_winsorised"] == 1


def test_winsorisation_stops_at_five_points() -> None:
    x = np.r_[1.0:101.0, 10.0 ** np.arange(3, 10)]
    xw, high, low, ok = winsorise(x, winmax=5)
    assert high.size == 5 and low.size == 0 and ok is False
    np.testing.assert_array_equal(xw[-6:], np.full(6, 1e4))
    res = treat_coinr(x)
    assert res.status == "log" and res.stats["n_winsorised"] == 5
    np.testing.assert_allclose(res.values, log_ct(x))


def test_columns_that_cannot_be_checked_are_left_alone() -> None:
    assert treat_coinr(np.ones(8)).status == "unchecked"
    assert treat_coinr(np.array([1.0, 2.0, 300.0])).status == "unchecked"


def test_frame_treatment_records_every_cell() -> None:
    df = pd.DataFrame(
        {
            "ok": np.r_[1.0:23.0],
            "win": np.r_[1.0:21.0, 100.0, 100.0],
            "log": np.r_[1.0:21.0, 100.0, 200.0],
        },
        index=[f"r{i}" for i in range(22)],
    )
    res = treat(df, winmax=1)
    assert res.table.loc["ok", "status"] == "ok"
    assert res.table.loc["win", "status"] == "winsorised"
    assert res.table.loc["log", "status"] == "log"
    win = res.cells[res.cells["indicator"] == "win"]
    assert list(win["region"]) == ["r20", "r21"] and set(win["treatment"]) == {"winsorised_high"}
    assert list(win["original"]) == [100.0, 100.0] and list(win["treated"]) == [20.0, 20.0]
    assert (res.cells["indicator"] == "log").sum() == 22
    assert res.data["ok"].equals(df["ok"])
    skipped = treat(df, skip=["log"])
    assert skipped.table.loc["log", "status"] == "none"


def test_registry() -> None:
    assert TREATMENTS.get("default") is treat_coinr
    res = treat(pd.DataFrame({"a": np.r_[1.0:21.0, 100.0, 200.0]}), method="winsorise", winmax=1)
    assert res.table.loc["a", "status"] == "winsorised"
    assert treat(pd.DataFrame({"a": [1.0, 100.0, 2, 3, 4]}), method="none").cells.empty
