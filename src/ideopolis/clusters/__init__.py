"""Industry clusters: location quotients and strong traded clusters (US Cluster Mapping conventions)."""

from ideopolis.clusters.analysis import (
    CITATION,
    ClusterResult,
    cluster_analysis,
    cluster_crosswalk,
    find_cluster,
    industry_table,
    region_set_clusters,
)

__all__ = [
    "CITATION",
    "ClusterResult",
    "cluster_analysis",
    "cluster_crosswalk",
    "find_cluster",
    "industry_table",
    "region_set_clusters",
]
