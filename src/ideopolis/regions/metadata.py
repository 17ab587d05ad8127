"""What a region set's files are and what every indicator means: the manifest's data model.

:class:`Manifest` (the files, groups, pillars and indicators of a set) and :class:`IndicatorMeta` (one indicator's
kind, pillar, direction, unit, source and vintage) are what :func:`ideopolis.regions.manifest.read_manifest`
returns after checking a ``manifest.toml``; the format is documented in ``docs/region-set-format.md``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from ideopolis.index.pillars import Pillar

Kind = Literal["count", "rate", "share", "level"]


KINDS: tuple[str, ...] = ("count", "rate", "share", "level")


#: How a ``level`` indicator may be combined into custom regions.
AGGREGATE_RULES: tuple[str, ...] = ("sum", "mean", "weighted_mean", "min", "max")


MANIFEST_NAME = "manifest.toml"


GEOMETRY_SUFFIXES = (".parquet", ".geoparquet", ".gpkg", ".geojson", ".json", ".shp", ".topojson")


TABLE_SUFFIXES = (".csv", ".parquet", ".xlsx")


_DIRECTIONS: dict[object, int] = {
    1: 1,
    -1: -1,
    "1": 1,
    "-1": -1,
    "+": 1,
    "-": -1,
    "+1": 1,
    "positive": 1,
    "negative": -1,
}


@dataclass(frozen=True)
class IndicatorMeta:
    """Metadata of one indicator column.

    Attributes
    ----------
    name : str
        The column name.
    label, unit : str
        Human-readable name and unit of the stored value.
    kind : {"count", "rate", "share", "level"}
        Counts are summable; rates and shares are ``numerator / denominator * scale``; levels (a median,
        an index) are not summable.
    pillar : str or None
        The pillar the indicator feeds; ``None`` for auxiliary columns (numerators, denominators).
    direction : {1, -1}
        1 when more is better for the pillar, -1 when less is.
    numerator, denominator : str or None
        For rates and shares: the count columns the value is computed from.
    scale : float
        Multiplier of a rate (1000 for "per 1,000").
    weight : float
        Weight inside the pillar.
    aggregate, weight_by : str or None
        For levels: how custom regions combine them; ``None`` means not aggregatable.
    denominate_by : str or None
        A column to divide by in the engine's *denominate* step (COINr's ``Denominator``).
    min, max : float or None
        Valid range of the values.
    source, table, vintage, license, description : str or None
        Provenance.
    """

    name: str
    label: str
    unit: str
    kind: Kind
    pillar: str | None = None
    direction: int = 1
    numerator: str | None = None
    denominator: str | None = None
    scale: float = 1.0
    weight: float = 1.0
    aggregate: str | None = None
    weight_by: str | None = None
    denominate_by: str | None = None
    min: float | None = None
    max: float | None = None
    source: str | None = None
    table: str | None = None
    vintage: str | None = None
    license: str | None = None
    description: str | None = None

    @property
    def scored(self) -> bool:
        """True when the indicator feeds a pillar (it is not auxiliary)."""
        return self.pillar is not None

    def valid_range(self) -> tuple[float, float]:
        """The closed range of valid values: shares [0, 1]; counts >= 0 unless ``min`` says otherwise."""
        lo = -math.inf if self.min is None else self.min
        hi = math.inf if self.max is None else self.max
        if self.kind == "share":
            lo, hi = max(lo, 0.0), min(hi, 1.0)
        elif self.kind == "count" and self.min is None:
            lo = 0.0  # counts are non-negative unless min says otherwise (net flows)
        return lo, hi


@dataclass(frozen=True)
class GeometrySpec:
    """Where the region shapes are."""

    file: str
    id_column: str
    layer: str | None = None


@dataclass(frozen=True)
class TableSpec:
    """One indicator table (one row per region)."""

    file: str
    id_column: str
    sheet: str | None = None


@dataclass(frozen=True)
class LongTableSpec:
    """A long table (several rows per region), e.g. employment by industry."""

    name: str
    file: str
    id_column: str
    sheet: str | None = None
    description: str | None = None
    source: str | None = None
    vintage: str | None = None
    license: str | None = None


@dataclass(frozen=True)
class ReferenceTableSpec:
    """A lookup table not keyed by region (e.g. a NAICS -> cluster crosswalk)."""

    name: str
    file: str
    key_column: str
    sheet: str | None = None
    description: str | None = None
    source: str | None = None
    vintage: str | None = None
    license: str | None = None


@dataclass(frozen=True)
class GroupSpec:
    """A grouping column (state, country, metro/micro, urban/rural class)."""

    name: str
    label: str
    values: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Manifest:
    """A parsed ``manifest.toml``.

    Attributes
    ----------
    name : str
        Short name used by ``--regions``.
    id_column, name_column : str
        Region id and name columns.
    geometry : GeometrySpec or None
        The geometry file (``None`` only for a table-only set built from a user's files).
    tables, long_tables, reference_tables : tuple
        The indicator tables, the long tables (several rows per region) and the reference tables (lookups
        not keyed by region).
    groups : dict
        Grouping columns by name.
    pillars : dict
        Every usable pillar (the five default ones plus those declared) by name.
    indicators : dict
        Indicator metadata by column name.
    framework : dict
        The raw ``[framework]`` table, interpreted by the engine.
    spatial_weights : str, optional
        The spatial weights a hotspot test of this set uses unless the run names others (``knn`` for sets
        whose regions do not tile their territory, such as metro areas).
    folder : Path or None
        The region-set folder; files are relative to it.
    allow_outside_paths : bool
        Let the files named in the manifest lie outside ``folder`` (by ``../``, an absolute path or a
        symlink). Off by default: a region set downloaded from anywhere must not read other files of the
        machine into a map or a table.
    """

    name: str
    id_column: str
    name_column: str
    geometry: GeometrySpec | None
    tables: tuple[TableSpec, ...]
    title: str = ""
    description: str = ""
    crs: str | None = None
    license: str | None = None
    sources: tuple[str, ...] = ()
    datasheet: str | None = None
    vintage: str | None = None
    default_indicator: str | None = None
    spatial_weights: str | None = None
    long_tables: tuple[LongTableSpec, ...] = ()
    reference_tables: tuple[ReferenceTableSpec, ...] = ()
    groups: Mapping[str, GroupSpec] = field(default_factory=dict)
    pillars: Mapping[str, Pillar] = field(default_factory=dict)
    indicators: Mapping[str, IndicatorMeta] = field(default_factory=dict)
    framework: Mapping[str, Any] = field(default_factory=dict)
    folder: Path | None = None
    allow_outside_paths: bool = False

    def path(self, file: str) -> Path:
        """Resolve a file named in the manifest against the region-set folder.

        Parameters
        ----------
        file : str
            As the manifest names it: relative to the folder, or absolute.

        Returns
        -------
        Path
            ``folder / file`` (``file`` itself when absolute, or when the manifest has no folder).

        Raises
        ------
        PathOutsideFolderError
            When the file resolves (symlinks followed) outside the folder and ``allow_outside_paths`` is
            off.
        """
        from ideopolis.safety import resolve_inside

        p = Path(file)
        if self.folder is None:
            return p
        if not self.allow_outside_paths:
            resolve_inside(self.folder, p)
        return p if p.is_absolute() else self.folder / p

    def files(self) -> list[tuple[str, str]]:
        """Every file the manifest names, as ``(where, file)``: geometry, tables, long and reference tables, datasheet."""
        out = []
        if self.geometry is not None:
            out.append(("[geometry] file", self.geometry.file))
        out += [(f"[[tables]] #{i}", t.file) for i, t in enumerate(self.tables, start=1)]
        out += [(f"[[long_tables]] {t.name!r}", t.file) for t in self.long_tables]
        out += [(f"[[reference_tables]] {t.name!r}", t.file) for t in self.reference_tables]
        if self.datasheet:
            out.append(("[region_set] datasheet", self.datasheet))
        return out

    def with_indicators(self, indicators: Mapping[str, IndicatorMeta]) -> Manifest:
        """Return a copy with other indicator metadata."""
        return replace(self, indicators=dict(indicators))


def parse_direction(value: object) -> int | None:
    """Read a direction written as 1, -1, "+", "-", "positive" or "negative"; ``None`` if unknown."""
    key = value.strip().lower() if isinstance(value, str) else value
    if isinstance(key, float) and key in (1.0, -1.0):
        key = int(key)
    return _DIRECTIONS.get(key)
