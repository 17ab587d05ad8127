"""Shortlists: the --where language (parsed, never evaluated as code), Run.where/subset, ranks national or within."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import ideopolis as ideo
from ideopolis.cli import app
from ideopolis.decide.attributes import EU27, development_stage, size_class
from ideopolis.decide.where import MAX_DEPTH, WhereError, parse, tokenize
from ideopolis.errors import ConfigError, IdeopolisError
from ideopolis.index.results import rank_table

TOY = Path(__file__).resolve().parent / "data" / "toy"

TABLE = pd.DataFrame(
    {
        "population": [100_000.0, 300_000.0, np.nan, 2_000_000.0],
        "type": ["micro", "metro", None, "Metro"],
        "state": ["IA", "NE", "IA", "CA"],
        "eu27": [True, False, True, False],
        "rate": [-6.0, 1.0, 2.0, np.nan],
        "name": ["Ames, IA", "Omaha, NE-IA", "Île-de-France", "San Jose, CA"],
    },
    index=["a", "b", "c", "d"],
)


def kept(expr: str, table: pd.DataFrame = TABLE) -> list[str]:
    return [str(i) for i in table.index[parse(expr).evaluate(table)]]


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("population >= 250000", ["b", "d"]),
        ("population >= 250k and type == 'metro'", ["b", "d"]),  # text ignores case
        ("population > 1.5m", ["d"]),
        ('population >= 250_000 and type == "micro"', []),
        ("population < 2e5 or state == 'CA'", ["a", "d"]),
        ("state in ['IA', 'ne']", ["a", "b", "c"]),
        ("state not in ('IA')", ["b", "d"]),
        ("rate < -5", ["a"]),
        ("rate >= -5.5 and rate <= +1", ["b"]),
        ("eu27", ["a", "c"]),
        ("not eu27", ["b", "d"]),
        ("eu27 == false", ["b", "d"]),
        ("name contains 'ile de'", ["c"]),  # accents and punctuation ignored
        ("name not contains 'IA'", ["c", "d"]),
        ("population is missing", ["c"]),
        ("population is not missing and not (population > 1m)", ["a", "b"]),
        ("`population` > 150000 && !(state == 'CA')", ["b"]),
        ("POPULATION > 150000 AND Type == 'METRO'", ["b", "d"]),
        ("rate > population", []),  # two columns
        ("(((population > 0)))", ["a", "b", "d"]),
    ],
)
def test_expressions_keep_the_rows_computed_by_hand(expr: str, expected: list[str]) -> None:
    assert kept(expr) == sorted(expected, key=list(TABLE.index).index)


def test_missing_values_follow_three_valued_logic() -> None:
    # c has no population: "population > 1" is unknown there, and so is its negation; the region is never kept
    assert "c" not in kept("population > 1")
    assert "c" not in kept("not (population > 1)")
    # unknown or true is true; unknown and false is false
    assert "c" in kept("population > 1 or state == 'IA'")
    assert "c" not in kept("population > 1 and state == 'IA'")
    _, known = parse("population > 1 and state == 'NE'").truth(TABLE)
    assert known.tolist() == [True, True, True, True]  # c: unknown and false -> known false
    _, known = parse("population > 1 and state == 'IA'").truth(TABLE)
    assert known.tolist() == [True, True, False, True]


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("popuation > 3", "unknown column 'popuation' (did you mean 'population'?)"),
        ("popu > 3", "unknown column 'popu' (did you mean 'population'?)"),
        ("population = 5", "at character 12: a single '=' assigns; compare with '=='"),
        ("population >", "at the end: the expression ends too early"),
        ("(population > 1", "a '(' is not closed"),
        ("population > 'big'", "'population' is a number and 'big' is a text"),
        ("type > 'm'", "text values compare with == or !=, not >"),
        ("population", "'population' is a number, not true/false"),
        ("type == 'metropolitan'", "no region has type 'metropolitan' (did you mean 'metro'?)"),
        ("state in ['IA', 3]", "'state' is a text and the list is a number"),
        ("population contains 'x'", "'contains' looks inside text"),
        ("name contains state", "'contains' takes a text in quotes"),
        ("population in [1, state]", "a list holds values, not the column 'state'"),
        ("population is 3", "'is' goes with 'missing'"),
        ("'a' is missing", "'is missing' tests a column"),
        ("population > 1 population < 2", "unexpected 'population'; join tests with 'and' or 'or'"),
        ("", "the expression is empty"),
        ("name == 'x", "a text in quotes is not closed"),
        ("`name == 'x'", "a column name in backticks is not closed"),
        ("population > 12abc", "is neither a number nor a column name"),
        ("population > 1 ; rm -rf /", "unexpected character ';'"),
        ("__import__('os').system('touch x')", "at character 17: unexpected character '.'"),
        ("__import__('os')", "unexpected '('"),
        ("x.__class__", "unexpected character '.'"),
    ],
)
def test_bad_expressions_are_one_clear_error(expr: str, message: str) -> None:
    with pytest.raises(WhereError) as err:
        parse(expr).evaluate(TABLE)
    assert message in str(err.value)
    assert "\n" not in str(err.value)
    assert isinstance(err.value, ConfigError | ValueError)


def test_limits_on_length_and_depth() -> None:
    with pytest.raises(WhereError, match="the limit is 2,000"):
        parse("population > 1 or " * 200 + "population > 1")
    with pytest.raises(WhereError, match=f"nested more than {MAX_DEPTH} levels"):
        parse("(" * 100 + "population > 1" + ")" * 100)
    with pytest.raises(WhereError, match=f"nested more than {MAX_DEPTH} levels"):
        parse("not " * 100 + "eu27")
    assert kept("(" * 30 + "population > 1" + ")" * 30) == ["a", "b", "d"]


def test_tokens_name_their_positions() -> None:
    tokens = tokenize("pop >= 2.5k and `odd name` != 'x'")
    assert [(t.kind, t.value, t.pos) for t in tokens] == [
        ("name", "pop", 0),
        ("op", ">=", 4),
        ("number", 2500.0, 7),
        ("op", "and", 12),
        ("name", "odd name", 16),
        ("op", "!=", 27),
        ("string", "x", 30),
        ("end", None, 33),
    ]


@given(st.text(max_size=80))
@settings(max_examples=400, deadline=None)
def test_any_text_is_parsed_or_refused_never_run(text: str) -> None:
    """Whatever is typed: a result or a WhereError, nothing else (no eval, no other exception)."""
    try:
        result = parse(text).evaluate(TABLE)
    except WhereError as exc:
        assert "\n" not in str(exc).strip() or "\n" in text or "\r" in text
        return
    assert result.dtype == bool and list(result.index) == list(TABLE.index)


@given(st.floats(min_value=-1e7, max_value=1e7, allow_nan=False), st.sampled_from(["<", "<=", ">", ">=", "==", "!="]))
@settings(max_examples=200, deadline=None)
def test_numeric_comparisons_match_numpy(threshold: float, op: str) -> None:
    values = TABLE["population"].to_numpy()
    with np.errstate(invalid="ignore"):
        expected = {
            "<": values < threshold,
            "<=": values <= threshold,
            ">": values > threshold,
            ">=": values >= threshold,
            "==": values == threshold,
            "!=": values != threshold,
        }[op] & ~np.isnan(values)
    assert parse(f"population {op} {threshold!r}").evaluate(TABLE).tolist() == expected.tolist()


# ---------------------------------------------------------------------------------------------------------
# attributes


def test_size_classes_and_development_stages_by_hand() -> None:
    assert size_class(pd.Series([0, 49_999, 50_000, 199_999, 200_000, 500_000, 1_499_999, 1_500_000])).tolist() == [
        "under 50k",
        "under 50k",
        "50k-200k",
        "50k-200k",
        "200k-500k",
        "500k-1.5M",
        "500k-1.5M",
        "1.5M+",
    ]
    # average = (10*1 + 30*1 + 50*2) / 4 = 35; indices 28.6, 85.7, 142.9
    index, stage, average = development_stage(pd.Series([10.0, 30.0, 50.0, np.nan]), pd.Series([1.0, 1.0, 2.0, 5.0]))
    assert average == 35.0
    np.testing.assert_allclose(index.to_numpy()[:3], [100 * 10 / 35, 100 * 30 / 35, 100 * 50 / 35])
    assert stage.tolist()[:3] == [1, 3, 5] and stage.isna().tolist()[3]
    # the reference group alone sets the average (EU-27 = 100)
    index, _, average = development_stage(
        pd.Series([10.0, 30.0]), pd.Series([1.0, 1.0]), reference=pd.Series([True, False])
    )
    assert average == 10.0 and index.tolist() == [100.0, 300.0]


@pytest.mark.parametrize("name", ["us-metros", "us-counties", "eu-nuts2"])
def test_attributes_of_every_bundled_set(name: str) -> None:
    rs = ideo.load_regions(name)
    table = ideo.score(rs).attributes()
    assert list(table.index) == list(rs.ids)
    assert {"id", "name", "population", "size", "stage", "gdp_per_head_index", "ideopolis_index"} <= set(table)
    assert "rank_ideopolis_index" in table and "typology" in table
    if name.startswith("us"):
        assert {"type", "state"} <= set(table) and "country" not in table
        # population: 2023, and the 2020 census where 2023 is missing (Puerto Rico, the island areas)
        assert table["population"].equals(rs.data["pop_2023"].fillna(rs.data["pop_2020"]).astype(float))
    else:
        assert {"country", "eu27"} <= set(table) and "type" not in table
        assert set(table.loc[table["eu27"], "country"]) == set(EU27) & set(table["country"])
        assert not table.loc[table["country"].isin(["UK", "NO", "CH"]), "eu27"].any()
        # population: 2019, and 2018 where 2019 is missing
        expected = rs.data["pop_2019"].fillna(rs.data["pop_2018"])
        assert table["population"].equals(expected.astype(float))


# ---------------------------------------------------------------------------------------------------------
# shortlists of runs


def _independent(rs: ideo.RegionSet, mask: pd.Series) -> list[str]:
    return [str(i) for i in rs.ids[mask.reindex(rs.ids).fillna(False).to_numpy(dtype=bool)]]


@pytest.mark.parametrize(
    ("name", "expr", "mask"),
    [
        (
            "us-metros",
            "population >= 250000 and type == 'metro'",
            lambda rs: (
                (rs.data["pop_2023"].fillna(rs.data["pop_2020"]) >= 250_000) & (rs.groups["cbsa_type"] == "metro")
            ),
        ),
        (
            "us-counties",
            "state in ['IA', 'NE'] and ba_plus_share > 0.3",
            lambda rs: rs.groups["state"].isin(["IA", "NE"]) & (rs.data["ba_plus_share"] > 0.3),
        ),
        (
            "eu-nuts2",
            "eu27 and country != 'DE' and population > 3m",
            lambda rs: (
                rs.groups["country"].isin(EU27)
                & (rs.groups["country"] != "DE")
                & (rs.data["pop_2019"].fillna(rs.data["pop_2018"]) > 3e6)
            ),
        ),
    ],
)
def test_where_on_every_bundled_set_matches_pandas(name: str, expr: str, mask: object) -> None:
    run = ideo.score(name)
    rs = run.regions
    assert rs is not None
    expected = _independent(rs, mask(rs))  # type: ignore[operator]
    short = run.where(expr)
    assert short.selection is not None and list(short.selection.ids) == expected
    scored = [i for i in expected if i in run.index.scores.index]
    assert list(short.scores.index) == scored
    pd.testing.assert_frame_equal(short.ranks, run.ranks.loc[scored])  # national ranks: unchanged
    within = run.where(expr, ranks="within")
    ranked = run.index.scores.loc[scored].where(run.ranks.loc[scored].notna())  # like with like, as nationally
    pd.testing.assert_frame_equal(within.ranks, rank_table(ranked))
    n_ranked = int(run.ranks.loc[scored, "ideopolis_index"].notna().sum())
    assert sorted(within.ranks["ideopolis_index"].dropna()) == list(range(1, n_ranked + 1))
    assert (
        list(within.table().index) == expected
    )  # every region of the shortlist, scored or not (a region not scored keeps its row)
    top = within.top(5)
    assert top["rank"].tolist() == [1, 2, 3, 4, 5]
    assert run.index is short.index  # the same scores: a shortlist never re-normalises


def test_where_reads_scores_and_ranks_and_combines() -> None:
    run = ideo.score(str(TOY))
    top3 = run.where("rank_ideopolis_index <= 3")
    assert sorted(top3.ranks["ideopolis_index"]) == [1, 2, 3]
    both = top3.where("state == '02'")
    assert both.selection is not None
    assert both.selection.expression == "(rank_ideopolis_index <= 3) and (state == '02')"
    assert set(both.scores.index) <= set(top3.scores.index)
    assert both.log_document(log=False)["shortlist"] == {"where": both.selection.expression, "ranks": "national"}


def test_subset_by_names_and_the_log_replays(tmp_path: Path) -> None:
    run = ideo.score("us-metros")
    pair = run.subset(["Des Moines", "omaha"], ranks="within")
    assert sorted(pair.scores.index) == ["19780", "36540"]
    out = tmp_path / "pair.csv"
    pair.to_file(out)
    log = tomllib.loads((tmp_path / "pair.csv.run.toml").read_text())
    assert log["shortlist"] == {"ids": ["19780", "36540"], "ranks": "within"}
    again = ideo.score(profile=tmp_path / "pair.csv.run.toml")
    assert again.selection is not None and again.selection.ids == ("19780", "36540")
    pd.testing.assert_frame_equal(again.ranks, pair.ranks)


def test_where_errors() -> None:
    run = ideo.score(str(TOY))
    with pytest.raises(ConfigError, match="no region of toy matches --where 'population > 1e9'"):
        run.where("population > 1e9")
    with pytest.raises(ConfigError, match=r"ranks \(--ranks\) is 'global'; use one of: national, within"):
        run.where("population > 1", ranks="global")
    with pytest.raises(WhereError, match=r"unknown column 'talnet' \(did you mean 'talent'"):
        run.where("talnet > 50")
    with pytest.raises(ConfigError, match="--ranks within re-ranks a shortlist"):
        ideo.score(str(TOY), ranks="within")
    with pytest.raises(IdeopolisError, match="no region 'Atlantis'"):
        run.subset(["Atlantis"])


# ---------------------------------------------------------------------------------------------------------
# the CLI


def test_score_where_prints_the_shortlist_and_says_which_ranks(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "short.csv"
    args = ["score", "--where", "population >= 1m and type == 'metro'", "--ranks", "within", "-n", "3"]
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    attrs = ideo.score("us-metros").attributes()
    matching = attrs[(attrs["population"] >= 1e6) & (attrs["type"] == "metro")]
    n = int(matching["rank_ideopolis_index"].notna().sum())  # the regions ranked (every pillar scored)
    assert f"note: {len(matching)} of 935 regions match --where" in result.stderr
    assert "ranks are within these" in result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[1] for line in lines[1:]] == ["1", "2", "3"]
    table = pd.read_csv(out, dtype={"id": str})
    assert len(table) == len(matching)  # every region of the shortlist, scored or not (with the reason)
    assert sorted(table["rank_ideopolis_index"].dropna().astype(int)) == list(range(1, n + 1))
    assert {"population", "type", "state"} <= set(table.columns)  # exports carry the attributes
    assert (table["population"] >= 1e6).all() and set(table["type"]) == {"metro"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["score", "--where", "popultion > 5"],
            "error: --where: unknown column 'popultion' (did you mean 'population'?)",
        ),
        (["map", "--where", "type == 'metropolitan'", "--offline"], "no region has type 'metropolitan'"),
        (["hotspots", "--where", "population >"], "the expression ends too early"),
        (["score", "--ranks", "within"], "--ranks within re-ranks a shortlist"),
        (["score", "--where", "x", "--ranks", "both"], "is 'both'; use one of: national, within"),
    ],
)
def test_where_errors_on_the_command_line(runner: CliRunner, args: list[str], message: str, tmp_path: Path) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


def test_map_and_hotspots_show_the_shortlist(runner: CliRunner, tmp_path: Path) -> None:
    import json
    import re

    page = tmp_path / "m.html"
    result = runner.invoke(
        app, ["map", "--regions", str(TOY), "--where", "state == '02'", "--offline", "--no-hotspots", "-o", str(page)]
    )
    assert result.exit_code == 0, result.stderr
    match = re.search(r'<script type="application/json" id="ideopolis-data">(.*?)</script>', page.read_text(), re.S)
    assert match is not None
    data = json.loads(match.group(1))
    assert data["ids"] == ["02001", "02003", "02005"]  # only the shortlist is drawn
    assert "3 of 6 regions match --where" in result.stderr
    hot = tmp_path / "hot.csv"
    result = runner.invoke(
        app,
        ["hotspots", "--regions", str(TOY), "--permutations", "99", "--where", "state == '01'", "--out", str(hot)],
    )
    assert result.exit_code == 0, result.stderr
    assert "the test ran on all 6 regions of toy; showing the 3 in the shortlist" in result.stderr
    assert pd.read_csv(hot, dtype={"id": str})["id"].tolist() == ["01001", "01003", "01005"]
    full = ideo.hotspots(str(TOY), "ideopolis_index", permutations=99).table
    table = pd.read_csv(hot, dtype={"id": str}).set_index("id")
    np.testing.assert_allclose(table["p_sim"], full.loc[table.index, "p_sim"])  # the national test, filtered


def test_clusters_where(runner: CliRunner) -> None:
    result = runner.invoke(app, ["clusters", "--cluster", "Insurance", "--where", "state == 'IA'", "--top", "50"])
    assert result.exit_code == 0, result.stderr
    assert "the LQ ranks are national" in result.stderr
    listed = [line for line in result.stdout.splitlines() if ", IA" in line]
    assert listed and all(", IA" in line or "IA-" in line for line in listed)
    bad = runner.invoke(app, ["clusters", "Des Moines", "--where", "state == 'IA'"])
    assert bad.exit_code == 1 and "--where shortlists the regions of a cluster's list" in bad.stderr


@pytest.mark.parametrize(
    ("name", "region", "setting"),
    [
        ("us-metros", "Des Moines", "ba_plus_share=0.45"),
        ("us-counties", "Polk County, IA", "ba_plus_share=0.5"),
        ("eu-nuts2", "Lombardia", "tertiary_25_64=30"),
    ],
)
def test_peers_and_whatif_on_every_bundled_set(name: str, region: str, setting: str, runner: CliRunner) -> None:
    peers = runner.invoke(app, ["peers", region, "--regions", name, "-k", "5", "--where", "population > 100k"])
    assert peers.exit_code == 0, peers.stderr
    assert peers.stdout.startswith("Peers of ") and "what sets each peer apart" in peers.stdout
    whatif = runner.invoke(app, ["whatif", region, "--regions", name, "--set", setting])
    assert whatif.exit_code == 0, whatif.stderr
    assert "ideopolis_index: " in whatif.stdout and "normalisation bounds" in whatif.stdout


def test_where_on_coinr_tables(runner: CliRunner) -> None:
    asem = Path(__file__).resolve().parent / "data" / "coinr-asem"
    args = ["score", "--coinr-data", str(asem / "asem_iData.csv"), "--coinr-meta", str(asem / "asem_iMeta.csv")]
    result = runner.invoke(app, [*args, "--where", "rank_Index <= 10 and Index > 0", "--ranks", "within"])
    assert result.exit_code == 0, result.stderr
    assert "10 of 51 regions match --where" in result.stderr
    assert [line.split()[1] for line in result.stdout.splitlines()[1:4]] == ["1", "2", "3"]


def test_shortlist_section_of_a_profile(tmp_path: Path) -> None:
    from ideopolis.index.profile import profile_from_dict

    config = profile_from_dict({"shortlist": {"where": "population > 2500", "ranks": "within"}})
    assert dict(config.shortlist) == {"where": "population > 2500", "ranks": "within"}
    assert config.to_dict()["shortlist"] == {"where": "population > 2500", "ranks": "within"}
    for bad, message in (
        ({"shortlist": {"wher": "x"}}, "unknown key 'wher' in [shortlist]"),
        ({"shortlist": {"where": 3}}, "where in the profile must be a text"),
        ({"shortlist": {"ids": "01001"}}, "ids in the profile must be a list of region ids"),
        ({"shortlist": {"where": "x", "ids": ["a"]}}, "has both where and ids"),
        ({"shortlist": {"ranks": "global"}}, "ranks is 'global'"),
        ({"shortlist": "x"}, "[shortlist] in the profile must be a table"),
    ):
        with pytest.raises(ConfigError, match=re.escape(message)):
            profile_from_dict(bad)
    profile = tmp_path / "p.toml"
    profile.write_text(f'regions = "{TOY}"\n[shortlist]\nwhere = "population > 2500"\nranks = "within"\n')
    run = ideo.score(profile=profile)
    assert sorted(run.scores.index) == ["01005", "02001", "02003", "02005"]
    assert sorted(run.ranks["ideopolis_index"]) == [1, 2, 3, 4]
    over = ideo.score(profile=profile, where="population > 4500")  # the option wins over the profile
    assert sorted(over.scores.index) == ["02003", "02005"]
