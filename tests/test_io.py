"""Readers name the file and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from ideopolis.errors import DataFileError
from ideopolis.regions.readers import read_table


def test_read_table_empty_file(tmp_path: Path) -> None:
    p = tmp_path / "e.csv"
    p.write_text("")
    with pytest.raises(DataFileError, match=r"e.csv: the file is empty"):
        read_table(p)
