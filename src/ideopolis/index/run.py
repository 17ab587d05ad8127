"""The run object: every intermediate dataset by name, a log of (step, parameters), re-run from a step.

:class:`IndexRun` carries one composite-index run, in the spirit of COINr's "coin". Steps run in order

``denominate -> impute -> screen -> treat -> normalise -> weight -> aggregate -> lens``

and write the datasets ``raw``, ``denominated``, ``imputed``, ``screened``, ``treated``,
``normalised`` and ``aggregated`` (each a DataFrame, index = region id, one column per indicator;
``aggregated`` adds one column per aggregate). ``log`` holds one :class:`LogRecord` per step of the
current pipeline (method, parameters and a summary of what happened); :meth:`IndexRun.rerun` changes a
step's parameters and recomputes that step and those downstream only; :meth:`IndexRun.save_log` writes
the log as a profile TOML (or JSON) that :func:`ideopolis.index.profile.load_profile` reads back.

Result API (what maps, hotspots and the CLI use):

- ``scores``: DataFrame (index = region id), one column per aggregate node. With the default
  framework: the pillars present (``talent``, ``capital``, ``knowledge_jobs``, extra pillars),
  ``cluster_strength``, ``attraction``, ``exposure``, ``balance`` and ``ideopolis_index``;
- ``ranks``: the same columns as ranks (1 = best, Int64), among the regions scored on every pillar
  (``coverage``: which pillars each score rests on; ``used_weights()``: the weights each region's scores used);
- ``typology``: Series of ``magnet`` / ``talent_hub`` / ``exporter`` / ``rooted`` (``None`` without
  a lens); ``lens``: the full :class:`~ideopolis.index.lens.LensResult`;
- ``indicator_scores`` / ``indicator_ranks``: the normalised indicators and their ranks;
- ``effective_weights``: DataFrame node x (``all`` or one column per peer group);
- ``strengths_weaknesses(region)``, ``explain(region)``, ``pillar_statistics``, ``results_frame()``.

:func:`ideopolis.index.scoring.score_region_set` builds and runs an :class:`IndexRun` for a region set.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ideopolis import __version__
from ideopolis.engines.steps import aggregate_split, denominate_split, impute_split, normalise_split, treat_split
from ideopolis.errors import ConfigError, FrameworkError, MethodError
from ideopolis.index.coverage import Coverage, coverage, not_ranked_reason, used_weights
from ideopolis.index.framework import (
    BALANCE,
    CLUSTER_STRENGTH,
    Framework,
)
from ideopolis.index.lens import LensResult, lens
from ideopolis.index.profile import DATASET_OF, STEPS, RunConfig
from ideopolis.index.results import (
    pillar_statistics,
    rank_table,
    strengths_weaknesses,
)
from ideopolis.index.steps.aggregate import DEFAULT_THRESHOLD, AggregateSpec, aggregate, reflected
from ideopolis.index.steps.denominate import denominate
from ideopolis.index.steps.impute import impute
from ideopolis.index.steps.normalise import NormaliseResult, check_indicators, collapsed_indicators, normalise
from ideopolis.index.steps.screen import screen
from ideopolis.index.steps.treat import treat
from ideopolis.index.steps.weights import Weights, effective_weights, effective_weights_table, weigh
from ideopolis.output import source_date

if TYPE_CHECKING:
    from ideopolis.engines import ComputeEngine


@dataclass(frozen=True)
class LogRecord:
    """One step of a run: its method and parameters as run, and a summary of what it did."""

    step: str
    method: str
    params: dict[str, Any]
    summary: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form for JSON/TOML."""
        return {"step": self.step, "method": self.method, "params": self.params, "summary": self.summary}


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return str(value)
    return value


def _cell(frame: pd.DataFrame, row: str, col: str) -> float:
    value = frame.loc[row, col]
    return float(value)  # type: ignore[arg-type]


def _int_keys(mapping: Mapping[Any, Any], what: str) -> dict[int, Any]:
    out = {}
    for k, v in mapping.items():
        try:
            out[int(k)] = v
        except (TypeError, ValueError):
            raise ConfigError(f"{what} keys are levels (2, 3, ...); got {k!r}") from None
    return out


class IndexRun:
    """One composite-index run over a table of indicators.

    Parameters
    ----------
    data : DataFrame
        Raw indicator values (index = region id); may hold extra columns (denominators).
    framework : Framework
        The indicator tree; its indicators must be columns of ``data``.
    groups : DataFrame, optional
        Grouping columns (index = region id), for group imputation and peer-group weights.
    denominators : DataFrame, optional
        Denominator columns (index = region id); default: ``data`` itself.
    names : Series, optional
        Region names (index = region id), for :meth:`find_region` and tables.
    config : RunConfig, optional
        Step methods and parameters (default: :class:`~ideopolis.index.profile.RunConfig`).
    notes : sequence of str
        Notes from building the framework ("no export_jobs indicators: the lens is off").
    name : str
        Name of the region set (for the log).
    compute : ComputeEngine, optional
        Where the steps that split run (treatment and normalisation by indicator, aggregation by region; see
        :mod:`ideopolis.engines.steps`); default here. The numbers do not depend on it.

    Examples
    --------
    >>> from ideopolis.index.framework import flat_framework
    >>> import pandas as pd
    >>> data = pd.DataFrame({"a": [1.0, 2.0, 4.0], "b": [3.0, 1.0, 2.0]}, index=["x", "y", "z"])
    >>> run = IndexRun(data, flat_framework(["a", "b"]), config=RunConfig().with_options(treat="none")).run()
    >>> run.scores["ideopolis_index"].round(2).tolist()  # min-max to 0-100, then the mean of a and b
    [50.0, 16.67, 75.0]
    """

    def __init__(
        self,
        data: pd.DataFrame,
        framework: Framework,
        *,
        groups: pd.DataFrame | None = None,
        denominators: pd.DataFrame | None = None,
        names: pd.Series | None = None,
        config: RunConfig | None = None,
        notes: Sequence[str] = (),
        name: str = "",
        compute: ComputeEngine | None = None,
    ) -> None:
        missing = [c for c in framework.indicators if c not in data.columns]
        if missing:
            raise FrameworkError(
                f"indicator {missing[0]!r} of the framework is not a column of the data; "
                "add the column or remove the indicator from the framework"
            )
        index = pd.Index(data.index.astype(str), name=data.index.name or "id")
        if index.has_duplicates:
            dup = index[index.duplicated()][0]
            raise MethodError(f"region id {dup!r} appears twice; give every region a unique id")
        raw = data[framework.indicators]  # copy-on-write (pandas >= 3): a new frame; astype below copies if needed
        raw.index = index
        try:
            raw = raw.astype(float)
        except (TypeError, ValueError):
            bad = next(c for c in raw.columns if not pd.api.types.is_numeric_dtype(raw[c].dtype))
            raise MethodError(
                f"indicator {bad!r} is not numeric; fix the values (missing values read as text?)"
            ) from None
        if len(raw) < 2:
            raise MethodError(
                f"the data hold {len(raw)} region{'' if len(raw) == 1 else 's'}: scores compare regions with each "
                "other, so at least 2 are needed; fix: score a set of several regions (a custom region among the "
                "others: --custom, or custom --keep-others)"
            )
        check_indicators(raw, step="raw")
        self.framework = framework
        self.name = name
        self.groups = None if groups is None else groups.set_axis(groups.index.astype(str))
        den = data if denominators is None else denominators
        self.denominators = den.set_axis(den.index.astype(str))
        self.names = None if names is None else names.set_axis(names.index.astype(str))
        self.config = config or RunConfig()
        self.compute = compute
        self._framework_notes = list(notes)
        self._step_notes: dict[str, list[str]] = {}
        self.datasets: dict[str, pd.DataFrame] = {"raw": raw}
        self.reports: dict[str, Any] = {}
        self._screened_with: pd.Series | None = None  # the indicator weights the by_weight screen counted
        self.log: list[LogRecord] = []
        self.history: list[LogRecord] = []
        self.executed: list[str] = []
        self.weights: Weights | None = None
        self._lens: LensResult | None = None

    def __getstate__(self) -> dict[str, Any]:
        """Pickle without the compute engine (a live cluster connection stays where it is)."""
        return {**self.__dict__, "compute": None}

    def __repr__(self) -> str:
        """Short: the set, how many regions were scored, and the steps run with their methods."""
        if "aggregated" not in self.datasets:
            return f"IndexRun({self.name or 'data'!r}: {len(self.datasets['raw']):,} regions, not run yet)"
        steps = ", ".join(f"{r.step} {r.method}" for r in self.log)
        return f"IndexRun({self.name or 'data'!r}: {len(self.scores):,} regions scored; {steps})"

    # -- running ----------------------------------------------------------------------------------
    def run(self) -> IndexRun:
        """Run every step from the start; returns ``self``."""
        self._run_from(0)
        return self

    def rerun(self, from_step: str, **params: Any) -> IndexRun:
        """Change step ``from_step``'s parameters and recompute it and every step after it.

        ``method=`` switches the method (its old parameters are dropped); other keywords are merged
        into the step's parameters. ``balance_weight`` may be given to ``weight`` or ``lens``.
        Datasets upstream of ``from_step`` are kept as they are, except the screen's: under ``by_weight`` it counts
        the index's weights, so a change of weights (``manual`` weights, the balance weight) that drops other
        regions redoes it and every step after it.

        Examples
        --------
        >>> from ideopolis.index.scoring import score_region_set
        >>> from ideopolis.regions.model import load_region_set
        >>> run = score_region_set(load_region_set("us-metros"))
        >>> run.rerun("normalise", method="zscore").log[4].method
        'zscore'
        >>> run.rerun("weight", balance_weight=0.5).effective_weights.loc["balance", "all"]
        np.float64(0.5)
        """
        if from_step not in STEPS:
            raise ConfigError(f"unknown step {from_step!r}; steps: {', '.join(STEPS)}")
        start = from_step
        if "balance_weight" in params and from_step != "weight":
            self.config = self.config.with_step("weight", balance_weight=params.pop("balance_weight"))
            start = STEPS[min(STEPS.index("weight"), STEPS.index(from_step))]
        method = params.pop("method", None)
        if method is not None or params:
            self.config = self.config.with_step(from_step, method, **params)
        if STEPS.index(start) > STEPS.index("screen") and self._screened_with is not None:
            now = self.screen_weights()
            if not now.equals(self._screened_with):
                # the by_weight screen counted the old weights: redo it, and the steps after it if it drops others
                method, screen_params = self._params("screen")
                res = screen(self._input("screen"), method=method, weights=now, **screen_params)
                if res.dropped == self.dropped:
                    self.reports["screen"], self._screened_with = res, now
                else:
                    start = "screen"
        self._run_from(STEPS.index(start))
        return self

    def with_raw(self, values: Mapping[str, Mapping[str, float]]) -> IndexRun:
        """Return a copy of this run with some raw values replaced, re-run from the first step.

        The original run is left as it is. Every step runs again on the changed data, as
        :meth:`rerun` from ``denominate`` would: treatment, normalisation bounds, data-driven weights (PCA)
        and the typology's medians may all move, as they would had the data been so.

        Parameters
        ----------
        values : mapping
            Region id -> {indicator: new raw value} (``{"19780": {"ba_plus_share": 0.45}}``).

        Returns
        -------
        IndexRun
            A new, finished run.

        Raises
        ------
        ConfigError
            For a region or indicator the run does not have.

        Examples
        --------
        >>> from ideopolis.index.framework import flat_framework
        >>> data = pd.DataFrame({"a": [1.0, 2.0, 4.0], "b": [3.0, 1.0, 2.0]}, index=["x", "y", "z"])
        >>> run = IndexRun(data, flat_framework(["a", "b"]), config=RunConfig().with_options(treat="none")).run()
        >>> run.with_raw({"y": {"a": 3.0}}).scores["ideopolis_index"].round(2).tolist()
        [50.0, 33.33, 75.0]
        """
        import copy

        raw = self.datasets["raw"].copy()
        for region, row in values.items():
            if region not in raw.index:
                raise ConfigError(f"region {region!r} is not in the run's data")
            for column, value in row.items():
                if column not in raw.columns:
                    raise ConfigError(
                        f"{column!r} is not an indicator of the index; indicators: {', '.join(raw.columns)}"
                    )
                raw.loc[region, column] = float(value)
        new = copy.copy(self)
        new.datasets = {"raw": raw}
        new.reports = {}
        new.log = []
        new.history = list(self.history)
        new.executed = []
        new._step_notes = {}
        new.weights = None
        new._lens = None
        new._run_from(0)
        return new

    def _run_from(self, i: int) -> None:
        for step in STEPS[i:]:
            self.datasets.pop(DATASET_OF.get(step, ""), None)
            self.reports.pop(step, None)
            self._step_notes.pop(step, None)
        if "aggregate" in STEPS[i:]:  # derived from the aggregation: gone with it, even if a step below fails
            self.reports.pop("coverage", None)
            self.reports.pop("ranks", None)
        self.log = [r for r in self.log if STEPS.index(r.step) < i]
        for step in STEPS[i:]:
            record = getattr(self, f"_step_{step}")()
            self.log.append(record)
            self.history.append(record)
            self.executed.append(step)

    def _input(self, step: str) -> pd.DataFrame:
        prev = STEPS[: STEPS.index(step)]
        for s in reversed(prev):
            if DATASET_OF.get(s) in self.datasets:
                return self.datasets[DATASET_OF[s]]
        return self.datasets["raw"]

    def _params(self, step: str) -> tuple[str, dict[str, Any]]:
        cfg = self.config.step(step)
        return cfg.method, dict(cfg.params)

    def _step_denominate(self) -> LogRecord:
        method, params = self._params("denominate")
        by = params.get("by")
        if by is None:
            by = {n.code: n.denominator for n in self.framework.nodes if n.indicator and n.denominator is not None}
        if self.compute is None:
            res = denominate(
                self._input("denominate"), self.denominators, by=by, method=method, scale=params.get("scale")
            )
        else:
            res = denominate_split(
                self.compute,
                self._input("denominate"),
                self.denominators,
                by=by,
                method=method,
                scale=params.get("scale"),
            )
        self.datasets["denominated"] = res.data
        self.reports["denominate"] = res
        self._step_notes["denominate"] = list(res.notes)
        return LogRecord("denominate", method, params, {"denominated": res.applied})

    def _step_impute(self) -> LogRecord:
        method, params = self._params("impute")
        if self.compute is None:
            res = impute(self._input("impute"), method=method, groups=self.groups, group=params.get("group"))
        else:
            res = impute_split(
                self.compute, self._input("impute"), method=method, groups=self.groups, group=params.get("group")
            )
        self.datasets["imputed"] = res.data
        self.reports["impute"] = res
        return LogRecord(
            "impute",
            method,
            params,
            {"imputed_cells": len(res.imputed), "still_missing": res.remaining_missing},
        )

    def screen_weights(self) -> pd.Series:
        """Return the effective weight of every indicator that the ``by_weight`` screen counts.

        The framework's weights (with ``[weights] method = "manual"`` overrides and the balance weight applied,
        as the weight step applies them), multiplied through the hierarchy (:func:`effective_weights`). The
        screen runs before the data are normalised, so data-driven weights (``pca``) cannot be known yet: it uses
        the framework's; peer-group weights likewise use the framework's.

        Returns
        -------
        pandas.Series
            Index = indicator code, effective weight (summing to 1 when every weight is positive).
        """
        fw = self.framework
        method, params = self._params("weight")
        if method == "manual" and params.get("weights"):
            fw = fw.with_weights({str(k): float(v) for k, v in dict(params["weights"]).items()})
        w = fw.weights.copy()
        bw = params.get("balance_weight")
        if (
            bw is not None
            and BALANCE in fw
            and CLUSTER_STRENGTH in fw
            and fw.node(BALANCE).parent == fw.root
            and fw.node(CLUSTER_STRENGTH).parent == fw.root
        ):
            w[CLUSTER_STRENGTH], w[BALANCE] = 1 - float(bw), float(bw)
        eff = effective_weights(fw, w)
        return eff.reindex([n.code for n in fw.nodes if n.indicator])

    def _step_screen(self) -> LogRecord:
        method, params = self._params("screen")
        weights = self.screen_weights() if method == "by_weight" else None
        res = screen(self._input("screen"), method=method, weights=weights, **params)
        self._screened_with = weights
        if len(res.data) < 2:
            left = "every region" if res.data.empty else f"all but {len(res.data)} region"
            raise MethodError(
                f"screening dropped {left} (threshold {params.get('threshold')}): scores compare at least 2 "
                "regions; fix: lower --screen-threshold, or fill gaps with --impute"
            )
        self.datasets["screened"] = res.data
        self.reports["screen"] = res
        return LogRecord("screen", method, params, {"dropped": res.dropped})

    def _step_treat(self) -> LogRecord:
        method, params = self._params("treat")
        if self.compute is None:
            res = treat(self._input("treat"), method=method, **params)
        else:
            res = treat_split(self.compute, self._input("treat"), method=method, **params)
        self.datasets["treated"] = res.data
        self.reports["treat"] = res
        binary = list(res.table.index[res.table["status"] == "binary"]) if len(res.table) else []
        if binary:
            self._step_notes["treat"] = [
                f"outlier treatment left {len(binary)} two-valued indicator(s) as they are ({', '.join(binary[:5])}): "
                "winsorising a 0/1 flag would make it constant"
            ]
        counts = res.table["status"].value_counts().to_dict() if len(res.table) else {}
        return LogRecord("treat", method, params, {"status": counts, "treated_cells": len(res.cells)})

    def normalise_with(self, data: pd.DataFrame, method: str, params: Mapping[str, Any]) -> NormaliseResult:
        """Normalise ``data`` as the normalise step would with ``method`` and ``params``.

        The framework gives the directions and targets; ``params`` may hold ``indicators`` (a method per
        indicator), ``goalposts`` and ``reference`` besides the method's own parameters. What-if and
        uncertainty runs call this to normalise other data (another imputation or treatment) the same way.

        Parameters
        ----------
        data : DataFrame
            Indicators (index = region id, columns = the framework's indicators).
        method : str
            A name in :data:`~ideopolis.index.steps.normalise.NORMALISERS`.
        params : mapping
            The step's parameters.

        Returns
        -------
        NormaliseResult

        Raises
        ------
        MethodError
            As :func:`~ideopolis.index.steps.normalise.normalise`.
        """
        params = dict(params)
        per = params.pop("indicators", None)
        gp = params.pop("goalposts", None)
        ref = params.pop("reference", None)
        return normalise(
            data,
            directions={str(k): int(v) for k, v in self.framework.directions.items()},
            method=method,
            params=params,
            per_indicator=per,
            targets={n.code: n.target for n in self.framework.nodes if n.indicator},
            goalposts=gp,
            reference=ref,
        )

    def _step_normalise(self) -> LogRecord:
        method, params = self._params("normalise")
        if self.compute is None:
            res = self.normalise_with(self._input("normalise"), method, params)
        else:
            split = dict(params)
            res = normalise_split(
                self.compute,
                self._input("normalise"),
                method=method,
                directions={str(k): int(v) for k, v in self.framework.directions.items()},
                targets={n.code: n.target for n in self.framework.nodes if n.indicator},
                per_indicator=split.pop("indicators", None),
                goalposts=split.pop("goalposts", None),
                reference=split.pop("reference", None),
                params=split,
            )
        self.datasets["normalised"] = res.data
        self.reports["normalise"] = res
        collapses = collapsed_indicators(res.data)
        self.reports["collapse"] = collapses
        self._step_notes["normalise"] = [c.note() for c in collapses]
        summary: dict[str, Any] = {"bounds": list(res.bounds)}
        if collapses:
            summary["collapsed"] = {c.indicator: f"{c.share:.3f} in the {c.end} {c.band:.0%}" for c in collapses}
        return LogRecord(
            "normalise",
            method,
            self.config.step("normalise").as_dict() | {"method": method},
            summary,
        )

    def _step_weight(self) -> LogRecord:
        method, params = self._params("weight")
        bw = params.pop("balance_weight", None)
        w = weigh(self.framework, self.datasets["normalised"], method=method, groups=self.groups, **params)
        fw = self.framework
        lens_on = (
            BALANCE in fw
            and CLUSTER_STRENGTH in fw
            and fw.node(BALANCE).parent == fw.root
            and fw.node(CLUSTER_STRENGTH).parent == fw.root
        )
        if bw is not None and lens_on:
            bw = float(bw)
            if not 0 <= bw <= 1:
                raise ConfigError(f"balance weight is {bw}; use a number between 0 and 1")
            stance = {CLUSTER_STRENGTH: 1 - bw, BALANCE: bw}
            nodes = w.nodes.copy()
            nodes[list(stance)] = list(stance.values())
            by_group = w.by_group
            if by_group is not None:
                by_group = by_group.copy()
                by_group[list(stance)] = list(stance.values())
            w = Weights(nodes, by_group=by_group, group_of=w.group_of, notes=w.notes)
        self.weights = w
        self.reports["weight"] = w
        self._step_notes["weight"] = list(w.notes)
        summary: dict[str, Any] = {"notes": list(w.notes)}
        if bw is not None and not lens_on:
            summary["balance_weight"] = "ignored: the framework has no lens"
        return LogRecord("weight", method, self.config.step("weight").as_dict() | {"method": method}, summary)

    def _step_aggregate(self) -> LogRecord:
        method, params = self._params("aggregate")
        if not isinstance(params.get("rank_partial", False), bool):
            raise ConfigError(
                f"[aggregate] rank_partial is {params['rank_partial']!r}; use true (rank every score together) "
                "or false (rank only scores resting on every pillar)"
            )
        spec = AggregateSpec(
            method=method,
            params={"p": params["p"]} if "p" in params else {},
            by_level=_int_keys(params.get("by_level", {}), "aggregate by_level"),
            by_node=dict(params.get("by_node", {})),
            threshold=params.get("threshold", DEFAULT_THRESHOLD),
            threshold_by_level=_int_keys(params.get("threshold_by_level", {}), "aggregate threshold_by_level"),
            threshold_by_node=dict(params.get("threshold_by_node", {})),
            availability=str(params.get("availability", "weight")),
        )
        normed = self.datasets["normalised"]
        assert self.weights is not None
        bounds = self.reports["normalise"].bounds
        weights = self.weights.for_aggregation(normed.index)
        if self.compute is None:
            res = aggregate(normed, self.framework, weights, spec=spec, bounds=bounds)
        else:
            res = aggregate_split(self.compute, normed, self.framework, weights, spec=spec, bounds=bounds)
        self.datasets["aggregated"] = res.data
        self.reports["aggregate"] = res
        self.reports.pop("coverage", None)
        self.reports.pop("ranks", None)
        cov = self.coverage
        root = self.framework.root
        summary: dict[str, Any] = {"methods": res.methods}
        below = {
            agg: int(((res.availability[agg] < thr - 1e-12) & (res.availability[agg] > 0)).sum())
            for agg, thr in res.thresholds.items()
            if thr is not None
        }
        summary["below_threshold"] = {k: v for k, v in below.items() if v}
        is_partial = (cov.scored[root] & ~cov.complete[root]).to_numpy()
        partial = int(is_partial.sum())
        summary["index_partial"] = partial
        notes = []
        if partial:
            missing = {
                u: int((cov.required[f"{root}/{u}"] & ~cov.on[f"{root}/{u}"]).to_numpy()[is_partial].sum())
                for u in cov.needed[root]
            }
            what = ", ".join(f"{u} {n:,}" for u, n in missing.items() if n)
            ranked = "are not ranked" if not self.rank_partial else "are ranked with the others (rank_partial)"
            notes.append(
                f"{partial:,} region(s) have an index score on fewer pillars than the index has (missing: {what}); "
                f"they keep their scores and {ranked}; the scored_on column names the pillars each score rests on"
            )
        self._step_notes["aggregate"] = notes
        return LogRecord("aggregate", method, params, summary)

    def _step_lens(self) -> LogRecord:
        method, params = self._params("lens")
        self._lens = lens(self.scores, **params)
        summary: dict[str, Any] = {}
        if self._lens is None:
            summary["lens"] = "off: the framework has no attraction and exposure"
        else:
            summary["thresholds"] = {
                "attraction": self._lens.attraction_threshold,
                "exposure": self._lens.exposure_threshold,
            }
            summary["counts"] = {str(k): int(v) for k, v in self._lens.typology.value_counts().items()}
            self._step_notes["lens"] = _one_sided_thresholds(self._lens, params)
        return LogRecord("lens", method, params, summary)

    # -- results ----------------------------------------------------------------------------------
    @property
    def notes(self) -> list[str]:
        """What a user should know: how the framework was built, then notes of the steps as run."""
        out = list(self._framework_notes)
        for step in STEPS:
            out.extend(self._step_notes.get(step, []))
        return out

    def _need(self, name: str) -> pd.DataFrame:
        if name not in self.datasets:
            raise ConfigError(f"the run has no {name!r} dataset yet; call run() first")
        return self.datasets[name]

    @property
    def scores(self) -> pd.DataFrame:
        """Scores of every aggregate (index = region id, one column per aggregate)."""
        return self._need("aggregated")[self.framework.aggregates]

    @property
    def rank_partial(self) -> bool:
        """Whether scores resting on fewer pillars are ranked together with complete ones (``[aggregate] rank_partial``)."""
        return bool(self.config.step("aggregate").params.get("rank_partial", False))

    @property
    def ranks(self) -> pd.DataFrame:
        """Ranks of every aggregate (1 = best; ties share the lowest rank).

        A score is ranked among the regions whose score on that aggregate rests on every pillar it has
        (:mod:`ideopolis.index.coverage`); a score on fewer pillars has no rank, unless the run says
        ``[aggregate] rank_partial = true``.
        """
        partial = self.rank_partial
        cached = self.reports.get("ranks")
        if cached is not None and cached[0] == partial:  # ranking a million regions' aggregates takes 2 s
            table: pd.DataFrame = cached[1]
            return table.copy(deep=False)  # copy-on-write: a caller's change to it does not reach the cache
        scores = self.scores
        table = rank_table(scores if partial else scores.where(self.coverage.complete[scores.columns]))
        self.reports["ranks"] = (partial, table)
        return table.copy(deep=False)

    @property
    def coverage(self) -> Coverage:
        """Which pillars every score rests on and which scores are complete (see :mod:`ideopolis.index.coverage`)."""
        cached = self.reports.get("coverage")
        if cached is None:
            res = self.reports.get("aggregate")
            if res is None or self.weights is None:
                raise ConfigError("the run has no aggregated dataset yet; call run() first")
            cached = coverage(
                self.framework,
                res.data,
                self.weights.for_aggregation(res.data.index),
                availability=res.availability,
                thresholds=res.thresholds,
            )
            self.reports["coverage"] = cached
        assert isinstance(cached, Coverage)
        return cached

    def used_weights(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Return the weights each region's scores were computed with (region x node).

        Returns
        -------
        (pandas.DataFrame, pandas.DataFrame)
            The weight within its parent after renormalisation over the children with a value, and the
            effective weight as used (see :func:`ideopolis.index.coverage.used_weights`).
        """
        agg = self._need("aggregated")
        assert self.weights is not None
        return used_weights(self.framework, self.weights.for_aggregation(agg.index), agg)

    def scored_on(self) -> pd.Series:
        """Return, per scored region, the pillars its index rests on, comma-separated ("" without an index score)."""
        on = self.coverage.scored_on(self.framework.root)
        return on.map(", ".join).rename("scored_on")

    def not_ranked_reasons(self) -> pd.Series:
        """Return, per scored region, why its index score has no rank ("" when it is ranked or has no score)."""
        root = self.framework.root
        cov = self.coverage
        if self.rank_partial:
            return pd.Series("", index=cov.complete.index, name="not_ranked_reason")
        out = pd.Series("", index=cov.complete.index, name="not_ranked_reason", dtype=object)
        for rid in cov.complete.index[(cov.scored[root] & ~cov.complete[root]).to_numpy()]:
            out[rid] = not_ranked_reason(cov, root, rid)
        return out

    def not_scored_reasons(self) -> pd.Series:
        """Return, for every region the run read, why it has no index score ("" for a region with one).

        A region is screened out (too little data: the share of its indicators with a value, or under ``by_weight``
        the share of the index weight they carry, is below the screen threshold; too many zeros; or
        ``force_exclude``), or it passed screening but its index could not be
        computed (the parts with a score carry less than the aggregation threshold of the index's weight).

        Returns
        -------
        pandas.Series
            Index = every region id of the raw data; text.
        """
        raw = self.datasets["raw"]
        out = pd.Series("", index=raw.index, name="not_scored_reason", dtype=object)
        rep = self.reports.get("screen")
        if rep is not None and rep.dropped:
            params = dict(self.config.step("screen").params)
            method = self.config.step("screen").method
            thr = float(params.get("threshold", 2 / 3))
            nz = float(params.get("nonzero_threshold", 0.05))
            excluded = set(map(str, params.get("force_exclude", ())))
            k = raw.shape[1]
            for rid in rep.dropped:
                row = rep.summary.loc[rid]
                have = int(k - row["n_missing"])
                if rid in excluded:
                    out[rid] = "screened out: excluded by force_exclude"
                elif method == "by_weight" and float(row["weight_availability"]) < thr:
                    out[rid] = (
                        f"screened out: data for {float(row['weight_availability']):.0%} of the index weight "
                        f"({have} of {k} indicators), below the screen threshold ({thr:.0%})"
                    )
                elif method in ("by_na", "by_na_and_zeros") and float(row["availability"]) < thr:
                    out[rid] = (
                        f"screened out: data for {have} of {k} indicators ({float(row['availability']):.0%}), "
                        f"below the screen threshold ({thr:.0%})"
                    )
                else:
                    out[rid] = (
                        f"screened out: {1 - float(row['nonzero']):.0%} of its values are zero "
                        f"(non-zero share below {nz:.0%})"
                    )
        agg = self.datasets.get("aggregated")
        res = self.reports.get("aggregate")
        if agg is not None and res is not None:
            root = self.framework.root
            cov = self.coverage
            how = (
                "weight" if self.config.step("aggregate").params.get("availability", "weight") == "weight" else "parts"
            )
            for rid in agg.index[agg[root].isna().to_numpy()]:
                share = float(res.availability.at[rid, root])
                thr = res.thresholds.get(root)
                gone = [u for u in cov.needed[root] if not bool(cov.present.at[rid, u])]
                missing = f" (no {', '.join(gone)})" if gone else ""
                if thr is None or share == 0:
                    out[rid] = f"no data for any part of {root}{missing}"
                else:
                    what = (
                        f"the parts with a score carry {share:.0%} of its weight"
                        if how == "weight"
                        else f"{share:.0%} of its parts have a score"
                    )
                    out[rid] = (
                        f"too little data for {root}: {what}, below the aggregation threshold ({thr:.0%}){missing}"
                    )
        return out

    @property
    def indicator_scores(self) -> pd.DataFrame:
        """Normalised indicators (direction applied)."""
        return self._need("normalised")

    @property
    def indicator_ranks(self) -> pd.DataFrame:
        """Ranks of the normalised indicators (1 = best)."""
        return rank_table(self.indicator_scores)

    @property
    def lens(self) -> LensResult | None:
        """The lens (attraction, exposure, balance, typology), or ``None``."""
        return self._lens

    @property
    def typology(self) -> pd.Series | None:
        """Typology: magnet / talent_hub / exporter / rooted per region, or ``None`` without a lens."""
        return None if self._lens is None else self._lens.typology

    @property
    def effective_weights(self) -> pd.DataFrame:
        """Effective weight of every node (column ``all``, or one per peer group)."""
        if self.weights is None:
            raise ConfigError("the run has no weights yet; call run() first")
        return effective_weights_table(self.framework, self.weights)

    @property
    def pillar_statistics(self) -> pd.DataFrame:
        """Cronbach's alpha and mean correlation of the children of every aggregate."""
        return pillar_statistics(self._need("aggregated"), self.framework)

    @property
    def dropped(self) -> list[str]:
        """Regions dropped by screening."""
        rep = self.reports.get("screen")
        return [] if rep is None else list(rep.dropped)

    def strengths_weaknesses(self, region: str, n: int = 5) -> pd.DataFrame:
        """Return the region's ``n`` best and worst indicators by rank."""
        rid = self.find_region(region)
        return strengths_weaknesses(self.oriented_indicator_scores, rid, n=n, framework=self.framework)

    @property
    def oriented_indicator_scores(self) -> pd.DataFrame:
        """Normalised indicators as they enter the index (reflected under a -1 aggregate).

        Higher is always better for the index, so an exposure indicator counts as a strength when the
        region is *little* exposed.
        """
        normed = self.indicator_scores
        lo, hi = self.reports["normalise"].bounds
        flip = [c for c in normed.columns if sum(reflected(self.framework, a) for a in self.framework.ancestors(c)) % 2]
        if not flip:
            return normed
        out = normed.copy()
        out[flip] = lo + hi - out[flip]
        return out

    def find_region(self, query: str) -> str:
        """Return the id of the region ``query`` names (see :func:`ideopolis.regions.lookup.find_region`).

        Parameters
        ----------
        query : str
            An id, a name or part of one (case and accents ignored).

        Returns
        -------
        str
            The region id.

        Raises
        ------
        RegionNotFoundError
            When no scored region or several match, or the region was dropped by screening.
        """
        from ideopolis.regions.lookup import find_region

        ids = self._need("aggregated").index
        names = (
            pd.Series(ids, index=ids)
            if self.names is None
            else self.names.reindex(ids).fillna(pd.Series(ids, index=ids))
        )
        reasons = self.not_scored_reasons() if self.dropped else pd.Series(dtype=object)
        dropped = {rid: str(reasons.get(rid, "")) for rid in self.dropped}
        return find_region(names, query, set_name=self.name or "the run", dropped=dropped)

    def explain(self, region: str) -> pd.DataFrame:
        """How the region's index was built, indicator by indicator and aggregate by aggregate.

        One row per node in framework order: ``level``, ``parent``, ``label``, ``raw``, ``denominated``,
        ``imputed`` (bool), ``treated`` (value), ``treatment``, ``score`` (normalised value or aggregate
        score), ``weight`` (the framework's, within its parent), ``used_weight`` (within its parent as this
        region's score used it: renormalised over the siblings with a value, 0 without a value),
        ``effective_weight`` (the product of used weights up to the index: the share of this region's index
        the node carries), ``framework_effective_weight`` (the same with every input present), ``enters_as``
        (the score as it enters the index: reflected on the scale under a -1 aggregate such as exposure),
        ``contribution`` (effective weight x enters_as; under arithmetic means the indicators' contributions
        add up to the index exactly; missing under other means, which are not additive), ``availability``
        (aggregates: the share of their weight with data), ``status`` (why a node is not used) and ``rank``
        (aggregates: among regions scored on every pillar, see :attr:`ranks`).
        """
        rid = self.find_region(region)
        fw = self.framework
        agg = self._need("aggregated")
        ranks = rank_table(agg[fw.indicators]).loc[rid].to_dict() | self.ranks.loc[rid].to_dict()
        eff = self.effective_weights
        if self.weights is not None and self.weights.by_group is not None:
            g = self.weights.group_of.get(rid) if self.weights.group_of is not None else None
            eff_col = eff[str(g)] if g is not None and str(g) in eff.columns else eff["other"]
            wnode = self.weights.for_aggregation(pd.Index([rid])).loc[rid]
        else:
            eff_col = eff["all"]
            wnode = self.weights.nodes if self.weights is not None else fw.weights
        wmap = {str(k): float(v) for k, v in zip(wnode.index, np.asarray(wnode, dtype=float).ravel(), strict=True)}
        effmap = {str(k): float(v) for k, v in eff_col.items()}
        within, used = self.used_weights()
        within_r = dict(zip(within.columns.astype(str), within.loc[rid].to_numpy(dtype=float), strict=True))
        used_r = dict(zip(used.columns.astype(str), used.loc[rid].to_numpy(dtype=float), strict=True))
        res = self.reports["aggregate"]
        methods = res.methods
        avail = res.availability.loc[rid] if len(res.availability.columns) else pd.Series(dtype=float)
        imputed_cells: set[tuple[str, str]] = set()
        rep_imp = self.reports.get("impute")
        if rep_imp is not None and len(rep_imp.imputed):
            sel = rep_imp.imputed[rep_imp.imputed["region"] == rid]
            imputed_cells = {(rid, str(i)) for i in sel["indicator"]}
        treated: dict[str, str] = {}
        rep_t = self.reports.get("treat")
        if rep_t is not None and len(rep_t.cells):
            sel = rep_t.cells[rep_t.cells["region"] == rid]
            treated = dict(zip(sel["indicator"], sel["treatment"], strict=True))
        lo, hi = self.reports["normalise"].bounds
        rows = []

        have = {str(k): bool(v) for k, v in agg.loc[rid].notna().items()}

        def status(code: str) -> str:
            node = fw.node(code)
            gone = [a for a in fw.ancestors(code) if not have[a]]
            if gone:
                return f"not used: {gone[0]} has no score"
            if have[code]:
                return ""
            if node.indicator:
                return "no value"
            thr = res.thresholds.get(code)
            share = float(avail.get(code, 0.0))
            if thr is not None and share > 0:
                return f"below threshold: {share:.0%} of weight < {thr:.0%}"
            return "not scored: no data"

        for code in self._tree_order():
            node = fw.node(code)
            row: dict[str, Any] = {
                "node": code,
                "level": fw.level(code),
                "parent": node.parent,
                "label": node.label or code,
                "direction": node.direction,
            }
            if node.indicator:
                for ds in ("raw", "denominated", "treated"):
                    frame = self.datasets.get(ds)
                    row[ds] = _cell(frame, rid, code) if frame is not None else np.nan
                row["imputed"] = (rid, code) in imputed_cells
                row["treatment"] = treated.get(code, "")
            row["score"] = _cell(agg, rid, code)
            row["weight"] = wmap[code] if node.parent is not None else 1.0
            row["used_weight"] = within_r[code]
            row["effective_weight"] = used_r[code]
            row["framework_effective_weight"] = effmap[code]
            if node.indicator:
                flips = sum(reflected(fw, a) for a in fw.ancestors(code))
                row["enters_as"] = lo + hi - row["score"] if flips % 2 else row["score"]
                additive = all(methods.get(a) == "arithmetic" for a in fw.ancestors(code))
                if row["effective_weight"] == 0:
                    row["contribution"] = 0.0 if additive else np.nan
                else:
                    row["contribution"] = row["effective_weight"] * row["enters_as"] if additive else np.nan
            else:
                row["availability"] = float(avail.get(code, np.nan))
            row["status"] = status(code)
            row["rank"] = ranks[code]
            rows.append(row)
        out = pd.DataFrame(rows).set_index("node")
        out["rank"] = pd.array([None if pd.isna(r) else int(r) for r in out["rank"]], dtype="Int64")
        return out

    def _tree_order(self) -> list[str]:
        """Every node, depth first from the index (the order :meth:`explain` lists them)."""
        fw = self.framework
        order: list[str] = []

        def visit(code: str) -> None:
            order.append(code)
            for kid in fw.children(code):
                visit(kid)

        visit(fw.root)
        return order

    def results_frame(self) -> pd.DataFrame:
        """Names, scores, ranks (``rank_<node>``), the typology and what each index score rests on (for export).

        Returns
        -------
        pandas.DataFrame
            Index = the regions scored; ``name``, one column per aggregate, ``rank_<aggregate>``, ``typology``
            (with a lens), ``scored_on`` (the pillars the index rests on) and ``not_ranked_reason``.
        """
        scores = self.scores
        out = pd.DataFrame(index=scores.index)
        if self.names is not None:
            out["name"] = self.names.reindex(scores.index)
        out = out.join(scores)
        out = out.join(self.ranks.add_prefix("rank_"))
        if self.typology is not None:
            out["typology"] = self.typology
        out["scored_on"] = self.scored_on()
        out["not_ranked_reason"] = self.not_ranked_reasons()
        return out

    # -- the log ----------------------------------------------------------------------------------
    def log_document(self) -> dict[str, Any]:
        """Return the run as a profile document plus a ``[log]`` table of what each step did."""
        doc = self.config.to_dict()
        if self.name and "regions" not in doc and "coinr" not in doc:
            doc["regions"] = self.name
        if "framework" not in doc:
            doc["framework"] = {
                "nodes": {
                    n.code: {
                        k: v
                        for k, v in {
                            "parent": n.parent,
                            "type": "indicator" if n.indicator else "aggregate",
                            "weight": n.weight,
                            "direction": n.direction,
                            "label": n.label or None,
                            "unit": n.unit or None,
                            "denominator": n.denominator,
                            "target": n.target,
                        }.items()
                        if v is not None
                    }
                    for n in self.framework.nodes
                }
            }
        doc["log"] = {
            "ideopolis_version": __version__,
            "created": (source_date() or _dt.datetime.now(_dt.UTC)).isoformat(timespec="seconds"),
            "regions_scored": (len(self._need("aggregated"))),
            "notes": list(self.notes),
            "steps": [r.to_dict() for r in self.log],
        }
        out: dict[str, Any] = _jsonable(doc)
        return out

    def save_log(self, path: str | Path) -> Path:
        """Write the log atomically: TOML for ``.toml`` (a profile that reproduces the run), else JSON.

        Parameters
        ----------
        path : str or Path
            Where to write it.

        Returns
        -------
        Path
            ``path``.
        """
        import tomli_w

        from ideopolis.output import write_text

        p = Path(path)
        doc = self.log_document()
        write_text(p, tomli_w.dumps(doc) if p.suffix.lower() == ".toml" else json.dumps(doc, indent=2))
        return p


def _one_sided_thresholds(result: LensResult, params: Mapping[str, Any]) -> list[str]:
    """Say when a typology threshold the user set puts every region on one side of an axis."""
    notes = []
    for axis, values, thr in (
        ("attraction", result.attraction, result.attraction_threshold),
        ("exposure", result.exposure, result.exposure_threshold),
    ):
        if params.get(f"{axis}_threshold") is None or values.dropna().empty:
            continue
        lo, hi = float(values.min()), float(values.max())
        if thr >= hi or thr < lo:
            side = "low" if thr >= hi else "high"
            notes.append(
                f"the {axis} threshold {thr:g} lies outside the regions' {axis} ({lo:.1f} to {hi:.1f}): every "
                f"region is {side} on that axis, so the typology has only two types"
            )
    return notes
