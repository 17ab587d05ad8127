"""Scoring a region set: the framework a run uses, and :func:`score_region_set`.

Builds and runs an :class:`~ideopolis.index.run.IndexRun` from a region set and a run profile.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

from ideopolis.errors import ConfigError
from ideopolis.index.framework import (
    Framework,
    default_framework,
    framework_from_csv,
    framework_from_mapping,
    framework_from_toml,
)
from ideopolis.index.pillars import BALANCE, CLUSTER_STRENGTH
from ideopolis.index.profile import RunConfig, load_profile
from ideopolis.index.run import IndexRun

if TYPE_CHECKING:
    from ideopolis.engines import ComputeEngine


class RegionSetLike(Protocol):
    """What :func:`score_region_set` reads from a region set (see ``ideopolis.regions.model``)."""

    @property
    def name(self) -> str:
        """Short name of the set."""

    @property
    def data(self) -> pd.DataFrame:
        """Indicator values (index = region id)."""

    @property
    def groups(self) -> pd.DataFrame:
        """Grouping columns."""

    @property
    def names(self) -> pd.Series:
        """Region names."""

    @property
    def indicators(self) -> Mapping[str, Any]:
        """Indicator metadata by column name."""

    @property
    def manifest(self) -> Any:
        """The manifest (for declared ``pillars``)."""


def _manifest_pillars(manifest: Any) -> Mapping[str, Any] | None:
    if manifest is None:
        return None
    if isinstance(manifest, Mapping):
        return manifest.get("pillars")
    pillars = getattr(manifest, "pillars", None)
    if pillars is None:
        extra = getattr(manifest, "extra", None)
        if isinstance(extra, Mapping):
            pillars = extra.get("pillars")
    return pillars if isinstance(pillars, Mapping) else None


def framework_for(rs: RegionSetLike, config: RunConfig) -> tuple[Framework, list[str]]:
    """Return the framework a run of ``rs`` uses: the profile's, or the default one from its metadata."""
    fw_spec = config.framework
    if fw_spec:
        if "file" in fw_spec:
            path = Path(str(fw_spec["file"]))
            fw = framework_from_csv(path) if path.suffix.lower() == ".csv" else framework_from_toml(path)
        else:
            fw = framework_from_mapping({"nodes": fw_spec.get("nodes", {})}, source="the profile")
        return fw, []
    bw = config.step("weight").params.get("balance_weight")
    built = default_framework(
        rs.indicators,
        balance_weight=0.25 if bw is None else float(bw),
        pillars=_manifest_pillars(rs.manifest),
    )
    return built.framework, list(built.notes)


def score_region_set(
    rs: RegionSetLike,
    profile: RunConfig | str | Path | None = None,
    *,
    compute: ComputeEngine | None = None,
    **options: Any,
) -> IndexRun:
    """Build and run the index for a region set.

    Parameters
    ----------
    rs : RegionSet
        A loaded region set (``ideopolis.regions.model.load_region_set``).
    profile : RunConfig or path, optional
        A run profile (default: the default run).
    **options
        Run options (:meth:`~ideopolis.index.profile.RunConfig.with_options`): a step name with a method
        (``normalise="zscore"``) or a mapping (``impute={"method": "group_mean", "group": "state"}``),
        ``balance_weight=``, ``attraction_threshold=``, ``exposure_threshold=``, ``impute_group=``,
        ``screen_threshold=``, ``seed=``.
    compute : ComputeEngine, optional
        Where the steps that split run (:mod:`ideopolis.engines`); default here. The numbers do not change.

    Returns
    -------
    IndexRun
        The finished run.

    Raises
    ------
    ConfigError
        For an unknown option, or a lens option (balance weight, typology thresholds) given for a framework
        without the lens: it would be silently ignored.
    """
    config = load_profile(profile) if isinstance(profile, str | Path) else (profile or RunConfig())
    config = config.with_options(**options)
    framework, notes = framework_for(rs, config)
    check_lens_options(framework, options)
    run = IndexRun(
        rs.data,
        framework,
        groups=rs.groups,
        denominators=rs.data,
        names=rs.names,
        config=config,
        notes=notes,
        name=region_set_ref(rs),
        compute=compute,
    )
    return run.run()


def region_set_ref(rs: RegionSetLike) -> str:
    """Return how a profile names ``rs``: its bundled name, else its folder's absolute path.

    Parameters
    ----------
    rs : RegionSet
        A loaded set.

    Returns
    -------
    str
    """
    from ideopolis.regions.datasets import is_bundled_name

    folder = getattr(rs, "path", None)
    if folder is None or is_bundled_name(rs.name):
        return rs.name
    return str(Path(folder).resolve())


LENS_OPTIONS = ("balance_weight", "attraction_threshold", "exposure_threshold")


def check_lens_options(framework: Framework, options: Mapping[str, Any]) -> None:
    """Refuse lens options for a framework without the lens, instead of ignoring them.

    Parameters
    ----------
    framework : Framework
        The run's framework.
    options : mapping
        The run options given explicitly (``None`` values are not given).

    Raises
    ------
    ConfigError
        Naming the option and why it cannot apply.
    """
    given = [k for k in LENS_OPTIONS if options.get(k) is not None]
    has_lens = BALANCE in framework and CLUSTER_STRENGTH in framework
    if given and not has_lens:
        flag = given[0].replace("_", "-")
        raise ConfigError(
            f"--{flag} ({given[0]}) applies to the lens (a balance of attraction against exposure beside cluster "
            "strength), and this framework has none; fix: drop the option"
        )
