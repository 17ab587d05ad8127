from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ideopolis.errors import MethodError, UnknownMethodError
from ideopolis.index.steps.normalise import NORMALISERS, normalise, scale_bounds

IDS = ["a", "b", "c", "d", "e"]
X = pd.DataFrame({"up": [1.0, 2.0, 3.0, 4.0, 6.0], "down": [10.0, 20.0, 20.0, 40.0, np.nan]}, index=IDS)
DIRS = {"up": 1, "down": -1}


def norm(method: str, **kw: object) -> pd.DataFrame:
    return normalise(X, directions=DIRS, method=method, **kw).data  # type: ignore[arg-type]


def test_minmax_by_hand_with_direction_flip() -> None:
    out = norm("minmax")
    np.testing.assert_allclose(out["up"], [0, 20, 40, 60, 100])
    np.testing.assert_allclose(out["down"][:4], [100, 200 / 3, 200 / 3, 0])
    assert np.isnan(out.at["e", "down"])
    ranged = norm("minmax", params={"l_u": [1, 10]})
    np.testing.assert_allclose(ranged["up"], [1.0, 2.8, 4.6, 6.4, 10.0])


def test_zscore_any_mean_and_sd() -> None:
    out = norm("zscore", params={"m_sd": [100, 10]})
    up = X["up"].to_numpy()
    np.testing.assert_allclose(out["up"], (up - up.mean()) / up.std(ddof=1) * 10 + 100)
    assert out["down"].iloc[:4].mean() == pytest.approx(100)
    assert out["down"].iloc[:4].std(ddof=1) == pytest.approx(10)
    assert out.at["a", "down"] > out.at["d", "down"]


def test_rank_and_percentile_rank_ties_min() -> None:
    r = norm("rank")
    np.testing.assert_array_equal(r["up"], [1, 2, 3, 4, 5])
    # down flipped: -10 > -20 = -20 > -40, ties share the lower rank
    np.testing.assert_array_equal(r["down"][:4], [4, 2, 2, 1])
    p = norm("prank")
    np.testing.assert_allclose(p["up"], [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_allclose(p["down"][:4], [1, 1 / 3, 1 / 3, 0])


def test_distance_methods_by_hand() -> None:
    np.testing.assert_allclose(norm("dist2max")["up"], [0, 0.2, 0.4, 0.6, 1.0])
    ref = norm("dist2ref", reference="c")["up"]
    np.testing.assert_allclose(ref, [0, 0.5, 1, 1.5, 2.5])
    capped = normalise(X, directions=DIRS, method="dist2ref", params={"cap_max": True}, reference="c")
    assert capped.data["up"].max() == 1.0
    targ = norm("dist2targ", targets={"up": 5.0, "down": 15.0})
    np.testing.assert_allclose(targ["up"], [0, 0.25, 0.5, 0.75, 1.25])
    # down: x -> -x, target -> -15, min -40: 1 - (-15 - (-x)) / (-15 + 40)
    np.testing.assert_allclose(targ["down"][:4], [1.2, 0.8, 0.8, 0.0])
    np.testing.assert_allclose(norm("fracmax")["up"], X["up"] / 6)


def test_goalposts_truncate_and_flip() -> None:
    out = norm("goalposts", goalposts={"up": (2, 4, 100), "down": (10, 30, 1)})
    np.testing.assert_allclose(out["up"], [0, 0, 50, 100, 100])
    # direction -1: 10 is the best post, 30 the worst
    np.testing.assert_allclose(out["down"][:4], [1, 0.5, 0.5, 0])


def test_per_indicator_override_and_bounds() -> None:
    res = normalise(X, directions=DIRS, method="minmax", per_indicator={"down": {"method": "rank"}})
    assert res.methods["down"]["method"] == "rank" and res.methods["up"]["method"] == "minmax"
    assert res.bounds == (0.0, 100.0)
    assert scale_bounds("zscore", {"m_sd": [50, 10]}, 5) == (50.0, 50.0)
    assert scale_bounds("rank", {}, 7) == (1.0, 7.0)


def test_errors_name_the_indicator() -> None:
    flat = X.assign(up=3.0)
    with pytest.raises(MethodError, match=r"'up' has zero variance \(every region has 3\)"):
        normalise(flat, directions=DIRS)
    empty = X.assign(down=np.nan)
    with pytest.raises(MethodError, match="'down' has no data in any region"):
        normalise(empty, directions=DIRS)
    with pytest.raises(MethodError, match="'up' has no target"):
        norm("dist2targ")
    with pytest.raises(MethodError, match="'up' has no goalposts"):
        norm("goalposts")
    with pytest.raises(MethodError, match="dist2ref needs a reference region"):
        norm("dist2ref", reference="zz")
    with pytest.raises(UnknownMethodError, match="unknown normalise method 'softmax'"):
        norm("softmax")
    with pytest.raises(MethodError, match="normalisation given for 'nope'"):
        normalise(X, directions=DIRS, per_indicator={"nope": {"method": "rank"}})


# x = 10, 20, 40 (and a missing value): every method by hand. mean 70/3, sample sd sqrt(700/3) = 15.2753.
HAND_X = np.array([10.0, 20.0, 40.0, np.nan])
HAND = {
    "Min-Max": ([0.0, 100 / 3, 100.0], {}),
    "n_minmax": ([1.0, 4.0, 10.0], {"l_u": (1.0, 10.0)}),
    "z-score": ([-40 / 3 / 15.275252316519467, -10 / 3 / 15.275252316519467, 50 / 3 / 15.275252316519467], {}),
    "standardise": ([100 - 10 * 40 / 3 / 15.275252316519467, 100 - 10 * 10 / 3 / 15.275252316519467,
                     100 + 10 * 50 / 3 / 15.275252316519467], {"m_sd": (100.0, 10.0)}),
    "rank": ([1.0, 2.0, 3.0], {}),
    "percentile_rank": ([0.0, 0.5, 1.0], {}),
    "distance_to_max": ([0.0, 1 / 3, 1.0], {}),
    "dist2ref": ([0.0, 1.0, 3.0], {"iref": 1}),
    "fraction_of_max": ([0.25, 0.5, 1.0], {}),
    "none": ([10.0, 20.0, 40.0], {}),
}  # fmt: skip


@pytest.mark.parametrize("name", list(HAND), ids=list(HAND))
def test_registry_dispatch_gives_the_hand_computed_values(name: str) -> None:
    expected, params = HAND[name]
    got = NORMALISERS.get(name)(HAND_X, **params)
    np.testing.assert_allclose(got[:3], expected, rtol=1e-12)
    assert np.isnan(got[3])  # missing stays missing


def test_every_registered_normaliser_is_checked_by_hand() -> None:
    covered = {NORMALISERS.canonical(n) for n in HAND} | {"dist2targ", "goalposts"}  # by hand in tests above
    assert covered == set(NORMALISERS.names())


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def spread_values(draw: st.DrawFn) -> np.ndarray:
    """3-25 values from -1e6 on, whose range is at least 1 and 1e-3 of their size, so that a change of unit
    (x 1e-3, + 1e3) keeps them distinct in float64 (by construction: no example is thrown away; a constant
    indicator is an error, tested above)."""
    n = draw(st.integers(3, 25))
    low = draw(st.floats(-1e6, 1e6))
    gap = draw(st.floats(max(1.0, 1e-3 * (1 + abs(low))), 1e6))
    inner = draw(st.lists(st.floats(0, 1), min_size=n - 2, max_size=n - 2))
    return np.array(draw(st.permutations([low, low + gap, *(low + gap * u for u in inner)])))


@settings(max_examples=60, deadline=None)
@given(
    values=spread_values(),
    scale=st.floats(min_value=1e-3, max_value=1e3),
    shift=st.floats(min_value=-1e3, max_value=1e3),
    method=st.sampled_from(["minmax", "zscore"]),
)
def test_unit_of_an_indicator_does_not_matter(values: np.ndarray, scale: float, shift: float, method: str) -> None:
    df = pd.DataFrame({"x": values})
    a = normalise(df, directions={"x": 1}, method=method).data["x"]
    b = normalise(df * scale + shift, directions={"x": 1}, method=method).data["x"]
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
