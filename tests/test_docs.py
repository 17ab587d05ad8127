"""Every example in docs/ runs: Python blocks in order (one namespace per page), CLI lines through the CLI
runner, TOML blocks parsed (and, on the run-profile page, validated as profiles), each page in its own folder.

The Python API page's worked example ends with the map; the test checks what the notebook would show (the
map's HTML) and that the page it saved is, byte for byte, the one ``ideopolis map`` writes for the same run.
"""

from __future__ import annotations

import ast
import contextlib
import io
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ideopolis.cli import app
from ideopolis.index.profile import profile_from_dict

DOCS = Path(__file__).resolve().parents[1] / "docs"
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def blocks(page: Path) -> list[tuple[str, str]]:
    """The fenced blocks of a page: (language, text), in order."""
    return [(m.group(1), m.group(2)) for m in BLOCK.finditer(page.read_text(encoding="utf-8"))]


def cli_lines(text: str) -> list[list[str]]:
    """The ``uv run ideopolis ...`` lines of a shell block, as argument lists (comments dropped)."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("uv run ideopolis"):
            out.append(shlex.split(line, comments=True)[3:])
    return out


def run_python(text: str, namespace: dict[str, Any]) -> Any:
    """Run a block as a notebook cell: return the value of a final expression (what the notebook shows)."""
    tree = ast.parse(text)
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    if last is not None:
        tree.body = tree.body[:-1]
    exec(compile(tree, "<docs>", "exec"), namespace)
    if last is None:
        return None
    return eval(compile(ast.Expression(last.value), "<docs>", "eval"), namespace)


def shown(value: Any) -> str:
    """What a notebook displays for a value: its HTML when it has one, else its repr."""
    html = getattr(value, "_repr_html_", None)
    return str(html()) if callable(html) else repr(value)


PAGES = sorted(DOCS.glob("*.md"))


def test_every_docs_page_is_checked() -> None:
    assert {p.name for p in PAGES} >= {"python-api.md", "run-profile.md", "maps.md", "method.md"}


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_docs_examples_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    displayed: list[str] = []
    printed = ""
    ran = 0
    for language, text in blocks(page):
        if language == "text" and printed:
            # output shown after a cell is what the cell printed (".." marks a part left out; lines may wrap)
            said = " ".join(printed.split())
            for part in text.split("..."):
                assert " ".join(part.split()).strip(" ,") in said, f"{page.name}: not printed: {part!r}"
            continue
        printed = ""
        if language == "python":
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                displayed.append(shown(run_python(text, namespace)))
            printed = out.getvalue()
            ran += 1
        elif language == "toml":
            doc = tomllib.loads(text)
            if page.name == "run-profile.md":
                profile_from_dict(doc, where=page.name)  # every profile on the page is valid
            ran += 1
        elif language in ("", "bash"):
            for args in cli_lines(text):
                result = runner.invoke(app, args)
                assert result.exit_code == 0, f"{page.name}: ideopolis {shlex.join(args)}\n{result.stderr}"
                ran += 1
    if page.name == "python-api.md":
        # the worked example ends with the map: the notebook shows the page itself in an iframe
        example = page.read_text(encoding="utf-8").split("## Replaying a run")[0]
        last_cell = sum(1 for language, _ in BLOCK.findall(example) if language == "python") - 1
        assert displayed[last_cell].startswith('<iframe srcdoc="') and "ideopolis-data" in displayed[last_cell]
        # and the page the API saved is the page the CLI writes for the same run
        result = runner.invoke(app, ["map", "--profile", "client.run.toml", "--out", "cli.html"])
        assert result.exit_code == 0, result.stderr
        if Path("client-map.html").read_bytes() != Path("cli.html").read_bytes():
            _debug(Path())
        assert Path("client-map.html").read_bytes() == Path("cli.html").read_bytes()
        assert "manual weights (talent 0.44, capital 0.22, knowledge_jobs 0.33)" in Path("cli.html").read_text()
    if page.name in ("python-api.md", "run-profile.md", "maps.md"):
        assert ran > 3  # the page has examples, and they ran


def _debug(tmp: Path) -> None:  # pragma: no cover
    a, b = (tmp / "client-map.html").read_bytes(), (tmp / "cli.html").read_bytes()
    i = next(i for i in range(min(len(a), len(b))) if a[i] != b[i])
    print(a[i - 300 : i + 100])
    print(b[i - 300 : i + 100])
