"""Saying what a run did: the method line, one region's explanation, and plain-text tables.

:func:`method_line` states in one line how the scores were made, from the run's own configuration (so a
map of a consultant's profile names the consultant's weights and methods). :class:`Explanation` is how one
region's index was built, indicator by indicator (OECD/JRC Handbook, step 10 "links to other indicators"
and the "contribution" view of COINr's ``get_unit_summary``), printable as text and shown as a table in
notebooks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ideopolis.index.facts import short_label
from ideopolis.index.lens import DESCRIPTIONS
from ideopolis.index.pillars import BALANCE, CLUSTER_STRENGTH, DEFAULT_BALANCE_WEIGHT

if TYPE_CHECKING:
    from ideopolis.index.profile import RunConfig
    from ideopolis.index.run import IndexRun

__all__ = ["Explanation", "availability_line", "explain", "format_table", "method_line", "score_range", "top_table"]


def score_range(config: RunConfig) -> tuple[float, float] | None:
    """Return the ``(lower, upper)`` range of min-max normalised scores, or ``None`` for other methods.

    Parameters
    ----------
    config : RunConfig
        The run's configuration.

    Returns
    -------
    tuple of float or None

    Examples
    --------
    >>> from ideopolis.index.profile import RunConfig
    >>> score_range(RunConfig())
    (0.0, 100.0)
    >>> score_range(RunConfig().with_options(normalise="zscore")) is None
    True
    """
    step = config.step("normalise")
    if step.method != "minmax":
        return None
    l_u = step.params.get("l_u", (0.0, 100.0))
    return float(l_u[0]), float(l_u[1])


def _weights_text(config: RunConfig, weights: pd.Series | None) -> str:
    """The weights as a reader needs them: the method, and the pillar weights when they are not equal."""
    method = config.step("weight").method
    if weights is None or weights.empty:
        return f"{method} weights"
    shown = ", ".join(f"{k} {v:.2g}" for k, v in weights.items())
    return f"{method} weights ({shown})"


def method_line(
    config: RunConfig,
    *,
    lens: bool = True,
    pillar_weights: pd.Series | None = None,
) -> str:
    """Say in one line how the scores were made, from the run's configuration.

    Parameters
    ----------
    config : RunConfig
        The run's configuration (methods, balance weight).
    lens : bool, default True
        Whether the run has the balance (a set without migration or telework indicators has not).
    pillar_weights : pandas.Series, optional
        Weight of each pillar within cluster strength, by pillar name, shown when given (a profile's
        own weights must be visible on its map).

    Returns
    -------
    str
        One sentence, e.g. ``"indicators normalised (min-max to 0-100) and aggregated (arithmetic mean) ..."``.

    Examples
    --------
    >>> from ideopolis.index.profile import RunConfig
    >>> method_line(RunConfig().with_options(balance_weight=0.4))  # doctest: +NORMALIZE_WHITESPACE
    'indicators normalised (min-max to 0-100) and aggregated (arithmetic mean) into pillars and cluster
    strength with framework weights; index = 0.6 x cluster strength + 0.4 x balance of attraction against
    exposure (OECD/JRC composite-indicator method)'
    """
    l_u = score_range(config)
    normalise = config.step("normalise").method.replace("_", " ")
    if l_u is not None:
        normalise = f"min-max to {l_u[0]:g}-{l_u[1]:g}"
    aggregate = config.step("aggregate").method.replace("_", " ")
    bw = config.step("weight").params.get("balance_weight")
    w = float(DEFAULT_BALANCE_WEIGHT if bw is None else bw)
    index = (
        f"index = {1 - w:g} x cluster strength + {w:g} x balance of attraction against exposure"
        if lens
        else "index = cluster strength (no attraction or exposure indicators in this set)"
    )
    return (
        f"indicators normalised ({normalise}) and aggregated ({aggregate} mean) into pillars and cluster "
        f"strength with {_weights_text(config, pillar_weights)}; {index} (OECD/JRC composite-indicator method)"
    )


def pillar_weights(run: IndexRun) -> pd.Series | None:
    """Return the weights of the children of cluster strength as the run used them, when they differ.

    Parameters
    ----------
    run : IndexRun
        A finished run.

    Returns
    -------
    pandas.Series or None
        Pillar -> weight normalised to sum to 1, or ``None`` when they are all equal (nothing to say) or the
        framework has no cluster strength.
    """
    fw = run.framework
    if CLUSTER_STRENGTH not in fw or run.weights is None:
        return None
    kids = list(fw.children(CLUSTER_STRENGTH))
    nodes = run.weights.nodes
    values = pd.Series([float(nodes.get(k, np.nan)) for k in kids], index=kids)
    if values.isna().any() or values.sum() <= 0:
        return None
    values = values / values.sum()
    if np.allclose(values, values.iloc[0]):
        return None
    return values


def availability_line(run: IndexRun) -> str:
    """Say in one line the data-availability rule as the run applied it and what it did to the ranks.

    Parameters
    ----------
    run : IndexRun
        A finished run.

    Returns
    -------
    str
        E.g. ``"a score needs data for 65% of its weight; ranks are among the 692 regions scored on all 5
        pillars (233 scored on fewer are not ranked)"``; ``""`` when the run ranks every score and applies no
        threshold.
    """
    root = run.framework.root
    thr = run.reports["aggregate"].thresholds.get(root)
    parts = []
    if thr:
        parts.append(f"a score needs data for {thr:.0%} of its weight")
    pillars = len(run.coverage.needed[root])
    if not run.rank_partial and run.framework.max_level > 2:
        ranked = int(run.ranks[root].notna().sum())
        partial = int(run.scores[root].notna().sum()) - ranked
        text = f"ranks are among the {ranked:,} regions scored on all {pillars} pillars"
        parts.append(text + (f" ({partial:,} scored on fewer are not ranked)" if partial else ""))
    return "; ".join(parts)


def lens_on(run: IndexRun) -> bool:
    """Whether the run's framework has the balance beside cluster strength."""
    return BALANCE in run.framework and BALANCE in run.scores.columns


def _cell(value: Any) -> tuple[str, bool]:
    """Text of a table cell and whether it is right-aligned (numbers)."""
    if value is None or value is pd.NA or (isinstance(value, float | np.floating) and np.isnan(value)):
        return "-", True
    if isinstance(value, float | np.floating):
        return f"{value:.2f}", True
    if isinstance(value, int | np.integer):
        return str(value), True
    return str(value), False


def format_table(frame: pd.DataFrame, *, max_width: int = 32) -> str:
    """Render a small DataFrame as aligned plain text (index first, numbers right-aligned, 2 decimals).

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    max_width : int
        Longest cell kept (longer text is cut).

    Returns
    -------
    str
        Lines joined by newlines.

    Examples
    --------
    >>> print(format_table(pd.DataFrame({"score": [71.234, 5.0]}, index=pd.Index(["a", "b"], name="id"))))
    id  score
    a   71.23
    b    5.00
    """
    header = [str(frame.index.name or ""), *map(str, frame.columns)]
    body = [[_cell(str(i)), *(_cell(v) for v in frame.loc[i].tolist())] for i in frame.index]
    widths = [min(max([len(h)] + [len(r[j][0]) for r in body]), max_width) for j, h in enumerate(header)]
    numeric = [j > 0 and all(r[j][1] for r in body) for j in range(len(header))]
    lines = [
        "  ".join(
            h.rjust(w) if numeric[j] else h.ljust(w) for j, (h, w) in enumerate(zip(header, widths, strict=True))
        ).rstrip()
    ]
    for r in body:
        cells = [t[:w].rjust(w) if right else t[:w].ljust(w) for (t, right), w in zip(r, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def top_table(run: IndexRun, n: int = 15, sort: str | None = None) -> pd.DataFrame:
    """Return the top ``n`` regions: rank, name, the index, the level below it and the typology.

    Parameters
    ----------
    run : IndexRun
        A finished run.
    n : int
        How many regions.
    sort : str, optional
        The score to rank by (default: the index).

    Returns
    -------
    pandas.DataFrame
        Index ``id``; columns ``rank``, ``name``, the scores, ``typology`` (when the run has a lens). Only
        ranked regions are listed (a score resting on fewer pillars than the index has is not ranked; see
        :mod:`ideopolis.index.coverage`).

    Raises
    ------
    ConfigError
        When ``sort`` is not a score of the run.
    """
    from ideopolis.errors import ConfigError

    fw = run.framework
    key = sort or fw.root
    if key not in run.scores.columns:
        raise ConfigError(f"cannot sort by {key!r}; choose one of: {', '.join(run.scores.columns)}")
    show = [fw.root, *[c for c in fw.children(fw.root) if c in run.scores.columns]]
    if key not in show:
        show.insert(0, key)
    rank = run.ranks[key]
    rank = rank[rank.notna()]
    if 0 < n < len(rank):  # only regions ranked n-th or better (ties included) can be listed: sort those
        rank = rank[rank <= np.partition(rank.to_numpy(dtype=np.float64), n - 1)[n - 1]]
    table = run.scores.loc[rank.index, show]
    table.insert(0, "rank", rank)
    if run.names is not None:
        table.insert(1, "name", run.names.reindex(table.index))
    if run.typology is not None:
        table["typology"] = run.typology
    # a ranking lists ranked scores only: a score resting on fewer pillars is not ranked with the others
    table = table.sort_values(["rank", key], ascending=[True, False], na_position="last").head(n)
    table.index.name = "id"
    return table


@dataclass(frozen=True)
class Explanation:
    """How one region's index was built.

    Attributes
    ----------
    region : str
        The region id.
    name : str
        Its name.
    regions : int
        Regions scored (the "of" of every rank).
    root : str
        The index node.
    table : pandas.DataFrame
        One row per framework node, in tree order (see :meth:`ideopolis.index.run.IndexRun.explain`):
        ``level``, ``parent``, ``label``, ``raw``, ``denominated``, ``treated``, ``imputed``, ``treatment``,
        ``score``, ``weight``, ``used_weight``, ``effective_weight`` (as used for this region),
        ``framework_effective_weight``, ``enters_as``, ``contribution``, ``availability``, ``status``, ``rank``.
    strengths_weaknesses : pandas.DataFrame
        The region's best and worst indicators by rank.
    typology : str or None
        Its type on the lens axes.
    max_level : int
        Depth of the framework (for indenting).
    ranked : int
        Regions ranked on the index (those scored on every pillar, unless the run ranks partial scores).
    pillars : tuple of str
        The pillars the index has.
    scored_on : tuple of str
        The pillars this region's index rests on.
    not_ranked_reason : str
        Why the region's index has no rank ("" when it has one).
    not_scored_reason : str
        Why the region has no index score ("" when it has one).
    exposure : pandas.DataFrame
        One row per exposure measure (index = indicator): ``label``, ``value``, ``percentile`` (100 = most
        exposed, among the ``of`` regions with a value); empty without a lens.
    context : tuple of (str, str)
        Lens context as (name, text): the route and coverage of the lens data, the anchored share.
    interval : (int, int) or None
        The index's 5-95 % rank interval, when the run has an uncertainty analysis.
    interval_note : str
        How the interval was made (draws, what varied) and its median, shift and stability class.

    Examples
    --------
    >>> import ideopolis as ideo
    >>> e = ideo.score("us-metros").explain("San Jose")
    >>> e.region, e.rank
    ('41940', 1)
    >>> print(str(e).splitlines()[0])
    San Jose-Sunnyvale-Santa Clara, CA (41940)
    """

    region: str
    name: str
    regions: int
    root: str
    table: pd.DataFrame
    strengths_weaknesses: pd.DataFrame
    typology: str | None
    max_level: int
    ranked: int = 0
    pillars: tuple[str, ...] = ()
    scored_on: tuple[str, ...] = ()
    not_ranked_reason: str = ""
    not_scored_reason: str = ""
    exposure: pd.DataFrame = field(default_factory=pd.DataFrame)
    context: tuple[tuple[str, str], ...] = ()
    interval: tuple[int, int] | None = None
    interval_note: str = ""

    @property
    def score(self) -> float:
        """The region's index score (NaN when it has none)."""
        value: Any = self.table.at[self.root, "score"]
        return float(value)

    @property
    def rank(self) -> int | None:
        """The region's rank on the index (1 = best); ``None`` when its score is not ranked."""
        value: Any = self.table.at[self.root, "rank"]
        return None if pd.isna(value) else int(value)

    @property
    def exposure_range(self) -> tuple[float, float] | None:
        """The lowest and highest percentile across the exposure measures (``None`` without any)."""
        if not len(self.exposure) or self.exposure["percentile"].isna().all():
            return None
        pct = self.exposure["percentile"].dropna()
        return float(pct.min()), float(pct.max())

    def renormalised(self) -> list[str]:
        """Say, aggregate by aggregate, which parts had no value and who carried their weight instead."""
        table = self.table
        has_score: dict[Any, bool] = dict(zip(table.index, table["score"].notna(), strict=True))
        level: dict[Any, int] = dict(zip(table.index, table["level"].astype(int), strict=True))
        lines = []
        for code in table.index:
            if level[code] == 1 or not has_score[code]:
                continue
            kids = table.index[table["parent"] == code]
            gone = [k for k in kids if not has_score[k]]
            if not gone:
                continue
            kept = [k for k in kids if has_score[k]]
            nominal = float(table.loc[gone, "weight"].sum()) / float(table.loc[kids, "weight"].sum() or 1.0)
            verb = "has" if len(gone) == 1 else "have"
            others = (
                f"the other part of {code} carries"
                if len(kept) == 1
                else f"the other {len(kept)} parts of {code} share"
            )
            lines.append(
                f"{', '.join(gone)} {verb} no score; {others} {'its' if len(gone) == 1 else 'their'} "
                f"{nominal:.0%} of the weight (weights x{1 / (1 - nominal):.3g})"
            )
        return lines

    def _view(self) -> pd.DataFrame:
        table = self.table
        cols = ["level", "raw", "denominated", "treated", "score", "weight", "effective_weight", "contribution", "rank"]
        view = table.reindex(columns=cols).copy()
        view["rank"] = view["rank"].astype(object).where(view["rank"].notna(), None)
        view.insert(
            0,
            "node",
            ["  " * (self.max_level - int(lv)) + str(i) for i, lv in zip(view.index, view["level"], strict=True)],
        )
        view = view.drop(columns="level").set_index("node")
        flags = []
        for code in table.index:
            f = []
            imputed = table.at[code, "imputed"] if "imputed" in table.columns else False
            if isinstance(imputed, bool | np.bool_) and bool(imputed):
                f.append("imputed")
            t = table.at[code, "treatment"] if "treatment" in table.columns else ""
            if isinstance(t, str) and t:
                f.append(t)
            direction: Any = table.at[code, "direction"]
            level: Any = table.at[code, "level"]
            if int(direction) == -1:
                f.append("reversed" if int(level) == 1 else "enters reflected")
            status = table.at[code, "status"] if "status" in table.columns else ""
            if isinstance(status, str) and status:
                f.append(status)
            elif "framework_effective_weight" in table.columns:
                used_value: Any = table.at[code, "effective_weight"]
                nominal_value: Any = table.at[code, "framework_effective_weight"]
                used, nominal = float(used_value), float(nominal_value)
                if nominal > 0 and used > 0 and not np.isclose(used, nominal, rtol=1e-9, atol=0):
                    f.append(f"weight renormalised x{used / nominal:.3g}")
            flags.append(", ".join(f))
        view["notes"] = flags
        return view

    def _items(self, kind: str) -> str:
        sw = self.strengths_weaknesses
        if not len(sw):
            return ""
        part = sw[sw["kind"] == kind]
        return ", ".join(f"{r.indicator} ({r.rank}/{r.of})" for r in part.itertuples())

    def _rank_text(self) -> str:
        if self.rank is not None:
            interval = "" if self.interval is None else f" (5-95% interval {self.interval[0]}–{self.interval[1]})"
            if self.pillars and self.ranked != self.regions:
                return (
                    f"rank {self.rank} of {self.ranked}{interval} (the regions scored on all {len(self.pillars)} "
                    "pillars)"
                )
            return f"rank {self.rank} of {self.ranked or self.regions}{interval}"
        return f"not ranked: {self.not_ranked_reason}" if self.not_ranked_reason else "no rank"

    def _scored_on_text(self) -> str:
        if not self.pillars:
            return ""
        n, k = len(self.scored_on), len(self.pillars)
        if n == 0:
            return f"not scored: {self.not_scored_reason}" if self.not_scored_reason else ""
        if n == k:
            return f"scored on: all {k} pillars ({', '.join(self.scored_on)})"
        gone = [p for p in self.pillars if p not in self.scored_on]
        return f"scored on: {n} of {k} pillars ({', '.join(self.scored_on)}); no score for {', '.join(gone)}"

    def _exposure_lines(self) -> list[str]:
        if not len(self.exposure):
            return []
        table = pd.DataFrame(
            {
                "value": self.exposure["value"],
                "percentile": self.exposure["percentile"],
                "of": self.exposure["of"],
                "measure": [short_label(str(t)) for t in self.exposure["label"]],
            }
        )
        table.index.name = "exposure measure"
        lines = [
            "exposure measures (export_jobs pillar; percentile among the regions with a value, 100 = most exposed):",
            format_table(table, max_width=48),
        ]
        rng = self.exposure_range
        if rng is not None and len(self.exposure["percentile"].dropna()) > 1:
            lo, hi = rng
            lines.append(
                f"range across the {len(self.exposure['percentile'].dropna())} measures: percentile {lo:.1f} to "
                f"{hi:.1f} ({hi - lo:.1f} points apart)"
            )
        return lines

    def __str__(self) -> str:
        """The explanation as text (what ``ideopolis score --explain`` prints)."""
        lines = [f"{self.name} ({self.region})", ""]
        score = "no score" if np.isnan(self.score) else f"{self.score:.2f}"
        lines.append(f"{self.root}: {score}  {self._rank_text()}")
        if self.interval_note:
            lines.append(f"  {self.interval_note}")
        on = self._scored_on_text()
        if on:
            lines.append(on)
        if self.typology is not None:
            lines.append(f"typology: {self.typology} ({DESCRIPTIONS.get(str(self.typology), 'no lens value')})")
        lines.append("")
        lines.append(format_table(self._view(), max_width=40))
        lines.append("")
        lines.append(
            "score: normalised indicator (direction applied) or aggregate score; weight: within its parent; "
            "effective_weight: the share of this region's index the node carries (weights of parts without a "
            "score go to their siblings); contribution: effective weight x score as it enters the index"
        )
        for line in self.renormalised():
            lines.append(f"renormalised: {line}")
        contrib = self.table["contribution"].dropna() if "contribution" in self.table.columns else pd.Series()
        additive = (
            "contribution" in self.table.columns
            and not self.table.loc[self.table["level"] == 1, "contribution"].isna().any()
        )
        if additive and not np.isnan(self.score):
            lines.append(f"the contributions add up to the index: {contrib.sum():.2f}")
        elif not additive:
            lines.append("contributions: not additive under this aggregation (only arithmetic means add up)")
        exposure = self._exposure_lines()
        if exposure:
            lines.append("")
            lines.extend(exposure)
        for key, text in self.context:
            lines.append(f"{key}: {text}")
        if len(self.strengths_weaknesses):
            lines.append("")
            lines.append(f"strengths: {self._items('strength')}")
            lines.append(f"weaknesses: {self._items('weakness')}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        """Short: the region, its score and rank."""
        return f"Explanation({self.name} ({self.region}): {self.root} {self.score:.2f}, {self._rank_text()})"

    def _repr_html_(self) -> str:
        """A heading and the node table (notebooks)."""
        head = f"<strong>{escape(self.name)} ({escape(self.region)})</strong>: {escape(self.root)} {self.score:.2f}, "
        head += escape(self._rank_text())
        if self.interval_note:
            head += f" <span style='font-size:smaller'>({escape(self.interval_note)})</span>"
        if self.typology is not None:
            head += f"; typology: {escape(str(self.typology))}"
        parts = [f"<p>{head}</p>"]
        on = self._scored_on_text()
        if on:
            parts.append(f"<p>{escape(on)}</p>")
        parts.append(self._view().to_html(float_format=lambda v: f"{v:.2f}", na_rep="-"))
        if len(self.exposure):
            parts.append(
                self.exposure[["label", "value", "percentile", "of"]].to_html(
                    float_format=lambda v: f"{v:.3g}", na_rep="-"
                )
            )
        if self.context:
            parts.append("<p>" + "<br>".join(f"{escape(k)}: {escape(t)}" for k, t in self.context) + "</p>")
        if len(self.strengths_weaknesses):
            parts.append(f"<p>strengths: {escape(self._items('strength'))}<br>")
            parts.append(f"weaknesses: {escape(self._items('weakness'))}</p>")
        return "<div>" + "".join(parts) + "</div>"


def explain(run: IndexRun, region: str) -> Explanation:
    """Explain how one region's index was built.

    Parameters
    ----------
    run : IndexRun
        A finished run.
    region : str
        An id, a name or part of one (see :func:`ideopolis.regions.lookup.find_region`).

    Returns
    -------
    Explanation

    Raises
    ------
    RegionNotFoundError
        When the region is unknown, ambiguous or was dropped by screening.
    """
    from ideopolis.index.facts import ANCHORED, ANCHORED_MEANING, LENS_ROUTES, exposure_table, lens_context

    rid = run.find_region(region)
    table = run.explain(rid)
    name = str(run.names.get(rid, rid)) if run.names is not None else rid
    kind = run.typology.get(rid) if run.typology is not None else None
    fw = run.framework
    root = fw.root
    cov = run.coverage
    ranks = run.ranks[root]
    exp = exposure_table(fw, run.datasets["denominated"])
    measures = [c for c in exp.columns if f"{c}_pct" in exp.columns]
    row: dict[Any, Any] = exp.loc[rid].to_dict() if len(exp.columns) else {}
    exposure = pd.DataFrame(
        {
            "label": [fw.node(m).label or m for m in measures],
            "value": [float(row[m]) for m in measures],
            "percentile": [float(row[f"{m}_pct"]) for m in measures],
            "of": [int(exp[m].notna().sum()) for m in measures],
        },
        index=pd.Index(measures, name="measure"),
    )
    context: list[tuple[str, str]] = []
    ctx_all = lens_context(run.groups, run.denominators, run.datasets["raw"].index)
    ctx: dict[Any, Any] = ctx_all.loc[rid].to_dict() if len(ctx_all.columns) else {}
    if not pd.isna(ctx.get("lens_route", np.nan)):
        route = str(ctx["lens_route"])
        parts = [f"route {route}" + (f" ({LENS_ROUTES[route]})" if route in LENS_ROUTES else "")]
        if not pd.isna(ctx.get("lens_area", np.nan)):
            parts.append(f"area {ctx['lens_area']}")
        if not pd.isna(ctx.get("occ_coverage", np.nan)):
            parts.append(f"occ_coverage {float(ctx['occ_coverage']):.1%} of jobs in published occupations")
        context.append(("lens data", ", ".join(parts)))
    if not pd.isna(ctx.get(ANCHORED, np.nan)):
        value, pct = float(ctx[ANCHORED]), float(ctx[f"{ANCHORED}_pct"])
        context.append((ANCHORED, f"{value:.1%} (percentile {pct:.1f}): {ANCHORED_MEANING}"))
    return Explanation(
        region=rid,
        name=name,
        regions=len(run.scores),
        root=root,
        table=table,
        strengths_weaknesses=run.strengths_weaknesses(rid),
        typology=None if kind is None or pd.isna(kind) else str(kind),
        max_level=fw.max_level,
        ranked=int(ranks.notna().sum()),
        pillars=tuple(cov.needed[root]) if fw.max_level > 2 else (),
        scored_on=tuple(cov.scored_on(root).get(rid, ())),
        not_ranked_reason=str(run.not_ranked_reasons().get(rid, "")),
        not_scored_reason=str(run.not_scored_reasons().get(rid, "")),
        exposure=exposure,
        context=tuple(context),
    )
