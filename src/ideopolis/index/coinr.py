"""COINr inputs as they are: an ``iData`` indicator table and an ``iMeta`` metadata table.

``iData`` columns (COINr's convention): ``uCode`` (unit id, required), ``uName`` (name), any
``*_group`` columns (groups), ``Time``, denominator columns, then one column per indicator. ``iMeta``
has one row per indicator and aggregate (``Level``, ``iCode``, ``iName``, ``Direction``, ``Weight``,
``Unit``, ``Target``, ``Denominator``, ``Parent``, ``Type``) and rows of ``Type`` ``Denominator`` and
``Group`` naming those columns.

:func:`run_coinr_default` runs COINr's example pipeline (``build_example_coin``) in one call:
denominate by ``iMeta$Denominator``, impute by group mean (``EurAsia_group``), screen regions below 90 %
data availability, treat outliers (winsorise up to 5 points, else log), min-max to [0, 100] with
directions, and the weighted arithmetic mean at every level with ``iMeta`` weights. On COINr's own ASEM
example it gives the index COINr prints (see ``tests/test_coinr.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

from ideopolis.errors import DataFileError, FrameworkError
from ideopolis.index.framework import Framework, framework_from_imeta
from ideopolis.index.profile import STEPS, RunConfig, StepConfig
from ideopolis.index.run import IndexRun
from ideopolis.index.scoring import check_lens_options

_DEFAULT_GROUP = "EurAsia_group"


@dataclass(frozen=True)
class CoinrInput:
    """iData/iMeta split into what an :class:`~ideopolis.index.run.IndexRun` takes."""

    data: pd.DataFrame
    groups: pd.DataFrame
    denominators: pd.DataFrame
    names: pd.Series | None
    framework: Framework


def _read(table: pd.DataFrame | str | Path, what: str) -> pd.DataFrame:
    if isinstance(table, pd.DataFrame):
        return table
    p = Path(table)
    try:
        return pd.read_csv(p, dtype={"uCode": str, "iCode": str})
    except FileNotFoundError:
        raise DataFileError(f"{what} file {p} not found; check the path") from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataFileError(f"cannot read {what} file {p}: {exc}") from None


def read_coinr(idata: pd.DataFrame | str | Path, imeta: pd.DataFrame | str | Path) -> CoinrInput:
    """Read COINr ``iData`` and ``iMeta`` (DataFrames or CSV paths) as they are."""
    idata = _read(idata, "iData")
    imeta = _read(imeta, "iMeta")
    if "uCode" not in idata.columns:
        raise DataFileError("iData has no uCode column; COINr's iData needs a uCode (unit id) column")
    if "Time" in idata.columns and idata["Time"].nunique(dropna=True) > 1:
        times = sorted(idata["Time"].dropna().unique().tolist())
        raise DataFileError(
            f"iData holds several time points ({', '.join(map(str, times))}); pass the rows of one Time"
        )
    framework = framework_from_imeta(imeta)
    types = imeta.get("Type", pd.Series(dtype=str)).astype(str)
    codes = imeta["iCode"].astype(str)
    group_cols = [c for c in idata.columns if c.endswith("_group")]
    group_cols += [c for c in codes[types == "Group"] if c in idata.columns and c not in group_cols]
    denom_cols = [c for c in codes[types == "Denominator"] if c in idata.columns]
    missing = [c for c in framework.indicators if c not in idata.columns]
    if missing:
        raise FrameworkError(f"iMeta indicator {missing[0]!r} is not a column of iData; add the column or the row")
    ids = idata["uCode"].astype(str)
    frame = idata.set_index(ids)
    frame.index.name = "uCode"
    data = frame[framework.indicators].apply(pd.to_numeric, errors="coerce")
    bad = [c for c in framework.indicators if data[c].isna().sum() > frame[c].isna().sum()]
    if bad:
        raise DataFileError(
            f"indicator {bad[0]!r} has non-numeric values in iData; fix them (missing values must be empty, not text)"
        )
    return CoinrInput(
        data=data,
        groups=frame[group_cols].astype("string"),
        denominators=frame[denom_cols].apply(pd.to_numeric, errors="coerce"),
        names=frame["uName"].astype(str) if "uName" in frame.columns else None,
        framework=framework,
    )


def coinr_default_config(
    *, impute_group: str | None = _DEFAULT_GROUP, screen_threshold: float = 0.9, winmax: int = 5
) -> RunConfig:
    """Return the configuration of COINr's ``build_example_coin`` pipeline."""
    impute = StepConfig("group_mean", MappingProxyType({"group": impute_group})) if impute_group else StepConfig("mean")
    steps: dict[str, StepConfig] = {
        "denominate": StepConfig("by_metadata"),
        "impute": impute,
        "screen": StepConfig("by_na", MappingProxyType({"threshold": screen_threshold})),
        "treat": StepConfig("coinr", MappingProxyType({"winmax": winmax})),
        "normalise": StepConfig("minmax", MappingProxyType({"l_u": [0.0, 100.0]})),
        "weight": StepConfig("framework"),
        # COINr's Aggregate has no data-availability threshold by default (dat_thresh = NULL) and ranks every unit
        "aggregate": StepConfig("arithmetic", MappingProxyType({"threshold": 0.0, "rank_partial": True})),
        "lens": StepConfig("quadrants"),
    }
    assert set(steps) == set(STEPS)
    return RunConfig(steps=MappingProxyType(steps))


def run_coinr_default(
    idata: pd.DataFrame | str | Path,
    imeta: pd.DataFrame | str | Path,
    *,
    impute_group: str | None = _DEFAULT_GROUP,
    screen_threshold: float = 0.9,
    winmax: int = 5,
    config: RunConfig | None = None,
    **options: Any,
) -> IndexRun:
    """Run COINr's default (example) pipeline on iData/iMeta in one call, with any run options applied.

    Parameters
    ----------
    idata, imeta : DataFrame or path
        COINr's tables, as they are.
    impute_group : str or None
        Group column for group-mean imputation (COINr's example uses ``EurAsia_group``). When the
        default column is absent the mean over all units is used; ``None`` forces that.
    screen_threshold : float
        Data availability below which a unit is dropped (COINr's example: 0.9).
    winmax : int
        Maximum number of points winsorised per indicator.
    config : RunConfig, optional
        A whole configuration instead of COINr's defaults (a replayed run log).
    **options
        Run options applied on top (:meth:`~ideopolis.index.profile.RunConfig.with_options`):
        ``normalise="zscore"``, ``aggregate="geometric"``, ``weights="equal"``, ``treat="none"``...

    Returns
    -------
    IndexRun
        Aggregate columns are the iMeta aggregate codes (e.g. ``Index``, ``Conn``, ``Physical``). When the
        inputs are files, the run's configuration names them (``coinr = {data, meta}``), so its log replays.

    Raises
    ------
    ConfigError
        For a lens option (``balance_weight``, typology thresholds): COINr frameworks have no lens, and an
        option that cannot apply is refused rather than ignored.
    DataFileError
        For unreadable or inconsistent iData/iMeta.
    """
    inp = read_coinr(idata, imeta)
    notes = []
    if config is None:
        group = impute_group
        if group is not None and group not in inp.groups.columns:
            if group != _DEFAULT_GROUP:
                have = ", ".join(inp.groups.columns) or "none"
                raise DataFileError(f"group column {group!r} is not in iData; choose one of: {have}")
            notes.append(f"no {group} column: missing values imputed by the mean over all units")
            group = None
        config = coinr_default_config(impute_group=group, screen_threshold=screen_threshold, winmax=winmax)
    group = options.get("impute_group")
    if group is not None and group not in inp.groups.columns:
        have = ", ".join(inp.groups.columns) or "none"
        raise DataFileError(f"group column {group!r} is not in iData; choose one of: {have}")
    check_lens_options(inp.framework, options)
    config = config.with_options(**options)
    if isinstance(idata, str | Path) and isinstance(imeta, str | Path):
        files = {"data": str(Path(idata).resolve()), "meta": str(Path(imeta).resolve())}
        config = replace(config, coinr=MappingProxyType(files))
    run = IndexRun(
        inp.data,
        inp.framework,
        groups=inp.groups,
        denominators=inp.denominators,
        names=inp.names,
        config=config,
        notes=notes,
        name="coinr",
    )
    return run.run()
