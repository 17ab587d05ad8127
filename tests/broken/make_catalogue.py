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
    shapes and table, no manifest); ``repeat`` runs the command twice and requires byte-identical output;
    ``env`` holds ``NAME=value`` settings for the run; ``inside`` is ``(file, text)``: a written file that
    must contain the text; ``not_inside`` a ``(file, text)`` it must not contain.
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
    repeat: bool = False
    env: tuple[str, ...] = ()
    inside: tuple[str, ...] = ()
    not_inside: tuple[str, ...] = ()


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
    def mutate(folder: Path) -> None:
        (folder / file).parent.mkdir(parents=True, exist_ok=True)
        (folder / file).write_bytes(data)

    return mutate


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
        "the table is an OpenDocument spreadsheet (.ods; .txt is read as delimited text since issue 15)",
        1,
        "unsupported-format",
        "'indicators.ods' has an unsupported format .ods",
        _sub("manifest.toml", 'file = "indicators.csv"', 'file = "indicators.ods"'),
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


# ---------------------------------------------------------------------------------------------------------
# Issue 15: files as real users bring them, hostile options, and writers (each case runs a command).

#: The files of a case with base "files" (no manifest): validated as a user's own files.
OWN = ("--geometry", "{case}/regions.geojson", "--indicators", "{case}/indicators.csv", "--id", "GEOID")


def _own(*extra: str, command: str = "validate") -> tuple[str, ...]:
    return (command, *OWN, *extra)


def _toy(command: str, *extra: str) -> tuple[str, ...]:
    return (command, "--regions", "{case}", *extra)


def _rewrite_csv(
    edit: Callable[[list[list[str]]], list[list[str]]], file: str = "indicators.csv"
) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        p = folder / file
        rows = [line.split(",") for line in p.read_text(encoding="utf-8").splitlines()]
        p.write_text("\n".join(",".join(r) for r in edit(rows)) + "\n", encoding="utf-8")

    return mutate


def _add_columns(columns: dict[str, list[str]]) -> Callable[[Path], None]:
    def edit(rows: list[list[str]]) -> list[list[str]]:
        return [r + ([*columns] if i == 0 else [v[i - 1] for v in columns.values()]) for i, r in enumerate(rows)]

    return _rewrite_csv(edit)


def _rename_column(old: str, new: str) -> Callable[[Path], None]:
    return _rewrite_csv(lambda rows: [[new if (i == 0 and c == old) else c for c in r] for i, r in enumerate(rows)])


def _stable_xlsx(path: Path) -> None:
    """Rewrite an openpyxl workbook with fixed zip and document times, so the generator is reproducible."""
    import re
    import zipfile

    entries = []
    with zipfile.ZipFile(path) as zin:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2026-01-01T00:00:00Z", data)
            entries.append((info.filename, data))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in entries:
            zout.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)


def _xlsx(sheets: dict[str, list[list[object]]], file: str = "indicators.xlsx") -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        import openpyxl

        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for title, rows in sheets.items():
            ws = wb.create_sheet(title)
            for row in rows:
                ws.append(row)
        wb.save(folder / file)
        _stable_xlsx(folder / file)

    return mutate


def _toy_rows(folder: Path | None = None) -> list[list[str]]:
    return [line.split(",") for line in (TOY / "indicators.csv").read_text(encoding="utf-8").splitlines()]


def _xlsx_rows(rows: list[list[str]]) -> list[list[object]]:
    """The toy table as a spreadsheet would hold it: ids as text, numbers as numbers."""
    out: list[list[object]] = [list(rows[0])]
    for r in rows[1:]:
        out.append([r[0], r[1], *(float(v) for v in r[2:])])
    return out


def _square(x: float, y: float, size: float = 1.0) -> list[list[float]]:
    return [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]


def _swap_lat_lon(doc: dict) -> None:
    for f in doc["features"]:
        f["geometry"]["coordinates"] = [[[y, x] for x, y in ring] for ring in f["geometry"]["coordinates"]]


def _shift(doc: dict, dx: float) -> None:
    for f in doc["features"]:
        f["geometry"]["coordinates"] = [[[x + dx, y] for x, y in ring] for ring in f["geometry"]["coordinates"]]


def _across_180(doc: dict) -> None:
    """Put the lattice on the antimeridian: x = -100..-97 becomes 178.5..180 and -180..-178.5 (wrapped)."""
    for f in doc["features"]:
        rings = []
        for ring in f["geometry"]["coordinates"]:
            rings.append([[(x + 278.5 + 180) % 360 - 180 if x + 278.5 > 180 else x + 278.5, y] for x, y in ring])
        f["geometry"]["coordinates"] = rings


def _coinr(drop_meta: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        src = HERE.parent / "data" / "coinr-asem"
        shutil.copy(src / "asem_iData.csv", folder / "iData.csv")
        lines = (src / "asem_iMeta.csv").read_text(encoding="utf-8").splitlines()
        kept = [line for line in lines if line.split(",")[1] != drop_meta]
        assert len(kept) == len(lines) - 1
        (folder / "iMeta.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")

    return mutate


def _deep_toml(file: str, depth: int = 5000) -> Callable[[Path], None]:
    return lambda folder: (folder / file).write_text("x = " + "[" * depth + "]" * depth + "\n", encoding="utf-8")


def _census_export(folder: Path) -> None:
    rows = _toy_rows()
    out = [
        "GEO_ID,NAME,B01003_001E,B01003_001M,B19013_001E,B15003_022E",
        '"Geography","Geographic Area Name","Estimate!!Total","Margin of Error!!Total",'
        '"Estimate!!Median household income","Estimate!!Total!!Bachelor\'s degree"',
    ]
    markers = {"01003": ("-", "**"), "02001": ("(X)", "N"), "02005": ("250,000+", "-")}
    for r in rows[1:]:
        income, ba = markers.get(r[0], (r[7], r[4]))
        out.append(f'0500000US{r[0]},"County {r[0]}, State",{r[2]},*****,"{income}",{ba}')
    (folder / "indicators.csv").write_text("\n".join(out) + "\n", encoding="utf-8")


def _european_csv(folder: Path) -> None:
    rows = _toy_rows()
    lines = [";".join(rows[0])]
    for r in rows[1:]:
        lines.append(";".join(r[:2] + [v.replace(".", ",") for v in r[2:]]))
    (folder / "indicators.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _gpkg_layers(folder: Path) -> None:
    import geopandas as gpd
    import pyogrio

    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2026-01-01T00:00:00.000Z"})  # reproducible bytes

    gdf = gpd.read_file(folder / "regions.geojson")
    other = gdf.rename(columns={"GEOID": "code"})
    other["code"] = "X" + other["code"]
    for layer, frame in (("roads", other), ("counties", gdf.rename(columns={"GEOID": "fips"}))):
        frame.to_file(folder / "regions.gpkg", layer=layer, driver="GPKG")
    (folder / "regions.geojson").unlink()


def _shapefile(folder: Path, *, dbf: bool) -> None:
    import geopandas as gpd

    gpd.read_file(folder / "regions.geojson").to_file(folder / "regions.shp")
    for p in folder.glob("regions.*"):
        if p.suffix in (".geojson", ".cpg") or (p.suffix == ".dbf" and not dbf):
            p.unlink()


def _attributes_in_geometry(folder: Path) -> None:
    doc = json.loads((folder / "regions.geojson").read_text(encoding="utf-8"))
    rows = _toy_rows()
    header = rows[0]
    by_id = {r[0]: r for r in rows[1:]}
    for f in doc["features"]:
        r = by_id[f["properties"]["GEOID"]]
        for k, v in zip(header[2:], r[2:], strict=True):
            f["properties"][k] = float(v)
    (folder / "regions.geojson").write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    (folder / "indicators.csv").unlink()


def _wide(folder: Path, columns: int = 10_000) -> None:
    rows = _toy_rows()
    header = ["GEOID", *(f"v{j}" for j in range(columns))]
    lines = [",".join(header)]
    for i, r in enumerate(rows[1:]):
        lines.append(",".join([r[0], *(str(((i * 7 + j) % 10 + 1) / 20) for j in range(columns))]))
    (folder / "indicators.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _mapping(pairs: list[tuple[str, str]]) -> Callable[[Path], None]:
    text = "base,region\n" + "".join(f"{a},{b}\n" for a, b in pairs)
    return lambda folder: (folder / "mapping.csv").write_text(text, encoding="utf-8")


HALVES = [
    ("01001", "West"),
    ("01003", "West"),
    ("01005", "West"),
    ("02001", "East"),
    ("02003", "East"),
    ("02005", "East"),
]

HARDENING: list[Case] = []  # filled in below


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
        for key in ("command", "outputs", "same_as", "absent", "fifos", "env", "inside", "not_inside"):
            value = getattr(case, key)
            if value:
                expected += f"{key} = {json.dumps(list(value), ensure_ascii=False)}\n"
        for key in ("kill", "timeout"):
            if getattr(case, key):
                expected += f"{key} = {getattr(case, key)}\n"
        if case.repeat:
            expected += "repeat = true\n"
        (folder / "expected.toml").write_text(expected, encoding="utf-8")
    return [c.name for c in CASES]


_F = "files"
HARDENING += [
    # -- silently wrong
    Case(
        "cell-na-token",
        "one 'n.a.' cell in an own table",
        0,
        "",
        "median_age: read as missing: 'n.a.' x1 (not available)",
        _csv_cell("01003", "median_age", "n.a."),
        command=_own(),
        base=_F,
    ),
    Case(
        "cell-unparseable",
        "one '1_000' cell: the column and the cell are named",
        1,
        "",
        "column 'median_income': 1 value is not a number (rows 3; ids '01003'; first: '1_000'); fix: remove the underscores (write 1000, not 1_000)",
        _csv_cell("01003", "median_income", "1_000"),
        command=_own(),
        base=_F,
    ),
    Case(
        "xlsx-formula-uncached",
        "an Excel formula saved without a cached value",
        1,
        "",
        "indicators.xlsx: sheet 'data': 1 formula cells have no saved result (N4)",
        _chain(
            _xlsx(
                {
                    "data": [
                        *_xlsx_rows(_toy_rows())[:3],
                        [*_xlsx_rows(_toy_rows())[3][:13], "=2*21", 42.0],
                        *_xlsx_rows(_toy_rows())[4:],
                    ]
                }
            ),
            _remove("indicators.csv"),
        ),
        command=(
            "validate",
            "--geometry",
            "{case}/regions.geojson",
            "--indicators",
            "{case}/indicators.xlsx",
            "--id",
            "GEOID",
        ),
        base=_F,
    ),
    Case(
        "duplicate-header",
        "two indicator columns with the same name",
        1,
        "",
        "indicators.csv: columns 15 and 16 are both named 'median_age'; one would be renamed silently",
        _add_columns({"median_age": ["1", "2", "3", "4", "5", "6"]}),
        command=_own(),
        base=_F,
    ),
    Case(
        "gazetteer-columns",
        "latitude, longitude, land area and a count named like a pillar are not scored",
        0,
        "",
        "inferred INTPTLAT: level, auxiliary, not scored (a coordinate)",
        _add_columns(
            {
                "INTPTLAT": ["40.5", "40.5", "40.5", "41.5", "41.5", "41.5"],
                "INTPTLONG": ["-99.5", "-98.5", "-97.5", "-99.5", "-98.5", "-97.5"],
                "ALAND": ["9000000", "9100000", "9200000", "8900000", "8800000", "8700000"],
                "talent_count": ["10", "20", "30", "40", "50", "60"],
            }
        ),
        command=_own(command="score"),
        base=_F,
        absent=("pillar talent, direction +1\ninferred talent_count",),
    ),
    Case(
        "indicator-named-like-pillar",
        "an indicator column named 'capital'",
        0,
        "",
        "inferred capital: count, auxiliary, not scored (renamed 'capital_value': a pillar has the name 'capital')",
        _rename_column("median_income", "capital"),
        command=_own(command="score"),
        base=_F,
        absent=("defined twice",),
    ),
    Case(
        "antimeridian-ring",
        "a ring written across 180 degrees (179.5 -> -179.5)",
        0,
        "",
        "1 region crosses the antimeridian ('01001'): cut at 180 degrees into their east and west parts (RFC 7946 3.1.9)",
        _geojson(
            _set_geometry(
                "01001",
                {
                    "type": "Polygon",
                    "coordinates": [[[179.5, 51], [-179.5, 51], [-179.5, 52], [179.5, 52], [179.5, 51]]],
                },
            )
        ),
        command=_own(),
        base=_F,
        absent=("self-intersection",),
    ),
    Case(
        "longitude-below-180",
        "a longitude of -180.5 is cut at 180, not diagnosed as a projected CRS",
        0,
        "",
        "1 region has longitudes beyond +-180 ('01001'): cut at 180 degrees",
        _geojson(_set_geometry("01001", {"type": "Polygon", "coordinates": [_square(-180.5, 40)]})),
        command=_own(),
        base=_F,
        absent=("projected",),
    ),
    Case(
        "coinr-imeta-missing",
        "a COINr iData column with no iMeta row",
        1,
        "",
        "error: iData has 1 column(s) with no row in iMeta ('Flights'); as in COINr",
        _coinr("Flights"),
        command=("score", "--coinr-data", "{case}/iData.csv", "--coinr-meta", "{case}/iMeta.csv"),
    ),
    Case(
        "binary-indicator",
        "a 0/1 indicator survives outlier treatment",
        0,
        "",
        "inferred has_university: share, pillar other, direction +1",
        _add_columns({"has_university": ["0", "1", "0", "0", "0", "1"]}),
        command=_own(command="score"),
        base=_F,
        absent=("constant",),
    ),
    Case(
        "map-treat-none",
        "map can switch outlier treatment off",
        0,
        "",
        "run log: ",
        lambda f: None,
        command=_toy("map", "--offline", "--treat", "none", "--out", "{out}/m.html"),
        outputs=("m.html", "m.html.run.toml"),
    ),
    Case(
        "quantile-ties",
        "quantile classes do not split tied values by float noise",
        0,
        "",
        "run log: ",
        _csv_cell("01003", "median_age", "40"),
        command=_toy("map", "--offline", "--layer", "talent", "--scheme", "quantiles", "--out", "{out}/m.html"),
        outputs=("m.html", "m.html.run.toml"),
        # talent is 0, 0, 0, 66.7, 100, 100 (ba_share 0.2 x3, 0.4, 0.5 x2, min-max): the tied values stay in
        # one class each, so the classes are <= 0, <= 77.8 and <= 100, never a split "0 - 0" class
        inside=("m.html", '"bins":[0.0,77.77777777780003,100.0]'),
    ),
    Case(
        "overflow-value",
        "a value near the float limit (1e308)",
        1,
        "",
        "column 'median_income': 1 value is too large to compute with (rows 3; ids '01003'; first: 1e+308)",
        _csv_cell("01003", "median_income", "1e308"),
        command=_own(),
        base=_F,
        absent=("RuntimeWarning",),
    ),
    Case(
        "subnormal-value",
        "a subnormal value (1e-320)",
        1,
        "",
        "column 'median_income': 1 value is too close to zero to compute with (rows 3; ids '01003'",
        _csv_cell("01003", "median_income", "1e-320"),
        command=_own(),
        base=_F,
        absent=("RuntimeWarning",),
    ),
    Case(
        "overlapping-regions",
        "two regions overlap",
        0,
        "",
        "1 pair of regions overlap by more than 1% of the smaller one ('01001' and '01003': 50%)",
        _geojson(_set_geometry("01003", {"type": "Polygon", "coordinates": [_square(-99.5, 40)]})),
        command=_own(),
        base=_F,
    ),
    Case(
        "lat-lon-swapped",
        "[lat, lon] written in the wrong order",
        1,
        "",
        "latitude and longitude look swapped ([lat, lon]",
        _geojson(_swap_lat_lon),
        command=_own(),
        base=_F,
    ),
    Case(
        "straddles-180",
        "a set across 180 degrees: the map opens on it, not on the whole world",
        0,
        "",
        "run log: ",
        _geojson(_across_180),
        command=_own("--out", "{out}/m.html", "--offline", command="map"),
        base=_F,
        outputs=("m.html", "m.html.run.toml"),
        # the lattice spans 178.5 to 181.5 degrees east (unwrapped) and 40 to 42 north, plus 1% padding
        inside=("m.html", '"view":[178.47,39.98,181.53,42.02]'),
    ),
    Case(
        "zero-area-polygon",
        "a polygon with no area",
        1,
        "",
        "1 region has a shape without area ('01005')",
        _geojson(
            _set_geometry("01005", {"type": "Polygon", "coordinates": [[[-98, 40], [-97, 40], [-97.5, 40], [-98, 40]]]})
        ),
        command=_own(),
        base=_F,
    ),
    Case(
        "attraction-threshold-inf",
        "--attraction-threshold inf",
        1,
        "",
        "error: attraction_threshold is inf; use a finite number (--attraction-threshold)",
        lambda f: None,
        command=_toy("score", "--attraction-threshold", "inf"),
    ),
    Case(
        "attraction-threshold-outside",
        "an attraction threshold above every region collapses the typology",
        0,
        "",
        "note: the attraction threshold 1000 lies outside the regions' attraction (0.0 to 100.0)",
        lambda f: None,
        command=_toy("score", "--attraction-threshold", "1000"),
    ),
    Case(
        "hotspots-top-negative",
        "hotspots --top -1",
        1,
        "",
        "error: Invalid value for '--top': Input should be greater than or equal to 0",
        lambda f: None,
        command=_toy("hotspots", "--top", "-1"),
    ),
    Case(
        "map-png-title",
        "map --png draws --title (a $ and mathtext are text)",
        0,
        "",
        "run log: ",
        lambda f: None,
        command=_toy("map", "--png", "--title", "Income $5 $\\alpha$ 50%", "--out", "{out}/m.png"),
        outputs=("m.png", "m.png.run.toml"),
    ),
    Case(
        "map-out-csv",
        "map --out map.csv",
        1,
        "",
        "map.csv: an interactive map is written as .html or .htm, not .csv; fix: end the file name with .html",
        lambda f: None,
        command=_toy("map", "--out", "{out}/map.csv"),
    ),
    # -- errors that do not help
    Case(
        "european-csv",
        "';' separators and decimal commas (a European Excel export) are read",
        0,
        "",
        "indicators.csv: read as semicolon-separated with decimal commas (a European spreadsheet export)",
        _european_csv,
        command=_own(command="score"),
        base=_F,
        same_as=(
            "score",
            "--geometry",
            "{case}/regions.geojson",
            "--indicators",
            "{case}/../../data/toy/indicators.csv",
            "--id",
            "GEOID",
        ),
    ),
    Case(
        "census-export",
        "a data.census.gov export: label row, markers, GEO_ID prefixes",
        0,
        "",
        "B15003_022E: read as missing: '**' x1 (Census: margin of error not computed); 'N' x1 (Census: too few sample cases)",
        _census_export,
        command=(
            "validate",
            "--geometry",
            "{case}/regions.geojson",
            "--indicators",
            "{case}/indicators.csv",
            "--id",
            "GEO_ID",
            "--geometry-id",
            "GEOID",
        ),
        base=_F,
    ),
    Case(
        "id-column-differs",
        "the id column is named differently in the shapes and the table",
        1,
        "",
        "regions.geojson: column 'fips': the id column is missing (columns: 'GEOID', 'name'); fix: pass --geometry-id GEOID (its values match 6 of the table's ids)",
        _rename_column("GEOID", "fips"),
        command=(
            "validate",
            "--geometry",
            "{case}/regions.geojson",
            "--indicators",
            "{case}/indicators.csv",
            "--id",
            "fips",
        ),
        base=_F,
        absent=("manifest",),
    ),
    Case(
        "excel-title-rows",
        "an Excel file with a Notes sheet first and title rows above the header",
        0,
        "",
        "indicators.xlsx: read sheet 'Data' (also in the workbook: 'Notes'); choose another with --sheet",
        _chain(
            _xlsx(
                {
                    "Notes": [["Source: made up for tests"], ["Suppressed cells are blank"]],
                    "Data": [["Table 1. Indicators by county"], ["Year 2023"], [], *_xlsx_rows(_toy_rows())],
                }
            ),
            _remove("indicators.csv"),
        ),
        command=(
            "validate",
            "--geometry",
            "{case}/regions.geojson",
            "--indicators",
            "{case}/indicators.xlsx",
            "--id",
            "GEOID",
        ),
        base=_F,
    ),
    Case(
        "excel-scientific-ids",
        "ids Excel converted to 3.10019E+11",
        1,
        "",
        "1 ids are numbers in scientific notation (row 2: '3.10019E+11'): a spreadsheet converted them",
        _rewrite_csv(lambda rows: [rows[0], *([["3.10019E+11", *r[1:]] for r in rows[1:2]]), *rows[2:]]),
        command=_own(),
        base=_F,
    ),
    Case(
        "gpkg-layers",
        "a GeoPackage with several layers: --geometry-layer lists them; no id match is exit 1",
        1,
        "no-id-match",
        "none of its 6 ids is in",
        _gpkg_layers,
        command=(
            "validate",
            "--geometry",
            "{case}/regions.gpkg",
            "--indicators",
            "{case}/indicators.csv",
            "--id",
            "GEOID",
            "--geometry-layer",
            "roads",
            "--geometry-id",
            "code",
        ),
        base=_F,
    ),
    Case(
        "geometry-collection-sliver",
        "a clip sliver: a GeometryCollection of a polygon and a line",
        0,
        "",
        "1 region ('01001') had a geometry collection: its polygons were kept and LineString dropped",
        _geojson(
            _set_geometry(
                "01001",
                {
                    "type": "GeometryCollection",
                    "geometries": [
                        {"type": "Polygon", "coordinates": [_square(-100, 40)]},
                        {"type": "LineString", "coordinates": [[-100, 40], [-100.001, 40.001]]},
                    ],
                },
            )
        ),
        command=_own(),
        base=_F,
    ),
    Case(
        "indicators-in-geometry",
        "indicators stored as attributes of the geometry file",
        0,
        "",
        "regions.geojson: indicators read from the file's attributes",
        _attributes_in_geometry,
        command=("score", "--geometry", "{case}/regions.geojson", "--id", "GEOID"),
        base=_F,
    ),
    Case(
        "custom-own-files",
        "--custom over your own files recomputes rates from counts",
        0,
        "",
        "2 indicators without a value in any custom region left the index ('median_income', 'median_age')",
        _mapping(HALVES),
        command=_own("--custom", "{case}/mapping.csv", command="score"),
        base=_F,
        absent=("dropped by screening",),
    ),
    Case(
        "own-files-suggestion",
        "an error with your own files suggests a command that works",
        1,
        "",
        "run 'ideopolis validate --geometry",
        _csv_cell("01003", "income_pc", "abc"),
        command=_own(command="score"),
        base=_F,
    ),
    # -- crashes, hangs, half-written output
    Case(
        "deep-toml-manifest",
        "a deeply nested TOML manifest",
        1,
        "",
        "manifest.toml: is not valid TOML (nested too deeply (more than 32 levels of arrays or tables))",
        _deep_toml("manifest.toml"),
        command=("validate", "{case}"),
    ),
    Case(
        "deep-toml-profile",
        "a deeply nested TOML profile",
        1,
        "",
        "profile.toml: nested too deeply (more than 32 levels of arrays or tables)",
        _deep_toml("profile.toml"),
        command=_toy("score", "--profile", "{case}/profile.toml"),
    ),
    Case(
        "out-is-folder",
        "--out naming an existing folder",
        1,
        "",
        "scores.csv: it is a folder",
        _write_bytes("scores.csv/keep.txt", b"a folder named like a table\n"),
        command=_toy("score", "--out", "{case}/scores.csv"),
    ),
    Case(
        "out-unwritable",
        "--out in a place that cannot be written",
        1,
        "",
        "error: cannot write /proc/ideopolis-test/scores.csv: No such file or directory; fix: choose a writable path (--out)",
        lambda f: None,
        command=_toy("score", "--out", "/proc/ideopolis-test/scores.csv"),
    ),
    Case(
        "seed-negative",
        "--seed -1",
        1,
        "",
        "error: Invalid value for '--seed': Input should be greater than or equal to 0",
        lambda f: None,
        command=_toy("score", "--seed", "-1"),
    ),
    Case(
        "fifo-table",
        "a table path that is a FIFO",
        1,
        "",
        "pipe.csv: is a named pipe (FIFO), not a regular file",
        lambda f: None,
        command=("validate", "--geometry", "{case}/regions.geojson", "--indicators", "{cwd}/pipe.csv", "--id", "GEOID"),
        fifos=("pipe.csv",),
        timeout=20,
        base=_F,
    ),
    Case(
        "dev-zero-table",
        "a table path that is /dev/zero",
        1,
        "",
        "zero: is a character device, not a regular file",
        lambda f: None,
        command=("validate", "--geometry", "{case}/regions.geojson", "--indicators", "/dev/zero", "--id", "GEOID"),
        timeout=20,
        base=_F,
    ),
    Case(
        "permutations-huge",
        "--permutations 10000000 on a set over the budget",
        1,
        "",
        "10,000,000 permutations of 3,142 regions are 31,420,000,000 region-permutations, over the budget of 1,000,000,000",
        lambda f: None,
        command=("hotspots", "--regions", "us-counties", "--permutations", "10000000"),
        timeout=60,
    ),
    Case(
        "wide-table",
        "a table with 10,000 columns and 6 regions",
        0,
        "",
        "indicators: no problems found",
        _wide,
        command=_own(),
        timeout=60,
        base=_F,
    ),
    Case(
        "shapefile-without-dbf",
        "a shapefile without its .dbf",
        1,
        "",
        "regions.shp: its attribute table regions.dbf is missing",
        lambda f: _shapefile(f, dbf=False),
        command=(
            "validate",
            "--geometry",
            "{case}/regions.shp",
            "--indicators",
            "{case}/indicators.csv",
            "--id",
            "GEOID",
        ),
        base=_F,
        absent=("columns: )",),
    ),
    Case(
        "empty-featurecollection",
        "an empty FeatureCollection",
        1,
        "",
        "regions.geojson: has no features (an empty collection)",
        _write_bytes("regions.geojson", b'{"type": "FeatureCollection", "features": []}\n'),
        command=_own(),
        base=_F,
        absent=("columns: )",),
    ),
    Case(
        "header-only-table",
        "a table with a header and no rows",
        1,
        "",
        "indicators.csv: has a header (15 columns) but no data rows",
        _rewrite_csv(lambda rows: rows[:1]),
        command=_own(),
        base=_F,
        absent=("columns: )",),
    ),
    Case(
        "one-region",
        "a set of one region",
        1,
        "",
        "the data hold 1 region: scores compare regions with each other, so at least 2 are needed",
        _chain(_rewrite_csv(lambda rows: rows[:2]), _geojson(lambda d: d.update(features=d["features"][:1]))),
        command=_own(command="score"),
        base=_F,
        absent=("zero variance",),
    ),
    Case(
        "one-custom-region",
        "a custom set of one region",
        1,
        "",
        "the data hold 1 region: scores compare regions with each other, so at least 2 are needed",
        _mapping([(a, "All") for a, _ in HALVES]),
        command=_toy("score", "--custom", "{case}/mapping.csv"),
        absent=("zero variance",),
    ),
    Case(
        "table-listed-twice",
        "the same table given twice",
        1,
        "",
        "indicators.csv: --indicators: is given twice; fix: name each table once with --indicators",
        lambda f: None,
        command=_own("--indicators", "{case}/indicators.csv"),
        base=_F,
        absent=("also in",),
    ),
    Case(
        "kill-score-gpkg",
        "score --out .gpkg killed mid-write keeps the previous file",
        0,
        "",
        "scores.gpkg",
        lambda f: None,
        command=_toy("score", "--out", "{out}/scores.gpkg"),
        kill=1,
        timeout=120,
    ),
    Case(
        "kill-score-geojson",
        "score --out .geojson killed mid-write keeps the previous file",
        0,
        "",
        "scores.geojson",
        lambda f: None,
        command=_toy("score", "--out", "{out}/scores.geojson"),
        kill=1,
        timeout=120,
    ),
    Case(
        "kill-custom-out",
        "custom --out over an existing set, killed, keeps the previous set whole",
        0,
        "",
        "manifest.toml",
        _mapping(HALVES),
        command=("custom", "{case}/mapping.csv", "--regions", "{case}", "--out", "{out}/halves"),
        kill=1,
        timeout=120,
    ),
    Case(
        "missing-out-folder",
        "--out into a missing folder: the same rule for every command",
        0,
        "",
        "wrote",
        lambda f: None,
        command=_toy("hotspots", "--indicator", "income_pc", "--out", "{out}/new/dir/hot.csv"),
        outputs=("new/dir/hot.csv", "new/dir/hot.csv.run.toml"),
    ),
]
CASES += HARDENING

_EPOCH = ("SOURCE_DATE_EPOCH=1767225600",)
HARDENING_MORE = [
    Case(
        "same-bytes-map",
        "the same map twice is the same bytes (folium ids)",
        0,
        "",
        "run log: ",
        lambda f: None,
        command=_toy("map", "--offline", "--out", "{out}/m.html"),
        outputs=("m.html", "m.html.run.toml"),
        repeat=True,
        env=_EPOCH,
    ),
    Case(
        "same-bytes-gpkg",
        "the same GeoPackage twice is the same bytes (its timestamp)",
        0,
        "",
        "wrote",
        lambda f: None,
        command=_toy("score", "--out", "{out}/s.gpkg"),
        outputs=("s.gpkg", "s.gpkg.run.toml"),
        repeat=True,
        env=_EPOCH,
    ),
    Case(
        "same-bytes-png",
        "the same print map twice is the same bytes (matplotlib metadata)",
        0,
        "",
        "run log: ",
        lambda f: None,
        command=_toy("map", "--png", "--out", "{out}/m.png"),
        outputs=("m.png", "m.png.run.toml"),
        repeat=True,
        env=_EPOCH,
    ),
    Case(
        "same-bytes-csv",
        "the same table twice is the same bytes",
        0,
        "",
        "wrote",
        lambda f: None,
        command=_toy("hotspots", "--indicator", "income_pc", "--out", "{out}/h.csv"),
        outputs=("h.csv", "h.csv.run.toml"),
        repeat=True,
        env=_EPOCH,
    ),
    Case(
        "huge-geojson-feature",
        "a valid GeoJSON whose feature is over GDAL's per-object size limit",
        0,
        "",
        "indicators: no problems found",
        _geojson(
            lambda d: _feature(d, "01001")["geometry"].update(
                coordinates=[[[-100 + i / 4000, 40] for i in range(4000)] + [[-99, 41], [-100, 41], [-100, 40]]]
            )
        ),
        command=_own(),
        base=_F,
        env=("OGR_GEOJSON_MAX_OBJ_SIZE=0.05",),
        absent=("valid GeoJSON",),
    ),
]
CASES += HARDENING_MORE


HARDENING_LAST = [
    Case(
        "map-print-title",
        "map --png draws --title, and '$' or mathtext in it is text",
        0,
        "",
        "run log: ",
        lambda f: None,
        command=_toy("map", "--png", "--title", "Income $5 $\\alpha$ 50%", "--out", "{out}/m.svg"),
        outputs=("m.svg", "m.svg.run.toml"),
        inside=("m.svg", "Income $5 $\\alpha$ 50%"),
    ),
    Case(
        "terminal-escapes",
        "a region name with terminal escape sequences is printed escaped",
        0,
        "",
        "Alder\\x1b[2J\\x1b]0;owned\\x07",
        _geojson(lambda d: _feature(d, "01001")["properties"].update(name="Alder\x1b[2J\x1b]0;owned\x07")),
        command=_own("-n", "6", command="score"),
        base=_F,
        absent=("\x1b", "\x07"),
    ),
    Case(
        "gi-star-whole-set",
        "Gi* where every neighbourhood is (almost) the whole set: z is missing, never infinite",
        0,
        "",
        "wrote",
        lambda f: None,
        command=_toy("hotspots", "--indicator", "income_pc", "-W", "knn", "--neighbours", "5", "--out", "{out}/h.csv"),
        outputs=("h.csv", "h.csv.run.toml"),
        not_inside=("h.csv", "inf"),
    ),
    Case(
        "fifo-profile",
        "a profile path that is a FIFO",
        1,
        "",
        "p.toml",
        lambda f: None,
        command=_toy("score", "--profile", "{cwd}/p.toml"),
        fifos=("p.toml",),
        timeout=20,
    ),
    Case(
        "gpkg-layers-list",
        "a GeoPackage with several layers and none named: the layers are listed, none is read silently",
        1,
        "",
        "has 2 layers ('roads', 'counties') and no layer has column 'GEOID'",
        _gpkg_layers,
        command=(
            "validate",
            "--geometry",
            "{case}/regions.gpkg",
            "--indicators",
            "{case}/indicators.csv",
            "--id",
            "GEOID",
        ),
        base=_F,
    ),
]
CASES += HARDENING_LAST


def _gazetteer_txt(folder: Path) -> None:
    """The toy table as the Census gazetteer publishes: tab-separated .txt, the last header padded with spaces."""
    rows = _toy_rows()
    lines = ["\t".join(rows[0]) + "     "] + ["\t".join(r) + "  " for r in rows[1:]]
    (folder / "indicators.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "indicators.csv").unlink()


def _gzip_table(folder: Path) -> None:
    import gzip

    data = (folder / "indicators.csv").read_bytes()
    (folder / "indicators.csv.gz").write_bytes(gzip.compress(data, mtime=0))
    (folder / "indicators.csv").unlink()


def _census_moe(folder: Path) -> None:
    _census_export(folder)
    p = folder / "indicators.csv"
    p.write_text(p.read_text(encoding="utf-8").replace(",*****,", ",412,"), encoding="utf-8")


def _split_ids(rows: list[list[str]]) -> list[list[str]]:
    """Ids split over a state and a county column, as the Census population estimates publish them."""
    out = [["STATE", "COUNTY", *rows[0][1:]]]
    out += [[r[0][:2], r[0][2:], *r[1:]] for r in rows[1:]]
    return out


HARDENING_REAL = [
    Case(
        "gazetteer-txt",
        "a tab-separated .txt table with padded header names (the Census gazetteer)",
        0,
        "",
        "indicators.txt: read as tab-separated",
        _gazetteer_txt,
        command=(
            "validate",
            "--geometry",
            "{case}/regions.geojson",
            "--indicators",
            "{case}/indicators.txt",
            "--id",
            "GEOID",
        ),
        base=_F,
    ),
    Case(
        "csv-title-line",
        "a title line above a CSV's header (USDA ERS)",
        0,
        "",
        "indicators.csv: line 1 is a title above the header, skipped",
        lambda f: (f / "indicators.csv").write_text(
            "Indicators for six made-up counties, 2023,,,\n" + (f / "indicators.csv").read_text(encoding="utf-8"),
            encoding="utf-8",
        ),
        command=_own(),
        base=_F,
    ),
    Case(
        "trailing-notes",
        "notes below the data (OMB, BEA): skipped, not read as regions without ids",
        0,
        "",
        "indicators.csv: rows 8-9 are notes below the data (text in one cell), skipped",
        lambda f: (f / "indicators.csv").write_text(
            (f / "indicators.csv").read_text(encoding="utf-8")
            + '\n"Note: made up for tests."'
            + "," * 14
            + '\n"Source: ideopolis."'
            + "," * 14
            + "\n",
            encoding="utf-8",
        ),
        command=_own(),
        base=_F,
        absent=("no id",),
    ),
    Case(
        "gzipped-table",
        "a gzipped CSV (as BEA publishes its big tables)",
        0,
        "",
        "indicators: no problems found",
        _gzip_table,
        command=(
            "validate",
            "--geometry",
            "{case}/regions.geojson",
            "--indicators",
            "{case}/indicators.csv.gz",
            "--id",
            "GEOID",
        ),
        base=_F,
    ),
    Case(
        "census-margin-of-error",
        "a Census margin-of-error column is not scored",
        0,
        "",
        "inferred B01003_001M: count, auxiliary, not scored (a margin of error",
        _census_moe,
        command=(
            "validate",
            "--geometry",
            "{case}/regions.geojson",
            "--indicators",
            "{case}/indicators.csv",
            "--id",
            "GEO_ID",
            "--geometry-id",
            "GEOID",
        ),
        base=_F,
    ),
    Case(
        "count-in-thousands",
        "a count in thousands (Eurostat's total_jobs, not whole) is a count, not scored",
        0,
        "",
        "inferred total_jobs: count, auxiliary, not scored",
        _add_columns({"total_jobs": ["0.5", "1.0", "1.5", "2.0", "2.5", "3.0"]}),
        command=_own(),
        base=_F,
    ),
    Case(
        "topojson-own-files",
        "your own TopoJSON (no CRS, no manifest to name one): read as longitude/latitude",
        0,
        "",
        "regions.topojson: TopoJSON has no CRS; read as longitude/latitude (EPSG:4326)",
        _topojson,
        command=(
            "validate",
            "--geometry",
            "{case}/regions.topojson",
            "--indicators",
            "{case}/indicators.csv",
            "--id",
            "GEOID",
        ),
        base=_F,
        absent=("manifest",),
    ),
    Case(
        "own-empty-geometry",
        "your own shapes with one region lost at the file's resolution: it is left out, the rest is usable",
        0,
        "",
        "1 region has an empty or missing geometry ('01005'): left out of the set",
        _geojson(_set_geometry("01005", None)),
        command=_own(),
        base=_F,
    ),
    Case(
        "table-cp1252",
        "a region set's Windows-1252 table (an en dash, 0x96): the fix names the encoding",
        1,
        "",
        "fix: re-save it as UTF-8 (e.g. from Windows-1252: iconv -f cp1252 -t utf-8)",
        _replace_bytes("indicators.csv", b"GEOID,state", b"GEOID,state\x96code"),
        command=("validate", "{case}"),
    ),
    Case(
        "split-ids",
        "ids split over a state and a county column: the fix says to join them",
        1,
        "",
        "join them into one id column",
        _rewrite_csv(_split_ids),
        command=("validate", "--indicators", "{case}/indicators.csv", "--id", "COUNTY"),
        base=_F,
    ),
]
HARDENING_REAL.append(
    Case(
        "bea-footer",
        "BEA's layout: ' \"01001\"' ids (a space, then quotes) and a footer whose notes sit in the id column",
        0,
        "",
        "indicators.csv: rows 8-10 are notes below the data (text in one cell), skipped",
        _rewrite_csv(
            lambda rows: [
                rows[0],
                *([f' "{r[0]}"', *r[1:]] for r in rows[1:]),
                ['"Note: See the included footnote file."'],
                ['"Last updated: November 16, 2022."'],
                ['"U.S. Bureau of Economic Analysis"'],
            ]
        ),
        command=_own(),
        base=_F,
        absent=("no id", "no geometry"),
    )
)
HARDENING_REAL += [
    Case(
        "thousands-own-files",
        "your own CSV with quoted '1,234,567' numbers (USDA ERS): read as numbers, said once",
        0,
        "",
        "2 number(s) written with thousands separators ('1,234,567') read as numbers, in 1 column(s) ('income_total')",
        _chain(_csv_cell("01001", "income_total", '"30,000,000"'), _csv_cell("01003", "income_total", '"80,000,000"')),
        command=_own(),
        base=_F,
    ),
    Case(
        "several-vintages",
        "one indicator in several years (a wide panel): each year would be scored, and the fix says so",
        0,
        "",
        "1 indicator(s) are scored in several years each ('median_age 2010', 'median_age 2020')",
        _add_columns(
            {
                "median_age 2010": ["38", "33", "41", "32", "44", "30"],
                "median_age 2020": ["40", "35", "42", "33", "45", "31"],
            }
        ),
        command=_own(),
        base=_F,
    ),
]
HARDENING_REAL.append(
    Case(
        "own-cp1252",
        "your own Windows-1252 CSV (USDA's RUCC, BEA): read, and said",
        0,
        "",
        "indicators.csv: not UTF-8; read as Windows-1252 (Latin-1), as Excel and US agencies save CSV",
        _replace_bytes("indicators.csv", b"GEOID,state", b"GEOID,state\x96code"),
        command=_own(),
        base=_F,
    )
)
CASES += HARDENING_REAL


if __name__ == "__main__":
    names = build(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
    print(f"wrote {len(names)} broken region sets")
