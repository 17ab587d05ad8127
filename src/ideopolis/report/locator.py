"""A small locator map as inline SVG: where the region is, in its country (or its neighbourhood).

The frame is the set's main body (regions whose centre lies within the 5th-95th percentile box of all
centres, widened by a quarter of its size: the contiguous US for the US sets, continental Europe for NUTS),
or, for a region outside it (Alaska, Hawaii, the Canaries), the regions within 600 km of it. Shapes are
projected with a Lambert azimuthal equal-area projection centred on the frame, simplified to about half a
pixel, and drawn as SVG paths: the context dissolved by state or country (so its outlines show), the region
in the accent colour with a ring around it when it is too small to see. The SVG holds only numbers and fixed
class names, never a string from the data, so it can be placed in a page as it is.

Examples
--------
>>> import ideopolis as ideo
>>> svg = locator_svg(ideo.load_regions("tests/data/toy"), "01003")
>>> svg.startswith("<svg") and 'class="region"' in svg
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["LocatorFrame", "locator_frame", "locator_svg"]

#: Radius (km) of the neighbourhood drawn around a region outside the set's main body.
NEIGHBOURHOOD_KM = 600.0


def _path(geom: Any, transform: Any) -> str:
    """SVG path data of a (multi)polygon, through ``transform(x, y) -> (px, py)``."""
    polygons = list(getattr(geom, "geoms", [geom]))
    parts: list[str] = []
    for polygon in polygons:
        if polygon.is_empty or polygon.geom_type != "Polygon":
            continue
        for ring in (polygon.exterior, *polygon.interiors):
            xy = np.asarray(ring.coords)
            if len(xy) < 3:
                continue
            px, py = transform(xy[:, 0], xy[:, 1])
            pts = " ".join(f"{a:.1f} {b:.1f}" for a, b in zip(px, py, strict=True))
            parts.append(f"M{pts}Z")
    return "".join(parts)


def _frame(centres: pd.DataFrame, rid: str) -> pd.Index:
    """The regions to draw: the set's main body, or the region's neighbourhood when it lies outside it."""
    lon, lat = centres["lon"], centres["lat"]
    lo_x, hi_x = lon.quantile([0.05, 0.95])
    lo_y, hi_y = lat.quantile([0.05, 0.95])
    pad_x, pad_y = (hi_x - lo_x) / 4, (hi_y - lo_y) / 4
    inside = lon.between(lo_x - pad_x, hi_x + pad_x) & lat.between(lo_y - pad_y, hi_y + pad_y)
    if bool(inside.get(rid, False)):
        return centres.index[inside.to_numpy()]
    lon0, lat0 = math.radians(float(lon[rid])), math.radians(float(lat[rid]))
    lon_r, lat_r = np.radians(lon.to_numpy()), np.radians(lat.to_numpy())
    a = np.sin((lat_r - lat0) / 2) ** 2 + np.cos(lat0) * np.cos(lat_r) * np.sin((lon_r - lon0) / 2) ** 2
    km = 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
    return centres.index[km <= NEIGHBOURHOOD_KM]


@dataclass(frozen=True)
class LocatorFrame:
    """What a locator map draws, projected (metres, Lambert azimuthal equal-area centred on the frame).

    Attributes
    ----------
    context : list
        The context shapes (dissolved by state or country when the set has one), simplified.
    region : shapely geometry
        The region.
    bounds : tuple of float
        ``(minx, miny, maxx, maxy)`` of the context.
    """

    context: list[Any]
    region: Any
    bounds: tuple[float, float, float, float]


def locator_frame(
    rs: Any, rid: str, *, tolerance_px: float = 0.8, width: int = 360, group: str | None = None
) -> LocatorFrame | None:
    """Choose, project and simplify what a locator map of ``rid`` draws.

    Parameters
    ----------
    rs : RegionSet
        A set with geometry.
    rid : str
        The region's id.
    tolerance_px : float
        Simplification tolerance in pixels of a drawing ``width`` wide.
    width : int
        The drawing's width in pixels.
    group : str, optional
        The group column to dissolve the context by (default ``state``, else ``country``, else none).

    Returns
    -------
    LocatorFrame or None
        ``None`` for a set without geometry or a region without a shape.
    """
    import geopandas as gpd

    if rs.geometry is None or rid not in rs.geometry.index:
        return None
    shapes = rs.geometry.geometry[rs.geometry.geometry.notna() & ~rs.geometry.geometry.is_empty]
    if rid not in shapes.index:
        return None
    points = shapes.representative_point()
    centres = pd.DataFrame({"lon": points.x, "lat": points.y}, index=shapes.index)
    chosen = _frame(centres, rid)
    frame = shapes.loc[chosen]
    lon_c = float(centres.loc[chosen, "lon"].median())
    lat_c = float(centres.loc[chosen, "lat"].median())
    crs = f"+proj=laea +lat_0={lat_c:.4f} +lon_0={lon_c:.4f} +datum=WGS84 +units=m +no_defs"
    projected = gpd.GeoSeries(frame, crs=rs.geometry.crs).to_crs(crs)
    minx, miny, maxx, maxy = (float(v) for v in projected.total_bounds)
    tolerance = tolerance_px * max(maxx - minx, maxy - miny, 1.0) / width
    simple = projected.simplify(tolerance, preserve_topology=True)
    key = group
    if key is None:
        key = next((c for c in ("state", "country") if c in rs.groups.columns), None)
    if key is not None:
        grouped = gpd.GeoDataFrame(
            {"g": rs.groups[key].reindex(simple.index).fillna("").astype(str).to_numpy()},
            geometry=simple.buffer(
                tolerance
            ).to_numpy(),  # closes the hairlines simplification opens between neighbours
            crs=crs,
        )
        context = list(grouped.dissolve(by="g").geometry.simplify(tolerance, preserve_topology=True))
    else:
        context = list(simple)
    return LocatorFrame(context, simple.loc[rid], (minx, miny, maxx, maxy))


def locator_svg(rs: Any, rid: str, *, width: int = 360, height: int = 240, group: str | None = None) -> str:
    """Draw where region ``rid`` is as a small SVG map.

    Parameters
    ----------
    rs : RegionSet
        A set with geometry.
    rid : str
        The region's id.
    width, height : int
        The drawing's size in pixels (the SVG scales to its box).
    group : str, optional
        The group column to dissolve the context by (default ``state``, else ``country``, else none).

    Returns
    -------
    str
        ``<svg>`` markup with numbers and fixed class names only (``context``, ``region``, ``ring``); an empty
        string for a set without geometry.
    """
    frame = locator_frame(rs, rid, width=width, group=group)
    if frame is None:
        return ""
    minx, miny, maxx, maxy = frame.bounds
    scale = min((width - 8) / max(maxx - minx, 1.0), (height - 8) / max(maxy - miny, 1.0))
    off_x = (width - (maxx - minx) * scale) / 2
    off_y = (height - (maxy - miny) * scale) / 2

    def transform(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return off_x + (x - minx) * scale, height - (off_y + (y - miny) * scale)

    region = frame.region
    bx0, by0, bx1, by1 = region.bounds
    (px0, px1), (py1, py0) = transform(np.array([bx0, bx1]), np.array([by0, by1]))
    size = max(abs(px1 - px0), abs(py1 - py0))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        *(f'<path class="context" d="{d}"/>' for geom in frame.context if (d := _path(geom, transform))),
        f'<path class="region" d="{_path(region, transform)}"/>',
    ]
    if size < 14:
        cx, cy = (px0 + px1) / 2, (py0 + py1) / 2
        parts.append(f'<circle class="ring" cx="{cx:.1f}" cy="{cy:.1f}" r="{max(9.0, size / 2 + 5):.1f}"/>')
    parts.append("</svg>")
    return "".join(parts)
