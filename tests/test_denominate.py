from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ideopolis.errors import MethodError, UnknownMethodError
from ideopolis.index.steps.denominate import DENOMINATORS, by_metadata, denominate

DATA = pd.DataFrame({"gdp": [100.0, 50.0, 30.0], "rate": [0.1, 0.2, 0.3]}, index=["a", "b", "c"])
DEN = pd.DataFrame({"pop": [10.0, 0.0, 3.0], "area": [2.0, 5.0, np.nan]}, index=["a", "b", "c"])


def test_divides_by_the_named_column_with_scale() -> None:
    res = denominate(DATA, DEN, by={"gdp": "pop"}, scale={"gdp": 1000})
    np.testing.assert_allclose(res.data.loc[["a", "c"], "gdp"], [10_000.0, 10_000.0])
    assert res.data["rate"].equals(DATA["rate"])
    assert res.applied == {"gdp": "pop"}


def test_zero_or_missing_denominator_gives_missing_and_a_note() -> None:
    res = denominate(DATA, DEN, by={"gdp": "pop", "rate": "area"})
    assert np.isnan(res.data.at["b", "gdp"]) and np.isnan(res.data.at["c", "rate"])
    assert any("gdp: denominator 'pop' is zero or missing for 1 region(s) (b)" in n for n in res.notes)


def test_none_and_registry_agree() -> None:
    assert denominate(DATA, DEN, by={"gdp": "pop"}, method="none").data.equals(DATA)
    assert DENOMINATORS.get("coinr") is by_metadata
    with pytest.raises(UnknownMethodError, match="choose one of: by_metadata, none"):
        denominate(DATA, DEN, by={}, method="per_capita_magic")


def test_errors_name_indicator_and_column() -> None:
    with pytest.raises(MethodError, match="'gdp' is to be divided by 'people', which is not a column"):
        denominate(DATA, DEN, by={"gdp": "people"})
    with pytest.raises(MethodError, match="denominator given for 'nope'"):
        denominate(DATA, DEN, by={"nope": "pop"})
    with pytest.raises(MethodError, match="no denominator columns were given"):
        denominate(DATA, None, by={"gdp": "pop"})
