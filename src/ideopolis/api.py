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

    from ideopolis.industry.clusters import ClusterResult
    from ideopolis.maps.interactive import RegionMap
    from ideopolis.regions.model import RegionSet
    from ideopolis.spatial.hotspots import HotspotResult

__all__ = ["clusters", "hotspots", "load_regions", "map", "prepare", "score", "score_coinr"]


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
        Seed of every random draw of the run (hotspot permutations); default 12345.
    **steps
        Whole step specifications by step name (``normalise={"method": "minmax", "l_u": [0, 10]}``).

    Returns
    -------
    Run
        Scores, ranks, typology, the step log; ``explain``, ``hotspots``, ``map``, ``to_file``.

    Raises
    ------
    ConfigError
        For an invalid profile or option, or a lens option for a set without the lens.
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
        **steps,
    }
    run = prepare(regions, profile=profile, **options)
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
    custom: str | Path | None = None,
    allow_outside_paths: bool = False,
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
    geometry, indicators, id_column, name_column, custom, allow_outside_paths :
        As for :func:`ideopolis.regions.load.load_regions`.
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
    own = geometry is not None or bool(indicators) or id_column is not None
    if config.coinr is not None and regions is None and not own:
        if custom is not None:
            raise ConfigError("--custom cannot be combined with a COINr run; fix: drop one of them")
        return score_coinr(config.coinr["data"], config.coinr["meta"], profile=config, **given)
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
            custom=custom,
            allow_outside_paths=allow_outside_paths,
        )
    return Run(regions, config, options=given)


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
