"""Reading geometry and tables.

Readers turn every way a file can fail (missing, unreadable, wrongly encoded, unsupported format) into a
:class:`~ideopolis.errors.DataFileError` whose message names the file and the fix. Tables are read as text
first, so ids keep their leading zeros and non-numeric cells can be reported cell by cell.

Writing is :mod:`ideopolis.output`'s job; :func:`read_table` takes off the formula guard its CSV writer puts
on text cells (:mod:`ideopolis.safety`), so a table ideopolis wrote reads back unchanged.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from ideopolis.errors import DataFileError
from ideopolis.safety import restore_formulas

#: Cell values read as "missing" in text tables.
MISSING_TOKENS = frozenset({"", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "."})


def read_geometry(path: Path, *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a geometry file: GeoParquet, GeoPackage, GeoJSON, Shapefile or TopoJSON.

    Parameters
    ----------
    path : Path
        The file.
    layer : str, optional
        GeoPackage layer or TopoJSON object; the first one when omitted.

    Returns
    -------
    geopandas.GeoDataFrame
        The shapes with their attributes; the CRS may be ``None`` if the file has none.

    Raises
    ------
    DataFileError
        When the file is missing, unreadable or in an unsupported format.
    """
    _require_file(path)
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".geoparquet"):
            return gpd.read_parquet(path)
        if suffix in (".gpkg", ".geojson", ".json", ".shp", ".topojson"):
            _check_utf8_text(path) if suffix in (".geojson", ".json", ".topojson") else None
            if layer is None and suffix in (".json", ".topojson", ".gpkg"):
                layer = _first_polygon_layer(path)
            return gpd.read_file(path, layer=layer)
    except DataFileError:
        raise
    except Exception as exc:  # pyogrio, pyarrow and GDAL raise many types for a broken file
        raise DataFileError(
            f"{path.name}: cannot be read as geometry ({_short(exc)}); "
            "fix: check that it is a valid GeoParquet, GeoPackage, GeoJSON, Shapefile or TopoJSON file"
        ) from exc
    raise DataFileError(
        f"{path.name}: unsupported geometry format {suffix or '(no suffix)'}; "
        "fix: convert it to GeoParquet, GeoPackage, GeoJSON, Shapefile or TopoJSON"
    )


def _first_polygon_layer(path: Path) -> str | None:
    import pyogrio

    layers = pyogrio.list_layers(path)
    if len(layers) <= 1:
        return None
    return str(layers[0][0])


def read_table(path: Path, *, sheet: str | None = None) -> tuple[pd.DataFrame, str, int]:
    """Read an indicator table as it is stored: text columns stay text, so ids keep their leading zeros.

    Parameters
    ----------
    path : Path
        A CSV (UTF-8), Parquet or XLSX file.
    sheet : str, optional
        The XLSX sheet (the first one when omitted).

    Returns
    -------
    table : pandas.DataFrame
        CSV and XLSX columns as strings (CSV missing cells as ``""``); Parquet columns with their stored types.
        The formula guard ideopolis' writers put on text cells (:func:`ideopolis.safety.formula_safe`) is taken
        off CSV and XLSX cells and column names, so a table ideopolis wrote reads back as it was.
    row_label : str
        How rows are named in messages: ``"row"`` for CSV/XLSX, ``"record"`` for Parquet.
    first_row : int
        The number of the first data row in messages: 2 for CSV/XLSX (the header is row 1, as a spreadsheet
        shows it), 1 for Parquet.

    Raises
    ------
    DataFileError
        When the file is missing, unreadable, not UTF-8 or in an unsupported format.
    """
    _require_file(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            _check_utf8_text(path)
            df = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8")
            label, first = "row", 2
        elif suffix == ".parquet":
            df = pd.read_parquet(path)
            label, first = "record", 1
        elif suffix == ".xlsx":
            df = pd.read_excel(path, sheet_name=sheet or 0, dtype=str, engine="openpyxl")
            label, first = "row", 2
        else:
            raise DataFileError(
                f"{path.name}: unsupported table format {suffix or '(no suffix)'}; fix: save it as CSV, Parquet or XLSX"
            )
    except DataFileError:
        raise
    except pd.errors.EmptyDataError as exc:
        raise DataFileError(f"{path.name}: the file is empty; fix: write a header row and data") from exc
    except Exception as exc:
        raise DataFileError(
            f"{path.name}: cannot be read as a table ({_short(exc)}); "
            "fix: check that it is a valid CSV (UTF-8), Parquet or XLSX file"
        ) from exc
    if suffix != ".parquet":
        df = restore_formulas(df)
    df.columns = [str(c).strip() for c in df.columns]
    return df, label, first


def id_strings(values: pd.Series) -> pd.Series:
    """Return ids as stripped strings; integer-valued floats lose their ``.0``; missing ids become ``""``.

    Parameters
    ----------
    values : pandas.Series
        An id column as read.

    Returns
    -------
    pandas.Series
        Python strings (object dtype), same index.
    """
    out = []
    for v in values.tolist():
        if v is None or (isinstance(v, float) and v != v):
            out.append("")
        elif isinstance(v, float) and v.is_integer():
            out.append(str(int(v)))
        else:
            out.append(str(v).strip())
    return pd.Series(out, index=values.index, dtype=object)


def _require_file(path: Path) -> None:
    if not path.exists():
        raise DataFileError(f"{path.name}: file not found in {path.parent}; fix: check the path or the file name")
    if path.is_dir() and path.suffix.lower() != ".shp":
        raise DataFileError(f"{path.name}: is a folder, not a file; fix: name the file inside it")


def _check_utf8_text(path: Path) -> None:
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataFileError(
            f"{path.name}: line {line}: the file is not valid UTF-8 (byte {data[exc.start]:#04x}); "
            "fix: re-save it as UTF-8 (e.g. from Latin-1: iconv -f latin1 -t utf-8)"
        ) from exc


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200] + ("..." if len(text) > 200 else "")
