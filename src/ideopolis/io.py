"""Reading geometry and tables, and writing results atomically.

Readers turn every way a file can fail (missing, unreadable, wrongly encoded, unsupported format) into a
:class:`~ideopolis.errors.DataFileError` whose message names the file and the fix. Tables are read as text
first, so ids keep their leading zeros and non-numeric cells can be reported cell by cell.

Writers never leave a partial file behind: they write to a temporary file in the target folder and rename it
into place. CSV writers pass every table through :func:`ideopolis.safety.neutralise_formulas`, so no exported
cell is a spreadsheet formula (a text cell that starts with ``=``, ``+``, ``-``, ``@``, tab or CR gets a leading
``'``), and :func:`read_table` takes exactly that guard off again when it reads a CSV or XLSX file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ideopolis.errors import DataFileError
from ideopolis.safety import neutralise_formulas, restore_formulas

#: Cell values read as "missing" in text tables.
MISSING_TOKENS = frozenset({"", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "."})

#: Output formats for region tables, by suffix.
GEO_OUTPUT_SUFFIXES = {".geojson": "GeoJSON", ".gpkg": "GPKG", ".parquet": "GeoParquet"}


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


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; rename it onto ``target`` only if the block succeeds.

    Parameters
    ----------
    target : Path
        The file to write.

    Yields
    ------
    Path
        Where to write. On an exception the temporary file is removed and ``target`` is untouched.

    Raises
    ------
    DataFileError
        When the target folder does not exist or cannot be written.
    """
    target = Path(target)
    folder = target.parent if str(target.parent) else Path()
    if not folder.is_dir():
        raise DataFileError(f"{target}: the folder {folder} does not exist; fix: create it or choose another --out")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=folder)
    except OSError as exc:
        raise DataFileError(
            f"{target}: cannot write to {folder} ({exc.strerror}); fix: choose a writable --out"
        ) from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(target: Path, write: Callable[[Path], None]) -> Path:
    """Write a file through ``write(tmp_path)`` and rename it onto ``target``.

    Parameters
    ----------
    target : Path
        The file to write.
    write : callable
        Writes the whole file to the path it is given.

    Returns
    -------
    Path
        ``target``.
    """
    with atomic_path(target) as tmp:
        write(tmp)
    return target


def write_text_atomic(target: Path, text: str) -> Path:
    """Write a UTF-8 text file atomically."""

    def write(path: Path) -> None:
        path.write_text(text, encoding="utf-8")

    return write_atomic(target, write)


def write_csv(frame: pd.DataFrame, target: Path, *, index: bool = True, float_format: str | None = None) -> Path:
    """Write a table as UTF-8 CSV (RFC 4180), atomically, with no cell a spreadsheet would read as a formula.

    Text cells, column names and index labels go through :func:`ideopolis.safety.neutralise_formulas`
    (OWASP's advice against CSV injection: a leading ``'`` before ``=``, ``+``, ``-``, ``@``, tab or CR);
    numbers are written as numbers. :func:`read_table` removes exactly that guard, so the table reads back
    unchanged.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table (a ``geometry`` column, if any, is left out).
    target : Path
        The CSV file.
    index : bool, default True
        Write the index as the first column.
    float_format : str, optional
        Passed to :meth:`pandas.DataFrame.to_csv` (``"%.12g"``).

    Returns
    -------
    Path
        ``target``.

    Raises
    ------
    DataFileError
        When the target folder does not exist or cannot be written.
    """
    plain = neutralise_formulas(pd.DataFrame(frame.drop(columns="geometry", errors="ignore")))

    def write(path: Path) -> None:
        # RFC 4180 line ends: with CRLF as the terminator, the csv module quotes every field holding a CR or
        # LF; with a bare LF it would leave a lone CR unquoted, and a reader would split the row there.
        plain.to_csv(path, index=index, float_format=float_format, lineterminator="\r\n")

    return write_atomic(Path(target), write)


def write_frame(frame: pd.DataFrame, target: Path) -> Path:
    """Write a results table as CSV, GeoJSON, GeoPackage or GeoParquet, by the suffix of ``target``.

    CSV is written with :func:`write_csv` (no cell is a spreadsheet formula). The spatial formats keep text
    as it is: they are read by GIS software and code, which do not evaluate formulas.

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        The table; GeoJSON, GeoPackage and GeoParquet need a GeoDataFrame.
    target : Path
        ``.csv``, ``.geojson``, ``.gpkg`` or ``.parquet``.

    Returns
    -------
    Path
        ``target``.

    Raises
    ------
    DataFileError
        For an unsupported suffix or a spatial format requested for a table without geometry.
    """
    target = Path(target)
    suffix = target.suffix.lower()
    if suffix == ".csv":
        return write_csv(frame, target)
    if suffix not in GEO_OUTPUT_SUFFIXES:
        raise DataFileError(
            f"{target}: unsupported output format {suffix or '(no suffix)'}; "
            "fix: end --out with .csv, .geojson, .gpkg or .parquet"
        )
    if not isinstance(frame, gpd.GeoDataFrame):
        raise DataFileError(f"{target}: {suffix} needs geometry and these results have none; fix: use .csv")
    out = frame.reset_index()
    if suffix == ".parquet":
        return write_atomic(target, lambda p: out.to_parquet(p, index=False))
    driver = GEO_OUTPUT_SUFFIXES[suffix]
    layer = target.stem if driver == "GPKG" else None
    return write_atomic(target, lambda p: out.to_file(p, driver=driver, engine="pyogrio", layer=layer))
