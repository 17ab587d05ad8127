"""Checks of a region set's files: geometry, tables, ids, metadata columns, values and ratios.

Each check appends problems to one :class:`~ideopolis.regions.problems.ValidationReport` (collect-all
validation), naming the file, the row or column, and the fix; :func:`~ideopolis.regions.model.build_region_set`
calls them in order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from ideopolis.errors import DataFileError, RegionSetError
from ideopolis.regions.metadata import (
    MANIFEST_NAME,
    TABLE_SUFFIXES,
    LongTableSpec,
    Manifest,
    ReferenceTableSpec,
)
from ideopolis.regions.problems import ValidationReport, count, listing
from ideopolis.regions.readers import TableRead, distinct_tokens, id_strings, read_geometry, read_table, read_table_full
from ideopolis.regions.shapes import (
    OVERLAP_TOLERANCE,
    axis_order_swapped,
    crosses_antimeridian,
    cut_at_antimeridian,
    overlapping_pairs,
    polygonal_parts,
)
from ideopolis.regions.values import (
    AGENCY_MARKERS,
    MAX_MAGNITUDE,
    MIN_MAGNITUDE,
    magnitude_problems,
    parse_numbers,
)
from ideopolis.safety import PathOutsideFolderError, resolve_inside

#: The CRS every region set is held in after loading.
WGS84 = "EPSG:4326"


_POLYGONAL = {"Polygon", "MultiPolygon"}


def _read_geometry_checked(
    manifest: Manifest, report: ValidationReport
) -> tuple[gpd.GeoDataFrame | None, pd.DataFrame | None]:
    """Read and check the geometry; return it (``None`` if unusable) and its attribute columns (if readable)."""
    spec = manifest.geometry
    if spec is None or not _inside(manifest, spec.file):
        return None, None
    try:
        gdf = read_geometry(manifest.path(spec.file), layer=spec.layer, id_column=spec.id_column)
    except DataFileError as exc:
        report.error("geometry-unreadable", spec.file, "", *_split_fix(str(exc), spec.file))
        return None, None
    if gdf.attrs.get("note"):
        report.notes.append(str(gdf.attrs["note"]))
    f = spec.file
    if spec.id_column not in gdf.columns:
        report.error(
            "missing-id-column",
            f,
            f"column {spec.id_column!r}",
            f"the id column is missing (columns: {listing(list(gdf.columns.drop('geometry')), limit=8)})",
            report.id_fix or "set id_column in [geometry] to the column that holds the region ids",
        )
        return None, None
    ids = id_strings(gdf[spec.id_column])
    _check_id_column(ids, f, spec.id_column, "feature", 1, report)
    numeric_ids = pd.api.types.is_numeric_dtype(gdf[spec.id_column])
    gdf = gdf.set_axis(pd.Index(ids, name="id"))
    gdf = gdf[~gdf.index.duplicated(keep="first") & (gdf.index != "")]
    attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    if numeric_ids:
        gdf.attrs["numeric_ids"] = True

    # CRS
    declared = None
    if manifest.crs is not None:
        try:
            declared = CRS.from_user_input(manifest.crs)
        except CRSError:
            report.error(
                "bad-crs",
                "manifest.toml",
                "[region_set] crs",
                f"{manifest.crs!r} is not a CRS pyproj knows",
                "write an EPSG code such as 'EPSG:4326'",
            )
    if gdf.crs is None:
        if declared is None:
            report.error(
                "missing-crs",
                f,
                "",
                "the geometry has no CRS and the manifest names none",
                "add crs = 'EPSG:4326' (or the file's real CRS) to [region_set]",
            )
            return None, attrs
        gdf = gdf.set_crs(declared)
    elif declared is not None and not CRS.from_user_input(gdf.crs).equals(declared):
        report.error(
            "crs-mismatch",
            f,
            "",
            f"the file's CRS is {gdf.crs.to_string()} but the manifest says {manifest.crs}",
            "make [region_set] crs match the file, or reproject the file",
        )
        return None, attrs

    # empty, types, validity
    geoms = gdf.geometry.to_numpy().copy()
    ids_arr = np.asarray(gdf.index, dtype=object)
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if empty.any() and manifest.lenient:
        # your own files: a published file whose smallest region vanished at its resolution (us-atlas 10m has
        # no shape for Falls Church, 51610) is still usable; the region is left out, said once
        report.warning(
            "empty-geometry",
            f,
            f"column {spec.id_column!r}",
            f"{count(int(empty.sum()), 'region', verb=('has', 'have'))} an empty or missing geometry "
            f"({listing(list(gdf.index[empty]))}): left out of the set",
            "use a file with a shape for every region (a finer resolution) to keep them",
        )
        gdf = gdf[~empty]
        attrs = attrs[attrs.index.isin(gdf.index)]
        geoms = geoms[~empty]
        ids_arr = ids_arr[~empty]
        empty = empty[~empty]
    if empty.any():
        report.error(
            "empty-geometry",
            f,
            f"column {spec.id_column!r}",
            f"{count(int(empty.sum()), 'region', verb=('has', 'have'))} an empty or missing geometry ({listing(list(gdf.index[empty]))})",
            "give every region a polygon, or remove the rows",
        )
    geoms = _keep_polygons_of_collections(geoms, empty, ids_arr, f, report)
    type_ids = shapely.get_type_id(geoms)
    polygonal = (type_ids == 3) | (type_ids == 6)
    if not polygonal[~empty].all():  # name the types only when one is not a polygon
        type_names = pd.Series(type_ids, index=gdf.index).map(_TYPE_NAMES)
        kinds = type_names[~empty].value_counts()
        mixed = ", ".join(f"{n} {t}" for t, n in kinds.items())
        what = "mixed geometry types" if len(kinds) > 1 else "geometry type"
        first = listing(list(type_names.index[~empty & ~type_names.isin(_POLYGONAL).to_numpy()]), limit=3)
        report.error(
            "geometry-type",
            f,
            "",
            f"{what} ({mixed}); regions must be polygons (not polygons: {first})",
            "keep only Polygon/MultiPolygon features (points or lines cannot be mapped as regions)",
        )
    if CRS.from_user_input(gdf.crs).is_geographic:
        geoms = _cut_at_antimeridian(geoms, empty, ids_arr, f, report)
    invalid = ~empty & ~shapely.is_valid(geoms)
    known_valid = ~empty & ~invalid  # repaired shapes are not known to be valid, nor reprojected ones
    if invalid.any():
        bad_ids = list(gdf.index[invalid])
        reason = shapely.is_valid_reason(geoms[invalid][0])
        repaired = shapely.make_valid(geoms[invalid])
        geoms[invalid] = np.array([_polygonal_part(g) for g in repaired], dtype=object)
        report.warning(
            "invalid-geometry",
            f,
            "",
            f"{count(len(bad_ids), 'invalid geometry', 'invalid geometries', verb=('was', 'were'))} repaired with make_valid ({listing(bad_ids)}; first: {reason})",
            "repair them at the source (e.g. shapely.make_valid) to silence this",
        )
    flat = ~empty & (shapely.is_empty(geoms) | (shapely.area(geoms) == 0))
    if flat.any():
        report.error(
            "zero-area",
            f,
            f"column {spec.id_column!r}",
            f"{count(int(flat.sum()), 'region', verb=('has', 'have'))} a shape without area ({listing(list(gdf.index[flat]))}): "
            "it cannot be drawn nor have neighbours",
            "give the region its real outline (a polygon whose points are not all on one line)",
        )
    gdf = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs))

    # to WGS84, then check the coordinates are plausible
    if not CRS.from_user_input(gdf.crs).equals(CRS.from_user_input(WGS84)):
        known_valid = None
        try:
            gdf = gdf.to_crs(WGS84)
        except Exception as exc:
            report.error(
                "crs-transform",
                f,
                "",
                f"cannot reproject from {gdf.crs} to {WGS84} ({exc})",
                "check the CRS",
            )
            return None, attrs
    shown = ~empty & ~flat
    minx, miny, maxx, maxy = shapely.total_bounds(gdf.geometry.to_numpy()[shown]) if shown.any() else (0, 0, 0, 0)
    if not (-181 <= minx <= maxx <= 181 and -91 <= miny <= maxy <= 91):
        if axis_order_swapped((minx, miny, maxx, maxy)):
            report.error(
                "axis-order",
                f,
                "",
                f"coordinates run from x {minx:.1f} to {maxx:.1f} and y {miny:.1f} to {maxy:.1f}: latitude and "
                "longitude look swapped ([lat, lon]; GeoJSON and shapefiles store [longitude, latitude], RFC 7946 3.1.1)",
                "swap the two numbers of every point, e.g. shapely.ops.transform(lambda x, y: (y, x), shape)",
            )
            return None, attrs
        report.error(
            "coordinates-out-of-range",
            f,
            "",
            f"coordinates ({minx:.0f}, {miny:.0f}, {maxx:.0f}, {maxy:.0f}) are outside longitude/latitude "
            f"range for CRS {manifest.crs or 'of the file'}",
            "the file is probably projected: set crs in [region_set] to its real CRS",
        )
        return None, attrs
    _report_overlaps(gdf.geometry.to_numpy(), ids_arr, f, report, known_valid)
    return gdf, attrs


_TYPE_NAMES = {
    0: "Point",
    1: "LineString",
    2: "LinearRing",
    3: "Polygon",
    4: "MultiPoint",
    5: "MultiLineString",
    6: "MultiPolygon",
    7: "GeometryCollection",
}


def _keep_polygons_of_collections(
    geoms: np.ndarray, empty: np.ndarray, ids: np.ndarray, file: str, report: ValidationReport
) -> np.ndarray:
    """A clip leaves lines and points beside a polygon (a GeometryCollection): keep the polygons, say so."""
    collections = np.flatnonzero(~empty & (shapely.get_type_id(geoms) == 7))
    kept: list[tuple[str, list[str]]] = []
    for i in collections:
        shape, dropped = polygonal_parts(geoms[i])
        if shape.is_empty:
            continue  # no polygon at all: the type check names it
        geoms[i] = shape
        kept.append((str(ids[i]), dropped))
    if kept:
        dropped_kinds = sorted({k for _, d in kept for k in d})
        report.warning(
            "geometry-collection",
            file,
            "",
            f"{count(len(kept), 'region')} ({listing([k for k, _ in kept])}) had a geometry collection: "
            f"its polygons were kept and {', '.join(dropped_kinds) or 'nothing'} dropped",
            "export polygons only (a clip often leaves slivers of lines and points behind)",
        )
    return geoms


def _cut_at_antimeridian(
    geoms: np.ndarray, empty: np.ndarray, ids: np.ndarray, file: str, report: ValidationReport
) -> np.ndarray:
    """Cut shapes written across 180 degrees (rings jumping from 179.5 to -179.5, longitudes beyond 180)."""
    b = shapely.bounds(geoms)
    with np.errstate(invalid="ignore"):
        suspect = ~empty & (((b[:, 2] - b[:, 0]) > 180) | (b[:, 0] < -180) | (b[:, 2] > 180))
    cut: list[str] = []
    beyond: list[str] = []
    pole: list[str] = []
    for i in np.flatnonzero(suspect):
        g = geoms[i]
        if g.geom_type not in _POLYGONAL or not crosses_antimeridian(g):
            continue
        fixed = cut_at_antimeridian(g)
        if fixed is None:
            pole.append(str(ids[i]))
            continue
        (beyond if (b[i, 0] < -180 or b[i, 2] > 180) else cut).append(str(ids[i]))
        geoms[i] = fixed
    if cut or beyond:
        what = []
        if cut:
            what.append(f"{count(len(cut), 'region', verb=('crosses', 'cross'))} the antimeridian ({listing(cut)})")
        if beyond:
            what.append(
                f"{count(len(beyond), 'region', verb=('has', 'have'))} longitudes beyond +-180 ({listing(beyond)})"
            )
        report.warning(
            "antimeridian",
            file,
            "",
            f"{' and '.join(what)}: cut at 180 degrees into their east and west parts (RFC 7946 3.1.9), "
            "so they keep their place",
            "store such shapes cut at the antimeridian to silence this",
        )
    if pole:
        report.error(
            "antimeridian",
            file,
            "",
            f"{count(len(pole), 'region')} ({listing(pole)}) goes round a pole and cannot be drawn on a flat map",
            "cut the shape at the antimeridian and close it along the pole's latitude",
        )
    return geoms


def _report_overlaps(
    geoms: np.ndarray, ids: np.ndarray, file: str, report: ValidationReport, valid: np.ndarray | None = None
) -> None:
    pairs = overlapping_pairs(geoms, valid=valid)
    if not pairs:
        return
    shown = "; ".join(f"{ids[i]!r} and {ids[j]!r}: {share:.0%}" for i, j, share in pairs[:3])
    more = f" and {len(pairs) - 3} more" if len(pairs) > 3 else ""
    report.warning(
        "overlap",
        file,
        "",
        f"{count(len(pairs), 'pair')} of regions overlap by more than {OVERLAP_TOLERANCE:.0%} of the smaller one "
        f"({shown}{more}): contiguity, hotspots and sums over the map count the shared area twice",
        "make the regions a partition (no shared area), e.g. by clipping each to its own boundary",
    )


def _polygonal_part(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep the polygons of a repaired geometry (make_valid may add lines and points)."""
    if geom.geom_type in _POLYGONAL:
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in _POLYGONAL]
    polys = [p for g in parts for p in shapely.get_parts(g)]
    return shapely.MultiPolygon(polys) if polys else shapely.Polygon()


@dataclass
class _Table:
    """A table read as stored, indexed by string id."""

    file: str
    frame: pd.DataFrame
    row_label: str
    rows: pd.Series  # row number in messages, by id
    decimal: str = "."
    labels: dict[str, str] | None = None


@dataclass
class _Column:
    """Where a described column lives."""

    file: str
    series: pd.Series  # indexed by id
    rows: pd.Series | None
    row_label: str
    decimal: str = "."

    def values_as_text(self) -> pd.Series:
        s = self.series
        out = id_strings(s)
        return out.where(out != "", None)


def _read_table_checked(
    file: str,
    id_column: str,
    sheet: str | None,
    manifest: Manifest,
    report: ValidationReport,
    preread: TableRead | None = None,
) -> _Table | None:
    if preread is None:
        suffix = Path(file.removesuffix(".gz")).suffix.lower()  # data.csv.gz is a CSV, gzipped
        if suffix not in TABLE_SUFFIXES or not _inside(manifest, file):
            return None  # the manifest check (or _check_paths) reported it already
        try:
            read = read_table_full(manifest.path(file), sheet=sheet, id_column=id_column)
        except DataFileError as exc:
            report.error("table-unreadable", file, "", *_split_fix(str(exc), file))
            return None
    else:
        read = preread
    report.notes.extend(read.notes)
    df, row_label, first = read.frame, read.row_label, read.first_row
    if id_column not in df.columns:
        report.error(
            "missing-id-column",
            file,
            f"column {id_column!r}",
            f"the id column is missing (columns: {listing(list(df.columns), limit=8)})",
            report.id_fix or "add it, or set id_column for this table in the manifest",
        )
        return None
    ids = id_strings(df[id_column])
    _check_id_column(ids, file, id_column, row_label, first, report)
    rows = pd.Series(np.arange(first, first + len(df)), index=ids)
    keep = ~ids.duplicated(keep="first").to_numpy() & (ids != "").to_numpy()
    frame = df.drop(columns=[id_column]).set_axis(pd.Index(ids, name="id"))[keep]
    if pd.api.types.is_numeric_dtype(df[id_column]):
        frame.attrs["numeric_ids"] = True
    return _Table(file, frame, row_label, rows[keep], read.decimal, read.labels)


def _check_id_column(
    ids: pd.Series, file: str, id_column: str, row_label: str, first: int, report: ValidationReport
) -> None:
    blank = (ids == "").to_numpy()
    if blank.any():
        rows = [int(i) + first for i in np.flatnonzero(blank)]
        report.error(
            "missing-id",
            file,
            f"column {id_column!r}",
            f"{count(len(rows), row_label, verb=('has', 'have'))} no id ({row_label}s {listing(rows)})",
            "give every row its region id, or delete the rows",
        )
    dup = ids.duplicated(keep=False).to_numpy() & ~blank
    if dup.any():
        dup_ids = sorted(set(ids[dup]))
        detail = "; ".join(
            f"{i!r} at {row_label}s {listing([int(r) + first for r in np.flatnonzero((ids == i).to_numpy())], limit=5)}"
            for i in dup_ids[:3]
        )
        more = f" and {len(dup_ids) - 3} more" if len(dup_ids) > 3 else ""
        fix = "keep one row per region (the first one is used until then)"
        if dup.sum() > len(ids) / 2:  # most rows share an id: the id is likely split over columns
            fix += (
                "; most rows repeat an id: if the region id is split over columns (a state and a county code), "
                "join them into one id column; if the table has a row per region and measure (long form, BEA's "
                "LineCode), pivot it to one column per measure"
            )
        report.error(
            "duplicate-id",
            file,
            f"column {id_column!r}",
            f"{count(len(dup_ids), 'id', verb=('occurs', 'occur'))} more than once ({detail}{more})",
            fix,
        )


def _locate_columns(
    manifest: Manifest, geo: pd.DataFrame | None, tables: Sequence[_Table], report: ValidationReport
) -> dict[str, _Column]:
    """Find, for every column the manifest names, the one file that holds it."""
    found: dict[str, _Column] = {}
    wanted = {manifest.name_column, *manifest.groups, *manifest.indicators}
    gfile = manifest.geometry.file if manifest.geometry else ""
    for t in tables:
        for col in t.frame.columns:
            if col in found:
                if col in wanted:
                    report.error(
                        "duplicate-column",
                        t.file,
                        f"column {col!r}",
                        f"also in {found[col].file}; the manifest cannot tell which to use",
                        "keep the column in one table only",
                    )
                continue
            found[col] = _Column(t.file, t.frame[col], t.rows, t.row_label, t.decimal)
            if col not in wanted:
                report.warning(
                    "undescribed-column",
                    t.file,
                    f"column {col!r}",
                    "has no metadata and is ignored",
                    f"describe it under [indicators.{col}] (or [groups.{col}]), or delete it",
                )
    if geo is not None:
        for col in (manifest.name_column, *manifest.groups, *manifest.indicators):
            if col not in found and col in geo.columns:
                found[col] = _Column(gfile, geo[col], None, "feature")
    return found


def _check_metadata_columns(manifest: Manifest, columns: Mapping[str, _Column], report: ValidationReport) -> None:
    """Every column the manifest names must exist; ratio parts and weights must be described columns."""
    f = "manifest.toml"
    where_tables = ", ".join(t.file for t in manifest.tables) or "the tables"
    if manifest.name_column not in columns and manifest.name_column != manifest.id_column:
        report.error(
            "missing-column",
            f,
            "[region_set] name_column",
            f"names column {manifest.name_column!r}, which is in no table and not in the geometry",
            f"add the column to {where_tables}, or correct name_column",
        )
    for g in manifest.groups:
        if g not in columns:
            report.error(
                "missing-column",
                f,
                f"[groups.{g}]",
                f"names column {g!r}, which is in no table and not in the geometry",
                f"add the column to {where_tables}, or remove [groups.{g}]",
            )
    for col, meta in manifest.indicators.items():
        if col not in columns:
            report.error(
                "missing-column",
                f,
                f"[indicators.{col}]",
                f"describes column {col!r}, which is in no table",
                f"add the column to {where_tables}, or correct the section name",
            )
        for key in ("numerator", "denominator", "weight_by", "denominate_by"):
            ref = getattr(meta, key)
            if ref is None:
                continue
            if ref not in manifest.indicators:
                hint = (
                    f"describe it as [indicators.{ref}] with kind = 'count'"
                    if ref in columns
                    else f"add column {ref!r} to {where_tables} and describe it"
                )
                report.error(
                    "unknown-reference",
                    f,
                    f"[indicators.{col}] {key}",
                    f"names column {ref!r}, which is not a described indicator column",
                    hint,
                )


_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


_PERCENT = re.compile(r"^-?\d+(\.\d+)?\s*%$")


_SUPPRESSED = re.compile(r"^\(\w{1,3}\)$")


def _numeric_columns(
    columns: Mapping[str, _Column], manifest: Manifest, report: ValidationReport, ids: pd.Index
) -> pd.DataFrame:
    """Convert every described indicator column to floats, reporting non-numeric, infinite and out-of-range cells.

    The columns of one file are parsed together (:func:`ideopolis.regions.values.parse_numbers`), so the cost
    grows with the number of cells, not with the square of the number of columns.
    """
    by_file: dict[str, list[str]] = {}
    for col in manifest.indicators:
        source = columns.get(col)
        if source is not None:
            by_file.setdefault(source.file, []).append(col)
    parts = []
    for cols in by_file.values():
        first = columns[cols[0]]
        raw = (
            pd.concat({c: columns[c].series for c in cols}, axis=1) if len(cols) > 1 else first.series.to_frame(cols[0])
        )
        numeric = [c for c in cols if _is_numeric(columns[c].series)]
        values = pd.DataFrame(index=raw.index)
        if numeric:
            values = raw[numeric].astype("float64")
        text = [c for c in cols if c not in numeric]
        if text:
            parsed = parse_numbers(raw[text], decimal=first.decimal, lenient=manifest.lenient)
            report.notes.extend(parsed.notes())
            has_bad = np.asarray(parsed.bad.to_numpy().any(axis=0), dtype=bool)
            for col in [c for c, b in zip(parsed.bad.columns, has_bad, strict=True) if b]:
                bad = parsed.bad[col]
                bad_text = raw.loc[bad.to_numpy(), col].astype(str).str.strip()
                sample = str(bad_text.iloc[0])
                distinct = bad_text.unique()
                others = f"; values: {distinct_tokens(list(bad_text))}" if len(distinct) > 1 else ""
                report.error(
                    "non-numeric",
                    first.file,
                    f"column {col!r}",
                    f"{count(int(bad.sum()), 'value', verb=('is', 'are'))} not a number "
                    f"({_where_rows(columns[col], bad_text.index)}; first: {sample!r}{others})",
                    _non_numeric_fix(sample, first.decimal, manifest.lenient),
                )
            values = pd.concat([values, parsed.values], axis=1) if numeric else parsed.values
        parts.append(values[cols])
    data = pd.concat(parts, axis=1) if parts else pd.DataFrame(index=ids)
    data = data.reindex(index=ids, columns=[c for c in manifest.indicators if c in data.columns])
    return _check_values(data, columns, manifest, report)


def _is_numeric(s: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s))


def _check_values(
    data: pd.DataFrame, columns: Mapping[str, _Column], manifest: Manifest, report: ValidationReport
) -> pd.DataFrame:
    """Report infinite, out-of-range and uncomputably large or small values; infinite ones become missing."""
    a = data.to_numpy(dtype="float64")
    infinite = np.isinf(a)
    tiny_huge = magnitude_problems(data).to_numpy()
    lo = np.array([manifest.indicators[c].valid_range()[0] for c in data.columns])
    hi = np.array([manifest.indicators[c].valid_range()[1] for c in data.columns])
    with np.errstate(invalid="ignore"):
        out = ((a < lo) | (a > hi)) & ~infinite
    flagged = infinite.any(axis=0) | tiny_huge.any(axis=0) | out.any(axis=0)
    for j in (int(k) for k in np.flatnonzero(flagged)):
        col = str(data.columns[j])
        source = columns[col]
        meta = manifest.indicators[col]
        values = data[col]
        if infinite[:, j].any():
            idx = data.index[infinite[:, j]]
            report.error(
                "infinite",
                source.file,
                f"column {col!r}",
                f"{count(len(idx), 'value', verb=('is', 'are'))} infinite ({_where_rows(source, idx)})",
                "replace them with a finite number or leave the cell empty (a division by zero upstream?)",
            )
        if tiny_huge[:, j].any():
            idx = data.index[tiny_huge[:, j]]
            first = float(values[idx[0]])
            report.error(
                "magnitude",
                source.file,
                f"column {col!r}",
                f"{count(len(idx), 'value', verb=('is', 'are'))} too {'large' if abs(first) > 1 else 'close to zero'} "
                f"to compute with ({_where_rows(source, idx)}; first: {first:g}); values must be 0 or between "
                f"{MIN_MAGNITUDE:g} and {MAX_MAGNITUDE:g} in size",
                "correct the values, or rescale the column (thousands, millions, per 100,000)",
            )
        if out[:, j].any():
            idx = data.index[out[:, j]]
            first = values[idx[0]]
            lo_j, hi_j = meta.valid_range()
            what = {"share": "a share must lie in [0, 1]", "count": "a count cannot be negative"}.get(
                meta.kind, f"the manifest allows [{lo_j:g}, {hi_j:g}]"
            )
            fix = (
                "store shares as fractions (0.25, not 25), or declare kind = 'rate' with a unit of percent"
                if meta.kind == "share" and values.max() <= 100
                else "correct the values, or the min/max in the manifest"
            )
            report.error(
                "out-of-range",
                source.file,
                f"column {col!r}",
                f"{count(len(idx), 'value', verb=('is', 'are'))} out of range ({_where_rows(source, idx)}; first: {first:g}); {what}",
                fix,
            )
    if infinite.any() or tiny_huge.any():
        data = data.mask(infinite | tiny_huge)
    return data


def _where_rows(source: _Column, idx: pd.Index) -> str:
    ids = list(idx)
    if source.rows is None:
        return f"ids {listing(ids)}"
    rows = [int(source.rows[i]) for i in ids]
    return f"{source.row_label}s {listing(rows)}; ids {listing(ids, limit=3)}"


def _non_numeric_fix(sample: str, decimal: str = ".", lenient: bool = False) -> str:
    if re.fullmatch(r"0[xX][0-9a-fA-F]+", sample):
        return "write the number in decimal (0x1F is hexadecimal)"
    if re.fullmatch(r"-?\d+(_\d+)+(\.\d+)?", sample):
        return "remove the underscores (write 1000, not 1_000)"
    if _THOUSANDS.match(sample):
        return "remove the thousands separators (write 1234567, not 1,234,567)"
    if _PERCENT.match(sample):
        return "drop the % sign (and store shares as fractions)"
    if _SUPPRESSED.match(sample) or sample in AGENCY_MARKERS:
        return "a suppressed or unavailable cell must be empty (missing), never a code or 0"
    if "," in sample and sample.replace(",", ".", 1).replace(".", "", 1).lstrip("-").isdigit():
        return "use a decimal point, not a comma"
    return "write a number, or leave the cell empty for a missing value"


def _cross_check_ids(manifest: Manifest, geo: gpd.GeoDataFrame | None, table: _Table, report: ValidationReport) -> None:
    if geo is None:
        return
    gids = pd.Index(geo.index)
    tids = table.frame.index
    only_table = tids.difference(gids, sort=False)
    only_geo = gids.difference(tids, sort=False)
    gfile = manifest.geometry.file if manifest.geometry else "geometry"
    if len(only_table) and len(only_geo):
        width = int(pd.Series(gids).str.len().median()) if len(gids) else 0
        width_t = int(pd.Series(tids).str.len().median()) if len(tids) else 0
        lost_t = [i for i in only_table if i.isdigit() and i.zfill(width) in gids]
        lost_g = [i for i in only_geo if i.isdigit() and i.zfill(width_t) in tids]
        if len(lost_t) >= max(1, len(only_table) // 2):
            report.error(
                "leading-zeros",
                table.file,
                "id column",
                f"{count(len(lost_t), 'id', verb=('looks like it', 'look like they'))} lost leading zeros "
                f"({listing(lost_t, limit=3)} vs {listing([i.zfill(width) for i in lost_t], limit=3)} "
                f"in {gfile})",
                "store ids as text with their zeros (in a spreadsheet: format the column as Text)",
            )
            return
        if len(lost_g) >= max(1, len(only_geo) // 2):
            report.error(
                "leading-zeros",
                gfile,
                "id column",
                f"{count(len(lost_g), 'id', verb=('looks like it', 'look like they'))} lost leading zeros "
                f"({listing(lost_g, limit=3)} vs {listing([i.zfill(width_t) for i in lost_g], limit=3)} "
                f"in {table.file})",
                "store the geometry ids as text with their zeros",
            )
            return
    if len(tids) and len(gids) and len(only_table) == len(tids):
        report.error(
            "no-id-match",
            table.file,
            "id column",
            f"none of its {len(tids):,} ids is in {gfile} (table: {listing(list(tids), limit=3)}; "
            f"{gfile}: {listing(list(gids), limit=3)}): the table and the shapes describe different regions",
            "check the id columns (--id, --geometry-id) and, in a file of several layers, the layer (--geometry-layer)",
        )
        return
    if len(only_table):
        report.warning(
            "id-without-geometry",
            table.file,
            "id column",
            f"{count(len(only_table), 'id', verb=('has', 'have'))} no geometry in {gfile} ({listing(list(only_table))}); their rows are left out",
            f"add their shapes to {gfile}, or remove the rows",
        )
    if len(only_geo):
        report.warning(
            "geometry-without-data",
            gfile,
            "id column",
            f"{count(len(only_geo), 'region', verb=('has', 'have'))} no row in {table.file} ({listing(list(only_geo))}); "
            "their values there are missing",
            f"add rows for them to {table.file} (empty cells for unknown values)",
        )


def _check_ratios(manifest: Manifest, data: pd.DataFrame, report: ValidationReport) -> None:
    """Warn when a rate or share disagrees with its numerator / denominator x scale."""
    for col, meta in manifest.indicators.items():
        if meta.numerator is None or meta.denominator is None or col not in data:
            continue
        if meta.numerator not in data or meta.denominator not in data:
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            recomputed = data[meta.numerator] / data[meta.denominator] * meta.scale
        both = data[col].notna() & recomputed.notna() & np.isfinite(recomputed)
        diff = (data[col] - recomputed).abs()
        tol = 1e-6 * np.maximum(recomputed.abs(), 1e-9) + 1e-9
        off = both & (diff > tol)
        if off.any():
            worst = diff[off].idxmax()
            report.warning(
                "ratio-mismatch",
                "manifest.toml",
                f"[indicators.{col}]",
                f"{count(int(off.sum()), 'value', verb=('differs', 'differ'))} from {meta.numerator} / {meta.denominator} x {meta.scale:g} "
                f"(largest at id {worst!r}: stored {float(data[col][worst]):g}, "
                f"recomputed {float(recomputed[worst]):g})",
                "recompute the column from its counts, or correct numerator/denominator/scale",
            )


def _read_long_table(manifest: Manifest, spec: LongTableSpec) -> pd.DataFrame:
    df, _label, _first = read_table(manifest.path(spec.file), sheet=spec.sheet)
    if spec.id_column not in df.columns:
        raise RegionSetError(
            f"{spec.file}: the id column {spec.id_column!r} is missing; fix: set id_column in the [[long_tables]] entry"
        )
    ids = id_strings(df[spec.id_column])
    df = df.drop(columns=[spec.id_column])
    df.insert(0, "id", ids)
    return df


def _check_reference_table(manifest: Manifest, spec: ReferenceTableSpec, report: ValidationReport) -> None:
    if not _inside(manifest, spec.file):
        return
    try:
        df, row_label, first = read_table(manifest.path(spec.file), sheet=spec.sheet)
    except DataFileError as exc:
        report.error("reference-table", spec.file, "", *_split_fix(str(exc), spec.file))
        return
    if spec.key_column not in df.columns:
        report.error(
            "missing-id-column",
            spec.file,
            f"column {spec.key_column!r}",
            f"the key column is missing (columns: {listing(list(df.columns), limit=8)})",
            "set key_column in the [[reference_tables]] entry",
        )
        return
    _check_id_column(id_strings(df[spec.key_column]), spec.file, spec.key_column, row_label, first, report)


def _split_fix(message: str, file: str) -> tuple[str, str]:
    """Split a ``"<file>: what; fix: how"`` error message into its message and fix (the file is named apart)."""
    for prefix in (f"{file}: ", f"{Path(file).name}: ", f"{file}"):
        if message.startswith(prefix):
            message = message[len(prefix) :].lstrip(": ")
            break
    what, _, fix = message.partition("; fix: ")
    return what, fix or "check the file"


def _check_paths(manifest: Manifest, report: ValidationReport) -> None:
    """Report every file the manifest names outside its folder (unless the user allowed that); read none."""
    if manifest.folder is None or manifest.allow_outside_paths:
        return
    for where, file in manifest.files():
        try:
            resolve_inside(manifest.folder, file)
        except PathOutsideFolderError as exc:
            what, _, fix = str(exc).removeprefix(f"{file}: ").partition("; fix: ")
            report.error("outside-folder", MANIFEST_NAME, where, f"{file!r} {what}", fix)


def _inside(manifest: Manifest, file: str) -> bool:
    """True when ``manifest.path(file)`` may be read (inside the folder, or the user allowed outside)."""
    try:
        manifest.path(file)
    except PathOutsideFolderError:
        return False  # reported by _check_paths
    return True
