"""Loading the region set a user asks for: a bundled name, a folder, or their own files; custom regions on top.

:func:`load_regions` is the one entry point the API and every command use, so ``--regions``, ``--geometry``/
``--indicators``/``--id`` and ``--custom`` mean the same everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ideopolis.errors import RegionSetError

if TYPE_CHECKING:
    from ideopolis.regions.model import RegionSet

__all__ = ["load_regions"]


def load_regions(
    regions: str | Path | RegionSet | None = None,
    *,
    geometry: str | Path | None = None,
    indicators: str | Path | Sequence[str | Path] | None = None,
    id_column: str | None = None,
    name_column: str | None = None,
    custom: str | Path | None = None,
    allow_outside_paths: bool = False,
) -> RegionSet:
    """Load a region set: bundled, a folder, or your own files; optionally with custom regions merged in.

    Parameters
    ----------
    regions : str, Path or RegionSet, optional
        A bundled name (``"us-metros"``, ``"us-counties"``, ``"eu-nuts2"``; see
        :func:`ideopolis.regions.datasets.list_datasets`) or a region-set folder with a ``manifest.toml``;
        default: the default set (``us-metros``). A loaded RegionSet is returned as it is (custom regions
        applied when asked).
    geometry : str or Path, optional
        Your own region shapes (GeoJSON, GeoPackage, GeoParquet, Shapefile, TopoJSON); with ``indicators``.
    indicators : str, Path or sequence of them, optional
        Your own indicator table(s) (CSV, Parquet, XLSX): each column's kind, pillar and direction are
        inferred and listed in the set's ``notes``.
    id_column, name_column : str, optional
        The region id (required with your own files) and name columns of your own files.
    custom : str or Path, optional
        A two-column table (base region id, custom region): those base regions are merged into custom
        regions ("our five counties") and the other regions kept as they are, to compare.
    allow_outside_paths : bool, default False
        Let a region-set folder's manifest name files outside the folder (only for a set you trust).

    Returns
    -------
    RegionSet
        The set; ``notes`` says what was inferred or derived, ``report.warnings`` what ``validate`` would list.

    Raises
    ------
    RegionSetNotFoundError
        When the name is neither bundled nor a folder.
    RegionSetError
        For an invalid set (the first problem, with its file and fix) or conflicting arguments.
    DataFileError
        For unreadable files.

    Examples
    --------
    >>> rs = load_regions("us-metros")
    >>> len(rs.ids), rs.find("Des Moines")
    (935, '19780')
    """
    from ideopolis.regions.model import RegionSet, load_region_set

    own = geometry is not None or bool(indicators) or id_column is not None
    if isinstance(regions, RegionSet):
        if own:
            raise RegionSetError("a loaded region set and your own files cannot be combined; fix: pass one of them")
        rs = regions
    elif own:
        if regions is not None:
            raise RegionSetError(
                "--regions and your own files (--geometry/--indicators/--id) cannot be combined; fix: use one"
            )
        if not indicators or id_column is None:
            missing = "--indicators" if not indicators else "--id"
            raise RegionSetError(f"your own data needs {missing}; fix: pass --indicators FILE --id COLUMN")
        from ideopolis.regions.infer import region_set_from_files

        tables = [Path(indicators)] if isinstance(indicators, str | Path) else [Path(p) for p in indicators]
        built, report = region_set_from_files(
            geometry=None if geometry is None else Path(geometry),
            indicators=tables,
            id_column=id_column,
            name_column=name_column,
        )
        report.raise_if_errors()
        assert built is not None
        rs = built
    else:
        rs = load_region_set(regions, allow_outside_paths=allow_outside_paths)
    if custom is not None:
        from ideopolis.index.scoring import region_set_ref
        from ideopolis.regions.custom import custom_regions, read_mapping

        path = Path(custom)
        base = region_set_ref(rs)
        rs = custom_regions(rs, read_mapping(path), name=path.stem, keep_others=True)
        rs.custom_source = str(path.resolve())
        rs.custom_base = base
    return rs
