"""The print version of a region profile: one A4 page (PDF) or a PNG, drawn with matplotlib.

The page holds what a council member reads first: the index and its rank, the type and the hotspot status, the
facts, the score bars against the set's and the peers' medians, strengths and weak spots, the exposure
measures, the strong traded clusters, the peers, a locator map, and the method and sources in one line each.
Every text is drawn with mathtext and TeX off (:func:`ideopolis.maps.static.plain_text`), so a ``$`` in a name
prints as typed. Written atomically through :mod:`ideopolis.output`.
"""

from __future__ import annotations

import os
import textwrap
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ideopolis.report.profile import RegionProfile

__all__ = ["print_profile", "profile_figure"]

A4 = (8.27, 11.69)
ACCENT = "#1f6fb2"
PEERS = "#8a5cb8"
MUTED = "#5b6776"


def _text(fig: Any, x: float, y: float, text: str, **kwargs: Any) -> Any:
    return fig.text(x, y, text, parse_math=False, usetex=False, **kwargs)


def _lines(fig: Any, x: float, y: float, items: list[str], *, width: int, size: float, step: float, **kw: Any) -> float:
    """Write wrapped lines from ``y`` down; return the next free ``y``."""
    for item in items:
        for i, line in enumerate(
            textwrap.wrap(item, width=width, break_long_words=False, break_on_hyphens=False) or [""]
        ):
            _text(fig, x + (0.012 if i else 0), y, line, fontsize=size, va="top", **kw)
            y -= step
    return y


def _bars(fig: Any, profile: RegionProfile, rect: tuple[float, float, float, float]) -> None:
    ax = fig.add_axes(rect)
    bars = profile.bars
    n = len(bars)
    ys = list(range(n))[::-1]
    for y, bar in zip(ys, bars, strict=True):
        ax.barh(y, 100, height=0.6, color="#eef1f5", zorder=1)
        ax.barh(y, bar.fill, height=0.6, color=ACCENT, zorder=2)
        ax.plot([bar.median_at] * 2, [y - 0.42, y + 0.42], color="#1d2733", lw=1.6, zorder=3)
        if bar.peers_at is not None:
            ax.plot([bar.peers_at] * 2, [y - 0.42, y + 0.42], color=PEERS, lw=1.6, zorder=3)
        indent = "   " if bar.level == 2 else ""
        weight = "bold" if bar.level < 2 else "normal"
        ax.text(-2, y, indent + bar.label, ha="right", va="center", fontsize=7.5, fontweight=weight)
        ax.text(102, y, f"{bar.score:.1f}  {bar.rank}", ha="left", va="center", fontsize=7.2, color=MUTED)
    ax.set_xlim(0, 100)
    ax.set_ylim(-0.7, n - 0.3)
    ax.axis("off")


def _locator(fig: Any, profile: RegionProfile, rect: tuple[float, float, float, float], rs: Any) -> None:
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath

    from ideopolis.report.locator import locator_frame

    ax = fig.add_axes(rect)
    ax.axis("off")
    frame = locator_frame(rs, profile.region, width=400) if rs is not None else None
    if frame is None:
        return

    def patch(geom: Any, **style: Any) -> None:
        for polygon in getattr(geom, "geoms", [geom]):
            if polygon.is_empty or polygon.geom_type != "Polygon":
                continue
            rings = [polygon.exterior, *polygon.interiors]
            verts, codes = [], []
            for ring in rings:
                xy = list(ring.coords)
                verts += xy
                codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY]
            ax.add_patch(PathPatch(MplPath(verts, codes), **style))

    for geom in frame.context:
        patch(geom, facecolor="#cdd5de", edgecolor="white", linewidth=0.2)
    patch(frame.region, facecolor=ACCENT, edgecolor="#0d3b63", linewidth=0.6)
    minx, miny, maxx, maxy = frame.bounds
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect("equal")
    bx0, by0, bx1, by1 = frame.region.bounds
    if max(bx1 - bx0, by1 - by0) < 0.04 * max(maxx - minx, maxy - miny):
        ax.plot([(bx0 + bx1) / 2], [(by0 + by1) / 2], marker="o", ms=14, mfc="none", mec=ACCENT, mew=1.8)


def print_profile(profile: RegionProfile, path: str | os.PathLike[str], *, rs: Any = None) -> int:
    """Draw the profile's print page and write it (PDF by default, PNG for ``.png``), atomically.

    Parameters
    ----------
    profile : RegionProfile
        The profile.
    path : str or path-like
        ``.pdf`` or ``.png``.
    rs : RegionSet, optional
        The region set (for the locator map; default the profile's own).

    Returns
    -------
    int
        Bytes written.
    """
    from ideopolis.output import write_bytes

    fig = profile_figure(profile, rs=rs)
    buffer = BytesIO()
    suffix = Path(path).suffix.lower()
    fig.savefig(buffer, format="pdf" if suffix == ".pdf" else "png", facecolor="white")
    return write_bytes(path, buffer.getvalue())


def profile_figure(profile: RegionProfile, *, rs: Any = None) -> Any:
    """Draw the profile's print page as a matplotlib figure (A4 portrait, 150 dpi), every text plain.

    Parameters
    ----------
    profile : RegionProfile
        The profile.
    rs : RegionSet, optional
        The region set (for the locator map; default the profile's own).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    from ideopolis.maps.static import plain_text

    rs = rs if rs is not None else profile.extra.get("regions")
    fig = Figure(figsize=A4, dpi=150)
    _text(fig, 0.06, 0.965, f"Region profile · {profile.set_title}", fontsize=8, color=MUTED, va="top")
    y = _lines(fig, 0.06, 0.948, [profile.name], width=52, size=17, step=0.024, fontweight="bold")
    headline = f"Ideopolis index {profile.score:.1f}, {profile.rank_words}"
    _text(fig, 0.06, y - 0.004, headline, fontsize=12, fontweight="bold", color=ACCENT, va="top")
    extras = []
    if profile.typology:
        extras.append(f"Type: {profile.typology[0]} ({profile.typology[1]})")
    extras.append(f"Hotspot test: {profile.hotspot['label']}")
    y = _lines(fig, 0.06, y - 0.026, extras, width=70, size=8.5, step=0.014)
    facts = [f"{label}: {value}" for label, value in profile.facts]
    y_facts = _lines(fig, 0.06, y - 0.004, facts, width=70, size=8, step=0.0135, color="#1d2733")
    _locator(fig, profile, (0.63, 0.76, 0.33, 0.2), rs)
    top = min(y_facts, 0.76) - 0.02
    _text(fig, 0.06, top, "Scores against the set and its peers", fontsize=10, fontweight="bold", va="top")
    height = 0.018 * len(profile.bars)
    _bars(fig, profile, (0.38, top - 0.02 - height, 0.42, height))
    legend = "blue bar: this region; black line: median of all regions"
    if profile.peers is not None:
        legend += f"; purple line: median of its {len(profile.peers.ids)} peers"
    y = top - 0.03 - height
    _text(fig, 0.06, y, legend, fontsize=7, color=MUTED, va="top")
    y -= 0.025
    left_y = _lines(fig, 0.06, y, ["Strengths"], width=60, size=9.5, step=0.016, fontweight="bold", color="#1b7f4b")
    left_y = _lines(fig, 0.06, left_y, [f"• {s}" for s in profile.strengths], width=58, size=7.5, step=0.012)
    left_y = _lines(
        fig, 0.06, left_y - 0.006, ["Weak spots"], width=60, size=9.5, step=0.016, fontweight="bold", color="#b3541e"
    )
    left_y = _lines(fig, 0.06, left_y, [f"• {w}" for w in profile.weaknesses], width=58, size=7.5, step=0.012)
    right_y = y
    if profile.exposure:
        right_y = _lines(
            fig, 0.53, right_y, ["Export jobs: exposure measures"], width=60, size=9.5, step=0.016, fontweight="bold"
        )
        rows = [f"• {e['label']}: {e['value']} ({e['position']})" for e in profile.exposure]
        right_y = _lines(fig, 0.53, right_y, rows, width=62, size=7.2, step=0.0118)
    if profile.clusters:
        right_y = _lines(
            fig, 0.53, right_y - 0.006, ["Strong traded clusters"], width=60, size=9.5, step=0.016, fontweight="bold"
        )
        rows = [f"• {c['name']}: LQ {c['lq']}, {c['jobs']} jobs" for c in profile.clusters[:8]]
        right_y = _lines(fig, 0.53, right_y, rows, width=62, size=7.2, step=0.0118)
    y = min(left_y, right_y) - 0.012
    if profile.peers is not None:
        y = _lines(fig, 0.06, y, ["Peers (most similar regions)"], width=80, size=9.5, step=0.016, fontweight="bold")
        # a no-break space keeps each number with its name when the line wraps
        names = [f"{i}.\u00a0{n}" for i, n in enumerate(profile.peers.table["name"].astype(str), start=1)]
        y = _lines(fig, 0.06, y, ["   ".join(names)], width=120, size=7.2, step=0.0118)
    notes = [
        f"Hotspot: {profile.hotspot.get('text', '')}",
        f"Method: {profile.method}.",
        "Sources: " + "; ".join(dict.fromkeys(s["source"].split(";")[0] for s in profile.sources if s["source"])) + ".",
        f"Made with ideopolis from the region set {profile.set_name}. Scores compare regions within the set; "
        "the full profile page has the methods note, the sources and vintages of every indicator.",
    ]
    _lines(fig, 0.06, max(y - 0.01, 0.16), notes, width=135, size=6.5, step=0.0105, color=MUTED)
    return plain_text(fig)
