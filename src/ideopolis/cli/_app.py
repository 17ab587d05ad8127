"""The typer application every command registers on, its shared options and its error handling.

Commands live in their own modules (``cli/data.py``, ``cli/score.py``, ...) and only parse arguments, call the
library and print. A user error anywhere (any :class:`~ideopolis.errors.IdeopolisError`, a bad option) becomes
one line on stderr and exit code 1, never a traceback.
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from typer import _click as click
from typer.core import TyperGroup

from ideopolis import __version__
from ideopolis.errors import IdeopolisError, RegionSetError
from ideopolis.regions import RegionSet

HELP = (
    "How far is a region along the road to becoming a knowledge cluster? Composite cluster scores, "
    "the export-jobs vs import-people lens, tested hotspots and strong industry clusters, on maps."
)


def one_line(text: str) -> str:
    """Fold a message onto one line."""
    return " ".join(str(text).split())


def fail(message: str) -> typer.Exit:
    """Print ``error: message`` on one line to stderr and return the exit to raise (code 1)."""
    typer.echo(f"error: {one_line(message)}", err=True)
    return typer.Exit(1)


#: The order ``ideopolis --help`` lists the commands in: the main job first.
COMMAND_ORDER = ("map", "score", "hotspots", "clusters", "custom", "datasets", "validate")


class IdeopolisGroup(TyperGroup):
    """A typer group that turns user errors into one line and exit code 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """List the commands main job first, then any others in registration order."""
        names = list(super().list_commands(ctx))
        return sorted(names, key=lambda n: COMMAND_ORDER.index(n) if n in COMMAND_ORDER else len(COMMAND_ORDER))

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; an :class:`IdeopolisError` becomes one line on stderr and exit 1."""
        try:
            return super().invoke(ctx)
        except IdeopolisError as exc:
            raise fail(str(exc)) from None

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Parse and run; usage errors become one line on stderr and exit 1."""
        standalone_mode = kwargs.pop("standalone_mode", True)
        try:
            kwargs["standalone_mode"] = False
            rv = super().main(*args, **kwargs)
        except click.exceptions.NoArgsIsHelpError as exc:
            typer.echo(exc.ctx.get_help() if exc.ctx else HELP)
            rv = 0
        except click.exceptions.ClickException as exc:
            hint = ""
            ctx = getattr(exc, "ctx", None)
            if ctx is not None:
                hint = f" (see '{ctx.command_path} --help')"
            typer.echo(f"error: {one_line(exc.format_message())}{hint}", err=True)
            rv = 1
        except typer.Abort:
            typer.echo("error: aborted", err=True)
            rv = 1
        except BrokenPipeError:  # output piped into `head`: stop quietly, without a flush error at exit
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            rv = 1
        if not standalone_mode:
            return rv
        sys.exit(rv if isinstance(rv, int) else 0)


app = typer.Typer(
    name="ideopolis",
    help=HELP,
    cls=IdeopolisGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ideopolis {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """How far is a region along the road to becoming a knowledge cluster?."""


# ---------------------------------------------------------------------------------------------------------
# shared options

RegionsOption = Annotated[
    str | None,
    typer.Option(
        "--regions",
        "-r",
        metavar="NAME|PATH",
        help="A bundled region set by name (see 'ideopolis datasets') or a region-set folder; default: us-metros.",
    ),
]
GeometryOption = Annotated[
    Path | None,
    typer.Option("--geometry", help="Your own region shapes (GeoJSON, GeoPackage, GeoParquet, Shapefile, TopoJSON)."),
]
IndicatorsOption = Annotated[
    list[Path] | None,
    typer.Option("--indicators", help="Your own indicator table(s) (CSV, Parquet, XLSX); metadata is inferred."),
]
IdOption = Annotated[str | None, typer.Option("--id", metavar="COLUMN", help="The region id column of your own files.")]
NameColumnOption = Annotated[
    str | None, typer.Option("--name-column", metavar="COLUMN", help="The region name column of your own files.")
]
AllowOutsidePathsOption = Annotated[
    bool,
    typer.Option(
        "--allow-outside-paths",
        help="Let a region set's manifest read files outside its folder (../, absolute paths, symlinks). "
        "Only for a set you trust.",
    ),
]
CustomOption = Annotated[
    Path | None,
    typer.Option(
        "--custom",
        metavar="MAPPING",
        help="A two-column table (base region id, custom region): run on the set with these regions merged.",
    ),
]


def resolve_region_set(
    regions: str | None = None,
    *,
    geometry: Path | None = None,
    indicators: Sequence[Path] | None = None,
    id_column: str | None = None,
    name_column: str | None = None,
    custom: Path | None = None,
    quiet: bool = False,
    allow_outside_paths: bool = False,
) -> RegionSet:
    """Load the region set a command was asked for: bundled, a folder, or the user's own files.

    Parameters
    ----------
    regions : str, optional
        ``--regions``: a bundled name or a folder (default set when nothing is given).
    geometry, indicators, id_column, name_column : optional
        A user's own files (``--geometry``, ``--indicators``, ``--id``, ``--name-column``); metadata is
        inferred and printed to stderr.
    custom : Path, optional
        ``--custom``: a mapping that groups the set's regions into custom regions.
    quiet : bool
        Do not print inferred metadata and notes.
    allow_outside_paths : bool
        ``--allow-outside-paths``: let the set's manifest name files outside its folder.

    Returns
    -------
    RegionSet
        The set.

    Raises
    ------
    IdeopolisError
        For anything the user can fix (unknown name, invalid files, conflicting options).
    """
    from ideopolis.regions import load_region_set

    own = geometry is not None or bool(indicators) or id_column is not None
    if own:
        if regions is not None:
            raise RegionSetError(
                "--regions and your own files (--geometry/--indicators/--id) cannot be combined; fix: use one"
            )
        if not indicators or id_column is None:
            missing = "--indicators" if not indicators else "--id"
            raise RegionSetError(f"your own data needs {missing}; fix: pass --indicators FILE --id COLUMN")
        from ideopolis.infer import region_set_from_files

        rs, report = region_set_from_files(
            geometry=geometry, indicators=list(indicators), id_column=id_column, name_column=name_column
        )
        if not quiet:
            for line in rs.notes if rs is not None else []:
                typer.echo(line, err=True)
        report.raise_if_errors()
        assert rs is not None
    else:
        rs = load_region_set(regions, allow_outside_paths=allow_outside_paths)
    if not quiet and rs.report.warnings:
        typer.echo(
            f"note: {rs.name} has {len(rs.report.warnings)} warnings; "
            f"'ideopolis validate {regions or rs.name}' lists them",
            err=True,
        )
    if custom is not None:
        from ideopolis.custom import custom_regions, read_mapping

        rs = custom_regions(rs, read_mapping(custom), name=custom.stem, keep_others=True)
        if not quiet:
            for note in rs.notes:
                typer.echo(f"note: {note}", err=True)
    return rs


def find_region(rs: RegionSet, query: str) -> str:
    """Find a region by id, by name, or by part of its name.

    Parameters
    ----------
    rs : RegionSet
        Where to look.
    query : str
        An id (``"41940"``), a name, or part of one (``"San Jose"``), case-insensitive.

    Returns
    -------
    str
        The region's id.

    Raises
    ------
    RegionSetError
        When nothing matches (with close names as suggestions) or the name is ambiguous (listing the
        candidates).
    """
    q = query.strip()
    if q in rs.ids:
        return q
    names = rs.names.astype(str)
    lower = names.str.lower()
    exact = names.index[(lower == q.lower()).to_numpy()]
    if len(exact) == 1:
        return str(exact[0])
    hits = names.index[lower.str.contains(q.lower(), regex=False).to_numpy()]
    if len(hits) == 1:
        return str(hits[0])
    if len(hits) > 1:
        shown = "; ".join(rs.label(i) for i in hits[:10])
        more = f" and {len(hits) - 10} more" if len(hits) > 10 else ""
        raise RegionSetError(
            f"{query!r} matches {len(hits)} regions in {rs.name}: {shown}{more}; fix: give the id or a longer name"
        )
    close = difflib.get_close_matches(q.lower(), lower.tolist(), n=3, cutoff=0.6)
    hint = f" (did you mean {', '.join(repr(names[lower == c].iloc[0]) for c in close)}?)" if close else ""
    raise RegionSetError(
        f"no region {query!r} in {rs.name}{hint}; fix: give an id or part of a name "
        f"('ideopolis datasets --regions {rs.name}' describes the set)"
    )


@contextmanager
def progress(steps: Sequence[str], *, enabled: bool | None = None) -> Iterator[Callable[[str], None]]:
    """Show a progress bar over named steps on stderr (only on a terminal).

    Parameters
    ----------
    steps : sequence of str
        The step descriptions, in order.
    enabled : bool, optional
        Force the bar on or off; default: on when stderr is a terminal.

    Yields
    ------
    callable
        ``advance(description)``: mark the previous step done and show the next one.
    """
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    show = console.is_terminal if enabled is None else enabled
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not show,
    )
    with bar:
        task = bar.add_task(steps[0] if steps else "", total=len(steps))
        started = [False]

        def advance(description: str) -> None:
            if started[0]:
                bar.advance(task)
            started[0] = True
            bar.update(task, description=description)

        yield advance
        bar.update(task, completed=len(steps))


def human_size(n_bytes: int) -> str:
    """Format a file size: ``1.2 MB``."""
    size = float(n_bytes)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"
