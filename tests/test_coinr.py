"""COINr's own ASEM example, in its iData/iMeta convention, must give the numbers COINr gives."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ideopolis.errors import DataFileError, FrameworkError
from ideopolis.index.coinr import coinr_default_config, read_coinr, run_coinr_default

PUBLISHED = Path(__file__).parent / "data" / "coinr_asem_published.csv"
pytestmark = pytest.mark.shared_data


def test_reads_idata_and_imeta_as_they_are(asem_paths: tuple[Path, Path]) -> None:
    inp = read_coinr(*asem_paths)
    assert inp.data.shape == (51, 49)
    assert list(inp.groups.columns) == ["GDP_group", "GDPpc_group", "Pop_group", "EurAsia_group"]
    assert list(inp.denominators.columns) == ["Area", "Energy", "GDP", "Population"]
    fw = inp.framework
    assert fw.root == "Index" and fw.max_level == 4
    assert len([a for a in fw.aggregates if fw.level(a) == 2]) == 8
    assert fw.node("Flights").denominator == "Population"
    assert inp.names is not None and inp.names["AUT"] == "Austria"


def test_default_pipeline_matches_coinr_published_results(asem_paths: tuple[Path, Path]) -> None:
    run = run_coinr_default(*asem_paths)
    published = pd.read_csv(PUBLISHED, comment="#").set_index("uCode")
    ours = run.scores.loc[published.index, published.columns.drop("Rank")]
    # COINr prints 2 decimals: every one of the 66 numbers agrees to that precision
    np.testing.assert_array_less(np.abs(ours.to_numpy() - published.drop(columns="Rank").to_numpy()), 0.005 + 1e-9)
    top = run.ranks["Index"].sort_values().head(6)
    assert list(top.index) == list(published.index)
    assert top.tolist() == published["Rank"].tolist()


def test_default_pipeline_steps(asem_paths: tuple[Path, Path]) -> None:
    run = run_coinr_default(*asem_paths)
    assert run.dropped == []  # COINr: "Screened (51 units)"
    imp = run.reports["impute"]
    assert len(imp.imputed) == 65 and imp.remaining_missing == 0
    raw = run.datasets["raw"]
    den = run.datasets["denominated"]
    assert den.at["AUT", "Flights"] == pytest.approx(raw.at["AUT", "Flights"] / 8735.453)
    # group-mean imputation within EurAsia_group, as COINr's build_example_coin
    cell = imp.imputed.iloc[0]
    inp = read_coinr(*asem_paths)
    same = inp.groups["EurAsia_group"] == inp.groups.at[cell.region, "EurAsia_group"]
    assert cell.value == pytest.approx(den.loc[same.to_numpy(), cell.indicator].mean())
    assert dataclasses.replace(run.config, coinr=None) == coinr_default_config()
    assert dict(run.config.coinr or {}) == {"data": str(asem_paths[0].resolve()), "meta": str(asem_paths[1].resolve())}
    norm = run.datasets["normalised"]
    assert norm.min().min() == pytest.approx(0) and norm.max().max() == pytest.approx(100)


def test_coinr_input_errors(tmp_path: Path, asem_paths: tuple[Path, Path]) -> None:
    idata = pd.read_csv(asem_paths[0])
    imeta = pd.read_csv(asem_paths[1])
    with pytest.raises(DataFileError, match="iData has no uCode column"):
        read_coinr(idata.drop(columns="uCode"), imeta)
    with pytest.raises(FrameworkError, match="iMeta indicator 'LPI' is not a column of iData"):
        read_coinr(idata.drop(columns="LPI"), imeta)
    bad = idata.astype({"LPI": object})
    bad.loc[0, "LPI"] = "n/a"
    with pytest.raises(DataFileError, match="indicator 'LPI' has non-numeric values"):
        read_coinr(bad, imeta)
    with pytest.raises(DataFileError, match="several time points"):
        read_coinr(pd.concat([idata, idata.assign(Time=2019)]), imeta)
    with pytest.raises(DataFileError, match="group column 'Region_group' is not in iData"):
        run_coinr_default(idata, imeta, impute_group="Region_group")
    with pytest.raises(DataFileError, match=r"iData file .* not found"):
        read_coinr(tmp_path / "nope.csv", imeta)


REFERENCE = Path(__file__).parent / "data" / "coinr_asem_reference.csv"
TREATMENT = Path(__file__).parent / "data" / "coinr_asem_treatment.csv"


def test_every_unit_and_column_matches_the_r_reference(asem_paths: tuple[Path, Path]) -> None:
    run = run_coinr_default(*asem_paths)
    ref = pd.read_csv(REFERENCE, comment="#").set_index("uCode")
    ours = run.datasets["aggregated"].loc[ref.index, ref.columns]
    assert ours.shape == (51, 60)
    np.testing.assert_allclose(ours.to_numpy(), ref.to_numpy(), rtol=1e-12, atol=1e-9)
    treat = pd.read_csv(TREATMENT, comment="#").set_index("iCode")
    table = run.reports["treat"].table
    assert (table["status"].reindex(treat.index) == treat["treatment"]).all()
    assert (table["n_winsorised"].fillna(0).reindex(treat.index) == treat["nwin"]).all()
