"""The typer application every command registers on, its shared options and its error handling.

Commands live in their own modules (``cli/data.py``, ``cli/score.py``, ...) and only parse arguments, call the
library and print. A user error anywhere (any :class:`~ideopolis.errors.IdeopolisError`, a bad option) becomes
one line on stderr and exit code 1, never a traceback.
"""

from __future__ import annotations

import functools
import inspect
import os
import re
import sys
import typing
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Annotated, Any

import typer
from typer import _click as click
from typer.core import TyperGroup

from ideopolis import __version__
from ideopolis.errors import ConfigError, IdeopolisError
from ideopolis.regions.model import RegionSet

HELP = (
    "How far is a region along the road to becoming a knowledge cluster? Composite cluster scores, "
    "the export-jobs vs import-people lens, tested hotspots and strong industry clusters, on maps."
)


#: Characters a terminal may act on: C0 and C1 controls (escape sequences start with ESC or CSI) and the
#: Unicode bidirectional overrides that reorder what is shown ("Trojan Source", CVE-2021-42574).
_TERMINAL_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_text(text: object) -> str:
    r"""Escape the characters a terminal would act on (``\\x1b``), keeping line breaks and tabs.

    Every text the CLI prints goes through this: region names, ids, labels and messages come from files
    anyone may have written.

    Examples
    --------
    >>> terminal_text("Des Moines\x1b[2J")
    'Des Moines\\x1b[2J'
    """
    return _TERMINAL_CONTROLS.sub(
        lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", str(text)
    )


def echo(text: object = "", *, err: bool = False) -> None:
    """Print a line (stdout, or stderr with ``err``) with terminal controls escaped (:func:`terminal_text`)."""
    typer.echo(terminal_text(text), err=err)


def one_line(text: str) -> str:
    """Fold a message onto one line, terminal controls escaped."""
    return terminal_text(" ".join(str(text).split()))


def fail(message: str) -> typer.Exit:
    """Print ``error: message`` on one line to stderr and return the exit to raise (code 1)."""
    typer.echo(f"error: {one_line(message)}", err=True)
    return typer.Exit(1)


#: The order ``ideopolis --help`` lists the commands in: the main job first.
COMMAND_ORDER = (
    "map",
    "score",
    "uncertainty",
    "hotspots",
    "clusters",
    "profile",
    "peers",
    "whatif",
    "compare",
    "methods",
    "custom",
    "datasets",
    "validate",
)


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
GeometryIdOption = Annotated[
    str | None,
    typer.Option(
        "--geometry-id", metavar="COLUMN", help="The id column of --geometry when it differs from the table's --id."
    ),
]
LayerOption = Annotated[
    str | None,
    typer.Option("--geometry-layer", metavar="LAYER", help="The layer of a multi-layer --geometry (GeoPackage)."),
]
SheetOption = Annotated[
    str | None, typer.Option("--sheet", metavar="SHEET", help="The sheet of an XLSX --indicators table.")
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


# ---------------------------------------------------------------------------------------------------------
# the run options: one definition for every command that scores

ProfileOption = Annotated[
    Path | None,
    typer.Option(
        "--profile",
        "-p",
        metavar="RUN.TOML",
        help="A run profile, or the .run.toml written beside any output: replays that run.",
    ),
]
BalanceWeightOption = Annotated[
    float | None,
    typer.Option(
        "--balance-weight",
        "-w",
        min=0.0,
        max=1.0,
        help="Weight of the import-people vs export-jobs balance in the index (default 0.25).",
    ),
]
NormaliseOption = Annotated[
    str | None,
    typer.Option("--normalise", metavar="METHOD", help="minmax, zscore, rank, prank, dist2max, ... (default minmax)."),
]
AggregateOption = Annotated[
    str | None,
    typer.Option(
        "--aggregate", metavar="METHOD", help="arithmetic, geometric, harmonic or generalised (default arithmetic)."
    ),
]
WeightsOption = Annotated[
    str | None,
    typer.Option("--weights", metavar="METHOD", help="Index weights: framework, equal or pca (others: --profile)."),
]
ImputeOption = Annotated[
    str | None,
    typer.Option("--impute", metavar="METHOD", help="none, mean, median, group_mean, group_median (default none)."),
]
ImputeGroupOption = Annotated[
    str | None, typer.Option("--impute-group", metavar="COLUMN", help="Group column for group imputation.")
]
TreatOption = Annotated[
    str | None, typer.Option("--treat", metavar="METHOD", help="Outliers: coinr (default), winsorise or none.")
]
ScreenThresholdOption = Annotated[
    float | None,
    typer.Option("--screen-threshold", min=0.0, max=1.0, help="Drop regions with less data than this share."),
]
AttractionThresholdOption = Annotated[
    float | None, typer.Option("--attraction-threshold", help="Typology split on attraction (default median).")
]
ExposureThresholdOption = Annotated[
    float | None, typer.Option("--exposure-threshold", help="Typology split on exposure (default median).")
]
SeedOption = Annotated[
    int | None, typer.Option("--seed", min=0, help="Seed of every random draw (hotspot permutations; default 12345).")
]
UncertaintyOption = Annotated[
    int | None,
    typer.Option(
        "--uncertainty",
        metavar="N",
        min=10,
        help="Rank intervals from N Monte Carlo draws of the method's choices (see 'ideopolis uncertainty').",
    ),
]
WhereOption = Annotated[
    str | None,
    typer.Option(
        "--where",
        metavar="EXPR",
        help="Shortlist the regions listed, mapped and written: \"population >= 250000 and type == 'metro'\" "
        "(columns: population, type, state, country, eu27, size, stage, any indicator or score; "
        "and/or/not, == != < <= > >=, in [...], contains, is missing).",
    ),
]
EngineOption = Annotated[
    str | None,
    typer.Option(
        "--engine",
        metavar="local|dask",
        help="Where the work runs: local (default) or dask (a cluster of this machine's cores, or --scheduler's); "
        "the numbers are the same. Needs pip install 'ideopolis[dask]'.",
    ),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        metavar="ADDRESS",
        help="With --engine dask: the Dask scheduler to run on (tcp://HOST:8786); default a LocalCluster here.",
    ),
]
RanksOption = Annotated[
    str | None,
    typer.Option(
        "--ranks",
        metavar="national|within",
        help="With --where: keep national ranks (default) or rank within the shortlist.",
    ),
]


@dataclass(frozen=True)
class RegionArgs:
    """The region-set options a command was given (``--regions``, your own files, ``--custom``)."""

    regions: str | None = None
    geometry: Path | None = None
    indicators: list[Path] | None = None
    id_column: str | None = None
    name_column: str | None = None
    geometry_id: str | None = None
    geometry_layer: str | None = None
    sheet: str | None = None
    custom: Path | None = None
    allow_outside_paths: bool = False

    @property
    def own_files(self) -> bool:
        """Whether the user gave their own files."""
        return self.geometry is not None or bool(self.indicators) or self.id_column is not None

    def file_options(self) -> dict[str, Any]:
        """The own-files options as :func:`ideopolis.load_regions` takes them."""
        return {
            "geometry": self.geometry,
            "indicators": self.indicators,
            "id_column": self.id_column,
            "name_column": self.name_column,
            "geometry_id_column": self.geometry_id,
            "layer": self.geometry_layer,
            "sheet": self.sheet,
        }


@dataclass(frozen=True)
class RunArgs:
    """The run options a command was given: a profile and the method options on top of it."""

    profile: Path | None = None
    balance_weight: float | None = None
    normalise: str | None = None
    aggregate: str | None = None
    weights: str | None = None
    impute: str | None = None
    impute_group: str | None = None
    treat: str | None = None
    screen_threshold: float | None = None
    attraction_threshold: float | None = None
    exposure_threshold: float | None = None
    seed: int | None = None
    uncertainty: int | None = None
    where_expr: str | None = None
    ranks: str | None = None
    engine: str | None = None
    scheduler: str | None = None

    def options(self) -> dict[str, Any]:
        """The method options given, as :func:`ideopolis.score` takes them (``None``: not given)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in _NOT_METHOD_OPTIONS}


#: RunArgs fields that are not method options of the run (the profile and the shortlist).
_NOT_METHOD_OPTIONS = ("profile", "where_expr", "ranks")


_REGION_PARAMS: dict[str, Any] = {
    "regions": RegionsOption,
    "geometry": GeometryOption,
    "indicators": IndicatorsOption,
    "id_column": IdOption,
    "name_column": NameColumnOption,
    "geometry_id": GeometryIdOption,
    "geometry_layer": LayerOption,
    "sheet": SheetOption,
    "custom": CustomOption,
    "allow_outside_paths": AllowOutsidePathsOption,
}
_RUN_PARAMS: dict[str, Any] = {
    "profile": ProfileOption,
    "balance_weight": BalanceWeightOption,
    "normalise": NormaliseOption,
    "aggregate": AggregateOption,
    "weights": WeightsOption,
    "impute": ImputeOption,
    "impute_group": ImputeGroupOption,
    "treat": TreatOption,
    "screen_threshold": ScreenThresholdOption,
    "attraction_threshold": AttractionThresholdOption,
    "exposure_threshold": ExposureThresholdOption,
    "seed": SeedOption,
    "uncertainty": UncertaintyOption,
    "where_expr": WhereOption,
    "ranks": RanksOption,
    "engine": EngineOption,
    "scheduler": SchedulerOption,
}


def run_options(func: Callable[..., None]) -> Callable[..., None]:
    """Give a command the region-set and run options, defined once here, as ``where`` and ``how`` arguments.

    The command declares ``where: RegionArgs`` and ``how: RunArgs`` parameters; typer sees the individual
    options (``--regions``, ``--custom``, ``--profile``, ``--balance-weight``, ``--normalise``, ...) after the
    command's own, and the wrapper packs them back into the two objects.
    """
    signature = inspect.signature(func)
    own = [p for name, p in signature.parameters.items() if name not in ("where", "how")]
    shared = {**_REGION_PARAMS, **_RUN_PARAMS}
    extra = [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            default=False if name == "allow_outside_paths" else None,
            annotation=annotation,
        )
        for name, annotation in shared.items()
    ]

    @functools.wraps(func)
    def command(**kwargs: Any) -> None:
        where = RegionArgs(**{name: kwargs.pop(name) for name in _REGION_PARAMS})
        how = RunArgs(**{name: kwargs.pop(name) for name in _RUN_PARAMS})
        try:
            func(where=where, how=how, **kwargs)
        finally:
            from ideopolis.engines import close_open_engines

            close_open_engines()  # a LocalCluster the command started ends with it

    hints = typing.get_type_hints(func, include_extras=True)
    command.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[p.replace(annotation=hints.get(p.name, p.annotation)) for p in own] + extra
    )
    command.__annotations__ = {p.name: hints.get(p.name, p.annotation) for p in own} | shared
    return command


def print_region_notes(rs: Any, where: RegionArgs) -> None:
    """Print what was inferred or derived for a region set, and whether ``validate`` has warnings (stderr)."""
    prefix = "" if where.own_files and where.custom is None else "note: "
    for note in rs.notes:
        typer.echo(f"{prefix}{terminal_text(note)}", err=True)
    warnings = rs.report.warnings
    if warnings:
        command = (
            rs.report.command() if rs.report.validate_command else f"ideopolis validate {where.regions or rs.name}"
        )
        first = terminal_text(warnings[0].line())
        more = f" (and {len(warnings) - 1} more: '{command}' lists them)" if len(warnings) > 1 else ""
        typer.echo(f"{first}{more}", err=True)


def load_region_args(where: RegionArgs) -> Any:
    """Load the region set a command was asked for (:func:`ideopolis.load_regions`) and print its notes."""
    from ideopolis.api import load_regions

    rs = load_regions(
        where.regions, custom=where.custom, allow_outside_paths=where.allow_outside_paths, **where.file_options()
    )
    print_region_notes(rs, where)
    return rs


#: Spatial-weight schemes, named here to catch ``--weights knn`` meant for the hotspot test.
SPATIAL_SCHEMES = ("queen", "knn", "distance_band")


def build_run(where: RegionArgs, how: RunArgs, *, score: bool = True) -> Any:
    """Set up (and score) the run a command asked for with :func:`ideopolis.api.prepare`; print its set's notes."""
    from ideopolis.api import prepare
    from ideopolis.memory import release_free_memory

    if how.weights is not None and how.weights.lower() in SPATIAL_SCHEMES:
        raise ConfigError(
            f"--weights sets the index's weighting (framework, equal, pca); for {how.weights} spatial weights "
            f"use --spatial-weights {how.weights}"
        )
    run = prepare(
        where.regions,
        profile=how.profile,
        custom=where.custom,
        allow_outside_paths=where.allow_outside_paths,
        **where.file_options(),
        where=how.where_expr,
        ranks=how.ranks,
        **how.options(),
    )
    if run.regions is not None:
        print_region_notes(run.regions, where)
    release_free_memory()  # what reading and checking the files freed (ideopolis.memory: measured there)
    if score:
        run.index  # noqa: B018  (score now, inside the command's progress bar)
        release_free_memory()
    return run


def print_run_notes(run: Any) -> None:
    """Print what a user should know about a run (warnings, notes, screened regions) to stderr."""
    for message in run.warnings:
        typer.echo(f"warning: {one_line(message)}", err=True)
    for message in run.info:
        typer.echo(f"note: {one_line(message)}", err=True)
    if run.selection is not None:
        typer.echo(f"note: {one_line(run.selection.describe(len(run.index.scores) if run.scored else None))}", err=True)
    if not run.scored:
        return
    for note in run.notes:
        typer.echo(f"note: {one_line(note)}", err=True)
    if run.dropped:
        shown = ", ".join(run.dropped[:10]) + (f" and {len(run.dropped) - 10} more" if len(run.dropped) > 10 else "")
        typer.echo(f"note: screening dropped {len(run.dropped)} region(s) with too little data: {shown}", err=True)


def write_sidecar(run: Any, output: Path) -> Path:
    """Write the run log beside ``output`` (``<output>.run.toml``) and return its path."""
    from ideopolis.output import sidecar_path

    return Path(run.save_log(sidecar_path(output)))


def with_attributes(run: Any, frame: Any) -> Any:
    """Add the regions' population, type and state/country after the name, for a table indexed by region id.

    A table of another index (indicators, clusters), or one that has them already, is returned as it is.
    """
    from ideopolis.run import EXPORT_ATTRIBUTES

    if getattr(run, "regions", None) is None or frame.index.nlevels != 1 or not frame.index.isin(run.regions.ids).all():
        return frame
    attrs = run.regions_attributes()
    missing = [c for c in EXPORT_ATTRIBUTES if c in attrs.columns and c not in frame.columns]
    if not missing:
        return frame
    out = frame.copy()
    place = list(out.columns).index("name") + 1 if "name" in out.columns else 0
    for column in missing:
        out.insert(place, column, attrs[column].reindex(out.index))
        place += 1
    return out


def write_table_output(run: Any, frame: Any, out: Path, *, sheet: str) -> Path:
    """Write a command's table and the run log beside it; return the log's path.

    ``.xlsx`` is a workbook (the table, its columns' metadata, the run log); other suffixes go through
    :func:`ideopolis.output.write_table`.
    """
    from ideopolis.output import write_table, write_xlsx

    frame = with_attributes(run, frame)
    if out.suffix.lower() == ".xlsx":
        from ideopolis.report.workbook import table_workbook

        write_xlsx(table_workbook(run, {sheet: frame}), out)
    else:
        write_table(frame, out)
    return write_sidecar(run, out)


def find_region(rs: RegionSet, query: str) -> str:
    """Find a region by id or (part of) its name: :meth:`ideopolis.regions.model.RegionSet.find`."""
    return rs.find(query)


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
