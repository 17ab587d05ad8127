"""Location quotients, strong clusters and suppressed cells on constructed economies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ideopolis.errors import DataFileError, MethodError
from ideopolis.industry import (
    CITATION,
    allocate_suppressed,
    cluster_analysis,
    cluster_crosswalk,
    find_cluster,
    industry_table,
    normalise_naics,
)
from ideopolis.industry.naics import SECTOR_TITLES

CROSSWALK = pd.DataFrame(
    {
        "naics": ["111111", "111112", "222221", "333331", "444441"],
        "cluster": ["Alpha", "Alpha", "Beta", "Gamma", "Local Stuff"],
        "traded": [True, True, True, True, False],
    }
)


def three_regions(gamma_estab_c: float = 9) -> pd.DataFrame:
    """Three regions with 200 traded jobs each; nationally each traded cluster has a third of them."""
    rows = [
        # region, naics, emp, estab
        ("A", "111111", 60, 6),
        ("A", "111112", 40, 4),
        ("A", "222221", 50, 5),
        ("A", "333331", 50, 4),
        ("A", "444441", 300, 30),
        ("B", "111111", 20, 2),
        ("B", "222221", 150, 12),
        ("B", "333331", 30, 3),
        ("B", "444441", 200, 20),
        ("C", "111111", 80, 6),
        ("C", "333331", 120, gamma_estab_c),
        ("C", "444441", 100, 10),
    ]
    return pd.DataFrame(rows, columns=["id", "naics", "emp", "estab"])


def test_traded_cluster_lqs_are_against_traded_employment() -> None:
    result = cluster_analysis(three_regions(), CROSSWALK)
    lq = result.clusters["lq"].unstack("cluster")
    # A: Alpha 100 of 200 traded jobs, nationally 200 of 600 -> (100/200) / (1/3) = 1.5
    expected = pd.DataFrame(
        {"Alpha": [1.5, 0.3, 1.2], "Beta": [0.75, 2.25, 0.0], "Gamma": [0.75, 0.45, 1.8]},
        index=pd.Index(["A", "B", "C"], name="id"),
    )
    expected.columns.name = "cluster"
    pd.testing.assert_frame_equal(lq, expected, rtol=1e-12)
    # local clusters get no LQ and are never strong
    assert "Local Stuff" not in result.cluster_names


def test_sector_lqs_are_against_all_employment() -> None:
    result = cluster_analysis(three_regions(), CROSSWALK)
    sectors = result.sectors
    # A has 500 jobs, 100 in sector 11; nationally 200 of 1,200 -> (100/500) / (200/1200) = 1.2
    np.testing.assert_allclose(sectors.loc[("A", "11"), "lq"], 1.2)
    np.testing.assert_allclose(sectors.loc[("C", "22"), "lq"], 0.0)
    assert sectors.loc[("A", "31-33"), "title"] == SECTOR_TITLES["31-33"] == "Manufacturing"


def test_strong_clusters_by_hand() -> None:
    result = cluster_analysis(three_regions(), CROSSWALK)
    c = result.clusters
    # Alpha: LQs 1.5, 0.3, 1.2 -> 75th percentile 1.35; employment 100, 20, 80 -> 25th 50; estab 10, 2, 6 -> 4
    np.testing.assert_allclose(c.loc[("A", "Alpha"), ["lq_p75", "emp_p25", "estab_p25"]].astype(float), [1.35, 50, 4])
    # Gamma: LQs 0.75, 0.45, 1.8 -> 1.275; employment 50, 30, 120 -> 40; estab 4, 3, 9 -> 3.5
    np.testing.assert_allclose(
        c.loc[("C", "Gamma"), ["lq_p75", "emp_p25", "estab_p25"]].astype(float), [1.275, 40, 3.5]
    )
    strong = c.index[c["strong"]].tolist()
    assert strong == [("A", "Alpha"), ("B", "Beta"), ("C", "Gamma")]
    summary = result.summary
    assert summary["n_strong_traded"].tolist() == [1, 1, 1]
    np.testing.assert_allclose(summary["strong_traded_emp_share"], [0.5, 0.75, 0.6])
    np.testing.assert_allclose(summary["traded_emp"], [200, 200, 200])
    np.testing.assert_allclose(summary["total_emp"], [500, 400, 300])
    # C's Alpha has LQ 1.2 >= 1 but below the 75th percentile: not strong
    assert not c.loc[("C", "Alpha"), "strong"]


def test_establishments_must_be_above_not_at_the_25th_percentile() -> None:
    # C's Gamma with 3 establishments: establishments 4, 3, 3 -> 25th percentile 3, and 3 is not above it
    result = cluster_analysis(three_regions(gamma_estab_c=3), CROSSWALK)
    assert result.clusters.loc[("C", "Gamma"), "estab_p25"] == 3
    assert not result.clusters.loc[("C", "Gamma"), "strong"]


def test_percentiles_are_taken_within_the_region_type() -> None:
    types = pd.Series({"A": "metro", "B": "metro", "C": "micro"})
    result = cluster_analysis(three_regions(), CROSSWALK, region_type=types)
    row = result.clusters.loc[("C", "Gamma")]
    # alone in its type, C is its own 25th percentile of employment, so it cannot be above it
    assert row["type"] == "micro" and row["regions_of_type"] == 1 and row["emp_p25"] == 120
    assert not row["strong"]
    assert result.clusters.loc[("A", "Alpha"), "regions_of_type"] == 2


def test_ranks_and_profile_views() -> None:
    result = cluster_analysis(three_regions(), CROSSWALK)
    assert result.clusters.loc[("A", "Alpha"), "rank_emp"] == 1
    assert result.clusters.loc[("C", "Alpha"), "rank_emp"] == 2
    assert result.clusters.loc[("B", "Beta"), "rank_lq"] == 1
    assert result.strong("B").index.tolist() == ["Beta"]
    valley = result.cluster("gam")
    assert valley.index.tolist() == ["C", "A", "B"]
    indicators = result.indicators()
    assert list(indicators.columns) == [
        "n_strong_traded_clusters",
        "strong_traded_cluster_emp_share",
        "strong_traded_cluster_emp",
        "traded_emp",
    ]
    np.testing.assert_allclose(
        indicators["strong_traded_cluster_emp"] / indicators["traded_emp"],
        indicators["strong_traded_cluster_emp_share"],
    )
    assert "Delgado, Porter & Stern (2016)" in CITATION and "clustermapping.us" in CITATION
    assert result.citation == CITATION


def test_region_without_data_is_an_error_in_profiles() -> None:
    result = cluster_analysis(three_regions(), CROSSWALK)
    with pytest.raises(MethodError, match="region 'Z' has no industry data"):
        result.strong("Z")


def test_missing_types_and_unmapped_codes_are_reported() -> None:
    table = pd.concat([three_regions(), pd.DataFrame([("A", "999999", 7, 1)], columns=["id", "naics", "emp", "estab"])])
    result = cluster_analysis(table, CROSSWALK, region_type=pd.Series({"A": "metro", "B": "metro"}))
    assert any(n.startswith("1 regions with industry data have no type") and "C" in n for n in result.notes)
    assert any("1 6-digit NAICS codes" in n and "999999" in n for n in result.notes)
    assert result.summary.loc["C", "type"] == "unknown"


# ------------------------------------------------------------------ suppressed cells
def hierarchy() -> pd.DataFrame:
    rows = [
        ("X", "00", 100, 20),
        ("X", "54", 80, 15),
        ("X", "541", 80, 15),
        ("X", "5415", 80, 15),
        ("X", "54151", 80, 15),
        ("X", "541511", 50, 10),
        ("Y", "00", 1010, 100),
        ("Y", "54", 600, 60),
        ("Y", "541", 600, 60),
        ("Y", "5415", 600, 60),
        ("Y", "54151", 600, 60),
        ("Y", "541511", 200, 20),
        ("Y", "541512", 300, 30),
        ("Y", "541519", 100, 10),
        ("Y", "72", 410, 40),
        ("Y", "722", 410, 40),
        ("Y", "7225", 410, 40),
        ("Y", "72251", 410, 40),
        ("Y", "722511", 400, 40),
    ]
    return pd.DataFrame(rows, columns=["id", "naics", "emp", "estab"])


HIERARCHY_CROSSWALK = pd.DataFrame(
    {
        "naics": ["541511", "541512", "541519", "722511"],
        "cluster": ["Code", "Code", "Code", "Food"],
        "traded": [True, True, True, True],
    }
)


def test_unpublished_cells_get_a_share_of_the_published_total() -> None:
    detail, report = allocate_suppressed(hierarchy())
    six = detail[(detail["level"] == 6) & (detail["id"] == "X")].set_index("naics")
    # 54151 has 80 jobs, 50 published in 541511: the other 30 go to 541512 and 541519 as 300 : 100
    np.testing.assert_allclose(six.loc["541512", ["emp", "estab"]], [22.5, 3.75])
    np.testing.assert_allclose(six.loc["541519", ["emp", "estab"]], [7.5, 1.25])
    assert six.loc["541512", "origin"] == "54151" and six.loc["541511", "origin"] == ""
    # the 20 jobs outside sector 54 can only be in sector 72, down to its one industry
    np.testing.assert_allclose(six.loc["722511", ["emp", "emp_imputed"]], [20, 20])
    assert six.loc["722511", "origin"] == "00"
    np.testing.assert_allclose(six["emp"].sum(), 100)
    # Y publishes 400 of 72251's 410 jobs and no other industry exists under it: 10 jobs stay unallocated
    assert report["unallocated_emp"]["Y"] == 10 and report["unallocated_emp"]["X"] == 0
    assert report["levels"] == [0, 2, 3, 4, 5, 6]


def test_imputed_jobs_count_for_strength_only_when_their_cluster_is_certain() -> None:
    result = cluster_analysis(hierarchy(), HIERARCHY_CROSSWALK)
    code = result.clusters.loc[("X", "Code")]
    food = result.clusters.loc[("X", "Food")]
    np.testing.assert_allclose(code[["emp", "emp_imputed", "emp_uncertain"]].astype(float), [80, 30, 0])
    # the 20 food jobs come from the all-sectors total, which spans two clusters: uncertain
    np.testing.assert_allclose(food[["emp", "emp_imputed", "emp_uncertain"]].astype(float), [20, 20, 20])
    np.testing.assert_allclose(result.summary.loc["X", "imputed_emp_share"], 0.5)
    assert any("allocated from published totals" in n for n in result.notes)
    assert any("10 published jobs" in n for n in result.notes)


def test_published_only_keeps_the_lower_bound() -> None:
    result = cluster_analysis(hierarchy(), HIERARCHY_CROSSWALK, suppressed="published")
    np.testing.assert_allclose(result.clusters.loc[("X", "Code"), "emp"], 50)
    np.testing.assert_allclose(result.clusters.loc[("X", "Food"), "emp"], 0)
    with pytest.raises(MethodError, match="unknown suppressed-cell method 'guess'"):
        cluster_analysis(hierarchy(), HIERARCHY_CROSSWALK, suppressed="guess")


def test_six_digit_only_tables_say_they_cannot_allocate() -> None:
    result = cluster_analysis(three_regions(), CROSSWALK)
    assert any("one NAICS level only" in n for n in result.notes)


# ------------------------------------------------------------------ inputs
@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("------", "00"),
        ("00", "00"),
        ("31----", "31-33"),
        ("32", "31-33"),
        ("48-49", "48-49"),
        ("5415//", "5415"),
        ("54151/", "54151"),
        (541511, "541511"),
        ("541511.0", "541511"),
        (" 72 ", "72"),
    ],
)
def test_normalise_naics(raw: object, code: str) -> None:
    assert normalise_naics(raw) == code


def test_industry_table_guesses_columns_and_checks_values() -> None:
    raw = pd.DataFrame(
        {"cbsa_code": ["41940", "41940"], "NAICS_CODE": ["54----", "5415//"], "EMP": [5, 4], "ESTAB": [3, 3]}
    )
    table = industry_table(raw)
    assert table.columns.tolist() == ["id", "naics", "emp", "estab"]
    assert table["naics"].tolist() == ["54", "5415"]
    with pytest.raises(DataFileError, match="needs a estab column"):
        industry_table(raw.drop(columns="ESTAB"))
    with pytest.raises(DataFileError, match="has negative counts"):
        industry_table(raw.assign(EMP=[-1, 2]))
    with pytest.raises(DataFileError, match=r"values that are not numbers, e\.g\. 'D'"):
        industry_table(raw.assign(EMP=["D", 2]))
    with pytest.raises(DataFileError, match="lacks \\['estab'\\]"):
        cluster_analysis(table.drop(columns="estab"), CROSSWALK)


def test_crosswalk_from_the_cluster_mapping_spreadsheet_columns() -> None:
    raw = pd.DataFrame(
        {
            "NAICS ": ["541713", "814110", "111000"],
            "TradedLocal": ["Traded", "Local", "Traded"],
            "Cluster": ["Education and Knowledge Creation", None, "Agricultural Inputs and Services"],
            "EmsiSpecificNAICS (non standard)": ["True", "FALSE", "True"],
        }
    )
    crosswalk = cluster_crosswalk(raw)
    # the Emsi flag is ignored (541713 is a NAICS 2017 code CBP publishes); no cluster -> dropped
    assert crosswalk["naics"].tolist() == ["541713", "111000"]
    assert crosswalk["traded"].tolist() == [True, True]
    with pytest.raises(DataFileError, match="expected Traded or Local"):
        cluster_crosswalk(raw.assign(TradedLocal=["Export", "Local", "Traded"]))
    with pytest.raises(DataFileError, match="must map 6-digit NAICS codes; found '5417'"):
        cluster_crosswalk(raw.assign(**{"NAICS ": ["5417", "814110", "111000"]}))
    clash = raw.assign(**{"NAICS ": ["541713", "814110", "541713"]})
    with pytest.raises(DataFileError, match="maps NAICS 541713 to more than one cluster"):
        cluster_crosswalk(clash)


def test_find_cluster_by_part_of_its_name() -> None:
    names = [
        "Information Technology and Analytical Instruments",
        "Financial Services",
        "Insurance Services",
        "Apparel",
    ]
    assert find_cluster("apparel", names) == "Apparel"
    assert find_cluster("information-technology", names) == names[0]
    with pytest.raises(MethodError, match="'services' is ambiguous; it matches: Financial Services; Insurance"):
        find_cluster("services", names)
    with pytest.raises(MethodError, match="unknown cluster 'Toys'; traded clusters are: Apparel; Financial"):
        find_cluster("Toys", names)
    with pytest.raises(MethodError, match="give a cluster name"):
        find_cluster("  ", names)
