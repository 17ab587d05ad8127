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
            "gdp_2021_k / bea_pop_2021 x 1,000.",
            BEA,
            CAGDP2 + "; CAINC1 line 2 (population)",
            "2021",
            PUBLIC_DOMAIN,
            pillar="capital",
            direction=1,
            numerator="gdp_2021_k",
            denominator="bea_pop_2021",
            scale=1000,
            caveats="GDP is by place of work, population by residence: commuter-receiving areas look richer.",
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
            1,
            "Mean of CAINC1 line 2 (mid-year population) over the years 2000-2015 (all 16 years except for "
            "counties created in the period: Broomfield, CO, from 2001 and Alaska boroughs created 2007-2013, "
            "averaged over the years BEA publishes for them).",
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
    """Employment by sector, knowledge jobs and teleworkability (metros only, CBP 2019).

    Returns
    -------
    list of Indicator
        Total and sector employment, knowledge-intensive employment, share and density, teleworkable
        share from the sector mix, and Dingel & Neiman's own metro estimate.
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
            "emp_telework_base_2019",
            "Paid employment in sectors with a teleworkable share, 2019",
            "jobs",
            "count",
            0,
            "Sum of published sector employment over the 19 sectors with a Dingel & Neiman share (all but "
            "NAICS 99, which is 'not classified' in CBP but 'government' in Dingel & Neiman).",
            CBP,
            CBP_TABLE,
            "2019",
            PUBLIC_DOMAIN,
        ),
        Indicator(
            "telework_jobs_2019",
            "Teleworkable jobs (sector-mix estimate), 2019",
            "jobs",
            "count",
            1,
            "Sum over the same sectors of emp_s x teleworkable_emp_s (Dingel & Neiman NAICS_workfromhome.csv).",
            CBP + "; " + DN,
            CBP_TABLE + "; NAICS_workfromhome.csv (teleworkable_emp)",
            "2019 (jobs); OES 2018 / O*NET (shares)",
            PUBLIC_DOMAIN + " (CBP); " + DN_LICENSE,
        ),
        Indicator(
            "teleworkable_share",
            "Share of jobs that can be done from home (sector mix)",
            "share of paid employment",
            "share",
            6,
            "telework_jobs_2019 / emp_telework_base_2019 = sum_s emp_s x tw_s / sum_s emp_s, with tw_s = "
            "Dingel & Neiman's national teleworkable share of sector s.",
            CBP + "; " + DN,
            CBP_TABLE + "; NAICS_workfromhome.csv (teleworkable_emp)",
            "2019 (jobs); OES 2018 / O*NET (shares)",
            PUBLIC_DOMAIN + " (CBP); " + DN_LICENSE,
            pillar="export_jobs",
            direction=1,
            numerator="telework_jobs_2019",
            denominator="emp_telework_base_2019",
            scale=1,
            caveats=(
                "Direction 1 = more exposure (more jobs could be done from elsewhere); the framework treats the "
                "export_jobs pillar as the exposure side of the lens. Sector mix only: occupation mix within a "
                "sector is national. Unpublished sectors are left out of both sums."
            ),
        ),
        Indicator(
            "dn_msa_teleworkable_share",
            "Share of jobs that can be done from home (Dingel & Neiman, metro)",
            "share of employment",
            "level",
            6,
            "teleworkable_emp of MSA_workfromhome.csv (occupation mix of the metro, OES May 2018, times O*NET-"
            "based teleworkability), joined where the OES area code equals the 2023 CBSA code.",
            DN,
            "MSA_workfromhome.csv (teleworkable_emp)",
            "OES May 2018 / O*NET",
            DN_LICENSE,
            aggregate="weighted_mean",
            weight_by="emp_total_2019",
            min=0,
            max=1,
            caveats=(
                "Auxiliary benchmark (no pillar): metros only, OES 2013/2015-era area definitions. Provided to "
                "check or replace the sector-mix estimate."
            ),
        ),
    ]
    return out
