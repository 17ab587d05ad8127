"""The one output writer: atomic, folders created, the user's umask, one table format list, distinct logs."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from ideopolis.errors import DataFileError, IdeopolisError, OutputError
from ideopolis.output import (
    TABLE_FORMATS,
    check_table_path,
    sidecar_path,
    write_bytes,
    write_file,
    write_table,
    write_text,
)


def _geo() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"score": [1.5, 2.5], "typology": pd.Categorical(["magnet", "rooted"])},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
        index=pd.Index(["01", "02"], name="id"),
        crs="EPSG:4326",
    )


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old")

    def half(path: Path) -> None:
        path.write_text("half")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        write_file(target, half)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_an_os_error_while_writing_is_one_line_naming_the_file(tmp_path: Path) -> None:
    def broken(path: Path) -> None:
        raise PermissionError(13, "Permission denied")

    with pytest.raises(OutputError, match=r"cannot write .*x.csv: Permission denied; fix: choose a writable path"):
        write_file(tmp_path / "x.csv", broken)
    assert list(tmp_path.iterdir()) == []


def test_missing_folders_are_created_and_an_existing_file_replaced(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "map.html"
    assert write_text(target, "héllo") == 6
    assert target.read_text(encoding="utf-8") == "héllo"
    assert write_bytes(target, b"new") == 3
    assert target.read_bytes() == b"new"
    assert [p.name for p in target.parent.iterdir()] == ["map.html"]


def test_a_folder_or_a_file_in_the_way_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="it is a folder; fix: give a file name"):
        write_text(tmp_path, "x")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="fix: choose a writable path") as info:
        write_text(blocker / "map.html", "x")
    assert isinstance(info.value, IdeopolisError) and isinstance(info.value, OSError)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077])
def test_the_final_mode_follows_the_umask(tmp_path: Path, mask: int) -> None:
    old = os.umask(mask)
    try:
        target = tmp_path / f"m{mask:o}.txt"
        write_text(target, "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask


def test_two_outputs_never_share_a_log() -> None:
    names = {sidecar_path(f"scores{s}") for s in TABLE_FORMATS}
    assert len(names) == len(TABLE_FORMATS)
    assert sidecar_path(Path("maps") / "us-metros.html") == Path("maps") / "us-metros.html.run.toml"


@pytest.mark.parametrize("suffix", list(TABLE_FORMATS))
def test_every_table_format_round_trips(tmp_path: Path, suffix: str) -> None:
    target = write_table(_geo(), tmp_path / f"scores{suffix}")
    if suffix == ".csv":
        back = pd.read_csv(target, dtype={"id": str})
        assert "geometry" not in back
    elif suffix == ".parquet":
        back = gpd.read_parquet(target)
    else:
        back = gpd.read_file(target)
    assert back["id"].tolist() == ["01", "02"]
    assert back["score"].tolist() == [1.5, 2.5]
    assert back["typology"].tolist() == ["magnet", "rooted"]
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_unsupported_or_impossible_formats_fail_before_writing(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match=r"unsupported output format .xls; fix: end the file name with .csv"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "x.xls")
    with pytest.raises(DataFileError, match=r".geojson needs region shapes and this table has none; fix: use .csv"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "x.geojson")
    with pytest.raises(DataFileError, match=r"\(no suffix\)"):
        check_table_path(tmp_path / "scores")
    assert list(tmp_path.iterdir()) == []


def test_a_workbook_is_the_same_bytes_whenever_it_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """openpyxl stamps docProps and zip members with the clock; ours carry SOURCE_DATE_EPOCH or 1980-01-01."""
    import time
    import zipfile

    import openpyxl
    import pandas as pd

    from ideopolis.output import write_xlsx

    frame = pd.DataFrame({"name": ["Ames", "=1+1"], "score": [1.5, 2.0]})
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = write_xlsx({"scores": frame}, tmp_path / "a.xlsx")
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 86_400 * 400)  # a year and more later
    second = write_xlsx({"scores": frame}, tmp_path / "b.xlsx")
    assert first.read_bytes() == second.read_bytes()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    third = write_xlsx({"scores": frame}, tmp_path / "c.xlsx")
    with zipfile.ZipFile(third) as z:
        assert {i.date_time[:3] for i in z.infolist()} == {(2023, 11, 14)}
    book = openpyxl.load_workbook(third)
    assert book.properties.created is not None and book.properties.created.year == 2023
    assert [c.value for c in book["scores"][3]] == ["'=1+1", 2.0]
