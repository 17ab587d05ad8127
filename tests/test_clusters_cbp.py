"""Strong traded clusters of well-known metros from County Business Patterns 2019 (raw data in ../shared)."""

from __future__ import annotations

import functools

import pandas as pd
import pytest

from ideopolis.industry import ClusterResult, cluster_analysis, industry_table, read_cluster_crosswalk
from tests._spatial_data import CBP_CBSA, CROSSWALK, cbsa_types, need

pytestmark = pytest.mark.shared_data


@functools.cache
def analysis(suppressed: str = "allocate") -> ClusterResult:
    need(CBP_CBSA, CROSSWALK)
    raw = pd.read_csv(CBP_CBSA, dtype={"cbsa_code": str, "naics_code": str})
    industry = industry_table(raw, id_column="cbsa_code", naics_column="naics_code")
    return cluster_analysis(
        industry, read_cluster_crosswalk(CROSSWALK), region_type=cbsa_types(), suppressed=suppressed
    )


@pytest.mark.parametrize(
    ("cbsa", "cluster"),
    [
        ("41940", "Information Technology and Analytical Instruments"),  # San Jose
        ("42660", "Aerospace Vehicles and Defense"),  # Seattle
        ("19820", "Automotive"),  # Detroit
        ("26420", "Oil and Gas Production and Transportation"),  # Houston
        ("31080", "Video Production and Distribution"),  # Los Angeles
        ("34980", "Music and Sound Recording"),  # Nashville
        ("35620", "Financial Services"),  # New York
        ("14460", "Biopharmaceuticals"),  # Boston
    ],
    ids=["san-jose", "seattle", "detroit", "houston", "los-angeles", "nashville", "new-york", "boston"],
)
def test_well_known_metros_are_strong_where_expected(cbsa: str, cluster: str) -> None:
    assert cluster in analysis().strong(cbsa).index


def test_san_jose_profile() -> None:
    result = analysis()
    it = result.clusters.loc[("41940", "Information Technology and Analytical Instruments")]
    assert it["rank_emp"] == 1 and it["lq"] > 4
    # counts as found (allocation of unpublished cells, OMB 2023 metro/micro types)
    counts = result.summary["n_strong_traded"]
    assert counts[["41940", "14460", "42660", "19820"]].tolist() == [8, 10, 8, 6]


def test_every_cbp_six_digit_code_has_a_cluster() -> None:
    # the NAICS 2017 codes the crosswalk marks as Emsi-specific (541713-5, 517311-2, ...) must not be dropped
    result = analysis()
    assert not any("are in no cluster" in n for n in result.notes)
    assert len(result.cluster_names) == 51


def test_allocation_raises_national_manufacturing_totals() -> None:
    # large plants sit in cells with 1-2 establishments; published cells alone miss half of Automotive
    allocated = analysis().clusters["emp"].groupby(level="cluster").sum()
    published = analysis("published").clusters["emp"].groupby(level="cluster").sum()
    assert allocated["Automotive"] > 1.5 * published["Automotive"]
    assert allocated["Business Services"] < 1.05 * published["Business Services"]
