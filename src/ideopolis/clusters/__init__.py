"""Industry clusters: location quotients and strong traded clusters (US Cluster Mapping conventions).

- :mod:`~ideopolis.clusters.industry`: employment by region and NAICS code, the crosswalk, suppressed cells;
- :mod:`~ideopolis.clusters.analysis`: location quotients, strong clusters, :class:`ClusterResult`.
"""

from ideopolis.clusters.analysis import (
    CITATION,
    ClusterResult,
    cluster_analysis,
    find_cluster,
    region_set_clusters,
)
from ideopolis.clusters.industry import (
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
