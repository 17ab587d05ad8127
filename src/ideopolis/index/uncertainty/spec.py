"""What an uncertainty analysis varies: the ``[uncertainty]`` section of a run profile, read and checked.

The uncertain inputs (OECD/JRC Handbook 2008, step 7; COINr's ``get_sensitivity`` ``SA_specs``) are chosen by
name; each is one random variable of the Monte Carlo design:

==================  ===========================================================================================
input               what a draw does
==================  ===========================================================================================
``weights``         every weight at the levels named in ``weights`` deviates uniformly by up to +/- its noise
                    factor (COINr ``get_noisy_weights``: ``w + (2u - 1) f w``); default levels 1 and 2
                    (indicators within pillars, pillars within their parents), 25 %
``normalise``       one of the alternatives, equally likely; default min-max onto [1, 100] and z-score with mean
                    10 and standard deviation 1 (positive for ``|z| < 10``, so a geometric mean applies); ``rank``
                    on request (not a default: a geometric mean of ordinal ranks has no meaning, and that one
                    combination then dominates every interval)
``aggregate``       one of the alternatives (a method for every aggregate); default arithmetic and geometric
``impute``          one of the alternatives; default the run's method and ``median`` (``mean`` when the run's is
                    the median); left out when the scored regions have no missing value
``treat``           outlier treatment on or off: the run's treatment and ``none``
``balance_weight``  uniform over a range (default 0.1 to 0.4 around the nominal 0.25); lens frameworks only
``exposure``        which exposure measure enters the ``exposure`` pillar: ``all`` (the run's weights, the
                    nominal) or one measure alone; frameworks whose exposure has two measures or more
==================  ===========================================================================================

Discrete alternatives are sampled as COINr's ``sample_2_para`` does (a uniform number cut into equal parts);
continuous ones uniformly over their range. The section::

    [uncertainty]
    draws = 1000                                  # Monte Carlo draws (the rank intervals)
    seed = 12345                                  # default: the run's seed
    vary = ["weights", "normalise", "aggregate"]  # default: every input that applies to the run
    weights = { "1" = 0.25, "2" = 0.25 }          # noise factor by framework level
    normalise = ["minmax", "zscore", { method = "rank" }]
    aggregate = ["arithmetic", "geometric"]
    impute = ["none", "median"]
    treat = ["coinr", "none"]
    balance_weight = [0.1, 0.4]
    exposure = ["all", "telework_share"]
    sensitivity = true                            # also Sobol indices (``ideopolis uncertainty``)
    sobol_n = 256                                 # base sample of the Sobol design (N (d + 2) runs)
    bootstrap = 1000                              # bootstrap resamples of the Sobol confidence intervals
    target = "ideopolis_index"                    # the aggregate whose ranks are analysed
    stability = [0.05, 0.15]                      # the stability classes' cut-offs (share of regions)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ideopolis.errors import ConfigError
from ideopolis.index.steps.aggregate import AGGREGATORS
from ideopolis.index.steps.impute import IMPUTERS
from ideopolis.index.steps.normalise import NORMALISERS
from ideopolis.index.steps.treat import TREATMENTS
from ideopolis.registry import Registry

__all__ = [
    "DEFAULT_AGGREGATE",
    "DEFAULT_NORMALISE",
    "INPUTS",
    "UncertaintySpec",
    "spec_from_mapping",
]

#: The uncertain inputs an analysis can vary, in the order its tables list them.
INPUTS = ("weights", "normalise", "aggregate", "impute", "treat", "balance_weight", "exposure")

#: Parameters a normalisation alternative given by name gets in an uncertainty analysis: positive scales, so a
#: geometric mean applies (COINr's sensitivity vignette uses min-max onto [1, 100] for the same reason).
UA_NORMALISE_PARAMS: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {"minmax": {"l_u": [1.0, 100.0]}, "zscore": {"m_sd": [10.0, 1.0]}}
)
#: Default normalisation alternatives.
DEFAULT_NORMALISE = (
    {"method": "minmax", "l_u": [1.0, 100.0]},
    {"method": "zscore", "m_sd": [10.0, 1.0]},
)
#: Default aggregation alternatives.
DEFAULT_AGGREGATE = ({"method": "arithmetic"}, {"method": "geometric"})
#: Default noise factor by framework level (COINr ``noise_specs``).
DEFAULT_WEIGHT_NOISE: Mapping[int, float] = MappingProxyType({1: 0.25, 2: 0.25})
#: Default range of the balance weight (the nominal default 0.25 in its middle).
DEFAULT_BALANCE_RANGE = (0.1, 0.4)
#: Default cut-offs of the stability classes, as shares of the regions ranked (see ``result.stability_class``).
DEFAULT_STABILITY = (0.05, 0.15)

_KEYS = frozenset(
    {
        "draws",
        "seed",
        "vary",
        "weights",
        "normalise",
        "aggregate",
        "impute",
        "treat",
        "balance_weight",
        "exposure",
        "sensitivity",
        "sobol_n",
        "bootstrap",
        "target",
        "stability",
    }
)
_STEP_KEYS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "normalise": frozenset({"method", "l_u", "m_sd", "cap_max", "reference", "trunc2posts"}),
        "aggregate": frozenset({"method", "p"}),
        "impute": frozenset({"method", "group"}),
        "treat": frozenset({"method", "winmax", "skew_thresh", "kurt_thresh", "skip"}),
    }
)
_REGISTRIES: Mapping[str, Registry[Any]] = MappingProxyType(
    {"normalise": NORMALISERS, "aggregate": AGGREGATORS, "impute": IMPUTERS, "treat": TREATMENTS}
)


def _whole(value: object, key: str, where: str, *, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value or value < low:
        raise ConfigError(f"{key} is {value!r} in [uncertainty] of {where}; use a whole number >= {low}")
    return int(value)


def _alternatives(step: str, value: object, where: str) -> tuple[Mapping[str, Any], ...]:
    """Read a list of step alternatives: method names or ``{method = ..., params}`` tables."""
    if isinstance(value, str | Mapping):
        value = [value]
    if not isinstance(value, Sequence) or not value:
        raise ConfigError(
            f"{step} in [uncertainty] of {where} must be a list of alternatives, e.g. "
            f'{step} = ["{_REGISTRIES[step].names()[0]}", ...]'
        )
    out = []
    for item in value:
        spec = {"method": item} if isinstance(item, str) else item
        if not isinstance(spec, Mapping) or "method" not in spec:
            raise ConfigError(
                f"an alternative of {step} in [uncertainty] of {where} is {item!r}; give a method name or a table "
                "with a method key"
            )
        bad = sorted(set(spec) - _STEP_KEYS[step])
        if bad:
            raise ConfigError(
                f"unknown key {bad[0]!r} in a {step} alternative of [uncertainty] of {where}; "
                f"valid keys: {', '.join(sorted(_STEP_KEYS[step]))}"
            )
        method = _REGISTRIES[step].canonical(str(spec["method"]))
        params = {k: v for k, v in spec.items() if k != "method"}
        if step == "normalise" and not params:
            params = dict(UA_NORMALISE_PARAMS.get(method, {}))
        out.append(MappingProxyType({"method": method, **params}))
    return tuple(out)


def _range(value: object, where: str) -> tuple[float, float]:
    if (
        not isinstance(value, Sequence)
        or isinstance(value, str)
        or len(value) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        raise ConfigError(f"balance_weight in [uncertainty] of {where} must be a range [low, high], e.g. [0.1, 0.4]")
    lo, hi = float(value[0]), float(value[1])
    if not 0 <= lo < hi <= 1:
        raise ConfigError(
            f"balance_weight range [{lo:g}, {hi:g}] in [uncertainty] of {where} must satisfy 0 <= low < high <= 1"
        )
    return lo, hi


def _noise(value: object, where: str) -> Mapping[int, float]:
    if not isinstance(value, Mapping) or not value:
        raise ConfigError(
            f'weights in [uncertainty] of {where} must map framework levels to noise factors, e.g. {{ "2" = 0.25 }}'
        )
    out = {}
    for k, v in value.items():
        try:
            level = int(k)
        except (TypeError, ValueError):
            raise ConfigError(
                f"weights in [uncertainty] of {where}: {k!r} is not a framework level (1 = indicators, 2 = pillars, ...)"
            ) from None
        if level < 1 or isinstance(v, bool) or not isinstance(v, int | float) or not 0 < float(v) < 1:
            raise ConfigError(
                f"weights in [uncertainty] of {where}: noise factor {v!r} at level {k} must be between 0 and 1 "
                "(0.25 lets each weight deviate by up to +/- 25 %)"
            )
        out[level] = float(v)
    return MappingProxyType(dict(sorted(out.items())))


@dataclass(frozen=True)
class UncertaintySpec:
    """A validated ``[uncertainty]`` section: how many draws, their seed, what varies and how.

    ``None`` for ``seed``, ``vary``, ``impute``, ``treat`` and ``exposure`` means "decided from the run" (its
    seed; every input that applies; the run's method and one alternative; every exposure measure), see
    :func:`ideopolis.index.uncertainty.engine.resolve_inputs`.

    Attributes
    ----------
    draws : int
        Monte Carlo draws of the uncertainty analysis (>= 10).
    seed : int or None
        Seed of the draws, the Sobol design and its bootstrap.
    vary : tuple of str or None
        The inputs varied (names in :data:`INPUTS`).
    weights : mapping of int to float
        Noise factor by framework level.
    normalise, aggregate : tuple of mapping
        The alternatives (``{"method": ..., **params}``).
    impute, treat : tuple of mapping or None
        The alternatives.
    balance_weight : (float, float)
        The range of the balance weight.
    exposure : tuple of str or None
        ``"all"`` and/or exposure indicator codes.
    sensitivity : bool
        Whether :func:`ideopolis.index.uncertainty.uncertainty` also estimates Sobol indices.
    sobol_n : int
        Base sample size ``N`` of the Sobol design (``N (d + 2)`` runs for ``d`` inputs).
    bootstrap : int
        Bootstrap resamples for the Sobol confidence intervals.
    target : str or None
        The aggregate analysed (default: the index).
    stability : (float, float)
        Cut-offs of the stability classes as shares of the regions ranked.

    Examples
    --------
    >>> spec = spec_from_mapping({"draws": 200, "aggregate": ["arithmetic", "geometric"]})
    >>> spec.draws, [a["method"] for a in spec.aggregate]
    (200, ['arithmetic', 'geometric'])
    >>> spec.normalise[0]["l_u"]
    [1.0, 100.0]
    """

    draws: int = 1000
    seed: int | None = None
    vary: tuple[str, ...] | None = None
    weights: Mapping[int, float] = field(default_factory=lambda: DEFAULT_WEIGHT_NOISE)
    normalise: tuple[Mapping[str, Any], ...] = tuple(MappingProxyType(dict(a)) for a in DEFAULT_NORMALISE)
    aggregate: tuple[Mapping[str, Any], ...] = tuple(MappingProxyType(dict(a)) for a in DEFAULT_AGGREGATE)
    impute: tuple[Mapping[str, Any], ...] | None = None
    treat: tuple[Mapping[str, Any], ...] | None = None
    balance_weight: tuple[float, float] = DEFAULT_BALANCE_RANGE
    exposure: tuple[str, ...] | None = None
    sensitivity: bool = False
    sobol_n: int = 256
    bootstrap: int = 1000
    target: str | None = None
    stability: tuple[float, float] = DEFAULT_STABILITY

    def to_dict(self) -> dict[str, Any]:
        """Return the section as plain data (what :func:`spec_from_mapping` reads back).

        Returns
        -------
        dict
        """
        out: dict[str, Any] = {"draws": self.draws}
        if self.seed is not None:
            out["seed"] = self.seed
        if self.vary is not None:
            out["vary"] = list(self.vary)
        out["weights"] = {str(k): v for k, v in self.weights.items()}
        out["normalise"] = [dict(a) for a in self.normalise]
        out["aggregate"] = [dict(a) for a in self.aggregate]
        if self.impute is not None:
            out["impute"] = [dict(a) for a in self.impute]
        if self.treat is not None:
            out["treat"] = [dict(a) for a in self.treat]
        out["balance_weight"] = list(self.balance_weight)
        if self.exposure is not None:
            out["exposure"] = list(self.exposure)
        out["sensitivity"] = self.sensitivity
        out["sobol_n"] = self.sobol_n
        out["bootstrap"] = self.bootstrap
        if self.target is not None:
            out["target"] = self.target
        out["stability"] = list(self.stability)
        return out


def spec_from_mapping(doc: Mapping[str, Any], *, where: str = "the profile") -> UncertaintySpec:
    """Validate an ``[uncertainty]`` section and return its :class:`UncertaintySpec`.

    Parameters
    ----------
    doc : mapping
        The parsed section (keys as in the module docstring).
    where : str
        How messages name the profile.

    Returns
    -------
    UncertaintySpec

    Raises
    ------
    ConfigError
        Naming the first unknown key or bad value and the fix.
    UnknownMethodError
        For an unknown method name among the alternatives (listing the valid ones).

    Examples
    --------
    >>> spec_from_mapping({"draws": 5})
    Traceback (most recent call last):
    ...
    ideopolis.errors.ConfigError: draws is 5 in [uncertainty] of the profile; use a whole number >= 10
    """
    if not isinstance(doc, Mapping):
        raise ConfigError(f"[uncertainty] in {where} must be a table")
    bad = sorted(set(doc) - _KEYS)
    if bad:
        raise ConfigError(f"unknown key {bad[0]!r} in [uncertainty] of {where}; valid keys: {', '.join(sorted(_KEYS))}")
    kw: dict[str, Any] = {}
    if "draws" in doc:
        kw["draws"] = _whole(doc["draws"], "draws", where, low=10)
    if "seed" in doc:
        kw["seed"] = _whole(doc["seed"], "seed", where, low=0)
    if "vary" in doc:
        vary = doc["vary"]
        if isinstance(vary, str):
            vary = [vary]
        if not isinstance(vary, Sequence) or not vary:
            raise ConfigError(f"vary in [uncertainty] of {where} must be a list of inputs: {', '.join(INPUTS)}")
        unknown = [v for v in vary if v not in INPUTS]
        if unknown:
            raise ConfigError(
                f"unknown uncertain input {unknown[0]!r} in vary of [uncertainty] of {where}; "
                f"choose from: {', '.join(INPUTS)}"
            )
        kw["vary"] = tuple(dict.fromkeys(str(v) for v in vary))
    if "weights" in doc:
        kw["weights"] = _noise(doc["weights"], where)
    for step in ("normalise", "aggregate", "impute", "treat"):
        if step in doc:
            kw[step] = _alternatives(step, doc[step], where)
    if "balance_weight" in doc:
        kw["balance_weight"] = _range(doc["balance_weight"], where)
    if "exposure" in doc:
        expo = doc["exposure"]
        if isinstance(expo, str):
            expo = [expo]
        if not isinstance(expo, Sequence) or not expo or not all(isinstance(e, str) for e in expo):
            raise ConfigError(
                f'exposure in [uncertainty] of {where} must list "all" and/or exposure indicators, '
                'e.g. ["all", "telework_share"]'
            )
        kw["exposure"] = tuple(dict.fromkeys(expo))
    if "sensitivity" in doc:
        if not isinstance(doc["sensitivity"], bool):
            raise ConfigError(f"sensitivity in [uncertainty] of {where} must be true or false")
        kw["sensitivity"] = doc["sensitivity"]
    if "sobol_n" in doc:
        kw["sobol_n"] = _whole(doc["sobol_n"], "sobol_n", where, low=8)
    if "bootstrap" in doc:
        kw["bootstrap"] = _whole(doc["bootstrap"], "bootstrap", where, low=10)
    if "target" in doc:
        if not isinstance(doc["target"], str) or not doc["target"]:
            raise ConfigError(f"target in [uncertainty] of {where} must name an aggregate, e.g. ideopolis_index")
        kw["target"] = doc["target"]
    if "stability" in doc:
        st = doc["stability"]
        if (
            not isinstance(st, Sequence)
            or isinstance(st, str)
            or len(st) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in st)
            or not 0 < float(st[0]) < float(st[1]) < 1
        ):
            raise ConfigError(
                f"stability in [uncertainty] of {where} must be two shares [stable, moderate] with "
                "0 < stable < moderate < 1, e.g. [0.05, 0.15]"
            )
        kw["stability"] = (float(st[0]), float(st[1]))
    return UncertaintySpec(**kw)
