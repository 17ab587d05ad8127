"""The public functions: load a region set, score it, test it for hotspots, map it, find its clusters.

These are what ``import ideopolis as ideo`` offers (``ideo.load_regions``, ``ideo.score``, ...) and what
every command of the ``ideopolis`` CLI calls, so a notebook and the command line give the same numbers,
the same files and the same map, byte for byte.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ideopolis.index.profile import RunConfig, load_profile
from ideopolis.regions.load import load_regions
from ideopolis.run import Run

if TYPE_CHECKING:
    import pandas as pd

    from ideopolis.decide.compare import Comparison
    from ideopolis.decide.peers import PeerResult
    from ideopolis.decide.whatif import WhatIfResult
    from ideopolis.index.uncertainty.result import UncertaintyResult
    from ideopolis.industry.clusters import ClusterResult
    from ideopolis.maps.interactive import RegionMap
    from ideopolis.regions.model import RegionSet
    from ideopolis.report.methods import MethodsNote
    from ideopolis.report.profile import RegionProfile
    from ideopolis.spatial.hotspots import HotspotResult

__all__ = [
    "clusters",
    "compare",
    "hotspots",
    "load_regions",
    "map",
    "methods_note",
    "peers",
    "prepare",
    "profile",
    "score",
    "score_coinr",
    "uncertainty",
    "whatif",
]


def _config(profile: RunConfig | str | Path | None) -> RunConfig:
    if profile is None:
        return RunConfig()
    if isinstance(profile, RunConfig):
        return profile
    return load_profile(profile)


def score(
    regions: RegionSet | str | Path | None = None,
    *,
    profile: RunConfig | str | Path | None = None,
    balance_weight: float | None = None,
    normalise: str | None = None,
    aggregate: str | None = None,
    weights: str | None = None,
    impute: str | None = None,
    impute_group: str | None = None,
    treat: str | None = None,
    screen_threshold: float | None = None,
    attraction_threshold: float | None = None,
    exposure_threshold: float | None = None,
    seed: int | None = None,
    uncertainty: int | None = None,
    where: str | None = None,
    ranks: str | None = None,
    engine: str | None = None,
    scheduler: str | None = None,
    client: Any = None,
    **steps: Any,
) -> Run:
    """Score a region set: the composite index, its pillars, the lens and the typology.

    Parameters
    ----------
    regions : RegionSet, str or Path, optional
        A loaded set, a bundled name or a region-set folder; default: the profile's ``regions``, else the
        default set (``us-metros``).
    profile : RunConfig, str or Path, optional
        A run profile (TOML, see ``docs/run-profile.md``) or a run log written beside any output.
    balance_weight : float, optional
        Weight ``w`` of the balance (import people vs export jobs) in the index, 0 to 1; cluster strength gets
        ``1 - w`` (default 0.25).
    normalise, aggregate, weights, impute, treat : str, optional
        Methods by name (``normalise="zscore"``, ``aggregate="geometric"``, ``weights="pca"``,
        ``impute="group_median"``, ``treat="none"``); an unknown name lists the valid ones.
    impute_group : str, optional
        Group column for group imputation (``"state"``).
    screen_threshold : float, optional
        Data availability (0 to 1) below which a region is dropped: by default the share of the index's
        effective weight its indicators with a value carry (``[screen] method = "by_weight"``).
    attraction_threshold, exposure_threshold : float, optional
        Where the typology splits the lens axes (default: the medians).
    seed : int, optional
        Seed of every random draw of the run (hotspot permutations, uncertainty draws); default 12345.
    uncertainty : int, optional
        Give the index's ranks intervals from this many Monte Carlo draws of the method's choices
        (``run.uncertainty``; see :func:`uncertainty`); a mapping of ``[uncertainty]`` keys also works.
    where : str, optional
        A shortlist (:meth:`Run.where`): ``"population >= 250000 and type == 'metro'"``; default the profile's
        ``[shortlist]``, else every region.
    ranks : {"national", "within"}, optional
        How a shortlist ranks (default national).
    engine : {"local", "dask"}, optional
        Where the work that splits runs (default: the profile's ``[run] engine``, else ``local``); the numbers
        are the same (see :mod:`ideopolis.engines`). Close a dask run with ``run.close()`` (or ``with``).
    scheduler : str, optional
        With ``engine="dask"``: the scheduler's address (``tcp://HOST:8786``); default a LocalCluster here.
    client : distributed.Client, optional
        A Dask client you made (a notebook's): the run uses it (the dask engine) and leaves it open.
    **steps
        Whole step specifications by step name (``normalise={"method": "minmax", "l_u": [0, 10]}``).

    Returns
    -------
    Run
        Scores, ranks, typology, the step log; ``explain``, ``hotspots``, ``map``, ``to_file``.

    Raises
    ------
    ConfigError
        For an invalid profile or option, a lens option for a set without the lens, or the dask engine without
        dask installed (``pip install 'ideopolis[dask]'``).
    EngineError
        When the Dask scheduler cannot be reached.
    RegionSetError, RegionSetNotFoundError, DataFileError
        For a region set that cannot be loaded.
    MethodError
        When a method cannot apply to the data (a geometric mean over values <= 0).

    Examples
    --------
    >>> import ideopolis as ideo
    >>> run = ideo.score("us-metros", balance_weight=0.4)
    >>> run.config.step("weight").params["balance_weight"]
    0.4
    >>> round(float(run.scores["ideopolis_index"].max()), 1) <= 100
    True
    """
    options: dict[str, Any] = {
        "balance_weight": balance_weight,
        "normalise": normalise,
        "aggregate": aggregate,
        "weights": weights,
        "impute": impute,
        "impute_group": impute_group,
        "treat": treat,
        "screen_threshold": screen_threshold,
        "attraction_threshold": attraction_threshold,
        "exposure_threshold": exposure_threshold,
        "seed": seed,
        "uncertainty": uncertainty,
        "engine": engine if engine is not None or client is None else "dask",
        "scheduler": scheduler,
        **steps,
    }
    run = prepare(regions, profile=profile, where=where, ranks=ranks, client=client, **options)
    run.index  # noqa: B018  (score now: errors surface here, not at the first use)
    return run


def prepare(
    regions: RegionSet | str | Path | None = None,
    *,
    profile: RunConfig | str | Path | None = None,
    geometry: str | Path | None = None,
    indicators: str | Path | Sequence[str | Path] | None = None,
    id_column: str | None = None,
    name_column: str | None = None,
    geometry_id_column: str | None = None,
    layer: str | None = None,
    sheet: str | None = None,
    custom: str | Path | None = None,
    allow_outside_paths: bool = False,
    where: str | None = None,
    ranks: str | None = None,
    client: Any = None,
    **options: Any,
) -> Run:
    """Set up a run without scoring it yet: the profile, then the region set, then the options on top.

    What :func:`score` does before it scores, and what every command does: the region set named here (or your
    own files) wins over the profile's ``regions``, ``custom`` here over the profile's, and the options over the
    profile's settings. A profile of a COINr run (``coinr = {data, meta}``) gives a COINr run (scored).

    Parameters
    ----------
    regions : RegionSet, str or Path, optional
        A loaded set, a bundled name or a folder (default: the profile's, else ``us-metros``).
    profile : RunConfig, str or Path, optional
        A run profile or run log.
    geometry, indicators, id_column, name_column, geometry_id_column, layer, sheet, custom, allow_outside_paths :
        As for :func:`ideopolis.regions.load.load_regions`.
    where, ranks : str, optional
        A shortlist and how it ranks (see :func:`score`); ``where`` replaces the profile's ``[shortlist]``.
    client : distributed.Client, optional
        A Dask client to run on (see :func:`score`).
    **options
        Run options as for :func:`score` (``None`` values are not given).

    Returns
    -------
    Run
        Its index is computed on first use.

    Raises
    ------
    ConfigError
        For an invalid profile or option, or ``custom`` with a COINr profile.

    Examples
    --------
    >>> run = prepare("us-metros", normalise="zscore")
    >>> run.scored, run.config.step("normalise").method
    (False, 'zscore')
    """
    from ideopolis.errors import ConfigError
    from ideopolis.regions.model import RegionSet

    config = _config(profile)
    given = {k: v for k, v in options.items() if v is not None}
    own = geometry is not None or bool(indicators) or id_column is not None or geometry_id_column is not None
    if config.coinr is not None and regions is None and not own:
        if custom is not None:
            raise ConfigError("--custom cannot be combined with a COINr run; fix: drop one of them")
        return _shortlist(
            score_coinr(config.coinr["data"], config.coinr["meta"], profile=config, **given), where, ranks
        )
    if not isinstance(regions, RegionSet):
        if regions is None and not own:
            regions = config.regions
        if custom is None and not own:
            custom = config.custom
        regions = load_regions(
            regions,
            geometry=geometry,
            indicators=indicators,
            id_column=id_column,
            name_column=name_column,
            geometry_id_column=geometry_id_column,
            layer=layer,
            sheet=sheet,
            custom=custom,
            allow_outside_paths=allow_outside_paths,
        )
    if client is not None:
        from ideopolis.engines import ENGINES

        if ENGINES.canonical(str(given.setdefault("engine", "dask"))) != "dask":
            raise ConfigError(
                f"a Dask client runs the dask engine, not {given['engine']!r}; fix: drop engine= or client="
            )
    return _shortlist(Run(regions, config, options=given, client=client), where, ranks)


def _shortlist(run: Run, where: str | None, ranks: str | None) -> Run:
    """Apply ``where`` (else the profile's ``[shortlist]``) and ``ranks`` to a new run."""
    section = dict(run.config.shortlist)
    mode = ranks or str(section.get("ranks", "national"))
    if where is not None:
        return run.where(where, ranks=mode)
    if "where" in section:
        return run.where(str(section["where"]), ranks=mode)
    if "ids" in section:
        return run.subset(list(section["ids"]), ranks=mode)
    if ranks is not None and ranks != "national":
        from ideopolis.errors import ConfigError

        raise ConfigError("--ranks within re-ranks a shortlist; fix: add --where EXPR (or drop --ranks)")
    return run


def score_coinr(
    idata: pd.DataFrame | str | Path,
    imeta: pd.DataFrame | str | Path,
    *,
    profile: RunConfig | str | Path | None = None,
    **options: Any,
) -> Run:
    """Score COINr's tables (``iData``, ``iMeta``) with COINr's example pipeline and any run options.

    Parameters
    ----------
    idata, imeta : DataFrame or path
        COINr's indicator data and metadata, as COINr writes them.
    profile : RunConfig, str or Path, optional
        A whole configuration instead of COINr's defaults (a replayed run log).
    **options
        Run options as for :func:`score` (``normalise=``, ``aggregate=``, ``weights=``, ``impute_group=``,
        ``screen_threshold=``...). Lens options are refused: COINr's frameworks have no lens.

    Returns
    -------
    Run
        A run without region shapes (no hotspots, no map); its log names the two files and replays.

    Raises
    ------
    ConfigError
        For a lens option or an invalid option.
    DataFileError
        For unreadable or inconsistent tables.

    Examples
    --------
    >>> import ideopolis as ideo
    >>> run = ideo.score_coinr("tests/data/coinr-asem/asem_iData.csv", "tests/data/coinr-asem/asem_iMeta.csv")
    >>> run.scores["Index"].idxmax()
    'CHE'
    """
    from ideopolis.index.coinr import run_coinr_default

    config = None if profile is None else _config(profile)
    index = run_coinr_default(idata, imeta, config=config, **{k: v for k, v in options.items() if v is not None})
    return Run(None, index.config, index=index)


def hotspots(
    run: Run | RegionSet | str | Path | None = None,
    column: str | None = None,
    **options: Any,
) -> HotspotResult:
    """Test a score or an indicator for statistically significant hot and cold spots.

    Getis-Ord Gi* (default) or local Moran (LISA) with conditional permutation inference and
    false-discovery-rate control; see :func:`ideopolis.spatial.hotspots.hotspots` for the method.

    Parameters
    ----------
    run : Run, RegionSet, str or Path, optional
        A run (its index and scores can be tested), or a region set (its indicators can be tested; a score
        is computed with the default run when asked for).
    column : str, optional
        The score or indicator (default: the Ideopolis index).
    **options
        ``statistic``, ``weights``, ``k``, ``threshold_km``, ``fallback_k``, ``permutations``,
        ``max_permutations``, ``permutation_budget``, ``mc_level``, ``correction``, ``alpha``, ``alternative``,
        ``seed`` (see :meth:`Run.hotspots`).

    Returns
    -------
    HotspotResult
        ``table`` (one row per region: value, statistic, p-values, class), ``counts()``, ``method_note``.

    Raises
    ------
    ConfigError, MethodError, UnknownMethodError
        For invalid options, before any work.

    Examples
    --------
    >>> import ideopolis as ideo
    >>> hot = ideo.hotspots("us-counties", "ba_plus_share", permutations=99)
    >>> hot.statistic, int(hot.counts().sum())
    ('gi_star', 3231)
    """
    if not isinstance(run, Run):
        run = Run(load_regions(run), RunConfig())
    return run.hotspots(column, **options)


def uncertainty(
    run: Run | RegionSet | str | Path | None = None,
    *,
    draws: int | None = None,
    sensitivity: bool | None = True,
    seed: int | None = None,
    vary: Sequence[str] | None = None,
    **keys: Any,
) -> UncertaintyResult:
    """How far the index's ranks depend on the method's choices: rank intervals and Sobol indices.

    ``draws`` seeded Monte Carlo draws vary the weights (COINr's noisy weights), the normalisation, the
    aggregation, the imputation, the outlier treatment, the balance weight and the exposure measure (the
    inputs that apply to the run); each region gets its median rank, 5-95 % rank interval, mean absolute rank
    shift and a stability class. With ``sensitivity``, first-order and total Sobol indices of the rank shift to
    each input, with bootstrap intervals (SALib). See ``docs/uncertainty.md``.

    Parameters
    ----------
    run : Run, RegionSet, str or Path, optional
        A run, or a region set to score with the default run.
    draws : int, optional
        Monte Carlo draws (default 1000, or the run's ``[uncertainty]`` section's).
    sensitivity : bool, optional, default True
        Also estimate Sobol indices (``None``: the section's setting).
    seed : int, optional
        Seed of the draws (default: the run's seed).
    vary : sequence of str, optional
        The inputs to vary (``weights``, ``normalise``, ``aggregate``, ``impute``, ``treat``,
        ``balance_weight``, ``exposure``); default every one that applies.
    **keys
        Further ``[uncertainty]`` keys (``normalise=["minmax", "rank"]``, ``weights={2: 0.5}``, ...).

    Returns
    -------
    UncertaintyResult
        ``ranks`` (per region), ``sensitivity`` (Sobol indices), ``table()``, ``plot(path)``; also kept as
        ``run.uncertainty``, so the run's tables, maps and log carry the intervals.

    Raises
    ------
    ConfigError, UnknownMethodError, MethodError
        For an invalid option, an input that cannot apply or alternatives that cannot be computed.

    Examples
    --------
    >>> import ideopolis as ideo
    >>> ua = ideo.uncertainty("us-metros", draws=200, sensitivity=False)
    >>> ua.ranks.loc["41940", ["nominal_rank", "rank_lo"]].tolist()
    [1, 1]
    """
    if not isinstance(run, Run):
        run = score(run)
    extra = dict(keys)
    if seed is not None:
        extra["seed"] = seed
    if vary is not None:
        extra["vary"] = list(vary)
    return run.run_uncertainty(draws, sensitivity=sensitivity, **extra)


def map(
    run: Run | RegionSet | str | Path | None = None,
    *,
    hotspots: HotspotResult | bool = True,
    layer: str | None = None,
    scheme: str = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    palette: str | None = None,
    title: str | None = None,
    offline: bool = False,
) -> RegionMap:
    """Map a run: every score as a layer of one interactive page, the typology and the hotspots.

    Parameters
    ----------
    run : Run, RegionSet, str or Path, optional
        A run, or a region set to score with the default run.
    hotspots : HotspotResult or bool, default True
        The hotspot layer: a result of :func:`hotspots`, ``True`` for the run's default test of the index,
        ``False`` for none.
    layer, scheme, k, bins, palette, title, offline :
        See :meth:`Run.map`.

    Returns
    -------
    RegionMap
        Shown inline in a notebook; ``save("map.html", offline=True)``, ``to_png("map.png")``.

    Raises
    ------
    ConfigError
        For invalid classification options or an unknown layer.

    Examples
    --------
    >>> import ideopolis as ideo
    >>> run = ideo.score("us-metros")
    >>> m = ideo.map(run, hotspots=ideo.hotspots(run, "ideopolis_index"))
    >>> m.layers[-1].key
    'hotspots'
    """
    if not isinstance(run, Run):
        run = score(run)
    return run.map(
        hotspots=hotspots,
        layer=layer,
        scheme=scheme,
        k=k,
        bins=None if bins is None else tuple(bins),
        palette=palette,
        title=title,
        offline=offline,
    )


def clusters(
    regions: Run | RegionSet | str | Path | None = None,
    *,
    suppressed: str = "allocate",
    crosswalk: str | Path | None = None,
) -> ClusterResult:
    """Location quotients and strong traded clusters of a region set (US Cluster Mapping conventions).

    Parameters
    ----------
    regions : Run, RegionSet, str or Path, optional
        A run (its region set is used), a region set, a bundled name or a folder; it must have an industry
        employment table (``us-metros`` has).
    suppressed : {"allocate", "published"}
        County Business Patterns cells that are not published: shared out from published totals (default) or
        left out (a lower bound).
    crosswalk : str or Path, optional
        A NAICS -> cluster table (default: the set's own).

    Returns
    -------
    ClusterResult
        ``clusters`` (region x cluster: LQ, employment, strong), ``summary`` (per region), ``strong(region)``,
        ``cluster(name)``.

    Raises
    ------
    DataFileError
        When the set has no industry table.

    Examples
    --------
    >>> import ideopolis as ideo
    >>> result = ideo.clusters("us-metros")
    >>> rid = ideo.load_regions("us-metros").find("San Jose")
    >>> "Information Technology and Analytical Instruments" in result.strong(rid).index
    True
    """
    from ideopolis.industry.clusters import region_set_clusters

    if isinstance(regions, Run):
        if regions.regions is None:
            from ideopolis.errors import RegionSetError

            raise RegionSetError("a run on COINr tables has no industry table; clusters need a region set")
        rs = regions.regions
    else:
        rs = load_regions(regions)
    return region_set_clusters(rs, suppressed=suppressed, crosswalk=None if crosswalk is None else Path(crosswalk))


def _run(run: Run | RegionSet | str | Path | None) -> Run:
    return run if isinstance(run, Run) else score(run)


def profile(run: Run | RegionSet | str | Path | None, region: str, **options: Any) -> RegionProfile:
    """A region's profile page: scores against the set and its peers, strengths, exposure, clusters, hotspot.

    Parameters
    ----------
    run : Run, RegionSet, str or Path
        A run, or a region set to score with the default run.
    region : str
        An id or (part of) a name.
    **options
        ``peers``, ``within``, ``hotspots``, ``clusters`` (see :meth:`Run.profile`).

    Returns
    -------
    RegionProfile
        ``save("x.html")``, ``to_print("x.pdf")``.

    Raises
    ------
    RegionNotFoundError, ConfigError
        For an unknown region or a bad option.

    Examples
    --------
    >>> import ideopolis as ideo
    >>> ideo.profile("us-metros", "Des Moines", hotspots=False, clusters=False).region
    '19780'
    """
    return _run(run).profile(region, **options)


def peers(run: Run | RegionSet | str | Path | None, region: str, **options: Any) -> PeerResult:
    """The regions most like ``region`` by normalised indicator profile (see :meth:`Run.peers`).

    Parameters
    ----------
    run : Run, RegionSet, str or Path
        A run, or a region set to score with the default run.
    region : str
        An id or (part of) a name.
    **options
        ``k``, ``within``, ``weights``, ``min_overlap``.

    Returns
    -------
    PeerResult

    Raises
    ------
    RegionNotFoundError, ConfigError
        For an unknown region or a bad option.

    Examples
    --------
    >>> import ideopolis as ideo
    >>> len(ideo.peers("eu-nuts2", "Lombardia", k=3).ids)
    3
    """
    return _run(run).peers(region, **options)


def whatif(run: Run | RegionSet | str | Path | None, region: str, **values: float) -> WhatIfResult:
    """Re-score with some of a region's raw values changed (see :meth:`Run.whatif`).

    Parameters
    ----------
    run : Run, RegionSet, str or Path
        A run, or a region set to score with the default run.
    region : str
        An id or (part of) a name.
    **values : float
        Indicator -> new raw value.

    Returns
    -------
    WhatIfResult

    Raises
    ------
    RegionNotFoundError, ConfigError
        For an unknown region or indicator.

    Examples
    --------
    >>> import ideopolis as ideo
    >>> ideo.whatif("tests/data/toy", "Alder", ba_share=0.45).rank_after
    3
    """
    return _run(run).whatif(region, values)


def compare(run: Run | RegionSet | str | Path | None, regions: Sequence[str]) -> Comparison:
    """Regions side by side (see :meth:`Run.compare`).

    Parameters
    ----------
    run : Run, RegionSet, str or Path
        A run, or a region set to score with the default run.
    regions : sequence of str
        Two or more regions.

    Returns
    -------
    Comparison

    Raises
    ------
    RegionNotFoundError, ConfigError
        For an unknown region, or fewer than two.

    Examples
    --------
    >>> import ideopolis as ideo
    >>> ideo.compare("tests/data/toy", ["Alder", "Birch"]).ids
    ['01001', '01003']
    """
    return _run(run).compare(regions)


def methods_note(run: Run | RegionSet | str | Path | None = None) -> MethodsNote:
    """The plain-language methods note of a run (see :mod:`ideopolis.report.methods`).

    Parameters
    ----------
    run : Run, RegionSet, str or Path, optional
        A run, or a region set to score with the default run.

    Returns
    -------
    MethodsNote

    Examples
    --------
    >>> import ideopolis as ideo
    >>> ideo.methods_note("eu-nuts2").title
    'How the Ideopolis index is made: a note for readers'
    """
    return _run(run).methods_note()
