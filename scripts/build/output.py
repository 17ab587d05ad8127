"""Deterministic writers: indicator CSV, (Geo)Parquet and manifest.

Rebuilding a set must give byte-identical files, so every writer fixes row order, column order, number
formatting, compression and metadata (no timestamps, no library-version-dependent pandas metadata).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyproj
import shapely
import tomli_w

from .spec import Indicator, RegionSet

PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 12,
    "use_dictionary": True,
    "write_statistics": False,
}


SIGNIFICANT_DIGITS = 10


def finalize_indicators(df: pd.DataFrame, region_set: RegionSet) -> pd.DataFrame:
    """Round counts to their stored precision and recompute rates and shares from them.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per region with every indicator column of ``region_set`` (rates and shares with
        ``recompute=True`` may be absent: they are computed here).
    region_set : RegionSet
        The set's metadata.

    Returns
    -------
    pandas.DataFrame
        A copy where every count is rounded to its decimals and every rate or share with
        ``recompute=True`` equals ``numerator / denominator * scale`` of the rounded counts (missing when
        either count is missing or the denominator is 0). Non-count values are written with
        :data:`SIGNIFICANT_DIGITS` significant digits, so a stored ratio reproduces from the stored counts
        to a relative 5e-10.
    """
    out = df.copy()
    for ind in region_set.indicators:
        if ind.column not in out.columns:
            if not (ind.kind in ("rate", "share") and ind.recompute):
                raise KeyError(f"indicator column {ind.column!r} is missing")
            out[ind.column] = np.nan
        values = pd.to_numeric(out[ind.column], errors="raise").astype("float64")
        values = values.where(np.isfinite(values))
        if ind.kind == "count":
            values = values.round(ind.decimals)
        out[ind.column] = values
    for ind in region_set.indicators:
        if ind.kind in ("rate", "share") and ind.recompute:
            assert ind.numerator is not None and ind.denominator is not None, ind.column
            num = out[ind.numerator]
            den = out[ind.denominator]
            value = num / den.where(den != 0) * (ind.scale or 1.0)
            if ind.min_denominator is not None:
                value = value.where(den >= ind.min_denominator)
            out[ind.column] = value
    return out


def _format_values(values: pd.Series, decimals: int | None) -> list[str]:
    """Format floats: counts with fixed decimals, others with 10 significant digits (no exponent).

    Missing values become empty strings; negative zero is written as zero.
    """
    cells: list[str] = []
    for value in values.to_numpy(dtype="float64"):
        if np.isnan(value):
            cells.append("")
        elif decimals == 0:
            cells.append(str(round(value)))
        elif decimals is not None:
            cells.append(f"{round(value, decimals) + 0.0:.{decimals}f}")
        else:
            text = np.format_float_positional(
                value, precision=SIGNIFICANT_DIGITS, unique=False, fractional=False, trim="-"
            )
            cells.append("0" if text in ("-0", "0") else text)
    return cells


def write_indicators_csv(df: pd.DataFrame, region_set: RegionSet, path: Path, leading: Sequence[str]) -> None:
    """Write the indicator table as UTF-8 CSV with fixed column order and number formats.

    Parameters
    ----------
    df : pandas.DataFrame
        Finalised indicator table (see :func:`finalize_indicators`).
    region_set : RegionSet
        The set's metadata; indicator columns are written in its order.
    path : pathlib.Path
        Output file.
    leading : sequence of str
        Text columns written first (id, name, group columns), as strings.
    """
    df = df.sort_values(region_set.id_column, kind="stable").reset_index(drop=True)
    columns: dict[str, list[str]] = {}
    for col in leading:
        columns[col] = ["" if pd.isna(v) else str(v) for v in df[col]]
    for ind in region_set.indicators:
        decimals = ind.decimals if ind.kind == "count" else None
        columns[ind.column] = _format_values(df[ind.column], decimals)
    header = list(columns)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for row in zip(*(columns[c] for c in header), strict=True):
            writer.writerow(row)


def write_parquet(table: pa.Table, path: Path) -> None:
    """Write an Arrow table with fixed compression and no pandas metadata.

    Parameters
    ----------
    table : pyarrow.Table
        Table to write; its schema metadata is dropped.
    path : pathlib.Path
        Output file.
    """
    table = table.replace_schema_metadata(None)
    pq.write_table(table, path, **PARQUET_OPTIONS)


def write_geoparquet(ids: Sequence[str], geometries: np.ndarray, id_column: str, path: Path) -> None:
    """Write a GeoParquet 1.1 file (WKB, EPSG:4326) with deterministic metadata.

    Parameters
    ----------
    ids : sequence of str
        Region ids, in the order of ``geometries``; rows are sorted by id.
    geometries : numpy.ndarray
        Shapely (multi)polygons in lon/lat.
    id_column : str
        Name of the id column.
    path : pathlib.Path
        Output file.
    """
    order = np.argsort(np.asarray(ids, dtype=object).astype(str), kind="stable")
    ids_sorted = [str(ids[i]) for i in order]
    geoms = np.asarray(geometries, dtype=object)[order]
    wkb = shapely.to_wkb(geoms, output_dimension=2, byte_order=1, flavor="iso")
    types = sorted({shapely.get_type_id(g) for g in geoms})
    type_names = {3: "Polygon", 6: "MultiPolygon"}
    bounds = shapely.total_bounds(geoms)
    geo = {
        "version": "1.1.0",
        "primary_column": "geometry",
        "columns": {
            "geometry": {
                "encoding": "WKB",
                "geometry_types": [type_names[t] for t in types],
                "crs": pyproj.CRS("EPSG:4326").to_json_dict(),
                "bbox": [round(float(b), 6) for b in bounds],
            }
        },
    }
    table = pa.table(
        {id_column: pa.array(ids_sorted, type=pa.string()), "geometry": pa.array(list(wkb), type=pa.binary())}
    )
    table = table.replace_schema_metadata({"geo": json.dumps(geo, sort_keys=True)})
    pq.write_table(table, path, **PARQUET_OPTIONS)


def write_manifest(region_set: RegionSet, path: Path) -> None:
    """Write ``manifest.toml`` in the region-set format (docs/region-set-format.md).

    Parameters
    ----------
    region_set : RegionSet
        The set's metadata.
    path : pathlib.Path
        Output file.
    """
    doc: dict[str, Any] = {
        "format_version": 1,
        "region_set": {
            "name": region_set.name,
            "title": region_set.title,
            "description": region_set.description,
            "id_column": region_set.id_column,
            "name_column": region_set.name_column,
            "crs": "EPSG:4326",
            "license": region_set.license,
            "sources": list(region_set.sources),
            "datasheet": "DATASHEET.md",
        },
        "geometry": {"file": "geometry.parquet", "id_column": region_set.id_column},
        "tables": [{"file": "indicators.csv", "id_column": region_set.id_column}],
    }
    if region_set.vintage:
        doc["region_set"]["vintage"] = region_set.vintage
    if region_set.default_indicator:
        doc["region_set"]["default_indicator"] = region_set.default_indicator
    if region_set.spatial_weights:
        doc["region_set"]["spatial_weights"] = region_set.spatial_weights
    if region_set.long_tables:
        entries = []
        for t in region_set.long_tables:
            table_entry = {"name": t.name, "file": t.file, "id_column": t.id_column, "description": t.description}
            table_entry.update({k: v for k in ("source", "vintage", "license") if (v := getattr(t, k))})
            entries.append(table_entry)
        doc["long_tables"] = entries
    if region_set.reference_tables:
        refs = []
        for t in region_set.reference_tables:
            ref_entry = {"name": t.name, "file": t.file, "key_column": t.key_column, "description": t.description}
            ref_entry.update({k: v for k in ("source", "vintage", "license") if (v := getattr(t, k))})
            refs.append(ref_entry)
        doc["reference_tables"] = refs
    groups: dict[str, Any] = {}
    for group in region_set.groups:
        entry: dict[str, Any] = {"label": group.label}
        if group.values is not None:
            entry["values"] = list(group.values)
        groups[group.column] = entry
    doc["groups"] = groups
    doc["indicators"] = {ind.column: ind.manifest_entry() for ind in region_set.indicators}
    path.write_text(tomli_w.dumps(doc), encoding="utf-8")


def indicator_by_column(region_set: RegionSet) -> dict[str, Indicator]:
    """Map column name to indicator metadata.

    Parameters
    ----------
    region_set : RegionSet
        The set's metadata.

    Returns
    -------
    dict
        ``{column: Indicator}``.
    """
    return {ind.column: ind for ind in region_set.indicators}
