"""Custom regions: turn a region set into a new one by grouping its regions ("our five counties").

A two-column table maps base regions (e.g. counties) to user-defined regions. The new set's

- geometry is the union of its members' shapes, dissolved as a coverage so shared borders vanish without
  leaving slivers (holes that no non-member region fills are closed);
- counts are summed (a missing member value makes the sum missing: a partial sum would be a wrong number);
- rates and shares are recomputed from their summed numerators and denominators, never averaged;
- levels (a median income) are combined only when the metadata says how (``aggregate = "weighted_mean"`` with
  ``weight_by``, ``"sum"``, ``"mean"``, ``"min"``, ``"max"``); otherwise they are missing and a note says so;
- groups keep their value when every member shares it, else list the values (``"CA; NV"``);
- long tables are summed per custom region over their text keys.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import tomli_w

from ideopolis.errors import RegionSetError
from ideopolis.output import write_csv, write_file, write_folder, write_text
from ideopolis.regions.metadata import MANIFEST_NAME, GeometrySpec, IndicatorMeta, LongTableSpec, Manifest, TableSpec
from ideopolis.regions.model import RegionSet
from ideopolis.regions.problems import ValidationReport, count, listing
from ideopolis.regions.readers import id_strings, read_table
from ideopolis.safety import unique_file_stem


def read_mapping(path: Path, *, base_column: str | None = None, region_column: str | None = None) -> pd.DataFrame:
    """Read a mapping table (CSV, Parquet or XLSX) of base region ids to custom region names.

    Parameters
    ----------
    path : Path
        The table.
    base_column, region_column : str, optional
        The columns to use; default: the first and second columns.

    Returns
    -------
    pandas.DataFrame
        Columns ``base`` and ``region`` (strings).

    Raises
    ------
    RegionSetError
        When a column is missing or a cell is empty.
    """
    df, row_label, first = read_table(Path(path), sheet=None)
    name = Path(path).name
    if len(df.columns) < 2:
        raise RegionSetError(
            f"{name}: a mapping needs two columns (base region id, custom region); "
            f"found {len(df.columns)}; fix: add the custom region column"
        )
    base_column = base_column or str(df.columns[0])
    region_column = region_column or str(df.columns[1])
    for col in (base_column, region_column):
        if col not in df.columns:
            raise RegionSetError(
                f"{name}: column {col!r} is missing (columns: {listing(list(df.columns))}); "
                "fix: name the right columns with --base-column and --region-column"
            )
    out = pd.DataFrame({"base": id_strings(df[base_column]), "region": id_strings(df[region_column])})
    for col, label in (("base", base_column), ("region", region_column)):
        blank = np.flatnonzero((out[col] == "").to_numpy())
        if len(blank):
            rows = [int(i) + first for i in blank]
            raise RegionSetError(
                f"{name}: column {label!r} is empty at {row_label}s {listing(rows)}; fix: fill every cell"
            )
    return out


def custom_regions(
    rs: RegionSet,
    mapping: pd.DataFrame,
    *,
    name: str = "custom",
    title: str | None = None,
    keep_others: bool = False,
) -> RegionSet:
    """Build a region set whose regions are groups of ``rs``'s regions.

    Parameters
    ----------
    rs : RegionSet
        The base set (e.g. ``us-counties``).
    mapping : pandas.DataFrame
        Columns ``base`` (ids of ``rs``) and ``region`` (the custom region each belongs to; its id and name).
    name : str
        The new set's short name.
    title : str, optional
        The new set's title.
    keep_others : bool
        Keep the base regions the mapping does not name as regions of their own (so "our five counties" can
        be compared with every other county); by default they are left out.

    Returns
    -------
    RegionSet
        The aggregated set; ``notes`` say which values could not be aggregated and why, and which base
        regions were left out. A region of a single base region keeps that region's values unchanged.

    Raises
    ------
    RegionSetError
        When the mapping names unknown base regions or puts one base region in two custom regions.
    """
    mapping = mapping.astype({"base": object, "region": object})
    unknown = sorted(set(mapping["base"]) - set(rs.ids))
    if unknown:
        raise RegionSetError(
            f"the mapping names {len(unknown)} base regions that are not in {rs.name!r} ({listing(unknown)}); "
            f"fix: use ids of {rs.name!r} (e.g. {listing(list(rs.ids[:3]), limit=3)})"
        )
    twice = mapping.drop_duplicates().loc[lambda d: d["base"].duplicated(keep=False)]
    if len(twice):
        first = twice["base"].iloc[0]
        regions = sorted(twice.loc[twice["base"] == first, "region"])
        raise RegionSetError(
            f"base region {first!r} is mapped to {len(regions)} custom regions ({listing(regions)}); "
            "fix: map every base region to exactly one custom region"
        )
    mapping = mapping.drop_duplicates()
    notes: list[str] = []
    others = rs.ids.difference(pd.Index(mapping["base"]), sort=False)
    names_of = dict(zip(mapping["region"], mapping["region"], strict=True))
    if keep_others and len(others):
        clash = sorted(set(mapping["region"]) & set(others))
        if clash:
            raise RegionSetError(
                f"custom region {clash[0]!r} has the id of a base region the mapping leaves as it is; "
                "fix: give the custom region another name"
            )
        mapping = pd.concat([mapping, pd.DataFrame({"base": others, "region": others})], ignore_index=True)
        names_of.update(rs.names.reindex(others).to_dict())
        notes.append(f"{len(others)} of {len(rs.ids)} base regions are in no custom region and are kept as they are")
    elif len(others):
        notes.append(f"{len(others)} of {len(rs.ids)} base regions are in no custom region and are left out")
    member_of = pd.Series(mapping["region"].to_numpy(), index=pd.Index(mapping["base"].to_numpy()))
    region_index = pd.Index(pd.unique(mapping["region"].to_numpy()), name="id")

    data = _aggregate_data(rs, member_of, region_index, notes)
    groups = _aggregate_groups(rs.groups, member_of, region_index)
    names = pd.Series([names_of[r] for r in region_index], index=region_index, name="name", dtype=object)
    geometry = _dissolve(rs, member_of, region_index) if rs.geometry is not None else None
    members = mapping.rename(columns={"region": "id"})[["id", "base"]].assign(
        base_name=lambda d: d["base"].map(rs.names)
    )

    # a scored indicator no custom region has a value for cannot be scored: it leaves the index (as
    # auxiliary metadata), said once, instead of failing the whole run at its raw step
    empty = [
        m.name
        for m in rs.manifest.indicators.values()
        if m.pillar is not None and data.get(m.name, pd.Series()).isna().all()
    ]
    indicators = dict(rs.manifest.indicators)
    for col in empty:
        indicators[col] = replace(indicators[col], pillar=None)
    if empty:
        notes.append(
            f"{count(len(empty), 'indicator')} without a value in any custom region left the index "
            f"({listing(empty)}); fix: give each an aggregation rule in the manifest (aggregate = ...)"
        )
    manifest = replace(
        rs.manifest,
        indicators=indicators,
        name=name,
        title=title or f"{name}: custom regions built from {rs.title}",
        description=f"Custom regions aggregated from {rs.name} ({len(member_of)} base regions).",
        id_column="id",
        name_column="name",
        geometry=GeometrySpec("geometry.parquet", "id") if geometry is not None else None,
        tables=(TableSpec("indicators.csv", "id"),),
        long_tables=(
            *tuple(replace(t, id_column="id") for t in rs.manifest.long_tables),
            LongTableSpec("members", "members.csv", "id", description=f"the {rs.name} regions in each region"),
        ),
        folder=None,
        crs="EPSG:4326",
        datasheet=None,
    )
    report = ValidationReport(name)
    out = RegionSet(manifest, data, groups, names, geometry, report, notes)
    out._long["members"] = members.reset_index(drop=True)
    for lt in rs.manifest.long_tables:
        out._long[lt.name] = _aggregate_long(rs.long_table(lt.name), member_of)
    return out


def _aggregate_data(rs: RegionSet, member_of: pd.Series, regions: pd.Index, notes: list[str]) -> pd.DataFrame:
    base = rs.data.loc[member_of.index]
    key = member_of.to_numpy()
    grouped = base.groupby(key, sort=False)
    sums = grouped.sum(min_count=1)
    any_missing = base.isna().groupby(key, sort=False).any()
    out = pd.DataFrame(index=regions)
    metas = rs.indicators
    counts = sums.where(~any_missing)  # a partial sum would be a wrong number
    for col, meta in metas.items():
        if col not in base:
            continue
        if meta.kind == "count":
            out[col] = counts[col].reindex(regions)
        elif meta.kind in ("rate", "share"):
            if meta.numerator in counts and meta.denominator in counts:
                num = counts[meta.numerator].reindex(regions)
                den = counts[meta.denominator].reindex(regions)
                with np.errstate(divide="ignore", invalid="ignore"):
                    value = num / den * meta.scale
                out[col] = value.where(np.isfinite(value))
            else:
                out[col] = np.nan
                notes.append(
                    f"{col}: a {meta.kind} without numerator and denominator in the metadata cannot be "
                    "recomputed for custom regions (averaging it would be wrong); it is missing"
                )
        else:
            out[col] = _aggregate_level(base, key, regions, meta, counts, notes)
    sizes = pd.Series(key).value_counts()
    single = sizes.index[sizes.to_numpy() == 1]
    if len(single):  # a region of one base region is that region: its values carry over unchanged
        alone = pd.Series(base.index, index=key).loc[single]
        out.loc[single, base.columns] = base.loc[alone.to_numpy()].to_numpy()
    merged = sizes.index[sizes.to_numpy() > 1]
    partial = [c for c in out.columns if any_missing[c].reindex(merged).any() and out.loc[merged, c].isna().any()]
    if partial:
        notes.append(
            f"{len(partial)} indicators are missing for custom regions with a member that lacks them "
            f"({listing(partial)}): a sum over the members that have data would be a wrong total"
        )
    out.index.name = "id"
    return out.astype("float64")


def _aggregate_level(
    base: pd.DataFrame,
    key: np.ndarray,
    regions: pd.Index,
    meta: IndicatorMeta,
    counts: pd.DataFrame,
    notes: list[str],
) -> pd.Series:
    col = meta.name
    rule = meta.aggregate
    grouped = base[col].groupby(key, sort=False)
    has_missing = base[col].isna().groupby(key, sort=False).any().reindex(regions)
    if rule is None:
        notes.append(
            f"{col}: a level ({meta.unit or meta.label}) is not aggregatable without a rule in the metadata "
            "(aggregate = 'weighted_mean' with weight_by, 'sum', 'mean', 'min' or 'max'); it is missing"
        )
        return pd.Series(np.nan, index=regions)
    if rule == "weighted_mean":
        w = base.get(meta.weight_by, None)
        if w is None:
            return pd.Series(np.nan, index=regions)
        num = (base[col] * w).groupby(key, sort=False).sum(min_count=1)
        den = w.where(base[col].notna()).groupby(key, sort=False).sum(min_count=1)
        value = (num / den).reindex(regions)
        bad_w = w.isna().groupby(key, sort=False).any().reindex(regions)
        return value.where(~(has_missing | bad_w))
    value = getattr(grouped, rule)().reindex(regions)
    return value.where(~has_missing)


def _aggregate_groups(groups: pd.DataFrame, member_of: pd.Series, regions: pd.Index) -> pd.DataFrame:
    out = pd.DataFrame(index=regions)
    base = groups.loc[member_of.index]
    key = member_of.to_numpy()
    for col in groups.columns:
        joined = base[col].groupby(key, sort=False).agg(lambda s: "; ".join(sorted({str(v) for v in s.dropna()})))
        out[col] = joined.reindex(regions).replace("", None)
    out.index.name = "id"
    return out


def _dissolve(rs: RegionSet, member_of: pd.Series, regions: pd.Index) -> gpd.GeoDataFrame:
    """Union members' shapes; close holes that no other base region fills (slivers between near-borders)."""
    geo = rs.require_geometry()
    geoms = geo.geometry.loc[member_of.index].to_numpy()
    key = member_of.to_numpy()
    others_all = geo.geometry
    out = []
    for region in regions:
        members = geoms[key == region]
        if len(members) == 1:
            out.append(members[0])
            continue
        if shapely.coverage_is_valid(members):
            merged = shapely.coverage_union_all(members)
        else:
            merged = shapely.union_all(members)
        non_members = others_all.drop(member_of.index[key == region]).to_numpy()
        out.append(_close_slivers(merged, non_members))
    return gpd.GeoDataFrame(geometry=out, index=regions, crs=geo.crs)


def _close_slivers(geom: shapely.Geometry, non_members: np.ndarray) -> shapely.Geometry:
    """Fill interior rings that are not (mostly) covered by another region: they are gaps, not enclaves."""
    polys = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
    if not polys:
        return geom
    tree = shapely.STRtree(non_members)
    fixed = []
    for poly in polys:
        keep = []
        for ring in poly.interiors:
            hole = shapely.Polygon(ring)
            near = non_members[tree.query(hole, predicate="intersects")]
            covered = shapely.intersection(near, hole).sum() if len(near) else None
            covered_area = float(shapely.area(covered).sum()) if covered is not None else 0.0
            if hole.area > 0 and covered_area >= 0.5 * hole.area:
                keep.append(ring)
        fixed.append(shapely.Polygon(poly.exterior, keep))
    return fixed[0] if len(fixed) == 1 else shapely.MultiPolygon(fixed)


def _aggregate_long(table: pd.DataFrame, member_of: pd.Series) -> pd.DataFrame:
    df = table[table["id"].isin(member_of.index)].copy()
    df["id"] = df["id"].map(member_of)
    numeric = [c for c in df.columns if c != "id" and pd.api.types.is_numeric_dtype(df[c])]
    keys = ["id"] + [c for c in df.columns if c != "id" and c not in numeric]
    return df.groupby(keys, sort=True, dropna=False)[numeric].sum(min_count=1).reset_index()


def write_region_set(rs: RegionSet, folder: Path) -> Path:
    """Write a region set to a folder in the region-set format (manifest, geometry, indicators, long tables).

    Parameters
    ----------
    rs : RegionSet
        The set, e.g. from :func:`custom_regions`.
    folder : Path
        The set's folder. It is written as a whole: into a temporary folder beside it, then swapped in
        (:func:`ideopolis.output.write_folder`), so a reader (or ``validate``) sees the old set or the new one,
        never a mix, and a failed write leaves the old set as it was.

    Returns
    -------
    Path
        ``folder``.

    Raises
    ------
    OutputError
        When ``folder`` exists and is not a region set (it is never replaced), or cannot be written.

    Notes
    -----
    Every file stays inside ``folder``: long tables are written as ``<stem>.csv`` with a stem derived from
    the table's name by :func:`ideopolis.safety.unique_file_stem`. CSV cells that a spreadsheet would read
    as formulas carry a leading ``'`` (:func:`ideopolis.output.write_csv`), which ideopolis' reader removes, so
    the set reads back exactly as it was written.
    """

    def write(tmp: Path) -> None:
        table = pd.concat([rs.names.rename("name"), rs.groups, rs.data], axis=1)
        table.index.name = "id"
        write_csv(table, tmp / "indicators.csv", float_format="%.12g")
        if rs.geometry is not None:
            geo = rs.geometry.reset_index()
            write_file(tmp / "geometry.parquet", lambda p: geo.to_parquet(p, index=False))
        long_specs = []
        taken = {"indicators", "geometry", "manifest"}
        for spec in rs.manifest.long_tables:
            df = rs.long_table(spec.name)
            # a long table's name is a display name: its file gets a safe, unique stem in this folder
            file = f"{unique_file_stem(spec.name, taken)}.csv"
            write_csv(df, tmp / file, index=False)
            long_specs.append(replace(spec, file=file, id_column="id"))
        write_text(tmp / MANIFEST_NAME, manifest_toml(rs.manifest, long_specs, rs.notes))

    return write_folder(Path(folder), write, replaceable=lambda f: (f / MANIFEST_NAME).is_file())


def manifest_toml(manifest: Manifest, long_tables: list[LongTableSpec], notes: list[str]) -> str:
    """Render a manifest for a region set written by ideopolis."""
    doc: dict[str, object] = {"format_version": 1}
    region_set: dict[str, object] = {
        "name": manifest.name,
        "title": manifest.title,
        "description": manifest.description,
        "id_column": "id",
        "name_column": "name",
        "crs": "EPSG:4326",
    }
    if manifest.license:
        region_set["license"] = manifest.license
    if manifest.sources:
        region_set["sources"] = list(manifest.sources)
    doc["region_set"] = region_set
    doc["geometry"] = {"file": "geometry.parquet", "id_column": "id"}
    doc["tables"] = [{"file": "indicators.csv", "id_column": "id"}]
    if long_tables:
        doc["long_tables"] = [
            {
                k: v
                for k, v in (("name", t.name), ("file", t.file), ("id_column", "id"), ("description", t.description))
                if v
            }
            for t in long_tables
        ]
    if manifest.groups:
        doc["groups"] = {g.name: {"label": g.label} for g in manifest.groups.values()}
    extra = {n: p for n, p in manifest.pillars.items() if n not in _default_pillar_names()}
    if extra:
        doc["pillars"] = {n: {"label": p.label, "parent": p.parent} for n, p in extra.items()}
    doc["indicators"] = {name: _meta_dict(m) for name, m in manifest.indicators.items()}
    return _comment_lines(notes) + tomli_w.dumps(doc)


def _comment_lines(notes: list[str]) -> str:
    """Write notes as TOML comments, one per line of each note.

    A note quotes names from the data (a column, a unit); a line break in one must not end the comment
    and start TOML of its own, and TOML allows no control character but tab in a comment.
    """
    lines = []
    for note in notes:
        for line in note.splitlines() or [""]:
            clean = "".join(" " if unicodedata.category(c) == "Cc" and c != "\t" else c for c in line)
            lines.append(f"# note: {clean}\n")
    return "".join(lines)


def _default_pillar_names() -> set[str]:
    from ideopolis.index.pillars import DEFAULT_PILLARS

    return set(DEFAULT_PILLARS)


def _meta_dict(m: IndicatorMeta) -> dict[str, object]:
    out: dict[str, object] = {"label": m.label, "unit": m.unit, "kind": m.kind}
    if m.pillar is not None:
        out["pillar"] = m.pillar
        out["direction"] = m.direction
    for key in (
        "numerator",
        "denominator",
        "aggregate",
        "weight_by",
        "denominate_by",
        "source",
        "table",
        "vintage",
        "license",
        "description",
    ):
        value = getattr(m, key)
        if value is not None:
            out[key] = value
    for key, default in (("scale", 1.0), ("weight", 1.0)):
        value = getattr(m, key)
        if value != default:
            out[key] = value
    for key in ("min", "max"):
        value = getattr(m, key)
        if value is not None:
            out[key] = value
    return out
