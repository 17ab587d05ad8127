"""Commands about region sets: ``datasets``, ``validate``, ``custom``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ideopolis.cli._app import (
    AllowOutsidePathsOption,
    GeometryIdOption,
    GeometryOption,
    IdOption,
    IndicatorsOption,
    LayerOption,
    NameColumnOption,
    RegionArgs,
    RegionsOption,
    SheetOption,
    app,
    echo,
    load_region_args,
)
from ideopolis.errors import RegionSetError


@app.command(short_help="List the bundled region sets, or describe one.")
def datasets(regions: RegionsOption = None, allow_outside_paths: AllowOutsidePathsOption = False) -> None:
    """List the bundled region sets, or describe one (--regions NAME)."""
    from ideopolis.regions.datasets import list_datasets

    if regions is None:
        infos = list_datasets()
        if not infos:
            raise RegionSetError("no bundled region set is installed; fix: reinstall ideopolis or set IDEOPOLIS_DATA")
        width = max(len(i.name) for i in infos)
        for info in infos:
            n = f"{info.regions:>6,} regions" if info.regions is not None else " " * 14
            mark = "  (default)" if info.default else ""
            echo(f"{info.name:<{width}}  {n}  {info.title}{mark}")
        return
    rs = load_region_args(RegionArgs(regions=regions, allow_outside_paths=allow_outside_paths))
    echo(f"{rs.name}: {rs.title}")
    echo(f"{len(rs.ids):,} regions; groups: {', '.join(rs.groups.columns) or 'none'}")
    if rs.manifest.sources:
        echo(f"sources: {'; '.join(rs.manifest.sources)}")
    echo("")
    rows = []
    for name, m in rs.indicators.items():
        coverage = int(rs.data[name].notna().sum()) if name in rs.data else 0
        rows.append((name, m.pillar or "-", m.kind, m.unit, m.vintage or "", f"{coverage:,}", m.label))
    headers = ("indicator", "pillar", "kind", "unit", "vintage", "regions", "label")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers[:-1])]
    echo("  ".join(h.ljust(w) for h, w in zip(headers[:-1], widths, strict=True)) + "  " + headers[-1])
    for r in rows:
        echo("  ".join(c.ljust(w) for c, w in zip(r[:-1], widths, strict=True)) + "  " + r[-1])
    if rs.long_table_names:
        echo(f"\nlong tables: {', '.join(rs.long_table_names)}")


@app.command(short_help="Check a region set, every problem at once.")
def validate(
    path: Annotated[
        str | None, typer.Argument(metavar="[PATH]", help="A region-set folder or bundled name (default set).")
    ] = None,
    regions: RegionsOption = None,
    geometry: GeometryOption = None,
    indicators: IndicatorsOption = None,
    id_column: IdOption = None,
    name_column: NameColumnOption = None,
    geometry_id: GeometryIdOption = None,
    geometry_layer: LayerOption = None,
    sheet: SheetOption = None,
    allow_outside_paths: AllowOutsidePathsOption = False,
) -> None:
    """Check a region set and report every problem at once (exit 1 if any is fatal)."""
    if path is not None and regions is not None and path != regions:
        raise RegionSetError("give the region set either as PATH or as --regions, not both")
    target = path or regions
    if geometry is not None or indicators or id_column is not None:
        if target is not None:
            raise RegionSetError("PATH/--regions and your own files (--indicators/--id) cannot be combined")
        if (not indicators and geometry is None) or id_column is None:
            raise RegionSetError("your own data needs --indicators FILE (or --geometry FILE) and --id COLUMN")
        from ideopolis.regions.infer import region_set_from_files

        rs, report = region_set_from_files(
            geometry=geometry,
            indicators=list(indicators or []),
            id_column=id_column,
            name_column=name_column,
            geometry_id_column=geometry_id,
            layer=geometry_layer,
            sheet=sheet,
        )
        for note in rs.notes if rs is not None else report.notes:
            echo(note, err=True)
    else:
        from ideopolis.regions.model import validate_region_set

        report = validate_region_set(target, allow_outside_paths=allow_outside_paths)
    for line in report.lines():
        echo(line)
    echo(report.summary(), err=True)
    if not report.ok:
        raise typer.Exit(1)


@app.command(short_help='Group regions into custom ones ("our counties").')
def custom(
    mapping: Annotated[
        Path,
        typer.Argument(
            metavar="MAPPING", help="Table with two columns: base region id, custom region (CSV, Parquet, XLSX)."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the new region set to.")],
    regions: RegionsOption = None,
    base_column: Annotated[
        str | None, typer.Option("--base-column", help="Column of base region ids (default: the first).")
    ] = None,
    region_column: Annotated[
        str | None, typer.Option("--region-column", help="Column of custom region names (default: the second).")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Short name of the new set (default: the folder).")] = None,
    keep_others: Annotated[
        bool,
        typer.Option("--keep-others", help="Keep the regions the mapping does not name, as they are (to compare)."),
    ] = False,
    allow_outside_paths: AllowOutsidePathsOption = False,
) -> None:
    """Group a set's regions into custom regions ("our five counties") and write a new set."""
    from ideopolis.regions.custom import custom_regions, read_mapping, write_region_set

    base = load_region_args(RegionArgs(regions=regions, allow_outside_paths=allow_outside_paths))
    table = read_mapping(mapping, base_column=base_column, region_column=region_column)
    rs = custom_regions(base, table, name=name or out.name, keep_others=keep_others)
    write_region_set(rs, out)
    if len(rs.ids) < 2:
        echo(
            f"warning: {out} holds {len(rs.ids)} region: it can be mapped, but scores compare regions and need "
            "at least 2; fix: add --keep-others to keep the regions the mapping does not name",
            err=True,
        )
    echo(f"{out}: {len(rs.ids)} regions ({table['region'].nunique()} custom, from {len(table)} of {base.name})")
    for note in rs.notes:
        echo(f"note: {note}", err=True)
    echo(f"use it with: --regions {out}")
