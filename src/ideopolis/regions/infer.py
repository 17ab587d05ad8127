"""Bring your own data without writing a manifest: infer indicator metadata from the table itself.

``ideopolis score --geometry regions.geojson --indicators data.csv --id GEOID`` builds a region set in memory.
Every inference is written down in the set's ``notes`` (the CLI prints them), so the user can see what was
assumed and write a manifest when it is wrong:

- a column is numeric when at least half of its filled cells are numbers (agencies' missing-value markers,
  :mod:`ideopolis.regions.values`, count as missing); its other cells are then errors naming the cells,
  never a reason to drop the column silently;
- a numeric column whose values all lie in [0, 1] is a **share**; one of whole numbers is a **count**;
  a name with ``rate``, ``per``, ``pct`` or ``percent`` is a **rate**; a name with ``median``, ``mean``,
  ``avg``, ``index`` or ``score`` is a **level**; anything else is a level;
- **never scored** unless a manifest says so: counts (they grow with a region's size), coordinates
  (``lat``, ``lon``, ``INTPTLAT``, ``x``/``y``), areas (``ALAND``, ``area``, ``sqmi``, ``km2``) and ids or
  codes (``fid``, ``objectid``, ``*_code``); they are auxiliary (a rate's counts, a weight);
- a rate or share whose values equal the ratio of two count columns (times 1, 100, 1,000 or 100,000) gets
  them as numerator and denominator, so custom regions recompute it from summed counts;
- the pillar comes from words in the column name (``bachelor``/``degree``/``tertiary`` -> talent,
  ``income``/``gdp``/``patent`` -> capital, ``knowledge``/``tech`` -> knowledge_jobs, ``migra`` ->
  import_people, ``telework``/``remote``/``offshor`` -> export_jobs); other scored columns go to a pillar
  ``other`` that feeds cluster strength; a column named like a pillar (``talent``) is renamed
  ``talent_value``, as the pillar's own score has that name;
- the direction is -1 for names with ``unemploy``, ``poverty``, ``crime`` or ``cost``, else +1;
- a text column with few distinct values is a group; one with a name like ``name`` is the region name;
- ids written as Census GEO_IDs (``0500000US01001``) are read as the GEOID after ``US`` (``01001``).

Indicators may also be attributes of the geometry file (a shapefile or GeoJSON from a GIS): give it as
``--geometry`` alone, or as ``--indicators`` too.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from ideopolis.errors import DataFileError
from ideopolis.index.pillars import ATTRACTION, BALANCE, CLUSTER_STRENGTH, EXPOSURE, INDEX, Pillar, default_pillars
from ideopolis.regions.metadata import GEOMETRY_SUFFIXES, GeometrySpec, GroupSpec, IndicatorMeta, Manifest, TableSpec
from ideopolis.regions.model import RegionSet, build_region_set
from ideopolis.regions.problems import ValidationReport, listing
from ideopolis.regions.readers import TableRead, id_strings, read_geometry, read_table_full
from ideopolis.regions.values import parse_numbers

_PILLAR_WORDS: tuple[tuple[str, str], ...] = (
    ("talent", r"bachelor|degree|tertiary|educ|graduat|college|skill|hrst|(^|_)ba(_|$)|ba_?plus|attain"),
    ("capital", r"income|gdp|patent|r_?and_?d|rnd|gerd|invest|wage|earn|capital|venture"),
    ("knowledge_jobs", r"knowledge|tech|kis|stem|cluster|professional|scien|information"),
    ("import_people", r"migr|(^|_)mig(_|$)|inflow|movers|foreign|newcomer|attract"),
    ("export_jobs", r"telework|remote|offshor|wfh|work_?from_?home|exposure|automat"),
)
_NEGATIVE_WORDS = r"unemp|poverty|crime|cost|vacan|debt|jobless|less than a high school|not high school|no high school"
_RATE_WORDS = r"rate|_per_|per_|pct|percent|_pc$|density"
_LEVEL_WORDS = r"median|mean|avg|average|index|score"
#: Words that make a column a count even when its values are not whole (jobs in thousands, as Eurostat publishes).
_COUNT_WORDS = r"(^|_)(total|count|number|num)(_|$)"
_NAME_WORDS = (
    "name",
    "region_name",
    "area_name",
    "label",
    "title",
    "nuts_name",
    "county_name",
    "geo_name",
    "geoname",  # BEA
    "ctyname",  # Census population estimates
    "geographic_area",  # Census and derived tables ("Geographic Area", "Geographic Area Name")
    "geographic_area_name",
)
#: Words of a column name that say it describes where or what a region is, never how it does (coordinates,
#: areas, ids and codes): ``anywhere`` in the name, or only as its ``last`` word (``land_area`` but not
#: ``area_median_income``).
_CONTEXT_WORDS: tuple[tuple[str, frozenset[str], frozenset[str]], ...] = (
    (
        "a coordinate",
        frozenset(
            {"lat", "lon", "lng", "latitude", "longitude", "intptlat", "intptlong", "intptlon", "easting", "northing"}
        ),
        frozenset({"x", "y", "long"}),
    ),
    (
        "an area",
        frozenset({"aland", "awater", "sqmi", "km2", "sqkm", "hectares", "acres", "perimeter"}),
        frozenset({"area", "leng", "length"}),
    ),
    (
        "an id or code",
        frozenset({"fid", "objectid", "geoid", "fips", "ansicode", "gnis", "zcta"}),
        frozenset({"id", "gid", "code", "cbsa", "zip"}),
    ),
)
_GEO_ID = re.compile(r"^\d{7}US(\w+)$")
#: Scale factors tried when matching a rate or share to a ratio of two counts.
_SCALES = (1.0, 100.0, 1000.0, 100_000.0)
#: The most count columns whose pairs are tried as a rate's numerator and denominator.
MAX_RATIO_SEARCH = 40

#: A text column with at most this many distinct values (and fewer than half the rows) is a group.
MAX_GROUP_VALUES = 60


def _reserved_names() -> set[str]:
    """Node codes of the default framework: an indicator may not have one of these names."""
    pillars = default_pillars()
    return {
        INDEX,
        CLUSTER_STRENGTH,
        BALANCE,
        ATTRACTION,
        EXPOSURE,
        "other",
        *pillars,
        *(p.node for p in pillars.values()),
    }


def validate_command(
    geometry: Path | None,
    indicators: Sequence[Path],
    id_column: str,
    *,
    geometry_id_column: str | None = None,
    layer: str | None = None,
    sheet: str | None = None,
) -> str:
    """The ``ideopolis validate`` command line that checks these files (for messages).

    Examples
    --------
    >>> validate_command(Path("a b.geojson"), [Path("t.csv")], "GEOID")
    "ideopolis validate --geometry 'a b.geojson' --indicators t.csv --id GEOID"
    """
    parts = ["ideopolis", "validate"]
    if geometry is not None:
        parts += ["--geometry", str(geometry)]
    for p in indicators:
        parts += ["--indicators", str(p)]
    parts += ["--id", id_column]
    for flag, value in (("--geometry-id", geometry_id_column), ("--layer", layer), ("--sheet", sheet)):
        if value is not None:
            parts += [flag, value]
    return " ".join(shlex.quote(p) for p in parts)


def region_set_from_files(
    *,
    geometry: Path | None,
    indicators: list[Path],
    id_column: str,
    name_column: str | None = None,
    name: str | None = None,
    geometry_id_column: str | None = None,
    layer: str | None = None,
    sheet: str | None = None,
) -> tuple[RegionSet | None, ValidationReport]:
    """Build a region set from a user's own geometry and table(s), inferring the metadata.

    Parameters
    ----------
    geometry : Path, optional
        A geometry file (GeoParquet, GeoPackage, GeoJSON, Shapefile, TopoJSON); without it the set can be
        scored but not mapped. Its attributes are read as indicators when no table is given.
    indicators : list of Path
        Tables (CSV, TSV, Parquet, XLSX, or a geometry file's attributes) with a column ``id_column``.
    id_column : str
        The id column of the tables (and of the geometry, unless ``geometry_id_column`` names another).
    name_column : str, optional
        The region-name column; guessed from the column names when omitted.
    name : str, optional
        The set's short name (default: the first table's file stem).
    geometry_id_column : str, optional
        The geometry's id column when it is named differently from the tables' (``GEOID`` vs ``fips``).
    layer : str, optional
        The layer of a multi-layer geometry file (GeoPackage).
    sheet : str, optional
        The sheet of an XLSX table (default: the first sheet with the id column).

    Returns
    -------
    rs : RegionSet or None
        The set (``None`` when nothing could be read); ``rs.notes`` lists what was inferred.
    report : ValidationReport
        Every problem found; ``report.validate_command`` is the command that lists them.
    """
    sources = list(indicators) or ([geometry] if geometry is not None else [])
    report = ValidationReport(name or (_stem(sources[0]) if sources else "your data"))
    report.validate_command = validate_command(
        geometry, indicators, id_column, geometry_id_column=geometry_id_column, layer=layer, sheet=sheet
    )
    report.id_fix = "pass the id column with --id (and the geometry's with --geometry-id if it differs)"
    if not sources:
        report.error(
            "no-indicators", "(command line)", "--indicators", "no indicator table given", "pass --indicators FILE"
        )
        return None, report
    seen: dict[Path, str] = {}
    for p in sources:
        resolved = p.resolve()
        if resolved in seen and indicators:
            report.error(
                "duplicate-table", p.name, "--indicators", "is given twice", "name each table once with --indicators"
            )
        seen[resolved] = p.name
    if not report.ok:
        return None, report
    geo_id = geometry_id_column or id_column
    reads: dict[str, TableRead] = {}
    for path in sources:
        read = _read_source(path, geometry, id_column, layer, sheet, report)
        if read is None:
            continue
        if id_column not in read.frame.columns:
            report.error(
                "missing-id-column",
                path.name,
                f"column {id_column!r}",
                f"the id column is missing (columns: {listing(list(read.frame.columns), limit=8)})",
                "pass the right column with --id",
            )
            continue
        _census_geo_ids(path.name, read, id_column)
        reads[str(path)] = read
    if not reads:
        return None, report

    notes: list[str] = []
    geo_columns = _geometry_columns(geometry, layer) if geometry is not None else []
    if geometry is not None and geo_columns and geo_id not in geo_columns:
        report.error(
            "missing-id-column",
            geometry.name,
            f"column {geo_id!r}",
            f"the id column is missing (columns: {listing(geo_columns, limit=8)})",
            _geometry_id_fix(geometry, layer, geo_columns, reads, id_column, geometry_id_column),
        )
        return None, report
    if name_column is None and geometry is not None:
        name_column = next((c for c in geo_columns if _name_key(c) in _NAME_WORDS), None)
        if name_column is not None:
            notes.append(f"{name_column}: region names (in {geometry.name})")
    metas: dict[str, IndicatorMeta] = {}
    groups: list[str] = []
    guessed_name: str | None = name_column
    reserved = _reserved_names()
    taken: set[str] = {id_column}
    for key, read in reads.items():
        df = read.frame
        renames: dict[str, str] = {}
        candidates = [c for c in df.columns if c not in (id_column, guessed_name) and c not in taken]
        if Path(key).suffix.lower() in GEOMETRY_SUFFIXES:
            candidates = [c for c in candidates if c != "geometry"]
        numeric = _numeric_columns(df[candidates], read.decimal) if candidates else {}
        counts: dict[str, pd.Series] = {}
        for col in candidates:
            taken.add(col)
            values = numeric.get(col)
            if values is None:
                if guessed_name is None and _name_key(col) in _NAME_WORDS:
                    guessed_name = col
                    notes.append(f"{col}: region names")
                elif _is_group(df[col]):
                    groups.append(col)
                    notes.append(f"{col}: a group column ({df[col].nunique()} values)")
                else:
                    notes.append(f"{col}: text, ignored")
                continue
            target = col
            if col.lower() in reserved:
                target = f"{col}_value"
                while target in df.columns or target in metas:
                    target += "_"
                renames[col] = target
            meta = infer_indicator(target, values, label=read.labels.get(col))
            if target != col and meta.pillar == "other" and col.lower() in default_pillars():
                meta = replace(meta, pillar=col.lower())  # a column named 'talent' is a talent indicator
            metas[target] = meta
            if meta.kind == "count":
                counts[target] = values
            notes.append(_describe(col, target, meta))
        if renames:
            read.frame = df.rename(columns=renames)
        _pair_ratios(metas, counts, {renames.get(c, c): v for c, v in numeric.items()}, notes)
    _warn_vintages(metas, sources[0].name, report)
    pillars = default_pillars()
    if any(m.pillar == "other" for m in metas.values()):
        pillars["other"] = Pillar("other", "Other indicators", "cluster_strength")
    if not any(m.scored for m in metas.values()):
        report.error(
            "no-indicators",
            sources[0].name,
            "",
            "no column could be scored (every numeric column is a count, a coordinate, an area or an id)",
            "give rates or shares (per person, per km2), or write a manifest.toml that says which columns are "
            "indicators (docs/region-set-format.md)",
        )
    # a TopoJSON file carries no CRS and there is no manifest to name one: its coordinates are longitude and
    # latitude (the us-atlas convention); a projected file is caught by the coordinate-range check
    topojson_crs = None
    if geometry is not None and geometry.suffix.lower() in (".json", ".topojson"):
        topojson_crs = "EPSG:4326"
        notes.append(f"{geometry.name}: TopoJSON has no CRS; read as longitude/latitude (EPSG:4326)")
    manifest = Manifest(
        name=name or _stem(sources[0]),
        id_column=id_column,
        name_column=guessed_name or id_column,
        geometry=GeometrySpec(str(geometry), geo_id, layer) if geometry is not None else None,
        tables=tuple(TableSpec(k, id_column, sheet) for k in reads),
        title=f"Your data: {', '.join(p.name for p in sources)}",
        groups={g: GroupSpec(g, g) for g in groups},
        pillars=pillars,
        indicators=metas,
        crs=topojson_crs,
        folder=None,
        lenient=True,
    )
    rs = build_region_set(manifest, report, preread=reads)
    if rs is not None:
        rs.notes.extend(f"inferred {n}" for n in notes)
    return rs, report


def _read_source(
    path: Path, geometry: Path | None, id_column: str, layer: str | None, sheet: str | None, report: ValidationReport
) -> TableRead | None:
    """Read one table, or the attributes of a geometry file given as a table."""
    suffix = path.suffix.lower()
    try:
        if suffix in GEOMETRY_SUFFIXES and suffix != ".parquet":
            gdf = read_geometry(path, layer=layer if path == geometry else None, id_column=id_column)
            attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).reset_index(drop=True)
            return TableRead(attrs, "feature", 1, [f"{path.name}: indicators read from the file's attributes"])
        return read_table_full(path, sheet=sheet, id_column=id_column, lenient=True)
    except DataFileError as exc:
        what, _, fix = str(exc).partition("; fix: ")
        report.error("table-unreadable", path.name, "", what.removeprefix(f"{path.name}: "), fix or "check it")
        return None


def _census_geo_ids(name: str, read: TableRead, id_column: str) -> None:
    """Census GEO_IDs (``0500000US01001``): the id is the GEOID after ``US``."""
    ids = read.frame[id_column].astype(str).str.strip()
    filled = ids[ids != ""]
    if filled.empty or not filled.str.fullmatch(_GEO_ID.pattern).all():
        return
    stripped = ids.str.replace(_GEO_ID.pattern, r"\1", regex=True)
    read.frame = read.frame.assign(**{id_column: stripped})
    example = stripped[ids != ""].iloc[0]
    read.notes.append(
        f"{name}: column {id_column!r} holds Census GEO_IDs ({filled.iloc[0]!r}): read as the GEOID after 'US' "
        f"({example!r})"
    )


def _geometry_id_fix(
    geometry: Path,
    layer: str | None,
    columns: list[str],
    reads: dict[str, TableRead],
    id_column: str,
    given: str | None,
) -> str:
    """Suggest the geometry column whose values match the table's ids best."""
    table_ids = set().union(*(set(id_strings(r.frame[id_column])) for r in reads.values()))
    best, hits = None, 0
    try:
        import pyogrio

        attrs = pyogrio.read_dataframe(geometry, layer=layer, read_geometry=False)
        for col in columns:
            n = len(table_ids & set(id_strings(attrs[col])))
            if n > hits:
                best, hits = col, n
    except Exception:  # the file is reported unreadable elsewhere
        pass
    flag = "--geometry-id"
    if best is not None:
        return f"pass {flag} {best} (its values match {hits} of the table's ids)"
    return f"pass the geometry's id column with {flag} (one of its columns listed)" if given is None else "check it"


def _geometry_columns(path: Path, layer: str | None) -> list[str]:
    """The attribute columns of a geometry file, without reading its shapes."""
    try:
        if path.suffix.lower() in (".parquet", ".geoparquet"):
            import pyarrow.parquet as pq

            return [str(n) for n in pq.read_schema(path).names if n != "geometry"]
        import pyogrio

        from ideopolis.regions.readers import geometry_layers

        if layer is None and len(geometry_layers(path)) > 1:
            return []  # the layer is chosen (or the choice reported) when the geometry is read
        return [str(f) for f in pyogrio.read_info(path, layer=layer)["fields"]]
    except Exception:  # an unreadable file is reported when the set is built
        return []


def _numeric_columns(df: pd.DataFrame, decimal: str) -> dict[str, pd.Series]:
    """The columns that hold numbers (at least half of their filled cells), as floats; all at once."""
    out: dict[str, pd.Series] = {}
    text_cols = []
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_bool_dtype(s):
            continue
        if pd.api.types.is_numeric_dtype(s):
            out[col] = s.astype("float64")
        else:
            text_cols.append(col)
    if not text_cols:
        return out
    text = df[text_cols]
    parsed = parse_numbers(text, decimal=decimal, lenient=True)
    n_filled = (parsed.values.notna() | parsed.bad).sum().to_numpy()
    n_numbers = parsed.values.notna().sum().to_numpy()
    flat = pd.Series(text.to_numpy(dtype=object).ravel(order="F"), dtype=object)
    codes = flat.astype(str).str.strip().str.fullmatch(r"0\d+").to_numpy(dtype=bool)
    coded = np.asarray(codes.reshape(text.shape, order="F").any(axis=0), dtype=bool)  # leading zeros: codes
    for j, col in enumerate(text_cols):
        if n_numbers[j] == 0 or n_numbers[j] * 2 < n_filled[j] or coded[j]:
            continue
        out[col] = parsed.values[col]
    return out


def _describe(col: str, target: str, meta: IndicatorMeta) -> str:
    renamed = f" (renamed {target!r}: a pillar has the name {col!r})" if target != col else ""
    if meta.pillar:
        return f"{col}: {meta.kind}, pillar {meta.pillar}, direction {meta.direction:+d}{renamed}"
    why = meta.description or ""
    return f"{col}: {meta.kind}, auxiliary, not scored{renamed}{why and f' ({why})'}"


def _pair_ratios(
    metas: dict[str, IndicatorMeta], counts: dict[str, pd.Series], values: dict[str, pd.Series], notes: list[str]
) -> None:
    """Give rates and shares that equal a ratio of two counts their numerator and denominator."""
    if not counts or len(counts) > MAX_RATIO_SEARCH:
        return
    names = list(counts)
    c = np.column_stack([counts[n].to_numpy(dtype="float64") for n in names])
    for col, meta in list(metas.items()):
        if meta.kind not in ("rate", "share") or col not in values:
            continue
        v = values[col].to_numpy(dtype="float64")
        ok = np.isfinite(v)
        if ok.sum() < 2:
            continue
        found = _find_ratio(col, v[ok], c[ok], names)
        if found is None:
            continue
        num, den, scale = found
        metas[col] = replace(meta, numerator=num, denominator=den, scale=scale)
        notes.append(f"{col}: = {num} / {den}" + (f" x {scale:g}" if scale != 1 else "") + " (checked on every row)")


def _find_ratio(column: str, v: np.ndarray, c: np.ndarray, names: list[str]) -> tuple[str, str, float] | None:
    """The (numerator, denominator, scale) whose ratio equals ``v`` on every row; the best named if several do."""
    fits: list[tuple[str, str, float]] = []
    with np.errstate(divide="ignore", invalid="ignore"):
        for j, den in enumerate(names):
            d = c[:, j]
            if not (d > 0).all():
                continue
            ratios = c / d[:, None]
            for scale in _SCALES:
                close = np.isclose(ratios * scale, v[:, None], rtol=1e-3, atol=1e-9).all(axis=0)
                close[j] = False
                fits += [(names[i], den, scale) for i in np.flatnonzero(close)]
    if not fits:
        return None
    words = set(re.split(r"[^a-z0-9]+", column.lower())) - {"", "share", "rate", "per", "pct", "pc"}

    def overlap(fit: tuple[str, str, float]) -> int:
        return len(words & set(re.split(r"[^a-z0-9]+", f"{fit[0]}_{fit[1]}".lower())))

    ranked = sorted(fits, key=overlap, reverse=True)
    if len(ranked) > 1 and overlap(ranked[0]) == overlap(ranked[1]):
        return None  # several pairs fit equally well: do not guess
    return ranked[0]


def infer_indicator(column: str, values: pd.Series, *, label: str | None = None) -> IndicatorMeta:
    """Guess an indicator's kind, pillar and direction from its name and values.

    Parameters
    ----------
    column : str
        The column name.
    values : pandas.Series
        Its values as floats (missing as NaN).
    label : str, optional
        A label found in the file (a data.census.gov label row).

    Returns
    -------
    IndicatorMeta
        The guess; ``pillar`` is ``None`` (auxiliary, not scored) for counts, coordinates, areas and ids,
        whatever their names say; ``description`` says why.

    Examples
    --------
    >>> infer_indicator("ba_share", pd.Series([0.2, 0.4])).pillar
    'talent'
    >>> infer_indicator("population", pd.Series([1000.0, 2500.0])).kind
    'count'
    >>> infer_indicator("patents", pd.Series([12.0, 40.0])).pillar is None
    True
    >>> infer_indicator("INTPTLAT", pd.Series([32.53, 30.66])).description
    'a coordinate'
    """
    low = column.lower()
    # a code-named column (a Census table id, B19013_001E) says what it is in its label, when the file has one
    named = f"{low} {label.lower().replace(' ', '_')}" if label else low
    arr = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    v = arr[~np.isnan(arr)]  # numpy, not pandas: a 10,000-column table calls this 10,000 times
    whole = bool(v.size) and bool((v == np.round(v)).all())
    rate_name = re.search(_RATE_WORDS, named) is not None  # "jobs_per_km2" is a density, not an area
    words = [w for w in re.split(r"[^a-z0-9]+", low) if w]
    context = next(
        (
            what
            for what, anywhere, last in _CONTEXT_WORDS
            if not rate_name and words and (anywhere & set(words) or words[-1] in last)
        ),
        None,
    )
    pillar = next((p for p, pattern in _PILLAR_WORDS if re.search(pattern, named)), None)
    description = "inferred from the column name and values; write a manifest to correct it"
    if rate_name:
        kind = "rate"
    elif re.search(_LEVEL_WORDS, named):
        kind = "level"
    elif re.search(_COUNT_WORDS, low) and len(v) and bool((v >= 0).all()):
        kind = "count"
    elif v.size and bool(((v >= 0) & (v <= 1)).all()):
        kind = "share"
    elif whole and bool((np.abs(v) >= 2).any()):
        kind = "count"
    else:
        kind = "level"
    minimum = None
    if label and label.lower().startswith("margin of error"):
        # the Census publishes a 90% margin of error beside each estimate: it measures the estimate, not the region
        context = "a margin of error (Census ACS: the estimate's 90% confidence half-width)"
    if context is not None:
        pillar, description = None, context
    elif kind == "count":
        pillar = None
        description = "a count: it grows with the region's size"
        if bool((v < 0).any()):
            minimum = -np.inf  # a net count (net migration)
    elif pillar is None:
        pillar = "other"
    direction = -1 if re.search(_NEGATIVE_WORDS, named) else 1
    unit = {"share": "share", "count": "count", "rate": "rate", "level": ""}[kind]
    return IndicatorMeta(
        name=column,
        label=label or column.replace("_", " "),
        unit=unit,
        kind=kind,  # type: ignore[arg-type]
        pillar=pillar,
        direction=direction,
        min=minimum,
        description=description,
    )


#: A year in a column name, standing alone ("pop_2020", "..., 2019-23"; not "v1900" nor "B19013").
_YEAR = re.compile(r"(?<![A-Za-z0-9])(19|20)\d{2}(\s*[-/]\s*(19|20)?\d{2})?(?![0-9])")


def _warn_vintages(metas: dict[str, IndicatorMeta], file: str, report: ValidationReport) -> None:
    """Warn when one indicator is scored in several years (a wide panel: ``..., 1970`` to ``..., 2019-23``).

    Every year would count as its own indicator, and the region's past would weigh as much as its present.
    """
    by_name: dict[str, list[str]] = {}
    for col, meta in metas.items():
        if meta.scored and _YEAR.search(col):
            by_name.setdefault(_YEAR.sub("YEAR", col), []).append(col)
    panels = {k: v for k, v in by_name.items() if len(v) > 1}
    if not panels:
        return
    first = next(iter(panels.values()))
    report.warning(
        "several-vintages",
        file,
        "",
        f"{len(panels)} indicator(s) are scored in several years each ({listing(first, limit=3)}"
        f"{f' and {len(panels) - 1} more indicator(s)' if len(panels) > 1 else ''}): every year counts as its own "
        "indicator",
        "keep the year you mean (delete the other columns), or write a manifest.toml that scores one",
    )


def _stem(path: Path) -> str:
    """A file's name without its suffix, and without ``.csv`` too for ``data.csv.gz``."""
    return Path(path.stem).stem if path.suffix.lower() == ".gz" else path.stem


def _name_key(column: str) -> str:
    """A column name as :data:`_NAME_WORDS` spells it: lower case, spaces as underscores."""
    return "_".join(column.lower().split())


def _is_group(s: pd.Series) -> bool:
    values = s.dropna().astype(str)
    values = values[values.str.strip() != ""]
    n = values.nunique()
    return 1 < n <= MAX_GROUP_VALUES and n < max(2, len(values) // 2)
