"""Saying ranks the way people do: "3rd", "15th most exposed", "12th (8th-19th)".

Examples
--------
>>> ordinal(1), ordinal(12), ordinal(22), ordinal(111)
('1st', '12th', '22nd', '111th')
>>> rank_text(12, 8, 19)
'12th (8th–19th)'
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["format_measure", "ordinal", "position_text", "rank_text"]


def ordinal(n: int) -> str:
    """Return ``n`` as an English ordinal: 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 101st.

    Parameters
    ----------
    n : int
        A positive whole number.

    Returns
    -------
    str

    Examples
    --------
    >>> [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 102, 113, 1000)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '102nd', '113th', '1,000th']
    """
    n = int(n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n:,}{suffix}"


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(math.isnan(float(value)))
    except (TypeError, ValueError):
        return True


def rank_text(rank: Any, lo: Any = None, hi: Any = None) -> str:
    """A rank with its interval when there is one: ``"12th (8th–19th)"``; ``"-"`` without a rank.

    Parameters
    ----------
    rank : int or None
        The rank (1 = best).
    lo, hi : int, optional
        The 5% and 95% rank quantiles of an uncertainty analysis.

    Returns
    -------
    str

    Examples
    --------
    >>> rank_text(3), rank_text(3, 2, 5), rank_text(None)
    ('3rd', '3rd (2nd–5th)', '-')
    """
    if _missing(rank):
        return "-"
    text = ordinal(int(rank))
    if not _missing(lo) and not _missing(hi):
        text += f" ({ordinal(int(lo))}–{ordinal(int(hi))})"
    return text


def position_text(rank: int, of: int, *, high: str = "highest", low: str = "lowest") -> str:
    """Say where a value stands, counted from the nearer end: ``"3rd highest"`` or ``"15th lowest"``.

    Parameters
    ----------
    rank : int
        Rank of the value counted from the top (1 = the highest value).
    of : int
        How many regions have a value.
    high, low : str
        Words for the two ends (``"most exposed"``, ``"least exposed"``).

    Returns
    -------
    str

    Examples
    --------
    >>> position_text(3, 925), position_text(911, 925)
    ('3rd highest', '15th lowest')
    >>> position_text(911, 925, high="most exposed", low="least exposed")
    '15th least exposed'
    """
    rank, of = int(rank), int(of)
    if rank <= (of + 1) / 2:
        return f"{ordinal(rank)} {high}"
    return f"{ordinal(of - rank + 1)} {low}"


def format_measure(value: Any, unit: str = "") -> str:
    """Format an indicator value for a reader: shares as percentages, big numbers with separators.

    Parameters
    ----------
    value : float or None
        The value.
    unit : str
        The indicator's unit (``"share of adults 25+"``, ``"% of GDP"``, ``"current US$ per person"``).

    Returns
    -------
    str
        ``"no data"`` for a missing value.

    Examples
    --------
    >>> format_measure(0.3910, "share of adults 25+"), format_measure(61832.55, "US$"), format_measure(2.55, "per 1,000")
    ('39.1%', '61,833', '2.55')
    >>> format_measure(34.4, "% of total employment"), format_measure(None), format_measure(-0.0165, "score")
    ('34.4%', 'no data', '-0.0165')
    >>> format_measure(10.0, "clusters (of 51)"), format_measure(12345.0)
    ('10', '12,345')
    """
    if _missing(value):
        return "no data"
    v = float(value)
    text = str(unit or "").strip().lower()
    if text.startswith("share") and abs(v) <= 1.5:
        return f"{v * 100:.1f}%"
    if text.startswith("%"):
        return f"{v:.1f}%"
    if v.is_integer():
        return f"{int(v):,}"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.3g}"
