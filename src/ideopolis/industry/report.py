"""What ``ideopolis clusters`` shows, built in the library.

A region's strong clusters, the strong-cluster checklist, a cluster's leading regions, the list of clusters,
and the LQ print map.

Each function returns the table (what ``--out`` writes) and the lines a person reads; the CLI only prints
them. The strong-cluster rule is :mod:`ideopolis.industry.clusters`'s (US Cluster Mapping conventions).
"""

from __future__ import annotations

import math
import os
from typing import Any

import pandas as pd

from ideopolis.industry.clusters import CITATION
from ideopolis.regions.model import RegionSet

__all__ = [
    "LQ_CLASSES",
    "NO_INDUSTRY_DATA",
    "cluster_checklist",
    "cluster_leaders",
    "cluster_list",
    "cluster_png",
    "industry_source",
    "lq_class",
    "region_profile",
    "source_line",
]

#: LQ classes of the cluster map, with their fill colours (light to dark).
LQ_CLASSES: tuple[tuple[str, float, str], ...] = (
    ("LQ below 0.5", 0.5, "#fff5eb"),
    ("LQ 0.5 to 1", 1.0, "#fdd0a2"),
    ("LQ 1 to 1.5", 1.5, "#fd8d3c"),
    ("LQ 1.5 to 2", 2.0, "#e6550d"),
    ("LQ 2 to 4", 4.0, "#a63603"),
    ("LQ 4 or more", float("inf"), "#5a1e02"),
)
NO_INDUSTRY_DATA = "no industry data"


def source_line(rs: RegionSet) -> str:
    """The credit line shown with clusters: the cluster definitions and the employment source."""
    return f"{CITATION}. Employment: {industry_source(rs)}."


def cluster_png(
    rs: RegionSet,
    result: Any,
    name: str,
    path: str | os.PathLike[str],
    *,
    title: str | None = None,
    dpi: int | None = None,
) -> int:
    """Draw one cluster's location quotients as a print map and write it (PNG, SVG or PDF; atomically).

    Parameters
    ----------
    rs : RegionSet
        The set (shapes, names, title).
    result : ClusterResult
        The cluster analysis of ``rs``.
    name : str
        The cluster's exact name.
    path : str or path-like
        The ``.png`` file (``.svg`` and ``.pdf`` write those formats).
    title : str, optional
        The map's title (default: the cluster's name and "location quotient").
    dpi : int, optional
        Resolution of a PNG (default 200).

    Returns
    -------
    int
        Bytes written.
    """
    from ideopolis.maps.api import layer_png
    from ideopolis.maps.layers import MapLayer

    everywhere = result.cluster(name).reindex(rs.ids)
    n_strong = int(everywhere["strong"].fillna(False).astype(bool).sum())
    layer = MapLayer(
        key="lq",
        title=f"{name}: location quotient",
        unit="LQ (1 = the national share of traded jobs)",
        scheme="user_defined",
        bins=tuple(upper for _, upper, _ in LQ_CLASSES[:-1]),
        palette="oranges",
        group="Clusters",
    )
    return layer_png(
        rs,
        everywhere["lq"],
        layer,
        path,
        subtitle=f"{rs.title}; strong in {n_strong:,} regions",
        source=(
            "LQ = the cluster's share of the region's traded employment over its national share; strong: LQ >= 1 "
            "and top quarter among regions of the same type, employment and establishments above the bottom "
            f"quarter. {source_line(rs)}"
        ),
        title=title,
        dpi=dpi,
    )


def lq_class(lq: float) -> str:
    """The LQ map class of a location quotient."""
    if math.isnan(lq):
        return NO_INDUSTRY_DATA
    return next((label for label, upper, _ in LQ_CLASSES if lq < upper), LQ_CLASSES[-1][0])


def industry_source(rs: RegionSet) -> str:
    """The source line of the set's industry employment table."""
    for spec in getattr(rs.manifest, "long_tables", []):
        if getattr(spec, "name", None) in ("industry_employment", "industry"):
            text = getattr(spec, "source", None)
            if text:
                return str(text)
    return "U.S. Census Bureau, County Business Patterns"


def region_profile(rs: RegionSet, result: Any, rid: str) -> tuple[pd.DataFrame, list[str]]:
    """A region's strong traded clusters (or its highest LQs when none is strong): the table and text lines."""
    lines: list[str] = []
    summary = result.summary.loc[rid]
    everything = result.clusters.xs(rid, level="id").sort_values("lq", ascending=False)
    strong = everything[everything["strong"]]
    n_regions = len(result.summary)
    lines.append(
        f"{rs.label(rid)}, {summary['type']}: {int(summary['n_strong_traded'])} strong traded clusters, "
        f"{summary['strong_traded_emp_share']:.1%} of its traded employment "
        f"({summary['traded_emp']:,.0f} traded jobs of {summary['total_emp']:,.0f})"
    )
    shown = strong if len(strong) else everything.head(5)
    if not len(strong):
        lines.append("no strong traded cluster; its highest location quotients:")
    width = max(len(str(c)) for c in shown.index)
    lines.append(
        f"  {'cluster':<{width}}  {'LQ':>6}  {'employment':>10}  {'estab':>7}  "
        f"{'rank (employment)':>17}  {'rank (LQ, type)':>15}"
    )
    for cluster, row in shown.iterrows():
        lines.append(
            f"  {cluster!s:<{width}}  {row['lq']:>6.2f}  {row['emp']:>10,.0f}  {row['estab']:>7,.0f}  "
            f"{int(row['rank_emp']):>7,} of {n_regions:<7,}  "
            f"{int(row['rank_lq']):>5,} of {int(row['regions_of_type']):<5,}"
        )
    if summary["imputed_emp_share"] > 0:
        lines.append(
            f"{summary['imputed_emp_share']:.1%} of this region's 6-digit employment is allocated from "
            "published totals (cells with fewer than 3 establishments are not published)"
        )
    out = everything.copy()
    out.insert(0, "id", rid)
    return out, lines


def cluster_checklist(rs: RegionSet, result: Any, rid: str, name: str) -> tuple[pd.DataFrame, list[str]]:
    """Whether one cluster is strong in a region, test by test (the strong-cluster rule): table and lines."""
    lines: list[str] = []
    row = result.clusters.loc[(rid, name)]
    verdict = "strong" if row["strong"] else "not strong"
    lines.append(f"{rs.label(rid)}: {name} is {verdict}")
    known_emp = row["emp"] - row["emp_uncertain"]
    known_estab = row["estab"] - row["estab_uncertain"]
    checks = [
        (f"LQ {row['lq']:.2f} >= 1", row["lq"] >= 1),
        (f"LQ {row['lq']:.2f} >= {row['lq_p75']:.2f} (75th percentile, {row['type']})", row["lq"] >= row["lq_p75"]),
        (f"employment {known_emp:,.0f} > {row['emp_p25']:,.1f} (25th percentile)", known_emp > row["emp_p25"]),
        (
            f"establishments {known_estab:,.1f} > {row['estab_p25']:,.1f} (25th percentile)",
            known_estab > row["estab_p25"],
        ),
    ]
    for text, ok in checks:
        lines.append(f"  [{'x' if ok else ' '}] {text}")
    lines.append(f"  rank by employment {int(row['rank_emp']):,} of {len(result.summary):,} regions")
    frame = pd.DataFrame([row.to_numpy()], columns=row.index, index=pd.Index([rid], name="id"))
    frame.insert(0, "cluster", name)
    return frame, lines


def cluster_leaders(rs: RegionSet, result: Any, name: str, top: int) -> tuple[pd.DataFrame, list[str]]:
    """Where one cluster is strong, by location quotient: the table (every region) and the lines."""
    lines: list[str] = []
    everywhere = result.cluster(name)
    strong = everywhere[everywhere["strong"]]
    nat_emp = everywhere["emp"].sum()
    lines.append(f"{name}: {nat_emp:,.0f} jobs in {rs.name}; strong in {len(strong):,} of {len(everywhere):,} regions")
    shown = strong.head(top) if len(strong) else everywhere.head(top)
    if len(strong):
        lines.append(f"strongest {len(shown)} by location quotient:")
    else:
        lines.append(f"no region is strong; highest {len(shown)} location quotients:")
    for rid, row in shown.iterrows():
        lines.append(
            f"  {rid:<8} {str(rs.names.get(rid, ''))[:42]:<42} {row['type']:<6} LQ {row['lq']:>6.2f}  "
            f"{row['emp']:>10,.0f} jobs  rank {int(row['rank_emp']):,}"
        )
    out = everywhere.copy()
    out.insert(0, "name", rs.names.reindex(out.index))
    out.index.name = "id"
    return out, lines


def cluster_list(result: Any) -> tuple[pd.DataFrame, list[str]]:
    """Every traded cluster: jobs in the set and the regions where it is strong."""
    lines: list[str] = []
    table = result.clusters.groupby(level="cluster").agg(emp=("emp", "sum"), strong_in=("strong", "sum"))
    table = table.sort_values("emp", ascending=False)
    lines.append(f"{len(table)} traded clusters (jobs in the region set; regions where strong):")
    width = max(len(c) for c in table.index)
    for cluster, row in table.iterrows():
        lines.append(f"  {cluster:<{width}}  {row['emp']:>11,.0f}  {int(row['strong_in']):>5,}")
    lines.append("use: ideopolis clusters REGION, or ideopolis clusters --cluster NAME")
    return table, lines
