"""Indicator and region-set metadata: one place that feeds the manifest, the CSV formats and the DATASHEET."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["count", "rate", "share", "level"]

PUBLIC_DOMAIN = "Public domain (U.S. Government work)"
EUROSTAT_LICENSE = "CC BY 4.0 (Eurostat, Commission Decision 2011/833/EU); cite Eurostat"
DN_LICENSE = "Published research data (Dingel & Neiman 2020, replication repository under GPL-3.0); cite the paper"


@dataclass(frozen=True)
class Indicator:
    """Metadata of one indicator column.

    Parameters
    ----------
    column : str
        Column name in the indicator table.
    label, unit : str
        Human-readable name and unit of the stored value.
    kind : {"count", "rate", "share", "level"}
        Summable count, ratio of two stored counts, ratio in [0, 1], or non-summable level.
    decimals : int
        Fixed number of decimals of a count in the CSV (0 writes integers); rates, shares and levels
        are written with 10 significant digits instead.
    definition : str
        Definition and formula, written to the DATASHEET.
    source, table, vintage, license : str
        Provenance, written to the manifest and the DATASHEET.
    pillar : str, optional
        Pillar the indicator feeds; ``None`` for auxiliary columns.
    direction : int, optional
        ``1`` or ``-1``; required when ``pillar`` is set.
    numerator, denominator : str, optional
        Count columns a rate or share is computed from.
    scale : float, optional
        Multiplier of a rate.
    aggregate, weight_by : str, optional
        How custom regions combine a level.
    min, max : float, optional
        Valid range.
    caveats : str
        Known caveats, written to the DATASHEET.
    min_denominator : float, optional
        A rate or share is left missing (its counts kept) where its denominator is below this.
    weight : float, optional
        Weight inside the pillar (the manifest's ``weight``; default 1 when absent).
    recompute : bool
        Recompute a rate or share from the rounded stored counts before writing (keeps the stored value
        exactly reproducible from the counts). ``False`` keeps the value as published by the source.
    """

    column: str
    label: str
    unit: str
    kind: Kind
    decimals: int
    definition: str
    source: str
    table: str
    vintage: str
    license: str
    pillar: str | None = None
    direction: int | None = None
    numerator: str | None = None
    denominator: str | None = None
    scale: float | None = None
    aggregate: str | None = None
    weight_by: str | None = None
    min: float | None = None
    max: float | None = None
    caveats: str = ""
    recompute: bool = True
    weight: float | None = None
    min_denominator: float | None = None

    def manifest_entry(self) -> dict[str, Any]:
        """Return the ``[indicators.<column>]`` table of the manifest.

        Returns
        -------
        dict
            Keys in a fixed order; absent optional fields are left out.
        """
        entry: dict[str, Any] = {"label": self.label, "unit": self.unit, "kind": self.kind}
        if self.pillar is not None:
            entry["pillar"] = self.pillar
            entry["direction"] = self.direction
            if self.weight is not None:
                entry["weight"] = _number(self.weight)
        for key in ("numerator", "denominator"):
            value = getattr(self, key)
            if value is not None:
                entry[key] = value
        if self.scale is not None:
            entry["scale"] = _number(self.scale)
        for key in ("aggregate", "weight_by"):
            value = getattr(self, key)
            if value is not None:
                entry[key] = value
        for key in ("min", "max"):
            value = getattr(self, key)
            if value is not None:
                entry[key] = _number(value)
        entry.update({"source": self.source, "table": self.table, "vintage": self.vintage, "license": self.license})
        return entry


@dataclass(frozen=True)
class Group:
    """A grouping column (state, metro type, country...)."""

    column: str
    label: str
    values: tuple[str, ...] | None = None
    definition: str = ""


@dataclass(frozen=True)
class SideTable:
    """A long table (several rows per region) or a reference table (not keyed by region)."""

    name: str
    file: str
    description: str
    id_column: str | None = None
    key_column: str | None = None
    columns: tuple[tuple[str, str], ...] = ()
    source: str | None = None
    vintage: str | None = None
    license: str | None = None


@dataclass
class RegionSet:
    """Everything the writers need to emit one region set."""

    name: str
    title: str
    description: str
    id_column: str
    name_column: str
    license: str
    sources: list[str]
    groups: list[Group]
    indicators: list[Indicator]
    long_tables: list[SideTable] = field(default_factory=list)
    reference_tables: list[SideTable] = field(default_factory=list)
    vintage: str | None = None
    default_indicator: str | None = None
    spatial_weights: str | None = None


def _number(value: float) -> int | float:
    """Write whole numbers as TOML integers and others as floats."""
    return int(value) if float(value).is_integer() else float(value)
