"""The pillar model, defined once: the default pillars, the sub-indices they feed and the index's node names.

DESIGN section 3: indicators feed five pillars. ``talent``, ``capital`` and ``knowledge_jobs`` make
``cluster_strength``; ``import_people`` (as the ``attraction`` node) against ``export_jobs`` (as the
``exposure`` node, which enters reflected) makes ``balance``; the ``ideopolis_index`` combines cluster
strength and balance with the balance weight. A manifest may declare more pillars (``[pillars]``), each
under cluster strength or directly under the index.

The manifest reader (:mod:`ideopolis.regions.manifest`) checks indicators' pillars against this model and the
framework builder (:func:`ideopolis.index.framework.default_framework`) builds the tree from it.

Examples
--------
>>> from ideopolis.index.pillars import DEFAULT_PILLARS
>>> [(p.name, p.parent, p.node) for p in DEFAULT_PILLARS.values()][-2:]
[('import_people', 'balance', 'attraction'), ('export_jobs', 'balance', 'exposure')]
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ATTRACTION",
    "BALANCE",
    "CLUSTER_PILLARS",
    "CLUSTER_STRENGTH",
    "DEFAULT_BALANCE_WEIGHT",
    "DEFAULT_PILLARS",
    "EXPOSURE",
    "INDEX",
    "LENS_PILLARS",
    "Pillar",
    "default_pillars",
]

INDEX = "ideopolis_index"
CLUSTER_STRENGTH = "cluster_strength"
BALANCE = "balance"
ATTRACTION = "attraction"
EXPOSURE = "exposure"
#: Weight of the balance in the index by default (cluster strength gets ``1 - w``); DESIGN section 3.
DEFAULT_BALANCE_WEIGHT = 0.25


@dataclass(frozen=True)
class Pillar:
    """A pillar of the framework: a default one or one a manifest declares under ``[pillars]``.

    Attributes
    ----------
    name : str
        The name indicators give as their ``pillar`` (``"talent"``).
    label : str
        How a person reads it (``"Talent"``).
    parent : str
        The node it feeds: ``cluster_strength``, ``balance`` or the index (``ideopolis_index``).
    node : str
        Its node code in the framework tree (the lens pillars become ``attraction`` and ``exposure``);
        default: ``name``.
    node_label : str
        The node's label in the tree; default: ``label``.
    direction : int
        +1, or -1 for a pillar that enters its parent reflected (exposure enters the balance that way).
    """

    name: str
    label: str
    parent: str = CLUSTER_STRENGTH
    node: str = ""
    node_label: str = ""
    direction: int = 1

    def __post_init__(self) -> None:
        """Default ``node`` to the name and ``node_label`` to the label."""
        if not self.node:
            object.__setattr__(self, "node", self.name)
        if not self.node_label:
            object.__setattr__(self, "node_label", self.label)

    @property
    def under_index(self) -> bool:
        """True when the pillar sits directly under the index (``parent`` ``ideopolis_index`` or ``index``)."""
        return self.parent in (INDEX, "index")


DEFAULT_PILLARS: dict[str, Pillar] = {
    "talent": Pillar("talent", "Talent"),
    "capital": Pillar("capital", "Capital"),
    "knowledge_jobs": Pillar("knowledge_jobs", "Knowledge jobs"),
    "import_people": Pillar(
        "import_people", "Import people (attraction)", BALANCE, ATTRACTION, "Attraction (import people)"
    ),
    "export_jobs": Pillar(
        "export_jobs", "Export jobs (exposure)", BALANCE, EXPOSURE, "Exposure (export jobs)", direction=-1
    ),
}
"""The five pillars of the default framework (DESIGN section 3), by name."""

#: The pillars that make cluster strength.
CLUSTER_PILLARS = tuple(n for n, p in DEFAULT_PILLARS.items() if p.parent == CLUSTER_STRENGTH)
#: The lens pillars and the node each becomes: ``{"import_people": "attraction", "export_jobs": "exposure"}``.
LENS_PILLARS = {n: p.node for n, p in DEFAULT_PILLARS.items() if p.parent == BALANCE}


def default_pillars() -> dict[str, Pillar]:
    """Return a fresh copy of the five default pillars by name.

    Returns
    -------
    dict of str to Pillar
        ``talent``, ``capital``, ``knowledge_jobs``, ``import_people``, ``export_jobs``.

    Examples
    --------
    >>> sorted(default_pillars())
    ['capital', 'export_jobs', 'import_people', 'knowledge_jobs', 'talent']
    """
    return dict(DEFAULT_PILLARS)
