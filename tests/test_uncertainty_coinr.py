"""Parity with COINr's uncertainty analysis on its ASEM example.

``tests/data/coinr_asem_ua_*.csv`` hold one run of COINr 1.1.14's ``get_sensitivity`` (UA, N = 100) with the
inputs of COINr's sensitivity vignette, computed in R outside this repository (the files' headers say how): the
inputs COINr sampled for each replication, the 100 noisy weight sets, and the Index ranks and scores of every
replication. Replaying those inputs through the engine must give the same ranks in every replication.

The vignette itself prints ``head(SA_res$RankStats)`` of a run whose seed and sampled inputs it does not give:
its Nominal column is reproduced exactly, and its Mean, Median, Q5 and Q95 must lie within the range of the same
statistics over 200 seeded runs of the same specification.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ideopolis.api import score_coinr
from ideopolis.index.uncertainty.engine import Draws, Engine, uniform_design
from ideopolis.index.uncertainty.result import rank_statistics
from ideopolis.index.uncertainty.spec import spec_from_mapping

DATA = Path(__file__).parent / "data"

#: The vignette's four inputs, as an [uncertainty] section.
VIGNETTE = {
    "draws": 100,
    "vary": ["weights", "normalise", "aggregate", "treat"],
    "weights": {"2": 0.25, "3": 0.25},
    "normalise": [{"method": "minmax", "l_u": [1, 100]}, {"method": "zscore", "m_sd": [10, 2]}],
    "aggregate": ["arithmetic", "geometric"],
    "treat": [{"method": "coinr", "winmax": k} for k in range(1, 6)],
}


def _read(name: str, **kw: object) -> pd.DataFrame:
    return pd.read_csv(DATA / f"coinr_asem_ua_{name}.csv", comment="#", **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def engine() -> Engine:
    root = DATA / "coinr-asem"
    run = score_coinr(root / "asem_iData.csv", root / "asem_iMeta.csv")
    return Engine(run.index, spec_from_mapping(VIGNETTE))


def _replayed_draws(engine: Engine) -> Draws:
    design = _read("design")
    weights = _read("weights")
    n = len(design)
    w = np.tile(engine.nominal_weights, (n, 1))
    for i, ws in enumerate(design["weight_set"]):
        rows = weights[weights["weight_set"] == ws]
        for code, value in zip(rows["iCode"], rows["Weight"], strict=True):
            w[i, engine.position[code]] = value
    zeros = np.zeros(n, dtype=np.intp)
    return Draws(
        impute=zeros,
        treat=(design["winmax"].to_numpy() - 1).astype(np.intp),
        normalise=(design["normalisation"] == "n_zscore").to_numpy().astype(np.intp),
        aggregate=(design["aggregation"] == "a_gmean").to_numpy().astype(np.intp),
        weights=w,
        balance=np.full(n, np.nan),
        exposure=zeros,
    )


def test_engine_reads_the_vignette_inputs(engine: Engine) -> None:
    assert [i.name for i in engine.inputs] == ["weights", "normalise", "aggregate", "treat"]
    assert engine.inputs[0].labels == (
        "Physical",
        "ConEcFin",
        "Political",
        "Instit",
        "P2P",
        "Environ",
        "Social",
        "SusEcFin",
        "Conn",
        "Sust",
    )
    assert engine.alternatives["treat"][2] == {"method": "coinr", "winmax": 3}
    assert len(engine.ids) == 51


def test_replaying_coinr_inputs_gives_coinr_ranks_in_every_replication(engine: Engine) -> None:
    draws = _replayed_draws(engine)
    ev = engine.evaluate(draws, keep_scores=True)
    r_ranks = _read("ranks").set_index("uCode").reindex(engine.ids)
    r_scores = _read("scores").set_index("uCode").reindex(engine.ids)
    assert ev.ranks is not None and ev.scores is not None
    assert r_ranks.shape == ev.ranks.shape == (51, 100)
    np.testing.assert_array_equal(ev.ranks, r_ranks.to_numpy(dtype=float))
    np.testing.assert_allclose(ev.scores, r_scores.to_numpy(dtype=float), rtol=1e-12, atol=0)
    # the design really moves the ranks: otherwise the comparison would prove little
    assert (ev.ranks != ev.ranks[:, :1]).any(axis=1).sum() >= 45


def test_rank_statistics_match_coinr_rankstats(engine: Engine) -> None:
    draws = _replayed_draws(engine)
    ev = engine.evaluate(draws)
    assert ev.ranks is not None
    theirs = _read("rankstats").set_index("uCode").reindex(engine.ids)
    stats = rank_statistics(ev.ranks, engine.nominal_ranks, engine.ids)
    np.testing.assert_array_equal(stats["nominal_rank"].to_numpy(dtype=float), theirs["Nominal"].to_numpy(dtype=float))
    r = ev.ranks.astype(float)
    np.testing.assert_allclose(r.mean(axis=1), theirs["Mean"], rtol=1e-12)
    np.testing.assert_allclose(np.median(r, axis=1), theirs["Median"], rtol=1e-12)
    np.testing.assert_allclose(np.quantile(r, 0.05, axis=1), theirs["Q5"], rtol=1e-12)  # R's type 7
    np.testing.assert_allclose(np.quantile(r, 0.95, axis=1), theirs["Q95"], rtol=1e-12)
    # our interval is made of ranks that occurred (inverted empirical distribution): within one rank of COINr's
    # interpolated quantiles, and holding at least 90 % of each unit's draws
    lo = stats["rank_lo"].to_numpy(dtype=float)
    hi = stats["rank_hi"].to_numpy(dtype=float)
    assert (np.abs(lo - theirs["Q5"].to_numpy()) < 1).all() and (np.abs(hi - theirs["Q95"].to_numpy()) < 1).all()
    inside = ((r >= lo[:, None]) & (r <= hi[:, None])).mean(axis=1)
    assert (inside >= 0.90).all()


def test_vignette_rank_statistics_within_the_spread_of_seeded_runs(engine: Engine) -> None:
    published = _read("published").set_index("uCode")
    rows = engine.ids.get_indexer(published.index)
    nominal = engine.nominal_ranks[rows]
    np.testing.assert_array_equal(nominal, published["Nominal"].to_numpy(dtype=float))
    replicates = []
    for seed in range(200):
        draws = engine.decode(uniform_design(100, engine.dims, seed))
        ranks = engine.evaluate(draws, workers=1).ranks
        assert ranks is not None
        r = ranks[rows].astype(float)
        replicates.append(
            np.column_stack(
                [r.mean(axis=1), np.median(r, axis=1), np.quantile(r, 0.05, axis=1), np.quantile(r, 0.95, axis=1)]
            )
        )
    spread = np.stack(replicates)  # (seeds, units, 4)
    lo, hi = spread.min(axis=0), spread.max(axis=0)
    theirs = published[["Mean", "Median", "Q5", "Q95"]].to_numpy(dtype=float)
    inside = (theirs >= lo - 1e-9) & (theirs <= hi + 1e-9)
    assert inside.all(), pd.DataFrame(np.where(inside, "", "outside"), index=published.index)
