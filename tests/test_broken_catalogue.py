"""Every deliberately broken input gets its own specific message (or the right answer) and the right exit code.

Each case folder under ``tests/broken/`` holds its inputs and an ``expected.toml``: the command to run
(``ideopolis validate <case>`` unless it says otherwise), the exit code, a text the output must contain,
and optionally the files the command must write, a second command whose output must be the same, and a
time limit. Whatever the case, the command must end within its limit (no hang), print no traceback, write
nothing outside the output folder it was given, and leave no partial output when it fails.
"""

from __future__ import annotations

import filecmp
import hashlib
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from ideopolis.cli import app
from ideopolis.regions.model import validate_region_set

BROKEN = Path(__file__).resolve().parent / "broken"
CASES = sorted(p.name for p in BROKEN.iterdir() if (p / "expected.toml").is_file())
#: The time limit of a case that names none, in seconds.
DEFAULT_TIMEOUT = 60


def _expected(case: str) -> dict[str, Any]:
    return tomllib.loads((BROKEN / case / "expected.toml").read_text(encoding="utf-8"))


def _validate_only(case: str) -> bool:
    return "command" not in _expected(case)


def _param(case: str) -> Any:
    limit = int(_expected(case).get("timeout", DEFAULT_TIMEOUT))
    return pytest.param(case, marks=pytest.mark.timeout(limit, method="signal"), id=case)


FOLDER_CASES = [c for c in CASES if _validate_only(c)]


def _tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (relative path -> content hash); FIFOs by name only."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_fifo():
            out[str(p.relative_to(folder))] = "fifo"
        elif p.is_file():
            out[str(p.relative_to(folder))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


class Workspace:
    """A scratch working folder for one case: the command runs in ``cwd`` and writes into ``out``."""

    def __init__(self, root: Path, case: str) -> None:
        self.case = BROKEN / case
        self.cwd = root / "work"
        self.out = self.cwd / "out"
        self.cwd.mkdir()
        self.out.mkdir()

    def args(self, command: list[str]) -> list[str]:
        return [a.format(case=self.case, out=self.out, cwd=self.cwd) for a in command]


@pytest.fixture
def chdir_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def test_the_catalogue_has_a_case_for_every_kind() -> None:
    assert len(CASES) >= 39


@pytest.mark.parametrize("case", [_param(c) for c in FOLDER_CASES])
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


@pytest.mark.parametrize("case", [c for c in CASES if _expected(c).get("code")])
def test_the_report_names_the_check(case: str) -> None:
    expected = _expected(case)
    if _validate_only(case):
        report = validate_region_set(BROKEN / case)
    else:
        from ideopolis.regions.infer import region_set_from_files

        args = expected["command"]
        assert args[0] == "validate", "a problem code is checked on a validate command"
        ws_args = [a.format(case=BROKEN / case) for a in args]
        _rs, report = region_set_from_files(**_own_files(ws_args))
    assert expected["code"] in report.codes()
    assert report.ok == (expected["exit"] == 0)


def _own_files(args: list[str]) -> dict[str, Any]:
    """The keyword arguments of :func:`region_set_from_files` that a ``validate`` command line names."""
    names = {
        "--geometry": "geometry",
        "--indicators": "indicators",
        "--id": "id_column",
        "--geometry-id": "geometry_id_column",
        "--geometry-layer": "layer",
        "--sheet": "sheet",
        "--name-column": "name_column",
    }
    kwargs: dict[str, Any] = {"indicators": []}
    it = iter(args[1:])
    for flag in it:
        value = next(it)
        key = names[flag]
        if key == "indicators":
            kwargs["indicators"].append(Path(value))
        elif key == "geometry":
            kwargs["geometry"] = Path(value)
        else:
            kwargs[key] = value
    kwargs.setdefault("geometry", None)
    return kwargs


def _invoke(runner: CliRunner, args: list[str]) -> Result:
    result = runner.invoke(app, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback: the test fails with it
    return result


@pytest.mark.parametrize("case", [_param(c) for c in CASES if not _validate_only(c)])
def test_the_command_gives_the_specific_message_or_the_right_answer(
    case: str, runner: CliRunner, chdir_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _expected(case)
    ws = Workspace(chdir_tmp, case)
    for setting in expected.get("env", []):
        name, _, value = setting.partition("=")
        monkeypatch.setenv(name, value)
    for fifo in expected.get("fifos", []):
        os.mkfifo(ws.cwd / fifo)
    before_case = _tree(ws.case)
    if expected.get("kill"):
        _kill_mid_write(ws, expected, runner)
        return
    mask = os.umask(0o022)  # output modes follow the umask: 0644 files, 0755 folders
    try:
        result = _invoke(runner, ws.args(expected["command"]))
    finally:
        os.umask(mask)
    output = result.stdout + result.stderr
    assert result.exit_code == expected["exit"], output
    assert str(expected["expect"]) in output, f"expected {expected['expect']!r} in:\n{output}"
    assert "Traceback" not in output
    if expected["exit"] != 0:
        # one clear line (validate: one line per problem, then a summary), and nothing was written
        if expected["command"][0] == "validate":
            assert [line for line in result.stdout.splitlines() if line.startswith("error: ")], result.stdout
        else:
            assert result.stderr.splitlines()[-1].startswith("error: "), result.stderr
        assert _tree(ws.out) == {}, "a failed command left output behind"
    else:
        written = sorted(_tree(ws.out))
        assert written == sorted(expected.get("outputs", [])), written
        for p in ws.out.rglob("*"):
            assert p.stat().st_mode & 0o777 == (0o755 if p.is_dir() else 0o644), (p, oct(p.stat().st_mode))
        if expected.get("inside"):
            file, text = expected["inside"]
            assert text in (ws.out / file).read_text(encoding="utf-8"), f"{text!r} not in {file}"
        if expected.get("not_inside"):
            file, text = expected["not_inside"]
            assert text not in (ws.out / file).read_text(encoding="utf-8"), f"{text!r} in {file}"
        if expected.get("repeat"):
            first = _tree(ws.out)
            again = _invoke(runner, ws.args(expected["command"]))
            assert again.exit_code == 0, again.output
            assert _tree(ws.out) == first, "the same input gave different bytes"
    for other in expected.get("absent", []):
        assert other not in output, f"{other!r} should not be in:\n{output}"
    # nothing outside the output folder, nothing changed in the inputs
    outside = [p for p in _tree(ws.cwd) if not p.startswith("out" + os.sep) and p not in expected.get("fifos", [])]
    assert outside == [], f"written outside the output folder: {outside}"
    assert _tree(ws.case) == before_case
    if "same_as" in expected:
        reference = _invoke(runner, ws.args(expected["same_as"]))
        assert reference.exit_code == 0, reference.output
        assert result.stdout == reference.stdout


def _kill_mid_write(ws: Workspace, expected: dict[str, Any], runner: CliRunner) -> None:
    """Run the command once to completion (in-process), then again in a subprocess killed while it writes:
    the first output survives."""
    args = ws.args(expected["command"])
    env = {**os.environ, "COLUMNS": "200"}
    command = [sys.executable, "-m", "ideopolis", *args]
    first = _invoke(runner, args)
    assert first.exit_code == 0, first.output
    good = _tree(ws.out)
    assert good, "the first run wrote nothing"
    kills = 0
    for _attempt in range(int(expected.get("kill", 3))):
        proc = subprocess.Popen(command, cwd=ws.cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while proc.poll() is None:
            if any(".tmp" in p.name for p in ws.out.rglob("*")):
                proc.send_signal(signal.SIGKILL)
                kills += 1
                break
            time.sleep(0.002)
        proc.wait()
        current = {p: h for p, h in _tree(ws.out).items() if ".tmp" not in p}
        if current != good:
            # SIGKILL lands asynchronously: the process may finish its last rename first. Then the new output
            # must be whole: the same files, each a complete document (never a truncated or half-replaced one).
            assert set(current) == set(good), "a killed write changed the previous output"
            for name in current:
                text = (ws.out / name).read_text(encoding="utf-8")
                if name.endswith(".toml"):
                    tomllib.loads(text)
                elif name.endswith((".geojson", ".json")):
                    json.loads(text)
                else:
                    assert current[name] == good[name], f"a killed write changed {name}"
    assert kills >= 1, "the write was never caught in progress"
    assert str(expected["expect"]) in " ".join(good)


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
        assert not (cmp.left_only or cmp.right_only), (case, cmp.left_only, cmp.right_only)
        for name in cmp.common_files:
            same = filecmp.cmp(BROKEN / case / name, tmp_path / case / name, shallow=False)
            assert same, (case, name)
