"""Static maps for print (matplotlib): one layer, its legend, a title, a source line, and insets.

The main body of the region set is drawn in an Albers equal-area projection fitted to it (standard
parallels at one sixth and five sixths of its latitude range, close to EPSG:5070 for the conterminous
US). Every outlying group that has data in the layer, or holds at least 1% of the regions (Alaska, Hawaii
and Puerto Rico for a US set), gets an inset in its own Albers projection; smaller outlying groups without
any data (Guam, American Samoa) are counted in a note instead.

Every text on the map (title, subtitle, source line, legend, inset captions) may come from the data, so
each is drawn as plain text: matplotlib's mathtext (``$...$``) and TeX are off for every
:class:`~matplotlib.text.Text` of the figure (:func:`plain_text`), and ``Median income between $50k and
$100k`` prints as typed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO

import geopandas as gpd
import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.text import Text
from numpy.typing import NDArray

from ideopolis.maps import palettes
from ideopolis.maps.encode import PreparedGeometry
from ideopolis.maps.frame import bounds_of, group_regions
from ideopolis.maps.layers import ClassifiedLayer
from ideopolis.output import write_bytes

#: Outlying regions closer than this (degrees) share an inset (Hawaii's islands; Guam with the Marianas).
INSET_LINK_DISTANCE = 10.0
#: Outlying groups sharing a label (a state) and closer than this (degrees) share an inset.
INSET_MERGE_DISTANCE = 25.0
#: An outlying group without data still gets an inset (hatched) when it holds this share of the regions:
#: Puerto Rico's 78 municipios, not Guam.
MIN_EMPTY_INSET_SHARE = 0.01
#: Most insets drawn; further outlying groups are named in the note.
MAX_INSETS = 6


def plain_text(fig: Figure) -> Figure:
    """Turn off mathtext and TeX on every text of ``fig``, so strings from the data print as typed.

    matplotlib reads a string with an even number of unescaped ``$`` as mathtext (a region named
    ``Between $50k and $100k`` would print in italics without its dollars, and an unknown TeX command
    between dollars would fail when the figure is drawn), and ``text.usetex`` (an rcParam a user may have set) hands every string to TeX.

    Parameters
    ----------
    fig : matplotlib.figure.Figure

    Returns
    -------
    matplotlib.figure.Figure
        ``fig``, changed in place.
    """
    for text in fig.findobj(Text):
        assert isinstance(text, Text)
        text.set_parse_math(False)
        text.set_usetex(False)
    return fig


@dataclass(frozen=True)
class StaticStyle:
    """Size and lines of a static map."""

    width_in: float = 11.0
    height_in: float = 7.5
    dpi: int = 200
    outline: str = "#ffffff"
    linewidth: float = 0.15


def albers_for(bounds: Sequence[float]) -> str:
    """Return a PROJ string of an Albers equal-area projection fitted to ``bounds`` (degrees).

    Parameters
    ----------
    bounds : sequence of float
        ``(minx, miny, maxx, maxy)`` in longitude/latitude.

    Returns
    -------
    str

    Examples
    --------
    >>> albers_for((-124.7, 24.5, -67.0, 49.4))
    '+proj=aea +lat_0=36.95 +lon_0=-95.85 +lat_1=28.65 +lat_2=45.25 +datum=WGS84 +units=m +no_defs'
    """
    minx, miny, maxx, maxy = bounds
    span = maxy - miny
    lat_1 = miny + span / 6
    lat_2 = maxy - span / 6
    if abs(lat_1 - lat_2) < 1e-6:
        lat_2 = lat_1 + 1
    lon_0 = (minx + maxx) / 2
    lat_0 = (miny + maxy) / 2
    return (
        f"+proj=aea +lat_0={lat_0:.2f} +lon_0={lon_0:.2f} +lat_1={lat_1:.2f} +lat_2={lat_2:.2f} "
        "+datum=WGS84 +units=m +no_defs"
    )


def _colours(layer: ClassifiedLayer, idx: NDArray[np.int64]) -> list[str]:
    return [layer.legend[c].colour if c >= 0 else palettes.NO_DATA_FILL for c in layer.classes[idx]]


def _mid_lon(shapes: gpd.GeoSeries, members: NDArray[np.int64]) -> float:
    mask = np.zeros(len(shapes), dtype=bool)
    mask[members] = True
    minx, _, maxx, _ = bounds_of(shapes, mask)
    return (minx + maxx) / 2


def _draw(
    ax: Axes,
    shapes: gpd.GeoSeries,
    layer: ClassifiedLayer,
    idx: NDArray[np.int64],
    crs: str,
    style: StaticStyle,
) -> gpd.GeoSeries:
    """Draw the regions ``idx`` of ``layer`` on ``ax`` in ``crs``; no-data regions hatched.

    Returns the projected shapes drawn.
    """
    idx = np.array([i for i in idx if shapes.array[i] is not None], dtype=np.int64)
    if idx.size == 0:
        return gpd.GeoSeries([], crs=crs)
    projected = gpd.GeoSeries(shapes.array[idx], crs=shapes.crs).to_crs(crs)
    has_data = layer.classes[idx] >= 0
    if has_data.any():
        projected[has_data].plot(
            ax=ax,
            color=_colours(layer, idx[has_data]),
            edgecolor=style.outline,
            linewidth=style.linewidth,
        )
    if (~has_data).any():
        projected[~has_data].plot(
            ax=ax,
            color=palettes.NO_DATA_FILL,
            edgecolor=palettes.NO_DATA_HATCH,
            linewidth=style.linewidth,
            hatch="//////",
        )
    ax.set_xlabel("")
    ax.set_ylabel("")
    return projected


def _inset_boxes(fig: Figure, main_ax: Axes, drawn: gpd.GeoSeries, n: int) -> list[tuple[float, float, float, float]]:
    """Place ``n`` inset boxes in a row at the bottom left, clear of the main map's shapes.

    The boxes are as large as they can be without covering a shape of the main map; if even small ones
    would, the main map shrinks to free a band below it.
    """
    main_ax.apply_aspect()
    to_data = main_ax.transData.inverted()
    tree = shapely.STRtree(np.asarray(drawn.array, dtype=object)) if len(drawn) else None
    for width in (0.17, 0.15, 0.13, 0.11, 0.09):
        height = width
        boxes = [(0.03 + k * (width + 0.01), 0.11, width, height) for k in range(n)]
        if tree is None:
            return boxes
        clear = True
        for x, y, w, h in boxes:
            (x0, y0), (x1, y1) = to_data.transform(fig.transFigure.transform([(x, y), (x + w, y + h)]))
            if tree.query(shapely.box(x0, y0, x1, y1), predicate="intersects").size:
                clear = False
                break
        if clear:
            return boxes
    main_ax.set_position((0.02, 0.3, 0.96, 0.56))
    return [(0.03 + k * (0.15 + 0.01), 0.1, 0.15, 0.17) for k in range(n)]


def outlying_insets(
    prepared: PreparedGeometry,
    layer: ClassifiedLayer,
    *,
    labels: Sequence[str | None] | None = None,
) -> tuple[list[tuple[NDArray[np.int64], str | None]], int]:
    """Choose the insets of a print map: outlying groups with data (or large ones), west to east.

    Outlying regions within :data:`INSET_LINK_DISTANCE` of each other share an inset; groups that
    share a label (a state, a country) and lie within :data:`INSET_MERGE_DISTANCE` share one too, so
    all of Alaska is one inset and the Caribbean and the Indian Ocean are not.

    Parameters
    ----------
    prepared : PreparedGeometry
        The map's shapes and proximity groups.
    layer : ClassifiedLayer
        The layer drawn (a small group without any data in it gets no inset, only a count in the note).
    labels : sequence of str or None, optional
        A label per region (e.g. its state), in map order.

    Returns
    -------
    (list of (numpy.ndarray, str or None), int)
        The insets (region numbers and a label when all share one) and the number of outlying
        regions left out.
    """
    shapes = prepared.shapes
    groups = prepared.groups
    out_idx = np.flatnonzero(~groups.main_mask() & (groups.labels >= 0))
    if out_idx.size == 0:
        return [], 0
    sub = group_regions(
        gpd.GeoSeries(shapes.array[out_idx], crs=shapes.crs), link_distance=INSET_LINK_DISTANCE, min_share=2.0
    )
    members = [out_idx[sub.labels == g] for g in range(int(sub.labels.max()) + 1)]

    def label_of(m: NDArray[np.int64]) -> str | None:
        if labels is None:
            return None
        found = {labels[i] for i in m if labels[i] is not None}
        return str(found.pop()) if len(found) == 1 else None

    merged = True
    while merged and labels is not None:
        merged = False
        for a in range(len(members)):
            for b in range(a + 1, len(members)):
                la, lb = label_of(members[a]), label_of(members[b])
                if la is None or la != lb:
                    continue
                ha = shapely.convex_hull(shapely.union_all(shapes.array[members[a]]))
                hb = shapely.convex_hull(shapely.union_all(shapes.array[members[b]]))
                if ha.distance(hb) <= INSET_MERGE_DISTANCE:
                    members[a] = np.concatenate([members[a], members[b]])
                    del members[b]
                    merged = True
                    break
            if merged:
                break
    insets: list[tuple[NDArray[np.int64], str | None]] = []
    not_shown = 0
    n_drawn = int((groups.labels >= 0).sum())
    for m in members:
        has_data = bool((layer.classes[m] >= 0).any())
        large = m.size >= MIN_EMPTY_INSET_SHARE * n_drawn
        if (has_data or large) and len(insets) < MAX_INSETS:
            insets.append((m, label_of(m)))
        else:
            not_shown += m.size
    insets.sort(key=lambda item: _mid_lon(shapes, item[0]))  # west to east, as on the globe
    return insets, not_shown


def static_map(
    prepared: PreparedGeometry,
    layer: ClassifiedLayer,
    *,
    title: str,
    subtitle: str = "",
    source: str = "",
    labels: Sequence[str | None] | None = None,
    style: StaticStyle | None = None,
) -> Figure:
    """Draw one layer as a print map.

    Parameters
    ----------
    prepared : PreparedGeometry
        The map's shapes (from :func:`ideopolis.maps.encode.prepare_geometry`).
    layer : ClassifiedLayer
        The classified layer, in the same region order.
    title, subtitle : str
        Printed above the map.
    source : str
        Printed below the map (data vintages and method).
    labels : sequence of str or None, optional
        A label per region (its state or country), used to keep an outlying state in one inset and
        to caption the insets.
    style : StaticStyle, optional
        Size, resolution and outlines.

    Returns
    -------
    matplotlib.figure.Figure
    """
    style = style or StaticStyle()
    shapes = prepared.shapes
    groups = prepared.groups
    fig = Figure(figsize=(style.width_in, style.height_in), dpi=style.dpi)
    fig.patch.set_facecolor("white")
    main_ax = fig.add_axes((0.02, 0.1, 0.96, 0.76))
    main_ax.set_axis_off()
    main_idx = np.flatnonzero(groups.main_mask())
    main_crs = albers_for(prepared.view)
    drawn = _draw(main_ax, shapes, layer, main_idx, main_crs, style)
    main_ax.set_aspect("equal")

    insets, not_shown = outlying_insets(prepared, layer, labels=labels)
    boxes = _inset_boxes(fig, main_ax, drawn, len(insets))
    for (members, label), box in zip(insets, boxes, strict=True):
        ax = fig.add_axes(box)
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_edgecolor("#bbbbbb")
            spine.set_linewidth(0.6)
        ax.set_facecolor("white")
        mask = np.zeros(len(shapes), dtype=bool)
        mask[members] = True
        _draw(ax, shapes, layer, members, albers_for(bounds_of(shapes, mask)), style)
        ax.set_aspect("equal")
        ax.margins(0.05)
        if label:
            ax.set_title(label, fontsize=8, color="#444444", loc="left", pad=2, parse_math=False, usetex=False)

    spec = layer.spec
    handles = [Patch(facecolor=e.colour, edgecolor="#999999", linewidth=0.4) for e in layer.legend]
    legend_labels = [f"{e.label}  ({e.count:,})" for e in layer.legend]
    if layer.no_data:
        handles.append(
            Patch(
                facecolor=palettes.NO_DATA_FILL,
                edgecolor=palettes.NO_DATA_HATCH,
                hatch="//////",
                linewidth=0.4,
            )
        )
        legend_labels.append(f"No data  ({layer.no_data:,})")
    legend_title = spec.title + (f"\n{spec.unit}" if spec.unit else "")
    legend = main_ax.legend(
        handles,
        legend_labels,
        title=legend_title,
        loc="lower right",
        fontsize=8,
        title_fontsize=9,
        frameon=True,
        framealpha=0.95,
        edgecolor="#cccccc",
    )
    legend.get_title().set_horizontalalignment("left")

    fig.text(0.02, 0.955, title, fontsize=16, fontweight="bold", va="top", parse_math=False, usetex=False)
    if subtitle:
        fig.text(0.02, 0.91, subtitle, fontsize=10.5, color="#444444", va="top", parse_math=False, usetex=False)
    note = source
    if not_shown:
        note += f" {not_shown:,} outlying regions without data are not shown."
    fig.text(
        0.02, 0.03, note.strip(), fontsize=7.5, color="#444444", va="bottom", wrap=True, parse_math=False, usetex=False
    )
    return plain_text(fig)  # the legend's texts too


def save_png(fig: Figure, path: str | os.PathLike[str]) -> int:
    """Write a figure as PNG atomically and return the size in bytes.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : str or path-like

    Returns
    -------
    int
    """
    buffer = BytesIO()
    # fixed metadata: the same figure gives the same bytes (matplotlib adds no timestamp to a PNG, but
    # its "Software" line carries the version; the title makes the file say what it shows)
    title = next((t.get_text() for t in fig.texts if t.get_fontweight() == "bold"), "")
    metadata = {"Software": "ideopolis (matplotlib)", "Title": " ".join(title.split())}
    fig.savefig(buffer, format="png", dpi=fig.dpi, facecolor="white", metadata=metadata)
    return write_bytes(path, buffer.getvalue())
