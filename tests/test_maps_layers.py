"""Layers: classification by scheme name, palettes, legends, value formatting."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ideopolis.errors import ConfigError, UnknownMethodError
from ideopolis.maps import palettes
from ideopolis.maps.layers import (
    SCHEMES,
    MapLayer,
    auto_decimals,
    classify_layer,
    format_value,
    parse_bins,
    round_half_up,
    standard_layers,
)

SEED = 7
Y = np.random.default_rng(SEED).lognormal(3, 1, 500)


# y = 1, 2, ..., 20. Quantile bounds by hand (linear interpolation at position (n - 1) q, numpy's and
# mapclassify's default): k = 4 -> 5.75, 10.5, 15.25, 20; k = 5 -> 4.8, 8.6, 12.4, 16.2, 20.
# Equal intervals over [1, 20]: k = 4 -> 5.75, 10.5, 15.25, 20 as well; k = 3 -> 7.333, 13.667, 20.
Y20 = np.arange(1.0, 21.0)


@pytest.mark.parametrize(
    ("name", "k", "bins", "expected"),
    [
        ("quantiles", 4, None, [5.75, 10.5, 15.25, 20.0]),
        ("quantiles", 5, None, [4.8, 8.6, 12.4, 16.2, 20.0]),
        ("equal_interval", 3, None, [1 + 19 / 3, 1 + 38 / 3, 20.0]),
        ("user_defined", 5, [4.0, 12.0], [4.0, 12.0, 20.0]),
    ],
    ids=["quantiles-4", "quantiles-5", "equal-interval-3", "user-defined"],
)
def test_dispatcher_gives_the_hand_computed_bounds(name, k, bins, expected):
    np.testing.assert_allclose(SCHEMES.get(name)(Y20, k, bins), expected, rtol=1e-12)


@pytest.mark.parametrize("k", [2, 3, 7])
def test_every_scheme_honours_k(k):
    for name in ("quantiles", "equal_interval", "natural_breaks"):
        assert len(SCHEMES.get(name)(Y, k, None)) == k, name


def test_natural_breaks_is_seeded_and_leaves_global_rng_alone():
    state = np.random.get_state()[1].copy()  # noqa: NPY002
    a = SCHEMES.get("natural_breaks")(Y, 5, None)
    b = SCHEMES.get("jenks")(Y, 5, None)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # noqa: NPY002


def test_unknown_scheme_lists_the_valid_names():
    with pytest.raises(UnknownMethodError, match="equal_interval, natural_breaks, quantiles, user_defined"):
        classify_layer(MapLayer("x", "X", scheme="kmeans"), pd.Series([1.0, 2.0]))


def test_unknown_palette_lists_the_valid_names():
    with pytest.raises(UnknownMethodError, match="ylgnbu"):
        classify_layer(MapLayer("x", "X", palette="rainbow"), pd.Series([1.0, 2.0]))


@pytest.mark.parametrize(
    ("text", "message"),
    [("a,b", "not a list of numbers"), ("3,2", "increase strictly"), ("", "empty"), ("1,inf", "non-finite")],
    ids=["letters", "decreasing", "empty", "infinite"],
)
def test_bad_bins_are_one_line_errors_with_the_fix(text, message):
    with pytest.raises(ConfigError, match=message) as info:
        parse_bins(text)
    assert "\n" not in str(info.value)
    assert "20,40,60,80" in str(info.value) or "numbers" in str(info.value)


def test_user_defined_without_bins():
    with pytest.raises(ConfigError, match="--bins"):
        classify_layer(MapLayer("x", "X", scheme="user"), pd.Series([1.0, 2.0]))


def test_quantile_classes_hold_equal_counts_and_no_data_is_minus_one():
    values = pd.Series(np.r_[np.arange(100.0), np.nan])
    layer = classify_layer(MapLayer("x", "X", k=4), values)
    assert layer.classes[-1] == -1
    assert layer.no_data == 1
    assert [e.count for e in layer.legend] == [25, 25, 25, 25]
    assert len(set(layer.colours)) == 4
    assert layer.legend[0].label == "0.0 – 24.8"


def test_user_bins_label_an_empty_first_class():
    layer = classify_layer(MapLayer("x", "X", scheme="user_defined", bins=(10.0, 20.0)), pd.Series([15.0, 25.0]))
    assert [e.label for e in layer.legend] == ["≤ 10.0", "10.0 – 20.0", "20.0 – 25.0"]
    assert [e.count for e in layer.legend] == [0, 1, 1]


def test_constant_and_empty_layers():
    one = classify_layer(MapLayer("x", "X"), pd.Series([3.0, 3.0, 3.0]))
    assert len(one.legend) == 1 and (one.classes == 0).all()
    none = classify_layer(MapLayer("x", "X"), pd.Series([np.nan, np.nan]))
    assert none.legend == () and (none.classes == -1).all() and none.no_data == 2


def test_class_count_is_bounded():
    with pytest.raises(ConfigError, match="1 to 36"):
        classify_layer(MapLayer("x", "X", k=40), pd.Series([1.0, 2.0]))


def test_diverging_layers_split_at_the_midpoint_and_colour_each_side():
    values = pd.Series(np.linspace(20, 80, 61))
    layer = classify_layer(
        MapLayer("balance", "Balance", kind="diverging", k=5, midpoint=50.0, scheme="equal_interval"), values
    )
    # 31 of 61 values are <= 50: three classes below the midpoint, two above, none across it.
    assert [(e.lower, e.upper) for e in layer.legend] == [(20, 30), (30, 40), (40, 50), (50, 65.5), (65.5, 80)]
    ramp = palettes.DIVERGING.get("puor")(7)
    assert list(layer.colours) == [ramp[0], ramp[1], ramp[2], ramp[4], ramp[5]]
    assert layer.spec.midpoint == 50.0


def test_a_class_across_the_midpoint_takes_the_neutral_colour():
    colours = palettes.diverging_for_classes([(-2.0, -1.0), (-1.0, 1.0), (1.0, 2.0)], midpoint=0.0)
    assert colours[1] == palettes.DIVERGING_CENTRE
    assert colours[0] != colours[2]


def test_quantiles_of_a_skewed_balance_keep_the_low_side_visible():
    values = pd.Series(np.r_[np.linspace(18, 49, 20), np.linspace(51, 76, 80)])
    layer = classify_layer(MapLayer("balance", "Balance", kind="diverging", midpoint=50.0), values)
    below = [e for e in layer.legend if e.upper <= 50]
    assert len(below) == 1 and below[0].count == 20 and below[0].upper == 50
    assert below[0].colour != palettes.DIVERGING_CENTRE


def test_diverging_midpoint_defaults_to_zero_when_values_straddle_it():
    layer = classify_layer(MapLayer("b", "B", kind="diverging"), pd.Series([-3.0, -1.0, 2.0, 4.0]))
    assert layer.spec.midpoint == 0.0


def test_categorical_order_labels_and_no_data():
    values = pd.Series(["rooted", "talent_hub", None, "magnet", "No data"])
    layer = classify_layer(
        MapLayer("typology", "Typology", kind="categorical", categories=("magnet", "talent hub", "exporter", "rooted")),
        values,
    )
    # "exporter" holds no region: not listed, and the others keep the colours of the full order
    assert [e.label for e in layer.legend] == ["magnet", "talent hub", "rooted"]
    assert [e.count for e in layer.legend] == [1, 1, 1]
    assert layer.classes.tolist() == [2, 1, -1, 0, -1]
    ok = palettes.OKABE_ITO
    assert layer.colours == (ok[0], ok[1], ok[3])


def test_an_empty_hotspot_class_is_left_out_but_not_significant_stays():
    values = pd.Series(["Hot spot 95%", "Hot spot 95%", "Cold spot 90%", None])
    classes = ("Hot spot 99%", "Hot spot 95%", "Hot spot 90%", "Cold spot 90%", "Not significant", "No neighbours")
    layer = classify_layer(
        MapLayer("hotspots", "Hotspots", kind="categorical", categories=classes, palette="hotspots"), values
    )
    assert [(e.label, e.count) for e in layer.legend] == [
        ("Hot spot 95%", 2),
        ("Cold spot 90%", 1),
        ("Not significant", 0),
    ]
    assert layer.colours == tuple(palettes.hotspot_colours(["Hot spot 95%", "Cold spot 90%", "Not significant"]))


def test_hotspot_colours_and_not_significant_grey():
    labels = ["Hot spot 99%", "Not significant", "Cold spot 90%", "High-High", "No neighbours"]
    colours = palettes.hotspot_colours(labels)
    assert colours[0] == "#b2182b"
    assert colours[1] == palettes.NOT_SIGNIFICANT
    assert colours[2] == "#d1e5f0"
    assert colours[4] == palettes.NOT_TESTED


def test_standard_layers_order_and_kinds():
    specs = standard_layers(
        ["balance", "talent", "ideopolis_index", "amenity"], typology=True, hotspots="Gi*", balance_midpoint=50
    )
    assert [s.key for s in specs] == ["ideopolis_index", "talent", "balance", "amenity", "typology", "hotspots"]
    assert specs[2].kind == "diverging" and specs[2].midpoint == 50
    assert specs[3].title == "Amenity"
    assert specs[4].kind == specs[5].kind == "categorical"


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [(52345.678, 0, "52,346"), (0.25, 1, "0.3"), (-0.25, 1, "-0.3"), (float("nan"), 2, "no data"), (0.0, 1, "0.0")],
)
def test_format_value(value, decimals, text):
    assert format_value(value, decimals) == text


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), st.integers(min_value=0, max_value=4))
def test_rounding_once_is_stable(value, decimals):
    once = round_half_up(value, decimals)
    assert round_half_up(once, decimals) == once
    assert abs(once - value) <= 0.5 * 10**-decimals + 1e-6 * max(1.0, abs(value))


def test_auto_decimals_shows_three_significant_digits():
    assert auto_decimals([52.3, 61.0]) == 1
    assert auto_decimals([0.234]) == 3
    assert auto_decimals([52300.0]) == 0
    assert auto_decimals([np.nan]) == 0
