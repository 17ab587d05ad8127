"""``ideopolis clusters``: a region's strong traded clusters, or one cluster's location quotients everywhere."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from ideopolis.cli._app import (
    AllowOutsidePathsOption,
    RegionArgs,
    RegionsOption,
    WhereOption,
    app,
    load_region_args,
    write_table_output,
)
from ideopolis.errors import ConfigError, DataFileError
from ideopolis.output import TABLE_FORMATS, check_table_path


@app.command(short_help="A region's strong traded clusters, or a cluster.")
def clusters(
    region: Annotated[
        str | None,
        typer.Argument(metavar="[REGION]", help="A region id (41940) or part of its name ('San Jose')."),
    ] = None,
    cluster: Annotated[
        str | None,
        typer.Option("--cluster", "-c", metavar="NAME", help="One traded cluster (part of its name) to map."),
    ] = None,
    regions: RegionsOption = None,
    allow_outside_paths: AllowOutsidePathsOption = False,
    suppressed: Annotated[
        str,
        typer.Option(
            "--suppressed",
            metavar="METHOD",
            help="Cells CBP does not publish: allocate (share published totals, default) or published.",
        ),
    ] = "allocate",
    crosswalk: Annotated[
        Path | None, typer.Option("--crosswalk", help="NAICS -> cluster table (default: the region set's).")
    ] = None,
    top: Annotated[int, typer.Option("--top", help="Regions to list for --cluster.")] = 20,
    where_expr: WhereOption = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help=f"Write the table ({', '.join(TABLE_FORMATS)}) and OUT.run.toml."),
    ] = None,
    png: Annotated[
        Path | None,
        typer.Option("--png", "--print", help="With --cluster: a print map of its LQ (.png, .svg or .pdf)."),
    ] = None,
    title: Annotated[str | None, typer.Option("--title", metavar="TEXT", help="Title of the print map.")] = None,
    dpi: Annotated[int | None, typer.Option("--dpi", metavar="N", help="Resolution of a PNG (default 200).")] = None,
) -> None:
    """List a region's strong traded clusters, or map one cluster's location quotients across regions."""
    from ideopolis.api import clusters as cluster_analysis
    from ideopolis.index.profile import RunConfig
    from ideopolis.industry import report
    from ideopolis.industry.clusters import CITATION, find_cluster
    from ideopolis.run import Run

    if png is not None and cluster is None:
        raise ConfigError("--png maps one cluster; fix: add --cluster NAME")
    if png is not None:
        from ideopolis.maps.static import check_figure_path

        check_figure_path(png)
    if (title is not None or dpi is not None) and png is None:
        raise ConfigError("--title and --dpi shape the print map; fix: add --cluster NAME --png FILE")
    if out is not None:
        check_table_path(out)
    if where_expr is not None and (cluster is None or region is not None):
        raise ConfigError("--where shortlists the regions of a cluster's list; fix: add --cluster NAME")
    rs = load_region_args(RegionArgs(regions=regions, allow_outside_paths=allow_outside_paths))
    run = Run(rs, RunConfig())
    result = cluster_analysis(rs, suppressed=suppressed, crosswalk=crosswalk)
    name = find_cluster(cluster, result.cluster_names) if cluster is not None else None
    params: dict[str, object] = {
        "suppressed": result.suppressed,
        "citation": CITATION,
        "employment_source": report.industry_source(rs),
        "notes": list(result.notes),
    }
    table: pd.DataFrame
    if region is not None:
        rid = rs.find(region)
        if rid not in result.summary.index:
            raise DataFileError(f"{rs.label(rid)} has no industry data in {rs.name}")
        params["region"] = rid
        if name is not None:
            table, lines = report.cluster_checklist(rs, result, rid, name)
            params["cluster"] = name
        else:
            table, lines = report.region_profile(rs, result, rid)
    elif name is not None:
        params["cluster"] = name
        if where_expr is not None:
            shortlist = run.where(where_expr)
            assert shortlist.selection is not None
            keep = set(shortlist.selection.ids)
            typer.echo(f"note: {shortlist.selection.describe()}; the LQ ranks are national", err=True)
            result = dataclasses.replace(
                result,
                clusters=result.clusters[result.clusters.index.get_level_values("id").isin(keep)],
                summary=result.summary[result.summary.index.isin(keep)],
            )
            run = shortlist
        table, lines = report.cluster_leaders(rs, result, name, top)
    else:
        table, lines = report.cluster_list(result)
    for line in lines:
        typer.echo(line)
    typer.echo(report.source_line(rs))
    for note in result.notes:
        typer.echo(f"note: {note}", err=True)

    if out is not None:
        frame: pd.DataFrame = table
        if out.suffix.lower() not in (".csv", ".xlsx"):
            if rs.geometry is None or not table.index.isin(rs.ids).all():
                raise DataFileError(f"{out}: this table is not by region; fix: use .csv or .xlsx")
            import geopandas as gpd

            frame = gpd.GeoDataFrame(table, geometry=rs.geometry.geometry.reindex(table.index), crs=rs.geometry.crs)
        run.log_extra["clusters"] = params
        typer.echo(f"wrote {out} and {write_table_output(run, frame, out, sheet='clusters')}")
    if png is not None and name is not None:
        report.cluster_png(rs, result, name, png, title=title, dpi=dpi)
        typer.echo(f"wrote {png}")
