"""Reading geometry and tables as they are published.

Readers turn every way a file can fail (missing, not a regular file, too large, unreadable, wrongly encoded,
unsupported format) into a :class:`~ideopolis.errors.DataFileError` whose message names the file and the fix.
Tables are read as text first, so ids keep their leading zeros and non-numeric cells can be reported cell by
cell; what the reader decided about a file (the separator, the sheet, a title above the header, a row of
labels under it) is written down in :attr:`TableRead.notes`.

- **Only regular files** are read (a FIFO or ``/dev/zero`` would never end), within a size budget
  (:data:`MAX_FILE_BYTES`; text tables also :data:`MAX_TABLE_CELLS`).
- **CSV** may be comma-, semicolon-, tab- or pipe-separated: the separator is the one the header row uses
  most; a semicolon file whose numbers have decimal commas (a European spreadsheet export) is read with
  ``decimal=","``. A header naming one column twice is an error (pandas would rename one silently). A
  data.census.gov export's second header row of labels (``"Geography"``, ``"Estimate!!..."``) is read as
  the columns' labels, not as data.
- **XLSX** is read with openpyxl's cached values (``data_only=True``): a formula that was never calculated
  (a file written by a program, not saved by a spreadsheet) has no value and is an error naming the cells.
  The sheet is the one that holds the id column (``sheet`` chooses another); title rows above the header are
  skipped and said.

Writing is :mod:`ideopolis.output`'s job; :func:`read_table` takes off the formula guard its CSV writer puts
on text cells (:mod:`ideopolis.safety`), so a table ideopolis wrote reads back unchanged.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from ideopolis.errors import DataFileError
from ideopolis.regions.metadata import GEOMETRY_SUFFIXES, TABLE_SUFFIXES
from ideopolis.safety import MAX_FILE_BYTES, require_regular_file, restore_formulas

#: Cell values read as "missing" in every table.
MISSING_TOKENS = frozenset({"", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "."})

#: The most cells (rows x columns) of a text table (CSV, XLSX) read: 50 million, about 4 GB as Python text.
MAX_TABLE_CELLS = 50_000_000

#: The most rows of notes below a table's data that are recognised (and skipped) as notes.
MAX_NOTE_ROWS = 50

#: Rows searched for a spreadsheet's header row (title rows above it are skipped).
HEADER_SEARCH_ROWS = 30

_SEPARATORS = (",", ";", "\t", "|")
_TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
_NOTE_WORDS = re.compile(r"^\W*(notes?|sources?|footnotes?|last updated|legend|suggested citation)\b", re.IGNORECASE)
_SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_DECIMAL_COMMA = re.compile(r"^-?\d{1,3}(\.\d{3})*,\d+$|^-?\d+,\d+$")
_SCIENTIFIC_ID = re.compile(r"^\d(\.\d+)?[eE]\+\d+$")


@dataclass
class TableRead:
    """A table as read, with what the reader decided about it.

    Attributes
    ----------
    frame : pandas.DataFrame
        CSV and XLSX columns as strings (missing cells as ``""``); Parquet columns with their stored types.
    row_label : str
        How rows are named in messages: ``"row"`` (CSV, XLSX: as a spreadsheet numbers them) or ``"record"``.
    first_row : int
        The number of the first data row in messages (2 for a CSV with one header row).
    notes : list of str
        What the reader decided: the separator of a non-comma CSV, the sheet read, skipped title rows, a row
        of labels read as labels.
    decimal : str
        The decimal mark of the numbers (``","`` for a semicolon CSV with decimal commas).
    labels : dict
        Column labels found in the file (a data.census.gov label row), by column.
    """

    frame: pd.DataFrame
    row_label: str
    first_row: int
    notes: list[str] = field(default_factory=list)
    decimal: str = "."
    labels: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------------
# files


# ---------------------------------------------------------------------------------------------------------
# geometry


def geometry_layers(path: Path) -> list[str]:
    """The layers of a multi-layer geometry file (GeoPackage, TopoJSON), in file order; ``[]`` for others."""
    if path.suffix.lower() not in (".gpkg", ".json", ".topojson"):
        return []
    import pyogrio

    try:
        return [str(row[0]) for row in pyogrio.list_layers(path)]
    except Exception:  # an unreadable file is reported when it is read
        return []


@contextmanager
def _gdal_options() -> Iterator[None]:
    """GDAL settings for reading untrusted GeoJSON: no per-object size limit (the file size is budgeted)."""
    import pyogrio

    old = pyogrio.get_gdal_config_option("OGR_GEOJSON_MAX_OBJ_SIZE")
    pyogrio.set_gdal_config_options({"OGR_GEOJSON_MAX_OBJ_SIZE": "0"})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_GEOJSON_MAX_OBJ_SIZE": old})


def read_geometry(path: Path, *, layer: str | None = None, id_column: str | None = None) -> gpd.GeoDataFrame:
    """Read a geometry file: GeoParquet, GeoPackage, GeoJSON, Shapefile or TopoJSON.

    Parameters
    ----------
    path : Path
        The file.
    layer : str, optional
        GeoPackage layer or TopoJSON object. When omitted and the file has several, the one layer that has
        ``id_column`` is read (``gdf.attrs["note"]`` says which); several candidates are an error listing them.
    id_column : str, optional
        The id column, to choose the layer.

    Returns
    -------
    geopandas.GeoDataFrame
        The shapes with their attributes; the CRS may be ``None`` if the file has none.

    Raises
    ------
    DataFileError
        When the file is missing, not a regular file, too large, unreadable, in an unsupported format,
        a shapefile without its ``.dbf``/``.shx``, a layer that does not exist, or has no features.
    """
    suffix = path.suffix.lower()
    if suffix not in GEOMETRY_SUFFIXES:
        require_regular_file(path, what="geometry file")
        raise DataFileError(
            f"{path.name}: unsupported geometry format {suffix or '(no suffix)'}; "
            "fix: convert it to GeoParquet, GeoPackage, GeoJSON, Shapefile or TopoJSON"
        )
    require_regular_file(path, what="geometry file")
    if suffix == ".shp":
        _check_shapefile_parts(path)
    note = ""
    try:
        if suffix in (".parquet", ".geoparquet"):
            gdf = gpd.read_parquet(path)
        else:
            if suffix in (".geojson", ".json", ".topojson"):
                _check_utf8_text(path)
            layers = geometry_layers(path)
            if layer is not None and layers and layer not in layers:
                raise DataFileError(
                    f"{path.name}: has no layer {layer!r} (layers: {', '.join(layers)}); "
                    "fix: choose one (--geometry-layer, or layer in the manifest's [geometry])"
                )
            if layer is None and len(layers) > 1:
                layer, note = _choose_layer(path, layers, id_column)
            with _gdal_options():
                gdf = gpd.read_file(path, layer=layer, engine="pyogrio")
    except DataFileError:
        raise
    except Exception as exc:  # pyogrio, pyarrow and GDAL raise many types for a broken file
        raise DataFileError(
            f"{path.name}: cannot be read as geometry ({_short(exc)}); "
            "fix: check that it is a valid GeoParquet, GeoPackage, GeoJSON, Shapefile or TopoJSON file"
        ) from exc
    if len(gdf) == 0:
        where = f" layer {layer!r}" if layer else ""
        raise DataFileError(
            f"{path.name}:{where} has no features (an empty collection); fix: export the regions' shapes into it"
        )
    if note:
        gdf.attrs["note"] = note
    return gdf


def _choose_layer(path: Path, layers: list[str], id_column: str | None) -> tuple[str, str]:
    import pyogrio

    listed = ", ".join(repr(n) for n in layers)
    having = []
    columns: dict[str, list[str]] = {}
    for name in layers:
        try:
            columns[name] = [str(f) for f in pyogrio.read_info(path, layer=name)["fields"]]
        except Exception:
            continue
        if id_column is not None and id_column in columns[name]:
            having.append(name)
    if len(having) == 1:
        return having[0], f"{path.name}: read layer {having[0]!r} (of {listed}: the one with column {id_column!r})"
    why = (
        f"{len(having)} layers have column {id_column!r}"
        if having
        else f"no layer has column {id_column!r}"
        if id_column
        else "no layer was chosen"
    )
    shown = "; ".join(f"{n!r}: {', '.join(c) or 'no columns'}" for n, c in columns.items())
    raise DataFileError(
        f"{path.name}: has {len(layers)} layers ({listed}) and {why} (columns of each: {shown}); "
        "fix: choose the layer with --geometry-layer and its id column with --geometry-id "
        "(a region set: layer and id_column under [geometry])"
    )


def _check_shapefile_parts(path: Path) -> None:
    """A shapefile is several files: name the missing attribute (.dbf) or index (.shx) file."""
    for part, what in ((".dbf", "attribute table"), (".shx", "shape index")):
        siblings = [path.with_suffix(part), path.with_suffix(part.upper())]
        if not any(s.is_file() for s in siblings):
            raise DataFileError(
                f"{path.name}: its {what} {path.with_suffix(part).name} is missing (a shapefile is several files: "
                ".shp, .shx, .dbf and .prj); fix: copy all of them into the same folder"
            )


# ---------------------------------------------------------------------------------------------------------
# tables


def read_table(path: Path, *, sheet: str | None = None) -> tuple[pd.DataFrame, str, int]:
    """Read an indicator table as it is stored: text columns stay text, so ids keep their leading zeros.

    Parameters
    ----------
    path : Path
        A CSV (UTF-8; comma, semicolon, tab or pipe separated), TSV, Parquet or XLSX file.
    sheet : str, optional
        The XLSX sheet (default: the first sheet with a table).

    Returns
    -------
    table : pandas.DataFrame
        CSV and XLSX columns as strings (missing cells as ``""``); Parquet columns with their stored types.
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
        See :func:`read_table_full`.
    """
    read = read_table_full(path, sheet=sheet)
    return read.frame, read.row_label, read.first_row


def read_table_full(
    path: Path, *, sheet: str | None = None, id_column: str | None = None, lenient: bool = False
) -> TableRead:
    r"""Read a table and say what was decided about it (see :class:`TableRead`).

    Parameters
    ----------
    path : Path
        A CSV, TSV, Parquet or XLSX file.
    sheet : str, optional
        The XLSX sheet; by default the first sheet whose header has ``id_column`` (else the first with data).
    id_column : str, optional
        The id column: chooses the sheet, finds the header row below title rows, and is checked for ids that
        a spreadsheet turned into numbers (``3.10019E+11``).
    lenient : bool, default False
        Your own files (no manifest): a text table that is not UTF-8 is read as Windows-1252 (a superset of
        Latin-1 for its printable characters, what US agencies' and Excel's "CSV" exports use), with a note;
        a region set's tables must be UTF-8.

    Returns
    -------
    TableRead

    Raises
    ------
    DataFileError
        When the file is missing, not a regular file, too large, not UTF-8, in an unsupported format, has no
        data rows, names a column twice, lacks the sheet, holds uncalculated formulas, or holds ids a
        spreadsheet converted to numbers.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("id;rate\n01;0,5\n02;1,25\n", encoding="utf-8")
    >>> read = read_table_full(p)
    >>> read.decimal, list(read.frame["rate"])
    (',', ['0,5', '1,25'])
    """
    suffix = path.suffix.lower()
    compressed = suffix == ".gz" and Path(path.stem).suffix.lower() in _TEXT_SUFFIXES
    if compressed:  # agencies publish big CSVs gzipped (BEA's CAINC1__ALL_AREAS.csv.gz): read them as they are
        suffix = Path(path.stem).suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        require_regular_file(path, what="table")
        hint = " (a geometry file: pass it with --geometry)" if suffix in GEOMETRY_SUFFIXES else ""
        raise DataFileError(
            f"{path.name}: unsupported table format {suffix or '(no suffix)'}{hint}; "
            "fix: save it as CSV, Parquet or XLSX"
        )
    require_regular_file(path, what="table")
    try:
        if suffix in _TEXT_SUFFIXES:
            data = _gunzip(path) if compressed else path.read_bytes()
            read = _read_csv(path, data, tab=suffix == ".tsv", id_column=id_column, lenient=lenient)
        elif suffix == ".parquet":
            read = TableRead(pd.read_parquet(path), "record", 1)
        else:
            read = _read_xlsx(path, sheet, id_column)
    except DataFileError:
        raise
    except Exception as exc:
        raise DataFileError(
            f"{path.name}: cannot be read as a table ({_short(exc)}); "
            "fix: check that it is a valid CSV (UTF-8), Parquet or XLSX file"
        ) from exc
    df = read.frame
    if suffix != ".parquet":
        df = restore_formulas(df)
    df.columns = pd.Index([str(c).strip() for c in df.columns])
    _check_unique_columns(path.name, list(df.columns))
    if suffix != ".parquet":
        df = _drop_trailing_notes(path.name, df, read, id_column)
    if len(df) == 0:
        raise DataFileError(
            f"{path.name}: has a header ({len(df.columns)} columns) but no data rows; fix: add one row per region"
        )
    if id_column is not None and id_column in df.columns:
        _check_excel_ids(path.name, df[id_column], read)
    read.frame = df
    return read


def _drop_trailing_notes(name: str, df: pd.DataFrame, read: TableRead, id_column: str | None) -> pd.DataFrame:
    """Drop the notes below a table's data: trailing rows with text in at most one cell.

    Agencies end tables with notes ("Note: ...", "Source: ...", "Last updated: ..."; OMB's delineation
    workbook, BEA's CSVs); they are not regions. The block of such rows is notes from its first row without
    an id or whose id cell says it is a note; a region whose values are all missing keeps its row (its one
    cell is an id). The rows skipped are said in ``read.notes``.
    """
    if len(df.columns) < 3 or df.empty:
        return df
    tail = df.iloc[-MAX_NOTE_ROWS:]  # only the last rows can be notes: never scan a whole wide table
    text = tail.apply(lambda c: c.astype(str).str.strip())
    filled = (text != "").sum(axis=1).to_numpy()
    ids = text[id_column].to_numpy() if id_column is not None and id_column in text.columns else None
    block = 0
    while block < len(tail) and filled[len(tail) - 1 - block] <= 1:
        block += 1
    start = next(
        (
            i
            for i in range(len(tail) - block, len(tail))
            if filled[i] == 0 or ids is None or ids[i] == "" or _NOTE_WORDS.match(str(ids[i])) is not None
        ),
        len(tail),
    )
    n = len(tail) - start
    if n == 0 or n == len(df):
        return df
    if filled[start:].sum() > 0:  # blank rows go without a word
        first = read.first_row + len(df) - n
        last = read.first_row + len(df) - 1
        rows = f"row {first} is" if n == 1 else f"rows {first}-{last} are"
        read.notes.append(f"{name}: {rows} notes below the data (text in one cell), skipped")
    return df.iloc[: len(df) - n]


def _check_unique_columns(name: str, columns: list[str]) -> None:
    seen: dict[str, int] = {}
    for i, col in enumerate(columns, start=1):
        if col in seen and col:
            raise DataFileError(
                f"{name}: columns {seen[col]} and {i} are both named {col!r}; one would be renamed silently; "
                "fix: rename or delete one of them"
            )
        seen[col] = i


def _check_excel_ids(name: str, ids: pd.Series, read: TableRead) -> None:
    text = ids.astype(str).str.strip()
    sci = text[text.str.fullmatch(_SCIENTIFIC_ID.pattern)]
    if len(sci):
        row = int(sci.index[0]) + read.first_row
        raise DataFileError(
            f"{name}: column {ids.name!r}: {len(sci)} ids are numbers in scientific notation ({read.row_label} {row}: "
            f"{sci.iloc[0]!r}): a spreadsheet converted them and their digits are lost; fix: re-export with the "
            "id column formatted as Text (or open the CSV with the column typed as text)"
        )


def _gunzip(path: Path) -> bytes:
    """Decompress a gzipped table within :data:`~ideopolis.safety.MAX_FILE_BYTES` (no zip bomb)."""
    import gzip

    with gzip.open(path, "rb") as f:
        data = f.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise DataFileError(
            f"{path.name}: decompresses to more than {MAX_FILE_BYTES / 1024**3:.0f} GiB; "
            "fix: keep only the rows and columns you need"
        )
    return data


def _spaced_quotes(text: str, sep: str) -> bool:
    r"""Whether a field starts with spaces and then a quote (BEA's ``, "01001"``), which only a quoted field can.

    A CSV writer (ideopolis' own, Python's, pandas') quotes any field that holds a quote, so in their files a
    delimiter followed by spaces and a quote never occurs.

    Examples
    --------
    >>> _spaced_quotes('GeoFips, GeoName\n "01001", "Autauga"\n', ","), _spaced_quotes("id,name\nr0, Town\n", ",")
    (True, False)
    """
    return re.search(rf'(?:^|{re.escape(sep)}) +"', text, flags=re.MULTILINE) is not None


def _read_csv(path: Path, data: bytes, *, tab: bool, id_column: str | None, lenient: bool = False) -> TableRead:
    encoding_note = None
    try:
        text = _decode_utf8(path, data)
    except DataFileError:
        if not lenient:
            raise
        try:
            text = data.decode("cp1252").removeprefix("\ufeff")
        except UnicodeDecodeError:
            raise DataFileError(
                f"{path.name}: the file is neither UTF-8 nor Windows-1252 text; fix: re-save it as UTF-8"
            ) from None
        encoding_note = f"{path.name}: not UTF-8; read as Windows-1252 (Latin-1), as Excel and US agencies save CSV"
    skipped = _title_lines(text, tab=tab, id_column=id_column)
    if skipped:
        text = text.split("\n", skipped)[skipped]
    lines = text.count("\n") + 1
    header_line = text.split("\n", 1)[0]
    sep = "\t" if tab else _sniff_separator(header_line)
    header = [h.strip() for h in next(csv.reader([header_line.rstrip("\r")], delimiter=sep), [])]
    _check_unique_columns(path.name, header)
    columns = len(header)
    if lines * max(columns, 1) > MAX_TABLE_CELLS:
        raise DataFileError(
            f"{path.name}: about {lines:,} rows x {columns:,} columns is more than the {MAX_TABLE_CELLS:,} cells "
            "a text table may have; fix: keep only the columns you need, or save it as Parquet"
        )
    notes: list[str] = []
    try:
        df = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            engine="c",
            # BEA writes ' "01001"' (a space, then the quoted id): skip such spaces, but only in a file that has
            # them, so a text cell that starts with a space (" ", " Town") reads back as written
            skipinitialspace=_spaced_quotes(text, sep),
        )
    except pd.errors.EmptyDataError as exc:
        raise DataFileError(f"{path.name}: the file is empty; fix: write a header row and data") from exc
    except pd.errors.ParserError as exc:
        raise DataFileError(_parser_message(path.name, str(exc), sep, header_line)) from exc
    df.columns = header if len(header) == len(df.columns) else df.columns  # "INTPTLONG   " (padded headers)
    read = TableRead(df, "row", 2 + skipped, notes)
    if encoding_note:
        notes.append(encoding_note)
    if skipped:
        notes.append(
            f"{path.name}: {'line 1 is' if skipped == 1 else f'lines 1-{skipped} are'} a title above the header, skipped"
        )
    if sep != ",":
        notes.append(f"{path.name}: read as {_SEPARATOR_NAMES[sep]}-separated")
    if sep == ";" and _has_decimal_commas(df):
        read.decimal = ","
        notes[-1] += " with decimal commas (a European spreadsheet export)"
    _census_label_row(path.name, read)
    return read


def _title_lines(text: str, *, tab: bool, id_column: str | None) -> int:
    """How many title lines stand above the header: the header is the first line naming ``id_column``.

    Agencies put a title above a CSV's header (USDA ERS: "Educational attainment for adults ..."); without
    an id column to look for, or when the first line has it, nothing is skipped.
    """
    if not id_column:
        return 0
    head = text.split("\n", HEADER_SEARCH_ROWS + 1)[:HEADER_SEARCH_ROWS]
    for k, line in enumerate(head):
        sep = "\t" if tab else _sniff_separator(line)
        cells = [c.strip() for c in next(csv.reader([line.rstrip("\r")], delimiter=sep), [])]
        if id_column in cells:
            return k
    return 0


def _decode_utf8(path: Path, data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start]
        # bytes 0x80-0x9f are printable only in Windows-1252 (an en dash is 0x96): say which encoding it is
        source = "Windows-1252: iconv -f cp1252" if 0x80 <= byte <= 0x9F else "Latin-1: iconv -f latin1"
        raise DataFileError(
            f"{path.name}: line {line}: the file is not valid UTF-8 (byte {byte:#04x}); "
            f"fix: re-save it as UTF-8 (e.g. from {source} -t utf-8)"
        ) from exc
    return text.removeprefix("\ufeff")


def _sniff_separator(header: str) -> str:
    """The separator the header row uses most (outside quotes); a comma on a tie."""
    counts = dict.fromkeys(_SEPARATORS, 0)
    quoted = False
    for ch in header:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(_SEPARATORS, key=lambda s: (counts[s], s == ","))
    return best if counts[best] else ","


def _has_decimal_commas(df: pd.DataFrame) -> bool:
    if df.empty:
        return False
    cells = pd.Series(df.to_numpy(dtype=object).ravel()).astype(str).str.strip()
    return bool(cells.str.fullmatch(_DECIMAL_COMMA.pattern).any())


def _parser_message(name: str, message: str, sep: str, header: str) -> str:
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if not found:
        return f"{name}: cannot be read as a table ({_short(message)}); fix: check that it is a valid CSV (UTF-8) file"
    expected, line, saw = found.groups()
    others = [s for s in _SEPARATORS if s != sep and s in header]
    hint = (
        f"; or the file is {_SEPARATOR_NAMES[others[0]]}-separated"
        if others
        else "; a number with a decimal comma (0,5) or a thousands separator (1,234) in a comma-separated file "
        "needs quotes"
        if sep == ","
        else ""
    )
    return (
        f"{name}: line {line} has {saw} fields where the header has {expected}; fix: quote cells that contain the "
        f"separator ({_SEPARATOR_NAMES[sep]}){hint}"
    )


def _census_label_row(name: str, read: TableRead) -> None:
    """Read a data.census.gov export's second header row (``Geography``, ``Estimate!!...``) as labels."""
    df = read.frame
    if df.empty:
        return
    first = [str(v) for v in df.iloc[0].tolist()]
    census = ("GEO_ID" in df.columns and str(df.iloc[0]["GEO_ID"]).strip() == "Geography") or sum(
        "!!" in v for v in first
    ) >= max(2, len(first) // 2)
    if not census:
        return
    read.labels = {str(c): v for c, v in zip(df.columns, first, strict=True) if v and v != c}
    read.frame = df.iloc[1:].reset_index(drop=True)
    read.first_row += 1
    read.notes.append(f"{name}: row 2 holds column labels (a data.census.gov export): read as labels, not data")


def _read_xlsx(path: Path, sheet: str | None, id_column: str | None) -> TableRead:
    import openpyxl

    with path.open("rb") as fh:  # openpyxl leaves a file it opened itself open when parsing fails
        try:
            book = openpyxl.load_workbook(fh, read_only=True, data_only=True)
        except Exception as exc:
            raise DataFileError(
                f"{path.name}: cannot be read as a table ({_short(exc)}); "
                "fix: check that it is a valid XLSX file (open it in a spreadsheet and save it again)"
            ) from exc
        try:
            names = list(book.sheetnames)
            chosen = _choose_sheet(path, book, names, sheet, id_column)
        finally:
            book.close()
    name, header, rows = chosen
    notes = []
    if sheet is None and len(names) > 1:
        others = [n for n in names if n != name]
        notes.append(
            f"{path.name}: read sheet {name!r} (also in the workbook: {', '.join(repr(n) for n in others)}); "
            "choose another with --sheet"
        )
    if header > 0:
        notes.append(f"{path.name}: sheet {name!r}: rows 1-{header} above the header are a title, skipped")
    columns = [_cell_text(v) for v in rows[header]]
    width = max((i + 1 for i, c in enumerate(columns) if c), default=0)
    _check_unique_columns(path.name, [c for c in columns[:width] if c])
    body = [r[:width] + [None] * (width - len(r)) for r in rows[header + 1 :]]
    while body and all(v is None or _cell_text(v) == "" for v in body[-1]):
        body.pop()
    if len(body) * max(width, 1) > MAX_TABLE_CELLS:
        raise DataFileError(
            f"{path.name}: {len(body):,} rows x {width:,} columns is more than the {MAX_TABLE_CELLS:,} cells a "
            "table may have; fix: keep only the columns you need, or save it as Parquet"
        )
    _check_formulas(path, name, header, width, body)
    frame = pd.DataFrame([[_cell_text(v) for v in r] for r in body], columns=columns[:width], dtype=object)
    return TableRead(frame, "row", header + 2, notes)


def _choose_sheet(
    path: Path, book: Any, names: list[str], sheet: str | None, id_column: str | None
) -> tuple[str, int, list[list[Any]]]:
    if sheet is not None and sheet not in names:
        raise DataFileError(
            f"{path.name}: has no sheet {sheet!r} (sheets: {', '.join(repr(n) for n in names)}); "
            "fix: choose one (--sheet, or sheet in the manifest's [[tables]])"
        )
    fallback: tuple[str, int, list[list[Any]]] | None = None
    for name in [sheet] if sheet is not None else names:
        rows = [list(r) for r in book[name].iter_rows(values_only=True)]
        header = _header_row(rows, id_column)
        if header is None:
            continue
        if id_column is None or id_column in [_cell_text(v) for v in rows[header]]:
            return name, header, rows
        fallback = fallback or (name, header, rows)
    if fallback is None:
        raise DataFileError(
            f"{path.name}: no sheet holds a table (sheets: {', '.join(repr(n) for n in names)}); "
            "fix: put a header row and one row per region on a sheet"
        )
    return fallback


def _header_row(rows: list[list[Any]], id_column: str | None) -> int | None:
    """The header row of a sheet: the row naming ``id_column``, else the first row as wide as the table."""
    top = rows[:HEADER_SEARCH_ROWS]
    if not top:
        return None
    if id_column is not None:
        for i, r in enumerate(top):
            if id_column in [_cell_text(v) for v in r]:
                return i
    filled = [sum(v is not None and _cell_text(v) != "" for v in r) for r in top]
    widest = max(filled)
    if widest == 0:
        return None
    for i, (r, n) in enumerate(zip(top, filled, strict=True)):
        texts = [v for v in r if v is not None and _cell_text(v) != ""]
        if n >= max(2, widest * 0.6) and all(isinstance(v, str) for v in texts):
            return i
    return 0


def _check_formulas(path: Path, sheet: str, header: int, width: int, body: list[list[Any]]) -> None:
    """Formulas saved without their results read as empty: name them instead."""
    missing = [(i, j) for i, r in enumerate(body) for j, v in enumerate(r) if v is None]
    if not missing:
        return
    import openpyxl
    from openpyxl.utils import get_column_letter

    with path.open("rb") as fh:
        book = openpyxl.load_workbook(fh, read_only=True, data_only=False)
        try:
            rows = list(book[sheet].iter_rows(min_row=header + 2, max_row=header + 1 + len(body), values_only=True))
        finally:
            book.close()
    cells = [
        f"{get_column_letter(j + 1)}{header + 2 + i}"
        for i, j in missing
        if i < len(rows) and j < len(rows[i]) and isinstance(rows[i][j], str) and rows[i][j].startswith("=")
    ]
    if cells:
        shown = ", ".join(cells[:5]) + (f" and {len(cells) - 5} more" if len(cells) > 5 else "")
        raise DataFileError(
            f"{path.name}: sheet {sheet!r}: {len(cells)} formula cells have no saved result ({shown}); the file was "
            "written by a program that does not calculate; fix: open it in Excel or LibreOffice and save it, so "
            "the results are stored"
        )


def _cell_text(value: Any) -> str:
    """An XLSX cell as the text a CSV export would hold (whole numbers without ``.0``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value).strip()


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
    out: list[str]
    if isinstance(values.dtype, pd.StringDtype) or (
        values.dtype == object and pd.api.types.infer_dtype(values, skipna=False) == "string"
    ):
        # text only: one strip per cell, no type tests; a missing cell (NaN or pd.NA) is "", reported as blank
        out = [v.strip() for v in values.to_numpy(dtype=object, na_value="")]
    elif values.dtype.kind in "iu":  # numpy integers, or nullable ones (Int64: a missing cell is pd.NA)
        out = ["" if v is pd.NA else str(v) for v in values.tolist()]
    else:
        out = []
        for v in values.tolist():
            if v is None or v is pd.NA or (isinstance(v, float) and v != v):
                out.append("")
            elif isinstance(v, float) and v.is_integer():
                out.append(str(int(v)))
            else:
                out.append(str(v).strip())
    return pd.Series(out, index=values.index, dtype=object)


def _check_utf8_text(path: Path) -> None:
    _decode_utf8(path, path.read_bytes())


def _short(exc: BaseException | str) -> str:
    text = " ".join(str(exc).split())
    return text[:200] + ("..." if len(text) > 200 else "")


def distinct_tokens(values: Sequence[str], *, limit: int = 6) -> str:
    """Name each distinct value once with how often it occurs, most frequent first.

    Examples
    --------
    >>> distinct_tokens(["(X)", "N", "(X)"])
    "'(X)' x2, 'N' x1"
    """
    counts = Counter(values).most_common()
    shown = ", ".join(f"{v!r} x{n}" for v, n in counts[:limit])
    return shown + (f" and {len(counts) - limit} more" if len(counts) > limit else "")
