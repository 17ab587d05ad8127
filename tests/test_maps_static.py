"""Print maps: main body in its own equal-area projection, outlying groups as insets, legend and texts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ideopolis.maps import static
from ideopolis.maps.interactive import prepare_map
from ideopolis.maps.layers import standard_layers
from ideopolis.maps.static import albers_for, save_png, static_map
from tests.mapdata import synthetic_geometry, synthetic_hotspots, synthetic_names, synthetic_scores


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
    assert sorted(_texts(fig)) == ["Src.", "Sub", "Title"]
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
    assert "Src. 2 outlying regions without data are not shown." in _texts(fig)


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


# ---------------------------------------------------------------------------------------------------------
# legends and insets off the data, captions, classes, formats


def _pixels(fig, hide=()):
    """The figure as an RGB array (rows from the top), with some artists hidden."""
    for artist in hide:
        artist.set_visible(False)
    fig.canvas.draw()
    image = np.asarray(fig.canvas.buffer_rgba())[:, :, :3].copy()
    for artist in hide:
        artist.set_visible(True)
    return image


def _region(image, box):
    """The pixels of a display box (origin bottom left) in an image (origin top left)."""
    height = image.shape[0]
    x0, x1 = max(int(np.floor(box.x0)), 0), int(np.ceil(box.x1))
    y0, y1 = max(height - int(np.ceil(box.y1)), 0), height - int(np.floor(box.y0))
    return image[y0:y1, x0:x1]


def assert_legend_off_the_data(fig):
    """Drawn without its legend and insets, the figure is blank white where the legend sits."""
    legend = fig.axes[0].get_legend()
    insets = fig.axes[1:]
    blank = _pixels(fig, hide=[legend, *insets])
    under = _region(blank, legend.get_window_extent(fig.canvas.get_renderer()))
    assert under.size and (under >= 250).all(), "the legend covers drawn shapes"
    drawn = _pixels(fig)
    assert (_region(drawn, legend.get_window_extent(fig.canvas.get_renderer())) < 250).any()  # it is drawn there
    for ax in insets:  # the insets too lie on blank paper
        box = ax.get_window_extent(fig.canvas.get_renderer())
        assert (_region(blank, box) >= 250).all()
        assert not box.overlaps(legend.get_window_extent(fig.canvas.get_renderer()))


def test_legend_and_insets_lie_where_nothing_is_drawn():
    inputs = _inputs()
    fig = static_map(inputs.prepared, inputs.layer("ideopolis_index"), title="T", style=static.StaticStyle(dpi=60))
    assert_legend_off_the_data(fig)


def test_a_map_that_fills_its_frame_gets_a_legend_margin():
    """A square block of 400 regions leaves no corner free: the map shrinks and the legend goes beside it."""
    import geopandas as gpd
    from shapely.geometry import box

    cells = [box(x, y, x + 1, y + 1) for x in range(20) for y in range(20)]
    geometry = gpd.GeoSeries(cells, index=[f"c{i}" for i in range(400)], crs="EPSG:4326")
    values = pd.DataFrame({"talent": np.arange(400.0)}, index=geometry.index)
    inputs = prepare_map(geometry, values, standard_layers(["talent"]))
    fig = static_map(inputs.prepared, inputs.layers[0], title="Grid", style=static.StaticStyle(dpi=60))
    main = fig.axes[0]
    assert main.get_position().width < static.MAIN_BOX[2] - 0.05  # the margin
    assert_legend_off_the_data(fig)


def test_legend_lists_only_classes_with_regions_and_greys_an_empty_bin():
    geometry = synthetic_geometry()
    values = synthetic_hotspots(geometry.index).rename("hotspots").to_frame()
    inputs = prepare_map(geometry, values, standard_layers([], hotspots="Gi*"))
    layer = inputs.layer("hotspots")
    fig = static_map(inputs.prepared, layer, title="Hot", style=static.StaticStyle(dpi=60))
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    present = set(layer.values.dropna())
    assert all(t.split("  (")[0] in present | {"No data", "Not significant"} for t in texts)
    assert not any(t.startswith("Hot spot 90%") for t in texts)  # a Gi* class no region is in
    # numeric classes: an empty user bin is shown hollow and grey
    scores = synthetic_scores(synthetic_geometry().index)
    specs = [s for s in standard_layers(["talent"], scheme="user_defined", bins=(-10, 50, 100)) if s.key == "talent"]
    grey = prepare_map(synthetic_geometry(), scores, specs)
    fig = static_map(grey.prepared, grey.layers[0], title="Bins", style=static.StaticStyle(dpi=60))
    legend = fig.axes[0].get_legend()
    first = legend.get_texts()[0]
    assert first.get_text().endswith("(0)") and first.get_color() == "#999999"


def test_insets_are_captioned_with_place_names():
    inputs = _inputs()
    labels = ["HI" if i.startswith("I") else "AK" if i == "AM1" else "TX" for i in inputs.ids]
    fig = static_map(
        inputs.prepared,
        inputs.layer("ideopolis_index"),
        title="T",
        labels=labels,
        label_kind="state",
        names=inputs.names,
        style=static.StaticStyle(dpi=60),
    )
    captions = sorted(ax.get_title(loc="left") for ax in fig.axes[1:])
    assert captions == ["Alaska", "Hawaii"]
    fig = static_map(inputs.prepared, inputs.layer("ideopolis_index"), title="T", names=inputs.names)
    assert sorted(ax.get_title(loc="left") for ax in fig.axes[1:]) == ["Aleutia", "Region I01, Region I02"]


def test_group_outlines_are_drawn_above_the_fill():
    inputs = _inputs()
    labels = ["A" if i < "M20" else "B" for i in inputs.ids]
    fig = static_map(inputs.prepared, inputs.layer("ideopolis_index"), title="T", labels=labels)
    main = fig.axes[0]
    lines = [c for c in main.collections if c.get_zorder() == 3]
    assert len(lines) == 1
    fills = [c for c in main.collections if c.get_zorder() < 3]
    assert fills and all(c.get_zorder() < lines[0].get_zorder() for c in fills)


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_print_formats_by_suffix_and_the_same_file_twice(suffix, tmp_path):
    from ideopolis.maps.api import write_png

    inputs = _inputs()
    a, b = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
    write_png(inputs, a, layer="talent", title="Talent, by region", dpi=72)
    write_png(inputs, b, layer="talent", title="Talent, by region", dpi=72)
    data = a.read_bytes()
    assert data[:4] == {".png": b"\x89PNG", ".svg": b"<?xm", ".pdf": b"%PDF"}[suffix]
    assert data == b.read_bytes()  # no creation date: the same map, the same bytes
    if suffix == ".svg":
        assert "Talent, by region" in data.decode()  # text stays text (editable)
    if suffix == ".png":
        from PIL import Image

        with Image.open(a) as image:
            assert image.size == (11 * 72, int(7.5 * 72))


def test_print_refuses_other_suffixes_and_dpi(tmp_path):
    from ideopolis.errors import ConfigError, DataFileError
    from ideopolis.maps.api import write_png

    inputs = _inputs()
    with pytest.raises(DataFileError, match=r"map\.jpg: a print map is written as \.png, \.svg or \.pdf"):
        write_png(inputs, tmp_path / "map.jpg")
    with pytest.raises(ConfigError, match="--dpi 5 is out of range"):
        write_png(inputs, tmp_path / "map.png", dpi=5)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["us-metros", "us-counties", "eu-nuts2"])
@pytest.mark.parametrize("layer", ["ideopolis_index", "hotspots", "typology"])
def test_every_bundled_print_map_has_its_legend_off_the_data(bundled_maps, name, layer):
    region_map = bundled_maps[name]
    inputs = region_map.inputs
    chosen = inputs.layer(layer)
    fig = static_map(
        inputs.prepared,
        chosen,
        title=chosen.spec.title,
        labels=inputs.region_labels,
        label_kind=inputs.outline_label,
        names=inputs.names,
        style=static.StaticStyle(dpi=50),
    )
    assert_legend_off_the_data(fig)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert not any(t.endswith("(0)") for t in legend if not t.startswith("Not significant"))
    captions = [ax.get_title(loc="left") for ax in fig.axes[1:]]
    assert all(captions) and not any(c.isupper() and len(c) == 2 for c in captions)  # names, not codes
    assert "_" not in fig.texts[0].get_text()  # a title from labels, never a column name


def test_long_subtitle_and_source_line_stay_inside_the_figure():
    """Long texts wrap short of the right edge (matplotlib's own wrapping ran them to the edge itself)."""
    inputs = _inputs()
    subtitle = "A region set with a long title (local Moran; queen contiguity; 999+ permutations; FDR) " * 4
    source = "Data: " + "; ".join(f"Agency number {i} of the data sources" for i in range(40)) + "."
    fig = static_map(inputs.prepared, inputs.layer("ideopolis_index"), title="T", subtitle=subtitle, source=source)
    renderer = fig.canvas.get_renderer()
    width = fig.bbox.width
    texts = [t for t in fig.texts if t.get_text()]
    sub = next(t for t in texts if t.get_text().startswith("A region set"))
    note = next(t for t in texts if t.get_text().startswith("Data: Agency"))
    for text in (sub, note):
        box = text.get_window_extent(renderer)
        assert box.x1 <= width * 0.985, (text.get_text()[:40], box.x1, width)
    assert sub.get_text().count("\n") == 1 and sub.get_text().endswith("…")  # two lines at most
    assert note.get_text().count("\n") >= 3  # every agency kept, on more lines
    assert note.get_text().replace("\n", " ").split() == source.split()
