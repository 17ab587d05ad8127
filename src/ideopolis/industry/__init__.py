"""Industry clusters: location quotients and strong traded clusters (US Cluster Mapping conventions).

- :mod:`~ideopolis.industry.naics`: employment by region and NAICS code, the crosswalk, suppressed cells;
- :mod:`~ideopolis.industry.clusters`: location quotients, strong clusters, :class:`ClusterResult`;
- :mod:`~ideopolis.industry.report`: what the clusters command shows (tables, the checklist, the LQ map).
"""

from ideopolis.industry.clusters import (
    CITATION,
    ClusterResult,
    cluster_analysis,
    find_cluster,
    region_set_clusters,
)
from ideopolis.industry.naics import (
    allocate_suppressed,
    cluster_crosswalk,
    industry_table,
    normalise_naics,
    read_cluster_crosswalk,
)

__all__ = [
    "CITATION",
    "ClusterResult",
    "allocate_suppressed",
    "cluster_analysis",
    "cluster_crosswalk",
    "find_cluster",
    "industry_table",
    "normalise_naics",
    "read_cluster_crosswalk",
    "region_set_clusters",
]
