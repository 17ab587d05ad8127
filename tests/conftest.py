"""Shared fixtures: the toy region set, the raw official data (when present), a CLI runner."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ._synthetic import FakeRegionSet, make_region_set

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
TOY = TESTS / "data" / "toy"
#: The raw official files (never committed); tests that need them skip when they are absent.
SHARED_DATA = Path(os.environ.get("IDEOPOLIS_SHARED_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture
def toy_dir(tmp_path: Path) -> Path:
    """A writable copy of the toy region set."""
    target = tmp_path / "toy"
    shutil.copytree(TOY, target)
    return target


@pytest.fixture
def runner() -> CliRunner:
    """A typer CLI runner."""
    return CliRunner()


@pytest.fixture
def shared_data() -> Path:
    """The raw official files in ../shared/data, or skip."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"raw official data not found at {SHARED_DATA}")
    return SHARED_DATA


# -- engine fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def region_set() -> FakeRegionSet:
    """A synthetic region set with the five default pillars (no files)."""
    return make_region_set()


#: COINr's ASEM example, re-serialised from the raw export (tests/data/coinr-asem/README.md).
ASEM = TESTS / "data" / "coinr-asem"


@pytest.fixture
def asem_paths() -> tuple[Path, Path]:
    """COINr's ASEM example (iData, iMeta), committed under tests/data/coinr-asem."""
    return ASEM / "asem_iData.csv", ASEM / "asem_iMeta.csv"


# -- maps -------------------------------------------------------------------------------------------------

#: The bundled sets every map test draws.
MAP_SETS = ("us-metros", "us-counties", "eu-nuts2")


@pytest.fixture(scope="session")
def bundled_maps() -> dict[str, Any]:
    """The offline map of each bundled set (default run, its hotspot layer), built once per session."""
    import ideopolis as ideo

    return {name: ideo.score(name).map(offline=True) for name in MAP_SETS}
