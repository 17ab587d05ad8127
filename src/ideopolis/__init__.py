"""ideopolis: how far is a region along the road to becoming a knowledge cluster.

Composite cluster scores (talent, capital, knowledge-job density), the export-jobs vs import-people lens,
statistically tested hotspots and strong industry clusters, rendered as interactive maps.

The public API (``import ideopolis as ideo``)::

    rs = ideo.load_regions("us-metros")                 # a bundled name, a folder, or your own files
    run = ideo.score(rs, profile="client.run.toml", balance_weight=0.4)
    hot = ideo.hotspots(run, "ideopolis_index")
    m = ideo.map(run, hotspots=hot)                     # shown inline in Jupyter; m.save("x.html")
    run.explain("Des Moines"); run.to_file("scores.gpkg")

Names load their module on first use, so ``import ideopolis`` (and the CLI's start) stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from ideopolis.api import (
        clusters,
        compare,
        hotspots,
        load_regions,
        map,
        methods_note,
        peers,
        profile,
        score,
        score_coinr,
        whatif,
    )
    from ideopolis.decide.compare import Comparison
    from ideopolis.decide.peers import PeerResult
    from ideopolis.decide.whatif import WhatIfResult
    from ideopolis.index.explain import Explanation
    from ideopolis.index.profile import RunConfig, load_profile
    from ideopolis.index.run import IndexRun
    from ideopolis.industry.clusters import ClusterResult
    from ideopolis.maps.interactive import RegionMap
    from ideopolis.regions.datasets import list_datasets
    from ideopolis.regions.model import RegionSet
    from ideopolis.report.methods import MethodsNote
    from ideopolis.report.profile import RegionProfile
    from ideopolis.run import Run
    from ideopolis.spatial.hotspots import HotspotResult

_LAZY = {
    "load_regions": "ideopolis.api",
    "score": "ideopolis.api",
    "score_coinr": "ideopolis.api",
    "hotspots": "ideopolis.api",
    "map": "ideopolis.api",
    "clusters": "ideopolis.api",
    "profile": "ideopolis.api",
    "peers": "ideopolis.api",
    "whatif": "ideopolis.api",
    "compare": "ideopolis.api",
    "methods_note": "ideopolis.api",
    "Comparison": "ideopolis.decide.compare",
    "PeerResult": "ideopolis.decide.peers",
    "WhatIfResult": "ideopolis.decide.whatif",
    "RegionProfile": "ideopolis.report.profile",
    "MethodsNote": "ideopolis.report.methods",
    "list_datasets": "ideopolis.regions.datasets",
    "load_profile": "ideopolis.index.profile",
    "RunConfig": "ideopolis.index.profile",
    "RegionSet": "ideopolis.regions.model",
    "Run": "ideopolis.run",
    "IndexRun": "ideopolis.index.run",
    "Explanation": "ideopolis.index.explain",
    "HotspotResult": "ideopolis.spatial.hotspots",
    "ClusterResult": "ideopolis.industry.clusters",
    "RegionMap": "ideopolis.maps.interactive",
}

__all__ = [
    "ClusterResult",
    "Comparison",
    "Explanation",
    "HotspotResult",
    "IndexRun",
    "MethodsNote",
    "PeerResult",
    "RegionMap",
    "RegionProfile",
    "RegionSet",
    "Run",
    "RunConfig",
    "WhatIfResult",
    "__version__",
    "clusters",
    "compare",
    "hotspots",
    "list_datasets",
    "load_profile",
    "load_regions",
    "map",
    "methods_note",
    "peers",
    "profile",
    "score",
    "score_coinr",
    "whatif",
]


def __getattr__(name: str) -> Any:
    """Load a public name's module on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ideopolis' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """List the public names with the module's own."""
    return sorted(set(globals()) | set(__all__))
