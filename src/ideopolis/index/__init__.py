"""The composite index: framework, run profile, the pipeline steps, the run object, results, the lens, COINr input.

- :mod:`~ideopolis.index.steps`: one module per pipeline step (denominate ... aggregate), methods by name;
- :mod:`~ideopolis.index.framework`: the indicator tree;
- :mod:`~ideopolis.index.profile`: run profiles (TOML) -> :class:`~ideopolis.index.profile.RunConfig`;
- :mod:`~ideopolis.index.run`: :class:`~ideopolis.index.run.IndexRun`, every dataset by step and the log;
- :mod:`~ideopolis.index.results`: ranks, strengths and weaknesses, pillar statistics;
- :mod:`~ideopolis.index.lens`: export jobs vs import people, and the typology;
- :mod:`~ideopolis.index.coinr`: COINr's iData/iMeta and its example pipeline;
- :mod:`~ideopolis.index.uncertainty`: rank intervals and Sobol sensitivity (Monte Carlo over the method's choices).
"""
