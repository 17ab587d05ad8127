"""The one region lookup: ids, names, parts of names, accents and case, suggestions, errors."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ideopolis.errors import IdeopolisError, RegionSetError
from ideopolis.regions.lookup import RegionNotFoundError, find_region, fold

NAMES = pd.Series(
    {
        "FR10": "Île-de-France",
        "ITC4": "Lombardia",
        "19780": "Des Moines-West Des Moines, IA",
        "38860": "Portland-South Portland, ME",
        "38900": "Portland-Vancouver-Hillsboro, OR-WA",
        "41180": "St. Louis, MO-IL",
        "99999": "Moines",
    }
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("FR10", "FR10"),
        ("ile-de-france", "FR10"),
        ("ÎLE DE FRANCE", "FR10"),
        ("Ile de France", "FR10"),
        ("lombard", "ITC4"),
        ("st louis", "41180"),
        ("St. Louis, MO-IL", "41180"),
        ("moines", "99999"),  # the whole name wins over a part of another
        ("des moines", "19780"),  # the start of a name
        ("vancouver", "38900"),  # a word inside a name
        ("  hillsboro ", "38900"),
    ],
    ids=lambda v: v,
)
def test_finds_one_region(query: str, expected: str) -> None:
    assert find_region(NAMES, query, set_name="test") == expected


def test_ambiguous_names_list_the_candidates() -> None:
    with pytest.raises(RegionNotFoundError) as info:
        find_region(NAMES, "portland", set_name="test")
    message = str(info.value)
    assert message.startswith("'portland' matches 2 regions in test: Portland-South Portland, ME (38860); ")
    assert message.endswith("fix: give the id or more of the name")


@pytest.mark.parametrize(
    ("query", "suggestion"),
    [("Desmoines", "Des Moines-West Des Moines, IA"), ("Lombardy", "Lombardia"), ("Ile de Frnce", "Île-de-France")],
)
def test_near_misses_get_suggestions(query: str, suggestion: str) -> None:
    with pytest.raises(RegionNotFoundError, match=f"no region '{query}' in test \\(did you mean '{suggestion}'"):
        find_region(NAMES, query, set_name="test")


def test_no_match_no_suggestion_and_dropped_regions() -> None:
    with pytest.raises(RegionNotFoundError, match=r"^no region 'Atlantis' in test; fix: give an id or part of a name$"):
        find_region(NAMES, "Atlantis", set_name="test")
    with pytest.raises(RegionNotFoundError, match="was dropped by screening"):
        find_region(NAMES, "00001", set_name="test", dropped=["00001"])
    with pytest.raises(RegionNotFoundError, match="an empty region name"):
        find_region(NAMES, " - ", set_name="test")
    err = RegionNotFoundError("x")
    assert isinstance(err, RegionSetError) and isinstance(err, IdeopolisError) and isinstance(err, ValueError)


@given(st.text(alphabet=st.characters(categories=["L", "Zs", "Pd"]), min_size=1, max_size=30))
def test_fold_ignores_case_and_accents(text: str) -> None:
    assert fold(text) == fold(text.upper()) == fold(fold(text))
    assert fold(text) == fold(text.replace("e", "é").replace("E", "É"))


@given(st.lists(st.text(alphabet="abcdefgh ", min_size=1, max_size=12), min_size=1, max_size=8, unique=True))
def test_every_region_is_found_by_its_id_and_by_its_own_unique_name(names: list[str]) -> None:
    series = pd.Series(names, index=[f"id{i}" for i in range(len(names))])
    for rid, name in series.items():
        assert find_region(series, str(rid)) == rid
        if sum(fold(n) == fold(name) for n in names) == 1 and fold(name):
            assert find_region(series, name) == rid


def test_aliases_find_a_region_by_another_name() -> None:
    names = pd.Series({"FR10": "Ile-de-France", "PL71": "Łódzkie", "NL33": "Zuid-Holland", "NL32": "Noord-Holland"})
    aliases = pd.Series(
        {"Paris": "FR10", "Łódź": "PL71", "Rotterdam": "NL33", "Den Haag": "NL33", "Amsterdam": "NL32", "Gone": "XX99"}
    )
    assert find_region(names, "paris", aliases=aliases) == "FR10"
    assert find_region(names, "LODZ", aliases=aliases) == "PL71"  # folded alike
    assert find_region(names, "den", aliases=aliases) == "NL33"  # an alias's start
    with pytest.raises(RegionNotFoundError, match="'holland' matches 2 regions"):  # names come first
        find_region(names, "holland", aliases=aliases)
    with pytest.raises(RegionNotFoundError, match="no region 'Gone'"):  # an alias of a region not in the set
        find_region(names, "Gone", aliases=aliases)


def test_bundled_eu_set_finds_capitals() -> None:
    from ideopolis.regions.model import load_region_set

    rs = load_region_set("eu-nuts2")
    assert rs.find("Paris") == "FR10" and rs.find("warszawa") == "PL91" and rs.find("Munchen") == "DE21"
    assert rs.search_aliases is not None and set(rs.search_aliases) <= set(rs.ids)
    assert load_region_set("us-metros").search_aliases is None
