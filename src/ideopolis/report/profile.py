"""Region profiles: one self-contained page a council can read, and a print version.

:func:`region_profile` gathers everything about one region from a run, and :class:`RegionProfile` renders it:

- the headline: the index score and rank (with its 5-95% interval when an uncertainty analysis was run), the
  region's type on the lens axes, and its facts (population, type, state or country, size class, development
  stage, and every column of ``Run.region_facts()``: what each score rests on);
- bars for the index, cluster strength and its pillars, the balance, attraction and exposure: the region's
  score against the set's median and against its peers' median (:mod:`ideopolis.decide.peers`);
- strengths and weaknesses worded by direction ("3rd highest share of adults with a degree", "15th least
  exposed"), from the indicators as they enter the index (an exposure measure is a strength when the region is
  little exposed);
- the exposure measures, each with its position and the range across measures;
- the strong traded clusters (US Cluster Mapping conventions; sets with an industry table);
- the hotspot status of the index (Gi* with the run's test), stated with what it does not mean;
- the peers, a small locator map (inline SVG), the sources and vintages of every indicator, and the methods
  note (:mod:`ideopolis.report.methods`).

The page (:meth:`RegionProfile.html`) is rendered by :mod:`ideopolis.report.render` (Jinja2, autoescape, data
only as values), has no script and makes no request. The print version (:meth:`RegionProfile.to_print`) is a
one-page A4 PDF or a PNG drawn with matplotlib, every text drawn with mathtext off.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from markupsafe import Markup

from ideopolis.decide.wording import format_measure, ordinal, position_text, rank_text
from ideopolis.errors import ConfigError, DataFileError
from ideopolis.index.pillars import ATTRACTION, BALANCE, CLUSTER_STRENGTH, EXPOSURE, INDEX
from ideopolis.report.render import render

if TYPE_CHECKING:
    from ideopolis.decide.peers import PeerResult
    from ideopolis.report.methods import MethodsNote
    from ideopolis.run import Run

__all__ = ["PRINT_FORMATS", "RegionProfile", "region_profile"]

#: Print formats by suffix.
PRINT_FORMATS = (".pdf", ".png")


@dataclass(frozen=True)
class Bar:
    """One score bar: the region's score against the set's and the peers' medians (positions in % of the scale)."""

    code: str
    label: str
    level: int
    score: float
    rank: str
    median: float
    peers: float | None
    fill: float
    median_at: float
    peers_at: float | None
    note: str = ""


@dataclass(frozen=True)
class RegionProfile:
    """Everything a profile page shows about one region (see the module docstring).

    Attributes
    ----------
    region, name : str
        The region's id and name.
    set_name, set_title : str
        The region set.
    score : float
        The index score.
    rank : int or None
        The index rank; ``None`` when the index rests on fewer pillars than the framework has (not ranked).
    of : int
        Regions ranked on the index (those scored on every pillar).
    rank_note : str
        Under the rank: who is ranked, or why this region is not.
    rank_label : str
        ``"60th"`` or ``"60th (48th–75th)"`` with an uncertainty analysis.
    typology : tuple of (str, str) or None
        The type and what it means.
    facts : list of (str, str)
        Rows under the headline.
    bars : list of Bar
        Index, sub-indices and pillars.
    strengths, weaknesses : list of str
        Worded by direction.
    exposure : list of dict
        The exposure measures: ``label``, ``value``, ``position``.
    exposure_range : str
        The range of the region's positions across the exposure measures.
    clusters : list of dict or None
        Strong traded clusters (``name``, ``lq``, ``jobs``, ``rank``), or ``None`` without an industry table.
    clusters_note : str
        One line on the clusters (or why there are none).
    hotspot : dict
        ``label``, ``kind`` (hot, cold, plain), ``text``.
    peers : PeerResult or None
        The region's peers.
    locator : str
        The locator map (SVG markup with numbers only).
    sources : list of dict
        ``label``, ``unit``, ``source``, ``vintage``, ``licence`` per indicator.
    method : str
        The run's method line.
    methods : MethodsNote
        The plain-language methods note.
    shortlist : str
        How the run's shortlist ranks, when it has one.

    Examples
    --------
    >>> import ideopolis as ideo
    >>> p = ideo.score("tests/data/toy").profile("Alder", peers=2)
    >>> p.rank_label, [b.code for b in p.bars][:2]
    ('5th', ['ideopolis_index', 'cluster_strength'])
    """

    region: str
    name: str
    set_name: str
    set_title: str
    score: float
    rank: int | None
    of: int
    rank_label: str
    typology: tuple[str, str] | None
    facts: list[tuple[str, str]]
    bars: list[Bar]
    strengths: list[str]
    weaknesses: list[str]
    exposure: list[dict[str, str]]
    exposure_range: str
    clusters: list[dict[str, str]] | None
    clusters_note: str
    hotspot: dict[str, str]
    peers: PeerResult | None
    locator: str
    sources: list[dict[str, str]]
    method: str
    methods: MethodsNote
    shortlist: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    rank_note: str = ""

    # -- the page ---------------------------------------------------------------------------------
    def html(self) -> str:
        """Render the profile as one self-contained HTML page (no script, no request).

        Returns
        -------
        str
        """
        peers = None
        if self.peers is not None:
            peers = [
                {
                    "name": str(row["name"]),
                    "distance": f"{row['distance']:.1f}",
                    "score": format_measure(row[INDEX]) if INDEX in row else "",
                    "rank": rank_text(row.get(f"rank_{INDEX}")),
                    "drivers": str(row["drivers"]),
                    "place": ", ".join(str(row[c]) for c in ("state", "country") if c in row and pd.notna(row[c])),
                }
                for _, row in self.peers.table.iterrows()
            ]
        return render(
            "profile.html.j2",
            p=self,
            page_title=f"{self.name}: region profile",
            peer_rows=peers,
            peer_method=self.peers.method if self.peers is not None else "",
            peer_within=", ".join(self.peers.within) if self.peers is not None else "",
            locator=Markup(self.locator),
            methods_html=self.methods.full_html,
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page atomically.

        Parameters
        ----------
        path : str or path-like
            The ``.html`` file.

        Returns
        -------
        Path
        """
        from ideopolis.output import write_text

        write_text(path, self.html())
        return Path(path)

    def to_print(self, path: str | os.PathLike[str]) -> int:
        """Write the print version: a one-page A4 PDF, or a PNG, drawn with matplotlib.

        Parameters
        ----------
        path : str or path-like
            ``.pdf`` or ``.png``.

        Returns
        -------
        int
            Bytes written.

        Raises
        ------
        DataFileError
            For another suffix.
        """
        from ideopolis.report.printed import print_profile

        suffix = Path(path).suffix.lower()
        if suffix not in PRINT_FORMATS:
            raise DataFileError(f"{path}: the print version is {' or '.join(PRINT_FORMATS)}; fix: change the suffix")
        return print_profile(self, path)

    def __repr__(self) -> str:
        """Short: the region, its score and rank."""
        return f"RegionProfile({self.name} ({self.region}): {self.score:.2f}, {self.rank_words})"

    @property
    def rank_words(self) -> str:
        """``"56th of 692"``, or ``"not ranked"`` for a score on fewer pillars."""
        return f"{self.rank_label} of {self.of:,}" if self.rank is not None else self.rank_label

    def _repr_html_(self) -> str:
        """The page in a sandboxed frame (notebooks keep their own styles)."""
        from html import escape

        return (
            f'<iframe sandbox="" style="width:100%;height:720px;border:0" srcdoc="{escape(self.html(), quote=True)}">'
            "</iframe>"
        )


# ---------------------------------------------------------------------------------------------------------
# gathering


def _scale(run: Run) -> tuple[float, float]:
    from ideopolis.index.explain import score_range

    l_u = score_range(run.index.config)
    if l_u is not None:
        return l_u
    scores = run.index.scores
    return float(np.nanmin(scores.to_numpy())), float(np.nanmax(scores.to_numpy()))


def _pct(value: float, lo: float, hi: float) -> float:
    if not np.isfinite(value) or hi <= lo:
        return 0.0
    return float(np.clip((value - lo) / (hi - lo) * 100, 0, 100))


def _bars(run: Run, rid: str, peer_ids: list[str]) -> list[Bar]:
    index = run.index
    fw = index.framework
    scores, ranks = index.scores, index.ranks
    lo, hi = _scale(run)
    order: list[tuple[str, int]] = [(fw.root, 0)]
    for top in fw.children(fw.root):
        if fw.node(top).indicator:
            continue
        order.append((top, 1))
        order.extend((k, 2) for k in fw.children(top) if not fw.node(k).indicator)
    bars = []
    for code, level in order:
        n = int(ranks[code].notna().sum()) if code in ranks.columns else 0  # ranked: resting on every pillar
        if code not in scores.columns:
            continue
        cell: Any = scores.at[rid, code]
        value = float(cell)
        median = float(scores[code].median())
        peer = float(scores.loc[peer_ids, code].median()) if peer_ids else None
        rank: Any = ranks.at[rid, code]
        note = "higher = more exposed (it counts against the balance)" if code == EXPOSURE else ""
        bars.append(
            Bar(
                code=code,
                label=fw.node(code).label or code,
                level=level,
                score=value,
                rank="no score" if pd.isna(rank) else f"{ordinal(int(rank))} of {n:,}",
                median=median,
                peers=peer,
                fill=_pct(value, lo, hi),
                median_at=_pct(median, lo, hi),
                peers_at=None if peer is None else _pct(peer, lo, hi),
                note=note,
            )
        )
    return bars


def _exposure_codes(run: Run) -> list[str]:
    fw = run.index.framework
    if EXPOSURE not in fw:
        return []
    return [c for c in fw.indicators if EXPOSURE in fw.ancestors(c)]


def _position(run: Run, rid: str, code: str) -> tuple[str, int, int] | None:
    """Where the region's raw value stands among the regions scored: words, rank from the top, count."""
    index = run.index
    values = index.datasets["raw"].loc[index.scores.index, code].dropna()
    if rid not in values.index:
        return None
    rank = int(values.rank(ascending=False, method="min")[rid])
    of = len(values)
    exposure = code in _exposure_codes(run)
    high, low = ("most exposed", "least exposed") if exposure else ("highest", "lowest")
    return position_text(rank, of, high=high, low=low), rank, of


def _worded(run: Run, rid: str, code: str) -> str:
    index = run.index
    node = index.framework.node(code)
    place = _position(run, rid, code)
    value = format_measure(index.datasets["raw"].at[rid, code], node.unit)
    where = f"{place[0]} of {place[2]:,}" if place is not None else "no rank"
    return f"{node.label or code}: {value} ({where})"


def _strengths(run: Run, rid: str, n: int = 3) -> tuple[list[str], list[str]]:
    from ideopolis.index.results import strengths_weaknesses

    index = run.index
    sw = strengths_weaknesses(index.oriented_indicator_scores, rid, n=n, framework=index.framework)
    if sw.empty:
        return [], []
    strong = [_worded(run, rid, c) for c in sw.loc[sw["kind"] == "strength", "indicator"]]
    weak = [_worded(run, rid, c) for c in sw.loc[sw["kind"] == "weakness", "indicator"]]
    return strong, weak


def _exposure(run: Run, rid: str) -> tuple[list[dict[str, str]], str]:
    index = run.index
    rows = []
    ranks = []
    for code in _exposure_codes(run):
        node = index.framework.node(code)
        place = _position(run, rid, code)
        if place is not None:
            ranks.append((place[1], place[2]))
        rows.append(
            {
                "label": node.label or code,
                "value": format_measure(index.datasets["raw"].at[rid, code], node.unit),
                "unit": node.unit or "",
                "position": f"{place[0]} of {place[2]:,}" if place is not None else "no data",
            }
        )
    text = ""
    if len(ranks) > 1:
        best, worst = min(r for r, _ in ranks), max(r for r, _ in ranks)
        of = max(o for _, o in ranks)
        text = (
            f"Across the {len(ranks)} measures the region ranks from {ordinal(best)} to {ordinal(worst)} most "
            f"exposed of {of:,}: the measures disagree {'a lot' if worst - best > of / 4 else 'little'}."
        )
    return rows, text


def _clusters(run: Run, rid: str) -> tuple[list[dict[str, str]] | None, str]:
    from ideopolis.errors import IdeopolisError

    rs = run.regions
    if rs is None or not any(name in rs.long_table_names for name in ("industry_employment", "industry")):
        return None, "This region set has no industry employment table, so traded clusters are not measured."
    from ideopolis.api import clusters as cluster_analysis

    try:
        result = cluster_analysis(run)
    except IdeopolisError as exc:  # pragma: no cover - a set whose industry table cannot be used
        return None, f"Traded clusters could not be measured: {exc}"
    if rid not in result.summary.index:
        return None, "There is no industry employment data for this region."
    strong = result.strong(rid)
    summary: Any = result.summary.loc[rid]
    rows = [
        {
            "name": str(name),
            "lq": f"{row['lq']:.2f}",
            "jobs": f"{row['emp']:,.0f}",
            "rank": f"{ordinal(int(row['rank_emp']))} by jobs",
        }
        for name, row in strong.iterrows()
    ]
    note = (
        f"{int(summary['n_strong_traded'])} strong traded clusters, {summary['strong_traded_emp_share']:.0%} of "
        f"the region's traded jobs. A cluster is strong when it is at least as concentrated here as nationally "
        f"(location quotient 1 or more) and among the top quarter of {summary['type']} areas, with enough jobs "
        "and businesses (U.S. Cluster Mapping Project conventions; County Business Patterns 2019)."
    )
    return rows, note


def _hotspot(run: Run, rid: str) -> dict[str, str]:
    from ideopolis.errors import IdeopolisError

    if run.regions is None or run.regions.geometry is None:
        return {"label": "Not tested", "kind": "plain", "text": "The set has no region shapes to test."}
    try:
        result = run.results.get("hotspots")
        if result is None or result.indicator != INDEX:
            result = run.hotspots(INDEX)
    except IdeopolisError as exc:  # pragma: no cover - a set whose weights cannot be built
        return {"label": "Not tested", "kind": "plain", "text": str(exc)}
    row: Any = result.table.loc[rid]
    label = str(row["cls"])
    kind = (
        "hot"
        if label.startswith(("Hot", "High-High"))
        else "cold"
        if label.startswith(("Cold", "Low-Low"))
        else "plain"
    )
    if kind == "hot":
        text = (
            "The region and its neighbours together score higher than chance would explain: a cluster of high "
            "index scores. It does not say the region itself is the best, nor why."
        )
    elif kind == "cold":
        text = "The region and its neighbours together score lower than chance would explain."
    else:
        text = (
            "No significant cluster around this region: its neighbourhood's scores could be chance. "
            "This does not mean the region is average."
        )
    p = row.get("p_adjusted")
    if p is not None and pd.notna(p):
        text += f" (adjusted p-value {float(p):.3f})"
    return {"label": label, "kind": kind, "text": text, "method": result.method_note}


def _facts(run: Run, rid: str) -> list[tuple[str, str]]:
    from ideopolis.decide.attributes import STAGE_LABELS

    out: list[tuple[str, str]] = []
    if run.regions is None:
        return out
    attrs: Any = run.regions_attributes().loc[rid]
    if "population" in attrs and pd.notna(attrs["population"]):
        out.append(("Population", f"{float(attrs['population']):,.0f}"))
    for key, label in (("type", "Type"), ("state", "State"), ("country", "Country")):
        if key in attrs and isinstance(attrs[key], str) and attrs[key]:
            out.append((label, str(attrs[key])))
    if "size" in attrs and isinstance(attrs["size"], str):
        out.append(("Size class", f"{attrs['size']} people (OECD size classes)"))
    if "stage" in attrs and pd.notna(attrs["stage"]):
        stage = int(attrs["stage"])
        out.append(("Development stage", f"{stage} of 5: {STAGE_LABELS[stage]} (EU RCI cut-offs)"))
    facts_of = getattr(run, "region_facts", None)  # what each score rests on (Run.region_facts)
    facts = facts_of() if callable(facts_of) else pd.DataFrame()
    if rid in facts.index:
        for column in facts.columns:
            value = facts.at[rid, column]
            if isinstance(value, str) and value.strip():
                out.append((str(column), value))
    out.append(("Region id", rid))
    return out


def _sources(run: Run) -> list[dict[str, str]]:
    index = run.index
    meta = run.regions.indicators if run.regions is not None else {}
    rows = []
    for code in index.framework.indicators:
        m = meta.get(code)
        node = index.framework.node(code)
        rows.append(
            {
                "label": node.label or code,
                "unit": node.unit or "",
                "source": str(getattr(m, "source", "") or ""),
                "vintage": str(getattr(m, "vintage", "") or ""),
                "licence": str(getattr(m, "license", "") or ""),
            }
        )
    return rows


def region_profile(
    run: Run,
    region: str,
    *,
    peers: int = 8,
    within: tuple[str, ...] | list[str] = (),
    hotspots: bool = True,
    clusters: bool = True,
) -> RegionProfile:
    """Gather one region's profile from a run.

    Parameters
    ----------
    run : Run
        A run (scored if it was not).
    region : str
        An id or (part of) a name.
    peers : int
        How many peers to show (0: none).
    within : sequence of str
        Attributes the peers share with the region (see :func:`ideopolis.decide.peers.peers`).
    hotspots : bool
        Test the index for hot spots (the run's ``[hotspots]`` options) and show the region's class.
    clusters : bool
        Show the strong traded clusters (sets with an industry table).

    Returns
    -------
    RegionProfile
        ``html()``, ``save(path)``, ``to_print(path)``.

    Raises
    ------
    RegionNotFoundError
        For an unknown, ambiguous or unscored region.
    ConfigError
        For a negative number of peers or a bad ``within``.

    Examples
    --------
    >>> import ideopolis as ideo
    >>> profile = ideo.score("us-metros").profile("Des Moines", hotspots=False, clusters=False)
    >>> profile.name, profile.rank == int(ideo.score("us-metros").ranks.loc["19780", "ideopolis_index"])
    ('Des Moines-West Des Moines, IA', True)
    """
    from ideopolis.report.locator import locator_svg
    from ideopolis.report.methods import methods_note

    if peers < 0:
        raise ConfigError(f"peers is {peers}; use 0 or more")
    index = run.index
    rid = run.find_region(region)
    fw = index.framework
    root = fw.root
    name = str(index.names.get(rid, rid)) if index.names is not None else rid
    rank_cell: Any = index.ranks.at[rid, root]
    rank = None if pd.isna(rank_cell) else int(rank_cell)  # a score on fewer pillars has no rank
    rank_note = (
        "rank (1 = highest; among the regions scored on every pillar)"
        if rank is not None
        else str(index.not_ranked_reasons().get(rid, "")) or "scored on fewer pillars than the index has"
    )
    of = int(index.ranks[root].notna().sum())
    score_cell: Any = index.scores.at[rid, root]
    unc = getattr(run, "uncertainty", None)
    lo = hi = None
    if unc is not None and rid in unc.ranks.index:
        lo, hi = unc.ranks.at[rid, "rank_lo"], unc.ranks.at[rid, "rank_hi"]
    peer_result = run.peers(rid, k=peers, within=list(within)) if peers > 0 else None
    kind = index.typology.get(rid) if index.typology is not None else None
    typology = None
    if kind is not None and pd.notna(kind):
        from ideopolis.index.lens import DESCRIPTIONS

        typology = (str(kind).replace("_", " "), DESCRIPTIONS.get(str(kind), ""))
    strong, weak = _strengths(run, rid)
    exposure, exposure_range = _exposure(run, rid)
    cluster_rows, cluster_note = _clusters(run, rid) if clusters else (None, "")
    return RegionProfile(
        region=rid,
        name=name,
        set_name=run.name,
        set_title=run.regions.title if run.regions is not None else run.name,
        score=float(score_cell),
        rank=rank,
        of=of,
        rank_label=rank_text(rank, lo, hi) if rank is not None else "not ranked",
        typology=typology,
        facts=_facts(run, rid),
        bars=_bars(run, rid, peer_result.ids if peer_result is not None else []),
        strengths=strong,
        weaknesses=weak,
        exposure=exposure,
        exposure_range=exposure_range,
        clusters=cluster_rows,
        clusters_note=cluster_note,
        hotspot=_hotspot(run, rid) if hotspots else {"label": "Not tested", "kind": "plain", "text": ""},
        peers=peer_result,
        locator=locator_svg(run.regions, rid) if run.regions is not None else "",
        sources=_sources(run),
        method=run.method_line(),
        methods=methods_note(run),
        shortlist=run.selection.describe(len(index.scores)) if run.selection is not None else "",
        rank_note=rank_note,
        extra={
            "lens": BALANCE in fw,
            "attraction": ATTRACTION in fw,
            "cluster_strength": CLUSTER_STRENGTH in fw,
            "regions": run.regions,
        },
    )
