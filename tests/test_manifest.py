"""The manifest parser: defaults, directions, ranges, pillars, and messages with suggestions."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from ideopolis.regions.manifest import parse_manifest, read_manifest
from ideopolis.regions.metadata import IndicatorMeta, parse_direction
from ideopolis.regions.problems import ValidationReport

MINIMAL = {
    "region_set": {"name": "m", "id_column": "id", "name_column": "name"},
    "geometry": {"file": "g.geojson"},
    "tables": [{"file": "t.csv"}],
    "indicators": {"x": {"label": "X", "unit": "share", "kind": "share", "pillar": "talent", "direction": -1}},
}


def _parse(raw: dict) -> tuple[object, ValidationReport]:
    report = ValidationReport("m")
    return parse_manifest(raw, report), report


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, 1), (-1, -1), ("+", 1), ("-", -1), ("positive", 1), ("Negative", -1), (1.0, 1), ("up", None), (2, None)],
)
def test_parse_direction(value: object, expected: int | None) -> None:
    assert parse_direction(value) == expected


def test_minimal_manifest_defaults() -> None:
    m, report = _parse(MINIMAL)
    assert report.problems == []
    assert m.geometry.id_column == "id"  # inherits region_set.id_column
    assert m.tables[0].id_column == "id"
    x = m.indicators["x"]
    assert (x.kind, x.pillar, x.direction, x.scale, x.weight) == ("share", "talent", -1, 1.0, 1.0)
    assert set(m.pillars) == {"talent", "capital", "knowledge_jobs", "import_people", "export_jobs"}


def test_declared_pillars_extend_the_default_ones() -> None:
    raw = {**MINIMAL, "pillars": {"amenity": {"label": "Amenities", "parent": "cluster_strength"}}}
    raw["indicators"] = {"x": {**MINIMAL["indicators"]["x"], "pillar": "amenity"}}
    m, report = _parse(raw)
    assert report.problems == []
    assert m.indicators["x"].pillar == "amenity"
    assert m.pillars["amenity"].parent == "cluster_strength"


@pytest.mark.parametrize(
    ("meta", "lo", "hi"),
    [
        (IndicatorMeta("s", "s", "", "share"), 0.0, 1.0),
        (IndicatorMeta("c", "c", "", "count"), 0.0, math.inf),
        (IndicatorMeta("n", "n", "", "count", min=-100.0), -100.0, math.inf),
        (IndicatorMeta("r", "r", "", "rate"), -math.inf, math.inf),
        (IndicatorMeta("l", "l", "", "level", min=1.0, max=9.0), 1.0, 9.0),
        (IndicatorMeta("s2", "s2", "", "share", min=-5.0, max=5.0), 0.0, 1.0),
    ],
)
def test_valid_range(meta: IndicatorMeta, lo: float, hi: float) -> None:
    assert meta.valid_range() == (lo, hi)


def test_every_problem_in_one_pass() -> None:
    raw = {
        "region_set": {"name": "m", "name_column": "name", "colour": "red"},
        "geometry": {"file": "g.kml"},
        "indicators": {
            "a": {"label": "A", "unit": "", "kind": "ratio"},
            "b": {"label": "B", "unit": "", "kind": "rate", "numerator": "x", "weight": "heavy"},
            "c": {"label": "C", "unit": "", "kind": "level", "aggregate": "median"},
        },
    }
    m, report = _parse(raw)
    assert m is None  # without an id column nothing can be read
    assert report.codes() == [
        "unknown-key",
        "missing-key",
        "unsupported-format",
        "missing-key",
        "unknown-kind",
        "half-ratio",
        "bad-type",
        "unknown-aggregate",
    ]
    text = "\n".join(report.lines())
    assert "unknown key 'colour'" in text
    assert "the required key 'id_column' is missing" in text
    assert "'g.kml' has an unsupported format .kml" in text
    assert "no indicator table is named" in text
    assert "unknown kind 'ratio'" in text and "(did you mean 'rate'?)" in text
    assert "weight: must be a finite number, not 'heavy'" in text
    assert "unknown aggregation rule 'median'" in text


def test_missing_direction_on_a_scored_indicator_is_a_warning() -> None:
    raw = {**MINIMAL, "indicators": {"x": {"label": "X", "unit": "", "kind": "rate", "pillar": "capital"}}}
    m, report = _parse(raw)
    assert report.codes() == ["missing-direction"]
    assert report.ok and m.indicators["x"].direction == 1


def test_read_manifest_reports_a_missing_file(tmp_path: Path) -> None:
    report = ValidationReport("x")
    assert read_manifest(tmp_path, report) is None
    assert report.codes() == ["manifest-missing"]
    assert "or pass --geometry, --indicators and --id" in report.lines()[0]


def test_spatial_weights_of_a_set() -> None:
    raw = {**MINIMAL, "region_set": {**MINIMAL["region_set"], "spatial_weights": "KNN"}}
    m, report = _parse(raw)
    assert report.problems == [] and m.spatial_weights == "knn"
    assert _parse(MINIMAL)[0].spatial_weights is None
    raw = {**MINIMAL, "region_set": {**MINIMAL["region_set"], "spatial_weights": "rook"}}
    m, report = _parse(raw)
    (problem,) = report.errors
    assert problem.where == "[region_set] spatial_weights" and "unknown spatial weights 'rook'" in problem.message
    assert "queen" in problem.fix and "knn" in problem.fix
    assert m.spatial_weights is None
