"""The ``ideopolis`` command line: a thin typer layer over the library.

Each command module registers its commands on :data:`ideopolis.cli._app.app` when imported here.
"""

from __future__ import annotations

from ideopolis.cli import clusters as _clusters  # noqa: F401  (registers clusters)
from ideopolis.cli import data as _data  # noqa: F401  (registers datasets, validate, custom)
from ideopolis.cli import decide as _decide  # noqa: F401  (registers peers, whatif, compare)
from ideopolis.cli import hotspots as _hotspots  # noqa: F401  (registers hotspots)
from ideopolis.cli import map as _map  # noqa: F401  (registers map)
from ideopolis.cli import report as _report  # noqa: F401  (registers profile, methods)
from ideopolis.cli import score as _score  # noqa: F401  (registers score)
from ideopolis.cli._app import app

__all__ = ["app", "main"]


def main() -> None:
    """Run the ``ideopolis`` command line."""
    app()
