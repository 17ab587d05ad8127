"""The export-jobs lens of the US sets: occupation mixes, exposure sums and anchored jobs per region.

Routes (the value of the ``lens_route`` column; DATASHEET section 'Export-jobs lens' explains them):

* ``oews_metro``: the region *is* an OEWS metro (2023 CBSA): its published occupation mix.
* ``cbp_cbsa_x_national_staffing``: a micropolitan area: its CBP 2019 industry mix (4-digit NAICS where
  published) plus its government jobs (BEA government GDP x national OEWS government jobs per dollar),
  times OEWS's national staffing pattern.
* ``cbp_county_x_area_staffing``: a county with its own CBP 2021 sector mix inside a larger area whose
  occupation mix is known (its metro from OEWS, its micro area from the route above, or the pooled OEWS
  nonmetropolitan areas of its state): the county's sector mix times the area's own staffing pattern,
  fitted by IPF so that the area's sectors reproduce the area's occupation mix.
* ``enclosing_area``: a county without a sector mix of its own (CBP 2021 lacks 12 states and DC) takes
  the occupation mix of the area it lies in; its counts are the area's scaled by 2020 population.
* ``counties_sectors_x_national_staffing``: a 2023 micro area that is not in CBP 2019 (new code): the sum
  of its counties' sector mixes (CBP 2021, else estimated from BEA GDP by industry) times the national
  staffing pattern.
* ``oews_nonmetro_pool``: the pooled OEWS nonmetropolitan areas of the state (BLS's county composition of
  its nonmetropolitan areas is not in the shared data).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import occupations as oc
from . import readers_us as r
from .spec import SideTable

SUM_COLUMNS = ["occ_emp", *[f"{m}_sum" for m in oc.MEASURES]]
COUNT_COLUMNS = ["occ_emp_total", *SUM_COLUMNS, "anchored_jobs", "anchored_base"]
# CBP 2019 files CBSAs under the OMB September 2018 codes. Successors of the codes OMB renumbered in
# 2023 (matched by title: BEA's and Dingel & Neiman's metro names carry the 2018 titles). The extent test
# in :func:`cbp_code_changes` says whether the area itself changed.
CBP_2018_TO_2023 = {
    "15680": "30500",  # California-Lexington Park, MD -> Lexington Park, MD
    "17460": "17410",  # Cleveland-Elyria, OH -> Cleveland, OH
    "19380": "19430",  # Dayton, OH -> Dayton-Kettering-Beavercreek, OH
    "39140": "39150",  # Prescott, AZ -> Prescott Valley-Prescott, AZ
    "45540": "48680",  # The Villages, FL -> Wildwood-The Villages, FL
}


@dataclass
class LensInputs:
    """Everything the routes need, read once."""

    oews: oc.Oews
    scores: pd.DataFrame
    staffing: oc.Staffing
    prefixes: dict[str, str]
    cbp: pd.DataFrame
    cbp_county: pd.DataFrame
    gov_jobs_per_k: float
    local_share: pd.Series
    telework_by_industry: pd.Series


def prepare(shared: Path, cbp: pd.DataFrame, clusters: pd.DataFrame, gov_gdp_total_k: float) -> LensInputs:
    """Read OEWS and the scores and derive the industry-level constants.

    Parameters
    ----------
    shared : pathlib.Path
        Shared data root.
    cbp : pandas.DataFrame
        CBP 2019 by CBSA (:func:`readers_us.read_cbp_cbsa`), codes already moved to 2023.
    clusters : pandas.DataFrame
        The NAICS -> cluster crosswalk written to clusters.parquet (``naics``, ``traded_local``).
    gov_gdp_total_k : float
        National government GDP 2021 (thousands of $, BEA line 83 summed over counties).

    Returns
    -------
    LensInputs
    """
    oews = oc.load_oews(r.read_oews(shared))
    scores = oc.occupation_scores(shared, oews)
    staffing = oc.Staffing.from_oews(oews)
    prefixes = oc.industry_prefixes(oews.industries)
    gov_jobs_per_k = float(oews.industry_total[oc.GOVERNMENT]) / gov_gdp_total_k
    local = local_share_by_industry(cbp, clusters, prefixes)
    shares = staffing.shares
    tw = (shares.to_numpy() @ scores["telework"].to_numpy()) / shares.sum(axis=1).to_numpy()
    return LensInputs(
        oews=oews,
        scores=scores,
        staffing=staffing,
        prefixes=prefixes,
        cbp=cbp,
        cbp_county=r.read_cbp_county_2021(shared),
        gov_jobs_per_k=gov_jobs_per_k,
        local_share=local,
        telework_by_industry=pd.Series(tw, index=shares.index),
    )


def local_share_by_industry(cbp: pd.DataFrame, clusters: pd.DataFrame, prefixes: dict[str, str]) -> pd.Series:
    """National share of each OEWS industry's CBP employment that is in local clusters.

    6-digit CBP 2019 cells summed over all CBSAs; a code is local when the cluster crosswalk says so
    (codes the crosswalk does not list count as not local). An OEWS industry's share is taken over the
    6-digit codes whose 4-digit (for 4-digit and finer industries), 3-digit or sector parent maps to it, the
    same way :func:`occupations.industry_mix` assigns cells; the cross-industry row gets the share of all
    employment.

    Parameters
    ----------
    cbp : pandas.DataFrame
        CBP 2019 by CBSA.
    clusters : pandas.DataFrame
        ``naics, traded_local``.
    prefixes : dict
        :func:`occupations.industry_prefixes`.

    Returns
    -------
    pandas.Series
        Share in [0, 1] by OEWS industry code (every code :func:`occupations.industry_mix` can emit).
    """
    six = cbp[cbp["digits"] == 6].groupby("naics")["emp"].sum().astype(float)
    local = set(clusters.loc[clusters["traded_local"] == "local", "naics"])
    frame = pd.DataFrame({"emp": six, "local": six.index.isin(local)})
    frame["local_emp"] = frame["emp"] * frame["local"]
    out: dict[str, float] = {}
    for width in (2, 3, 4):
        if width == 2:
            node = [oc.oews_industry(oc.SECTOR_RANGES.get(c[:2], c[:2]), prefixes) for c in frame.index]
        else:
            node = [oc.oews_industry(c[:width], prefixes) for c in frame.index]
        sums = frame.groupby(node)[["emp", "local_emp"]].sum()
        out.update((sums["local_emp"] / sums["emp"]).to_dict())
    out[oc.PRIVATE_ALL] = float(frame["local_emp"].sum() / frame["emp"].sum())
    return pd.Series(out).sort_index()


# BEA CAGDP2 sector lines -> CBP sector codes, and the combined lines whose published total bounds their parts.
GDP_LINES = {
    3: "11", 6: "21", 10: "22", 11: "23", 12: "31-33", 34: "42", 35: "44-45", 36: "48-49", 45: "51", 51: "52",
    56: "53", 60: "54", 64: "55", 65: "56", 69: "61", 70: "62", 76: "71", 79: "72", 82: "81",
}  # fmt: skip
GDP_COMBOS = {50: [51, 56], 59: [60, 64, 65], 68: [69, 70], 75: [76, 79]}


def gdp_sector_mix(gdp: pd.DataFrame, inputs: LensInputs) -> pd.DataFrame:
    """Private jobs by sector estimated from BEA county GDP by industry (for counties CBP 2021 lacks).

    Each published sector's 2021 GDP is turned into jobs at the national rate of OEWS May 2025 jobs per
    dollar of that sector's GDP (sum over all counties). A suppressed '(D)' sector is never 0: where its
    combined line (FIRE 50, professional and business services 59, education and health 68, arts and
    accommodation 75) is published, the part of it the published sectors do not account for is split over
    the suppressed sectors by their national GDP; what remains of private GDP (line 2) goes to the
    cross-industry private pattern at the national private jobs-per-dollar rate.

    Parameters
    ----------
    gdp : pandas.DataFrame
        BEA CAGDP2 2021 by county key (columns = line codes, NaN = suppressed).
    inputs : LensInputs
        OEWS industry totals and the NAICS map.

    Returns
    -------
    pandas.DataFrame
        Counties (BEA keys) x OEWS sector industries, jobs (government not included).
    """
    lines = pd.DataFrame({line: gdp[line] for line in GDP_LINES})
    national = gdp.sum()
    for combo, parts in GDP_COMBOS.items():
        rest = (gdp[combo] - lines[parts].sum(axis=1)).clip(lower=0.0)
        missing = lines[parts].isna()
        weights = missing.mul(national[parts], axis=1)
        weights = weights.div(weights.sum(axis=1).where(lambda x: x > 0), axis=0)
        lines[parts] = lines[parts].fillna(weights.mul(rest, axis=0))
    residual = (gdp[2] - lines.sum(axis=1)).clip(lower=0.0)
    industry = {line: oc.oews_industry(code, inputs.prefixes) for line, code in GDP_LINES.items()}
    rate = pd.Series({line: inputs.oews.industry_total[industry[line]] / lines[line].sum() for line in GDP_LINES})
    jobs = lines.fillna(0.0).mul(rate, axis=1)
    jobs.columns = [industry[line] for line in jobs.columns]
    out = jobs.T.groupby(level=0).sum().T
    out[oc.PRIVATE_ALL] = residual * inputs.oews.industry_total[oc.PRIVATE_ALL] / national[2]
    return out[gdp[2].notna()].sort_index(axis=1)


def with_government(mix: pd.DataFrame, gov_gdp_k: pd.Series, per_k: float) -> pd.DataFrame:
    """Add estimated government jobs (BEA government GDP x national jobs per dollar) as an industry."""
    out = mix.copy()
    out[oc.GOVERNMENT] = gov_gdp_k.reindex(out.index).astype(float) * per_k
    return out


def anchored(mix: pd.DataFrame, inputs: LensInputs) -> pd.DataFrame:
    """Anchored jobs of an industry mix: in local-cluster industries and not teleworkable.

    ``anchored_jobs = sum_i emp_i x local_i x (1 - tw_i)`` over private industries, with ``local_i`` the
    national local-cluster share of industry i (:func:`local_share_by_industry`) and ``tw_i`` the
    teleworkable share of its national staffing pattern; ``anchored_base = sum_i emp_i``.

    Parameters
    ----------
    mix : pandas.DataFrame
        Regions x OEWS industries (jobs); a government column is ignored.
    inputs : LensInputs
        Industry constants.

    Returns
    -------
    pandas.DataFrame
        ``anchored_jobs, anchored_base``.
    """
    private = mix.drop(columns=[oc.GOVERNMENT], errors="ignore")
    local = inputs.local_share.reindex(private.columns)
    assert local.notna().all(), local[local.isna()].index.tolist()
    tw = inputs.telework_by_industry.reindex(private.columns)
    weight = (local * (1.0 - tw)).to_numpy()
    return pd.DataFrame(
        {"anchored_jobs": private.to_numpy() @ weight, "anchored_base": private.sum(axis=1).to_numpy()},
        index=mix.index,
    )


def route_table(mix: pd.DataFrame, inputs: LensInputs) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts of the staffing route for regions with an industry mix (government column included).

    Returns
    -------
    tuple of pandas.DataFrame
        The count columns (:data:`COUNT_COLUMNS`) and the occupation mix (regions x occupations).
    """
    occ = inputs.staffing.occupations(mix)
    out = oc.measures(occ, inputs.scores)
    out.insert(0, "occ_emp_total", mix.sum(axis=1))
    return out.join(anchored(mix, inputs)), occ


def direct_table(areas: pd.Index, inputs: LensInputs) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts of OEWS areas from their published occupation mix (anchored jobs not included)."""
    occ = inputs.oews.area_emp.loc[areas]
    out = oc.measures(occ, inputs.scores)
    out.insert(0, "occ_emp_total", inputs.oews.area_total.loc[areas])
    return out, occ.fillna(0.0)


def sector_mix(frame: pd.DataFrame, inputs: LensInputs) -> pd.DataFrame:
    """OEWS sector-industry mix of county CBP 2021 rows (total and 20 sectors; residual -> cross-industry)."""
    long = frame.stack().rename("emp").reset_index()
    long.columns = ["cbsa", "naics", "emp"]
    long["digits"] = np.where(long["naics"] == "00", 0, 2)
    return oc.industry_mix(long, inputs.prefixes, max_digits=2)


def calibrated_sector_staffing(
    area_sectors: pd.DataFrame, area_occ: pd.DataFrame, inputs: LensInputs
) -> dict[str, pd.DataFrame]:
    """Each area's own sector x occupation staffing shares, fitted by IPF to its occupation mix.

    Parameters
    ----------
    area_sectors : pandas.DataFrame
        Areas x sector industries (jobs, government included).
    area_occ : pandas.DataFrame
        Areas x occupations (the area's published or estimated occupation mix).
    inputs : LensInputs
        National staffing pattern.

    Returns
    -------
    dict
        ``{area: sectors x occupations}`` shares (jobs in the occupation per job of the sector).
    """
    shares = inputs.staffing.shares
    out = {}
    for area in area_sectors.index.intersection(area_occ.index):
        rows = area_sectors.loc[area]
        rows = rows[rows > 0]
        seed = shares.loc[rows.index].mul(rows, axis=0)
        fitted = oc.calibrate(seed, rows, area_occ.loc[area])
        out[area] = fitted.div(rows, axis=0)
    return out


ROUTES = (
    "oews_metro",
    "cbp_cbsa_x_national_staffing",
    "counties_sectors_x_national_staffing",
    "cbp_county_x_area_staffing",
    "bea_gdp_county_x_area_staffing",
    "enclosing_area",
    "oews_nonmetro_pool",
    "none",
)
OCC_COLUMNS = (
    ("soc", "detailed occupation code as OEWS May 2025 publishes it (SOC 2018, or an OEWS aggregate such as 31-1120)"),
    ("title", "OEWS occupation title"),
    ("national_emp", "national employment, May 2025 (OEWS; NaN where not released)"),
    *((m, f"score: {oc.MEASURE_LABELS[m]}") for m in oc.MEASURES),
    *((f"{m}_how", f"how the {m} score was obtained (see 'Occupation scores')") for m in oc.MEASURES),
)


def occupations_side_table() -> SideTable:
    """Metadata of occupations.csv (the per-occupation scores, a reference table)."""
    return SideTable(
        "occupation_scores",
        "occupations.csv",
        "Exposure scores of every detailed occupation OEWS May 2025 publishes, on each measure of the "
        "export_jobs pillar, with how each score was mapped to SOC 2018 (a reference table, not keyed by region).",
        key_column="soc",
        columns=OCC_COLUMNS,
        source="BLS OEWS May 2025; Dingel & Neiman (2020); Felten, Raj & Seamans (2021, 2023); Eloundou et al. "
        "(2024); Tomlinson et al. (2025)",
        vintage="May 2025 (employment); 2020-2025 (scores)",
        license="OEWS public domain; scores under their own terms (see 'Occupation scores')",
    )


def write_occupations(scores: pd.DataFrame, path: Path) -> None:
    """Write occupations.csv with 10 significant digits (deterministic)."""
    from .output import _format_values

    frame = scores.reset_index()
    cols: dict[str, list[str]] = {
        "soc": frame["soc"].tolist(),
        "title": frame["title"].tolist(),
        "national_emp": _format_values(frame["national_emp"], 0),
    }
    for m in oc.MEASURES:
        cols[m] = _format_values(frame[m], None)
    for m in oc.MEASURES:
        cols[f"{m}_how"] = frame[f"{m}_how"].astype(str).tolist()
    import csv

    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(list(cols))
        writer.writerows(zip(*cols.values(), strict=True))


def remap_cbp(cbp: pd.DataFrame, keys: pd.Index) -> tuple[pd.DataFrame, pd.Series]:
    """Move CBP 2019's September 2018 CBSA codes to their 2023 successors (:data:`CBP_2018_TO_2023`).

    Returns
    -------
    tuple
        CBP restricted to 2023 keys (with successor codes), and the 2018 code used per 2023 key (blank
        when none).
    """
    out = cbp.copy()
    out["cbsa"] = out["cbsa"].replace(CBP_2018_TO_2023)
    back = {v: k for k, v in CBP_2018_TO_2023.items()}
    present = set(out["cbsa"])
    used = pd.Series([back.get(k, k) if k in present else "" for k in keys], index=keys)
    return out[out["cbsa"].isin(keys)].reset_index(drop=True), used


def state_nonmetro_pools(inputs: LensInputs) -> pd.DataFrame:
    """Published occupation mix of each state's OEWS nonmetropolitan areas, pooled (rows ``nonmetro-SS``)."""
    areas = inputs.oews.areas
    non = areas[areas["kind"] == "nonmetro"]
    emp = inputs.oews.area_emp.loc[non.index].fillna(0.0)
    pooled = emp.groupby(non["state"].to_numpy()).sum()
    pooled.index = [f"nonmetro-{s}" for s in pooled.index]
    totals = inputs.oews.area_total.loc[non.index].groupby(non["state"].to_numpy()).sum()
    totals.index = pooled.index
    pooled.attrs["totals"] = totals
    return pooled


def _scaled(counts: pd.DataFrame, source: pd.Series, factor: pd.Series) -> pd.DataFrame:
    """Rows of ``counts`` picked by ``source`` and multiplied by ``factor``."""
    picked = counts.reindex(source.to_numpy())
    picked.index = source.index
    return picked.mul(factor, axis=0)


def metro_lens(
    inputs: LensInputs,
    metros: pd.DataFrame,
    deline: pd.DataFrame,
    c23: pd.DataFrame,
    county_sectors: pd.DataFrame,
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Lens counts, route and area of every 2023 CBSA.

    Parameters
    ----------
    inputs : LensInputs
        OEWS, scores, staffing and CBP (2023 codes).
    metros : pandas.DataFrame
        One row per 2023 CBSA (``cbsa_type``, ``state``), indexed by code.
    deline : pandas.DataFrame
        County -> CBSA (``fips5, cbsa``).
    c23 : pandas.DataFrame
        County counts in 2023 geography (``gdp_gov_2021_k``, ``pop_2020``).
    county_sectors : pandas.DataFrame
        Private jobs by sector industry of each 2023 county (CBP 2021, else :func:`gdp_sector_mix`).

    Returns
    -------
    tuple
        The table (``lens_route, lens_area`` and :data:`COUNT_COLUMNS`, indexed by CBSA) and a dict with
        the intermediate mixes (``occ``: CBSA x occupation, ``route_check``: route-vs-direct counts of the
        metros) for the counties and the validation.
    """
    keys = metros.index
    member = deline.set_index("fips5")["cbsa"]
    gov = c23["gdp_gov_2021_k"].reindex(member.index).groupby(member).sum(min_count=1).reindex(keys)
    cbp = inputs.cbp
    mix4 = with_government(oc.industry_mix(cbp, inputs.prefixes, max_digits=4), gov, inputs.gov_jobs_per_k)
    route, route_occ = route_table(mix4.fillna(0.0), inputs)
    is_metro = metros["cbsa_type"] == "metro"
    metro_keys = keys[is_metro]
    direct, direct_occ = direct_table(pd.Index("00" + metro_keys), inputs)
    direct.index = metro_keys
    direct_occ.index = metro_keys

    table = pd.DataFrame(index=keys, columns=COUNT_COLUMNS, dtype=float)
    table["lens_route"] = "none"
    table["lens_area"] = ""
    occ = pd.DataFrame(0.0, index=keys, columns=inputs.scores.index)
    table.loc[metro_keys, direct.columns] = direct
    table.loc[metro_keys, ["lens_route", "lens_area"]] = ["oews_metro", ""]
    table.loc[metro_keys, "lens_area"] = "00" + metro_keys
    occ.loc[metro_keys] = direct_occ
    with_anchor = metro_keys.intersection(route.index)
    table.loc[with_anchor, ["anchored_jobs", "anchored_base"]] = route.loc[
        with_anchor, ["anchored_jobs", "anchored_base"]
    ]

    micro = keys[~is_metro]
    cbp_micro = micro.intersection(route.index)
    table.loc[cbp_micro, route.columns] = route.loc[cbp_micro]
    table.loc[cbp_micro, "lens_route"] = "cbp_cbsa_x_national_staffing"
    table.loc[cbp_micro, "lens_area"] = cbp_micro
    occ.loc[cbp_micro] = route_occ.loc[cbp_micro]

    # Micro areas with no CBP 2019 code: their counties' sector mixes, else the state's pool.
    rest = micro.difference(cbp_micro)
    county_gov = c23["gdp_gov_2021_k"]
    pools = state_nonmetro_pools(inputs)
    pool_counts = oc.measures(pools, inputs.scores)
    pool_counts.insert(0, "occ_emp_total", pools.attrs["totals"])
    nonmetro_pop = _nonmetro_pop(c23, deline, metros)

    def summed(code: str) -> pd.DataFrame | None:
        counties = member.index[member == code]
        if not counties.isin(county_sectors.index).all():
            return None
        sectors = county_sectors.loc[counties].sum().to_frame(code).T
        gov_k = pd.Series({code: county_gov.reindex(counties).sum()})
        return with_government(sectors, gov_k, inputs.gov_jobs_per_k).fillna(0.0)

    for code in rest:
        sectors = summed(code)
        if sectors is not None:
            counts, occ_row = route_table(sectors, inputs)
            table.loc[code, counts.columns] = counts.loc[code]
            table.loc[code, ["lens_route", "lens_area"]] = ["counties_sectors_x_national_staffing", code]
            occ.loc[code] = occ_row.loc[code]
        else:
            counties = member.index[member == code]
            state = counties[0][:2]
            pool = f"nonmetro-{state}"
            share = c23["pop_2020"].reindex(counties).sum() / nonmetro_pop[state]
            table.loc[code, pool_counts.columns] = pool_counts.loc[pool] * share
            table.loc[code, ["lens_route", "lens_area"]] = ["oews_nonmetro_pool", pool]
            occ.loc[code] = pools.loc[pool] * share
    # Metros CBP 2019 does not have (new or split off in 2023): anchored jobs from their counties' sectors.
    for code in metro_keys.difference(route.index):
        sectors = summed(code)
        if sectors is not None:
            table.loc[code, ["anchored_jobs", "anchored_base"]] = anchored(sectors, inputs).loc[code]
    check = route.reindex(metro_keys).dropna(how="all")
    extras = {"occ": occ, "route_check": check, "direct": direct, "pools": pools, "pool_counts": pool_counts}
    return table, extras


def _nonmetro_pop(c23: pd.DataFrame, deline: pd.DataFrame, metros: pd.DataFrame) -> pd.Series:
    """2020 population outside metropolitan areas, by 2-digit state code."""
    metro_counties = deline[deline["cbsa"].isin(metros.index[metros["cbsa_type"] == "metro"])]["fips5"]
    pop = c23["pop_2020"].drop(index=metro_counties, errors="ignore")
    return pop.groupby(pop.index.str[:2]).sum()


def dn_to_2023(dn: pd.DataFrame, titles: pd.Series) -> tuple[pd.Series, list[str]]:
    """Join Dingel & Neiman's OES May 2018 metro areas to 2023 CBSAs.

    An area whose code is a 2023 CBSA code is joined on it. Every other area (New England NECTAs, codes
    renumbered since) is joined to the 2023 CBSA whose title contains one of its principal cities and
    shares a state with it (when several do, the one containing its first city); when two areas meet the
    same CBSA only the one whose first city is the CBSA's first city is kept (Bridgeport-Stamford-Norwalk,
    not Danbury, for Bridgeport-Stamford-Danbury).

    Parameters
    ----------
    dn : pandas.DataFrame
        ``area, area_name, teleworkable_emp``.
    titles : pandas.Series
        2023 CBSA titles by code.

    Returns
    -------
    tuple
        Dingel & Neiman's share by 2023 CBSA code, and the notes of areas that were not matched.
    """

    def split(title: str) -> tuple[list[str], set[str]]:
        place, _, states = title.rpartition(", ")
        return place.split("-"), set(states.split(" ")[0].split("-"))

    direct = dn[dn["area"].isin(titles.index)]
    out = dict(zip(direct["area"], direct["teleworkable_emp"], strict=True))
    candidates: dict[str, list[tuple[str, bool, float]]] = {}
    unmatched = []
    for area, name, value in dn[~dn["area"].isin(titles.index)].itertuples(index=False):
        cities, states = split(name)
        hits = []
        for code, title in titles.items():
            t_cities, t_states = split(title)
            if states & t_states and set(cities) & set(t_cities):
                hits.append((code, cities[0] == t_cities[0], cities[0] in t_cities))
        if len(hits) > 1:  # Boston-Cambridge-Nashua: Boston's CBSA, not Manchester-Nashua
            hits = [h for h in hits if h[2]]
        if len(hits) == 1 and hits[0][0] not in out:
            candidates.setdefault(hits[0][0], []).append((f"{area} {name}", hits[0][1], float(value)))
        else:
            unmatched.append(f"{area} {name}")
    for code, options in sorted(candidates.items()):
        keep = options if len(options) == 1 else [o for o in options if o[1]]
        if len(keep) == 1:
            out[code] = keep[0][2]
            unmatched += [o[0] for o in options if o is not keep[0]]
        else:
            unmatched += [o[0] for o in options]
    return pd.Series(out, dtype=float).sort_index(), sorted(unmatched)


def means(counts: pd.DataFrame) -> pd.DataFrame:
    """Employment-weighted mean of each measure from the count columns."""
    return pd.DataFrame({m: counts[f"{m}_sum"] / counts["occ_emp"] for m in oc.MEASURES}, index=counts.index)


def pearson(a: pd.Series, b: pd.Series) -> tuple[float, int]:
    """Pearson r over the index values where both are known, and that number."""
    both = pd.concat([a, b], axis=1).dropna()
    return float(np.corrcoef(both.iloc[:, 0], both.iloc[:, 1])[0, 1]), len(both)


def metro_validation(
    table: pd.DataFrame, extras: dict[str, object], inputs: LensInputs, dn_msa: pd.Series
) -> dict[str, float]:
    """Validation figures of us-metros: Dingel & Neiman's metro file and the staffing route vs OEWS.

    Returns
    -------
    dict
        ``dn_r, dn_n`` (occupation-based teleworkable share vs MSA_workfromhome.csv), ``route_r_<m>`` and
        ``route_n`` (staffing route vs direct OEWS over the metros with a CBP industry mix), coverage
        summaries.
    """
    direct = means(extras["direct"])  # type: ignore[arg-type]
    check = extras["route_check"]
    assert isinstance(check, pd.DataFrame)
    route = means(check)
    out: dict[str, float] = {}
    out["dn_r"], n = pearson(direct["telework"], dn_msa)
    out["dn_n"] = float(n)
    for m in oc.MEASURES:
        out[f"route_r_{m}"], n = pearson(direct[m], route[m])
        out[f"route_mad_{m}"] = float((direct[m] - route[m]).abs().reindex(route.index).mean())
    out["route_n"] = float(n)
    cov = table["occ_emp"].astype(float) / table["occ_emp_total"].astype(float)
    for name, sub in cov.groupby(table["lens_route"]):
        out[f"coverage_median_{name}"] = float(sub.median())
        out[f"coverage_min_{name}"] = float(sub.min())
    return out


def metro_text(final: pd.DataFrame, stats: dict[str, float], inputs: LensInputs, dn_unmatched: list[str]) -> str:
    """The 'Export-jobs lens' section of us-metros."""
    routes = final["lens_route"].value_counts()
    route_lines = "\n".join(f"| `{k}` | {v} |" for k, v in routes.items())
    r_lines = "\n".join(
        f"| {oc.MEASURE_LABELS[m]} | {stats[f'route_r_{m}']:.3f} | {stats[f'route_mad_{m}']:.4f} |" for m in oc.MEASURES
    )
    cov = "; ".join(
        f"`{k}` median {stats[f'coverage_median_{k}']:.3f} (lowest {stats[f'coverage_min_{k}']:.3f})"
        for k in routes.index
        if f"coverage_median_{k}" in stats
    )
    return f"""
The export_jobs pillar measures how much of a region's work could be done from elsewhere, from its **occupation
mix**: for every measure m, `value = sum_o emp_o x s_o / sum_o emp_o` over the detailed occupations o of the mix,
with the occupation scores s_o of `occupations.csv` (see 'Occupation scores'). The five measures are
`teleworkable_share` (Dingel & Neiman), `aioe_mean`, `lm_aioe_mean` (Felten et al.), `gpt_exposure_mean` (Eloundou et
al.) and `ai_applicability_mean` (Microsoft Research); every indicator with `pillar = "export_jobs"` is one exposure
measure. `anchored_share` is the context indicator (no pillar): the other side of the argument. The sector-mix
teleworkable share of earlier builds is gone (it reached r = 0.76 against Dingel & Neiman's own metro file).

**Routes** (group column `lens_route`; `lens_area` names the area whose data were used):

| route | CBSAs |
|---|---|
{route_lines}

- `oews_metro`: the 393 metropolitan areas are OEWS May 2025 areas (2023 CBSA codes, matched one to one): their
  published employment by detailed occupation is used directly.
- `cbp_cbsa_x_national_staffing`: a micropolitan area's CBP 2019 industry mix times OEWS's national staffing
  pattern (employment by industry x occupation, 444 industries). Industry detail: published 4-digit NAICS cells,
  and for each published 3-digit, sector and total cell whatever its published children do not account for (so
  suppressed cells fall back to their parent's pattern). CBP's NAICS 2017 codes are moved to OEWS's NAICS 2022
  industries (retail trade and publishing/broadcasting were recoded in 2022; nonstore retail maps to the retail
  sector as a whole); private schools and hospitals use OEWS's privately owned patterns. CBP has no government:
  government jobs are estimated as the area's BEA government GDP 2021 (CAGDP2 line 83, summed over its counties) x
  national OEWS government employment / national government GDP ({inputs.gov_jobs_per_k * 1000:.2f} jobs per
  $1 million), with OEWS's all-government staffing pattern (incl. state and local schools and hospitals).
- `counties_sectors_x_national_staffing`: a micro area new in 2023 (no CBP 2019 code): the sum of its counties'
  sector mixes (CBP 2021 where it covers them, else estimated from BEA GDP by industry as in us-counties) plus
  government, times the national sector staffing pattern. Metros that CBP 2019 lacks take their anchored jobs from
  the same county sector mixes.
- `oews_nonmetro_pool`: otherwise the pooled published mix of the OEWS nonmetropolitan areas of its state (micro
  areas lie inside them; BLS's county composition of these areas is not in the shared data), its counts scaled by
  the area's share of the state's nonmetropolitan 2020 population.

**Coverage** (`occ_coverage` = published detailed employment / all-occupation employment): {cov}. Shares are taken
over published detailed employment, as the OEWS documentation advises.

**Check of the staffing route against OEWS**: on the {int(stats["route_n"])} metros that have both a CBP 2019
industry mix and their own published OEWS mix, Pearson r between the route's and the published mix's value, and the mean
absolute difference:

| measure | r | mean absolute difference |
|---|---|---|
{r_lines}

**Validation against Dingel & Neiman's published metro file** (`MSA_workfromhome.csv`, OES May 2018, their own
occupation-based shares): the occupation-based `teleworkable_share` correlates r = {stats["dn_r"]:.3f} with it over
n = {int(stats["dn_n"])} matched metros (tests/test_lens_build.py requires r >= 0.9). Matching: an area whose code
is a 2023 CBSA code is joined on it; New England NECTAs and renumbered areas are joined to the 2023 CBSA whose title
shares a principal city and a state (e.g. 71650 Boston-Cambridge-Nashua NECTA -> 14460, 17460 Cleveland-Elyria ->
17410); areas not matched: {"; ".join(dn_unmatched)}. The matched value is stored as `dn_msa_teleworkable_share`.
"""


def scores_text(scores: pd.DataFrame) -> str:
    """The 'Occupation scores' section: rule, sources, licences and how much employment each rule covers."""
    w = scores["national_emp"].fillna(0.0)
    lines = []
    for m in oc.MEASURES:
        how = scores[f"{m}_how"]
        parts = ", ".join(
            f"{k} {int((how == k).sum())} ({w[how == k].sum() / w.sum():.1%} of jobs)" for k in sorted(how.unique())
        )
        lines.append(f"| {oc.MEASURE_LABELS[m]} | {parts} |")
    table = "\n".join(lines)
    return f"""
`occupations.csv` gives every detailed occupation of OEWS May 2025 ({len(scores)} codes) a score on each measure.
{oc.SCORE_RULE}
How each measure's scores were obtained (occupations, share of national OEWS employment):

| measure | rule: occupations (share of jobs) |
|---|---|
{table}

Sources, vintages and licences of the scores: Dingel & Neiman (2020), J. Public Economics 189:104235, O*NET-based
teleworkability of OES May 2018 occupations (replication repository github.com/jdingel/DingelNeiman-workathome under
GPL-3.0; cite the paper). Felten, Raj & Seamans (2021), Strategic Management Journal 42(12):2195-2217, AIOE (2010s AI
applications) and Felten, Raj & Seamans (2023), arXiv:2303.01157, language-modelling AIOE; SOC 2010;
github.com/AIOE-Data/AIOE has no licence file: the authors publish the data openly and ask for the citation. Eloundou,
Manning, Mishkin & Rock (2024), Science 384:1306-1308, GPT-4-rated exposure beta on O*NET-SOC 2019 (MIT licence).
Tomlinson, Jaffe, Wang, Counts & Suri (2025), arXiv:2507.07935, AI applicability from 2024 Bing Copilot
conversations, SOC 2018 (CC BY 4.0; Microsoft Research). Blinder's (2007) offshorability index is licensed for
non-commercial use only: nothing here is derived from it.
"""


def county_lens(
    inputs: LensInputs,
    groups: pd.DataFrame,
    counts: pd.DataFrame,
    metro_table: pd.DataFrame,
    extras: dict[str, object],
    deline: pd.DataFrame,
    c23: pd.DataFrame,
    gdp_mix: pd.DataFrame,
) -> pd.DataFrame:
    """Lens counts, route and area of every county polygon.

    Parameters
    ----------
    inputs : LensInputs
        OEWS, scores, staffing, CBP.
    groups : pandas.DataFrame
        ``cbsa_code, cbsa_type, state`` of every county (2017 polygons), indexed by FIPS.
    counts : pandas.DataFrame
        County counts on the 2017 polygons (``pop_2020``, ``gdp_gov_2021_k``).
    metro_table, extras : pandas.DataFrame, dict
        Output of :func:`metro_lens` (CBSA counts and occupation mixes, state pools).
    deline : pandas.DataFrame
        County -> CBSA, 2023.
    c23 : pandas.DataFrame
        County counts in 2023 geography (for pool populations and sectors).
    gdp_mix : pandas.DataFrame
        :func:`gdp_sector_mix` on the 2017 polygons: the sector mix of counties CBP 2021 lacks.

    Returns
    -------
    pandas.DataFrame
        ``lens_route, lens_area`` and :data:`COUNT_COLUMNS`, indexed by FIPS.
    """
    keys = groups.index
    cbsa_occ = extras["occ"]
    pools = extras["pools"]
    pool_counts = extras["pool_counts"]
    assert isinstance(cbsa_occ, pd.DataFrame) and isinstance(pools, pd.DataFrame)
    assert isinstance(pool_counts, pd.DataFrame)
    cbp_sectors = sector_mix(inputs.cbp_county, inputs)
    from_gdp = gdp_mix.dropna(how="all").index.difference(cbp_sectors.index)
    sectors = pd.concat([cbp_sectors, gdp_mix.loc[from_gdp]]).fillna(0.0)
    sectors = with_government(sectors, counts["gdp_gov_2021_k"], inputs.gov_jobs_per_k).fillna(0.0)
    sectors = sectors.reindex(keys.intersection(sectors.index))

    area = pd.Series("", index=keys, dtype=object)
    in_cbsa = groups["cbsa_type"].isin(["metro", "micro"])
    area[in_cbsa] = groups.loc[in_cbsa, "cbsa_code"]
    territories = groups["state"].isin(["AS", "GU", "MP", "VI"])
    area[~in_cbsa & ~territories] = "nonmetro-" + keys[~in_cbsa & ~territories].str[:2]

    # Area sector mixes (rows of the IPF): CBP 2019 sectors of the CBSA, else the sum of its counties;
    # the pools: the state's nonmetropolitan counties with a CBP 2021 sector mix.
    cbsa_sectors = with_government(
        oc.industry_mix(inputs.cbp, inputs.prefixes, max_digits=2),
        c23["gdp_gov_2021_k"].reindex(deline["fips5"]).groupby(deline["cbsa"].to_numpy()).sum(min_count=1),
        inputs.gov_jobs_per_k,
    ).fillna(0.0)
    by_area = sectors.groupby(area.reindex(sectors.index).to_numpy()).sum()
    area_sectors = pd.concat([cbsa_sectors, by_area.drop(index=cbsa_sectors.index, errors="ignore")]).fillna(0.0)
    area_occ = pd.concat([cbsa_occ, pools])
    singles = deline["cbsa"].value_counts()
    whole = pd.Series(
        [
            a in singles.index and singles[a] == 1 and deline.set_index("cbsa").loc[a, "fips5"] == k
            for k, a in area.items()
        ],
        index=keys,
    )
    needs_fit = sorted(set(area[~whole & keys.isin(sectors.index) & (area != "")]))
    staffing = calibrated_sector_staffing(
        area_sectors.loc[area_sectors.index.intersection(needs_fit)], area_occ, inputs
    )

    table = pd.DataFrame(index=keys, columns=COUNT_COLUMNS, dtype=float)
    table["lens_route"] = "none"
    table["lens_area"] = area
    area_counts = pd.concat([metro_table[COUNT_COLUMNS].astype(float), pool_counts])
    # The fit spreads all of the area's jobs over occupations; the area's published share carries over, so a
    # county's coverage is its area's (OEWS's suppressed cells stay unknown rather than being filled in).
    coverage = area_counts["occ_emp"] / area_counts["occ_emp_total"]
    staffing = {a: pattern * float(coverage[a]) for a, pattern in staffing.items()}
    area_route = metro_table["lens_route"]
    # 1. The county is its CBSA: the CBSA's own values.
    for k in keys[whole]:
        table.loc[k, COUNT_COLUMNS] = area_counts.loc[area[k], COUNT_COLUMNS]
        table.loc[k, "lens_route"] = area_route[area[k]]
    # 2. Own sector mix inside a larger area: the area's fitted staffing pattern.
    fit = [k for k in keys[~whole] if k in sectors.index and area[k] in staffing]
    rows = []
    for k in fit:
        pattern = staffing[area[k]]
        mix = sectors.loc[k, pattern.index]
        rows.append(mix.to_numpy() @ pattern.to_numpy())
    if fit:
        occ = pd.DataFrame(np.vstack(rows), index=fit, columns=inputs.scores.index)
        fitted = oc.measures(occ, inputs.scores)
        fitted.insert(0, "occ_emp_total", sectors.loc[fit].sum(axis=1))
        fitted = fitted.join(anchored(sectors.loc[fit], inputs))
        table.loc[fit, fitted.columns] = fitted
        table.loc[fit, "lens_route"] = np.where(
            pd.Index(fit).isin(from_gdp), "bea_gdp_county_x_area_staffing", "cbp_county_x_area_staffing"
        )
    # 3. No sector mix of its own: the enclosing area's values, scaled by population.
    rest = keys[~whole & ~keys.isin(fit) & (area != "")]
    pop = counts["pop_2020"].astype(float)
    area_pop = c23["pop_2020"].reindex(deline["fips5"]).groupby(deline["cbsa"].to_numpy()).sum()
    nonmetro = _nonmetro_pop(c23, deline, metro_table.assign(cbsa_type=_types(metro_table, deline)))
    area_pop = pd.concat([area_pop, nonmetro.rename(lambda s: f"nonmetro-{s}")])
    share = pop.reindex(rest) / area_pop.reindex(area[rest].to_numpy()).to_numpy()
    table.loc[rest, COUNT_COLUMNS] = _scaled(area_counts[COUNT_COLUMNS], area[rest], share).to_numpy()
    table.loc[rest, "lens_route"] = "enclosing_area"
    return table


def _types(metro_table: pd.DataFrame, deline: pd.DataFrame) -> pd.Series:
    """CBSA type by code (metro tables carry routes, not types)."""
    return deline.drop_duplicates("cbsa").set_index("cbsa")["cbsa_type"].reindex(metro_table.index)


def county_validation(table: pd.DataFrame, aige: pd.Series, context: pd.DataFrame) -> dict[str, float]:
    """Pearson r of the county AI-exposure measures against Felten et al.'s AIGE, and coverage by route."""
    m = means(table.astype({c: float for c in COUNT_COLUMNS}))
    out: dict[str, float] = {}
    for measure in ("aioe", "lm_aioe", "gpt", "ai_app", "telework"):
        out[f"aige_r_{measure}"], n = pearson(m[measure], aige)
    out["aige_n"] = float(n)
    direct_routes = table["lens_route"] == "cbp_county_x_area_staffing"
    out["aige_r_aioe_fitted"], n = pearson(m.loc[direct_routes, "aioe"], aige)
    out["aige_n_fitted"] = float(n)
    oews = table["lens_route"] == "oews_metro"
    out["aige_r_aioe_oews"], n = pearson(m.loc[oews, "aioe"], aige)
    out["aige_n_oews"] = float(n)
    out["aige_r_income"], _ = pearson(context["income_per_capita"], aige)
    out["aige_r_ba"], _ = pearson(context["ba_plus_share"], aige)
    out["aioe_r_income"], _ = pearson(context["income_per_capita"], m["aioe"])
    out["aioe_r_ba"], _ = pearson(context["ba_plus_share"], m["aioe"])
    return out


def county_text(final: pd.DataFrame, stats: dict[str, float]) -> str:
    """The 'Export-jobs lens' section of us-counties."""
    routes = final["lens_route"].value_counts()
    route_lines = "\n".join(f"| `{k}` | {v} |" for k, v in routes.items())
    cov = final["occ_coverage"].groupby(final["lens_route"]).median().dropna()
    cov_text = "; ".join(f"`{k}` {v:.3f}" for k, v in cov.items())
    short = {"aioe": "AIOE", "lm_aioe": "LM-AIOE", "gpt": "GPT exposure", "ai_app": "AI applicability"}
    aige = ", ".join(f"{short[m]} r = {stats[f'aige_r_{m}']:.3f}" for m in short)
    return f"""
Every county has the export_jobs pillar (the five exposure measures of us-metros, same formulas and occupation
scores: see `occupations.csv` and 'Occupation scores') and the context indicator `anchored_share`. OEWS publishes no
county estimates, so each county's occupation mix comes by one of these routes (group column `lens_route`; the area
used is in `lens_area`):

| route | counties |
|---|---|
{route_lines}

- `oews_metro` / `cbp_cbsa_x_national_staffing` / `counties_sectors_x_national_staffing` / `oews_nonmetro_pool` (on a
  county that is a whole CBSA by itself): the CBSA's own values (see us-metros' DATASHEET).
- `cbp_county_x_area_staffing`: the county's CBP 2021 sector mix (20 sectors; CBP 2021 covers 38 states, with
  Connecticut's legacy counties) plus its government jobs (BEA government GDP 2021 x national OEWS government jobs
  per dollar), times **its area's own staffing pattern**: the area is the county's 2023 CBSA (metro: OEWS's published
  mix; micro: the CBSA's industry-mix route) or, outside CBSAs, the pooled OEWS nonmetropolitan areas of its state.
  The area's sector x occupation matrix is fitted by iterative proportional fitting (200 sweeps) from the national
  sector staffing pattern to the area's sector employment (rows: CBP 2019 sectors of the CBSA plus government; for a
  pool, the sum over the state's nonmetropolitan counties with CBP 2021) and to the area's occupation mix (columns),
  so that the counties of an area differ by their sector mix while together they reproduce the area's occupations.
  The fit spreads all jobs; the county's published detailed employment (`occ_emp`) is then scaled to its area's
  coverage, so a county's coverage is its area's.
- `bea_gdp_county_x_area_staffing`: a county CBP 2021 lacks (the 12 states and DC missing from the extract: CA, FL,
  GA, IL, IN, MI, NY, NC, OH, PA, TX, VA, DC) gets a sector mix from BEA's county GDP by industry 2021 (CAGDP2, which
  covers every county): each published sector's GDP x national OEWS jobs per dollar of that sector's GDP; a '(D)'
  sector is never 0: the unexplained part of its published combined line (FIRE, professional and business services,
  education and health, arts and accommodation) is split over the suppressed sectors by national GDP, and the rest of
  private GDP goes to the cross-industry pattern. Then as above, with the area's fitted staffing. GDP is not jobs
  (capital-intensive sectors and imputed rent weigh more), which the check below measures.
- `enclosing_area`: a county with neither (Puerto Rico: no CBP, no BEA) takes its area's shares; its counts are the
  area's scaled by the county's share of the area's 2020 population.
- `none`: the island areas (American Samoa, Guam, Northern Mariana Islands, U.S. Virgin Islands), which OEWS does
  not cover: no lens.

Median coverage (published detailed employment / all jobs) by route: {cov_text}.

**Validation against Felten, Raj & Seamans' county AI exposure (AIGE)** (`AIGE_by_county_FIPS.csv`: their AIOE
weighted by each county's ~2019 industry mix and national industry staffing; 2010s county geography, matched on
FIPS, n = {int(stats["aige_n"])}): {aige}; for the AIOE measure on the counties with their own sector mix
(`cbp_county_x_area_staffing`, n = {int(stats["aige_n_fitted"])}) r = {stats["aige_r_aioe_fitted"]:.3f}; on the
single-county metros, where this set uses OEWS's published mix, r = {stats["aige_r_aioe_oews"]:.3f} (n =
{int(stats["aige_n_oews"])}). The agreement is weak outside the published metros, and AIGE is itself an estimate: it
weights pre-LLM AIOE by a 2019 county industry mix with national staffing and, on this sample, correlates r =
{stats["aige_r_income"]:.3f} with income per head and r = {stats["aige_r_ba"]:.3f} with the share of adults with a
degree (this set's `aioe_mean`: {stats["aioe_r_income"]:.3f} and {stats["aioe_r_ba"]:.3f}). The check against published
metros below is the stronger test of the county routes.
"""


def csa_check(
    inputs: LensInputs,
    groups: pd.DataFrame,
    extras: dict[str, object],
    c23: pd.DataFrame,
    deline: pd.DataFrame,
    gdp_mix_2023: pd.DataFrame,
) -> dict[str, float]:
    """Test the county route where the truth is known: metros inside combined statistical areas.

    Each CSA with two or more metros plays the area and its metros play the counties: the metros' CBP 2019
    sector mixes (plus government) times the CSA's IPF-fitted staffing pattern (the route of
    ``cbp_county_x_area_staffing``) are compared with the metros' own OEWS occupation mixes; so are the
    national sector staffing pattern without fitting, the BEA-GDP sector mix (``gdp_mix_2023``, summed over the
    metro's counties; the ``bea_gdp_county_x_area_staffing`` route) with the fitted pattern, and simply giving
    every metro the CSA's value.

    Returns
    -------
    dict
        ``csa_n`` and, for ``fitted``, ``national`` and ``area``, ``csa_r_<variant>_<measure>`` (Pearson r)
        and ``csa_mad_<variant>_<measure>`` (mean absolute difference).
    """
    truth = extras["occ"]
    assert isinstance(truth, pd.DataFrame)
    gov = c23["gdp_gov_2021_k"].reindex(deline["fips5"]).groupby(deline["cbsa"].to_numpy()).sum(min_count=1)
    sectors = with_government(oc.industry_mix(inputs.cbp, inputs.prefixes, max_digits=2), gov, inputs.gov_jobs_per_k)
    sectors = sectors.fillna(0.0)
    metros = groups[(groups["cbsa_type"] == "metro") & (groups["csa"] != "") & groups.index.isin(sectors.index)]
    gdp_sectors = gdp_mix_2023.reindex(deline["fips5"]).fillna(0.0).groupby(deline["cbsa"].to_numpy()).sum()
    gdp_sectors = with_government(gdp_sectors, gov, inputs.gov_jobs_per_k).fillna(0.0)
    rows: dict[str, list[np.ndarray]] = {"fitted": [], "gdp": [], "national": [], "area": [], "truth": []}
    index: list[str] = []
    for _, sub in metros.groupby("csa", sort=True):
        if len(sub) < 2:
            continue
        members = list(sub.index)
        area_sectors = sectors.loc[members].sum().to_frame("csa").T
        area_occ = truth.loc[members].sum().to_frame("csa").T
        pattern = calibrated_sector_staffing(area_sectors, area_occ, inputs)["csa"]
        national = inputs.staffing.occupations(sectors.loc[members])
        for m in members:
            rows["fitted"].append(sectors.loc[m, pattern.index].to_numpy() @ pattern.to_numpy())
            rows["gdp"].append(
                gdp_sectors.reindex(columns=pattern.index).fillna(0.0).loc[m].to_numpy() @ pattern.to_numpy()
            )
            rows["national"].append(national.loc[m].to_numpy())
            rows["area"].append(area_occ.iloc[0].to_numpy())
            rows["truth"].append(truth.loc[m].to_numpy())
            index.append(m)
    got = {
        k: means(oc.measures(pd.DataFrame(np.vstack(v), index=index, columns=inputs.scores.index), inputs.scores))
        for k, v in rows.items()
    }
    out: dict[str, float] = {"csa_n": float(len(index))}
    for variant in ("fitted", "gdp", "national", "area"):
        for m in oc.MEASURES:
            out[f"csa_r_{variant}_{m}"], _ = pearson(got[variant][m], got["truth"][m])
            out[f"csa_mad_{variant}_{m}"] = float((got[variant][m] - got["truth"][m]).abs().mean())
    return out


def csa_text(stats: dict[str, float]) -> str:
    """Markdown table of :func:`csa_check`."""
    lines = []
    for m in oc.MEASURES:
        cells = " | ".join(
            f"{stats[f'csa_r_{v}_{m}']:.3f} ({stats[f'csa_mad_{v}_{m}']:.4f})"
            for v in ("fitted", "gdp", "national", "area")
        )
        lines.append(f"| {oc.MEASURE_LABELS[m]} | {cells} |")
    body = "\n".join(lines)
    return f"""
**Check of the county route where the truth is known.** OEWS publishes no counties, but it publishes every metro,
and {int(stats["csa_n"])} metros lie in combined statistical areas with two or more metros. Treating each such CSA
as the area and its metros as the 'counties', the metros' sector mixes times the CSA's fitted staffing pattern
(this set's `cbp_county_x_area_staffing` route; with BEA-GDP sector mixes of the metros' counties, its
`bea_gdp_county_x_area_staffing` route) are compared with the metros' own published mixes. Pearson r (mean absolute
difference in brackets), against two simpler routes:

| measure | CBP sector mix x area's fitted staffing (`cbp_county_x_area_staffing`) | BEA-GDP sector mix x area's fitted staffing (`bea_gdp_county_x_area_staffing`) | CBP sector mix x national staffing | area's value for every part (`enclosing_area`) |
|---|---|---|---|---|
{body}
"""
