"""Bring your own data without writing a manifest: infer indicator metadata from the table itself.

``ideopolis score --geometry regions.geojson --indicators data.csv --id GEOID`` builds a region set in memory.
Every inference is written down in the set's ``notes`` (the CLI prints them), so the user can see what was
assumed and write a manifest when it is wrong:

- a numeric column whose values all lie in [0, 1] is a **share**; one of non-negative whole numbers is a
  **count** (auxiliary: not scored); a name with ``rate``, ``per``, ``pct`` or ``percent`` is a **rate**; a
  name with ``median``, ``mean``, ``avg``, ``index`` or ``score`` is a **level**; anything else is a level;
- the pillar comes from words in the column name (``bachelor``/``degree``/``tertiary`` -> talent,
  ``income``/``gdp``/``patent`` -> capital, ``knowledge``/``tech`` -> knowledge_jobs, ``migra`` ->
  import_people, ``telework``/``remote``/``offshor`` -> export_jobs); other scored columns go to a pillar
  ``other`` that feeds cluster strength;
- the direction is -1 for names with ``unemploy``, ``poverty``, ``crime`` or ``cost``, else +1;
- a text column with few distinct values is a group; one with a name like ``name`` is the region name.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ideopolis.index.pillars import Pillar, default_pillars
from ideopolis.regions.metadata import GeometrySpec, GroupSpec, IndicatorMeta, Manifest, TableSpec
from ideopolis.regions.model import RegionSet, build_region_set
from ideopolis.regions.problems import ValidationReport
from ideopolis.regions.readers import MISSING_TOKENS, id_strings, read_table

_PILLAR_WORDS: tuple[tuple[str, str], ...] = (
    ("talent", r"bachelor|degree|tertiary|educ|graduat|college|skill|hrst|(^|_)ba(_|$)|ba_?plus|attain"),
    ("capital", r"income|gdp|patent|r_?and_?d|rnd|gerd|invest|wage|earn|capital|venture"),
    ("knowledge_jobs", r"knowledge|tech|kis|stem|cluster|professional|scien|information"),
    ("import_people", r"migr|(^|_)mig(_|$)|inflow|movers|foreign|newcomer|attract"),
    ("export_jobs", r"telework|remote|offshor|wfh|work_?from_?home|exposure|automat"),
)
_NEGATIVE_WORDS = r"unemploy|poverty|crime|cost|vacan|debt|jobless"
_RATE_WORDS = r"rate|_per_|per_|pct|percent|_pc$|density"
_LEVEL_WORDS = r"median|mean|avg|average|index|score"
_NAME_WORDS = ("name", "region_name", "area_name", "label", "title", "nuts_name", "county_name", "geo_name")

#: A text column with at most this many distinct values (and fewer than half the rows) is a group.
MAX_GROUP_VALUES = 60


def region_set_from_files(
    *,
    geometry: Path | None,
    indicators: list[Path],
    id_column: str,
    name_column: str | None = None,
    name: str | None = None,
) -> tuple[RegionSet | None, ValidationReport]:
    """Build a region set from a user's own geometry and table(s), inferring the metadata.

    Parameters
    ----------
    geometry : Path, optional
        A geometry file (GeoParquet, GeoPackage, GeoJSON, Shapefile, TopoJSON); without it the set can be
        scored but not mapped.
    indicators : list of Path
        One or more tables (CSV, Parquet, XLSX) with a column ``id_column``.
    id_column : str
        The id column, in the tables and in the geometry.
    name_column : str, optional
        The region-name column; guessed from the column names when omitted.
    name : str, optional
        The set's short name (default: the first table's file stem).

    Returns
    -------
    rs : RegionSet or None
        The set (``None`` when nothing could be read); ``rs.notes`` lists what was inferred.
    report : ValidationReport
        Every problem found.
    """
    report = ValidationReport(name or (indicators[0].stem if indicators else "your data"))
    if not indicators:
        report.error(
            "no-indicators", "(command line)", "--indicators", "no indicator table given", "pass --indicators FILE"
        )
        return None, report
    frames: list[pd.DataFrame] = []
    for path in indicators:
        try:
            df, _label, _first = read_table(path)
        except Exception as exc:  # DataFileError carries the message; anything else is a broken file too
            what, _, fix = str(exc).partition("; fix: ")
            report.error("table-unreadable", path.name, "", what.removeprefix(f"{path.name}: "), fix or "check it")
            continue
        if id_column not in df.columns:
            report.error(
                "missing-id-column",
                path.name,
                f"column {id_column!r}",
                f"the id column is missing (columns: {', '.join(map(str, df.columns[:8]))})",
                "pass the right column with --id",
            )
            continue
        frames.append(df)
    if not frames:
        return None, report

    notes: list[str] = []
    if name_column is None and geometry is not None:
        name_column = next((c for c in _geometry_columns(geometry) if c.lower() in _NAME_WORDS), None)
        if name_column is not None:
            notes.append(f"{name_column}: region names (in {geometry.name})")
    metas: dict[str, IndicatorMeta] = {}
    groups: list[str] = []
    guessed_name: str | None = name_column
    for df in frames:
        for col in df.columns:
            if col in (id_column, guessed_name) or col in metas or col in groups:
                continue
            numeric = _numeric(df[col])
            if numeric is None:
                if guessed_name is None and col.lower() in _NAME_WORDS:
                    guessed_name = col
                    notes.append(f"{col}: region names")
                elif _is_group(df[col]):
                    groups.append(col)
                    notes.append(f"{col}: a group column ({df[col].nunique()} values)")
                else:
                    notes.append(f"{col}: text, ignored")
                continue
            meta = infer_indicator(col, numeric)
            metas[col] = meta
            role = f"pillar {meta.pillar}, direction {meta.direction:+d}" if meta.pillar else "auxiliary, not scored"
            notes.append(f"{col}: {meta.kind}, {role}")
    pillars = default_pillars()
    if any(m.pillar == "other" for m in metas.values()):
        pillars["other"] = Pillar("other", "Other indicators", "cluster_strength")
    if not any(m.scored for m in metas.values()):
        report.error(
            "no-indicators",
            (frames and indicators[0].name) or "",
            "",
            "no column could be scored (every numeric column looks like a count)",
            "write a manifest.toml that says which columns are indicators (docs/region-set-format.md)",
        )
    manifest = Manifest(
        name=name or indicators[0].stem,
        id_column=id_column,
        name_column=guessed_name or id_column,
        geometry=GeometrySpec(str(geometry), id_column) if geometry is not None else None,
        tables=tuple(TableSpec(str(p), id_column) for p in indicators),
        title=f"Your data: {', '.join(p.name for p in indicators)}",
        groups={g: GroupSpec(g, g) for g in groups},
        pillars=pillars,
        indicators=metas,
        crs=None,
        folder=None,
    )
    rs = build_region_set(manifest, report)
    if rs is not None:
        rs.notes.extend(f"inferred {n}" for n in notes)
    return rs, report


def _geometry_columns(path: Path) -> list[str]:
    """The attribute columns of a geometry file, without reading its shapes."""
    try:
        if path.suffix.lower() in (".parquet", ".geoparquet"):
            import pyarrow.parquet as pq

            return [str(n) for n in pq.read_schema(path).names]
        import pyogrio

        return [str(f) for f in pyogrio.read_info(path)["fields"]]
    except Exception:  # an unreadable file is reported when the set is built
        return []


def infer_indicator(column: str, values: pd.Series) -> IndicatorMeta:
    """Guess an indicator's kind, pillar and direction from its name and values.

    Parameters
    ----------
    column : str
        The column name.
    values : pandas.Series
        Its values as floats (missing as NaN).

    Returns
    -------
    IndicatorMeta
        The guess; ``pillar`` is ``None`` for counts (auxiliary) unless the name places them in a pillar.

    Examples
    --------
    >>> infer_indicator("ba_share", pd.Series([0.2, 0.4])).pillar
    'talent'
    >>> infer_indicator("population", pd.Series([1000.0, 2500.0])).kind
    'count'
    """
    low = column.lower()
    v = values.dropna()
    pillar = next((p for p, pattern in _PILLAR_WORDS if re.search(pattern, low)), None)
    if re.search(_RATE_WORDS, low):
        kind = "rate"
    elif re.search(_LEVEL_WORDS, low):
        kind = "level"
    elif len(v) and v.between(0, 1).all():
        kind = "share"
    elif len(v) and (v >= 0).all() and (v == v.round()).all():
        kind = "count"
    else:
        kind = "level"
    if kind != "count" and pillar is None:
        pillar = "other"
    direction = -1 if re.search(_NEGATIVE_WORDS, low) else 1
    unit = {"share": "share", "count": "count", "rate": "rate", "level": ""}[kind]
    return IndicatorMeta(
        name=column,
        label=column.replace("_", " "),
        unit=unit,
        kind=kind,  # type: ignore[arg-type]
        pillar=pillar,
        direction=direction,
        description="inferred from the column name and values; write a manifest to correct it",
    )


def _numeric(s: pd.Series) -> pd.Series | None:
    if pd.api.types.is_bool_dtype(s):
        return None
    if pd.api.types.is_numeric_dtype(s):
        return s.astype("float64")
    text = id_strings(s)
    text = text.where(~text.isin(MISSING_TOKENS), None)
    present = text.dropna()
    if present.empty:
        return None
    if present.str.fullmatch(r"0\d+").any():
        return None  # digits with a leading zero are codes (FIPS, state), not numbers
    numbers = pd.to_numeric(present, errors="coerce")
    if numbers.notna().mean() < 0.9:
        return None
    return pd.to_numeric(text, errors="coerce").astype("float64")


def _is_group(s: pd.Series) -> bool:
    values = s.dropna().astype(str)
    values = values[values.str.strip() != ""]
    n = values.nunique()
    return 1 < n <= MAX_GROUP_VALUES and n < max(2, len(values) // 2)
