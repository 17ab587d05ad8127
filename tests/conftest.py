"""Shared fixtures: a synthetic region set and the path to COINr's ASEM example."""

from __future__ import annotations

from pathlib import Path

import pytest

from _synthetic import FakeRegionSet, make_region_set

ASEM = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "coinr-asem"


@pytest.fixture
def region_set() -> FakeRegionSet:
    return make_region_set()


@pytest.fixture
def asem_paths() -> tuple[Path, Path]:
    if not (ASEM / "asem_iData.csv").exists():
        pytest.skip("COINr ASEM example not found in ../shared/data/coinr-asem")
    return ASEM / "asem_iData.csv", ASEM / "asem_iMeta.csv"
