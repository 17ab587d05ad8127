"""``ideopolis map``: the interactive HTML map of a region set's results, or a PNG of one layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from ideopolis.cli._app import (
    AllowOutsidePathsOption,
    CustomOption,
    GeometryOption,
    IdOption,
    IndicatorsOption,
    NameColumnOption,
    RegionsOption,
    app,
    human_size,
    progress,
    resolve_region_set,
)
from ideopolis.errors import ConfigError
from ideopolis.maps.layers import HOTSPOT_ORDER, SCHEMES, parse_bins
from ideopolis.maps.palettes import SEQUENTIAL
from ideopolis.safety import safe_file_stem

MAPS_DIR = Path("maps")


@dataclass
class MapResults:
    """The results a map shows, as plain tables (what the engine and the hotspot test produce)."""

    scores: pd.DataFrame
    ranks: pd.DataFrame | None = None
    typology: pd.Series | None = None
    hotspots: pd.Series | None = None
    hotspot_note: str | None = None
    hotspot_classes: tuple[str, ...] = HOTSPOT_ORDER
    method: str | None = None
    balance_midpoint: float | None = None
    score_unit: str = "score"
    params: dict[str, Any] = field(default_factory=dict)


def compute_results(rs: Any, *, hotspots: bool) -> MapResults:
    """Score a region set with the index engine (and test the index for hotspots).

    Parameters
    ----------
    rs : RegionSet
        The loaded region set.
    hotspots : bool
        Also run the Gi* hotspot test on the Ideopolis index (queen contiguity, 999 permutations,
        false-discovery-rate control: the hotspot module's defaults).

    Returns
    -------
    MapResults
    """
    from ideopolis.index import score_region_set

    run = score_region_set(rs)
    scores = run.scores
    result = MapResults(
        scores=scores,
        ranks=run.ranks,
        typology=run.typology,
        method=method_line(run.config, lens="balance" in scores.columns),
    )
    l_u = _score_range(run.config)
    if l_u is not None:
        result.balance_midpoint = (l_u[0] + l_u[1]) / 2
        result.score_unit = f"score, {l_u[0]:g}-{l_u[1]:g}"
    if hotspots and "ideopolis_index" in scores.columns and rs.geometry is not None:
        from ideopolis.hotspots import hotspots as run_hotspots
        from ideopolis.spatial import build_weights

        weights = build_weights(rs.geometry, "queen", names=rs.names)
        test = run_hotspots(scores["ideopolis_index"], weights, indicator="the Ideopolis index")
        result.hotspots = test.table["cls"]
        result.hotspot_note = test.method_note
        result.hotspot_classes = tuple(c for c in test.classes if c != "No data")
    return result


def _score_range(config: Any) -> tuple[float, float] | None:
    """Return the (lower, upper) range of min-max normalised scores, when the run used min-max."""
    step = config.step("normalise")
    if step.method != "minmax":
        return None
    l_u = step.params.get("l_u", (0.0, 100.0))
    return float(l_u[0]), float(l_u[1])


def method_line(config: Any, *, lens: bool = True) -> str:
    """Say in one line how the scores were made, from the run's configuration.

    Parameters
    ----------
    config : RunConfig
        The run's configuration (``IndexRun.config``).
    lens : bool, default True
        Whether the run has the balance (a set without migration or telework indicators has not).

    Returns
    -------
    str
    """
    l_u = _score_range(config)
    normalise = config.step("normalise").method.replace("_", " ")
    if l_u is not None:
        normalise = f"min-max to {l_u[0]:g}-{l_u[1]:g}"
    aggregate = config.step("aggregate").method.replace("_", " ")
    w = float(config.step("weight").params.get("balance_weight", 0.25))
    index = (
        f"index = {1 - w:g} x cluster strength + {w:g} x balance of attraction against exposure"
        if lens
        else "index = cluster strength (no attraction or exposure indicators in this set)"
    )
    return (
        f"indicators normalised ({normalise}) and aggregated ({aggregate} mean) into pillars and cluster "
        f"strength; {index} (OECD/JRC composite-indicator method)"
    )


@app.command("map", short_help="Map every score as an interactive page (main job).")
def map_command(
    regions: RegionsOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="PATH",
            help="Where to write the map; default maps/<region set>.html (maps/<set>-<layer>.png with --png), "
            "the set's name reduced to letters, digits, - and _.",
        ),
    ] = None,
    offline: Annotated[
        bool,
        typer.Option("--offline", help="No basemap: one self-contained file that makes no network request."),
    ] = False,
    png: Annotated[
        bool, typer.Option("--png", help="Write a static PNG of one layer (see --layer) for print.")
    ] = False,
    layer: Annotated[
        str | None,
        typer.Option(
            "--layer", "-l", metavar="KEY", help="Layer shown first (HTML) or drawn (PNG); default the index."
        ),
    ] = None,
    scheme: Annotated[
        str,
        typer.Option(
            "--scheme",
            metavar="NAME",
            help=f"Classification of the score layers: {', '.join(SCHEMES.names())}.",
        ),
    ] = "quantiles",
    k: Annotated[int, typer.Option("-k", "--classes", metavar="N", help="Number of classes.")] = 5,
    bins: Annotated[
        str | None,
        typer.Option("--bins", metavar="B1,B2,...", help="Upper class bounds (implies --scheme user_defined)."),
    ] = None,
    palette: Annotated[
        str | None, typer.Option("--palette", metavar="NAME", help="Sequential palette (ylgnbu, viridis, cividis...).")
    ] = None,
    title: Annotated[str | None, typer.Option("--title", metavar="TEXT", help="Map title.")] = None,
    with_hotspots: Annotated[
        bool, typer.Option("--hotspots/--no-hotspots", help="Add the Gi* hotspot layer of the index.")
    ] = True,
    geometry: GeometryOption = None,
    indicators: IndicatorsOption = None,
    id_column: IdOption = None,
    name_column: NameColumnOption = None,
    custom: CustomOption = None,
    allow_outside_paths: AllowOutsidePathsOption = False,
) -> None:
    """Map the region set's results: every score as a layer, the typology, the hotspots."""
    from ideopolis.maps.api import MapOptions, region_set_map_inputs, write_html, write_png

    scheme = SCHEMES.canonical(scheme)
    bin_values = parse_bins(bins) if bins is not None else None
    if bin_values is not None:
        if scheme not in ("quantiles", "user_defined"):
            raise ConfigError(f"--bins goes with --scheme user_defined, not {scheme!r}; drop one of them")
        scheme = "user_defined"
    elif scheme == "user_defined":
        raise ConfigError("--scheme user_defined needs --bins, e.g. --bins 20,40,60,80")
    if not 1 <= k <= 36:
        raise ConfigError(f"-k {k} is out of range; use 1 to 36 classes")
    if palette is not None:
        SEQUENTIAL.canonical(palette)

    steps = ["loading the region set", "scoring", "preparing the map", "writing"]
    with progress(steps) as advance:
        advance(steps[0])
        rs = resolve_region_set(
            regions,
            geometry=geometry,
            indicators=indicators,
            id_column=id_column,
            name_column=name_column,
            custom=custom,
            allow_outside_paths=allow_outside_paths,
        )
        advance(steps[1])
        results = compute_results(rs, hotspots=with_hotspots)
        advance(steps[2])
        options = MapOptions(
            scheme=scheme,
            k=k,
            bins=bin_values,
            palette=palette,
            balance_midpoint=results.balance_midpoint,
            score_unit=results.score_unit,
            title=title,
        )
        inputs = region_set_map_inputs(
            rs,
            results.scores,
            ranks=results.ranks,
            typology=results.typology,
            hotspots=results.hotspots,
            hotspot_note=results.hotspot_note,
            hotspot_classes=results.hotspot_classes,
            **({"method": results.method} if results.method else {}),
            options=options,
        )
        chosen = inputs.layer(layer).key if layer else inputs.layers[0].key
        advance(steps[3])
        if png:
            target = out or MAPS_DIR / f"{safe_file_stem(f'{rs.name}-{chosen}')}.png"
            size = write_png(inputs, target, layer=chosen)
            what = f"{chosen} layer"
        else:
            target = out or MAPS_DIR / f"{safe_file_stem(rs.name)}.html"
            run = {
                "region_set": rs.name,
                "scheme": scheme,
                "k": k,
                "bins": list(bin_values) if bin_values else None,
                "palette": palette,
                "hotspots": results.hotspot_note,
                **results.params,
            }
            region_map, size = write_html(inputs, target, offline=offline, active=chosen, run=run)
            what = f"{len(region_map.layers)} layers" + (", offline" if offline else "")
    drawn = int(sum(g is not None for g in inputs.prepared.shapes.array))
    typer.echo(f"{target} ({human_size(size)}, {size:,} bytes; {drawn:,} regions, {what})")
