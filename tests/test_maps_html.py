"""The interactive page as HTML: one copy of the shapes, nothing external offline, data escaped."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from ideopolis.errors import ConfigError
from ideopolis.maps import PopupField, build_map, standard_layers
from ideopolis.maps.interactive import interactive_map, prepare_map
from tests.mapdata import (
    EVIL,
    SCORE_COLUMNS,
    synthetic_geometry,
    synthetic_hotspots,
    synthetic_indicators,
    synthetic_names,
    synthetic_scores,
    synthetic_typology,
)


def _wiggle(xy):
    x, y = xy[:, 0], xy[:, 1]
    return np.column_stack([x + 0.03 * np.sin(9 * y), y + 0.03 * np.sin(9 * x)])


def _inputs(columns=SCORE_COLUMNS, *, dense=False, **kwargs):
    geometry = synthetic_geometry()
    if dense:  # many wiggly vertices, kept: the geometry then outweighs any per-layer data
        geometry = geometry.segmentize(0.01).transform(_wiggle)
    ids = geometry.index
    values = synthetic_scores(ids)
    values["typology"] = synthetic_typology(ids)
    values["hotspots"] = synthetic_hotspots(ids)
    specs = standard_layers(list(columns), typology=True, hotspots="Gi* of the index", balance_midpoint=50)
    specs = [s for s in specs if s.key in columns or s.key in ("typology", "hotspots")]
    fields = [
        PopupField("ba_share", "Adults with a degree", unit="share of adults 25+", vintage="2019-2023", kind="share"),
        PopupField("income_pc", "Income per person", unit="US$ per person", vintage="2022", kind="rate"),
    ]
    return prepare_map(
        geometry,
        values,
        specs,
        names=synthetic_names(ids),
        ranks=values[list(columns)].rank(ascending=False, method="min"),
        popup_values=synthetic_indicators(ids),
        popup_fields=fields,
        title="Test <map> & title",
        subtitle="Synthetic regions",
        source="Data: synthetic (2023). Method: test.",
        **kwargs,
    )


@pytest.fixture(scope="module")
def offline_html() -> str:
    return interactive_map(_inputs(), offline=True).html()


def _payload(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="ideopolis-data">(.*?)</script>', html, re.S)
    assert match
    return json.loads(match.group(1))


def test_offline_page_links_nothing_external(offline_html):
    assert not re.search(r"""<(script|link|img|iframe)[^>]+(src|href)=["']?(https?:)?//""", offline_html)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", offline_html)
    for lib in ("jquery", "bootstrap", "font-awesome", "fontawesome", "awesome-markers", "cdn.jsdelivr", "unpkg"):
        assert lib not in offline_html.lower(), lib
    assert "sourceMappingURL" not in offline_html
    assert "L.tileLayer" not in offline_html and "tile.openstreetmap" not in offline_html


def test_online_page_adds_a_light_basemap_only():
    html = interactive_map(_inputs(), offline=False).html()
    assert "L.tileLayer" in html and "arcgisonline" in html
    assert "jquery" not in html.lower() and "bootstrap" not in html.lower()


def test_geometry_is_in_the_page_once(offline_html):
    payload = _payload(offline_html)
    arcs = payload["geometry"]["arcs"]
    assert len(arcs) > 100
    assert offline_html.count(arcs) == 1
    assert len(payload["layers"]) == 10
    assert all(len(layer["classes"]) == len(payload["ids"]) for layer in payload["layers"])


def test_more_layers_do_not_copy_the_geometry():
    one = interactive_map(_inputs(columns=["ideopolis_index"], dense=True, tolerance=0), offline=True)
    all_layers = interactive_map(_inputs(dense=True, tolerance=0), offline=True)
    geometry_chars = len(one.encoded.payload["arcs"]) + len(one.encoded.payload["shapes"])
    assert geometry_chars > 20_000
    growth = len(all_layers.html()) - len(one.html())
    per_layer = growth / (len(all_layers.layers) - len(one.layers))
    assert per_layer < geometry_chars / 10


def test_styling_is_not_a_python_style_function(offline_html):
    assert "style_function" not in offline_html
    assert "geo_json_" not in offline_html  # folium's GeoJson layers


def test_data_strings_are_escaped(offline_html):
    assert EVIL not in offline_html
    assert "<img" not in offline_html
    assert "Test &lt;map&gt; &amp; title" in offline_html  # the <title>
    payload = _payload(offline_html)
    assert EVIL in payload["names"]
    script = offline_html.split(" * ideopolis map page.")[1].split("</script>")[0]
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in script, sink


def test_run_parameters_are_embedded(offline_html):
    match = re.search(r'<script type="application/json" id="ideopolis-run">(.*?)</script>', offline_html, re.S)
    run = json.loads(match.group(1))
    assert run["offline"] is True
    assert run["regions"] == 44 and run["regions_drawn"] == 43
    assert [layer["key"] for layer in run["layers"]][:2] == ["ideopolis_index", "cluster_strength"]
    assert run["layers"][0]["scheme"] == "quantiles" and run["layers"][0]["k"] == 5


def test_payload_values_are_rounded_and_no_data_marked(offline_html):
    payload = _payload(offline_html)
    index = payload["layers"][0]
    i07 = payload["ids"].index("M07")
    assert index["values"][i07] is None and index["classes"][i07] == "."
    assert index["decimals"] == 1
    assert index["values"][1] == 2.4  # 2.4 = round(1 * 2.25 + 0.15, 1)
    assert index["rankOf"] == 43
    popup = payload["popup"]
    assert popup["fields"][0]["percent"] is True
    assert popup["values"][0][0] == 10.0  # 0.1 as a percentage


def test_unknown_layer_and_missing_column():
    with pytest.raises(ConfigError, match="unknown layer 'nope'; choose one of: ideopolis_index"):
        interactive_map(_inputs(), active="nope")
    geometry = synthetic_geometry()
    with pytest.raises(ConfigError, match="no column for layer"):
        build_map(geometry, pd.DataFrame(index=geometry.index), standard_layers(["talent"]))


@pytest.mark.parametrize(
    ("name", "limit"),
    [("us-counties", 2_000_000), ("us-metros", 1_500_000)],
)
def test_bundled_offline_maps_meet_their_size_targets(name, limit, tmp_path):
    from ideopolis.index import scoring as index
    from ideopolis.maps.api import region_set_map_inputs, write_html
    from ideopolis.regions.model import load_region_set

    rs = load_region_set(name)
    run = index.score_region_set(rs)
    hotspots = pd.Series(["Not significant"] * len(run.scores), index=run.scores.index)
    inputs = region_set_map_inputs(rs, run.scores, ranks=run.ranks, typology=run.typology, hotspots=hotspots)
    _, size = write_html(inputs, tmp_path / f"{name}.html", offline=True)
    assert size < limit


def test_source_line_names_the_span_of_data_years() -> None:
    from types import SimpleNamespace

    from ideopolis.maps.api import source_line

    metas = {
        "a": SimpleNamespace(pillar="talent", vintage="ACS 2019-2023"),
        "b": SimpleNamespace(pillar="capital", vintage="2000-2015"),
        "c": SimpleNamespace(pillar=None, vintage="1990"),  # auxiliary: not what the map shows
    }
    rs = SimpleNamespace(manifest=SimpleNamespace(sources=("Census",)), indicators=metas, name="x")
    line = source_line(rs, method="m", classes="quantiles, 5 classes")
    assert line.startswith("Data: Census (data years 2000-2023; each indicator's year is in the region card).")
    assert line.endswith("Method: m. Classes: quantiles, 5 classes. Map: ideopolis.")


def test_card_values_of_whole_numbers_show_no_decimals():
    """'7 clusters', never '7.00 clusters'; a share stays a percentage with its decimals."""
    geometry = synthetic_geometry()
    ids = geometry.index
    table = synthetic_indicators(ids)
    table["n_clusters"] = [float(i % 9) for i in range(len(ids))]  # a level that counts things
    table["jobs"] = [1000.0 * i + 12345 for i in range(len(ids))]
    fields = [
        PopupField("n_clusters", "Strong clusters", unit="clusters (of 51)", kind="level"),
        PopupField("jobs", "Jobs", unit="jobs", kind="count"),
        PopupField("ba_share", "Adults with a degree", kind="share"),
    ]
    inputs = prepare_map(
        geometry, synthetic_scores(ids), standard_layers(["talent"]), popup_values=table, popup_fields=fields
    )
    got = {f["key"]: f["decimals"] for f in inputs.popup["fields"]}
    assert got == {"n_clusters": 0, "jobs": 0, "ba_share": 1}
    assert inputs.popup["values"][0][7] == 7 and isinstance(inputs.popup["values"][0][7], int)
