"""The Monte Carlo engine: turn draws of the uncertain inputs into ranks, recomputing only what a draw changes.

A draw of an uncertainty analysis picks an imputation, a treatment, a normalisation, an aggregation method and
a weight for every node of the framework (noise, the balance weight and the exposure measure all act through
the weights). The expensive steps (imputation, outlier treatment, normalisation) have few alternatives, so
every combination is computed once, with the pipeline's own step functions, and cached as a *normalised
table*; a draw then only re-aggregates one of them with its own weights and ranks the result.

The aggregation of a chunk of ``C`` draws over a table of ``R`` regions is, level by level, the product of the
table (``R x k`` children of an aggregate) with the draws' weights (``k x C``): a weighted sum over the children
(of the values for an arithmetic mean, their logarithms for a geometric mean, reciprocals for a harmonic one,
``p``-th powers for a generalised mean) divided by the sum of the weights of the children that are available.
It is written as ``k`` rank-one updates in framework order rather than a BLAS call: BLAS rounds differently
with the shape of the block (a column computed alone and the same column among 64 differ by ~5e-15), which
could reorder near-tied regions, and a draw's result must not depend on how the draws were chunked or on the
thread count. Memory is bounded by the chunk: never an ``N x regions x indicators`` array.

Ranks follow the run (and COINr's ``rank_df``): 1 = highest score, ties share the lowest rank, a missing score
has no rank.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ideopolis.errors import ConfigError, MethodError
from ideopolis.index.coverage import units
from ideopolis.index.pillars import BALANCE, CLUSTER_STRENGTH, EXPOSURE
from ideopolis.index.steps.aggregate import AGGREGATORS, DEFAULT_THRESHOLD, AggregateSpec, reflected
from ideopolis.index.steps.impute import impute
from ideopolis.index.steps.normalise import scale_bounds
from ideopolis.index.steps.treat import treat
from ideopolis.index.uncertainty.spec import INPUTS, UncertaintySpec

if TYPE_CHECKING:
    from ideopolis.engines import ComputeEngine
    from ideopolis.index.profile import RunConfig
    from ideopolis.index.run import IndexRun
    from ideopolis.index.uncertainty.result import RankFile

__all__ = ["Draws", "Engine", "Input", "rank_rows"]

#: Elements of one chunk's ``C x R`` working arrays (512 kB of float64, cache-sized): the chunk size follows from the regions.
CHUNK_ELEMENTS = 1 << 16
#: Most draws in one chunk.
MAX_CHUNK = 256


@dataclass(frozen=True)
class Input:
    """One uncertain input of the design: its name, its kind and what its values mean.

    Attributes
    ----------
    name : str
        One of :data:`ideopolis.index.uncertainty.spec.INPUTS`.
    kind : {"discrete", "continuous", "noise"}
        A choice among ``labels``; a number uniform in ``[low, high]``; or one noise variable per node in
        ``nodes`` (the weights).
    labels : tuple of str
        Discrete: the alternatives as a reader names them; noise: the noised nodes.
    low, high : float
        Continuous: the range.
    factors : tuple of float
        Noise: the factor of each noised node.
    """

    name: str
    kind: Literal["discrete", "continuous", "noise"]
    labels: tuple[str, ...] = ()
    low: float = 0.0
    high: float = 1.0
    factors: tuple[float, ...] = ()

    @property
    def dims(self) -> int:
        """Number of uniform variables this input takes from a design row."""
        return len(self.labels) if self.kind == "noise" else 1

    def describe(self) -> str:
        """What varies, in one phrase (for tables and the log)."""
        if self.kind == "discrete":
            return " | ".join(self.labels)
        if self.kind == "continuous":
            return f"uniform {self.low:g} to {self.high:g}"
        levels = sorted(set(self.factors))
        return f"{len(self.labels)} weights +/- " + ", ".join(f"{f:.0%}" for f in levels)


@dataclass(frozen=True)
class Draws:
    """A batch of draws, decoded: the alternative chosen for each discrete input and every node weight.

    Attributes
    ----------
    impute, treat, normalise, aggregate : numpy.ndarray of int
        Index of the alternative of each draw (``(n,)``).
    weights : numpy.ndarray of float
        ``(n, nodes)`` weight of every framework node (framework order) in each draw.
    balance : numpy.ndarray of float
        ``(n,)`` balance weight of each draw (NaN when the framework has no lens).
    exposure : numpy.ndarray of int
        ``(n,)`` exposure measure of each draw: 0 = all (the run's weights), ``j`` = the ``j``-th alternative.
    """

    impute: np.ndarray
    treat: np.ndarray
    normalise: np.ndarray
    aggregate: np.ndarray
    weights: np.ndarray
    balance: np.ndarray
    exposure: np.ndarray

    def __len__(self) -> int:
        return int(self.weights.shape[0])

    def take(self, rows: np.ndarray | slice) -> Draws:
        """Return the draws at ``rows``."""
        return Draws(
            self.impute[rows],
            self.treat[rows],
            self.normalise[rows],
            self.aggregate[rows],
            self.weights[rows],
            self.balance[rows],
            self.exposure[rows],
        )


@dataclass
class _Table:
    """A normalised table, transposed (one contiguous row per indicator), with what aggregation needs of it."""

    values: np.ndarray  # (K, R), NaN = missing
    bounds: tuple[float, float]
    label: str
    avail: np.ndarray = field(init=False)  # (K, R) float 1/0
    complete: np.ndarray = field(init=False)  # (K,) bool
    _transformed: dict[tuple[str, float], np.ndarray] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        ok = ~np.isnan(self.values)
        self.avail = ok.astype(float)
        self.complete = ok.all(axis=1)

    def transformed(self, key: str, p: float) -> np.ndarray:
        """Values as the aggregation sums them (log, reciprocal, power), 0 where missing."""
        cache_key = (key, p)
        if cache_key not in self._transformed:
            self._transformed[cache_key] = _transform(self.values, key, p, ~np.isnan(self.values))
        return self._transformed[cache_key]


def _transform(x: np.ndarray, key: str, p: float, ok: np.ndarray) -> np.ndarray:
    """The term each child adds to the weighted sum of a power mean, 0 where ``ok`` is False."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if key == "arithmetic":
            t = x
        elif key == "geometric" or (key == "generalised" and p == 0):
            t = np.log(x)
        elif key == "harmonic":
            t = 1.0 / x
        else:
            t = x**p
    return np.where(ok, t, 0.0)


@dataclass(frozen=True)
class _Plan:
    """How one aggregation alternative aggregates: (method, p), thresholds, and how availability is measured.

    ``availability`` is ``"weight"`` (the share of the children's weight with a value) or ``"count"``.
    """

    label: str
    methods: tuple[tuple[str, float], ...]
    thresholds: tuple[float | None, ...]
    availability: str = "weight"


def _positive(key: str, p: float) -> bool:
    return key in ("geometric", "harmonic") or (key == "generalised" and p <= 0)


def _step_label(alt: Mapping[str, Any]) -> str:
    params = {k: v for k, v in alt.items() if k != "method"}
    if not params:
        return str(alt["method"])
    inner = ", ".join(f"{k}={list(v) if isinstance(v, tuple | list) else v}" for k, v in params.items())
    return f"{alt['method']}({inner})"


def rank_rows(scores: np.ndarray) -> np.ndarray:
    """Rank each row of ``scores``: 1 = highest, ties share the lowest rank, NaN stays NaN.

    Parameters
    ----------
    scores : numpy.ndarray
        ``(C, R)`` scores of ``R`` regions in ``C`` draws.

    Returns
    -------
    numpy.ndarray
        ``(C, R)`` float32 ranks (exact integers up to 2**24).

    Examples
    --------
    >>> rank_rows(np.array([[3.0, 1.0, 3.0, np.nan, 2.0]])).tolist()
    [[1.0, 4.0, 1.0, nan, 3.0]]
    """
    neg = -np.asarray(scores, dtype=float)
    order = np.argsort(neg, axis=1)  # NaN last
    ordered = np.take_along_axis(neg, order, axis=1)
    n = neg.shape[1]
    new = np.ones(ordered.shape, dtype=bool)
    new[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    first = np.where(new, np.arange(n), 0)
    np.maximum.accumulate(first, axis=1, out=first)
    ranks = np.empty(neg.shape, dtype=np.float32)
    np.put_along_axis(ranks, order, (first + 1).astype(np.float32), axis=1)
    ranks[np.isnan(neg)] = np.nan
    return ranks


class Engine:
    """The uncertain inputs of one index run and the fast re-aggregation of their draws.

    Parameters
    ----------
    run : IndexRun
        A finished run: its datasets give the data each draw starts from, its weights the nominal weights.
    spec : UncertaintySpec
        What varies.

    Attributes
    ----------
    inputs : list of Input
        The inputs varied, in :data:`~ideopolis.index.uncertainty.spec.INPUTS` order.
    alternatives : dict
        ``impute``, ``treat``, ``normalise``, ``aggregate``: the alternatives as step specs (one, the run's
        own, for a step that does not vary).
    exposure : list of str
        The exposure alternatives: ``"all"`` and/or measures (``["all"]`` when it does not vary).
    notes : list of str
        What was decided for the user (an input left out because it cannot apply).
    ids : pandas.Index
        The regions ranked (the run's scored regions).
    target : str
        The aggregate whose ranks are analysed.
    nominal_ranks : numpy.ndarray
        The run's ranks of ``target`` (float, NaN where it has none).

    Raises
    ------
    ConfigError
        For an input that cannot apply (named in ``vary``), an unknown target or exposure measure, peer-group
        weights, or weight noise that leaves nothing to perturb.
    MethodError
        When an alternative cannot be computed, or a geometric (harmonic) mean would meet values <= 0.
    """

    def __init__(self, run: IndexRun, spec: UncertaintySpec) -> None:
        if run.weights is None or "aggregated" not in run.datasets:
            raise ConfigError("the uncertainty analysis needs a finished index run; call run() first")
        if run.weights.by_group is not None:
            raise ConfigError(
                "the uncertainty analysis does not support peer-group weights yet; fix: use framework, equal, "
                "manual or pca weights"
            )
        self.run = run
        self.spec = spec
        fw = run.framework
        self.framework = fw
        self.codes = [n.code for n in fw.nodes]
        self.position = {c: i for i, c in enumerate(self.codes)}
        self.indicators = list(fw.indicators)
        self.ind_position = {c: i for i, c in enumerate(self.indicators)}
        target = spec.target or fw.root
        if target not in fw.aggregates:
            raise ConfigError(
                f"the uncertainty target {target!r} is not an aggregate of the framework; "
                f"choose one of: {', '.join(fw.aggregates)}"
            )
        self.target = target
        scores = run.scores
        self.ids = pd.Index(scores.index.astype(str), name="id")
        nominal = run.ranks[target].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        self.nominal_ranks = nominal
        self.notes: list[str] = []
        self.nominal_weights = run.weights.nodes.reindex(self.codes).to_numpy(dtype=float)
        self._lens = (
            BALANCE in fw
            and CLUSTER_STRENGTH in fw
            and fw.node(BALANCE).parent == fw.root
            and fw.node(CLUSTER_STRENGTH).parent == fw.root
        )
        self.alternatives: dict[str, list[Mapping[str, Any]]] = {}
        self.exposure: list[str] = ["all"]
        self._normalise_from_run = False
        self.inputs = self._resolve()
        self._aggs = [
            (
                self.position[a],
                np.array([self.position[k] for k in fw.children(a)], dtype=np.intp),
                tuple(reflected(fw, k) for k in fw.children(a)),
                tuple(fw.node(k).indicator for k in fw.children(a)),
            )
            for a in fw.aggregates
        ]
        self._target_at = fw.aggregates.index(target)
        # ranks compare like with like (ideopolis.index.coverage): a target score is ranked only where every
        # pillar ("unit") it needs has a score, and every aggregate between that unit and the target too
        self._rank_partial = run.rank_partial
        self._nominal_ranked = ~np.isnan(self.nominal_ranks)
        self._units: list[tuple[int, int | None, list[int], list[int]]] = []
        for u in units(fw, target):
            path_nodes, path_aggs, code = [], [], u
            while code != target:
                path_nodes.append(self.position[code])
                parent = fw.node(code).parent
                assert parent is not None
                code = parent
                if code != target:
                    path_aggs.append(self.position[code])
            row = self.ind_position[u] if fw.node(u).indicator else None
            self._units.append((self.position[u], row, path_nodes, path_aggs))
        self._plans = [self._plan(alt) for alt in self.alternatives["aggregate"]]
        self._tables: dict[tuple[int, int, int], _Table] = {}
        self._check_positive()

    # -- inputs -------------------------------------------------------------------------------------
    def _resolve(self) -> list[Input]:
        run, spec, fw = self.run, self.spec, self.framework
        config = run.config
        nominal = {s: config.step(s).as_dict() for s in ("impute", "treat", "normalise", "aggregate")}
        asked = set(spec.vary) if spec.vary is not None else None
        inputs: list[Input] = []

        def wanted(name: str, applies: bool, why: str) -> bool:
            if asked is not None and name not in asked:
                return False
            if not applies:
                if asked is not None:
                    raise ConfigError(
                        f"the uncertain input {name!r} cannot apply to this run: {why}; fix: drop it from vary"
                    )
                self.notes.append(f"{name} is not varied: {why}")
                return False
            return True

        # weights: noise per level
        levels = dict(spec.weights)
        noised = [
            c
            for c in self.codes
            if c != fw.root
            and fw.level(c) in levels
            and not (self._lens and c in (CLUSTER_STRENGTH, BALANCE) and self._varies_balance(asked))
        ]
        if (
            self._lens
            and self._varies_balance(asked)
            and any(fw.level(c) in levels for c in (CLUSTER_STRENGTH, BALANCE))
        ):
            self.notes.append("cluster_strength and balance get no weight noise: the balance weight input sets them")
        if wanted("weights", bool(noised), f"no node at the levels {sorted(levels)} of the weight noise"):
            inputs.append(Input("weights", "noise", tuple(noised), factors=tuple(levels[fw.level(c)] for c in noised)))

        for step in ("normalise", "aggregate"):
            alts: list[Mapping[str, Any]] = list(getattr(spec, step))
            if asked is not None and step not in asked:
                alts = [nominal[step]]
                if step == "normalise":
                    self._normalise_from_run = True
            self.alternatives[step] = alts
            if len(alts) > 1 or (asked is not None and step in asked):
                inputs.append(Input(step, "discrete", tuple(_step_label(a) for a in alts)))

        screened = run.datasets.get("screened", run.datasets["raw"]).reindex(self.ids)
        has_missing = bool(screened.isna().to_numpy().any())
        nominal_imp = nominal["impute"]
        imp_alts = list(spec.impute) if spec.impute is not None else [nominal_imp, self._other_impute(nominal_imp)]
        imp_alts = [self._with_group(a, nominal_imp) for a in imp_alts]
        if wanted("impute", has_missing, "the scored regions have no missing value"):
            self.alternatives["impute"] = imp_alts
            inputs.append(Input("impute", "discrete", tuple(_step_label(a) for a in imp_alts)))
        else:
            self.alternatives["impute"] = [nominal_imp]

        nominal_treat = nominal["treat"]
        treat_alts: list[Mapping[str, Any]] = (
            list(spec.treat)
            if spec.treat is not None
            else [nominal_treat, {"method": "none"} if nominal_treat["method"] != "none" else {"method": "coinr"}]
        )
        if wanted("treat", True, ""):
            self.alternatives["treat"] = treat_alts
            inputs.append(Input("treat", "discrete", tuple(_step_label(a) for a in treat_alts)))
        else:
            self.alternatives["treat"] = [nominal_treat]

        if wanted("balance_weight", self._lens, "the framework has no lens (balance beside cluster strength)"):
            lo, hi = spec.balance_weight
            inputs.append(Input("balance_weight", "continuous", low=lo, high=hi))

        measures = [k for k in fw.children(EXPOSURE) if fw.node(k).indicator] if EXPOSURE in fw and self._lens else []
        expo_alts = ["all", *measures] if spec.exposure is None else list(spec.exposure)
        unknown = [e for e in expo_alts if e != "all" and e not in measures]
        if unknown and (asked is None or "exposure" in asked) and len(measures) >= 2:
            raise ConfigError(
                f"exposure measure {unknown[0]!r} in [uncertainty] is not an indicator of the exposure pillar; "
                f"choose from: all, {', '.join(measures)}"
            )
        if wanted("exposure", len(measures) >= 2, "the framework's exposure pillar has fewer than two measures"):
            self.exposure = expo_alts
            inputs.append(Input("exposure", "discrete", tuple(expo_alts)))
        else:
            self.exposure = ["all"]
        order = {name: i for i, name in enumerate(INPUTS)}
        return sorted(inputs, key=lambda i: order[i.name])

    def _varies_balance(self, asked: set[str] | None) -> bool:
        return self._lens and (asked is None or "balance_weight" in asked)

    @staticmethod
    def _other_impute(nominal: Mapping[str, Any]) -> Mapping[str, Any]:
        return {"method": "median"} if nominal["method"] == "none" else {"method": "none"}

    def _with_group(self, alt: Mapping[str, Any], nominal: Mapping[str, Any]) -> Mapping[str, Any]:
        if str(alt["method"]).startswith("group_") and "group" not in alt:
            group = nominal.get("group")
            if group is None:
                raise ConfigError(
                    f"the impute alternative {alt['method']!r} in [uncertainty] needs a grouping column; "
                    f'fix: {{ method = "{alt["method"]}", group = "state" }}'
                )
            return MappingProxyType({**alt, "group": group})
        return alt

    def _plan(self, alt: Mapping[str, Any]) -> _Plan:
        fw = self.framework
        nominal = self.run.config.step("aggregate")
        params = dict(nominal.params)
        if dict(alt) == nominal.as_dict():
            spec = AggregateSpec(
                method=nominal.method,
                params={"p": params["p"]} if "p" in params else {},
                by_level={int(k): v for k, v in dict(params.get("by_level", {})).items()},
                by_node=dict(params.get("by_node", {})),
            )
        else:
            spec = AggregateSpec(method=str(alt["method"]), params={"p": alt["p"]} if "p" in alt else {})
        thresholds = AggregateSpec(
            threshold=params.get("threshold", DEFAULT_THRESHOLD),
            threshold_by_level={int(k): float(v) for k, v in dict(params.get("threshold_by_level", {})).items()},
            threshold_by_node=dict(params.get("threshold_by_node", {})),
        )
        methods = []
        for a in fw.aggregates:
            key = AGGREGATORS.canonical(spec.method_for(fw, a))
            p = float(spec.params.get("p", 2.0)) if key == "generalised" else 1.0
            methods.append((key, p))
        thr = tuple(None if (t := thresholds.threshold_for(fw, a)) is None else float(t) for a in fw.aggregates)
        return _Plan(_step_label(alt), tuple(methods), thr, str(params.get("availability", "weight")))

    # -- the design ---------------------------------------------------------------------------------
    @property
    def dims(self) -> int:
        """Uniform variables in one design row (a weight-noise input takes one per noised node)."""
        return sum(i.dims for i in self.inputs)

    def groups(self) -> list[str]:
        """The input each design column belongs to (SALib's ``groups``)."""
        return [i.name for i in self.inputs for _ in range(i.dims)]

    def decode(self, u: np.ndarray) -> Draws:
        """Turn design rows of uniform numbers into draws.

        Parameters
        ----------
        u : numpy.ndarray
            ``(n, dims)`` numbers in [0, 1].

        Returns
        -------
        Draws

        Raises
        ------
        ValueError
            When ``u`` has the wrong number of columns.
        """
        u = np.asarray(u, dtype=float)
        if u.ndim != 2 or u.shape[1] != self.dims:
            raise ValueError(f"design rows must have {self.dims} columns; got shape {u.shape}")
        n = u.shape[0]
        chosen = {s: np.zeros(n, dtype=np.intp) for s in ("impute", "treat", "normalise", "aggregate", "exposure")}
        weights = np.tile(self.nominal_weights, (n, 1))
        balance = np.full(n, np.nan)
        col = 0
        for inp in self.inputs:
            block = u[:, col : col + inp.dims]
            col += inp.dims
            if inp.kind == "discrete":
                # COINr's sample_2_para: the unit interval cut into equal parts, one per alternative
                m = len(inp.labels)
                chosen[inp.name] = np.minimum((block[:, 0] * m).astype(np.intp), m - 1)
            elif inp.kind == "continuous":
                balance = inp.low + block[:, 0] * (inp.high - inp.low)
            else:
                cols = [self.position[c] for c in inp.labels]
                factors = np.asarray(inp.factors)
                # COINr's get_noisy_weights: w + (2u - 1) f w
                weights[:, cols] = weights[:, cols] * (1.0 + (2.0 * block - 1.0) * factors)
        if self._lens:
            if np.isnan(balance).all():
                cs, bal = (
                    self.nominal_weights[self.position[CLUSTER_STRENGTH]],
                    self.nominal_weights[self.position[BALANCE]],
                )
                balance = np.full(n, bal / (cs + bal))
            else:
                weights[:, self.position[CLUSTER_STRENGTH]] = 1.0 - balance
                weights[:, self.position[BALANCE]] = balance
        expo = self.exposure
        if len(expo) > 1:
            measures = [k for k in self.framework.children(EXPOSURE) if self.framework.node(k).indicator]
            for j, alt in enumerate(expo):
                if alt == "all":
                    continue
                rows = chosen["exposure"] == j
                for measure in measures:
                    weights[rows, self.position[measure]] = 1.0 if measure == alt else 0.0
        return Draws(
            chosen["impute"],
            chosen["treat"],
            chosen["normalise"],
            chosen["aggregate"],
            weights,
            balance,
            chosen["exposure"],
        )

    def describe(self, draws: Draws) -> pd.DataFrame:
        """The draws as a table a reader can check: the alternative of each input and the balance weight.

        Parameters
        ----------
        draws : Draws

        Returns
        -------
        pandas.DataFrame
            One row per draw; a column per discrete input (the alternative's label), ``balance_weight``,
            and ``w:<node>`` for every noised weight.
        """
        out: dict[str, Any] = {}
        for inp in self.inputs:
            if inp.kind == "discrete":
                idx = getattr(draws, inp.name)
                out[inp.name] = np.asarray(inp.labels, dtype=object)[idx]
            elif inp.kind == "continuous":
                out["balance_weight"] = draws.balance
            else:
                for c in inp.labels:
                    out[f"w:{c}"] = draws.weights[:, self.position[c]]
        frame = pd.DataFrame(out)
        frame.index = pd.RangeIndex(1, len(draws) + 1, name="draw")
        return frame

    # -- the tables -----------------------------------------------------------------------------------
    def table(self, imp: int, trt: int, nrm: int) -> _Table:
        """The normalised table of one (imputation, treatment, normalisation) combination (cached until released).

        :meth:`evaluate` builds each combination's table when its draws run and releases it after them
        (:meth:`release_tables`), so one table (values, availability, transformed values: about ``24 K R`` bytes)
        is alive at a time, not every combination's; a table is a pure function of its combination, so a
        rebuilt table is the same.
        """
        key = (imp, trt, nrm)
        if key not in self._tables:
            run = self.run
            ia = self.alternatives["impute"][imp]
            ta = self.alternatives["treat"][trt]
            na = self.alternatives["normalise"][nrm]
            den = run.datasets.get("denominated", run.datasets["raw"])
            imputed = impute(den, method=str(ia["method"]), groups=run.groups, group=ia.get("group")).data
            screened = imputed.reindex(self.ids)[self.indicators]
            tparams = {k: v for k, v in ta.items() if k != "method"}
            treated = treat(screened, method=str(ta["method"]), **tparams).data
            nparams = {k: v for k, v in na.items() if k != "method"}
            res = run.normalise_with(treated, str(na["method"]), nparams)
            data = res.data.reindex(columns=self.indicators).to_numpy(dtype=float).T.copy()
            bounds = scale_bounds(str(na["method"]), nparams, len(self.ids))
            label = f"impute {_step_label(ia)}, treat {_step_label(ta)}, normalise {_step_label(na)}"
            self._tables[key] = _Table(np.ascontiguousarray(data), bounds, label)
        return self._tables[key]

    def release_tables(self, *, keep: tuple[int, int, int] | None = None) -> None:
        """Drop the cached tables (all, or all but ``keep``); :meth:`table` rebuilds one when asked again."""
        for key in [k for k in self._tables if k != keep]:
            del self._tables[key]

    def _combinations(self) -> Iterator[tuple[int, int, int]]:
        for i in range(len(self.alternatives["impute"])):
            for t in range(len(self.alternatives["treat"])):
                for n in range(len(self.alternatives["normalise"])):
                    yield i, t, n

    def _check_positive(self) -> None:
        """Refuse, before any draw, a geometric (harmonic) mean that could meet a value <= 0.

        Each region's score of an aggregate lies between the smallest and the largest of its available children
        (for any power mean with positive weights), and a reflected child between ``low + high`` minus those:
        bounds that hold for every draw, whatever its weights.
        """
        needs = [p for p in self._plans if any(_positive(k, q) for k, q in p.methods)]
        if not needs:
            return
        fw = self.framework
        for combo in self._combinations():
            self.release_tables(keep=combo)  # one table at a time; evaluate() starts from the last one
            table = self.table(*combo)
            lo_hi: dict[str, tuple[np.ndarray, np.ndarray]] = {}
            for k, code in enumerate(self.indicators):
                lo_hi[code] = (table.values[k], table.values[k])
            low, high = table.bounds
            for a_i, agg in enumerate(fw.aggregates):
                kids = fw.children(agg)
                parts = []
                for kid in kids:
                    lo, hi = lo_hi[kid]
                    if reflected(fw, kid):
                        lo, hi = low + high - hi, low + high - lo
                    parts.append((kid, lo, hi))
                for plan in needs:
                    key, p = plan.methods[a_i]
                    if not _positive(key, p):
                        continue
                    for kid, lo, _ in parts:
                        bad = np.flatnonzero(lo <= 0)
                        if bad.size:
                            r = int(bad[np.argmin(lo[bad])])
                            exact = fw.node(kid).indicator and not reflected(fw, kid)
                            what = "is" if exact else "can fall to"
                            fix = (
                                "vary normalise too (its default alternatives are positive)"
                                if self._normalise_from_run
                                else self._positive_fix(combo[2], float(lo[r]))
                            )
                            raise MethodError(
                                f"the uncertainty analysis combines {plan.label} aggregation with {table.label}: "
                                f"{kid!r} {what} {lo[r]:g} for region {self.ids[r]!r}, and a {key} mean needs values "
                                f"> 0; fix: {fix}, or drop {key} from [uncertainty] aggregate"
                            )
                with np.errstate(invalid="ignore"):
                    lo_hi[agg] = (
                        np.fmin.reduce(np.vstack([lo for _, lo, _ in parts]), axis=0),
                        np.fmax.reduce(np.vstack([hi for _, _, hi in parts]), axis=0),
                    )

    def _positive_fix(self, nrm: int, value: float) -> str:
        """How to make normalisation alternative ``nrm`` positive where it reached ``value``."""
        alt = self.alternatives["normalise"][nrm]
        if alt["method"] == "zscore":
            m, sd = (float(v) for v in alt.get("m_sd", (0.0, 1.0)))
            return (
                f"give this z-score a mean above {m - value:g} in [uncertainty] normalise "
                f"(m_sd = [{math.ceil(m - value + 1)}, {sd:g}])"
            )
        return "normalise onto a positive range in [uncertainty] normalise (minmax l_u = [1, 100])"

    # -- evaluation -----------------------------------------------------------------------------------
    def chunk_size(self) -> int:
        """Draws per chunk: about :data:`CHUNK_ELEMENTS` working elements, at most :data:`MAX_CHUNK`."""
        return int(min(MAX_CHUNK, max(1, CHUNK_ELEMENTS // max(1, len(self.ids)))))

    def _aggregate(self, table: _Table, plan: _Plan, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scores of the target for a chunk of draws, and which are ranked: ``w`` is ``(C, nodes)``.

        Returns ``(C, R)`` scores and ``(C, R)`` whether each score is ranked (complete: every pillar it needs
        has a score, as :mod:`ideopolis.index.coverage` decides; every score when the run ranks partial scores).

        A child without missing values adds its weight to a per-draw sum (no ``C x R`` pass for the denominator);
        only children with gaps carry availability arrays. Positivity for geometric and harmonic means was
        checked for every table before any draw (:meth:`_check_positive`).
        """
        c = w.shape[0]
        r = table.values.shape[1]
        low, high = table.bounds
        values: dict[int, np.ndarray] = {}
        gaps: dict[int, bool] = {}
        missing: dict[int, np.ndarray] = {}
        tmp = np.empty((c, r))
        for a_i, (pos, kids, refl, is_ind) in enumerate(self._aggs):
            key, p = plan.methods[a_i]
            num = np.zeros((c, r))
            full = np.zeros(c)  # summed weights of the children without gaps
            den: np.ndarray | None = None  # weights of the available children, where some have gaps
            count: np.ndarray | None = None
            n_full = 0
            ind_kids = [kid for kid, ind in zip(kids, is_ind, strict=True) if ind]
            if ind_kids:
                # the indicator children at once: (C x k) weights times (k x R) values, summed over k in order
                rows = [self.ind_position[self.codes[kid]] for kid in ind_kids]
                num += np.einsum("ck,kr->cr", w[:, ind_kids], table.transformed(key, p)[rows])
                gap = [(kid, k) for kid, k in zip(ind_kids, rows, strict=True) if not table.complete[k]]
                for kid, k in zip(ind_kids, rows, strict=True):
                    if table.complete[k]:
                        full += w[:, kid]
                        n_full += 1
                if gap:
                    g_kids, g_rows = [g[0] for g in gap], [g[1] for g in gap]
                    den = np.einsum("ck,kr->cr", w[:, g_kids], table.avail[g_rows])
                    count = table.avail[g_rows].sum(axis=0)[None, :]
            for kid, rf, ind in zip(kids, refl, is_ind, strict=True):
                wk = w[:, kid][:, None]
                if ind:
                    continue
                else:
                    x = values.pop(kid)
                    if rf:
                        x = (low + high) - x
                    has_gaps = gaps.pop(kid)
                    ok = ~np.isnan(x) if has_gaps else None
                    if key == "arithmetic":
                        t = np.where(ok, x, 0.0) if ok is not None else x
                    else:
                        t = _transform(x, key, p, ok if ok is not None else np.ones(x.shape, dtype=bool))
                    np.multiply(wk, t, out=tmp)
                    num += tmp
                    if ok is None:
                        full += w[:, kid]
                        n_full += 1
                        continue
                    ok_f: np.ndarray = ok
                den = (wk * ok_f) if den is None else den + wk * ok_f
                count = ok_f.astype(float) if count is None else count + ok_f
            total = full[:, None] if den is None else den + full[:, None]
            with np.errstate(divide="ignore", invalid="ignore"):
                if key == "arithmetic":
                    y = num / total
                elif key == "geometric" or (key == "generalised" and p == 0):
                    y = np.exp(num / total)
                elif key == "harmonic":
                    y = total / num
                else:
                    y = (num / total) ** (1.0 / p)
            thr = plan.thresholds[a_i]
            if count is not None:
                available = count + n_full
                gone = (available == 0) | (total == 0)
                if thr is not None:
                    if plan.availability == "count":
                        share = available / len(kids)
                    else:
                        with np.errstate(divide="ignore", invalid="ignore"):
                            share = total / w[:, kids].sum(axis=1)[:, None]
                    # the aggregation step's hair of tolerance: 13 of 20 equal weights pass a 0.65 threshold
                    gone = gone | (share < thr - 1e-12)
                y = np.where(gone, np.nan, y)
            elif (full == 0).any():
                y[full == 0] = np.nan
            if a_i == self._target_at:
                return y, self._complete(table, w, y, missing)
            if not self._rank_partial:
                missing[pos] = np.isnan(y)
            values[pos] = y
            gaps[pos] = bool(count is not None or (full == 0).any())
        raise AssertionError("the target is an aggregate")  # pragma: no cover - checked in __init__

    def _complete(self, table: _Table, w: np.ndarray, y: np.ndarray, missing: Mapping[int, np.ndarray]) -> np.ndarray:
        """Whether each target score of a chunk is ranked: ``(C, R)`` bool."""
        # the regions compared are the run's ranked ones: another imputation must not change the list
        ok = ~np.isnan(y) & self._nominal_ranked[None, :]
        if self._rank_partial:
            return ok
        for pos, row, path_nodes, path_aggs in self._units:
            need: np.ndarray = np.all(w[:, path_nodes] > 0, axis=1)[:, None]  # a unit weighted 0 is not needed
            gone: np.ndarray = np.isnan(table.values[row])[None, :] if row is not None else missing[pos]
            for a in path_aggs:
                gone = gone | missing[a]
            ok &= ~(need & gone)
        return ok

    def _tasks(self, draws: Draws, chunk: int) -> list[tuple[tuple[int, int, int], int, np.ndarray]]:
        key = np.stack([draws.impute, draws.treat, draws.normalise, draws.aggregate], axis=1)
        tasks = []
        for combo in sorted({tuple(int(v) for v in row) for row in key}):
            rows = np.flatnonzero((key == np.asarray(combo)).all(axis=1))
            for start in range(0, rows.size, chunk):
                tasks.append(((combo[0], combo[1], combo[2]), combo[3], rows[start : start + chunk]))
        return tasks

    def evaluate(
        self,
        draws: Draws,
        *,
        keep_ranks: bool = True,
        keep_scores: bool = False,
        chunk: int | None = None,
        workers: int | None = None,
        progress: Callable[[int], None] | None = None,
        compute: ComputeEngine | None = None,
        ranks_file: RankFile | None = None,
    ) -> Evaluation:
        """Aggregate and rank every draw.

        Parameters
        ----------
        draws : Draws
            From :meth:`decode` (or built by hand to replay given inputs).
        keep_ranks : bool, default True
            Keep the ``(regions, draws)`` rank matrix (float32, ``4 R N`` bytes); without it only each draw's
            mean absolute rank shift is kept (what the Sobol analysis needs).
        keep_scores : bool, default False
            Keep the ``(regions, draws)`` scores too (float64; for checks on small sets).
        chunk : int, optional
            Draws aggregated together (default :meth:`chunk_size`); the results do not depend on it.
        workers : int, optional
            Threads (default: the CPUs, at most 4); the results do not depend on it.
        progress : callable, optional
            Called with the number of draws finished after each chunk.
        compute : ComputeEngine, optional
            Runs the chunks elsewhere (:meth:`ideopolis.engines.ComputeEngine.evaluate_draws`, e.g. on Dask
            workers); the results do not depend on it.
        ranks_file : RankFile, optional
            Write every draw's ranks there (on disk, bounded memory) instead of keeping the matrix
            (``keep_ranks`` is then ignored and ``Evaluation.ranks`` is None); local engine only.

        Raises
        ------
        MethodError
            For ``ranks_file`` with ``compute`` (the workers' ranks come back in memory).

        Returns
        -------
        Evaluation
        """
        if compute is not None and ranks_file is not None:
            raise MethodError("ranks_file streams the local engine's ranks to disk; with compute, leave it out")
        if compute is not None:
            return compute.evaluate_draws(
                self, draws, keep_ranks=keep_ranks, keep_scores=keep_scores, chunk=chunk, workers=workers,
                progress=progress,
            )  # fmt: skip
        n = len(draws)
        r = len(self.ids)
        chunk = chunk or self.chunk_size()
        workers = workers or min(4, os.cpu_count() or 1)
        ranks = np.full((r, n), np.nan, dtype=np.float32) if keep_ranks and ranks_file is None else None
        scores = np.full((r, n), np.nan) if keep_scores else None
        shift = np.full(n, np.nan)
        tasks = self._tasks(draws, chunk)
        combos = list(dict.fromkeys(combo for combo, _, _ in tasks))
        combos.sort(key=lambda c: c not in self._tables)  # a table in hand first (stable: then in sorted order)

        def work(task: tuple[tuple[int, int, int], int, np.ndarray]) -> int:
            combo, agg, rows = task
            y, rk, shift[rows] = self.evaluate_batch(combo, agg, draws.weights[rows])
            if ranks is not None:
                ranks[:, rows] = rk.T
            if ranks_file is not None:
                for i, d in enumerate(rows):
                    ranks_file.write(int(d), rk[i])
            if scores is not None:
                scores[:, rows] = y.T
            return int(rows.size)

        # one combination at a time: build its table here (in this thread), run its batches, release it, so
        # memory holds one table, not all of them (each task writes its own draws: the order changes nothing)
        pool = ThreadPoolExecutor(max_workers=workers) if workers > 1 and len(tasks) > 1 else None
        try:
            for combo in combos:
                self.release_tables(keep=combo)
                self.table(*combo)
                batch = [task for task in tasks if task[0] == combo]
                for done in pool.map(work, batch) if pool is not None else map(work, batch):
                    if progress is not None:
                        progress(done)
            if combos:  # the last table stays for the next evaluation (the Sobol design) to start from
                self.release_tables(keep=combos[-1])
        finally:
            if pool is not None:
                pool.shutdown()
        return Evaluation(ranks=ranks, shift=shift, scores=scores)

    def evaluate_batch(
        self, combo: tuple[int, int, int], agg: int, weights: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Aggregate, rank and compare with the nominal ranks one batch of draws (what :meth:`evaluate` runs).

        Parameters
        ----------
        combo : tuple of int
            The (imputation, treatment, normalisation) table of the batch; built already (:meth:`table`).
        agg : int
            The batch's aggregation plan.
        weights : numpy.ndarray
            The batch's draws' weights, shape ``(draws, weights)``.

        Returns
        -------
        tuple of numpy.ndarray
            Scores ``(draws, regions)``, ranks ``(draws, regions)`` (NaN where not ranked) and each draw's mean
            absolute shift from the nominal ranks ``(draws,)``.
        """
        nominal = self.nominal_ranks
        has_nominal = ~np.isnan(nominal)
        y, ranked = self._aggregate(self._tables[combo], self._plans[agg], weights)
        rk = rank_rows(np.where(ranked, y, np.nan))
        diff = np.abs(rk[:, has_nominal] - nominal[has_nominal])
        with np.errstate(invalid="ignore"):
            shift = np.nanmean(diff, axis=1) if np.isnan(diff).any() else diff.mean(axis=1)
        return y, rk, shift

    # -- the same draw as a full run --------------------------------------------------------------------
    def draw_config(self, draws: Draws, i: int) -> RunConfig:
        """The run configuration whose full pipeline run gives draw ``i`` (what a loop of full runs would do).

        Parameters
        ----------
        draws : Draws
        i : int
            The draw (0-based).

        Returns
        -------
        RunConfig
            The run's configuration with the draw's imputation, treatment, normalisation, aggregation and
            every node weight (manual weights; the balance weight as the draw's).
        """
        config = self.run.config
        # the regions ranked stay the run's: another imputation must not change who is screened out
        config = _replace_step(config, "screen", {"method": "none", "force_exclude": list(self.run.dropped)})
        for step in ("impute", "treat", "normalise"):
            config = _replace_step(config, step, self.alternatives[step][int(getattr(draws, step)[i])])
        agg = self.alternatives["aggregate"][int(draws.aggregate[i])]
        nominal_agg = config.step("aggregate")
        if dict(agg) != nominal_agg.as_dict():
            keep = {
                k: v
                for k, v in nominal_agg.params.items()
                if k.startswith("threshold") or k in ("availability", "rank_partial")
            }
            config = _replace_step(config, "aggregate", {**dict(agg), **keep})
        w = draws.weights[i]
        weights = {c: float(w[self.position[c]]) for c in self.codes if c != self.framework.root}
        spec_w: dict[str, Any] = {"method": "manual", "weights": weights}
        if self._lens:
            cs, bal = w[self.position[CLUSTER_STRENGTH]], w[self.position[BALANCE]]
            spec_w["balance_weight"] = float(bal / (cs + bal))
        return _replace_step(config, "weight", spec_w)


def _replace_step(config: RunConfig, step: str, spec: Mapping[str, Any]) -> RunConfig:
    """Return ``config`` with step ``step`` set to exactly ``spec`` (no parameters merged in)."""
    from ideopolis.index.profile import _step_config

    steps = dict(config.steps)
    steps[step] = _step_config(step, dict(spec), "the uncertainty analysis")
    return replace(config, steps=MappingProxyType(steps))


@dataclass(frozen=True)
class Evaluation:
    """What :meth:`Engine.evaluate` computed.

    Attributes
    ----------
    ranks : numpy.ndarray or None
        ``(regions, draws)`` float32 ranks (NaN: no rank in that draw).
    shift : numpy.ndarray
        ``(draws,)`` mean absolute rank shift against the nominal ranks (COINr's sensitivity target).
    scores : numpy.ndarray or None
        ``(regions, draws)`` target scores, when asked for.
    """

    ranks: np.ndarray | None
    shift: np.ndarray
    scores: np.ndarray | None = None


def uniform_design(n: int, dims: int, seed: int | np.random.SeedSequence) -> np.ndarray:
    """``n`` rows of ``dims`` independent uniform numbers from a seeded generator (COINr's UA: ``runif``).

    Parameters
    ----------
    n, dims : int
    seed : int or numpy.random.SeedSequence

    Returns
    -------
    numpy.ndarray
        ``(n, dims)``.
    """
    return np.random.default_rng(seed).random((n, dims))
