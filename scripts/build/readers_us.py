"""Readers for the US raw files: one function per source file, each returning a tidy DataFrame.

Every county key is a 5-character FIPS string (``fips5``); nothing is ever read as an integer id.
Paths are relative to the shared data root (``../shared/data`` by default).
"""

from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

US = Path("us")

# State FIPS -> USPS code of the four island areas, which the Gazetteer does not list.
ISLAND_AREAS = {"60": "AS", "66": "GU", "69": "MP", "78": "VI"}


def _num(series: pd.Series) -> pd.Series:
    """Parse numbers written with thousands separators; '(NA)', '(D)', '-' and blanks become NaN."""
    text = series.astype("string").str.replace(",", "", regex=False).str.strip()
    return pd.to_numeric(text, errors="coerce").astype("float64")


def read_delineation(shared: Path) -> pd.DataFrame:
    """Read OMB's July 2023 CBSA delineation (Census 'List 1').

    Parameters
    ----------
    shared : pathlib.Path
        Shared data root.

    Returns
    -------
    pandas.DataFrame
        One row per county in a CBSA: ``fips5, cbsa, cbsa_title, cbsa_type`` ("metro"/"micro"),
        ``csa, csa_title, county_name, state_name``.
    """
    path = shared / US / "omb_cbsa_delineation_2023" / "list1_2023.xlsx"
    raw = pd.read_excel(path, header=2, dtype=str)
    raw = raw[raw["FIPS County Code"].notna() & raw["CBSA Code"].str.fullmatch(r"\d{5}", na=False)]
    kind = raw["Metropolitan/Micropolitan Statistical Area"].map(
        {"Metropolitan Statistical Area": "metro", "Micropolitan Statistical Area": "micro"}
    )
    out = pd.DataFrame(
        {
            "fips5": raw["FIPS State Code"].str.zfill(2) + raw["FIPS County Code"].str.zfill(3),
            "cbsa": raw["CBSA Code"],
            "cbsa_title": raw["CBSA Title"],
            "cbsa_type": kind,
            "csa": raw["CSA Code"].fillna(""),
            "csa_title": raw["CSA Title"].fillna(""),
            "county_name": raw["County/County Equivalent"],
            "state_name": raw["State Name"],
        }
    )
    assert out["cbsa_type"].notna().all()
    return out.sort_values("fips5").reset_index(drop=True)


def read_popest(shared: Path) -> pd.DataFrame:
    """Read Census PopEst Vintage 2023 county totals and components of change.

    Parameters
    ----------
    shared : pathlib.Path
        Shared data root.

    Returns
    -------
    pandas.DataFrame
        One row per county (50 states + DC, no Puerto Rico): ``fips5``, names, the July 1 population
        estimates 2020-2023, domestic and international net migration 2021-2023 and the published
        rates ``RDOMESTICMIGyyyy``/``RINTERNATIONALMIGyyyy``. STATE/COUNTY lost their leading zeros in
        this copy, so the key is rebuilt with zero-padding.
    """
    path = shared / US / "census_popest_v2023_county_components" / "co-est2023-alldata.csv"
    raw = pd.read_csv(path, dtype={"STATE": str, "COUNTY": str}, encoding="utf-8")
    raw = raw[raw["SUMLEV"].astype(int) == 50]
    fips5 = raw["STATE"].str.zfill(2) + raw["COUNTY"].str.zfill(3)
    keep = ["STNAME", "CTYNAME", "ESTIMATESBASE2020"]
    keep += [f"POPESTIMATE{y}" for y in range(2020, 2024)]
    for part in ("DOMESTICMIG", "INTERNATIONALMIG", "RDOMESTICMIG", "RINTERNATIONALMIG"):
        keep += [f"{part}{y}" for y in range(2021, 2024)]
    out = raw[keep].copy()
    out.insert(0, "fips5", fips5)
    return out.sort_values("fips5").reset_index(drop=True)


def read_gazetteer(shared: Path) -> pd.DataFrame:
    """Read the Census 2024 Gazetteer county file.

    Parameters
    ----------
    shared : pathlib.Path
        Shared data root.

    Returns
    -------
    pandas.DataFrame
        ``fips5, usps, name, aland_m2, lat, lon`` (land area in square metres, internal point).
    """
    path = shared / US / "census_gazetteer_2024_counties" / "2024_Gaz_counties_national.txt"
    raw = pd.read_csv(path, sep="\t", dtype=str)
    raw.columns = [c.strip() for c in raw.columns]
    out = pd.DataFrame(
        {
            "fips5": raw["GEOID"].str.strip(),
            "usps": raw["USPS"].str.strip(),
            "name": raw["NAME"].str.strip(),
            "aland_m2": pd.to_numeric(raw["ALAND"]),
            "lat": pd.to_numeric(raw["INTPTLAT"]),
            "lon": pd.to_numeric(raw["INTPTLONG"].str.strip()),
        }
    )
    return out.sort_values("fips5").reset_index(drop=True)


def read_ers_education(shared: Path) -> pd.DataFrame:
    """Read USDA ERS educational attainment, ACS 2019-23 columns.

    Parameters
    ----------
    shared : pathlib.Path
        Shared data root.

    Returns
    -------
    pandas.DataFrame
        County rows with a 2019-23 value: ``fips5, pop_25plus`` (sum of the four attainment counts),
        ``ba_plus_25`` and the published percent ``pct_ba_plus``.
    """
    path = shared / US / "usda_ers_education_1970_2023" / "Education.csv"
    raw = pd.read_csv(path, skiprows=1, dtype=str, encoding="utf-8")
    cats = [
        "Less than high school graduate, 2019-23",
        "High school graduate (or equivalency), 2019-23",
        "Some college or associate degree, 2019-23",
        "Bachelor's degree or higher, 2019-23",
    ]
    counts = {c: _num(raw[c]) for c in cats}
    out = pd.DataFrame(
        {
            "fips5": raw["FIPS Code"].str.zfill(5),
            "pop_25plus": sum(counts.values()),
            "ba_plus_25": counts["Bachelor's degree or higher, 2019-23"],
            "pct_ba_plus": _num(raw["Percent of adults with a bachelor's degree or higher, 2019-23"]),
        }
    )
    out = out[~out["fips5"].str.endswith("000") & out["ba_plus_25"].notna()]
    return out.sort_values("fips5").reset_index(drop=True)


def read_rucc(shared: Path) -> pd.DataFrame:
    """Read USDA ERS Rural-Urban Continuum Codes 2023.

    Parameters
    ----------
    shared : pathlib.Path
        Shared data root.

    Returns
    -------
    pandas.DataFrame
        ``fips5, usps, county_name, pop_2020`` (2020 Census) and ``rucc_2023`` ("1".."9", empty when
        not applicable).
    """
    path = shared / US / "usda_ers_rucc_2023" / "Ruralurbancontinuumcodes2023.csv"
    raw = pd.read_csv(path, dtype=str, encoding="latin-1")
    out = pd.DataFrame(
        {
            "fips5": raw["FIPS"].str.zfill(5),
            "usps": raw["State"],
            "county_name": raw["County_Name"],
            "pop_2020": _num(raw["Population_2020"]),
            "rucc_2023": raw["RUCC_2023"].fillna("").str.strip(),
        }
    )
    return out.sort_values("fips5").reset_index(drop=True)


def read_laus(shared: Path) -> pd.DataFrame:
    """Read BLS LAUS county annual averages 2022 (the helper's clean export of laucnty22).

    Parameters
    ----------
    shared : pathlib.Path
        Shared data root.

    Returns
    -------
    pandas.DataFrame
        ``fips5, labor_force, unemployed, unemployment_rate`` (published percent).
    """
    path = shared / US / "bls_laus_county_2022" / "laus_county_2022_clean.csv"
    raw = pd.read_csv(path, dtype={"fips5": str})
    out = raw[["fips5", "labor_force", "unemployed", "unemployment_rate"]].copy()
    return out.sort_values("fips5").reset_index(drop=True)


def read_cainc1(shared: Path) -> pd.DataFrame:
    """Read BEA CAINC1 (personal income, population, per-capita income), all areas, 1969-2021.

    Parameters
    ----------
    shared : pathlib.Path
        Shared data root.

    Returns
    -------
    pandas.DataFrame
        One row per BEA county key (state/US/region rows dropped): ``bea_key, bea_name``,
        ``personal_income_2021_k`` (thousands of $), ``bea_pop_2021``, ``per_capita_2021`` (published $)
        and ``bea_pop_2000`` ... ``bea_pop_2015``. '(NA)' becomes NaN.
    """
    path = shared / US / "bea_cainc1_county_1969_2021" / "CAINC1__ALL_AREAS_1969_2021.csv.gz"
    raw = pd.read_csv(path, dtype=str, encoding="latin-1", skipinitialspace=True)
    raw = raw[raw["LineCode"].notna()]
    raw["bea_key"] = raw["GeoFIPS"].str.strip().str.strip('"').str.strip()
    raw = raw[~raw["bea_key"].str.endswith("000")]
    lines = {code: frame.set_index("bea_key") for code, frame in raw.groupby(raw["LineCode"].str.strip())}
    out = pd.DataFrame(index=lines["1"].index)
    out["bea_name"] = lines["1"]["GeoName"].str.strip()
    out["personal_income_2021_k"] = _num(lines["1"]["2021"])
    out["bea_pop_2021"] = _num(lines["2"]["2021"])
    out["per_capita_2021"] = _num(lines["3"]["2021"])
    for year in range(2000, 2016):
        out[f"bea_pop_{year}"] = _num(lines["2"][str(year)])
    return out.rename_axis("bea_key").reset_index().sort_values("bea_key").reset_index(drop=True)


def read_cagdp2_counties(shared: Path) -> pd.DataFrame:
    """Read BEA CAGDP2 county GDP by industry, 2021 (the helper's stack of the 51 state files).

    Parameters
    ----------
    shared : pathlib.Path
        Shared data root.

    Returns
    -------
    pandas.DataFrame
        Wide table: one row per BEA county key, one column per LineCode (int) with 2021 GDP in
        thousands of current dollars; suppressed '(D)' and '(NA)' cells are NaN (never 0).
    """
    path = shared / US / "bea_cagdp2_county_gdp_by_industry_2001_2021" / "cagdp2_county_industry_2017_2021_fips5.csv.gz"
    raw = pd.read_csv(path, dtype={"fips5": str, "flag_2021": str})
    raw = raw[~raw["fips5"].str.endswith("000")]
    wide = raw.pivot(index="fips5", columns="linecode", values="gdp_2021")
    wide.columns = [int(c) for c in wide.columns]
    return wide.rename_axis("bea_key").sort_index()


def read_cagdp2_msa(shared: Path) -> pd.DataFrame:
    """Read BEA CAGDP2 GDP by industry for metropolitan statistical areas, 2021.

    Parameters
    ----------
    shared : pathlib.Path
        Shared data root.

    Returns
    -------
    pandas.DataFrame
        Wide table: one row per BEA MSA code (pre-2023 delineation), one column per LineCode with 2021
        GDP in thousands of current dollars ('(D)' -> NaN), plus ``msa_name``.
    """
    path = shared / US / "bea_cagdp2_county_gdp_by_industry_2001_2021" / "raw" / "CAGDP2_MSA_2001_2021.csv.gz"
    raw = pd.read_csv(path, dtype=str, encoding="latin-1", skipinitialspace=True)
    raw = raw[raw["LineCode"].notna()]
    raw["msa"] = raw["GeoFIPS"].str.strip().str.strip('"').str.strip()
    raw["line"] = raw["LineCode"].str.strip().astype(int)
    raw["value"] = _num(raw["2021"])
    wide = raw.pivot(index="msa", columns="line", values="value")
    names = raw.drop_duplicates("msa").set_index("msa")["GeoName"].str.strip()
    wide["msa_name"] = names
    return wide.sort_index()


def read_uspto(shared: Path) -> pd.DataFrame:
    """Read USPTO utility patent counts by county of the first-named inventor, 2000-2015.

    Parameters
    ----------
    shared : pathlib.Path
        Shared data root.

    Returns
    -------
    pandas.DataFrame
        ``fips5, patents_2000_2015`` for county rows; the 16 "Undetermined County" rows (state code
        ``ss000``/``00000``) are returned separately by :func:`read_uspto_undetermined`.
    """
    path = shared / US / "uspto_patents_by_county_2000_2015" / "uspto_utility_patents_by_county_2000_2015_fips5.csv"
    raw = pd.read_csv(path, dtype={"fips5": str})
    raw = raw[~raw["fips5"].str.endswith("000")]
    out = pd.DataFrame({"fips5": raw["fips5"], "patents_2000_2015": raw["Total"].astype(float)})
    return out.sort_values("fips5").reset_index(drop=True)


def read_uspto_undetermined(shared: Path) -> int:
    """Return the number of 2000-2015 patents USPTO could not assign to a county.

    Parameters
    ----------
    shared : pathlib.Path
        Shared data root.

    Returns
    -------
    int
        Sum of the "Undetermined County" rows.
    """
    path = shared / US / "uspto_patents_by_county_2000_2015" / "uspto_utility_patents_by_county_2000_2015_fips5.csv"
    raw = pd.read_csv(path, dtype={"fips5": str})
    return int(raw.loc[raw["fips5"].str.endswith("000"), "Total"].sum())


def read_cbp_cbsa(shared: Path) -> pd.DataFrame:
    """Read Census County Business Patterns 2019 by CBSA and NAICS (2- to 6-digit).

    Parameters
    ----------
    shared : pathlib.Path
        Shared data root.

    Returns
    -------
    pandas.DataFrame
        ``cbsa, naics, digits, emp, estab``; unpublished cells (fewer than 3 establishments) are absent.
    """
    path = shared / US / "census_cbp_2019_cbsa_naics" / "cbp2019_cbsa_naics_emp.csv.gz"
    raw = pd.read_csv(path, dtype={"cbsa_code": str, "naics_code": str})
    out = pd.DataFrame(
        {
            "cbsa": raw["cbsa_code"],
            "naics": raw["naics_code"],
            "digits": raw["naics_digits"].astype(int),
            "emp": raw["emp"].astype("int64"),
            "estab": raw["estab"].astype("int64"),
        }
    )
    return out.sort_values(["cbsa", "naics"]).reset_index(drop=True)


def read_dn_naics(shared: Path) -> pd.DataFrame:
    """Read Dingel & Neiman's teleworkable share of employment by 2-digit NAICS sector.

    Parameters
    ----------
    shared : pathlib.Path
        Shared data root.

    Returns
    -------
    pandas.DataFrame
        ``naics`` (e.g. "31-33"), ``title``, ``teleworkable_emp``.
    """
    path = shared / US / "dingel_neiman_teleworkability" / "NAICS_workfromhome.csv"
    raw = pd.read_csv(path, dtype={"NAICS": str})
    return pd.DataFrame(
        {"naics": raw["NAICS"], "title": raw["NAICS_TITLE"], "teleworkable_emp": raw["teleworkable_emp"]}
    )


def read_dn_msa(shared: Path) -> pd.DataFrame:
    """Read Dingel & Neiman's teleworkable share of employment by OES (May 2018) metro area.

    Parameters
    ----------
    shared : pathlib.Path
        Shared data root.

    Returns
    -------
    pandas.DataFrame
        ``area`` (5-character code), ``area_name``, ``teleworkable_emp``.
    """
    path = shared / US / "dingel_neiman_teleworkability" / "MSA_workfromhome.csv"
    raw = pd.read_csv(path, dtype={"AREA": str})
    return pd.DataFrame(
        {"area": raw["AREA"].str.zfill(5), "area_name": raw["AREA_NAME"], "teleworkable_emp": raw["teleworkable_emp"]}
    )


def read_ct_crosswalk(shared: Path) -> pd.DataFrame:
    """Read the Connecticut town -> legacy county / planning region crosswalk.

    Parameters
    ----------
    shared : pathlib.Path
        Shared data root.

    Returns
    -------
    pandas.DataFrame
        One row per town: ``town, legacy`` (09001-09015), ``region`` (09110-09190).
    """
    path = shared / US / "ct_town_to_planning_region_crosswalk" / "ct_town_legacy_county_to_planning_region_fips5.csv"
    raw = pd.read_csv(path, dtype=str)
    return pd.DataFrame(
        {"town": raw["town_name"], "legacy": raw["legacy_county_fips5"], "region": raw["planning_region_fips5"]}
    )


def read_cluster_crosswalk(shared: Path) -> pd.DataFrame:
    """Read the US Cluster Mapping Project NAICS -> cluster crosswalk (Delgado, Porter & Stern 2016).

    Parameters
    ----------
    shared : pathlib.Path
        Shared data root.

    Returns
    -------
    pandas.DataFrame
        ``naics`` (6-character string), ``traded_local`` ("traded"/"local"), ``cluster``, ``subcluster``,
        ``naics_title`` and ``emsi_nonstandard`` (the source's "EmsiSpecificNAICS (non standard)" flag).
    """
    path = shared / US / "uscmp_naics_to_cluster_crosswalk" / "NAICS_crosswalks_to_Cluster_system.xlsx"
    raw = pd.read_excel(path, sheet_name="Emsi NAICS to Porter Cluster", dtype=str)
    raw.columns = [c.strip() for c in raw.columns]
    flag = raw["EmsiSpecificNAICS (non standard)"].str.strip().str.upper().map({"TRUE": True, "FALSE": False})
    assert flag.notna().all()
    out = pd.DataFrame(
        {
            "naics": raw["NAICS"].str.strip(),
            "traded_local": raw["TradedLocal"].str.strip().str.lower(),
            "cluster": raw["Cluster"].str.strip(),
            "subcluster": raw["SubclusterName"].str.strip(),
            "naics_title": raw["Description"].str.strip(),
            "emsi_nonstandard": flag.astype(bool),
        }
    )
    return out.sort_values("naics").reset_index(drop=True)


def read_us_atlas_counties(shared: Path) -> gpd.GeoDataFrame:
    """Read the county polygons of us-atlas 3.0.1 (Census cartographic boundaries 2017, 1:10m).

    The TopoJSON carries no CRS and some rings are invalid: the CRS is set to EPSG:4326 (lon/lat) and
    every geometry is repaired with ``make_valid`` (structure method, collapsed parts dropped), keeping
    polygonal parts only.

    Parameters
    ----------
    shared : pathlib.Path
        Shared data root.

    Returns
    -------
    geopandas.GeoDataFrame
        ``fips5, atlas_name, geometry`` (3,231 counties incl. PR and island areas), EPSG:4326;
        ``attrs["invalid_input"]`` counts the geometries that were invalid before repair.
    """
    path = shared / US / "census_cb2017_us_atlas_topojson" / "counties-10m.json"
    raw = gpd.read_file(path, layer="counties", engine="pyogrio")
    invalid = int((~shapely.is_valid(raw.geometry.to_numpy())).sum())
    geoms = shapely.make_valid(raw.geometry.to_numpy(), method="structure", keep_collapsed=False)
    geoms = [_polygonal(g) for g in geoms]
    out = gpd.GeoDataFrame(
        {"fips5": raw["id"].astype(str), "atlas_name": raw["name"].astype(str)},
        geometry=geoms,
        crs="EPSG:4326",
    )
    out = out.sort_values("fips5").reset_index(drop=True)
    out.attrs["invalid_input"] = invalid
    return out


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep the polygonal parts of a geometry (repairs can leave lines in a collection)."""
    if isinstance(geom, shapely.Polygon | shapely.MultiPolygon):
        return geom
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, shapely.Polygon | shapely.MultiPolygon)]
    return shapely.union_all(parts)


def read_oews(shared: Path) -> sqlite3.Connection:
    """Open BLS OEWS May 2025 (the SQLite database shipped gzipped) as an in-memory database.

    Parameters
    ----------
    shared : pathlib.Path
        Shared data root.

    Returns
    -------
    sqlite3.Connection
        Tables ``area, industry, occupation, cell`` (see the folder's PROVENANCE.md). Nothing is written
        to disk: the decompressed bytes are deserialised into memory.
    """
    path = shared / US / "bls_oews_2025" / "oews-2025.sqlite.gz"
    con = sqlite3.connect(":memory:")
    con.deserialize(gzip.decompress(path.read_bytes()))
    return con


def oews_cells(con: sqlite3.Connection, prefix: str) -> pd.DataFrame:
    """Employment cells of OEWS whose series key starts with ``prefix``.

    Parameters
    ----------
    con : sqlite3.Connection
        The database of :func:`read_oews`.
    prefix : str
        Start of the key ``OEU`` + area type + area (7) + industry (6) + occupation (6).

    Returns
    -------
    pandas.DataFrame
        ``area`` (7 characters), ``industry`` (6), ``occupation`` (6), ``emp`` (float; NaN where BLS
        released no estimate, never 0).
    """
    rows = con.execute("SELECT key, v01 FROM cell WHERE key >= ? AND key < ? ORDER BY key", (prefix, prefix + "~"))
    frame = pd.DataFrame(rows.fetchall(), columns=["key", "v01"])
    return pd.DataFrame(
        {
            "area": frame["key"].str[4:11],
            "industry": frame["key"].str[11:17],
            "occupation": frame["key"].str[17:23],
            "emp": pd.to_numeric(frame["v01"], errors="coerce").astype("float64"),
        }
    )


def read_soc_crosswalk(shared: Path) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Read the SOC 2010 -> SOC 2018 crosswalk (BLS, November 2017).

    Parameters
    ----------
    shared : pathlib.Path
        Shared data root.

    Returns
    -------
    tuple
        ``(one_to_one, ambiguous)``: SOC 2010 code -> its single SOC 2018 code, and SOC 2010 code ->
        the SOC 2018 codes it splits into or merges with.
    """
    path = shared / US / "soc_2010_to_2018_crosswalk" / "soc_2010_to_2018.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    return dict(doc["one_to_one"]), {k: list(v) for k, v in doc["ambiguous"].items()}


def read_dn_occupations(shared: Path) -> pd.Series:
    """Dingel & Neiman's teleworkable share by 6-digit OES (May 2018) occupation code.

    Parameters
    ----------
    shared : pathlib.Path
        Shared data root.

    Returns
    -------
    pandas.Series
        ``teleworkable`` (0-1) indexed by code (SOC 2010, or the OES 2018 hybrid codes).
    """
    path = shared / US / "dingel_neiman_teleworkability" / "onet_teleworkable_blscodes.csv"
    raw = pd.read_csv(path, dtype={"OCC_CODE": str})
    return raw.set_index("OCC_CODE")["teleworkable"].astype(float).rename("teleworkable")


def read_felten_aioe(shared: Path) -> pd.DataFrame:
    """Felten, Raj & Seamans' AIOE and language-modelling AIOE by SOC 2010 occupation.

    Parameters
    ----------
    shared : pathlib.Path
        Shared data root.

    Returns
    -------
    pandas.DataFrame
        ``aioe, lm_aioe`` (standardised scores) indexed by SOC 2010 code.
    """
    folder = shared / US / "felten_aioe_ai_exposure"
    aioe = pd.read_csv(folder / "AIOE_by_occupation_SOC2010.csv", dtype={"SOC Code": str})
    lm = pd.read_excel(folder / "Language_Modeling_AIOE_and_AIIE.xlsx", sheet_name="LM AIOE", dtype={"SOC Code": str})
    out = pd.DataFrame(
        {
            "aioe": aioe.set_index("SOC Code")["AIOE"].astype(float),
            "lm_aioe": lm.set_index("SOC Code")["Language Modeling AIOE"].astype(float),
        }
    )
    return out.sort_index()


def read_felten_aige(shared: Path) -> pd.Series:
    """Felten, Raj & Seamans' AI geographic exposure (AIGE) by county (2010s geography).

    Parameters
    ----------
    shared : pathlib.Path
        Shared data root.

    Returns
    -------
    pandas.Series
        AIGE indexed by 5-character county FIPS (state rows dropped).
    """
    path = shared / US / "felten_aioe_ai_exposure" / "AIGE_by_county_FIPS.csv"
    raw = pd.read_csv(path, dtype={"fips5": str})
    raw = raw[raw["geo_level"] == "county"]
    return raw.set_index("fips5")["AIGE"].astype(float).sort_index()


def read_eloundou(shared: Path) -> pd.Series:
    """Eloundou et al.'s GPT-4-rated exposure beta by O*NET-SOC 2019 occupation.

    Parameters
    ----------
    shared : pathlib.Path
        Shared data root.

    Returns
    -------
    pandas.Series
        ``dv_rating_beta`` (0-1) indexed by O*NET-SOC code (``11-1011.03``).
    """
    path = shared / US / "eloundou_gpts_are_gpts_exposure" / "occ_level.csv"
    raw = pd.read_csv(path, dtype={"O*NET-SOC Code": str})
    return raw.set_index("O*NET-SOC Code")["dv_rating_beta"].astype(float).sort_index()


def read_ms_applicability(shared: Path) -> pd.Series:
    """Microsoft Research's AI applicability score by SOC 2018 occupation (Tomlinson et al. 2025).

    Parameters
    ----------
    shared : pathlib.Path
        Shared data root.

    Returns
    -------
    pandas.Series
        ``ai_applicability_score`` (0-1) indexed by 6-digit SOC 2018 code.
    """
    path = shared / US / "microsoft_working_with_ai_applicability" / "soc_ai_applicability_scores.csv"
    raw = pd.read_csv(path, dtype={"SOC Code": str})
    return raw.set_index("SOC Code")["ai_applicability_score"].astype(float).sort_index()


def read_cbp_county_2021(shared: Path) -> pd.DataFrame:
    """Read CBP 2021 county x sector employment (38 states; the helper's partial extract).

    Parameters
    ----------
    shared : pathlib.Path
        Shared data root.

    Returns
    -------
    pandas.DataFrame
        Wide: one row per county (``fips5``, Connecticut legacy counties), one column per sector code
        ("00" total, "11" ... "99"); unpublished cells are NaN, never 0.
    """
    path = shared / US / "census_cbp_2021_county_naics2_PARTIAL" / "cbp2021_county_naics2_38states.csv"
    raw = pd.read_csv(path, dtype={"fips5": str, "naics2017": str})
    wide = raw.pivot(index="fips5", columns="naics2017", values="emp").astype(float)
    return wide.sort_index()
