"""ideopolis: how far is a region along the road to becoming a knowledge cluster.

Composite cluster scores (talent, capital, knowledge-job density), the export-jobs vs import-people lens,
statistically tested hotspots and strong industry clusters, rendered as interactive maps.
"""

__version__ = "0.1.0"
