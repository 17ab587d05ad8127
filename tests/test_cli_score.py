from __future__ import annotations

import json
import tomllib
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from typer.testing import CliRunner

from ideopolis.cli import app
from ideopolis.index.coinr import run_coinr_default
from ideopolis.index.explain import format_table
from ideopolis.output import sidecar_path as log_path_for

TOY = Path(__file__).parent / "data" / "toy"


def invoke(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    res = runner.invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


def test_prints_the_top_regions(runner: CliRunner) -> None:
    code, out, _ = invoke(runner, "score", "--regions", str(TOY), "--top", "3")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].split()[:5] == ["id", "rank", "name", "ideopolis_index", "cluster_strength"]
    assert len(lines) == 4 and lines[1].split()[1] == "1"
    assert "typology" in lines[0]


def test_default_region_set_with_no_arguments(runner: CliRunner) -> None:
    code, out, _ = invoke(runner, "score")
    assert code == 0 and "ideopolis_index" in out


def test_explain_by_name_part(runner: CliRunner) -> None:
    code, out, _ = invoke(runner, "score", "--regions", str(TOY), "--explain", "dogw")
    assert code == 0
    assert out.startswith("Dogwood (02001)")
    assert "ba_share" in out and "enters reflected" in out and "strengths:" in out


def test_explain_unknown_region_is_one_line(runner: CliRunner) -> None:
    code, _, err = invoke(runner, "score", "--regions", str(TOY), "--explain", "Atlantis")
    assert code == 1
    assert err.strip() == ("error: no region 'Atlantis' in toy; fix: give an id or part of a name")


@pytest.mark.parametrize("suffix", [".csv", ".geojson", ".gpkg", ".parquet"])
def test_writes_results_and_the_log_next_to_them(runner: CliRunner, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"scores{suffix}"
    code, _, err = invoke(runner, "score", "--regions", str(TOY), "--out", str(out), "--balance-weight", "0.5")
    assert code == 0, err
    if suffix == ".csv":
        table = pd.read_csv(out, dtype={"id": str}).set_index("id")
    elif suffix == ".parquet":
        table = gpd.read_parquet(out).set_index("id")
    else:
        table = gpd.read_file(out).set_index("id")
    assert len(table) == 6 and {"ideopolis_index", "rank_ideopolis_index", "typology", "name"} <= set(table.columns)
    if suffix != ".csv":
        assert table.geometry.notna().all()
    log = tomllib.loads(log_path_for(out).read_text())
    assert log["weights"]["balance_weight"] == 0.5
    assert log["log"]["steps"][-1]["step"] == "lens"


def test_profile_replays_a_run(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "a.csv"
    assert invoke(runner, "score", "--regions", str(TOY), "--normalise", "prank", "--out", str(out))[0] == 0
    out2 = tmp_path / "b.csv"
    code, _, err = invoke(runner, "score", "--profile", str(log_path_for(out)), "--out", str(out2))
    assert code == 0, err
    pd.testing.assert_frame_equal(pd.read_csv(out), pd.read_csv(out2))


def test_bad_options_are_one_line_errors(runner: CliRunner, tmp_path: Path) -> None:
    code, _, err = invoke(runner, "score", "--regions", str(TOY), "--normalise", "softmax")
    assert code == 1 and err.startswith("error: unknown normalise method 'softmax'; choose one of:")
    assert len(err.strip().splitlines()) == 1
    code, _, err = invoke(runner, "score", "--regions", str(TOY), "--aggregate", "geometric")
    assert code == 1 and "geometric mean over values <= 0" in err and "l_u = [1, 100]" in err
    code, _, err = invoke(runner, "score", "--regions", str(TOY), "--out", str(tmp_path / "x.ods"))
    assert code == 1 and "unsupported output format .ods; fix: end the file name with .csv, .xlsx" in err
    assert not (tmp_path / "x.ods").exists()
    bad = tmp_path / "bad.toml"
    bad.write_text("[treat]\nwinmx = 3\n")
    code, _, err = invoke(runner, "score", "--regions", str(TOY), "--profile", str(bad))
    assert code == 1 and "unknown key 'winmx' in [treat]" in err


def test_coinr_inputs_in_one_command(runner: CliRunner, asem_paths: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "asem.csv"
    code, stdout, err = invoke(
        runner,
        "score",
        "--coinr-data",
        str(asem_paths[0]),
        "--coinr-meta",
        str(asem_paths[1]),
        "-n",
        "3",
        "--out",
        str(out),
    )
    assert code == 0, err
    assert stdout.splitlines()[1].split()[:4] == ["CHE", "1", "Switzerland", "68.38"]
    table = pd.read_csv(out).set_index("id")
    assert table.at["CHE", "Index"] == pytest.approx(68.38, abs=0.005)
    assert json.dumps(tomllib.loads(log_path_for(out).read_text())["impute"]) == json.dumps(
        {"method": "group_mean", "group": "EurAsia_group"}
    )


def test_format_table() -> None:
    df = pd.DataFrame({"name": ["A", "Bb"], "x": [1.234, float("nan")]}, index=pd.Index(["1", "2"], name="id"))
    assert format_table(df).splitlines() == ["id  name     x", "1   A     1.23", "2   Bb       -"]


def test_coinr_method_options_apply_lens_options_are_refused_and_the_log_replays(
    runner: CliRunner, asem_paths: tuple[Path, Path], tmp_path: Path
) -> None:
    coinr = ["--coinr-data", str(asem_paths[0]), "--coinr-meta", str(asem_paths[1])]
    out = tmp_path / "z.csv"
    code, _, err = invoke(
        runner, "score", *coinr, "--normalise", "zscore", "--aggregate", "geometric", "--out", str(out)
    )
    assert code == 1 and "geometric mean over values <= 0" in err  # applied, not ignored: z-scores are negative
    code, _, err = invoke(runner, "score", *coinr, "--normalise", "zscore", "--out", str(out))
    assert code == 0, err
    z = pd.read_csv(out, dtype={"id": str}).set_index("id")["Index"]
    default = run_coinr_default(*asem_paths).scores["Index"]
    assert abs(z.mean()) < 1.0 < float(default.mean())  # z-scores centre on 0; min-max scores on 0-100 do not
    log = tomllib.loads(log_path_for(out).read_text())
    assert log["normalise"]["method"] == "zscore"
    assert log["coinr"] == {"data": str(asem_paths[0].resolve()), "meta": str(asem_paths[1].resolve())}
    replay = tmp_path / "replay.csv"
    code, _, err = invoke(runner, "score", "--profile", str(log_path_for(out)), "--out", str(replay))
    assert code == 0, err
    again = pd.read_csv(replay, dtype={"id": str}).set_index("id")
    pd.testing.assert_series_equal(again["Index"], z)
    for option in (["--balance-weight", "0.5"], ["--attraction-threshold", "40"]):
        code, _, err = invoke(runner, "score", *coinr, *option)
        assert code == 1 and "applies to the lens" in err and "fix: drop the option" in err
        assert len(err.strip().splitlines()) == 1
    code, _, err = invoke(runner, "score", *coinr, "--impute-group", "Pop_group", "--screen-threshold", "0.95")
    assert code == 0, err
