"""Build the catalogue of deliberately broken region sets under ``tests/broken/``.

Each case starts from the valid toy set (``tests/data/toy``), breaks one thing, and records in ``expected.toml``
the exit code ``ideopolis validate`` must give, the problem code, and the text its line must contain. The
folders are committed; ``tests/test_broken_catalogue.py`` checks every case and that this script still
produces exactly what is committed.

Run: ``uv run python tests/broken/make_catalogue.py``
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
TOY = HERE.parent / "data" / "toy"


@dataclass(frozen=True)
class Case:
    """One broken input.

    ``command`` is the command line to run (``{case}`` is the case folder, ``{out}`` an empty output folder,
    ``{cwd}`` the working folder); without one the case is ``ideopolis validate {case}``. ``code`` is the
    problem code ``validate`` reports (empty when the case is not a validation). ``outputs`` are the files the
    command writes into ``{out}``; ``same_as`` a command that must print the same; ``absent`` texts that must
    not be printed; ``fifos`` named pipes made in ``{cwd}`` before the run; ``kill`` how many times to kill the
    command while it writes (the output of a first, complete run must survive); ``timeout`` the time limit
    in seconds; ``base`` the folder the case starts from: ``"toy"`` (the toy set) or ``"files"`` (only its
    shapes and table, no manifest).
    """

    name: str
    what: str
    exit: int
    code: str
    expect: str
    mutate: Callable[[Path], None]
    command: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    same_as: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    fifos: tuple[str, ...] = ()
    kill: int = 0
    timeout: int = 0
    base: str = "toy"


def _sub(file: str, old: str, new: str, count: int = 1) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        p = folder / file
        text = p.read_text(encoding="utf-8")
        assert old in text, (file, old)
        p.write_text(text.replace(old, new, count), encoding="utf-8")

    return mutate


def _csv_cell(row_id: str, column: str, value: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        p = folder / "indicators.csv"
        lines = p.read_text(encoding="utf-8").splitlines()
        header = lines[0].split(",")
        j = header.index(column)
        for i, line in enumerate(lines):
            cells = line.split(",")
            if cells[0] == row_id:
                cells[j] = value
                lines[i] = ",".join(cells)
        p.write_text("\n".join(lines) + "\n", encoding="utf-8")

    return mutate


def _geojson(edit: Callable[[dict], None]) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        p = folder / "regions.geojson"
        doc = json.loads(p.read_text(encoding="utf-8"))
        edit(doc)
        p.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")

    return mutate


def _chain(*steps: Callable[[Path], None]) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        for step in steps:
            step(folder)

    return mutate


def _replace_bytes(file: str, old: bytes, new: bytes) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        p = folder / file
        data = p.read_bytes()
        assert old in data, (file, old)
        p.write_bytes(data.replace(old, new, 1))

    return mutate


def _remove(file: str) -> Callable[[Path], None]:
    return lambda folder: (folder / file).unlink()


def _write_bytes(file: str, data: bytes) -> Callable[[Path], None]:
    return lambda folder: (folder / file).write_bytes(data)


def _feature(doc: dict, region_id: str) -> dict:
    return next(f for f in doc["features"] if f["properties"]["GEOID"] == region_id)


def _set_geometry(region_id: str, geometry: dict | None) -> Callable[[dict], None]:
    def edit(doc: dict) -> None:
        _feature(doc, region_id)["geometry"] = geometry

    return edit


def _project(doc: dict) -> None:
    for f in doc["features"]:
        f["geometry"]["coordinates"] = [
            [[x * 111_000.0, y * 111_000.0] for x, y in ring] for ring in f["geometry"]["coordinates"]
        ]


def _topojson(folder: Path) -> None:
    """Re-encode the toy shapes as TopoJSON without a CRS (as the us-atlas files are)."""
    doc = json.loads((folder / "regions.geojson").read_text(encoding="utf-8"))
    arcs = []
    geometries = []
    for f in doc["features"]:
        ring = f["geometry"]["coordinates"][0]
        arcs.append(ring)
        geometries.append({"type": "Polygon", "arcs": [[len(arcs) - 1]], "properties": f["properties"]})
    topo = {
        "type": "Topology",
        "objects": {"regions": {"type": "GeometryCollection", "geometries": geometries}},
        "arcs": arcs,
    }
    (folder / "regions.topojson").write_text(json.dumps(topo) + "\n", encoding="utf-8")
    (folder / "regions.geojson").unlink()


BOWTIE = {"type": "Polygon", "coordinates": [[[-100, 40], [-99, 41], [-99, 40], [-100, 41], [-100, 40]]]}

CASES: list[Case] = [
    Case(
        "manifest-missing",
        "no manifest.toml",
        1,
        "manifest-missing",
        "there is no manifest.toml",
        _remove("manifest.toml"),
    ),
    Case(
        "toml-syntax",
        "a TOML syntax error",
        1,
        "toml-syntax",
        "is not valid TOML",
        _sub("manifest.toml", 'name = "toy"', 'name = "toy'),
    ),
    Case(
        "manifest-latin1",
        "the manifest is Latin-1, not UTF-8",
        1,
        "encoding",
        "manifest.toml: line 1: the file is not valid UTF-8; fix: re-save it as UTF-8",
        _replace_bytes("manifest.toml", b"# A six-region", b"# Caf\xe9 six-region"),
    ),
    Case(
        "missing-id-key",
        "[region_set] has no id_column",
        1,
        "missing-key",
        "the required key 'id_column' is missing",
        _sub("manifest.toml", 'id_column = "GEOID"\n', ""),
    ),
    Case(
        "unknown-key",
        "a misspelt key",
        1,
        "unknown-key",
        "unknown key 'pilar' (did you mean 'pillar'?)",
        _sub("manifest.toml", 'pillar = "talent"', 'pilar = "talent"'),
    ),
    Case(
        "unknown-kind",
        "kind = 'ratio'",
        1,
        "unknown-kind",
        "unknown kind 'ratio'",
        _sub("manifest.toml", 'kind = "share"', 'kind = "ratio"'),
    ),
    Case(
        "unknown-pillar",
        "a pillar the framework lacks",
        1,
        "unknown-pillar",
        "unknown pillar 'talents'; fix: use one of talent, capital, knowledge_jobs, import_people, export_jobs (did you mean 'talent'?)",
        _sub("manifest.toml", 'pillar = "talent"', 'pillar = "talents"'),
    ),
    Case(
        "unknown-direction",
        "direction = 'up'",
        1,
        "unknown-direction",
        "[indicators.ba_share] direction: unknown direction 'up'; fix: use 1 (more is better) or -1 (less is better)",
        _sub("manifest.toml", "direction = 1", 'direction = "up"'),
    ),
    Case(
        "missing-column",
        "metadata describes a column no table has",
        1,
        "missing-column",
        "[indicators.median_age]: describes column 'median_age', which is in no table",
        _sub("indicators.csv", ",median_age\n", "\n"),
    ),
    Case(
        "unknown-reference",
        "a numerator names an undescribed column",
        1,
        "unknown-reference",
        "[indicators.ba_share] numerator: names column 'ba_count', which is not a described indicator column",
        _sub("manifest.toml", 'numerator = "ba_plus"', 'numerator = "ba_count"'),
    ),
    Case(
        "half-ratio",
        "a share with a numerator but no denominator",
        1,
        "half-ratio",
        "names only one of numerator and denominator",
        _sub("manifest.toml", 'denominator = "adults_25"\n', ""),
    ),
    Case(
        "weighted-mean-no-weight",
        "aggregate = 'weighted_mean' without weight_by",
        1,
        "missing-key",
        "aggregate = 'weighted_mean' needs weight_by",
        _sub("manifest.toml", 'weight_by = "population"\n', ""),
    ),
    Case(
        "geometry-missing",
        "the geometry file does not exist",
        1,
        "geometry-unreadable",
        "regions.geojson: file not found",
        _remove("regions.geojson"),
    ),
    Case(
        "geometry-garbage",
        "the geometry file is not GeoJSON",
        1,
        "geometry-unreadable",
        "regions.geojson: cannot be read as geometry",
        _write_bytes("regions.geojson", b"this is not json\n"),
    ),
    Case(
        "table-latin1",
        "the table is Latin-1, not UTF-8",
        1,
        "table-unreadable",
        "indicators.csv: line 2: the file is not valid UTF-8 (byte 0xf1); fix: re-save it as UTF-8",
        _replace_bytes("indicators.csv", b"01001,01,", b"01001,0\xf1,"),
    ),
    Case(
        "table-format",
        "the table is a .txt file",
        1,
        "unsupported-format",
        "'indicators.txt' has an unsupported format .txt",
        _sub("manifest.toml", 'file = "indicators.csv"', 'file = "indicators.txt"'),
    ),
    Case(
        "missing-id-column",
        "the table has no GEOID column",
        1,
        "missing-id-column",
        "indicators.csv: column 'GEOID': the id column is missing",
        _sub("indicators.csv", "GEOID,state", "FIPS,state"),
    ),
    Case(
        "duplicate-id",
        "a region appears twice in the table",
        1,
        "duplicate-id",
        "1 id occurs more than once ('01003' at rows 3, 4)",
        _csv_cell("01005", "GEOID", "01003"),
    ),
    Case(
        "empty-id",
        "a table row without id",
        1,
        "missing-id",
        "1 row has no id (rows 4)",
        _csv_cell("01005", "GEOID", ""),
    ),
    Case(
        "non-numeric",
        "a word in a numeric column",
        1,
        "non-numeric",
        "column 'income_pc': 1 value is not a number (rows 3; ids '01003'; first: 'abc'); fix: write a number, or leave the cell empty for a missing value",
        _csv_cell("01003", "income_pc", "abc"),
    ),
    Case(
        "thousands-separator",
        "a number written with a thousands separator",
        1,
        "non-numeric",
        "fix: remove the thousands separators (write 1234567, not 1,234,567)",
        _csv_cell("01003", "population", '"2,000"'),
    ),
    Case(
        "suppressed-code",
        "a suppressed cell written as (D)",
        1,
        "non-numeric",
        "first: '(D)'); fix: a suppressed or unavailable cell must be empty (missing), never a code or 0",
        _csv_cell("02003", "income_total", "(D)"),
    ),
    Case(
        "infinite",
        "an infinite value",
        1,
        "infinite",
        "column 'mig_rate': 1 value is infinite (rows 2; ids '01001')",
        _csv_cell("01001", "mig_rate", "inf"),
    ),
    Case(
        "share-above-one",
        "a share written as a percentage",
        1,
        "out-of-range",
        "column 'ba_share': 1 value is out of range (rows 3; ids '01003'; first: 40); a share must lie in [0, 1]; fix: store shares as fractions (0.25, not 25)",
        _csv_cell("01003", "ba_share", "40"),
    ),
    Case(
        "share-below-zero",
        "a negative share",
        1,
        "out-of-range",
        "column 'telework_share': 1 value is out of range (rows 7; ids '02005'; first: -0.5); a share must lie in [0, 1]",
        _csv_cell("02005", "telework_share", "-0.5"),
    ),
    Case(
        "negative-count",
        "a negative count",
        1,
        "out-of-range",
        "column 'jobs': 1 value is out of range (rows 5; ids '02001'; first: -2000); a count cannot be negative",
        _csv_cell("02001", "jobs", "-2000"),
    ),
    Case(
        "leading-zeros",
        "ids saved as numbers lost their leading zeros",
        1,
        "leading-zeros",
        "indicators.csv: id column: 6 ids look like they lost leading zeros ('1001', '1003', '1005' and 3 more vs '01001'",
        _chain(*[_csv_cell(i, "GEOID", i.lstrip("0")) for i in ["01001", "01003", "01005", "02001", "02003", "02005"]]),
    ),
    Case(
        "id-without-geometry",
        "a table row for a region with no shape (warning)",
        0,
        "id-without-geometry",
        "1 id has no geometry in regions.geojson ('09001'); their rows are left out",
        lambda f: (f / "indicators.csv").write_text(
            (f / "indicators.csv").read_text() + "09001,01,10,6,1,0.1666666667,300,30,0,0,5,1,0.2,1,1\n"
        ),
    ),
    Case(
        "geometry-without-data",
        "a shape with no table row (warning)",
        0,
        "geometry-without-data",
        "1 region has no row in indicators.csv ('02005'); their values there are missing",
        _sub("indicators.csv", "02005,02,6000,3600,1800,0.5,360000000,60000,300,50,3000,1500,0.5,90000,31\n", ""),
    ),
    Case(
        "missing-crs",
        "TopoJSON without a CRS and none in the manifest",
        1,
        "missing-crs",
        "the geometry has no CRS and the manifest names none; fix: add crs = 'EPSG:4326'",
        _chain(
            _topojson,
            _sub("manifest.toml", 'crs = "EPSG:4326"\n', ""),
            _sub("manifest.toml", 'file = "regions.geojson"', 'file = "regions.topojson"'),
        ),
    ),
    Case(
        "crs-mismatch",
        "the manifest's CRS disagrees with the file's",
        1,
        "crs-mismatch",
        "the file's CRS is EPSG:4326 but the manifest says EPSG:3857",
        _sub("manifest.toml", 'crs = "EPSG:4326"', 'crs = "EPSG:3857"'),
    ),
    Case(
        "projected-coordinates",
        "metres labelled as degrees",
        1,
        "coordinates-out-of-range",
        "are outside longitude/latitude range",
        _geojson(_project),
    ),
    Case(
        "empty-geometry",
        "a feature without geometry",
        1,
        "empty-geometry",
        "1 region has an empty or missing geometry ('01005')",
        _geojson(_set_geometry("01005", None)),
    ),
    Case(
        "invalid-geometry",
        "a self-intersecting polygon (repaired, warning)",
        0,
        "invalid-geometry",
        "1 invalid geometry was repaired with make_valid ('01001'; first: Self-intersection",
        _geojson(_set_geometry("01001", BOWTIE)),
    ),
    Case(
        "mixed-geometry",
        "a point among polygons",
        1,
        "geometry-type",
        "mixed geometry types (5 Polygon, 1 Point); regions must be polygons",
        _geojson(_set_geometry("02003", {"type": "Point", "coordinates": [-98.5, 41.5]})),
    ),
    Case(
        "duplicate-geometry-id",
        "two shapes with the same id",
        1,
        "duplicate-id",
        "regions.geojson: column 'GEOID': 1 id occurs more than once ('01001' at features 1, 2)",
        _geojson(lambda d: _feature(d, "01003")["properties"].update(GEOID="01001")),
    ),
    Case(
        "bad-group-value",
        "a group value outside the declared values",
        1,
        "bad-group-value",
        "column 'state': 1 value is not among the declared values ('03')",
        _csv_cell("02005", "state", "03"),
    ),
    Case(
        "ratio-mismatch",
        "a rate that disagrees with its counts (warning)",
        0,
        "ratio-mismatch",
        "[indicators.income_pc]: 1 value differs from income_total / population x 1 (largest at id '01003': stored 45000, recomputed 40000)",
        _csv_cell("01003", "income_pc", "45000"),
    ),
    Case(
        "undescribed-column",
        "a table column without metadata (warning)",
        0,
        "undescribed-column",
        "indicators.csv: column 'notes': has no metadata and is ignored",
        lambda f: _append_column(f, "notes", "x"),
    ),
]


def _append_column(folder: Path, name: str, value: str) -> None:
    p = folder / "indicators.csv"
    lines = p.read_text(encoding="utf-8").splitlines()
    lines = [lines[0] + f",{name}"] + [line + f",{value}" for line in lines[1:]]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")


def build(target: Path) -> list[str]:
    """Write every case folder under ``target``; return the case names."""
    for case in CASES:
        folder = target / case.name
        if folder.exists():
            shutil.rmtree(folder)
        shutil.copytree(TOY, folder)
        if case.base == "files":
            (folder / "manifest.toml").unlink()
        case.mutate(folder)
        expected = (
            f"# {case.what}\n"
            f"exit = {case.exit}\n"
            f"code = {json.dumps(case.code)}\n"
            f"expect = {json.dumps(case.expect, ensure_ascii=False)}\n"
        )
        for key in ("command", "outputs", "same_as", "absent", "fifos"):
            value = getattr(case, key)
            if value:
                expected += f"{key} = {json.dumps(list(value), ensure_ascii=False)}\n"
        for key in ("kill", "timeout"):
            if getattr(case, key):
                expected += f"{key} = {getattr(case, key)}\n"
        (folder / "expected.toml").write_text(expected, encoding="utf-8")
    return [c.name for c in CASES]


if __name__ == "__main__":
    names = build(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
    print(f"wrote {len(names)} broken region sets")
