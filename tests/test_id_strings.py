"""Ids as read: a missing id is blank whatever the column's dtype, so the check reports it (never the id "<NA>")."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from ideopolis.cli import app
from ideopolis.regions.readers import id_strings

CASE = Path(__file__).parent / "broken" / "empty-id"


@pytest.mark.parametrize("dtype", ["string", "string[pyarrow]", "str", object], ids=str)
def test_a_missing_id_is_blank_in_every_text_dtype(dtype: object) -> None:
    got = id_strings(pd.Series([" 01001", None, "02001 "], dtype=dtype))  # type: ignore[call-overload]
    assert got.tolist() == ["01001", "", "02001"]


def test_nullable_integers_and_floats_too() -> None:
    assert id_strings(pd.Series([1001, None], dtype="Int64")).tolist() == ["1001", ""]
    assert id_strings(pd.Series([1001.0, float("nan")])).tolist() == ["1001", ""]


def test_a_parquet_table_with_a_null_id_is_reported_by_row(tmp_path: Path) -> None:
    folder = tmp_path / "set"
    shutil.copytree(CASE, folder)
    table = pd.read_csv(folder / "indicators.csv", dtype={"GEOID": "string", "state": "string"})
    assert table["GEOID"].isna().sum() == 1  # the blank cell of the third record, read as pd.NA
    table.to_parquet(folder / "indicators.parquet", index=False)
    (folder / "indicators.csv").unlink()
    manifest = folder / "manifest.toml"
    manifest.write_text(manifest.read_text().replace('file = "indicators.csv"', 'file = "indicators.parquet"'))
    result = CliRunner().invoke(app, ["validate", str(folder)])
    assert result.exit_code == 1, result.output
    assert "1 record has no id (records 3)" in result.output  # Parquet counts records, from 1
    assert "Traceback" not in result.output
