"""``ideopolis profile`` and ``ideopolis methods``: pages for councils and for newspaper readers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ideopolis.cli._app import (
    RegionArgs,
    RunArgs,
    app,
    build_run,
    human_size,
    print_run_notes,
    progress,
    run_options,
    write_sidecar,
)
from ideopolis.errors import DataFileError
from ideopolis.safety import safe_file_stem

PROFILES_DIR = Path("profiles")
MAPS_DIR = Path("maps")


@app.command(short_help="A region's profile page (HTML) and print version.")
@run_options
def profile(
    where: RegionArgs,
    how: RunArgs,
    region: Annotated[str, typer.Argument(help="A region id or part of its name ('Des Moines').")],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="PATH",
            help="The page; default profiles/<region>.html (name reduced to letters, digits, - and _).",
        ),
    ] = None,
    print_path: Annotated[
        Path | None,
        typer.Option("--print", metavar="PATH", help="Also write the print version: an A4 .pdf, or a .png."),
    ] = None,
    n_peers: Annotated[int, typer.Option("--peers", min=0, help="Peers to show (0: none).")] = 8,
    within: Annotated[
        list[str] | None,
        typer.Option("--within", metavar="ATTRIBUTE", help="Peers share this with the region: size, type, stage..."),
    ] = None,
    with_hotspots: Annotated[
        bool, typer.Option("--hotspots/--no-hotspots", help="Test the index for hot spots and show the region's class.")
    ] = True,
    with_clusters: Annotated[
        bool,
        typer.Option("--clusters/--no-clusters", help="Show the strong traded clusters (sets with industry data)."),
    ] = True,
) -> None:
    """Write one self-contained page a council can read: scores, ranks, peers, strengths, exposure, clusters.

    The page works offline and holds the methods note; --print writes an A4 PDF (or PNG) of it.
    """
    from ideopolis.report.profile import PRINT_FORMATS

    if out is not None and out.suffix.lower() not in (".html", ".htm"):
        raise DataFileError(f"{out}: the profile page is HTML; fix: end the name with .html (--print for PDF/PNG)")
    if print_path is not None and print_path.suffix.lower() not in PRINT_FORMATS:
        raise DataFileError(f"{print_path}: --print writes {' or '.join(PRINT_FORMATS)}; fix: change the suffix")
    steps = ["Loading the region set", "Scoring", "Gathering the profile", "Writing"]
    with progress(steps) as advance:
        advance(steps[1])
        run = build_run(where, how)
        advance(steps[2])
        page = run.profile(region, peers=n_peers, within=within or (), hotspots=with_hotspots, clusters=with_clusters)
        advance(steps[3])
        target = out or PROFILES_DIR / f"{safe_file_stem(page.name, fallback='region')}.html"
        page.save(target)
        sidecar = write_sidecar(run, target)
        printed = page.to_print(print_path) if print_path is not None else None
    print_run_notes(run)
    size = target.stat().st_size
    typer.echo(f"{target} ({human_size(size)}): {page.name}, {page.rank_words} on the index")
    if printed is not None:
        typer.echo(f"{print_path} ({human_size(printed)}, print version)")
    typer.echo(f"run log: {sidecar}", err=True)


@app.command(short_help="A plain-language methods note for readers.")
@run_options
def methods(
    where: RegionArgs,
    how: RunArgs,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", metavar="PATH", help="The page; default maps/<region set>-methods.html."),
    ] = None,
) -> None:
    """Write the methods note: what the index and the lens measure, the data, the steps, hot spots, limits.

    Written for a newspaper reader, from the run's own choices (its weights, its methods, its hotspot test).
    """
    if out is not None and out.suffix.lower() not in (".html", ".htm"):
        raise DataFileError(f"{out}: the methods note is HTML; fix: end the name with .html")
    with progress(["Loading the region set", "Scoring"]) as advance:
        advance("Scoring")
        run = build_run(where, how)
    note = run.methods_note()
    target = out or MAPS_DIR / f"{safe_file_stem(run.name)}-methods.html"
    note.save(target)
    sidecar = write_sidecar(run, target)
    print_run_notes(run)
    typer.echo(f"{target} ({human_size(target.stat().st_size)}): {note.title}")
    typer.echo(f"run log: {sidecar}", err=True)
