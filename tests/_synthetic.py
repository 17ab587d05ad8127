"""Synthetic region sets for the tests (no files, fixed seed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ideopolis.regions.metadata import IndicatorMeta

SEED = 20240607


def meta(
    name: str, pillar: str | None = None, direction: int = 1, *, denominate_by: str | None = None
) -> IndicatorMeta:
    """Real region-set indicator metadata with the fields the engine reads."""
    return IndicatorMeta(
        name=name,
        label=name.replace("_", " "),
        unit="",
        kind="level",
        pillar=pillar,
        direction=direction,
        denominate_by=denominate_by,
    )


@dataclass
class FakeRegionSet:
    """A stand-in for ``ideopolis.regions.model.RegionSet``."""

    name: str
    data: pd.DataFrame
    groups: pd.DataFrame
    names: pd.Series
    indicators: dict[str, IndicatorMeta]
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def scored_indicators(self) -> list[str]:
        return [k for k, m in self.indicators.items() if m.pillar]


PILLARS = {
    "ba_share": ("talent", 1),
    "grad_share": ("talent", 1),
    "income_pc": ("capital", 1),
    "patents": ("capital", 1),
    "ki_share": ("knowledge_jobs", 1),
    "ki_density": ("knowledge_jobs", 1),
    "net_migration": ("import_people", 1),
    "intl_migration": ("import_people", 1),
    "telework_share": ("export_jobs", 1),
}


def make_region_set(n: int = 40, seed: int = SEED, pillars: dict | None = None) -> FakeRegionSet:
    """A synthetic region set with the five default pillars, a population column and groups."""
    rng = np.random.default_rng(seed)
    pillars = PILLARS if pillars is None else pillars
    ids = [f"{i:05d}" for i in range(n)]
    data = pd.DataFrame({name: rng.lognormal(mean=1.0, sigma=0.5, size=n) for name in pillars}, index=ids)
    data["population"] = rng.integers(10_000, 1_000_000, size=n).astype(float)
    if "patents" in data:
        data["patents"] = data["patents"] * data["population"] / 1000
    metas = {
        name: meta(name, p, d, denominate_by="population" if name == "patents" else None)
        for name, (p, d) in pillars.items()
    }
    metas["population"] = meta("population")
    groups = pd.DataFrame({"state": [("AA", "BB", "CC")[i % 3] for i in range(n)]}, index=ids)
    names = pd.Series([f"Region {i} City" for i in range(n)], index=ids)
    return FakeRegionSet("synthetic", data, groups, names, metas)
