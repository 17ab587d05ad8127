"""``ideopolis hotspots``: statistically tested hot and cold spots of any indicator or score."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Annotated, Any

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
    one_line,
    progress,
    resolve_region_set,
)
from ideopolis.errors import ConfigError, DataFileError, IdeopolisError
from ideopolis.regions import RegionSet

#: The score tested when --indicator is not given and the composite-index engine is installed.
DEFAULT_SCORE = "ideopolis_index"


@app.command(short_help="Statistically tested hot and cold spots.")
def hotspots(
    regions: RegionsOption = None,
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
        str, typer.Option("--statistic", "-s", metavar="NAME", help="gi_star (Getis-Ord Gi*) or local_moran (LISA).")
    ] = "gi_star",
    weights: Annotated[
        str, typer.Option("--weights", "-w", metavar="NAME", help="queen, knn or distance_band.")
    ] = "queen",
    k: Annotated[int | None, typer.Option("--k", help="Neighbours for --weights knn (default 6).")] = None,
    threshold_km: Annotated[
        float | None, typer.Option("--threshold-km", help="Radius for --weights distance_band, in km.")
    ] = None,
    fallback_k: Annotated[int, typer.Option("--fallback-k", help="Nearest regions given to islands (0: none).")] = 1,
    permutations: Annotated[
        int, typer.Option("--permutations", "-p", help="Conditional permutations (smallest p is 1/(P+1)).")
    ] = 999,
    correction: Annotated[
        str, typer.Option("--correction", metavar="NAME", help="fdr_bh (default), bonferroni or none.")
    ] = "fdr_bh",
    alpha: Annotated[float, typer.Option("--alpha", help="Significance level of the local Moran classes.")] = 0.05,
    alternative: Annotated[
        str, typer.Option("--alternative", metavar="NAME", help="folded (two-sided, default) or directed.")
    ] = "folded",
    seed: Annotated[int, typer.Option("--seed", help="Seed of the permutations.")] = 12345,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the table (.csv, .geojson, .gpkg, .parquet) and its .run.toml."),
    ] = None,
    png: Annotated[Path | None, typer.Option("--png", help="Write a static map of the classes (PNG).")] = None,
    top: Annotated[int, typer.Option("--top", help="Significant regions to list (0: none).")] = 15,
    geometry: GeometryOption = None,
    indicators: IndicatorsOption = None,
    id_column: IdOption = None,
    name_column: NameColumnOption = None,
    custom: CustomOption = None,
    allow_outside_paths: AllowOutsidePathsOption = False,
) -> None:
    """Find statistically significant hot and cold spots (Gi*) or clusters and outliers (local Moran)."""
    from ideopolis.hotspots import check_options
    from ideopolis.hotspots import hotspots as run_hotspots
    from ideopolis.spatial import build_weights, check_weight_options

    _check_outputs(out, png)
    check_options(
        statistic=statistic, permutations=permutations, correction=correction, alternative=alternative, alpha=alpha
    )
    check_weight_options(weights, k=k, threshold_km=threshold_km, fallback_k=fallback_k)
    with progress(["Loading the region set", "Scoring", "Spatial weights", "Permutation test"]) as advance:
        advance("Loading the region set")
        rs = resolve_region_set(
            regions,
            geometry=geometry,
            indicators=indicators,
            id_column=id_column,
            name_column=name_column,
            custom=custom,
            allow_outside_paths=allow_outside_paths,
        )
        shapes = rs.require_geometry()
        advance("Scoring")
        values, label = indicator_values(rs, indicator)
        advance("Spatial weights")
        w = build_weights(
            shapes.reindex(values.dropna().index),
            weights,
            k=k,
            threshold_km=threshold_km,
            fallback_k=fallback_k,
            names=rs.names,
        )
        advance("Permutation test")
        result = run_hotspots(
            values.reindex(rs.ids),
            w,
            statistic=statistic,
            permutations=permutations,
            correction=correction,
            alpha=alpha,
            seed=seed,
            alternative=alternative,
            indicator=label,
        )
    _print_result(rs, result, top)
    for message in result.warnings:
        typer.echo(f"note: {message}", err=True)
    params = {"region_set": rs.name, **result.params}
    if out is not None:
        from ideopolis.io import write_frame

        table: pd.DataFrame = result.table
        if out.suffix.lower() != ".csv":
            import geopandas as gpd

            table = gpd.GeoDataFrame(table, geometry=shapes.geometry.reindex(table.index), crs=shapes.crs)
        write_frame(table, out)
        sidecar = write_run_file(out, params)
        typer.echo(f"wrote {out} and {sidecar}")
    if png is not None:
        from ideopolis.maps.api import layer_png
        from ideopolis.maps.layers import MapLayer

        meta = rs.indicators.get(label)
        what = meta.label if meta is not None else label
        classes = tuple(c for c in result.classes if c != "No data")  # the map draws missing values itself
        layer = MapLayer(
            key="hotspots",
            title=f"{_STAT_TITLE.get(result.statistic, result.statistic)} of {what}",
            kind="categorical",
            palette="hotspots",
            categories=classes,
            group="Hotspots",
        )
        cls = result.table["cls"]
        layer_png(
            rs,
            cls.where(cls != "No data"),
            layer,
            png,
            source=f"Method: {result.method_note} Data: {'; '.join(rs.manifest.sources) or rs.name}. Map: ideopolis.",
        )
        typer.echo(f"wrote {png}")


_STAT_TITLE = {"gi_star": "Hot and cold spots (Getis-Ord Gi*)", "local_moran": "Local Moran clusters"}


def indicator_values(rs: RegionSet, indicator: str | None) -> tuple[pd.Series, str]:
    """Return the values to test and their name: an indicator column or a score of the index engine.

    Without ``indicator``: the Ideopolis index when the composite-index engine is installed, else the set's
    ``default_indicator``, else its first scored indicator.
    """
    scores: pd.DataFrame | None = None

    def engine_scores() -> pd.DataFrame | None:
        nonlocal scores
        if scores is None:
            try:  # the composite-index engine, when installed
                engine = importlib.import_module("ideopolis.index")
            except ImportError:
                return None
            scores = engine.score_region_set(rs).scores
        return scores

    if indicator is None:
        default = rs.manifest.default_indicator or next(iter(rs.scored_indicators), None)
        try:
            found = engine_scores()
        except IdeopolisError as exc:
            if default is None:
                raise
            typer.echo(
                f"note: the Ideopolis index cannot be computed for {rs.name} ({one_line(str(exc))}); "
                f"testing {default} instead",
                err=True,
            )
            found = None
        if found is not None and DEFAULT_SCORE in found.columns:
            return found[DEFAULT_SCORE].rename(DEFAULT_SCORE), DEFAULT_SCORE
        if default is None or default not in rs.data.columns:
            raise ConfigError(f"region set {rs.name!r} has no default indicator; fix: pass --indicator NAME")
        return rs.data[default].rename(default), default
    if indicator in rs.data.columns:
        return rs.data[indicator].rename(indicator), indicator
    try:
        found = engine_scores()
    except IdeopolisError:
        found = None
    if found is not None and indicator in found.columns:
        return found[indicator].rename(indicator), indicator
    choices = list(rs.data.columns) + ([] if found is None else list(found.columns))
    raise ConfigError(f"unknown indicator {indicator!r} for {rs.name}; choose one of: {', '.join(choices)}")


def write_run_file(out: Path, params: dict[str, Any]) -> Path:
    """Write the run's parameters next to ``out`` as ``<out>.run.toml`` (atomically); return its path."""
    import tomli_w

    from ideopolis.io import write_text_atomic

    clean = {key: value for key, value in params.items() if value is not None}
    target = out.with_name(out.name + ".run.toml")
    return write_text_atomic(target, tomli_w.dumps(clean))


def _check_outputs(out: Path | None, png: Path | None) -> None:
    suffixes = (".csv", ".geojson", ".gpkg", ".parquet")
    if out is not None and out.suffix.lower() not in suffixes:
        raise DataFileError(f"{out}: unsupported output format; fix: end --out with {', '.join(suffixes)}")
    if png is not None and png.suffix.lower() != ".png":
        raise DataFileError(f"{png}: --png needs a file name ending in .png")


def _print_result(rs: RegionSet, result: Any, top: int) -> None:
    stat = _STAT_TITLE.get(result.statistic, result.statistic)
    typer.echo(f"{stat} of {result.indicator} on {rs.name} ({len(result.table):,} regions)")
    counts = result.counts()
    width = max(len(c) for c in counts.index)
    for cls, n in counts.items():
        if n or cls in result.classes[:-3]:
            typer.echo(f"  {cls:<{width}}  {n:>6,}")
    typer.echo(f"methods: {result.method_note}")
    if top <= 0:
        return
    table = result.table
    significant = table[~table["cls"].isin(["Not significant", *result.classes[-3:]])]
    if significant.empty:
        typer.echo("no region is significant")
        return
    order = significant["z"].abs() if "z" in significant else significant["statistic"].abs()
    shown = significant.loc[order.sort_values(ascending=False).index[:top]]
    typer.echo(f"\nstrongest {len(shown)} of {len(significant):,} significant regions:")
    stat_col = "z" if "z" in shown else "statistic"
    for rid, row in shown.iterrows():
        name = str(row.get("name", "")) if "name" in shown else ""
        typer.echo(
            f"  {rid:<8} {name[:40]:<40} {row['value']:>12.4g}  {stat_col} {row[stat_col]:>7.2f}  "
            f"p {row['p_adjusted']:.3g}  {row['cls']}"
        )
