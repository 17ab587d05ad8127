from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ideopolis.errors import MethodError
from ideopolis.index.steps.screen import screen

DATA = pd.DataFrame(
    {
        "x": [1.0, np.nan, 0.0, 4.0],
        "y": [1.0, np.nan, 0.0, np.nan],
        "z": [1.0, 2.0, 0.0, 5.0],
    },
    index=["a", "b", "c", "d"],
)


def test_by_na_drops_below_threshold_and_reports() -> None:
    res = screen(DATA, threshold=2 / 3)
    assert res.dropped == ["b"]
    assert list(res.data.index) == ["a", "c", "d"]
    assert res.summary.at["b", "availability"] == pytest.approx(1 / 3)
    assert res.summary.at["d", "availability"] == pytest.approx(2 / 3)
    assert not res.summary.at["b", "included"]


def test_by_zeros_and_both() -> None:
    assert screen(DATA, method="by_zeros", nonzero_threshold=0.5).dropped == ["c"]
    assert screen(DATA, method="by_na_and_zeros", threshold=0.9, nonzero_threshold=0.5).dropped == [
        "b",
        "c",
        "d",
    ]
    assert screen(DATA, method="none").dropped == []


def test_force_include_and_exclude() -> None:
    res = screen(DATA, threshold=0.9, force_include=["d"], force_exclude=["a"])
    assert res.dropped == ["a", "b"]


def test_errors() -> None:
    with pytest.raises(MethodError, match=r"screen threshold is 1\.5; use a share between 0 and 1"):
        screen(DATA, threshold=1.5)
    with pytest.raises(MethodError, match="region 'zz' named in force_include"):
        screen(DATA, force_include=["zz"])
