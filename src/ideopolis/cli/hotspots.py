"""``ideopolis hotspots``: statistically tested hot and cold spots of any indicator or score."""

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
    print_run_notes,
    progress,
    run_options,
    write_sidecar,
    write_table_output,
)
from ideopolis.errors import ConfigError, DataFileError
from ideopolis.index.pillars import INDEX
from ideopolis.output import TABLE_FORMATS, check_output_path, check_table_path


@app.command(short_help="Statistically tested hot and cold spots.")
@run_options
def hotspots(
    where: RegionArgs,
    how: RunArgs,
    indicator: Annotated[
        str | None,
        typer.Option(
            "--indicator",
            "-i",
            metavar="NAME",
            help="Indicator or score to test (default: the Ideopolis index, or the set's default indicator).",
        ),
    ] = None,
    statistic: Annotated[
        str | None,
        typer.Option(
            "--statistic", "-s", metavar="NAME", help="gi_star (Getis-Ord Gi*, default) or local_moran (LISA)."
        ),
    ] = None,
    spatial_weights: Annotated[
        str | None,
        typer.Option("--spatial-weights", "-W", metavar="NAME", help="queen (default), knn or distance_band."),
    ] = None,
    k: Annotated[
        int | None, typer.Option("--k", "--neighbours", help="Neighbours for --spatial-weights knn (default 6).")
    ] = None,
    threshold_km: Annotated[
        float | None, typer.Option("--threshold-km", help="Radius for --spatial-weights distance_band, in km.")
    ] = None,
    fallback_k: Annotated[
        int | None, typer.Option("--fallback-k", help="Nearest regions given to islands (0: none; default 1).")
    ] = None,
    permutations: Annotated[
        int | None, typer.Option("--permutations", help="Conditional permutations every region runs (default 999).")
    ] = None,
    max_permutations: Annotated[
        int | None,
        typer.Option(
            "--max-permutations",
            help="Most permutations a region runs while its call is undetermined (default: from the correction, "
            "at most 255,999).",
        ),
    ] = None,
    permutation_budget: Annotated[
        int | None,
        typer.Option(
            "--permutation-budget",
            help="Most permutations the whole test runs (default: 10 times its first round).",
        ),
    ] = None,
    mc_level: Annotated[
        float | None,
        typer.Option(
            "--mc-level", help="Confidence of each p-value's Monte Carlo interval a call must hold across (0.999)."
        ),
    ] = None,
    correction: Annotated[
        str | None, typer.Option("--correction", metavar="NAME", help="fdr_bh (default), bonferroni or none.")
    ] = None,
    alpha: Annotated[
        float | None, typer.Option("--alpha", help="Significance level of the local Moran classes (default 0.05).")
    ] = None,
    alternative: Annotated[
        str | None, typer.Option("--alternative", metavar="NAME", help="folded (two-sided, default) or directed.")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help=f"Write the table ({', '.join(TABLE_FORMATS)}) and OUT.run.toml."),
    ] = None,
    png: Annotated[
        Path | None,
        typer.Option("--png", "--print", help="Write a print map of the classes: .png, .svg or .pdf."),
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option("--html", help="Write an interactive map of the classes and the values tested (.html)."),
    ] = None,
    title: Annotated[str | None, typer.Option("--title", metavar="TEXT", help="Title of the maps.")] = None,
    dpi: Annotated[int | None, typer.Option("--dpi", metavar="N", help="Resolution of a PNG (default 200).")] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="The --html map without a basemap: it makes no network request.")
    ] = False,
    embed: Annotated[
        bool, typer.Option("--embed", help="The --html map in embed mode (slim bars; the legend the one box on it).")
    ] = False,
    top: Annotated[int, typer.Option("--top", min=0, help="Significant regions to list (0: none).")] = 15,
) -> None:
    """Find statistically significant hot and cold spots (Gi*) or clusters and outliers (local Moran)."""
    if out is not None:
        check_table_path(out)
    if png is not None:
        from ideopolis.maps.static import check_figure_path  # matplotlib: only for a print map

        check_figure_path(png)
        check_output_path(png)
    if html is not None and html.suffix.lower() not in (".html", ".htm"):
        raise DataFileError(f"{html}: --html writes an .html page; fix: end the file name with .html")
    if html is not None:
        check_output_path(html)
    if dpi is not None and png is None:
        raise ConfigError("--dpi sets the resolution of the print map; fix: add --png FILE (or drop --dpi)")
    if (offline or embed) and html is None:
        raise ConfigError("--offline and --embed shape the --html map; fix: add --html FILE")
    options: dict[str, Any] = {
        "statistic": statistic,
        "weights": spatial_weights,
        "k": k,
        "threshold_km": threshold_km,
        "fallback_k": fallback_k,
        "permutations": permutations,
        "max_permutations": max_permutations,
        "permutation_budget": permutation_budget,
        "mc_level": mc_level,
        "correction": correction,
        "alpha": alpha,
        "alternative": alternative,
    }
    with progress(["Loading the region set", "Permutation test"]) as advance:
        run = build_run(where, how, score=False)
        advance("Permutation test")
        result = run.hotspots(indicator, **options)
    print_run_notes(run)
    shown = result
    if run.selection is not None:
        import dataclasses

        shown = dataclasses.replace(result, table=result.table.loc[run._selected(result.table.index)])
        echo(
            f"note: the test ran on all {len(result.table):,} regions of {run.name}; "
            f"showing the {len(shown.table):,} in the shortlist",
            err=True,
        )
    _print_result(run.name, shown, top)
    for message in result.warnings:
        echo(f"note: {message}", err=True)
    if out is not None:
        frame = shown.frame(run.regions)
        if result.indicator == INDEX:  # a region without an index keeps its row, with the reason (not only "No data")
            frame["not_scored_reason"] = run.index.not_scored_reasons().reindex(frame.index).fillna("")
        sidecar = write_table_output(run, frame, out, sheet="hotspots")
        echo(f"wrote {out} and {sidecar}")
    if png is not None:
        result.to_png(run.regions, png, title=title, dpi=dpi)
        echo(f"wrote {png}")
    if html is not None:
        size = run.hotspot_map(result, title=title, offline=offline, embed=embed).save(html)
        echo(f"wrote {html} ({size:,} bytes) and {write_sidecar(run, html)}")


def _print_result(set_name: str, result: Any, top: int) -> None:
    echo(f"{result.title} on {set_name} ({len(result.table):,} regions)")
    counts = result.counts()
    width = max(len(c) for c in counts.index)
    for cls, n in counts.items():
        if n or cls in result.classes[:-3]:
            echo(f"  {cls:<{width}}  {n:>6,}")
    echo(f"methods: {result.method_note}")
    if top <= 0:
        return
    significant = result.significant()
    if significant.empty:
        echo("no region is significant")
        return
    shown = significant.head(top)
    echo(f"\nstrongest {len(shown)} of {len(significant):,} significant regions:")
    echo(
        f"  (p: adjusted pseudo p-value; MC: the {100 * result.mc_level:.10g}% Monte Carlo interval of the "
        "unadjusted p-value, from the permutations run)"
    )
    stat_col = "z" if "z" in shown else "statistic"
    for rid, row in shown.iterrows():
        name = str(row.get("name", "")) if "name" in shown else ""
        echo(
            f"  {rid:<8} {name[:40]:<40} {row['value']:>12.4g}  {stat_col} {row[stat_col]:>7.2f}  "
            f"p {row['p_adjusted']:.3g} (MC {row['p_low']:.2g} to {row['p_high']:.2g}, "
            f"{row['permutations']:,} permutations)  {row['cls']}"
        )
