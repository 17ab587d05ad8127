"""Static maps for print (matplotlib): one layer, its legend, a title, a source line, and insets.

The main body of the region set is drawn in an Albers equal-area projection fitted to it (standard
parallels at one sixth and five sixths of its latitude range, close to EPSG:5070 for the conterminous
US). Every outlying group that has data in the layer, or holds at least 1% of the regions (Alaska, Hawaii
and Puerto Rico for a US set), gets an inset in its own Albers projection, captioned with its state or
country; smaller outlying groups without any data (Guam, American Samoa) are counted in a note instead.
The regions dissolved by their state or country are drawn as outlines above the fill.

Nothing is drawn over the data. The insets go to the first of a few rows (bottom left, bottom right, top
left, top right, largest first) where no shape of the main map lies; the legend goes to the candidate
position (the axes' corners and sides) whose box overlaps the drawn shapes least, measured in pixels on the
drawn figure; when every position would cover a shape, the main map shrinks to leave the legend a margin of
its own. Only classes that hold a region are listed (plus a test's "Not significant").

Every text on the map (title, subtitle, source line, legend, inset captions) may come from the data, so
each is drawn as plain text: matplotlib's mathtext (``$...$``) and TeX are off for every
:class:`~matplotlib.text.Text` of the figure (:func:`plain_text`), and ``Median income between $50k and
$100k`` prints as typed.

Figures are written as PNG, SVG or PDF, chosen by the file's suffix (:func:`save_figure`).
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import shapely
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from numpy.typing import NDArray

from ideopolis.errors import DataFileError
from ideopolis.maps import palettes
from ideopolis.maps.encode import PreparedGeometry
from ideopolis.maps.frame import bounds_of, group_regions
from ideopolis.maps.layers import ClassifiedLayer
from ideopolis.maps.places import place_name
from ideopolis.output import write_bytes

_A = TypeVar("_A", bound=Artist)

#: Outlying regions closer than this (degrees) share an inset (Hawaii's islands; Guam with the Marianas).
INSET_LINK_DISTANCE = 10.0
#: Outlying groups sharing a label (a state) and closer than this (degrees) share an inset.
INSET_MERGE_DISTANCE = 25.0
#: An outlying group without data still gets an inset (hatched) when it holds this share of the regions:
#: Puerto Rico's 78 municipios, not Guam.
MIN_EMPTY_INSET_SHARE = 0.01
#: Most insets drawn; further outlying groups are named in the note.
MAX_INSETS = 6
#: File formats of print maps, by suffix.
FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
#: Where the legend may go on the main map, in order of preference (matplotlib ``loc`` names).
LEGEND_PLACES = (
    "lower right",
    "lower left",
    "upper right",
    "upper left",
    "center right",
    "center left",
    "lower center",
    "upper center",
)
#: Where a row of insets may go on the figure, in order of preference.
INSET_CORNERS = ("lower left", "lower right", "upper left", "upper right")
#: The main map's box on the figure (figure fractions: left, bottom, width, height).
MAIN_BOX = (0.02, 0.1, 0.96, 0.76)
#: Outline of the groups (states, countries) dissolved from the regions.
GROUP_OUTLINE = "#4d4d4d"


def plain_text(fig: _A) -> _A:
    """Turn off mathtext and TeX on every text of ``fig`` (a figure or any artist), so data prints as typed.

    matplotlib reads a string with an even number of unescaped ``$`` as mathtext (a region named
    ``Between $50k and $100k`` would print in italics without its dollars, and an unknown TeX command
    between dollars would fail when the figure is drawn), and ``text.usetex`` (an rcParam a user may have set) hands every string to TeX.

    Parameters
    ----------
    fig : matplotlib.figure.Figure or matplotlib.artist.Artist

    Returns
    -------
    matplotlib.figure.Figure or matplotlib.artist.Artist
        ``fig``, changed in place.
    """
    for text in fig.findobj(Text):
        assert isinstance(text, Text)
        text.set_parse_math(False)
        text.set_usetex(False)
    return fig


@dataclass(frozen=True)
class StaticStyle:
    """Size, resolution and lines of a static map.

    Attributes
    ----------
    width_in, height_in : float
        Figure size in inches.
    dpi : int
        Dots per inch of a PNG (SVG and PDF are vector).
    outline, linewidth : str, float
        Region borders.
    group_linewidth : float
        Width of the state or country outlines.
    """

    width_in: float = 11.0
    height_in: float = 7.5
    dpi: int = 200
    outline: str = "#ffffff"
    linewidth: float = 0.15
    group_linewidth: float = 0.45


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


def _footprint(ax: Axes, drawn: gpd.GeoSeries) -> NDArray[np.object_]:
    """The shapes drawn on ``ax``, in display (figure pixel) coordinates, as the figure stands now."""
    ax.apply_aspect()
    if not len(drawn):
        return np.array([], dtype=object)
    to_display = ax.transData.transform
    return np.asarray(shapely.transform(np.asarray(drawn.array, dtype=object), to_display), dtype=object)


def _covered(footprint: NDArray[np.object_], box: Bbox | shapely.Geometry) -> float:
    """Area (square pixels) of the drawn shapes inside ``box``."""
    if not footprint.size:
        return 0.0
    geom = shapely.box(box.x0, box.y0, box.x1, box.y1) if isinstance(box, Bbox) else box
    tree = shapely.STRtree(footprint)
    hits = tree.query(geom, predicate="intersects")
    if not hits.size:
        return 0.0
    return float(shapely.area(shapely.intersection(footprint[hits], geom)).sum())


def _row(
    corner: str, n: int, width: float, frame: tuple[float, float, float, float]
) -> list[tuple[float, float, float, float]]:
    """``n`` inset boxes of ``width`` (figure fraction) side by side in a corner of the main map's ``frame``."""
    left, bottom, w, h = frame
    height = width
    gap = 0.01
    xs = [left + 0.01 + k * (width + gap) for k in range(n)]
    if corner.endswith("right"):
        xs = [left + w - 0.01 - (n - k) * (width + gap) + gap for k in range(n)]
    y = bottom + 0.01 if corner.startswith("lower") else bottom + h - height - 0.01
    return [(x, y, width, height) for x in xs]


def _to_display(fig: Figure, box: tuple[float, float, float, float]) -> Bbox:
    x, y, w, h = box
    return Bbox.from_bounds(x, y, w, h).transformed(fig.transFigure)


def _inset_boxes(
    fig: Figure,
    footprint: NDArray[np.object_],
    n: int,
    frame: tuple[float, float, float, float],
    *,
    avoid: Sequence[Bbox] = (),
) -> list[tuple[float, float, float, float]] | None:
    """Place ``n`` inset boxes in a row where no shape of the main map lies, and clear of ``avoid``.

    Rows in the corners of :data:`INSET_CORNERS` are tried largest first; ``None`` when no row is clear.
    """
    if n == 0:
        return []
    for width in (0.17, 0.15, 0.13, 0.11, 0.09):
        if n * (width + 0.01) > frame[2] - 0.02:
            continue
        for corner in INSET_CORNERS:
            boxes = _row(corner, n, width, frame)
            shown = [_to_display(fig, b).padded(3) for b in boxes]  # antialiased edges stay off the box
            if any(_covered(footprint, b) > 0 for b in shown):
                continue
            if any(b.overlaps(a) for b in shown for a in avoid):
                continue
            return boxes
    return None


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
    label_kind: str = "",
    names: Sequence[str] | None = None,
    style: StaticStyle | None = None,
) -> Figure:
    """Draw one layer as a print map, with nothing over the data.

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
        A label per region (its state or country): the outlines drawn above the fill, one inset per
        outlying state, and the insets' captions.
    label_kind : str
        What the labels are (``"state"``, ``"country"``): captions then give the name ("Alaska").
    names : sequence of str, optional
        Region names, to caption an inset of one region that has no label.
    style : StaticStyle, optional
        Size, resolution and lines.

    Returns
    -------
    matplotlib.figure.Figure
        Its ``legend_box`` attribute holds the legend's box in figure pixels (the tests check it covers
        no shape).
    """
    import matplotlib

    # The figure is measured while it is built (legend and source boxes): no text made meanwhile may go to
    # TeX, whatever a user's matplotlibrc says; every text is made plain again at the end.
    with matplotlib.rc_context({"text.usetex": False}):
        return _static_map(
            prepared,
            layer,
            title=title,
            subtitle=subtitle,
            source=source,
            labels=labels,
            label_kind=label_kind,
            names=names,
            style=style or StaticStyle(),
        )


def _static_map(
    prepared: PreparedGeometry,
    layer: ClassifiedLayer,
    *,
    title: str,
    subtitle: str,
    source: str,
    labels: Sequence[str | None] | None,
    label_kind: str,
    names: Sequence[str] | None,
    style: StaticStyle,
) -> Figure:
    shapes = prepared.shapes
    groups = prepared.groups
    fig = Figure(figsize=(style.width_in, style.height_in), dpi=style.dpi)
    FigureCanvasAgg(fig)
    fig.patch.set_facecolor("white")
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    insets, not_shown = outlying_insets(prepared, layer, labels=labels)
    frame = _frame_above(fig, renderer, source, not_shown=not_shown)
    main_ax = fig.add_axes(frame)
    main_ax.set_axis_off()
    main_idx = np.flatnonzero(groups.main_mask())
    main_crs = albers_for(prepared.view)
    drawn = _draw(main_ax, shapes, layer, main_idx, main_crs, style)
    if labels is not None:
        _draw_outlines(main_ax, shapes, main_idx, labels, main_crs, style)
    main_ax.set_aspect("equal")

    handles, legend_labels, empty = _legend_entries(layer)
    spec = layer.spec
    legend_title = (spec.card_label or spec.title) + (f"\n{spec.unit}" if spec.unit else "")

    def legend_at(loc: Any, **where: Any) -> Legend:
        legend: Legend = main_ax.legend(
            handles,
            legend_labels,
            title=legend_title,
            loc=loc,
            fontsize=8,
            title_fontsize=9,
            frameon=True,
            framealpha=0.95,
            edgecolor="#cccccc",
            **where,
        )
        legend.get_title().set_horizontalalignment("left")
        plain_text(legend)  # before it is measured: no string from the data may reach mathtext or TeX
        for text, is_empty in zip(legend.get_texts(), empty, strict=True):
            if is_empty:
                text.set_color("#999999")
        return legend

    footprint = _footprint(main_ax, drawn)
    placed: tuple[Legend, list[tuple[float, float, float, float]]] | None = None
    best: tuple[float, str] | None = None
    for loc in LEGEND_PLACES:
        legend = legend_at(loc)
        box = legend.get_window_extent(renderer).padded(4)
        covered = _covered(footprint, box)
        if best is None or covered < best[0]:
            best = (covered, loc)
        if covered > 0:
            continue
        boxes = _inset_boxes(fig, footprint, len(insets), frame, avoid=[box])
        if boxes is not None:
            placed = (legend, boxes)
            break
    if placed is None:
        placed = _reserve_margins(fig, main_ax, drawn, legend_at, renderer, len(insets), frame)
    legend, boxes = placed
    fig.legend_box = legend.get_window_extent(renderer)  # type: ignore[attr-defined]

    for (members, _label), rect in zip(insets, boxes, strict=True):
        ax = fig.add_axes(rect)
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_edgecolor("#bbbbbb")
            spine.set_linewidth(0.6)
        ax.set_facecolor("white")
        mask = np.zeros(len(shapes), dtype=bool)
        mask[members] = True
        crs = albers_for(bounds_of(shapes, mask))
        _draw(ax, shapes, layer, members, crs, style)
        if labels is not None:  # the outlines, as on the main map (they also show pale regions)
            _draw_outlines(ax, shapes, members, labels, crs, style)
        ax.set_aspect("equal")
        ax.margins(0.05)
        caption = _caption(members, labels, label_kind, names)
        ax.set_title(caption, fontsize=8, color="#444444", loc="left", pad=2, parse_math=False, usetex=False)

    fig.text(0.02, 0.955, title, fontsize=16, fontweight="bold", va="top", parse_math=False, usetex=False)
    if subtitle:
        sub = fig.text(0.02, 0.91, subtitle, fontsize=10.5, color="#444444", va="top", parse_math=False, usetex=False)
        sub.set_text(_wrapped(fig, sub, subtitle, max_lines=2))
    return plain_text(fig)  # the legend's texts too


def _legend_entries(layer: ClassifiedLayer) -> tuple[list[Patch], list[str], list[bool]]:
    """Legend swatches and labels: every class (an empty numeric class greyed), then "No data"."""
    handles: list[Patch] = []
    texts: list[str] = []
    empty: list[bool] = []
    for e in layer.legend:
        hollow = e.count == 0
        handles.append(
            Patch(
                facecolor="white" if hollow else e.colour,
                edgecolor="#bbbbbb" if hollow else "#999999",
                linewidth=0.4,
            )
        )
        texts.append(f"{e.label}  ({e.count:,})")
        empty.append(hollow)
    if layer.no_data:
        handles.append(
            Patch(facecolor=palettes.NO_DATA_FILL, edgecolor=palettes.NO_DATA_HATCH, hatch="//////", linewidth=0.4)
        )
        texts.append(f"{layer.spec.no_data_label}  ({layer.no_data:,})")
        empty.append(False)
    return handles, texts, empty


def _reserve_margins(
    fig: Figure,
    main_ax: Axes,
    drawn: gpd.GeoSeries,
    legend_at: object,
    renderer: object,
    n_insets: int,
    frame: tuple[float, float, float, float],
) -> tuple[Legend, list[tuple[float, float, float, float]]]:
    """No place on the map is clear: shrink the map, the legend in a margin on its right, insets below if need be."""
    assert callable(legend_at)
    legend = legend_at("upper left", bbox_to_anchor=(1.0, 1.0))
    width = legend.get_window_extent(renderer).width / fig.bbox.width + 0.02
    left, bottom, w, h = frame
    main_ax.set_position((left, bottom, w - width, h))
    legend = legend_at("upper left", bbox_to_anchor=(1.0, 1.0))
    footprint = _footprint(main_ax, drawn)
    box = legend.get_window_extent(renderer).padded(4)
    boxes = _inset_boxes(fig, footprint, n_insets, frame, avoid=[box])
    if boxes is None:  # a band below the map for the insets
        band = 0.19
        main_ax.set_position((left, bottom + band, w - width, h - band))
        legend = legend_at("upper left", bbox_to_anchor=(1.0, 1.0))
        boxes = [(left + 0.01 + k * (0.15 + 0.01), bottom, 0.15, 0.17) for k in range(n_insets)]
    return legend, boxes


def _wrapped(fig: Figure, text: Text, content: str, *, margin: float = 0.02, max_lines: int | None = None) -> str:
    """``content`` broken into lines that end ``margin`` (a share of the width) short of the figure's right edge.

    matplotlib's own ``wrap=True`` breaks a left-aligned text at the figure's edge itself, so print maps' source
    lines and subtitles ran to the edge. The characters per line follow from the text's measured width, then
    shrink until the widest line fits. With ``max_lines`` the last line ends in an ellipsis.
    """
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    x0 = text.get_window_extent(renderer).x0
    available = fig.bbox.width * (1 - margin) - x0
    text.set_text(content)
    full = text.get_window_extent(renderer).width
    chars = max(20, int(len(content) * available / full)) if full > available else len(content)
    lines = [content]
    for _ in range(12):
        lines = textwrap.wrap(content, chars, break_long_words=True, break_on_hyphens=False) or [""]
        if max_lines is not None and len(lines) > max_lines:
            lines = [
                *lines[: max_lines - 1],
                textwrap.shorten(" ".join(lines[max_lines - 1 :]), chars, placeholder=" …"),
            ]
        text.set_text("\n".join(lines))
        if text.get_window_extent(renderer).width <= available or chars <= 20:
            break
        chars = max(20, int(chars * 0.95))
    return "\n".join(lines)


def _frame_above(fig: Figure, renderer: Any, source: str, *, not_shown: int) -> tuple[float, float, float, float]:
    """Write the source line at the foot of the figure and return the main map's box above it."""
    note = source
    if not_shown:
        note += f" {not_shown:,} outlying regions without data are not shown."
    text = fig.text(
        0.02, 0.025, note.strip(), fontsize=7.5, color="#444444", va="bottom", parse_math=False, usetex=False
    )
    top = 0.025
    if note.strip():
        text.set_text(_wrapped(fig, text, note.strip()))
        top = text.get_window_extent(renderer).y1 / fig.bbox.height
    left, bottom, w, h = MAIN_BOX
    floor = max(bottom, top + 0.015)
    return (left, floor, w, bottom + h - floor)


def _draw_outlines(
    ax: Axes,
    shapes: gpd.GeoSeries,
    idx: NDArray[np.int64],
    labels: Sequence[str | None],
    crs: str,
    style: StaticStyle,
) -> None:
    """Draw the regions ``idx`` dissolved by their labels (states, countries) as lines above the fill."""
    by_group: dict[str | None, list[object]] = {}
    for i in idx:
        geom = shapes.array[i]
        if geom is not None:
            by_group.setdefault(labels[i], []).append(geom)
    if not by_group:
        return
    outlines = [shapely.union_all(np.asarray(geoms, dtype=object)).boundary for geoms in by_group.values()]
    gpd.GeoSeries(outlines, crs=shapes.crs).to_crs(crs).plot(
        ax=ax, color=GROUP_OUTLINE, linewidth=style.group_linewidth, zorder=3
    )
    ax.set_xlabel("")  # geopandas names the projected axes ("Easting [metre]")
    ax.set_ylabel("")


def _caption(
    members: NDArray[np.int64],
    labels: Sequence[str | None] | None,
    kind: str,
    names: Sequence[str] | None,
) -> str:
    """An inset's caption: its states or countries by name, else its regions' names (two at most), else a count."""
    if labels is not None:
        found = sorted({str(labels[int(i)]) for i in members if labels[int(i)]})
        if found and len(found) <= 3:
            return ", ".join(place_name(code, kind) for code in found)
    if names is not None and members.size <= 2:
        return ", ".join(str(names[int(i)]) for i in members)
    return f"{members.size:,} regions"


def save_figure(fig: Figure, path: str | os.PathLike[str]) -> int:
    """Write a figure as PNG, SVG or PDF (by the file's suffix), atomically, and return the size in bytes.

    SVG keeps its texts as text (editable in a drawing program; escaped as XML) and PDF embeds TrueType
    fonts; neither records a creation date, so the same map gives the same file.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : str or path-like
        ``.png``, ``.svg`` or ``.pdf``.

    Returns
    -------
    int

    Raises
    ------
    DataFileError
        For another suffix (checked before anything is drawn or written).
    """
    fmt = check_figure_path(path)
    import matplotlib

    buffer = BytesIO()
    metadata: dict[str, Any] = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}[fmt]
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "ideopolis", "pdf.fonttype": 42}):
        fig.savefig(buffer, format=fmt, dpi=fig.dpi, facecolor="white", metadata=metadata)
    return write_bytes(path, buffer.getvalue())


def check_figure_path(path: str | os.PathLike[str]) -> str:
    """Return the format a print map is written in (``png``, ``svg``, ``pdf``) from the file's suffix.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    str

    Raises
    ------
    DataFileError
        For any other suffix.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise DataFileError(f"{path}: a print map is written as .png, .svg or .pdf; fix: end the file name with one")
    return FORMATS[suffix]


def save_png(fig: Figure, path: str | os.PathLike[str]) -> int:
    """Write a figure as a PNG (or SVG or PDF, by the suffix): :func:`save_figure`."""
    return save_figure(fig, path)
