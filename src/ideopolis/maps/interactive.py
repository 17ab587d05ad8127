"""The interactive map: one folium (Leaflet) page, the region shapes in it once, every layer a restyle.

Stock folium writes one full GeoJSON copy of the shapes per layer and evaluates a Python
``style_function`` per feature; this page instead holds the shapes once (packed shared arcs, see
:mod:`ideopolis.maps.encode`) plus, per layer, one class digit per region, its colours and its legend.
``assets/ideopolis-map.js`` draws each region as one SVG path and recolours the paths when the reader
picks another layer. The page lays itself out for the size it is shown at (a title bar and a source line
off the map, a menu below 640 px, an embed mode in an iframe), draws the state or country outlines from
the same arcs (:func:`ideopolis.maps.encode.mesh_arcs`), and opens a region card on a click or a search.
Tooltips, the card, the legend, the search box, the title and the source line are built with DOM text
nodes, so no string from the data is ever parsed as HTML.

The run's parameters (region set, layers, scheme, palette, tolerance, versions) are embedded in the page
as ``<script type="application/json" id="ideopolis-run">``.

Data is never template source
-----------------------------
folium and branca build a page from Jinja2 templates, and a branca ``MacroElement`` renders its
``header``/``html``/``script`` macros and wraps each *result* in a new ``Element(text)``, whose
constructor compiles ``text`` as a Jinja2 template; the page render then runs it. A string that went into
a macro as a value therefore comes back as template source: ``{{7*7}}`` in a region name printed ``49``,
``{% x`` crashed the render, and ``{{ cycler.__init__.__globals__.os.system(...) }}`` ran a command. The
JSON escaping of ``<``, ``>`` and ``&`` does nothing against ``{{``.

This page therefore passes no data through any template, and escapes nothing by blacklist:

- the payload and the run parameters are serialised with :func:`to_script_json` and wrapped in their
  ``<script type="application/json">`` elements by plain string concatenation, in a :class:`_Verbatim`
  element whose ``render`` returns its text as it is (it has no template at all);
- the inlined Leaflet and page assets go into the header the same way;
- the page title is the value of branca's fixed ``Figure`` template (``{{this.title}}``, rendered once,
  never compiled again), escaped for HTML with :func:`html.escape`;
- folium's own macros (the map, the basemap) only ever see constants of this module.

In the browser, ``assets/ideopolis-map.js`` reads the payload with ``JSON.parse`` and writes every string
with ``textContent``, so no data string is parsed as HTML either. ``tests/test_security.py`` maps a region
set whose every string is a template, HTML, mathtext or shell payload, and checks that each appears
literally.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import html
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, cast

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import Element, Figure, MacroElement

from ideopolis import __version__
from ideopolis.errors import ConfigError
from ideopolis.maps.encode import (
    EncodedGeometry,
    PreparedGeometry,
    auto_tolerance,
    coarsen,
    encode_geometry,
    mesh_arcs,
    pack_varints,
    prepare_geometry,
    unpack_varints,
    unzigzag,
    zigzag,
)
from ideopolis.maps.frame import pad_bounds
from ideopolis.maps.layers import (
    ClassifiedLayer,
    MapLayer,
    auto_decimals,
    classify_layer,
    round_half_up_array,
)
from ideopolis.maps.offline import inline_assets, leaflet_version
from ideopolis.output import write_text
from ideopolis.regions.lookup import FOLD_LETTERS

#: Light basemap of the online map (none offline).
BASEMAP = "Esri.WorldGrayCanvas"
#: The page scales to the device's width (phones); folium's own meta tag is kept for the rest.
_VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'

#: How the page draws the regions: one SVG path each, one canvas for all, or by size (see CANVAS_ABOVE).
RENDERERS = ("auto", "svg", "canvas")
#: ``auto`` draws more regions than this on a canvas: an SVG path per region makes the page slow to open
#: and to pan beyond a few thousand (85,000 paths: 17 s to open, 2.9 s per layer switch, issue 16).
CANVAS_ABOVE = 5_000

#: A payload longer than this (characters of JSON) is written gzip-compressed and base-85 coded
#: (:func:`pack_payload`), and the page inflates it with the browser's own DecompressionStream.
COMPRESS_ABOVE = 2_000_000

#: What one page holds and stays fluid (measured in headless Chromium on 2 cores, benchmarks/bench_map_browser.py:
#: 300,000 regions with 1.8 million border points open in about 4 s and switch layers in 0.25 s). Above
#: MAX_POINTS border points the page is a simplified rendition: borders coarsened (the simplification tolerance
#: doubled until they fit), every region and value kept. Above MAX_REGIONS regions the region card leaves out
#: its indicator table and fact rows (the per-region data that dominates the page); the layers, legends,
#: tooltips, ranks and search stay. Both say so on the page and in the terminal.
MAX_POINTS = 2_500_000
MAX_REGIONS = 400_000

_CLASS_DIGITS = np.array(list("0123456789abcdefghijklmnopqrstuvwxyz"))
_SCHEME_NAMES = {
    "quantiles": "quantiles",
    "natural_breaks": "natural breaks",
    "equal_interval": "equal intervals",
    "user_defined": "user-defined bins",
}


@dataclass(frozen=True)
class PopupField:
    """An indicator shown in a region's popup.

    Attributes
    ----------
    key : str
        Column of the popup values table.
    label : str
        Human-readable name.
    unit : str
        Unit of the stored value.
    vintage : str
        Year or period of the data.
    source : str
        Publisher or table (shown on hover of the label).
    kind : str
        ``count``, ``rate``, ``share`` (shown as a percentage) or ``level``.
    decimals : int, optional
        Decimals shown; default: three significant digits of a typical value.
    """

    key: str
    label: str
    unit: str = ""
    vintage: str = ""
    source: str = ""
    kind: str = "level"
    decimals: int | None = None


@dataclass(frozen=True)
class MapStyle:
    """Outline and opacity of the region shapes, and the lines of the group outlines (states, countries)."""

    weight: float = 0.5
    outline: str = "#ffffff"
    fill_opacity: float = 0.9
    hover_weight: float = 2.0
    hover_colour: str = "#222222"
    group_outline: str = "#4d4d4d"
    group_weight: float = 0.8


class _Map(folium.Map):
    """A folium ``Map`` that links no external script or stylesheet (they are inlined instead)."""

    # folium declares these as (mutable) attributes; empty lists: nothing to link.
    default_js: list[tuple[str, str]] = []  # noqa: RUF012
    default_css: list[tuple[str, str]] = []  # noqa: RUF012


class _Verbatim(Element):
    """A piece of the page that is written out exactly as given: it has no template, so it is never compiled.

    Every other branca element renders through a Jinja2 template; this one returns its text from
    :meth:`render`, so whatever it holds (a JSON payload, inlined scripts) cannot be read as template
    source. The text must already be safe where it goes (see :func:`to_script_json`).
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Verbatim"
        self.text = text

    def render(self, **kwargs: Any) -> str:
        """Return the text unchanged."""
        return self.text


class _RegionLayers(MacroElement):
    """Holds the payload once and starts the page script on the folium map.

    Unlike a stock ``MacroElement`` it renders no macro: branca would compile each macro's output again
    as a template (see the module docstring). It adds :class:`_Verbatim` pieces to the page instead.
    """

    def __init__(self, payload: str, run: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "IdeopolisRegionLayers"
        self.payload = payload
        self.run = run

    def render(self, **kwargs: Any) -> str:
        """Add the payload to the page header and the call of the page script to its script.

        Returns
        -------
        str
            Nothing (``""``): what this element shows is in the page's header and script.
        """
        figure = self.get_root()
        if not isinstance(figure, Figure) or self._parent is None:  # pragma: no cover - built by interactive_map
            raise TypeError("the region layers must be added to a folium map before rendering")
        if len(self.payload) > COMPRESS_ABOVE:
            data = (
                '<script type="application/octet-stream" id="ideopolis-data" data-encoding="gzip-base85">'
                f"{pack_payload(self.payload)}</script>"
            )
        else:
            data = f'<script type="application/json" id="ideopolis-data">{self.payload}</script>'
        header = f'{data}\n<script type="application/json" id="ideopolis-run">{self.run}</script>'

        figure.header.add_child(_Verbatim(header), name=self.get_name())
        script = f'ideopolisMap({self._parent.get_name()}, "ideopolis-data");'
        figure.script.add_child(_Verbatim(script), name=self.get_name())
        return ""


#: Base 85 as Python's ``base64.b85encode`` writes it (RFC 1924's alphabet), with ``.`` for ``<``: no ``<`` in
#: the text, so nothing inside the ``<script>`` element can close it or open a comment.
_B85_SAFE = str.maketrans("<", ".")


def pack_payload(payload: str) -> str:
    """Compress a page payload: gzip (level 9, no time stamp: the same payload gives the same text), base 85.

    Base 85 writes 4 bytes in 5 characters, where base 64 takes 5.33 (85,000 regions: 0.75 MB less). The page
    decodes it and inflates it with the browser's ``DecompressionStream`` (``assets/ideopolis-map.js``).

    Parameters
    ----------
    payload : str
        The payload's JSON text.

    Returns
    -------
    str
        The packed text (characters of :data:`_B85_SAFE`'s alphabet only).

    Examples
    --------
    >>> unpack_payload(pack_payload('{"a": "<b>"}'))
    '{"a": "<b>"}'
    """
    packed = base64.b85encode(gzip.compress(payload.encode("utf-8"), compresslevel=9, mtime=0))
    return packed.decode("ascii").translate(_B85_SAFE)


def unpack_payload(text: str) -> str:
    """Invert :func:`pack_payload` (the reference for the page's decoder)."""
    return gzip.decompress(base64.b85decode(text.replace(".", "<"))).decode("utf-8")


def to_script_json(obj: Any) -> str:
    """Serialise ``obj`` as compact JSON that is safe inside a ``<script>`` element."""
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _numbers(values: pd.Series | Sequence[float | None], decimals: int) -> list[float | int | None]:
    """Values rounded half up to ``decimals`` (ints at 0 decimals), ``None`` where missing or not finite."""
    arr = pd.to_numeric(pd.Series(list(values) if not isinstance(values, pd.Series) else values), errors="coerce")
    y = arr.to_numpy(dtype=float)
    finite = np.isfinite(y)
    rounded = round_half_up_array(np.where(finite, y, 0.0), decimals)
    if decimals == 0:
        return [int(r) if f else None for r, f in zip(rounded.tolist(), finite.tolist(), strict=True)]
    return [r if f else None for r, f in zip(rounded.tolist(), finite.tolist(), strict=True)]


@dataclass(frozen=True)
class MapInputs:
    """Everything a map of a region set shows, aligned on the map's region order and classified.

    Built once by :func:`prepare_map`; both the interactive page (:func:`interactive_map`) and the
    print map (:func:`ideopolis.maps.static.static_map`) draw from it.

    Attributes
    ----------
    ids : list of str
        Region ids in map order (the geometry's order).
    names : list of str
        Region names in the same order.
    prepared : PreparedGeometry
        Repaired, unwrapped, simplified shapes with their main body and outlying groups.
    layers : list of ClassifiedLayer
        The classified layers, in switcher order.
    popup : dict or None
        The region card's indicator table: fields and values (JSON-ready).
    title, subtitle, source, id_label : str
        Texts of the map; ``source`` is the whole source line of a print map (data, method, classes).
    region_labels : list of str or None, optional
        A label per region (its state or country): captions print-map insets, and the page and the print
        map draw the regions dissolved by it as outlines.
    credit : str
        The data line of the page's footer (sources and data years); default: ``source``.
    method : str
        One paragraph on the method (the page's "About this map" panel).
    methods_html : str, optional
        The full plain-language methods note as HTML (shown in the panel; the page keeps only plain
        elements and text from it).
    outline_label : str
        What the outlines are ("state", "country"), for the legend.
    aliases : tuple of (str, str)
        Other names a reader may search for, as ``(alias, region id)`` ("Paris" for Île-de-France).
    facts : tuple of (str, tuple of str or None)
        Rows of the region card under its headline: a label and one text per region (``None``: no row).
    tooltip_facts : tuple of str
        Labels of the ``facts`` rows the hover tooltip shows too.
    """

    ids: list[str]
    names: list[str]
    prepared: PreparedGeometry
    layers: list[ClassifiedLayer]
    popup: dict[str, Any] | None
    title: str
    subtitle: str
    source: str
    id_label: str
    region_labels: list[str | None] | None = None
    credit: str = ""
    method: str = ""
    methods_html: str | None = None
    outline_label: str = ""
    aliases: tuple[tuple[str, str], ...] = ()
    facts: tuple[tuple[str, tuple[str | None, ...]], ...] = ()
    tooltip_facts: tuple[str, ...] = ()

    def layer(self, key: str) -> ClassifiedLayer:
        """Return the layer ``key`` or raise :class:`ConfigError` listing the valid keys."""
        for layer in self.layers:
            if layer.key == key:
                return layer
        keys = ", ".join(layer.key for layer in self.layers)
        raise ConfigError(f"unknown layer {key!r}; choose one of: {keys}")


@dataclass
class RegionMap:
    """A built interactive map.

    Attributes
    ----------
    map : folium.Map
        The folium map (render it with ``map.get_root().render()``).
    inputs : MapInputs
        What the map shows.
    encoded : EncodedGeometry
        The packed shapes.
    run : dict
        The run's parameters, also embedded in the page.

    Examples
    --------
    >>> import ideopolis as ideo
    >>> m = ideo.map("us-metros", hotspots=False)
    >>> m.layers[0].key, m.offline
    ('ideopolis_index', False)
    >>> m.html() == m.html()  # the same map, the same bytes
    True
    """

    map: folium.Map
    inputs: MapInputs
    encoded: EncodedGeometry
    run: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict, repr=False)
    style: MapStyle | None = field(default=None, repr=False)
    embed: bool = False
    renderer: str = "auto"
    _page: str | None = field(default=None, repr=False)

    @property
    def layers(self) -> list[ClassifiedLayer]:
        """The classified layers."""
        return self.inputs.layers

    @property
    def geometry(self) -> gpd.GeoSeries:
        """The prepared shapes in map order."""
        return self.inputs.prepared.shapes

    @property
    def view(self) -> tuple[float, float, float, float]:
        """``(minx, miny, maxx, maxy)`` the map opens on (the main body)."""
        return self.inputs.prepared.view

    def html(self) -> str:
        """Return the page: the same map gives the same bytes (folium's random element ids are replaced).

        The page is rendered once and kept: folium adds a map's scripts to the page each time it renders, so a
        second rendering would repeat them.
        """
        if self._page is None:
            root = self.map.get_root()
            stable_element_ids(root, json.dumps(self.run, sort_keys=True, default=str))
            self._page = str(root.render())
        return self._page

    @property
    def offline(self) -> bool:
        """Whether the page has no basemap (and so makes no network request at all)."""
        return bool(self.run.get("offline"))

    def with_offline(self, offline: bool) -> RegionMap:
        """Return this map with or without the basemap (the same map when it already is so).

        Parameters
        ----------
        offline : bool
            ``True``: no basemap, one self-contained file that makes no request.

        Returns
        -------
        RegionMap
        """
        if offline == self.offline:
            return self
        active = str(self.run.get("active_layer") or self.inputs.layers[0].key)
        return interactive_map(
            self.inputs,
            active=active,
            offline=offline,
            embed=self.embed,
            style=self.style,
            run=self.extra,
            renderer=self.renderer,
        )

    def with_renderer(self, renderer: str) -> RegionMap:
        """Return this map drawn by another renderer (the same map when it already is so).

        Parameters
        ----------
        renderer : {"auto", "svg", "canvas"}
            ``svg``: one SVG path per region; ``canvas``: all regions on one canvas (fluid at tens of
            thousands); ``auto``: canvas above :data:`CANVAS_ABOVE` regions.

        Returns
        -------
        RegionMap

        Raises
        ------
        ConfigError
            For another renderer name.
        """
        if renderer == self.renderer:
            return self
        active = str(self.run.get("active_layer") or self.inputs.layers[0].key)
        return interactive_map(
            self.inputs,
            active=active,
            offline=self.offline,
            embed=self.embed,
            style=self.style,
            run=self.extra,
            renderer=renderer,
        )

    def save(self, path: str | os.PathLike[str], *, offline: bool | None = None) -> int:
        """Write the page atomically (temporary file, then rename) and return its size in bytes.

        Parameters
        ----------
        path : str or path-like
            The ``.html`` file; missing folders are created.
        offline : bool, optional
            Write the page without (``True``) or with (``False``) the basemap; default: as built.

        Returns
        -------
        int
            Bytes written.

        Raises
        ------
        OutputError
            When the folder cannot be created or written.
        """
        chosen = self if offline is None else self.with_offline(offline)
        return write_text(path, chosen.html())

    def to_png(
        self,
        path: str | os.PathLike[str],
        *,
        layer: str | None = None,
        title: str | None = None,
        dpi: int | None = None,
    ) -> int:
        """Draw one layer as a print map (insets for outlying parts, nothing over the data) and write it.

        Parameters
        ----------
        path : str or path-like
            The ``.png`` file; ``.svg`` or ``.pdf`` write those formats.
        layer : str, optional
            The layer key (default: the layer the page opens on).
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
        ConfigError
            When ``layer`` names no layer of the map, or ``dpi`` is out of range.
        DataFileError
            For a suffix other than .png, .svg and .pdf.
        """
        from ideopolis.maps.api import write_png

        chosen = layer or str(self.run.get("active_layer") or "")
        return write_png(self.inputs, path, layer=chosen, title=title, dpi=dpi)

    def __repr__(self) -> str:
        """Short: title, regions and layers."""
        keys = ", ".join(layer.key for layer in self.layers)
        mode = "offline" if self.offline else "with basemap"
        return f"RegionMap({self.inputs.title!r}: {len(self.inputs.ids):,} regions, {mode}; layers: {keys})"

    def _repr_html_(self) -> str:
        """The page itself in an iframe (``srcdoc``), so a notebook shows the map inline."""
        return (
            f'<iframe srcdoc="{html.escape(self.html(), quote=True)}" style="width:100%;height:560px;border:0" '
            f'title="{html.escape(self.inputs.title, quote=True)}"></iframe>'
        )


def prepare_map(
    geometry: gpd.GeoSeries,
    values: pd.DataFrame,
    layers: Sequence[MapLayer],
    *,
    names: pd.Series | None = None,
    ranks: pd.DataFrame | None = None,
    popup_values: pd.DataFrame | None = None,
    popup_fields: Sequence[PopupField] = (),
    title: str = "ideopolis",
    subtitle: str = "",
    source: str = "",
    id_label: str = "ID",
    tolerance: float | None = None,
    region_labels: pd.Series | None = None,
    credit: str = "",
    method: str = "",
    methods_html: str | None = None,
    outline_label: str = "",
    aliases: pd.Series | None = None,
    facts: pd.DataFrame | None = None,
    tooltip_facts: Sequence[str] = (),
    rank_intervals: pd.DataFrame | Mapping[str, pd.DataFrame] | None = None,
    layer_notes: Mapping[str, pd.Series] | None = None,
) -> MapInputs:
    """Align, prepare and classify what a map shows.

    Parameters
    ----------
    geometry : geopandas.GeoSeries
        Region shapes, index = region id; the map draws them in this order.
    values : pandas.DataFrame
        Index = region id; one column per layer key (numbers, or labels for categorical layers).
        Regions missing from it are drawn with the "no data" style.
    layers : sequence of MapLayer
        Layers in switcher order.
    names : pandas.Series, optional
        Region names by id (default: the ids).
    ranks : pandas.DataFrame, optional
        Ranks by id, one column per layer key that has ranks.
    popup_values : pandas.DataFrame, optional
        Indicator values by id, shown in the region card.
    popup_fields : sequence of PopupField
        Which ``popup_values`` columns to show, with their labels, units and vintages.
    title, subtitle : str
        The map's title and subtitle.
    source : str
        The source line of print maps (data vintages, method, classes).
    id_label : str, default "ID"
        Name of the id shown in the region card (e.g. "CBSA").
    tolerance : float, optional
        Simplification tolerance in degrees (default: automatic; 0 keeps every vertex).
    region_labels : pandas.Series, optional
        A label per region id (its state or country): outlines dissolved by it, and inset captions.
    credit : str
        The page footer's data line (default: ``source``).
    method : str
        The method paragraph of the page's "About this map" panel.
    methods_html : str, optional
        A full methods note as HTML (plain elements only are kept by the page).
    outline_label : str
        What ``region_labels`` are ("state", "country").
    aliases : pandas.Series, optional
        Other names to search for: index = the alias, values = region ids (unknown ids are ignored).
    facts : pandas.DataFrame, optional
        Rows of the region card by region id: one column per row label, strings ("" or missing: no row).
    tooltip_facts : sequence of str
        Labels of the ``facts`` rows the hover tooltip shows too (the card shows every row).
    rank_intervals : pandas.DataFrame or mapping of str to DataFrame, optional
        5-95% rank intervals (columns ``rank_lo``, ``rank_hi``) by region id: a frame applies to the
        Ideopolis index layer (the first layer when there is none), a mapping names the layer.
    layer_notes : mapping of str to pandas.Series, optional
        By layer key, a short text per region id shown beside its value in the card.

    Returns
    -------
    MapInputs

    Raises
    ------
    ConfigError
        When there is no layer, a layer's column is missing, two layers share a key, or a rank interval
        lacks its columns or names an unknown layer.
    """
    if not layers:
        raise ConfigError("a map needs at least one layer")
    keys = [layer.key for layer in layers]
    if len(set(keys)) != len(keys):
        raise ConfigError(f"layer keys repeat: {keys}; give each layer its own key")
    missing = [k for k in keys if k not in values.columns]
    if missing:
        raise ConfigError(f"no column for layer(s) {missing}; available: {', '.join(map(str, values.columns))}")

    ids = pd.Index(geometry.index.astype(str))
    geometry = gpd.GeoSeries(geometry.array, index=ids, crs=geometry.crs)
    values = values.set_axis(values.index.astype(str)).reindex(ids)
    prepared = prepare_geometry(geometry, tolerance=tolerance)
    if ranks is not None:
        ranks = ranks.set_axis(ranks.index.astype(str))
    intervals = _intervals_by_layer(rank_intervals, keys)
    classified: list[ClassifiedLayer] = []
    for spec in layers:
        layer_ranks = None
        if ranks is not None and spec.key in ranks.columns:
            layer_ranks = ranks[spec.key].reindex(ids)
        layer = classify_layer(spec, values[spec.key], ranks=layer_ranks)
        if spec.key in intervals:
            frame = intervals[spec.key]
            layer = replace(layer, rank_interval=frame.set_axis(frame.index.astype(str)).reindex(ids))
        if layer_notes and spec.key in layer_notes:
            notes = layer_notes[spec.key]
            layer = replace(layer, notes=notes.set_axis(notes.index.astype(str)).reindex(ids))
        classified.append(layer)
    aligned_names = names.set_axis(names.index.astype(str)).reindex(ids) if names is not None else None
    if aligned_names is None:
        name_list = [str(i) for i in ids]
    else:
        name_list = [
            str(v) if ok else str(rid)
            for v, ok, rid in zip(aligned_names.tolist(), aligned_names.notna().tolist(), ids, strict=True)
        ]
    known = set(ids)
    alias_pairs: tuple[tuple[str, str], ...] = ()
    if aliases is not None:
        alias_pairs = tuple(
            (a, str(r)) for a, r in aliases.items() if isinstance(a, str) and a.strip() and str(r) in known
        )
    return MapInputs(
        ids=[str(i) for i in ids],
        names=name_list,
        prepared=prepared,
        layers=classified,
        popup=_popup_payload(popup_values, popup_fields, ids),
        title=title,
        subtitle=subtitle,
        source=source,
        id_label=id_label,
        region_labels=_labels(region_labels, ids),
        credit=credit,
        method=method,
        methods_html=methods_html,
        outline_label=outline_label,
        aliases=alias_pairs,
        facts=_facts(facts, ids),
        tooltip_facts=tuple(tooltip_facts),
    )


def _intervals_by_layer(
    rank_intervals: pd.DataFrame | Mapping[str, pd.DataFrame] | None, keys: Sequence[str]
) -> dict[str, pd.DataFrame]:
    """Rank intervals by layer key, checked: a lone frame belongs to the index layer (else the first)."""
    if rank_intervals is None:
        return {}
    if isinstance(rank_intervals, pd.DataFrame):
        by_layer = {("ideopolis_index" if "ideopolis_index" in keys else keys[0]): rank_intervals}
    else:
        by_layer = dict(rank_intervals)
    out = {}
    for key, frame in by_layer.items():
        if key not in keys:
            raise ConfigError(f"rank intervals for unknown layer {key!r}; choose one of: {', '.join(keys)}")
        absent = {"rank_lo", "rank_hi"} - set(frame.columns)
        if absent:
            raise ConfigError(f"rank intervals of layer {key!r} lack the column(s) {sorted(absent)}")
        out[key] = frame[["rank_lo", "rank_hi"]]
    return out


def _facts(facts: pd.DataFrame | None, ids: pd.Index) -> tuple[tuple[str, tuple[str | None, ...]], ...]:
    """The card's fact rows: one per column, a text per region (``None`` where empty or missing)."""
    if facts is None or facts.columns.empty:
        return ()
    aligned = facts.set_axis(facts.index.astype(str)).reindex(ids)
    rows = []
    for column in aligned.columns:
        col = aligned[column]
        texts = tuple(
            t if ok and t.strip() else None
            for t, ok in zip(col.astype(str).tolist(), col.notna().tolist(), strict=True)
        )
        if any(t is not None for t in texts):
            rows.append((str(column), texts))
    return tuple(rows)


def _labels(labels: pd.Series | None, ids: pd.Index) -> list[str | None] | None:
    if labels is None:
        return None
    aligned = labels.set_axis(labels.index.astype(str)).reindex(ids)
    return [str(v) if pd.notna(v) and str(v) else None for v in aligned]


def interactive_map(
    inputs: MapInputs,
    *,
    active: str | None = None,
    offline: bool = False,
    embed: bool = False,
    style: MapStyle | None = None,
    run: Mapping[str, Any] | None = None,
    renderer: str = "auto",
    max_points: int = MAX_POINTS,
    max_regions: int = MAX_REGIONS,
) -> RegionMap:
    """Build the interactive page from prepared inputs.

    Parameters
    ----------
    inputs : MapInputs
        From :func:`prepare_map`.
    active : str, optional
        Layer shown first (default: the first layer).
    offline : bool, default False
        Leave out the basemap. Scripts and styles are always inlined, so an offline map makes no
        request at all.
    embed : bool, default False
        Open in embed mode (a slim title bar and source line, a collapsible legend, nothing else on the
        map), as the page does by itself inside an iframe.
    style : MapStyle, optional
        Outline and opacity.
    run : mapping, optional
        Extra run parameters to embed in the page.
    renderer : {"auto", "svg", "canvas"}, default "auto"
        How the page draws the regions: an SVG path each (hover and click by the browser), one canvas
        for all (typed arrays, a grid index for hover and click), or canvas above :data:`CANVAS_ABOVE`
        regions.
    max_points : int, default MAX_POINTS
        Most border points one page holds; above, the page is a simplified rendition (coarser borders, see
        :data:`MAX_POINTS`), as ``run["rendition"]`` and a notice on the page say.
    max_regions : int, default MAX_REGIONS
        Most regions whose card carries its indicator table and facts; above, the card shows each layer's
        value and rank only (noted the same way).

    Returns
    -------
    RegionMap

    Raises
    ------
    ConfigError
        When ``active`` names no layer or ``renderer`` is unknown.
    """
    if renderer not in RENDERERS:
        raise ConfigError(f"unknown renderer {renderer!r}; choose one of: {', '.join(RENDERERS)}")
    active = inputs.layer(active).key if active else inputs.layers[0].key
    style = style or MapStyle()
    prepared = inputs.prepared
    quantization = _auto_quantization(prepared.shapes, prepared.tolerance)
    encoded = encode_geometry(prepared.shapes, quantization=quantization)
    # a large page (or any page drawn on a canvas) sends ranks as offsets from its values' ranks
    compact = renderer == "canvas" or (renderer == "auto" and len(inputs.ids) > CANVAS_ABOVE)
    notices: list[str] = []
    rendition: dict[str, Any] = {}
    if encoded.n_points > max_points:
        full_points = encoded.n_points
        tolerance = prepared.tolerance if prepared.tolerance > 0 else auto_tolerance(prepared.view)
        shapes = prepared.shapes
        while encoded.n_points > max_points:
            tolerance *= 2
            shapes = coarsen(prepared.shapes, tolerance)
            quantization = _auto_quantization(shapes, tolerance)
            encoded = encode_geometry(shapes, quantization=quantization)
        prepared = replace(prepared, shapes=shapes, tolerance=tolerance)
        rendition["points_full"] = full_points
        notices.append(
            f"Simplified rendition: the borders have {full_points:,} points, more than one page holds fluidly "
            f"({max_points:,}); they are simplified to {tolerance:.3g} degrees ({encoded.n_points:,} points). "
            "Every region and value is kept."
        )
    popup = inputs.popup
    facts = inputs.facts
    if len(inputs.ids) > max_regions and (popup is not None or facts):
        popup, facts = None, ()
        rendition["card_table"] = False
        notices.append(
            f"{len(inputs.ids):,} regions are more than one page holds with their indicator tables "
            f"({max_regions:,}): the region card shows each layer's value and rank only."
        )
    outlines = None
    if inputs.region_labels is not None:
        arcs = mesh_arcs(encoded, inputs.region_labels)
        steps = np.diff(np.asarray([0, *arcs], dtype=np.int64))
        outlines = {"label": inputs.outline_label, "arcs": pack_varints(steps)}
    index_of = {rid: i for i, rid in enumerate(inputs.ids)}
    methods: dict[str, Any] = {"short": inputs.method}
    if inputs.methods_html:
        methods["full_html"] = inputs.methods_html
    payload = {
        "v": 2,
        "title": inputs.title,
        "subtitle": inputs.subtitle,
        "source": inputs.credit or inputs.source,
        "methods": methods,
        "idLabel": inputs.id_label,
        "view": list(pad_bounds(prepared.view, 0.01)),
        "ids": inputs.ids,
        "names": inputs.names,
        "fold": FOLD_LETTERS,
        "aliases": [[alias, index_of[rid]] for alias, rid in inputs.aliases],
        "geometry": encoded.payload,
        "outlines": outlines,
        "layers": [_layer_payload(layer, compact=compact) for layer in inputs.layers],
        "active": active,
        "popup": _packed_popup(popup) if compact and popup is not None else popup,
        "facts": [
            {"label": label, "values": list(values), "tooltip": label in inputs.tooltip_facts}
            for label, values in facts
        ],
        "embed": bool(embed),
        "renderer": renderer,
        "canvasAbove": CANVAS_ABOVE,
        "style": {
            "weight": style.weight,
            "outline": style.outline,
            "fillOpacity": style.fill_opacity,
            "hoverWeight": style.hover_weight,
            "hoverColour": style.hover_colour,
            "groupOutline": style.group_outline,
            "groupWeight": style.group_weight,
        },
    }
    if notices:
        payload["notice"] = " ".join(notices)
    run_params: dict[str, Any] = {
        "ideopolis": __version__,
        "leaflet": leaflet_version(),
        "offline": offline,
        "embed": bool(embed),
        "renderer": renderer,
        "regions": len(inputs.ids),
        "regions_drawn": int(sum(g is not None for g in prepared.shapes.array)),
        "simplify_tolerance_deg": prepared.tolerance,
        "quantization": quantization,
        "arcs": encoded.n_arcs,
        "points": encoded.n_points,
        "regions_fine": int(encoded.fine.size),
        "outline_arcs": None if outlines is None else len(mesh_arcs(encoded, inputs.region_labels or [])),
        "active_layer": active,
        "layers": [_layer_run(layer) for layer in inputs.layers],
        **dict(run or {}),
    }
    if notices:
        run_params["rendition"] = {**rendition, "notice": " ".join(notices)}
    fmap = _Map(
        location=None,
        tiles=None if offline else BASEMAP,
        zoom_control=False,
        prefer_canvas=False,
        font_size="13px",
        zoom_snap=0.25,
    )
    root = cast(Figure, fmap.get_root())
    root.title = html.escape(inputs.title)
    root.header.add_child(_Verbatim(_VIEWPORT), name="ideopolis_viewport")
    root.header.add_child(_Verbatim(inline_assets()), name="ideopolis_assets")
    fmap.add_child(_RegionLayers(to_script_json(payload), to_script_json(run_params)))
    return RegionMap(
        fmap, inputs, encoded, run_params, extra=dict(run or {}), style=style, embed=bool(embed), renderer=renderer
    )


def build_map(
    geometry: gpd.GeoSeries,
    values: pd.DataFrame,
    layers: Sequence[MapLayer],
    *,
    active: str | None = None,
    offline: bool = False,
    style: MapStyle | None = None,
    run: Mapping[str, Any] | None = None,
    **prepare: Any,
) -> RegionMap:
    """Prepare and build an interactive map in one call.

    Parameters
    ----------
    geometry, values, layers :
        See :func:`prepare_map`.
    active, offline, style, run :
        See :func:`interactive_map`.
    **prepare :
        Further keyword arguments of :func:`prepare_map` (``names``, ``ranks``, ``popup_values``,
        ``popup_fields``, ``title``, ``subtitle``, ``source``, ``id_label``, ``tolerance``).

    Returns
    -------
    RegionMap
    """
    inputs = prepare_map(geometry, values, layers, **prepare)
    return interactive_map(inputs, active=active, offline=offline, style=style, run=run)


def _layer_run(layer: ClassifiedLayer) -> dict[str, Any]:
    numeric = layer.spec.kind != "categorical"
    return {
        "key": layer.key,
        "kind": layer.spec.kind,
        "scheme": layer.spec.scheme if numeric else None,
        "k": len(layer.legend),
        "bins": [e.upper for e in layer.legend] if numeric else None,
        "palette": layer.spec.palette,
        "midpoint": layer.spec.midpoint,
    }


def _auto_quantization(shapes: gpd.GeoSeries, tolerance: float) -> int:
    """Grid size whose step is a quarter of the simplification tolerance (10^4 to 10^6)."""
    present = [g for g in shapes.array if g is not None]
    if not present or tolerance <= 0:
        return 1_000_000
    minx, miny, maxx, maxy = gpd.GeoSeries(present).total_bounds
    extent = max(maxx - minx, maxy - miny)
    return int(min(1_000_000, max(10_000, round(extent / (tolerance / 4)))))


def pack_numbers(values: Sequence[float | int | None], decimals: int) -> str | list[float | int | None]:
    """A column of rounded numbers as one packed string: ``zigzag(value * 10**decimals) + 1``, ``0`` for none.

    A large page sends its layer values, rank offsets and indicator tables so (:func:`pack_varints` digits):
    fewer characters than JSON numbers and, gzip-compressed, some 25% smaller. The page divides by
    ``10**decimals`` again, which gives back the same double as the JSON literal would (both are the double
    nearest the decimal value). Columns whose scaled values reach ``2**50`` stay a JSON list.

    Parameters
    ----------
    values : sequence of float, int or None
        Values already rounded to ``decimals`` (:func:`_numbers`).
    decimals : int
        Decimals of the values.

    Returns
    -------
    str or list
        The packed column (or ``values`` as a list when too large to pack).

    Examples
    --------
    >>> packed = pack_numbers([52.3, None, -0.4, 0.0], 1)
    >>> unpack_numbers(packed, 1)
    [52.3, None, -0.4, 0.0]
    """
    v = np.array([np.nan if x is None else float(x) for x in values], dtype=float)
    finite = np.isfinite(v)
    scaled = np.round(np.where(finite, v, 0.0) * 10.0**decimals)
    if np.abs(scaled).max(initial=0.0) >= 2.0**50:
        return list(values)
    codes = np.where(finite, zigzag(scaled.astype(np.int64)) + 1, 0)
    return pack_varints(codes)


def unpack_numbers(text: str, decimals: int) -> list[float | int | None]:
    """Invert :func:`pack_numbers` (the reference for the page's decoder)."""
    out: list[float | int | None] = []
    for code in unpack_varints(text):
        if code == 0:
            out.append(None)
            continue
        (n,) = unzigzag([code - 1])
        out.append(n / 10.0**decimals if decimals > 0 else n)
    return out


def rank_offsets(values: Sequence[float | int | None], ranks: Sequence[float | int | None]) -> list[int | None]:
    """Ranks as offsets from the competition rank of the page's own (rounded) values.

    A layer's ranks follow its values, so most of a rank is known from the values the page already holds:
    ``base = 1 + (number of values greater than this one)`` (``1`` where the value is missing). The page
    adds the offset back (``rank = base + offset``), which is exact whatever the ranks are; the offsets
    are small (within the run of regions sharing a rounded value), so a large page is smaller by some
    170 kB of compressed ranks per layer at 85,000 regions.

    Parameters
    ----------
    values : sequence of float, int or None
        The layer's values as written to the page.
    ranks : sequence of int or None
        Its ranks (``None``: no rank; whole numbers).

    Returns
    -------
    list of int or None
        ``rank - base`` per region (``None`` where the rank is missing).

    Examples
    --------
    >>> rank_offsets([3.0, 5.0, 3.0, None], [2, 1, 3, None])
    [0, 0, 1, None]
    """
    v = np.array([np.nan if x is None else float(x) for x in values], dtype=float)
    finite = np.isfinite(v)
    ordered = np.sort(v[finite])
    greater = ordered.size - np.searchsorted(ordered, np.where(finite, v, 0.0), side="right")
    base = np.where(finite, 1 + greater, 1)
    return [None if r is None else int(r) - int(b) for r, b in zip(ranks, base.tolist(), strict=True)]


def _layer_payload(layer: ClassifiedLayer, *, compact: bool = False) -> dict[str, Any]:
    spec = layer.spec
    classes = np.where(layer.classes >= 0, _CLASS_DIGITS[np.clip(layer.classes, 0, 35)], ".")
    out: dict[str, Any] = {
        "key": spec.key,
        "title": spec.title,
        "unit": spec.unit,
        "group": spec.group,
        "description": spec.description,
        "method": spec.method,
        "cardLabel": spec.card_label or spec.title,
        "kind": spec.kind,
        "colours": [e.colour for e in layer.legend],
        "legend": [[e.label, e.count] for e in layer.legend],
        "classes": "".join(classes.tolist()),
        "noData": layer.no_data,
        "noDataLabel": spec.no_data_label,
        "decimals": layer.decimals,
    }
    if spec.kind != "categorical":
        out["values"] = _numbers(layer.values, layer.decimals)
        scheme = _SCHEME_NAMES.get(spec.scheme, spec.scheme)
        out["scheme"] = f"Classes: {scheme}" + (
            f", midpoint {spec.midpoint:g}" if spec.kind == "diverging" and spec.midpoint is not None else ""
        )
    if layer.ranks is not None:
        r = pd.to_numeric(layer.ranks, errors="coerce")
        ranks = _numbers(r, 0)
        out["rankOf"] = int(r.notna().sum())
        if compact and "values" in out:
            out["rankOffsets"] = pack_numbers(rank_offsets(out["values"], ranks), 0)
        else:
            out["ranks"] = ranks
    if compact and "values" in out:
        out["values"] = pack_numbers(out["values"], layer.decimals)
    if layer.rank_interval is not None:
        for key, column in (("rankLo", "rank_lo"), ("rankHi", "rank_hi")):
            col = pd.to_numeric(layer.rank_interval[column], errors="coerce")
            out[key] = _numbers(col, 0)
    if layer.notes is not None:
        out["notes"] = [str(v) if pd.notna(v) and str(v) else None for v in layer.notes]
    return out


def _popup_payload(
    popup_values: pd.DataFrame | None, fields: Sequence[PopupField], ids: pd.Index
) -> dict[str, Any] | None:
    if popup_values is None or not fields:
        return None
    table = popup_values.set_axis(popup_values.index.astype(str)).reindex(ids)
    out_fields = []
    out_values = []
    for f in fields:
        if f.key not in table.columns:
            raise ConfigError(f"popup field {f.key!r} is not a column of the indicator table")
        col = pd.to_numeric(table[f.key], errors="coerce").astype(float)
        percent = f.kind == "share"
        if percent:
            col = col * 100.0
        decimals = f.decimals if f.decimals is not None else auto_decimals(col.to_numpy())
        if f.decimals is None and _whole(col):
            decimals = 0  # counts (7 strong clusters, 1,204 jobs): never "7.00 clusters"
        out_fields.append(
            {
                "key": f.key,
                "label": f.label,
                "unit": f.unit,
                "vintage": f.vintage,
                "source": f.source,
                "decimals": decimals,
                "percent": percent,
            }
        )
        out_values.append(_numbers(col, decimals))
    return {"fields": out_fields, "values": out_values}


def _packed_popup(popup: dict[str, Any]) -> dict[str, Any]:
    """The indicator table with each field's values as a :func:`pack_numbers` column."""
    values = [pack_numbers(v, f["decimals"]) for f, v in zip(popup["fields"], popup["values"], strict=True)]
    return {"fields": popup["fields"], "values": values}


def _whole(values: pd.Series) -> bool:
    """Whether every finite value is a whole number (a count shows no decimals)."""
    arr = values.to_numpy(dtype=float)
    arr = arr[np.isfinite(arr)]
    return bool(np.all(arr == np.round(arr)))


def stable_element_ids(root: Any, seed: str) -> None:
    """Give every element of a folium tree an id derived from ``seed`` and its place in the tree.

    folium names each element (``map_<id>``, used as the JavaScript variable and the ``<div>`` id) with a
    random id, so rendering the same map twice gives two different pages. Ids made from a digest of the
    run and a counter over the tree (depth first, insertion order) make the page reproducible byte for byte
    and keep two different maps from sharing an element id.

    Parameters
    ----------
    root : branca.element.Element
        The tree to rename (a folium ``Figure`` or ``Map``), changed in place.
    seed : str
        What makes the ids of this map differ from another's (the run parameters as JSON).
    """
    prefix = hashlib.sha256(seed.encode("utf-8")).hexdigest()[:24]
    stack = [root]
    order = 0
    while stack:
        element = stack.pop()
        element._id = f"{prefix}{order:08x}"
        order += 1
        stack.extend(reversed(list(element._children.values())))
