"""Writers never leave partial files; readers name the file and the fix."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from ideopolis.errors import DataFileError
from ideopolis.regions.readers import atomic_path, read_table, write_frame, write_text_atomic


def test_atomic_write_leaves_nothing_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_replaces_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    write_text_atomic(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_writing_into_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match=r"the folder .*nowhere does not exist; fix: create it"):
        write_text_atomic(tmp_path / "nowhere" / "x.txt", "x")


@pytest.mark.parametrize("suffix", [".csv", ".geojson", ".gpkg", ".parquet"])
def test_write_frame_formats(tmp_path: Path, suffix: str) -> None:
    frame = gpd.GeoDataFrame(
        {"score": [1.5, 2.5]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
        index=pd.Index(["01", "02"], name="id"),
        crs="EPSG:4326",
    )
    target = write_frame(frame, tmp_path / f"scores{suffix}")
    if suffix == ".csv":
        back = pd.read_csv(target, dtype={"id": str})
        assert back["id"].tolist() == ["01", "02"] and "geometry" not in back
    elif suffix == ".parquet":
        assert gpd.read_parquet(target)["score"].tolist() == [1.5, 2.5]
    else:
        back = gpd.read_file(target)
        assert back["id"].tolist() == ["01", "02"]


def test_write_frame_rejects_unknown_suffix_and_geometry_less_spatial_output(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match=r"unsupported output format .xls; fix: end --out with .csv"):
        write_frame(pd.DataFrame({"a": [1]}), tmp_path / "x.xls")
    with pytest.raises(DataFileError, match=r".geojson needs geometry and these results have none; fix: use .csv"):
        write_frame(pd.DataFrame({"a": [1]}), tmp_path / "x.geojson")


def test_read_table_empty_file(tmp_path: Path) -> None:
    p = tmp_path / "e.csv"
    p.write_text("")
    with pytest.raises(DataFileError, match=r"e.csv: the file is empty"):
        read_table(p)
