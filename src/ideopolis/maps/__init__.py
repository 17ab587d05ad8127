"""Maps of a region set's results: interactive HTML (folium/Leaflet) and static PNG (matplotlib).

- :mod:`~ideopolis.maps.layers`: what a layer shows and how its values are classified;
- :mod:`~ideopolis.maps.palettes`: colour-blind-safe palettes by name;
- :mod:`~ideopolis.maps.encode`: compact shared-arc geometry;
- :mod:`~ideopolis.maps.frame`: the main body a map opens on, and the outlying groups (insets);
- :mod:`~ideopolis.maps.interactive`: the one-geometry, many-layers HTML page;
- :mod:`~ideopolis.maps.offline`: inlined Leaflet and page assets;
- :mod:`~ideopolis.maps.static`: print maps with insets.
"""

from ideopolis.maps.interactive import PopupField, RegionMap, build_map
from ideopolis.maps.layers import SCHEMES, ClassifiedLayer, MapLayer, classify_layer, standard_layers

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
