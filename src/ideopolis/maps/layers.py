"""Map layers: what a layer shows (:class:`MapLayer`) and how its values fall into classes.

A layer is one column of scores (or the typology, or hotspot classes) drawn on the shared region
shapes. Numeric layers are classified through mapclassify by scheme name (:data:`SCHEMES`:
``quantiles`` by default, ``natural_breaks``, ``equal_interval``, ``user_defined`` with explicit
bins); categorical layers keep their categories in a fixed legend order. The result,
:class:`ClassifiedLayer`, carries one class number per region (-1 for "no data"), the colours and the
legend, which is all the page needs to restyle the shapes in the browser.

Examples
--------
>>> import pandas as pd
>>> layer = classify_layer(MapLayer("talent", "Talent", k=2), pd.Series([10.0, 20, 30, 40, None]))
>>> layer.classes.tolist()
[0, 0, 1, 1, -1]
>>> [entry.label for entry in layer.legend]
['10.0 – 25.0', '25.0 – 40.0']
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from ideopolis.errors import ConfigError, MethodError
from ideopolis.maps import palettes
from ideopolis.registry import Registry
from ideopolis.spatial.classes import GI_STAR_LEGEND, NOT_SIGNIFICANT

#: The one category a legend lists even when no region falls in it (a test's "not significant" grey).
NOT_SIGNIFICANT_LABEL = NOT_SIGNIFICANT


def _mapclassify() -> Any:
    """Import mapclassify on first use (it pulls in scikit-learn and takes seconds to import)."""
    import mapclassify

    return mapclassify


LayerKind = Literal["sequential", "diverging", "categorical"]

#: Seed of the k-means behind natural breaks (mapclassify draws from numpy's global generator).
NATURAL_BREAKS_SEED = 20060101
#: Most classes a layer may have (the page stores one base-64 digit per region and layer).
MAX_CLASSES = 36

Scheme = Callable[[NDArray[np.float64], int, Sequence[float] | None], NDArray[np.float64]]
SCHEMES: Registry[Scheme] = Registry("classification")


@contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """Seed numpy's global generator for one call and restore its state afterwards."""
    # mapclassify's k-means draws from numpy's legacy global generator and takes no seed.
    state = np.random.get_state()  # noqa: NPY002
    np.random.seed(seed)  # noqa: NPY002
    try:
        yield
    finally:
        np.random.set_state(state)  # noqa: NPY002


@SCHEMES.register("quantiles", aliases=("quantile",))
def quantiles(y: NDArray[np.float64], k: int, bins: Sequence[float] | None = None) -> NDArray:
    """Upper bounds of ``k`` classes holding (about) equal numbers of regions."""
    return np.asarray(_mapclassify().Quantiles(y, k=k).bins, dtype=float)


@SCHEMES.register("natural_breaks", aliases=("jenks", "naturalbreaks"))
def natural_breaks(y: NDArray[np.float64], k: int, bins: Sequence[float] | None = None) -> NDArray:
    """Upper bounds of ``k`` natural-breaks classes (1-D k-means, seeded: the same data, same breaks)."""
    with _seeded(NATURAL_BREAKS_SEED):
        return np.asarray(_mapclassify().NaturalBreaks(y, k=k).bins, dtype=float)


@SCHEMES.register("equal_interval", aliases=("equal", "equalinterval"))
def equal_interval(y: NDArray[np.float64], k: int, bins: Sequence[float] | None = None) -> NDArray:
    """Upper bounds of ``k`` classes of equal width between the minimum and the maximum."""
    return np.asarray(_mapclassify().EqualInterval(y, k=k).bins, dtype=float)


@SCHEMES.register("user_defined", aliases=("user", "bins", "userdefined"))
def user_defined(y: NDArray[np.float64], k: int, bins: Sequence[float] | None = None) -> NDArray:
    """Upper bounds given by the user; a last class up to the maximum is added when needed."""
    if not bins:
        raise ConfigError("the user_defined scheme needs bins, e.g. --bins 20,40,60,80")
    return np.asarray(_mapclassify().UserDefined(y, bins=list(bins)).bins, dtype=float)


def parse_bins(text: str) -> tuple[float, ...]:
    """Parse user bins such as ``"20,40,60,80"`` into increasing upper class bounds.

    Parameters
    ----------
    text : str
        Comma-separated numbers.

    Returns
    -------
    tuple of float

    Raises
    ------
    ConfigError
        When a value is not a finite number or the values do not increase.
    """
    parts = [p.strip() for p in text.split(",") if p.strip()]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise ConfigError(
            f"--bins {text!r} is not a list of numbers; write upper class bounds like 20,40,60,80"
        ) from None
    validate_bins(values)
    return values


def validate_bins(bins: Sequence[float]) -> None:
    """Raise :class:`ConfigError` unless ``bins`` are finite and strictly increasing."""
    if not bins:
        raise ConfigError("--bins is empty; give upper class bounds like 20,40,60,80")
    if not all(math.isfinite(b) for b in bins):
        raise ConfigError(f"--bins {list(bins)} contains a non-finite value; use plain numbers")
    if any(b2 <= b1 for b1, b2 in itertools.pairwise(bins)):
        raise ConfigError(f"--bins {list(bins)} must increase strictly, e.g. 20,40,60,80")
    if len(bins) + 1 > MAX_CLASSES:
        raise ConfigError(f"--bins gives more than {MAX_CLASSES} classes; use fewer bounds")


@dataclass(frozen=True)
class MapLayer:
    """What one layer of a map shows.

    Attributes
    ----------
    key : str
        Column of the scores table (also the layer's id in the page and on the command line).
    title : str
        Human-readable title (layer switcher, legend, tooltip).
    unit : str
        Unit shown in the legend ("score 0-100", "share of adults").
    kind : {"sequential", "diverging", "categorical"}
        Sequential scores, a diverging balance, or categories (typology, hotspot classes).
    scheme : str
        Classification scheme name (see :data:`SCHEMES`); numeric layers only.
    k : int
        Number of classes (quantiles, natural breaks, equal interval).
    bins : tuple of float, optional
        Upper class bounds for the ``user_defined`` scheme.
    palette : str, optional
        Palette name (:data:`ideopolis.maps.palettes.SEQUENTIAL` or ``DIVERGING``); categorical
        layers take ``"hotspots"`` or Okabe-Ito by default.
    midpoint : float, optional
        Diverging layers: the value separating the two sides; default 0 when the values straddle 0,
        else their median.
    decimals : int, optional
        Decimals shown for values; default: three significant digits of the median magnitude.
    categories : tuple of str, optional
        Categorical layers: the legend order (values not listed follow, sorted).
    group : str
        Heading of the layer in the layer switcher.
    description : str
        One short line shown under the legend title.
    method : str
        The full method of the layer (a hotspot test's weights, permutations, correction), one click away
        from the legend in the page's "About this map" panel.
    card_label : str
        The label of the layer's row in the region card (default: the title).
    no_data_label : str
        What the legend and the card call a region without a value (``"Not ranked"`` on the rank-stability
        layer, whose regions without a class are the ones the index does not rank).
    """

    key: str
    title: str
    unit: str = ""
    kind: LayerKind = "sequential"
    scheme: str = "quantiles"
    k: int = 5
    bins: tuple[float, ...] | None = None
    palette: str | None = None
    midpoint: float | None = None
    decimals: int | None = None
    categories: tuple[str, ...] | None = None
    group: str = "Scores"
    description: str = ""
    method: str = ""
    card_label: str = ""
    no_data_label: str = "No data"


@dataclass(frozen=True)
class LegendEntry:
    """One row of a legend.

    Attributes
    ----------
    label : str
        Class bounds ("12.3 – 45.6") or the category.
    colour : str
        Hex fill colour.
    count : int
        Regions in the class.
    lower, upper : float or None
        Class bounds (numeric layers).
    """

    label: str
    colour: str
    count: int
    lower: float | None = None
    upper: float | None = None


@dataclass(frozen=True)
class ClassifiedLayer:
    """A layer with one class per region, ready to draw.

    Attributes
    ----------
    spec : MapLayer
        The layer's specification (with the canonical scheme name).
    values : pandas.Series
        Values in region order: floats rounded to :attr:`decimals`, or category labels.
    classes : numpy.ndarray
        Class number per region, -1 for "no data".
    legend : tuple of LegendEntry
        Legend rows in class order (without the "no data" row).
    decimals : int
        Decimals used to show values (0 for categorical layers).
    ranks : pandas.Series, optional
        Rank per region (1 = best), shown next to the value in the tooltip and the region card.
    no_data : int
        Number of regions without a value.
    colours : tuple of str
        The fill colour of each class.
    rank_interval : pandas.DataFrame, optional
        Columns ``rank_lo`` and ``rank_hi`` in region order: the 5-95% rank interval of a Monte Carlo
        uncertainty analysis, shown as "12th (8th–19th)".
    notes : pandas.Series, optional
        A short text per region shown next to its value in the region card (a hotspot's adjusted p-value).
    """

    spec: MapLayer
    values: pd.Series
    classes: NDArray[np.int64]
    legend: tuple[LegendEntry, ...]
    decimals: int
    ranks: pd.Series | None = None
    no_data: int = 0
    colours: tuple[str, ...] = field(default=())
    rank_interval: pd.DataFrame | None = None
    notes: pd.Series | None = None

    @property
    def key(self) -> str:
        """The layer's key."""
        return self.spec.key

    def colour_of(self, i: int) -> str | None:
        """Return the fill colour of region number ``i`` (``None`` for no data)."""
        c = int(self.classes[i])
        return None if c < 0 else self.legend[c].colour


def auto_decimals(values: ArrayLike) -> int:
    """Return the decimals that show three significant digits of a typical value (0 to 6).

    Parameters
    ----------
    values : array-like of float

    Returns
    -------
    int

    Examples
    --------
    >>> auto_decimals([52.3, 61.0]), auto_decimals([0.234]), auto_decimals([52300.0])
    (1, 3, 0)
    """
    arr = np.abs(np.asarray(values, dtype=float))
    arr = arr[np.isfinite(arr) & (arr > 0)]
    if arr.size == 0:
        return 0
    magnitude = math.floor(math.log10(float(np.median(arr))))
    return int(min(6, max(0, 2 - magnitude)))


def format_value(value: float | None, decimals: int) -> str:
    """Format a value as the map shows it: thousands separators, fixed decimals, "no data" for NaN.

    Parameters
    ----------
    value : float or None
    decimals : int

    Returns
    -------
    str

    Examples
    --------
    >>> format_value(52345.678, 0), format_value(0.25, 1), format_value(float("nan"), 1)
    ('52,346', '0.3', 'no data')
    """
    if value is None or not math.isfinite(value):
        return "no data"
    rounded = round_half_up(value, decimals)
    return f"{rounded:,.{decimals}f}"


def round_half_up(value: float, decimals: int) -> float:
    """Round like JavaScript's ``toFixed`` on the rounded value: halves away from zero.

    Values are rounded once in Python and written to the page already rounded, so the page and
    Python show the same digits.
    """
    factor = 10.0**decimals
    scaled = abs(value) * factor
    out = math.floor(scaled + 0.5 + 1e-9) / factor
    return math.copysign(out, value) if out else 0.0


def round_half_up_array(values: NDArray[np.float64], decimals: int) -> NDArray[np.float64]:
    """:func:`round_half_up` of every value at once (the same IEEE operations, so the same results).

    Parameters
    ----------
    values : numpy.ndarray
        Floats; NaN and infinities stay as they are.
    decimals : int
        Decimals kept.

    Returns
    -------
    numpy.ndarray
        The rounded values, same shape.
    """
    v = np.asarray(values, dtype=float)
    factor = 10.0**decimals
    with np.errstate(invalid="ignore", over="ignore"):
        out = np.floor(np.abs(v) * factor + 0.5 + 1e-9) / factor
        rounded = np.where(out != 0, np.copysign(out, v), 0.0)
    return np.where(np.isfinite(v), rounded, v)


def _legend_number(value: float, decimals: int) -> str:
    """Format a class bound for a legend, with a typographic minus sign."""
    return format_value(value, decimals).replace("-", "\u2212")


def _legend_label(lower: float | None, upper: float, decimals: int) -> str:
    if lower is None:
        return f"\u2264 {_legend_number(upper, decimals)}"
    return f"{_legend_number(lower, decimals)} \u2013 {_legend_number(upper, decimals)}"


#: Significant digits kept when classifying: values that agree to 12 digits are ties (float64 holds ~15.9;
#: sums and means computed in different orders differ in the last one or two).
TIE_DIGITS = 12


def snap_ties(values: NDArray[np.float64], digits: int = TIE_DIGITS) -> NDArray[np.float64]:
    """Round values to ``digits`` significant digits, so that floating-point noise does not split ties.

    Two regions whose scores are both 50 but were summed in different orders (50.0 and 50.00000000000001)
    fall in the same class, and no class is labelled "50.000000 – 50.000000".

    Examples
    --------
    >>> snap_ties(np.array([50.0, 50.00000000000001, 0.1 + 0.2, 0.0]))
    array([50. , 50. ,  0.3,  0. ])
    """
    x = np.asarray(values, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        magnitude = np.floor(np.log10(np.abs(x)))
    magnitude = np.where(np.isfinite(magnitude), magnitude, 0.0)
    scale = 10.0 ** (digits - 1 - magnitude)
    with np.errstate(over="ignore", invalid="ignore"):
        snapped = np.round(x * scale) / scale
    return np.where(np.isfinite(snapped), snapped, x)


def _distinct_decimals(edges: Sequence[float], decimals: int) -> int:
    """Add decimals until neighbouring class bounds print differently (at most 6)."""
    d = decimals
    while d < 6:
        shown = [format_value(e, d) for e in edges]
        if len(set(shown)) == len(shown):
            break
        d += 1
    return d


def classify_layer(spec: MapLayer, values: pd.Series, *, ranks: pd.Series | None = None) -> ClassifiedLayer:
    """Classify one layer's values and colour its classes.

    Parameters
    ----------
    spec : MapLayer
        What to show and how to classify it.
    values : pandas.Series
        One value per region, in map order (NaN or None = no data). Categorical layers take labels.
    ranks : pandas.Series, optional
        Ranks aligned with ``values``.

    Returns
    -------
    ClassifiedLayer

    Raises
    ------
    UnknownMethodError
        For an unknown scheme or palette name (the message lists the valid names).
    ConfigError
        For bad bins or a class count outside 1..36.
    """
    if spec.kind == "categorical":
        return _classify_categorical(spec, values, ranks)
    scheme = SCHEMES.canonical(spec.scheme)
    spec = replace(spec, scheme=scheme)
    if spec.palette is not None:
        (palettes.DIVERGING if spec.kind == "diverging" else palettes.SEQUENTIAL).canonical(spec.palette)
    if not 1 <= spec.k <= MAX_CLASSES:
        raise ConfigError(f"-k {spec.k} is out of range; use 1 to {MAX_CLASSES} classes")
    if scheme == "user_defined":
        validate_bins(spec.bins or ())
    y = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    finite = np.isfinite(y)
    decimals = spec.decimals if spec.decimals is not None else auto_decimals(y[finite])
    rounded = pd.Series(round_half_up_array(np.where(finite, y, np.nan), decimals), index=values.index, dtype=float)
    classes = np.full(y.size, -1, dtype=np.int64)
    if not finite.any():
        return ClassifiedLayer(spec, rounded, classes, (), decimals, ranks, int(y.size))

    data = snap_ties(y[finite])
    midpoint: float | None = None
    if spec.kind == "diverging":
        midpoint = spec.midpoint
        if midpoint is None:
            midpoint = 0.0 if data.min() < 0 < data.max() else float(np.median(data))
        spec = replace(spec, midpoint=midpoint)
    if midpoint is not None and scheme != "user_defined" and data.min() < midpoint < data.max():
        bins = _split_at_midpoint(spec, scheme, data, midpoint)
    else:
        bins = _bins(spec, scheme, data, spec.k)
    bins = np.unique(bins)
    classes[finite] = np.minimum(np.searchsorted(bins, data, side="left"), bins.size - 1)
    counts = np.bincount(classes[finite], minlength=bins.size)

    lowers: list[float | None] = []
    for i in range(bins.size):
        if i == 0:
            lowers.append(float(data.min()) if data.min() <= bins[0] else None)
        else:
            lowers.append(float(bins[i - 1]))
    edges = [b for b in [lowers[0], *bins.tolist()] if b is not None]
    label_decimals = _distinct_decimals(edges, decimals)
    bounds = [(lo if lo is not None else float(bins[0]), float(hi)) for lo, hi in zip(lowers, bins, strict=True)]
    if midpoint is not None:
        colours = palettes.diverging_for_classes(
            bounds, midpoint=midpoint, name=spec.palette or palettes.DEFAULT_DIVERGING
        )
    else:
        colours = palettes.sequential(spec.palette or palettes.DEFAULT_SEQUENTIAL, bins.size)
    legend = tuple(
        LegendEntry(
            _legend_label(lo, float(hi), label_decimals),
            colours[i],
            int(counts[i]),
            lo,
            float(hi),
        )
        for i, (lo, hi) in enumerate(zip(lowers, bins, strict=True))
    )
    return ClassifiedLayer(spec, rounded, classes, legend, decimals, ranks, int((~finite).sum()), tuple(colours))


def category_label(value: object) -> str:
    """Return the display form of a category: ``"talent_hub"`` -> ``"talent hub"``."""
    return str(value).replace("_", " ").strip()


#: Category labels that mean "no value" (drawn with the no-data style).
NO_DATA_LABELS = frozenset({"", "no data", "nan", "none", "<na>"})


def _bins(spec: MapLayer, scheme: str, data: NDArray[np.float64], k: int) -> NDArray[np.float64]:
    """Upper class bounds of ``data`` by ``scheme`` (at most ``k`` classes, fewer for few distinct values)."""
    n_unique = np.unique(data).size
    if n_unique == 1 and scheme != "user_defined":
        return np.array([data.max()])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return SCHEMES.get(scheme)(data, min(k, n_unique), spec.bins)
    except ValueError as exc:
        raise MethodError(f"cannot classify layer {spec.key!r} with {scheme}: {exc}") from exc


def _split_at_midpoint(spec: MapLayer, scheme: str, data: NDArray[np.float64], midpoint: float) -> NDArray[np.float64]:
    """Classify each side of a diverging layer's midpoint on its own, so no class straddles it.

    The ``k`` classes are shared between the sides in proportion to their regions (at least one each);
    the midpoint itself is always a class bound.
    """
    below = data[data <= midpoint]
    above = data[data > midpoint]
    k = max(spec.k, 2)
    k_below = min(k - 1, max(1, round(k * below.size / data.size)))
    lower = _bins(spec, scheme, below, k_below)
    lower[-1] = midpoint
    upper = _bins(spec, scheme, above, k - k_below)
    return np.concatenate([lower, upper])


def _classify_categorical(spec: MapLayer, values: pd.Series, ranks: pd.Series | None) -> ClassifiedLayer:
    """Classify labels: the listed categories first, then any others sorted; empty categories are left out.

    Colours are given on the whole list before empty categories go, so a category keeps its colour from map
    to map (a typology without exporters still draws magnets in orange). The legend lists only classes that
    hold a region, except "Not significant": a hotspot test always says what its grey means.
    """
    labels = [None if pd.isna(v) or category_label(v).lower() in NO_DATA_LABELS else category_label(v) for v in values]
    order = [category_label(c) for c in (spec.categories or ())]
    order += sorted({v for v in labels if v is not None} - set(order))
    if len(order) > MAX_CLASSES:
        raise ConfigError(f"layer {spec.key!r} has {len(order)} categories; a map layer shows at most {MAX_CLASSES}")
    if spec.palette == "hotspots":
        all_colours = palettes.hotspot_colours(order)
    elif spec.palette == "stability":
        all_colours = palettes.stability_colours(order)
    else:
        all_colours = palettes.categorical(len(order))
    present = {v for v in labels if v is not None}
    keep = [i for i, c in enumerate(order) if c in present or c == NOT_SIGNIFICANT_LABEL]
    order = [order[i] for i in keep]
    colours = [all_colours[i] for i in keep]
    position = {c: i for i, c in enumerate(order)}
    classes = np.array([position[v] if v is not None else -1 for v in labels], dtype=np.int64)
    counts = np.bincount(classes[classes >= 0], minlength=len(order))
    legend = tuple(LegendEntry(c, colours[i], int(counts[i])) for i, c in enumerate(order))
    text = pd.Series(labels, index=values.index, dtype=object)
    return ClassifiedLayer(spec, text, classes, legend, 0, ranks, int((classes < 0).sum()), tuple(colours))


# --------------------------------------------------------------------------------------------------
# The standard layers of an index run
# --------------------------------------------------------------------------------------------------

#: Title and switcher group of the score columns an index run produces, in display order.
SCORE_LAYERS: Mapping[str, tuple[str, str]] = {
    "ideopolis_index": ("Ideopolis index", "Scores"),
    "cluster_strength": ("Cluster strength", "Scores"),
    "talent": ("Talent", "Pillars"),
    "capital": ("Capital", "Pillars"),
    "knowledge_jobs": ("Knowledge jobs", "Pillars"),
    "import_people": ("Attraction (import people)", "Lens"),
    "attraction": ("Attraction (import people)", "Lens"),
    "export_jobs": ("Exposure (export jobs)", "Lens"),
    "exposure": ("Exposure (export jobs)", "Lens"),
    "balance": ("Balance: attraction against exposure", "Lens"),
}
#: The typology's categories in legend order.
TYPOLOGY_ORDER = ("magnet", "talent hub", "exporter", "rooted")
#: The rank-stability classes of an uncertainty analysis, most stable first.
STABILITY_ORDER = ("stable", "moderate", "volatile")
#: Hotspot classes in legend order (defined in :mod:`ideopolis.spatial.classes`).
HOTSPOT_ORDER = GI_STAR_LEGEND


def standard_layers(
    score_columns: Sequence[str],
    *,
    unit: str = "score",
    scheme: str = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    palette: str | None = None,
    diverging_palette: str | None = None,
    balance_midpoint: float | None = None,
    typology: bool = False,
    hotspots: str | None = None,
    hotspot_classes: Sequence[str] = HOTSPOT_ORDER,
    stability: str | None = None,
) -> list[MapLayer]:
    """Return the layer specs for an index run's score columns (known scores first, then the rest).

    Parameters
    ----------
    score_columns : sequence of str
        Columns of the scores table; unknown numeric columns become extra pillar layers.
    unit : str, default "score"
        Unit of the scores.
    scheme, k, bins, palette :
        Classification of the sequential layers (and ``scheme``, ``k``, ``bins`` of the balance).
    diverging_palette : str, optional
        Palette of the balance.
    balance_midpoint : float, optional
        The balance's midpoint (attraction equals exposure): the middle of the score range, e.g. 50
        for scores on 0-100; default: 0 when the values straddle 0, else their median.
    typology : bool, default False
        Add the categorical typology layer.
    hotspots : str, optional
        Add a hotspot layer; the string describes the test (shown under the legend title).
    hotspot_classes : sequence of str
        Hotspot classes in legend order (default: the Gi* classes).
    stability : str, optional
        Add the categorical "rank stability" layer (column ``rank_stability``, an uncertainty analysis's
        classes); the string says how the classes were made (shown under the legend title).

    Returns
    -------
    list of MapLayer
    """
    known = [c for c in SCORE_LAYERS if c in score_columns]
    rest = [c for c in score_columns if c not in SCORE_LAYERS]
    out: list[MapLayer] = []
    for col in known + rest:
        title, group = SCORE_LAYERS.get(col, (col.replace("_", " ").capitalize(), "Pillars"))
        if col == "balance":
            out.append(
                MapLayer(
                    col,
                    title,
                    unit=unit,
                    kind="diverging",
                    scheme=scheme,
                    k=k,
                    bins=tuple(bins) if bins else None,
                    palette=diverging_palette,
                    midpoint=balance_midpoint,
                    group=group,
                    description="above the midpoint: attraction outweighs exposure",
                )
            )
        else:
            out.append(
                MapLayer(
                    col,
                    title,
                    unit=unit,
                    scheme=scheme,
                    k=k,
                    bins=tuple(bins) if bins else None,
                    palette=palette,
                    group=group,
                )
            )
    if typology:
        out.append(
            MapLayer(
                "typology",
                "Typology",
                kind="categorical",
                categories=TYPOLOGY_ORDER,
                group="Lens",
                description="quadrants of attraction and exposure",
                card_label="Type",
            )
        )
    if stability is not None:
        out.append(
            MapLayer(
                "rank_stability",
                "Rank stability",
                kind="categorical",
                categories=STABILITY_ORDER,
                palette="stability",
                group="Uncertainty",
                description=stability,
                card_label="Rank stability",
                no_data_label="Not ranked",
            )
        )
    if hotspots is not None:
        out.append(
            MapLayer(
                "hotspots",
                "Hotspots",
                kind="categorical",
                categories=tuple(hotspot_classes),
                palette="hotspots",
                group="Hotspots",
                description=hotspots,
                card_label="Hotspot class",
            )
        )
    return out
