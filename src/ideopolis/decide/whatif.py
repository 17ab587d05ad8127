"""What-if: re-score with changed raw values, and "what would move us": the change each indicator needs.

:func:`whatif` replaces some of a region's raw indicator values and re-runs every step of the index
(:meth:`ideopolis.index.run.IndexRun.with_raw`): the region's new scores and ranks, whether the normalisation
bounds moved (a value beyond the set's minimum or maximum rescales every region on that indicator, so other
regions' scores change too), and how many other regions changed rank.

:func:`what_would_move` asks, for each indicator on its own, how far the region's raw value would have to
move, in the direction that raises the index, to gain ``places`` places (or reach ``target_rank``). The search
stays between the region's value and the best value any region of the set has, so the normalisation bounds do
not move; an indicator for which even the set's best value is not enough is reported as out of reach. The
threshold is found on full re-runs (every step of the pipeline, every region) by regula falsi with the Illinois
modification (Dowell & Jarratt 1971) on the gap between the region's index score and the score it must reach,
keeping a bracket [fails, reaches]; it stops when the bracket is 1/10,000 of the span or the gap is below
1e-6 index points, and returns the bracket's upper end: a value verified to reach the target. For an indicator
whose values are all whole numbers (a count of clusters) the value is rounded to the next whole number. Rows are sorted by the relative change ``|needed - current| / |current|``, smallest first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ideopolis.errors import ConfigError

if TYPE_CHECKING:
    from ideopolis.index.run import IndexRun
    from ideopolis.run import Run

__all__ = ["WhatIfResult", "parse_settings", "what_would_move", "whatif"]

#: Relative width of the last bracket (of the span between the value and the set's best).
TOLERANCE = 1e-4
#: Index points above the target score at which a value is close enough to the threshold.
GAP_TOLERANCE = 1e-6
#: Most re-runs per indicator.
MAX_STEPS = 40


def parse_settings(items: list[str] | tuple[str, ...]) -> dict[str, float]:
    """Read ``--set NAME=VALUE`` options.

    Parameters
    ----------
    items : list of str
        ``["ba_plus_share=0.45", "patents_per_100k=30"]``.

    Returns
    -------
    dict of str to float

    Raises
    ------
    ConfigError
        For an item without ``=``, a value that is not a finite number, or a name given twice.

    Examples
    --------
    >>> parse_settings(["ba_plus_share=0.45", "patents_per_100k = 3e1"])
    {'ba_plus_share': 0.45, 'patents_per_100k': 30.0}
    """
    out: dict[str, float] = {}
    for item in items:
        name, sep, text = str(item).partition("=")
        name, text = name.strip(), text.strip()
        if not sep or not name or not text:
            raise ConfigError(f"--set {item!r}: write NAME=VALUE, e.g. --set ba_plus_share=0.45")
        try:
            value = float(text.replace("_", ""))
        except ValueError:
            raise ConfigError(f"--set {item!r}: {text!r} is not a number") from None
        if not np.isfinite(value):
            raise ConfigError(f"--set {item!r}: the value must be a finite number")
        if name in out:
            raise ConfigError(f"--set names {name!r} twice; give each indicator once")
        out[name] = value
    return out


def _check_indicators(run: Run, changes: Mapping[str, float]) -> None:
    from ideopolis.decide.where import unknown_column

    fw = run.index.framework
    for name in changes:
        if name in fw.indicators:
            continue
        meta = run.regions.indicators.get(name) if run.regions is not None else None
        if meta is not None:
            users = [
                m.name
                for m in run.regions.indicators.values()  # type: ignore[union-attr]
                if name in (m.numerator, m.denominator) and m.name in fw.indicators
            ]
            hint = f"; set the indicator it feeds instead: {', '.join(users)}" if users else ""
            raise ConfigError(f"--set {name}: {name!r} is not an indicator of the index{hint}")
        raise unknown_column(name, list(fw.indicators), what="--set")


@dataclass(frozen=True)
class WhatIfResult:
    """What a region's scores and ranks would be with changed raw values.

    Attributes
    ----------
    region, name : str
        The region's id and name.
    changes : pandas.DataFrame
        One row per changed indicator: ``label``, ``unit``, ``before``, ``after``.
    scores : pandas.DataFrame
        One row per aggregate (index first): ``before``, ``after``, ``change``, ``rank_before``,
        ``rank_after`` (ranks among all regions scored).
    typology : tuple of (str or None, str or None)
        The region's type before and after.
    bounds : pandas.DataFrame
        One row per changed indicator: ``min_before``, ``max_before``, ``min_after``, ``max_after`` of the
        values the normalisation step saw (after outlier treatment), ``moved`` (bool), and
        ``others_changed`` (other regions' normalised values changed).
    others_rescored : int
        Other regions whose index score changed (a moved normalisation bound rescales them).
    regions : int
        Regions scored.
    new : IndexRun
        The re-scored run.

    Examples
    --------
    >>> import ideopolis as ideo
    >>> result = ideo.score("tests/data/toy").whatif("01001", ba_share=0.6)
    >>> result.bounds_note()
    'normalisation bounds moved: ba_share [0.2, 0.5] -> [0.2, 0.6]; 3 other region(s) got a different index score'
    """

    region: str
    name: str
    changes: pd.DataFrame
    scores: pd.DataFrame
    typology: tuple[str | None, str | None]
    bounds: pd.DataFrame
    others_rescored: int
    regions: int
    new: IndexRun

    @property
    def rank_before(self) -> int | None:
        """The index rank before the change (``None``: not ranked, its index rests on fewer pillars)."""
        cell: Any = self.scores["rank_before"].iloc[0]
        return None if pd.isna(cell) else int(cell)

    @property
    def rank_after(self) -> int | None:
        """The index rank after the change (``None``: not ranked)."""
        cell: Any = self.scores["rank_after"].iloc[0]
        return None if pd.isna(cell) else int(cell)

    @property
    def bounds_moved(self) -> bool:
        """Whether any normalisation bound moved (other regions' scores changed)."""
        return bool(self.bounds["moved"].any() or self.bounds["others_changed"].any())

    def bounds_note(self) -> str:
        """Say whether the normalisation bounds moved, in one line."""
        moved = self.bounds[self.bounds["moved"] | self.bounds["others_changed"]]
        if moved.empty:
            return "normalisation bounds did not move: no other region's scores changed"
        parts = []
        for ind, row in moved.iterrows():
            if row["moved"]:
                parts.append(
                    f"{ind} [{row['min_before']:.4g}, {row['max_before']:.4g}] -> "
                    f"[{row['min_after']:.4g}, {row['max_after']:.4g}]"
                )
            else:
                parts.append(f"{ind} (its normalisation rescaled every region)")
        return (
            "normalisation bounds moved: "
            + "; ".join(parts)
            + f"; {self.others_rescored:,} other region(s) got a different index score"
        )

    def __str__(self) -> str:
        """The what-if as text (what ``ideopolis whatif`` prints)."""
        from ideopolis.decide.wording import format_measure, rank_text
        from ideopolis.index.explain import format_table

        lines = [f"What if: {self.name} ({self.region})", ""]
        changes = pd.DataFrame(
            {
                "before": [
                    format_measure(v, u) for v, u in zip(self.changes["before"], self.changes["unit"], strict=True)
                ],
                "after": [
                    format_measure(v, u) for v, u in zip(self.changes["after"], self.changes["unit"], strict=True)
                ],
                "unit": self.changes["unit"],
            },
            index=self.changes.index,
        )
        lines += [format_table(changes, max_width=40), ""]
        shown = pd.DataFrame(
            {
                "before": self.scores["before"],
                "after": self.scores["after"],
                "change": self.scores["change"],
                "rank before": [rank_text(r) for r in self.scores["rank_before"]],
                "rank after": [rank_text(r) for r in self.scores["rank_after"]],
            },
            index=self.scores.index,
        )
        lines += [format_table(shown, max_width=40), ""]
        root = self.scores.index[0]
        lines.append(
            f"{root}: {rank_text(self.rank_before)} -> {rank_text(self.rank_after)} of {self.regions:,} "
            f"({self.scores['change'].iloc[0]:+.2f} points)"
        )
        before, after = self.typology
        if before != after:
            lines.append(f"type: {before} -> {after}")
        lines.append(self.bounds_note())
        return "\n".join(lines)

    def __repr__(self) -> str:
        """Short: the region and its index rank before and after."""
        return f"WhatIfResult({self.name} ({self.region}): rank {self.rank_before} -> {self.rank_after})"

    def _repr_html_(self) -> str:
        """The score table (notebooks)."""
        table = self.scores.to_html(float_format=lambda v: f"{v:.2f}", na_rep="-")
        return (
            f"<div><p><strong>What if: {escape(self.name)}</strong></p>{table}<p>{escape(self.bounds_note())}</p></div>"
        )


def _normalise_input(run: IndexRun) -> pd.DataFrame:
    """What the normalisation step saw (the dataset before ``normalised``)."""
    return run._input("normalise")


def whatif(run: Run, region: str, changes: Mapping[str, float]) -> WhatIfResult:
    """Re-score the set with some of a region's raw indicator values changed.

    Parameters
    ----------
    run : Run
        A run (scored if it was not).
    region : str
        An id or (part of) a name.
    changes : mapping of str to float
        Indicator -> new raw value, in the indicator's unit (``{"ba_plus_share": 0.45}``).

    Returns
    -------
    WhatIfResult

    Raises
    ------
    RegionNotFoundError
        For an unknown, ambiguous or unscored region.
    ConfigError
        For no change, a column that is not an indicator of the index (naming the indicator it feeds), or
        a value that is not finite.

    Examples
    --------
    >>> import ideopolis as ideo
    >>> result = ideo.score("tests/data/toy").whatif("01001", ba_share=0.45)
    >>> result.rank_before, result.rank_after, result.bounds_moved
    (5, 3, False)
    """
    if not changes:
        raise ConfigError("a what-if needs at least one change; fix: --set INDICATOR=VALUE")
    for name, value in changes.items():
        if not np.isfinite(float(value)):
            raise ConfigError(f"--set {name}: the value must be a finite number")
    _check_indicators(run, changes)
    old = run.index
    rid = run.find_region(region)
    new = old.with_raw({rid: dict(changes)})
    labels = {c: (old.framework.node(c).label or c) for c in changes}
    units = {c: old.framework.node(c).unit for c in changes}
    changed = pd.DataFrame(
        {
            "label": [labels[c] for c in changes],
            "unit": [units[c] for c in changes],
            "before": old.datasets["raw"].loc[[rid], list(changes)].to_numpy(dtype=float)[0].tolist(),
            "after": [float(v) for v in changes.values()],
        },
        index=pd.Index(list(changes), name="indicator"),
    )
    fw = old.framework
    order = [fw.root, *[n.code for n in fw.nodes if not n.indicator and n.code != fw.root]]
    order = [c for c in order if c in old.scores.columns]
    scores = pd.DataFrame(
        {
            "before": old.scores.loc[rid, order].astype(float),
            "after": new.scores.loc[rid, order].astype(float),
        }
    )
    scores["change"] = scores["after"] - scores["before"]
    scores["rank_before"] = old.ranks.loc[rid, order].astype("Int64")  # missing: a score on fewer pillars
    scores["rank_after"] = new.ranks.loc[rid, order].astype("Int64")
    scores.index.name = "score"
    before_in, after_in = _normalise_input(old), _normalise_input(new)
    others = [i for i in old.indicator_scores.index if i != rid]
    rows = []
    for c in changes:
        b, a = before_in[c], after_in[c]
        moved = not (np.isclose(b.min(), a.min()) and np.isclose(b.max(), a.max()))
        o_before = old.indicator_scores.loc[others, c].to_numpy(dtype=float)
        o_after = new.indicator_scores.loc[others, c].to_numpy(dtype=float)
        rows.append(
            {
                "min_before": float(b.min()),
                "max_before": float(b.max()),
                "min_after": float(a.min()),
                "max_after": float(a.max()),
                "moved": moved,
                "others_changed": not np.allclose(o_before, o_after, equal_nan=True),
            }
        )
    bounds = pd.DataFrame(rows, index=pd.Index(list(changes), name="indicator"))
    index_before = old.scores[fw.root].drop(rid).to_numpy(dtype=float)
    index_after = new.scores[fw.root].drop(rid).reindex(old.scores.index.drop(rid)).to_numpy(dtype=float)
    rescored = int((~np.isclose(index_before, index_after, equal_nan=True)).sum())

    def kind(r: IndexRun) -> str | None:
        t = r.typology
        value = None if t is None else t.get(rid)
        return None if value is None or pd.isna(value) else str(value)

    return WhatIfResult(
        region=rid,
        name=str(old.names.get(rid, rid)) if old.names is not None else rid,
        changes=changed,
        scores=scores,
        typology=(kind(old), kind(new)),
        bounds=bounds,
        others_rescored=rescored,
        regions=int(new.ranks[new.framework.root].notna().sum()),  # ranked: the index rests on every pillar
        new=new,
    )


def _improving_direction(run: IndexRun, code: str) -> int:
    """+1 when raising the raw value raises the index, -1 when lowering it does (direction and reflections)."""
    from ideopolis.index.steps.aggregate import reflected

    fw = run.framework
    flips = sum(reflected(fw, a) for a in fw.ancestors(code))
    return int(fw.node(code).direction) * (-1 if flips % 2 else 1)


def _standing(run: IndexRun, rid: str, target: int) -> tuple[int, float]:
    """The region's index rank, and its gap to the score that ranks ``target``-th among the others.

    ``rank <= target`` exactly when ``gap >= 0``: the rank is one more than the number of other ranked regions
    with a strictly higher score (ties share the lower rank). Ranked regions are those whose index rests on every
    pillar, as in :attr:`ideopolis.index.run.IndexRun.ranks` (all scored ones with ``rank_partial``).
    """
    root = run.framework.root
    scores = run.scores[root]
    own = float(scores.loc[rid])
    if not run.rank_partial:
        scores = scores.where(run.coverage.complete[root].reindex(scores.index, fill_value=False))
    others = np.sort(scores.drop(rid).dropna().to_numpy(dtype=float))[::-1]
    rank = int(1 + (others > own).sum())
    gap = own - float(others[target - 1]) if target - 1 < len(others) else own - float(others[-1])
    return rank, gap


def _standing_at(run: IndexRun, rid: str, code: str, value: float, target: int) -> tuple[int, float]:
    return _standing(run.with_raw({rid: {code: value}}), rid, target)


def _threshold(
    run: IndexRun, rid: str, code: str, x0: float, best: float, target: int, best_standing: tuple[int, float]
) -> tuple[float, int, int]:
    """The smallest move from ``x0`` towards ``best`` that reaches ``target`` (Illinois regula falsi on the gap).

    Returns the value (verified to reach the target), its rank, and the number of re-runs.
    """
    lo, hi = x0, best
    _, f_lo = _standing(run, rid, target)
    rank_hi, f_hi = best_standing
    span = abs(best - x0)
    side = 0
    evaluations = 0
    for _ in range(MAX_STEPS):
        if abs(hi - lo) <= TOLERANCE * span or f_hi <= GAP_TOLERANCE:
            break
        x = hi - f_hi * (hi - lo) / (f_hi - f_lo) if f_hi != f_lo else (lo + hi) / 2
        inner = min(lo, hi) + 0.01 * abs(hi - lo), max(lo, hi) - 0.01 * abs(hi - lo)
        if not inner[0] <= x <= inner[1]:
            x = (lo + hi) / 2
        rank, gap = _standing_at(run, rid, code, x, target)
        evaluations += 1
        if -GAP_TOLERANCE < gap < 0:  # on the threshold, short by rounding: the bracket closes one step on
            lo, f_lo = x, gap
            x = x + (TOLERANCE * span if hi > lo else -TOLERANCE * span) / 2
            rank, gap = _standing_at(run, rid, code, x, target)
            evaluations += 1
        if gap >= 0:
            hi, f_hi, rank_hi = x, gap, rank
            if side == 1:
                f_lo /= 2
            side = 1
        else:
            lo, f_lo = x, gap
            if side == -1:
                f_hi /= 2
            side = -1
    return hi, rank_hi, evaluations


def what_would_move(
    run: Run,
    region: str,
    *,
    places: int | None = None,
    target_rank: int | None = None,
    indicators: list[str] | None = None,
) -> pd.DataFrame:
    """For each indicator alone, the raw value that would lift the region ``places`` places (or to a rank).

    Parameters
    ----------
    run : Run
        A run (scored if it was not).
    region : str
        An id or (part of) a name.
    places : int, optional
        Places to gain on the index (default 5 when ``target_rank`` is not given).
    target_rank : int, optional
        The rank to reach instead (1 = first).
    indicators : list of str, optional
        The indicators to try (default: every indicator of the index).

    Returns
    -------
    pandas.DataFrame
        One row per indicator (index ``indicator``), smallest relative change first: ``label``, ``unit``,
        ``current``, ``needed`` (missing when out of reach), ``change``, ``relative_change`` (of the current
        value), ``share_of_range`` (of the set's range), ``rank_then``, ``best_in_set`` (the best value of any
        region), ``rank_at_best``, ``status`` (``"reaches rank N"``, ``"out of reach: ..."``,
        ``"already the best value in the set"``, ``"no value"``).

    Raises
    ------
    ConfigError
        For both or neither of a sensible ``places``/``target_rank``, or a target the region already has.

    Examples
    --------
    >>> import ideopolis as ideo
    >>> table = ideo.score("tests/data/toy").what_would_move("01001", places=2)
    >>> table.index[0], round(float(table.loc["ba_share", "needed"]), 3), int(table.loc["ba_share", "rank_then"])
    ('ba_share', 0.373, 3)
    """
    from ideopolis.decide.wording import ordinal

    if places is not None and target_rank is not None:
        raise ConfigError("give places (--gain) or a target rank (--target-rank), not both")
    index = run.index
    rid = run.find_region(region)
    root = index.framework.root
    current_cell: Any = index.ranks.at[rid, root]
    if pd.isna(current_cell):
        reason = index.not_ranked_reasons().get(rid, "") or "it has no index score"
        raise ConfigError(
            f"{index.names.get(rid, rid) if index.names is not None else rid} has no rank to move: {reason}"
        )
    current = int(current_cell)
    n_ranked = int(index.ranks[root].notna().sum())
    target = target_rank if target_rank is not None else current - (5 if places is None else int(places))
    if places is not None and places < 1:
        raise ConfigError(f"--gain is {places}; gain 1 place or more")
    if target_rank is not None and not 1 <= target_rank <= n_ranked:
        raise ConfigError(f"--target-rank is {target_rank}; use 1 to {n_ranked:,}")
    target = max(target, 1)
    if current <= target:
        raise ConfigError(
            f"{index.names.get(rid, rid) if index.names is not None else rid} is already {ordinal(current)}; "
            f"fix: ask for a rank above {ordinal(current)}"
        )
    codes = list(index.framework.indicators) if indicators is None else indicators
    _check_indicators(run, dict.fromkeys(codes, 0.0))
    raw = index.datasets["raw"]
    scored = index.scores.index
    rows = []
    for code in codes:
        node = index.framework.node(code)
        cell: Any = raw.at[rid, code]
        x0 = float(cell)
        row: dict[str, Any] = {"label": node.label or code, "unit": node.unit, "current": x0}
        up = _improving_direction(index, code)
        values = raw.loc[scored, code].dropna()
        if np.isnan(x0) or values.empty:
            rows.append({**row, "status": "no value"})
            continue
        best = float(values.max() if up > 0 else values.min())
        row["best_in_set"] = best
        if (best - x0) * up <= 0:
            rows.append({**row, "status": "already the best value in the set"})
            continue
        standing = _standing_at(index, rid, code, best, target)
        rank_best = standing[0]
        row["rank_at_best"] = rank_best
        if rank_best > target:
            rows.append(
                {
                    **row,
                    "status": f"out of reach: the set's best value gives {ordinal(rank_best)}, not {ordinal(target)}",
                }
            )
            continue
        hi, rank_hi, _runs = _threshold(index, rid, code, x0, best, target, standing)
        if bool(np.all(np.mod(values.to_numpy(dtype=float), 1) == 0)):  # a count: whole numbers only
            whole = float(np.ceil(hi - 1e-9) if up > 0 else np.floor(hi + 1e-9))
            if whole != hi:
                rank_whole, _ = _standing_at(index, rid, code, whole, target)
                if rank_whole <= target:
                    hi, rank_hi = whole, rank_whole
        change = hi - x0
        spread = float(values.max() - values.min())
        rows.append(
            {
                **row,
                "needed": hi,
                "change": change,
                "relative_change": abs(change) / abs(x0) if x0 != 0 else np.inf,
                "share_of_range": abs(change) / spread if spread > 0 else np.nan,
                "rank_then": rank_hi,
                "status": f"reaches {ordinal(rank_hi)}",
            }
        )
    columns = [
        "label",
        "unit",
        "current",
        "needed",
        "change",
        "relative_change",
        "share_of_range",
        "rank_then",
        "best_in_set",
        "rank_at_best",
        "status",
    ]
    table = pd.DataFrame(rows, index=pd.Index(codes, name="indicator")).reindex(columns=columns)
    reachable = table["needed"].notna()
    table = pd.concat(
        [
            table[reachable].sort_values(["relative_change", "share_of_range"], kind="stable"),
            table[~reachable],
        ]
    )
    for column in ("rank_then", "rank_at_best"):
        table[column] = table[column].astype("Int64")
    name = str(index.names.get(rid, rid)) if index.names is not None else rid
    table.attrs.update({"region": rid, "name": name, "current_rank": current, "target_rank": target, "of": n_ranked})
    return table
