"""A minimal static map for ``hotspots --png`` and ``clusters --png``.

Stop-gap until the general static-map renderer of :mod:`ideopolis.maps` is on main: categories filled with
given colours, a legend, a title and a methods/source line, drawn with matplotlib (imported only here). The
frame is fitted to the bulk of the regions (1st to 99th percentile of their points), so far-flung regions
(Alaska, Hawaii, Puerto Rico for US sets) can fall outside it; the caption says how many.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ideopolis.io import write_atomic
from ideopolis.spatial import region_points

_OUTSIDE_COLOUR = "#ffffff"


def category_map_png(
    geometry: gpd.GeoDataFrame,
    categories: pd.Series,
    colours: Mapping[str, str],
    order: Sequence[str],
    *,
    title: str,
    note: str,
    path: Path,
    outline: pd.Series | None = None,
) -> Path:
    """Draw regions filled by category and write a PNG atomically.

    Parameters
    ----------
    geometry : geopandas.GeoDataFrame
        Region shapes (EPSG:4326), indexed by id.
    categories : pandas.Series
        Category label by region id (missing: drawn white).
    colours : mapping
        Fill colour per label.
    order : sequence of str
        Legend order; labels with no region are left out of the legend.
    title, note : str
        Title above the map; methods and source line below it.
    path : Path
        Where to write the PNG.
    outline : pandas.Series of bool, optional
        Regions to outline in black (e.g. strong clusters).

    Returns
    -------
    Path
        ``path``.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.patches import Patch

    shapes = geometry.geometry[~geometry.geometry.is_empty & geometry.geometry.notna()]
    labels = categories.reindex(shapes.index)
    fill = labels.map(lambda c: colours.get(c, _OUTSIDE_COLOUR) if isinstance(c, str) else _OUTSIDE_COLOUR)

    points, metric = region_points(shapes)
    if metric == "sphere":
        lon = np.degrees(np.arctan2(points[:, 1], points[:, 0]))
        lat = np.degrees(np.arcsin(np.clip(points[:, 2], -1, 1)))
    else:
        lon, lat = points[:, 0], points[:, 1]
    x0, x1 = np.nanpercentile(lon, [1, 99])
    y0, y1 = np.nanpercentile(lat, [1, 99])
    pad_x, pad_y = 0.06 * (x1 - x0 or 1), 0.06 * (y1 - y0 or 1)
    x0, x1, y0, y1 = x0 - pad_x, x1 + pad_x, y0 - pad_y, y1 + pad_y
    outside = int(((lon < x0) | (lon > x1) | (lat < y0) | (lat > y1)).sum())

    fig, ax = plt.subplots(figsize=(11, 7.5), dpi=150)
    frame = gpd.GeoDataFrame({"fill": fill.to_numpy()}, geometry=shapes.to_numpy(), crs=shapes.crs)
    frame.plot(ax=ax, color=frame["fill"], edgecolor="#9e9e9e", linewidth=0.15)
    if outline is not None:
        strong = outline.reindex(shapes.index).fillna(False).astype(bool).to_numpy()
        if strong.any():
            frame[strong].plot(ax=ax, facecolor="none", edgecolor="#000000", linewidth=0.6)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    if metric == "sphere":
        ax.set_aspect(1 / max(np.cos(np.radians((y0 + y1) / 2)), 0.2))
    ax.set_axis_off()
    counts = labels.value_counts()
    handles = [
        Patch(facecolor=colours.get(c, _OUTSIDE_COLOUR), edgecolor="#9e9e9e", label=f"{c} ({counts[c]:,})")
        for c in order
        if c in counts.index
    ]
    if outline is not None:
        handles.append(Patch(facecolor="none", edgecolor="#000000", label="strong cluster"))
    ax.legend(handles=handles, loc="lower left", fontsize=7, frameon=True, framealpha=0.9)
    ax.set_title("\n".join(textwrap.wrap(title, 110)), fontsize=11, loc="left")
    caption = note
    if outside:
        caption += f" {outside:,} regions lie outside this frame (see the interactive map)."
    fig.text(0.01, 0.01, "\n".join(textwrap.wrap(caption, 170)), fontsize=6.5, va="bottom", ha="left")
    fig.subplots_adjust(left=0.01, right=0.99, top=0.94, bottom=0.09)

    def write(tmp: Path) -> None:
        fig.savefig(tmp, format="png")

    try:
        return write_atomic(path, write)
    finally:
        plt.close(fig)
