"""Text from data stays text: file names, folder containment and spreadsheet formulas.

Every input ideopolis reads (geometry, tables, manifests, mappings, profiles, command-line text) may come
from anyone, so strings from it are only ever *values*. This module holds the three guards that are not
about one output format (see ``SECURITY.md``; the map page and the print map have their own, in
:mod:`ideopolis.maps.interactive` and :mod:`ideopolis.maps.static`):

- :func:`safe_file_stem`: a region set's ``name`` is a display name; a file named after it uses this stem,
  which cannot name another folder (no path separator, no ``..``) or a hidden file;
- :func:`resolve_inside`: a file a manifest names must resolve, symlinks followed, inside the set's folder;
- :func:`neutralise_formulas` and :func:`restore_formulas`: text cells of exported tables that a spreadsheet
  would read as a formula get a leading ``'`` (OWASP, "CSV Injection"); ideopolis' own reader takes exactly
  that guard off again, so a region set it writes reads back unchanged.
"""

from __future__ import annotations

import re
import stat
import tomllib
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from ideopolis.errors import DataFileError

#: First characters that make a spreadsheet (Excel, LibreOffice Calc, Google Sheets) read a cell as a
#: formula: OWASP's CSV Injection list (``=``, ``+``, ``-``, ``@``, tab, carriage return) and NUL (OWASP
#: ASVS 4.0 requirement 5.3.10 / 5.0 requirement 1.2.10).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\x00")
#: The guard put in front of such a cell.
FORMULA_GUARD = "'"
_TRIGGER_CLASS = "[" + re.escape("".join(FORMULA_TRIGGERS)) + "]"
#: Cells written with a guard: one or more quotes, then a trigger. Writing adds one quote to every cell that
#: matches ``'*<trigger>``, reading removes one from every cell that matches ``'+<trigger>``: the two are
#: inverse, so any text survives a write and a read unchanged (``'s-Hertogenbosch`` is left alone both ways).
_NEEDS_GUARD = re.compile(f"'*{_TRIGGER_CLASS}")
_GUARDED = re.compile(f"'+{_TRIGGER_CLASS}")

#: Longest file stem :func:`safe_file_stem` returns (in characters; well under every file system's 255 bytes).
MAX_STEM = 80
_UNSAFE_RUN = re.compile(r"[^A-Za-z0-9_]+")
#: Device names Windows reserves in any folder (``con.html`` cannot be created there).
_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
)


def safe_file_stem(name: str, *, fallback: str = "region-set") -> str:
    """Derive a file name stem from a display name: ASCII letters, digits, ``-`` and ``_`` only.

    Accents are dropped (``Zürich`` -> ``Zurich``), every run of other characters (dashes included) becomes one ``-``, leading
    and trailing ``-`` go, and the stem is cut to :data:`MAX_STEM` characters. The result can never be a
    path (no separator, no ``..``), a hidden file or a Windows device name, so ``maps/<stem>.html`` stays in
    ``maps/``. Names that are already safe (``us-metros``) are returned unchanged.

    Parameters
    ----------
    name : str
        The display name (a region set's ``name``, a long table's ``name``).
    fallback : str, default "region-set"
        The stem when nothing of ``name`` is left (``"../.."``, ``"東京"``).

    Returns
    -------
    str
        A non-empty stem matching ``[A-Za-z0-9_][A-Za-z0-9_-]*``.

    Examples
    --------
    >>> safe_file_stem("us-metros")
    'us-metros'
    >>> safe_file_stem("../../etc/passwd")
    'etc-passwd'
    >>> safe_file_stem("Région Île-de-France {{7*7}}")
    'Region-Ile-de-France-7-7'
    >>> safe_file_stem("..")
    'region-set'
    """
    ascii_text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii")
    stem = _UNSAFE_RUN.sub("-", ascii_text).strip("-")[:MAX_STEM].rstrip("-")
    if not stem:
        stem = fallback
    if stem.lower() in _WINDOWS_RESERVED:
        stem += "_"
    return stem


def unique_file_stem(name: str, taken: set[str], *, fallback: str = "table") -> str:
    """Return :func:`safe_file_stem` of ``name``, suffixed ``-2``, ``-3``... until it is not in ``taken``.

    Two display names can share a stem (``a/b`` and ``a-b``); the second must not overwrite the first's file.
    The stem returned is added to ``taken`` (compared without case, as on macOS and Windows).

    Parameters
    ----------
    name : str
        The display name.
    taken : set of str
        Stems (lower case) already used in the folder; updated in place.
    fallback : str
        As in :func:`safe_file_stem`.

    Returns
    -------
    str
    """
    base = safe_file_stem(name, fallback=fallback)
    stem, n = base, 1
    while stem.lower() in taken:
        n += 1
        stem = f"{base}-{n}"
    taken.add(stem.lower())
    return stem


class PathOutsideFolderError(DataFileError):
    """A file named in a manifest resolves outside the region-set folder."""


def resolve_inside(folder: Path, file: str | Path) -> Path:
    """Resolve ``file`` (relative to ``folder``, or absolute) and check it stays inside ``folder``.

    Symlinks are followed on both sides, so a link inside the folder that points out of it is refused just
    like ``../`` or an absolute path elsewhere.

    Parameters
    ----------
    folder : Path
        The region-set folder.
    file : str or Path
        The file as the manifest names it.

    Returns
    -------
    Path
        The resolved path (symlinks followed).

    Raises
    ------
    PathOutsideFolderError
        When the resolved path is not inside the resolved folder; the message names both and the fix.
    """
    root = Path(folder).resolve()
    target = (Path(folder) / Path(file)).resolve()
    if target.is_relative_to(root):
        return target
    raise PathOutsideFolderError(
        f"{file}: resolves to {target}, outside the region-set folder {root}; fix: move the file into the "
        "folder, or pass --allow-outside-paths (allow_outside_paths=True in Python) if you trust this manifest"
    )


def formula_safe(value: object) -> object:
    """Guard one cell: text a spreadsheet would read as a formula gets a leading ``'``; anything else is kept.

    Parameters
    ----------
    value : object
        A cell. Only ``str`` is ever changed; numbers, missing values and booleans are returned as they are.

    Returns
    -------
    object

    Examples
    --------
    >>> formula_safe("=HYPERLINK(A1)")
    "'=HYPERLINK(A1)"
    >>> formula_safe(-1.5), formula_safe("-"), formula_safe("Des Moines")
    (-1.5, "'-", 'Des Moines')
    """
    if isinstance(value, str) and _NEEDS_GUARD.match(value):
        return FORMULA_GUARD + value
    return value


def formula_unguarded(value: object) -> object:
    """Undo :func:`formula_safe` on one cell (remove exactly the guard it adds)."""
    if isinstance(value, str) and _GUARDED.match(value):
        return value[len(FORMULA_GUARD) :]
    return value


_Labels = TypeVar("_Labels", pd.Series, pd.Index)


def _text_like(s: pd.Series | pd.Index) -> bool:
    return bool(
        pd.api.types.is_object_dtype(s.dtype)
        or pd.api.types.is_string_dtype(s.dtype)
        or isinstance(s.dtype, pd.CategoricalDtype)
    )


def _map_text(obj: _Labels, cell: Callable[[object], object]) -> _Labels:
    if isinstance(obj, pd.Series) and isinstance(obj.dtype, pd.CategoricalDtype):
        return obj.cat.rename_categories([cell(c) for c in obj.cat.categories])
    return obj.map(cell)


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` whose text cells, column names and index labels cannot be spreadsheet formulas.

    Applies :func:`formula_safe` to every text cell (object, string and categorical columns), to the column
    names and to the index (ids and names may come from anyone's data). Numeric columns are not touched:
    ``-1.5`` stays the number -1.5. This is OWASP's advice against CSV injection, and every table writer of
    ideopolis calls it (:func:`ideopolis.output.write_table`, :func:`ideopolis.output.write_csv`).

    Parameters
    ----------
    frame : pandas.DataFrame

    Returns
    -------
    pandas.DataFrame
        A new frame; ``frame`` is unchanged.

    Examples
    --------
    >>> df = pd.DataFrame({"name": ["=1+1", "Ames"], "score": [-2.0, 3.0]}, index=["@a", "b"])
    >>> neutralise_formulas(df)
          name  score
    '@a  '=1+1   -2.0
    b     Ames    3.0
    """
    out = frame.copy()
    out.columns = _map_text(out.columns, formula_safe) if _text_like(out.columns) else out.columns
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if _text_like(col):
            out.isetitem(i, _map_text(col, formula_safe).to_numpy())
    if isinstance(out.index, pd.MultiIndex):
        out.index = out.index.map(lambda key: tuple(formula_safe(k) for k in key))
    elif _text_like(out.index):
        out.index = _map_text(out.index, formula_safe)
    out.index.names = [formula_safe(n) for n in out.index.names]
    return out


def restore_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Take the guard of :func:`neutralise_formulas` off every text cell and column name of a table as read.

    Used by :func:`ideopolis.regions.readers.read_table` on CSV and XLSX, so a table ideopolis wrote reads back exactly.
    Only cells that start with one or more ``'`` followed by a formula trigger lose one ``'``; every other
    cell, ``'s-Hertogenbosch`` included, is kept as it is.

    Parameters
    ----------
    frame : pandas.DataFrame
        A table read as text (CSV and XLSX are read with ``dtype=str``).

    Returns
    -------
    pandas.DataFrame
        ``frame`` itself when no cell carries a guard, else a changed copy.
    """
    columns = [formula_unguarded(c) for c in frame.columns]
    changed = {}
    text = [
        i
        for i, dtype in enumerate(frame.dtypes)
        if (pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype))
        and not isinstance(dtype, pd.CategoricalDtype)
    ]
    if text:  # one vectorised look over every text cell: wide tables cost what long ones do
        cells = pd.Series(frame.iloc[:, text].to_numpy(dtype=object).ravel(order="F"), dtype=object)
        guarded = cells.str.startswith(FORMULA_GUARD, na=False).to_numpy(dtype=bool)
        hit = np.asarray(guarded.reshape((len(frame), len(text)), order="F").any(axis=0), dtype=bool)
        for i in (text[int(j)] for j in np.flatnonzero(hit)):
            changed[i] = frame.iloc[:, i].map(formula_unguarded)
    if not changed and columns == list(frame.columns):
        return frame
    out = frame.copy()
    for i, values in changed.items():
        out.isetitem(i, values.to_numpy())
    out.columns = pd.Index(columns)
    return out


#: The largest TOML file (manifest, profile, framework) read: 10 MB.
MAX_TOML_BYTES = 10 * 1024**2

#: How deep a TOML file ideopolis reads may nest tables and arrays (manifests and profiles nest 3 or 4 levels).
MAX_TOML_DEPTH = 32


def parse_toml(text: str) -> dict[str, Any]:
    """Parse TOML from an untrusted file: a nesting deeper than :data:`MAX_TOML_DEPTH` is a decode error.

    :mod:`tomllib` parses nested arrays and inline tables recursively, so ``a = [[[[...]]]]`` a few thousand
    levels deep raises :class:`RecursionError`; that, and a document that parses but nests deeper than any
    ideopolis file does, become :class:`tomllib.TOMLDecodeError`, which every reader already reports as one line.

    Parameters
    ----------
    text : str
        The document.

    Returns
    -------
    dict
        The parsed document.

    Raises
    ------
    tomllib.TOMLDecodeError
        For invalid TOML and for too deep a nesting.

    Examples
    --------
    >>> parse_toml("a = " + "[" * 5000 + "]" * 5000)
    Traceback (most recent call last):
    ...
    tomllib.TOMLDecodeError: nested too deeply (more than 32 levels of arrays or tables)
    """
    try:
        doc = tomllib.loads(text)
    except RecursionError:
        doc = None
    if doc is None or _depth(doc) > MAX_TOML_DEPTH:
        raise tomllib.TOMLDecodeError(f"nested too deeply (more than {MAX_TOML_DEPTH} levels of arrays or tables)")
    return doc


def _depth(doc: object) -> int:
    """The nesting depth of parsed TOML, without recursion."""
    deepest = 0
    stack: list[tuple[object, int]] = [(doc, 0)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_TOML_DEPTH:
            break
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return deepest


#: The largest input file read (bytes): 2 GiB. A larger file is refused with the limit, not half read.
MAX_FILE_BYTES = 2 * 1024**3


def require_regular_file(path: Path, *, what: str = "file", max_bytes: int = MAX_FILE_BYTES) -> int:
    """Check that ``path`` is a regular file within the size budget; return its size in bytes.

    A FIFO, a device (``/dev/zero``) or a socket is refused: reading one may never end.

    Parameters
    ----------
    path : Path
        The file.
    what : str
        What the file is, for messages (``"table"``).
    max_bytes : int
        The largest size accepted.

    Returns
    -------
    int
        The file's size.

    Raises
    ------
    DataFileError
        When the file is missing, a folder, not a regular file, or too large.

    Examples
    --------
    >>> require_regular_file(Path("/dev/zero"))
    Traceback (most recent call last):
    ...
    ideopolis.errors.DataFileError: zero: is a character device, not a regular file; fix: give the path of a file saved on disk
    """
    try:
        st = path.stat()
    except FileNotFoundError:
        raise DataFileError(
            f"{path.name}: file not found in {path.parent}; fix: check the path or the file name"
        ) from None
    except OSError as exc:
        raise DataFileError(f"{path.name}: cannot be read ({exc.strerror}); fix: check the path") from None
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        raise DataFileError(f"{path.name}: is a folder, not a file; fix: name the file inside it")
    if not stat.S_ISREG(mode):
        kind = (
            "a named pipe (FIFO)"
            if stat.S_ISFIFO(mode)
            else "a character device"
            if stat.S_ISCHR(mode)
            else "a block device"
            if stat.S_ISBLK(mode)
            else "a socket"
            if stat.S_ISSOCK(mode)
            else "not a regular file"
        )
        raise DataFileError(f"{path.name}: is {kind}, not a regular file; fix: give the path of a file saved on disk")
    if st.st_size > max_bytes:
        raise DataFileError(
            f"{path.name}: is {st.st_size / 1024**3:.1f} GiB, larger than the {max_bytes / 1024**3:.0f} GiB "
            f"an input {what} may have; fix: split the file, or keep only the columns and rows you need"
        )
    return st.st_size
