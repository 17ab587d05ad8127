"""Assemble the ``eu-nuts2`` region set: NUTS-2 regions (NUTS 2021 polygons) with Eurostat indicators."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import shapely

from . import datasheet, geo, output
from . import occupations as oc
from . import readers_eu as r
from .readers_us import read_oews
from .spec import EUROSTAT_LICENSE, Group, Indicator, RegionSet, SideTable
from .us_spec import LENS_SOURCES, OEWS, PUBLIC_DOMAIN

TOLERANCE = 0.02

#: Other names a reader searches a NUTS-2 region by: its capital or a large city in it, in English and in the
#: local spelling when they differ. Facts of geography (the NUTS-2 region each city lies in, by the NUTS
#: classification: Eurostat, *NUTS - Nomenclature of territorial units for statistics*); only cities that lie in
#: one region of the set, and none whose name already finds the region (Wien, Berlin, Stockholm).
CITY_ALIASES: tuple[tuple[str, str], ...] = (
    ("AL02", "Tirana"),
    ("AT22", "Graz"),
    ("AT31", "Linz"),
    ("AT13", "Vienna"),
    ("AT33", "Innsbruck"),
    ("BE10", "Brussels"),
    ("BE23", "Ghent"),
    ("BE23", "Gent"),
    ("BG41", "Sofia"),
    ("CH01", "Geneva"),
    ("CH01", "Genève"),
    ("CH01", "Lausanne"),
    ("CH02", "Bern"),
    ("CH03", "Basel"),
    ("CY00", "Nicosia"),
    ("CZ01", "Prague"),
    ("CZ06", "Brno"),
    ("CZ08", "Ostrava"),
    ("DE21", "Munich"),
    ("DE21", "München"),
    ("DE25", "Nuremberg"),
    ("DE25", "Nürnberg"),
    ("DE71", "Frankfurt am Main"),
    ("DEA2", "Cologne"),
    ("DEA5", "Dortmund"),
    ("DK01", "Copenhagen"),
    ("DK01", "København"),
    ("DK03", "Odense"),
    ("DK04", "Aarhus"),
    ("EE00", "Tallinn"),
    ("EL30", "Athens"),
    ("EL30", "Athina"),
    ("EL52", "Thessaloniki"),
    ("ES21", "Bilbao"),
    ("ES24", "Zaragoza"),
    ("ES51", "Barcelona"),
    ("ES61", "Sevilla"),
    ("ES61", "Seville"),
    ("ES61", "Málaga"),
    ("FI19", "Tampere"),
    ("FI1C", "Turku"),
    ("FI1D", "Oulu"),
    ("FR10", "Paris"),
    ("FRE1", "Lille"),
    ("FRF1", "Strasbourg"),
    ("FRG0", "Nantes"),
    ("FRI1", "Bordeaux"),
    ("FRJ2", "Toulouse"),
    ("FRK2", "Lyon"),
    ("FRL0", "Marseille"),
    ("FRL0", "Nice"),
    ("HR03", "Split"),
    ("IE04", "Galway"),
    ("IE05", "Cork"),
    ("IE06", "Dublin"),
    ("IS00", "Reykjavík"),
    ("ITC1", "Torino"),
    ("ITC1", "Turin"),
    ("ITC3", "Genoa"),
    ("ITC3", "Genova"),
    ("ITC4", "Milan"),
    ("ITC4", "Milano"),
    ("ITF3", "Naples"),
    ("ITF3", "Napoli"),
    ("ITF4", "Bari"),
    ("ITG1", "Palermo"),
    ("ITH3", "Venezia"),
    ("ITH3", "Venice"),
    ("ITH5", "Bologna"),
    ("ITI1", "Firenze"),
    ("ITI1", "Florence"),
    ("ITI4", "Roma"),
    ("ITI4", "Rome"),
    ("LT01", "Vilnius"),
    ("LT02", "Kaunas"),
    ("LV00", "Riga"),
    ("ME00", "Podgorica"),
    ("MK00", "Skopje"),
    ("MT00", "Valletta"),
    ("NL32", "Amsterdam"),
    ("NL33", "Den Haag"),
    ("NL33", "Rotterdam"),
    ("NL33", "The Hague"),
    ("NL41", "Eindhoven"),
    ("NO06", "Trondheim"),
    ("NO0A", "Bergen"),
    ("PL21", "Kraków"),
    ("PL22", "Katowice"),
    ("PL41", "Poznań"),
    ("PL51", "Wrocław"),
    ("PL63", "Gdańsk"),
    ("PL71", "Łódź"),
    ("PL91", "Warsaw"),
    ("PL91", "Warszawa"),
    ("PT11", "Porto"),
    ("PT17", "Lisbon"),
    ("RO11", "Cluj-Napoca"),
    ("RO21", "Iași"),
    ("RO32", "Bucharest"),
    ("RO42", "Timișoara"),
    ("RS12", "Novi Sad"),
    ("SE12", "Uppsala"),
    ("SE22", "Malmö"),
    ("SE23", "Gothenburg"),
    ("SE23", "Göteborg"),
    ("SI03", "Maribor"),
    ("SI04", "Ljubljana"),
    ("SK01", "Bratislava"),
    ("SK04", "Košice"),
    ("UKC2", "Newcastle upon Tyne"),
    ("UKD7", "Liverpool"),
    ("UKE3", "Sheffield"),
    ("UKE4", "Leeds"),
    ("UKG3", "Birmingham"),
    ("UKL2", "Cardiff"),
    ("UKM7", "Edinburgh"),
    ("UKM8", "Glasgow"),
    ("UKN0", "Belfast"),
)
ALIASES_TABLE = SideTable(
    "search_aliases",
    "aliases.csv",
    "Other names to search a region by: the capital or a large city in it (Paris finds Ile-de-France). Used by "
    "map search and every command that takes a region; a reference table (keyed by the alias).",
    key_column="alias",
    columns=(
        ("alias", "a city's name (English, and local spelling where it differs)"),
        ("nuts_id", "its NUTS-2 region"),
    ),
    source="The NUTS-2 region each city lies in (Eurostat NUTS classification); compiled for ideopolis",
    license="Facts, compiled for ideopolis (MIT)",
)
LENS_ROUTE = "sector_mix_x_us_staffing"
EU_MEASURES = {
    # measure: (count column, indicator column, label, kind, weight)
    "telework": (
        "telework_ths",
        "teleworkable_share",
        "Share of jobs that can be done from home (sector mix)",
        "share",
        1.0,
    ),
    "aioe": ("aioe_ths", "aioe_mean", "AI occupational exposure (AIOE), job-weighted mean (sector mix)", "rate", 0.25),
    "lm_aioe": ("lm_aioe_ths", "lm_aioe_mean", "Language-model AI exposure (LM-AIOE), mean (sector mix)", "rate", 0.25),
    "gpt": ("gpt_ths", "gpt_exposure_mean", "GPT exposure (beta), job-weighted mean (sector mix)", "share", 0.25),
    "ai_app": (
        "ai_app_ths",
        "ai_applicability_mean",
        "AI applicability score, job-weighted mean (sector mix)",
        "share",
        0.25,
    ),
}
PANEL_YEAR = 2018
GERD_YEARS = (2011, 2016)
# NUTS 2016 codes without a NUTS 2021 polygon (Croatia and Norway were re-divided); their data are dropped.
NUTS2016_ONLY = ["HR04", "NO01", "NO03", "NO04", "NO05"]

# Eurostat's broad NACE groups of lfst_r_lfe2en2 -> NAICS sectors whose Dingel & Neiman shares are averaged.
NACE_TO_NAICS = {
    "B-E": ["21", "22", "31-33"],
    "G-I": ["42", "44-45", "48-49", "72"],
    "M_N": ["54", "55", "56"],
    "other": ["11", "23", "51", "52", "53", "61", "62", "71", "81"],
}

ESTAT = "Eurostat regional database"
HANIKA = "; compiled by S. Hanika (stats_teaching, 2024)"
HONTI = "; compiled by Honti, Czvetko & Abonyi (2020), Data in Brief 33:106464"
BALLATORE = "; extracted by A. Ballatore (open-geo-data-education, 2020)"


def region_set() -> RegionSet:
    """Metadata of eu-nuts2.

    Returns
    -------
    RegionSet
        Groups and indicators in their written order.
    """
    w: dict[str, Any] = {"aggregate": "weighted_mean", "weight_by": "pop_2018"}
    ind = [
        Indicator(
            "pop_2019",
            "Population, 1 January 2019",
            "persons",
            "count",
            0,
            "demo_r_d2jan (sex T, age TOTAL), 1 January 2019.",
            ESTAT + HANIKA,
            "demo_r_d2jan via nuts2_data_2019.csv: pop",
            "2019",
            EUROSTAT_LICENSE,
            caveats="Only the 261 regions of the 2019 cross-section (EU27 without Croatia, plus TR, ME, MK).",
        ),
        Indicator(
            "pop_2018",
            "Population, 1 January 2018",
            "persons",
            "count",
            0,
            "demo_r_d2jan (sex T, age TOTAL), 1 January 2018; weight for the level indicators below.",
            ESTAT + HONTI,
            "demo_r_d2jan via the 2008-2019 panel",
            "2018",
            EUROSTAT_LICENSE,
        ),
        Indicator(
            "tertiary_25_64",
            "Tertiary educational attainment, ages 25-64",
            "% of population 25-64",
            "level",
            1,
            "edat_lfse_04, ISCED 2011 levels 5-8, ages 25-64, % (as published).",
            ESTAT + HONTI,
            "edat_lfse_04 (ED5-8, Y25-64, PC)",
            str(PANEL_YEAR),
            EUROSTAT_LICENSE,
            pillar="talent",
            direction=1,
            min=0,
            max=100,
            **w,
            caveats="No counts are available, so custom regions use a population-weighted mean "
            "(total population, not the 25-64 population).",
        ),
        Indicator(
            "hrst_share",
            "Human resources in science and technology",
            "% of population (Eurostat PC_POP)",
            "level",
            1,
            "hrst_st_rcat, category HRST (tertiary education and/or an S&T occupation), unit PC_POP.",
            ESTAT + HONTI,
            "hrst_st_rcat (HRST, PC_POP)",
            str(PANEL_YEAR),
            EUROSTAT_LICENSE,
            pillar="talent",
            direction=1,
            min=0,
            max=100,
            **w,
        ),
        Indicator(
            "kis_emp_share",
            "Employment in knowledge-intensive services",
            "% of total employment",
            "level",
            1,
            "htec_emp_reg2, NACE Rev. 2 aggregate KIS, % of total employment.",
            ESTAT + HONTI,
            "htec_emp_reg2 (KIS, PC_EMP)",
            str(PANEL_YEAR),
            EUROSTAT_LICENSE,
            pillar="knowledge_jobs",
            direction=1,
            min=0,
            max=100,
            **w,
            caveats="Weighted by population, not employment, for custom regions.",
        ),
        Indicator(
            "htc_emp_share",
            "Employment in high-technology sectors",
            "% of total employment",
            "level",
            1,
            "htec_emp_reg2, aggregate HTC (high-technology manufacturing and knowledge-intensive "
            "high-technology services), % of total employment.",
            ESTAT + HONTI,
            "htec_emp_reg2 (HTC, PC_EMP)",
            str(PANEL_YEAR),
            EUROSTAT_LICENSE,
            pillar="knowledge_jobs",
            direction=1,
            min=0,
            max=100,
            **w,
            caveats="Some small regions are confidential (missing).",
        ),
        Indicator(
            "rd_gdp",
            "Gross domestic expenditure on R&D (GERD)",
            "% of GDP",
            "level",
            2,
            f"rd_e_gerdreg, all sectors of performance, % of GDP: the latest year with a value in "
            f"{GERD_YEARS[0]}-{GERD_YEARS[1]} (year in `rd_gdp_year`).",
            ESTAT + HONTI,
            "rd_e_gerdreg (TOTAL, PC_GDP)",
            f"latest of {GERD_YEARS[0]}-{GERD_YEARS[1]}",
            EUROSTAT_LICENSE,
            pillar="capital",
            direction=1,
            min=0,
            **w,
            caveats="Regional GERD is biennial in many countries; years differ between regions.",
        ),
        Indicator(
            "rd_gdp_year",
            "Reference year of rd_gdp",
            "year",
            "level",
            0,
            "Year of the rd_gdp value.",
            ESTAT + HONTI,
            "rd_e_gerdreg",
            f"{GERD_YEARS[0]}-{GERD_YEARS[1]}",
            EUROSTAT_LICENSE,
            caveats="Auxiliary (documents the year); not an indicator to score.",
        ),
        Indicator(
            "gdp_pps_2019",
            "GDP in purchasing power standards, 2019",
            "PPS (EU27_2020)",
            "count",
            0,
            "nama_10r_2gdp, unit MIO_PPS_EU27_2020 x 10^6.",
            ESTAT + HANIKA,
            "nama_10r_2gdp via nuts2_data_2019.csv: gdp",
            "2019",
            EUROSTAT_LICENSE,
        ),
        Indicator(
            "gdp_pps_per_capita",
            "GDP per inhabitant in PPS, 2019",
            "PPS per inhabitant",
            "rate",
            1,
            "gdp_pps_2019 / pop_2019 (Eurostat's own series divides by the annual average population; "
            "this uses 1 January).",
            ESTAT + HANIKA,
            "nama_10r_2gdp; demo_r_d2jan",
            "2019",
            EUROSTAT_LICENSE,
            pillar="capital",
            direction=1,
            numerator="gdp_pps_2019",
            denominator="pop_2019",
            scale=1,
        ),
        Indicator(
            "patent_pop",
            "Population in the patent reference year",
            "persons",
            "count",
            0,
            "tgs00096 population on 1 January of the year in `patents_year`.",
            ESTAT + BALLATORE,
            "tgs00096",
            "2007-2012",
            EUROSTAT_LICENSE,
        ),
        Indicator(
            "patents_est",
            "EPO patent applications (estimated count)",
            "applications",
            "count",
            9,
            "patents_per_million x patent_pop / 10^6: a count derived from the published rate so that "
            "custom regions can sum it.",
            ESTAT + BALLATORE,
            "tgs00040; tgs00096",
            "2007-2012",
            EUROSTAT_LICENSE,
            caveats="Derived; Eurostat divides by the average population, here 1 January is used.",
        ),
        Indicator(
            "patents_per_million",
            "Patent applications to the EPO per million inhabitants",
            "applications per million inhabitants",
            "rate",
            3,
            "tgs00040 (by priority year), as published, for the latest year available (2012 for most "
            "regions; year in `patents_year`).",
            ESTAT + BALLATORE,
            "tgs00040",
            "latest of 2007-2012",
            EUROSTAT_LICENSE,
            pillar="capital",
            direction=1,
            numerator="patents_est",
            denominator="patent_pop",
            scale=1_000_000,
            recompute=False,
            caveats="tgs00040 stops at 2012 in the stored extraction (old vintage); several countries "
            "have no value (see 'Coverage by country').",
        ),
        Indicator(
            "patents_year",
            "Reference year of patents_per_million",
            "year",
            "level",
            0,
            "Year of the patents_per_million value.",
            ESTAT + BALLATORE,
            "tgs00040",
            "2007-2012",
            EUROSTAT_LICENSE,
            caveats="Auxiliary (documents the year).",
        ),
        Indicator(
            "net_migration_2019",
            "Net migration incl. statistical adjustment, 2019 (estimated count)",
            "persons",
            "count",
            4,
            "mig_rate x pop_2019 / 1,000 (derived from the published rate).",
            ESTAT + HANIKA,
            "tgs00099 (CNMIGRATRT); demo_r_d2jan",
            "2019",
            EUROSTAT_LICENSE,
            min=-100_000_000,
            caveats="Derived: Eurostat's rate uses the average population, here 1 January 2019.",
        ),
        Indicator(
            "net_migration_rate",
            "Crude rate of net migration (incl. statistical adjustment)",
            "per 1,000 inhabitants",
            "rate",
            1,
            "tgs00099 / demo_r_gind3 CNMIGRATRT, 2019, as published.",
            ESTAT + HANIKA,
            "tgs00099 (CNMIGRATRT)",
            "2019",
            EUROSTAT_LICENSE,
            pillar="import_people",
            direction=1,
            numerator="net_migration_2019",
            denominator="pop_2019",
            scale=1000,
            recompute=False,
            caveats="Includes the statistical adjustment (population change not explained by births and "
            "deaths), so it also absorbs census revisions.",
        ),
        Indicator(
            "emp_25_64_ths",
            "Employment, ages 25-64, 2019",
            "thousand persons",
            "count",
            1,
            "lfst_r_lfe2en2, NACE TOTAL, ages 25-64, sex T (thousand persons).",
            ESTAT + HANIKA,
            "lfst_r_lfe2en2 via nuts2_data_2019.csv: total_jobs",
            "2019",
            EUROSTAT_LICENSE,
        ),
    ]
    for key, label in [
        ("b_e", "industry (NACE B-E)"),
        ("g_i", "trade, transport, accommodation (NACE G-I)"),
        ("m_n", "professional and administrative services (NACE M-N)"),
        ("other", "all other sections (A, F, J-L, O-U)"),
    ]:
        ind.append(
            Indicator(
                f"emp_{key}_ths",
                f"Employment in {label}, ages 25-64, 2019",
                "thousand persons",
                "count",
                3,
                "Published share of the group x emp_25_64_ths ('other' = 1 - the three published shares).",
                ESTAT + HANIKA,
                "lfst_r_lfe2en2 via nuts2_data_2019.csv: sh_industry, sh_trade_services, sh_knowledge",
                "2019",
                EUROSTAT_LICENSE,
            )
        )
    ind += lens_indicators()
    return RegionSet(
        name="eu-nuts2",
        title="European NUTS-2 regions (NUTS 2021, GISCO 1:3 million)",
        description="NUTS-2 regions with Eurostat indicators on talent, R&D, GDP, patents, migration and "
        "knowledge-intensive employment, plus five exposure measures (teleworkability and AI exposure) from the "
        "regions' sector mix x US staffing patterns, an approximation. No lens data (lens_route = 'none') for the "
        "UK, Norway, Iceland, Switzerland, Liechtenstein, Croatia, Albania and Serbia.",
        id_column="nuts_id",
        name_column="name",
        reference_tables=[ALIASES_TABLE],
        license="Eurostat data CC BY 4.0; boundaries (c) EuroGeographics, (c) European Union - GISCO; see DATASHEET.md",
        sources=[
            "Eurostat",
            "Eurostat/GISCO (c) EuroGeographics",
            "BLS OEWS May 2025",
            "Dingel & Neiman (2020)",
            "Felten, Raj & Seamans (2021, 2023)",
            "Eloundou et al. (2024)",
            "Tomlinson et al. (2025)",
        ],
        groups=[
            Group("country", "Country (GISCO code; Greece = EL)", None, "CNTR_CODE of the NUTS 2021 layer."),
            Group(
                "lens_route",
                "How the exposure measures were obtained",
                (LENS_ROUTE, "none"),
                f"'{LENS_ROUTE}': the region's 2019 employment by four NACE groups x US group-level exposure "
                "(an approximation, see 'Export-jobs lens'); 'none': no employment by sector in the stored "
                "Eurostat extraction (all of the UK, Norway, Iceland, Switzerland, Liechtenstein, Croatia, "
                "Albania and Serbia), so no lens.",
            ),
        ],
        indicators=ind,
        vintage="2007-2019 (see DATASHEET.md per indicator)",
        default_indicator="tertiary_25_64",
    )


def _group_scores(shared: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mean score of each measure per NACE group, from OEWS May 2025's national sector staffing patterns.

    For each NAICS sector s, ``m_s`` = its national staffing pattern's employment-weighted mean score; a NACE
    group's score is the mean of its sectors' ``m_s`` weighted by their national OEWS employment. Government
    (OEWS's sector 99: federal, state and local government except state and local schools and hospitals, which
    OEWS files under 61 and 62) belongs to 'other' (NACE O, public administration).

    Returns
    -------
    tuple of pandas.DataFrame
        Scores by group (rows) and measure (columns); the sector table behind them.
    """
    oews = oc.load_oews(read_oews(shared))
    scores = oc.occupation_scores(shared, oews)
    staffing = oc.Staffing.from_oews(oews)
    prefixes = oc.industry_prefixes(oews.industries)
    rows = []
    for group, sectors in NACE_TO_NAICS.items():
        for sector in [*sectors, *(["99"] if group == "other" else [])]:
            code = "99-100" if sector == "99" else oc.oews_industry(sector, prefixes)
            share = staffing.shares.loc[code]
            means = {m: float(share @ scores[m] / share.sum()) for m in oc.MEASURES}
            rows.append(
                {"group": group, "naics": sector, "oews": code, "us_emp": float(oews.industry_total[code]), **means}
            )
    table = pd.DataFrame(rows)
    weighted = table[list(oc.MEASURES)].mul(table["us_emp"], axis=0).groupby(table["group"]).sum()
    by_group = weighted.div(table.groupby("group")["us_emp"].sum(), axis=0)
    return by_group.reindex(list(NACE_TO_NAICS)), table


def _latest(panel: pd.DataFrame, column: str, first: int, last: int) -> pd.DataFrame:
    """Latest non-missing value per region within [first, last], with its year."""
    sub = panel[panel["year"].between(first, last) & panel[column].notna()]
    last_rows = sub.sort_values(["nuts_id", "year"]).groupby("nuts_id").tail(1).set_index("nuts_id")
    return pd.DataFrame({column: last_rows[column], f"{column}_year": last_rows["year"].astype(float)})


def write_aliases(ids: set[str], path: Path) -> None:
    """Write :data:`CITY_ALIASES` as ``alias,nuts_id`` (UTF-8, sorted), checking every region exists."""
    unknown = sorted({rid for rid, _ in CITY_ALIASES} - ids)
    if unknown:
        raise ValueError(f"city aliases name regions not in the set: {unknown}")
    rows = sorted((alias, rid) for rid, alias in CITY_ALIASES)
    text = "alias,nuts_id\n" + "".join(f"{alias},{rid}\n" for alias, rid in rows)
    path.write_bytes(text.encode("utf-8"))


def build(shared: Path, out_dir: Path) -> dict[str, float]:
    """Build and write eu-nuts2.

    Parameters
    ----------
    shared : pathlib.Path
        Shared data root.
    out_dir : pathlib.Path
        Folder to write (created).

    Returns
    -------
    dict
        Numbers for the build report.
    """
    rs = region_set()
    gisco = r.read_gisco_nuts2_2021(shared).set_index("nuts_id")
    keys = pd.Index(gisco.index, name="nuts_id")

    hanika = r.read_hanika_2019(shared).reindex(keys)
    panel = r.read_honti_panel(shared)
    panel = panel[~panel["nuts_id"].isin(NUTS2016_ONLY)]
    y = panel[panel["year"] == PANEL_YEAR].set_index("nuts_id").reindex(keys)
    gerd = _latest(panel, "gerd", *GERD_YEARS).reindex(keys)
    tgs = r.read_ballatore_tgs(shared)
    tgs = tgs[~tgs["nuts_id"].isin(NUTS2016_ONLY)]
    pat = _latest(tgs, "patents", 2007, 2012).reindex(keys)
    pat_pop = tgs.set_index(["nuts_id", "year"])["population"]
    pat_pop_values = [
        pat_pop.get((k, int(yr)), float("nan")) if pd.notna(yr) else float("nan")
        for k, yr in zip(keys, pat["patents_year"], strict=True)
    ]

    group_scores, score_table = _group_scores(shared)
    total = hanika["total_jobs"]
    emp = pd.DataFrame(
        {
            "emp_b_e_ths": hanika["sh_industry"] * total,
            "emp_g_i_ths": hanika["sh_trade_services"] * total,
            "emp_m_n_ths": hanika["sh_knowledge"] * total,
            "emp_other_ths": (1 - hanika["sh_industry"] - hanika["sh_trade_services"] - hanika["sh_knowledge"]) * total,
        }
    )
    group_of = {"emp_b_e_ths": "B-E", "emp_g_i_ths": "G-I", "emp_m_n_ths": "M_N", "emp_other_ths": "other"}
    lens = pd.DataFrame(index=keys)
    for measure, (sum_col, _, _, _, _) in EU_MEASURES.items():
        lens[sum_col] = sum(emp[c] * group_scores.loc[g, measure] for c, g in group_of.items())
    route = pd.Series(LENS_ROUTE, index=keys).where(emp.notna().all(axis=1), "none")
    table = pd.DataFrame(
        {
            "name": gisco["name"],
            "country": gisco["country"],
            "pop_2019": hanika["pop"],
            "pop_2018": y["pop"],
            "tertiary_25_64": y["tertiary"],
            "hrst_share": y["hrst"],
            "kis_emp_share": y["kis"],
            "htc_emp_share": y["htc"],
            "rd_gdp": gerd["gerd"],
            "rd_gdp_year": gerd["gerd_year"],
            "gdp_pps_2019": hanika["gdp"],
            "patent_pop": pat_pop_values,
            "patents_est": pat["patents"] * pd.Series(pat_pop_values, index=keys) / 1e6,
            "patents_per_million": pat["patents"],
            "patents_year": pat["patents_year"],
            "net_migration_2019": hanika["mig_rate"] * hanika["pop"] / 1000,
            "net_migration_rate": hanika["mig_rate"],
            "emp_25_64_ths": total,
            **{c: emp[c] for c in emp.columns},
            **{c: lens[c] for c in lens.columns},
            "lens_route": route,
        },
        index=keys,
    )
    final = output.finalize_indicators(table.reset_index(), rs)

    polygons = gisco.geometry.to_numpy()
    simplified = geo.simplify_coverage(polygons, TOLERANCE)
    quality = geo.coverage_quality(simplified)
    n_vertices = int(shapely.get_num_coordinates(simplified).sum())
    out_dir.mkdir(parents=True, exist_ok=True)
    output.write_indicators_csv(final, rs, out_dir / "indicators.csv", ["nuts_id", "name", "country", "lens_route"])
    output.write_geoparquet(list(keys), simplified, "nuts_id", out_dir / "geometry.parquet")
    output.write_manifest(rs, out_dir / "manifest.toml")
    write_aliases(set(keys), out_dir / ALIASES_TABLE.file)
    sections = [
        (
            "Geometry and NUTS versions",
            _geometry_text(quality, n_vertices, int(shapely.get_num_coordinates(polygons).sum())),
        ),
        ("Indicator years", _years_text(final)),
        ("Export-jobs lens", _lens_text(group_scores, score_table, final)),
        ("Coverage by country", _coverage_by_country(final, rs)),
        ("Licences and attribution", _licence_text()),
        (
            "Rebuilding",
            "Built by `uv run python scripts/build_regions.py --only eu-nuts2` from the raw files in "
            "`../shared/data/eu`; rebuilding gives byte-identical files.",
        ),
    ]
    intro = (
        "All 334 NUTS-2 regions of GISCO's NUTS 2021 layer (EU27, the UK, EFTA and candidate countries), "
        "with the indicators the stored Eurostat extractions provide. Many regions outside the EU have few "
        "values; scoring runs screen them by data availability, or filter on `country`. The stored extractions "
        "end in 2018-2019 (2012 for patents); no 2020-2023 Eurostat values were available."
    )
    (out_dir / "DATASHEET.md").write_text(datasheet.render(rs, final, intro, sections), encoding="utf-8")
    return {
        "regions": float(len(final)),
        "vertices": float(n_vertices),
        **quality,
        **{f"{m}_{g}": float(group_scores.loc[g, m]) for g in group_scores.index for m in oc.MEASURES},
    }


def _geometry_text(quality: dict[str, float], n_vertices: int, n_input: int) -> str:
    return f"""
Polygons: Eurostat GISCO `NUTS_RG_03M_2021_4326_LEVL_2` (NUTS 2021, 1:3 million, EPSG:4326), 334 regions. The layer
is a valid coverage; it is simplified as a whole with `shapely.coverage_simplify` (tolerance {TOLERANCE} degrees):
{n_input:,} -> {n_vertices:,} vertices. Measured in EPSG:6933: overlap share {quality["overlap_share"]:.1e}, small
interior holes {quality["gap_share"]:.1e} of the area, coverage valid = {bool(quality["coverage_valid"])}, invalid
geometries {int(quality["invalid"])}. The few holes in the union are in the GISCO source itself (Vatican City, which
is no NUTS region, and small holes in Schleswig-Holstein, Denmark and Finland), not gaps between neighbours.

**NUTS versions.** The 2019 cross-section (population 2019, GDP, migration, employment by sector) uses NUTS 2021
codes. The 2008-2019 panel (attainment, HRST, KIS/HTC employment, GERD, population 2018) and the tgs extraction
(patents) use NUTS 2016 codes. At level 2 the two versions differ only in Croatia and Norway (GISCO comparison in
the provenance notes): the NUTS 2016 regions {", ".join(NUTS2016_ONLY)} have no NUTS 2021 polygon and are dropped,
and the NUTS 2021 regions HR02, HR05, HR06, NO08, NO09, NO0A and NO0B get no NUTS 2016-based value. Every other code
is identical in both versions and joined directly.
"""


def _years_text(final: pd.DataFrame) -> str:
    gerd = final["rd_gdp_year"].value_counts().sort_index()
    pat = final["patents_year"].value_counts().sort_index()

    def fmt(counts: pd.Series) -> str:
        return ", ".join(f"{int(float(str(k)))}: {v}" for k, v in counts.items())

    return f"""
| indicators | year |
|---|---|
| pop_2019, gdp_pps_2019, gdp_pps_per_capita, net_migration_rate, employment by sector, teleworkable_share | 2019 |
| pop_2018, tertiary_25_64, hrst_share, kis_emp_share, htc_emp_share | {PANEL_YEAR} (latest year with values in the panel) |
| rd_gdp | latest of {GERD_YEARS[0]}-{GERD_YEARS[1]} per region (regions by year: {fmt(gerd)}) |
| patents_per_million | latest of 2007-2012 per region (regions by year: {fmt(pat)}) |
"""


def _lens_text(group_scores: pd.DataFrame, table: pd.DataFrame, final: pd.DataFrame) -> str:
    rows = "\n".join(
        f"| {r.group} | {r.naics} | {r.oews} | {r.us_emp:,.0f} | "
        + " | ".join(f"{getattr(r, m):.3f}" for m in oc.MEASURES)
        + " |"
        for r in table.itertuples(index=False)
    )
    groups = "\n".join(
        f"| {g} | " + " | ".join(f"{group_scores.loc[g, m]:.4f}" for m in oc.MEASURES) + " |"
        for g in group_scores.index
    )
    none = final[final["lens_route"] == "none"]
    by_country = none.groupby("country").size()
    all_none = [c for c, n in by_country.items() if n == int((final["country"] == c).sum())]
    partial = ", ".join(
        f"{i} {n}" for i, n, c in zip(none["nuts_id"], none["name"], none["country"], strict=True) if c not in all_none
    )
    head = " | ".join(f"`{EU_MEASURES[m][0].replace('_ths', '')}`" for m in oc.MEASURES)
    return f"""
**An approximation.** No occupation mix of European regions is in the shared data (Eurostat's LFS employment by
ISCO occupation and NUTS-2 region was not found), so the five exposure measures of the US sets are carried over
through the sector mix: the share of each region's 2019 employment (ages 25-64, lfst_r_lfe2en2) in four broad
NACE groups times a US score per group. Each group's score for measure m is the national OEWS May 2025
employment-weighted mean of its NAICS sectors' staffing-pattern means (every sector's occupations x the occupation
scores of the US sets, see us-metros' `occupations.csv`). This assumes a European region's occupations within a
broad sector group are those of the whole United States; only the four group shares vary between regions, so the
five measures are nearly collinear here and carry the industry-structure part of exposure only. In the US the
sector mix alone reached r = 0.75-0.82 against the published occupation mix of the metros (us-metros' DATASHEET,
20 sectors); four groups are coarser still.

`<m>_ths` = sum_g emp_g x score_g,m (thousand jobs x score); the indicators divide it by `emp_25_64_ths` (every
indicator with `pillar = "export_jobs"` is one exposure measure). There is no anchored-jobs indicator here: local and
traded industries cannot be told apart within four broad groups.

Group scores:

| NACE group | teleworkable | AIOE | LM-AIOE | GPT beta | AI applicability |
|---|---|---|---|---|---|
{groups}

NACE-to-NAICS mapping and sector scores (NACE B-E = mining, manufacturing, energy, water; G-I = trade, transport,
accommodation and food; M-N = professional, scientific, technical and administrative services; other = A, F, J, K,
L, O, P, Q, R-U, with US government in O):

| NACE group | NAICS sector | OEWS industry | US OEWS employment | {head} |
|---|---|---|---|---|---|---|---|---|
{rows}

**No lens data** (`lens_route = "none"`, {len(none)} regions): the stored 2019 cross-section has no employment by
sector for {", ".join(all_none)} (every region of these countries), nor for {partial or "any other region"} (a
sector share is missing). For them the export_jobs pillar is empty, so they get no exposure score, no balance and
no typology. The default screen weighs data by the index's effective weight (`by_weight`: the five exposure measures
share one pillar's weight), so a region with its talent, capital and knowledge-job data (2/3 of the weight, as
most UK regions) is scored on cluster strength alone and not ranked; the others, with R&D or GDP per
head missing too, are screened out. Every region stays in every table and map, with the reason for a missing score
(`not_scored_reason`) or rank (`not_ranked_reason`)."""


def _coverage_by_country(final: pd.DataFrame, rs: RegionSet) -> str:
    cols = [i.column for i in rs.indicators if i.pillar]
    head = "| country | regions | " + " | ".join(f"`{c}`" for c in cols) + " |"
    rule = "|---|---|" + "---|" * len(cols)
    lines = [head, rule]
    for country, sub in final.groupby("country", sort=True):
        lines.append(f"| {country} | {len(sub)} | " + " | ".join(str(int(sub[c].notna().sum())) for c in cols) + " |")
    return "Regions with a value, by country:\n\n" + "\n".join(lines)


def _licence_text() -> str:
    return """
Eurostat data: (c) European Union, reuse under CC BY 4.0 (Commission Decision 2011/833/EU); cite Eurostat. The
values come from three public extractions (cite them too): Honti, Czvetko & Abonyi (2020), "Data describing the
regional Industry 4.0 readiness index", Data in Brief 33:106464 (CC BY 4.0); S. Hanika, `stats_teaching` (no licence
file; Eurostat values and simple ratios); A. Ballatore, `open-geo-data-education` (its README asks for educational,
non-commercial use and points to Eurostat: for production use, re-download tgs00040 from Eurostat).
Boundaries: (c) EuroGeographics for the administrative boundaries; (c) European Union, Eurostat/GISCO - the credit
line must be shown on maps; check GISCO's current terms before commercial redistribution. Dingel & Neiman (2020)
shares: cite the paper (replication repository under GPL-3.0).
"""


def lens_indicators() -> list[Indicator]:
    """The five exposure measures of eu-nuts2 (sector mix x US group scores) and their counts."""
    out = []
    for measure, (count, col, label, kind, weight) in EU_MEASURES.items():
        src, table, vintage, licence = LENS_SOURCES[measure]
        source = f"{ESTAT}{HANIKA}; {OEWS}; {src}"
        tables = f"lfst_r_lfe2en2 via nuts2_data_2019.csv; OEWS national industry x occupation; {table}"
        vintages = f"2019 (employment); May 2025 (US staffing); {vintage}"
        licences = f"{EUROSTAT_LICENSE}; {PUBLIC_DOMAIN} (OEWS); {licence}"
        out.append(
            Indicator(
                count,
                f"Jobs x group score: {label.split(',')[0]}",
                "thousand jobs x score",
                "count",
                6,
                f"sum over the four NACE groups of emp_g x score_g (US group score of {measure}; see 'Export-jobs lens').",
                source,
                tables,
                vintages,
                licences,
                min=-1e12 if kind == "rate" else None,
            )
        )
        out.append(
            Indicator(
                col,
                label,
                "share of jobs" if measure == "telework" else ("score (sd units)" if kind == "rate" else "score 0-1"),
                kind,
                6,
                f"{count} / emp_25_64_ths.",
                source,
                tables,
                vintages,
                licences,
                pillar="export_jobs",
                direction=1,
                numerator=count,
                denominator="emp_25_64_ths",
                scale=1,
                weight=weight,
                caveats=(
                    "Approximation: four broad NACE groups with US (OEWS) occupation structure per group. Direction "
                    f"1 = more exposure; weight {weight:g} (teleworkability and the four AI measures count equally). "
                    "Missing where lens_route = 'none'."
                ),
            )
        )
    return out
