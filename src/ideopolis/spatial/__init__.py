"""Space: spatial weights (:mod:`~ideopolis.spatial.weights`) and hotspot tests (:mod:`~ideopolis.spatial.hotspots`)."""
