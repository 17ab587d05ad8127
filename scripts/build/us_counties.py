"""Assemble the ``us-counties`` region set: every county or equivalent of the 2017 polygons."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import shapely

from . import ct, datasheet, geo, output, us_lens, us_spec, us_text
from .readers_us import ISLAND_AREAS, read_felten_aige
from .spec import Group, RegionSet
from .us_common import AK_NEW, AK_OLD, US_LICENSE, US_SOURCES, UsSources, bea_by_census, counties_2017, to_2017
from .us_geometry import UsFaces
from .us_metros import LensContext

TOLERANCE = 0.005


def region_set() -> RegionSet:
    """Metadata of us-counties.

    Returns
    -------
    RegionSet
        Groups and indicators in their written order.
    """
    indicators = (
        us_spec.population_indicators("counties")
        + us_spec.migration_indicators("counties")
        + us_spec.bea_indicators("counties")
        + us_spec.lens_indicators("counties")
    )
    return RegionSet(
        name="us-counties",
        title="US counties and county equivalents (Census cartographic boundaries 2017)",
        description=(
            "Every county or equivalent of the 2017 county polygons (50 states, DC, Puerto Rico and the island "
            "areas; Connecticut as legacy counties) with talent, migration, income, GDP, patents and "
            "unemployment indicators."
        ),
        id_column="fips",
        name_column="name",
        license=US_LICENSE,
        sources=list(US_SOURCES),
        groups=[
            Group("state", "State or territory (USPS code)", None, "From the FIPS state code."),
            Group(
                "cbsa_code",
                "Core-based statistical area (OMB July 2023)",
                None,
                "5-digit CBSA code; blank outside CBSAs. Connecticut legacy counties: CBSA of the dominant "
                "planning region.",
            ),
            Group(
                "cbsa_type",
                "Metropolitan / micropolitan / outside CBSAs",
                ("metro", "micro", "noncore"),
                "OMB July 2023; noncore = in no CBSA (also the island areas, which OMB does not delineate).",
            ),
            Group(
                "rucc_2023",
                "Rural-Urban Continuum Code 2023",
                tuple(str(i) for i in range(1, 10)),
                "USDA ERS RUCC 2023 (1-3 metro by size, 4-9 nonmetro); blank where not applicable.",
            ),
            Group("lens_route", "How the occupation mix was obtained", us_lens.ROUTES, "See 'Export-jobs lens'."),
            Group(
                "lens_area",
                "Area whose occupation mix the county's lens rests on",
                None,
                "2023 CBSA code, or 'nonmetro-SS' (the pooled OEWS nonmetropolitan areas of state SS); blank "
                "for the island areas.",
            ),
        ],
        indicators=indicators,
        vintage="2000-2025 (see DATASHEET.md per indicator)",
        default_indicator="ba_plus_share",
        reference_tables=[us_lens.occupations_side_table()],
    )


def _names_and_groups(src: UsSources, keys: pd.Index) -> pd.DataFrame:
    """Name, state, CBSA membership and RUCC of every 2017 polygon."""
    gaz = src.gazetteer.set_index("fips5")
    rucc = src.rucc.set_index("fips5")
    atlas = src.atlas.set_index("fips5")
    usps = dict(zip(gaz.index.str[:2], gaz["usps"], strict=True)) | ISLAND_AREAS
    names = {}
    for k in keys:
        if k in gaz.index:
            names[k] = f"{gaz.loc[k, 'name']}, {gaz.loc[k, 'usps']}"
        elif k in ct.LEGACY:
            names[k] = f"{atlas.loc[k, 'atlas_name']} County, CT"
        elif k == AK_OLD:
            names[k] = "Valdez-Cordova Census Area, AK"
        else:
            names[k] = f"{rucc.loc[k, 'county_name']}, {rucc.loc[k, 'usps']}"
    member = src.delineation.set_index("fips5")
    dominant = src.ct_alloc.dominant_region()
    cbsa, kind, code = {}, {}, {}
    for k in keys:
        source_key = dominant.get(k, k)
        if k == AK_OLD:
            codes = {rucc.loc[a, "rucc_2023"] for a in AK_NEW}
            code[k] = codes.pop() if len(codes) == 1 else ""
            source_key = AK_NEW[0]
        else:
            code[k] = rucc.loc[source_key, "rucc_2023"] if source_key in rucc.index else ""
        if source_key in member.index and k != AK_OLD:
            cbsa[k] = member.loc[source_key, "cbsa"]
            kind[k] = member.loc[source_key, "cbsa_type"]
        else:
            cbsa[k], kind[k] = "", "noncore"
    return pd.DataFrame(
        {
            "name": pd.Series(names),
            "state": pd.Series({k: usps[k[:2]] for k in keys}),
            "cbsa_code": pd.Series(cbsa),
            "cbsa_type": pd.Series(kind),
            "rucc_2023": pd.Series(code),
        }
    ).reindex(keys)


def build(src: UsSources, faces: UsFaces, out_dir: Path, ctx: LensContext, shared: Path) -> dict[str, float]:
    """Build and write us-counties.

    Parameters
    ----------
    src : UsSources
        Raw tables.
    faces : UsFaces
        The cleaned county coverage.
    out_dir : pathlib.Path
        Folder to write (created).
    ctx : LensContext
        The CBSA-level lens pieces (:func:`us_metros.lens_context`).
    shared : pathlib.Path
        Shared data root (Felten's AIGE, for the validation).

    Returns
    -------
    dict
        Numbers for the build report (regions, coverage quality, vertices).
    """
    rs = region_set()
    keys = pd.Index(sorted(src.atlas["fips5"]), name="fips")
    counts = counties_2017(src).reindex(keys)

    polygons = geo.dissolve(faces.faces.geoms, faces.faces.owner).reindex(keys)
    assert polygons.notna().all(), polygons[polygons.isna()].index.tolist()

    # Connecticut legacy land area: the state's Gazetteer land area split by polygon area (equal-area CRS).
    ct_land = src.gazetteer.set_index("fips5")["aland_m2"].reindex(ct.REGIONS).sum() / 1e6
    legacy_area = pd.Series(shapely.area(geo.to_equal_area(polygons.reindex(ct.LEGACY).to_numpy())), index=ct.LEGACY)
    counts.loc[ct.LEGACY, "land_km2"] = ct_land * legacy_area / legacy_area.sum()

    groups = _names_and_groups(src, keys)
    gdp_mix = to_2017(bea_by_census(us_lens.gdp_sector_mix(src.cagdp2, ctx.inputs), src), src)
    lens = us_lens.county_lens(ctx.inputs, groups, counts, ctx.lens, ctx.extras, src.delineation, ctx.c23, gdp_mix)
    context = counts[["personal_income_2021_k", "bea_pop_2021", "ba_plus_25", "pop_25plus"]].astype(float)
    context = pd.DataFrame(
        {
            "income_per_capita": context["personal_income_2021_k"] / context["bea_pop_2021"],
            "ba_plus_share": context["ba_plus_25"] / context["pop_25plus"],
        }
    )
    lens_stats = us_lens.county_validation(lens, read_felten_aige(shared), context)
    lens_stats |= us_lens.csa_check(ctx.inputs, ctx.groups, ctx.extras, ctx.c23, src.delineation, ctx.gdp_2023)
    table = pd.concat([groups, counts, lens], axis=1)
    table.index.name = "fips"
    table = table.reset_index()
    final = output.finalize_indicators(table, rs)

    simplified = geo.simplify_coverage(polygons.to_numpy(), TOLERANCE)
    quality = geo.coverage_quality(simplified)
    n_vertices = int(shapely.get_num_coordinates(simplified).sum())

    out_dir.mkdir(parents=True, exist_ok=True)
    output.write_indicators_csv(
        final,
        rs,
        out_dir / "indicators.csv",
        ["fips", "name", "state", "cbsa_code", "cbsa_type", "rucc_2023", "lens_route", "lens_area"],
    )
    us_lens.write_occupations(ctx.inputs.scores, out_dir / "occupations.csv")
    output.write_geoparquet(list(keys), simplified, "fips", out_dir / "geometry.parquet")
    output.write_manifest(rs, out_dir / "manifest.toml")
    sections = [
        ("Geometry", us_text.geometry_notes(faces, quality, TOLERANCE, n_vertices)),
        ("Connecticut", us_text.connecticut(src, None, "counties")),
        ("Alaska", us_text.alaska("counties")),
        ("BEA combination areas", us_text.bea_combinations(src, final)),
        ("Knowledge-intensive GDP and suppression", us_text.knowledge_gdp_coverage(src) + _NO_KNOWLEDGE_PILLAR),
        ("Export-jobs lens", us_lens.county_text(final, lens_stats) + us_lens.csa_text(lens_stats)),
        ("Occupation scores", us_lens.scores_text(ctx.inputs.scores)),
        ("GDP per capita of tiny counties", us_text.gdp_floor(final)),
        ("Puerto Rico and the island areas", _territories(final)),
        ("Vintages", us_text.vintages("counties")),
        ("Missing values and zeros", us_text.missing_values()),
        ("Rebuilding", us_text.rebuild()),
    ]
    intro = (
        "Every county or county equivalent of the 2017 Census cartographic boundary polygons: 3,142 in the 50 "
        "states and DC (Connecticut as its 8 legacy counties, Alaska with Valdez-Cordova 02261), 78 Puerto Rico "
        "municipios and 11 island-area units (American Samoa 60, Guam 66, Northern Mariana Islands 69, U.S. "
        "Virgin Islands 78), as the issue asks for every polygon. The group columns `cbsa_code` and `cbsa_type` "
        "let custom regions rebuild metros from counties. Every county in the 50 states, DC and Puerto Rico has "
        "the export_jobs pillar (five exposure measures from its occupation mix; route and area in `lens_route` "
        "and `lens_area`), so the lens (balance, typology) covers every county; there is no employment-by-"
        "industry source covering every county, so knowledge_jobs is represented by the knowledge-intensive "
        "share of GDP."
    )
    text = datasheet.render(rs, final, intro, sections)
    (out_dir / "DATASHEET.md").write_text(text, encoding="utf-8")
    return {"regions": float(len(final)), "vertices": float(n_vertices), **quality, **lens_stats}


#: What a county without knowledge-intensive GDP means for its scores (the pillar's only indicator here).
_NO_KNOWLEDGE_PILLAR = """
`gdp_knowledge_share` is the only knowledge_jobs indicator of this set, so where it is missing a county has no
knowledge_jobs pillar: ideopolis then scores its index on the other four pillars, names them (`scored_on`) and does
not rank it with the counties scored on all five (docs/method.md, 'Data availability').
"""


def _territories(final: pd.DataFrame) -> str:
    """The Puerto Rico / island areas section with their coverage."""
    pr = final[final["fips"].str.startswith("72")]
    isl = final[final["fips"].str[:2].isin(ISLAND_AREAS)]
    cols = ["pop_2023", "pop_2020", "ba_plus_share", "income_per_capita", "unemployment_rate", "patents_2000_2015"]

    def have(frame: pd.DataFrame) -> str:
        return ", ".join(f"`{c}` {int(frame[c].notna().sum())}" for c in cols)

    return f"""
The 2017 polygons include the 78 Puerto Rico municipios and 11 island-area units, so they are regions here.
Puerto Rico is in ERS, Gazetteer, RUCC, LAUS, CBSA and USPTO but not in PopEst or BEA; the island areas are only in
the RUCC file (2020 Census population, RUCC) and USPTO (patents). Everything else is missing for them (values with
data - Puerto Rico: {have(pr)}; island areas: {have(isl)}). Scoring runs normally screen them out by data
availability (they stay in every table and map with missing scores and the reason); filter on `state` to drop
them. USPTO counts patents in the territories, so their patent counts are real data (0 where absent), but the
per-100k rate is missing (no BEA population).
"""
