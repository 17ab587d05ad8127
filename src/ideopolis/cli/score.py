"""``ideopolis score``: build the composite index for a region set and print, explain or write it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ideopolis.cli._app import RegionArgs, RunArgs, app, build_run, print_run_notes, progress, run_options
from ideopolis.errors import ConfigError
from ideopolis.output import TABLE_FORMATS, check_table_path, sidecar_path


@app.command(short_help="Score regions: index, pillars, lens, typology.")
@run_options
def score(
    where: RegionArgs,
    how: RunArgs,
    explain: Annotated[
        list[str] | None,
        typer.Option(
            "--explain", metavar="REGION", help="Show how a region's index was built (id or part of name; repeatable)."
        ),
    ] = None,
    top: Annotated[int, typer.Option("--top", "-n", min=1, help="How many regions to print.")] = 15,
    sort: Annotated[
        str | None, typer.Option("--sort", metavar="COLUMN", help="Score to rank by (default the index).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help=f"Write scores: {', '.join(TABLE_FORMATS)}; the run log goes to OUT.run.toml."
        ),
    ] = None,
    coinr_data: Annotated[
        Path | None, typer.Option("--coinr-data", metavar="IDATA.CSV", help="Run COINr's default pipeline on iData.")
    ] = None,
    coinr_meta: Annotated[
        Path | None, typer.Option("--coinr-meta", metavar="IMETA.CSV", help="COINr iMeta for --coinr-data.")
    ] = None,
) -> None:
    """Score regions on the ingredients of a knowledge cluster and print the top regions.

    With no arguments: the default region set, the default framework and COINr-style defaults. The
    run log is written next to --out (OUT.run.toml) and replays with --profile in any command.
    """
    if out is not None:
        check_table_path(out)
    if coinr_data is not None or coinr_meta is not None:
        from ideopolis.api import score_coinr

        if coinr_data is None or coinr_meta is None:
            raise ConfigError("COINr input needs both --coinr-data IDATA.CSV and --coinr-meta IMETA.CSV")
        if where.regions or where.own_files or where.custom:
            raise ConfigError("--coinr-data cannot be combined with --regions, --indicators or --custom")
        run = score_coinr(coinr_data, coinr_meta, profile=how.profile, **how.options())
        if how.where_expr is not None:
            run = run.where(how.where_expr, ranks=how.ranks or "national")
    else:
        with progress(["Loading the region set", "Scoring"]) as advance:
            advance("Scoring")
            run = build_run(where, how)
    print_run_notes(run)
    if explain:
        for i, region in enumerate(explain):
            typer.echo(("\n" if i else "") + str(run.explain(region)))
    else:
        from ideopolis.index.explain import format_table

        typer.echo(format_table(run.top(top, sort)))
    if out is not None:
        written = run.to_file(out)
        rows, scored = len(run.table()), int(run.scores[run.index.framework.root].notna().sum())
        typer.echo(
            f"wrote {written} ({rows:,} regions, {scored:,} with an index score) and {sidecar_path(written)}",
            err=True,
        )
