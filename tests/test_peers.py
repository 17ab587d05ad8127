"""Peers: distances on a set built so the answer is known, groups, cross-country peers, errors, the command."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

import ideopolis as ideo
from ideopolis.cli import app
from ideopolis.decide.peers import nearest
from ideopolis.errors import ConfigError, IdeopolisError

MANIFEST = """format_version = 1
[region_set]
name = "peers-known"
title = "Peers with a known answer"
id_column = "id"
name_column = "name"
crs = "EPSG:4326"
[geometry]
file = "regions.geojson"
[[tables]]
file = "indicators.csv"
[groups]
state = { label = "State" }
[indicators.population]
label = "Population"
unit = "persons"
kind = "count"
[indicators.x1]
label = "Talent x"
unit = "points"
kind = "level"
pillar = "talent"
direction = 1
[indicators.x2]
label = "Capital x"
unit = "points"
kind = "level"
pillar = "capital"
direction = 1
[indicators.x3]
label = "Jobs x"
unit = "points"
kind = "level"
pillar = "knowledge_jobs"
direction = 1
"""
#: Values on 0-100 with 0 and 100 present, so min-max normalisation leaves them as they are.
ROWS = """id,name,state,population,x1,x2,x3
A,Alpha,S1,300000,50,50,50
B,Beta,S1,60000,52,50,50
C,Gamma,S2,300000,50,56,50
D,Delta,S2,250000,40,60,50
E,Epsilon,S1,300000,0,0,0
F,Phi,S2,300000,100,100,100
G,Gamma2,S1,300000,80,20,50
H,Eta,S2,300000,50,50,
"""


@pytest.fixture
def known(tmp_path: Path) -> Path:
    folder = tmp_path / "peers-known"
    folder.mkdir()
    (folder / "manifest.toml").write_text(MANIFEST)
    (folder / "indicators.csv").write_text(ROWS)
    features = []
    for i, rid in enumerate("ABCDEFGH"):
        x, y = i % 4, i // 4
        ring = [[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]
        features.append(
            {"type": "Feature", "properties": {"id": rid}, "geometry": {"type": "Polygon", "coordinates": [ring]}}
        )
    (folder / "regions.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return folder


def test_nearest_by_hand() -> None:
    profiles = pd.DataFrame(
        {"a": [0.0, 3.0, 0.0, 10.0], "b": [0.0, 4.0, 6.0, np.nan], "c": [0.0, 0.0, 8.0, np.nan]},
        index=["x", "y", "z", "w"],
    )
    distances, diffs = nearest(profiles, "x")
    # y: sqrt((9+16+0)/3); z: sqrt((0+36+64)/3); w: one indicator of three (33%) < 50%: not comparable
    assert list(distances.index) == ["y", "z"]
    np.testing.assert_allclose(distances.to_numpy(), [math.sqrt(25 / 3), math.sqrt(100 / 3)])
    assert diffs.loc["y"].tolist() == [3.0, 4.0, 0.0]
    distances, _ = nearest(profiles, "x", min_overlap=0.3)
    assert distances["w"] == 10.0  # over the one shared indicator
    weighted, _ = nearest(profiles, "x", weights=pd.Series({"a": 2.0, "b": 1.0, "c": 1.0}))
    assert weighted["y"] == pytest.approx(math.sqrt((2 * 9 + 16) / 4))
    with pytest.raises(ConfigError, match="min_overlap is 2"):
        nearest(profiles, "x", min_overlap=2)


def test_peers_on_a_set_built_so_the_answer_is_known(known: Path) -> None:
    run = ideo.score(str(known), treat="none")
    np.testing.assert_allclose(run.index.indicator_scores.loc["A"], [50, 50, 50])  # min-max kept the values
    result = run.peers("Alpha", k=7)
    # H shares two indicators, both equal: distance 0; then B (2 points on one of three), C (6), D (10 and 10)
    assert result.ids == ["H", "B", "C", "D", "G", "E", "F"]
    np.testing.assert_allclose(
        result.table["distance"],
        np.round([0, math.sqrt(4 / 3), math.sqrt(36 / 3), math.sqrt(200 / 3), math.sqrt(1800 / 3), 50, 50], 2),
    )
    assert result.table["indicators"].tolist() == [2, 3, 3, 3, 3, 3, 3]
    assert result.table.loc["D", "drivers"] in ("Talent x -10; Capital x +10", "Capital x +10; Talent x -10")
    assert result.table.loc["B", "drivers"] == "Talent x +2"
    assert result.table.loc["H", "drivers"] == "no difference"
    assert result.table["rank"].tolist() == list(range(1, 8))
    # same size class: B (60,000 people) is not a peer of A (300,000)
    assert run.peers("A", k=3, within=["size"]).ids == ["H", "C", "D"]
    assert run.peers("A", k=3, within=["state"]).ids == ["B", "G", "E"]
    # every indicator shared: H is out
    assert run.peers("A", k=3, min_overlap=1.0).ids == ["B", "C", "D"]
    # a shortlist restricts the candidates
    assert run.where("x1 >= 50").peers("A", k=2).ids == ["H", "B"]
    assert run.peers("A", k=3).candidates == 7


def test_index_weighted_peers(known: Path) -> None:
    run = ideo.score(str(known), treat="none")
    weights = run.index.effective_weights["all"][["x1", "x2", "x3"]]
    result = run.peers("A", k=3, weights="index")
    expected = math.sqrt(weights["x1"] * 4 / weights.sum())
    assert result.table.loc["B", "distance"] == pytest.approx(round(expected, 2))
    assert "weighted by their effective weight" in result.method


def test_cross_country_peers_on_eu_nuts2() -> None:
    run = ideo.score("eu-nuts2")
    result = run.peers("Oberbayern", k=10)
    assert len(set(result.table["country"])) >= 3  # peers across countries
    profiles = run.index.indicator_scores
    x = profiles.loc["DE21"]
    for rid in result.ids[:3]:  # an independent computation of the distance
        both = x.notna() & profiles.loc[rid].notna()
        expected = float(np.sqrt(((profiles.loc[rid][both] - x[both]) ** 2).mean()))
        assert result.table.loc[rid, "distance"] == pytest.approx(round(expected, 2))
    german = run.peers("Oberbayern", k=5, within=["country"])
    assert set(german.table["country"]) == {"DE"}
    stage = run.attributes().loc["DE21", "stage"]
    staged = run.peers("DE21", k=5, within=["stage", "eu27"])
    assert set(staged.table["stage"]) == {stage}
    assert "same stage, eu27" in str(staged)


def test_peer_errors(known: Path) -> None:
    run = ideo.score(str(known), treat="none")
    with pytest.raises(ConfigError, match=r"k \(-k\) is 0"):
        run.peers("A", k=0)
    with pytest.raises(ConfigError, match="peer weights 'pca' unknown; use one of: equal, index"):
        run.peers("A", weights="pca")
    with pytest.raises(IdeopolisError, match=r"--within: unknown column 'sise' \(did you mean 'size'"):
        run.peers("A", within=["sise"])
    with pytest.raises(IdeopolisError, match="no region 'Omega'"):
        run.peers("Omega")
    with pytest.raises(IdeopolisError, match="unknown column 'stage'"):  # no GDP per head in this set
        run.peers("A", within=["stage"])
    (known / "indicators.csv").write_text(ROWS.replace("H,Eta,S2,", "H,Eta,,"))
    gap = ideo.score(str(known), treat="none")
    with pytest.raises(ConfigError, match="Eta has no state in peers-known; fix: drop --within state"):
        gap.peers("Eta", within=["state"])


def test_peers_command(known: Path, runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "peers.xlsx"
    args = ["peers", "Alpha", "--regions", str(known), "--treat", "none", "-k", "3", "--within", "size"]
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Peers of Alpha (A), same size")
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines[3:6]] == ["H", "C", "D"]
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[0] == "peers" and "run log" in book.sheetnames
    header, *rows = list(book["peers"].iter_rows(values_only=True))
    assert [r[0] for r in rows] == ["H", "C", "D"] and header[:3] == ("id", "rank", "name")
    bad = runner.invoke(app, ["peers", "Alpha", "--regions", str(known), "--within", "colour"])
    assert bad.exit_code == 1 and bad.stderr.startswith("error: --within: unknown column 'colour'")
    wrong = runner.invoke(app, ["peers", "Alpha", "--regions", str(known), "--out", str(tmp_path / "p.gpkg")])
    assert wrong.exit_code == 1 and "written as .csv or .xlsx" in wrong.stderr
