"""The one output writer: tables, maps, region sets and run logs, written atomically.

Every file ideopolis writes goes through :func:`write_file`: the content is written to a temporary file in
the target's own folder and renamed onto the target, so a reader (a browser, a spreadsheet, a CMS upload)
never sees half a file and a failed write leaves the previous file in place and no temporary file behind.
The same rules hold everywhere:

- **missing folders** are created (``--out reports/2026/scores.csv`` works on a fresh checkout);
- **permissions** follow the user's umask, as any new file would (a temporary file alone would be 0600);
- **table formats** are the same wherever a table is written (:data:`TABLE_FORMATS`): CSV, Excel (XLSX),
  GeoJSON, GeoPackage, GeoParquet;
- **no formulas**: CSV and XLSX text cells a spreadsheet would read as a formula get a leading ``'``
  (:func:`ideopolis.safety.neutralise_formulas`, OWASP's advice against CSV injection), which ideopolis'
  own reader takes off again; CSV follows RFC 4180 (CRLF line ends, so a CR inside a cell is quoted); XLSX
  text cells are written as text (never as formula cells), numbers as numbers;
- **run logs** go beside their output under a name derived from the *full* output name
  (:func:`sidecar_path`: ``scores.csv`` -> ``scores.csv.run.toml``), so ``scores.csv`` and ``scores.gpkg``
  never share, and overwrite, one log.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> write_text(folder / "new" / "note.txt", "hello")
5
>>> sidecar_path(folder / "scores.csv").name
'scores.csv.run.toml'
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ideopolis.errors import DataFileError, OutputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "SIDECAR_SUFFIX",
    "TABLE_FORMATS",
    "Sheet",
    "check_table_path",
    "sidecar_path",
    "write_bytes",
    "write_csv",
    "write_file",
    "write_table",
    "write_text",
    "write_xlsx",
]

#: Table formats by file suffix: what every command that writes a table accepts.
TABLE_FORMATS: dict[str, str] = {
    ".csv": "CSV",
    ".xlsx": "Excel workbook",
    ".geojson": "GeoJSON",
    ".gpkg": "GeoPackage",
    ".parquet": "GeoParquet",
}
_SPATIAL = {".geojson": "GeoJSON", ".gpkg": "GPKG"}
#: Table formats that carry no shapes.
_PLAIN = (".csv", ".xlsx")

#: What :func:`sidecar_path` appends to an output's full name.
SIDECAR_SUFFIX = ".run.toml"


def sidecar_path(output: str | os.PathLike[str]) -> Path:
    """Return where an output's run log goes: the output's full name plus ``.run.toml``.

    Parameters
    ----------
    output : str or path-like
        The table or map written.

    Returns
    -------
    Path
        ``scores.csv`` -> ``scores.csv.run.toml``; ``maps/us-metros.html`` -> ``maps/us-metros.html.run.toml``.

    Examples
    --------
    >>> sidecar_path("out/scores.gpkg").as_posix()
    'out/scores.gpkg.run.toml'
    """
    target = Path(output)
    return target.with_name(target.name + SIDECAR_SUFFIX)


def _umask() -> int:
    """Return the process umask without changing it (Linux reports it; elsewhere set and restore)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fail(target: Path, reason: str) -> OutputError:
    return OutputError(f"cannot write {target}: {reason}; fix: choose a writable path (--out)")


def write_file(path: str | os.PathLike[str], write: Callable[[Path], object]) -> Path:
    """Write a file atomically through ``write(temporary_path)`` and rename it onto ``path``.

    Parameters
    ----------
    path : str or path-like
        The file to write; missing parent folders are created.
    write : callable
        Writes the whole file to the path it is given (a temporary file in the same folder).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OutputError
        When ``path`` is a folder or cannot be written (the message names the path and the fix). On any
        error the temporary file is removed and an existing ``path`` is left as it was.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> write_file(target, lambda p: p.write_text("x")).read_text()
    'x'
    """
    target = Path(path)
    if target.is_dir():
        raise OutputError(f"cannot write {target}: it is a folder; fix: give a file name such as {target / 'out.csv'}")
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=folder)
    except OSError as exc:
        raise _fail(target, exc.strerror or exc.__class__.__name__) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        tmp.chmod(0o666 & ~_umask())
        tmp.replace(target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _fail(target, exc.strerror or exc.__class__.__name__) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def write_bytes(path: str | os.PathLike[str], data: bytes) -> int:
    """Write ``data`` atomically (see :func:`write_file`) and return the number of bytes written.

    Parameters
    ----------
    path : str or path-like
        The file to write.
    data : bytes
        Its whole content.

    Returns
    -------
    int
        ``len(data)``.

    Raises
    ------
    OutputError
        When ``path`` cannot be written.
    """
    write_file(path, lambda p: p.write_bytes(data))
    return len(data)


def write_text(path: str | os.PathLike[str], text: str) -> int:
    """Write ``text`` as UTF-8, atomically, and return the number of bytes written.

    Parameters
    ----------
    path : str or path-like
        The file to write.
    text : str
        Its whole content.

    Returns
    -------
    int
        Bytes written (UTF-8).

    Raises
    ------
    OutputError
        When ``path`` cannot be written.
    """
    return write_bytes(path, text.encode("utf-8"))


def check_table_path(path: str | os.PathLike[str], *, spatial: bool = True) -> str:
    """Check that a table can be written at ``path`` before anything is computed; return its suffix.

    Parameters
    ----------
    path : str or path-like
        The output file.
    spatial : bool, default True
        Whether the table has region shapes (GeoJSON, GeoPackage and GeoParquet need them).

    Returns
    -------
    str
        The lower-case suffix (``".csv"``).

    Raises
    ------
    DataFileError
        For a suffix not in :data:`TABLE_FORMATS`, or a spatial format for a table without shapes.

    Examples
    --------
    >>> check_table_path("scores.GPKG")
    '.gpkg'
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in TABLE_FORMATS:
        raise DataFileError(
            f"{target}: unsupported output format {suffix or '(no suffix)'}; "
            f"fix: end the file name with {', '.join(TABLE_FORMATS)}"
        )
    if suffix not in _PLAIN and not spatial:
        raise DataFileError(f"{target}: {suffix} needs region shapes and this table has none; fix: use .csv or .xlsx")
    return suffix


def write_csv(
    frame: pd.DataFrame, path: str | os.PathLike[str], *, index: bool = True, float_format: str | None = None
) -> Path:
    """Write a table as UTF-8 CSV (RFC 4180), atomically, with no cell a spreadsheet would read as a formula.

    Text cells, column names and index labels go through :func:`ideopolis.safety.neutralise_formulas`
    (a leading ``'`` before ``=``, ``+``, ``-``, ``@``, tab or CR); numbers are written as numbers.
    :func:`ideopolis.regions.readers.read_table` removes exactly that guard, so the table reads back unchanged.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table (a ``geometry`` column, if any, is left out).
    path : str or path-like
        The CSV file.
    index : bool, default True
        Write the index as the first column.
    float_format : str, optional
        Passed to :meth:`pandas.DataFrame.to_csv` (``"%.12g"``).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OutputError
        When the file cannot be written.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "names.csv"
    >>> _ = write_csv(pd.DataFrame({"name": ["=1+1", "Ames"]}), target, index=False)
    >>> target.read_bytes().split()
    [b'name', b"'=1+1", b'Ames']
    """
    import pandas as pd

    from ideopolis.safety import neutralise_formulas

    plain = neutralise_formulas(pd.DataFrame(frame.drop(columns="geometry", errors="ignore")))

    def write(target: Path) -> None:
        # RFC 4180 line ends: with CRLF as the terminator, the csv module quotes every field holding a CR or
        # LF; with a bare LF it would leave a lone CR unquoted, and a reader would split the row there.
        plain.to_csv(target, index=index, float_format=float_format, lineterminator="\r\n")

    return write_file(path, write)


def write_table(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a table by the suffix of ``path``: CSV, GeoJSON, GeoPackage or GeoParquet, atomically.

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        The table, indexed by region id (the index is written as the first column). The spatial formats
        need a GeoDataFrame; CSV drops the geometry column.
    path : str or path-like
        ``.csv``, ``.xlsx`` (one sheet, ``table``), ``.geojson``, ``.gpkg`` (layer named after the file) or
        ``.parquet`` (GeoParquet).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    DataFileError
        For an unsupported suffix, or a spatial format requested for a table without shapes.
    OutputError
        When the file cannot be written.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> table = pd.DataFrame({"score": [1.5]}, index=pd.Index(["01001"], name="id"))
    >>> write_table(table, target).read_text().splitlines()
    ['id,score', '01001,1.5']

    Notes
    -----
    CSV is written by :func:`write_csv` (no cell is a spreadsheet formula). The spatial formats keep text as it
    is: GIS software and code read them, and they do not evaluate formulas.
    """
    import geopandas as gpd
    import pandas as pd

    target = Path(path)
    suffix = check_table_path(target, spatial=isinstance(frame, gpd.GeoDataFrame))
    if suffix == ".csv":
        return write_csv(frame, target)
    if suffix == ".xlsx":
        return write_xlsx({"table": Sheet(pd.DataFrame(frame.drop(columns="geometry", errors="ignore")))}, target)
    out = frame.reset_index()
    for column in out.columns:  # categorical columns (typology) are written as text
        if isinstance(out[column].dtype, pd.CategoricalDtype):
            out[column] = out[column].astype(object)
    if suffix == ".parquet":
        write_file(target, lambda p: out.to_parquet(p, index=False))
    else:
        driver = _SPATIAL[suffix]
        layer = target.stem if driver == "GPKG" else None
        geo: Any = out
        write_file(target, lambda p: geo.to_file(p, driver=driver, engine="pyogrio", layer=layer))
    return target


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook: a table and how to show it.

    Attributes
    ----------
    frame : pandas.DataFrame
        The table. Its index is written as the first column(s) when it is named (``id``).
    formats : mapping of str to str
        Excel number formats by column (``{"ideopolis_index": "0.00"}``); others: General.
    header_notes : mapping of str to str
        A longer description of a column, shown as the header cell's comment.
    """

    frame: pd.DataFrame
    formats: Mapping[str, str] = field(default_factory=dict)
    header_notes: Mapping[str, str] = field(default_factory=dict)


#: Characters a sheet name cannot hold (Excel), and its longest length.
_SHEET_NAME_BAD = re.compile(r"[\\/*?:\[\]]")
_SHEET_NAME_MAX = 31


def _sheet_title(name: str, taken: set[str]) -> str:
    base = _SHEET_NAME_BAD.sub("-", str(name)).strip("'") or "sheet"
    title = base[:_SHEET_NAME_MAX]
    n = 1
    while title.lower() in taken:
        n += 1
        title = f"{base[: _SHEET_NAME_MAX - len(str(n)) - 1]} {n}"
    taken.add(title.lower())
    return title


def _xlsx_value(value: Any) -> Any:
    """A cell value as openpyxl writes it: numbers as numbers, missing as empty, everything else text."""
    import math

    import numpy as np
    import pandas as pd

    if value is None or value is pd.NA:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if math.isnan(float(value)) or math.isinf(float(value)) else float(value)
    text = str(value)
    return _ILLEGAL_XML.sub("\ufffd", text)


#: Characters XML 1.0 cannot hold (openpyxl refuses them): C0 controls other than tab, LF and CR.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def write_xlsx(sheets: Mapping[str, Sheet | pd.DataFrame], path: str | os.PathLike[str]) -> Path:
    r"""Write tables as the sheets of one Excel workbook, atomically, with no cell a spreadsheet reads as a formula.

    Every sheet's text cells, column names and index labels go through
    :func:`ideopolis.safety.neutralise_formulas` (as for CSV) and are written as text cells; numbers are
    written as numbers, missing values as empty cells. Characters XML cannot hold (C0 control characters other
    than tab, LF and CR) become U+FFFD. The header row is bold and frozen, with an autofilter; column widths
    follow the content.

    Parameters
    ----------
    sheets : mapping of str to Sheet or DataFrame
        Sheet name -> table, in order (a ``geometry`` column is left out). Names are cut to 31 characters and cleared of ``\\ / * ? : [ ]``.
    path : str or path-like
        The ``.xlsx`` file.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OutputError
        When the file cannot be written.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd, openpyxl
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "t.xlsx"
    >>> _ = write_xlsx({"scores": pd.DataFrame({"name": ["=1+1"], "score": [1.5]})}, target)
    >>> [c.value for c in openpyxl.load_workbook(target)["scores"][2]]
    ["'=1+1", 1.5]
    """
    import pandas as pd
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from ideopolis.safety import neutralise_formulas

    book = Workbook(write_only=True)
    taken: set[str] = set()
    bold = Font(bold=True)
    for name, spec in sheets.items():
        sheet = spec if isinstance(spec, Sheet) else Sheet(spec)
        frame = pd.DataFrame(sheet.frame.drop(columns="geometry", errors="ignore"))
        if frame.index.name is not None or isinstance(frame.index, pd.MultiIndex):
            frame = frame.reset_index()
        safe = neutralise_formulas(pd.DataFrame(frame))
        ws = book.create_sheet(_sheet_title(name, taken))
        columns = [str(c) for c in frame.columns]
        shown = [str(c) for c in safe.columns]
        widths = [min(max(len(h), 6), 60) for h in shown]
        header = []
        for key, text in zip(columns, shown, strict=True):
            cell = WriteOnlyCell(ws, value=_xlsx_value(text))
            cell.font = bold
            note = sheet.header_notes.get(key)
            if note:
                cell.comment = Comment(_xlsx_value(note), "ideopolis")
            header.append(cell)
        rows = []
        formats = [sheet.formats.get(c) for c in columns]
        for record in safe.itertuples(index=False, name=None):
            row = []
            for j, value in enumerate(record):
                v = _xlsx_value(value)
                cell = WriteOnlyCell(ws, value=v)
                if isinstance(v, str):
                    cell.data_type = "s"  # text is text, whatever it starts with
                    widths[j] = min(max(widths[j], len(v)), 60)
                elif formats[j] and isinstance(v, int | float) and not isinstance(v, bool):
                    cell.number_format = formats[j]
                row.append(cell)
            rows.append(row)
        for j, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = width + 2
        ws.freeze_panes = "A2"
        if columns:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
        ws.append(header)
        for row in rows:
            ws.append(row)
    if not taken:
        book.create_sheet("empty")

    def write(target: Path) -> None:
        book.save(target)

    return write_file(path, write)
