"""The export-jobs lens measure by measure, and what a region's scores rest on, as numbers and as text.

**Exposure measures.** Every indicator of the ``export_jobs`` pillar (the framework's ``exposure`` node) is one
measure of how much of a region's work could be done from elsewhere: in the bundled US sets the teleworkable
share (Dingel & Neiman 2020), AIOE and LM-AIOE (Felten, Raj & Seamans 2021, 2023), GPT exposure (Eloundou et
al. 2024) and AI applicability (Tomlinson et al. 2025). They agree on the whole and disagree on some regions,
so each region's value on each measure is shown with its **percentile**: the share of regions with a value
whose value is at most the region's, oriented so that 100 is the most exposed (the "weak" percentile rank,
``scipy.stats.percentileofscore(kind="weak")``; ties share the higher percentile). The **cross-measure range**
is the lowest and the highest of a region's percentiles across the measures it has: a wide range says the
measures disagree about the region. Percentiles are taken over every region of the run with a value of that
measure (before screening), on the values as the run reads them (after denomination, before treatment).

**Lens context.** A region set may carry, beside the measures, columns that say how its exposure data came
about and what they leave out; they are shown, never scored (:data:`LENS_CONTEXT`):

- ``lens_route`` (group): how the region's occupation mix was obtained (e.g. ``oews_metro``: published BLS
  OEWS employment by occupation; ``none``: no lens data);
- ``lens_area`` (group): the area whose data the mix comes from;
- ``occ_coverage`` (share): published detailed occupational employment / all jobs behind the mix;
- ``anchored_share`` (share): the other side of the argument, the share of private jobs that are *anchored*:
  in-person (not teleworkable, Dingel & Neiman) **and** in local-serving industries (U.S. Cluster Mapping's
  local clusters, Delgado, Porter & Stern 2016): work that can neither move out nor be served from elsewhere.

:func:`region_facts` turns all of it, with the pillars each score rests on and the reason a region has no
score, into the short texts the map card and the profile page show.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ideopolis.index.pillars import EXPOSURE

if TYPE_CHECKING:
    from ideopolis.index.framework import Framework
    from ideopolis.index.run import IndexRun

__all__ = [
    "ANCHORED",
    "ANCHORED_FACT",
    "ANCHORED_MEANING",
    "EXPOSURE_PERCENTILES",
    "EXPOSURE_RANGE",
    "LENS_CONTEXT",
    "LENS_DATA",
    "LENS_ROUTES",
    "NOT_SCORED",
    "SCORED_ON",
    "exposure_measures",
    "exposure_table",
    "lens_context",
    "measure_name",
    "percentile_rank",
    "region_facts",
    "short_label",
]

#: Columns of a region set that describe its lens data; shown beside the scores, never scored.
LENS_CONTEXT = ("lens_route", "lens_area", "occ_coverage", "anchored_share")
#: Labels of the fact rows (``Run.region_facts`` columns) that are not one per measure.
SCORED_ON = "Scored on"
NOT_SCORED = "Not scored"
EXPOSURE_RANGE = "Exposure range (percentiles; 100 = most exposed)"
#: Start of the label of the row with each measure's percentile ("Exposure percentiles (AIOE · GPT exposure)").
EXPOSURE_PERCENTILES = "Exposure percentiles"
LENS_DATA = "Lens data (how the occupation mix was made)"
#: What each ``lens_route`` of the bundled sets means, in a few words (see the sets' DATASHEETs, "Export-jobs
#: lens"); a route not listed is shown as its code.
LENS_ROUTES: dict[str, str] = {
    "oews_metro": "OEWS's published metro occupation mix",
    "oews_nonmetro_pool": "OEWS nonmetropolitan areas, pooled",
    "cbp_cbsa_x_national_staffing": "CBP industry mix \u00d7 national staffing pattern",
    "counties_sectors_x_national_staffing": "its counties' sector mix \u00d7 national staffing pattern",
    "cbp_county_x_area_staffing": "CBP county sector mix \u00d7 its area's staffing pattern",
    "bea_gdp_county_x_area_staffing": "BEA county GDP by industry \u00d7 its area's staffing pattern",
    "enclosing_area": "its area's occupation shares",
    "sector_mix_x_us_staffing": "4 NACE sector groups \u00d7 US staffing pattern (an approximation)",
}
ANCHORED_FACT = "Anchored jobs (in-person, local-serving; not scored)"
#: The anchored-jobs context indicator.
ANCHORED = "anchored_share"
#: What the anchored share measures, in one sentence (shown wherever the value is).
ANCHORED_MEANING = (
    "share of private jobs that are in-person (not teleworkable) and in local-serving industries: "
    "work that can neither move out nor be served from elsewhere (context, not scored)"
)


def exposure_measures(framework: Framework) -> list[str]:
    """Return the exposure measures of a framework: the indicators under its ``exposure`` node.

    Parameters
    ----------
    framework : Framework
        The indicator tree.

    Returns
    -------
    list of str
        Indicator codes in framework order; empty when the framework has no exposure node.

    Examples
    --------
    >>> from ideopolis.index.framework import framework_from_records
    >>> fw = framework_from_records([{"code": "exposure"}, {"code": "a", "parent": "exposure"},
    ...     {"code": "b", "parent": "exposure"}])
    >>> exposure_measures(fw)
    ['a', 'b']
    """
    if EXPOSURE not in framework:
        return []
    return framework.descendants(EXPOSURE)


def percentile_rank(values: pd.DataFrame) -> pd.DataFrame:
    """Return each value's weak percentile rank within its column: 100 x (values <= it) / values present.

    Parameters
    ----------
    values : pandas.DataFrame
        Numbers (missing values are left out and stay missing).

    Returns
    -------
    pandas.DataFrame
        Same shape, 0-100; the highest value of a column is 100.

    Notes
    -----
    The same number as ``scipy.stats.percentileofscore(column, x, kind="weak")``.

    Examples
    --------
    >>> percentile_rank(pd.DataFrame({"x": [1.0, 2.0, 2.0, 4.0, None]}))["x"].tolist()
    [25.0, 75.0, 75.0, 100.0, nan]
    """
    return values.astype(float).rank(method="max", pct=True, na_option="keep") * 100.0


def exposure_table(framework: Framework, values: pd.DataFrame) -> pd.DataFrame:
    """Return every region's value and percentile on each exposure measure, and its cross-measure range.

    Parameters
    ----------
    framework : Framework
        The indicator tree (its ``exposure`` node's indicators are the measures).
    values : pandas.DataFrame
        Region x indicator values (the run's ``denominated`` dataset).

    Returns
    -------
    pandas.DataFrame
        Index = region id; for each measure ``m``: ``m`` (its value) and ``m_pct`` (percentile, 100 = most
        exposed; a measure whose direction is -1 is turned round first); then ``exposure_pct_min`` and
        ``exposure_pct_max`` (the lowest and highest percentile across the measures the region has) and
        ``exposure_measures`` (how many it has). No columns when the framework has no exposure measure.

    Examples
    --------
    >>> from ideopolis.index.framework import framework_from_records
    >>> fw = framework_from_records([{"code": "exposure"}, {"code": "a", "parent": "exposure"},
    ...     {"code": "b", "parent": "exposure"}])
    >>> t = exposure_table(fw, pd.DataFrame({"a": [1.0, 2.0], "b": [5.0, 3.0]}, index=["x", "y"]))
    >>> t[["a_pct", "b_pct", "exposure_pct_min", "exposure_pct_max"]].to_dict("index")["y"]
    {'a_pct': 100.0, 'b_pct': 50.0, 'exposure_pct_min': 50.0, 'exposure_pct_max': 100.0}
    """
    measures = [m for m in exposure_measures(framework) if m in values.columns]
    if not measures:
        return pd.DataFrame(index=values.index)
    raw = values[measures].astype(float)
    sign = pd.Series({m: float(framework.node(m).direction or 1) for m in measures})
    pct = percentile_rank(raw * sign)
    out = pd.DataFrame(index=values.index)
    for m in measures:
        out[m] = raw[m]
        out[f"{m}_pct"] = pct[m]
    out["exposure_pct_min"] = pct.min(axis=1, skipna=True)
    out["exposure_pct_max"] = pct.max(axis=1, skipna=True)
    out["exposure_measures"] = pct.notna().sum(axis=1).astype(int)
    return out


def lens_context(groups: pd.DataFrame | None, data: pd.DataFrame | None, index: pd.Index) -> pd.DataFrame:
    """Return the lens context columns a region set has (:data:`LENS_CONTEXT`), aligned on ``index``.

    Parameters
    ----------
    groups : pandas.DataFrame, optional
        The set's group columns (``lens_route``, ``lens_area``).
    data : pandas.DataFrame, optional
        The set's indicator table (``occ_coverage``, ``anchored_share``).
    index : pandas.Index
        The regions.

    Returns
    -------
    pandas.DataFrame
        The context columns present, in :data:`LENS_CONTEXT` order (text for the groups, floats for the
        shares), plus ``anchored_share_pct`` (its weak percentile) when the set has anchored jobs.
    """
    out = pd.DataFrame(index=index)
    for col in LENS_CONTEXT:
        for frame in (groups, data):
            if frame is not None and col in frame.columns:
                column = frame[col].set_axis(frame.index.astype(str)).reindex(index)
                if col in ("occ_coverage", ANCHORED):
                    column = pd.to_numeric(column, errors="coerce").astype(float)
                else:
                    column = column.astype("string")
                out[col] = column
                break
    if ANCHORED in out.columns:
        out[f"{ANCHORED}_pct"] = percentile_rank(out[[ANCHORED]])[ANCHORED]
    return out


def short_label(label: str) -> str:
    """Return a label's part before its first comma ("GPT exposure (beta), job-weighted mean" -> "GPT exposure (beta)").

    Parameters
    ----------
    label : str
        An indicator label.

    Returns
    -------
    str
    """
    return label.split(", ")[0].strip() or label


def measure_name(label: str, code: str = "") -> str:
    """Return a short name of a measure for a card row: its abbreviation, else its label without qualifiers.

    A label still longer than 24 characters gives way to the indicator's code (underscores as spaces) when one is
    given.

    Parameters
    ----------
    label : str
        An indicator label.
    code : str
        The indicator's code.

    Returns
    -------
    str

    Examples
    --------
    >>> measure_name("Language-model AI exposure (LM-AIOE), job-weighted mean")
    'LM-AIOE'
    >>> measure_name("GPT exposure (beta), job-weighted mean")
    'GPT exposure'
    >>> measure_name("Share of jobs that can be done from home (sector mix)")
    'Share of jobs that can be done from home'
    >>> measure_name("Share of jobs that can be done from home", "teleworkable_share")
    'teleworkable share'
    """
    head = short_label(label)
    abbreviation = re.search(r"\(([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*)\)", head)
    if abbreviation:
        return abbreviation.group(1)
    name = re.sub(r"\s*\([^)]*\)\s*$", "", head) or head
    return code.replace("_", " ") if code and len(name) > 24 else name


def _pct_text(value: float) -> str:
    return f"{value:.1f}"


def region_facts(
    run: IndexRun,
    *,
    ids: pd.Index | None = None,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Return the facts behind each region's scores as short texts (the map card's and profile's rows).

    Parameters
    ----------
    run : IndexRun
        A finished run.
    ids : pandas.Index, optional
        The regions to describe (default: every region the run read, scored or not).
    labels : mapping, optional
        Node -> how to name it (default: the framework's labels).

    Returns
    -------
    pandas.DataFrame
        Index = region id; string columns, ``""`` where nothing applies:

        - ``Scored on``: the pillars the index rests on ("all 5 pillars"; "4 of 5 pillars, no Knowledge jobs
          (not ranked)");
        - ``Not scored``: why the region has no index score (screened out, too little data);
        - ``Exposure range (percentiles; 100 = most exposed)``: the lowest and highest percentile across measures;
        - ``Exposure percentiles (<measure> · <measure> ...)``: the measures (:func:`measure_name`) in the label,
          the region's percentile on each in its text ("99.1 · 99.5", "–" where it has none; the values are among
          the indicators of the map's card and in every table);
        - ``Lens data (how the occupation mix was made)``: the route in words (:data:`LENS_ROUTES`), the area
          whose data were used, and the share of its jobs in published detailed occupations;
        - ``Anchored jobs (in-person, local-serving; not scored)``: the anchored share and its percentile.

        Columns that apply to no region are left out.
    """
    fw = run.framework
    raw_ids = run.datasets["raw"].index
    ids = raw_ids if ids is None else pd.Index(ids.astype(str))
    name = {n.code: (labels or {}).get(n.code) or n.label or n.code for n in fw.nodes}
    out = pd.DataFrame(index=ids)
    out.index.name = raw_ids.name

    root = fw.root
    cov = run.coverage
    scored_on = cov.scored_on(root).reindex(ids)
    n_all = len(cov.needed[root])
    ranks = run.ranks[root].reindex(ids)
    texts = []
    for rid, on in scored_on.items():
        if not isinstance(on, tuple) or not on:
            texts.append("")
            continue
        if len(on) == n_all:
            texts.append(f"all {n_all} pillars" if n_all > 1 else "")
            continue
        gone = [u for u in cov.needed[root] if u not in on]
        missing = ", ".join(name.get(u, u) for u in gone)
        note = " (not ranked)" if pd.isna(ranks.get(rid)) else ""
        texts.append(f"{len(on)} of {n_all} pillars, no {missing}{note}")
    out[SCORED_ON] = texts
    out[NOT_SCORED] = run.not_scored_reasons().reindex(ids).fillna("").astype(str)

    exposure = exposure_table(fw, run.datasets["denominated"]).reindex(ids)
    measures = [m for m in exposure_measures(fw) if m in exposure.columns]
    if measures:
        lo, hi, count = exposure["exposure_pct_min"], exposure["exposure_pct_max"], exposure["exposure_measures"]
        n_all = len(measures)

        def span(a: float, b: float, c: float) -> str:
            if pd.isna(c) or int(c) == 0:
                return ""
            if int(c) == 1:
                return f"{_pct_text(a)} (1 of {n_all} measures)"
            of = "" if int(c) == n_all else f" ({int(c)} of {n_all} measures)"
            return f"{_pct_text(a)} to {_pct_text(b)}{of}"

        out[EXPOSURE_RANGE] = [span(a, b, c) for a, b, c in zip(lo, hi, count, strict=True)]
        # the measures' names go in the label and only the numbers in each region's text: a county map carries
        # 3,231 of them
        short = " \u00b7 ".join(measure_name(name.get(m, m), m) for m in measures)
        pcts = exposure[[f"{m}_pct" for m in measures]].to_numpy(dtype=float)
        out[f"{EXPOSURE_PERCENTILES} ({short})"] = [
            " \u00b7 ".join("\u2013" if np.isnan(p) else _pct_text(p) for p in row) if (~np.isnan(row)).any() else ""
            for row in pcts
        ]

    context = lens_context(run.groups, run.denominators, ids)
    if "lens_route" in context.columns:
        rows = []
        records: dict[Any, dict[Any, Any]] = dict(context.to_dict("index"))
        for rid in ids:
            rec = records[rid]
            route = rec["lens_route"]
            if pd.isna(route) or not str(route):
                rows.append("")
                continue
            if str(route) == "none":
                rows.append("none: no exposure data for this region")
                continue
            text = LENS_ROUTES.get(str(route), str(route))
            area = rec.get("lens_area")
            if area is not None and not pd.isna(area) and str(area) and str(area) != str(rid):
                text += f" (area {area})"
            cover = rec.get("occ_coverage", np.nan)
            if not pd.isna(cover):
                text += f"; {100 * float(cover):.0f}% of its jobs in published occupations"
            rows.append(text)
        out[LENS_DATA] = rows
    if ANCHORED in context.columns:
        out[ANCHORED_FACT] = [
            "" if pd.isna(v) else f"{100 * float(v):.1f}% (percentile {_pct_text(float(p))})"
            for v, p in zip(context[ANCHORED], context[f"{ANCHORED}_pct"], strict=True)
        ]
    keep = [c for c in out.columns if (out[c] != "").any()]
    return out[keep]
