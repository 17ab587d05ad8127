"""Render a region set's DATASHEET.md from its metadata, its final table and hand-written sections."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .spec import RegionSet


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render(
    region_set: RegionSet,
    table: pd.DataFrame,
    intro: str,
    sections: Sequence[tuple[str, str]],
) -> str:
    """Return the DATASHEET markdown.

    Parameters
    ----------
    region_set : RegionSet
        The set's metadata (indicators, groups, tables).
    table : pandas.DataFrame
        The final indicator table (used for coverage counts and group values).
    intro : str
        Opening paragraph(s).
    sections : sequence of (str, str)
        Extra sections ``(title, markdown body)``: methods, traps, caveats.

    Returns
    -------
    str
        The document, ending with a newline.
    """
    n = len(table)
    lines = [
        f"# {region_set.title}",
        "",
        f"Region set `{region_set.name}`: {n:,} regions, id column "
        f"`{region_set.id_column}` (a string, leading zeros kept), name column `{region_set.name_column}`.",
        "",
        intro.strip(),
        "",
        "Licence of the set: " + region_set.license + ".",
        "",
    ]
    lines += [
        "## Files",
        "",
        "| file | content |",
        "|---|---|",
        "| `manifest.toml` | metadata of every file, group and indicator |",
        "| `geometry.parquet` | GeoParquet 1.1, EPSG:4326, one (multi)polygon per region |",
        "| `indicators.csv` | one row per region: id, name, group columns, indicators |",
    ]
    for t in [*region_set.long_tables, *region_set.reference_tables]:
        lines.append(f"| `{t.file}` | {_cell(t.description)} |")
    lines += ["| `DATASHEET.md` | this file |", ""]

    lines += [
        "## Indicators at a glance",
        "",
        "| column | label | pillar | kind | unit | vintage | regions with a value |",
        "|---|---|---|---|---|---|---|",
    ]
    for ind in region_set.indicators:
        have = int(table[ind.column].notna().sum())
        pillar = f"{ind.pillar} ({'+' if ind.direction == 1 else '-'})" if ind.pillar else "auxiliary"
        lines.append(
            f"| `{ind.column}` | {_cell(ind.label)} | {pillar} | {ind.kind} | {_cell(ind.unit)} | "
            f"{_cell(ind.vintage)} | {have:,} of {n:,} |"
        )
    lines.append("")

    lines += ["## Indicator definitions", ""]
    for ind in region_set.indicators:
        have = int(table[ind.column].notna().sum())
        lines += [f"### `{ind.column}`: {ind.label}", ""]
        lines.append(f"- **Definition / formula**: {ind.definition}")
        kind = f"{ind.kind}, unit: {ind.unit}"
        if ind.numerator:
            kind += f"; = `{ind.numerator}` / `{ind.denominator}` x {ind.scale:g}"
        if ind.aggregate:
            kind += f"; custom regions: {ind.aggregate}" + (f" by `{ind.weight_by}`" if ind.weight_by else "")
        lines.append(f"- **Kind**: {kind}")
        if ind.pillar:
            lines.append(f"- **Pillar**: {ind.pillar}, direction {ind.direction:+d}")
        else:
            lines.append("- **Pillar**: none (auxiliary column: a count used as numerator/denominator, or context)")
        lines.append(f"- **Source**: {ind.source}; **table**: {ind.table}")
        lines.append(f"- **Vintage**: {ind.vintage}; **licence**: {ind.license}")
        lines.append(f"- **Coverage**: {have:,} of {n:,} regions")
        if ind.caveats:
            lines.append(f"- **Caveats**: {ind.caveats}")
        lines.append("")

    if region_set.groups:
        lines += ["## Group columns", "", "| column | label | values | definition |", "|---|---|---|---|"]
        for g in region_set.groups:
            counts = table[g.column].fillna("").astype(str).value_counts().sort_index()
            shown = (
                ", ".join(f"{k or '(blank)'}: {v}" for k, v in counts.items())
                if len(counts) <= 12
                else (f"{len(counts)} distinct values")
            )
            lines.append(f"| `{g.column}` | {_cell(g.label)} | {_cell(shown)} | {_cell(g.definition)} |")
        lines.append("")

    for t in [*region_set.long_tables, *region_set.reference_tables]:
        lines += [f"## `{t.file}` ({t.name})", "", t.description, "", "| column | meaning |", "|---|---|"]
        lines += [f"| `{c}` | {_cell(m)} |" for c, m in t.columns]
        lines.append("")

    for title, body in sections:
        lines += [f"## {title}", "", body.strip(), ""]
    return "\n".join(lines).rstrip() + "\n"
