"""``ideopolis peers``, ``whatif`` and ``compare``: the decision tools, thin over the run object."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ideopolis.cli._app import (
    RegionArgs,
    RunArgs,
    app,
    build_run,
    print_run_notes,
    progress,
    run_options,
    write_sidecar,
    write_table_output,
)
from ideopolis.errors import DataFileError
from ideopolis.output import check_table_path

TableOut = Annotated[
    Path | None,
    typer.Option("--out", "-o", metavar="PATH", help="Write the table (.csv, .xlsx) and PATH.run.toml."),
]


def _table_path(out: Path | None) -> None:
    if out is not None and out.suffix.lower() not in (".csv", ".xlsx"):
        raise DataFileError(f"{out}: this table is written as .csv or .xlsx; fix: change the suffix")
    if out is not None:
        check_table_path(out, spatial=False)


@app.command(short_help="The regions most like a region (peers).")
@run_options
def peers(
    where: RegionArgs,
    how: RunArgs,
    region: Annotated[str, typer.Argument(help="A region id or part of its name ('Des Moines').")],
    k: Annotated[int, typer.Option("-k", "--number", min=1, help="How many peers.")] = 10,
    within: Annotated[
        list[str] | None,
        typer.Option(
            "--within",
            metavar="ATTRIBUTE",
            help="Peers share this with the region: size, type, state, country, stage (EU RCI development "
            "stage), eu27, or a group column (repeatable).",
        ),
    ] = None,
    peer_weights: Annotated[
        str, typer.Option("--peer-weights", metavar="equal|index", help="Indicators count equally or by index weight.")
    ] = "equal",
    out: TableOut = None,
) -> None:
    """List the regions most similar to REGION by normalised indicator profile, and what sets each apart.

    Works across countries on eu-nuts2; --within keeps peers of the same size class, type, state, country or
    development stage; --where keeps peers from a shortlist.
    """
    _table_path(out)
    with progress(["Loading the region set", "Scoring", "Finding peers"]) as advance:
        advance("Scoring")
        run = build_run(where, how)
        advance("Finding peers")
        result = run.peers(region, k=k, within=within or (), weights=peer_weights)
    print_run_notes(run)
    typer.echo(str(result))
    if out is not None:
        sidecar = write_table_output(run, result.table, out, sheet="peers")
        typer.echo(f"wrote {out} and {sidecar}", err=True)


@app.command(short_help="Re-score with changed values; what would move a rank.")
@run_options
def whatif(
    where: RegionArgs,
    how: RunArgs,
    region: Annotated[str, typer.Argument(help="A region id or part of its name.")],
    set_values: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="INDICATOR=VALUE",
            help="A new raw value, in the indicator's unit (--set ba_plus_share=0.45; repeatable).",
        ),
    ] = None,
    gain: Annotated[
        int | None, typer.Option("--gain", min=1, help="What would move us: places to gain (default 5).")
    ] = None,
    target_rank: Annotated[
        int | None, typer.Option("--target-rank", min=1, help="What would move us: the rank to reach.")
    ] = None,
    out: TableOut = None,
) -> None:
    """Re-score the set with REGION's raw values changed (--set), or show what would move its rank.

    With --set: the new scores and ranks, and whether the normalisation bounds moved. With --gain or
    --target-rank (or no --set): for each indicator alone, the value that would gain those places, smallest
    relative change first.
    """
    from ideopolis.decide.whatif import parse_settings

    _table_path(out)
    changes = parse_settings(set_values or [])
    move = not changes or gain is not None or target_rank is not None
    with progress(["Loading the region set", "Scoring", "Re-scoring"]) as advance:
        advance("Scoring")
        run = build_run(where, how)
        advance("Re-scoring")
        result = run.whatif(region, changes) if changes else None
        table = run.what_would_move(region, places=gain, target_rank=target_rank) if move else None
    print_run_notes(run)
    if run.selection is not None:
        typer.echo("note: what-if ranks are national: the re-scored index ranks every region of the set", err=True)
    if result is not None:
        typer.echo(str(result))
    if table is not None:
        _print_move(run, table)
    if out is not None:
        import pandas as pd

        frames: list[pd.DataFrame] = []
        if result is not None:
            scores = result.scores.copy()
            scores.insert(0, "region", result.region)
            frames.append(scores.reset_index().rename(columns={"score": "measure"}))
        if table is not None:
            frames.append(table.reset_index().rename(columns={"indicator": "measure"}))
        frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
        if result is not None:
            run.log_extra["whatif"] = {"region": result.region, "set": {k: float(v) for k, v in changes.items()}}
        if table is not None:
            run.log_extra["what_would_move"] = {
                "region": table.attrs["region"],
                **{k: int(table.attrs[k]) for k in ("current_rank", "target_rank", "of")},
            }
        sidecar = write_table_output(run, frame.set_index("measure"), out, sheet="whatif")
        typer.echo(f"wrote {out} and {sidecar}", err=True)


def _print_move(run: object, table: object) -> None:
    import pandas as pd

    from ideopolis.decide.wording import format_measure, ordinal
    from ideopolis.index.explain import format_table

    assert isinstance(table, pd.DataFrame)
    attrs = table.attrs
    typer.echo(
        f"\nWhat would move {attrs['name']} from {ordinal(attrs['current_rank'])} to {ordinal(attrs['target_rank'])} "
        f"of {attrs['of']:,} (one indicator at a time, the others as they are; smallest relative change first):"
    )
    shown = pd.DataFrame(
        {
            "now": [format_measure(v, u) for v, u in zip(table["current"], table["unit"], strict=True)],
            "needed": [  # "-" when out of reach (the status says why)
                "-" if pd.isna(v) else format_measure(v, u) for v, u in zip(table["needed"], table["unit"], strict=True)
            ],
            "change": [
                "-" if pd.isna(r) else ("n/a" if r == float("inf") else f"{'-' if c < 0 else '+'}{r:.0%}")
                for r, c in zip(table["relative_change"], table["change"].fillna(0), strict=True)
            ],
            "of range": ["-" if pd.isna(r) else f"{r:.0%}" for r in table["share_of_range"]],
            "status": table["status"],
        },
        index=table.index,
    )
    typer.echo(format_table(shown, max_width=60))


@app.command(short_help="Regions side by side.")
@run_options
def compare(
    where: RegionArgs,
    how: RunArgs,
    region_names: Annotated[list[str], typer.Argument(metavar="REGION...", help="Two or more regions (ids or names).")],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", metavar="PATH", help="Write the comparison: .html, .xlsx or .csv (and PATH.run.toml)."
        ),
    ] = None,
) -> None:
    """Put regions side by side: population, type, every score with its rank, the type, every indicator."""
    from ideopolis.decide.compare import COMPARE_FORMATS

    if out is not None and out.suffix.lower() not in COMPARE_FORMATS:
        raise DataFileError(f"{out}: compare writes {', '.join(COMPARE_FORMATS)}; fix: change the suffix")
    with progress(["Loading the region set", "Scoring"]) as advance:
        advance("Scoring")
        run = build_run(where, how)
    print_run_notes(run)
    result = run.compare(region_names)
    typer.echo(str(result))
    if out is not None:
        result.to_file(out, run=run)
        typer.echo(f"wrote {out} and {write_sidecar(run, out)}", err=True)
