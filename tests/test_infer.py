"""Bring your own data: metadata inferred from the table, printed, and validated like any set."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from ideopolis.cli import app
from ideopolis.regions.infer import infer_indicator, region_set_from_files

from .conftest import TOY


@pytest.mark.parametrize(
    ("column", "values", "kind", "pillar", "direction"),
    [
        ("ba_share", [0.2, 0.4], "share", "talent", 1),
        ("population", [1000, 2500], "count", None, 1),
        ("patents", [3, 0, 12], "count", None, 1),  # a count grows with size: never scored by inference
        ("net_migration_rate", [-3.2, 4.1], "rate", "import_people", 1),
        ("telework_share", [0.3, 0.5], "share", "export_jobs", 1),
        ("median_income", [50000.5, 61000.0], "level", "capital", 1),
        ("unemployment_rate", [3.5, 7.25], "rate", "other", -1),
        ("knowledge_jobs_per_km2", [1.5, 20.0], "rate", "knowledge_jobs", 1),
        ("temperature", [-3.5, 12.5], "level", "other", 1),
    ],
)
def test_infer_indicator(column: str, values: list[float], kind: str, pillar: str | None, direction: int) -> None:
    meta = infer_indicator(column, pd.Series(values, dtype="float64"))
    assert (meta.kind, meta.pillar, meta.direction) == (kind, pillar, direction)


def test_region_set_from_files_infers_and_notes_everything() -> None:
    rs, report = region_set_from_files(
        geometry=TOY / "regions.geojson", indicators=[TOY / "indicators.csv"], id_column="GEOID"
    )
    assert report.ok, report.lines()
    assert rs is not None
    assert list(rs.ids)[:2] == ["01001", "01003"]
    assert rs.names["01001"] == "Alder"  # the name column of the geometry is found
    assert rs.indicators["ba_share"].pillar == "talent"
    assert rs.indicators["population"].scored is False
    assert "state" in rs.groups.columns
    assert "inferred state: a group column (2 values)" in rs.notes
    assert "inferred ba_share: share, pillar talent, direction +1" in rs.notes


def test_a_table_without_geometry_can_be_read(tmp_path: Path) -> None:
    rs, report = region_set_from_files(geometry=None, indicators=[TOY / "indicators.csv"], id_column="GEOID")
    assert report.ok and rs is not None and rs.geometry is None
    assert len(rs.ids) == 6


def test_cli_validate_own_files_prints_what_it_inferred(runner: CliRunner) -> None:
    result = runner.invoke(
        app,
        [
            "validate",
            "--geometry",
            str(TOY / "regions.geojson"),
            "--indicators",
            str(TOY / "indicators.csv"),
            "--id",
            "GEOID",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "inferred mig_rate: rate, pillar import_people, direction +1" in result.stderr


def test_own_files_need_an_id_column(runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate", "--indicators", str(TOY / "indicators.csv"), "--id", "FIPS"])
    assert result.exit_code == 1
    assert "error: indicators.csv: column 'FIPS': the id column is missing" in result.stdout


def test_own_files_need_indicators_and_id(runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate", "--geometry", str(TOY / "regions.geojson")])
    assert result.exit_code == 1
    assert result.stderr == "error: your own data needs --indicators FILE (or --geometry FILE) and --id COLUMN\n"
