"""Saying what a run did: the method line, one region's explanation, and plain-text tables.

:func:`method_line` states in one line how the scores were made, from the run's own configuration (so a
map of a consultant's profile names the consultant's weights and methods). :class:`Explanation` is how one
region's index was built, indicator by indicator (OECD/JRC Handbook, step 10 "links to other indicators"
and the "contribution" view of COINr's ``get_unit_summary``), printable as text and shown as a table in
notebooks.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ideopolis.index.lens import DESCRIPTIONS
from ideopolis.index.pillars import BALANCE, CLUSTER_STRENGTH, DEFAULT_BALANCE_WEIGHT

if TYPE_CHECKING:
    from ideopolis.index.profile import RunConfig
    from ideopolis.index.run import IndexRun

__all__ = ["Explanation", "explain", "format_table", "method_line", "score_range", "top_table"]


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
        Index ``id``; columns ``rank``, ``name``, the scores, ``typology`` (when the run has a lens).

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
    table = run.scores[show].copy()
    table.insert(0, "rank", run.ranks[key])
    if run.names is not None:
        table.insert(1, "name", run.names.reindex(table.index))
    if run.typology is not None:
        table["typology"] = run.typology
    table = table.sort_values(key, ascending=False, na_position="last").head(n)
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
        ``score``, ``weight``, ``effective_weight``, ``enters_as``, ``contribution``, ``rank``.
    strengths_weaknesses : pandas.DataFrame
        The region's best and worst indicators by rank.
    typology : str or None
        Its type on the lens axes.
    max_level : int
        Depth of the framework (for indenting).
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
    interval: tuple[int, int] | None = None
    interval_note: str = ""

    def _rank_text(self) -> str:
        text = f"rank {self.rank} of {self.regions}"
        if self.interval is not None:
            text += f" (5-95% interval {self.interval[0]}–{self.interval[1]})"
        return text

    @property
    def score(self) -> float:
        """The region's index score."""
        value: Any = self.table.at[self.root, "score"]
        return float(value)

    @property
    def rank(self) -> int:
        """The region's rank on the index (1 = best)."""
        value: Any = self.table.at[self.root, "rank"]
        return int(value)

    def _view(self) -> pd.DataFrame:
        table = self.table
        cols = ["level", "raw", "denominated", "treated", "score", "weight", "effective_weight", "contribution", "rank"]
        view = table.reindex(columns=cols).copy()
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
            flags.append(", ".join(f))
        view["notes"] = flags
        return view

    def _items(self, kind: str) -> str:
        sw = self.strengths_weaknesses
        if not len(sw):
            return ""
        part = sw[sw["kind"] == kind]
        return ", ".join(f"{r.indicator} ({r.rank}/{r.of})" for r in part.itertuples())

    def __str__(self) -> str:
        """The explanation as text (what ``ideopolis score --explain`` prints)."""
        lines = [f"{self.name} ({self.region})", ""]
        lines.append(f"{self.root}: {self.score:.2f}  {self._rank_text()}")
        if self.interval_note:
            lines.append(f"  {self.interval_note}")
        if self.typology is not None:
            lines.append(f"typology: {self.typology} ({DESCRIPTIONS.get(str(self.typology), 'no lens value')})")
        lines.append("")
        lines.append(format_table(self._view(), max_width=40))
        lines.append("")
        lines.append(
            "score: normalised indicator (direction applied) or aggregate score; weight: within its parent; "
            "contribution: effective weight x score as it enters the index"
        )
        if len(self.strengths_weaknesses):
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
        parts = [f"<p>{head}</p>", self._view().to_html(float_format=lambda v: f"{v:.2f}", na_rep="-")]
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
    rid = run.find_region(region)
    table = run.explain(rid)
    name = str(run.names.get(rid, rid)) if run.names is not None else rid
    kind = run.typology.get(rid) if run.typology is not None else None
    return Explanation(
        region=rid,
        name=name,
        regions=len(run.scores),
        root=run.framework.root,
        table=table,
        strengths_weaknesses=run.strengths_weaknesses(rid),
        typology=None if kind is None or pd.isna(kind) else str(kind),
        max_level=run.framework.max_level,
    )
