"""CLI conventions: help, version, python -m, one-line user errors, region lookup by id or name."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ideopolis import __version__
from ideopolis.cli import app
from ideopolis.cli._app import find_region, human_size
from ideopolis.errors import RegionSetError
from ideopolis.regions.model import load_region_set

from .conftest import TOY


def _commands() -> list[str]:
    import typer.main

    return sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def test_help_lists_every_command_with_one_line(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    listed = result.stdout.split("Commands:")[1].strip().splitlines()
    names = [line.split()[0] for line in listed]
    assert sorted(names) == _commands()
    assert all(len(line.split(maxsplit=1)) == 2 for line in listed)  # a name and a one-line description


def test_no_arguments_prints_help(runner: CliRunner) -> None:
    result = runner.invoke(app, [])
    assert result.exit_code == 0
    assert "Commands:" in result.stdout


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout == f"ideopolis {__version__}\n"


def test_python_dash_m_works() -> None:
    out = subprocess.run([sys.executable, "-m", "ideopolis", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"ideopolis {__version__}"


def test_commands_without_a_print_map_do_not_import_matplotlib() -> None:
    # matplotlib costs about half a CPU second to import: only --png and the print map need it
    code = (
        "import sys\n"
        "from ideopolis.cli import main\n"
        "sys.argv = ['ideopolis', 'hotspots', '--regions', 'us-metros', '--top', '0']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as stop:\n"
        "    assert not stop.code, stop.code\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib was imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.parametrize("command", ["datasets", "validate", "custom"])
def test_every_region_command_takes_regions(command: str, runner: CliRunner) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert "--regions" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["validate", "--regions", "atlantis"], "error: no region set 'atlantis'"),
        (["datasets", "--regions", "atlantis"], "error: no region set 'atlantis'"),
        (["validate", "--no-such-option"], "error: No such option: --no-such-option (see 'ideopolis validate --help')"),
        (["no-such-command"], "error: No such command 'no-such-command'."),
    ],
)
def test_user_errors_are_one_line_and_exit_1(args: list[str], message: str, runner: CliRunner) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


def test_datasets_describes_a_set(runner: CliRunner) -> None:
    result = runner.invoke(app, ["datasets", "--regions", str(TOY)])
    assert result.exit_code == 0
    assert "toy: Toy lattice (six regions, two states)" in result.stdout
    assert "ba_share        talent" in result.stdout


@pytest.mark.parametrize(
    ("query", "expected"),
    [("01003", "01003"), ("birch", "01003"), ("Dogw", "02001"), ("ELM", "02003")],
)
def test_find_region_by_id_or_part_of_name(query: str, expected: str) -> None:
    assert find_region(load_region_set(TOY), query) == expected


def test_find_region_ambiguous_lists_candidates() -> None:
    with pytest.raises(RegionSetError, match=r"'r' matches 4 regions in toy: Alder \(01001\); Birch \(01003\); Cedar"):
        find_region(load_region_set(TOY), "r")


def test_find_region_unknown_suggests_close_names() -> None:
    with pytest.raises(RegionSetError, match=r"no region 'Cedr' in toy \(did you mean 'Cedar'\?\)"):
        find_region(load_region_set(TOY), "Cedr")


@pytest.mark.parametrize(("n", "text"), [(999, "999 B"), (1500, "1.5 kB"), (2_340_000, "2.3 MB")])
def test_human_size(n: int, text: str) -> None:
    assert human_size(n) == text


def test_output_piped_into_head_ends_quietly() -> None:
    proc = subprocess.run(
        f"{sys.executable} -m ideopolis score --regions {TOY} --top 6 | head -1",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.stdout.startswith("id")
    assert "Traceback" not in proc.stderr and "Error" not in proc.stderr


def test_starting_the_cli_does_not_import_heavy_map_libraries() -> None:
    # a cold CLI call must not pay seconds for libraries only some commands use (see benchmarks/)
    code = (
        "import sys, ideopolis.cli; "
        "print(' '.join(m for m in ('mapclassify', 'sklearn', 'matplotlib', 'folium', 'esda', 'libpysal', 'numba') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_every_command_prints_through_the_escaping_echo() -> None:
    """Data text reaches the terminal only through ``_app.echo``/``fail`` (terminal controls escaped).

    A command that called ``typer.echo`` or ``print`` directly would print a region name's escape sequences raw.
    """
    import ast

    import ideopolis.cli as cli_package

    folder = Path(cli_package.__file__).parent
    offenders = []
    for path in sorted(folder.glob("*.py")):
        if path.name == "_app.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                f = node.func
                direct = (
                    isinstance(f, ast.Attribute)
                    and f.attr in {"echo", "secho"}
                    and getattr(f.value, "id", "")
                    in {
                        "typer",
                        "click",
                    }
                )
                if direct or (isinstance(f, ast.Name) and f.id == "print"):
                    offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == [], offenders
