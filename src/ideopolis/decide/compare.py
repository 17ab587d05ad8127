"""Compare regions side by side: attributes, scores with ranks (and intervals), the typology, every indicator.

:func:`compare` returns a :class:`Comparison`: a table with one row per measure and one column per region,
printable in a terminal, as an HTML page (:meth:`Comparison.html`, rendered by :mod:`ideopolis.report.render`)
and as a workbook (:meth:`Comparison.to_file` with ``.xlsx``: the numbers, the ranks, the display table, the
metadata and the run log) or CSV.

Ranks are national (among every region scored), or within the run's shortlist when it ranks within itself.
An indicator's rank counts from its highest value (from its lowest for an indicator where less is better, such
as an unemployment rate); for an exposure measure, 1 is the most exposed. Scores and indicators are the run's
own numbers, never recomputed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ideopolis.decide.wording import format_measure, rank_text
from ideopolis.errors import ConfigError, DataFileError

if TYPE_CHECKING:
    from ideopolis.run import Run

__all__ = ["COMPARE_FORMATS", "Comparison", "compare"]

#: Output formats of :meth:`Comparison.to_file`.
COMPARE_FORMATS = (".html", ".xlsx", ".csv")
#: Most regions in one comparison.
MAX_REGIONS = 25


@dataclass(frozen=True)
class Comparison:
    """Regions side by side.

    Attributes
    ----------
    ids : list of str
        The regions, in the order asked for.
    names : list of str
        Their names.
    values : pandas.DataFrame
        One row per measure (index ``key``): ``section`` (region, scores, indicators), ``label``, ``unit``,
        then one column per region id with the value (numbers, or text for attributes and the typology).
    ranks : pandas.DataFrame
        Ranks of the scores and indicators (rows as in ``values``), one column per region id.
    intervals : pandas.DataFrame or None
        The index rank's ``rank_lo`` and ``rank_hi`` per region (uncertainty analysis), or ``None``.
    of : int
        Regions ranked.
    ranks_note : str
        What the ranks are among.
    set_title : str
        The region set.
    method : str
        The run's method line.

    Examples
    --------
    >>> import ideopolis as ideo
    >>> c = ideo.score("tests/data/toy").compare(["Alder", "02005"])
    >>> c.display().loc["Ideopolis index"].tolist()
    ['23.1 (5th)', '87.5 (1st)']
    """

    ids: list[str]
    names: list[str]
    values: pd.DataFrame
    ranks: pd.DataFrame
    intervals: pd.DataFrame | None
    of: int
    ranks_note: str
    set_title: str
    method: str

    def display(self) -> pd.DataFrame:
        """The comparison as text cells: ``"52.0 (60th)"`` for scores, ``"39.1% (112th)"`` for indicators.

        Returns
        -------
        pandas.DataFrame
            Index: the measure's label (and unit); one column per region name.
        """
        rows = []
        for key, row in self.values.iterrows():
            cells = []
            for rid in self.ids:
                value = row[rid]
                if row["section"] == "region":
                    cells.append(_attribute_text(str(key), value))
                    continue
                if row["section"] == "scores" and not isinstance(value, float | int):
                    missing = value is None or (isinstance(value, float) and value != value)
                    cells.append("-" if missing else str(value).replace("_", " "))
                    continue
                text = f"{value:.1f}" if row["section"] == "scores" else format_measure(value, str(row["unit"]))
                rank: Any = self.ranks.at[key, rid] if key in self.ranks.index else None
                lo = hi = None
                if key == self.values.index[self._root_position()] and self.intervals is not None:
                    lo, hi = self.intervals.at[rid, "rank_lo"], self.intervals.at[rid, "rank_hi"]
                if rank is not None and not pd.isna(rank):
                    text += f" ({rank_text(rank, lo, hi)})"
                cells.append(text)
            label = str(row["label"]) + (f" ({row['unit']})" if row["section"] == "indicators" and row["unit"] else "")
            rows.append((label, cells))
        out = pd.DataFrame([c for _, c in rows], index=pd.Index([label for label, _ in rows], name="measure"))
        out.columns = _unique(self.names)
        return out

    def _root_position(self) -> int:
        scores = [i for i, s in enumerate(self.values["section"]) if s == "scores"]
        return scores[0] if scores else -1

    def __str__(self) -> str:
        """The comparison as text (what ``ideopolis compare`` prints)."""
        from ideopolis.index.explain import format_table

        return "\n".join(
            [
                f"Compared: {', '.join(self.names)}",
                "",
                format_table(self.display(), max_width=44),
                "",
                f"ranks: {self.ranks_note}; an indicator's rank 1 is its highest value (its lowest where less is "
                "better; the most exposed for an exposure measure)",
            ]
        )

    def __repr__(self) -> str:
        """Short: the regions compared."""
        return f"Comparison({', '.join(self.names)})"

    def _repr_html_(self) -> str:
        """The display table (notebooks)."""
        return f"<div>{self.display().to_html(escape=True)}<p>{escape(self.ranks_note)}</p></div>"

    def html(self) -> str:
        """The comparison as a self-contained HTML page (no script, no request).

        Returns
        -------
        str
        """
        from ideopolis.report.render import render

        shown = self.display()
        sections = list(self.values["section"])
        rows = [
            {"label": str(label), "cells": [str(c) for c in cells], "section": section}
            for (label, cells), section in zip(shown.iterrows(), sections, strict=True)
        ]
        return render(
            "compare.html.j2",
            page_title=f"Compared: {', '.join(self.names)}",
            names=list(shown.columns),
            rows=rows,
            ranks_note=self.ranks_note,
            set_title=self.set_title,
            method=self.method,
        )

    def to_file(self, path: str | os.PathLike[str], *, run: Run | None = None) -> Path:
        """Write the comparison as a page, a workbook or a table.

        ``.html``: a self-contained page; ``.xlsx``: the display table, the values, the ranks, the metadata and
        the run log; ``.csv``: the display table.

        Parameters
        ----------
        path : str or path-like
            The file.
        run : Run, optional
            The run (for the workbook's metadata and run log sheets).

        Returns
        -------
        Path

        Raises
        ------
        DataFileError
            For another suffix.
        """
        from ideopolis.output import write_csv, write_text, write_xlsx

        target = Path(path)
        suffix = target.suffix.lower()
        if suffix not in COMPARE_FORMATS:
            raise DataFileError(f"{target}: compare writes {', '.join(COMPARE_FORMATS)}; fix: change the suffix")
        if suffix == ".html":
            write_text(target, self.html())
        elif suffix == ".csv":
            write_csv(self.display(), target)
        else:
            from ideopolis.output import Sheet

            sheets: dict[str, Sheet | pd.DataFrame] = {
                "compare": self.display(),
                "values": self.values,
                "ranks": self.ranks.astype("Int64"),
            }
            if run is not None:
                from ideopolis.report.workbook import log_sheet, metadata

                measured = [str(k) for k, s in self.values["section"].items() if s != "region" and k != "typology"]
                sheets["metadata"] = Sheet(metadata(run, measured))
                sheets["run log"] = log_sheet(run)
            write_xlsx(sheets, target)
        return target


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        n = seen.get(name, 0)
        seen[name] = n + 1
        out.append(name if n == 0 else f"{name} ({n + 1})")
    return out


def _attribute_text(key: str, value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "-"
    if key == "population":
        return f"{float(value):,.0f}"
    if key == "gdp_per_head_index":
        return f"{float(value):.0f}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return f"{int(value)}"
    return str(value)


_ATTRIBUTES = (
    ("population", "Population"),
    ("type", "Metro / micro"),
    ("state", "State"),
    ("country", "Country"),
    ("size", "Size class"),
    ("stage", "Development stage (1-5)"),
)


def compare(run: Run, regions: Sequence[str]) -> Comparison:
    """Put regions side by side: attributes, every score with its rank, the typology, every indicator.

    Parameters
    ----------
    run : Run
        A run (scored if it was not).
    regions : sequence of str
        Two or more regions (ids or parts of names), at most 25.

    Returns
    -------
    Comparison

    Raises
    ------
    RegionNotFoundError
        For an unknown, ambiguous or unscored region.
    ConfigError
        For fewer than two regions, more than 25, or a region named twice.

    Examples
    --------
    >>> import ideopolis as ideo
    >>> c = ideo.score("us-metros").compare(["Des Moines", "Omaha", "Kansas City"])
    >>> c.names[0], list(c.values.loc["ideopolis_index", "section":"label"])
    ('Des Moines-West Des Moines, IA', ['scores', 'Ideopolis index'])
    """
    if isinstance(regions, str) or len(regions) < 2:
        raise ConfigError("compare needs two regions or more; fix: ideopolis compare 'Des Moines' Omaha")
    if len(regions) > MAX_REGIONS:
        raise ConfigError(f"compare shows at most {MAX_REGIONS} regions side by side; {len(regions)} were given")
    ids = [run.find_region(str(r)) for r in regions]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise ConfigError(f"region {twice[0]!r} is named twice; fix: name each region once")
    index = run.index
    fw = index.framework
    names = [str(index.names.get(i, i)) if index.names is not None else i for i in ids]
    within = run.selection is not None and run.selection.ranks == "within"
    if within:
        assert run.selection is not None
        outside = [n for i, n in zip(ids, names, strict=True) if i not in set(run.selection.ids)]
        if outside:
            raise ConfigError(f"{outside[0]} is not in the shortlist its ranks are within; fix: drop --ranks within")
        pool = run.scores.index
    else:
        pool = index.scores.index
    score_ranks = run.ranks if within else index.ranks  # national, or within the shortlist: the same numbers either way
    indicator_values = index.indicator_scores.loc[pool]
    from ideopolis.index.results import rank_table

    indicator_ranks = rank_table(indicator_values)
    rows: list[dict[str, Any]] = []
    rank_rows: dict[str, dict[str, Any]] = {}
    attrs = run.regions_attributes() if run.regions is not None else pd.DataFrame(index=pool)
    for key, label in _ATTRIBUTES:
        if key in attrs.columns:
            rows.append(
                {
                    "key": key,
                    "section": "region",
                    "label": label,
                    "unit": "",
                    **{str(k): v for k, v in attrs.loc[ids, key].items()},
                }
            )
    order = [fw.root, *[n.code for n in fw.nodes if not n.indicator and n.code != fw.root]]
    for code in [c for c in order if c in index.scores.columns]:
        rows.append(
            {
                "key": code,
                "section": "scores",
                "label": fw.node(code).label or code,
                "unit": "score",
                **{str(k): float(v) for k, v in index.scores.loc[ids, code].items()},
            }
        )
        rank_rows[code] = {str(k): v for k, v in score_ranks.reindex(ids)[code].items()}
    if index.typology is not None:
        rows.append(
            {
                "key": "typology",
                "section": "scores",
                "label": "Type",
                "unit": "",
                **{str(k): v for k, v in index.typology.reindex(ids).items()},
            }
        )
    raw = index.datasets["raw"]
    for code in fw.indicators:
        node = fw.node(code)
        rows.append(
            {
                "key": code,
                "section": "indicators",
                "label": node.label or code,
                "unit": node.unit or "",
                **{str(k): float(v) for k, v in raw.loc[ids, code].items()},
            }
        )
        rank_rows[code] = {str(k): v for k, v in indicator_ranks.reindex(ids)[code].items()}
    values = pd.DataFrame(rows).set_index("key")
    ranks = pd.DataFrame.from_dict(rank_rows, orient="index").reindex(columns=ids)
    ranks.index.name = "key"
    unc = getattr(run, "uncertainty", None)
    intervals = None
    if unc is not None and not within:
        intervals = unc.ranks.reindex(ids)[["rank_lo", "rank_hi"]]
    of = int(score_ranks[fw.root].notna().sum()) if fw.root in score_ranks.columns else len(pool)
    note = f"within the {of:,} regions of the shortlist" if within else f"among all {of:,} regions scored in {run.name}"
    if of < len(pool):  # some scores rest on fewer pillars: they have no rank (like with like)
        where = "of the shortlist " if within else ""
        place = "" if within else f" in {run.name}"
        note = (
            f"{'within' if within else 'among'} the {of:,} regions {where}scored on every pillar{place} "
            f"({len(pool) - of:,} scored on fewer are not ranked)"
        )
    return Comparison(
        ids=ids,
        names=names,
        values=values,
        ranks=ranks,
        intervals=intervals,
        of=of,
        ranks_note=note,
        set_title=run.regions.title if run.regions is not None else run.name,
        method=run.method_line(),
    )
