"""Location quotients and strong traded clusters (US Cluster Mapping Project conventions).

Clusters are the 51 traded clusters of Delgado, Porter & Stern (2016), "Defining clusters of related
industries", Journal of Economic Geography 16(1), as published by the U.S. Cluster Mapping Project
(clustermapping.us): every 6-digit NAICS industry belongs to one traded or local cluster. Cite both wherever
clusters are shown (:data:`CITATION`).

Inputs
------
``industry``
    A long table of employment and establishments by region and NAICS code (County Business Patterns):
    columns ``id``, ``naics``, ``emp``, ``estab`` (:func:`industry_table` renames other spellings). Codes may
    mix levels: ``"00"`` (all sectors), 2-digit sectors (``"54"``, ``"31-33"``) and 3- to 6-digit industries;
    the CBP file layout (``"54----"``, ``"5415//"``) is understood too.
``crosswalk``
    6-digit NAICS -> cluster: columns ``naics``, ``cluster``, ``traded`` (:func:`cluster_crosswalk` reads the
    Cluster Mapping spreadsheet's ``NAICS``/``TradedLocal``/``Cluster`` columns).

Suppressed cells
----------------
CBP does not publish a cell with fewer than 3 establishments, so 6-digit detail misses part of a region's
employment (a quarter on average over US metros and micros, half in small micros). With
``suppressed="allocate"`` (default) each published total is shared, level by level (all sectors -> sector ->
3 -> 4 -> 5 -> 6 digits), among the industries under it that the region does not publish, in proportion to
their national employment (establishments likewise). The imputed part of every figure is kept
(``emp_imputed``) and reported. ``suppressed="published"`` keeps published cells only (a lower bound).
A table with 6-digit rows only cannot be allocated and is used as published.

Location quotients
------------------
- 2-digit sectors: ``(E_rs / E_r) / (E_s / E)`` against all employment;
- traded clusters: ``(E_rc / T_r) / (E_c / T)`` against *traded* employment ``T`` (the Cluster Mapping
  convention), national figures being the sums over all regions of the set.

Strong clusters
---------------
A traded cluster is strong in a region when its LQ >= 1, its LQ is at or above the 75th percentile of that
cluster's LQ among regions of the same type (metro or micro), and both its employment and its establishments
are above the 25th percentile among those regions. Regions without the cluster count with zero employment;
regions without any industry data are left out and reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ideopolis.errors import DataFileError, MethodError
from ideopolis.industry.naics import (
    _SECTOR_OF_PREFIX,
    _TOTAL,
    SECTOR_TITLES,
    _level,
    _parent,
    allocate_suppressed,
    cluster_crosswalk,
    industry_table,
    read_cluster_crosswalk,
)
from ideopolis.registry import normalise_name

__all__ = [
    "CITATION",
    "SUPPRESSED_METHODS",
    "ClusterResult",
    "cluster_analysis",
    "find_cluster",
    "region_set_clusters",
]

CITATION = (
    "Clusters: Delgado, Porter & Stern (2016), 'Defining clusters of related industries', "
    "Journal of Economic Geography 16(1); U.S. Cluster Mapping Project (clustermapping.us)"
)
"""Credit line shown wherever clusters are shown."""


SUPPRESSED_METHODS = ("allocate", "published")


# --------------------------------------------------------------------------- inputs


# --------------------------------------------------------------------------- suppressed cells


# --------------------------------------------------------------------------- analysis
@dataclass(frozen=True)
class ClusterResult:
    """Location quotients and strong clusters of one region set.

    Attributes
    ----------
    clusters : pandas.DataFrame
        One row per region and traded cluster (MultiIndex ``id``, ``cluster``): ``type`` (region type),
        ``emp``, ``estab``, ``emp_imputed``, ``lq``, ``lq_p75``, ``emp_p25``, ``estab_p25`` (thresholds of
        the region's type), ``strong`` (bool), ``rank_emp`` (national rank by employment, 1 = most),
        ``rank_lq`` (rank by LQ among regions of the same type), ``regions_of_type``.
    sectors : pandas.DataFrame
        One row per region and 2-digit sector (MultiIndex ``id``, ``sector``): ``title``, ``emp``,
        ``emp_imputed``, ``lq``.
    summary : pandas.DataFrame
        One row per region (index ``id``): ``type``, ``total_emp``, ``traded_emp``, ``n_strong_traded``,
        ``strong_traded_emp``, ``strong_traded_emp_share`` (of traded employment), ``imputed_emp_share``
        (of 6-digit employment), ``unallocated_emp``.
    suppressed : str
        ``"allocate"`` or ``"published"``.
    notes : tuple of str
        Data handling to report: allocation, unmapped industries, regions without data.

    Examples
    --------
    >>> import ideopolis as ideo
    >>> result = ideo.clusters("us-metros")
    >>> int(result.summary.loc["41940", "n_strong_traded"])
    8
    """

    clusters: pd.DataFrame
    sectors: pd.DataFrame
    summary: pd.DataFrame
    suppressed: str
    notes: tuple[str, ...] = field(default=())

    citation: str = CITATION

    @property
    def cluster_names(self) -> list[str]:
        """Names of the traded clusters, sorted."""
        return sorted(self.clusters.index.get_level_values("cluster").unique())

    def strong(self, region_id: str) -> pd.DataFrame:
        """Return a region's strong traded clusters, highest LQ first."""
        if region_id not in self.summary.index:
            raise MethodError(f"region {region_id!r} has no industry data")
        rows = _frame(self.clusters.xs(region_id, level="id"))
        return rows[rows["strong"]].sort_values("lq", ascending=False)

    def cluster(self, name: str) -> pd.DataFrame:
        """Return one cluster's row for every region (its LQ map), highest LQ first."""
        key = find_cluster(name, self.cluster_names)
        return _frame(self.clusters.xs(key, level="cluster")).sort_values("lq", ascending=False)

    def indicators(self) -> pd.DataFrame:
        """Return the columns that feed the knowledge_jobs pillar, by region id.

        ``n_strong_traded_clusters`` (a level: recompute, do not sum, for custom regions),
        ``strong_traded_cluster_emp_share`` (a share) with its numerator ``strong_traded_cluster_emp`` and
        denominator ``traded_emp`` (counts), as a region set's indicator table wants them.
        """
        return self.summary[["n_strong_traded", "strong_traded_emp_share", "strong_traded_emp", "traded_emp"]].rename(
            columns={
                "n_strong_traded": "n_strong_traded_clusters",
                "strong_traded_emp_share": "strong_traded_cluster_emp_share",
                "strong_traded_emp": "strong_traded_cluster_emp",
            }
        )


def _frame(obj: pd.DataFrame | pd.Series) -> pd.DataFrame:
    if isinstance(obj, pd.Series):
        return obj.to_frame().T
    return obj


def find_cluster(name: str, names: list[str]) -> str:
    """Return the cluster called ``name``: exact (case and punctuation folded) or the one name containing it.

    Raises
    ------
    MethodError
        Listing the candidates when several names contain ``name``, or every name when none does.

    Examples
    --------
    >>> find_cluster("information tech", ["Information Technology and Analytical Instruments", "Apparel"])
    'Information Technology and Analytical Instruments'
    """
    wanted = _fold(name)
    if not wanted:
        raise MethodError("give a cluster name, e.g. 'Biopharmaceuticals'")
    folded = {n: _fold(n) for n in names}
    exact = [n for n, f in folded.items() if f == wanted]
    if exact:
        return exact[0]
    partial = [n for n, f in folded.items() if wanted in f]
    if len(partial) == 1:
        return partial[0]
    if partial:
        raise MethodError(f"cluster name {name!r} is ambiguous; it matches: {'; '.join(sorted(partial))}")
    raise MethodError(f"unknown cluster {name!r}; traded clusters are: {'; '.join(sorted(names))}")


def _fold(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", normalise_name(text).replace("_", " ")).split())


def cluster_analysis(
    industry: pd.DataFrame,
    crosswalk: pd.DataFrame,
    *,
    region_type: pd.Series | None = None,
    suppressed: str = "allocate",
) -> ClusterResult:
    """Location quotients of sectors and traded clusters, strong clusters, and a per-region summary.

    Parameters
    ----------
    industry : pandas.DataFrame
        Long table ``id``, ``naics``, ``emp``, ``estab`` (see :func:`industry_table`).
    crosswalk : pandas.DataFrame
        ``naics``, ``cluster``, ``traded`` (see :func:`cluster_crosswalk`).
    region_type : pandas.Series, optional
        Region type by id (``"metro"``/``"micro"``); percentiles are taken within a type. All regions form
        one type when absent; regions with data but no type form the type ``"unknown"``.
    suppressed : {"allocate", "published"}
        How cells CBP does not publish are handled (module docstring).

    Returns
    -------
    ClusterResult
    """
    if suppressed not in SUPPRESSED_METHODS:
        raise MethodError(
            f"unknown suppressed-cell method {suppressed!r}; choose one of: {', '.join(SUPPRESSED_METHODS)}"
        )
    missing = {"id", "naics", "emp", "estab"} - set(industry.columns)
    if missing:
        raise DataFileError(
            f"industry table lacks {sorted(missing)}; build it with ideopolis.industry.clusters.industry_table"
        )
    notes: list[str] = []
    if suppressed == "allocate":
        detail, report = allocate_suppressed(industry)
        levels = report["levels"]
        if len(levels) < 2:
            suppressed = "published"
            notes.append(
                "the industry table has one NAICS level only, so cells CBP does not publish "
                "(fewer than 3 establishments) cannot be allocated: figures are published cells only"
            )
    else:
        detail = industry.copy()
        detail["level"] = detail["naics"].map(_level)
        detail["emp_imputed"] = 0.0
        detail["estab_imputed"] = 0.0
        detail["origin"] = ""
        report = {"unallocated_emp": pd.Series(dtype=float), "levels": sorted(detail["level"].unique())}
    six = detail[detail["level"] == 6]
    if six.empty:
        raise DataFileError("the industry table has no 6-digit NAICS rows to map to clusters")
    regions = pd.Index(sorted(industry["id"].unique()), name="id")

    # ---------------- clusters
    mapped = six.merge(crosswalk, on="naics", how="left")
    unmapped = mapped[mapped["cluster"].isna()]
    if len(unmapped):
        by_code = unmapped.groupby("naics")["emp"].sum().sort_values(ascending=False)
        share = by_code.sum() / max(six["emp"].sum(), 1.0)
        notes.append(
            f"{len(by_code):,} 6-digit NAICS codes ({share:.2%} of 6-digit employment) are in no cluster: "
            + ", ".join(by_code.index[:8])
        )
    mapped = mapped.dropna(subset=["cluster"])
    purity = _single_cluster_origins(six["naics"], crosswalk)
    unsure = mapped["origin"].isin([code for code, pure in purity.items() if not pure])
    mapped["emp_uncertain"] = mapped["emp_imputed"].where(unsure, 0.0)
    mapped["estab_uncertain"] = mapped["estab_imputed"].where(unsure, 0.0)
    by_cluster = mapped.groupby(["id", "cluster"], as_index=False).agg(
        emp=("emp", "sum"),
        estab=("estab", "sum"),
        emp_imputed=("emp_imputed", "sum"),
        emp_uncertain=("emp_uncertain", "sum"),
        estab_uncertain=("estab_uncertain", "sum"),
        traded=("traded", "first"),
    )
    traded_names = sorted(crosswalk.loc[crosswalk["traded"], "cluster"].unique())
    grid = pd.MultiIndex.from_product([regions, traded_names], names=["id", "cluster"])
    traded = by_cluster[by_cluster["traded"]].set_index(["id", "cluster"])[
        ["emp", "estab", "emp_imputed", "emp_uncertain", "estab_uncertain"]
    ]
    clusters = traded.reindex(grid, fill_value=0.0)
    region_traded = clusters["emp"].groupby(level="id").sum()
    nat_cluster = clusters["emp"].groupby(level="cluster").sum()
    nat_traded = nat_cluster.sum()
    if nat_traded <= 0:
        raise DataFileError("no employment in traded clusters: check the crosswalk and the NAICS codes")
    share_r = clusters["emp"] / region_traded.reindex(clusters.index, level="id").replace(0.0, np.nan)
    share_n = nat_cluster.reindex(clusters.index, level="cluster") / nat_traded
    clusters["lq"] = (share_r / share_n.replace(0.0, np.nan)).fillna(0.0)

    types = _region_types(regions, region_type, notes)
    clusters["type"] = types.reindex(clusters.index, level="id").to_numpy()
    keys = [clusters.index.get_level_values("cluster").to_numpy(), clusters["type"].to_numpy()]
    grouped = clusters.groupby(keys)
    at = pd.MultiIndex.from_arrays(keys)
    clusters["lq_p75"] = grouped["lq"].quantile(0.75).reindex(at).to_numpy()
    clusters["emp_p25"] = grouped["emp"].quantile(0.25).reindex(at).to_numpy()
    clusters["estab_p25"] = grouped["estab"].quantile(0.25).reindex(at).to_numpy()
    clusters["regions_of_type"] = grouped["lq"].transform("size").astype(np.int64)
    # size tests count only what is known to be in the cluster: published cells, and cells allocated
    # from a published total whose industries all belong to this one cluster
    clusters["strong"] = (
        (clusters["lq"] >= 1.0)
        & (clusters["lq"] >= clusters["lq_p75"])
        & (clusters["emp"] - clusters["emp_uncertain"] > clusters["emp_p25"])
        & (clusters["estab"] - clusters["estab_uncertain"] > clusters["estab_p25"])
    )
    by_name = clusters.groupby(level="cluster")
    clusters["rank_emp"] = by_name["emp"].rank(ascending=False, method="min").astype(np.int64)
    clusters["rank_lq"] = grouped["lq"].rank(ascending=False, method="min").astype(np.int64)
    clusters = clusters[
        [
            "type",
            "emp",
            "estab",
            "emp_imputed",
            "emp_uncertain",
            "estab_uncertain",
            "lq",
            "lq_p75",
            "emp_p25",
            "estab_p25",
            "strong",
            "rank_emp",
            "rank_lq",
            "regions_of_type",
        ]
    ]

    # ---------------- sectors
    sectors = _sector_lqs(industry, detail, regions)

    # ---------------- summary
    total = _region_totals(industry, detail, regions)
    strong_emp = clusters["emp"].where(clusters["strong"], 0.0).groupby(level="id").sum()
    six_emp = six.groupby("id")["emp"].sum().reindex(regions, fill_value=0.0)
    six_imp = six.groupby("id")["emp_imputed"].sum().reindex(regions, fill_value=0.0)
    summary = pd.DataFrame(
        {
            "type": types,
            "total_emp": total,
            "traded_emp": region_traded,
            "n_strong_traded": clusters["strong"].groupby(level="id").sum().astype(np.int64),
            "strong_traded_emp": strong_emp,
            "strong_traded_emp_share": (strong_emp / region_traded.replace(0.0, np.nan)).fillna(0.0),
            "imputed_emp_share": (six_imp / six_emp.replace(0.0, np.nan)).fillna(0.0),
            "unallocated_emp": report["unallocated_emp"].reindex(regions, fill_value=0.0),
        },
        index=regions,
    )
    if suppressed == "allocate" and len(report["levels"]) > 1:
        imp = six["emp_imputed"].sum() / max(six["emp"].sum(), 1.0)
        notes.append(
            f"cells CBP does not publish (fewer than 3 establishments) were allocated from published "
            f"totals: {imp:.1%} of 6-digit employment is imputed (median region "
            f"{summary['imputed_emp_share'].median():.1%}, largest "
            f"{summary['imputed_emp_share'].max():.1%}); see emp_imputed"
        )
        lost = summary["unallocated_emp"].sum()
        if lost > 0:
            notes.append(
                f"{lost:,.0f} published jobs sit under industries that every region publishes and "
                "could not be allocated to a 6-digit industry"
            )
    return ClusterResult(
        clusters=clusters,
        sectors=sectors,
        summary=summary,
        suppressed=suppressed,
        notes=tuple(notes),
    )


def _single_cluster_origins(codes: pd.Series, crosswalk: pd.DataFrame) -> dict[str, bool]:
    """Map every ancestor code of the 6-digit ``codes`` to whether all its 6-digit codes share a cluster."""
    cluster_of = dict(zip(crosswalk["naics"], crosswalk["cluster"], strict=True))
    seen: dict[str, set[str]] = {}
    for code in pd.unique(codes):
        cluster = cluster_of.get(code, "")
        parent = _parent(code)
        while parent:
            seen.setdefault(parent, set()).add(cluster)
            parent = _parent(parent)
    return {code: len(found) == 1 and "" not in found for code, found in seen.items()}


def _region_types(regions: pd.Index, region_type: pd.Series | None, notes: list[str]) -> pd.Series:
    if region_type is None:
        return pd.Series("all", index=regions, name="type")
    given = region_type.copy()
    given.index = given.index.astype(str)
    types = given.reindex(regions).astype("string").str.strip().str.lower()
    unknown = types.isna() | (types == "")
    if unknown.any():
        notes.append(
            f"{int(unknown.sum()):,} regions with industry data have no type; they are compared among "
            f"themselves as 'unknown': {', '.join(regions[unknown.to_numpy()][:8])}"
        )
    return types.mask(unknown, "unknown").astype(object).rename("type")


def _region_totals(industry: pd.DataFrame, detail: pd.DataFrame, regions: pd.Index) -> pd.Series:
    totals = industry[industry["naics"] == _TOTAL].groupby("id")["emp"].sum()
    sector_sum = detail[detail["level"] == 2].groupby("id")["emp"].sum()
    six_sum = detail[detail["level"] == 6].groupby("id")["emp"].sum()
    out = totals.reindex(regions)
    out = out.fillna(sector_sum.reindex(regions)).fillna(six_sum.reindex(regions)).fillna(0.0)
    return out.rename("total_emp")


def _sector_lqs(industry: pd.DataFrame, detail: pd.DataFrame, regions: pd.Index) -> pd.DataFrame:
    sec = detail[detail["level"] == 2][["id", "naics", "emp", "emp_imputed"]]
    if sec.empty:  # only finer levels: sum them up to their sector
        finer = detail[detail["level"] == detail["level"].min()].copy()
        finer["naics"] = finer["naics"].map(lambda c: _SECTOR_OF_PREFIX.get(c[:2], c[:2]))
        sec = finer.groupby(["id", "naics"], as_index=False)[["emp", "emp_imputed"]].sum()
    sec = sec.rename(columns={"naics": "sector"}).set_index(["id", "sector"])
    grid = pd.MultiIndex.from_product(
        [regions, sorted(sec.index.get_level_values("sector").unique())], names=["id", "sector"]
    )
    sec = sec.reindex(grid, fill_value=0.0)
    total = _region_totals(industry, detail, regions)
    nat_sector = sec["emp"].groupby(level="sector").sum()
    share_r = sec["emp"] / total.reindex(sec.index, level="id").replace(0.0, np.nan)
    share_n = nat_sector.reindex(sec.index, level="sector") / total.sum()
    sec["lq"] = (share_r / share_n.replace(0.0, np.nan)).fillna(0.0)
    sec.insert(0, "title", sec.index.get_level_values("sector").map(lambda c: SECTOR_TITLES.get(c, c)))
    return sec


# --------------------------------------------------------------------------- region sets
INDUSTRY_TABLES = ("industry_employment", "industry")
"""Long-table names searched for employment by NAICS, in order."""

CROSSWALK_TABLE = "naics_clusters"
CROSSWALK_FILE = "clusters.parquet"


def region_set_clusters(
    rs: Any,
    *,
    suppressed: str = "allocate",
    crosswalk: pd.DataFrame | str | Path | None = None,
    type_column: str = "cbsa_type",
) -> ClusterResult:
    """Run :func:`cluster_analysis` on a loaded region set.

    Parameters
    ----------
    rs : ideopolis.regions.model.RegionSet
        A set with a long table of employment by NAICS (``industry_employment``).
    suppressed : {"allocate", "published"}
        How unpublished cells are handled.
    crosswalk : DataFrame or path, optional
        NAICS -> cluster table; default: the set's reference table ``naics_clusters`` or its
        ``clusters.parquet`` file.
    type_column : str, default "cbsa_type"
        Group column holding the region type (metro/micro); all regions form one type without it.

    Returns
    -------
    ClusterResult

    Raises
    ------
    DataFileError
        When the set has no industry table or no crosswalk.
    """
    names = list(getattr(rs, "long_table_names", []))
    table_name = next((n for n in INDUSTRY_TABLES if n in names), None)
    if table_name is None:
        raise DataFileError(
            f"region set {rs.name!r} has no industry employment table (long table "
            f"'{INDUSTRY_TABLES[0]}'); clusters need employment and establishments by NAICS"
        )
    industry = industry_table(rs.long_table(table_name))
    if crosswalk is None:
        crosswalk = _region_set_crosswalk(rs)
    elif not isinstance(crosswalk, pd.DataFrame):
        crosswalk = read_cluster_crosswalk(crosswalk)
    else:
        crosswalk = cluster_crosswalk(crosswalk)
    groups = getattr(rs, "groups", pd.DataFrame())
    region_type = groups[type_column] if type_column in groups.columns else None
    result = cluster_analysis(industry, crosswalk, region_type=region_type, suppressed=suppressed)
    without = pd.Index(rs.ids).difference(result.summary.index)
    if len(without):
        labels = ", ".join(str(rs.label(i)) for i in without[:6])
        more = f" and {len(without) - 6:,} more" if len(without) > 6 else ""
        note = f"{len(without):,} regions of {rs.name} have no industry data: {labels}{more}"
        result = replace(result, notes=(*result.notes, note))
    return result


def _region_set_crosswalk(rs: Any) -> pd.DataFrame:
    declared = [t.name for t in getattr(getattr(rs, "manifest", None), "reference_tables", [])]
    if CROSSWALK_TABLE in declared:
        return cluster_crosswalk(rs.reference_table(CROSSWALK_TABLE))
    folder = getattr(rs, "path", None)
    if folder is not None and (Path(folder) / CROSSWALK_FILE).exists():
        return cluster_crosswalk(pd.read_parquet(Path(folder) / CROSSWALK_FILE))
    raise DataFileError(
        f"region set {rs.name!r} has no NAICS -> cluster crosswalk (reference table '{CROSSWALK_TABLE}' "
        f"or file {CROSSWALK_FILE}); fix: pass one with --crosswalk FILE"
    )
