"""Region profiles: what the page says, checked against the run by independent computations; the print version;
the command; and the page in headless Chromium at desktop and phone sizes (screenshots)."""

from __future__ import annotations

import html
import os
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

import ideopolis as ideo
from ideopolis.cli import app
from ideopolis.decide.wording import ordinal
from ideopolis.errors import ConfigError, DataFileError
from ideopolis.regions.lookup import RegionNotFoundError
from ideopolis.report.profile import RegionProfile
from ideopolis.run import Run

SCREENSHOTS = os.environ.get("IDEOPOLIS_SCREENSHOT_DIR")


@pytest.fixture(scope="module")
def metros() -> Run:
    return ideo.score("us-metros")


@pytest.fixture(scope="module")
def des_moines(metros: Run) -> RegionProfile:
    return metros.profile("Des Moines")


def test_headline_and_facts(metros: Run, des_moines: RegionProfile) -> None:
    p = des_moines
    assert (p.region, p.name) == ("19780", "Des Moines-West Des Moines, IA")
    ranked = metros.ranks["ideopolis_index"]
    assert p.rank == int(ranked["19780"]) and p.of == int(ranked.notna().sum()) < len(metros.scores)
    assert p.rank_words == f"{p.rank}th of {p.of:,}"
    assert p.score == pytest.approx(metros.scores.at["19780", "ideopolis_index"])
    assert p.rank_label == ordinal(p.rank)
    facts = dict(p.facts)
    assert facts["Population"] == f"{int(metros.regions.data.at['19780', 'pop_2023']):,}"  # type: ignore[union-attr]
    assert facts["Type"] == "metro" and facts["State"] == "IA" and facts["Region id"] == "19780"
    assert facts["Size class"].startswith("500k-1.5M")
    assert p.typology == ("talent hub", "people come, but their work could be done anywhere")


def test_bars_against_the_median_and_the_peers(metros: Run, des_moines: RegionProfile) -> None:
    bars = {b.code: b for b in des_moines.bars}
    assert list(bars)[:3] == ["ideopolis_index", "cluster_strength", "talent"]
    peers = metros.peers("19780", k=8)
    assert des_moines.peers is not None and des_moines.peers.ids == peers.ids
    for code, bar in bars.items():
        assert bar.score == pytest.approx(metros.scores.at["19780", code])
        assert bar.median == pytest.approx(metros.scores[code].median())
        assert bar.peers == pytest.approx(metros.scores.loc[peers.ids, code].median())
        assert bar.fill == pytest.approx(bar.score)  # a 0-100 scale: the bar is the score
        ranked = int(metros.ranks[code].notna().sum())  # the regions ranked on that score
        assert bar.rank == f"{ordinal(int(metros.ranks.at['19780', code]))} of {ranked:,}"
    assert bars["exposure"].note.startswith("higher = more exposed")


def _position_by_hand(metros: Run, code: str) -> tuple[int, int]:
    raw = metros.index.datasets["raw"].loc[metros.scores.index, code].dropna()
    return int(raw.rank(ascending=False, method="min")["19780"]), len(raw)


def test_strengths_and_weaknesses_are_worded_by_direction(metros: Run, des_moines: RegionProfile) -> None:
    oriented = metros.index.oriented_indicator_scores
    ranks = oriented.rank(ascending=False, method="min").loc["19780"].dropna().sort_values(kind="stable")
    best, worst = list(ranks.index[:3]), list(ranks.index[::-1][:3])
    fw = metros.index.framework
    assert [s.split(":")[0] for s in des_moines.strengths] == [fw.node(c).label for c in best]
    assert [w.split(":")[0] for w in des_moines.weaknesses] == [fw.node(c).label for c in worst]
    for text, code in zip(des_moines.strengths + des_moines.weaknesses, best + worst, strict=True):
        rank, of = _position_by_hand(metros, code)
        exposed = code in (
            "teleworkable_share",
            "aioe_mean",
            "lm_aioe_mean",
            "gpt_exposure_mean",
            "ai_applicability_mean",
        )
        high, low = ("most exposed", "least exposed") if exposed else ("highest", "lowest")
        words = f"{ordinal(rank)} {high}" if rank <= (of + 1) / 2 else f"{ordinal(of - rank + 1)} {low}"
        assert text.endswith(f"({words} of {of:,})"), text
    # a weak spot on exposure reads "most exposed": high exposure counts against the index
    assert any("most exposed" in w for w in des_moines.weaknesses)


def test_exposure_clusters_hotspot(metros: Run, des_moines: RegionProfile) -> None:
    assert [e["label"] for e in des_moines.exposure] == [
        metros.index.framework.node(c).label
        for c in ("teleworkable_share", "aioe_mean", "lm_aioe_mean", "gpt_exposure_mean", "ai_applicability_mean")
    ]
    rank, of = _position_by_hand(metros, "teleworkable_share")
    assert des_moines.exposure[0]["position"] == f"{ordinal(rank)} most exposed of {of:,}"
    positions = [
        _position_by_hand(metros, c)[0]
        for c in ("teleworkable_share", "aioe_mean", "lm_aioe_mean", "gpt_exposure_mean", "ai_applicability_mean")
    ]
    assert f"from {ordinal(min(positions))} to {ordinal(max(positions))} most exposed" in des_moines.exposure_range
    strong = ideo.clusters(metros).strong("19780")
    assert des_moines.clusters is not None
    assert [c["name"] for c in des_moines.clusters] == list(strong.index)
    assert des_moines.clusters[0]["lq"] == f"{strong['lq'].iloc[0]:.2f}"
    hot = metros.hotspots("ideopolis_index").table.loc["19780"]
    assert des_moines.hotspot["label"] == hot["cls"]
    assert "does not mean" in des_moines.hotspot["text"] or des_moines.hotspot["kind"] != "plain"


def test_the_page(des_moines: RegionProfile) -> None:
    page = des_moines.html()
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page  # nothing runs
    assert "default-src 'none'" in page  # and nothing loads
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "<h1>Des Moines-West Des Moines, IA</h1>" in page
    assert 'class="region"' in page and "<svg" in page  # the locator map
    assert "How the index is made: a note for readers" in page and 'id="methods"' in page
    assert "Insurance Services" in page
    assert page.count('class="track"') == len(des_moines.bars)


def test_print_versions(des_moines: RegionProfile, tmp_path: Path) -> None:
    from PIL import Image

    pdf = tmp_path / "p.pdf"
    assert des_moines.to_print(pdf) == pdf.stat().st_size
    assert pdf.read_bytes().startswith(b"%PDF")
    png = tmp_path / "p.png"
    des_moines.to_print(png)
    with Image.open(png) as image:
        assert image.size == (round(8.27 * 150), int(11.69 * 150))  # A4 (8.27 x 11.69 in) at 150 dpi
    with pytest.raises(DataFileError, match=r"the print version is \.pdf or \.png"):
        des_moines.to_print(tmp_path / "p.svg")
    if SCREENSHOTS:
        des_moines.to_print(Path(SCREENSHOTS) / "profile-print.png")


def test_a_region_scored_on_fewer_pillars_is_not_ranked(metros: Run, tmp_path: Path) -> None:
    """A score that rests on fewer pillars has no rank (like with like); its profile says so, never '0th'."""
    index, ranks = metros.scores["ideopolis_index"], metros.ranks["ideopolis_index"]
    rid = str(index[index.notna() & ranks.isna()].index[0])
    p = metros.profile(rid, peers=3, clusters=False)
    assert p.rank is None and p.rank_words == "not ranked"
    page = p.save(tmp_path / "partial.html").read_text(encoding="utf-8")
    assert "not ranked" in page
    reason = metros.index.not_ranked_reasons()[rid]
    assert reason and reason.split(";")[0] in html.unescape(page)


def test_uncertainty_intervals_in_the_headline(metros: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    ranks = pd.DataFrame(
        {"rank_lo": pd.array([48], dtype="Int64"), "rank_hi": pd.array([75], dtype="Int64")}, index=["19780"]
    )
    monkeypatch.setattr(Run, "uncertainty", property(lambda self: SimpleNamespace(ranks=ranks)), raising=False)
    p = metros.profile("19780", peers=0, hotspots=False, clusters=False)
    assert p.rank_label == f"{ordinal(p.rank)} (48th–75th)"
    assert p.peers is None and p.clusters is None and p.hotspot["label"] == "Not tested"


def test_eu_profile_has_no_clusters_and_a_stage() -> None:
    run = ideo.score("eu-nuts2")
    p = run.profile("Lombardia", hotspots=False)
    facts = dict(p.facts)
    stage = int(run.attributes().at["ITC4", "stage"])
    assert facts["Country"] == "IT" and facts["Development stage"].startswith(f"{stage} of 5: ")
    assert p.clusters is None and "no industry employment table" in p.clusters_note
    assert p.peers is not None and len(set(p.peers.table["country"])) > 1


def test_profile_errors(metros: Run) -> None:
    with pytest.raises(ConfigError, match="peers is -1"):
        metros.profile("Des Moines", peers=-1)
    with pytest.raises(RegionNotFoundError, match="no region 'Desmoinez'"):
        metros.profile("Desmoinez")


def test_profile_command(metros: Run, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["profile", "Des Moines", "--print", "dm.pdf", "--no-clusters"])
    assert result.exit_code == 0, result.stderr
    page = Path("profiles/Des-Moines-West-Des-Moines-IA.html")
    assert page.exists() and Path(f"{page}.run.toml").exists() and Path("dm.pdf").exists()
    assert result.stdout.startswith(f"{page} (")
    rank = ordinal(int(metros.ranks.at["19780", "ideopolis_index"]))
    assert (
        f"Des Moines-West Des Moines, IA, {rank} of {int(metros.ranks['ideopolis_index'].notna().sum()):,} on the index"
        in result.stdout
    )
    for args, message in (
        (["profile", "Des Moines", "--out", "p.pdf"], "the profile page is HTML"),
        (["profile", "Des Moines", "--print", "p.svg"], "--print writes .pdf or .png"),
        (["profile", "Nowhere-on-earth"], "no region 'Nowhere-on-earth'"),
    ):
        bad = runner.invoke(app, args)
        assert bad.exit_code == 1 and message in bad.stderr and bad.stderr.count("\n") == 1


# ---------------------------------------------------------------------------------------------------------
# in a browser

pytest.importorskip("playwright")
from tests.test_map_browser import browser  # noqa: E402, F401  (the shared headless Chromium)

SIZES = {"desktop": (1366, 800), "small": (700, 480), "phone": (390, 844)}


def _open(chromium: Any, path: Path, size: tuple[int, int]) -> tuple[Any, list[str], list[str]]:
    page = chromium.new_page(viewport={"width": size[0], "height": size[1]})
    console: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.resolve().as_uri())
    return page, console, requests


def _shot(page: Any, tmp: Path, name: str) -> Path:
    target = tmp / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)
    return target


@pytest.mark.browser
@pytest.mark.parametrize("size", list(SIZES), ids=list(SIZES))
def test_profile_in_chromium(browser: Any, des_moines: RegionProfile, tmp_path: Path, size: str) -> None:  # noqa: F811
    path = des_moines.save(tmp_path / "profile.html")
    page, console, requests = _open(browser, path, SIZES[size])
    width = SIZES[size][0]
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
    wide = page.evaluate(
        "Array.from(document.querySelectorAll('main *')).filter(e => !e.closest('.table-wrap'))"
        ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5).length"
    )
    assert wide == 0
    sideways = page.evaluate(  # no table of the profile needs scrolling sideways (the peers' drivers wrap under)
        "Array.from(document.querySelectorAll('.table-wrap')).filter(e => e.scrollWidth > e.clientWidth + 1).length"
    )
    assert sideways == 0
    heading = page.locator("h1").bounding_box()
    assert heading is not None and heading["y"] < 200  # the name is the first thing
    score = page.locator(".headline .big").bounding_box()
    assert score is not None and score["y"] + score["height"] < SIZES[size][1]  # the index score on the first screen
    region = page.locator(".locator path.region").bounding_box()
    assert region is not None and region["width"] > 0
    fills = page.locator(".track .fill").evaluate_all("els => els.map(e => e.getBoundingClientRect().width)")
    assert len(fills) == len(des_moines.bars) and all(w > 0 for w in fills)
    font = page.evaluate("parseFloat(getComputedStyle(document.querySelector('dl.facts dd')).fontSize)")
    assert font >= 14  # readable on a phone
    _shot(page, tmp_path, f"profile-des-moines-{size}")
    assert console == [] and requests == [path.resolve().as_uri()]
    page.close()


@pytest.mark.browser
@pytest.mark.parametrize("size", list(SIZES), ids=list(SIZES))
def test_methods_and_compare_pages_in_chromium(browser: Any, metros: Run, tmp_path: Path, size: str) -> None:  # noqa: F811
    pages = {
        "methods": metros.methods_note().save(tmp_path / "methods.html"),
        "compare": metros.compare(["Des Moines", "Omaha", "Madison, WI"]).to_file(tmp_path / "compare.html"),
    }
    for name, path in pages.items():
        page, console, requests = _open(browser, path, SIZES[size])
        assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size][0], name
        _shot(page, tmp_path, f"{name}-{size}")
        assert console == [] and requests == [path.resolve().as_uri()]
        page.close()
