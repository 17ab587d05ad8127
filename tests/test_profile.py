from __future__ import annotations

from pathlib import Path

import pytest

from ideopolis.errors import ConfigError, UnknownMethodError
from ideopolis.index.profile import RunConfig, load_profile, profile_from_dict


def test_full_profile(tmp_path: Path) -> None:
    (tmp_path / "fw.toml").write_text('[nodes.i]\ntype = "aggregate"\n[nodes.a]\nparent = "i"\n')
    p = tmp_path / "run.toml"
    p.write_text(
        """
regions = "us-metros"
[framework]
file = "fw.toml"
[impute]
method = "group_mean"
group = "state"
[screen]
threshold = 0.5
[normalise]
method = "zscore"
m_sd = [0, 1]
[normalise.indicators.a]
method = "rank"
[weights]
method = "equal"
[aggregate]
method = "geometric"
by_level = { "3" = "arithmetic" }
[lens]
balance_weight_ignored_here = 1
"""
    )
    with pytest.raises(ConfigError, match=r"unknown key 'balance_weight_ignored_here' in \[lens\]"):
        load_profile(p)
    p.write_text(p.read_text().replace("balance_weight_ignored_here = 1", "attraction_threshold = 60"))
    cfg = load_profile(p)
    assert cfg.regions == "us-metros"
    assert cfg.framework is not None and cfg.framework["file"] == str(tmp_path / "fw.toml")
    assert cfg.step("impute").as_dict() == {"method": "group_mean", "group": "state"}
    assert cfg.step("screen").params["threshold"] == 0.5
    assert cfg.step("normalise").params["indicators"] == {"a": {"method": "rank"}}
    assert cfg.step("weight").params["balance_weight"] == 0.25
    assert cfg.step("lens").params["attraction_threshold"] == 60
    assert cfg.step("treat").method == "coinr"


def test_round_trip_and_with_step() -> None:
    cfg = RunConfig().with_step("weight", balance_weight=0.4).with_step("normalise", "prank")
    again = profile_from_dict(cfg.to_dict())
    assert again == cfg
    assert cfg.step("normalise").params == {}
    swapped = cfg.with_step("weight", "equal")
    assert swapped.step("weight").params["balance_weight"] == 0.4


def test_errors_name_the_key() -> None:
    with pytest.raises(ConfigError, match="unknown key 'colour' in the profile"):
        profile_from_dict({"colour": "red"})
    with pytest.raises(ConfigError, match=r"unknown key 'winmx' in \[treat\]"):
        profile_from_dict({"treat": {"winmx": 3}})
    with pytest.raises(UnknownMethodError, match="unknown normalise method 'softmax'"):
        profile_from_dict({"normalise": {"method": "softmax"}})
    with pytest.raises(ConfigError, match="balance_weight is 3"):
        profile_from_dict({"weights": {"balance_weight": 3}})
    with pytest.raises(ConfigError, match=r"unknown key 'path' in \[framework\]"):
        profile_from_dict({"framework": {"path": "x"}})
    with pytest.raises(ConfigError, match=r"profile .* not found"):
        load_profile("/nonexistent/run.toml")
    with pytest.raises(ConfigError, match="unknown step 'polish'"):
        RunConfig().with_step("polish")
