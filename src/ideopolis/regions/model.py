"""Region sets: load, validate, and join geometry and indicators.

A region set is a folder with a ``manifest.toml`` (see ``docs/region-set-format.md``), a geometry file and one
or more indicator tables joined on a string id. :func:`load_region_set` reads one (bundled, by name, or a
folder, by path) into a :class:`RegionSet`; :func:`validate_region_set` reads it the same way and returns every
problem found instead of raising.

Every check appends to one :class:`~ideopolis.regions.problems.ValidationReport`, so a user sees all problems at once.
Nothing is dropped silently: ids without geometry, geometry without data, repaired shapes are all reported.

Examples
--------
>>> rs = load_region_set("us-metros")
>>> round(float(rs.data.loc["41940", "ba_plus_share"]), 2)
0.55
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ideopolis.errors import DataFileError, RegionSetError
from ideopolis.regions import datasets
from ideopolis.regions.checks import (
    _check_metadata_columns,
    _check_paths,
    _check_ratios,
    _check_reference_table,
    _cross_check_ids,
    _inside,
    _locate_columns,
    _numeric_column,
    _read_geometry_checked,
    _read_long_table,
    _read_table_checked,
)
from ideopolis.regions.manifest import read_manifest
from ideopolis.regions.metadata import IndicatorMeta, Manifest
from ideopolis.regions.problems import ValidationReport, count, listing
from ideopolis.regions.readers import read_table


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
    custom_source : str or None
        The custom-region mapping merged into this set (:func:`ideopolis.regions.load.load_regions`), if any.
    custom_base : str or None
        How a profile names the set the custom regions were merged into (a bundled name or a folder).

    Examples
    --------
    >>> rs = load_region_set("us-metros")
    >>> bool(rs.data.loc["19780", "ba_plus_share"] > 0.3)
    True
    >>> print(repr(rs).splitlines()[0])
    RegionSet 'us-metros': 935 regions
    """

    manifest: Manifest
    data: pd.DataFrame
    groups: pd.DataFrame
    names: pd.Series
    geometry: gpd.GeoDataFrame | None
    report: ValidationReport
    notes: list[str] = field(default_factory=list)
    custom_source: str | None = None
    custom_base: str | None = None
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

    def find(self, query: str) -> str:
        """Return the id of the region ``query`` names: an id, a name or part of one, any case, any accents.

        Parameters
        ----------
        query : str
            ``"19780"``, ``"Des Moines"``, ``"ile-de-france"``.

        Returns
        -------
        str
            The region id.

        Raises
        ------
        RegionNotFoundError
            When nothing matches (with suggestions) or several regions do (listing them).

        Examples
        --------
        >>> rs = load_region_set("us-metros")
        >>> rs.find("des moines")
        '19780'
        """
        from ideopolis.regions.lookup import find_region

        return find_region(self.names, query, set_name=self.name, aliases=self.search_aliases)

    @property
    def search_aliases(self) -> pd.Series | None:
        """Other names of the set's regions (alias -> region id), from its ``search_aliases`` reference table.

        eu-nuts2 names the capital or a large city of a region ("Paris" -> FR10, Ile-de-France), so a search
        for the city finds the region on maps and in every command. Aliases of regions not in the set (a
        custom set that merged them) are left out.

        Returns
        -------
        pandas.Series or None
            ``None`` when the set has no such table.
        """
        spec = next((t for t in self.manifest.reference_tables if t.name == "search_aliases"), None)
        if spec is None:
            return None
        table = self.reference_table(spec.name)
        id_column = next((c for c in table.columns if c != spec.key_column), None)
        if id_column is None:
            return None
        aliases = pd.Series(table[id_column].astype(str).to_numpy(), index=table[spec.key_column].astype(str))
        return aliases[aliases.isin(set(self.ids))]

    def label(self, region_id: str) -> str:
        """Return ``"Name (id)"`` for a region."""
        return f"{self.names.get(region_id, region_id)} ({region_id})"

    def summary(self) -> pd.DataFrame:
        """Return the scored indicators by pillar: pillar, indicator, label, unit, vintage, regions with a value.

        Returns
        -------
        pandas.DataFrame
            One row per scored indicator, index ``indicator``.
        """
        rows = [
            {
                "indicator": name,
                "pillar": m.pillar,
                "label": m.label,
                "unit": m.unit,
                "vintage": m.vintage or "",
                "regions": int(self.data[name].notna().sum()) if name in self.data else 0,
            }
            for name, m in self.indicators.items()
            if m.scored
        ]
        return pd.DataFrame(rows, columns=["indicator", "pillar", "label", "unit", "vintage", "regions"]).set_index(
            "indicator"
        )

    def __repr__(self) -> str:
        """A short summary: name, size, title, groups and the scored indicators by pillar."""
        lines = [f"RegionSet {self.name!r}: {len(self.data):,} regions"]
        if self.title:
            lines.append(self.title)
        groups = ", ".join(self.groups.columns) or "none"
        lines.append(f"groups: {groups}; geometry: {'yes' if self.geometry is not None else 'no'}")
        table = self.summary()
        if len(table):
            width = max(len(str(p)) for p in table["pillar"])
            lines.append("")
            for pillar, part in table.groupby("pillar", sort=False):
                lines.append(f"{pillar!s:<{width}}  {', '.join(part.index)}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """The summary as HTML (notebooks): title, size, and the indicator table."""
        from html import escape

        head = f"<strong>{escape(self.name)}</strong>: {len(self.data):,} regions"
        if self.title:
            head += f" &mdash; {escape(self.title)}"
        return f"<div><p>{head}</p>{self.summary().to_html(escape=True)}</div>"


def load_region_set(ref: str | Path | None = None, *, allow_outside_paths: bool = False) -> RegionSet:
    """Load a region set by bundled name or folder path.

    Parameters
    ----------
    ref : str or Path, optional
        A bundled name (see :func:`ideopolis.regions.datasets.list_datasets`) or a folder with a ``manifest.toml``;
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
        Errors (fatal) and warnings, one :class:`~ideopolis.regions.problems.Problem` each.
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


# ---------------------------------------------------------------------------------------------------------
# geometry


# ---------------------------------------------------------------------------------------------------------
# tables


# ---------------------------------------------------------------------------------------------------------
# long tables
