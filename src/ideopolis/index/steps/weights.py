"""Weights: equal, from the framework, manual, PCA-derived, and by peer group; effective weights.

A weight is relative to a node's siblings. The *effective* weight of a node is the product, from the
node up to the index, of its weight divided by the sum of its siblings' weights: the share of the index
it carries under arithmetic aggregation with complete data.

Methods (registry :data:`WEIGHTERS`):

- ``framework``: the weights in the framework (region-set metadata, COINr iMeta ``Weight``);
- ``equal``: every node weight 1;
- ``manual``: the framework's weights with some replaced (``weights = {code: value}``);
- ``pca``: within each aggregate whose children are indicators, the loadings of the first principal
  component of the children's normalised values (correlation matrix, complete rows), as COINr's
  ``get_PCA``. The component's sign is fixed so it correlates positively with the indicators (sum of
  loadings > 0); an indicator whose loading is still negative gets weight 0 and an
  :class:`~ideopolis.errors.IdeopolisWarning` names it (a negative weight would reward doing worse);
- ``peer_group``: weights that depend on a group column, like the EU Regional Competitiveness
  Index's development stages: ``group = "stage"``, ``weights = {stage_value: {code: weight}}``; each
  region gets its group's weights (the framework's where its group sets none).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ideopolis.errors import FrameworkError, IdeopolisWarning, MethodError
from ideopolis.index.framework import Framework
from ideopolis.registry import Registry


@dataclass(frozen=True)
class Weights:
    """Node weights, optionally per peer group.

    Attributes
    ----------
    nodes : Series
        Node -> weight (the weights of regions without a peer-group entry).
    by_group : DataFrame or None
        Group value -> node weights (peer-group weighting only).
    group_of : Series or None
        Region -> group value.
    notes : tuple of str
        What a user should know (PCA sign disagreements).
    """

    nodes: pd.Series
    by_group: pd.DataFrame | None = None
    group_of: pd.Series | None = None
    notes: tuple[str, ...] = field(default=())

    def for_aggregation(self, index: pd.Index) -> pd.Series | pd.DataFrame:
        """Weights in the form :func:`ideopolis.index.steps.aggregate.aggregate` takes."""
        if self.by_group is None or self.group_of is None:
            return self.nodes
        groups = self.group_of.reindex(index)
        table = self.by_group.reindex(groups.to_numpy())
        table.index = index
        fallback = pd.DataFrame([self.nodes.to_numpy()] * len(index), index=index, columns=self.nodes.index)
        return table.combine_first(fallback)[self.nodes.index]


WeightFn = Callable[..., Weights]
WEIGHTERS: Registry[WeightFn] = Registry("weight")


def effective_weights(framework: Framework, weights: pd.Series) -> pd.Series:
    """Effective weight of every node: product of sibling-normalised weights up to the root."""
    share: dict[str, float] = {framework.root: 1.0}
    for agg in reversed(framework.aggregates):
        kids = framework.children(agg)
        w = weights.reindex(list(kids)).to_numpy(dtype=float)
        total = w.sum()
        for k, wk in zip(kids, w, strict=True):
            share[k] = share[agg] * (wk / total if total > 0 else np.nan)
    return pd.Series(share, name="effective_weight").reindex([n.code for n in framework.nodes])


@WEIGHTERS.register("framework", aliases=("original", "metadata"))
def w_framework(framework: Framework, normalised: pd.DataFrame, **_: Any) -> Weights:
    """Return the framework's own weights."""
    return Weights(framework.weights)


@WEIGHTERS.register("equal")
def w_equal(framework: Framework, normalised: pd.DataFrame, **_: Any) -> Weights:
    """Every node weight 1 (equal weights within each aggregate)."""
    return Weights(pd.Series(1.0, index=framework.weights.index, name="weight"))


@WEIGHTERS.register("manual")
def w_manual(
    framework: Framework,
    normalised: pd.DataFrame,
    *,
    weights: Mapping[str, float] | None = None,
    **_: Any,
) -> Weights:
    """Return the framework's weights with those in ``weights`` replaced."""
    return Weights(framework.with_weights(dict(weights or {})).weights)


def _pca_loadings(x: np.ndarray) -> np.ndarray:
    x = x[~np.isnan(x).any(axis=1)]
    if x.shape[0] < 3:
        raise MethodError("PCA weights need at least 3 regions with complete data in each group")
    sd = x.std(axis=0, ddof=1)
    z = (x - x.mean(axis=0)) / np.where(sd == 0, 1.0, sd)
    corr = (z.T @ z) / (x.shape[0] - 1)
    vals, vecs = np.linalg.eigh(corr)
    v = vecs[:, int(np.argmax(vals))]
    return -v if v.sum() < 0 else v


@WEIGHTERS.register("pca", aliases=("pca_weights",))
def w_pca(framework: Framework, normalised: pd.DataFrame, **_: Any) -> Weights:
    """First-principal-component loadings as weights within each indicator group."""
    w = framework.weights.copy()
    notes = []
    for agg in framework.aggregates:
        kids = list(framework.children(agg))
        if len(kids) < 2 or not all(framework.node(k).indicator for k in kids):
            continue
        load = _pca_loadings(normalised[kids].to_numpy(dtype=float))
        neg = [k for k, v in zip(kids, load, strict=True) if v < 0]
        if neg:
            msg = (
                f"PCA loadings in {agg!r} disagree in sign: {', '.join(neg)} load negatively on "
                "the first component; their weight is set to 0"
            )
            notes.append(msg)
            warnings.warn(msg, IdeopolisWarning, stacklevel=2)
        w[kids] = np.clip(load, 0.0, None)
    return Weights(w, notes=tuple(notes))


@WEIGHTERS.register("peer_group", aliases=("by_group", "peer_groups", "groups"))
def w_peer_group(
    framework: Framework,
    normalised: pd.DataFrame,
    *,
    groups: pd.DataFrame | None = None,
    group: str | None = None,
    weights: Mapping[str, Mapping[str, float]] | None = None,
    **_: Any,
) -> Weights:
    """Weights that depend on the region's value in a group column."""
    if group is None or not weights:
        raise MethodError(
            "peer_group weights need a group column and weights per group, "
            'e.g. group = "stage" and weights = {"low" = {"talent" = 2}}'
        )
    if groups is None or group not in groups.columns:
        have = ", ".join(groups.columns) if groups is not None else "none"
        raise MethodError(f"group column {group!r} for weights is not in the data; choose: {have}")
    group_of = groups[group].reindex(normalised.index).astype(str)
    present = set(group_of.dropna())
    unknown = [g for g in weights if str(g) not in present]
    if unknown:
        raise MethodError(
            f"weights given for group {unknown[0]!r}, which no region has in {group!r}; "
            f"groups present: {', '.join(sorted(present))}"
        )
    rows = {}
    for g, wmap in weights.items():
        try:
            rows[str(g)] = framework.with_weights(dict(wmap)).weights
        except FrameworkError as exc:
            raise FrameworkError(f"group {g!r}: {exc}") from None
    table = pd.DataFrame(rows).T
    return Weights(framework.weights, by_group=table, group_of=group_of)


def weigh(
    framework: Framework,
    normalised: pd.DataFrame,
    *,
    method: str = "framework",
    groups: pd.DataFrame | None = None,
    **params: Any,
) -> Weights:
    """Run the weighting method ``method`` (see :data:`WEIGHTERS`)."""
    return WEIGHTERS.get(method)(framework, normalised, groups=groups, **params)


def effective_weights_table(framework: Framework, weights: Weights) -> pd.DataFrame:
    """Effective weights per node: one column ``all`` or one column per peer group."""
    if weights.by_group is None:
        return effective_weights(framework, weights.nodes).to_frame("all")
    cols = {str(g): effective_weights(framework, weights.by_group.loc[g]) for g in weights.by_group.index}
    cols["other"] = effective_weights(framework, weights.nodes)
    return pd.DataFrame(cols)
