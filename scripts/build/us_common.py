"""County-level US tables in the two geographies the sets need.

* **2023 geography** (``C23``): Census counties as of 2023 (Connecticut planning regions 09110-09190,
  Alaska 02063/02066, Puerto Rico), the building blocks of the July 2023 CBSAs (us-metros).
* **2017 polygon geography** (``C17``): the 3,231 county polygons of us-atlas (Connecticut legacy
  counties 09001-09015, Alaska 02261, island areas), the regions of us-counties.

Every source is read in its own keys and converted to both: BEA combination areas are split to their
members, Connecticut is moved with the IPF allocation of :mod:`ct`, Alaska 02261 is the sum of
02063 + 02066 (or, going the other way, split by 2021 population).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from . import bea, ct
from . import readers_us as r

AK_OLD = "02261"
AK_NEW = ["02063", "02066"]
KNOWLEDGE_LINES = {45: "51", 51: "52", 60: "54", 64: "55"}
CBP_SECTORS = [
    "11", "21", "22", "23", "31-33", "42", "44-45", "48-49", "51", "52",
    "53", "54", "55", "56", "61", "62", "71", "72", "81", "99",
]  # fmt: skip
KNOWLEDGE_NAICS = ["51", "52", "54", "55"]


@dataclass
class UsSources:
    """Every US raw table, read once."""

    popest: pd.DataFrame
    gazetteer: pd.DataFrame
    ers: pd.DataFrame
    rucc: pd.DataFrame
    laus: pd.DataFrame
    cainc1: pd.DataFrame
    cagdp2: pd.DataFrame
    cagdp2_msa: pd.DataFrame
    uspto: pd.DataFrame
    uspto_undetermined: int
    delineation: pd.DataFrame
    ct_crosswalk: pd.DataFrame
    atlas: gpd.GeoDataFrame
    combos: dict[str, list[str]]
    ct_alloc: ct.CtAllocation


def load_us_sources(shared: Path) -> UsSources:
    """Read every US county-level raw table and fit the reconciliations.

    Parameters
    ----------
    shared : pathlib.Path
        Shared data root.

    Returns
    -------
    UsSources
        The raw tables, BEA combination members and the Connecticut allocation.
    """
    popest = r.read_popest(shared)
    cainc1 = r.read_cainc1(shared)
    crosswalk = r.read_ct_crosswalk(shared)
    alloc = ct.fit_allocation(
        crosswalk,
        popest.set_index("fips5")["POPESTIMATE2021"],
        cainc1.set_index("bea_key")["bea_pop_2021"],
    )
    return UsSources(
        popest=popest,
        gazetteer=r.read_gazetteer(shared),
        ers=r.read_ers_education(shared),
        rucc=r.read_rucc(shared),
        laus=r.read_laus(shared),
        cainc1=cainc1,
        cagdp2=r.read_cagdp2_counties(shared),
        cagdp2_msa=r.read_cagdp2_msa(shared),
        uspto=r.read_uspto(shared),
        uspto_undetermined=r.read_uspto_undetermined(shared),
        delineation=r.read_delineation(shared),
        ct_crosswalk=crosswalk,
        atlas=r.read_us_atlas_counties(shared),
        combos=bea.combination_members(cainc1, popest),
        ct_alloc=alloc,
    )


def knowledge_gdp(lines: pd.DataFrame) -> pd.Series:
    """GDP of the knowledge-intensive sectors (NAICS 51, 52, 54, 55), never treating '(D)' as zero.

    A suppressed sector is recovered only through BEA's own additive identities between published
    lines (current-dollar GDP is additive): information (45) = manufacturing and information (90) -
    manufacturing (12); finance and insurance (51) = FIRE (50) - real estate (56); professional services
    + management (60 + 64) = professional and business services (59) - administrative services (65).
    If a part is still unknown (or a difference is negative), the total is missing.

    Parameters
    ----------
    lines : pandas.DataFrame
        GDP by LineCode (columns) for areas (rows), NaN where not published.

    Returns
    -------
    pandas.Series
        Knowledge-intensive GDP (same units as the input), NaN where it cannot be known.
    """

    def nonneg(s: pd.Series) -> pd.Series:
        return s.where(s >= 0)

    info = lines[45].fillna(nonneg(lines[90] - lines[12]))
    finance = lines[51].fillna(nonneg(lines[50] - lines[56]))
    prof_mgmt = (lines[60] + lines[64]).fillna(nonneg(lines[59] - lines[65]))
    return info + finance + prof_mgmt


def knowledge_gdp_direct(lines: pd.DataFrame) -> pd.Series:
    """Knowledge-intensive GDP from the four sector lines only (no identities), for reporting.

    Parameters
    ----------
    lines : pandas.DataFrame
        GDP by LineCode.

    Returns
    -------
    pandas.Series
        Sum of lines 45, 51, 60 and 64, NaN when any is suppressed.
    """
    return lines[[45, 51, 60, 64]].sum(axis=1, min_count=4).where(lines[[45, 51, 60, 64]].notna().all(axis=1))


def bea_counts(src: UsSources) -> tuple[pd.DataFrame, pd.DataFrame]:
    """BEA counts by BEA key: 2021 income/GDP block and the 2000-2015 population block.

    Parameters
    ----------
    src : UsSources
        Raw tables.

    Returns
    -------
    tuple of pandas.DataFrame
        ``(y2021, pop_avg)``: ``personal_income_2021_k, bea_pop_2021, gdp_2021_k,
        gdp_knowledge_2021_k, gdp_gov_2021_k`` (line 83, government and government enterprises) and ``pop_avg_2000_2015`` (mean of the mid-year populations 2000-2015
        that BEA publishes for the area).
    """
    cainc = src.cainc1.set_index("bea_key")
    y2021 = pd.DataFrame(
        {
            "personal_income_2021_k": cainc["personal_income_2021_k"],
            "bea_pop_2021": cainc["bea_pop_2021"],
        }
    )
    gdp = src.cagdp2
    frame = pd.DataFrame({"gdp_2021_k": gdp[1], "gdp_knowledge_2021_k": knowledge_gdp(gdp), "gdp_gov_2021_k": gdp[83]})
    y2021 = y2021.join(frame, how="outer")
    years = [f"bea_pop_{y}" for y in range(2000, 2016)]
    # Mean over the years BEA publishes: counties created during the period (Broomfield, CO, 2001; Alaska's
    # 2007-2013 boroughs) are averaged over their own years instead of being left out.
    pop_avg = pd.DataFrame({"pop_avg_2000_2015": cainc[years].mean(axis=1, skipna=True)})
    return y2021, pop_avg


def _strict_sum(frame: pd.DataFrame) -> pd.Series:
    """Column sums that are missing when any contributing value is missing."""
    return frame.sum(axis=0, min_count=1).where(frame.notna().all(axis=0))


def _pop2021(src: UsSources) -> pd.Series:
    return src.popest.set_index("fips5")["POPESTIMATE2021"].astype(float)


def to_2023(frame: pd.DataFrame, src: UsSources) -> pd.DataFrame:
    """Convert county counts keyed like the 2017 polygons to 2023 geography.

    Connecticut legacy counties are moved to planning regions with ``A[r|c]``; Alaska 02261 values fill
    02063/02066 where those are missing, split by PopEst 2021 population.

    Parameters
    ----------
    frame : pandas.DataFrame
        Counts indexed by FIPS (legacy CT and/or 02261 allowed).
    src : UsSources
        Raw tables (for the allocation and the weights).

    Returns
    -------
    pandas.DataFrame
        Counts indexed by 2023 FIPS.
    """
    out = frame.copy()
    if out.index.isin(ct.LEGACY).any():
        regions = src.ct_alloc.legacy_to_region(out.reindex(ct.LEGACY))
        out = pd.concat([out.drop(index=[i for i in ct.LEGACY if i in out.index]), regions])
    if AK_OLD in out.index:
        weights = _pop2021(src).reindex(AK_NEW)
        share = weights / weights.sum()
        new = out.reindex(AK_NEW)
        split = pd.DataFrame(np.outer(share, out.loc[AK_OLD].to_numpy(dtype=float)), index=AK_NEW, columns=out.columns)
        new = new.fillna(split)
        out = pd.concat([out.drop(index=[i for i in [AK_OLD, *AK_NEW] if i in out.index]), new])
    return out.sort_index()


def to_2017(frame: pd.DataFrame, src: UsSources) -> pd.DataFrame:
    """Convert county counts keyed in 2023 geography to the 2017 polygons.

    Connecticut planning regions are moved to legacy counties with ``B[c|r]``; Alaska 02261 is the sum of
    02063 + 02066 where it has no value of its own.

    Parameters
    ----------
    frame : pandas.DataFrame
        Counts indexed by FIPS (planning regions and/or 02063/02066 allowed).
    src : UsSources
        Raw tables (for the allocation).

    Returns
    -------
    pandas.DataFrame
        Counts indexed by 2017 polygon FIPS.
    """
    out = frame.copy()
    if out.index.isin(ct.REGIONS).any():
        legacy = src.ct_alloc.region_to_legacy(out.reindex(ct.REGIONS))
        out = pd.concat([out.drop(index=[i for i in ct.REGIONS if i in out.index]), legacy])
    if out.index.isin(AK_NEW).any():
        summed = _strict_sum(out.reindex(AK_NEW))
        own = out.loc[AK_OLD] if AK_OLD in out.index else pd.Series(np.nan, index=out.columns)
        merged = own.fillna(summed)
        out = out.drop(index=[i for i in [AK_OLD, *AK_NEW] if i in out.index])
        out.loc[AK_OLD] = merged
    return out.sort_index()


def bea_by_census(frame: pd.DataFrame, src: UsSources) -> pd.DataFrame:
    """Split BEA combination areas (519xx, 15901) into member counties by PopEst 2021 population.

    Parameters
    ----------
    frame : pandas.DataFrame
        Counts indexed by BEA key.
    src : UsSources
        Raw tables.

    Returns
    -------
    pandas.DataFrame
        Counts indexed by Census FIPS (CT legacy counties and AK codes as BEA has them).
    """
    return bea.split_combinations(frame, src.combos, _pop2021(src))


def laus_counts(src: UsSources) -> pd.DataFrame:
    """LAUS 2022 labor force and unemployed by FIPS, with the Maui row split to Maui + Kalawao.

    LAUS publishes no Kalawao (15005) row; its Maui row is treated as Maui + Kalawao (like BEA's 15901)
    and split by PopEst 2021 population, so both get Maui's rate.

    Parameters
    ----------
    src : UsSources
        Raw tables.

    Returns
    -------
    pandas.DataFrame
        ``labor_force_2022, unemployed_2022`` indexed by FIPS (CT legacy counties, AK 02063/02066, PR).
    """
    laus = src.laus.set_index("fips5")
    frame = pd.DataFrame(
        {"labor_force_2022": laus["labor_force"].astype(float), "unemployed_2022": laus["unemployed"].astype(float)}
    )
    return bea.split_combinations(frame.rename(index={"15009": "15901"}), {"15901": ["15005", "15009"]}, _pop2021(src))


def census_counts(src: UsSources) -> pd.DataFrame:
    """Counts from 2023-geography Census/ERS sources, indexed by 2023 FIPS.

    Parameters
    ----------
    src : UsSources
        Raw tables.

    Returns
    -------
    pandas.DataFrame
        ``pop_2023, pop_2020, land_km2, pop_25plus, ba_plus_25, popyears_2021_2023, dom_mig_2021_2023,
        intl_mig_2021_2023``. ``popyears`` = sum over 2021-2023 of the mid-year population
        (POPESTIMATE[y-1] + POPESTIMATE[y]) / 2, the base of PopEst's published rates.
    """
    pe = src.popest.set_index("fips5")
    years = range(2021, 2024)
    start = pe[[f"POPESTIMATE{y - 1}" for y in years]].to_numpy(dtype=float)
    end = pe[[f"POPESTIMATE{y}" for y in years]].to_numpy(dtype=float)
    popest = pd.DataFrame(
        {
            "pop_2023": pe["POPESTIMATE2023"].astype(float),
            "popyears_2021_2023": ((start + end) / 2.0).sum(axis=1),
            "dom_mig_2021_2023": pe[[f"DOMESTICMIG{y}" for y in years]].sum(axis=1).astype(float),
            "intl_mig_2021_2023": pe[[f"INTERNATIONALMIG{y}" for y in years]].sum(axis=1).astype(float),
        },
        index=pe.index,
    )
    rucc = src.rucc.set_index("fips5")[["pop_2020"]].astype(float)
    gaz = src.gazetteer.set_index("fips5")
    land = pd.DataFrame({"land_km2": gaz["aland_m2"] / 1e6})
    ers = src.ers.set_index("fips5")[["pop_25plus", "ba_plus_25"]].astype(float)
    return pd.concat([popest, rucc, land, ers], axis=1).sort_index()


def legacy_counts(src: UsSources) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts from sources in older geography (BEA, USPTO, LAUS), by Census FIPS.

    Parameters
    ----------
    src : UsSources
        Raw tables.

    Returns
    -------
    tuple of pandas.DataFrame
        ``(frame_2021, frame_old)``: the 2021-vintage block (BEA 2021 with combinations split, LAUS 2022;
        AK as 02063/02066) and the 2000-2015 block (BEA mean population, USPTO patents; AK as 02261).
        USPTO's absent counties are 0 patents (real data: USPTO lists every county with at least one);
        USPTO's 02280 (Wrangell-Petersburg, dissolved in 2008/2013; 1 patent) is dropped.
    """
    y2021, pop_avg = bea_counts(src)
    frame_2021 = bea_by_census(y2021, src).join(laus_counts(src), how="outer")
    old = bea_by_census(pop_avg, src)
    patents = src.uspto.set_index("fips5")["patents_2000_2015"]
    old = old.join(patents, how="outer")
    return frame_2021, old


def drop_obsolete(frame: pd.DataFrame, keep: pd.Index) -> pd.DataFrame:
    """Keep the rows of ``keep`` (dropping discontinued keys, BEA divisions and regions).

    Parameters
    ----------
    frame : pandas.DataFrame
        Counts by FIPS.
    keep : pandas.Index
        Wanted FIPS.

    Returns
    -------
    pandas.DataFrame
        ``frame.reindex(keep)``.
    """
    return frame.reindex(keep)


def counties_2023(src: UsSources) -> pd.DataFrame:
    """All county counts in 2023 geography (the us-metros building blocks).

    Parameters
    ----------
    src : UsSources
        Raw tables.

    Returns
    -------
    pandas.DataFrame
        One row per 2023 county (Gazetteer: 3,144 + 78 PR), every count column.
    """
    keys = pd.Index(sorted(src.gazetteer["fips5"]), name="fips5")
    census = census_counts(src).reindex(keys)
    frame_2021, old = legacy_counts(src)
    old_2023 = to_2023(old.drop(index=["02280"], errors="ignore"), src)
    old_2023["patents_2000_2015"] = old_2023["patents_2000_2015"].fillna(0.0)
    out = pd.concat([census, to_2023(frame_2021, src).reindex(keys), old_2023.reindex(keys)], axis=1)
    out["patents_2000_2015"] = out["patents_2000_2015"].fillna(0.0)
    return out


def counties_2017(src: UsSources) -> pd.DataFrame:
    """All county counts on the 2017 polygons (the us-counties regions).

    Parameters
    ----------
    src : UsSources
        Raw tables.

    Returns
    -------
    pandas.DataFrame
        One row per us-atlas county (3,231), every count column.
    """
    keys = pd.Index(sorted(src.atlas["fips5"]), name="fips5")
    census = to_2017(census_counts(src), src)
    frame_2021, old = legacy_counts(src)
    out = pd.concat([census.reindex(keys), to_2017(frame_2021, src).reindex(keys), old.reindex(keys)], axis=1)
    out["patents_2000_2015"] = out["patents_2000_2015"].fillna(0.0)
    return out


#: Licence line and source agencies/papers of the US sets (us-metros and us-counties use the same measures).
US_LICENSE = "Public domain (U.S. Government works) except the exposure scores (cite; see DATASHEET.md)"
US_SOURCES = (
    "U.S. Census Bureau",
    "BEA",
    "BLS",
    "USDA ERS",
    "USPTO",
    "OMB",
    "Dingel & Neiman (2020)",
    "Felten, Raj & Seamans (2021, 2023)",
    "Eloundou et al. (2024)",
    "Tomlinson et al. (2025)",
    "U.S. Cluster Mapping Project (Delgado, Porter & Stern 2016)",
)
