"""Scripts and styles inlined into the page, so a map works as one file with the network off.

Leaflet comes from the installed XStatic-Leaflet package (never a CDN, never a copy in this
repository); the images its stylesheet names become ``data:`` URLs and its source-map comment is
dropped, so the browser has nothing to fetch. ideopolis' own script and stylesheet ship in
``ideopolis/maps/assets``.
"""

from __future__ import annotations

import base64
import re
from functools import cache
from importlib import resources
from pathlib import Path

from ideopolis.errors import IdeopolisError


class AssetError(IdeopolisError, FileNotFoundError):
    """A script or stylesheet the page needs is not installed."""


def _leaflet_dir() -> Path:
    try:
        from xstatic.pkg import leaflet
    except ImportError:  # pragma: no cover - a declared dependency
        raise AssetError("Leaflet is missing: install the XStatic-Leaflet package (uv sync)") from None
    return Path(leaflet.BASE_DIR)


def leaflet_version() -> str:
    """Return the version of the installed Leaflet (e.g. ``"1.9.3"``)."""
    from xstatic.pkg import leaflet

    return str(leaflet.VERSION)


@cache
def leaflet_js() -> str:
    """Return Leaflet's minified script, without its source-map comment."""
    text = (_leaflet_dir() / "leaflet.js").read_text(encoding="utf-8")
    return re.sub(r"\n?//# sourceMappingURL=\S+\s*$", "\n", text)


@cache
def leaflet_css() -> str:
    """Return Leaflet's stylesheet with its images inlined as ``data:`` URLs."""
    base = _leaflet_dir()
    text = (base / "leaflet.css").read_text(encoding="utf-8")

    def inline(match: re.Match[str]) -> str:
        name = match.group(1)
        data = base64.b64encode((base / name).read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    return re.sub(r"url\((images/[\w.-]+\.png)\)", inline, text)


@cache
def own_asset(name: str) -> str:
    """Return one of ideopolis' own page assets (``ideopolis-map.js`` or ``ideopolis-map.css``)."""
    try:
        return resources.files("ideopolis.maps").joinpath("assets", name).read_text("utf-8")
    except FileNotFoundError:
        raise AssetError(f"page asset {name!r} is missing from the installed package") from None


def script_block(code: str) -> str:
    """Wrap JavaScript in a ``<script>`` element that nothing inside can close early."""
    return "<script>" + re.sub(r"</(script)", r"<\\/\1", code, flags=re.IGNORECASE) + "</script>"


def style_block(css: str) -> str:
    """Wrap CSS in a ``<style>`` element that nothing inside can close early."""
    return "<style>" + re.sub(r"</(style)", r"<\\/\1", css, flags=re.IGNORECASE) + "</style>"


def inline_assets() -> str:
    """Return the ``<style>`` and ``<script>`` elements of Leaflet and of the ideopolis page code."""
    return "\n".join(
        [
            style_block(leaflet_css()),
            style_block(own_asset("ideopolis-map.css")),
            script_block(leaflet_js()),
            script_block(own_asset("ideopolis-map.js")),
        ]
    )
