"""Numbers from table cells as agencies publish them, the whole table at once.

:func:`parse_numbers` turns a table of text cells into floats in one vectorised pass (a table of 10,000
columns costs what a table of 10,000 rows does) and says, per column, which cells were missing, which were
not numbers, and which carried a statistical agency's marker.

Two readings:

- **strict** (a region set with a manifest): the missing tokens of :data:`~ideopolis.regions.readers.MISSING_TOKENS`
  are missing, every other non-number is an error for the user to fix;
- **lenient** (your own files, metadata inferred): also the missing-value tokens pandas reads by default
  (``#N/A``, ``<NA>``, ``n/a``, ...; documented under ``na_values`` of :func:`pandas.read_csv`) and the markers
  statistical agencies document are read as missing, and a note names them:

  - U.S. Census Bureau, American Community Survey, "Explanation of Symbols" (the table notes of every
    data.census.gov export): ``-`` (not computed: too few observations), ``N`` (not displayed: too few sample
    cases), ``(X)`` (not applicable), ``**``, ``***``, ``*****`` (margin of error not computed or not
    appropriate); an open-ended median ``250,000+`` or ``2,500-`` lies in the top or bottom interval: it is
    read as its bound and noted as censored;
  - U.S. Bureau of Economic Analysis, Regional Economic Accounts footnotes: ``(D)`` (not shown to avoid
    disclosure), ``(NA)`` (not available), ``(NM)`` (not meaningful), ``(L)`` (less than half the unit shown);
  - Eurostat, "Symbols used" (Statistics Explained, "Tutorial: Symbols and abbreviations"): ``:`` (not
    available); a flag after a number (``12.5 p`` provisional, ``e`` estimated, ``b`` break in series,
    ``u`` low reliability, ``d`` definition differs, ``r`` revised, ``s`` Eurostat estimate, ``f``
    forecast, ``n`` not significant) is dropped and the number kept; ``c`` (confidential) and ``z`` (not
    applicable) after ``:`` are missing;
  - common spreadsheet conventions: ``n.a.``, ``..``, ``…``, ``x``.

Numbers outside what the index can compute with (:data:`MAX_MAGNITUDE`) are reported, not passed on to turn
into infinities downstream.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ideopolis.regions.readers import MISSING_TOKENS

#: The missing-value tokens :func:`pandas.read_csv` reads as NaN by default (its ``na_values`` documentation).
PANDAS_NA_TOKENS = frozenset(
    {
        "",
        "#N/A",
        "#N/A N/A",
        "#NA",
        "-1.#IND",
        "-1.#QNAN",
        "-NaN",
        "-nan",
        "1.#IND",
        "1.#QNAN",
        "<NA>",
        "N/A",
        "NA",
        "NULL",
        "NaN",
        "None",
        "n/a",
        "nan",
        "null",
    }
)

#: Markers statistical agencies document for a cell without a value, and what each says.
AGENCY_MARKERS: dict[str, str] = {
    "-": "Census: not computed",
    "N": "Census: too few sample cases",
    "(X)": "Census: not applicable",
    "**": "Census: margin of error not computed",
    "***": "Census: margin of error not computed (open-ended median)",
    "*****": "Census: margin of error not appropriate (controlled estimate)",
    "(D)": "BEA/Census: suppressed to avoid disclosure",
    "(NA)": "BEA: not available",
    "(NM)": "BEA: not meaningful",
    "(L)": "BEA: less than half the unit shown",
    ":": "Eurostat: not available",
    ": c": "Eurostat: confidential",
    ": z": "Eurostat: not applicable",
    ":c": "Eurostat: confidential",
    ":z": "Eurostat: not applicable",
    "n.a.": "not available",
    "N.A.": "not available",
    "..": "not available",
    "…": "not available",
    "x": "suppressed",
    "X": "suppressed",
}

#: The largest magnitude of a value ideopolis computes with: squares and sums of any realistic number of
#: such values stay finite in float64 (whose largest value is about 1.8e308).
MAX_MAGNITUDE = 1e100
#: The smallest non-zero magnitude: its reciprocal stays finite, far above the subnormal range (< 2.2e-308).
MIN_MAGNITUDE = 1e-100

_OPEN_ENDED = r"^(-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)([+-])$"
_FLAGGED = r"^(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*([bdefnprsu]+)$"
_THOUSANDS_POINT = r"^-?\d{1,3}(\.\d{3})+(,\d+)?$"
_THOUSANDS_COMMA = r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$"


@dataclass
class ParsedNumbers:
    """The numbers of a table and what was found in its cells.

    Attributes
    ----------
    values : pandas.DataFrame
        Floats, same index and columns; missing and bad cells are NaN.
    bad : pandas.DataFrame
        True where a cell holds text that is not a number (and not a missing token or marker).
    markers : dict
        Column -> counts of the agency markers read as missing.
    censored : dict
        Column -> open-ended values read as their bound (``"250,000+"``).
    flags : dict
        Column -> counts of Eurostat flags dropped from numbers.
    grouped : dict
        Column -> how many numbers were written with thousands separators (``"1,062,306"``).
    """

    values: pd.DataFrame
    bad: pd.DataFrame
    markers: dict[str, Counter[str]] = field(default_factory=dict)
    censored: dict[str, list[str]] = field(default_factory=dict)
    flags: dict[str, Counter[str]] = field(default_factory=dict)
    grouped: dict[str, int] = field(default_factory=dict)

    def notes(self) -> list[str]:
        """One note per column on what was read as missing, censored or unflagged."""
        out = []
        for col, counts in self.markers.items():
            what = "; ".join(f"{tok!r} x{n} ({AGENCY_MARKERS.get(tok, 'missing')})" for tok, n in counts.most_common())
            out.append(f"{col}: read as missing: {what}")
        for col, cells in self.censored.items():
            out.append(
                f"{col}: {len(cells)} open-ended value(s) ({', '.join(repr(c) for c in cells[:3])}) read as their bound: "
                "the true value lies beyond it (Census: the median falls in an open-ended interval)"
            )
        for col, counts in self.flags.items():
            what = ", ".join(f"{f!r} x{n}" for f, n in counts.most_common())
            out.append(f"{col}: Eurostat flags dropped from the numbers ({what})")
        if self.grouped:
            cols = list(self.grouped)
            shown = ", ".join(repr(c) for c in cols[:3]) + (f" and {len(cols) - 3} more" if len(cols) > 3 else "")
            out.append(
                f"{sum(self.grouped.values()):,} number(s) written with thousands separators ('1,234,567') read as "
                f"numbers, in {len(cols)} column(s) ({shown})"
            )
        return out


def parse_numbers(text: pd.DataFrame, *, decimal: str = ".", lenient: bool = False) -> ParsedNumbers:
    """Convert a table of text cells to floats, all columns at once.

    Parameters
    ----------
    text : pandas.DataFrame
        Cells as read (strings; ``None``/NaN for missing).
    decimal : {".", ","}
        The decimal mark. With ``","`` a point groups thousands (``1.234,5``).
    lenient : bool
        Also read the pandas default missing tokens and the agencies' markers (see the module notes).

    Returns
    -------
    ParsedNumbers

    Examples
    --------
    >>> t = pd.DataFrame({"a": ["1", "(X)", "250,000+"], "b": ["0,5", "", "x1"]})
    >>> p = parse_numbers(t, lenient=True)
    >>> p.values["a"].tolist(), p.bad["b"].tolist()
    ([1.0, nan, 250000.0], [True, False, True])
    """
    n_rows, n_cols = text.shape
    flat = pd.Series(text.to_numpy(dtype=object).ravel(order="F"))
    cells = flat.where(flat.notna(), "").astype(str).str.strip()
    tokens = PANDAS_NA_TOKENS | MISSING_TOKENS if lenient else MISSING_TOKENS
    missing = np.array(cells.isin(tokens), dtype=bool)
    clean = cells
    if decimal == ",":
        grouped = clean.str.fullmatch(_THOUSANDS_POINT)
        clean = clean.where(~grouped, clean.str.replace(".", "", regex=False))
        clean = clean.str.replace(",", ".", regex=False)
    numbers = np.array(pd.to_numeric(clean.where(~missing, None), errors="coerce"), dtype="float64")
    bad = ~missing & np.isnan(numbers)
    markers: dict[str, Counter[str]] = {}
    separators: dict[str, int] = {}
    censored: dict[str, list[str]] = {}
    flags: dict[str, Counter[str]] = {}
    columns = [str(c) for c in text.columns]
    if lenient and bad.any():
        idx = np.flatnonzero(bad)
        sub = cells.iloc[idx]
        col_of = idx // max(n_rows, 1)
        is_marker = sub.isin(AGENCY_MARKERS).to_numpy()
        for i, tok in zip(col_of[is_marker], sub[is_marker], strict=True):
            markers.setdefault(columns[i], Counter())[tok] += 1
        open_ended = sub.str.extract(_OPEN_ENDED)
        hit = open_ended[0].notna().to_numpy() & ~is_marker
        bound = np.array(pd.to_numeric(open_ended[0].str.replace(",", "", regex=False), errors="coerce"), dtype=float)
        for k in np.flatnonzero(hit):
            censored.setdefault(columns[col_of[k]], []).append(str(sub.iloc[k]))
        flagged = sub.str.extract(_FLAGGED)
        fhit = flagged[0].notna().to_numpy() & ~is_marker & ~hit
        fval = np.array(pd.to_numeric(flagged[0], errors="coerce"), dtype=float)
        for k in np.flatnonzero(fhit):
            flags.setdefault(columns[col_of[k]], Counter())[str(flagged[1].iloc[k])] += 1
        numbers[idx[hit]] = bound[hit]
        numbers[idx[fhit]] = fval[fhit]
        # a quoted "1,062,306" in a point-decimal file (USDA ERS, RUCC): grouping commas, nothing else
        ghit = np.zeros(len(idx), dtype=bool)
        if decimal == ".":
            ghit = sub.str.fullmatch(_THOUSANDS_COMMA).to_numpy(dtype=bool) & ~is_marker & ~hit & ~fhit
            gval = np.array(pd.to_numeric(sub.str.replace(",", "", regex=False), errors="coerce"), dtype=float)
            numbers[idx[ghit]] = gval[ghit]
            separators = grouped_counts(col_of[ghit], columns)
        bad[idx[is_marker | hit | fhit | ghit]] = False
        missing[idx[is_marker]] = True
    shape = (n_rows, n_cols)
    values = pd.DataFrame(numbers.reshape(shape, order="F"), index=text.index, columns=text.columns)
    bad_frame = pd.DataFrame(bad.reshape(shape, order="F"), index=text.index, columns=text.columns)
    return ParsedNumbers(values, bad_frame, markers, censored, flags, separators)


def grouped_counts(column_index: np.ndarray, columns: list[str]) -> dict[str, int]:
    """How many cells of each column (by position) were read, as a column-name -> count dict."""
    return {columns[int(i)]: int(n) for i, n in zip(*np.unique(column_index, return_counts=True), strict=True)}


def magnitude_problems(values: pd.DataFrame) -> pd.DataFrame:
    """True where a finite value is too large or too close to zero to compute with (see :data:`MAX_MAGNITUDE`).

    Parameters
    ----------
    values : pandas.DataFrame
        Floats.

    Returns
    -------
    pandas.DataFrame
        Booleans, same shape.

    Examples
    --------
    >>> magnitude_problems(pd.DataFrame({"x": [1e308, 5e-324, 0.0, 3.5]}))["x"].tolist()
    [True, True, False, False]
    """
    a = np.abs(values.to_numpy(dtype="float64"))
    with np.errstate(invalid="ignore"):
        out = np.isfinite(a) & ((a > MAX_MAGNITUDE) | ((a > 0) & (a < MIN_MAGNITUDE)))
    return pd.DataFrame(out, index=values.index, columns=values.columns)
