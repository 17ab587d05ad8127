"""Tests of the export-jobs lens build (scripts/build/occupations.py, us_lens.py) and its committed data.

Helper tests use hand-computed values and run anywhere. Tests marked ``shared_data`` recompute published values
from the raw official files with plain sqlite3/pandas (not the build code) and skip without ../shared/data.
"""

from __future__ import annotations

import gzip
import sqlite3
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
REGIONS = ROOT / "data" / "regions"
sys.path.insert(0, str(ROOT / "scripts"))

from build import occupations as oc  # noqa: E402
from build import us_lens  # noqa: E402

MEASURE_COLUMNS = ["teleworkable_share", "aioe_mean", "lm_aioe_mean", "gpt_exposure_mean", "ai_applicability_mean"]


def read(name: str) -> pd.DataFrame:
    id_col = {"us-metros": "cbsa", "us-counties": "fips", "eu-nuts2": "nuts_id"}[name]
    return pd.read_csv(
        REGIONS / name / "indicators.csv",
        dtype={id_col: str, "cbsa_code": str, "csa": str, "rucc_2023": str, "cbp_code_2018": str, "lens_area": str},
        keep_default_na=False,
        na_values=[""],
    ).set_index(id_col)


# --- helpers with hand-computed values -------------------------------------------------------------------


def test_soc_crosswalk_rule_prefers_one_to_one_and_averages_merges() -> None:
    scores = pd.Series({"11-0001": 1.0, "11-0002": 0.2, "11-0003": 0.6, "13-1020": 0.5, "99-9999": 0.9})
    one = {"11-0001": "11-1001"}
    amb = {"11-0002": ["11-1001", "11-1002"], "11-0003": ["11-1002"]}
    score, how = oc.soc2010_to_2018(scores, one, amb, pd.Index(["13-1020"]))
    assert score.to_dict() == pytest.approx({"11-1001": 1.0, "11-1002": 0.4, "13-1020": 0.5})
    assert how.to_dict() == {"11-1001": "crosswalk", "11-1002": "crosswalk_split_merge", "13-1020": "oes_code"}


def test_fill_oews_aggregates_then_groups() -> None:
    occupations = pd.DataFrame(
        {"national_emp": [100.0, 300.0, 50.0, 10.0]},
        index=pd.Index(["31-1120", "31-1131", "31-1132", "31-1139"], name="soc"),
    )
    scores = pd.Series({"31-1121": 0.2, "31-1122": 0.4, "31-1131": 1.0, "31-1132": 0.0})
    how = pd.Series("exact", index=scores.index, dtype=object)
    score, kind = oc.fill_oews(scores, how, occupations)
    assert score["31-1120"] == pytest.approx(0.3)  # unweighted mean of 31-1121 and 31-1122
    assert kind["31-1120"] == "aggregate"
    # 31-1139: broad group 31-113 scored occupations weighted by national employment (300 x 1 + 50 x 0) / 350
    assert score["31-1139"] == pytest.approx(300 / 350)
    assert kind["31-1139"] == "broad_group"


def test_fill_oews_raises_when_a_whole_major_group_is_unscored() -> None:
    occupations = pd.DataFrame({"national_emp": [5.0]}, index=pd.Index(["55-1011"], name="soc"))
    with pytest.raises(ValueError, match="55-1011"):
        oc.fill_oews(pd.Series({"11-1011": 1.0}), pd.Series({"11-1011": "exact"}), occupations)


INDUSTRIES = pd.DataFrame(
    {
        "name": [
            "Sectors 31, 32, and 33 - Manufacturing",
            "Food Manufacturing",
            "Animal Food Manufacturing",
            "Chemical Manufacturing (3251, 3252, 3253, and 3259 only)",
            "Sectors 44 and 45 - Retail Trade",
            "General Merchandise Retailers",
            "Educational Services",
            "Educational Services, Privately Owned",
            "Educational Services, State Government Owned",
        ]
    },
    index=["31--34", "311000", "311100", "3250A1", "44--46", "455000", "611000", "611005", "611002"],
)


def test_naics_codes_find_their_oews_industry() -> None:
    prefixes = oc.industry_prefixes(INDUSTRIES)
    assert oc.oews_industry("3111", prefixes) == "311100"
    assert oc.oews_industry("3112", prefixes) == "311000"  # no 4-digit pattern: its 3-digit parent's
    assert oc.oews_industry("3252", prefixes) == "3250A1"
    assert oc.oews_industry("3254", prefixes) == "31--34"  # not in 3250A1, no 325 pattern here: the sector
    assert oc.oews_industry("4521", prefixes) == "455000"  # NAICS 2017 department stores -> 2022 455
    assert oc.oews_industry("4541", prefixes) == "44--46"  # electronic shopping: the retail sector
    assert oc.oews_industry("611", prefixes) == "611005"  # CBP is private: the privately owned pattern
    assert oc.oews_industry("00", prefixes) == oc.PRIVATE_ALL


def test_industry_mix_allocates_each_job_once() -> None:
    prefixes = oc.industry_prefixes(INDUSTRIES)
    cbp = pd.DataFrame(
        {
            "cbsa": ["A"] * 5,
            "naics": ["00", "31-33", "311", "3111", "44-45"],
            "digits": [0, 2, 3, 4, 2],
            "emp": [100, 60, 30, 10, 30],
        }
    )
    mix = oc.industry_mix(cbp, prefixes).loc["A"]
    expected = {"311100": 10.0, "311000": 20.0, "31--34": 30.0, "44--46": 30.0, oc.PRIVATE_ALL: 10.0}
    assert mix[mix > 0].to_dict() == expected
    assert mix.sum() == 100.0


def test_calibrate_fits_both_margins() -> None:
    seed = pd.DataFrame([[4.0, 1.0, 0.0], [1.0, 1.0, 2.0]], index=["s1", "s2"], columns=["a", "b", "c"])
    rows = pd.Series({"s1": 10.0, "s2": 30.0})
    cols = pd.Series({"a": 2.0, "b": 1.0, "c": 1.0})  # rescaled to the row total 40
    fitted = oc.calibrate(seed, rows, cols)
    np.testing.assert_allclose(fitted.sum(axis=1), rows, rtol=1e-9)
    np.testing.assert_allclose(fitted.sum(axis=0), cols * 10, rtol=1e-9)
    assert fitted.loc["s1", "c"] == 0.0


def test_dingel_neiman_areas_join_2023_cbsas_by_principal_city() -> None:
    dn = pd.DataFrame(
        {
            "area": ["14460", "71950", "72850", "17460", "31460"],
            "area_name": [
                "Boston-Cambridge-Newton, MA-NH",  # already a 2023 code
                "Bridgeport-Stamford-Norwalk, CT",
                "Danbury, CT",
                "Cleveland-Elyria, OH",
                "Madera, CA",
            ],
            "teleworkable_emp": [0.44, 0.43, 0.36, 0.37, 0.24],
        }
    )
    titles = pd.Series(
        {
            "14460": "Boston-Cambridge-Newton, MA-NH",
            "14860": "Bridgeport-Stamford-Danbury, CT",
            "17410": "Cleveland, OH",
        }
    )
    joined, unmatched = us_lens.dn_to_2023(dn, titles)
    assert joined.to_dict() == {"14460": 0.44, "14860": 0.43, "17410": 0.37}
    assert unmatched == ["31460 Madera, CA", "72850 Danbury, CT"]


# --- committed data ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["us-metros", "us-counties", "eu-nuts2"])
def test_export_jobs_pillar_has_the_five_measures(name: str) -> None:
    import tomllib

    meta = tomllib.loads((REGIONS / name / "manifest.toml").read_text(encoding="utf-8"))["indicators"]
    exposure = sorted(c for c, m in meta.items() if m.get("pillar") == "export_jobs")
    assert exposure == sorted(MEASURE_COLUMNS)
    weights = {c: meta[c].get("weight", 1) for c in exposure}
    assert weights["teleworkable_share"] == pytest.approx(
        sum(w for c, w in weights.items() if c != "teleworkable_share")
    )
    if name != "eu-nuts2":
        assert "pillar" not in meta["anchored_share"]  # context, not scored


def test_every_us_county_has_exposure_with_route_and_coverage() -> None:
    t = read("us-counties")
    states = t[~t["state"].isin(["PR", "AS", "GU", "MP", "VI"])]
    assert len(states) == 3142
    assert states[MEASURE_COLUMNS].notna().all().all()
    assert (states["lens_route"] != "none").all() and states["lens_area"].notna().all()
    assert states["occ_coverage"].between(0.5, 1.0).all()
    islands = t[t["state"].isin(["AS", "GU", "MP", "VI"])]
    assert (islands["lens_route"] == "none").all() and islands[MEASURE_COLUMNS].isna().all().all()
    assert t["anchored_share"].notna().sum() >= 3142
    assert set(t["lens_route"]) <= set(us_lens.ROUTES)


def test_every_cbsa_has_exposure_and_cleveland_its_cbp_data() -> None:
    t = read("us-metros")
    assert len(t) == 935
    assert t[MEASURE_COLUMNS].notna().all().all()
    assert (t.loc[t["cbsa_type"] == "metro", "lens_route"] == "oews_metro").all()
    assert t.loc["17410", "cbp_code_2018"] == "17460" and t.loc["19430", "cbp_code_2018"] == "19380"
    assert t.loc["17410", "emp_total_2019"] == 926568  # Cleveland-Elyria's CBP 2019 total
    assert t.loc["17410", "knowledge_emp_share"] > 0


def test_gdp_per_capita_leaves_tiny_counties_out() -> None:
    t = read("us-counties")
    assert np.isnan(t.loc["48301", "gdp_per_capita"])  # Loving County, TX: 57 residents
    assert t.loc["48301", "gdp_2021_k"] > 0  # the counts stay
    small = t["bea_pop_2021"] < 1000
    assert t.loc[small, "gdp_per_capita"].isna().all()
    assert t.loc[~small & t["gdp_2021_k"].notna() & t["bea_pop_2021"].notna(), "gdp_per_capita"].notna().all()


def test_eu_lens_note_for_countries_without_data() -> None:
    t = read("eu-nuts2")
    for country in ("UK", "NO", "IS"):
        sub = t[t["country"] == country]
        assert len(sub) > 0 and (sub["lens_route"] == "none").all() and sub[MEASURE_COLUMNS].isna().all().all()
    have = t[t["lens_route"] == "sector_mix_x_us_staffing"]
    assert len(have) >= 250 and have[MEASURE_COLUMNS].notna().all().all()
    text = (REGIONS / "eu-nuts2" / "DATASHEET.md").read_text(encoding="utf-8")
    assert "**No lens data**" in text and "UK" in text


# --- against the raw files --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def oews() -> sqlite3.Connection:
    from .conftest import SHARED_DATA

    if not SHARED_DATA.is_dir():
        pytest.skip(f"raw official data not found at {SHARED_DATA}")
    con = sqlite3.connect(":memory:")
    con.deserialize(gzip.decompress((SHARED_DATA / "us" / "bls_oews_2025" / "oews-2025.sqlite.gz").read_bytes()))
    return con


@pytest.mark.shared_data
@pytest.mark.parametrize("cbsa", ["41940", "17410", "19780"])
def test_metro_measures_recompute_from_raw_oews(oews: sqlite3.Connection, cbsa: str) -> None:
    """A metro's value = sum of published detailed employment x score / that employment (plain SQL)."""
    detailed = {r[0] for r in oews.execute("SELECT occupation_code FROM occupation WHERE display_level = 3")}
    rows = oews.execute(
        "SELECT substr(key, 18, 6), v01 FROM cell WHERE key LIKE ?", (f"OEUM00{cbsa}000000%",)
    ).fetchall()
    # BLS writes '-' (or nothing) where it released no estimate: unknown, left out
    emp = {f"{c[:2]}-{c[2:]}": float(v) for c, v in rows if c in detailed and v and v.replace(".", "").isdigit()}
    scores = pd.read_csv(REGIONS / "us-metros" / "occupations.csv", dtype={"soc": str}).set_index("soc")
    e = pd.Series(emp)
    t = read("us-metros")
    for col, measure in zip(MEASURE_COLUMNS, oc.MEASURES, strict=True):
        expected = float((e * scores.loc[e.index, measure]).sum() / e.sum())
        assert t.loc[cbsa, col] == pytest.approx(expected, rel=1e-6, abs=1e-9), col
    total = float(oews.execute("SELECT v01 FROM cell WHERE key = ?", (f"OEUM00{cbsa}000000000000",)).fetchone()[0])
    assert t.loc[cbsa, "occ_coverage"] == pytest.approx(e.sum() / total, rel=1e-6)


@pytest.mark.shared_data
def test_occupation_scores_match_their_sources(shared_data: Path) -> None:
    scores = pd.read_csv(REGIONS / "us-metros" / "occupations.csv", dtype={"soc": str}).set_index("soc")
    us = shared_data / "us"
    ms = pd.read_csv(us / "microsoft_working_with_ai_applicability" / "soc_ai_applicability_scores.csv")
    ms = ms.set_index("SOC Code")["ai_applicability_score"]
    exact = scores.index[scores["ai_app_how"] == "exact"]
    np.testing.assert_allclose(scores.loc[exact, "ai_app"], ms[exact], rtol=1e-9)
    gpt = pd.read_csv(us / "eloundou_gpts_are_gpts_exposure" / "occ_level.csv")
    chief = gpt[gpt["O*NET-SOC Code"].str.startswith("11-1011")]["dv_rating_beta"].mean()
    assert scores.loc["11-1011", "gpt"] == pytest.approx(chief, rel=1e-9)
    dn = pd.read_csv(us / "dingel_neiman_teleworkability" / "onet_teleworkable_blscodes.csv").set_index("OCC_CODE")
    assert scores.loc["15-2031", "telework"] == pytest.approx(dn.loc["15-2031", "teleworkable"])  # one-to-one
    felten = pd.read_csv(us / "felten_aioe_ai_exposure" / "AIOE_by_occupation_SOC2010.csv").set_index("SOC Code")
    assert scores.loc["11-1011", "aioe"] == pytest.approx(felten.loc["11-1011", "AIOE"], rel=1e-9)
    assert set(scores.columns) >= set(oc.MEASURES) and scores[list(oc.MEASURES)].notna().all().all()


@pytest.mark.shared_data
def test_metro_telework_matches_dingel_neiman_published_file(shared_data: Path) -> None:
    """Occupation-based teleworkable share vs Dingel & Neiman's MSA file (OES 2018): r >= 0.9."""
    raw = pd.read_csv(
        shared_data / "us" / "dingel_neiman_teleworkability" / "MSA_workfromhome.csv", dtype={"AREA": str}
    )
    dn = pd.DataFrame(
        {"area": raw["AREA"].str.zfill(5), "area_name": raw["AREA_NAME"], "teleworkable_emp": raw["teleworkable_emp"]}
    )
    t = read("us-metros")
    joined, _ = us_lens.dn_to_2023(dn, t["name"])
    assert {"14460", "25540", "17410"} <= set(joined.index)  # Boston and Hartford NECTAs, Cleveland-Elyria
    both = pd.concat([t["teleworkable_share"], joined], axis=1).dropna()
    both = both[t.loc[both.index, "cbsa_type"] == "metro"]
    r = np.corrcoef(both.iloc[:, 0], both.iloc[:, 1])[0, 1]
    assert len(both) >= 370
    assert r >= 0.9


@pytest.mark.shared_data
def test_patents_rate_uses_the_exact_average_population(shared_data: Path) -> None:
    raw = pd.read_csv(
        shared_data / "us" / "bea_cainc1_county_1969_2021" / "CAINC1__ALL_AREAS_1969_2021.csv.gz",
        dtype=str,
        encoding="latin-1",
        skipinitialspace=True,
    )
    raw = raw[raw["LineCode"].str.strip() == "2"]
    raw["key"] = raw["GeoFIPS"].str.strip().str.strip('"').str.strip()
    pop = raw.set_index("key")[[str(y) for y in range(2000, 2016)]].apply(pd.to_numeric, errors="coerce")
    t = read("us-counties")
    for fips in ("06085", "48301", "17031", "56033"):
        exact = pop.loc[fips].mean()
        assert t.loc[fips, "pop_avg_2000_2015"] == exact
        expected = t.loc[fips, "patents_2000_2015"] / 16 / exact * 100_000
        assert t.loc[fips, "patents_per_100k"] == pytest.approx(expected, rel=1e-9)


def test_us_counties_score_has_balance_and_typology_and_gdp_per_capita_spreads() -> None:
    """With today's engine every county of the 50 states and DC gets a balance and a type, and
    gdp_per_capita no longer collapses to a constant under the default (COINr) treatment."""
    from ideopolis.index.scoring import score_region_set
    from ideopolis.regions.datasets import locate
    from ideopolis.regions.model import load_region_set

    run = score_region_set(load_region_set(locate("us-counties")))
    scores = run.scores
    states = [i for i in scores.index if i[:2] not in ("60", "66", "69", "72", "78")]
    assert scores.loc[states, "balance"].notna().all()
    types = run.lens.typology.reindex(states) if run.lens is not None else None
    assert types is not None and types.notna().all()
    assert set(types) == {"magnet", "talent_hub", "exporter", "rooted"}
    gdp = run.datasets["normalised"]["gdp_per_capita"].dropna()
    assert (gdp < 5).mean() < 0.1  # was 0.99 with Loving County, TX in


@pytest.mark.shared_data
def test_county_ai_exposure_against_felten_aige(shared_data: Path) -> None:
    """County aioe_mean vs Felten, Raj & Seamans' AIGE: the r the DATASHEET reports, recomputed here."""
    import re

    raw = pd.read_csv(shared_data / "us" / "felten_aioe_ai_exposure" / "AIGE_by_county_FIPS.csv", dtype={"fips5": str})
    aige = raw[raw["geo_level"] == "county"].set_index("fips5")["AIGE"]
    t = read("us-counties")
    both = pd.concat([t["aioe_mean"], aige], axis=1).dropna()
    r = float(np.corrcoef(both.iloc[:, 0], both.iloc[:, 1])[0, 1])
    assert len(both) == 3219 and r > 0.2
    text = (REGIONS / "us-counties" / "DATASHEET.md").read_text(encoding="utf-8")
    reported = re.search(r"n = 3219\): AIOE r = ([0-9.]+)", text)
    assert reported and float(reported.group(1)) == pytest.approx(r, abs=5e-4)
    # On the single-county metros (OEWS's own mix) the agreement is strong.
    single = both.loc[both.index.isin(t.index[t["lens_route"] == "oews_metro"])]
    assert np.corrcoef(single.iloc[:, 0], single.iloc[:, 1])[0, 1] > 0.7
