"""Build the bundled region sets of ideopolis from the official raw files in ``../shared/data``.

One module per concern: ``readers_us`` and ``readers_eu`` read one raw file per function, ``ct`` and
``bea`` reconcile geographies, ``geo`` builds clean, simplified polygon coverages, ``output`` writes the
deterministic files and ``us_counties``, ``us_metros`` and ``eu_nuts2`` assemble the three sets.
"""
