"""US polygon coverage: cleaned 2017 counties, Falls Church restored, Connecticut split into pieces."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from . import ct, geo
from .us_common import UsSources

FALLS_CHURCH = "51610"


@dataclass
class UsFaces:
    """Noded faces of the US county coverage.

    Attributes
    ----------
    faces : geo.Faces
        Faces and their county owner (2017 polygon ids).
    region_owner : numpy.ndarray
        Owner in 2023 geography: a Connecticut legacy-county face is relabelled to the planning region of
        its power-diagram piece.
    split : geo.PowerSplit
        The Connecticut power diagrams.
    targets : pandas.DataFrame
        Target area shares of the Connecticut pieces (rows regions, columns legacy counties).
    invalid_input : int
        Number of us-atlas geometries that were invalid before repair.
    """

    faces: geo.Faces
    region_owner: np.ndarray
    split: geo.PowerSplit
    targets: pd.DataFrame
    invalid_input: int


def build_faces(src: UsSources) -> UsFaces:
    """Clean the us-atlas county coverage and prepare the Connecticut planning-region pieces.

    Falls Church city, VA (51610) collapsed to an empty polygon in the 1:10m us-atlas file; it is restored
    as a square of its Gazetteer land area centred on its Gazetteer internal point, cut out of its
    neighbours. Connecticut legacy counties are split among the planning regions they share towns with by
    an area-matched power diagram (:func:`geo.power_split`): target areas come from IPF of a region x
    county matrix (seed = shared towns, margins = Gazetteer 2024 ALAND of the regions and polygon areas of
    the legacy counties).

    Parameters
    ----------
    src : UsSources
        Raw tables.

    Returns
    -------
    UsFaces
        The faces with county and 2023-geography owners.
    """
    atlas = src.atlas.set_index("fips5")
    gaz = src.gazetteer.set_index("fips5")
    geoms = atlas.geometry.copy()
    if geoms[FALLS_CHURCH].is_empty:
        lon, lat, area = gaz.loc[FALLS_CHURCH, ["lon", "lat", "aland_m2"]].to_numpy(dtype=float)
        geoms[FALLS_CHURCH] = geo.square_of_area(float(lon), float(lat), float(area))
    legacy_polys = {k: geoms[k] for k in ct.LEGACY}
    plane_area = pd.Series({k: shapely.transform(p, geo._to_plane).area for k, p in legacy_polys.items()})
    towns = src.ct_crosswalk.groupby(["region", "legacy"]).size().unstack(fill_value=0)
    towns = towns.reindex(index=ct.REGIONS, columns=ct.LEGACY, fill_value=0)
    rows = gaz["aland_m2"].reindex(ct.REGIONS).to_numpy(dtype=float)
    cols = plane_area.reindex(ct.LEGACY).to_numpy()
    fitted, _, _ = ct.ipf(towns.to_numpy(), rows * cols.sum() / rows.sum(), cols)
    targets = pd.DataFrame(fitted, index=ct.REGIONS, columns=ct.LEGACY)
    targets = targets / targets.sum(axis=0)
    points = gaz.loc[ct.REGIONS, ["lon", "lat"]].to_numpy(dtype=float)
    sites = {k: (float(x), float(y)) for k, (x, y) in zip(ct.REGIONS, points, strict=True)}
    split = geo.power_split(legacy_polys, sites, targets)
    faces = geo.node_faces(list(geoms.index), list(geoms.to_numpy()), extra_lines=split.lines, priority=[FALLS_CHURCH])
    legacy = set(ct.LEGACY)

    def relabel(owner: str, face: shapely.Geometry) -> str:
        if owner in legacy:
            return split.owner(owner, shapely.point_on_surface(face))
        return owner

    region_owner = geo.assign_faces(faces, relabel)
    return UsFaces(faces, region_owner, split, targets, int(src.atlas.attrs["invalid_input"]))
