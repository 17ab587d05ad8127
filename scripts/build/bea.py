"""BEA county keys against Census counties.

BEA publishes some county-level statistics for *combination areas*: Virginia independent cities merged
with a surrounding county (keys 519xx, e.g. 51901 "Albemarle + Charlottesville") and Maui + Kalawao
(15901). This module reads the members from the area names and splits combination-area totals to the
member counties by population share; every member then carries the combination's per-capita values.
"""

from __future__ import annotations

import re

import pandas as pd


def combination_members(cainc1: pd.DataFrame, popest: pd.DataFrame) -> dict[str, list[str]]:
    """Find the member counties of every BEA combination area.

    Parameters
    ----------
    cainc1 : pandas.DataFrame
        Output of :func:`readers_us.read_cainc1` (``bea_key, bea_name``).
    popest : pandas.DataFrame
        Output of :func:`readers_us.read_popest` (``fips5, STNAME, CTYNAME``).

    Returns
    -------
    dict
        ``{bea_key: [member fips5, ...]}`` for the combination areas that have 2021 data. A name such as
        "Augusta, Staunton + Waynesboro, VA*" is split into a county (first part) and cities; each part
        must match exactly one PopEst county name in the state.
    """
    combos: dict[str, list[str]] = {}
    rows = cainc1[cainc1["bea_name"].str.contains("+", regex=False) & cainc1["bea_pop_2021"].notna()]
    for key, name in zip(rows["bea_key"], rows["bea_name"], strict=True):
        state_fips = key[:2]
        names = popest[popest["fips5"].str[:2] == state_fips].set_index("CTYNAME")["fips5"]
        body = re.sub(r",\s*[A-Z]{2}\*?$", "", name)
        parts = [p.strip() for p in re.split(r"\s*\+\s*|,\s*", body) if p.strip()]
        members: list[str] = []
        for i, part in enumerate(parts):
            if i == 0:
                candidates = [f"{part} County"]
            else:
                stem = re.sub(r"\s+City$", "", part)
                candidates = [f"{stem} city", f"{part} County"]  # a city first: "Franklin" is both
            found = [names[c] for c in candidates if c in names.index][:1]
            if len(found) != 1:
                raise ValueError(f"BEA combination {key} {name!r}: cannot match {part!r}")
            members.append(str(found[0]))
        combos[key] = sorted(members)
    return dict(sorted(combos.items()))


def census_to_bea_key(combos: dict[str, list[str]]) -> dict[str, str]:
    """Map every combination member (Census FIPS) to its BEA key.

    Parameters
    ----------
    combos : dict
        Output of :func:`combination_members`.

    Returns
    -------
    dict
        ``{member fips5: bea_key}``; counties not listed use their own FIPS as BEA key.
    """
    return {member: key for key, members in combos.items() for member in members}


def split_combinations(values: pd.DataFrame, combos: dict[str, list[str]], weights: pd.Series) -> pd.DataFrame:
    """Replace combination-area rows by member rows, splitting counts by population share.

    Parameters
    ----------
    values : pandas.DataFrame
        Counts indexed by BEA key.
    combos : dict
        Output of :func:`combination_members`.
    weights : pandas.Series
        Population by member FIPS (PopEst July 1, 2021), used for the shares.

    Returns
    -------
    pandas.DataFrame
        Same columns, indexed by Census FIPS: combination rows removed, one row per member with
        ``value * weight_member / sum(weight_members)``; missing stays missing.
    """
    out = values.drop(index=[k for k in combos if k in values.index])
    pieces = [out]
    for key, members in combos.items():
        if key not in values.index:
            continue
        w = weights.reindex(members).astype(float)
        if w.isna().any():
            raise ValueError(f"no population weight for members of {key}: {members}")
        share = w / w.sum()
        block = pd.DataFrame(
            [values.loc[key].to_numpy() * s for s in share.to_numpy()], index=members, columns=values.columns
        )
        pieces.append(block)
    result = pd.concat(pieces)
    if result.index.duplicated().any():
        raise ValueError(f"duplicate keys after splitting: {result.index[result.index.duplicated()].tolist()}")
    return result.sort_index()
