"""The methods note for readers: it states the run's own choices and the set's own data, in plain words."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ideopolis as ideo
from ideopolis.cli import app
from ideopolis.report.methods import methods_note

TOY = Path(__file__).resolve().parent / "data" / "toy"


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_the_note_covers_what_a_reader_needs() -> None:
    run = ideo.score("us-metros")
    note = methods_note(run)
    text = text_of(str(note.full_html))
    for heading in (
        "What the index measures",
        "The data and its dates",
        "The steps",
        'What a "significant hot spot" means, and what it does not',
        "Four types of region",
        "Limitations",
    ):
        assert heading in text, heading
    for kind in ("Magnet", "Talent hub", "Exporter", "Rooted"):
        assert kind in text
    assert "75% cluster strength and 25% balance" in text
    assert "999 times" in text and "false discovery rate" in text
    assert f"({len(run.dropped)} here)" in text
    # every indicator of the index with its source and vintage, from the manifest
    for code in run.index.framework.indicators:
        meta = run.regions.indicators[code]  # type: ignore[union-attr]
        assert meta.label in text and meta.vintage in text
    assert note.short.startswith("The Ideopolis index scores 925 regions of US metropolitan")
    page = note.page()
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page and note.title in page


def test_the_note_follows_the_run() -> None:
    run = ideo.score(str(TOY), balance_weight=0.4, normalise="zscore", treat="none")
    run.hotspots("ideopolis_index", permutations=99)
    text = text_of(str(methods_note(run).full_html))
    assert "60% cluster strength and 40% balance" in text
    assert "z-score" in text and "used as they are" in text
    geometric = ideo.score(str(TOY), normalise={"method": "minmax", "l_u": [1, 100]}, aggregate="geometric")
    assert "geometric mean: a weak pillar cannot be fully made up" in text_of(str(methods_note(geometric).full_html))
    assert "reshuffled at random at least 99 times (more for regions close to a cut-off" in text
    fixed = ideo.score(str(TOY))
    fixed.hotspots("ideopolis_index", permutations=99, max_permutations=99)  # the sequential test switched off
    assert "reshuffled at random 99 times to see" in text_of(str(methods_note(fixed).full_html))
    short = methods_note(run).short
    assert "60% cluster strength" in short and "40% for the balance" in short


def test_a_set_without_the_lens() -> None:
    run = ideo.score("eu-nuts2", where="eu27")  # the shortlist does not change what the index is
    text = text_of(str(methods_note(run).full_html))
    assert "Eurostat" in text and "Tertiary educational attainment, ages 25-64" in text
    assert "Four types of region" in text  # eu-nuts2 has attraction and exposure


def test_methods_command(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["methods", "--regions", "eu-nuts2"])
    assert result.exit_code == 0, result.stderr
    page = Path("maps/eu-nuts2-methods.html")
    assert page.exists() and Path(f"{page}.run.toml").exists()
    assert result.stdout.startswith(f"{page} (") and "How the Ideopolis index is made" in result.stdout
    own = runner.invoke(app, ["methods", "--regions", str(TOY), "--balance-weight", "0.5", "--out", "note.html"])
    assert own.exit_code == 0 and "50% cluster strength and 50% balance" in text_of(Path("note.html").read_text())
    bad = runner.invoke(app, ["methods", "--out", "note.pdf"])
    assert bad.exit_code == 1 and "the methods note is HTML" in bad.stderr


def test_every_map_of_a_run_carries_the_note() -> None:
    """The map's "full method" panel shows the note, on the score map and a hotspot map."""
    run = ideo.score(str(TOY))
    heading = 'What a "significant hot spot" means, and what it does not'
    score_map = run.map(hotspots=False)
    hot_map = run.hotspot_map(run.hotspots("ba_share", permutations=99))
    for built in (score_map, hot_map):
        assert built.inputs.methods_html is not None and heading in text_of(built.inputs.methods_html)
        assert "Limitations" in text_of(built.html())
