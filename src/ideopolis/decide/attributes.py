"""Region attributes for shortlists, peers and exports: population, type, state or country, size, stage.

Every bundled set names these things its own way (``pop_2023`` and ``cbsa_type`` for US metros, ``pop_2019``
and ``country`` for NUTS-2). :func:`attribute_table` gives every region one row with the same names everywhere,
next to the set's own columns (every indicator and group) and, for a scored run, every score and rank:

- ``id``, ``name``;
- ``population``: the set's population count (the first of :data:`POPULATION_COLUMNS` that it has; where that
  is missing, the next one);
- ``type``: metro / micro (/ noncore for counties): the set's ``cbsa_type`` group (US sets only);
- ``state`` (US sets), ``country`` and ``eu27`` (NUTS sets): ``eu27`` is true for the 27 member states
  since 1 February 2020;
- ``size``: population size class, the OECD's classes of functional urban areas (OECD 2012, *Redefining
  "Urban"*, ch. 2): ``"under 50k"``, ``"50k-200k"`` (small urban areas), ``"200k-500k"`` (medium-sized),
  ``"500k-1.5M"`` (metropolitan), ``"1.5M+"`` (large metropolitan);
- ``gdp_per_head_index`` and ``stage``: GDP per head as a percentage of the average (population-weighted;
  for NUTS sets the EU-27 average, as Eurostat's index EU27 = 100), and the development stage it falls in, 1
  to 5, on the cut-offs of the EU Regional Competitiveness Index (Annoni, Dijkstra & Gargano 2017, *The EU
  Regional Competitiveness Index 2016*, WP 02/2017, sect. 4.3: below 50, 50-75, 75-90, 90-110, 110 and
  above), which compares a region with those at a similar stage.

Examples
--------
>>> import ideopolis as ideo
>>> table = attribute_table(ideo.load_regions("us-metros"))
>>> row = table.loc["19780"]
>>> int(row["population"]), row["type"], row["state"], row["size"]
(737164, 'metro', 'IA', '500k-1.5M')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "EU27",
    "POPULATION_COLUMNS",
    "SIZE_CLASSES",
    "STAGES",
    "attribute_table",
    "declared_values",
    "development_stage",
    "size_class",
]

#: Population columns, in order of preference.
POPULATION_COLUMNS = ("population", "pop_2023", "pop_2022", "pop_2021", "pop_2020", "pop_2019", "pop_2018")
#: GDP per head columns, in order of preference.
GDP_PER_HEAD_COLUMNS = ("gdp_pps_per_capita", "gdp_per_capita", "gdp_per_head")
#: Columns (groups) that say whether a region is a metro or a micro area.
TYPE_COLUMNS = ("cbsa_type", "type")
#: The 27 EU member states since 1 February 2020, as GISCO codes them (Greece = EL).
EU27 = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "EL",
        "ES",
        "FI",
        "FR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)
#: Population size classes: (label, lower bound); OECD (2012) classes of functional urban areas above 50,000.
SIZE_CLASSES: tuple[tuple[str, float], ...] = (
    ("under 50k", 0.0),
    ("50k-200k", 50_000.0),
    ("200k-500k", 200_000.0),
    ("500k-1.5M", 500_000.0),
    ("1.5M+", 1_500_000.0),
)
#: Development stages: (stage, lower bound of GDP per head as % of the average); EU RCI 2016 cut-offs.
STAGES: tuple[tuple[int, float], ...] = ((1, 0.0), (2, 50.0), (3, 75.0), (4, 90.0), (5, 110.0))
#: How each stage reads.
STAGE_LABELS = {
    1: "below 50% of average GDP per head",
    2: "50-75% of average GDP per head",
    3: "75-90% of average GDP per head",
    4: "90-110% of average GDP per head",
    5: "110% of average GDP per head or more",
}


def _first(frame: pd.DataFrame, candidates: Sequence[str]) -> list[str]:
    return [c for c in candidates if c in frame.columns]


def population(rs: Any) -> tuple[pd.Series, list[str]]:
    """Return the regions' population and the columns it comes from (the first, gaps filled by the next).

    Parameters
    ----------
    rs : RegionSet
        The set.

    Returns
    -------
    (pandas.Series, list of str)
        Population by region id (float, missing where no column has it) and the columns used.
    """
    used = _first(rs.data, POPULATION_COLUMNS)
    out = pd.Series(np.nan, index=rs.data.index, dtype=float, name="population")
    for column in used:
        out = out.fillna(pd.to_numeric(rs.data[column], errors="coerce"))
    return out, used


def size_class(population: pd.Series) -> pd.Series:
    """Return the population size class of every region (:data:`SIZE_CLASSES`).

    Parameters
    ----------
    population : pandas.Series
        Persons.

    Returns
    -------
    pandas.Series
        Labels (object), missing where the population is.

    Examples
    --------
    >>> size_class(pd.Series([49_999, 50_000, 737_164, 2e6, None])).tolist()
    ['under 50k', '50k-200k', '500k-1.5M', '1.5M+', None]
    """
    bounds = [b for _, b in SIZE_CLASSES]
    labels = [label for label, _ in SIZE_CLASSES]
    values = pd.to_numeric(population, errors="coerce").to_numpy(dtype=float)
    pos = np.searchsorted(bounds, values, side="right") - 1
    out = [labels[p] if not np.isnan(v) else None for p, v in zip(pos, values, strict=True)]
    return pd.Series(out, index=population.index, dtype=object, name="size")


def development_stage(
    gdp_per_head: pd.Series,
    weights: pd.Series,
    *,
    reference: pd.Series | None = None,
) -> tuple[pd.Series, pd.Series, float]:
    """GDP per head as % of the population-weighted average, and the RCI development stage (1-5).

    Parameters
    ----------
    gdp_per_head : pandas.Series
        GDP per head by region.
    weights : pandas.Series
        Population by region (the average is ``sum(gdp_per_head * pop) / sum(pop)``, i.e. total GDP over
        total population, over the regions that have both).
    reference : pandas.Series of bool, optional
        The regions the average is taken over (EU-27 members for a NUTS set); default all.

    Returns
    -------
    (pandas.Series, pandas.Series, float)
        The index (average = 100), the stage (Int64, missing without GDP per head), and the average.

    Examples
    --------
    >>> gdp = pd.Series([20.0, 40.0, 60.0])
    >>> index, stage, average = development_stage(gdp, pd.Series([1.0, 1.0, 2.0]))
    >>> average, index.round(1).tolist(), stage.tolist()
    (45.0, [44.4, 88.9, 133.3], [1, 3, 5])
    """
    g = pd.to_numeric(gdp_per_head, errors="coerce").astype(float)
    w = pd.to_numeric(weights, errors="coerce").astype(float).reindex(g.index)
    use = g.notna() & w.notna() & (w > 0)
    if reference is not None:
        use &= reference.reindex(g.index).fillna(False).astype(bool)
    average = float((g[use] * w[use]).sum() / w[use].sum()) if use.any() else float("nan")
    index = g / average * 100
    bounds = [b for _, b in STAGES]
    pos = np.searchsorted(bounds, index.to_numpy(dtype=float), side="right") - 1
    stage = pd.Series(
        [STAGES[p][0] if not np.isnan(v) else pd.NA for p, v in zip(pos, index.to_numpy(dtype=float), strict=True)],
        index=g.index,
        dtype="Int64",
        name="stage",
    )
    return index.rename("gdp_per_head_index"), stage, average


def attribute_table(
    rs: Any,
    *,
    scores: pd.DataFrame | None = None,
    ranks: pd.DataFrame | None = None,
    typology: pd.Series | None = None,
    extra: Mapping[str, pd.Series] | None = None,
) -> pd.DataFrame:
    """Return one row per region: the common attributes, the set's groups and indicators, scores and ranks.

    Parameters
    ----------
    rs : RegionSet
        The set (``data``, ``groups``, ``names``).
    scores, ranks : pandas.DataFrame, optional
        A run's scores and ranks (ranks become ``rank_<score>``).
    typology : pandas.Series, optional
        The run's typology.
    extra : mapping of str to Series, optional
        Further columns (``hotspot_class``).

    Returns
    -------
    pandas.DataFrame
        Index: region id. Columns: ``id``, ``name``, ``population``, ``type``, ``state``, ``country``,
        ``eu27``, ``size``, ``gdp_per_head_index``, ``stage`` (where the set has what they need), then the
        set's groups and indicators, then scores, ``rank_*``, ``typology``. A set's own column of the same
        name as a common attribute keeps its name; the common one is not added.
    """
    ids = rs.data.index
    out = pd.DataFrame(index=ids)
    out["id"] = ids.astype(str)
    out["name"] = rs.names.reindex(ids).astype(object)
    pop, _used = population(rs)
    if pop.notna().any():
        out["population"] = pop
    groups = rs.groups.reindex(ids)
    kind = _first(groups, TYPE_COLUMNS)
    if kind:
        out["type"] = groups[kind[0]].astype(object)
    if "state" in groups.columns:
        out["state"] = groups["state"].astype(object)
    if "country" in groups.columns:
        country = groups["country"].astype(object)
        out["country"] = country
        out["eu27"] = country.isin(EU27)
    if "population" in out.columns:
        out["size"] = size_class(out["population"])
    gdp = _first(rs.data, GDP_PER_HEAD_COLUMNS)
    if gdp and "population" in out.columns:
        reference = out["eu27"] if "eu27" in out.columns else None
        index, stage, _average = development_stage(rs.data[gdp[0]], out["population"], reference=reference)
        out["gdp_per_head_index"] = index
        out["stage"] = stage
    own = [c for c in groups.columns if c not in out.columns]
    out = out.join(groups[own].astype(object))
    data = [c for c in rs.data.columns if c not in out.columns]
    out = out.join(rs.data[data])
    if scores is not None:
        out = out.join(scores[[c for c in scores.columns if c not in out.columns]])
    if ranks is not None:
        out = out.join(ranks.add_prefix("rank_"))
    if typology is not None:
        out["typology"] = typology.reindex(ids).astype(object)
    for key, series in (extra or {}).items():
        out[key] = series.reindex(ids)
    out.index.name = "id"
    return out


def declared_values(rs: Any) -> dict[str, list[str]]:
    """Return the values each text attribute may take, where the set declares them (for typo errors).

    Parameters
    ----------
    rs : RegionSet
        The set.

    Returns
    -------
    dict
        Column -> values: every group with declared ``values``, ``type`` (its group's values) and ``size``.
    """
    out: dict[str, list[str]] = {"size": [label for label, _ in SIZE_CLASSES]}
    groups = getattr(getattr(rs, "manifest", None), "groups", None) or {}
    for name, spec in groups.items():
        values = getattr(spec, "values", None)
        if values:
            out[str(name)] = [str(v) for v in values]
    kind = _first(rs.groups, TYPE_COLUMNS)
    if kind and kind[0] in out:
        out["type"] = out[kind[0]]
    return out


#: What the common attributes mean (labels for exports and errors).
ATTRIBUTE_LABELS = {
    "population": "Population",
    "type": "Metropolitan / micropolitan",
    "state": "State",
    "country": "Country",
    "eu27": "EU-27 member state",
    "size": "Population size class (OECD)",
    "gdp_per_head_index": "GDP per head, % of the average",
    "stage": "Development stage (EU RCI cut-offs)",
}
