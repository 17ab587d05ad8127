"""The one region lookup: a region by id or by (part of) its name, ignoring case and accents, with suggestions.

Every command that takes a region (``score --explain``, ``clusters REGION``) and the run object
(:meth:`ideopolis.Run.explain`) find it here, so "des moines", "Des Moines" and "19780" find the same metro
everywhere, "ile-de-france" finds "Île-de-France", and a near miss ("Desmoines") is answered with suggestions.

Matching, in order: the exact id; the whole name; the name's start; a whole word run of the name; any part of the
name; then another name of a region (an alias, such as a capital city: "Paris" for Île-de-France). Names and the query
are folded (Unicode NFKD with the accents dropped, lower case, any run of punctuation or spaces as one space),
so ``"St. Louis"`` matches ``"st louis"``. The first rule that finds exactly one region wins; one that finds
several raises an error listing them.

Examples
--------
>>> import pandas as pd
>>> names = pd.Series({"FRL0": "Île-de-France", "ITC4": "Lombardia"})
>>> find_region(names, "ile de france")
'FRL0'
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping, Sequence

import pandas as pd

from ideopolis.errors import RegionSetError

__all__ = ["FOLD_LETTERS", "RegionNotFoundError", "find_region", "fold"]

_SEPARATORS = re.compile(r"[\W_]+", re.UNICODE)
#: Letters that Unicode does not decompose into a base letter and an accent (Łódzkie, Østjylland, ...), and
#: what :func:`fold` makes of them. The map page folds what a reader types with this same table.
FOLD_LETTERS: dict[str, str] = {"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "æ": "ae", "œ": "oe", "þ": "th"}
_BASE_LETTERS = str.maketrans(FOLD_LETTERS)


class RegionNotFoundError(RegionSetError):
    """No region, or more than one, matches what a user typed."""


def fold(text: object) -> str:
    """Fold a name for matching: accents dropped, lower case, punctuation and spaces as single spaces.

    Parameters
    ----------
    text : object
        A name (anything; converted with ``str``).

    Returns
    -------
    str
        The folded text.

    Examples
    --------
    >>> fold("Île-de-France")
    'ile de france'
    >>> fold("  St. Louis, MO-IL ")
    'st louis mo il'
    >>> fold("Łódzkie")
    'lodzkie'
    """
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SEPARATORS.sub(" ", plain.casefold().translate(_BASE_LETTERS)).strip()


def find_region(
    names: pd.Series,
    query: str,
    *,
    set_name: str = "the region set",
    dropped: Sequence[str] | Mapping[str, str] = (),
    aliases: pd.Series | None = None,
) -> str:
    """Return the id of the one region that ``query`` names.

    Parameters
    ----------
    names : pandas.Series
        Region names indexed by region id (str).
    query : str
        An id (``"19780"``), a name or part of one, in any case and with or without accents.
    set_name : str
        How error messages name the set (``"us-metros"``).
    dropped : sequence of str, or mapping of str to str
        Ids of regions that exist but were left out (screened for too little data): named in the error, with
        the reason when given as a mapping (id -> why).
    aliases : pandas.Series, optional
        Other names of regions: index = the alias, values = region ids. Tried, folded alike, when no name
        matches (whole alias first, then its start).

    Returns
    -------
    str
        The region's id.

    Raises
    ------
    RegionNotFoundError
        When nothing matches (with up to three close names as suggestions), when several regions match
        (listing up to ten), or when the region was dropped.

    Examples
    --------
    >>> import pandas as pd
    >>> names = pd.Series({"19780": "Des Moines-West Des Moines, IA", "41940": "San Jose-Sunnyvale-Santa Clara, CA"})
    >>> find_region(names, "des moines")
    '19780'
    >>> find_region(names, "41940")
    '41940'
    >>> find_region(names, "Desmoines")
    Traceback (most recent call last):
    ...
    ideopolis.regions.lookup.RegionNotFoundError: no region 'Desmoines' in the region set (did you mean 'Des Moines-West Des Moines, IA'?); fix: give an id or part of a name
    """
    q = str(query).strip()
    ids = names.index.astype(str)
    if q in ids:
        return q
    if q in dropped:
        why = dropped.get(q, "") if isinstance(dropped, Mapping) else ""
        why = why.removeprefix("screened out: ") or "too little data"
        raise RegionNotFoundError(
            f"region {q!r} of {set_name} was dropped by screening ({why}); "
            "fix: lower the screen threshold (--screen-threshold) to keep it"
        )
    folded_query = fold(q)
    if not folded_query:
        raise RegionNotFoundError(f"an empty region name matches nothing in {set_name}; fix: give an id or a name")
    folded = pd.Series([fold(n) for n in names.astype(str)], index=ids)
    padded = " " + folded + " "
    rules = (
        folded == folded_query,
        folded.str.startswith(folded_query),
        padded.str.contains(f" {folded_query} ", regex=False),
        folded.str.contains(folded_query, regex=False),
    )
    for hits in rules:
        found = ids[hits.to_numpy()]
        if len(found) == 1:
            return str(found[0])
        if len(found) > 1:
            shown = "; ".join(f"{names.iloc[ids.get_loc(i)]} ({i})" for i in found[:10])
            more = f" and {len(found) - 10} more" if len(found) > 10 else ""
            raise RegionNotFoundError(
                f"{query!r} matches {len(found)} regions in {set_name}: {shown}{more}; "
                "fix: give the id or more of the name"
            )
    if aliases is not None and len(aliases):
        folded_aliases = pd.Series([fold(a) for a in aliases.index], index=aliases.to_numpy().astype(str))
        for hits in (folded_aliases == folded_query, folded_aliases.str.startswith(folded_query)):
            found = pd.Index(folded_aliases.index[hits.to_numpy()]).unique()
            found = found[found.isin(ids)]
            if len(found) == 1:
                return str(found[0])
            if len(found) > 1:
                shown = "; ".join(f"{names.iloc[ids.get_loc(i)]} ({i})" for i in found[:10])
                raise RegionNotFoundError(
                    f"{query!r} matches {len(found)} regions in {set_name}: {shown}; fix: give the id or more of the name"
                )
    suggestions = _suggestions(names, folded, folded_query)
    hint = f" (did you mean {', '.join(repr(s) for s in suggestions[:3])}?)" if suggestions else ""
    raise RegionNotFoundError(f"no region {query!r} in {set_name}{hint}; fix: give an id or part of a name")


def _suggestions(names: pd.Series, folded: pd.Series, folded_query: str, n: int = 3) -> list[str]:
    """Names close to the query: whole names, or name starts of the query's length, spaces ignored."""
    squashed_query = folded_query.replace(" ", "")
    scores: list[tuple[float, int]] = []
    for pos, name in enumerate(folded.tolist()):
        squashed = name.replace(" ", "")
        whole = difflib.SequenceMatcher(None, folded_query, name).ratio()
        start = difflib.SequenceMatcher(None, squashed_query, squashed[: len(squashed_query) + 1]).ratio()
        best = max(whole, start)
        if best >= 0.75:
            scores.append((best, pos))
    scores.sort(key=lambda s: (-s[0], s[1]))
    out: list[str] = []
    for _score, pos in scores:
        name = str(names.iloc[pos])
        if name not in out:
            out.append(name)
        if len(out) == n:
            break
    return out
