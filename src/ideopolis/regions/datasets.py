"""Bundled region sets: list them, find them by name, tell a name from a folder.

Bundled sets live in ``data/regions/<name>/`` in a source checkout and in ``ideopolis/_data/regions/`` inside an
installed wheel; the environment variable ``IDEOPOLIS_DATA`` points elsewhere (a folder of region-set folders).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ideopolis.errors import RegionSetNotFoundError
from ideopolis.regions.metadata import MANIFEST_NAME

#: The region set used when none is named.
DEFAULT_REGION_SET = "us-metros"


def data_root() -> Path:
    """Return the folder that holds the bundled region sets.

    Returns
    -------
    Path
        ``$IDEOPOLIS_DATA`` if set, else the copy inside the installed package, else ``data/regions`` of the
        source checkout.
    """
    env = os.environ.get("IDEOPOLIS_DATA")
    if env:
        return Path(env)
    package = Path(__file__).resolve().parents[1]  # src/ideopolis (or the installed ideopolis)
    packaged = package / "_data" / "regions"
    if packaged.is_dir():
        return packaged
    return package.parents[1] / "data" / "regions"


@dataclass(frozen=True)
class DatasetInfo:
    """What ``ideopolis datasets`` shows about one bundled region set."""

    name: str
    title: str
    path: Path
    regions: int | None
    default: bool


def bundled_names() -> list[str]:
    """Return the names of the bundled region sets, sorted."""
    root = data_root()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / MANIFEST_NAME).is_file())


def is_bundled_name(name: str) -> bool:
    """True when ``name`` names a bundled region set."""
    return "/" not in name and "\\" not in name and name in bundled_names()


def locate(ref: str | Path | None) -> Path:
    """Find a region-set folder from a bundled name, a folder path, or nothing (the default set).

    Parameters
    ----------
    ref : str or Path, optional
        A bundled name, or a folder holding a ``manifest.toml``.

    Returns
    -------
    Path
        The folder.

    Raises
    ------
    RegionSetNotFoundError
        When ``ref`` is neither.
    """
    if ref is None:
        ref = DEFAULT_REGION_SET
    text = str(ref)
    if isinstance(ref, str) and is_bundled_name(text):
        return data_root() / text
    path = Path(ref)
    if path.is_dir():
        return path
    if path.is_file() and path.name == MANIFEST_NAME:
        return path.parent
    names = ", ".join(bundled_names()) or "(none installed)"
    if path.exists():
        raise RegionSetNotFoundError(
            f"{text!r} is a file, not a region-set folder; fix: pass the folder that holds {MANIFEST_NAME}, "
            "or use --geometry/--indicators/--id for your own files"
        )
    raise RegionSetNotFoundError(
        f"no region set {text!r}: it is not a bundled name ({names}) nor an existing folder; "
        "fix: run 'ideopolis datasets' to list the bundled sets, or give a folder with a manifest.toml"
    )


def list_datasets() -> list[DatasetInfo]:
    """Describe every bundled region set (name, title, number of regions) without loading its data.

    Returns
    -------
    list of DatasetInfo
        One per bundled set, by name: ``name``, ``title``, ``path``, ``regions`` (count, when the geometry is
        GeoParquet) and ``default`` (the set used when none is named).

    Examples
    --------
    >>> [(d.name, d.regions) for d in list_datasets()]
    [('eu-nuts2', 334), ('us-counties', 3231), ('us-metros', 935)]
    """
    out = []
    for name in bundled_names():
        folder = data_root() / name
        title = name
        regions: int | None = None
        try:
            raw = tomllib.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
            rs = raw.get("region_set", {})
            title = str(rs.get("title", name))
            gfile = raw.get("geometry", {}).get("file", "")
            if str(gfile).endswith(".parquet"):
                import pyarrow.parquet as pq

                regions = pq.ParquetFile(folder / gfile).metadata.num_rows
        except (OSError, tomllib.TOMLDecodeError, AttributeError, ValueError):
            pass
        out.append(DatasetInfo(name, title, folder, regions, name == DEFAULT_REGION_SET))
    return out
