"""The indicator framework: a tree of indicators, pillars, sub-indices and the index.

A :class:`Framework` is a validated tree of :class:`Node` objects. Leaves are indicators (level 1);
every other node is an aggregate whose level is one more than its highest child, so trees of any depth
and of uneven depth work (an indicator may sit directly under the index next to pillars). Each node has a
``weight`` (relative to its siblings) and a ``direction``: for an indicator, +1 when more is better and -1
when less is better (the normalise step flips it); for an aggregate, -1 means its score enters its parent
reflected on the normalised scale (how *exposure* enters the *balance*, see :mod:`ideopolis.index.lens`).

Builders read a tree from records (:func:`framework_from_records`), a TOML file
(:func:`framework_from_toml`), a CSV file (:func:`framework_from_csv`), a COINr ``iMeta`` table
(:func:`framework_from_imeta`), or a region set's indicator metadata (:func:`default_framework`), which
gives the default model of DESIGN section 3::

    ideopolis_index
    ├── cluster_strength         weight 1 - w
    │   ├── talent               indicators with pillar "talent"
    │   ├── capital
    │   └── knowledge_jobs       (+ pillars declared in the manifest with this parent)
    └── balance                  weight w  (the balance weight, ``--balance-weight``)
        ├── attraction           indicators with pillar "import_people"
        └── exposure  (dir -1)   indicators with pillar "export_jobs"
"""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from ideopolis.errors import ConfigError, DataFileError, FrameworkError
from ideopolis.index.pillars import (
    ATTRACTION,
    BALANCE,
    CLUSTER_PILLARS,
    CLUSTER_STRENGTH,
    DEFAULT_BALANCE_WEIGHT,
    DEFAULT_PILLARS,
    EXPOSURE,
    INDEX,
    LENS_PILLARS,
    Pillar,
)
from ideopolis.safety import MAX_TOML_BYTES, parse_toml, require_regular_file

__all__ = [
    "ATTRACTION",
    "BALANCE",
    "CLUSTER_PILLARS",
    "CLUSTER_STRENGTH",
    "DEFAULT_BALANCE_WEIGHT",
    "EXPOSURE",
    "INDEX",
    "DefaultFramework",
    "Framework",
    "Node",
    "default_framework",
    "flat_framework",
    "framework_from_csv",
    "framework_from_imeta",
    "framework_from_mapping",
    "framework_from_records",
    "framework_from_toml",
]


@dataclass(frozen=True)
class Node:
    """One node of the framework tree.

    Parameters
    ----------
    code : str
        Unique code: an indicator column name or an aggregate's name.
    parent : str or None
        Code of the aggregate this node belongs to; ``None`` for the root (the index).
    indicator : bool
        ``True`` for an indicator (a leaf that reads a data column).
    weight : float
        Weight relative to the node's siblings (default 1).
    direction : int
        +1 or -1 (see the module docstring).
    label : str
        Human-readable name.
    unit : str
        Unit of an indicator's stored value.
    denominator : str or None
        Column to divide the indicator by in the denominate step (COINr's ``Denominator``).
    target : float or None
        Target value for the distance-to-target normalisation.
    """

    code: str
    parent: str | None
    indicator: bool = True
    weight: float = 1.0
    direction: int = 1
    label: str = ""
    unit: str = ""
    denominator: str | None = None
    target: float | None = None


def _norm_direction(value: object, code: str) -> int:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value == "":
        return 1
    text = str(value).strip().lower()
    table = {"1": 1, "+1": 1, "+": 1, "positive": 1, "1.0": 1, "-1": -1, "-": -1, "negative": -1}
    table["-1.0"] = -1
    if text not in table:
        raise FrameworkError(f"direction of {code!r} is {value!r}; use 1 (more is better) or -1 (less is better)")
    return table[text]


@dataclass(frozen=True)
class Framework:
    """A validated indicator tree.

    Build one with a ``framework_from_*`` function or ``Framework(nodes)``; construction validates:
    duplicate codes, unknown parents, cycles, more than one root, aggregates without children,
    indicators with children, negative or non-finite weights and directions other than +1/-1 each
    raise :class:`~ideopolis.errors.FrameworkError` naming the node and the fix.
    """

    nodes: tuple[Node, ...]
    _by_code: dict[str, Node] = field(init=False, repr=False, compare=False)
    _children: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)
    _levels: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        nodes = tuple(self.nodes)
        object.__setattr__(self, "nodes", nodes)
        by_code: dict[str, Node] = {}
        for node in nodes:
            if node.code in by_code:
                raise FrameworkError(f"framework node {node.code!r} is defined twice; give each node a unique code")
            if not np.isfinite(node.weight) or node.weight < 0:
                raise FrameworkError(f"weight of {node.code!r} is {node.weight}; weights must be finite and >= 0")
            if node.direction not in (1, -1):
                raise FrameworkError(f"direction of {node.code!r} is {node.direction}; use 1 or -1")
            by_code[node.code] = node
        if not by_code:
            raise FrameworkError("the framework has no nodes; give it at least one indicator")
        children: dict[str, list[str]] = {code: [] for code in by_code}
        roots = []
        for node in nodes:
            if node.parent is None:
                roots.append(node.code)
                continue
            if node.parent not in by_code:
                raise FrameworkError(
                    f"{node.code!r} names parent {node.parent!r}, which is not in the framework; "
                    f"add an aggregate {node.parent!r} or correct the parent"
                )
            children[node.parent].append(node.code)
        self._check_cycles(by_code)
        if len(roots) != 1:
            what = ", ".join(repr(r) for r in roots) if roots else "none"
            raise FrameworkError(
                f"the framework must have exactly one root (the index) but has {what}; "
                "give every other top node a parent"
            )
        for code, kids in children.items():
            node = by_code[code]
            if node.indicator and kids:
                raise FrameworkError(
                    f"indicator {code!r} has children ({', '.join(kids)}); "
                    "only aggregates can have children: mark it as an aggregate"
                )
            if not node.indicator and not kids:
                raise FrameworkError(f"aggregate {code!r} has no children; give it indicators or remove it")
        object.__setattr__(self, "_by_code", by_code)
        object.__setattr__(self, "_children", {k: tuple(v) for k, v in children.items()})
        levels: dict[str, int] = {}
        for code in self._postorder(roots[0]):
            kids_of = children[code]
            levels[code] = 1 if not kids_of else 1 + max(levels[k] for k in kids_of)
        object.__setattr__(self, "_levels", levels)

    @staticmethod
    def _check_cycles(by_code: Mapping[str, Node]) -> None:
        state: dict[str, int] = {}
        for start in by_code:
            path: list[str] = []
            code: str | None = start
            while code is not None and state.get(code, 0) == 0:
                state[code] = 1
                path.append(code)
                code = by_code[code].parent
            if code is not None and state.get(code) == 1:
                cycle = [*path[path.index(code) :], code]
                raise FrameworkError(
                    "the framework has a cycle: " + " -> ".join(cycle) + f"; change the parent of {cycle[0]!r}"
                )
            for c in path:
                state[c] = 2

    def _postorder(self, code: str) -> Iterator[str]:
        for kid in self._children[code]:
            yield from self._postorder(kid)
        yield code

    # -- queries -------------------------------------------------------------------------------
    @property
    def root(self) -> str:
        """Code of the root node (the index)."""
        return next(n.code for n in self.nodes if n.parent is None)

    @property
    def indicators(self) -> list[str]:
        """Indicator codes in framework order."""
        return [n.code for n in self.nodes if n.indicator]

    @property
    def aggregates(self) -> list[str]:
        """Aggregate codes, children before parents (the order aggregation runs in)."""
        return [c for c in self._postorder(self.root) if not self._by_code[c].indicator]

    @property
    def max_level(self) -> int:
        """Level of the root."""
        return self._levels[self.root]

    def node(self, code: str) -> Node:
        """Return the node ``code`` or raise ``FrameworkError`` listing valid codes."""
        try:
            return self._by_code[code]
        except KeyError:
            raise FrameworkError(f"{code!r} is not in the framework; valid codes: {', '.join(self._by_code)}") from None

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def children(self, code: str) -> tuple[str, ...]:
        """Codes of the children of ``code``."""
        self.node(code)
        return self._children[code]

    def level(self, code: str) -> int:
        """Level of ``code``: 1 for indicators, 1 + the highest child level for aggregates."""
        self.node(code)
        return self._levels[code]

    def descendants(self, code: str) -> list[str]:
        """Return the indicator codes under ``code`` (``[code]`` for an indicator)."""
        return [c for c in self._postorder(code) if self._by_code[c].indicator]

    def ancestors(self, code: str) -> list[str]:
        """Codes from the parent of ``code`` up to the root."""
        out = []
        parent = self.node(code).parent
        while parent is not None:
            out.append(parent)
            parent = self._by_code[parent].parent
        return out

    @property
    def weights(self) -> pd.Series:
        """Node weights (relative to siblings), indexed by code."""
        return pd.Series({n.code: float(n.weight) for n in self.nodes}, name="weight")

    @property
    def directions(self) -> pd.Series:
        """Node directions, indexed by code."""
        return pd.Series({n.code: int(n.direction) for n in self.nodes}, name="direction")

    def with_weights(self, weights: Mapping[str, float]) -> Framework:
        """Return a copy with some node weights replaced.

        Raises ``FrameworkError`` naming any code that is not in the framework.
        """
        unknown = [c for c in weights if c not in self._by_code]
        if unknown:
            raise FrameworkError(
                f"weight given for {', '.join(repr(u) for u in unknown)}, which is not in the "
                f"framework; valid codes: {', '.join(self._by_code)}"
            )
        return Framework(
            tuple(replace(n, weight=float(weights[n.code])) if n.code in weights else n for n in self.nodes)
        )

    def restricted_to(self, indicators: Iterable[str]) -> Framework:
        """Return the framework keeping only ``indicators`` (aggregates left empty are pruned)."""
        keep = set(indicators)
        nodes = [n for n in self.nodes if not n.indicator or n.code in keep]
        while True:
            has_kids = {n.parent for n in nodes if n.parent is not None}
            pruned = [n for n in nodes if n.indicator or n.code in has_kids]
            if len(pruned) == len(nodes):
                break
            nodes = pruned
        return Framework(tuple(nodes))

    def to_frame(self) -> pd.DataFrame:
        """Return the framework as a table in COINr's iMeta spirit (one row per node)."""
        rows = [
            {
                "code": n.code,
                "parent": n.parent,
                "level": self._levels[n.code],
                "type": "indicator" if n.indicator else "aggregate",
                "weight": n.weight,
                "direction": n.direction,
                "label": n.label,
                "unit": n.unit,
                "denominator": n.denominator,
                "target": n.target,
            }
            for n in self.nodes
        ]
        return pd.DataFrame(rows).set_index("code")


# -- builders --------------------------------------------------------------------------------------

_RECORD_KEYS = {
    "code",
    "parent",
    "type",
    "weight",
    "direction",
    "label",
    "unit",
    "denominator",
    "target",
    "level",
}


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value == ""


def framework_from_records(records: Sequence[Mapping[str, Any]], *, source: str = "") -> Framework:
    """Build a framework from one mapping per node.

    Keys: ``code`` (required), ``parent``, ``type`` (``indicator`` or ``aggregate``; default: an
    aggregate if some node names it as parent, else an indicator), ``weight``, ``direction``,
    ``label``, ``unit``, ``denominator``, ``target``; ``level`` is accepted and ignored (levels follow
    from the tree).
    """
    where = f" in {source}" if source else ""
    parents = {str(r["parent"]) for r in records if not _blank(r.get("parent"))}
    nodes = []
    for i, rec in enumerate(records):
        unknown = set(rec) - _RECORD_KEYS
        if unknown:
            raise FrameworkError(
                f"unknown framework field {sorted(unknown)[0]!r}{where} (node {i + 1}); "
                f"valid fields: {', '.join(sorted(_RECORD_KEYS))}"
            )
        if _blank(rec.get("code")):
            raise FrameworkError(f"framework node {i + 1}{where} has no code; give it a code")
        code = str(rec["code"])
        kind = rec.get("type")
        if _blank(kind):
            indicator = code not in parents
        elif str(kind).lower() in ("indicator", "ind"):
            indicator = True
        elif str(kind).lower() in ("aggregate", "agg"):
            indicator = False
        else:
            raise FrameworkError(f"type of {code!r}{where} is {kind!r}; use 'indicator' or 'aggregate'")
        weight = rec.get("weight")
        try:
            w = 1.0 if _blank(weight) else float(weight)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise FrameworkError(f"weight of {code!r}{where} is {weight!r}; use a number >= 0") from None
        target = rec.get("target")
        nodes.append(
            Node(
                code=code,
                parent=None if _blank(rec.get("parent")) else str(rec["parent"]),
                indicator=indicator,
                weight=w,
                direction=_norm_direction(rec.get("direction"), code),
                label="" if _blank(rec.get("label")) else str(rec["label"]),
                unit="" if _blank(rec.get("unit")) else str(rec["unit"]),
                denominator=None if _blank(rec.get("denominator")) else str(rec["denominator"]),
                target=None if _blank(target) else float(target),  # type: ignore[arg-type]
            )
        )
    return Framework(tuple(nodes))


def framework_from_toml(path: str | Path) -> Framework:
    """Read a framework from TOML: one ``[nodes.CODE]`` table per node (fields as in records).

    Example::

        [nodes.ideopolis_index]
        type = "aggregate"
        [nodes.talent]
        parent = "ideopolis_index"
        [nodes.ba_plus_share]
        parent = "talent"
        direction = 1
    """
    p = Path(path)
    try:
        require_regular_file(p, what="framework file", max_bytes=MAX_TOML_BYTES)
        doc = parse_toml(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, DataFileError) as exc:
        raise ConfigError(f"cannot read framework {p}: {exc}") from None
    return framework_from_mapping(doc, source=str(p))


def framework_from_mapping(doc: Mapping[str, Any], *, source: str = "") -> Framework:
    """Build a framework from a parsed TOML document (``{"nodes": {code: {...}}}``)."""
    extra = set(doc) - {"nodes"}
    if extra:
        raise ConfigError(f"unknown key {sorted(extra)[0]!r} in framework {source}; a framework has only [nodes.*]")
    nodes = doc.get("nodes")
    if not isinstance(nodes, Mapping) or not nodes:
        raise ConfigError(f"framework {source} has no [nodes.CODE] tables; add one per node")
    records = [{"code": code, **dict(spec)} for code, spec in nodes.items()]
    return framework_from_records(records, source=source)


def framework_from_csv(path: str | Path) -> Framework:
    """Read a framework from CSV with columns ``code, parent[, type, weight, direction, ...]``.

    COINr iMeta CSVs (``iCode``, ``Parent``, ``Type``, ...) are recognised and read with
    :func:`framework_from_imeta`.
    """
    p = Path(path)
    try:
        with p.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise ConfigError(f"cannot read framework {p}: {exc}") from None
    if rows and "iCode" in rows[0]:
        return framework_from_imeta(pd.read_csv(p))
    if not rows or "code" not in rows[0]:
        raise ConfigError(f"framework CSV {p} needs a 'code' column (and 'parent'); found none")
    return framework_from_records([{k: v for k, v in r.items() if k} for r in rows], source=str(p))


def framework_from_imeta(imeta: pd.DataFrame) -> Framework:
    """Build a framework from a COINr ``iMeta`` table.

    Rows of ``Type`` Indicator and Aggregate become nodes; Denominator, Group and other rows are
    ignored. ``Direction``, ``Weight``, ``Unit``, ``Target``, ``Denominator`` and ``Parent`` are read
    as they are.
    """
    missing = [c for c in ("iCode", "Parent", "Type") if c not in imeta.columns]
    if missing:
        raise FrameworkError(f"iMeta is missing column {missing[0]!r}; COINr's iMeta needs iCode, Parent and Type")
    rows = imeta[imeta["Type"].astype(str).isin(["Indicator", "Aggregate"])]
    records = []
    for _, r in rows.iterrows():
        records.append(
            {
                "code": r["iCode"],
                "parent": r.get("Parent"),
                "type": "indicator" if r["Type"] == "Indicator" else "aggregate",
                "weight": r.get("Weight"),
                "direction": r.get("Direction"),
                "label": r.get("iName"),
                "unit": r.get("Unit"),
                "denominator": r.get("Denominator"),
                "target": r.get("Target"),
            }
        )
    return framework_from_records(records, source="iMeta")


class IndicatorMetaLike(Protocol):
    """What :func:`default_framework` reads from a region set's indicator metadata."""

    name: str
    label: str
    unit: str
    pillar: str | None
    direction: int
    weight: float
    denominate_by: str | None


@dataclass(frozen=True)
class DefaultFramework:
    """A default framework and the notes on how it was built (lens on or off, and why)."""

    framework: Framework
    notes: tuple[str, ...]
    lens: bool


def default_framework(
    indicator_metas: Mapping[str, IndicatorMetaLike],
    *,
    balance_weight: float = DEFAULT_BALANCE_WEIGHT,
    pillars: Mapping[str, Any] | None = None,
) -> DefaultFramework:
    """Build the default framework of DESIGN section 3 from a region set's indicator metadata.

    Parameters
    ----------
    indicator_metas : mapping
        Indicator name -> metadata (``pillar``, ``direction``, ``weight``, ``label``, ``unit``,
        ``denominate_by``). Indicators without a pillar are auxiliary and not scored.
    balance_weight : float
        Weight ``w`` of the balance in the index; cluster strength gets ``1 - w``.
    pillars : mapping, optional
        Pillars declared in the manifest: name -> ``{"label": ..., "parent": ...}`` or an object with
        ``label`` and ``parent`` (:class:`~ideopolis.index.pillars.Pillar`). A parent ``index``/``ideopolis_index`` puts the
        pillar directly under the index; anything else under ``cluster_strength``.

    Returns
    -------
    DefaultFramework
        The framework, notes (e.g. "no export_jobs indicators: the lens is off") and whether the
        lens (attraction, exposure, balance) is in the tree.

    Notes
    -----
    A manifest direction is relative to the indicator's *pillar* (``IndicatorMeta``: "1 when more is
    better for the pillar"). For ``export_jobs`` that means +1 = more exposed (the teleworkable share
    of jobs). The ``exposure`` pillar enters ``balance`` with direction -1, which gives export jobs the
    "-" for the index of DESIGN section 3.

    When none of the scored indicators has a default pillar, the framework is built from the
    pillars that are there (each under the index) with pillar-less indicators directly under the
    index; with no pillars at all it is flat (every indicator under the index).
    """

    def spec_of(pillar: str) -> tuple[str, str]:
        spec = (pillars or {}).get(pillar)
        if spec is None:
            default = DEFAULT_PILLARS.get(pillar)
            return (default.label if default else pillar), CLUSTER_STRENGTH
        if isinstance(spec, Mapping):
            spec = Pillar(pillar, str(spec.get("label") or pillar), str(spec.get("parent") or CLUSTER_STRENGTH))
        elif not isinstance(spec, Pillar):
            spec = Pillar(
                pillar, str(getattr(spec, "label", "") or pillar), str(getattr(spec, "parent", CLUSTER_STRENGTH))
            )
        return spec.label or pillar, INDEX if spec.under_index else CLUSTER_STRENGTH

    if not 0 <= balance_weight <= 1:
        raise ConfigError(f"balance weight is {balance_weight}; use a number between 0 and 1")
    scored = {k: m for k, m in indicator_metas.items() if m.pillar}
    notes: list[str] = []

    def ind_node(meta: IndicatorMetaLike, parent: str) -> Node:
        d = _norm_direction(meta.direction, meta.name)
        return Node(
            code=meta.name,
            parent=parent,
            indicator=True,
            weight=float(meta.weight if meta.weight is not None else 1.0),
            direction=d,
            label=meta.label or meta.name,
            unit=meta.unit or "",
            denominator=meta.denominate_by,
        )

    if not scored:
        if not indicator_metas:
            raise FrameworkError("no indicators to score; declare at least one indicator")
        notes.append("no indicator has a pillar: flat framework (every indicator -> index)")
        nodes = [Node(INDEX, None, indicator=False, label="Ideopolis index")]
        nodes += [ind_node(m, INDEX) for m in indicator_metas.values()]
        return DefaultFramework(Framework(tuple(nodes)), tuple(notes), lens=False)

    by_pillar: dict[str, list[IndicatorMetaLike]] = {}
    for meta in scored.values():
        by_pillar.setdefault(str(meta.pillar), []).append(meta)

    if not any(p in DEFAULT_PILLARS for p in by_pillar):
        notes.append("no indicator is in a default pillar: each pillar sits directly under the index")
        nodes = [Node(INDEX, None, indicator=False, label="Ideopolis index")]
        for pillar, metas in by_pillar.items():
            nodes.append(Node(pillar, INDEX, indicator=False, label=spec_of(pillar)[0]))
            nodes += [ind_node(m, pillar) for m in metas]
        return DefaultFramework(Framework(tuple(nodes)), tuple(notes), lens=False)

    has_attr = "import_people" in by_pillar
    has_expo = "export_jobs" in by_pillar
    lens = has_attr and has_expo
    cluster_pillars = [p for p in by_pillar if p not in LENS_PILLARS]
    nodes = [Node(INDEX, None, indicator=False, label="Ideopolis index")]
    if cluster_pillars:
        nodes.append(
            Node(
                CLUSTER_STRENGTH,
                INDEX,
                indicator=False,
                weight=(1 - balance_weight) if lens else 1.0,
                label="Cluster strength",
            )
        )
    for pillar in cluster_pillars:
        label, parent = spec_of(pillar)
        nodes.append(Node(pillar, parent, indicator=False, label=label))
        nodes += [ind_node(m, pillar) for m in by_pillar[pillar]]
    if lens:
        nodes.append(
            Node(
                BALANCE,
                INDEX,
                indicator=False,
                weight=balance_weight if cluster_pillars else 1.0,
                label="Balance (import people vs export jobs)",
            )
        )
        for lens_pillar in ("import_people", "export_jobs"):
            p = DEFAULT_PILLARS[lens_pillar]
            nodes.append(Node(p.node, BALANCE, indicator=False, direction=p.direction, label=p.node_label))
        nodes += [ind_node(m, ATTRACTION) for m in by_pillar["import_people"]]
        nodes += [ind_node(m, EXPOSURE) for m in by_pillar["export_jobs"]]
    else:
        for have, pillar, other in (
            (has_attr, "import_people", "export_jobs"),
            (has_expo, "export_jobs", "import_people"),
        ):
            if have:
                left = ", ".join(m.name for m in by_pillar[pillar])
                notes.append(
                    f"no {other} indicators: the lens (attraction, exposure, balance, typology) is "
                    f"off and the {pillar} indicators ({left}) are not scored"
                )
        if not has_attr and not has_expo:
            notes.append("no import_people or export_jobs indicators: the lens is off; the index is cluster strength")
    if not cluster_pillars and not lens:
        raise FrameworkError(
            "no indicators left to score: the only pillar present is one side of the lens; "
            "add indicators for the other side (import_people / export_jobs) or a cluster pillar"
        )
    return DefaultFramework(Framework(tuple(nodes)), tuple(notes), lens=lens)


def flat_framework(indicators: Sequence[str], *, directions: Mapping[str, int] | None = None) -> Framework:
    """Return a framework with every indicator directly under the index."""
    directions = directions or {}
    nodes = [Node(INDEX, None, indicator=False, label="Ideopolis index")]
    nodes += [Node(c, INDEX, direction=int(directions.get(c, 1))) for c in indicators]
    return Framework(tuple(nodes))
