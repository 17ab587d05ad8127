"""``ideopolis map`` on the toy set: the page, its run log, the options, the errors."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ideopolis.cli import app

TOY = Path(__file__).resolve().parent / "data" / "toy"


def test_map_writes_html_and_prints_path_and_size(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["map", "--regions", str(TOY)])
    assert result.exit_code == 0, result.output
    target = Path("maps") / "toy.html"
    assert target.is_file()
    size = target.stat().st_size
    assert re.fullmatch(rf"maps/toy\.html \([\d.]+ kB, {size:,} bytes; 6 regions, 9 layers\)\n", result.stdout)
    html = target.read_text(encoding="utf-8")
    run = json.loads(re.search(r'id="ideopolis-run">(.*?)</script>', html, re.S).group(1))
    assert run["region_set"] == "toy" and run["scheme"] == "quantiles" and run["k"] == 5
    assert "arcgisonline" in html  # the online map has a basemap
    assert tomllib.loads((Path("maps") / "toy.html.run.toml").read_text())["regions"] == str(TOY)


def test_offline_and_options(runner, tmp_path):
    out = tmp_path / "m.html"
    result = runner.invoke(
        app,
        [
            "map",
            "-r",
            str(TOY),
            "--offline",
            "--out",
            str(out),
            "--bins",
            "20,40",
            "--layer",
            "talent",
            "--no-hotspots",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "offline" in result.stdout and "8 layers" in result.stdout
    html = out.read_text(encoding="utf-8")
    assert "arcgisonline" not in html
    payload = json.loads(re.search(r'id="ideopolis-data">(.*?)</script>', html, re.S).group(1))
    assert payload["active"] == "talent"
    index = payload["layers"][0]
    assert [row[0] for row in index["legend"]] == ["12.5 – 20.0", "20.0 – 40.0", "40.0 – 87.5"]


def test_png(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["map", "-r", str(TOY), "--png", "--layer", "balance"])
    assert result.exit_code == 0, result.output
    target = Path("maps") / "toy-balance.png"
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert result.stdout.startswith("maps/toy-balance.png (")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--layer", "nope"], "unknown layer 'nope'; choose one of: ideopolis_index, cluster_strength"),
        (["--bins", "3,1"], "must increase strictly"),
        (["--scheme", "user_defined"], "needs bins (--bins"),
        (["--scheme", "kmeans"], "unknown classification method 'kmeans'; choose one of: equal_interval"),
        (["--palette", "rainbow"], "unknown sequential palette method 'rainbow'; choose one of: blues"),
        (["-k", "0"], "out of range"),
        (["--out", "/proc/ideopolis/map.html"], "choose a writable path (--out)"),
        (["--renderer", "webgl"], "--renderer 'webgl' is not a renderer; choose one of: auto, svg, canvas"),
    ],
    ids=["layer", "bins", "scheme-without-bins", "scheme", "palette", "k", "unwritable", "renderer"],
)
def test_user_errors_are_one_line(runner, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["map", "-r", str(TOY), *args])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert message in lines[0]
    assert not Path("maps").exists() or not any(Path("maps").iterdir())


def test_map_with_the_engine_on_the_toy_set(runner, tmp_path):
    out = tmp_path / "toy.html"
    result = runner.invoke(app, ["map", "-r", str(TOY), "--offline", "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    payload = json.loads(re.search(r'id="ideopolis-data">(.*?)</script>', html, re.S).group(1))
    keys = [layer["key"] for layer in payload["layers"]]
    assert keys[:2] == ["ideopolis_index", "cluster_strength"] and "typology" in keys
    balance = next(layer for layer in payload["layers"] if layer["key"] == "balance")
    assert balance["kind"] == "diverging" and "midpoint 50" in balance["scheme"]
    assert payload["layers"][0]["unit"] == "score, 0-100"
    method = payload["methods"]["short"]
    assert "min-max to 0-100" in method and "0.75 x cluster strength" in method
    assert payload["source"].startswith("Data: ")
    assert payload["layers"][0]["rankOf"] == 6


def test_map_takes_custom_regions_and_own_files(tmp_path: Path, runner: CliRunner) -> None:
    mapping = tmp_path / "home.csv"
    mapping.write_text("fips,region\n01001,Home\n01003,Home\n")
    out = tmp_path / "custom.html"
    result = runner.invoke(app, ["map", "-r", str(TOY), "--custom", str(mapping), "--out", str(out), "--no-hotspots"])
    assert result.exit_code == 0, result.output
    assert "5 regions" in result.stdout and out.exists()
    out2 = tmp_path / "own.html"
    own = ["--geometry", str(TOY / "regions.geojson"), "--indicators", str(TOY / "indicators.csv"), "--id", "GEOID"]
    result = runner.invoke(app, ["map", *own, "--out", str(out2), "--no-hotspots"])
    assert result.exit_code == 0, result.output
    assert "inferred ba_share: share, pillar talent" in result.stderr and out2.exists()


def _payload_of(path: Path) -> dict:
    return json.loads(re.search(r'id="ideopolis-data">(.*?)</script>', path.read_text(encoding="utf-8"), re.S).group(1))


def test_embed_flag_and_print_formats(runner, tmp_path):
    page = tmp_path / "e.html"
    result = runner.invoke(app, ["map", "-r", str(TOY), "--offline", "--embed", "-o", str(page), "--no-hotspots"])
    assert result.exit_code == 0, result.output
    assert "embed" in result.stdout and _payload_of(page)["embed"] is True
    for suffix, magic in ((".svg", b"<?xm"), (".pdf", b"%PDF")):
        out = tmp_path / f"t{suffix}"
        args = ["map", "-r", str(TOY), "--print", "-l", "talent", "-o", str(out), "--title", "Talent in toyland"]
        result = runner.invoke(app, [*args, "--no-hotspots"])
        assert result.exit_code == 0, result.output
        assert out.read_bytes()[:4] == magic
    out = tmp_path / "t.png"
    result = runner.invoke(app, ["map", "-r", str(TOY), "--png", "-o", str(out), "--dpi", "50", "--no-hotspots"])
    assert result.exit_code == 0, result.output
    from PIL import Image

    with Image.open(out) as image:
        assert image.size == (550, 375)  # 11 x 7.5 inches at 50 dpi


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dpi", "100"], "error: --dpi sets the resolution of a print map; fix: add --png (or drop --dpi)"),
        (["-o", "x.png"], "error: x.png: an interactive map is an .html file; fix: add --png for a print map"),
        (["--png", "-o", "x.jpg"], "error: x.jpg: a print map is written as .png, .svg or .pdf"),
        (["--png", "--dpi", "2"], "error: --dpi 2 is out of range; use 30 to 1200"),
        (["--indicator", "talent", "--no-hotspots"], "error: --indicator and the hotspot options need the hotspot"),
        (["--spatial-weights", "rook"], "error: unknown"),
    ],
)
def test_map_option_errors(args, message, runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["map", "-r", str(TOY), *args])
    assert result.exit_code == 1
    assert result.stderr.startswith(message), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not Path("maps").exists() or not any(p.suffix in (".png", ".jpg", ".html") for p in Path("maps").iterdir())


def test_hotspot_layer_of_any_indicator_with_chosen_weights(runner, tmp_path):
    out = tmp_path / "h.html"
    args = ["map", "-r", "us-metros", "--offline", "-o", str(out), "--layer", "hotspots"]
    result = runner.invoke(
        app, [*args, "--indicator", "ba_plus_share", "--spatial-weights", "knn", "--neighbours", "8"]
    )
    assert result.exit_code == 0, result.output
    payload = _payload_of(out)
    keys = [layer["key"] for layer in payload["layers"]]
    assert payload["active"] == "hotspots" and "ba_plus_share" in keys  # the tested indicator is a layer too
    hot = next(layer for layer in payload["layers"] if layer["key"] == "hotspots")
    assert "8 nearest neighbours" in hot["method"] and "8 nearest neighbours" in hot["description"]
    assert hot["title"].startswith("Hot and cold spots (Getis-Ord Gi*) of Adults 25+")  # the label, not the column
    assert len(hot["description"]) < 90  # the legend's line is short; the whole method is one click away
    assert any(note and note.startswith("adjusted p = ") for note in hot["notes"])
    log = tomllib.loads((tmp_path / "h.html.run.toml").read_text())
    assert log["hotspots"]["weights"] == "knn" and log["hotspots"]["k"] == 8
    assert log["hotspots"]["indicator"] == "ba_plus_share"


def test_metro_hotspots_use_k_nearest_neighbours_by_default(runner, tmp_path):
    out = tmp_path / "m.html"
    result = runner.invoke(app, ["map", "-r", "us-metros", "--offline", "-o", str(out)])
    assert result.exit_code == 0, result.output
    hot = next(layer for layer in _payload_of(out)["layers"] if layer["key"] == "hotspots")
    assert "weights: 6 nearest neighbours" in hot["method"]
    log = tomllib.loads((tmp_path / "m.html.run.toml").read_text())
    assert log["hotspots"]["weights"] == "knn"  # written down, so the log replays the same test
    result = runner.invoke(app, ["map", "-r", "us-metros", "--offline", "-o", str(out), "-W", "queen"])
    assert result.exit_code == 0, result.output
    hot = next(layer for layer in _payload_of(out)["layers"] if layer["key"] == "hotspots")
    assert "weights: queen contiguity" in hot["method"]


def test_renderer_option_draws_the_toy_set_on_a_canvas(runner, tmp_path):
    out = tmp_path / "toy.html"
    result = runner.invoke(app, ["map", "-r", str(TOY), "--offline", "--renderer", "canvas", "--out", str(out)])
    assert result.exit_code == 0, result.output
    payload = json.loads(re.search(r'id="ideopolis-data">(.*?)</script>', out.read_text("utf-8"), re.S).group(1))
    assert payload["renderer"] == "canvas"
    assert all("ranks" not in layer for layer in payload["layers"])  # sent as offsets on a canvas page
