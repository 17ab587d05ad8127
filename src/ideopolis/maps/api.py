"""Maps of a region set's results: from a region set plus scores to the map inputs, the page and the PNG.

This is the layer the CLI calls. It takes the region set (shapes, names, indicator metadata, sources)
and the results as plain tables (scores, ranks, typology, hotspot classes), so it can be used and
tested without running the engine.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import pandas as pd

from ideopolis.errors import ConfigError, RegionSetError
from ideopolis.maps.interactive import MapInputs, PopupField, RegionMap, interactive_map, prepare_map
from ideopolis.maps.layers import HOTSPOT_ORDER, SCHEMES, MapLayer, standard_layers
from ideopolis.maps.static import save_png, static_map

#: Method line used when the caller gives none.
DEFAULT_METHOD = "composite index of normalised indicators (OECD/JRC composite-indicator method)"
_SCHEME_WORDS = {
    "quantiles": "quantiles",
    "natural_breaks": "natural breaks",
    "equal_interval": "equal intervals",
    "user_defined": "user-defined bins",
}


class RegionSetLike(Protocol):
    """What a map reads from a region set (:class:`ideopolis.regions.model.RegionSet`)."""

    @property
    def name(self) -> str:
        """Short name of the set."""

    @property
    def title(self) -> str:
        """Title of the set."""

    @property
    def names(self) -> pd.Series:
        """Region names by id."""

    @property
    def data(self) -> pd.DataFrame:
        """Indicator values by id."""

    @property
    def geometry(self) -> gpd.GeoDataFrame | gpd.GeoSeries | None:
        """Region shapes by id."""

    @property
    def indicators(self) -> Mapping[str, Any]:
        """Indicator metadata by column."""

    @property
    def manifest(self) -> Any:
        """The manifest (sources, id column)."""


@dataclass(frozen=True)
class MapOptions:
    """How to classify and draw the layers of a map.

    Attributes
    ----------
    scheme : str
        Classification scheme of the numeric layers (``quantiles``, ``natural_breaks``,
        ``equal_interval``, ``user_defined``).
    k : int
        Number of classes.
    bins : tuple of float, optional
        Upper class bounds for ``user_defined``.
    palette, diverging_palette : str, optional
        Palette names (default YlGnBu and PuOr).
    balance_midpoint : float, optional
        Where the balance's two colour ramps meet (the middle of the score range).
    score_unit : str
        Unit shown in the legends of score layers.
    tolerance : float, optional
        Simplification tolerance in degrees (default automatic).
    title : str, optional
        Map title (default: "Ideopolis index and its ingredients").
    """

    scheme: str = "quantiles"
    k: int = 5
    bins: tuple[float, ...] | None = None
    palette: str | None = None
    diverging_palette: str | None = None
    balance_midpoint: float | None = None
    score_unit: str = "score, 0-100"
    tolerance: float | None = None
    title: str | None = None


def _vintages(metas: Iterable[Any]) -> str:
    """The span of data years the indicators' vintages name (``"2000-2024"``), or their text if they name none."""
    texts = [str(v) for m in metas if (v := getattr(m, "vintage", None))]
    years = sorted({int(y) for t in texts for y in re.findall(r"(?<!\d)(?:19|20)\d{2}(?!\d)", t)})
    if years:
        return str(years[0]) if years[0] == years[-1] else f"{years[0]}-{years[-1]}"
    return ", ".join(sorted(set(texts)))


def source_line(
    rs: RegionSetLike,
    *,
    method: str = DEFAULT_METHOD,
    classes: str = "",
) -> str:
    """Compose the map's source line: sources, data vintages, method and classification.

    Parameters
    ----------
    rs : RegionSet
        The region set (its manifest's sources and its indicators' vintages).
    method : str
        One line on the method.
    classes : str
        The classification ("quantiles, 5 classes").

    Returns
    -------
    str
    """
    manifest = rs.manifest
    sources = list(getattr(manifest, "sources", ()) or ())
    scored = [m for m in rs.indicators.values() if getattr(m, "pillar", None)]
    vintages = _vintages(scored or rs.indicators.values())
    parts = []
    data = "Data: " + ("; ".join(sources) if sources else rs.name)
    if vintages:
        data += f" (data years {vintages}; each indicator's vintage is in the region's popup)"
    parts.append(data + ".")
    parts.append(f"Method: {method.rstrip('.')}.")
    if classes:
        parts.append(f"Classes: {classes}.")
    parts.append("Map: ideopolis.")
    return " ".join(parts)


def popup_fields(rs: RegionSetLike) -> list[PopupField]:
    """Return the popup rows of a region set: its scored indicators, in manifest order."""
    fields = []
    for name, m in rs.indicators.items():
        if not getattr(m, "pillar", None) or name not in rs.data.columns:
            continue
        fields.append(
            PopupField(
                key=name,
                label=str(getattr(m, "label", name)),
                unit=str(getattr(m, "unit", "") or ""),
                vintage=str(getattr(m, "vintage", "") or ""),
                source=str(getattr(m, "source", "") or ""),
                kind=str(getattr(m, "kind", "level")),
            )
        )
    return fields


def region_set_map_inputs(
    rs: RegionSetLike,
    scores: pd.DataFrame,
    *,
    ranks: pd.DataFrame | None = None,
    typology: pd.Series | None = None,
    hotspots: pd.Series | None = None,
    hotspot_note: str | None = None,
    hotspot_classes: Sequence[str] = HOTSPOT_ORDER,
    method: str = DEFAULT_METHOD,
    options: MapOptions | None = None,
    rank_intervals: Mapping[str, pd.DataFrame] | None = None,
    stability: pd.Series | None = None,
    stability_note: str | None = None,
) -> MapInputs:
    """Prepare the layers of a region set's results for mapping.

    Parameters
    ----------
    rs : RegionSet
        The region set (shapes, names, indicators, manifest).
    scores : pandas.DataFrame
        Scores by region id: ``ideopolis_index``, ``cluster_strength``, the pillars, ``balance``...
    ranks : pandas.DataFrame, optional
        Ranks by region id (same columns).
    typology : pandas.Series, optional
        Typology label by region id.
    hotspots : pandas.Series, optional
        Hotspot class label by region id.
    hotspot_note : str, optional
        What the hotspot layer tested (method note, shown in that layer's legend).
    hotspot_classes : sequence of str
        Hotspot classes in legend order.
    method : str
        One line on the index method for the source line.
    options : MapOptions, optional
        Classification and drawing options.
    rank_intervals : mapping of str to pandas.DataFrame, optional
        Layer key -> ``rank_lo``/``rank_hi`` by region id (an uncertainty analysis), shown beside the ranks.
    stability : pandas.Series, optional
        Rank-stability class by region id: adds the categorical "rank stability" layer.
    stability_note : str, optional
        How the stability classes were made (shown under that layer's legend title).

    Returns
    -------
    MapInputs

    Raises
    ------
    RegionSetError
        When the region set has no geometry.
    """
    options = options or MapOptions()
    geometry = rs.geometry
    if geometry is None:
        raise RegionSetError(
            f"region set {rs.name!r} has no geometry, so it cannot be mapped; add a geometry file to its manifest"
        )
    shapes = geometry.geometry if isinstance(geometry, gpd.GeoDataFrame) else geometry
    numeric = [c for c in scores.columns if pd.api.types.is_numeric_dtype(scores[c])]
    values = scores[numeric].copy()
    if typology is not None:
        values = values.join(typology.astype(object).rename("typology"), how="outer")
    if stability is not None:
        values = values.join(stability.astype(object).rename("rank_stability"), how="outer")
    if hotspots is not None:
        values = values.join(hotspots.astype(object).rename("hotspots"), how="outer")
    scheme = SCHEMES.canonical(options.scheme)
    layers = standard_layers(
        numeric,
        unit=options.score_unit,
        scheme=scheme,
        k=options.k,
        bins=options.bins,
        palette=options.palette,
        diverging_palette=options.diverging_palette,
        balance_midpoint=options.balance_midpoint,
        typology=typology is not None,
        hotspots=hotspot_note or ("hotspots" if hotspots is not None else None),
        hotspot_classes=hotspot_classes,
        stability=None if stability is None else (stability_note or "5-95% rank interval width"),
    )
    if not layers:
        raise ConfigError("there are no scores to map; run the index first")
    classes = _SCHEME_WORDS[scheme] + (
        f" ({len(options.bins) + 1} classes at most)"
        if scheme == "user_defined" and options.bins
        else f", {options.k} classes"
    )
    manifest = rs.manifest
    id_label = str(getattr(manifest, "id_column", "ID") or "ID").upper()
    return prepare_map(
        shapes,
        values,
        layers,
        names=rs.names,
        ranks=ranks,
        popup_values=rs.data,
        popup_fields=popup_fields(rs),
        title=options.title or "Ideopolis index and its ingredients",
        subtitle=rs.title or rs.name,
        source=source_line(rs, method=method, classes=classes),
        id_label=id_label,
        tolerance=options.tolerance,
        region_labels=_inset_labels(rs),
        rank_intervals=rank_intervals,
    )


def layer_png(
    rs: RegionSetLike,
    values: pd.Series,
    layer: MapLayer,
    path: str | os.PathLike[str],
    *,
    subtitle: str | None = None,
    source: str = "",
) -> int:
    """Draw one layer of values that are not index scores (hotspot classes, a cluster's LQ) as a print map.

    Parameters
    ----------
    rs : RegionSet
        Shapes, names and the state/country labels of the insets.
    values : pandas.Series
        The layer's values by region id (numbers, or labels for a categorical layer); missing = "no data".
    layer : MapLayer
        What the layer shows (its title is the map's title).
    path : str or path-like
        The PNG to write (atomically).
    subtitle : str, optional
        Default: the region set's title.
    source : str
        The source and methods line printed under the map.

    Returns
    -------
    int
        Bytes written.
    """
    geometry = rs.geometry
    if geometry is None:
        raise RegionSetError(f"region set {rs.name!r} has no geometry, so it cannot be mapped")
    shapes = geometry.geometry if isinstance(geometry, gpd.GeoDataFrame) else geometry
    inputs = prepare_map(
        shapes,
        values.rename(layer.key).to_frame(),
        [layer],
        names=rs.names,
        title=layer.title,
        subtitle=rs.title if subtitle is None else subtitle,
        source=source,
        region_labels=_inset_labels(rs),
    )
    return write_png(inputs, path, layer=layer.key)


def _inset_labels(rs: RegionSetLike) -> pd.Series | None:
    """The state (or country) of each region, when the set has such a group: captions print-map insets."""
    groups = getattr(rs, "groups", None)
    if not isinstance(groups, pd.DataFrame):
        return None
    for column in ("state", "country", "nuts0", "cntr_code"):
        if column in groups.columns:
            return groups[column]
    return None


def write_html(
    inputs: MapInputs,
    path: str | os.PathLike[str],
    *,
    offline: bool = False,
    active: str | None = None,
    run: Mapping[str, Any] | None = None,
) -> tuple[RegionMap, int]:
    """Build the interactive page and write it atomically.

    Parameters
    ----------
    inputs : MapInputs
    path : str or path-like
    offline : bool, default False
        No basemap (the page then makes no request at all).
    active : str, optional
        Layer shown first.
    run : mapping, optional
        Run parameters to embed in the page.

    Returns
    -------
    (RegionMap, int)
        The map and the bytes written.
    """
    region_map = interactive_map(inputs, offline=offline, active=active, run=run)
    return region_map, region_map.save(path)


def write_png(
    inputs: MapInputs,
    path: str | os.PathLike[str],
    *,
    layer: str | None = None,
) -> int:
    """Draw one layer as a print map and write it atomically as PNG.

    Parameters
    ----------
    inputs : MapInputs
    path : str or path-like
    layer : str, optional
        Layer key (default: the first layer).

    Returns
    -------
    int
        Bytes written.
    """
    chosen = inputs.layer(layer) if layer else inputs.layers[0]
    subtitle = inputs.subtitle
    if chosen.spec.description and chosen.spec.key != "hotspots":
        subtitle += f" ({chosen.spec.description})" if subtitle else chosen.spec.description
    fig = static_map(
        inputs.prepared,
        chosen,
        title=chosen.spec.title,
        subtitle=subtitle,
        source=inputs.source,
        labels=inputs.region_labels,
    )
    return save_png(fig, Path(path))
