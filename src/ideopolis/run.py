"""The run object: one region set, one configuration, every result, so a map, a test and a file always agree.

A :class:`Run` holds the region set, the run's :class:`~ideopolis.index.profile.RunConfig` and, as they are
computed, the composite-index run (:attr:`Run.index`, an :class:`~ideopolis.index.run.IndexRun` with every
dataset by step and the log), the hotspot tests and any further result (:attr:`Run.results`). Everything a
user does with a run hangs off it: :meth:`Run.explain`, :meth:`Run.hotspots`, :meth:`Run.map`,
:meth:`Run.to_file`. The log written beside every output (:meth:`Run.log_document`) is a run profile: any
command replays it with ``--profile``.

The index is computed on first use: a hotspot test of a raw indicator needs no index.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ideopolis.errors import ConfigError, IdeopolisError, IdeopolisWarning, RegionSetError
from ideopolis.index.pillars import INDEX
from ideopolis.index.profile import RunConfig

if TYPE_CHECKING:
    from ideopolis.decide.compare import Comparison
    from ideopolis.decide.peers import PeerResult
    from ideopolis.decide.shortlist import Selection
    from ideopolis.decide.whatif import WhatIfResult
    from ideopolis.engines import ComputeEngine
    from ideopolis.index.explain import Explanation
    from ideopolis.index.run import IndexRun
    from ideopolis.index.uncertainty.result import UncertaintyResult
    from ideopolis.maps.interactive import RegionMap
    from ideopolis.regions.model import RegionSet
    from ideopolis.report.methods import MethodsNote
    from ideopolis.report.profile import RegionProfile
    from ideopolis.spatial.hotspots import HotspotResult
    from ideopolis.spatial.weights import SpatialWeights

__all__ = ["Run"]

#: Map options a page records, in the order it records them.
_MAP_KEYS = ("scheme", "k", "bins", "palette")
#: Region attributes every exported table carries after the name (those the set has).
EXPORT_ATTRIBUTES = ("population", "type", "state", "country")


class Run:
    """One analysis run: a region set, its configuration and every result computed from them.

    Create one with :func:`ideopolis.score` (or :func:`ideopolis.score_coinr`); the constructor does not
    score.

    Parameters
    ----------
    regions : RegionSet or None
        The region set (``None`` for a run on COINr tables, which has no shapes).
    config : RunConfig
        Methods, weights, the balance weight, the seed, hotspot options.
    options : mapping, optional
        The run options given explicitly (checked against the framework when the index is computed:
        an option that cannot apply is refused, not ignored).
    index : IndexRun, optional
        An index run already computed (COINr input).
    client : distributed.Client, optional
        A Dask client to run on (with ``config.engine == "dask"``); used, never closed by the run.

    Attributes
    ----------
    regions : RegionSet or None
        The region set.
    config : RunConfig
        The configuration.
    results : dict
        Further results by name (``"hotspots"``: the last :class:`~ideopolis.spatial.hotspots.HotspotResult`);
        later analyses (uncertainty) attach here and are written to the log.
    log_extra : dict
        What else an output of the run did, by name (a cluster table's parameters): written to ``[log]``.
    warnings : list of str
        What the user should see from computing the run (PCA sign disagreements...).
    info : list of str
        Notes on choices the run made for the user (testing the set's default indicator when the index
        cannot be computed).
    uncertainty : UncertaintyResult or None
        The rank intervals of the index (see :meth:`run_uncertainty`), computed on first use when the
        configuration has an ``[uncertainty]`` section, else ``None``.
    selection : Selection or None
        The shortlist this run shows (:meth:`where`, :meth:`subset`), or ``None`` for every region. Its
        :attr:`scores`, :attr:`ranks`, :attr:`typology`, :meth:`top`, :meth:`table`, :meth:`map` and exports
        show the shortlist only; :attr:`index` is always the whole set's run.

    Examples
    --------
    >>> import ideopolis as ideo
    >>> run = ideo.score("us-metros", balance_weight=0.4)
    >>> run.explain("Des Moines").rank <= len(run.scores)
    True
    """

    def __init__(
        self,
        regions: RegionSet | None,
        config: RunConfig,
        *,
        options: Mapping[str, Any] | None = None,
        index: IndexRun | None = None,
        client: Any = None,
    ) -> None:
        if regions is None and index is None:
            raise ConfigError("a run needs a region set or a finished index run")
        self.regions = regions
        self.config = config.with_options(**(options or {}))
        self.results: dict[str, Any] = {}
        self.log_extra: dict[str, Any] = {}
        self.warnings: list[str] = []
        self.info: list[str] = []
        self._options = {k: v for k, v in (options or {}).items() if v is not None}
        self._index = index
        # weights per option tuple, each with the regions it was built on (compared whole: a tuple of a million
        # ids as a dict key cost 0.7 s to build and hash)
        self._weights: dict[tuple[Any, ...], list[tuple[pd.Index, SpatialWeights]]] = {}
        self._hotspot_cache: dict[tuple[Any, ...], HotspotResult] = {}
        self._hotspot_options: dict[int, dict[str, Any]] = {}
        self._uncertainty: UncertaintyResult | None = None
        self._attributes: pd.DataFrame | None = None
        self.selection: Selection | None = None
        self._client = client
        self._engines: list[ComputeEngine] = []  # shared with shortlisted copies: one engine per run

    # -- where the work runs ----------------------------------------------------------------------
    @property
    def compute(self) -> ComputeEngine | None:
        """The compute engine of the run (``[run] engine``), opened on first use; ``None`` for the local path.

        Raises
        ------
        ConfigError
            For the dask engine without dask installed (``pip install 'ideopolis[dask]'``).
        EngineError
            When the Dask scheduler cannot be reached.
        """
        if self.config.engine == "local" and self._client is None:
            return None
        if not self._engines:
            from ideopolis.engines import open_engine

            self._engines.append(
                open_engine(
                    "dask" if self._client is not None else self.config.engine,
                    scheduler=self.config.scheduler,
                    client=self._client,
                )
            )
        return self._engines[0]

    def close(self) -> None:
        """Close the run's compute engine (a LocalCluster it started); a later use opens a new one."""
        while self._engines:
            self._engines.pop().close()

    def __enter__(self) -> Run:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the index --------------------------------------------------------------------------------
    @property
    def index(self) -> IndexRun:
        """The composite-index run (computed on first use): datasets by step, weights, the step log."""
        if self._index is None:
            from ideopolis.index.scoring import score_region_set

            assert self.regions is not None
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", IdeopolisWarning)
                self._index = score_region_set(self.regions, self.config, compute=self.compute, **self._options)
            self.warnings.extend(str(w.message) for w in caught)
            self.config = self._index.config
        return self._index

    @property
    def scored(self) -> bool:
        """Whether the index has been computed."""
        return self._index is not None

    @property
    def name(self) -> str:
        """The region set's name (``"coinr"`` for COINr tables)."""
        return self.regions.name if self.regions is not None else (self._index.name if self._index else "")

    def _selected(self, index: pd.Index) -> list[str]:
        """The ids of ``index`` the shortlist keeps, in ``index``'s order (all without a shortlist)."""
        if self.selection is None:
            return list(index)
        keep = set(self.selection.ids)
        return [i for i in index if i in keep]

    @property
    def scores(self) -> pd.DataFrame:
        """Scores of every aggregate (index = region id; the index, sub-indices, pillars), floats.

        With a shortlist (:attr:`selection`), its regions only.
        """
        scores = self.index.scores
        return scores if self.selection is None else scores.loc[self._selected(scores.index)]

    @property
    def ranks(self) -> pd.DataFrame:
        """Ranks of every aggregate (1 = best, ties share the lowest rank, Int64).

        With a shortlist: its regions' national ranks, or their ranks within it (``ranks="within"``).
        """
        ranks = self.index.ranks
        if self.selection is None:
            return ranks
        ids = self._selected(ranks.index)
        if self.selection.ranks == "within":
            from ideopolis.index.results import rank_table

            scores = self.index.scores.loc[ids]
            if not self.index.rank_partial:  # like with like, as the national ranks: complete scores only
                scores = scores.where(self.index.coverage.complete[scores.columns].loc[ids])
            return rank_table(scores)
        return ranks.loc[ids]

    @property
    def typology(self) -> pd.Series | None:
        """Type of every region on the lens axes (magnet, talent_hub, exporter, rooted), or ``None``.

        The split is the whole set's (its medians) even for a shortlist.
        """
        kinds = self.index.typology
        if kinds is None or self.selection is None:
            return kinds
        return kinds.loc[self._selected(kinds.index)]

    @property
    def notes(self) -> list[str]:
        """What a user should know about the run (framework built, steps' notes, screened regions)."""
        return self.index.notes

    @property
    def dropped(self) -> list[str]:
        """Regions dropped by screening (too little data)."""
        return self.index.dropped

    # -- rank uncertainty -------------------------------------------------------------------------
    @property
    def uncertainty(self) -> UncertaintyResult | None:
        """The index's rank intervals, or ``None`` when the run has no ``[uncertainty]`` section.

        Computed on first use from the configuration's ``[uncertainty]`` section (the uncertainty analysis
        only; :meth:`run_uncertainty` adds the Sobol indices).
        """
        if self._uncertainty is None and self.config.uncertainty is not None:
            self.run_uncertainty(sensitivity=False)
        return self._uncertainty

    def run_uncertainty(
        self,
        draws: int | None = None,
        *,
        sensitivity: bool | None = None,
        progress: Callable[[int], None] | None = None,
        workers: int | None = None,
        **keys: Any,
    ) -> UncertaintyResult:
        """Run an uncertainty (and sensitivity) analysis of the index's ranks and keep it on the run.

        Parameters
        ----------
        draws : int, optional
            Monte Carlo draws (default: the ``[uncertainty]`` section's, else 1000).
        sensitivity : bool, optional
            Also estimate Sobol indices (default: the section's ``sensitivity``, else no).
        progress : callable, optional
            Called with the number of draws finished.
        workers : int, optional
            Threads (the numbers do not depend on it).
        **keys
            Further ``[uncertainty]`` keys (``seed``, ``vary``, ``normalise``, ``aggregate``, ``weights``, ...;
            see :mod:`ideopolis.index.uncertainty.spec`), on top of the run's section.

        Returns
        -------
        UncertaintyResult
            Also :attr:`uncertainty`; the run's tables, explanations, maps and log carry it.

        Raises
        ------
        ConfigError, UnknownMethodError, MethodError
            For an invalid section, an input that cannot apply, or alternatives that cannot be computed.

        Examples
        --------
        >>> import ideopolis as ideo
        >>> run = ideo.score("us-metros")
        >>> ua = run.run_uncertainty(200, vary=["weights", "normalise"])
        >>> sorted(ua.varied()), run.uncertainty is ua
        (['normalise', 'weights'], True)
        """
        from ideopolis.index.uncertainty import analyse
        from ideopolis.index.uncertainty.spec import spec_from_mapping

        section = {k: v for k, v in {**keys, "draws": draws, "sensitivity": sensitivity}.items() if v is not None}
        self.config = self.config.with_options(uncertainty=section if section else True)
        assert self.config.uncertainty is not None
        spec = spec_from_mapping(self.config.uncertainty, where="the run options")
        self._uncertainty = analyse(self.index, spec, progress=progress, workers=workers, compute=self.compute)
        return self._uncertainty

    def find_region(self, query: str) -> str:
        """Return the id of the region ``query`` names (id, name or part of one; case and accents ignored).

        Parameters
        ----------
        query : str
            ``"19780"``, ``"Des Moines"``, ``"ile-de-france"``.

        Returns
        -------
        str

        Raises
        ------
        RegionNotFoundError
            When nothing or several regions match (with suggestions or candidates), or the region was dropped.
        """
        if self.regions is not None:
            rid = self.regions.find(query)
            if rid in self.dropped:
                return self.index.find_region(rid)
            return rid
        return self.index.find_region(query)

    # -- what the run says ------------------------------------------------------------------------
    def method_line(self) -> str:
        """Say in one line how the scores were made: normalisation, aggregation, weights, the balance weight.

        Returns
        -------
        str
        """
        from ideopolis.index.explain import lens_on, method_line, pillar_weights

        run = self.index
        return method_line(run.config, lens=lens_on(run), pillar_weights=pillar_weights(run))

    def explain(self, region: str) -> Explanation:
        """Explain how one region's index was built, indicator by indicator.

        Parameters
        ----------
        region : str
            An id or (part of) a name.

        Returns
        -------
        Explanation
            Printable (``print(run.explain("Des Moines"))``); a table in notebooks.

        Raises
        ------
        RegionNotFoundError
            When the region is unknown, ambiguous or was dropped by screening.

        Examples
        --------
        >>> import ideopolis as ideo
        >>> run = ideo.score("us-metros")
        >>> e = run.explain("des moines")
        >>> e.region, e.table.index[0]
        ('19780', 'ideopolis_index')
        """
        from dataclasses import replace

        from ideopolis.index.explain import explain

        result = explain(self.index, self.find_region(region))
        unc = self.uncertainty
        if unc is not None and unc.target == result.root and result.region in unc.ranks.index:
            row: Any = unc.ranks.loc[result.region]
            if not pd.isna(row["rank_lo"]):
                result = replace(
                    result,
                    interval=(int(row["rank_lo"]), int(row["rank_hi"])),
                    interval_note=(
                        f"5-95% rank interval over {unc.draws:,} draws of {', '.join(unc.varied())}; "
                        f"median rank {row['median_rank']:g}, mean shift {row['mean_abs_shift']:.1f}, "
                        f"{row['stability']}"
                    ),
                )
        return result

    def peers(
        self,
        region: str,
        *,
        k: int = 10,
        within: Sequence[str] = (),
        weights: str = "equal",
        min_overlap: float = 0.5,
    ) -> PeerResult:
        """Return the ``k`` regions most like ``region`` by normalised indicator profile.

        Parameters
        ----------
        region : str
            An id or (part of) a name.
        k : int
            How many peers.
        within : sequence of str
            Attributes a peer shares with the region: ``size``, ``type``, ``state``, ``country``, ``stage``
            (EU RCI development stage), ``eu27``, or a group column of the set.
        weights : {"equal", "index"}
            Indicators count equally, or by their effective weight in the index.
        min_overlap : float
            Least share of the region's indicators a peer must have.

        Returns
        -------
        PeerResult
            ``table`` (nearest first: distance, what drives it, attributes, index score and rank).

        Raises
        ------
        RegionNotFoundError, ConfigError
            See :func:`ideopolis.decide.peers.peers`.

        Examples
        --------
        >>> import ideopolis as ideo
        >>> result = ideo.score("eu-nuts2").peers("Oberbayern", k=5)
        >>> len(set(result.table["country"])) > 1  # peers across countries
        True
        """
        from ideopolis.decide.peers import peers

        return peers(self, region, k=k, within=within, weights=weights, min_overlap=min_overlap)

    def whatif(self, region: str, changes: Mapping[str, float] | None = None, **values: float) -> WhatIfResult:
        """Re-score the set with some of a region's raw indicator values changed.

        Parameters
        ----------
        region : str
            An id or (part of) a name.
        changes : mapping of str to float, optional
            Indicator -> new raw value.
        **values : float
            The same as keywords (``ba_plus_share=0.45``).

        Returns
        -------
        WhatIfResult
            New scores and ranks, and whether the normalisation bounds moved.

        Raises
        ------
        RegionNotFoundError, ConfigError
            See :func:`ideopolis.decide.whatif.whatif`.

        Examples
        --------
        >>> import ideopolis as ideo
        >>> result = ideo.score("us-metros").whatif("Des Moines", ba_plus_share=0.45)
        >>> result.rank_after < result.rank_before
        True
        """
        from ideopolis.decide.whatif import whatif

        return whatif(self, region, {**dict(changes or {}), **values})

    def what_would_move(
        self,
        region: str,
        *,
        places: int | None = None,
        target_rank: int | None = None,
        indicators: list[str] | None = None,
    ) -> pd.DataFrame:
        """For each indicator alone, the raw value that would lift the region ``places`` places (or to a rank).

        Parameters
        ----------
        region : str
            An id or (part of) a name.
        places : int, optional
            Places to gain (default 5).
        target_rank : int, optional
            A rank to reach instead.
        indicators : list of str, optional
            The indicators to try (default all).

        Returns
        -------
        pandas.DataFrame
            Smallest relative change first (see :func:`ideopolis.decide.whatif.what_would_move`).

        Raises
        ------
        ConfigError
            For a target the region already has, or both ``places`` and ``target_rank``.

        Examples
        --------
        >>> import ideopolis as ideo
        >>> table = ideo.score("tests/data/toy").what_would_move("01001", places=2)
        >>> table.loc["telework_share", "status"]
        'already the best value in the set'
        """
        from ideopolis.decide.whatif import what_would_move

        return what_would_move(self, region, places=places, target_rank=target_rank, indicators=indicators)

    def profile(
        self,
        region: str,
        *,
        peers: int = 8,
        within: Sequence[str] = (),
        hotspots: bool = True,
        clusters: bool = True,
    ) -> RegionProfile:
        """Gather one region's profile: scores against the set and its peers, strengths, exposure, clusters, hotspot.

        Parameters
        ----------
        region : str
            An id or (part of) a name.
        peers : int
            How many peers to show (0: none).
        within : sequence of str
            Attributes the peers share with the region (``size``, ``type``, ``stage``...).
        hotspots : bool
            Test the index for hot spots and show the region's class.
        clusters : bool
            Show the strong traded clusters (sets with an industry table).

        Returns
        -------
        RegionProfile
            ``save("profile.html")``, ``to_print("profile.pdf")``; shown inline in a notebook.

        Raises
        ------
        RegionNotFoundError, ConfigError
            See :func:`ideopolis.report.profile.region_profile`.

        Examples
        --------
        >>> import ideopolis as ideo
        >>> profile = ideo.score("eu-nuts2").profile("Lombardia", hotspots=False)
        >>> profile.region, profile.clusters is None
        ('ITC4', True)
        """
        from ideopolis.report.profile import region_profile

        return region_profile(self, region, peers=peers, within=tuple(within), hotspots=hotspots, clusters=clusters)

    def compare(self, regions: Sequence[str]) -> Comparison:
        """Put regions side by side: attributes, every score with its rank, the typology, every indicator.

        Parameters
        ----------
        regions : sequence of str
            Two or more regions (ids or parts of names).

        Returns
        -------
        Comparison
            Printable; ``html()``, ``to_file("x.xlsx" | "x.html" | "x.csv")``.

        Raises
        ------
        RegionNotFoundError, ConfigError
            See :func:`ideopolis.decide.compare.compare`.

        Examples
        --------
        >>> import ideopolis as ideo
        >>> c = ideo.score("eu-nuts2").compare(["Oberbayern", "Lombardia"])
        >>> c.ids
        ['DE21', 'ITC4']
        """
        from ideopolis.decide.compare import compare

        return compare(self, regions)

    def methods_note(self) -> MethodsNote:
        """The plain-language methods note of the run (what ``ideopolis methods`` writes).

        Returns
        -------
        MethodsNote
            ``short``, ``full_html``, ``page()``, ``save(path)``.

        Examples
        --------
        >>> import ideopolis as ideo
        >>> "hot spot" in ideo.score("us-metros").methods_note().short
        True
        """
        from ideopolis.report.methods import methods_note

        return methods_note(self)

    def top(self, n: int = 15, sort: str | None = None) -> pd.DataFrame:
        """Return the top ``n`` regions by the index (or ``sort``): rank, name, scores, typology.

        With an uncertainty analysis of the ranked score, an ``interval`` column (``"8–19"``: the 5-95 % rank
        interval) follows the rank.

        Parameters
        ----------
        n : int
            How many.
        sort : str, optional
            A score column to rank by.

        Returns
        -------
        pandas.DataFrame

        Raises
        ------
        ConfigError
            When ``sort`` is not a score.
        """
        from ideopolis.index.explain import top_table

        if self.selection is None:
            table = top_table(self.index, n, sort)
        else:
            table = top_table(self.index, len(self.index.scores), sort)
            table = table.loc[self._selected(table.index)]
            table["rank"] = self.ranks[sort or self.index.framework.root].reindex(table.index)
            table = table.head(n)
        unc = self.uncertainty
        national = self.selection is None or self.selection.ranks != "within"
        if unc is not None and national and (sort or self.index.framework.root) == unc.target:
            # the intervals are of national ranks: not shown beside ranks counted within a shortlist
            table.insert(1, "interval", unc.interval_column(table.index).to_numpy())
        return table

    def table(self) -> pd.DataFrame:
        """Return every region of the set, scored or not: name, scores, ranks, typology, what each score rests on.

        A region that has no score (screened out for too little data, or too little data for the index) stays
        in the table with missing scores and the reason (``not_scored_reason``), never silently absent.

        Returns
        -------
        pandas.DataFrame
            Index ``id`` (every region of the set, in its order). Columns: ``name``; one per score; ``rank_<score>``
            (ranked among regions scored on every pillar); ``typology``; ``scored_on`` (the pillars the index rests
            on); ``not_ranked_reason``; ``not_scored_reason``; for each exposure measure ``m`` its value ``m`` and
            percentile ``m_pct`` (100 = most exposed), ``exposure_pct_min`` / ``exposure_pct_max`` (the
            cross-measure range) and ``exposure_measures``; the lens context the set has (``lens_route``,
            ``lens_area``, ``occ_coverage``, ``anchored_share``, ``anchored_share_pct``: shown, never scored); the
            hotspot columns (``hotspot_class``, ``hotspot_p``) when a test was run; the index's rank interval
            (``rank_lo``, ``rank_hi``, ``median_rank``, ``mean_abs_shift``, ``rank_stability``) when the run has an
            uncertainty analysis.
        """
        from ideopolis.index.facts import exposure_table, lens_context

        run = self.index
        ids = self.regions.ids if self.regions is not None else run.datasets["raw"].index
        ids = pd.Index(ids.astype(str))
        out = run.results_frame().reindex(ids)
        names = self.regions.names if self.regions is not None else run.names
        if names is not None:
            out["name"] = names.set_axis(names.index.astype(str)).reindex(ids)
        for col in ("scored_on", "not_ranked_reason"):
            out[col] = out[col].fillna("")
        out["not_scored_reason"] = run.not_scored_reasons().reindex(ids).fillna("")
        exposure = exposure_table(run.framework, run.datasets["denominated"]).reindex(ids)
        out = out.join(exposure.drop(columns=[c for c in exposure.columns if c in out.columns]))
        context = lens_context(run.groups, run.denominators, ids)
        out = out.join(context.drop(columns=[c for c in context.columns if c in out.columns]))
        if self.selection is not None:
            out = out.loc[self._selected(out.index)]
            ranks = self.ranks
            for column in ranks.columns:
                out[f"rank_{column}"] = ranks[column].reindex(out.index)
        if self.regions is not None:
            attrs = self.regions_attributes()
            place = 1 if "name" in out.columns else 0
            for column in [c for c in EXPORT_ATTRIBUTES if c in attrs.columns and c not in out.columns]:
                out.insert(place, column, attrs[column].reindex(out.index))
                place += 1
        unc = self.uncertainty
        if unc is not None and (self.selection is None or self.selection.ranks != "within"):
            stats = unc.ranks.reindex(out.index)
            out["rank_lo"] = stats["rank_lo"]
            out["rank_hi"] = stats["rank_hi"]
            out["median_rank"] = stats["median_rank"]
            out["mean_abs_shift"] = stats["mean_abs_shift"]
            out["rank_stability"] = stats["stability"]
        hot: HotspotResult | None = self.results.get("hotspots")
        if hot is not None:
            out["hotspot_class"] = hot.table["cls"].reindex(out.index)
            out["hotspot_p"] = hot.table["p_adjusted"].reindex(out.index)
        out.index.name = "id"
        return out

    def region_facts(self) -> pd.DataFrame:
        """Return what stands behind each region's scores, as short texts (the map card's and profile's rows).

        Returns
        -------
        pandas.DataFrame
            Index = every region id of the set; string columns, ``""`` where nothing applies: ``Scored on``
            (the pillars the index rests on), ``Not scored`` (the reason), ``Exposure range (...)`` (the lowest
            and highest percentile across the exposure measures), ``Exposure percentile by measure`` (each
            measure's, in one line), ``Lens data (...)`` (route, area, coverage of the occupation mix) and
            ``Anchored jobs (...)``; columns that apply to no region are left out (see
            :func:`ideopolis.index.facts.region_facts`).

        Examples
        --------
        >>> import ideopolis as ideo
        >>> facts = ideo.score("us-metros").region_facts()
        >>> facts.at["41940", "Scored on"]
        'all 5 pillars'
        """
        from ideopolis.index.facts import region_facts

        ids = pd.Index(self.regions.ids.astype(str)) if self.regions is not None else None
        return region_facts(self.index, ids=ids)

    def methods_html(self) -> str | None:
        """Return the plain-language methods note as HTML when one can be built, else ``None``.

        The note describes the index, so a run whose index cannot be computed (a hotspot map of a plain
        indicator on a set the index cannot score) has none; ``ideopolis methods`` reports why.

        Returns
        -------
        str or None
        """
        import importlib

        try:
            note = importlib.import_module("ideopolis.report.methods")
        except ModuleNotFoundError:
            return None
        build = getattr(note, "methods_html", None)
        if build is None:
            return None
        try:
            return str(build(self))
        except IdeopolisError:
            return None

    # -- shortlists -------------------------------------------------------------------------------
    def regions_attributes(self) -> pd.DataFrame:
        """Return the region set's attributes: population, type, state/country, size, stage, groups, indicators.

        Returns
        -------
        pandas.DataFrame
            One row per region of the whole set (see :func:`ideopolis.decide.attributes.attribute_table`).

        Raises
        ------
        RegionSetError
            For a run on COINr tables (no region set).
        """
        if self.regions is None:
            raise RegionSetError("a run on COINr tables has no region attributes; fix: score a region set")
        if self._attributes is None:
            from ideopolis.decide.attributes import attribute_table

            self._attributes = attribute_table(self.regions)
        return self._attributes

    def attributes(self, *, scores: bool | None = None) -> pd.DataFrame:
        """Return every region's attributes, indicators and (when scored) scores, national ranks and typology.

        What ``--where`` expressions read. Columns: ``id``, ``name``, ``population``, ``type``, ``state``,
        ``country``, ``eu27``, ``size``, ``gdp_per_head_index``, ``stage`` (those the set supports), the set's
        groups and indicators, then the scores, ``rank_<score>`` and ``typology``.

        Parameters
        ----------
        scores : bool, optional
            Add the scores (computing the index if needed); default: when the run is scored.

        Returns
        -------
        pandas.DataFrame
            One row per region of the whole set (not only a shortlist).

        Examples
        --------
        >>> import ideopolis as ideo
        >>> table = ideo.score("us-metros").attributes()
        >>> table.loc["19780", ["type", "state", "size"]].tolist()
        ['metro', 'IA', '500k-1.5M']
        """
        with_scores = self.scored if scores is None else scores
        if self.regions is None:
            run = self.index
            base = pd.DataFrame({"id": run.scores.index}, index=run.scores.index)
            if run.names is not None:
                base["name"] = run.names.reindex(base.index)
            return base.join(run.scores).join(run.ranks.add_prefix("rank_"))
        table = self.regions_attributes()
        if not with_scores:
            return table
        run = self.index
        extra = table.join(run.scores[[c for c in run.scores.columns if c not in table.columns]])
        extra = extra.join(run.ranks.add_prefix("rank_"))
        if run.typology is not None:
            extra["typology"] = run.typology.reindex(extra.index).astype(object)
        hot: HotspotResult | None = self.results.get("hotspots")
        if hot is not None:
            extra["hotspot_class"] = hot.table["cls"].reindex(extra.index).astype(object)
        return extra

    def where(self, expression: str, *, ranks: str = "national") -> Run:
        """Return the run shortlisted to the regions where ``expression`` holds.

        Parameters
        ----------
        expression : str
            A filter on region attributes, indicators and scores (:mod:`ideopolis.decide.where`):
            ``"population >= 250000 and type == 'metro'"``, ``"country in ['DE', 'AT'] and eu27"``.
        ranks : {"national", "within"}
            Keep each region's rank among every region of the set (default), or rank within the shortlist.

        Returns
        -------
        Run
            The same run (same scores, same index) showing the shortlist; on a shortlist, the two filters
            combine with ``and``.

        Raises
        ------
        WhereError
            For an expression that does not parse, an unknown column (with close names) or a comparison of
            different kinds of values.
        ConfigError
            When no region matches, or for an unknown ``ranks``.

        Examples
        --------
        >>> import ideopolis as ideo
        >>> big = ideo.score("us-metros").where("population >= 1m and type == 'metro'", ranks="within")
        >>> chosen = big.regions_attributes().loc[list(big.selection.ids)]
        >>> set(chosen["type"]), bool((chosen["population"] >= 1e6).all())
        ({'metro'}, True)
        >>> int(big.ranks["ideopolis_index"].min())
        1
        """
        from ideopolis.decide.attributes import declared_values
        from ideopolis.decide.shortlist import Selection, check_ranks
        from ideopolis.decide.where import parse

        check_ranks(ranks)
        parsed = parse(expression)
        table = self.attributes(scores=False) if self.regions is not None else self.attributes()
        lookup = {str(c).lower() for c in table.columns}
        if self.regions is not None and any(c.lower() not in lookup for c in parsed.columns):
            table = self.attributes(scores=True)
        described = declared_values(self.regions) if self.regions is not None else {}
        value, known = parsed.truth(table, described=described)
        keep = value & known
        ids = [str(i) for i in table.index[keep]]
        text = parsed.text
        if self.selection is not None:
            ids = self._selected(pd.Index(ids))
            if self.selection.expression is not None:
                text = f"({self.selection.expression}) and ({text})"
        if not ids:
            raise ConfigError(
                f"no region of {self.name} matches --where {parsed.text!r}"
                + (f" ({int((~known).sum()):,} have no value for a column it reads)" if (~known).any() else "")
                + "; fix: loosen the expression"
            )
        selection = Selection(tuple(ids), ranks, text, of=len(table), unknown=int((~known).sum()))
        return self._with_selection(selection)

    def subset(self, regions: Sequence[str], *, ranks: str = "national") -> Run:
        """Return the run shortlisted to the given regions (ids or names).

        Parameters
        ----------
        regions : sequence of str
            Region ids or (parts of) names, each found as :meth:`find_region` finds it.
        ranks : {"national", "within"}
            National ranks (default) or ranks within these regions.

        Returns
        -------
        Run

        Raises
        ------
        RegionNotFoundError
            For a region that is unknown or ambiguous.
        ConfigError
            For an empty list or an unknown ``ranks``.

        Examples
        --------
        >>> import ideopolis as ideo
        >>> pair = ideo.score("us-metros").subset(["Des Moines", "Omaha"], ranks="within")
        >>> sorted(pair.ranks["ideopolis_index"].tolist())
        [1, 2]
        """
        from ideopolis.decide.shortlist import Selection, check_ranks

        check_ranks(ranks)
        if isinstance(regions, str) or not regions:
            raise ConfigError("subset needs a list of regions (ids or names); fix: subset(['19780', 'Omaha'])")
        found = list(dict.fromkeys(self.find_region(str(r)) for r in regions))
        total = len(self.regions.ids) if self.regions is not None else len(self.index.scores)
        order = self.regions.ids if self.regions is not None else self.index.scores.index
        ids = [i for i in order if i in set(found)]
        return self._with_selection(Selection(tuple(ids), ranks, None, of=total))

    def _with_selection(self, selection: Selection) -> Run:
        import copy

        run = copy.copy(self)
        run.selection = selection
        run.results = dict(self.results)
        run.log_extra = dict(self.log_extra)
        run.warnings = list(self.warnings)
        run.info = list(self.info)
        return run

    def _selected_regions(self) -> RegionSet:
        """The region set restricted to the shortlist (for maps)."""
        import dataclasses

        assert self.regions is not None
        rs = self.regions
        if self.selection is None:
            return rs
        ids = self._selected(rs.ids)
        geometry = None if rs.geometry is None else rs.geometry.loc[ids]
        return dataclasses.replace(
            rs, data=rs.data.loc[ids], groups=rs.groups.loc[ids], names=rs.names.loc[ids], geometry=geometry
        )

    # -- values and hotspots ----------------------------------------------------------------------
    def values(self, column: str | None = None) -> tuple[pd.Series, str]:
        """Return a column to test or map and its name: an indicator of the set or a score of the run.

        Parameters
        ----------
        column : str, optional
            An indicator (``"ba_plus_share"``) or a score (``"talent"``, ``"ideopolis_index"``). Default: the
            Ideopolis index; when the index cannot be computed for the set, its default indicator (the reason
            is added to :attr:`info`).

        Returns
        -------
        (pandas.Series, str)
            Values by region id, and the column's name.

        Raises
        ------
        ConfigError
            For an unknown column (listing the valid ones).
        """
        rs = self.regions
        if column is None:
            default = None
            if rs is not None:
                default = rs.manifest.default_indicator or next(iter(rs.scored_indicators), None)
            try:
                index_scores = self.index.scores
            except IdeopolisError as exc:
                if default is None:
                    raise
                self.info.append(
                    f"the Ideopolis index cannot be computed for {self.name} ({exc}); testing {default} instead"
                )
                return rs.data[default].rename(default), default  # type: ignore[union-attr]
            if INDEX in index_scores.columns:
                return index_scores[INDEX].rename(INDEX), INDEX
            if default is None or rs is None or default not in rs.data.columns:
                raise ConfigError(f"region set {self.name!r} has no default indicator; fix: name an indicator")
            return rs.data[default].rename(default), default
        if rs is not None and column in rs.data.columns:
            return rs.data[column].rename(column), column
        scores: pd.DataFrame | None
        try:
            scores = self.index.scores
        except IdeopolisError:
            scores = None
        if scores is not None and column in scores.columns:
            return scores[column].rename(column), column
        choices = (list(rs.data.columns) if rs is not None else []) + ([] if scores is None else list(scores.columns))
        raise ConfigError(f"unknown indicator {column!r} for {self.name}; choose one of: {', '.join(choices)}")

    def hotspots(self, column: str | None = None, **options: Any) -> HotspotResult:
        """Test a score or indicator for hot and cold spots (Gi*) or clusters and outliers (local Moran).

        Parameters
        ----------
        column : str, optional
            What to test (default: the ``[hotspots] indicator`` of the profile, else the Ideopolis index).
        **options
            Override the run's ``[hotspots]`` options: ``statistic`` (``gi_star``, ``local_moran``), ``weights``
            (``queen``, ``knn``, ``distance_band``; default: the region set's ``spatial_weights`` when its
            manifest names them, as us-metros does with ``knn``, else ``queen``), ``k``, ``threshold_km``,
            ``fallback_k``, ``permutations`` (every region), ``max_permutations`` (a region whose call is
            undetermined), ``permutation_budget`` (the whole test), ``mc_level`` (confidence of each p-value's
            Monte Carlo interval), ``correction`` (``fdr_bh``, ``bonferroni``, ``none``), ``alpha``,
            ``alternative``, ``seed`` (default: the run's seed). ``None`` values keep the run's.

        Returns
        -------
        HotspotResult
            Also kept as ``run.results["hotspots"]`` (tables and the log carry it; maps show it).

        Raises
        ------
        ConfigError, MethodError, UnknownMethodError
            For unknown options or values, before any work.
        RegionSetError
            When the set has no shapes.

        Examples
        --------
        >>> import ideopolis as ideo
        >>> run = ideo.score("us-metros")
        >>> hot = run.hotspots("ideopolis_index")
        >>> hot.statistic, hot.seed, len(hot.table) == len(run.regions.ids)
        ('gi_star', 12345, True)
        """
        from ideopolis.memory import release_free_memory
        from ideopolis.spatial.hotspots import check_options
        from ideopolis.spatial.hotspots import hotspots as test
        from ideopolis.spatial.inference import permutation_threads
        from ideopolis.spatial.weights import build_weights, check_weight_options

        unknown = set(options) - set(self.config.hotspot_options())
        if unknown:
            raise ConfigError(
                f"unknown hotspot option {sorted(unknown)[0]!r}; valid: {', '.join(sorted(self.config.hotspot_options()))}"
            )
        opts = {**self.config.hotspot_options(), **{k: v for k, v in options.items() if v is not None}}
        recommended = None if self.regions is None else getattr(self.regions.manifest, "spatial_weights", None)
        if recommended and "weights" not in self.config.hotspots and options.get("weights") is None:
            opts["weights"] = recommended  # the set's own advice (us-metros: knn), unless the run chose
        column = column if column is not None else opts.get("indicator")
        max_perms = None if opts["max_permutations"] is None else int(opts["max_permutations"])
        budget = None if opts["permutation_budget"] is None else int(opts["permutation_budget"])
        check_options(
            statistic=opts["statistic"],
            permutations=int(opts["permutations"]),
            correction=opts["correction"],
            alternative=opts["alternative"],
            alpha=float(opts["alpha"]),
            max_permutations=max_perms,
            mc_level=float(opts["mc_level"]),
            permutation_budget=budget,
        )
        w_key = (opts["weights"], opts["k"], opts["threshold_km"], int(opts["fallback_k"]))
        check_weight_options(opts["weights"], k=opts["k"], threshold_km=opts["threshold_km"], fallback_k=w_key[3])
        if self.regions is None:
            raise RegionSetError("a run on COINr tables has no region shapes; hotspots need a region set")
        shapes = self.regions.require_geometry()
        values, label = self.values(column)
        key = (label, *sorted((k, str(v)) for k, v in opts.items() if k != "indicator"))
        if key in self._hotspot_cache:
            result = self._hotspot_cache[key]
        else:
            present = values.dropna().index
            built = self._weights.setdefault(w_key, [])
            weights = next((w for on, w in built if on.equals(present)), None)
            if weights is None:
                weights = build_weights(
                    shapes.reindex(present),
                    opts["weights"],
                    k=opts["k"],
                    threshold_km=opts["threshold_km"],
                    fallback_k=w_key[3],
                    names=self.regions.names,
                )
                built.append((present, weights))
                release_free_memory()  # the temporaries of the weights, before the permutation test's arrays
            result = test(
                values.reindex(self.regions.ids),
                weights,
                statistic=opts["statistic"],
                permutations=int(opts["permutations"]),
                max_permutations=max_perms,
                permutation_budget=budget,
                correction=opts["correction"],
                alpha=float(opts["alpha"]),
                seed=int(opts["seed"]),
                alternative=opts["alternative"],
                mc_level=float(opts["mc_level"]),
                indicator=label,
                threads=permutation_threads(),
                counter=None if self.compute is None else self.compute.permutation_counts,
            )
            self._hotspot_cache[key] = result
        self._hotspot_options[id(result)] = {**{k: v for k, v in opts.items() if k != "seed"}, "indicator": label}
        self._use_hotspots(result)
        return result

    def _use_hotspots(self, result: HotspotResult) -> None:
        """Make ``result`` the run's current hotspot test: the one its tables, maps and log carry."""
        self.results["hotspots"] = result
        self.results["hotspot_options"] = self._hotspot_options.get(id(result))

    # -- maps -------------------------------------------------------------------------------------
    def map(
        self,
        *,
        hotspots: HotspotResult | bool = True,
        layer: str | None = None,
        scheme: str = "quantiles",
        k: int = 5,
        bins: tuple[float, ...] | list[float] | None = None,
        palette: str | None = None,
        title: str | None = None,
        offline: bool = False,
        embed: bool = False,
    ) -> RegionMap:
        """Map every score of the run as a layer of one interactive page, with the typology and the hotspots.

        Parameters
        ----------
        hotspots : HotspotResult or bool, default True
            The hotspot layer: a test's result (of any indicator or score, with any weights: the tested
            indicator is added as a layer when it is not a score), ``True`` for the run's default test of
            the index (the ``[hotspots]`` options and the run's seed), ``False`` for none.
        layer : str, optional
            The layer the page opens on (default: the index).
        scheme : str
            Classification of the score layers: ``quantiles``, ``natural_breaks``, ``equal_interval``,
            ``user_defined`` (with ``bins``).
        k : int
            Number of classes (1 to 36).
        bins : sequence of float, optional
            Upper class bounds (``scheme="user_defined"``).
        palette : str, optional
            Sequential palette name (``ylgnbu``, ``viridis``, ``cividis``...).
        title : str, optional
            Map title.
        offline : bool
            No basemap: one self-contained page that makes no network request.
        embed : bool
            Open in embed mode (slim bars, the legend the one box on the map); a page in an iframe
            switches to it by itself.

        Returns
        -------
        RegionMap
            ``save(path)``, ``to_png(path)``; shown inline in a notebook.

        Raises
        ------
        ConfigError
            For invalid classification options or an unknown layer.
        RegionSetError
            When the set has no shapes.

        Examples
        --------
        >>> import ideopolis as ideo
        >>> m = ideo.score("us-metros").map(hotspots=False)
        >>> [layer.key for layer in m.layers][:2]
        ['ideopolis_index', 'cluster_strength']
        """
        from ideopolis.maps.api import HotspotLayer, MapOptions, label_of, region_set_map_inputs
        from ideopolis.maps.interactive import interactive_map
        from ideopolis.maps.layers import SCHEMES
        from ideopolis.maps.palettes import SEQUENTIAL

        canonical = SCHEMES.canonical(scheme)
        bin_values = tuple(float(b) for b in bins) if bins is not None else None
        if bin_values is not None:
            if canonical not in ("quantiles", "user_defined"):
                raise ConfigError(f"bins (--bins) go with scheme user_defined, not {canonical!r}; drop one of them")
            canonical = "user_defined"
        elif canonical == "user_defined":
            raise ConfigError("scheme user_defined needs bins (--bins 20,40,60,80)")
        if not 1 <= k <= 36:
            raise ConfigError(f"k (-k) {k} is out of range; use 1 to 36 classes")
        if palette is not None:
            SEQUENTIAL.canonical(palette)
        if self.regions is None:
            raise RegionSetError("a run on COINr tables has no region shapes to map; fix: score a region set")
        if self.regions.geometry is None:
            raise RegionSetError(
                f"region set {self.name!r} has no geometry, so it cannot be mapped; add a geometry file to its manifest"
            )
        from ideopolis.index.explain import availability_line, score_range
        from ideopolis.index.facts import NOT_SCORED, SCORED_ON

        run = self.index
        hot: HotspotResult | None
        if hotspots is True:
            hot = self.hotspots(INDEX) if INDEX in run.scores.columns else None
        elif hotspots is False:
            hot = None
        else:
            hot = hotspots
        if hot is not None:
            self._use_hotspots(hot)  # the page and the log describe the test the map shows
        l_u = score_range(run.config)
        unc = self.uncertainty
        options = MapOptions(
            scheme=canonical,
            k=k,
            bins=bin_values,
            palette=palette,
            balance_midpoint=None if l_u is None else (l_u[0] + l_u[1]) / 2,
            score_unit="score" if l_u is None else f"score, {l_u[0]:g}-{l_u[1]:g}",
            title=title,
        )
        tested = [] if hot is None or not hot.indicator or hot.indicator in run.scores.columns else [hot.indicator]
        facts = self.region_facts()
        inputs = region_set_map_inputs(
            self._selected_regions(),
            self.scores,
            ranks=self.ranks,
            typology=self.typology,
            hotspots=None
            if hot is None
            else HotspotLayer.from_result(hot, label_of(self.regions, hot.indicator or "")),
            method="; ".join(t for t in (self.method_line(), availability_line(run)) if t)
            + ("" if self.selection is None else f". Shortlist: {self.selection.describe(len(run.scores))}"),
            options=options,
            indicators=tested,
            rank_intervals=None  # national 5-95% ranks: not shown beside ranks counted within a shortlist
            if unc is None or (self.selection is not None and self.selection.ranks == "within")
            else {unc.target: unc.ranks[["rank_lo", "rank_hi"]]},
            facts=facts if len(facts.columns) else None,
            tooltip_facts=(NOT_SCORED, SCORED_ON),
            methods_html=self.methods_html(),
            stability=None if unc is None else unc.ranks["stability"],
            stability_note=None if unc is None else unc.stability_note(),
        )
        active = inputs.layer(layer).key if layer else inputs.layers[0].key
        page_run = {
            "region_set": self.name,
            "scheme": canonical,
            "k": k,
            "bins": list(bin_values) if bin_values else None,
            "palette": palette,
            "hotspots": None if hot is None else hot.method_note,
            "uncertainty": None if unc is None else {"draws": unc.draws, "seed": unc.seed, "varied": unc.varied()},
            "profile": self.log_document(log=False),
        }
        if self.selection is not None:
            page_run["shortlist"] = self.selection.describe(len(run.scores))
        return interactive_map(inputs, offline=offline, embed=embed, active=active, run=page_run)

    def hotspot_map(
        self,
        result: HotspotResult | None = None,
        *,
        scheme: str = "quantiles",
        k: int = 5,
        palette: str | None = None,
        title: str | None = None,
        offline: bool = False,
        embed: bool = False,
    ) -> RegionMap:
        """Map one hotspot test: its hot and cold spots, and the values it tested as a second layer.

        Parameters
        ----------
        result : HotspotResult, optional
            A test of this run (default: the last one, ``run.results["hotspots"]``).
        scheme, k, palette :
            Classification of the values layer.
        title : str, optional
            Map title (default: what was tested, in words).
        offline, embed : bool
            As for :meth:`map`.

        Returns
        -------
        RegionMap

        Raises
        ------
        ConfigError
            When no test was run.
        RegionSetError
            When the set has no shapes.

        Examples
        --------
        >>> import ideopolis as ideo
        >>> run = ideo.score("us-metros")
        >>> m = run.hotspot_map(run.hotspots("ba_plus_share", weights="knn"))
        >>> [layer.key for layer in m.layers]
        ['hotspots', 'ba_plus_share']
        """
        from ideopolis.maps.api import MapOptions, hotspot_map_inputs
        from ideopolis.maps.interactive import interactive_map

        hot = result if result is not None else self.results.get("hotspots")
        if hot is None:
            raise ConfigError("no hotspot test to map; fix: run run.hotspots(...) first")
        if self.regions is None:
            raise RegionSetError("a run on COINr tables has no region shapes to map; fix: score a region set")
        self._use_hotspots(hot)
        options = MapOptions(scheme=scheme, k=k, palette=palette, title=title)
        inputs = hotspot_map_inputs(self.regions, hot, options=options, methods_html=self.methods_html())
        page_run = {
            "region_set": self.name,
            "hotspots": hot.method_note,
            "profile": self.log_document(log=False),
        }
        return interactive_map(inputs, offline=offline, embed=embed, active="hotspots", run=page_run)

    # -- files and the log ------------------------------------------------------------------------
    def log_document(self, *, log: bool = True) -> dict[str, Any]:
        """Return the run as a profile document (what ``--profile`` replays), with a ``[log]`` of what it did.

        Parameters
        ----------
        log : bool, default True
            Add the ``[log]`` table (version, time, steps as run, notes); without it the document is the same
            for the same run, whenever it is made.

        Returns
        -------
        dict
            Plain data for TOML.
        """
        if self._index is not None:
            doc = self._index.log_document()
        else:
            doc = self.config.to_dict()
            doc["log"] = {"steps": [], "notes": ["the index was not computed for this output"]}
        if self.regions is not None:
            from ideopolis.index.scoring import region_set_ref

            doc["regions"] = region_set_ref(self.regions)
            if self.regions.custom_source is not None:
                doc["regions"] = self.regions.custom_base or doc["regions"]
                doc["custom"] = self.regions.custom_source
        used = self.results.get("hotspot_options")
        if used:
            doc["hotspots"] = {k: v for k, v in used.items() if v is not None}
        if self._uncertainty is not None:
            doc["uncertainty"] = self._uncertainty.spec.to_dict()
        if self.selection is not None:
            doc["shortlist"] = self.selection.log()
        else:
            doc.pop("shortlist", None)
        if not log:
            doc.pop("log", None)
        else:
            hot: HotspotResult | None = self.results.get("hotspots")
            if hot is not None:
                doc["log"]["hotspots"] = {k: v for k, v in hot.params.items() if v is not None}
            if self._uncertainty is not None:
                doc["log"]["uncertainty"] = self._uncertainty.log()
            if self._engines:
                doc["log"]["engine"] = self._engines[0].describe()
            doc["log"].update(self.log_extra)
        order = ["regions", "custom", "coinr", "seed", "shortlist", "framework"]
        return {k: doc[k] for k in order if k in doc} | {k: v for k, v in doc.items() if k not in order}

    def save_log(self, path: str | Path) -> Path:
        """Write :meth:`log_document` as TOML, atomically.

        Parameters
        ----------
        path : str or Path
            Usually :func:`ideopolis.output.sidecar_path` of an output.

        Returns
        -------
        Path
        """
        import tomli_w

        from ideopolis.index.run import _jsonable
        from ideopolis.output import write_text

        write_text(path, tomli_w.dumps(_jsonable(self.log_document())))
        return Path(path)

    def to_file(self, path: str | Path) -> Path:
        """Write every region's results as CSV, Excel, GeoJSON, GeoPackage or GeoParquet, and the run log beside it.

        Parameters
        ----------
        path : str or Path
            ``.csv``, ``.xlsx`` (a workbook: scores and ranks, indicators raw, treated and normalised,
            metadata, regions not scored, the run log; see :mod:`ideopolis.report.workbook`), ``.geojson``,
            ``.gpkg`` or ``.parquet``; the log goes to ``<path>.run.toml``.

        Returns
        -------
        Path
            ``path``.

        Raises
        ------
        DataFileError
            For an unsupported suffix, or a spatial format for a run without shapes (checked before writing).
        OutputError
            When the file cannot be written.
        """
        from ideopolis.output import check_table_path, sidecar_path, write_table

        target = Path(path)
        has_shapes = self.regions is not None and self.regions.geometry is not None
        suffix = check_table_path(target, spatial=has_shapes)
        if suffix == ".xlsx":
            from ideopolis.output import write_xlsx
            from ideopolis.report.workbook import run_workbook

            write_xlsx(run_workbook(self), target)
            self.save_log(sidecar_path(target))
            return target
        frame: pd.DataFrame = self.table()
        if suffix != ".csv":
            import geopandas as gpd

            assert self.regions is not None and self.regions.geometry is not None
            geo = self.regions.geometry
            frame = gpd.GeoDataFrame(frame, geometry=geo.geometry.reindex(frame.index), crs=geo.crs)
        write_table(frame, target)
        self.save_log(sidecar_path(target))
        return target

    # -- display ----------------------------------------------------------------------------------
    def __repr__(self) -> str:
        """A short summary: the set, the method line, the top five regions."""
        if not self.scored:
            return f"Run({self.name!r}, not scored yet)"
        from ideopolis.index.explain import format_table

        head = f"Run of {self.name}: {len(self.index.scores):,} regions scored"
        if self.dropped:
            head += f", {len(self.dropped):,} dropped by screening"
        unranked = (
            int(self.scores[INDEX].notna().sum() - self.ranks[INDEX].notna().sum()) if INDEX in self.scores else 0
        )
        if unranked:
            head += f", {unranked:,} scored on fewer pillars (not ranked)"
        lines = [head, self.method_line()]
        if self._uncertainty is not None:
            unc = self._uncertainty
            lines.append(f"rank intervals: 5-95% of {unc.draws:,} draws (seed {unc.seed}) of {', '.join(unc.varied())}")
        if self.selection is not None:
            lines.append(f"shortlist: {self.selection.describe(len(self.index.scores))}")
        return "\n".join([*lines, "", format_table(self.top(5))])

    def _repr_html_(self) -> str:
        """The summary as HTML (notebooks): the method line and the top ten regions."""
        if not self.scored:
            return f"<div>Run of {escape(self.name)} (not scored yet)</div>"
        table = self.top(10).to_html(float_format=lambda v: f"{v:.2f}", na_rep="-")
        return (
            f"<div><p><strong>Run of {escape(self.name)}</strong>: {len(self.scores):,} regions scored</p>"
            f"<p style='font-size:smaller'>{escape(self.method_line())}</p>{table}</div>"
        )
