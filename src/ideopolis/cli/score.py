"""``ideopolis score``: build the composite index for a region set and print, explain or write it."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer

from ideopolis.cli._app import (
    AllowOutsidePathsOption,
    CustomOption,
    GeometryOption,
    IdOption,
    IndicatorsOption,
    NameColumnOption,
    RegionsOption,
    app,
    find_region,
    one_line,
    progress,
    resolve_region_set,
)
from ideopolis.errors import ConfigError, IdeopolisWarning
from ideopolis.lens import DESCRIPTIONS

#: output formats by file suffix
FORMATS = {
    ".csv": "csv",
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
    ".parquet": "geoparquet",
    ".geoparquet": "geoparquet",
}


def log_path_for(out: Path) -> Path:
    """Where the run log goes next to ``out``: ``scores.csv`` -> ``scores.run.toml``."""
    return out.with_name(f"{out.stem}.run.toml")


def _cell(value: Any) -> tuple[str, bool]:
    """Text of a table cell and whether it is right-aligned (numbers)."""
    if value is None or value is pd.NA or (isinstance(value, float | np.floating) and np.isnan(value)):
        return "-", True
    if isinstance(value, float | np.floating):
        return f"{value:.2f}", True
    if isinstance(value, int | np.integer):
        return str(value), True
    return str(value), False


def format_table(frame: pd.DataFrame, *, max_width: int = 32) -> str:
    """Render a small DataFrame as aligned plain text (index first, numbers right-aligned)."""
    header = [str(frame.index.name or ""), *map(str, frame.columns)]
    body = [[_cell(str(i)), *(_cell(v) for v in frame.loc[i].tolist())] for i in frame.index]
    widths = [min(max([len(h)] + [len(r[j][0]) for r in body]), max_width) for j, h in enumerate(header)]
    numeric = [j > 0 and all(r[j][1] for r in body) for j in range(len(header))]
    lines = [
        "  ".join(
            h.rjust(w) if numeric[j] else h.ljust(w) for j, (h, w) in enumerate(zip(header, widths, strict=True))
        ).rstrip()
    ]
    for r in body:
        cells = [t[:w].rjust(w) if right else t[:w].ljust(w) for (t, right), w in zip(r, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def top_table(run: Any, n: int, sort: str | None = None) -> pd.DataFrame:
    """The top ``n`` regions: rank, name, the index, the level below it and the typology."""
    fw = run.framework
    key = sort or fw.root
    if key not in run.scores.columns:
        raise ConfigError(f"cannot sort by {key!r}; choose one of: {', '.join(run.scores.columns)}")
    show = [fw.root, *[c for c in fw.children(fw.root) if c in run.scores.columns]]
    if key not in show:
        show.insert(0, key)
    table = run.scores[show].copy()
    table.insert(0, "rank", run.ranks[key])
    if run.names is not None:
        table.insert(1, "name", run.names.reindex(table.index))
    if run.typology is not None:
        table["typology"] = run.typology
    table = table.sort_values(key, ascending=False, na_position="last").head(n)
    table.index.name = "id"
    return table


def explain_text(run: Any, region: str) -> str:
    """How one region's index was built, as text."""
    rid = run.find_region(region)
    table = run.explain(rid)
    name = run.names.get(rid, rid) if run.names is not None else rid
    n = len(run.scores)
    lines = [f"{name} ({rid})", ""]
    root = run.framework.root
    lines.append(f"{root}: {table.at[root, 'score']:.2f}  rank {table.at[root, 'rank']} of {n}")
    if run.typology is not None:
        kind = run.typology.get(rid)
        lines.append(f"typology: {kind} ({DESCRIPTIONS.get(str(kind), 'no lens value')})")
    lines.append("")
    cols = ["level", "raw", "denominated", "treated", "score", "weight", "effective_weight", "contribution", "rank"]
    view = table.reindex(columns=cols).copy()
    view.insert(
        0,
        "node",
        ["  " * (run.framework.max_level - int(lv)) + str(i) for i, lv in zip(view.index, view["level"], strict=True)],
    )
    view = view.drop(columns="level").set_index("node")
    flags = []
    for code in table.index:
        f = []
        if (
            bool(table.at[code, "imputed"])
            if "imputed" in table.columns and pd.notna(table.at[code, "imputed"])
            else False
        ):
            f.append("imputed")
        t = table.at[code, "treatment"] if "treatment" in table.columns else ""
        if isinstance(t, str) and t:
            f.append(t)
        if int(table.at[code, "direction"]) == -1:
            f.append("reversed" if int(table.at[code, "level"]) == 1 else "enters reflected")
        flags.append(", ".join(f))
    view["notes"] = flags
    lines.append(format_table(view, max_width=40))
    lines.append("")
    lines.append(
        "score: normalised indicator (direction applied) or aggregate score; weight: within its parent; "
        "contribution: effective weight x score as it enters the index"
    )
    sw = run.strengths_weaknesses(rid)
    if len(sw):
        for kind in ("strength", "weakness"):
            part = sw[sw["kind"] == kind]
            items = ", ".join(f"{r.indicator} ({r.rank}/{r.of})" for r in part.itertuples())
            lines.append(f"{'strengths' if kind == 'strength' else 'weaknesses'}: {items}")
    return "\n".join(lines)


def write_results(run: Any, out: Path, geometry: Any = None) -> Path:
    """Write the results table (CSV) or a geo file (GeoJSON, GeoPackage, GeoParquet) and the run log."""
    fmt = FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise ConfigError(
            f"cannot write {out.name}: unknown format {out.suffix!r}; use .csv, .geojson, .gpkg or .parquet"
        )
    table = run.results_frame()
    table.index.name = "id"
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        from ideopolis.io import write_csv

        write_csv(table, out)  # atomic; no cell a spreadsheet would read as a formula
    else:
        import geopandas as gpd

        if geometry is None:
            raise ConfigError(f"{out.name} needs region shapes but this region set has none; write a .csv instead")
        geo = geometry.reindex(table.index)
        frame = gpd.GeoDataFrame(table.reset_index(), geometry=geo.geometry.to_numpy(), crs=geometry.crs)
        if "typology" in frame.columns:
            frame["typology"] = frame["typology"].astype(object)
        if fmt == "geojson":
            frame.to_file(out, driver="GeoJSON")
        elif fmt == "gpkg":
            frame.to_file(out, driver="GPKG", layer="scores")
        else:
            frame.to_parquet(out)
    run.save_log(log_path_for(out))
    return out


def _options(
    balance_weight: float | None,
    normalise: str | None,
    impute: str | None,
    impute_group: str | None,
    weights: str | None,
    aggregate: str | None,
    treat: str | None,
    screen_threshold: float | None,
    attraction_threshold: float | None,
    exposure_threshold: float | None,
) -> dict[str, Any]:
    opts: dict[str, Any] = {
        "balance_weight": balance_weight,
        "normalise": normalise,
        "weights": weights,
        "aggregate": aggregate,
        "treat": treat,
        "attraction_threshold": attraction_threshold,
        "exposure_threshold": exposure_threshold,
    }
    if impute is not None or impute_group is not None:
        method = impute or "group_mean"
        opts["impute"] = {"method": method, **({"group": impute_group} if impute_group else {})}
    if screen_threshold is not None:
        opts["screen"] = {"method": "by_na", "threshold": screen_threshold}
    return opts


@app.command(short_help="Score regions: index, pillars, lens, typology.")
def score(
    regions: RegionsOption = None,
    geometry: GeometryOption = None,
    indicators: IndicatorsOption = None,
    id_column: IdOption = None,
    name_column: NameColumnOption = None,
    custom: CustomOption = None,
    allow_outside_paths: AllowOutsidePathsOption = False,
    profile: Annotated[
        Path | None, typer.Option("--profile", "-p", metavar="RUN.TOML", help="A run profile holding a whole run.")
    ] = None,
    balance_weight: Annotated[
        float | None,
        typer.Option(
            "--balance-weight",
            "-w",
            min=0.0,
            max=1.0,
            help="Weight of the import-people vs export-jobs balance in the index (default 0.25).",
        ),
    ] = None,
    normalise: Annotated[
        str | None,
        typer.Option(
            "--normalise", metavar="METHOD", help="minmax, zscore, rank, prank, dist2max, ... (default minmax)."
        ),
    ] = None,
    impute: Annotated[
        str | None,
        typer.Option("--impute", metavar="METHOD", help="none, mean, median, group_mean, group_median (default none)."),
    ] = None,
    impute_group: Annotated[
        str | None, typer.Option("--impute-group", metavar="COLUMN", help="Group column for group imputation.")
    ] = None,
    weights: Annotated[
        str | None,
        typer.Option("--weights", metavar="METHOD", help="framework, equal or pca (others through --profile)."),
    ] = None,
    aggregate: Annotated[
        str | None,
        typer.Option(
            "--aggregate", metavar="METHOD", help="arithmetic, geometric, harmonic or generalised (default arithmetic)."
        ),
    ] = None,
    treat: Annotated[
        str | None, typer.Option("--treat", metavar="METHOD", help="coinr (default), winsorise or none.")
    ] = None,
    screen_threshold: Annotated[
        float | None,
        typer.Option("--screen-threshold", min=0.0, max=1.0, help="Drop regions with less data than this share."),
    ] = None,
    attraction_threshold: Annotated[
        float | None, typer.Option("--attraction-threshold", help="Typology split on attraction (default median).")
    ] = None,
    exposure_threshold: Annotated[
        float | None, typer.Option("--exposure-threshold", help="Typology split on exposure (default median).")
    ] = None,
    explain: Annotated[
        str | None,
        typer.Option("--explain", metavar="REGION", help="Show how a region's index was built (id or part of name)."),
    ] = None,
    top: Annotated[int, typer.Option("--top", "-n", min=1, help="How many regions to print.")] = 15,
    sort: Annotated[
        str | None, typer.Option("--sort", metavar="COLUMN", help="Score to rank by (default the index).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Write scores: .csv, .geojson, .gpkg or .parquet (GeoParquet); log beside it."
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
    run log is written next to --out (NAME.run.toml) and can be replayed with --profile.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", IdeopolisWarning)
        geo = None
        rs = None
        if coinr_data is not None or coinr_meta is not None:
            if coinr_data is None or coinr_meta is None:
                raise ConfigError("COINr input needs both --coinr-data IDATA.CSV and --coinr-meta IMETA.CSV")
            if regions or indicators or profile:
                raise ConfigError("--coinr-data cannot be combined with --regions, --indicators or --profile")
            from ideopolis.coinr import run_coinr_default

            kwargs: dict[str, Any] = {}
            if impute_group is not None:
                kwargs["impute_group"] = impute_group
            if screen_threshold is not None:
                kwargs["screen_threshold"] = screen_threshold
            run = run_coinr_default(coinr_data, coinr_meta, **kwargs)
        else:
            from ideopolis.index import score_region_set
            from ideopolis.profile import load_profile

            config = load_profile(profile) if profile is not None else None
            target = regions if regions is not None else (config.regions if config else None)
            own = geometry is not None or bool(indicators) or id_column is not None
            with progress(["Loading the region set", "Scoring"]) as advance:
                advance("Loading the region set")
                rs = resolve_region_set(
                    None if own else target,
                    geometry=geometry,
                    indicators=indicators,
                    id_column=id_column,
                    name_column=name_column,
                    custom=custom,
                    allow_outside_paths=allow_outside_paths,
                )
                advance("Scoring")
                opts = _options(
                    balance_weight,
                    normalise,
                    impute,
                    impute_group,
                    weights,
                    aggregate,
                    treat,
                    screen_threshold,
                    attraction_threshold,
                    exposure_threshold,
                )
                run = score_region_set(rs, config, **opts)
            geo = rs.geometry
    for w in caught:
        typer.echo(f"warning: {one_line(str(w.message))}", err=True)
    for note in run.notes:
        typer.echo(f"note: {one_line(note)}", err=True)
    if run.dropped:
        shown = ", ".join(run.dropped[:10]) + (f" and {len(run.dropped) - 10} more" if len(run.dropped) > 10 else "")
        typer.echo(f"note: screening dropped {len(run.dropped)} region(s) with too little data: {shown}", err=True)
    if explain is not None:
        region = explain
        if rs is not None and explain not in run.dropped:
            region = find_region(rs, explain)  # the set's own lookup: suggestions for near misses
        typer.echo(explain_text(run, region))
    else:
        typer.echo(format_table(top_table(run, top, sort)))
    if out is not None:
        written = write_results(run, out, geo)
        typer.echo(f"wrote {written} ({len(run.scores):,} regions) and {log_path_for(written)}", err=True)
