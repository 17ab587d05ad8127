"""Every deliberately broken region set gets its own specific one-line message and the right exit code."""

from __future__ import annotations

import filecmp
import importlib.util
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ideopolis.cli import app
from ideopolis.regions.model import validate_region_set

BROKEN = Path(__file__).resolve().parent / "broken"
CASES = sorted(p.name for p in BROKEN.iterdir() if (p / "expected.toml").is_file())


def _expected(case: str) -> dict[str, object]:
    return tomllib.loads((BROKEN / case / "expected.toml").read_text(encoding="utf-8"))


def test_the_catalogue_has_at_least_25_cases() -> None:
    assert len(CASES) >= 25


@pytest.mark.parametrize("case", CASES)
def test_validate_prints_the_specific_message(case: str, runner: CliRunner) -> None:
    expected = _expected(case)
    result = runner.invoke(app, ["validate", str(BROKEN / case)])
    assert result.exit_code == expected["exit"], result.output
    lines = result.stdout.splitlines()
    matching = [line for line in lines if str(expected["expect"]) in line]
    assert matching, f"no line contains {expected['expect']!r}:\n{result.stdout}"
    # one problem, one line: each line starts with its severity
    assert all(line.startswith(("error: ", "warning: ")) for line in lines)
    severity = "error: " if expected["exit"] == 1 else "warning: "
    assert matching[0].startswith(severity)
    assert "Traceback" not in result.output


@pytest.mark.parametrize("case", CASES)
def test_the_report_names_the_check(case: str) -> None:
    report = validate_region_set(BROKEN / case)
    assert _expected(case)["code"] in report.codes()
    assert report.ok == (_expected(case)["exit"] == 0)


def test_loading_a_broken_set_is_one_line_naming_the_first_error(runner: CliRunner) -> None:
    result = runner.invoke(app, ["datasets", "--regions", str(BROKEN / "non-numeric")])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "column 'income_pc': 1 value is not a number" in result.stderr
    assert "run 'ideopolis validate" in result.stderr


def test_the_generator_reproduces_the_committed_catalogue(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_catalogue", BROKEN / "make_catalogue.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_catalogue"] = module  # dataclasses look their module up by name
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules["make_catalogue"]
    names = module.build(tmp_path)
    assert sorted(names) == CASES
    for case in CASES:
        cmp = filecmp.dircmp(BROKEN / case, tmp_path / case)
        assert not (cmp.left_only or cmp.right_only or cmp.diff_files), (case, cmp.diff_files)
