"""``ideopolis map``: the interactive HTML map of a run's results, or a PNG of one layer."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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
from ideopolis.maps.layers import SCHEMES, parse_bins
from ideopolis.output import check_output_path
from ideopolis.safety import safe_file_stem

MAPS_DIR = Path("maps")


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
        bool,
        typer.Option("--hotspots/--no-hotspots", help="Add the hotspot layer of the index (the profile's [hotspots])."),
    ] = True,
) -> None:
    """Map the run's results: every score as a layer, the typology, the hotspots; the run log beside it."""
    bin_values = parse_bins(bins) if bins is not None else None
    if out is not None:
        if png:
            check_output_path(out, suffixes=(".png",), what="a print map (--png)")
        else:
            check_output_path(out, suffixes=(".html", ".htm"), what="an interactive map")
    steps = ["loading the region set", "scoring", "preparing the map", "writing"]
    with progress(steps) as advance:
        advance(steps[1])
        run = build_run(where, how)
        advance(steps[2])
        region_map = run.map(
            hotspots=with_hotspots,
            layer=layer,
            scheme=scheme,
            k=k,
            bins=bin_values,
            palette=palette,
            title=title,
            offline=offline,
        )
        chosen = str(region_map.run["active_layer"])
        advance(steps[3])
        if png:
            target = out or MAPS_DIR / f"{safe_file_stem(f'{run.name}-{chosen}')}.png"
            size = region_map.to_png(target, layer=chosen, title=title)
            what = f"{chosen} layer"
        else:
            target = out or MAPS_DIR / f"{safe_file_stem(run.name)}.html"
            size = region_map.save(target)
            what = f"{len(region_map.layers)} layers" + (", offline" if offline else "")
        sidecar = write_sidecar(run, target)
    print_run_notes(run)
    drawn = int(region_map.run["regions_drawn"])
    echo(f"{target} ({human_size(size)}, {size:,} bytes; {drawn:,} regions, {what})")
    echo(f"run log: {sidecar}", err=True)
