"""``ideopolis clusters``: a region's strong traded clusters, or one cluster's location quotients everywhere."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from ideopolis.cli._app import AllowOutsidePathsOption, RegionsOption, app, find_region, resolve_region_set
from ideopolis.errors import ConfigError, DataFileError
from ideopolis.regions import RegionSet

#: LQ classes of the cluster map, with their fill colours (light to dark).
LQ_CLASSES: tuple[tuple[str, float, str], ...] = (
    ("LQ below 0.5", 0.5, "#fff5eb"),
    ("LQ 0.5 to 1", 1.0, "#fdd0a2"),
    ("LQ 1 to 1.5", 1.5, "#fd8d3c"),
    ("LQ 1.5 to 2", 2.0, "#e6550d"),
    ("LQ 2 to 4", 4.0, "#a63603"),
    ("LQ 4 or more", float("inf"), "#5a1e02"),
)
NO_INDUSTRY_DATA = "no industry data"


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
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the table (.csv, .geojson, .gpkg, .parquet) and its .run.toml."),
    ] = None,
    png: Annotated[Path | None, typer.Option("--png", help="With --cluster: a static map of its LQ (PNG).")] = None,
) -> None:
    """List a region's strong traded clusters, or map one cluster's location quotients across regions."""
    from ideopolis.clusters import CITATION, find_cluster, region_set_clusters

    if png is not None and cluster is None:
        raise ConfigError("--png maps one cluster; fix: add --cluster NAME")
    if png is not None and png.suffix.lower() != ".png":
        raise DataFileError(f"{png}: --png needs a file name ending in .png")
    rs = resolve_region_set(regions, allow_outside_paths=allow_outside_paths)
    result = region_set_clusters(rs, suppressed=suppressed, crosswalk=crosswalk)
    name = find_cluster(cluster, result.cluster_names) if cluster is not None else None
    source = f"{CITATION}. Employment: {_industry_source(rs)}."
    params: dict[str, Any] = {
        "region_set": rs.name,
        "suppressed": result.suppressed,
        "citation": CITATION,
        "employment_source": _industry_source(rs),
        "notes": list(result.notes),
    }

    table: pd.DataFrame
    if region is not None:
        rid = find_region(rs, region)
        if rid not in result.summary.index:
            raise DataFileError(f"{rs.label(rid)} has no industry data in {rs.name}")
        params["region"] = rid
        if name is not None:
            table = _one_cluster_in_region(rs, result, rid, name)
            params["cluster"] = name
        else:
            table = _region_profile(rs, result, rid)
    elif name is not None:
        params["cluster"] = name
        table = _cluster_valleys(rs, result, name, top)
    else:
        table = _cluster_list(result)
    typer.echo(source)
    for note in result.notes:
        typer.echo(f"note: {note}", err=True)

    if out is not None:
        from ideopolis.cli.hotspots import write_run_file
        from ideopolis.io import write_frame

        frame: pd.DataFrame = table
        if out.suffix.lower() != ".csv":
            if rs.geometry is None or not table.index.isin(rs.ids).all():
                raise DataFileError(f"{out}: this table is not by region; fix: use .csv")
            import geopandas as gpd

            shapes = rs.geometry
            frame = gpd.GeoDataFrame(table, geometry=shapes.geometry.reindex(table.index), crs=shapes.crs)
        write_frame(frame, out)
        typer.echo(f"wrote {out} and {write_run_file(out, params)}")
    if png is not None and name is not None:
        from ideopolis.maps.api import layer_png
        from ideopolis.maps.layers import MapLayer

        everywhere = result.cluster(name).reindex(rs.ids)
        n_strong = int(everywhere["strong"].fillna(False).astype(bool).sum())
        layer = MapLayer(
            key="lq",
            title=f"{name}: location quotient",
            unit="LQ (1 = the national share of traded jobs)",
            scheme="user_defined",
            bins=tuple(upper for _, upper, _ in LQ_CLASSES[:-1]),
            palette="oranges",
            group="Clusters",
        )
        layer_png(
            rs,
            everywhere["lq"],
            layer,
            png,
            subtitle=f"{rs.title}; strong in {n_strong:,} regions",
            source=(
                "LQ = the cluster's share of the region's traded employment over its national share; strong: LQ >= 1 "
                "and top quarter among regions of the same type, employment and establishments above the bottom "
                f"quarter. {source}"
            ),
        )
        typer.echo(f"wrote {png}")


def _lq_class(lq: float) -> str:
    if math.isnan(lq):
        return NO_INDUSTRY_DATA
    return next((label for label, upper, _ in LQ_CLASSES if lq < upper), LQ_CLASSES[-1][0])


def _industry_source(rs: RegionSet) -> str:
    for spec in getattr(rs.manifest, "long_tables", []):
        if getattr(spec, "name", None) in ("industry_employment", "industry"):
            text = getattr(spec, "source", None)
            if text:
                return str(text)
    return "U.S. Census Bureau, County Business Patterns"


def _region_profile(rs: RegionSet, result: Any, rid: str) -> pd.DataFrame:
    summary = result.summary.loc[rid]
    everything = result.clusters.xs(rid, level="id").sort_values("lq", ascending=False)
    strong = everything[everything["strong"]]
    n_regions = len(result.summary)
    typer.echo(
        f"{rs.label(rid)}, {summary['type']}: {int(summary['n_strong_traded'])} strong traded clusters, "
        f"{summary['strong_traded_emp_share']:.1%} of its traded employment "
        f"({summary['traded_emp']:,.0f} traded jobs of {summary['total_emp']:,.0f})"
    )
    shown = strong if len(strong) else everything.head(5)
    if not len(strong):
        typer.echo("no strong traded cluster; its highest location quotients:")
    width = max(len(str(c)) for c in shown.index)
    typer.echo(
        f"  {'cluster':<{width}}  {'LQ':>6}  {'employment':>10}  {'estab':>7}  "
        f"{'rank (employment)':>17}  {'rank (LQ, type)':>15}"
    )
    for cluster, row in shown.iterrows():
        typer.echo(
            f"  {cluster!s:<{width}}  {row['lq']:>6.2f}  {row['emp']:>10,.0f}  {row['estab']:>7,.0f}  "
            f"{int(row['rank_emp']):>7,} of {n_regions:<7,}  "
            f"{int(row['rank_lq']):>5,} of {int(row['regions_of_type']):<5,}"
        )
    if summary["imputed_emp_share"] > 0:
        typer.echo(
            f"{summary['imputed_emp_share']:.1%} of this region's 6-digit employment is allocated from "
            "published totals (cells with fewer than 3 establishments are not published)"
        )
    out = everything.copy()
    out.insert(0, "id", rid)
    return out


def _one_cluster_in_region(rs: RegionSet, result: Any, rid: str, name: str) -> pd.DataFrame:
    row = result.clusters.loc[(rid, name)]
    verdict = "strong" if row["strong"] else "not strong"
    typer.echo(f"{rs.label(rid)}: {name} is {verdict}")
    known_emp = row["emp"] - row["emp_uncertain"]
    known_estab = row["estab"] - row["estab_uncertain"]
    checks = [
        (f"LQ {row['lq']:.2f} >= 1", row["lq"] >= 1),
        (f"LQ {row['lq']:.2f} >= {row['lq_p75']:.2f} (75th percentile, {row['type']})", row["lq"] >= row["lq_p75"]),
        (f"employment {known_emp:,.0f} > {row['emp_p25']:,.1f} (25th percentile)", known_emp > row["emp_p25"]),
        (
            f"establishments {known_estab:,.1f} > {row['estab_p25']:,.1f} (25th percentile)",
            known_estab > row["estab_p25"],
        ),
    ]
    for text, ok in checks:
        typer.echo(f"  [{'x' if ok else ' '}] {text}")
    typer.echo(f"  rank by employment {int(row['rank_emp']):,} of {len(result.summary):,} regions")
    frame = pd.DataFrame([row.to_numpy()], columns=row.index, index=pd.Index([rid], name="id"))
    frame.insert(0, "cluster", name)
    return frame


def _cluster_valleys(rs: RegionSet, result: Any, name: str, top: int) -> pd.DataFrame:
    everywhere = result.cluster(name)
    strong = everywhere[everywhere["strong"]]
    nat_emp = everywhere["emp"].sum()
    typer.echo(f"{name}: {nat_emp:,.0f} jobs in {rs.name}; strong in {len(strong):,} of {len(everywhere):,} regions")
    shown = strong.head(top) if len(strong) else everywhere.head(top)
    if len(strong):
        typer.echo(f"strongest {len(shown)} by location quotient:")
    else:
        typer.echo(f"no region is strong; highest {len(shown)} location quotients:")
    for rid, row in shown.iterrows():
        typer.echo(
            f"  {rid:<8} {str(rs.names.get(rid, ''))[:42]:<42} {row['type']:<6} LQ {row['lq']:>6.2f}  "
            f"{row['emp']:>10,.0f} jobs  rank {int(row['rank_emp']):,}"
        )
    out = everywhere.copy()
    out.insert(0, "name", rs.names.reindex(out.index))
    out.index.name = "id"
    return out


def _cluster_list(result: Any) -> pd.DataFrame:
    table = result.clusters.groupby(level="cluster").agg(emp=("emp", "sum"), strong_in=("strong", "sum"))
    table = table.sort_values("emp", ascending=False)
    typer.echo(f"{len(table)} traded clusters (jobs in the region set; regions where strong):")
    width = max(len(c) for c in table.index)
    for cluster, row in table.iterrows():
        typer.echo(f"  {cluster:<{width}}  {row['emp']:>11,.0f}  {int(row['strong_in']):>5,}")
    typer.echo("use: ideopolis clusters REGION, or ideopolis clusters --cluster NAME")
    return table
