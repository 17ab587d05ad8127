"""Readers for the European raw files: one function per source file."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

EU = Path("eu")

HONTI = {
    "pop": "demo_r_d2jan_UNIT_NR_SEX_T_AGE_TOTAL",
    "tertiary": "edat_lfse_04_SEX_T_ISCED11_ED5-8_AGE_Y25-64_UNIT_PC",
    "hrst": "hrst_st_rcat_CATEGORY_HRST_UNIT_PC_POP",
    "kis": "htec_emp_reg2_NACE_R2_KIS_UNIT_PC_EMP_SEX_T",
    "htc": "htec_emp_reg2_NACE_R2_HTC_UNIT_PC_EMP_SEX_T",
    "gerd": "rd_e_gerdreg_SECTPERF_TOTAL_UNIT_PC_GDP",
}


def read_gisco_nuts2_2021(shared: Path) -> gpd.GeoDataFrame:
    """Read GISCO's NUTS 2021 level-2 polygons (1:3 million, EPSG:4326).

    Parameters
    ----------
    shared : pathlib.Path
        Shared data root.

    Returns
    -------
    geopandas.GeoDataFrame
        ``nuts_id, name`` (Latin-script name), ``country`` (GISCO country code), geometry.
    """
    path = shared / EU / "gisco_nuts2_polygons" / "NUTS_RG_03M_2021_4326_LEVL_2.geojson.gz"
    raw = gpd.read_file(f"/vsigzip/{path}", engine="pyogrio")
    out = gpd.GeoDataFrame(
        {
            "nuts_id": raw["NUTS_ID"].astype(str),
            "name": raw["NAME_LATN"].astype(str),
            "country": raw["CNTR_CODE"].astype(str),
        },
        geometry=raw.geometry.to_numpy(),
        crs="EPSG:4326",
    )
    return out.sort_values("nuts_id").reset_index(drop=True)


def read_hanika_2019(shared: Path) -> pd.DataFrame:
    """Read the Eurostat NUTS-2 2019 cross-section (NUTS 2021 codes) compiled by S. Hanika.

    Parameters
    ----------
    shared : pathlib.Path
        Shared data root.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``nuts_id``: ``pop`` (1 Jan 2019), ``mig_rate`` (crude net migration per 1,000),
        ``gdp`` (PPS, EU27_2020), ``sh_industry`` (B-E), ``sh_trade_services`` (G-I), ``sh_knowledge``
        (M_N) and ``total_jobs`` (thousand persons aged 25-64).
    """
    path = shared / EU / "eurostat_nuts2_2019_crosssection_hanika" / "nuts2_data_2019.csv"
    raw = pd.read_csv(path, dtype={"geo": str}, encoding="utf-8")
    cols = ["pop", "mig_rate", "gdp", "sh_industry", "sh_trade_services", "sh_knowledge", "total_jobs"]
    return raw.set_index("geo")[cols].rename_axis("nuts_id").astype(float).sort_index()


def read_honti_panel(shared: Path) -> pd.DataFrame:
    """Read the Eurostat NUTS-2 panel 2008-2019 compiled by Honti, Czvetko & Abonyi (2020).

    Parameters
    ----------
    shared : pathlib.Path
        Shared data root.

    Returns
    -------
    pandas.DataFrame
        Long table ``nuts_id, year`` plus the columns of :data:`HONTI` under their short names; only
        4-character codes (aggregates such as EU28 and 3-character codes dropped).
    """
    path = shared / EU / "eurostat_nuts2_panel_2008_2019_honti" / "eurostat_nuts2_panel_2008_2019.csv.gz"
    raw = pd.read_csv(path, dtype={"NUTS_ID": str})
    raw = raw[raw["NUTS_ID"].str.fullmatch(r"[A-Z]{2}[0-9A-Z]{2}") & ~raw["NUTS_ID"].str.startswith("EU")]
    out = raw[["NUTS_ID", "YEAR", *HONTI.values()]].rename(columns={"NUTS_ID": "nuts_id", "YEAR": "year"})
    out = out.rename(columns={v: k for k, v in HONTI.items()})
    return out.sort_values(["nuts_id", "year"]).reset_index(drop=True)


def read_ballatore_tgs(shared: Path) -> pd.DataFrame:
    """Read Eurostat 'tgs' NUTS-2 tables 2007-2018 (A. Ballatore's extraction, NUTS 2016 codes).

    Parameters
    ----------
    shared : pathlib.Path
        Shared data root.

    Returns
    -------
    pandas.DataFrame
        Long table ``nuts_id, year, patents`` (EPO applications per million inhabitants, tgs00040) and
        ``population`` (1 January, tgs00096).
    """
    path = shared / EU / "eurostat_tgs_nuts2_2007_2018_ballatore" / "eurostat_tgs_nuts2_2007_2018.csv"
    raw = pd.read_csv(path, dtype={"NUTS_ID": str})
    out = pd.DataFrame(
        {
            "nuts_id": raw["NUTS_ID"],
            "year": raw["year"].astype(int),
            "patents": raw["patents"].astype(float),
            "population": raw["region_population"].astype(float),
        }
    )
    return out.sort_values(["nuts_id", "year"]).reset_index(drop=True)
