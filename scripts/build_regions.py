"""Build the bundled region sets in data/regions/ from the official raw files.

Usage::

    uv run python scripts/build_regions.py [--shared PATH] [--only us-metros,...] [--out PATH]

The raw files are read from ``--shared``, else ``$IDEOPOLIS_SHARED_DATA``, else ``../shared/data``
relative to the repository. Output goes to ``data/regions/<set>/`` (or ``--out``). Rebuilding gives
byte-identical files.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from build import eu_nuts2, us_counties, us_metros  # noqa: E402
from build.us_common import load_us_sources  # noqa: E402
from build.us_geometry import build_faces  # noqa: E402

SETS = ("us-metros", "us-counties", "eu-nuts2")


def default_shared() -> Path:
    """Return the shared data root: ``$IDEOPOLIS_SHARED_DATA`` or ``../shared/data``."""
    env = os.environ.get("IDEOPOLIS_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=None, help="raw data root (default: ../shared/data)")
    parser.add_argument("--only", default=",".join(SETS), help="comma-separated sets to build")
    parser.add_argument("--out", type=Path, default=REPO / "data" / "regions", help="output root")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Build the requested region sets and print a short report."""
    args = parse_args(argv)
    shared = (args.shared or default_shared()).resolve()
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(only) - set(SETS))
    if unknown:
        print(
            f"error: unknown set(s) {', '.join(unknown)}; choose from {', '.join(SETS)}",
            file=sys.stderr,
        )
        return 2
    if not shared.is_dir():
        print(f"error: shared data folder not found: {shared}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    if {"us-metros", "us-counties"} & set(only):
        src = load_us_sources(shared)
        faces = build_faces(src)
        ctx = us_metros.lens_context(src, shared)
        if "us-metros" in only:
            report = us_metros.build(src, faces, shared, args.out / "us-metros", ctx)
            print(f"us-metros: {report}")
        if "us-counties" in only:
            report = us_counties.build(src, faces, args.out / "us-counties", ctx, shared)
            print(f"us-counties: {report}")
    if "eu-nuts2" in only:
        report = eu_nuts2.build(shared, args.out / "eu-nuts2")
        print(f"eu-nuts2: {report}")
    print(f"built {', '.join(only)} in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
