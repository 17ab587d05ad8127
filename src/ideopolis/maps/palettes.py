"""Colour-blind-safe palettes for map layers, chosen by name.

Sequential and diverging palettes are sampled from matplotlib's colour maps (ColorBrewer's YlGnBu, PuOr,
BrBG, ... and the perceptually uniform viridis and cividis, all readable with the common forms of colour
blindness); categories use the Okabe-Ito palette. "No data" is drawn as a light grey hatch that no palette
uses, and "not significant" (hotspots) as a plain light grey.

Examples
--------
>>> sequential("ylgnbu", 3)
['#c6e9b4', '#1d90c0', '#081d58']
>>> diverging_for_classes([(-2.0, -1.0), (-1.0, 1.0), (1.0, 2.0)], midpoint=0.0, name="puor")[1]
'#e6e6e6'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ideopolis.registry import Registry
from ideopolis.spatial.classes import CLASS_COLOURS, class_colours

#: Okabe & Ito (2008) colour-universal-design palette, black last.
OKABE_ITO: tuple[str, ...] = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#F0E442",  # yellow
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#000000",  # black
)
#: Fill of a region without a value (drawn hatched over this base colour).
NO_DATA_FILL = "#f0f0f0"
#: Hatch line colour of the "no data" style.
NO_DATA_HATCH = "#9e9e9e"
#: Fill of a region tested and found "not significant" (hotspots; from :mod:`ideopolis.spatial.classes`).
NOT_SIGNIFICANT = CLASS_COLOURS["Not significant"]
#: Fill of a region that could not be tested (no neighbours, or only fallback neighbours).
NOT_TESTED = CLASS_COLOURS["No neighbours"]
#: Colour of a diverging class that straddles the midpoint (light grey: visible on a white page).
DIVERGING_CENTRE = "#e6e6e6"
#: Outline of every region.
OUTLINE = "#ffffff"

SEQUENTIAL: Registry[Callable[[int], list[str]]] = Registry("sequential palette")
DIVERGING: Registry[Callable[[int], list[str]]] = Registry("diverging palette")


def _sample(cmap_name: str, n: int, lo: float, hi: float) -> list[str]:
    from matplotlib import colormaps  # imported on first use: the CLI's start-up must not pay for it
    from matplotlib.colors import to_hex

    cmap = colormaps[cmap_name]
    if n == 1:
        return [to_hex(cmap((lo + hi) / 2))]
    return [to_hex(cmap(x)) for x in np.linspace(lo, hi, n)]


def _register_sequential(name: str, cmap_name: str, lo: float, hi: float) -> None:
    def palette(n: int) -> list[str]:
        return _sample(cmap_name, n, lo, hi)

    palette.__doc__ = f"{cmap_name} sequential palette, light to dark."
    SEQUENTIAL.register(name)(palette)


def _register_diverging(name: str, cmap_name: str) -> None:
    def palette(n: int) -> list[str]:
        return _sample(cmap_name, n, 0.0, 1.0) if n > 1 else ["#f7f7f7"]

    palette.__doc__ = f"{cmap_name} diverging palette (an odd ``n`` has a light centre)."
    DIVERGING.register(name)(palette)


# The lightest end of ColorBrewer ramps is near white; starting a little in keeps the first class
# distinct from the page and from the "no data" hatch.
for _name, _cmap, _lo, _hi in (
    ("ylgnbu", "YlGnBu", 0.25, 1.0),
    ("blues", "Blues", 0.2, 1.0),
    ("purples", "Purples", 0.2, 1.0),
    ("greens", "Greens", 0.2, 1.0),
    ("oranges", "Oranges", 0.2, 1.0),
    ("viridis", "viridis_r", 0.0, 0.95),
    ("cividis", "cividis_r", 0.0, 1.0),
):
    _register_sequential(_name, _cmap, _lo, _hi)
for _name, _cmap in (("puor", "PuOr"), ("brbg", "BrBG"), ("rdbu", "RdBu"), ("piyg", "PiYG")):
    _register_diverging(_name, _cmap)

DEFAULT_SEQUENTIAL = "ylgnbu"
DEFAULT_DIVERGING = "puor"


def sequential(name: str, n: int) -> list[str]:
    """Return ``n`` colours of a sequential palette, light to dark.

    Parameters
    ----------
    name : str
        A name from :data:`SEQUENTIAL` (``"ylgnbu"``, ``"viridis"``, ``"cividis"``, ...).
    n : int
        Number of classes.

    Returns
    -------
    list of str
        Hex colours, lowest class first.
    """
    return SEQUENTIAL.get(name)(n)


def diverging_for_classes(
    bounds: Sequence[tuple[float, float]], *, midpoint: float, name: str = DEFAULT_DIVERGING
) -> list[str]:
    """Colour classes of a diverging variable so that colour says "below" or "above" the midpoint.

    Classes entirely below the midpoint take the low side of the palette, classes entirely above it the
    high side, each darker the further it lies from the midpoint; a class that straddles the midpoint
    takes the light centre. The two sides use the same steps, so equal darkness means equal rank of
    distance on either side.

    Parameters
    ----------
    bounds : sequence of (float, float)
        Lower and upper bound of each class, in increasing order.
    midpoint : float
        The value that separates the two sides (0 for a balance).
    name : str, default "puor"
        A name from :data:`DIVERGING`.

    Returns
    -------
    list of str
        One hex colour per class.
    """
    below = [i for i, (_, hi) in enumerate(bounds) if hi <= midpoint]
    above = [i for i, (lo, _) in enumerate(bounds) if lo >= midpoint and i not in below]
    side = max(len(below), len(above), 1)
    ramp = DIVERGING.get(name)(2 * side + 1)
    ramp[side] = DIVERGING_CENTRE
    colours = [ramp[side]] * len(bounds)
    for step, i in enumerate(reversed(below), start=1):
        colours[i] = ramp[side - step]
    for step, i in enumerate(above, start=1):
        colours[i] = ramp[side + step]
    return colours


def categorical(n: int) -> list[str]:
    """Return ``n`` Okabe-Ito colours (cycled past eight).

    Parameters
    ----------
    n : int
        Number of categories.

    Returns
    -------
    list of str
        Hex colours.
    """
    return [OKABE_ITO[i % len(OKABE_ITO)] for i in range(n)]


def hotspot_colours(labels: Sequence[str]) -> list[str]:
    """Colour hotspot classes: reds for hot spots, blues for cold spots, grey for "not significant".

    The colours are those of :data:`ideopolis.spatial.classes.CLASS_COLOURS` (defined once for tables, HTML
    and PNG maps); any other label gets an Okabe-Ito colour.

    Parameters
    ----------
    labels : sequence of str
        Class labels, in legend order.

    Returns
    -------
    list of str
        One hex colour per label.
    """
    return class_colours(labels, other=OKABE_ITO)


#: Colours of the rank-stability classes: an ordered ramp from a dark blue-green (stable) to a light orange
#: (volatile), readable with colour-vision deficiencies (cividis-like end points, no red-green contrast).
STABILITY_COLOURS = {"stable": "#1b7a6e", "moderate": "#8fc1b5", "volatile": "#f1a340"}


def stability_colours(labels: Sequence[str]) -> list[str]:
    """Colour rank-stability classes (``stable``, ``moderate``, ``volatile``); other labels get Okabe-Ito colours.

    Parameters
    ----------
    labels : sequence of str
        Class labels, in legend order.

    Returns
    -------
    list of str
        One hex colour per label.

    Examples
    --------
    >>> stability_colours(["stable", "volatile"])
    ['#1b7a6e', '#f1a340']
    """
    return [STABILITY_COLOURS.get(label, OKABE_ITO[i % len(OKABE_ITO)]) for i, label in enumerate(labels)]
