"""DATASHEET sections shared by the two US sets (methods for the traps, vintages, rebuild)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import ct
from .us_common import UsSources, bea_counts, knowledge_gdp, knowledge_gdp_direct, laus_counts
from .us_geometry import UsFaces


def ct_matrix_table(src: UsSources) -> str:
    """Markdown table of the fitted Connecticut matrix (persons, 2021).

    Parameters
    ----------
    src : UsSources
        Raw tables with the fitted allocation.

    Returns
    -------
    str
        Markdown table: planning regions (rows) x legacy counties (columns).
    """
    m = src.ct_alloc.matrix.round(0)
    head = "| region \\ legacy county | " + " | ".join(m.columns) + " |"
    rule = "|---|" + "---|" * len(m.columns)
    rows = [
        f"| {idx} | " + " | ".join("" if v == 0 else f"{int(v):,}" for v in row) + " |"
        for idx, row in zip(m.index, m.to_numpy(), strict=True)
    ]
    return "\n".join([head, rule, *rows])


def seed_effect(src: UsSources) -> str:
    """Largest relative change of planning-region rates between the town-count and the uniform IPF seed.

    Parameters
    ----------
    src : UsSources
        Raw tables (BEA, LAUS, USPTO legacy-county values and both allocations).

    Returns
    -------
    str
        A short list "rate: largest change (region)".
    """
    y2021, pop_avg = bea_counts(src)
    legacy = y2021.reindex(ct.LEGACY).join(pop_avg.reindex(ct.LEGACY))
    legacy = legacy.join(laus_counts(src).reindex(ct.LEGACY))
    legacy["patents"] = src.uspto.set_index("fips5")["patents_2000_2015"].reindex(ct.LEGACY)
    rates = {
        "income per capita": ("personal_income_2021_k", "bea_pop_2021"),
        "GDP per capita": ("gdp_2021_k", "bea_pop_2021"),
        "knowledge GDP share": ("gdp_knowledge_2021_k", "gdp_2021_k"),
        "patents per 100k": ("patents", "pop_avg_2000_2015"),
        "unemployment rate": ("unemployed_2022", "labor_force_2022"),
    }
    parts = []
    still = np.ones(len(ct.REGIONS), dtype=bool)
    for label, (num, den) in rates.items():
        values = []
        for a in (src.ct_alloc.a_region_given_legacy, src.ct_alloc.a_uniform_seed):
            moved = a.to_numpy() @ legacy[[num, den]].to_numpy(dtype=float)
            values.append(moved[:, 0] / moved[:, 1])
        change = np.abs(values[1] / values[0] - 1)
        still &= change < 1e-3
        worst = int(np.argmax(change))
        parts.append(f"{label} {change[worst]:.1%} ({ct.REGIONS[worst]})")
    unmoved = ", ".join(r for r, keep in zip(ct.REGIONS, still, strict=True) if keep)
    return "; ".join(parts) + f". Regions whose rates move by less than 0.1%: {unmoved}"


def connecticut(src: UsSources, faces: UsFaces | None, level: str) -> str:
    """The Connecticut section: planning regions vs legacy counties, method and cost.

    Parameters
    ----------
    src : UsSources
        Raw tables.
    faces : UsFaces or None
        The coverage (for the geometry part of us-metros).
    level : {"counties", "metros"}
        Which set.

    Returns
    -------
    str
        Markdown body.
    """
    alloc = src.ct_alloc
    a = alloc.a_region_given_legacy
    dominant = alloc.dominant_region()
    dom = ", ".join(
        f"{c} -> {r} ({float(a.to_numpy()[ct.REGIONS.index(r), ct.LEGACY.index(c)]):.0%})" for c, r in dominant.items()
    )
    text = f"""
Sources from 2022 on (PopEst V2023, ACS/ERS 2019-23, RUCC 2023, CBSA 2023, Gazetteer 2024) use Connecticut's nine
planning regions (09110-09190); the 2017 polygons, BEA 2021, LAUS 2022 and USPTO use the eight legacy counties
(09001-09015). Planning regions do not nest in counties and the shared data have no town populations, only the
169-town crosswalk (CT Data Collaborative, MIT licence) saying which region x county pairs share towns.

**Method: iterative proportional fitting.** A 9 x 8 matrix of persons, supported only on the 19 region x county
pairs that share towns (seed = number of shared towns), is fitted so that its row sums equal the PopEst planning-region
populations of July 1, 2021 and its column sums the BEA CAINC1 2021 legacy-county populations (rescaled by
{src.popest.set_index("fips5")["POPESTIMATE2021"].reindex(ct.REGIONS).sum() / src.cainc1.set_index("bea_key")["bea_pop_2021"].reindex(ct.LEGACY).sum():.6f}
to the same state total). IPF converged in {alloc.iterations:,} iterations to a largest relative margin error of
{alloc.margin_error:.1e}. Fitted persons:

{ct_matrix_table(src)}

From it, `A[r|c]` (share of legacy county c's population in region r) moves legacy-county counts to planning
regions and `B[c|r]` (share of region r's population in county c) moves planning-region counts to legacy counties:
`X_r = sum_c A[r|c] X_c`, `X_c = sum_r B[c|r] X_r`. Each legacy county's dominant region (largest A):
{dom}.

**What it costs.** (1) Inside every shared cell a count is assumed to be spread like population (e.g. income per
head, patents per head and the unemployment rate are the same in the parts of a county in different regions),
so allocated values carry no within-county variation. (2) The cell sizes are only identified up to the margins:
with an extreme alternative seed (every shared pair weighted 1, whatever its number of towns) the allocation shares
change by up to {alloc.seed_sensitivity:.3f} (absolute) in the worst cell; county and region totals are exact by
construction under any seed. Planning-region rates built from legacy-county counts change under that extreme seed
by at most: {seed_effect(src)}. These bound what the unobserved town sizes can do; the town-count seed is the more
plausible one. The large changes are in regions that take one or a few towns from a county with a different
profile (09150 Northeastern gets one town each from Tolland and New London counties). (3) Rates of allocated rows are ratios of
allocated counts, so they are smooth mixtures of their neighbours' published rates.
"""
    if level == "counties":
        text += """
**In this set** the eight legacy counties are regions (they have polygons). Counts from planning-region sources
(population 2023 and 2020, attainment, migration) are allocated with `B`; BEA, LAUS and USPTO values are published
for legacy counties and used directly. Land area: the state's Gazetteer land area is split by polygon area.
`rucc_2023` and `cbsa_code`/`cbsa_type` of a legacy county are those of its dominant planning region, so rebuilding a
Connecticut metro from legacy counties is only approximate (the tests allow for it). No published rate exists for a
legacy county from 2022+ sources, so the recomputation tests exclude them.
"""
    else:
        assert faces is not None
        text += f"""
**In this set** the 2023 CBSAs are built from planning regions, so every 2023-geography count is exact. BEA
income and GDP, LAUS and USPTO values are moved from legacy counties with `A`. The BEA MSA file is not used for
Connecticut metros: its 2020-delineation metros were legacy-county based, and none passes the same-extent test
(see 'GDP of metros').

**Geometry.** There are no planning-region polygons in the shared data. Each legacy county is split among the
regions it shares towns with by an **area-matched power diagram**: a point goes to the region whose Gazetteer
internal point is nearest in power distance `|x - s_r|^2 - w_r` (in a local plane, longitude x cos 41.5 deg, so
borders are straight lines), with weights solved so that each piece gets a target area. Targets come from IPF of
the same region x county support (seed = shared towns) with margins = Gazetteer 2024 land area of the regions and
polygon areas of the legacy counties. Largest relative error of a piece's area against its target:
{faces.split.area_error:.1e}. The cut lines are noded into the county coverage, so Connecticut pieces share their
borders exactly with their neighbours. These borders are an approximation for display only: land area and every
count come from the statistics, never from the polygons.
"""
    return text


def geometry_notes(faces: UsFaces, quality: dict[str, float], tolerance: float, n_vertices: int) -> str:
    """The geometry section: source, repairs, simplification and measured coverage quality.

    Parameters
    ----------
    faces : UsFaces
        The cleaned coverage.
    quality : dict
        Output of :func:`geo.coverage_quality` on the written polygons.
    tolerance : float
        Simplification tolerance in degrees.
    n_vertices : int
        Vertices of the written polygons.

    Returns
    -------
    str
        Markdown body.
    """
    f = faces.faces
    return f"""
Polygons: U.S. Census Bureau cartographic boundary files 2017 (1:10m), as packaged in npm `us-atlas@3.0.1`
(`counties-10m.json`, object `counties`, 3,231 county equivalents; packaging ISC, geometry public domain). The TopoJSON
is read with GDAL's TopoJSON driver (pyogrio); it has no CRS, so EPSG:4326 (lon/lat) is set, and every geometry is
repaired with `shapely.make_valid` (structure method; collapsed parts dropped; {faces.invalid_input} input geometries were
invalid).

The county coverage is then rebuilt as one topology: all boundaries are noded together and polygonized into
{len(f.geoms):,} faces; each face goes to the county whose repaired polygon contains its representative point.
{f.overlap_faces} faces were claimed by two counties (overlaps from invalid rings; given to the lower FIPS code) and
{f.gap_faces} gap faces were given to a neighbour. Falls Church city, VA (51610) has an empty polygon in the 1:10m file
(collapsed by the packager's simplification): it is restored as a square of its Gazetteer land area (5.3 km2)
centred on its Gazetteer internal point and cut out of its neighbours.

Polygons are dissolved from faces, then the whole coverage is simplified at once with `shapely.coverage_simplify`
(tolerance {tolerance} degrees, boundaries included), which keeps shared borders identical. Written: {n_vertices:,}
vertices. Measured on the written polygons in an equal-area projection (EPSG:6933): overlap = (sum of areas -
area of union) / sum of areas = {quality["overlap_share"]:.1e}; small interior gaps (holes < 1 km2 in the union) =
{quality["gap_share"]:.1e} of the area; `shapely.coverage_is_valid` = {bool(quality["coverage_valid"])}; invalid
geometries = {int(quality["invalid"])}. The polygons are for maps and contiguity; areas come from the Gazetteer.
"""


def bea_combinations(src: UsSources, final: pd.DataFrame | None = None) -> str:
    """The BEA combination-area section.

    Parameters
    ----------
    src : UsSources
        Raw tables.
    final : pandas.DataFrame, optional
        The finished us-counties table; when given, the largest per-capita deviation caused by rounding the
        split counts is measured and reported.

    Returns
    -------
    str
        Markdown body listing every combination and its members.
    """
    names = src.cainc1.set_index("bea_key")["bea_name"]
    rows = "\n".join(f"| {k} | {names[k]} | {', '.join(v)} |" for k, v in src.combos.items())
    rounding = ""
    if final is not None:
        published = src.cainc1.set_index("bea_key")["per_capita_2021"].astype(float)
        stored = final.set_index("fips")["income_per_capita"].astype(float)
        worst = max(
            abs(stored.to_dict()[m] - published.to_dict()[k]) for k, members in src.combos.items() for m in members
        )
        rounding = (
            f" (after rounding the stored split counts, a member's per-capita income differs from BEA's published "
            f"combination value by at most ${worst:,.2f})"
        )
    return f"""
BEA's county statistics (CAINC1, CAGDP2) merge {sum(k.startswith("51") for k in src.combos)} groups of Virginia
independent cities with a surrounding county (519xx) and Maui with Kalawao (15901). Members are read from BEA's own
area names and matched to PopEst county names. Every **count** of a combination (personal income, population, GDP,
knowledge GDP, mean 2000-2015 population) is split to its members in proportion to their PopEst population of
July 1, 2021; every member therefore carries the combination's **per-capita** income, GDP per capita and GDP
shares{rounding}. Cost: the real differences
between a city and its county (e.g. Charlottesville vs Albemarle) are not visible. USPTO publishes the members
separately, so patents are not split (only their BEA population denominator is).

| BEA key | BEA name | members (Census FIPS) |
|---|---|---|
{rows}
"""


def alaska(level: str) -> str:
    """The Alaska section.

    Parameters
    ----------
    level : {"counties", "metros"}
        Which set.

    Returns
    -------
    str
        Markdown body.
    """
    if level == "counties":
        return """
Valdez-Cordova Census Area (02261) was split in 2019 into Chugach (02063) and Copper River (02066). The 2017
polygons have 02261; PopEst, ERS, Gazetteer, LAUS, RUCC, BEA 2021 use 02063/02066; USPTO and BEA before 2020 use
02261. Region 02261 gets the **sum** of 02063 + 02066 counts (exact, since 02261 = 02063 + 02066) and its own value where
the source has one (USPTO patents, BEA mean population 2000-2015). Its knowledge GDP is missing because Copper River's
is suppressed. Both successors have RUCC 9, so 02261 has RUCC 9; neither is in a CBSA.
"""
    return """
Alaska's Chugach (02063) and Copper River (02066) are in no CBSA, so the 02261 split does not affect this set.
"""


def vintages(level: str) -> str:
    """The vintages section.

    Parameters
    ----------
    level : {"counties", "metros"}
        Which set.

    Returns
    -------
    str
        Markdown table of sources, reference periods and geographies.
    """
    rows = [
        ("Population 2023, migration 2021-23", "PopEst V2023", "July 2020 - July 2023", "2023 (CT planning regions)"),
        ("Population 2020", "2020 Census (RUCC 2023 file)", "April 1, 2020", "2023"),
        ("Land area", "Gazetteer 2024", "January 1, 2024", "2024"),
        ("Attainment", "USDA ERS (ACS 5-year)", "2019-2023", "2023"),
        ("Personal income, BEA population", "BEA CAINC1 (Nov 2022)", "2021", "BEA (CT legacy, VA/HI combinations)"),
        ("GDP, knowledge GDP", "BEA CAGDP2 (Dec 2022)", "2021", "BEA; MSA file: pre-2023 delineation"),
        ("Patents", "USPTO PTMT", "grants 2000-2015", "2000s (CT legacy, AK 02261)"),
        ("Unemployment", "BLS LAUS", "2022 annual average", "CT legacy"),
        ("RUCC, CBSA membership", "USDA ERS 2023; OMB July 2023", "2023", "2023"),
    ]
    if level == "metros":
        rows += [
            ("Employment by NAICS, knowledge jobs", "Census CBP 2019", "March 2019", "OMB Sept 2018 CBSAs"),
            ("Dingel & Neiman metro benchmark", "Dingel & Neiman 2020", "OES May 2018 / O*NET", "OES MSA (2013/2015)"),
        ]
    rows += [
        ("Occupation mix (export_jobs)", "BLS OEWS", "May 2025", "2023 CBSAs; BLS nonmetropolitan areas"),
        (
            "Industry mix of the staffing routes",
            "CBP 2019 (CBSA), CBP 2021 (county), BEA CAGDP2 2021",
            "2019-2021",
            "2018 CBSAs / counties",
        ),
        (
            "Exposure scores",
            "Dingel & Neiman; Felten et al.; Eloundou et al.; Tomlinson et al.",
            "2020-2025",
            "SOC 2010/2018",
        ),
    ]
    body = "| indicators | source | reference period | geography |\n|---|---|---|---|\n"
    body += "\n".join(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows)
    return "Vintages differ between indicators; a composite therefore mixes 2015-2025 information.\n\n" + body


def knowledge_gdp_coverage(src: UsSources) -> str:
    """How many BEA county units have knowledge-intensive GDP, directly and through the identities.

    Parameters
    ----------
    src : UsSources
        Raw tables.

    Returns
    -------
    str
        Markdown paragraph.
    """
    lines = src.cagdp2
    direct = int(knowledge_gdp_direct(lines).notna().sum())
    derived = int(knowledge_gdp(lines).notna().sum())
    published = int(lines[1].notna().sum())
    return f"""
Knowledge-intensive GDP (NAICS 51 + 52 + 54 + 55) needs four sector lines that BEA often suppresses with '(D)'
(management of companies most often). Of the {published:,} BEA county units with 2021 GDP, {direct:,} publish all four
lines; BEA's additive identities between published lines recover the sum for {derived - direct:,} more
({derived:,} in all). The rest are missing - suppression is never read as 0. BEA's complementary suppression is
thorough: while developing this build, solving the table's 13 additive identities for single unknowns recovered no
further cell.
"""


def missing_values() -> str:
    """The missing-values section.

    Returns
    -------
    str
        Markdown body.
    """
    return """
Counts that are split or allocated (BEA combination areas, Connecticut, the Maui/Kalawao LAUS row, Alaska) are
fractional before rounding; population and labor-force counts that can be split keep one decimal so that small
areas (Kalawao, 82 residents) keep their rates.
A region without data has an empty cell, never 0. Zeros are real data: USPTO lists every county with at least
one patent in 2000-2015, so an absent county had none (0). BEA '(D)' and CBP unpublished cells are missing, not 0;
sums over several counties are missing when any part is missing. Rates and shares are recomputed here from the
stored (rounded) counts, so `value = numerator / denominator x scale` holds exactly up to the written decimals.
"""


def rebuild() -> str:
    """The rebuild section.

    Returns
    -------
    str
        Markdown body.
    """
    return """
Built by `uv run python scripts/build_regions.py` from the raw files in `../shared/data` (override with `--shared`
or `IDEOPOLIS_SHARED_DATA`); the raw files and their provenance notes are not part of the project. Rebuilding gives
byte-identical files (tests/test_build_regions.py).
"""


def frame_note(df: pd.DataFrame, column: str) -> int:
    """Count non-missing values of a column (helper for the section texts).

    Parameters
    ----------
    df : pandas.DataFrame
        Table.
    column : str
        Column.

    Returns
    -------
    int
        Number of non-missing values.
    """
    return int(df[column].notna().sum())


def gdp_floor(final: pd.DataFrame) -> str:
    """The section on the minimum population of ``gdp_per_capita`` in us-counties.

    Parameters
    ----------
    final : pandas.DataFrame
        The finished us-counties table.

    Returns
    -------
    str
        Markdown body with the counties left out and the resulting spread.
    """
    from .us_spec import MIN_GDP_POP

    out = final[final["gdp_2021_k"].notna() & final["bea_pop_2021"].notna() & final["gdp_per_capita"].isna()]
    names = "; ".join(
        f"{n} ({p:,.0f} residents, ${g / p * 1000:,.0f} per head)"
        for n, p, g in zip(out["name"], out["bea_pop_2021"], out["gdp_2021_k"], strict=True)
    )
    kept = final["gdp_per_capita"].dropna()
    return f"""
`gdp_per_capita` divides GDP by place of **work** by population by place of **residence**. In a county with a few
hundred residents beside oil fields, mines or a power plant, that ratio says nothing about the residents and is
extreme: Loving County, TX has 57 residents and $102.7 million of GDP per head, 2,200 times the median county.
One such value flattens the indicator: COINr's treatment winsorises at most 5 values and then log-transforms with an
offset of 1% of the range, so with Loving County in, 99% of counties scored below 5 of 100 and the indicator acted as
a constant. The build therefore leaves `gdp_per_capita` **missing where BEA's 2021 population is below
{MIN_GDP_POP:,}** (the GDP and population counts stay, so custom regions that include such a county still get a
value from their sums). Left out ({len(out)}): {names}. What remains ranges from ${kept.min():,.0f} to
${kept.max():,.0f} per head (median ${kept.median():,.0f}). GDP per job would be the better ratio, but no jobs count
by place of work covers every county in the shared data (CBP 2021 covers 38 states).
"""
