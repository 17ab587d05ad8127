"""Region sets: the model, the manifest, checks, custom regions, inferred metadata, readers and bundled sets.

- :mod:`~ideopolis.regions.model`: :class:`RegionSet`, loading and validating a set;
- :mod:`~ideopolis.regions.manifest`: the ``manifest.toml`` format and indicator metadata;
- :mod:`~ideopolis.regions.problems`: the collect-all validation report;
- :mod:`~ideopolis.regions.readers`: geometry and table readers;
- :mod:`~ideopolis.regions.custom`: custom regions ("our five counties");
- :mod:`~ideopolis.regions.infer`: a region set from a user's own files, metadata inferred;
- :mod:`~ideopolis.regions.datasets`: the bundled sets.
"""
