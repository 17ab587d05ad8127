"""Indicator metadata of the two US sets (us-metros and us-counties)."""

from __future__ import annotations

from .spec import DN_LICENSE, PUBLIC_DOMAIN, Indicator

POPEST = "U.S. Census Bureau, Population Estimates Program, Vintage 2023"
POPEST_TABLE = "co-est2023-alldata.csv (county totals and components of change, April 2020 - July 2023)"
ERS = "USDA Economic Research Service, County-level Data Sets: Education (ACS 2019-23 5-year)"
ERS_TABLE = "Education.csv, columns '... 2019-23' (four attainment counts)"
BEA = "U.S. Bureau of Economic Analysis, Regional Economic Accounts"
CAINC1 = "CAINC1 (personal income summary), CAINC1__ALL_AREAS_1969_2021.csv, release of Nov 16, 2022"
CAGDP2 = "CAGDP2 (GDP by county and metropolitan area, current dollars), release of Dec 8, 2022"
USPTO = "USPTO Patent Technology Monitoring Team"
USPTO_TABLE = "U.S. utility patent counts by county of the first-named inventor, 2000-2015 (Total)"
LAUS = "U.S. Bureau of Labor Statistics, Local Area Unemployment Statistics"
LAUS_TABLE = "laucnty22 (labor force data by county, 2022 annual averages)"
GAZ = "U.S. Census Bureau, 2024 Gazetteer Files"
GAZ_TABLE = "2024_Gaz_counties_national.txt: ALAND"
RUCC = "U.S. Census Bureau, 2020 Census, as listed in USDA ERS Rural-Urban Continuum Codes 2023"
CBP = "U.S. Census Bureau, County Business Patterns 2019"
CBP_TABLE = "CBP 2019 by metropolitan/micropolitan statistical area x NAICS 2017 (Census API 'cbp', EMP)"
DN = "Dingel & Neiman (2020), 'How many jobs can be done at home?', J. Public Economics 189"
# GDP per resident of a county with fewer residents than this is left missing (see gdp_per_capita).
MIN_GDP_POP = 1000
# Net migration is a count that can be negative: the manifest's min lifts the validator's "count >= 0" rule.
NET_FLOW_MIN = -100_000_000

SECTOR_TITLES = {
    "11": "agriculture, forestry, fishing and hunting (CBP scope: mostly 113-115)",
    "21": "mining, quarrying, and oil and gas extraction",
    "22": "utilities",
    "23": "construction",
    "31-33": "manufacturing",
    "42": "wholesale trade",
    "44-45": "retail trade",
    "48-49": "transportation and warehousing",
    "51": "information",
    "52": "finance and insurance",
    "53": "real estate and rental and leasing",
    "54": "professional, scientific, and technical services",
    "55": "management of companies and enterprises",
    "56": "administrative and support and waste management services",
    "61": "educational services",
    "62": "health care and social assistance",
    "71": "arts, entertainment, and recreation",
    "72": "accommodation and food services",
    "81": "other services (except public administration)",
    "99": "industries not classified",
}


def sector_column(naics: str) -> str:
    """Column name of a CBP sector's employment, e.g. ``emp_31_33``.

    Parameters
    ----------
    naics : str
        Sector code as in CBP ("31-33").

    Returns
    -------
    str
        Column name.
    """
    return "emp_" + naics.replace("-", "_")


def population_indicators(level: str) -> list[Indicator]:
    """Population, land area and talent indicators.

    Parameters
    ----------
    level : {"counties", "metros"}
        Which set the metadata is for (changes the caveats).

    Returns
    -------
    list of Indicator
        ``pop_2023, pop_2020, land_km2, pop_25plus, ba_plus_25, ba_plus_share``.
    """
    ct_note = (
        "Connecticut legacy counties: allocated from planning regions with the IPF shares B[c|r] (see 'Connecticut')."
        if level == "counties"
        else "Sum over the CBSA's 2023 counties (Connecticut planning regions exactly)."
    )
    return [
        Indicator(
            "pop_2023",
            "Population, July 1, 2023",
            "persons",
            "count",
            0,
            "Resident population estimate for July 1, 2023 (POPESTIMATE2023).",
            POPEST,
            POPEST_TABLE,
            "V2023 (July 1, 2023)",
            PUBLIC_DOMAIN,
            caveats="No Puerto Rico or island areas in PopEst: missing there. " + ct_note,
        ),
        Indicator(
            "pop_2020",
            "Population, 2020 Census",
            "persons",
            "count",
            0,
            "2020 Census resident population (Population_2020 of the RUCC 2023 file), the only population "
            "that also covers Puerto Rico and the island areas.",
            RUCC,
            "Ruralurbancontinuumcodes2023.csv: Population_2020",
            "April 1, 2020",
            PUBLIC_DOMAIN,
            caveats=ct_note,
        ),
        Indicator(
            "land_km2",
            "Land area",
            "km2",
            "count",
            3,
            "ALAND (square metres) / 1,000,000. Not measured on the (simplified) polygons.",
            GAZ,
            GAZ_TABLE,
            "January 1, 2024 geography",
            PUBLIC_DOMAIN,
            caveats=(
                "Connecticut legacy counties are not in the 2024 Gazetteer: the state's land area (sum of "
                "the planning regions' ALAND) is split by each legacy polygon's share of the state's polygon "
                "area (equal-area projection). Island areas: missing (not in the Gazetteer)."
                if level == "counties"
                else "Sum of member counties' ALAND (Connecticut: planning regions, exact)."
            ),
        ),
        Indicator(
            "pop_25plus",
            "Population aged 25 and over",
            "persons",
            "count",
            0,
            "Sum of the four attainment counts for 2019-23 (less than high school, high school, some "
            "college or associate, bachelor's or higher).",
            ERS,
            ERS_TABLE,
            "ACS 2019-2023",
            PUBLIC_DOMAIN,
            caveats=ct_note,
        ),
        Indicator(
            "ba_plus_25",
            "Adults 25+ with a bachelor's degree or higher",
            "persons",
            "count",
            0,
            "Count 'Bachelor's degree or higher, 2019-23'.",
            ERS,
            ERS_TABLE,
            "ACS 2019-2023",
            PUBLIC_DOMAIN,
            caveats=ct_note,
        ),
        Indicator(
            "ba_plus_share",
            "Adults 25+ with a bachelor's degree or higher",
            "share of adults 25+",
            "share",
            6,
            "ba_plus_25 / pop_25plus (computed from the counts; equals ERS's published percent / 100 for counties).",
            ERS,
            ERS_TABLE,
            "ACS 2019-2023",
            PUBLIC_DOMAIN,
            pillar="talent",
            direction=1,
            numerator="ba_plus_25",
            denominator="pop_25plus",
            scale=1,
            caveats="5-year pooled ACS estimates; small counties have wide margins of error.",
        ),
    ]


def migration_indicators(level: str) -> list[Indicator]:
    """Net domestic and international migration rates (PopEst V2023, 2021-2023).

    Parameters
    ----------
    level : {"counties", "metros"}
        Which set the metadata is for.

    Returns
    -------
    list of Indicator
        Person-years denominator, the two 3-year migration counts and the two annualised rates.
    """
    formula = (
        " = sum over y = 2021..2023 of {c}[y] / popyears_2021_2023 x 1,000: the annual average rate per "
        "1,000 mid-year residents. PopEst's own single-year rate is R{c}[y] = {c}[y] / ((POPESTIMATE[y-1] + "
        "POPESTIMATE[y]) / 2) x 1,000 (verified to 1e-7), so this is the person-year-weighted mean of the "
        "three published rates."
    )
    inter = "Net international migration was revised upward substantially in V2024 (not used here)."
    return [
        Indicator(
            "popyears_2021_2023",
            "Person-years, mid-2020 to mid-2023",
            "person-years",
            "count",
            1,
            "Sum over y = 2021..2023 of (POPESTIMATE[y-1] + POPESTIMATE[y]) / 2: the denominator of PopEst's "
            "published component rates, summed over the three years.",
            POPEST,
            POPEST_TABLE,
            "V2023 (July 1, 2020 - July 1, 2023)",
            PUBLIC_DOMAIN,
            caveats="Missing for Puerto Rico (not in PopEst).",
        ),
        Indicator(
            "dom_mig_2021_2023",
            "Net domestic migration, mid-2020 to mid-2023",
            "persons",
            "count",
            0,
            "DOMESTICMIG2021 + DOMESTICMIG2022 + DOMESTICMIG2023 (each year ends July 1).",
            POPEST,
            POPEST_TABLE,
            "V2023 (July 1, 2020 - July 1, 2023)",
            PUBLIC_DOMAIN,
            min=NET_FLOW_MIN,
            caveats=(
                "Net flows between US counties cancel out when counties are summed, so a metro's value is "
                "net of moves between its own counties."
                if level == "metros"
                else ""
            ),
        ),
        Indicator(
            "intl_mig_2021_2023",
            "Net international migration, mid-2020 to mid-2023",
            "persons",
            "count",
            0,
            "INTERNATIONALMIG2021 + INTERNATIONALMIG2022 + INTERNATIONALMIG2023.",
            POPEST,
            POPEST_TABLE,
            "V2023 (July 1, 2020 - July 1, 2023)",
            PUBLIC_DOMAIN,
            min=NET_FLOW_MIN,
            caveats=inter,
        ),
        Indicator(
            "dom_mig_rate",
            "Net domestic migration rate",
            "per 1,000 residents per year",
            "rate",
            4,
            "dom_mig_2021_2023" + formula.format(c="DOMESTICMIG"),
            POPEST,
            POPEST_TABLE,
            "V2023 (July 1, 2020 - July 1, 2023)",
            PUBLIC_DOMAIN,
            pillar="import_people",
            direction=1,
            numerator="dom_mig_2021_2023",
            denominator="popyears_2021_2023",
            scale=1000,
            caveats="Pandemic-era moves (2020-21) are included.",
        ),
        Indicator(
            "intl_mig_rate",
            "Net international migration rate",
            "per 1,000 residents per year",
            "rate",
            4,
            "intl_mig_2021_2023" + formula.format(c="INTERNATIONALMIG"),
            POPEST,
            POPEST_TABLE,
            "V2023 (July 1, 2020 - July 1, 2023)",
            PUBLIC_DOMAIN,
            pillar="import_people",
            direction=1,
            numerator="intl_mig_2021_2023",
            denominator="popyears_2021_2023",
            scale=1000,
            caveats=inter,
        ),
    ]


def bea_indicators(level: str) -> list[Indicator]:
    """Income, GDP and knowledge-intensive GDP (BEA, 2021) and patents (USPTO, 2000-2015).

    Parameters
    ----------
    level : {"counties", "metros"}
        Which set the metadata is for.

    Returns
    -------
    list of Indicator
        BEA population, personal income, GDP, knowledge GDP, patents and their rates.
    """
    combos = (
        "BEA combination areas (Virginia 519xx, Maui + Kalawao 15901) are split to member counties by PopEst "
        "2021 population, so members share the combination's per-capita value."
    )
    ct = (
        "Connecticut: BEA publishes legacy counties (used directly)."
        if level == "counties"
        else "Connecticut: legacy-county values moved to planning regions with the IPF shares A[r|c]."
    )
    gdp_source = (
        "county file"
        if level == "counties"
        else "MSA file where it covers the metro (see 'GDP of metros'), else sum of counties"
    )
    return [
        Indicator(
            "bea_pop_2021",
            "Population, 2021 (BEA)",
            "persons",
            "count",
            1,
            "CAINC1 line 2, 2021 (mid-year population used by BEA for its per-capita figures).",
            BEA,
            CAINC1,
            "2021",
            PUBLIC_DOMAIN,
            caveats=combos + " " + ct + " No Puerto Rico.",
        ),
        Indicator(
            "personal_income_2021_k",
            "Personal income, 2021",
            "thousands of current US$",
            "count",
            1,
            "CAINC1 line 1, 2021.",
            BEA,
            CAINC1,
            "2021",
            PUBLIC_DOMAIN,
            caveats=combos + " " + ct,
        ),
        Indicator(
            "income_per_capita",
            "Per-capita personal income, 2021",
            "current US$ per person",
            "rate",
            2,
            "personal_income_2021_k / bea_pop_2021 x 1,000 (equals CAINC1 line 3 within $1 for counties BEA "
            "publishes directly).",
            BEA,
            CAINC1,
            "2021",
            PUBLIC_DOMAIN,
            pillar="capital",
            direction=1,
            numerator="personal_income_2021_k",
            denominator="bea_pop_2021",
            scale=1000,
            caveats="Personal income is by place of residence. " + combos,
        ),
        Indicator(
            "gdp_2021_k",
            "GDP, 2021",
            "thousands of current US$",
            "count",
            1,
            f"CAGDP2 line 1 (all industry total), 2021; {gdp_source}.",
            BEA,
            CAGDP2,
            "2021",
            PUBLIC_DOMAIN,
            caveats=combos + " " + ct,
        ),
        Indicator(
            "gdp_per_capita",
            "GDP per capita, 2021",
            "current US$ per person",
            "rate",
            2,
            "gdp_2021_k / bea_pop_2021 x 1,000"
            + (
                f"; missing where bea_pop_2021 < {MIN_GDP_POP:,} (the counts are kept)." if level == "counties" else "."
            ),
            BEA,
            CAGDP2 + "; CAINC1 line 2 (population)",
            "2021",
            PUBLIC_DOMAIN,
            pillar="capital",
            direction=1,
            numerator="gdp_2021_k",
            denominator="bea_pop_2021",
            scale=1000,
            min_denominator=MIN_GDP_POP if level == "counties" else None,
            caveats="GDP is by place of work, population by residence: commuter-receiving areas look richer."
            + (
                f" Minimum population {MIN_GDP_POP:,}: where a few dozen residents live beside oil fields (Loving "
                "County, TX: 57 residents, $102.7 million of GDP per head) GDP per resident measures nothing about "
                "the residents, and one such value flattened the whole indicator (COINr's log treatment offsets by "
                "1% of the range, so 99% of counties scored below 5 of 100). See 'GDP per capita of tiny counties'."
                if level == "counties"
                else ""
            ),
        ),
        Indicator(
            "gdp_knowledge_2021_k",
            "GDP of knowledge-intensive industries, 2021",
            "thousands of current US$",
            "count",
            1,
            "CAGDP2 2021: information (line 45, NAICS 51) + finance and insurance (51, NAICS 52) + "
            "professional, scientific and technical services (60, NAICS 54) + management of companies (64, "
            "NAICS 55). A '(D)' (suppressed) cell is never read as 0: it is recovered only from BEA's additive "
            "identities between published lines (45 = 90 - 12; 51 = 50 - 56; 60 + 64 = 59 - 65); otherwise "
            "the value is missing."
            + (
                " A metro is missing when any member county is missing and the MSA file does not give it."
                if level == "metros"
                else ""
            ),
            BEA,
            CAGDP2,
            "2021",
            PUBLIC_DOMAIN,
            caveats=combos + " " + ct,
        ),
        Indicator(
            "gdp_knowledge_share",
            "Share of GDP in knowledge-intensive industries, 2021",
            "share of GDP",
            "share",
            6,
            "gdp_knowledge_2021_k / gdp_2021_k (NAICS 51, 52, 54, 55).",
            BEA,
            CAGDP2,
            "2021",
            PUBLIC_DOMAIN,
            pillar="knowledge_jobs",
            direction=1,
            numerator="gdp_knowledge_2021_k",
            denominator="gdp_2021_k",
            scale=1,
            caveats=(
                "Value added, not jobs: finance has a much larger GDP share than job share. Coverage is "
                "limited by BEA's '(D)' suppression (see the coverage column)."
            ),
        ),
        Indicator(
            "pop_avg_2000_2015",
            "Average population, 2000-2015 (BEA)",
            "persons",
            "count",
            6,
            "Mean of CAINC1 line 2 (mid-year population) over the years 2000-2015 (all 16 years except for "
            "counties created in the period: Broomfield, CO, from 2001 and Alaska boroughs created 2007-2013, "
            "averaged over the years BEA publishes for them). Stored with 6 decimals, so the mean of 16 whole "
            "numbers (a multiple of 1/16) is exact and patents_per_100k uses the exact average.",
            BEA,
            CAINC1,
            "2000-2015",
            PUBLIC_DOMAIN,
            caveats=(
                combos + " (2021 population shares). " + ct + " Alaska 02261 (Valdez-Cordova) exists in BEA "
                "until 2019."
                + (
                    " For Chugach/Copper River (02063/02066) it is split by 2021 population."
                    if level == "metros"
                    else ""
                )
            ),
        ),
        Indicator(
            "patents_2000_2015",
            "Utility patents granted 2000-2015 (first-named inventor's county)",
            "patents",
            "count",
            0 if level == "counties" else 1,
            "USPTO 'Total' 2000-2015. A county absent from the USPTO list had no patent in the period and "
            "gets 0 (real data, not a missing value): USPTO lists every county with at least one.",
            USPTO,
            USPTO_TABLE,
            "grant years 2000-2015",
            PUBLIC_DOMAIN,
            caveats=(
                "2000s geography (Connecticut legacy counties, Alaska 02261). 40 patents with "
                "'Undetermined County' and 1 patent of the dissolved Wrangell-Petersburg area (02280) are not "
                "assigned to any region."
                + (
                    ""
                    if level == "counties"
                    else " Connecticut: moved to planning regions with A[r|c] "
                    "(assumes patents spread like population inside each county)."
                )
            ),
        ),
        Indicator(
            "patents_per_100k",
            "Patents per 100,000 residents per year, 2000-2015",
            "patents per 100,000 residents per year",
            "rate",
            4,
            "patents_2000_2015 / 16 / pop_avg_2000_2015 x 100,000 (stored scale = 100,000 / 16 = 6,250).",
            USPTO,
            USPTO_TABLE + "; BEA CAINC1 line 2",
            "2000-2015",
            PUBLIC_DOMAIN,
            pillar="capital",
            direction=1,
            numerator="patents_2000_2015",
            denominator="pop_avg_2000_2015",
            scale=6250,
            caveats="Old vintage (ends 2015). Missing where BEA has no population (Puerto Rico, island areas).",
        ),
        Indicator(
            "labor_force_2022",
            "Labor force, 2022",
            "persons",
            "count",
            1,
            "LAUS labor force, 2022 annual average (place of residence).",
            LAUS,
            LAUS_TABLE,
            "2022 annual average",
            PUBLIC_DOMAIN,
            caveats=(
                "No Kalawao (15005) row: the Maui row is treated as Maui + Kalawao and split by 2021 "
                "population. "
                + (
                    "Connecticut legacy counties used directly."
                    if level == "counties"
                    else "Connecticut moved to planning regions with A[r|c]."
                )
            ),
        ),
        Indicator(
            "unemployed_2022",
            "Unemployed, 2022",
            "persons",
            "count",
            1,
            "LAUS unemployed, 2022 annual average.",
            LAUS,
            LAUS_TABLE,
            "2022 annual average",
            PUBLIC_DOMAIN,
        ),
        Indicator(
            "unemployment_rate",
            "Unemployment rate, 2022",
            "percent of labor force",
            "rate",
            4,
            "unemployed_2022 / labor_force_2022 x 100 (LAUS publishes it rounded to 0.1).",
            LAUS,
            LAUS_TABLE,
            "2022 annual average",
            PUBLIC_DOMAIN,
            numerator="unemployed_2022",
            denominator="labor_force_2022",
            scale=100,
            caveats="Context indicator: not in a pillar of the default framework.",
        ),
    ]


def cbp_indicators() -> list[Indicator]:
    """Employment by sector and knowledge jobs (metros only, CBP 2019), and Dingel & Neiman's metro file.

    Returns
    -------
    list of Indicator
        Total and sector employment, knowledge-intensive employment, share and density, and Dingel &
        Neiman's own metro teleworkable share (a validation benchmark).
    """
    cbp_caveat = (
        "CBP 2019 uses the OMB Sept 2018 delineation: matched to 2023 CBSAs by code (a CBSA whose "
        "extent changed keeps its 2018 extent here); CBSAs whose code is new in 2023 are missing. "
        "Excludes self-employed, most government, railroads, private households and crop/animal "
        "production. Cells with fewer than 3 establishments are not published: missing, never 0."
    )
    out = [
        Indicator(
            "emp_total_2019",
            "Paid employment, March 2019 (CBP, all sectors)",
            "jobs",
            "count",
            0,
            "CBP EMP for NAICS '00' (all sectors), pay period including March 12, 2019, by workplace.",
            CBP,
            CBP_TABLE,
            "2019",
            PUBLIC_DOMAIN,
            caveats=cbp_caveat,
        ),
    ]
    for naics, title in SECTOR_TITLES.items():
        out.append(
            Indicator(
                sector_column(naics),
                f"Paid employment, NAICS {naics} ({title}), 2019",
                "jobs",
                "count",
                0,
                f"CBP EMP for NAICS sector {naics}.",
                CBP,
                CBP_TABLE,
                "2019",
                PUBLIC_DOMAIN,
                caveats="Missing (not 0) when the cell is unpublished (fewer than 3 establishments).",
            )
        )
    out += [
        Indicator(
            "emp_knowledge_2019",
            "Paid employment in knowledge-intensive industries, 2019",
            "jobs",
            "count",
            0,
            "emp_51 + emp_52 + emp_54 + emp_55 (information; finance and insurance; professional, scientific "
            "and technical services; management of companies). Missing when any of the four is unpublished.",
            CBP,
            CBP_TABLE,
            "2019",
            PUBLIC_DOMAIN,
            caveats="NAICS 55 is unpublished in many micropolitan areas (fewer than 3 establishments).",
        ),
        Indicator(
            "knowledge_emp_share",
            "Share of jobs in knowledge-intensive industries, 2019",
            "share of paid employment",
            "share",
            6,
            "emp_knowledge_2019 / emp_total_2019.",
            CBP,
            CBP_TABLE,
            "2019",
            PUBLIC_DOMAIN,
            pillar="knowledge_jobs",
            direction=1,
            numerator="emp_knowledge_2019",
            denominator="emp_total_2019",
            scale=1,
            caveats=cbp_caveat,
        ),
        Indicator(
            "knowledge_jobs_per_km2",
            "Knowledge-intensive jobs per km2 of land, 2019",
            "jobs per km2",
            "rate",
            4,
            "emp_knowledge_2019 / land_km2 (2024 Gazetteer land area of the 2023 CBSA).",
            CBP,
            CBP_TABLE + "; 2024 Gazetteer ALAND",
            "2019 (jobs); 2024 (land)",
            PUBLIC_DOMAIN,
            pillar="knowledge_jobs",
            direction=1,
            numerator="emp_knowledge_2019",
            denominator="land_km2",
            scale=1,
            caveats="Jobs use the 2018 CBSA extent, land the 2023 extent; they differ only where the CBSA changed.",
        ),
        Indicator(
            "dn_msa_teleworkable_share",
            "Share of jobs that can be done from home (Dingel & Neiman, metro)",
            "share of employment",
            "level",
            6,
            "teleworkable_emp of MSA_workfromhome.csv (occupation mix of the metro, OES May 2018, times O*NET-"
            "based teleworkability), joined where the OES area code equals the 2023 CBSA code, and for New "
            "England NECTAs and renumbered areas through a shared principal city (see 'Export-jobs lens').",
            DN,
            "MSA_workfromhome.csv (teleworkable_emp)",
            "OES May 2018 / O*NET",
            DN_LICENSE,
            aggregate="weighted_mean",
            weight_by="occ_emp",
            min=0,
            max=1,
            caveats=(
                "Auxiliary benchmark (no pillar): metros only, OES 2013/2015-era area definitions. The "
                "validation target of the occupation-based teleworkable_share."
            ),
        ),
    ]
    return out


CLUSTERS = (
    "U.S. Census Bureau, County Business Patterns 2019; U.S. Cluster Mapping Project cluster definitions "
    "(Delgado, Porter & Stern 2016)"
)
CLUSTERS_TABLE = CBP_TABLE + "; NAICS_crosswalks_to_Cluster_system.xlsx (clustermapping.us)"
CLUSTER_METHOD = (
    "Strong traded cluster (ideopolis.clusters, US Cluster Mapping convention): location quotient against "
    "national traded employment >= 1, at or above the 75th percentile among regions of the same type "
    "(metro/micro), and employment and establishments above the 25th percentile. Unpublished CBP cells are "
    "filled in from their published parent totals in proportion to national employment, but a cluster is "
    "only strong on the employment known to be in it."
)


def cluster_indicators() -> list[Indicator]:
    """Strong traded clusters (computed by ideopolis.clusters from CBP 2019): the knowledge_jobs pillar."""
    common = {"source": CLUSTERS, "table": CLUSTERS_TABLE, "vintage": "2019 (employment); 2016 (definitions)"}
    return [
        Indicator(
            "traded_emp",
            "Paid employment in traded industries, 2019",
            "jobs",
            "count",
            1,
            "Employment in the 51 traded clusters' industries (published CBP cells plus the share of "
            "unpublished cells allocated to them).",
            license=PUBLIC_DOMAIN,
            **common,
        ),
        Indicator(
            "strong_traded_cluster_emp",
            "Paid employment in the region's strong traded clusters, 2019",
            "jobs",
            "count",
            1,
            "Employment known to be in the clusters that are strong in this region. " + CLUSTER_METHOD,
            license=PUBLIC_DOMAIN,
            caveats="For custom regions the sum over members counts each member's own strong clusters.",
            **common,
        ),
        Indicator(
            "strong_traded_cluster_emp_share",
            "Share of traded employment in strong traded clusters, 2019",
            "share of traded employment",
            "share",
            6,
            "strong_traded_cluster_emp / traded_emp.",
            license=PUBLIC_DOMAIN,
            pillar="knowledge_jobs",
            direction=1,
            numerator="strong_traded_cluster_emp",
            denominator="traded_emp",
            scale=1,
            caveats="Missing for the 63 CBSAs without CBP 2019 data (new or renumbered codes).",
            **common,
        ),
        Indicator(
            "n_strong_traded_clusters",
            "Number of strong traded clusters, 2019",
            "clusters (of 51)",
            "level",
            0,
            "How many of the 51 traded clusters are strong in the region. " + CLUSTER_METHOD,
            license=PUBLIC_DOMAIN,
            pillar="knowledge_jobs",
            direction=1,
            caveats=(
                "Not aggregatable: a custom region must rerun the cluster analysis (strength is relative to "
                "other regions), so custom regions leave it missing. Missing for the 63 CBSAs without CBP data."
            ),
            **common,
        ),
    ]


OEWS = "U.S. Bureau of Labor Statistics, Occupational Employment and Wage Statistics (OEWS), May 2025"
OEWS_TABLE = (
    "oe.data.0.Current (release 2025A01): employment by area x detailed occupation and national industry x occupation"
)
LENS_SOURCES = {
    "telework": (
        "Dingel & Neiman (2020), 'How many jobs can be done at home?', J. Public Economics 189:104235",
        "onet_teleworkable_blscodes.csv (O*NET-based teleworkable share by OES May 2018 occupation)",
        "O*NET 24 / OES May 2018 occupations (SOC 2010)",
        DN_LICENSE,
    ),
    "aioe": (
        "Felten, Raj & Seamans (2021), 'Occupational, industry, and geographic exposure to artificial "
        "intelligence', Strategic Management Journal 42(12):2195-2217",
        "AIOE_DataAppendix.xlsx, Appendix A (AIOE by SOC 2010 occupation)",
        "2021 (2010s AI applications; SOC 2010)",
        "Published research data without a licence file (github.com/AIOE-Data/AIOE); cite the paper",
    ),
    "lm_aioe": (
        "Felten, Raj & Seamans (2023), 'How will language modelers like ChatGPT affect occupations and "
        "industries?', arXiv:2303.01157",
        "Language_Modeling_AIOE_and_AIIE.xlsx, sheet 'LM AIOE' (SOC 2010)",
        "2023 (SOC 2010)",
        "Published research data without a licence file (github.com/AIOE-Data/AIOE); cite the paper",
    ),
    "gpt": (
        "Eloundou, Manning, Mishkin & Rock (2024), 'GPTs are GPTs: Labor market impact potential of LLMs', "
        "Science 384:1306-1308",
        "occ_level.csv, dv_rating_beta (GPT-4 rated; O*NET-SOC 2019)",
        "2023 (O*NET 27.2 tasks; SOC 2018)",
        "MIT (github.com/openai/GPTs-are-GPTs); cite the paper",
    ),
    "ai_app": (
        "Tomlinson, Jaffe, Wang, Counts & Suri (2025), 'Working with AI: Measuring the occupational "
        "implications of generative AI', arXiv:2507.07935 (Microsoft Research)",
        "soc_ai_applicability_scores.csv, ai_applicability_score (SOC 2018)",
        "2025 (Bing Copilot conversations of 2024; SOC 2018)",
        "CC BY 4.0 (github.com/microsoft/working-with-ai); cite the paper",
    ),
}
# Weights inside export_jobs: remote work and AI count equally (1 = 4 x 0.25), so that four correlated AI
# measures do not outvote the teleworkability measure.
LENS_MEASURES = {
    # measure: (sum column, indicator column, label, kind, weight, min/max)
    "telework": ("telework_sum", "teleworkable_share", "Share of jobs that can be done from home", "share", 1.0),
    "aioe": ("aioe_sum", "aioe_mean", "AI occupational exposure (AIOE), job-weighted mean", "rate", 0.25),
    "lm_aioe": ("lm_aioe_sum", "lm_aioe_mean", "Language-model AI exposure (LM-AIOE), job-weighted mean", "rate", 0.25),
    "gpt": ("gpt_sum", "gpt_exposure_mean", "GPT exposure (beta), job-weighted mean", "share", 0.25),
    "ai_app": ("ai_app_sum", "ai_applicability_mean", "AI applicability score, job-weighted mean", "share", 0.25),
}
LENS_ROUTE_NOTE = (
    "Occupation mix by the region's route (group column `lens_route`, area used in `lens_area`; see the "
    "DATASHEET section 'Export-jobs lens'). Scores per occupation: occupations.csv and 'Occupation scores'."
)


def lens_indicators(level: str) -> list[Indicator]:
    """The export_jobs pillar (five exposure measures), the anchored-jobs context indicator and their counts.

    Parameters
    ----------
    level : {"counties", "metros"}
        Which set the metadata is for.

    Returns
    -------
    list of Indicator
        Counts (``occ_emp_total``, ``occ_emp``, one weighted sum per measure, anchored counts), the
        coverage share, the five exposure indicators and ``anchored_share``.
    """
    scaled = (
        " Counties on the `enclosing_area` route carry the area's counts scaled by their share of the area's "
        "2020 population."
        if level == "counties"
        else ""
    )
    common = {"source": OEWS, "table": OEWS_TABLE, "vintage": "May 2025 (OEWS); 2019/2021 (CBP industry mix)"}
    out = [
        Indicator(
            "occ_emp_total",
            "Jobs behind the occupation mix",
            "jobs",
            "count",
            1,
            "OEWS all-occupation employment of the area (`oews_*` routes), or the industry-mix employment "
            "(CBP paid employment plus estimated government jobs) of the staffing routes." + scaled,
            license=PUBLIC_DOMAIN,
            caveats="Excludes the self-employed (OEWS and CBP).",
            **common,
        ),
        Indicator(
            "occ_emp",
            "Jobs in published detailed occupations",
            "jobs",
            "count",
            1,
            "Sum of the employment of the detailed occupations the occupation mix has (OEWS suppresses small "
            "cells; the staffing routes miss what OEWS suppresses nationally). The denominator of every "
            "exposure measure: shares are taken over published detailed employment." + scaled,
            license=PUBLIC_DOMAIN,
            **common,
        ),
        Indicator(
            "occ_coverage",
            "Coverage of the occupation mix",
            "share of jobs",
            "share",
            6,
            "occ_emp / occ_emp_total: published detailed employment / all-occupation employment.",
            license=PUBLIC_DOMAIN,
            numerator="occ_emp",
            denominator="occ_emp_total",
            scale=1,
            caveats="Auxiliary: how much of the region's employment the exposure measures rest on.",
            **common,
        ),
    ]
    for measure, (sum_col, col, label, kind, weight) in LENS_MEASURES.items():
        src, table, vintage, licence = LENS_SOURCES[measure]
        score_note = {
            "telework": "tw_o in [0, 1] (share of the O*NET codes of the occupation that can be done at home)",
            "aioe": "AIOE_o (standardised across occupations: mean 0, sd 1; higher = more exposed)",
            "lm_aioe": "LM-AIOE_o (standardised; exposure to language modelling)",
            "gpt": "beta_o in [0, 1] (share of tasks exposed to GPT-4-powered tools, E1 + 0.5 E2)",
            "ai_app": "applicability_o in [0, 1] (coverage x completion x scope of AI in the occupation's work)",
        }[measure]
        out.append(
            Indicator(
                sum_col,
                f"Jobs x score: {label.split(',')[0]}",
                "jobs x score",
                "count",
                3,
                f"sum_o emp_o x s_o over the region's occupation mix, s_o = {score_note}.",
                f"{OEWS}; {src}",
                f"{OEWS_TABLE}; {table}",
                f"May 2025 (jobs); {vintage}",
                f"{PUBLIC_DOMAIN} (OEWS); {licence}",
                min=-1e12 if kind == "rate" else None,
                caveats="Negative where standardised scores are mostly below the mean." if kind == "rate" else "",
            )
        )
        out.append(
            Indicator(
                col,
                label,
                "share of jobs" if measure == "telework" else ("score (sd units)" if kind == "rate" else "score 0-1"),
                kind,
                6,
                f"{sum_col} / occ_emp = sum_o emp_o x s_o / sum_o emp_o, s_o = {score_note}. {LENS_ROUTE_NOTE}",
                f"{OEWS}; {src}",
                f"{OEWS_TABLE}; {table}",
                f"May 2025 (jobs); {vintage}",
                f"{PUBLIC_DOMAIN} (OEWS); {licence}",
                pillar="export_jobs",
                direction=1,
                numerator=sum_col,
                denominator="occ_emp",
                scale=1,
                weight=weight,
                caveats=(
                    "Exposure measure (export_jobs pillar, direction 1 = more of the region's work could be done "
                    f"from elsewhere). Weight {weight:g} inside the pillar: teleworkability and the four AI "
                    "measures together count equally."
                ),
            )
        )
    out += [
        Indicator(
            "anchored_jobs",
            "Anchored jobs: local-serving and not teleworkable",
            "jobs",
            "count",
            1,
            "sum_i emp_i x local_i x (1 - tw_i) over the region's private industries: local_i = share of "
            "industry i's national CBP 2019 employment in the local clusters of the U.S. Cluster Mapping "
            "Project crosswalk, tw_i = teleworkable share of industry i's national OEWS staffing pattern.",
            "U.S. Census Bureau, CBP 2019 (metros) / 2021 (counties); BLS OEWS May 2025; Delgado, Porter & "
            "Stern (2016) clusters; Dingel & Neiman (2020)",
            "CBP by CBSA / county x NAICS; OEWS national staffing pattern; NAICS_crosswalks_to_Cluster_system.xlsx",
            "2019/2021 (industry mix); May 2025 (staffing); 2016 (clusters)",
            f"{PUBLIC_DOMAIN}; {DN_LICENSE}",
            caveats="Regions without an industry mix have none." + scaled,
        ),
        Indicator(
            "anchored_base",
            "Private paid employment of the industry mix",
            "jobs",
            "count",
            1,
            "sum_i emp_i over the region's private industries (CBP; government excluded).",
            "U.S. Census Bureau, County Business Patterns",
            "CBP 2019 by CBSA / CBP 2021 by county",
            "2019/2021",
            PUBLIC_DOMAIN,
            caveats=scaled.strip(),
        ),
        Indicator(
            "anchored_share",
            "Share of jobs anchored locally (in-person and local-serving)",
            "share of private paid employment",
            "share",
            6,
            "anchored_jobs / anchored_base: the share of private jobs that are both in local-serving industries "
            "(local clusters: they serve the local market, so they stay where their customers are) and in "
            "occupations that cannot be done from home. It measures the offshoring-proof side of the argument: "
            "jobs that neither remote work nor trade moves elsewhere. It does not measure AI exposure.",
            "U.S. Census Bureau, CBP; BLS OEWS May 2025; Delgado, Porter & Stern (2016); Dingel & Neiman (2020)",
            "see anchored_jobs",
            "2019/2021 (industry mix); May 2025 (staffing); 2016 (clusters)",
            f"{PUBLIC_DOMAIN}; {DN_LICENSE}",
            numerator="anchored_jobs",
            denominator="anchored_base",
            scale=1,
            caveats=(
                "Context indicator (no pillar, not scored). Industry-level approximation: within an industry, "
                "local share and teleworkability are national; government is left out (CBP has none)."
            ),
        ),
    ]
    return out
