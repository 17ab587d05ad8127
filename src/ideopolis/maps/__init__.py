"""Maps of a region set's results: interactive HTML (folium/Leaflet) and static PNG (matplotlib).

- :mod:`~ideopolis.maps.layers`: what a layer shows and how its values are classified;
- :mod:`~ideopolis.maps.palettes`: colour-blind-safe palettes by name;
- :mod:`~ideopolis.maps.encode`: compact shared-arc geometry;
- :mod:`~ideopolis.maps.frame`: the main body a map opens on, and the outlying groups (insets);
- :mod:`~ideopolis.maps.interactive`: the one-geometry, many-layers HTML page;
- :mod:`~ideopolis.maps.offline`: inlined Leaflet and page assets;
- :mod:`~ideopolis.maps.static`: print maps with insets, legends off the data (PNG, SVG, PDF);
- :mod:`~ideopolis.maps.places`: state and country names for captions;
- :mod:`~ideopolis.maps.api`: from a region set and a run's results to all of the above.
"""

from __future__ import annotations

import importlib
from typing import Any

# Attributes load their module on first use: importing ideopolis.maps.layers (e.g. for the CLI's help text)
# must not pay for folium, matplotlib or mapclassify.
_LAZY = {
    "PopupField": "interactive",
    "RegionMap": "interactive",
    "build_map": "interactive",
    "SCHEMES": "layers",
    "ClassifiedLayer": "layers",
    "MapLayer": "layers",
    "classify_layer": "layers",
    "standard_layers": "layers",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ideopolis.maps' has no attribute {name!r}")
    return getattr(importlib.import_module(f"ideopolis.maps.{module}"), name)


__all__ = [
    "SCHEMES",
    "ClassifiedLayer",
    "MapLayer",
    "PopupField",
    "RegionMap",
    "build_map",
    "classify_layer",
    "standard_layers",
]
