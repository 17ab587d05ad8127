"""The index steps that split, run through a compute engine with the local numbers.

- :func:`denominate_split`: each indicator is divided by its own denominator column, so groups of indicators
  (every region in each, the denominators sent once) are denominated by the local function, one indicator at a
  time so each note is put back in the local order;
- :func:`impute_split`: every imputation method fills an indicator's gaps from that indicator's own values (its
  mean or median, over all regions or within the region's group), so groups of indicators are imputed by the
  local function and the imputed cells put back in the local (region, indicator) order;
- :func:`treat_split` and :func:`normalise_split`: outlier treatment and normalisation take their statistics per
  indicator (skew, kurtosis and winsorisation; min and max, mean and sd, ranks, a reference region), so each group
  of indicators, with every region, is treated or normalised by the local function itself: the same code on the
  same numbers gives the same bits;
- :func:`aggregate_split`: aggregation is row-wise (a region's aggregates come from its own values and the
  weights), so partitions of regions are aggregated by the local function and concatenated in order.

The pieces are put back exactly as the local function lays them out (column order, row order, the treated cells'
numbering). With the local engine each function is one call of the local step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ideopolis.index.steps.aggregate import AggregateResult, AggregateSpec, aggregate
from ideopolis.index.steps.denominate import DenominateResult, denominate
from ideopolis.index.steps.impute import ImputeResult, impute
from ideopolis.index.steps.normalise import NormaliseResult, normalise
from ideopolis.index.steps.treat import TreatResult, treat

if TYPE_CHECKING:
    from ideopolis.engines import ComputeEngine
    from ideopolis.index.framework import Framework

__all__ = ["aggregate_split", "denominate_split", "impute_split", "normalise_split", "treat_split"]


def denominate_split(
    compute: ComputeEngine,
    data: pd.DataFrame,
    denominators: pd.DataFrame | None,
    *,
    by: Mapping[str, str],
    method: str,
    scale: Mapping[str, float] | None = None,
) -> DenominateResult:
    """:func:`ideopolis.index.steps.denominate.denominate` over groups of indicators on ``compute``.

    Parameters
    ----------
    compute : ComputeEngine
        Where the groups run.
    data : DataFrame
        Indicators (index = region id).
    denominators : DataFrame or None
        Denominator columns (sent once to each worker that needs them).
    by, method, scale
        As the local function.

    Returns
    -------
    DenominateResult
        Equal to the local call; a ``by`` the local function refuses is refused by it, here.

    Raises
    ------
    MethodError
        As the local call.
    """
    checked = denominators is not None and all(
        ind in data.columns and col in denominators.columns for ind, col in by.items()
    )
    if not checked or not by or method != "by_metadata":
        return denominate(data, denominators, by=by, method=method, scale=scale)  # its errors, or nothing to split
    assert denominators is not None
    needed = sorted(set(by.values()))
    parts: list[tuple[pd.DataFrame, dict[str, tuple[str, ...]]]] = compute.map_indicators(
        _denominate_group,
        data,
        denominators=denominators[needed].reindex(data.index),
        by=dict(by),
        scale=dict(scale or {}),
    )
    notes: dict[str, tuple[str, ...]] = {}
    for _, part_notes in parts:
        notes.update(part_notes)
    out = pd.concat([p for p, _ in parts], axis=1)[data.columns]
    return DenominateResult(out, dict(by), tuple(n for ind in by for n in notes.get(ind, ())))


def _denominate_group(
    data: pd.DataFrame, *, denominators: pd.DataFrame, by: Mapping[str, str], scale: Mapping[str, float]
) -> tuple[pd.DataFrame, dict[str, tuple[str, ...]]]:
    out = data.copy()
    notes: dict[str, tuple[str, ...]] = {}
    for ind in data.columns:
        if ind in by:
            res = denominate(data[[ind]], denominators, by={ind: by[ind]}, scale=scale)
            out[ind] = res.data[ind]
            notes[ind] = res.notes
    return out, notes


def impute_split(
    compute: ComputeEngine,
    data: pd.DataFrame,
    *,
    method: str,
    groups: pd.DataFrame | None = None,
    group: str | None = None,
) -> ImputeResult:
    """:func:`ideopolis.index.steps.impute.impute` over groups of indicators on ``compute``.

    Parameters
    ----------
    compute : ComputeEngine
        Where the groups run.
    data : DataFrame
        Indicators (index = region id).
    method, groups, group
        As the local function (the grouping column travels with every group of indicators).

    Returns
    -------
    ImputeResult
        Equal to the local call: the imputed cells in its (region, indicator) order.
    """
    if group is not None and (groups is None or group not in groups.columns):
        return impute(data, method=method, groups=groups, group=group)  # its error
    shared = None if groups is None or group is None else groups[[group]]
    parts: list[ImputeResult] = compute.map_indicators(_impute_group, data, method=method, groups=shared, group=group)
    if len(parts) == 1:
        return parts[0]
    out = pd.concat([p.data for p in parts], axis=1)[data.columns]
    found = [p.imputed for p in parts if len(p.imputed)]
    cells = pd.concat(found, ignore_index=True) if found else parts[0].imputed
    # the local function lists the cells row by row (np.nonzero): region order first, then indicator order
    order = np.lexsort(
        (data.columns.get_indexer(pd.Index(cells["indicator"])), data.index.get_indexer(pd.Index(cells["region"])))
    )
    cells = cells.iloc[order].reset_index(drop=True)
    return ImputeResult(out, cells, sum(p.remaining_missing for p in parts))


def _impute_group(data: pd.DataFrame, *, method: str, groups: pd.DataFrame | None, group: str | None) -> ImputeResult:
    return impute(data, method=method, groups=groups, group=group)


def treat_split(compute: ComputeEngine, data: pd.DataFrame, *, method: str, **params: Any) -> TreatResult:
    """:func:`ideopolis.index.steps.treat.treat` over groups of indicators on ``compute``.

    Parameters
    ----------
    compute : ComputeEngine
        Where the groups run.
    data : DataFrame
        Indicators (index = region id).
    method : str
        The treatment.
    **params
        Its parameters (``winmax``, ``skew_thresh``, ``kurt_thresh``, ``skip``).

    Returns
    -------
    TreatResult
        Equal to ``treat(data, method=method, **params)``.
    """
    parts: list[TreatResult] = compute.map_indicators(_treat_group, data, method=method, params=params)
    if len(parts) == 1:
        return parts[0]
    cells = [p.cells for p in parts if len(p.cells)]
    return TreatResult(
        data=pd.concat([p.data for p in parts], axis=1)[data.columns],
        cells=pd.concat(cells, ignore_index=True) if cells else parts[0].cells,
        table=pd.concat([p.table for p in parts], axis=0),
    )


def _treat_group(data: pd.DataFrame, *, method: str, params: Mapping[str, Any]) -> TreatResult:
    return treat(data, method=method, **params)


def normalise_split(
    compute: ComputeEngine,
    data: pd.DataFrame,
    *,
    method: str,
    params: Mapping[str, Any],
    directions: Mapping[str, int],
    targets: Mapping[str, float | None],
    per_indicator: Mapping[str, Mapping[str, Any]] | None = None,
    goalposts: Mapping[str, Sequence[float]] | None = None,
    reference: str | None = None,
) -> NormaliseResult:
    """:func:`ideopolis.index.steps.normalise.normalise` over groups of indicators on ``compute``.

    Parameters
    ----------
    compute : ComputeEngine
        Where the groups run.
    data : DataFrame
        Indicators (index = region id).
    method, params, directions, targets, per_indicator, goalposts, reference
        As :func:`~ideopolis.index.steps.normalise.normalise` takes them (per-indicator settings are handed to
        the group holding that indicator).

    Returns
    -------
    NormaliseResult
        Equal to the local call.

    Raises
    ------
    MethodError
        As the local call (an indicator without data or spread, a per-indicator setting for a non-indicator).
    """
    from ideopolis.errors import MethodError

    unknown = [c for c in (per_indicator or {}) if c not in data.columns]
    if unknown:
        raise MethodError(
            f"normalisation given for {unknown[0]!r}, which is not an indicator of the data; "
            f"valid: {', '.join(data.columns)}"
        )
    parts: list[NormaliseResult] = compute.map_indicators(
        _normalise_group,
        data,
        method=method,
        params=dict(params),
        directions=dict(directions),
        targets=dict(targets),
        per_indicator=dict(per_indicator or {}),
        goalposts=None if goalposts is None else dict(goalposts),
        reference=reference,
    )
    if len(parts) == 1:
        return parts[0]
    methods: dict[str, dict[str, Any]] = {}
    for p in parts:
        methods.update(p.methods)
    return NormaliseResult(pd.concat([p.data for p in parts], axis=1)[data.columns], methods, parts[0].bounds)


def _normalise_group(
    data: pd.DataFrame,
    *,
    method: str,
    params: Mapping[str, Any],
    directions: Mapping[str, int],
    targets: Mapping[str, float | None],
    per_indicator: Mapping[str, Mapping[str, Any]],
    goalposts: Mapping[str, Sequence[float]] | None,
    reference: str | None,
) -> NormaliseResult:
    return normalise(
        data,
        directions=directions,
        method=method,
        params=params,
        per_indicator={k: v for k, v in per_indicator.items() if k in data.columns},
        targets=targets,
        goalposts=goalposts,
        reference=reference,
    )


def aggregate_split(
    compute: ComputeEngine,
    normalised: pd.DataFrame,
    framework: Framework,
    weights: pd.Series | pd.DataFrame,
    *,
    spec: AggregateSpec,
    bounds: tuple[float, float],
) -> AggregateResult:
    """:func:`ideopolis.index.steps.aggregate.aggregate` over partitions of regions on ``compute``.

    Parameters
    ----------
    compute : ComputeEngine
        Where the partitions run.
    normalised : DataFrame
        Normalised indicators (index = region id).
    framework : Framework
        The indicator tree.
    weights : Series or DataFrame
        Node weights, or per-region weights (index = region id) partitioned with the regions.
    spec : AggregateSpec
        The aggregation.
    bounds : tuple of float
        The normalised scale (for reflected nodes).

    Returns
    -------
    AggregateResult
        Equal to the local call.
    """
    frames = [normalised] if isinstance(weights, pd.Series) else [normalised, weights.reindex(normalised.index)]
    shared: dict[str, Any] = {"framework": framework, "spec": spec, "bounds": bounds}
    if isinstance(weights, pd.Series):
        shared["weights"] = weights
    parts: list[AggregateResult] = compute.map_regions(_aggregate_partition, frames, **shared)
    if len(parts) == 1:
        return parts[0]
    return AggregateResult(
        data=pd.concat([p.data for p in parts], axis=0),
        methods=parts[0].methods,
        availability=pd.concat([p.availability for p in parts], axis=0),
        thresholds=parts[0].thresholds,
    )


def _aggregate_partition(
    normalised: pd.DataFrame,
    region_weights: pd.DataFrame | None = None,
    *,
    framework: Framework,
    spec: AggregateSpec,
    bounds: tuple[float, float],
    weights: pd.Series | None = None,
) -> AggregateResult:
    w = region_weights if region_weights is not None else weights
    assert w is not None
    return aggregate(normalised, framework, w, spec=spec, bounds=bounds)
