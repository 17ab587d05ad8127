from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ideopolis.index.lens import lens, typology

IDS = ["m", "t", "e", "r", "x"]
ATTR = pd.Series([90.0, 80.0, 10.0, 20.0, 50.0], index=IDS)
EXPO = pd.Series([10.0, 90.0, 80.0, 20.0, 50.0], index=IDS)


def test_quadrants_split_at_the_median() -> None:
    cats, a_thr, e_thr = typology(ATTR, EXPO)
    assert (a_thr, e_thr) == (50.0, 50.0)
    # the region at the median is not "high" on either axis
    assert cats.to_dict() == {
        "m": "magnet",
        "t": "talent_hub",
        "e": "exporter",
        "r": "rooted",
        "x": "rooted",
    }


def test_user_thresholds_and_missing_axes() -> None:
    cats, _, _ = typology(ATTR, EXPO, attraction_threshold=15, exposure_threshold=85)
    assert cats["e"] == "rooted" and cats["r"] == "magnet" and cats["t"] == "talent_hub"
    att = ATTR.copy()
    att["x"] = np.nan
    cats2, _, _ = typology(att, EXPO)
    assert pd.isna(cats2["x"])


def test_lens_from_scores_and_absent_lens() -> None:
    scores = pd.DataFrame({"attraction": ATTR, "exposure": EXPO, "balance": (ATTR - EXPO + 100) / 2})
    res = lens(scores, exposure_threshold=40)
    assert res is not None and res.exposure_threshold == 40
    assert res.balance is not None and res.balance["m"] == pytest.approx(90.0)
    assert lens(scores.drop(columns="exposure")) is None
