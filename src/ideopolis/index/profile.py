"""Run profiles: a TOML file that holds a whole run, read into a frozen, validated :class:`RunConfig`.

The format is documented in ``docs/run-profile.md``. Every section is optional; an unknown key is rejected
with the key, the section and the valid keys named. In short::

    regions = "us-metros"              # bundled name or folder (relative to the profile)
    custom = "our-region.csv"          # optional: merge base regions into custom regions
    seed = 12345                       # every random draw of the run (hotspot permutations)

    [framework]                        # default: the region set's metadata (DESIGN section 3)
    file = "my-framework.toml"         # a framework TOML or CSV (relative to the profile), or
    # [framework.nodes.talent] ...     # nodes inline

    [denominate]  method = "by_metadata"   # or "none"
    [impute]      method = "group_mean", group = "state"
    [screen]      method = "by_weight", threshold = 0.66   # or "by_na" (COINr: count indicators)
    [treat]       method = "coinr", winmax = 5
    [normalise]   method = "minmax", l_u = [0, 100]
    [weights]     method = "manual", weights = { talent = 2 }, balance_weight = 0.25
    [aggregate]   method = "arithmetic", by_level = { "3" = "geometric" }, threshold = 0.5
    [lens]        attraction_threshold = 50, exposure_threshold = 50   # default: the medians
    [hotspots]    statistic = "gi_star", weights = "queen", permutations = 999, correction = "fdr_bh"
    [uncertainty] draws = 1000, aggregate = ["arithmetic", "geometric"]   # rank intervals (optional)
    [run]         engine = "dask", scheduler = "tcp://HOST:8786"   # where the work runs (default: local)

The balance weight lives in ``[weights]`` (it is the weight of the index's ``balance`` node); written under
``[lens]`` it is refused with that fix. A run log (``*.run.toml``, written beside every output) is a profile
plus a ``[log]`` table, so any command replays any other command's run with ``--profile``.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ideopolis.engines import ENGINES
from ideopolis.errors import ConfigError, DataFileError
from ideopolis.index.pillars import DEFAULT_BALANCE_WEIGHT
from ideopolis.index.steps.aggregate import AGGREGATORS, DEFAULT_THRESHOLD
from ideopolis.index.steps.denominate import DENOMINATORS
from ideopolis.index.steps.impute import IMPUTERS
from ideopolis.index.steps.normalise import NORMALISERS
from ideopolis.index.steps.screen import SCREENS
from ideopolis.index.steps.treat import TREATMENTS
from ideopolis.index.steps.weights import WEIGHTERS
from ideopolis.registry import Registry
from ideopolis.safety import MAX_TOML_BYTES, parse_toml, require_regular_file

#: pipeline steps in order, and the dataset each writes
STEPS = ("denominate", "impute", "screen", "treat", "normalise", "weight", "aggregate", "lens")
DATASET_OF = {
    "denominate": "denominated",
    "impute": "imputed",
    "screen": "screened",
    "treat": "treated",
    "normalise": "normalised",
    "aggregate": "aggregated",
}

_REGISTRIES: dict[str, Registry[Any]] = {
    "denominate": DENOMINATORS,
    "impute": IMPUTERS,
    "screen": SCREENS,
    "treat": TREATMENTS,
    "normalise": NORMALISERS,
    "weight": WEIGHTERS,
    "aggregate": AGGREGATORS,
}

#: parameters each step accepts besides ``method``
STEP_PARAMS: dict[str, frozenset[str]] = {
    "denominate": frozenset({"by", "scale"}),
    "impute": frozenset({"group"}),
    "screen": frozenset({"threshold", "nonzero_threshold", "force_include", "force_exclude"}),
    "treat": frozenset({"winmax", "skew_thresh", "kurt_thresh", "skip"}),
    "normalise": frozenset({"l_u", "m_sd", "cap_max", "reference", "indicators", "goalposts", "trunc2posts"}),
    "weight": frozenset({"weights", "group", "balance_weight"}),
    "aggregate": frozenset(
        {
            "p",
            "by_level",
            "by_node",
            "threshold",
            "threshold_by_level",
            "threshold_by_node",
            "availability",
            "rank_partial",
        }
    ),
    "lens": frozenset({"attraction_threshold", "exposure_threshold"}),
}

#: Seed of every random draw when none is given (hotspot permutations); esda's tests use the same.
DEFAULT_SEED = 12345

#: ``[hotspots]`` keys and their defaults (see :func:`ideopolis.spatial.hotspots.hotspots`).
HOTSPOT_DEFAULTS: dict[str, Any] = {
    "indicator": None,
    "statistic": "gi_star",
    "weights": "queen",
    "k": None,
    "threshold_km": None,
    "fallback_k": 1,
    "permutations": 999,
    "max_permutations": None,
    "permutation_budget": None,
    "mc_level": 0.999,
    "correction": "fdr_bh",
    "alpha": 0.05,
    "alternative": "folded",
}

#: Parameters that do not belong to a step's method, so a new method keeps them (``--aggregate geometric`` keeps
#: the availability rule, ``--weights equal`` the balance weight).
_KEPT_ACROSS_METHODS: dict[str, frozenset[str]] = {
    "weight": frozenset({"balance_weight"}),
    "aggregate": frozenset({"threshold", "threshold_by_level", "threshold_by_node", "availability", "rank_partial"}),
}

#: the profile's section name for each step (``weights`` reads better in a TOML than ``weight``)
SECTION_OF = {s: ("weights" if s == "weight" else s) for s in STEPS}

_DEFAULT_METHODS = {
    "denominate": "by_metadata",
    "impute": "none",
    "screen": "by_weight",
    "treat": "coinr",
    "normalise": "minmax",
    "weight": "framework",
    "aggregate": "arithmetic",
    "lens": "quadrants",
}
_DEFAULT_PARAMS: dict[str, dict[str, Any]] = {
    "screen": {"threshold": 2 / 3},
    "aggregate": {"threshold": DEFAULT_THRESHOLD},
    "normalise": {"l_u": [0.0, 100.0]},
    "weight": {"balance_weight": DEFAULT_BALANCE_WEIGHT},
}


@dataclass(frozen=True)
class StepConfig:
    """A step's method name and parameters (read-only)."""

    method: str
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def as_dict(self) -> dict[str, Any]:
        """Return ``{"method": ..., **params}``."""
        return {"method": self.method, **dict(self.params)}


def _step_config(step: str, spec: Mapping[str, Any], where: str) -> StepConfig:
    spec = dict(spec)
    method = str(spec.pop("method", _DEFAULT_METHODS[step]))
    if step in _REGISTRIES:
        method = _REGISTRIES[step].canonical(method)
    elif method != "quadrants":
        raise ConfigError(f"unknown lens method {method!r} in {where}; choose one of: quadrants")
    allowed = STEP_PARAMS[step]
    for key in spec:
        if key not in allowed:
            raise ConfigError(
                f"unknown key {key!r} in [{SECTION_OF[step]}] of {where}; "
                f"valid keys: method, {', '.join(sorted(allowed))}"
            )
    return StepConfig(method, MappingProxyType(spec))


def _default_step(step: str) -> StepConfig:
    return StepConfig(_DEFAULT_METHODS[step], MappingProxyType(dict(_DEFAULT_PARAMS.get(step, {}))))


@dataclass(frozen=True)
class RunConfig:
    """A whole run: region set, framework source and every step's method and parameters.

    Examples
    --------
    >>> config = RunConfig().with_options(normalise="zscore", seed=7)
    >>> config.step("normalise").method, config.seed, config.step("weight").params["balance_weight"]
    ('zscore', 7, 0.25)
    """

    regions: str | None = None
    framework: Mapping[str, Any] | None = None
    steps: Mapping[str, StepConfig] = field(
        default_factory=lambda: MappingProxyType({s: _default_step(s) for s in STEPS})
    )
    seed: int = DEFAULT_SEED
    custom: str | None = None
    coinr: Mapping[str, str] | None = None
    hotspots: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    uncertainty: Mapping[str, Any] | None = None
    shortlist: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    engine: str = "local"
    scheduler: str | None = None

    def hotspot_options(self) -> dict[str, Any]:
        """Return the ``[hotspots]`` options with their defaults filled in (and the run's seed)."""
        return {**HOTSPOT_DEFAULTS, **dict(self.hotspots), "seed": self.seed}

    def with_options(self, **options: Any) -> RunConfig:
        """Return a copy with run options applied: the one meaning of every run option.

        Parameters
        ----------
        **options
            ``None`` values are skipped. A step name (``normalise``, ``impute``, ``screen``, ``treat``,
            ``weights``/``weight``, ``aggregate``, ``denominate``) with a method name or a mapping
            (``impute={"method": "group_mean", "group": "state"}``); ``balance_weight``;
            ``attraction_threshold`` and ``exposure_threshold`` (the typology's splits); ``impute_group``
            (group imputation by that column: group mean unless ``impute`` says otherwise);
            ``screen_threshold`` (data availability below which a region is dropped); ``seed``;
            ``hotspots`` (a mapping of ``[hotspots]`` keys); ``uncertainty`` (a number of draws, ``True`` for the
            defaults, or a mapping of ``[uncertainty]`` keys; ``False`` removes the section); ``engine``
            (``local``, ``dask``) and ``scheduler`` (a Dask scheduler's address), the ``[run]`` section.

        Returns
        -------
        RunConfig

        Raises
        ------
        ConfigError
            For an unknown option or value (naming it and the valid ones).

        Examples
        --------
        >>> cfg = RunConfig().with_options(normalise="zscore", balance_weight=0.4)
        >>> cfg.step("normalise").method, cfg.step("weight").params["balance_weight"]
        ('zscore', 0.4)
        """
        config = self
        options = {k: v for k, v in options.items() if v is not None}
        impute_group = options.pop("impute_group", None)
        if impute_group is not None:
            spec = options.get("impute")
            method = (spec.get("method") if isinstance(spec, Mapping) else spec) or "group_mean"
            options["impute"] = {"method": method, "group": impute_group}
        screen_threshold = options.pop("screen_threshold", None)
        if screen_threshold is not None:
            options.setdefault("screen", {"method": config.step("screen").method})
            spec = options["screen"]
            spec = dict(spec) if isinstance(spec, Mapping) else {"method": spec}
            options["screen"] = {**spec, "threshold": _number("screen_threshold", screen_threshold, 0.0, 1.0)}
        if "engine" in options or "scheduler" in options:
            # --engine local drops a profile's scheduler; --scheduler alone keeps the profile's engine
            engine = options.pop("engine", config.engine)
            kept = config.scheduler if ENGINES.canonical(str(engine)) == "dask" else None
            section = {"engine": engine, "scheduler": options.pop("scheduler", kept)}
            engine, scheduler = _run_section(section, "the run options")
            config = replace(config, engine=engine, scheduler=scheduler)
        aliases = {"weights": "weight"}
        for key, value in options.items():
            step = aliases.get(key, key)
            if key == "balance_weight":
                config = config.with_step("weight", balance_weight=_number(key, value, 0.0, 1.0))
            elif key in ("attraction_threshold", "exposure_threshold"):
                config = config.with_step("lens", None, **{key: _number(key, value)})
            elif key == "seed":
                config = replace(config, seed=_seed(value, "the run options"))
            elif key == "hotspots":
                config = replace(
                    config, hotspots=_hotspot_section({**dict(config.hotspots), **dict(value)}, "the run options")
                )
            elif key == "uncertainty":
                config = replace(config, uncertainty=_uncertainty_option(config.uncertainty, value))
            elif step in STEPS:
                if isinstance(value, Mapping):
                    spec = dict(value)
                    config = config.with_step(step, spec.pop("method", None), **spec)
                else:
                    config = config.with_step(step, str(value))
            else:
                raise ConfigError(
                    f"unknown run option {key!r}; use a step name ({', '.join(STEPS)}), balance_weight, "
                    "attraction_threshold, exposure_threshold, impute_group, screen_threshold, seed, hotspots, "
                    "uncertainty, engine or scheduler"
                )
        return config

    def step(self, name: str) -> StepConfig:
        """Return the configuration of step ``name``."""
        return self.steps[name]

    def with_step(self, name: str, method: str | None = None, **params: Any) -> RunConfig:
        """Return a copy with step ``name`` changed.

        A new ``method`` replaces the step's parameters; otherwise ``params`` are merged in.
        """
        if name not in STEPS:
            raise ConfigError(f"unknown step {name!r}; steps: {', '.join(STEPS)}")
        old = self.steps[name]
        if method is not None and method != old.method:
            kept = _KEPT_ACROSS_METHODS.get(name, frozenset())
            merged: dict[str, Any] = {k: v for k, v in old.params.items() if k in kept}
            merged.update(params)
            spec = {"method": method, **merged}
        else:
            spec = {**old.as_dict(), **params}
        new = dict(self.steps)
        new[name] = _step_config(name, spec, "the run options")
        return replace(self, steps=MappingProxyType(new))

    def to_dict(self) -> dict[str, Any]:
        """Return the profile as a plain dict (what :func:`profile_from_dict` reads back)."""
        out: dict[str, Any] = {}
        if self.regions is not None:
            out["regions"] = self.regions
        if self.custom is not None:
            out["custom"] = self.custom
        if self.coinr is not None:
            out["coinr"] = dict(self.coinr)
        out["seed"] = self.seed
        if self.framework is not None:
            out["framework"] = _plain(self.framework)
        for s in STEPS:
            out[SECTION_OF[s]] = _plain(self.steps[s].as_dict())
        if self.hotspots:
            out["hotspots"] = _plain(self.hotspots)
        if self.uncertainty is not None:
            out["uncertainty"] = _plain(self.uncertainty)
        if self.shortlist:
            out["shortlist"] = _plain(self.shortlist)
        if self.engine != "local" or self.scheduler is not None:
            out["run"] = _plain({"engine": self.engine, "scheduler": self.scheduler})
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


_TOP_KEYS = {
    "regions",
    "custom",
    "coinr",
    "seed",
    "framework",
    "hotspots",
    "shortlist",
    "uncertainty",
    "log",
    "run",
} | set(SECTION_OF.values())
#: How a shortlist ranks its regions: among all regions of the set, or among the shortlist.
SHORTLIST_RANKS = ("national", "within")


def _number(key: str, value: object, lo: float | None = None, hi: float | None = None) -> float:
    """A run option that must be a finite number (within ``[lo, hi]`` when given)."""
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        x = math.nan
    inside = (lo is None or x >= lo) and (hi is None or x <= hi)
    if isinstance(value, bool) or not math.isfinite(x) or not inside:
        span = f" from {lo:g} to {hi:g}" if lo is not None and hi is not None else ""
        raise ConfigError(f"{key} is {value!r}; use a finite number{span} (--{key.replace('_', '-')})")
    return x


def _uncertainty_section(section: object, where: str) -> Mapping[str, Any]:
    """Check an ``[uncertainty]`` section (see :mod:`ideopolis.index.uncertainty.spec`) and keep it as given."""
    from ideopolis.index.uncertainty.spec import spec_from_mapping

    if not isinstance(section, Mapping):
        raise ConfigError(f"[uncertainty] in {where} must be a table")
    spec_from_mapping(section, where=where)
    return MappingProxyType(dict(section))


def _uncertainty_option(current: Mapping[str, Any] | None, value: object) -> Mapping[str, Any] | None:
    """Apply the ``uncertainty`` run option: a number of draws, True (the defaults), a mapping, or False."""
    if value is False:
        return None
    base = dict(current or {})
    if value is True:
        return _uncertainty_section(base, "the run options")
    if isinstance(value, int) and not isinstance(value, bool):
        return _uncertainty_section({**base, "draws": value}, "the run options")
    if isinstance(value, Mapping):
        return _uncertainty_section({**base, **dict(value)}, "the run options")
    raise ConfigError(f"uncertainty is {value!r}; give a number of draws (e.g. 1000) or a table of [uncertainty] keys")


def _run_section(section: Mapping[str, Any], where: str) -> tuple[str, str | None]:
    """Check a ``[run]`` table (``engine``, ``scheduler``) and return the engine's canonical name and the address."""
    if not isinstance(section, Mapping):
        raise ConfigError(f"[run] in {where} must be a table")
    bad = set(section) - {"engine", "scheduler"}
    if bad:
        raise ConfigError(f"unknown key {sorted(bad)[0]!r} in [run] of {where}; valid keys: engine, scheduler")
    engine = section.get("engine") or "local"
    if not isinstance(engine, str):
        raise ConfigError(f"[run] engine is {engine!r} in {where}; use one of: {', '.join(ENGINES.names())}")
    engine = ENGINES.canonical(engine)
    scheduler = section.get("scheduler")
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
        raise ConfigError(f"[run] scheduler is {scheduler!r} in {where}; give an address such as 'tcp://HOST:8786'")
    if scheduler is not None and engine != "dask":
        fix = "add --engine dask" if where == "the run options" else 'add engine = "dask" to [run]'
        raise ConfigError(f"a scheduler ({scheduler}) in {where} needs the dask engine; fix: {fix}")
    return engine, None if scheduler is None else scheduler.strip()


def _seed(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value or value < 0:
        raise ConfigError(f"seed is {value!r} in {where}; use a whole number >= 0")
    return int(value)


def _hotspot_section(section: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    for key in section:
        if key not in HOTSPOT_DEFAULTS:
            raise ConfigError(
                f"unknown key {key!r} in [hotspots] of {where}; valid keys: {', '.join(sorted(HOTSPOT_DEFAULTS))}"
            )
    return MappingProxyType({k: v for k, v in section.items() if v is not None})


def shortlist_section(section: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    """Check a ``[shortlist]`` table: ``where`` (an expression) or ``ids`` (a list), and ``ranks``.

    Parameters
    ----------
    section : mapping
        The table.
    where : str
        How messages name the profile.

    Returns
    -------
    mapping
        The checked table (read-only).

    Raises
    ------
    ConfigError
        For an unknown key, a bad value, or both ``where`` and ``ids``.
    """
    if not isinstance(section, Mapping):
        raise ConfigError(f"[shortlist] in {where} must be a table")
    bad = set(section) - {"where", "ids", "ranks"}
    if bad:
        raise ConfigError(f"unknown key {sorted(bad)[0]!r} in [shortlist] of {where}; valid keys: ids, ranks, where")
    if "where" in section and not isinstance(section["where"], str):
        raise ConfigError(f'[shortlist] where in {where} must be a text (an expression such as "population > 1e6")')
    ids = section.get("ids")
    if ids is not None and (not isinstance(ids, list) or not all(isinstance(i, str) for i in ids)):
        raise ConfigError(f"[shortlist] ids in {where} must be a list of region ids (texts)")
    if "where" in section and ids is not None:
        raise ConfigError(f"[shortlist] of {where} has both where and ids; fix: keep one of them")
    ranks = section.get("ranks", "national")
    if ranks not in SHORTLIST_RANKS:
        raise ConfigError(f"[shortlist] ranks is {ranks!r} in {where}; use one of: {', '.join(SHORTLIST_RANKS)}")
    return MappingProxyType(dict(section))


def profile_from_dict(doc: Mapping[str, Any], *, where: str = "the profile", base: Path | None = None) -> RunConfig:
    """Validate a parsed profile and return its :class:`RunConfig`.

    Parameters
    ----------
    doc : mapping
        The parsed TOML.
    where : str
        How messages name the profile (its path).
    base : Path, optional
        The profile's folder: relative ``regions``, ``custom``, ``coinr`` and framework files resolve against it.

    Returns
    -------
    RunConfig

    Raises
    ------
    ConfigError
        Naming the first unknown key, bad value or misplaced setting, its section and the fix.

    Notes
    -----
    ``[log]`` (what a run did, written beside every output) is accepted and not read: a log replays as the
    profile it contains.

    Examples
    --------
    >>> profile_from_dict({"weights": {"balance_weight": 0.5}}).step("weight").params["balance_weight"]
    0.5
    >>> profile_from_dict({"lens": {"balance_weight": 0.5}})
    Traceback (most recent call last):
    ...
    ideopolis.errors.ConfigError: balance_weight is in [lens] of the profile; it weights the index's balance node, so it belongs in [weights]; fix: move it to [weights]
    """
    for key in doc:
        if key not in _TOP_KEYS:
            raise ConfigError(f"unknown key {key!r} in {where}; valid keys: {', '.join(sorted(_TOP_KEYS))}")
    steps = {}
    for s in STEPS:
        section = doc.get(SECTION_OF[s])
        if section is None:
            steps[s] = _default_step(s)
            continue
        if not isinstance(section, Mapping):
            raise ConfigError(f"[{SECTION_OF[s]}] in {where} must be a table")
        if s == "lens" and "balance_weight" in section:
            raise ConfigError(
                f"balance_weight is in [lens] of {where}; it weights the index's balance node, so it belongs in "
                "[weights]; fix: move it to [weights]"
            )
        spec = {**_DEFAULT_PARAMS.get(s, {}), **section} if "method" not in section else section
        if s == "weight" and "balance_weight" not in spec:
            spec = {**spec, "balance_weight": DEFAULT_BALANCE_WEIGHT}
        steps[s] = _step_config(s, spec, where)
    bw = steps["weight"].params.get("balance_weight")
    if bw is not None and not 0 <= float(bw) <= 1:
        raise ConfigError(f"balance_weight is {bw} in {where}; use a number between 0 and 1")
    fw = doc.get("framework")
    if fw is not None:
        if not isinstance(fw, Mapping):
            raise ConfigError(f"[framework] in {where} must be a table")
        bad = set(fw) - {"file", "nodes"}
        if bad:
            raise ConfigError(f"unknown key {sorted(bad)[0]!r} in [framework] of {where}; valid keys: file, nodes")
        fw = dict(fw)
        if "file" in fw and base is not None:
            fw["file"] = str((base / str(fw["file"])).resolve())
    regions = doc.get("regions")
    if regions is not None and base is not None and (base / str(regions)).exists():
        regions = str((base / str(regions)).resolve())
    custom = doc.get("custom")
    if custom is not None:
        custom = str((base / str(custom)).resolve()) if base is not None else str(custom)
    coinr = doc.get("coinr")
    if coinr is not None:
        if not isinstance(coinr, Mapping) or set(coinr) != {"data", "meta"}:
            raise ConfigError(f"[coinr] in {where} needs exactly two keys, data and meta (the iData and iMeta files)")
        coinr = {k: str((base / str(v)).resolve()) if base is not None else str(v) for k, v in coinr.items()}
        if regions is not None or custom is not None:
            raise ConfigError(f"{where} names both COINr input ([coinr]) and regions; fix: keep one of them")
    hot = doc.get("hotspots", {})
    if not isinstance(hot, Mapping):
        raise ConfigError(f"[hotspots] in {where} must be a table")
    unc = doc.get("uncertainty")
    shortlist = shortlist_section(doc.get("shortlist", {}), where)
    engine, scheduler = _run_section(doc.get("run", {}), where)
    return RunConfig(
        regions=None if regions is None else str(regions),
        framework=None if fw is None else MappingProxyType(fw),
        steps=MappingProxyType(steps),
        seed=_seed(doc.get("seed", DEFAULT_SEED), where),
        custom=custom,
        coinr=None if coinr is None else MappingProxyType(coinr),
        hotspots=_hotspot_section(hot, where),
        uncertainty=None if unc is None else _uncertainty_section(unc, where),
        shortlist=shortlist,
        engine=engine,
        scheduler=scheduler,
    )


def load_profile(path: str | Path) -> RunConfig:
    r"""Read a run profile (TOML), or a run log written beside an output, into a :class:`RunConfig`.

    Parameters
    ----------
    path : str or Path
        The ``.toml`` file.

    Returns
    -------
    RunConfig

    Raises
    ------
    ConfigError
        When the file is missing, is not valid TOML or holds an invalid setting (see :func:`profile_from_dict`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "client.run.toml"
    >>> _ = path.write_text('regions = "us-metros"\n[weights]\nbalance_weight = 0.4\n')
    >>> config = load_profile(path)
    >>> config.regions, config.step("weight").params["balance_weight"]
    ('us-metros', 0.4)
    """
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"profile {p} not found; check the path")
    try:
        require_regular_file(p, what="profile", max_bytes=MAX_TOML_BYTES)
        doc = parse_toml(p.read_text(encoding="utf-8"))
    except DataFileError as exc:
        raise ConfigError(f"cannot read profile {p}: {exc}") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read profile {p}: {exc}") from None
    return profile_from_dict(doc, where=str(p), base=p.parent)
