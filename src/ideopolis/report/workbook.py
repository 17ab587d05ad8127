"""A run as an Excel workbook: scores and ranks, indicators at three steps, metadata, regions not scored, the log.

:func:`run_workbook` builds the sheets :meth:`ideopolis.Run.to_file` writes for ``.xlsx`` (through the one
writer, :func:`ideopolis.output.write_xlsx`, so no cell is ever a formula):

- ``scores``: id, name, population, type, state or country; every score (rounded to 2 decimals) with its rank
  (and, when an uncertainty analysis was run, the index rank's 5-95% interval), the typology, the hotspot class;
  headers in words with units (``Ideopolis index (score 0-100)``);
- ``indicators raw``, ``indicators treated``, ``indicators normalised``: every indicator of the index as
  read, after outlier treatment, and normalised (direction applied);
- ``metadata``: for every column of the other sheets, its key, label, unit, pillar, direction, source,
  vintage, licence and (for indicators) its outlier treatment and effective weight in the index;
- ``not scored``: the regions left out and why;
- ``run log``: the method line and the run log (the TOML any command replays with ``--profile``).

A command that writes another table (``hotspots``, ``peers``, ``compare``...) writes that table first, then the
metadata and the run log (:func:`table_workbook`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from ideopolis.output import Sheet

if TYPE_CHECKING:
    from ideopolis.run import Run

__all__ = ["log_sheet", "metadata", "not_scored", "run_workbook", "score_unit", "table_workbook"]

#: Column labels of the common attributes.
_ATTRIBUTE_HEADERS = {
    "id": "ID",
    "name": "Name",
    "population": "Population",
    "type": "Metro / micro",
    "state": "State",
    "country": "Country",
}


def score_unit(run: Run) -> str:
    """Return how the run's scores are measured: ``"score 0-100"`` for min-max, else the method's name.

    Parameters
    ----------
    run : Run
        A scored run.

    Returns
    -------
    str
    """
    from ideopolis.index.explain import score_range

    l_u = score_range(run.index.config)
    if l_u is not None:
        return f"score {l_u[0]:g}-{l_u[1]:g}"
    return f"score, {run.index.config.step('normalise').method.replace('_', ' ')}"


def _label(run: Run, code: str) -> str:
    fw = run.index.framework
    if code in fw:
        node = fw.node(code)
        return node.label or code.replace("_", " ").capitalize()
    return code


def _unit(run: Run, code: str) -> str:
    meta = run.regions.indicators.get(code) if run.regions is not None else None
    if meta is not None and getattr(meta, "unit", None):
        return str(meta.unit)
    fw = run.index.framework
    return fw.node(code).unit if code in fw else ""


def _headers(keys: list[str], labels: Mapping[str, str]) -> dict[str, str]:
    """Readable, unique headers (a repeated label gets its key)."""
    out: dict[str, str] = {}
    seen: set[str] = set()
    for key in keys:
        text = labels.get(key, key)
        if text in seen:
            text = f"{text} [{key}]"
        seen.add(text)
        out[key] = text
    return out


def rank_intervals(run: Run) -> pd.DataFrame | None:
    """The index's rank intervals of the run's uncertainty analysis, for the regions the run shows.

    Parameters
    ----------
    run : Run
        A scored run.

    Returns
    -------
    pandas.DataFrame or None
        ``rank_lo``, ``rank_hi``, ``median_rank``, ``stability`` by region id; ``None`` without an uncertainty
        analysis, or for a shortlist ranked within itself (the intervals are national ranks).
    """
    unc = getattr(run, "uncertainty", None)
    if unc is None or (run.selection is not None and run.selection.ranks == "within"):
        return None
    ranks = unc.ranks
    cols = [c for c in ("rank_lo", "rank_hi", "median_rank", "stability") if c in ranks.columns]
    return ranks[cols].reindex(run.scores.index)


def _scores_sheet(run: Run) -> Sheet:
    table = run.table()
    fw = run.index.framework
    unit = score_unit(run)
    within = run.selection is not None and run.selection.ranks == "within"
    ranked = run.ranks if within else run.index.ranks  # "of N": the regions ranked on that score

    def rank_words(code: str) -> str:
        of = int(ranked[code].notna().sum()) if code in ranked.columns else 0
        return f"rank (1 = best, of {of:,}{' in the shortlist' if within else ''})"

    out = pd.DataFrame(index=table.index)
    labels: dict[str, str] = {}
    formats: dict[str, str] = {}
    notes: dict[str, str] = {}
    for column in ("name", *[c for c in ("population", "type", "state", "country") if c in table.columns]):
        if column in table.columns:
            out[column] = table[column]
            labels[column] = _ATTRIBUTE_HEADERS[column]
    if "population" in out.columns:
        formats["population"] = "#,##0"
    intervals = rank_intervals(run)
    order = [fw.root, *[n.code for n in fw.nodes if not n.indicator and n.code != fw.root]]
    for code in [c for c in order if c in table.columns]:
        out[code] = table[code].round(2)
        labels[code] = f"{_label(run, code)} ({unit})"
        formats[code] = "0.00"
        notes[code] = f"column {code}"
        rank = f"rank_{code}"
        out[rank] = table[rank]
        labels[rank] = f"{_label(run, code)}: {rank_words(code)}"
        if code == fw.root and intervals is not None:
            for key, words in (("rank_lo", "5% rank"), ("rank_hi", "95% rank"), ("stability", "rank stability")):
                if key in intervals.columns:
                    out[f"{code}_{key}"] = intervals[key]
                    labels[f"{code}_{key}"] = f"{_label(run, code)}: {words} (uncertainty analysis)"
    for column, words in (
        ("typology", "Type (lens quadrant)"),
        ("hotspot_class", "Hotspot class"),
        ("hotspot_p", "Hotspot p-value (adjusted)"),
    ):
        if column in table.columns:
            out[column] = table[column].astype(object)
            labels[column] = words
    if "hotspot_p" in out.columns:
        formats["hotspot_p"] = "0.000"
    headers = _headers(list(out.columns), labels)
    out.index.name = "ID"
    return Sheet(
        out.rename(columns=headers),
        formats={headers[k]: v for k, v in formats.items()},
        header_notes={headers[k]: v for k, v in notes.items()},
    )


#: How the treated sheet names an indicator's outlier treatment (COINr's statuses).
_TREATED = {
    "ok": "unchanged: no outliers",
    "winsorised": "winsorised",
    "log": "log-transformed for outliers",
}


def _status(run: Run, code: str) -> str:
    rep = run.index.reports.get("treat")
    if rep is None or code not in rep.table.index:
        return ""
    return str(rep.table.loc[code, "status"])


def _indicator_sheets(run: Run) -> dict[str, Sheet]:
    index = run.index
    codes = list(index.framework.indicators)
    ids = run._selected(run.regions.ids if run.regions is not None else index.datasets["raw"].index)
    names = run.index.names
    sheets: dict[str, Sheet] = {}
    steps = (
        ("indicators raw", "raw", "as read"),
        ("indicators treated", "treated", "after outlier treatment"),
        ("indicators normalised", "normalised", f"normalised, direction applied; {score_unit(run)}"),
    )
    for sheet, dataset, words in steps:
        frame = index.datasets.get(dataset)
        if frame is None:
            continue
        out = pd.DataFrame(index=pd.Index(ids, name="ID"))
        if names is not None:
            out["Name"] = names.reindex(out.index)
        values = frame.reindex(index=out.index, columns=codes)
        if dataset == "raw":
            labels = {c: f"{_label(run, c)} ({_unit(run, c)})" if _unit(run, c) else _label(run, c) for c in codes}
        elif dataset == "treated":
            labels = {c: f"{_label(run, c)} ({_TREATED.get(_status(run, c), words)})" for c in codes}
        else:
            labels = {c: f"{_label(run, c)} ({words})" for c in codes}
        headers = _headers(codes, labels)
        out = out.join(values.rename(columns=headers))
        sheets[sheet] = Sheet(out, header_notes={headers[c]: f"column {c}" for c in codes})
    return sheets


def metadata(run: Run, columns: list[str] | None = None) -> pd.DataFrame:
    """Return what every indicator and score means: label, unit, pillar, direction, source, vintage, licence.

    Parameters
    ----------
    run : Run
        A run (scored or not).
    columns : list of str, optional
        The columns to describe (default: the aggregates and indicators of the index, then the set's other
        described columns).

    Returns
    -------
    pandas.DataFrame
        One row per column: ``column``, ``label``, ``unit``, ``role``, ``pillar``, ``direction``, ``source``,
        ``vintage``, ``licence``, ``treatment``, ``effective_weight``.
    """
    rows: list[dict[str, Any]] = []
    indicators = run.regions.indicators if run.regions is not None else {}
    fw = run.index.framework if run.scored else None
    treat = run.index.reports.get("treat") if run.scored else None
    weights = run.index.effective_weights["all"] if run.scored and "all" in run.index.effective_weights else None
    if columns is None:
        columns = [n.code for n in fw.nodes] if fw is not None else []
        columns += [c for c in indicators if c not in columns]
    for code in columns:
        meta = indicators.get(code)
        node = fw.node(code) if fw is not None and code in fw else None
        role = "aggregate" if node is not None and not node.indicator else ("indicator" if node is not None else "")
        if not role:
            role = "auxiliary column" if meta is not None else "column"
        status = ""
        if treat is not None and node is not None and node.indicator and code in treat.table.index:
            status = str(treat.table.loc[code, "status"])
        rows.append(
            {
                "column": code,
                "label": (node.label if node is not None and node.label else None)
                or (getattr(meta, "label", "") if meta is not None else "")
                or code,
                "unit": (getattr(meta, "unit", "") if meta is not None else "") or (node.unit if node else ""),
                "role": role,
                "pillar": (node.parent if node is not None else getattr(meta, "pillar", None)) or "",
                "direction": node.direction if node is not None else getattr(meta, "direction", None),
                "source": getattr(meta, "source", "") or "",
                "vintage": getattr(meta, "vintage", "") or "",
                "licence": getattr(meta, "license", "") or "",
                "treatment": status,
                "effective_weight": float(weights[code]) if weights is not None and code in weights.index else None,
            }
        )
    return pd.DataFrame(rows)


def not_scored(run: Run) -> pd.DataFrame:
    """Return the regions the run left out and why (screened for too little data), among those it shows.

    Parameters
    ----------
    run : Run
        A scored run.

    Returns
    -------
    pandas.DataFrame
        Index ``id``; ``name`` and ``reason`` (empty when every region was scored).
    """
    index = run.index
    table = run.table()
    if "not_scored_reason" in table.columns:  # a run that keeps screened regions in its table says why itself
        reasons = table["not_scored_reason"].fillna("").astype(str)
        reasons = reasons[reasons != ""]
    else:
        dropped = run._selected(pd.Index(index.dropped))
        reasons = pd.Series(dtype=object)
        if dropped:  # the run's own words, which name the screen rule it applied (count or weight)
            reasons = index.not_scored_reasons().reindex(list(dropped)).astype(object)
    out = pd.DataFrame({"reason": reasons})
    out.index.name = "id"
    if index.names is not None:
        out.insert(0, "name", index.names.reindex(out.index))
    return out


def log_sheet(run: Run) -> Sheet:
    """The run log as a sheet: the method line, the shortlist, then the TOML any command replays.

    Parameters
    ----------
    run : Run
        The run.

    Returns
    -------
    Sheet
    """
    import tomli_w

    from ideopolis.index.run import _jsonable

    lines: list[str] = []
    if run.scored:
        lines.append(f"# method: {run.method_line()}")
    if run.selection is not None:
        lines.append(f"# shortlist: {run.selection.describe(len(run.index.scores) if run.scored else None)}")
    lines.extend(tomli_w.dumps(_jsonable(run.log_document())).splitlines())
    return Sheet(pd.DataFrame({"run log (TOML: save as .toml and replay with --profile)": lines}))


def run_workbook(run: Run) -> dict[str, Sheet]:
    """Return the sheets of a run's workbook (see the module docstring).

    Parameters
    ----------
    run : Run
        A run; it is scored if it was not.

    Returns
    -------
    dict of str to Sheet
        ``scores``, ``indicators raw``, ``indicators treated``, ``indicators normalised``, ``metadata``,
        ``not scored``, ``run log``.
    """
    sheets: dict[str, Sheet] = {"scores": _scores_sheet(run)}
    sheets.update(_indicator_sheets(run))
    sheets["metadata"] = Sheet(metadata(run), formats={"effective_weight": "0.000"})
    gone = not_scored(run)
    if gone.empty:
        gone = pd.DataFrame({"name": [""], "reason": ["every region was scored"]}, index=pd.Index([""], name="id"))
    sheets["not scored"] = Sheet(gone)
    sheets["run log"] = log_sheet(run)
    return sheets


def table_workbook(run: Run, tables: Mapping[str, pd.DataFrame]) -> dict[str, Sheet]:
    """Return a command's own tables as sheets, then the metadata of their columns and the run log.

    Parameters
    ----------
    run : Run
        The run the tables come from.
    tables : mapping of str to DataFrame
        Sheet name -> table, in order.

    Returns
    -------
    dict of str to Sheet
    """
    sheets: dict[str, Sheet] = {name: Sheet(frame) for name, frame in tables.items()}
    if run.regions is not None or run.scored:
        known = set(run.regions.indicators) if run.regions is not None else set()
        if run.scored:
            known |= {n.code for n in run.index.framework.nodes}
        used = [c for frame in tables.values() for c in map(str, frame.columns) if c in known]
        if used:
            sheets["metadata"] = Sheet(metadata(run, list(dict.fromkeys(used))))
    sheets["run log"] = log_sheet(run)
    return sheets
