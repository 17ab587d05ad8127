"""Hotspot classes: their labels, legend order, colours and meaning, defined once.

Every table (``cls`` column), HTML legend and PNG legend takes its classes and colours from here, so a class
is spelled and coloured the same wherever a user meets it. Gi* classes follow the 99/95/90% confidence
convention of ArcGIS's Hot Spot Analysis (Getis-Ord Gi*); the LISA quadrants follow esda's
``Moran_Local`` (Anselin 1995): High-High, Low-Low (clusters), High-Low, Low-High (outliers). Colours are
ColorBrewer's RdBu (hot red, cold blue, darker = more confident) and a plain light grey for
"Not significant".

Examples
--------
>>> from ideopolis.spatial.classes import CLASS_COLOURS, GI_STAR_LEGEND
>>> GI_STAR_LEGEND[:3]
('Hot spot 99%', 'Hot spot 95%', 'Hot spot 90%')
>>> CLASS_COLOURS["Not significant"]
'#d9d9d9'
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "CLASS_COLOURS",
    "CLASS_MEANINGS",
    "FALLBACK_ONLY",
    "GI_STAR_CLASSES",
    "GI_STAR_LEGEND",
    "LISA_CLASSES",
    "LISA_LEGEND",
    "NOT_SIGNIFICANT",
    "NO_DATA",
    "NO_NEIGHBOURS",
    "UNTESTED_CLASSES",
    "class_colours",
    "legend_order",
]

NOT_SIGNIFICANT = "Not significant"
FALLBACK_ONLY = "Fallback neighbours only"
NO_NEIGHBOURS = "No neighbours"
NO_DATA = "No data"

#: Gi* classes as tables list them (hot, then cold, by confidence), then "Not significant".
GI_STAR_CLASSES = (
    "Hot spot 99%",
    "Hot spot 95%",
    "Hot spot 90%",
    "Cold spot 99%",
    "Cold spot 95%",
    "Cold spot 90%",
    NOT_SIGNIFICANT,
)
#: Local Moran (LISA) classes: the four quadrants, then "Not significant".
LISA_CLASSES = ("High-High", "Low-Low", "High-Low", "Low-High", NOT_SIGNIFICANT)
#: Classes of regions that were not tested (shown, never called significant).
UNTESTED_CLASSES = (FALLBACK_ONLY, NO_NEIGHBOURS, NO_DATA)

#: Gi* classes in legend order: a diverging scale from the hottest to the coldest.
GI_STAR_LEGEND = (
    "Hot spot 99%",
    "Hot spot 95%",
    "Hot spot 90%",
    NOT_SIGNIFICANT,
    "Cold spot 90%",
    "Cold spot 95%",
    "Cold spot 99%",
)
#: LISA classes in legend order.
LISA_LEGEND = LISA_CLASSES

CLASS_COLOURS: dict[str, str] = {
    "Hot spot 99%": "#b2182b",
    "Hot spot 95%": "#ef8a62",
    "Hot spot 90%": "#fddbc7",
    "Cold spot 99%": "#2166ac",
    "Cold spot 95%": "#67a9cf",
    "Cold spot 90%": "#d1e5f0",
    "High-High": "#d7191c",
    "Low-Low": "#2c7bb6",
    "High-Low": "#fdae61",
    "Low-High": "#abd9e9",
    NOT_SIGNIFICANT: "#d9d9d9",
    FALLBACK_ONLY: "#efefef",
    NO_NEIGHBOURS: "#efefef",
    NO_DATA: "#f0f0f0",
}
"""Fill colour of every class (ColorBrewer RdBu for Gi*; grey for "Not significant"; light grey untested)."""

CLASS_MEANINGS: dict[str, str] = {
    "Hot spot 99%": "high values surrounded by high values; significant at 99% confidence after the correction, even allowing for Monte Carlo error",
    "Hot spot 95%": "high values surrounded by high values; significant at 95% confidence after the correction, even allowing for Monte Carlo error",
    "Hot spot 90%": "high values surrounded by high values; significant at 90% confidence after the correction, even allowing for Monte Carlo error",
    "Cold spot 99%": "low values surrounded by low values; significant at 99% confidence after the correction, even allowing for Monte Carlo error",
    "Cold spot 95%": "low values surrounded by low values; significant at 95% confidence after the correction, even allowing for Monte Carlo error",
    "Cold spot 90%": "low values surrounded by low values; significant at 90% confidence after the correction, even allowing for Monte Carlo error",
    "High-High": "a high value among high neighbours (a cluster)",
    "Low-Low": "a low value among low neighbours (a cluster)",
    "High-Low": "a high value among low neighbours (an outlier)",
    "Low-High": "a low value among high neighbours (an outlier)",
    NOT_SIGNIFICANT: (
        "tested; the pattern could be chance, or its p-value could not be told from the cut-off within its "
        "Monte Carlo error (undetermined)"
    ),
    FALLBACK_ONLY: "no bordering region: tested against the nearest ones only, never called significant",
    NO_NEIGHBOURS: "no neighbour at all: not tested",
    NO_DATA: "no value: not tested",
}
"""One line on what each class means (legends, tooltips, the methods note)."""


def legend_order(statistic: str) -> tuple[str, ...]:
    """Return the classes of a statistic in legend order.

    Parameters
    ----------
    statistic : str
        ``"gi_star"`` or ``"local_moran"``.

    Returns
    -------
    tuple of str
        Tested classes, legend order (untested classes are not included).

    Raises
    ------
    KeyError
        For any other statistic.

    Examples
    --------
    >>> legend_order("local_moran")
    ('High-High', 'Low-Low', 'High-Low', 'Low-High', 'Not significant')
    """
    return {"gi_star": GI_STAR_LEGEND, "local_moran": LISA_LEGEND}[statistic]


def class_colours(labels: Sequence[str], *, other: Sequence[str] = ("#777777",)) -> list[str]:
    """Return the fill colour of each hotspot class label.

    Parameters
    ----------
    labels : sequence of str
        Class labels (any order).
    other : sequence of str
        Colours given in turn to labels that are not hotspot classes.

    Returns
    -------
    list of str
        One hex colour per label.

    Examples
    --------
    >>> class_colours(["Hot spot 99%", "Not significant"])
    ['#b2182b', '#d9d9d9']
    """
    spare = iter(other)
    return [CLASS_COLOURS.get(label) or next(spare, other[-1]) for label in labels]
