"""``ideopolis map``: the interactive HTML map of a run's results, or a print map (PNG, SVG, PDF) of one layer."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ideopolis.cli._app import (
    RegionArgs,
    RunArgs,
    app,
    build_run,
    echo,
    human_size,
    print_run_notes,
    progress,
    run_options,
    write_sidecar,
)
from ideopolis.errors import ConfigError
from ideopolis.maps.layers import SCHEMES, parse_bins
from ideopolis.output import check_output_path
from ideopolis.safety import safe_file_stem

MAPS_DIR = Path("maps")


def check_print_options(out: Path | None, *, printed: bool, dpi: int | None) -> None:
    """Refuse a print-only option on an HTML map, or a file the print map cannot be, before any work."""
    if printed:
        if out is not None:
            from ideopolis.maps.static import check_figure_path  # matplotlib: only for a print map

            check_figure_path(out)
        return
    if dpi is not None:
        raise ConfigError("--dpi sets the resolution of a print map; fix: add --png (or drop --dpi)")
    if out is not None and out.suffix.lower() in (".png", ".svg", ".pdf"):
        raise ConfigError(f"{out}: an interactive map is an .html file; fix: add --png for a print map")


@app.command("map", short_help="Map every score as an interactive page (main job).")
@run_options
def map_command(
    where: RegionArgs,
    how: RunArgs,
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
    embed: Annotated[
        bool,
        typer.Option(
            "--embed",
            help="Embed mode: slim title and source bars, a folding legend, nothing else on the map "
            "(a page in an iframe switches to it by itself).",
        ),
    ] = False,
    renderer: Annotated[
        str,
        typer.Option(
            "--renderer",
            help="How the page draws the regions: svg (a path each), canvas (one canvas; fluid at tens of "
            "thousands) or auto (canvas above 5,000 regions).",
        ),
    ] = "auto",
    png: Annotated[
        bool,
        typer.Option(
            "--png",
            "--print",
            help="Write a print map of one layer (see --layer): PNG, or SVG or PDF when --out ends so.",
        ),
    ] = False,
    dpi: Annotated[
        int | None, typer.Option("--dpi", metavar="N", help="Resolution of a PNG print map (default 200).")
    ] = None,
    layer: Annotated[
        str | None,
        typer.Option(
            "--layer", "-l", metavar="KEY", help="Layer shown first (HTML) or drawn (print); default the index."
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
        bool,
        typer.Option("--hotspots/--no-hotspots", help="Add a hotspot layer (the profile's [hotspots] test)."),
    ] = True,
    indicator: Annotated[
        str | None,
        typer.Option(
            "--indicator",
            "-i",
            metavar="NAME",
            help="What the hotspot layer tests: any indicator or score (default the index); an indicator "
            "that is not a score becomes a layer too.",
        ),
    ] = None,
    spatial_weights: Annotated[
        str | None,
        typer.Option(
            "--spatial-weights",
            "-W",
            metavar="NAME",
            help="Weights of the hotspot test: queen, knn or distance_band (default: the set's; knn for us-metros).",
        ),
    ] = None,
    neighbours: Annotated[
        int | None,
        typer.Option("--neighbours", metavar="K", help="Neighbours of --spatial-weights knn (default 6)."),
    ] = None,
    statistic: Annotated[
        str | None,
        typer.Option("--statistic", "-s", metavar="NAME", help="gi_star (default) or local_moran."),
    ] = None,
) -> None:
    """Map the run's results: every score as a layer, the typology, the hotspots; the run log beside it."""
    bin_values = parse_bins(bins) if bins is not None else None
    check_print_options(out, printed=png, dpi=dpi)
    from ideopolis.maps.interactive import RENDERERS  # here: folium is imported only by the map commands

    if renderer not in RENDERERS:
        raise ConfigError(f"--renderer {renderer!r} is not a renderer; choose one of: {', '.join(RENDERERS)}")
    if out is not None:
        check_output_path(out, suffixes=() if png else (".html", ".htm"), what="an interactive map")
    test: dict[str, Any] = {
        "weights": spatial_weights,
        "k": neighbours,
        "statistic": statistic,
    }
    custom_test = indicator is not None or any(v is not None for v in test.values())
    if custom_test and not with_hotspots:
        raise ConfigError("--indicator and the hotspot options need the hotspot layer; fix: drop --no-hotspots")
    steps = ["loading the region set", "scoring", "preparing the map", "writing"]
    with progress(steps) as advance:
        advance(steps[1])
        run = build_run(where, how)
        advance(steps[2])
        hotspots: Any = with_hotspots
        if custom_test:
            hotspots = run.hotspots(indicator, **test)
        region_map = run.map(
            hotspots=hotspots,
            layer=layer,
            scheme=scheme,
            k=k,
            bins=bin_values,
            palette=palette,
            title=title,
            offline=offline,
            embed=embed,
        )
        region_map = region_map.with_renderer(renderer)
        chosen = str(region_map.run["active_layer"])
        advance(steps[3])
        if png:
            target = out or MAPS_DIR / f"{safe_file_stem(f'{run.name}-{chosen}')}.png"
            size = region_map.to_png(target, layer=chosen, title=title, dpi=dpi)
            what = f"{chosen} layer"
        else:
            target = out or MAPS_DIR / f"{safe_file_stem(run.name)}.html"
            size = region_map.save(target)
            what = f"{len(region_map.layers)} layers" + (", offline" if offline else "") + (", embed" if embed else "")
        sidecar = write_sidecar(run, target)
    print_run_notes(run)
    drawn = int(region_map.run["regions_drawn"])
    echo(f"{target} ({human_size(size)}, {size:,} bytes; {drawn:,} regions, {what})")
    rendition = region_map.run.get("rendition")
    if rendition and not png:
        echo(f"note: {rendition['notice']}", err=True)
    echo(f"run log: {sidecar}", err=True)
