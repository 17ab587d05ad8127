"""Print maps: main body in its own equal-area projection, outlying groups as insets, legend and texts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ideopolis.maps import static
from ideopolis.maps.interactive import prepare_map
from ideopolis.maps.layers import standard_layers
from ideopolis.maps.static import albers_for, save_png, static_map
from tests.mapdata import synthetic_geometry, synthetic_names, synthetic_scores


def _inputs(scores: pd.DataFrame | None = None):
    geometry = synthetic_geometry()
    scores = synthetic_scores(geometry.index) if scores is None else scores
    return prepare_map(
        geometry,
        scores,
        standard_layers(list(scores.columns), balance_midpoint=50),
        names=synthetic_names(geometry.index),
        title="Print test",
        source="Data: synthetic (2023). Method: test.",
    )


def _texts(fig) -> list[str]:
    return [t.get_text() for t in fig.texts]


def test_insets_for_outlying_groups_with_data(tmp_path):
    inputs = _inputs()
    fig = static_map(inputs.prepared, inputs.layer("ideopolis_index"), title="Title", subtitle="Sub", source="Src.")
    assert len(fig.axes) == 3  # main body + Aleutia + the islands
    main, first, second = fig.axes
    # West to east: the antimeridian region first.
    assert first.get_xlim() != second.get_xlim()
    legend = main.get_legend()
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels[-1].startswith("No data")
    assert "Ideopolis index" in legend.get_title().get_text()
    assert _texts(fig)[:3] == ["Title", "Sub", "Src."]
    size = save_png(fig, tmp_path / "print.png")
    assert size > 20_000
    assert (tmp_path / "print.png").read_bytes()[:4] == b"\x89PNG"


def test_small_outlying_groups_without_data_are_counted_not_drawn(monkeypatch):
    geometry = synthetic_geometry()
    scores = synthetic_scores(geometry.index)
    scores.loc[["I01", "I02"], :] = np.nan
    inputs = _inputs(scores)
    # Two islands of 43 regions: large enough for a hatched inset by default, not at a 10% threshold.
    fig = static_map(inputs.prepared, inputs.layer("ideopolis_index"), title="T", source="Src.")
    assert len(fig.axes) == 3
    monkeypatch.setattr(static, "MIN_EMPTY_INSET_SHARE", 0.10)
    fig = static_map(inputs.prepared, inputs.layer("ideopolis_index"), title="T", source="Src.")
    assert len(fig.axes) == 2
    assert "2 outlying regions without data are not shown." in _texts(fig)[-1]


def test_diverging_layer_draws(tmp_path):
    inputs = _inputs()
    fig = static_map(inputs.prepared, inputs.layer("balance"), title="Balance")
    assert save_png(fig, tmp_path / "b.png") > 10_000


def test_albers_parallels_follow_the_main_body():
    proj = albers_for((-124.7, 24.5, -67.0, 49.4))
    assert "+lat_1=28.65" in proj and "+lat_2=45.25" in proj and "+lon_0=-95.85" in proj


@pytest.mark.shared_data
def test_us_counties_print_map_has_alaska_hawaii_puerto_rico_insets(shared_data, tmp_path):
    import geopandas as gpd

    path = shared_data / "us" / "census_cb2017_us_atlas_topojson" / "counties-10m.json"
    counties = gpd.read_file(path, layer="counties").set_crs(4326).set_index("id")
    values = pd.DataFrame({"talent": np.arange(len(counties), dtype=float)}, index=counties.index)
    island_areas = counties.index.str[:2].isin(["60", "66", "69", "78"])
    values.loc[island_areas, "talent"] = np.nan
    inputs = prepare_map(counties.geometry, values, standard_layers(["talent"]), names=counties["name"])
    fig = static_map(inputs.prepared, inputs.layer("talent"), title="US counties")
    assert len(fig.axes) == 4  # conterminous US, Alaska, Hawaii, Puerto Rico
    save_png(fig, tmp_path / "us.png")


def test_a_print_map_of_hotspots_says_how_they_were_tested():
    from ideopolis.maps.api import png_caption

    geometry = synthetic_geometry()
    scores = synthetic_scores(geometry.index)
    labels = np.where(np.arange(len(geometry)) % 3 == 0, "Hot spot 95%", "Not significant")
    values = scores.join(pd.Series(labels, index=geometry.index, name="hotspots", dtype=object))
    note = "Getis-Ord Gi* of the index; 999 conditional permutations per region from its own stream (seed 1)."
    layers = standard_layers(list(scores.columns), balance_midpoint=50, hotspots=note)
    inputs = prepare_map(
        geometry,
        values,
        layers,
        names=synthetic_names(geometry.index),
        title="Print test",
        subtitle="Synthetic set",
        source="Data: synthetic (2023). Method: min-max, arithmetic. Classes: quantiles, 5 classes. Map: ideopolis.",
    )
    subtitle, source = png_caption(inputs, inputs.layer("hotspots"))
    assert subtitle == "Synthetic set"
    assert source == f"Data: synthetic (2023). Method: {note} Map: ideopolis."
    # a score layer keeps the index's method and its classes
    assert png_caption(inputs, inputs.layer("ideopolis_index"))[1] == inputs.source
