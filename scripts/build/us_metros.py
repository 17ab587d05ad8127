"""Assemble the ``us-metros`` region set (the default): every 2023 core-based statistical area."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from . import datasheet, geo, output, us_lens, us_spec, us_text
from . import readers_us as r
from .spec import Group, RegionSet, SideTable
from .us_common import (
    CBP_SECTORS,
    KNOWLEDGE_NAICS,
    US_LICENSE,
    US_SOURCES,
    UsSources,
    bea_by_census,
    counties_2023,
    knowledge_gdp,
    to_2023,
)
from .us_geometry import UsFaces

TOLERANCE = 0.01
MSA_MATCH = 0.001  # BEA MSA total GDP within 0.1% of the sum of the 2023 member counties = same extent
LENS_GROUPS = ["cbp_code_2018", "lens_route", "lens_area"]


def region_set() -> RegionSet:
    """Metadata of us-metros.

    Returns
    -------
    RegionSet
        Groups, indicators and side tables in their written order.
    """
    indicators = (
        us_spec.population_indicators("metros")
        + us_spec.migration_indicators("metros")
        + us_spec.bea_indicators("metros")
        + us_spec.cbp_indicators()
        + us_spec.cluster_indicators()
        + us_spec.lens_indicators("metros")
    )
    return RegionSet(
        name="us-metros",
        title="US metropolitan and micropolitan statistical areas (OMB July 2023)",
        description=(
            "Every 2023 core-based statistical area (metro and micro), geometry dissolved from its counties, "
            "with talent, capital, knowledge-job, migration and occupation-based exposure indicators."
        ),
        id_column="cbsa",
        name_column="name",
        license=US_LICENSE,
        sources=list(US_SOURCES),
        groups=[
            Group("cbsa_type", "Metropolitan / micropolitan", ("metro", "micro"), "OMB July 2023."),
            Group(
                "state",
                "Principal state (USPS code)",
                None,
                "First state in the CBSA title (e.g. NY for 'New York-Newark-Jersey City, NY-NJ').",
            ),
            Group("csa", "Combined statistical area (OMB July 2023)", None, "3-digit CSA code; blank if none."),
            Group(
                "cbp_code_2018",
                "CBSA code under which CBP 2019 files the area",
                None,
                "OMB September 2018 code used for the CBP columns (the 2023 code itself, or its predecessor; "
                "see 'Employment (CBP 2019)'); blank when CBP 2019 has no predecessor.",
            ),
            Group("lens_route", "How the occupation mix was obtained", us_lens.ROUTES, "See 'Export-jobs lens'."),
            Group(
                "lens_area",
                "Area whose data the occupation mix comes from",
                None,
                "OEWS area code (7 characters), CBSA code, or 'nonmetro-SS' (the pooled OEWS nonmetropolitan "
                "areas of state SS).",
            ),
        ],
        indicators=indicators,
        vintage="2000-2025 (see DATASHEET.md per indicator)",
        default_indicator="ba_plus_share",
        # Metro and micro areas do not tile the country: under queen contiguity 38 of 935 have no neighbour
        # and 92 only one (docs/hotspots-and-clusters.md), so hotspot tests use k nearest neighbours.
        spatial_weights="knn",
        long_tables=[
            SideTable(
                "industry_employment",
                "industry.parquet",
                "CBP 2019 paid employment and establishments by 6-digit NAICS (2017) for the 2023 CBSAs whose "
                "code is in CBP 2019; unpublished cells (fewer than 3 establishments) are absent, not 0.",
                id_column="cbsa",
                columns=(
                    ("cbsa", "CBSA code (5-character string)"),
                    ("naics", "6-digit NAICS 2017 code (6-character string)"),
                    ("emp", "paid employees, pay period including March 12, 2019 (noise-infused)"),
                    ("estab", "establishments"),
                ),
                source="U.S. Census Bureau, County Business Patterns 2019 (Census API 'cbp', NAICS2017)",
                vintage="2019",
                license="Public domain (U.S. Government work)",
            )
        ],
        reference_tables=[
            us_lens.occupations_side_table(),
            SideTable(
                "naics_clusters",
                "clusters.parquet",
                "NAICS -> U.S. Cluster Mapping Project cluster crosswalk (Delgado, Porter & Stern 2016; "
                "clustermapping.us): traded/local, cluster, subcluster; a reference table (not keyed by region).",
                key_column="naics",
                columns=(
                    ("naics", "6-digit NAICS code (string)"),
                    ("traded_local", "'traded' or 'local'"),
                    ("cluster", "cluster name (51 traded and 19 local clusters)"),
                    ("subcluster", "subcluster name"),
                    ("naics_title", "NAICS title"),
                    (
                        "naics_2017_only",
                        "True for the 16 codes the source flags as non-standard that are "
                        "NAICS 2017 codes used by CBP 2019 (kept; see 'Industry tables')",
                    ),
                ),
            ),
        ],
    )


def _strict_group_sum(frame: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    """Sum counts per group; a group is missing in a column when any member is missing."""
    summed = frame.groupby(groups, sort=True).sum(min_count=1)
    any_missing = frame.isna().groupby(groups, sort=True).any()
    return summed.mask(any_missing)


def _cbp_indicators(cbp: pd.DataFrame, keys: pd.Index) -> pd.DataFrame:
    """Sector employment and knowledge jobs by CBSA (CBP 2019, codes moved to 2023)."""
    sectors = cbp[cbp["digits"] <= 2].pivot(index="cbsa", columns="naics", values="emp").astype(float)
    sectors = sectors.reindex(keys)
    out = pd.DataFrame(index=keys)
    out["emp_total_2019"] = sectors["00"]
    for naics in CBP_SECTORS:
        out[us_spec.sector_column(naics)] = sectors.get(naics, np.nan)
    know = sectors[KNOWLEDGE_NAICS]
    out["emp_knowledge_2019"] = know.sum(axis=1).where(know.notna().all(axis=1))
    return out


def _extent_changes(src: UsSources, counts: pd.DataFrame) -> str:
    """Compare BEA's pre-2023 MSA GDP of each renumbered metro with the sum of its 2023 counties."""
    msa = src.cagdp2_msa
    notes = []
    for old, new in us_lens.CBP_2018_TO_2023.items():
        code = old if old in msa.index else new if new in msa.index else None
        if code is None:
            notes.append(f"{old} -> {new}: in neither code in BEA's MSA file")
            continue
        ratio = float(counts.loc[new, "gdp_2021_k"] / msa.loc[code, 1])
        verdict = "same extent" if abs(ratio - 1) <= MSA_MATCH else "extent changed"
        where = "" if code == old else f", BEA files it under {code} already"
        notes.append(f"{old} -> {new}: 2023 counties' GDP / BEA MSA GDP = {ratio:.3f} ({verdict}{where})")
    return "; ".join(notes)


def _principal_state(title: str) -> str:
    return title.rsplit(", ", 1)[1].split("-")[0]


@dataclass
class LensContext:
    """The CBSA-level pieces both US sets need: CBP (2023 codes), industry and cluster tables, the lens."""

    cbp_raw: pd.DataFrame
    cbp: pd.DataFrame
    groups: pd.DataFrame
    industry: pa.Table
    clusters: pa.Table
    inputs: us_lens.LensInputs
    lens: pd.DataFrame
    extras: dict[str, object]
    c23: pd.DataFrame
    gdp_2023: pd.DataFrame


def lens_context(src: UsSources, shared: Path) -> LensContext:
    """Read CBP, move its codes to 2023, and compute the lens of every CBSA.

    Parameters
    ----------
    src : UsSources
        Raw county tables.
    shared : pathlib.Path
        Shared data root.

    Returns
    -------
    LensContext
    """
    deline = src.delineation
    metros = deline.drop_duplicates("cbsa").set_index("cbsa").sort_index()
    keys = pd.Index(metros.index, name="cbsa")
    c23 = counties_2023(src)
    cbp_raw = r.read_cbp_cbsa(shared)
    cbp, cbp_code = us_lens.remap_cbp(cbp_raw, keys)
    groups = pd.DataFrame(
        {
            "name": metros["cbsa_title"],
            "cbsa_type": metros["cbsa_type"],
            "state": [_principal_state(t) for t in metros["cbsa_title"]],
            "csa": metros["csa"],
            "cbp_code_2018": cbp_code,
        },
        index=keys,
    )
    industry = _industry_table(cbp, keys)
    clusters, _ = _cluster_table(shared, cbp_raw)
    inputs = us_lens.prepare(shared, cbp, clusters.to_pandas(), float(c23["gdp_gov_2021_k"].sum()))
    cbp_2021 = to_2023(us_lens.sector_mix(inputs.cbp_county, inputs), src)
    gdp_2023 = to_2023(bea_by_census(us_lens.gdp_sector_mix(src.cagdp2, inputs), src), src)
    county_sectors = pd.concat([cbp_2021, gdp_2023.loc[gdp_2023.index.difference(cbp_2021.index)]]).fillna(0.0)
    lens, extras = us_lens.metro_lens(inputs, groups, deline, c23, county_sectors)
    return LensContext(cbp_raw, cbp, groups, industry, clusters, inputs, lens, extras, c23, gdp_2023)


def build(
    src: UsSources, faces: UsFaces, shared: Path, out_dir: Path, ctx: LensContext | None = None
) -> dict[str, float]:
    """Build and write us-metros.

    Parameters
    ----------
    src : UsSources
        Raw county tables.
    faces : UsFaces
        The cleaned county coverage with Connecticut pieces.
    shared : pathlib.Path
        Shared data root (CBP, Dingel & Neiman and cluster files are read here).
    out_dir : pathlib.Path
        Folder to write (created).
    ctx : LensContext, optional
        Precomputed CBSA pieces (:func:`lens_context`); computed when absent.

    Returns
    -------
    dict
        Numbers for the build report.
    """
    rs = region_set()
    deline = src.delineation
    metros = deline.drop_duplicates("cbsa").set_index("cbsa").sort_index()
    keys = pd.Index(metros.index, name="cbsa")

    c23 = counties_2023(src)
    member_of = deline.set_index("fips5")["cbsa"]
    counts = _strict_group_sum(c23.reindex(member_of.index), member_of).reindex(keys)

    # GDP: BEA's MSA file where it has the same extent as the 2023 metro, else the counties.
    msa = src.cagdp2_msa
    msa_k = knowledge_gdp(msa)
    stats: dict[str, Any] = {"msa_codes": 0, "msa_same_extent": 0, "k_from_msa": 0}
    for code in keys.intersection(msa.index):
        stats["msa_codes"] += 1
        county_sum = counts.loc[code, "gdp_2021_k"]
        total = msa.loc[code, 1]
        if np.isnan(county_sum) or abs(total - county_sum) / total > MSA_MATCH:
            continue
        stats["msa_same_extent"] += 1
        counts.loc[code, "gdp_2021_k"] = total
        if not np.isnan(msa_k[code]):
            if np.isnan(counts.loc[code, "gdp_knowledge_2021_k"]):
                stats["k_from_msa"] += 1
            counts.loc[code, "gdp_knowledge_2021_k"] = msa_k[code]
    stats["k_total"] = int(counts["gdp_knowledge_2021_k"].notna().sum())

    ctx = lens_context(src, shared) if ctx is None else ctx
    cbp, groups, industry, clusters, inputs = ctx.cbp, ctx.groups, ctx.industry, ctx.clusters, ctx.inputs
    cbp_table = _cbp_indicators(cbp, keys)
    dn_msa, dn_unmatched = us_lens.dn_to_2023(r.read_dn_msa(shared), metros["cbsa_title"])
    dn_col = pd.DataFrame({"dn_msa_teleworkable_share": dn_msa.reindex(keys)})
    clusters_stats = _cluster_table(shared, ctx.cbp_raw)[1]
    cluster_cols = _cluster_indicators(industry, clusters, groups["cbsa_type"], keys)
    lens, extras = ctx.lens, ctx.extras
    lens_stats = us_lens.metro_validation(lens, extras, inputs, dn_msa)
    table = pd.concat([groups, counts, cbp_table, dn_col, cluster_cols, lens], axis=1)
    table.index.name = "cbsa"
    final = output.finalize_indicators(table.reset_index(), rs)

    # Geometry: faces relabelled to 2023 counties (Connecticut pieces), then to CBSAs.
    cbsa_of_face = np.array([member_of.get(o, "") for o in faces.region_owner], dtype=object)
    polygons = geo.dissolve(faces.faces.geoms, cbsa_of_face).reindex(keys)
    assert polygons.notna().all(), polygons[polygons.isna()].index.tolist()
    simplified = geo.simplify_coverage(polygons.to_numpy(), TOLERANCE)
    quality = geo.coverage_quality(simplified)
    n_vertices = int(shapely.get_num_coordinates(simplified).sum())

    out_dir.mkdir(parents=True, exist_ok=True)
    output.write_indicators_csv(
        final, rs, out_dir / "indicators.csv", ["cbsa", "name", "cbsa_type", "state", "csa", *LENS_GROUPS]
    )
    us_lens.write_occupations(inputs.scores, out_dir / "occupations.csv")
    output.write_geoparquet(list(keys), simplified, "cbsa", out_dir / "geometry.parquet")
    output.write_parquet(industry, out_dir / "industry.parquet")
    output.write_parquet(clusters, out_dir / "clusters.parquet")
    output.write_manifest(rs, out_dir / "manifest.toml")

    cbp_codes = set(cbp["cbsa"])
    stats["cbp_matched"] = sum(k in cbp_codes for k in keys)
    stats["extent_notes"] = _extent_changes(src, counts)
    stats["dn_matched"] = int(final["dn_msa_teleworkable_share"].notna().sum())
    sections = [
        (
            "Geometry",
            us_text.geometry_notes(faces, quality, TOLERANCE, n_vertices)
            + "\nCBSA polygons are unions of their 2023 counties' faces (Connecticut: planning-region pieces, below).",
        ),
        ("Connecticut", us_text.connecticut(src, faces, "metros")),
        (
            "GDP of metros",
            _gdp_text(stats) + us_text.knowledge_gdp_coverage(src) + _largest_missing(final, "gdp_knowledge_share"),
        ),
        (
            "Employment (CBP 2019) and teleworkability",
            _cbp_text(stats, keys, cbp_codes, final) + _largest_missing(final, "knowledge_emp_share"),
        ),
        ("Export-jobs lens", us_lens.metro_text(final, lens_stats, inputs, dn_unmatched)),
        ("Occupation scores", us_lens.scores_text(inputs.scores)),
        ("Industry tables", _industry_text(industry, clusters_stats)),
        ("BEA combination areas", us_text.bea_combinations(src)),
        ("Alaska", us_text.alaska("metros")),
        ("Puerto Rico", _pr_text(final)),
        ("Vintages", us_text.vintages("metros")),
        ("Missing values and zeros", us_text.missing_values()),
        ("Rebuilding", us_text.rebuild()),
    ]
    n_metro = int((final["cbsa_type"] == "metro").sum())
    intro = (
        f"Every core-based statistical area of the OMB July 2023 delineation (Bulletin 23-01): {n_metro} "
        f"metropolitan and {len(final) - n_metro} micropolitan statistical areas, including Puerto Rico's, "
        "flagged by the group column `cbsa_type`. County-based counts are summed over the CBSA's 2023 counties "
        "(list1_2023.xlsx); rates are recomputed from the summed counts. This is the default region set."
    )
    (out_dir / "DATASHEET.md").write_text(datasheet.render(rs, final, intro, sections), encoding="utf-8")
    return {
        "regions": float(len(final)),
        "vertices": float(n_vertices),
        "industry_rows": float(industry.num_rows),
        **{k: float(v) for k, v in stats.items() if k != "extent_notes"},
        **lens_stats,
        **quality,
    }


def _cluster_indicators(industry: pa.Table, clusters: pa.Table, cbsa_type: pd.Series, keys: pd.Index) -> pd.DataFrame:
    """Strong traded clusters per CBSA, by the project's own method (ideopolis.clusters), as indicator columns."""
    from ideopolis.industry import cluster_analysis, cluster_crosswalk
    from ideopolis.industry import industry_table as to_industry

    result = cluster_analysis(
        to_industry(industry.to_pandas()), cluster_crosswalk(clusters.to_pandas()), region_type=cbsa_type
    )
    return result.indicators().reindex(keys)


def _industry_table(cbp: pd.DataFrame, keys: pd.Index) -> pa.Table:
    """The NAICS long table (all levels: total, sectors, 3- to 6-digit) for the 2023 CBSAs present in CBP 2019.

    All levels are kept so that cells CBP does not publish can be bounded by their published parents.
    """
    six = cbp[cbp["cbsa"].isin(keys)].sort_values(["cbsa", "naics"])
    return pa.table(
        {
            "cbsa": pa.array(six["cbsa"].tolist(), type=pa.string()).dictionary_encode(),
            "naics": pa.array(six["naics"].tolist(), type=pa.string()).dictionary_encode(),
            "emp": pa.array(six["emp"].to_numpy(), type=pa.int64()),
            "estab": pa.array(six["estab"].to_numpy(), type=pa.int64()),
        }
    )


def _cluster_table(shared: Path, cbp: pd.DataFrame) -> tuple[pa.Table, dict[str, float]]:
    """The NAICS -> cluster crosswalk without the source's non-standard codes (except NAICS 2017 codes)."""
    xw = r.read_cluster_crosswalk(shared)
    cbp6 = set(cbp.loc[cbp["digits"] == 6, "naics"])
    flagged = xw["emsi_nonstandard"]
    kept_2017 = flagged & xw["naics"].isin(cbp6)
    out = xw[~flagged | kept_2017].sort_values("naics")
    assert not out["naics"].duplicated().any()
    six = cbp[cbp["digits"] == 6]
    emp_by_code = six.groupby("naics")["emp"].sum()
    mapped = emp_by_code.index.isin(out["naics"])
    mapped_std = emp_by_code.index.isin(out.loc[~out["emsi_nonstandard"], "naics"])
    stats = {
        "rows_source": float(len(xw)),
        "flagged": float(flagged.sum()),
        "kept_2017": float(kept_2017.sum()),
        "rows": float(len(out)),
        "cbp_codes": float(len(emp_by_code)),
        "cbp_codes_mapped": float(mapped.sum()),
        "emp_share_mapped": float(emp_by_code[mapped].sum() / emp_by_code.sum()),
        "emp_share_mapped_std_only": float(emp_by_code[mapped_std].sum() / emp_by_code.sum()),
        "traded": float((out["traded_local"] == "traded").sum()),
        "clusters": float(out["cluster"].nunique()),
    }
    table = pa.table(
        {
            "naics": _strings(out["naics"]),
            "traded_local": _strings(out["traded_local"]).dictionary_encode(),
            "cluster": _strings(out["cluster"]).dictionary_encode(),
            "subcluster": _strings(out["subcluster"]),
            "naics_title": _strings(out["naics_title"]),
            "naics_2017_only": pa.array(out["emsi_nonstandard"].tolist(), type=pa.bool_()),
        }
    )
    return table, stats


def _strings(values: pd.Series) -> pa.Array:
    """Arrow string array with nulls where the source is blank (e.g. Private Households has no cluster)."""
    return pa.array([None if pd.isna(v) else str(v) for v in values], type=pa.string())


def _largest_missing(final: pd.DataFrame, column: str, n: int = 10) -> str:
    """A sentence naming the most populous CBSAs without a value."""
    missing = final[final[column].isna()].sort_values("pop_2020", ascending=False).head(n)
    names = "; ".join(f"{c} {t}" for c, t in zip(missing["cbsa"], missing["name"], strict=True))
    return f"\nThe {n} most populous CBSAs (2020 Census) without `{column}`: {names}.\n"


def _gdp_text(stats: dict[str, Any]) -> str:
    return f"""
BEA publishes GDP for counties and, in a separate file, for 384 MSAs, {stats["msa_codes"]} of whose codes are 2023
CBSA codes (pre-2023 delineation; micropolitan areas are not published). The MSA file is used where it
covers the 2023 metro: same code **and** its 2021 all-industry GDP within {MSA_MATCH:.1%} of the sum of the 2023
member counties (so the extent did not change) - true for {stats["msa_same_extent"]} metros. There, GDP is the
MSA value and knowledge-intensive GDP is taken from the MSA file when published there (filling
{stats["k_from_msa"]} metros whose county sum had a suppressed cell). Elsewhere both are sums of the member
counties, and knowledge GDP is missing when any member county's is unknown ('(D)' is never 0). Result: knowledge GDP
known for {stats["k_total"]} CBSAs.
"""


def _cbp_text(stats: dict[str, Any], keys: pd.Index, cbp_codes: set[str], final: pd.DataFrame) -> str:
    missing = sorted(k for k in keys if k not in cbp_codes)
    k55 = int((final["emp_total_2019"].notna() & final["emp_55"].isna()).sum())
    moved = ", ".join(f"{old} -> {new}" for old, new in us_lens.CBP_2018_TO_2023.items())
    return f"""
County Business Patterns 2019 by CBSA (Census API, via Brookings Metro's data warehouse) uses the OMB September 2018
delineation. A 2023 CBSA takes the CBP cells filed under its own code or, where OMB renumbered it in 2023, under its
predecessor's code ({moved}; predecessors identified by title in BEA's and Dingel & Neiman's 2018-era metro names;
the code used is in the group column `cbp_code_2018`). {stats["cbp_matched"]} of {len(keys)} 2023 CBSAs have CBP data.
The {len(missing)} others were created in 2023, split off a larger 2018 area (Kenosha, Kiryas Joel-Poughkeepsie-Newburgh,
Amherst Town-Northampton, Slidell-Mandeville-Covington, Waterbury-Shelton and most of the new micropolitan areas), or
are in Puerto Rico, which the CBP extract does not cover; no 2018 code can stand for them, so their CBP-based columns
are missing (the lens uses another route, see 'Export-jobs lens'): {", ".join(missing)}.
A CBSA whose extent changed between 2018 and 2023 keeps its 2018 extent in the CBP columns; {_extent_text(stats)}

CBP publishes no cell with fewer than 3 establishments; such sectors are missing, never 0. NAICS 55 (management of
companies) is unpublished in {k55} CBSAs with CBP data, which makes their knowledge-intensive employment (51 + 52 +
54 + 55), its share and density missing.
"""


def _extent_text(stats: dict[str, Any]) -> str:
    changed = stats.get("extent_notes", "")
    return (
        "for the renumbered metros, BEA's MSA file (pre-2023 extents) against the sum of the 2023 counties says: "
        f"{changed}. (Cleveland gained Ashtabula County in 2023, Lexington Park gained Calvert County.)"
    )


def _industry_text(industry: pa.Table, c: dict[str, float]) -> str:
    return f"""
`industry.parquet` holds {industry.num_rows:,} CBSA x NAICS rows of CBP 2019 (employment and establishments) at every
level CBP publishes: the all-sector total (`00`), the 20 sectors (incl. `31-33`, `44-45`, `48-49`) and 3- to 6-digit
industries, for location quotients and traded clusters. Only published cells are present (never a 0 for an
unpublished one); because every level is kept, the employment hidden in unpublished 6-digit cells is bounded by
their published parents, and `ideopolis.clusters` allocates it (see the cluster indicators above).

`clusters.parquet` is derived from the U.S. Cluster Mapping Project crosswalk 'NAICS_crosswalks_to_Cluster_system.xlsx'
(sheet 'Emsi NAICS to Porter Cluster'; {int(c["rows_source"])} rows; cluster definitions of Delgado, Porter & Stern
(2016), 'Defining clusters of related industries', Journal of Economic Geography 16(1), published by the U.S.
Cluster Mapping Project, clustermapping.us; cite both wherever clusters are shown). Columns are renamed and values
trimmed; traded/local is lower-cased. Of the {int(c["flagged"])} rows the source flags as non-standard ('Emsi'
codes), {int(c["flagged"] - c["kept_2017"])} are dropped (Emsi aggregates such as 111000 and 90xxxx government
codes, and codes outside CBP's scope such as 482110 rail, 491110 postal service, 525xxx funds). **Deviation from
the issue, on purpose:** the other {int(c["kept_2017"])} flagged codes are genuine NAICS 2017 codes that CBP 2019
publishes (e.g. 541713-541715 research and development, 452210/452311/452319 general merchandise, 517311/517312
telecommunications, 211120 crude petroleum extraction); the source's NAICS 2012 basis lacks their predecessors, so
dropping them would leave research and development out of the 'Education and Knowledge Creation' cluster. They are
kept with `naics_2017_only = True`; filter them out to apply the issue's rule literally. Result: {int(c["rows"])}
codes, {int(c["traded"])} traded, {int(c["clusters"])} clusters. Of the {int(c["cbp_codes"])} 6-digit codes in CBP
2019, {int(c["cbp_codes_mapped"])} map to a cluster, covering {c["emp_share_mapped"]:.2%} of 6-digit employment
({c["emp_share_mapped_std_only"]:.2%} without the kept NAICS 2017 codes).
"""


def _pr_text(final: pd.DataFrame) -> str:
    pr = final[final["state"] == "PR"]
    return f"""
The {len(pr)} Puerto Rico CBSAs are included. PopEst V2023 and BEA do not cover Puerto Rico, so population 2023,
migration, income, GDP and patents per capita are missing there; attainment, 2020 population, land area,
unemployment, patents (counts) and CBP employment are present.
"""
