"""Occupations for the export-jobs lens: exposure scores on SOC 2018 and occupation mixes of regions.

Three parts, each a pure function of the raw tables:

* **Scores** (:func:`occupation_scores`): every detailed occupation that BLS OEWS May 2025 publishes
  gets a score for each exposure measure (Dingel & Neiman teleworkability, Felten AIOE and LM-AIOE,
  Eloundou et al. GPT exposure, Microsoft AI applicability), by the written rule of :data:`SCORE_RULE`.
* **Staffing pattern** (:class:`Staffing`): OEWS's national industry-by-occupation matrix, with a
  map from CBP's NAICS 2017 codes to OEWS's (NAICS 2022-based) industries, which turns an industry mix
  into an occupation mix.
* **Mixes and measures** (:func:`industry_mix`, :func:`measures`, :func:`calibrate`): a region's
  occupation mix from OEWS directly, or from its industry mix times the staffing pattern, optionally
  calibrated (IPF) to the occupation mix OEWS publishes for the area the region lies in.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import readers_us as r

MEASURES = ("telework", "aioe", "lm_aioe", "gpt", "ai_app")
MEASURE_LABELS = {
    "telework": "Dingel & Neiman (2020) teleworkability",
    "aioe": "Felten, Raj & Seamans (2021) AI occupational exposure (AIOE)",
    "lm_aioe": "Felten, Raj & Seamans (2023) language-modelling AIOE",
    "gpt": "Eloundou et al. (2024) GPT exposure (beta, GPT-4 rated)",
    "ai_app": "Tomlinson et al. (2025) AI applicability score (Microsoft Research)",
}
SCORE_RULE = """
Every detailed occupation OEWS May 2025 publishes (830 codes, SOC 2018 plus OEWS's own aggregates) gets a score
for each measure by the first rule that applies (the column `<measure>_how` of `occupations.csv` names it):

1. `exact`: the source scores the SOC 2018 code itself. Eloundou et al. score O*NET-SOC 2019 codes
   (`11-1011.03`): the 6-digit SOC code is the part before the dot and the O*NET sub-codes of one SOC code are
   averaged without weights (O*NET publishes no employment by sub-code). Microsoft's scores are SOC 2018 already.
2. `crosswalk`: Dingel & Neiman and Felten score SOC 2010 codes, moved to SOC 2018 with the BLS 2010 -> 2018
   crosswalk (November 2017). A one-to-one source passes its score on unchanged. A source that splits into
   several SOC 2018 codes gives each of them its whole score; a SOC 2018 code that several sources merge into
   gets the unweighted mean of their scores (no employment on the SOC 2010 basis is in the shared data).
   Where a SOC 2018 code has both one-to-one and split/merge sources, only the one-to-one sources count
   (`crosswalk_split_merge` marks codes scored from split/merge sources only). Dingel & Neiman's file also uses
   11 of OES May 2018's own hybrid codes (e.g. 13-1020, 29-2010); where such a code is itself an OEWS 2025 code it
   is used as it is (`oes_code`).
3. `aggregate`: an OEWS aggregate (a code ending in 0, e.g. 31-1120 Home Health and Personal Care Aides =
   31-1121 + 31-1122) gets the unweighted mean of the scored SOC 2018 codes it stands for (those sharing its
   prefix before the trailing zeros); OEWS publishes no employment for the parts.
4. `broad_group`, `minor_group`, `major_group`: otherwise (mostly residual 'all other' codes ending in 9, whose
   content changed between SOC vintages, and codes a source leaves out), the mean of the occupations scored by
   rules 1-3 in the same SOC broad group (first 5 digits), else minor group (first 3), else major group (first
   2), weighted by their national OEWS May 2025 employment.
"""

# NAICS 2017 (CBP 2019) -> NAICS 2022 (OEWS May 2025) where the codes moved: retail trade was recoded and
# publishing/broadcasting renumbered (Census, "NAICS 2022 changes"). Keys are 3- or 4-digit 2017 codes,
# values the 2022 prefix they fall in ("44" = the retail sector: electronic shopping was spread over every
# retail industry by product line, so it only maps to the sector's pattern).
NAICS_2017_TO_2022 = {
    "442": "4491", "4421": "4491", "4422": "4491",
    "443": "4492", "4431": "4492",
    "446": "456", "4461": "4561",
    "447": "457", "4471": "4571",
    "448": "458", "4481": "4581", "4482": "4582", "4483": "4583",
    "451": "459", "4511": "4591", "4512": "4592",
    "452": "455", "4522": "455", "4523": "455",
    "453": "459", "4531": "4593", "4532": "4594", "4533": "4595", "4539": "4599",
    "454": "44", "4541": "44", "4542": "4599", "4543": "44",
    "511": "513", "5111": "5131", "5112": "5132",
    "515": "516", "5151": "5161", "5152": "5162",
    "519": "519", "5191": "519",
}  # fmt: skip
SECTOR_RANGES = {
    "31": "31-33",
    "32": "31-33",
    "33": "31-33",
    "44": "44-45",
    "45": "44-45",
    "48": "48-49",
    "49": "48-49",
}
PRIVATE_ALL = "000001"
GOVERNMENT = "999001"
SUPER_SECTORS = ("11", "21", "22", "23", "31-33", "42", "44-45", "48-49", "51", "52", "53", "54", "55", "56")
SUPER_SECTORS += ("61", "62", "71", "72", "81")


def _soc(code6: str) -> str:
    """``111011`` -> ``11-1011``."""
    return f"{code6[:2]}-{code6[2:]}"


@dataclass(frozen=True)
class Oews:
    """The parts of OEWS May 2025 the lens uses.

    Attributes
    ----------
    occupations : pandas.DataFrame
        Detailed occupations (``soc`` index, e.g. ``11-1011``): ``title``, ``national_emp``.
    areas : pandas.DataFrame
        Metro and nonmetropolitan areas (index: 7-character area code): ``kind`` ("metro"/"nonmetro"),
        ``state`` (2-digit FIPS), ``name``.
    area_emp : pandas.DataFrame
        Published detailed employment, areas x occupations (NaN = not released).
    area_total : pandas.Series
        All-occupation employment of each area.
    industry_emp : pandas.DataFrame
        National staffing pattern: industries x detailed occupations (NaN = not released).
    industry_total : pandas.Series
        All-occupation employment of each industry.
    industries : pandas.DataFrame
        ``name, level`` of every OEWS industry code.
    """

    occupations: pd.DataFrame
    areas: pd.DataFrame
    area_emp: pd.DataFrame
    area_total: pd.Series
    industry_emp: pd.DataFrame
    industry_total: pd.Series
    industries: pd.DataFrame


def load_oews(con: sqlite3.Connection) -> Oews:
    """Read the OEWS tables the lens needs from the database of :func:`readers_us.read_oews`.

    Parameters
    ----------
    con : sqlite3.Connection
        The OEWS May 2025 database.

    Returns
    -------
    Oews
        Detailed occupations, areas, area and national-industry employment.
    """
    occ = pd.read_sql("SELECT occupation_code, occupation_name, display_level FROM occupation", con)
    detailed = occ[occ["display_level"] == 3]
    codes = [_soc(c) for c in detailed["occupation_code"]]
    national = r.oews_cells(con, "OEUN0000000000000")
    nat = national.assign(soc=[_soc(c) for c in national["occupation"]]).set_index("soc")["emp"]
    occupations = pd.DataFrame(
        {"title": detailed["occupation_name"].to_numpy(), "national_emp": nat.reindex(codes).to_numpy()},
        index=pd.Index(codes, name="soc"),
    ).sort_index()
    area = pd.read_sql("SELECT area_code, areatype_code, state_code, area_name FROM area", con)
    area = area[area["areatype_code"] == "M"]
    areas = pd.DataFrame(
        {
            "kind": np.where(area["area_code"].str[:2] == "00", "metro", "nonmetro"),
            "state": area["state_code"].to_numpy(),
            "name": area["area_name"].to_numpy(),
        },
        index=pd.Index(area["area_code"].to_numpy(), name="area"),
    ).sort_index()
    cells = r.oews_cells(con, "OEUM")
    cells = cells[cells["industry"] == "000000"]
    area_total = cells[cells["occupation"] == "000000"].set_index("area")["emp"]
    area_emp = _wide(cells, "area", occupations.index)
    ind = r.oews_cells(con, "OEUN0000000")
    industry_total = ind[ind["occupation"] == "000000"].set_index("industry")["emp"]
    industry_emp = _wide(ind, "industry", occupations.index)
    industries = pd.read_sql("SELECT industry_code, industry_name, display_level FROM industry", con)
    industries = industries.set_index("industry_code").rename(
        columns={"industry_name": "name", "display_level": "level"}
    )
    return Oews(
        occupations=occupations,
        areas=areas,
        area_emp=area_emp.reindex(areas.index),
        area_total=area_total.reindex(areas.index),
        industry_emp=industry_emp,
        industry_total=industry_total.reindex(industry_emp.index),
        industries=industries.sort_index(),
    )


def _wide(cells: pd.DataFrame, row: str, occupations: pd.Index) -> pd.DataFrame:
    """Pivot detailed-occupation cells to rows x SOC codes."""
    socs = pd.Series([_soc(c) for c in cells["occupation"]], index=cells.index)
    keep = socs.isin(occupations)
    wide = cells[keep].assign(soc=socs[keep]).pivot(index=row, columns="soc", values="emp")
    return wide.reindex(columns=occupations).sort_index()


# -- scores ---------------------------------------------------------------------------------------


def soc2010_to_2018(
    scores: pd.Series, one_to_one: dict[str, str], ambiguous: dict[str, list[str]], oews_codes: pd.Index
) -> tuple[pd.Series, pd.Series]:
    """Move scores on SOC 2010 codes to SOC 2018 codes by the rule of :data:`SCORE_RULE` (step 2).

    Parameters
    ----------
    scores : pandas.Series
        Score by source code (SOC 2010, or an OES hybrid code).
    one_to_one, ambiguous : dict
        The crosswalk (:func:`readers_us.read_soc_crosswalk`).
    oews_codes : pandas.Index
        OEWS May 2025 detailed codes (a source code that is one of them is used as it is).

    Returns
    -------
    tuple of pandas.Series
        ``(score, how)`` indexed by SOC 2018 code; ``how`` is ``crosswalk``, ``crosswalk_split_merge`` or
        ``oes_code``.
    """
    exact: dict[str, list[float]] = {}
    approx: dict[str, list[float]] = {}
    direct: dict[str, float] = {}
    for code, value in scores.items():
        if code in one_to_one:
            exact.setdefault(one_to_one[code], []).append(float(value))
        elif code in ambiguous:
            for target in ambiguous[code]:
                approx.setdefault(target, []).append(float(value))
        elif code in oews_codes:
            direct[code] = float(value)
    out: dict[str, tuple[float, str]] = {}
    for target, values in approx.items():
        out[target] = (float(np.mean(values)), "crosswalk_split_merge")
    for target, values in exact.items():
        out[target] = (float(np.mean(values)), "crosswalk")
    for code, value in direct.items():
        out.setdefault(code, (value, "oes_code"))
    index = sorted(out)
    return (
        pd.Series([out[k][0] for k in index], index=index, dtype=float),
        pd.Series([out[k][1] for k in index], index=index, dtype=object),
    )


def onet_to_soc(scores: pd.Series) -> pd.Series:
    """Average O*NET-SOC sub-code scores to their 6-digit SOC code (unweighted).

    Parameters
    ----------
    scores : pandas.Series
        Score by O*NET-SOC code (``11-1011.03``).

    Returns
    -------
    pandas.Series
        Mean score by 6-digit SOC code (``11-1011``).
    """
    return scores.groupby(scores.index.str[:7]).mean().sort_index()


def fill_oews(scores: pd.Series, how: pd.Series, occupations: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Give every OEWS detailed occupation a score (:data:`SCORE_RULE`, steps 3 and 4).

    Parameters
    ----------
    scores, how : pandas.Series
        Scores on SOC 2018 codes and how each was obtained.
    occupations : pandas.DataFrame
        OEWS detailed occupations with ``national_emp``.

    Returns
    -------
    tuple of pandas.Series
        ``(score, how)`` indexed like ``occupations``.

    Raises
    ------
    ValueError
        When an occupation's whole major group has no score (the rule cannot apply).
    """
    codes = occupations.index
    score = scores.reindex(codes)
    kind = how.reindex(codes).astype(object)
    for code in codes[score.isna()]:
        digits = code.replace("-", "")
        if digits.endswith("0"):
            prefix = digits.rstrip("0")
            parts = [c for c in scores.index if c.replace("-", "").startswith(prefix) and c != code]
            if parts:
                score[code] = float(scores[parts].mean())
                kind[code] = "aggregate"
    direct = score.notna()
    weights = occupations["national_emp"].fillna(0.0)
    for code in codes[score.isna()]:
        for level, width in (("broad_group", 6), ("minor_group", 4), ("major_group", 2)):
            peers = codes[direct & (codes.str[:width] == code[:width])]
            w = weights[peers]
            if len(peers) and w.sum() > 0:
                score[code] = float((score[peers] * w).sum() / w.sum())
                kind[code] = level
                break
        else:
            raise ValueError(f"no score for occupation {code} or any occupation of its major group")
    return score.astype(float), kind


def occupation_scores(shared: object, oews: Oews) -> pd.DataFrame:
    """Score every OEWS detailed occupation on every exposure measure.

    Parameters
    ----------
    shared : pathlib.Path
        Shared data root.
    oews : Oews
        OEWS May 2025.

    Returns
    -------
    pandas.DataFrame
        Indexed by SOC code: ``title``, ``national_emp`` and, for each measure in :data:`MEASURES`, the
        score and ``<measure>_how``.
    """
    from pathlib import Path

    root = Path(str(shared))
    one, amb = r.read_soc_crosswalk(root)
    codes = oews.occupations.index
    felten = r.read_felten_aioe(root)
    sources: dict[str, tuple[pd.Series, pd.Series]] = {
        "telework": soc2010_to_2018(r.read_dn_occupations(root), one, amb, codes),
        "aioe": soc2010_to_2018(felten["aioe"].dropna(), one, amb, codes),
        "lm_aioe": soc2010_to_2018(felten["lm_aioe"].dropna(), one, amb, codes),
    }
    gpt = onet_to_soc(r.read_eloundou(root))
    sources["gpt"] = (gpt, pd.Series("exact", index=gpt.index, dtype=object))
    ms = r.read_ms_applicability(root)
    sources["ai_app"] = (ms, pd.Series("exact", index=ms.index, dtype=object))
    out = oews.occupations.copy()
    for measure in MEASURES:
        score, how = fill_oews(*sources[measure], oews.occupations)
        out[measure] = score
        out[f"{measure}_how"] = how
    return out


# -- industries ------------------------------------------------------------------------------------


def industry_prefixes(industries: pd.DataFrame) -> dict[str, str]:
    """Map NAICS 2022 prefixes to the OEWS industry whose staffing pattern applies to them.

    Private-sector industries only (CBP covers private employment): sectors (``31--34`` -> 31, 32, 33),
    3- to 6-digit industries (trailing zeros dropped: ``541330`` -> ``54133``), OEWS's combined
    industries (``3250A1`` -> 3251, 3252, 3253, 3259, read from the name) and, for schools and hospitals,
    the privately owned pattern (``611105`` -> 6111) instead of the all-ownership one.

    Parameters
    ----------
    industries : pandas.DataFrame
        OEWS industries (``name``), indexed by code.

    Returns
    -------
    dict
        ``{naics_prefix: oews_industry_code}``.
    """
    out: dict[str, str] = {}
    private_owned: dict[str, str] = {}
    for code, name in industries["name"].items():
        if code.startswith("99") or code in ("000000", PRIVATE_ALL):
            continue
        if "--" in code:
            first, last = int(code[:2]), int(code[4:])
            for two in range(first, last):
                out[str(two)] = code
        elif "A" in code:
            inside = re.search(r"\(([^)]*) only\)", name)
            assert inside, name
            for part in re.findall(r"\d{4}", inside.group(1)):
                out[part] = code
        elif name.endswith("Government Owned"):
            continue
        elif name.endswith(", Privately Owned"):
            base = code[:5] + "0"
            private_owned[base.rstrip("0") or base] = code
        else:
            out[code.rstrip("0")] = code
    out.update(private_owned)
    return out


def naics_2022(code: str) -> str:
    """Translate a CBP NAICS 2017 code (2, 3 or 4 digits, or a sector range) to a NAICS 2022 prefix."""
    if code in NAICS_2017_TO_2022:
        return NAICS_2017_TO_2022[code]
    if code[:3] in NAICS_2017_TO_2022 and len(code) > 3:
        return NAICS_2017_TO_2022[code[:3]]
    if "-" in code:
        return code[:2]
    return code


def oews_industry(code: str, prefixes: dict[str, str]) -> str:
    """The OEWS industry of a CBP NAICS 2017 code: the longest matching NAICS 2022 prefix.

    Parameters
    ----------
    code : str
        CBP code ("00" total, a sector such as "31-33", or 3 to 6 digits).
    prefixes : dict
        Output of :func:`industry_prefixes`.

    Returns
    -------
    str
        OEWS industry code; ``000001`` (cross-industry, private) for "00", "99" and anything unmatched.
    """
    if code in ("00", "99"):
        return PRIVATE_ALL
    text = naics_2022(code)
    for width in range(len(text), 1, -1):
        if text[:width] in prefixes:
            return prefixes[text[:width]]
    return PRIVATE_ALL


def industry_mix(cbp: pd.DataFrame, prefixes: dict[str, str], *, max_digits: int = 4) -> pd.DataFrame:
    """Employment of each region by OEWS industry, from CBP cells at every level.

    Published cells at ``max_digits`` digits are used as they are; every published cell above them
    contributes only what its published children do not account for (the residual, clipped at 0 where
    noise infusion makes children exceed their parent), so a region's total is allocated once and the
    industry detail is as fine as CBP publishes.

    Parameters
    ----------
    cbp : pandas.DataFrame
        ``cbsa`` (region key), ``naics``, ``digits`` (0 for the total, 2 for sectors), ``emp``.
    prefixes : dict
        Output of :func:`industry_prefixes`.
    max_digits : int
        Finest level used (2 = sectors only).

    Returns
    -------
    pandas.DataFrame
        Regions x OEWS industry codes (jobs).
    """
    cells = cbp[cbp["digits"] <= max_digits][["cbsa", "naics", "digits", "emp"]].copy()
    cells["emp"] = cells["emp"].astype(float)
    parent = np.where(
        cells["digits"] == 2,
        "00",
        np.where(
            cells["digits"] == 3,
            [SECTOR_RANGES.get(c[:2], c[:2]) for c in cells["naics"]],
            cells["naics"].str[:-1],
        ),
    )
    cells["parent"] = np.where(cells["digits"] == 0, "", parent)
    children = cells[cells["digits"] > 0].groupby(["cbsa", "parent"])["emp"].sum()
    key = pd.MultiIndex.from_arrays([cells["cbsa"], cells["naics"]])
    inside = children.reindex(key).fillna(0.0).to_numpy()
    finest = (cells["digits"] == max_digits).to_numpy()
    cells["alloc"] = np.where(finest, cells["emp"], np.clip(cells["emp"].to_numpy() - inside, 0.0, None))
    cells["industry"] = [oews_industry(c, prefixes) for c in cells["naics"]]
    mix = cells.groupby(["cbsa", "industry"])["alloc"].sum().unstack(fill_value=0.0)
    return mix.sort_index(axis=0).sort_index(axis=1)


@dataclass(frozen=True)
class Staffing:
    """The national staffing pattern as shares.

    Attributes
    ----------
    shares : pandas.DataFrame
        Industries x occupations: national employment in the occupation / the industry's all-occupation
        employment (unreleased cells 0, so rows sum to the industry's coverage).
    coverage : pandas.Series
        Published detailed employment / all-occupation employment, by industry.
    """

    shares: pd.DataFrame
    coverage: pd.Series

    @classmethod
    def from_oews(cls, oews: Oews) -> Staffing:
        """Build the shares from OEWS's national industry cells."""
        emp = oews.industry_emp.fillna(0.0)
        total = oews.industry_total
        shares = emp.div(total, axis=0)
        return cls(shares=shares, coverage=shares.sum(axis=1))

    def occupations(self, mix: pd.DataFrame) -> pd.DataFrame:
        """Occupation mix (jobs, regions x occupations) of an industry mix (regions x industries)."""
        cols = [c for c in mix.columns if c in self.shares.index]
        missing = sorted(set(mix.columns) - set(cols))
        if missing:
            raise KeyError(f"no staffing pattern for OEWS industries {missing}")
        return mix[cols] @ self.shares.loc[cols]


def measures(occ_emp: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """Employment-weighted sums of each measure over an occupation mix.

    Parameters
    ----------
    occ_emp : pandas.DataFrame
        Regions x occupations (jobs; NaN = not released, left out).
    scores : pandas.DataFrame
        Output of :func:`occupation_scores`.

    Returns
    -------
    pandas.DataFrame
        ``occ_emp`` (jobs in the mix) and, per measure, ``<measure>_sum`` = sum of jobs x score; the
        employment-weighted mean is ``<measure>_sum / occ_emp``.
    """
    emp = occ_emp.reindex(columns=scores.index).fillna(0.0)
    out = pd.DataFrame({"occ_emp": emp.sum(axis=1)}, index=emp.index)
    for m in MEASURES:
        out[f"{m}_sum"] = emp.to_numpy() @ scores[m].to_numpy()
    return out


def calibrate(seed: pd.DataFrame, rows: pd.Series, cols: pd.Series, *, iterations: int = 200) -> pd.DataFrame:
    """Fit an industry x occupation matrix to an area's industry and occupation totals (IPF).

    Parameters
    ----------
    seed : pandas.DataFrame
        Industries x occupations: the industry mix times the national staffing shares.
    rows : pandas.Series
        The area's employment by industry (same index as ``seed``).
    cols : pandas.Series
        The area's published employment by occupation (OEWS), rescaled inside to the total of ``rows``.
    iterations : int
        Fixed number of row/column sweeps (deterministic).

    Returns
    -------
    pandas.DataFrame
        The fitted matrix; its row shares are the area's own staffing pattern.
    """
    x = seed.to_numpy(dtype=float).copy()
    row = rows.reindex(seed.index).fillna(0.0).to_numpy(dtype=float)
    col = cols.reindex(seed.columns).fillna(0.0).to_numpy(dtype=float)
    support = x.sum(axis=0) > 0
    col = np.where(support, col, 0.0)
    if col.sum() <= 0 or row.sum() <= 0:
        return seed.copy()
    col = col * row.sum() / col.sum()
    for _ in range(iterations):
        rs = x.sum(axis=1)
        x *= np.divide(row, rs, out=np.zeros_like(row), where=rs > 0)[:, None]
        cs = x.sum(axis=0)
        x *= np.divide(col, cs, out=np.zeros_like(col), where=cs > 0)[None, :]
    return pd.DataFrame(x, index=seed.index, columns=seed.columns)
