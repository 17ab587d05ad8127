"""Industry employment by region and NAICS code: reading, the cluster crosswalk, and suppressed CBP cells.

Codes are normalised (CBP's ``"54----"``/``"5415//"`` layout, sector ranges); :func:`allocate_suppressed` shares
each published total among the unpublished industries under it (see :mod:`ideopolis.industry.clusters` for the
method and its sources).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ideopolis.errors import DataFileError

CLUSTER_SOURCE = "Employment: U.S. Census Bureau, County Business Patterns"


SECTOR_TITLES: dict[str, str] = {
    "11": "Agriculture, Forestry, Fishing and Hunting",
    "21": "Mining, Quarrying, and Oil and Gas Extraction",
    "22": "Utilities",
    "23": "Construction",
    "31-33": "Manufacturing",
    "42": "Wholesale Trade",
    "44-45": "Retail Trade",
    "48-49": "Transportation and Warehousing",
    "51": "Information",
    "52": "Finance and Insurance",
    "53": "Real Estate and Rental and Leasing",
    "54": "Professional, Scientific, and Technical Services",
    "55": "Management of Companies and Enterprises",
    "56": "Administrative and Support and Waste Management and Remediation Services",
    "61": "Educational Services",
    "62": "Health Care and Social Assistance",
    "71": "Arts, Entertainment, and Recreation",
    "72": "Accommodation and Food Services",
    "81": "Other Services (except Public Administration)",
    "92": "Public Administration",
    "99": "Industries not classified",
}
"""NAICS 2017 sector titles by 2-digit code (ranges for manufacturing, retail, transportation)."""


_SECTOR_OF_PREFIX = {"31": "31-33", "32": "31-33", "33": "31-33", "44": "44-45", "45": "44-45"}
_SECTOR_OF_PREFIX |= {"48": "48-49", "49": "48-49"}


_TOTAL = "00"


_RANGE = re.compile(r"^\d\d-\d\d$")


def normalise_naics(code: object) -> str:
    """Return a NAICS code in the form used here: ``"00"``, ``"54"``, ``"31-33"``, ``"5415"``, ``"541511"``.

    Parameters
    ----------
    code : object
        A code as found in CBP files: ``"------"`` or ``"00"`` (all sectors), ``"54----"``, ``"31-33"``,
        ``"5415//"``, ``541511`` (a number).

    Returns
    -------
    str
        The normalised code; 2-digit manufacturing, retail and transportation codes become their ranges.

    Examples
    --------
    >>> [normalise_naics(c) for c in ["------", "31----", "5415//", 541511, "44-45"]]
    ['00', '31-33', '5415', '541511', '44-45']
    """
    text = str(code).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    if text in ("", "00", "0") or set(text) <= {"-"}:
        return _TOTAL
    if _RANGE.match(text):
        return _SECTOR_OF_PREFIX.get(text[:2], text)
    text = text.rstrip("/-")
    if len(text) == 2:
        return _SECTOR_OF_PREFIX.get(text, text)
    return text


def _parent(code: str) -> str:
    if code == _TOTAL:
        return ""
    if len(code) == 2 or _RANGE.match(code):
        return _TOTAL
    if len(code) == 3:
        return _SECTOR_OF_PREFIX.get(code[:2], code[:2])
    return code[:-1]


def _level(code: str) -> int:
    if code == _TOTAL:
        return 0
    if _RANGE.match(code):
        return 2
    return len(code)


def industry_table(
    frame: pd.DataFrame,
    *,
    id_column: str | None = None,
    naics_column: str | None = None,
    emp_column: str | None = None,
    estab_column: str | None = None,
) -> pd.DataFrame:
    """Return a long industry table with columns ``id``, ``naics``, ``emp``, ``estab`` (codes normalised).

    Column names are guessed when not given: the id from ``id``, ``cbsa``, ``cbsa_code``, ``region``,
    ``geoid`` or ``fips``; the code from ``naics``, ``naics_code``, ``naics2017``; employment from ``emp``,
    ``employment``; establishments from ``estab``, ``establishments``.

    Raises
    ------
    DataFileError
        When a column cannot be found, codes repeat within a region, or counts are negative or not numbers.
    """
    guesses = {
        "id": (id_column, ("id", "cbsa", "cbsa_code", "region", "region_id", "geoid", "fips")),
        "naics": (naics_column, ("naics", "naics_code", "naics2017", "naics2012", "code")),
        "emp": (emp_column, ("emp", "employment", "employees")),
        "estab": (estab_column, ("estab", "establishments", "estabs")),
    }
    lower = {str(c).lower(): c for c in frame.columns}
    chosen: dict[str, Any] = {}
    for target, (given, options) in guesses.items():
        if given is not None:
            if given not in frame.columns:
                raise DataFileError(f"industry table has no column {given!r} (for {target})")
            chosen[target] = given
            continue
        found = next((lower[o] for o in options if o in lower), None)
        if found is None:
            raise DataFileError(
                f"industry table needs a {target} column (one of {', '.join(options)}); "
                f"it has: {', '.join(map(str, frame.columns))}"
            )
        chosen[target] = found
    out = pd.DataFrame(
        {
            "id": frame[chosen["id"]].astype(str).str.strip(),
            "naics": _map_unique(frame[chosen["naics"]], normalise_naics),
        }
    )
    for col in ("emp", "estab"):
        values = pd.to_numeric(frame[chosen[col]], errors="coerce")
        bad = values.isna() & frame[chosen[col]].notna()
        if bad.any():
            raise DataFileError(
                f"industry table column {chosen[col]!r} has values that are not numbers, "
                f"e.g. {frame.loc[bad, chosen[col]].iloc[0]!r}"
            )
        if (values < 0).any():
            raise DataFileError(f"industry table column {chosen[col]!r} has negative counts")
        out[col] = values.astype(np.float64)
    # 2-digit 31/32/33 rows of some files fold into one 31-33 sector
    out = out.groupby(["id", "naics"], as_index=False, sort=False)[["emp", "estab"]].sum(min_count=1)
    return out


def _map_unique(values: pd.Series, func: Any) -> pd.Series:
    """Apply ``func`` once per distinct value (codes repeat across hundreds of regions)."""
    codes, uniques = pd.factorize(values.astype(str))
    mapped = np.asarray([func(u) for u in uniques], dtype=object)
    return pd.Series(mapped[codes], index=values.index, dtype=object)


def cluster_crosswalk(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the NAICS -> cluster crosswalk with columns ``naics`` (6 digits), ``cluster``, ``traded``.

    Accepts the Cluster Mapping spreadsheet's columns (``NAICS``, ``TradedLocal``, ``Cluster``) or already
    normalised ones (``naics``, ``cluster``, ``traded`` as bool or "Traded"/"Local"). Rows without a cluster
    (private households) are dropped. The spreadsheet's "EmsiSpecificNAICS (non standard)" flag is *not* used
    to drop rows: it also marks NAICS 2017 codes that CBP 2019 publishes (research and development 541713-5,
    wireless carriers 517312, warehouse clubs 452311...); the codes that really are non-standard (111000,
    government 90xxxx) simply match nothing in CBP.
    """
    lower = {str(c).strip().lower(): c for c in frame.columns}

    def col(*names: str) -> Any:
        for name in names:
            if name in lower:
                return lower[name]
        raise DataFileError(
            f"cluster crosswalk needs a column {names[0]!r}; it has: {', '.join(map(str, frame.columns))}"
        )

    traded_raw = frame[col("traded", "tradedlocal", "traded_local", "type")]
    if traded_raw.dtype == bool:
        traded = traded_raw
    else:
        text = traded_raw.astype(str).str.strip().str.lower()
        unknown = ~text.isin(["traded", "local", "true", "false"])
        if unknown.any():
            raise DataFileError(
                f"cluster crosswalk: traded/local column has {text[unknown].iloc[0]!r}; expected Traded or Local"
            )
        traded = text.isin(["traded", "true"])
    out = pd.DataFrame(
        {
            "naics": frame[col("naics")].map(normalise_naics),
            "cluster": frame[col("cluster", "cluster_name")].astype("string").str.strip(),
            "traded": traded.astype(bool),
        }
    )
    out = out[out["cluster"].notna() & (out["cluster"] != "")]
    out["cluster"] = out["cluster"].astype(str)
    bad = out["naics"].str.len() != 6
    if bad.any():
        raise DataFileError(f"cluster crosswalk must map 6-digit NAICS codes; found {out.loc[bad, 'naics'].iloc[0]!r}")
    dup = out["naics"].duplicated(keep=False)
    if dup.any():
        clash = out[dup].groupby("naics")["cluster"].nunique()
        if (clash > 1).any():
            raise DataFileError(f"cluster crosswalk maps NAICS {clash[clash > 1].index[0]} to more than one cluster")
        out = out.drop_duplicates("naics")
    return out.reset_index(drop=True)


def read_cluster_crosswalk(path: str | Path) -> pd.DataFrame:
    """Read the Cluster Mapping NAICS -> cluster spreadsheet (first sheet) or a CSV with the same columns."""
    path = Path(path)
    if not path.exists():
        raise DataFileError(f"cluster crosswalk not found: {path}")
    if path.suffix.lower() in (".xlsx", ".xls"):
        raw = pd.read_excel(path, sheet_name=0, dtype=str)
    else:
        raw = pd.read_csv(path, dtype=str)
    return cluster_crosswalk(raw)


def allocate_suppressed(industry: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Share every published total among the unpublished industries below it, down to 6 digits.

    Parameters
    ----------
    industry : pandas.DataFrame
        Output of :func:`industry_table` (several NAICS levels).

    Returns
    -------
    detail : pandas.DataFrame
        One row per region and 2- to 6-digit code present after allocation: ``id``, ``naics``, ``level``,
        ``emp``, ``estab`` (published + imputed), ``emp_imputed``, ``estab_imputed``, ``origin`` (the
        published code whose residual an imputed cell comes from; "" for published cells).
    report : dict
        ``unallocated_emp`` by region (a published residual with no unpublished industry under it, left out),
        ``levels`` present.

    Notes
    -----
    The share of an unpublished industry is its national employment (establishments) among the unpublished
    industries under the same parent in that region (equal shares when they have none); industries that no
    region publishes cannot receive a share.
    """
    region_codes, regions = pd.factorize(industry["id"], sort=True)
    cat = pd.Categorical(industry["naics"])
    names = np.asarray(cat.categories, dtype=object)
    universe = list(names) + sorted({_parent(c) for c in names} - set(names) - {""})
    code_of = {c: i for i, c in enumerate(universe)}
    level_of = np.array([_level(c) for c in universe], dtype=np.int64)
    parent_of = np.array([code_of.get(_parent(c), -1) for c in universe], dtype=np.int64)
    n_codes = len(universe)

    rid = region_codes.astype(np.int64)
    cid = cat.codes.astype(np.int64)
    emp = industry["emp"].to_numpy(dtype=np.float64)
    estab = industry["estab"].to_numpy(dtype=np.float64)
    lvl = level_of[cid]
    chain = [lv for lv in (0, 2, 3, 4, 5, 6) if (lvl == lv).any()]
    unallocated = np.zeros(len(regions))
    zeros = np.zeros_like(emp)
    pieces: list[tuple[np.ndarray, ...]] = []
    if len(chain) < 2:
        pieces.append((rid, cid, emp, estab, zeros, zeros, np.full(len(rid), -1)))
    else:
        sel = lvl == chain[0]
        # origin: the published code whose residual an imputed cell comes from (-1: published cell)
        cur = (rid[sel], cid[sel], emp[sel], estab[sel], np.full(int(sel.sum()), -1))
        for child_level in chain[1:]:
            sel = lvl == child_level
            c_rid, c_cid, c_emp, c_estab = rid[sel], cid[sel], emp[sel], estab[sel]
            c_par = parent_of[c_cid]
            # national published totals per child code and the children of every parent code
            nat_emp = np.bincount(c_cid, weights=c_emp, minlength=n_codes)
            nat_estab = np.bincount(c_cid, weights=c_estab, minlength=n_codes)
            kids = np.unique(c_cid)
            kids = kids[np.argsort(parent_of[kids], kind="stable")]
            kid_par = parent_of[kids]
            first = np.searchsorted(kid_par, np.arange(n_codes), side="left")
            count = np.searchsorted(kid_par, np.arange(n_codes), side="right") - first
            # residual of every parent row
            p_rid, p_cid, p_emp, p_estab, p_origin = cur
            done_key = c_rid * n_codes + c_par
            p_key = p_rid * n_codes + p_cid
            uniq, inv = np.unique(done_key, return_inverse=True)
            done_emp = np.bincount(inv, weights=c_emp, minlength=len(uniq))
            done_estab = np.bincount(inv, weights=c_estab, minlength=len(uniq))
            pos = np.searchsorted(uniq, p_key)
            hit = (pos < len(uniq)) & (uniq[np.minimum(pos, len(uniq) - 1)] == p_key)
            pos = np.minimum(pos, len(uniq) - 1)
            res_emp = np.clip(p_emp - np.where(hit, done_emp[pos], 0.0), 0.0, None)
            res_estab = np.clip(p_estab - np.where(hit, done_estab[pos], 0.0), 0.0, None)
            todo = np.flatnonzero((res_emp > 0) | (res_estab > 0))
            # candidates: every national child of each parent with a residual, unless published here
            reps = count[p_cid[todo]]
            owner = np.repeat(todo, reps)
            offsets = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
            cand = kids[np.repeat(first[p_cid[todo]], reps) + offsets]
            published = np.isin(p_rid[owner] * n_codes + cand, c_rid * n_codes + c_cid)
            owner, cand = owner[~published], cand[~published]
            has_room = np.bincount(owner, minlength=len(p_rid)) > 0
            stuck = todo[~has_room[todo]]
            np.add.at(unallocated, p_rid[stuck], res_emp[stuck])
            zero = np.zeros_like(c_emp)
            new = [c_rid, c_cid, c_emp, c_estab, zero, zero, np.full(len(c_rid), -1)]
            imputed = []
            for nat, res in ((nat_emp, res_emp), (nat_estab, res_estab)):
                weight = nat[cand]
                total = np.bincount(owner, weights=weight, minlength=len(p_rid))[owner]
                size = np.bincount(owner, minlength=len(p_rid))[owner]
                share = np.where(total > 0, weight / np.where(total > 0, total, 1.0), 1.0 / size)
                imputed.append(res[owner] * share)
            origin = np.where(p_origin[owner] >= 0, p_origin[owner], p_cid[owner])
            added = [p_rid[owner], cand, imputed[0], imputed[1], imputed[0], imputed[1], origin]
            new = [np.concatenate([a, b]) for a, b in zip(new, added, strict=True)]
            pieces.append(tuple(new))
            cur = (new[0], new[1], new[2], new[3], new[6])
    cols = [np.concatenate([p[k] for p in pieces]) for k in range(7)]
    origin_names = np.asarray([*universe, ""], dtype=object)[cols[6]]
    detail = pd.DataFrame(
        {
            "id": np.asarray(regions, dtype=object)[cols[0]],
            "naics": np.asarray(universe, dtype=object)[cols[1]],
            "level": level_of[cols[1]],
            "emp": cols[2],
            "estab": cols[3],
            "emp_imputed": cols[4],
            "estab_imputed": cols[5],
            "origin": origin_names,
        }
    )
    report = {
        "unallocated_emp": pd.Series(unallocated, index=pd.Index(regions, name="id")),
        "levels": chain,
    }
    return detail, report
