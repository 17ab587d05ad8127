"""A plain-language methods note for readers of a map or a profile: what was measured, how, and what it is not.

:func:`methods_note` builds the note from a run, so it states the run's own choices (its normalisation, its
weights, its balance weight, its screen, its hotspot test) and the region set's own data and vintages. It is
written for a newspaper reader: no formulas, every technical word explained where it first appears. The note
is the body of ``ideopolis methods`` (a page of its own), it closes every region profile, and its ``short``
and ``full_html`` are what a map's "full method" panel shows (:meth:`ideopolis.Run.methods_html`).

Examples
--------
>>> import ideopolis as ideo
>>> note = methods_note(ideo.score("us-metros"))
>>> "Talent hub" in note.full_html and "does not mean" in note.full_html
True
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from ideopolis.index.pillars import ATTRACTION, BALANCE, CLUSTER_STRENGTH, EXPOSURE
from ideopolis.report.render import render

if TYPE_CHECKING:
    from pathlib import Path

    from ideopolis.run import Run

__all__ = ["MethodsNote", "methods_context", "methods_html", "methods_note"]


def _normalise_words(method: str, params: dict[str, Any]) -> str:
    if method == "minmax":
        lo, hi = (params.get("l_u") or (0, 100))[:2]
        return (
            f"Each indicator is put on a common scale from {lo:g} to {hi:g}: the region with the lowest value "
            f"gets {lo:g}, the highest gets {hi:g}, and every other region sits in between in proportion. "
            "So a score says how a region compares with the others in the set, not how good it is in absolute terms."
        )
    if method == "zscore":
        return (
            "Each indicator is expressed as a distance from the average region, in standard deviations "
            "(a z-score): 0 is average, +1 is one typical spread above it."
        )
    if method in ("rank", "prank"):
        return (
            "Each indicator is replaced by the region's position among all regions (its rank or percentile), "
            "so only the order counts, not how far apart regions are."
        )
    return f"Each indicator is put on a common scale ({method.replace('_', ' ')} normalisation)."


def _aggregate_words(method: str) -> str:
    if method == "arithmetic":
        return "Indicators are averaged into pillars, and pillars into the index (a weighted average)."
    if method == "geometric":
        return (
            "Indicators and pillars are combined with a geometric mean: a weak pillar cannot be fully made up "
            "for by a strong one."
        )
    return f"Indicators and pillars are combined with a {method.replace('_', ' ')} mean."


def _treat_words(method: str) -> str:
    if method == "none":
        return "Extreme values are used as they are."
    return (
        "A few regions have extreme values (a handful of tiny places with huge patent counts, for instance). "
        "Where an indicator is strongly lopsided, the most extreme values are pulled in to the next value "
        "(up to five regions), or the indicator is put on a logarithmic scale, so that one outlier does not "
        "squash every other region into a narrow band. This is the standard rule of the EU's Joint Research "
        "Centre (COINr)."
    )


def _impute_words(method: str, params: dict[str, Any]) -> str:
    if method == "none":
        return (
            "Missing values are not invented: a region's pillar score uses the indicators it has, and a score "
            "says when it rests on fewer."
        )
    group = params.get("group")
    where = f" of its {group}" if group else ""
    return f"A missing value is filled with the {method.replace('group_', '').replace('_', ' ')}{where}."


def _weights_words(run: Run) -> str:
    from ideopolis.index.explain import pillar_weights

    index = run.index
    method = index.config.step("weight").method
    weights = pillar_weights(index)
    if method == "pca":
        text = "The weights of the pillars come from the data (principal components)."
    elif weights is None:
        text = "The pillars of cluster strength count equally."
    else:
        shown = ", ".join(f"{index.framework.node(str(k)).label or k} {v:.0%}" for k, v in weights.items())
        text = f"The pillars of cluster strength are weighted: {shown}."
    return text


@dataclass(frozen=True)
class MethodsNote:
    """The methods note of a run.

    Attributes
    ----------
    short : str
        One paragraph (plain text) for a map's card.
    full_html : markupsafe.Markup
        The note's sections as an HTML fragment (headings, paragraphs, lists; every data string escaped).
    title : str
        The note's title.
    context : dict
        What the templates were given (plain values).

    Examples
    --------
    >>> import ideopolis as ideo
    >>> note = ideo.score("tests/data/toy").methods_note()
    >>> note.page().startswith("<!DOCTYPE html>")
    True
    """

    short: str
    full_html: Markup
    title: str
    context: dict[str, Any]

    def page(self) -> str:
        """The note as a self-contained HTML page (inline style, no script, no request).

        Returns
        -------
        str
        """
        return render("methods.html.j2", note=self, **self.context)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write :meth:`page` atomically.

        Parameters
        ----------
        path : str or path-like
            The ``.html`` file.

        Returns
        -------
        Path
        """
        from pathlib import Path

        from ideopolis.output import write_text

        write_text(path, self.page())
        return Path(path)

    def _repr_html_(self) -> str:
        return str(self.full_html)


def _indicator_rows(run: Run) -> list[dict[str, Any]]:
    """One row per pillar: its label and its indicators (label, unit, source, vintage)."""
    index = run.index
    fw = index.framework
    meta = run.regions.indicators if run.regions is not None else {}
    rows = []
    for node in fw.nodes:
        kids = [k for k in fw.children(node.code) if fw.node(k).indicator]
        if not kids:
            continue
        items = []
        for code in kids:
            m = meta.get(code)
            items.append(
                {
                    "label": fw.node(code).label or code,
                    "unit": fw.node(code).unit or "",
                    "source": str(getattr(m, "source", "") or ""),
                    "vintage": str(getattr(m, "vintage", "") or ""),
                }
            )
        rows.append({"pillar": node.label or node.code, "code": node.code, "indicators": items})
    return rows


def methods_context(run: Run) -> dict[str, Any]:
    """The plain values the methods note is written from.

    Parameters
    ----------
    run : Run
        A run (scored if it was not).

    Returns
    -------
    dict
        Plain strings, numbers, lists and dicts (no markup).
    """
    from ideopolis.index.lens import DESCRIPTIONS, TYPES
    from ideopolis.index.pillars import DEFAULT_BALANCE_WEIGHT

    index = run.index
    config = index.config
    fw = index.framework
    bw = config.step("weight").params.get("balance_weight")
    w = float(DEFAULT_BALANCE_WEIGHT if bw is None else bw)
    lens = BALANCE in fw and CLUSTER_STRENGTH in fw
    cluster_kids = [fw.node(k).label or k for k in fw.children(CLUSTER_STRENGTH)] if CLUSTER_STRENGTH in fw else []
    hot = dict(run.config.hotspot_options())
    used = run.results.get("hotspot_options") or {}
    hot.update({k: v for k, v in used.items() if v is not None})
    screen = config.step("screen")
    threshold = float(screen.params.get("threshold", 2 / 3)) if screen.method != "none" else None
    rs = run.regions
    unc = getattr(run, "uncertainty", None)
    lens_split = "median"
    lens_params = config.step("lens").params
    if lens_params.get("attraction_threshold") is not None or lens_params.get("exposure_threshold") is not None:
        lens_split = "threshold"
    return {
        "set_name": run.name,
        "set_title": rs.title if rs is not None else run.name,
        "sources": list(rs.manifest.sources) if rs is not None else [],
        "licence": str(rs.manifest.license or "") if rs is not None else "",
        "vintage": str(rs.manifest.vintage or "") if rs is not None else "",
        "regions_scored": len(index.scores),
        "regions_dropped": len(index.dropped),
        "screen_threshold": threshold,
        "lens": lens,
        "balance_weight": w,
        "cluster_pillars": cluster_kids,
        "has_attraction": ATTRACTION in fw,
        "has_exposure": EXPOSURE in fw,
        "normalise": _normalise_words(config.step("normalise").method, dict(config.step("normalise").params)),
        "aggregate": _aggregate_words(config.step("aggregate").method),
        "treat": _treat_words(config.step("treat").method),
        "impute": _impute_words(config.step("impute").method, dict(config.step("impute").params)),
        "weights": _weights_words(run),
        "method_line": run.method_line(),
        "pillars": _indicator_rows(run),
        "types": [{"key": t, "label": t.replace("_", " "), "description": DESCRIPTIONS[t]} for t in TYPES],
        "lens_split": lens_split,
        "hotspot": {
            "statistic": str(hot.get("statistic")),
            "permutations": int(hot.get("permutations", 999)),
            "correction": str(hot.get("correction")),
            "seed": int(hot.get("seed", run.config.seed)),
            "weights": str(hot.get("weights")),
            # the sequential test adds permutations near a cut-off unless capped at the first round
            "sequential": hot.get("max_permutations") is None
            or int(hot.get("max_permutations") or 0) > int(hot.get("permutations", 999)),
        },
        "uncertainty": None if unc is None else {"n": unc.draws},
    }


def _short(ctx: dict[str, Any]) -> str:
    lens = (
        f" It combines {1 - ctx['balance_weight']:.0%} cluster strength ({', '.join(ctx['cluster_pillars']).lower()}) "
        f"with {ctx['balance_weight']:.0%} for the balance between drawing people in and how much of the local work "
        "could be done from elsewhere."
        if ctx["lens"]
        else f" It averages {', '.join(ctx['cluster_pillars']).lower()}."
    )
    return (
        f"The Ideopolis index scores {ctx['regions_scored']:,} regions of {ctx['set_title']} on how far each is "
        "along the road to a knowledge cluster, from official statistics." + lens + " Scores compare regions "
        'with each other (0 = lowest in the set, 100 = highest). A "significant hot spot" is a group of '
        "neighbouring regions with high scores that is unlikely to be chance; it says nothing about why."
    )


def methods_note(run: Run) -> MethodsNote:
    """Write the plain-language methods note of a run.

    Parameters
    ----------
    run : Run
        A run (scored if it was not).

    Returns
    -------
    MethodsNote
        ``short``, ``full_html``, ``page()``, ``save(path)``.

    Examples
    --------
    >>> import ideopolis as ideo
    >>> note = methods_note(ideo.score("eu-nuts2"))
    >>> note.title
    'How the Ideopolis index is made: a note for readers'
    >>> "Eurostat" in note.full_html
    True
    """
    ctx = methods_context(run)
    body = Markup(render("methods_body.html.j2", **ctx))
    return MethodsNote(
        short=_short(ctx),
        full_html=body,
        title="How the Ideopolis index is made: a note for readers",
        context=ctx,
    )


def methods_html(run: Run) -> str:
    """The methods note's sections as an HTML fragment: what a map's "full method" panel shows.

    Parameters
    ----------
    run : Run
        A run (scored if it was not).

    Returns
    -------
    str
        Headings, paragraphs and lists, every data string escaped; no script, no style.

    Examples
    --------
    >>> import ideopolis as ideo
    >>> methods_html(ideo.score("tests/data/toy")).startswith('<section class="prose methods" id="methods">')
    True
    """
    return str(methods_note(run).full_html)
