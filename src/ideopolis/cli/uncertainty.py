"""``ideopolis uncertainty``: how far each region's rank depends on the method's choices, and which choice matters."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ideopolis.cli._app import RegionArgs, RunArgs, app, build_run, echo, print_run_notes, progress, run_options
from ideopolis.errors import ConfigError
from ideopolis.output import TABLE_FORMATS, check_table_path, sidecar_path


def _sobol_table(table: object) -> str:
    """The Sobol indices as aligned text."""
    import pandas as pd

    from ideopolis.index.explain import format_table

    assert isinstance(table, pd.DataFrame)
    shown = pd.DataFrame(
        {
            "first order (S1)": table["S1"],
            "S1 5-95%": [f"{lo:.2f} to {hi:.2f}" for lo, hi in zip(table["S1_lo"], table["S1_hi"], strict=True)],
            "total (ST)": table["ST"],
            "ST 5-95%": [f"{lo:.2f} to {hi:.2f}" for lo, hi in zip(table["ST_lo"], table["ST_hi"], strict=True)],
            "what varied": table["what"],
        },
        index=table.index,
    )
    return format_table(shown, max_width=60)


@app.command(short_help="Ranks with intervals; which method choice moves them.")
@run_options
def uncertainty(
    where: RegionArgs,
    how: RunArgs,
    draws: Annotated[
        int | None,
        typer.Option("--draws", "-N", min=10, help="Monte Carlo draws of the rank intervals (default 1000)."),
    ] = None,
    vary: Annotated[
        str | None,
        typer.Option(
            "--vary",
            metavar="A,B,...",
            help="Inputs to vary: weights, normalise, aggregate, impute, treat, balance_weight, exposure "
            "(default: every one that applies).",
        ),
    ] = None,
    sobol: Annotated[
        int | None,
        typer.Option(
            "--sobol",
            metavar="N",
            min=0,
            help="Base sample N of the Sobol design (N (d + 2) runs; default 256); 0: no Sobol indices.",
        ),
    ] = None,
    top: Annotated[int | None, typer.Option("--top", "-n", min=1, help="Print only the best N regions.")] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help=f"Write every region's scores and interval: {', '.join(TABLE_FORMATS)}; log beside it."
        ),
    ] = None,
    png: Annotated[Path | None, typer.Option("--png", metavar="PATH", help="Plot the Sobol indices (PNG).")] = None,
    ranks_png: Annotated[
        Path | None, typer.Option("--ranks-png", metavar="PATH", help="Plot the best regions' rank intervals (PNG).")
    ] = None,
) -> None:
    """Print each region's rank with its 5-95% interval over draws of the method's choices, and the Sobol indices.

    Seeded Monte Carlo draws vary the weights, normalisation, aggregation, imputation, outlier treatment, balance
    weight and exposure measure (OECD/JRC Handbook step 7; COINr's get_sensitivity). The run log beside --out
    records the draws, the seed and what varied, and replays with --profile in any command.
    """
    if out is not None:
        check_table_path(out)
    for path in (png, ranks_png):
        if path is not None and path.suffix.lower() != ".png":
            raise ConfigError(f"{path} is not a .png file; give the plot a .png name")
    if draws is not None and how.uncertainty is not None and draws != how.uncertainty:
        raise ConfigError("--draws and --uncertainty both give the number of draws; keep one of them")
    keys: dict[str, object] = {}
    if vary is not None:
        keys["vary"] = [v.strip() for v in vary.split(",") if v.strip()]
    if sobol:
        keys["sobol_n"] = sobol
    steps = ["loading the region set", "scoring", "uncertainty draws", "writing"]
    with progress(steps) as advance:
        advance(steps[1])
        run = build_run(where, how)
        advance(steps[2])
        result = run.run_uncertainty(draws or how.uncertainty, sensitivity=sobol != 0, **keys)
        advance(steps[3])
        if out is not None:
            run.to_file(out)
        if png is not None and result.sensitivity is not None:
            result.sensitivity.plot(png)
        if ranks_png is not None:
            result.plot(ranks_png)
    print_run_notes(run)
    for note in result.notes:
        echo(f"note: {note}", err=True)
    from ideopolis.index.explain import format_table

    table = result.table()
    shown = table if top is None else table.head(top)
    echo(
        f"{run.name}: {result.target} ranks over {result.draws:,} draws (seed {result.seed}) of "
        f"{', '.join(result.varied())}; interval = 5-95% of the draws"
    )
    echo(format_table(shown, max_width=48))
    counts = ", ".join(f"{k} {v:,}" for k, v in result.counts().items())
    echo(f"\nstability ({result.stability_note()}): {counts}")
    sens = result.sensitivity
    if sens is not None:
        echo(
            f"\nSensitivity of the mean absolute rank shift (Sobol indices via SALib; {sens.runs:,} runs, "
            f"N = {sens.n}, {sens.bootstrap:,} bootstrap resamples):"
        )
        echo(_sobol_table(sens.table))
        for note in sens.notes:
            echo(f"note: {note}", err=True)
    if out is not None:
        echo(f"wrote {out} ({len(run.scores):,} regions) and {sidecar_path(out)}", err=True)
    for path in (png, ranks_png):
        if path is not None and (path != png or sens is not None):
            echo(f"wrote {path}", err=True)
