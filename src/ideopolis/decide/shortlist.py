"""A shortlist of a run: which regions it keeps, how it ranks them, and how that is said.

:meth:`ideopolis.Run.where` and :meth:`ideopolis.Run.subset` return a run that shows only the shortlist (its
tables, top list, map and exports). The scores are the whole set's: a shortlist never re-normalises. Ranks are
either the *national* ones (a region's standing among every region of the set, the default) or re-counted
*within* the shortlist; every output says which (:meth:`Selection.describe`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ideopolis.errors import ConfigError

__all__ = ["RANK_MODES", "Selection", "check_ranks"]

#: How a shortlist ranks: among every region of the set, or among the shortlist only.
RANK_MODES = ("national", "within")


def check_ranks(ranks: str) -> str:
    """Return ``ranks`` if it is a rank mode, else raise a one-line error.

    Parameters
    ----------
    ranks : str
        ``"national"`` or ``"within"``.

    Returns
    -------
    str

    Raises
    ------
    ConfigError
        For another value.

    Examples
    --------
    >>> check_ranks("within")
    'within'
    """
    if ranks not in RANK_MODES:
        raise ConfigError(f"ranks (--ranks) is {ranks!r}; use one of: {', '.join(RANK_MODES)}")
    return ranks


@dataclass(frozen=True)
class Selection:
    """The regions a shortlist keeps and how it ranks them.

    Attributes
    ----------
    ids : tuple of str
        The regions kept, in the set's order.
    ranks : {"national", "within"}
        National ranks (among every region scored) or ranks within the shortlist.
    expression : str or None
        The ``--where`` expression, or ``None`` for a list of regions (:meth:`ideopolis.Run.subset`).
    of : int
        Regions the expression was tested on (the whole set).
    unknown : int
        Regions left out because a column the expression reads has no value for them.
    """

    ids: tuple[str, ...]
    ranks: str = "national"
    expression: str | None = None
    of: int = 0
    unknown: int = 0

    def describe(self, scored: int | None = None) -> str:
        """Say what the shortlist is and how it ranks, in one line.

        Parameters
        ----------
        scored : int, optional
            Regions scored in the whole set (the "of" of a national rank).

        Returns
        -------
        str

        Examples
        --------
        >>> Selection(("a", "b"), "within", "population >= 250000", of=935).describe()
        "2 of 935 regions match --where 'population >= 250000'; ranks are within these 2"
        >>> Selection(("a", "b"), "national", None, of=935).describe(925)
        '2 of 935 regions chosen; ranks are national (among all 925 scored)'
        """
        what = f"match --where {self.expression!r}" if self.expression is not None else "chosen"
        head = f"{len(self.ids):,} of {self.of:,} regions {what}"
        if self.unknown:
            head += f" ({self.unknown:,} left out: no value for a column the expression reads)"
        if self.ranks == "within":
            return f"{head}; ranks are within these {len(self.ids):,}"
        among = f" (among all {scored:,} scored)" if scored is not None else ""
        return f"{head}; ranks are national{among}"

    def log(self) -> dict[str, object]:
        """The ``[shortlist]`` table of a run log (replays with ``--profile``)."""
        if self.expression is not None:
            return {"where": self.expression, "ranks": self.ranks}
        return {"ids": list(self.ids), "ranks": self.ranks}
