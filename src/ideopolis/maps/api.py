"""Maps of a region set's results: from a region set plus scores to the map inputs, the page and the PNG.

This is the layer the CLI calls. It takes the region set (shapes, names, indicator metadata, sources)
and the results as plain tables (scores, ranks, typology, hotspot classes), so it can be used and
tested without running the engine.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import pandas as pd

from ideopolis.errors import ConfigError, RegionSetError
from ideopolis.maps.interactive import MapInputs, PopupField, RegionMap, interactive_map, prepare_map
from ideopolis.maps.layers import HOTSPOT_ORDER, SCHEMES, SCORE_LAYERS, MapLayer, standard_layers
from ideopolis.maps.static import StaticStyle, check_figure_path, save_figure, static_map

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


def data_line(rs: RegionSetLike) -> str:
    """Say where a map's data come from: the set's sources and the span of its indicators' data years.

    Parameters
    ----------
    rs : RegionSet
        The region set (its manifest's sources and its indicators' vintages).

    Returns
    -------
    str
        ``"Data: U.S. Census Bureau; BEA (data years 2000-2023; each indicator's year is in the region card)."``
    """
    manifest = rs.manifest
    sources = list(getattr(manifest, "sources", ()) or ())
    scored = [m for m in rs.indicators.values() if getattr(m, "pillar", None)]
    vintages = _vintages(scored or rs.indicators.values())
    data = "Data: " + ("; ".join(sources) if sources else rs.name)
    if vintages:
        data += f" (data years {vintages}; each indicator's year is in the region card)"
    return data + "."


def source_line(
    rs: RegionSetLike,
    *,
    method: str = DEFAULT_METHOD,
    classes: str = "",
) -> str:
    """Compose the whole source line of a print map: sources, data vintages, method and classification.

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
    parts = [data_line(rs), f"Method: {method.rstrip('.')}."]
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


@dataclass(frozen=True)
class HotspotLayer:
    """A hotspot test as a map layer: its classes, its legend order and its method texts.

    Attributes
    ----------
    classes : pandas.Series
        Class label by region id ("Hot spot 95%", "Not significant", ...).
    legend : tuple of str
        Classes in legend order (empty ones are left out of the legend).
    title : str
        Layer title ("Hot and cold spots of the Ideopolis index").
    short : str
        One line under the legend title: statistic, weights, permutations, correction.
    method : str
        The whole method note, one click away (the page's "About this map").
    notes : pandas.Series, optional
        A text per region shown in the region card beside its class (the adjusted p-value).
    """

    classes: pd.Series
    legend: tuple[str, ...] = HOTSPOT_ORDER
    title: str = "Hotspots"
    short: str = ""
    method: str = ""
    notes: pd.Series | None = None

    @classmethod
    def from_result(cls, result: Any, label: str | None = None) -> HotspotLayer:
        """Describe a :class:`~ideopolis.spatial.hotspots.HotspotResult` for a map.

        Parameters
        ----------
        result : HotspotResult
            The test.
        label : str, optional
            What was tested, in words ("Ideopolis index", "Adults with a bachelor's degree"); default the
            indicator's column name.

        Returns
        -------
        HotspotLayer
        """
        from ideopolis.spatial.hotspots import STATISTIC_TITLES

        column = result.indicator or "the values"
        label = label or column
        stat = {"gi_star": "Gi*", "local_moran": "local Moran"}.get(result.statistic, result.statistic)
        weights = str(result.weights).split(", ")[0]
        correction = {"fdr_bh": "false discovery rate", "bonferroni": "Bonferroni", "none": "no correction"}.get(
            result.correction, result.correction
        )
        most = getattr(result, "max_permutations", result.permutations)
        # "999+": more where a call was close (the full range is in the method note; the range made the print
        # map's subtitle run off the page on us-counties)
        perms = f"{result.permutations:,}" + ("" if most <= result.permutations else "+")
        short = f"{stat}; {weights}; {perms} permutations; {correction}"
        method = result.method_note
        if result.indicator and label != result.indicator:
            method = method.replace(f" of {result.indicator};", f" of {label};", 1)
        table = result.table
        notes = None
        if "p_adjusted" in table.columns:
            notes = table["p_adjusted"].map(lambda p: f"adjusted p = {p:.3f}" if pd.notna(p) else None)
            if "undetermined" in table.columns:  # the call could not be told from the cut-off: say so
                open_call = table["undetermined"].astype(bool) & notes.notna()
                notes[open_call] = notes[open_call] + ", undetermined within Monte Carlo error"
        return cls(
            classes=table["cls"],
            legend=tuple(result.legend_classes),
            title=f"{STATISTIC_TITLES.get(result.statistic, 'Hotspots')} of {label}",
            short=short,
            method=method,
            notes=notes,
        )


def label_of(rs: RegionSetLike, column: str) -> str:
    """The words for a column on a map: an indicator's label, a score's title, else the column, readable.

    Parameters
    ----------
    rs : RegionSet
        The set (its indicators' labels).
    column : str
        An indicator or a score.

    Returns
    -------
    str

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> label_of(SimpleNamespace(indicators={}), "ideopolis_index")
    'Ideopolis index'
    """
    meta = rs.indicators.get(column)
    if meta is not None and getattr(meta, "label", None):
        return str(meta.label)
    if column in SCORE_LAYERS:
        return SCORE_LAYERS[column][0]
    return column.replace("_", " ").capitalize()


def indicator_layer(rs: RegionSetLike, column: str, options: MapOptions | None = None) -> MapLayer:
    """A sequential layer of one indicator of the set, titled and united from its metadata.

    Parameters
    ----------
    rs : RegionSet
        The set.
    column : str
        The indicator.
    options : MapOptions, optional
        Classification (scheme, classes, palette).

    Returns
    -------
    MapLayer
    """
    options = options or MapOptions()
    meta = rs.indicators.get(column)
    unit = str(getattr(meta, "unit", "") or "")
    if getattr(meta, "kind", None) == "share" and unit:
        unit = f"{unit} (0-1)"
    return MapLayer(
        column,
        label_of(rs, column),
        unit=unit,
        scheme=SCHEMES.canonical(options.scheme),
        k=options.k,
        bins=options.bins,
        palette=options.palette,
        group="Indicator",
    )


def region_set_map_inputs(
    rs: RegionSetLike,
    scores: pd.DataFrame,
    *,
    ranks: pd.DataFrame | None = None,
    typology: pd.Series | None = None,
    hotspots: pd.Series | HotspotLayer | None = None,
    hotspot_note: str | None = None,
    hotspot_classes: Sequence[str] = HOTSPOT_ORDER,
    method: str = DEFAULT_METHOD,
    options: MapOptions | None = None,
    indicators: Sequence[str] = (),
    rank_intervals: pd.DataFrame | None = None,
    facts: pd.DataFrame | None = None,
    tooltip_facts: Sequence[str] = (),
    methods_html: str | None = None,
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
    hotspots : pandas.Series or HotspotLayer, optional
        Hotspot class label by region id, or a test described by :meth:`HotspotLayer.from_result`.
    hotspot_note : str, optional
        With a Series of classes: what the hotspot layer tested (shown in its legend).
    hotspot_classes : sequence of str
        With a Series of classes: the classes in legend order.
    method : str
        One line on the index method (the source line, the page's "About this map").
    options : MapOptions, optional
        Classification and drawing options.
    indicators : sequence of str
        Indicators of the set to add as layers of their own (the indicator a hotspot layer tests).
    rank_intervals : pandas.DataFrame, optional
        5-95% rank intervals of the index by region id (columns ``rank_lo``, ``rank_hi``).
    facts : pandas.DataFrame, optional
        Rows of the region card by region id (``Run.region_facts()``).
    tooltip_facts : sequence of str
        Labels of the ``facts`` rows the hover tooltip shows too (the card shows every row).
    methods_html : str, optional
        The full methods note (HTML) for the page's "About this map".

    Returns
    -------
    MapInputs

    Raises
    ------
    RegionSetError
        When the region set has no geometry.
    ConfigError
        When there is nothing to map, or an indicator is not a column of the set.
    """
    options = options or MapOptions()
    shapes = _shapes(rs)
    numeric = [c for c in scores.columns if pd.api.types.is_numeric_dtype(scores[c])]
    values = scores[numeric].copy()
    hot = hotspots if isinstance(hotspots, HotspotLayer) else None
    if hotspots is not None and hot is None:
        hot = HotspotLayer(
            classes=hotspots,  # type: ignore[arg-type]
            legend=tuple(hotspot_classes),
            short=hotspot_note or "",
            method=hotspot_note or "",
        )
    if typology is not None:
        values = values.join(typology.astype(object).rename("typology"), how="outer")
    if hot is not None:
        values = values.join(hot.classes.astype(object).rename("hotspots"), how="outer")
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
        hotspots=None if hot is None else hot.short,
        hotspot_classes=() if hot is None else hot.legend,
    )
    extra = [c for c in indicators if c not in values.columns]
    for column in extra:
        if column not in rs.data.columns:
            raise ConfigError(
                f"{column!r} is not an indicator of {rs.name}; choose one of: {', '.join(rs.data.columns)}"
            )
        values[column] = pd.to_numeric(rs.data[column], errors="coerce")
    extra_layers = [indicator_layer(rs, column, options) for column in extra]
    at = next((i for i, layer in enumerate(layers) if layer.key == "hotspots"), len(layers))
    layers[at:at] = extra_layers
    if hot is not None:
        layers = [replace(lay, title=hot.title, method=hot.method) if lay.key == "hotspots" else lay for lay in layers]
    if not layers:
        raise ConfigError("there are no scores to map; run the index first")
    classes = _classes_text(scheme, options)
    outline_by, outline_label = outline_groups(rs)
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
        id_label=_id_label(rs),
        tolerance=options.tolerance,
        region_labels=outline_by,
        credit=data_line(rs),
        method=f"{method.rstrip('.')}. Classes of the score layers: {classes}.",
        methods_html=methods_html,
        outline_label=outline_label,
        aliases=_aliases(rs),
        facts=facts,
        tooltip_facts=tooltip_facts,
        rank_intervals=rank_intervals,
        layer_notes=None if hot is None or hot.notes is None else {"hotspots": hot.notes},
    )


def hotspot_map_inputs(
    rs: RegionSetLike,
    result: Any,
    *,
    values: pd.Series | None = None,
    options: MapOptions | None = None,
    methods_html: str | None = None,
) -> MapInputs:
    """Prepare a map of one hotspot test: the tested values as a layer, and the hot and cold spots.

    Parameters
    ----------
    rs : RegionSet
        The set tested.
    result : HotspotResult
        The test (:meth:`ideopolis.Run.hotspots`).
    values : pandas.Series, optional
        The values tested by region id (default: the result's ``value`` column).
    options : MapOptions, optional
        Classification of the values layer; ``title``.
    methods_html : str, optional
        The full plain-language methods note (HTML) for the page's method panel
        (:func:`ideopolis.report.methods.methods_html`).

    Returns
    -------
    MapInputs
        Two layers: the values (``<indicator>``) and the classes (``hotspots``, shown first).

    Raises
    ------
    RegionSetError
        When the set has no geometry.
    """
    options = options or MapOptions()
    shapes = _shapes(rs)
    column = result.indicator or "values"
    label = label_of(rs, column)
    hot = HotspotLayer.from_result(result, label)
    tested = result.table["value"] if values is None else values
    meta = rs.indicators.get(column)
    layer = (
        indicator_layer(rs, column, options)
        if meta is not None
        else MapLayer(
            column,
            label,
            unit=options.score_unit if column in SCORE_LAYERS else "",
            scheme=SCHEMES.canonical(options.scheme),
            k=options.k,
            bins=options.bins,
            palette=options.palette,
            group="Tested values",
        )
    )
    layer = replace(layer, group="Tested values")
    spot = MapLayer(
        "hotspots",
        hot.title,
        kind="categorical",
        categories=hot.legend,
        palette="hotspots",
        group="Hotspots",
        description=hot.short,
        method=hot.method,
        card_label="Hotspot class",
    )
    frame = pd.DataFrame({column: pd.to_numeric(tested, errors="coerce"), "hotspots": hot.classes.astype(object)})
    outline_by, outline_label = outline_groups(rs)
    sources = "; ".join(getattr(rs.manifest, "sources", ()) or ()) or rs.name
    return prepare_map(
        shapes,
        frame,
        [spot, layer],
        names=rs.names,
        ranks=None,
        popup_values=rs.data,
        popup_fields=popup_fields(rs),
        title=options.title or hot.title,
        subtitle=rs.title or rs.name,
        source=f"Method: {hot.method} Data: {sources}. Map: ideopolis.",
        id_label=_id_label(rs),
        tolerance=options.tolerance,
        region_labels=outline_by,
        credit=data_line(rs),
        method=hot.method,
        outline_label=outline_label,
        aliases=_aliases(rs),
        layer_notes=None if hot.notes is None else {"hotspots": hot.notes},
        methods_html=methods_html,
    )


def _shapes(rs: RegionSetLike) -> gpd.GeoSeries:
    geometry = rs.geometry
    if geometry is None:
        raise RegionSetError(
            f"region set {rs.name!r} has no geometry, so it cannot be mapped; add a geometry file to its manifest"
        )
    return geometry.geometry if isinstance(geometry, gpd.GeoDataFrame) else geometry


def _id_label(rs: RegionSetLike) -> str:
    return str(getattr(rs.manifest, "id_column", "ID") or "ID").upper()


def _classes_text(scheme: str, options: MapOptions) -> str:
    if scheme == "user_defined" and options.bins:
        return f"{_SCHEME_WORDS[scheme]} ({len(options.bins) + 1} classes at most)"
    return f"{_SCHEME_WORDS[scheme]}, {options.k} classes"


def _aliases(rs: RegionSetLike) -> pd.Series | None:
    """Other names of the set's regions (alias -> id), when the set has a ``search_aliases`` table."""
    aliases = getattr(rs, "search_aliases", None)
    return aliases if isinstance(aliases, pd.Series) else None


def layer_png(
    rs: RegionSetLike,
    values: pd.Series,
    layer: MapLayer,
    path: str | os.PathLike[str],
    *,
    subtitle: str | None = None,
    source: str = "",
    title: str | None = None,
    dpi: int | None = None,
) -> int:
    """Draw one layer of values that are not index scores (hotspot classes, a cluster's LQ) as a print map.

    Parameters
    ----------
    rs : RegionSet
        Shapes, names and the state/country labels of the insets.
    values : pandas.Series
        The layer's values by region id (numbers, or labels for a categorical layer); missing = "no data".
    layer : MapLayer
        What the layer shows (its title is the map's title unless ``title`` is given).
    path : str or path-like
        The file to write (atomically): ``.png``, ``.svg`` or ``.pdf``.
    subtitle : str, optional
        Default: the region set's title.
    source : str
        The source and methods line printed under the map.
    title : str, optional
        The map's title.
    dpi : int, optional
        Resolution of a PNG.

    Returns
    -------
    int
        Bytes written.
    """
    check_figure_path(path)
    shapes = _shapes(rs)
    outline_by, outline_label = outline_groups(rs)
    inputs = prepare_map(
        shapes,
        values.rename(layer.key).to_frame(),
        [layer],
        names=rs.names,
        title=layer.title,
        subtitle=rs.title if subtitle is None else subtitle,
        source=source,
        region_labels=outline_by,
        outline_label=outline_label,
    )
    return write_png(inputs, path, layer=layer.key, title=title, dpi=dpi)


#: Group columns that outline a set (first found wins) and what one group is called on the map.
OUTLINE_GROUPS: tuple[tuple[str, str], ...] = (
    ("state", "state"),
    ("country", "country"),
    ("nuts0", "country"),
    ("cntr_code", "country"),
)


def outline_groups(rs: RegionSetLike) -> tuple[pd.Series | None, str]:
    """The state (or country) of each region, when the set has such a group, and what a group is called.

    Maps draw the regions dissolved by it as outlines (state borders for a US set, country borders for a
    NUTS set), and print maps caption their insets with it.

    Parameters
    ----------
    rs : RegionSet
        The set (its ``groups`` table).

    Returns
    -------
    (pandas.Series or None, str)
        The label of each region by id, and ``"state"`` or ``"country"`` (``(None, "")`` without a group).
    """
    groups = getattr(rs, "groups", None)
    if not isinstance(groups, pd.DataFrame):
        return None, ""
    for column, word in OUTLINE_GROUPS:
        if column in groups.columns:
            return groups[column], word
    return None, ""


def _inset_labels(rs: RegionSetLike) -> pd.Series | None:
    """The state (or country) of each region: captions print-map insets."""
    return outline_groups(rs)[0]


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
    title: str | None = None,
    dpi: int | None = None,
) -> int:
    """Draw one layer as a print map and write it atomically: PNG, SVG or PDF by the file's suffix.

    Parameters
    ----------
    inputs : MapInputs
    path : str or path-like
        ``.png``, ``.svg`` or ``.pdf``.
    layer : str, optional
        Layer key (default: the first layer).
    title : str, optional
        The map's title (default: the layer's title).
    dpi : int, optional
        Resolution of a PNG (default 200).

    Returns
    -------
    int
        Bytes written.

    Raises
    ------
    DataFileError
        For a suffix other than .png, .svg or .pdf (before anything is drawn).
    ConfigError
        For an unknown layer or a resolution out of range.
    """
    check_figure_path(path)
    if dpi is not None and not 30 <= dpi <= 1200:
        raise ConfigError(f"--dpi {dpi} is out of range; use 30 to 1200 (200 is the default)")
    chosen = inputs.layer(layer) if layer else inputs.layers[0]
    subtitle = inputs.subtitle
    if chosen.spec.description:
        subtitle += f" ({chosen.spec.description})" if subtitle else chosen.spec.description
    style = StaticStyle() if dpi is None else StaticStyle(dpi=dpi)
    source = inputs.source
    if chosen.spec.method and chosen.spec.method not in source:
        source = (
            f"Hotspots: {chosen.spec.method} {source}" if chosen.key == "hotspots" else f"{chosen.spec.method} {source}"
        )
    fig = static_map(
        inputs.prepared,
        chosen,
        title=title or chosen.spec.title,
        subtitle=subtitle,
        source=source,
        labels=inputs.region_labels,
        label_kind=inputs.outline_label,
        names=inputs.names,
        style=style,
    )
    return save_figure(fig, Path(path))
