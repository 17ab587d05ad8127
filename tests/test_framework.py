from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ideopolis.errors import ConfigError, FrameworkError
from ideopolis.index.framework import (
    ATTRACTION,
    BALANCE,
    CLUSTER_STRENGTH,
    EXPOSURE,
    INDEX,
    Framework,
    Node,
    default_framework,
    flat_framework,
    framework_from_csv,
    framework_from_imeta,
    framework_from_records,
    framework_from_toml,
)
from ideopolis.regions.metadata import IndicatorMeta

from ._synthetic import meta


def small() -> Framework:
    return framework_from_records(
        [
            {"code": "idx"},
            {"code": "p1", "parent": "idx", "weight": 2},
            {"code": "p2", "parent": "idx"},
            {"code": "a", "parent": "p1"},
            {"code": "b", "parent": "p1", "direction": -1},
            {"code": "c", "parent": "p2"},
            {"code": "d", "parent": "idx", "weight": 0.5},
        ]
    )


def test_tree_queries() -> None:
    fw = small()
    assert fw.root == "idx"
    assert fw.indicators == ["a", "b", "c", "d"]
    assert fw.aggregates == ["p1", "p2", "idx"]
    assert fw.level("a") == 1 and fw.level("p1") == 2 and fw.level("idx") == 3
    assert fw.children("idx") == ("p1", "p2", "d")
    assert fw.descendants("p1") == ["a", "b"]
    assert fw.ancestors("b") == ["p1", "idx"]
    assert fw.directions["b"] == -1
    assert fw.max_level == 3


def test_deep_tree_of_any_depth() -> None:
    recs = [{"code": "L5"}]
    for lev in (4, 3, 2):
        recs.append({"code": f"L{lev}", "parent": f"L{lev + 1}"})
    recs.append({"code": "x", "parent": "L2"})
    fw = framework_from_records(recs)
    assert fw.level("L5") == 5
    assert fw.aggregates == ["L2", "L3", "L4", "L5"]


def test_unknown_parent_is_named() -> None:
    with pytest.raises(FrameworkError, match=r"'a' names parent 'nope', which is not in the framework"):
        framework_from_records([{"code": "idx"}, {"code": "a", "parent": "nope"}])


def test_cycle_is_named() -> None:
    with pytest.raises(FrameworkError, match=r"cycle: p1 -> p2 -> p1"):
        Framework(
            (
                Node("idx", None, indicator=False),
                Node("p1", "p2", indicator=False),
                Node("p2", "p1", indicator=False),
                Node("a", "idx"),
            )
        )


def test_two_roots_rejected() -> None:
    with pytest.raises(FrameworkError, match="exactly one root"):
        framework_from_records([{"code": "a"}, {"code": "b"}])


def test_duplicate_and_bad_values() -> None:
    with pytest.raises(FrameworkError, match="'a' is defined twice"):
        Framework((Node("i", None, indicator=False), Node("a", "i"), Node("a", "i")))
    with pytest.raises(FrameworkError, match="weight of 'a' is -1"):
        Framework((Node("i", None, indicator=False), Node("a", "i", weight=-1)))
    with pytest.raises(FrameworkError, match="direction of 'a' is 'up'"):
        framework_from_records([{"code": "i"}, {"code": "a", "parent": "i", "direction": "up"}])
    with pytest.raises(FrameworkError, match="aggregate 'p' has no children"):
        Framework((Node("i", None, indicator=False), Node("p", "i", indicator=False), Node("a", "i")))
    with pytest.raises(FrameworkError, match="indicator 'a' has children"):
        Framework((Node("i", None, indicator=False), Node("a", "i"), Node("b", "a")))
    with pytest.raises(FrameworkError, match="unknown framework field 'colour'"):
        framework_from_records([{"code": "i", "colour": "red"}])


def test_weight_for_unknown_node() -> None:
    with pytest.raises(FrameworkError, match=r"weight given for 'zzz', which is not in the framework"):
        small().with_weights({"zzz": 2.0})
    assert small().with_weights({"a": 3.0}).weights["a"] == 3.0


def test_restricted_prunes_empty_aggregates() -> None:
    fw = small().restricted_to(["a", "d"])
    assert fw.indicators == ["a", "d"]
    assert "p2" not in fw


def test_toml_and_csv_builders(tmp_path: Path) -> None:
    toml = tmp_path / "fw.toml"
    toml.write_text(
        '[nodes.idx]\ntype = "aggregate"\n[nodes.x]\nparent = "idx"\ndirection = -1\n'
        '[nodes.y]\nparent = "idx"\nweight = 2\n'
    )
    fw = framework_from_toml(toml)
    assert fw.indicators == ["x", "y"] and fw.directions["x"] == -1 and fw.weights["y"] == 2
    csv = tmp_path / "fw.csv"
    csv.write_text("code,parent,weight,direction\nidx,,,\nx,idx,1,-\ny,idx,3,+\n")
    fw2 = framework_from_csv(csv)
    assert fw2.weights["y"] == 3 and fw2.directions["x"] == -1
    bad = tmp_path / "bad.toml"
    bad.write_text("[nodes.a]\n[extra]\n")
    with pytest.raises(ConfigError, match="unknown key 'extra'"):
        framework_from_toml(bad)


def test_imeta_builder_ignores_groups_and_denominators() -> None:
    imeta = pd.DataFrame(
        {
            "Level": [1, 1, 2, None],
            "iCode": ["x", "y", "Index", "Pop"],
            "iName": ["X", "Y", "The index", "Population"],
            "Direction": [1, -1, 1, None],
            "Weight": [1, 2, 1, None],
            "Unit": ["", "", "", ""],
            "Target": [None, 5.0, None, None],
            "Denominator": ["Pop", None, None, None],
            "Parent": ["Index", "Index", None, None],
            "Type": ["Indicator", "Indicator", "Aggregate", "Denominator"],
        }
    )
    fw = framework_from_imeta(imeta)
    assert fw.indicators == ["x", "y"]
    assert fw.node("x").denominator == "Pop" and fw.node("y").target == 5.0
    assert fw.node("y").label == "Y"


def full_metas() -> dict[str, IndicatorMeta]:
    return {
        "ba": meta("ba", "talent"),
        "inc": meta("inc", "capital"),
        "ki": meta("ki", "knowledge_jobs"),
        "mig": meta("mig", "import_people"),
        "tele": meta("tele", "export_jobs", direction=1),
        "pop": meta("pop"),
    }


def test_default_framework_shape() -> None:
    built = default_framework(full_metas(), balance_weight=0.3)
    fw = built.framework
    assert built.lens and not built.notes
    assert fw.root == INDEX
    assert fw.children(INDEX) == (CLUSTER_STRENGTH, BALANCE)
    assert fw.weights[CLUSTER_STRENGTH] == pytest.approx(0.7)
    assert fw.weights[BALANCE] == pytest.approx(0.3)
    assert fw.children(BALANCE) == (ATTRACTION, EXPOSURE)
    assert fw.directions[EXPOSURE] == -1
    # direction is relative to the pillar: teleworkable share +1 = more exposed; exposure is -1 in balance
    assert fw.directions["tele"] == 1
    assert "pop" not in fw


def test_default_framework_without_export_jobs_has_no_lens() -> None:
    metas = full_metas()
    del metas["tele"]
    built = default_framework(metas)
    assert not built.lens
    assert BALANCE not in built.framework and "mig" not in built.framework
    assert any("no export_jobs indicators" in n and "mig" in n for n in built.notes)


def test_default_framework_flat_and_custom_pillars() -> None:
    built = default_framework({"a": meta("a"), "b": meta("b", direction=-1)})
    assert built.framework.children(INDEX) == ("a", "b")
    assert "flat" in built.notes[0]
    custom = default_framework({"a": meta("a", "amenity"), "b": meta("b", "amenity"), "c": meta("c", "climate")})
    assert custom.framework.children(INDEX) == ("amenity", "climate")
    extra = default_framework(
        {**full_metas(), "parks": meta("parks", "amenity")},
        pillars={"amenity": {"label": "Amenities", "parent": "cluster_strength"}},
    )
    assert extra.framework.node("amenity").parent == CLUSTER_STRENGTH


def test_default_framework_errors() -> None:
    with pytest.raises(ConfigError, match="balance weight is 2"):
        default_framework(full_metas(), balance_weight=2)
    with pytest.raises(FrameworkError, match="no indicators left to score"):
        default_framework({"m": meta("m", "import_people")})


def test_flat_framework() -> None:
    fw = flat_framework(["a", "b"], directions={"b": -1})
    assert fw.children(INDEX) == ("a", "b") and fw.directions["b"] == -1
