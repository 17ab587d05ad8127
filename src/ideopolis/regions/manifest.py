"""The region-set manifest (``manifest.toml``): what the files are and what every indicator means.

The format is documented in ``docs/region-set-format.md``. :func:`read_manifest` parses the TOML and checks
its keys and values, collecting every problem into a :class:`~ideopolis.regions.problems.ValidationReport` instead of
stopping at the first one. Checks that need the data (does a column exist, are the values numeric) live in
:mod:`ideopolis.regions.model`.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ideopolis.index.pillars import Pillar, default_pillars
from ideopolis.regions.metadata import (
    AGGREGATE_RULES,
    GEOMETRY_SUFFIXES,
    KINDS,
    MANIFEST_NAME,
    TABLE_SUFFIXES,
    GeometrySpec,
    GroupSpec,
    IndicatorMeta,
    LongTableSpec,
    Manifest,
    ReferenceTableSpec,
    TableSpec,
    parse_direction,
)
from ideopolis.regions.problems import ValidationReport

_TOP_KEYS = {
    "format_version",
    "region_set",
    "geometry",
    "tables",
    "long_tables",
    "reference_tables",
    "groups",
    "pillars",
    "indicators",
    "framework",
}
_REGION_SET_KEYS = {
    "name",
    "title",
    "description",
    "id_column",
    "name_column",
    "crs",
    "license",
    "sources",
    "datasheet",
    "vintage",
    "default_indicator",
    "spatial_weights",
}
_GEOMETRY_KEYS = {"file", "layer", "id_column"}
_TABLE_KEYS = {"file", "sheet", "id_column"}
_LONG_TABLE_KEYS = {"name", "file", "id_column", "sheet", "description", "source", "vintage", "license"}
_REFERENCE_TABLE_KEYS = {"name", "file", "key_column", "sheet", "description", "source", "vintage", "license"}
_GROUP_KEYS = {"label", "values"}
_PILLAR_KEYS = {"label", "parent"}
_INDICATOR_KEYS = {
    "label",
    "unit",
    "kind",
    "pillar",
    "direction",
    "numerator",
    "denominator",
    "scale",
    "weight",
    "aggregate",
    "weight_by",
    "denominate_by",
    "min",
    "max",
    "source",
    "table",
    "vintage",
    "license",
    "description",
}


def _spatial_weights(rs: Mapping[str, Any], report: ValidationReport) -> str | None:
    """The set's recommended spatial weights for hotspot tests (``queen``, ``knn``, ``distance_band``)."""
    from ideopolis.spatial.weights import WEIGHTS

    value = _string(rs, "spatial_weights", "[region_set]", report)
    if value is None:
        return None
    if value not in WEIGHTS:
        report.error(
            "manifest-value",
            MANIFEST_NAME,
            "[region_set] spatial_weights",
            f"unknown spatial weights {value!r}",
            f"use one of: {', '.join(WEIGHTS.names())}",
        )
        return None
    return WEIGHTS.canonical(value)


def read_manifest(folder: Path, report: ValidationReport, *, allow_outside_paths: bool = False) -> Manifest | None:
    """Read and check ``folder/manifest.toml``.

    Parameters
    ----------
    folder : Path
        The region-set folder.
    report : ValidationReport
        Problems are appended here.
    allow_outside_paths : bool, default False
        Let the manifest name files outside ``folder`` (see :class:`Manifest`).

    Returns
    -------
    Manifest or None
        ``None`` when the manifest is missing or cannot be parsed at all.
    """
    path = folder / MANIFEST_NAME
    if not path.is_file():
        report.error(
            "manifest-missing",
            MANIFEST_NAME,
            "",
            f"there is no {MANIFEST_NAME} in {folder}",
            "write one (see docs/region-set-format.md), or pass --geometry, --indicators and --id",
        )
        return None
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        report.error(
            "encoding",
            MANIFEST_NAME,
            f"line {line}",
            "the file is not valid UTF-8",
            "re-save it as UTF-8",
        )
        return None
    except OSError as exc:
        report.error("unreadable", MANIFEST_NAME, "", f"cannot be read ({exc.strerror})", "check permissions")
        return None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        report.error(
            "toml-syntax",
            MANIFEST_NAME,
            "",
            f"is not valid TOML ({exc})",
            "correct the TOML syntax at that line",
        )
        return None
    return parse_manifest(raw, report, folder=folder, allow_outside_paths=allow_outside_paths)


def parse_manifest(
    raw: Mapping[str, Any],
    report: ValidationReport,
    *,
    folder: Path | None = None,
    allow_outside_paths: bool = False,
) -> Manifest | None:
    """Check a manifest already parsed from TOML and turn it into a :class:`Manifest`.

    Parameters
    ----------
    raw : mapping
        The TOML document as a dict.
    report : ValidationReport
        Problems are appended here.
    folder : Path, optional
        The region-set folder.
    allow_outside_paths : bool, default False
        Let the manifest name files outside ``folder`` (see :class:`Manifest`).

    Returns
    -------
    Manifest or None
        ``None`` when a required part is missing, so nothing can be read.
    """
    f = MANIFEST_NAME
    _unknown_keys(raw, _TOP_KEYS, "top level", report)
    rs = _table(raw, "region_set", report, required=True)
    if rs is None:
        return None
    _unknown_keys(rs, _REGION_SET_KEYS, "[region_set]", report)
    name = _string(rs, "name", "[region_set]", report, required=True) or (folder.name if folder else "region-set")
    id_column = _string(rs, "id_column", "[region_set]", report, required=True)
    name_column = _string(rs, "name_column", "[region_set]", report, required=True)

    geometry: GeometrySpec | None = None
    geo = _table(raw, "geometry", report, required=True)
    if geo is not None:
        _unknown_keys(geo, _GEOMETRY_KEYS, "[geometry]", report)
        gfile = _string(geo, "file", "[geometry]", report, required=True)
        if gfile is not None:
            _check_suffix(gfile, GEOMETRY_SUFFIXES, "[geometry] file", report)
            geometry = GeometrySpec(
                gfile,
                _string(geo, "id_column", "[geometry]", report) or id_column or "",
                _string(geo, "layer", "[geometry]", report),
            )

    tables: list[TableSpec] = []
    raw_tables = raw.get("tables")
    if raw_tables is None:
        report.error(
            "missing-key",
            f,
            "[[tables]]",
            "no indicator table is named",
            "add a [[tables]] entry with file = '<your table>.csv'",
        )
    elif not isinstance(raw_tables, list) or not all(isinstance(t, dict) for t in raw_tables):
        report.error(
            "bad-type",
            f,
            "tables",
            "must be an array of tables",
            "write each table as a [[tables]] section with a file key",
        )
    else:
        for i, t in enumerate(raw_tables, start=1):
            where = f"[[tables]] #{i}"
            _unknown_keys(t, _TABLE_KEYS, where, report)
            tfile = _string(t, "file", where, report, required=True)
            if tfile is None:
                continue
            _check_suffix(tfile, TABLE_SUFFIXES, f"{where} file", report)
            tables.append(
                TableSpec(
                    tfile,
                    _string(t, "id_column", where, report) or id_column or "",
                    _string(t, "sheet", where, report),
                )
            )

    long_tables = [
        LongTableSpec(str(t["name"]), str(t["file"]), t["id_column"] or id_column or "", t["sheet"], *_provenance(t))
        for t in _side_tables(raw, "long_tables", _LONG_TABLE_KEYS, ("name", "file"), report)
    ]
    reference_tables = [
        ReferenceTableSpec(str(t["name"]), str(t["file"]), str(t["key_column"]), t["sheet"], *_provenance(t))
        for t in _side_tables(raw, "reference_tables", _REFERENCE_TABLE_KEYS, ("name", "file", "key_column"), report)
    ]

    groups: dict[str, GroupSpec] = {}
    for gname, g in (_table(raw, "groups", report) or {}).items():
        where = f"[groups.{gname}]"
        if not isinstance(g, dict):
            report.error("bad-type", f, where, "must be a table", f"write {gname} = {{ label = '...' }}")
            continue
        _unknown_keys(g, _GROUP_KEYS, where, report)
        values = g.get("values")
        if values is not None and not (isinstance(values, list) and all(isinstance(v, str) for v in values)):
            report.error("bad-type", f, f"{where} values", "must be a list of strings", "write values = ['a', 'b']")
            values = None
        groups[gname] = GroupSpec(
            gname,
            _string(g, "label", where, report) or gname,
            tuple(values) if values is not None else None,
        )

    pillars = default_pillars()
    for pname, p in (_table(raw, "pillars", report) or {}).items():
        where = f"[pillars.{pname}]"
        if not isinstance(p, dict):
            report.error("bad-type", f, where, "must be a table", f"write {pname} = {{ label = '...' }}")
            continue
        _unknown_keys(p, _PILLAR_KEYS, where, report)
        pillars[pname] = Pillar(
            pname,
            _string(p, "label", where, report) or pname,
            _string(p, "parent", where, report) or "cluster_strength",
        )

    indicators: dict[str, IndicatorMeta] = {}
    raw_ind = _table(raw, "indicators", report)
    if not raw_ind:
        report.error(
            "no-indicators",
            f,
            "[indicators]",
            "no indicator is described",
            "add an [indicators.<column>] section for every indicator column",
        )
    for col, meta in (raw_ind or {}).items():
        ind = _parse_indicator(col, meta, pillars, report)
        if ind is not None:
            indicators[col] = ind

    sources = rs.get("sources", [])
    if isinstance(sources, str):
        sources = [sources]
    if not isinstance(sources, list):
        report.error("bad-type", f, "[region_set] sources", "must be a list of strings", "sources = ['...']")
        sources = []
    framework = raw.get("framework", {})
    if not isinstance(framework, dict):
        report.error("bad-type", f, "[framework]", "must be a table", "see docs/method.md")
        framework = {}
    if id_column is None or name_column is None:
        return None
    return Manifest(
        name=name,
        id_column=id_column,
        name_column=name_column,
        geometry=geometry,
        tables=tuple(tables),
        title=_string(rs, "title", "[region_set]", report) or name,
        description=_string(rs, "description", "[region_set]", report) or "",
        crs=_string(rs, "crs", "[region_set]", report),
        license=_string(rs, "license", "[region_set]", report),
        sources=tuple(str(s) for s in sources),
        datasheet=_string(rs, "datasheet", "[region_set]", report),
        vintage=_string(rs, "vintage", "[region_set]", report),
        default_indicator=_string(rs, "default_indicator", "[region_set]", report),
        spatial_weights=_spatial_weights(rs, report),
        long_tables=tuple(long_tables),
        reference_tables=tuple(reference_tables),
        groups=groups,
        pillars=pillars,
        indicators=indicators,
        framework=framework,
        folder=folder,
        allow_outside_paths=allow_outside_paths,
    )


def _side_tables(
    raw: Mapping[str, Any], key: str, known: set[str], required: tuple[str, ...], report: ValidationReport
) -> list[dict[str, str | None]]:
    """Check ``[[long_tables]]``-like sections; return each usable entry's string values by key."""
    entries = raw.get(key, [])
    if not isinstance(entries, list) or not all(isinstance(t, dict) for t in entries):
        report.error("bad-type", MANIFEST_NAME, key, "must be an array of tables", f"write [[{key}]] sections")
        return []
    out = []
    for i, t in enumerate(entries, start=1):
        where = f"[[{key}]] #{i}"
        _unknown_keys(t, known, where, report)
        values = {k: _string(t, k, where, report, required=k in required) for k in sorted(known)}
        if any(values[k] is None for k in required):
            continue
        _check_suffix(str(values["file"]), TABLE_SUFFIXES, f"{where} file", report)
        out.append(values)
    return out


def _provenance(entry: Mapping[str, str | None]) -> tuple[str | None, str | None, str | None, str | None]:
    return entry["description"], entry["source"], entry["vintage"], entry["license"]


def _parse_indicator(
    col: str, meta: object, pillars: Mapping[str, Pillar], report: ValidationReport
) -> IndicatorMeta | None:
    f = MANIFEST_NAME
    where = f"[indicators.{col}]"
    if not isinstance(meta, dict):
        report.error("bad-type", f, where, "must be a table", f"write [indicators.{col}] with label, unit, kind")
        return None
    _unknown_keys(meta, _INDICATOR_KEYS, where, report)
    label = _string(meta, "label", where, report, required=True) or col
    unit = _string(meta, "unit", where, report, required=True, allow_empty=True) or ""
    kind = _string(meta, "kind", where, report, required=True)
    if kind is not None and kind not in KINDS:
        report.error(
            "unknown-kind",
            f,
            f"{where} kind",
            f"unknown kind {kind!r}",
            f"use one of {', '.join(KINDS)}{_suggest(kind, KINDS)}",
        )
        kind = None
    pillar = _string(meta, "pillar", where, report)
    if pillar is not None and pillar not in pillars:
        report.error(
            "unknown-pillar",
            f,
            f"{where} pillar",
            f"unknown pillar {pillar!r}",
            f"use one of {', '.join(pillars)}{_suggest(pillar, list(pillars))}, or declare it under [pillars]",
        )
    direction = 1
    if "direction" in meta:
        parsed = parse_direction(meta["direction"])
        if parsed is None:
            report.error(
                "unknown-direction",
                f,
                f"{where} direction",
                f"unknown direction {meta['direction']!r}",
                "use 1 (more is better) or -1 (less is better)",
            )
        else:
            direction = parsed
    elif pillar is not None:
        report.warning(
            "missing-direction",
            f,
            where,
            "has a pillar but no direction; 1 (more is better) is assumed",
            "add direction = 1 or direction = -1",
        )
    numerator = _string(meta, "numerator", where, report)
    denominator = _string(meta, "denominator", where, report)
    if kind in ("rate", "share") and (numerator is None) != (denominator is None):
        report.error(
            "half-ratio",
            f,
            where,
            "names only one of numerator and denominator",
            "name both columns, or neither",
        )
    aggregate = _string(meta, "aggregate", where, report)
    if aggregate is not None and aggregate not in AGGREGATE_RULES:
        report.error(
            "unknown-aggregate",
            f,
            f"{where} aggregate",
            f"unknown aggregation rule {aggregate!r}",
            f"use one of {', '.join(AGGREGATE_RULES)}",
        )
        aggregate = None
    weight_by = _string(meta, "weight_by", where, report)
    if aggregate == "weighted_mean" and weight_by is None:
        report.error(
            "missing-key",
            f,
            where,
            "aggregate = 'weighted_mean' needs weight_by",
            "add weight_by = '<a count column such as population>'",
        )
    scale = _number(meta, "scale", where, report, default=1.0)
    weight = _number(meta, "weight", where, report, default=1.0)
    if weight is not None and weight < 0:
        report.error("negative-weight", f, f"{where} weight", f"weight {weight} is negative", "use weight >= 0")
    lo = _number(meta, "min", where, report)
    hi = _number(meta, "max", where, report)
    if lo is not None and hi is not None and lo > hi:
        report.error("bad-range", f, where, f"min {lo} is above max {hi}", "swap min and max")
    if kind is None:
        return None
    return IndicatorMeta(
        name=col,
        label=label,
        unit=unit,
        kind=kind,  # type: ignore[arg-type]
        pillar=pillar if pillar in pillars else None,
        direction=direction,
        numerator=numerator,
        denominator=denominator,
        scale=scale if scale is not None else 1.0,
        weight=weight if weight is not None else 1.0,
        aggregate=aggregate,
        weight_by=weight_by,
        denominate_by=_string(meta, "denominate_by", where, report),
        min=lo,
        max=hi,
        source=_string(meta, "source", where, report),
        table=_string(meta, "table", where, report),
        vintage=_string(meta, "vintage", where, report, coerce=True),
        license=_string(meta, "license", where, report),
        description=_string(meta, "description", where, report),
    )


def _suggest(word: str, options: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _unknown_keys(table: Mapping[str, Any], known: set[str], where: str, report: ValidationReport) -> None:
    for key in table:
        if key not in known:
            report.error(
                "unknown-key",
                MANIFEST_NAME,
                where,
                f"unknown key {key!r}{_suggest(key, sorted(known))}",
                f"remove it or use one of {', '.join(sorted(known))}",
            )


def _table(
    raw: Mapping[str, Any], key: str, report: ValidationReport, *, required: bool = False
) -> dict[str, Any] | None:
    value = raw.get(key)
    if value is None:
        if required:
            report.error(
                "missing-key",
                MANIFEST_NAME,
                f"[{key}]",
                f"the [{key}] section is missing",
                f"add a [{key}] section (see docs/region-set-format.md)",
            )
        return None
    if not isinstance(value, dict):
        report.error("bad-type", MANIFEST_NAME, f"[{key}]", "must be a table", f"write it as a [{key}] section")
        return None
    return value


def _string(
    table: Mapping[str, Any],
    key: str,
    where: str,
    report: ValidationReport,
    *,
    required: bool = False,
    coerce: bool = False,
    allow_empty: bool = False,
) -> str | None:
    value = table.get(key)
    if value is None:
        if required:
            report.error(
                "missing-key",
                MANIFEST_NAME,
                where,
                f"the required key {key!r} is missing",
                f"add {key} = '...' to {where}",
            )
        return None
    if coerce and isinstance(value, int | float):
        return str(value)
    if isinstance(value, str) and allow_empty and not value.strip():
        return ""
    if not isinstance(value, str) or not value.strip():
        report.error(
            "bad-type",
            MANIFEST_NAME,
            f"{where} {key}",
            f"must be a non-empty string, not {value!r}",
            "quote it",
        )
        return None
    return value.strip()


def _number(
    table: Mapping[str, Any],
    key: str,
    where: str,
    report: ValidationReport,
    *,
    default: float | None = None,
) -> float | None:
    value = table.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        report.error(
            "bad-type",
            MANIFEST_NAME,
            f"{where} {key}",
            f"must be a finite number, not {value!r}",
            f"write {key} = <number> without quotes",
        )
        return default
    return float(value)


def _check_suffix(file: str, allowed: tuple[str, ...], where: str, report: ValidationReport) -> None:
    suffix = Path(file).suffix.lower()
    if suffix not in allowed:
        report.error(
            "unsupported-format",
            MANIFEST_NAME,
            where,
            f"{file!r} has an unsupported format {suffix or '(no suffix)'}",
            f"convert it to one of {', '.join(allowed)}",
        )
