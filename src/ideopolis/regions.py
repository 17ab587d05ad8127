"""Region sets: load, validate, and join geometry and indicators.

A region set is a folder with a ``manifest.toml`` (see ``docs/region-set-format.md``), a geometry file and one
or more indicator tables joined on a string id. :func:`load_region_set` reads one (bundled, by name, or a
folder, by path) into a :class:`RegionSet`; :func:`validate_region_set` reads it the same way and returns every
problem found instead of raising.

Every check appends to one :class:`~ideopolis.problems.ValidationReport`, so a user sees all problems at once.
Nothing is dropped silently: ids without geometry, geometry without data, repaired shapes are all reported.

Examples
--------
>>> rs = load_region_set("us-metros")  # doctest: +SKIP
>>> rs.data.loc["41940", "ba_plus_share"]  # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from ideopolis import datasets
from ideopolis.errors import DataFileError, RegionSetError
from ideopolis.io import MISSING_TOKENS, id_strings, read_geometry, read_table
from ideopolis.manifest import (
    MANIFEST_NAME,
    TABLE_SUFFIXES,
    IndicatorMeta,
    LongTableSpec,
    Manifest,
    ReferenceTableSpec,
    read_manifest,
)
from ideopolis.problems import ValidationReport, count, listing
from ideopolis.safety import PathOutsideFolderError, resolve_inside

#: The CRS every region set is held in after loading.
WGS84 = "EPSG:4326"

_POLYGONAL = {"Polygon", "MultiPolygon"}


@dataclass
class RegionSet:
    """A set of regions with their shapes, indicators, groups and metadata.

    Attributes
    ----------
    manifest : Manifest
        What the files are and what every indicator means.
    data : pandas.DataFrame
        One row per region (index: string ids, named ``"id"``), one float column per described indicator,
        auxiliary counts included. A missing value is ``NaN``, never 0.
    groups : pandas.DataFrame
        The grouping columns (strings), same index.
    names : pandas.Series
        The regions' names, same index.
    geometry : geopandas.GeoDataFrame or None
        One (multi)polygon per region in EPSG:4326, same index; ``None`` for a table-only set.
    report : ValidationReport
        Every problem found while reading (warnings only, once loaded).
    notes : list of str
        What was inferred or derived (metadata inferred from a user's table, custom-region aggregation).
    """

    manifest: Manifest
    data: pd.DataFrame
    groups: pd.DataFrame
    names: pd.Series
    geometry: gpd.GeoDataFrame | None
    report: ValidationReport
    notes: list[str] = field(default_factory=list)
    _long: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        """The region set's short name."""
        return self.manifest.name

    @property
    def title(self) -> str:
        """The region set's title."""
        return self.manifest.title

    @property
    def path(self) -> Path | None:
        """The region-set folder (``None`` for a set built in memory)."""
        return self.manifest.folder

    @property
    def ids(self) -> pd.Index:
        """The region ids (strings)."""
        return self.data.index

    @property
    def indicators(self) -> Mapping[str, IndicatorMeta]:
        """Metadata of every described column, auxiliary ones included."""
        return self.manifest.indicators

    @property
    def scored_indicators(self) -> list[str]:
        """The indicators that feed a pillar, in manifest order."""
        return [n for n, m in self.manifest.indicators.items() if m.scored]

    @property
    def long_table_names(self) -> list[str]:
        """The names of the long tables."""
        return [t.name for t in self.manifest.long_tables]

    def long_table(self, name: str) -> pd.DataFrame:
        """Read a long table (cached); its id column is renamed ``id`` and holds strings.

        Parameters
        ----------
        name : str
            As named in ``[[long_tables]]``.

        Returns
        -------
        pandas.DataFrame
            The table, rows whose id is not a region of this set left out.
        """
        if name in self._long:
            return self._long[name]
        spec = next((t for t in self.manifest.long_tables if t.name == name), None)
        if spec is None:
            known = ", ".join(self.long_table_names) or "none"
            raise RegionSetError(f"region set {self.name!r} has no long table {name!r}; fix: use one of: {known}")
        df = _read_long_table(self.manifest, spec)
        df = df[df["id"].isin(self.data.index)].reset_index(drop=True)
        self._long[name] = df
        return df

    def reference_table(self, name: str) -> pd.DataFrame:
        """Read a reference table (a lookup not keyed by region, e.g. NAICS -> cluster), cached.

        Parameters
        ----------
        name : str
            As named in ``[[reference_tables]]``.

        Returns
        -------
        pandas.DataFrame
            The table as stored (text columns stay text).
        """
        key = f"reference:{name}"
        if key in self._long:
            return self._long[key]
        spec = next((t for t in self.manifest.reference_tables if t.name == name), None)
        if spec is None:
            known = ", ".join(t.name for t in self.manifest.reference_tables) or "none"
            raise RegionSetError(f"region set {self.name!r} has no reference table {name!r}; fix: use one of: {known}")
        df, _label, _first = read_table(self.manifest.path(spec.file), sheet=spec.sheet)
        self._long[key] = df
        return df

    def require_geometry(self) -> gpd.GeoDataFrame:
        """Return the geometry, or raise a one-line error for a table-only set."""
        if self.geometry is None:
            raise RegionSetError(
                f"region set {self.name!r} has no geometry; fix: pass --geometry with the region shapes"
            )
        return self.geometry

    def frame(self) -> gpd.GeoDataFrame | pd.DataFrame:
        """Everything in one table: name, groups, indicators and (when present) geometry."""
        parts = pd.concat([self.names.rename("name"), self.groups, self.data], axis=1)
        if self.geometry is None:
            return parts
        return gpd.GeoDataFrame(parts, geometry=self.geometry.geometry, crs=self.geometry.crs)

    def label(self, region_id: str) -> str:
        """Return ``"Name (id)"`` for a region."""
        return f"{self.names.get(region_id, region_id)} ({region_id})"

    def __repr__(self) -> str:
        return (
            f"RegionSet({self.name!r}: {len(self.data)} regions, "
            f"{len(self.scored_indicators)} scored indicators, {len(self.groups.columns)} groups)"
        )


def load_region_set(ref: str | Path | None = None, *, allow_outside_paths: bool = False) -> RegionSet:
    """Load a region set by bundled name or folder path.

    Parameters
    ----------
    ref : str or Path, optional
        A bundled name (see :func:`ideopolis.datasets.list_datasets`) or a folder with a ``manifest.toml``;
        the default region set when omitted.
    allow_outside_paths : bool, default False
        Let the manifest name files outside the set's folder (``../``, absolute paths, symlinks that leave
        it). Off, such a file is an error that names it, and nothing outside the folder is read.

    Returns
    -------
    RegionSet
        The loaded set; its ``report`` holds the warnings.

    Raises
    ------
    RegionSetNotFoundError
        When ``ref`` is neither a bundled name nor a region-set folder.
    RegionSetError
        When the set has a fatal problem (the message names the first; ``ideopolis validate`` lists all),
        a file outside the folder among them.
    """
    folder = datasets.locate(ref)
    report = ValidationReport(_source_label(ref, folder))
    manifest = read_manifest(folder, report, allow_outside_paths=allow_outside_paths)
    rs = build_region_set(manifest, report) if manifest is not None else None
    report.raise_if_errors()
    assert rs is not None  # no error means the set was built
    return rs


def validate_region_set(ref: str | Path | None = None, *, allow_outside_paths: bool = False) -> ValidationReport:
    """Read a region set and return every problem found, without raising for problems in the data.

    Parameters
    ----------
    ref : str or Path, optional
        A bundled name or a folder; the default region set when omitted.
    allow_outside_paths : bool, default False
        As in :func:`load_region_set`.

    Returns
    -------
    ValidationReport
        Errors (fatal) and warnings, one :class:`~ideopolis.problems.Problem` each.
    """
    folder = datasets.locate(ref)
    report = ValidationReport(_source_label(ref, folder))
    manifest = read_manifest(folder, report, allow_outside_paths=allow_outside_paths)
    if manifest is not None:
        build_region_set(manifest, report, deep=True)
    return report


def _source_label(ref: str | Path | None, folder: Path) -> str:
    if ref is None or (isinstance(ref, str) and datasets.is_bundled_name(ref)):
        return folder.name
    return str(ref)


def build_region_set(manifest: Manifest, report: ValidationReport, *, deep: bool = False) -> RegionSet | None:
    """Read the files a manifest names, check them and join them into a :class:`RegionSet`.

    Parameters
    ----------
    manifest : Manifest
        The parsed manifest.
    report : ValidationReport
        Problems are appended here.
    deep : bool
        Also read and check the long tables (``ideopolis validate`` does; loading does not, for speed).

    Returns
    -------
    RegionSet or None
        ``None`` when a fatal problem leaves nothing to join; otherwise the set (check ``report.ok``).
    """
    _check_paths(manifest, report)
    geo, geo_attrs = _read_geometry_checked(manifest, report)
    tables = [_read_table_checked(spec.file, spec.id_column, spec.sheet, manifest, report) for spec in manifest.tables]
    tables_ok = [t for t in tables if t is not None]

    columns = _locate_columns(manifest, geo_attrs, tables_ok, report)
    # a file that could not be read would make every column it holds look missing: report the file only
    if len(tables_ok) == len(tables) and (manifest.geometry is None or geo_attrs is not None):
        _check_metadata_columns(manifest, columns, report)

    if geo is not None:
        ids = geo.index
    elif manifest.geometry is None and tables_ok:
        ids = tables_ok[0].frame.index
    else:
        return None
    ids = pd.Index(np.asarray(ids, dtype=object).astype(str), name="id")  # pandas' default string dtype
    for t in tables_ok:
        _cross_check_ids(manifest, geo, t, report)

    data = pd.DataFrame(index=ids)
    for col, meta in manifest.indicators.items():
        source = columns.get(col)
        if source is None:
            continue
        values = _numeric_column(source, col, meta, manifest, report)
        data[col] = values.reindex(ids)
    data = data.astype("float64")
    data.index.name = "id"
    _check_ratios(manifest, data, report)

    groups = pd.DataFrame(index=ids)
    for gname, gspec in manifest.groups.items():
        source = columns.get(gname)
        if source is None:
            continue
        gvalues = source.values_as_text().reindex(ids)
        if gspec.values is not None:
            bad = gvalues.notna() & ~gvalues.isin(gspec.values)
            if bad.any():
                report.error(
                    "bad-group-value",
                    source.file,
                    f"column {gname!r}",
                    f"{count(int(bad.sum()), 'value', verb=('is', 'are'))} not among the declared values ({listing(sorted(set(gvalues[bad])))})",
                    f"use only {', '.join(gspec.values)}, or extend values in [groups.{gname}]",
                )
        groups[gname] = gvalues
    groups.index.name = "id"

    name_source = columns.get(manifest.name_column)
    if name_source is not None:
        names = name_source.values_as_text().reindex(ids)
        blank = names.isna() | (names.astype(str).str.strip() == "")
        if blank.any():
            report.warning(
                "missing-name",
                name_source.file,
                f"column {manifest.name_column!r}",
                f"{count(int(blank.sum()), 'region', verb=('has', 'have'))} no name ({listing(list(ids[blank.to_numpy()]))}); "
                "their id is shown instead",
                "fill in the names",
            )
            names = names.where(~blank, pd.Series(ids, index=ids))
    else:
        names = pd.Series(ids, index=ids)
    names = names.astype(object).rename("name")
    names.index.name = "id"

    if (
        manifest.datasheet
        and manifest.folder is not None
        and _inside(manifest, manifest.datasheet)
        and not manifest.path(manifest.datasheet).is_file()
    ):
        report.warning(
            "datasheet-missing",
            manifest.datasheet,
            "",
            "the datasheet named in the manifest does not exist",
            "write it: every indicator's definition, source, vintage and licence",
        )
    if deep:
        for spec in manifest.long_tables:
            if not _inside(manifest, spec.file):
                continue
            try:
                lt = _read_long_table(manifest, spec)
            except (DataFileError, RegionSetError) as exc:
                report.error("long-table", spec.file, "", str(exc), "fix the file or the [[long_tables]] entry")
                continue
            unknown = sorted(set(lt["id"]) - set(ids))
            if unknown:
                report.warning(
                    "long-table-unknown-ids",
                    spec.file,
                    f"column {spec.id_column!r}",
                    f"{count(len(unknown), 'id', verb=('is', 'are'))} not a region of this set ({listing(unknown)}); they are left out",
                    "check the ids, or ignore if these regions are out of scope",
                )

    if deep:
        for ref in manifest.reference_tables:
            _check_reference_table(manifest, ref, report)

    geometry = None if geo is None else gpd.GeoDataFrame(geometry=geo.geometry.to_numpy(), index=ids, crs=geo.crs)
    return RegionSet(manifest=manifest, data=data, groups=groups, names=names, geometry=geometry, report=report)


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


# ---------------------------------------------------------------------------------------------------------
# geometry


def _read_geometry_checked(
    manifest: Manifest, report: ValidationReport
) -> tuple[gpd.GeoDataFrame | None, pd.DataFrame | None]:
    """Read and check the geometry; return it (``None`` if unusable) and its attribute columns (if readable)."""
    spec = manifest.geometry
    if spec is None or not _inside(manifest, spec.file):
        return None, None
    try:
        gdf = read_geometry(manifest.path(spec.file), layer=spec.layer)
    except DataFileError as exc:
        report.error("geometry-unreadable", spec.file, "", *_split_fix(str(exc), spec.file))
        return None, None
    f = spec.file
    if spec.id_column not in gdf.columns:
        report.error(
            "missing-id-column",
            f,
            f"column {spec.id_column!r}",
            f"the id column is missing (columns: {listing(list(gdf.columns.drop('geometry')), limit=8)})",
            "set id_column in [geometry] to the column that holds the region ids",
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
    geoms = gdf.geometry.to_numpy()
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if empty.any():
        report.error(
            "empty-geometry",
            f,
            f"column {spec.id_column!r}",
            f"{count(int(empty.sum()), 'region', verb=('has', 'have'))} an empty or missing geometry ({listing(list(gdf.index[empty]))})",
            "give every region a polygon, or remove the rows",
        )
    types = pd.Series(shapely.get_type_id(geoms), index=gdf.index)
    type_names = pd.Series(gdf.geometry.geom_type, index=gdf.index)
    kinds = type_names[~empty].value_counts()
    non_polygonal = [t for t in kinds.index if t not in _POLYGONAL]
    if non_polygonal:
        mixed = ", ".join(f"{n} {t}" for t, n in kinds.items())
        what = "mixed geometry types" if len(kinds) > 1 else "geometry type"
        report.error(
            "geometry-type",
            f,
            "",
            f"{what} ({mixed}); regions must be polygons",
            "keep only Polygon/MultiPolygon features (points or lines cannot be mapped as regions)",
        )
    del types
    invalid = ~empty & ~shapely.is_valid(geoms)
    if invalid.any():
        bad_ids = list(gdf.index[invalid])
        reason = shapely.is_valid_reason(geoms[invalid][0])
        repaired = shapely.make_valid(geoms[invalid])
        repaired = np.array([_polygonal_part(g) for g in repaired], dtype=object)
        geoms = geoms.copy()
        geoms[invalid] = repaired
        gdf = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs))
        report.warning(
            "invalid-geometry",
            f,
            "",
            f"{count(len(bad_ids), 'invalid geometry', 'invalid geometries', verb=('was', 'were'))} repaired with make_valid ({listing(bad_ids)}; first: {reason})",
            "repair them at the source (e.g. shapely.make_valid) to silence this",
        )

    # to WGS84, then check the coordinates are plausible
    if not CRS.from_user_input(gdf.crs).equals(CRS.from_user_input(WGS84)):
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
    minx, miny, maxx, maxy = gdf.total_bounds if len(gdf) and not empty.all() else (0, 0, 0, 0)
    if not (-181 <= minx <= maxx <= 181 and -91 <= miny <= maxy <= 91):
        report.error(
            "coordinates-out-of-range",
            f,
            "",
            f"coordinates ({minx:.0f}, {miny:.0f}, {maxx:.0f}, {maxy:.0f}) are outside longitude/latitude "
            f"range for CRS {manifest.crs or 'of the file'}",
            "the file is probably projected: set crs in [region_set] to its real CRS",
        )
        return None, attrs
    return gdf, attrs


def _polygonal_part(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep the polygons of a repaired geometry (make_valid may add lines and points)."""
    if geom.geom_type in _POLYGONAL:
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in _POLYGONAL]
    polys = [p for g in parts for p in shapely.get_parts(g)]
    return shapely.MultiPolygon(polys) if polys else shapely.Polygon()


# ---------------------------------------------------------------------------------------------------------
# tables


@dataclass
class _Table:
    """A table read as stored, indexed by string id."""

    file: str
    frame: pd.DataFrame
    row_label: str
    rows: pd.Series  # row number in messages, by id


@dataclass
class _Column:
    """Where a described column lives."""

    file: str
    series: pd.Series  # indexed by id
    rows: pd.Series | None
    row_label: str

    def values_as_text(self) -> pd.Series:
        s = self.series
        out = id_strings(s)
        return out.where(out != "", None)


def _read_table_checked(
    file: str, id_column: str, sheet: str | None, manifest: Manifest, report: ValidationReport
) -> _Table | None:
    if Path(file).suffix.lower() not in TABLE_SUFFIXES or not _inside(manifest, file):
        return None  # the manifest check (or _check_paths) reported it already
    try:
        df, row_label, first = read_table(manifest.path(file), sheet=sheet)
    except DataFileError as exc:
        report.error("table-unreadable", file, "", *_split_fix(str(exc), file))
        return None
    if id_column not in df.columns:
        report.error(
            "missing-id-column",
            file,
            f"column {id_column!r}",
            f"the id column is missing (columns: {listing(list(df.columns), limit=8)})",
            "add it, or set id_column for this table in the manifest",
        )
        return None
    ids = id_strings(df[id_column])
    _check_id_column(ids, file, id_column, row_label, first, report)
    rows = pd.Series(np.arange(first, first + len(df)), index=ids)
    keep = ~ids.duplicated(keep="first").to_numpy() & (ids != "").to_numpy()
    frame = df.drop(columns=[id_column]).set_axis(pd.Index(ids, name="id"))[keep]
    if pd.api.types.is_numeric_dtype(df[id_column]):
        frame.attrs["numeric_ids"] = True
    return _Table(file, frame, row_label, rows[keep])


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
            f"{i!r} at {row_label}s {', '.join(str(int(r) + first) for r in np.flatnonzero((ids == i).to_numpy()))}"
            for i in dup_ids[:3]
        )
        more = f" and {len(dup_ids) - 3} more" if len(dup_ids) > 3 else ""
        report.error(
            "duplicate-id",
            file,
            f"column {id_column!r}",
            f"{count(len(dup_ids), 'id', verb=('occurs', 'occur'))} more than once ({detail}{more})",
            "keep one row per region (the first one is used until then)",
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
            found[col] = _Column(t.file, t.frame[col], t.rows, t.row_label)
            if col not in wanted:
                report.warning(
                    "undescribed-column",
                    t.file,
                    f"column {col!r}",
                    "has no metadata and is ignored",
                    f"describe it under [indicators.{col}] (or [groups.{col}]), or delete it",
                )
    if geo is not None:
        for col in (manifest.name_column, *manifest.groups):
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


def _numeric_column(
    source: _Column, col: str, meta: IndicatorMeta, manifest: Manifest, report: ValidationReport
) -> pd.Series:
    """Convert one column to floats, reporting non-numeric, infinite and out-of-range cells."""
    s = source.series
    if pd.api.types.is_bool_dtype(s):
        s = s.astype("float64")
    if pd.api.types.is_numeric_dtype(s):
        values = pd.Series(s.to_numpy(dtype="float64", na_value=np.nan), index=s.index)
    else:
        text = pd.Series(s.to_numpy(dtype=object), index=s.index)
        text = text.where(text.notna(), "").astype(str).str.strip()
        text = text.where(~text.isin(MISSING_TOKENS), "")
        values = pd.to_numeric(text.where(text != "", None), errors="coerce").astype("float64")
        bad = (text != "") & values.isna()
        if bad.any():
            bad_text = text[bad]
            sample = str(bad_text.iloc[0])
            report.error(
                "non-numeric",
                source.file,
                f"column {col!r}",
                f"{count(int(bad.sum()), 'value', verb=('is', 'are'))} not a number ({_where_rows(source, bad_text.index)}; first: {sample!r})",
                _non_numeric_fix(sample),
            )
    finite = np.isfinite(values.to_numpy()) | values.isna().to_numpy()
    if not finite.all():
        idx = values.index[~finite]
        report.error(
            "infinite",
            source.file,
            f"column {col!r}",
            f"{count(len(idx), 'value', verb=('is', 'are'))} infinite ({_where_rows(source, idx)})",
            "replace them with a finite number or leave the cell empty (a division by zero upstream?)",
        )
        values = values.where(finite)
    lo, hi = meta.valid_range()
    out = (values < lo) | (values > hi)
    if out.any():
        idx = values.index[out.to_numpy()]
        first = values[out].iloc[0]
        what = {"share": "a share must lie in [0, 1]", "count": "a count cannot be negative"}.get(
            meta.kind, f"the manifest allows [{lo:g}, {hi:g}]"
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
    return values


def _where_rows(source: _Column, idx: pd.Index) -> str:
    ids = list(idx)
    if source.rows is None:
        return f"ids {listing(ids)}"
    rows = [int(source.rows[i]) for i in ids]
    return f"{source.row_label}s {listing(rows)}; ids {listing(ids, limit=3)}"


def _non_numeric_fix(sample: str) -> str:
    if _THOUSANDS.match(sample):
        return "remove the thousands separators (write 1234567, not 1,234,567)"
    if _PERCENT.match(sample):
        return "drop the % sign (and store shares as fractions)"
    if _SUPPRESSED.match(sample):
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


# ---------------------------------------------------------------------------------------------------------
# long tables


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
