"""Run profiles: a TOML file that holds a whole run, read into a frozen, validated :class:`RunConfig`.

A profile (every section optional; unknown keys are rejected with the key named)::

    regions = "us-metros"              # bundled name or folder

    [framework]                        # default: the region set's metadata (DESIGN section 3)
    file = "my-framework.toml"         # a framework TOML or CSV (relative to the profile), or
    # [framework.nodes.talent] ...     # nodes inline

    [denominate]
    method = "by_metadata"             # or "none"

    [impute]
    method = "group_mean"              # none | mean | median | group_mean | group_median
    group = "state"

    [screen]
    method = "by_na"                   # by_na | by_zeros | by_na_and_zeros | none
    threshold = 0.66

    [treat]
    method = "coinr"                   # coinr | winsorise | none
    winmax = 5

    [normalise]
    method = "minmax"
    l_u = [0, 100]
    [normalise.indicators.patents_per_100k]
    method = "prank"

    [weights]
    method = "manual"                  # framework | equal | manual | pca | peer_group
    weights = { talent = 2 }

    [aggregate]
    method = "arithmetic"
    by_level = { "3" = "geometric" }
    threshold = 0.5

    [lens]
    balance_weight = 0.25
    attraction_threshold = 50          # default: the median
    exposure_threshold = 50
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ideopolis.errors import ConfigError
from ideopolis.index.framework import DEFAULT_BALANCE_WEIGHT
from ideopolis.index.steps.aggregate import AGGREGATORS
from ideopolis.index.steps.denominate import DENOMINATORS
from ideopolis.index.steps.impute import IMPUTERS
from ideopolis.index.steps.normalise import NORMALISERS
from ideopolis.index.steps.screen import SCREENS
from ideopolis.index.steps.treat import TREATMENTS
from ideopolis.index.steps.weights import WEIGHTERS
from ideopolis.registry import Registry

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
    "aggregate": frozenset({"p", "by_level", "by_node", "threshold", "threshold_by_level", "threshold_by_node"}),
    "lens": frozenset({"attraction_threshold", "exposure_threshold"}),
}

#: the profile's section name for each step (``weights`` reads better in a TOML than ``weight``)
SECTION_OF = {s: ("weights" if s == "weight" else s) for s in STEPS}

_DEFAULT_METHODS = {
    "denominate": "by_metadata",
    "impute": "none",
    "screen": "by_na",
    "treat": "coinr",
    "normalise": "minmax",
    "weight": "framework",
    "aggregate": "arithmetic",
    "lens": "quadrants",
}
_DEFAULT_PARAMS: dict[str, dict[str, Any]] = {
    "screen": {"threshold": 2 / 3},
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
    """A whole run: region set, framework source and every step's method and parameters."""

    regions: str | None = None
    framework: Mapping[str, Any] | None = None
    steps: Mapping[str, StepConfig] = field(
        default_factory=lambda: MappingProxyType({s: _default_step(s) for s in STEPS})
    )

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
            merged: dict[str, Any] = {k: v for k, v in old.params.items() if name == "weight" and k == "balance_weight"}
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
        if self.framework is not None:
            out["framework"] = _plain(self.framework)
        for s in STEPS:
            out[SECTION_OF[s]] = _plain(self.steps[s].as_dict())
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


_TOP_KEYS = {"regions", "framework", "log"} | set(SECTION_OF.values())


def profile_from_dict(doc: Mapping[str, Any], *, where: str = "the profile", base: Path | None = None) -> RunConfig:
    """Validate a parsed profile and return its :class:`RunConfig`.

    ``[log]`` (written by :meth:`ideopolis.index.run.IndexRun.save_log`) is accepted and ignored.
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
    return RunConfig(
        regions=None if regions is None else str(regions),
        framework=None if fw is None else MappingProxyType(fw),
        steps=MappingProxyType(steps),
    )


def load_profile(path: str | Path) -> RunConfig:
    """Read a run profile (TOML) into a :class:`RunConfig`."""
    p = Path(path)
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"profile {p} not found; check the path") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read profile {p}: {exc}") from None
    return profile_from_dict(doc, where=str(p), base=p.parent)
