"""Opening map pages in a real browser: headless Chromium (the system's), driven by Playwright.

Skips when Chromium or Playwright is missing, unless the environment variable ``CI`` is set: then it
fails, because CI installs Debian's chromium (``.ci/run``). Screenshots go to the test's tmp path, and also
to ``$IDEOPOLIS_SCREENSHOT_DIR`` when that is set.

A page is opened either as the top document at a viewport size, or inside an ``<iframe>`` of that size in a
host page (as a news article embeds it). Every request that is not the page itself (or a ``data:`` URL) is
blocked and recorded, so a test can assert that an offline map asks for nothing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("IDEOPOLIS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: The sizes people use (issue 14): a laptop, a news article's iframe, a phone.
DESKTOP = (1366, 800)
IFRAME = (700, 480)
PHONE = (390, 844)


def unavailable(reason: str) -> None:
    """Skip, or fail under CI."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; under CI the browser test must run (.ci/run installs chromium)")
    pytest.skip(reason)


def launch() -> Iterator[Any]:
    """Yield a headless Chromium (for a module-scoped fixture)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed")
    if not CHROMIUM.exists():
        unavailable(f"no chromium at {CHROMIUM}")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@dataclass
class OpenPage:
    """A map page open in the browser, with everything it logged and requested.

    ``frame`` is where the map runs (the page itself, or the iframe's frame); ``page`` takes the mouse and
    the keyboard.
    """

    page: Any
    frame: Any
    url: str
    console: list[tuple[str, str]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def errors(self) -> list[tuple[str, str]]:
        """Console errors and warnings, and uncaught exceptions."""
        return [m for m in self.console if m[0] in ("error", "pageerror", "warning")]

    def outside_requests(self) -> set[str]:
        """Every URL requested other than the page (and its host page) and ``data:`` URLs."""
        return {u for u in self.requests if not u.startswith("data:")} - self.allowed

    @property
    def allowed(self) -> set[str]:
        """The page's own URLs (itself and, in an iframe, its host page)."""
        return {self.url, self.url.rsplit("/", 1)[0] + "/" + Path(self.url).stem + "-host.html"}

    def close(self) -> None:
        """Close the browser tab."""
        self.page.close()


def open_page(browser: Any, path: Path, size: tuple[int, int] = DESKTOP, *, iframe: bool = False) -> OpenPage:
    """Open an offline map page at a viewport size, as the top document or in an iframe of that size.

    Parameters
    ----------
    browser : playwright Browser
    path : Path
        The ``.html`` page.
    size : (int, int)
        Width and height of the viewport (of the iframe with ``iframe=True``).
    iframe : bool
        Open a host page that embeds the map in an ``<iframe>`` of ``size`` (the map's own viewport).

    Returns
    -------
    OpenPage
    """
    width, height = size
    url = path.resolve().as_uri()
    if iframe:
        host = path.with_name(f"{path.stem}-host.html")
        host.write_text(
            '<!doctype html><html><head><meta charset="utf-8"><title>Article</title></head>'
            '<body style="margin:0;font:16px serif"><p style="margin:8px">An article with a map.</p>'
            f'<iframe src="{path.name}" width="{width}" height="{height}" style="border:0;display:block" '
            'title="Map"></iframe><p style="margin:8px">More text.</p></body></html>',
            encoding="utf-8",
        )
        page = browser.new_page(viewport={"width": width + 40, "height": height + 120})
    else:
        page = browser.new_page(viewport={"width": width, "height": height})
    opened = OpenPage(page, None, url)
    page.on("console", lambda m: opened.console.append((m.type, m.text)))
    page.on("pageerror", lambda e: opened.console.append(("pageerror", str(e))))
    page.on("request", lambda r: opened.requests.append(r.url))

    def dialog(d: Any) -> None:
        opened.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)

    def route(r: Any) -> None:
        if r.request.url in opened.allowed or r.request.url.startswith("data:"):
            r.continue_()
        else:
            opened.blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    if iframe:
        page.goto(path.with_name(f"{path.stem}-host.html").resolve().as_uri())
        frame = next(f for f in page.frames if f.url == url)
    else:
        page.goto(url)
        frame = page.main_frame
    frame.wait_for_function("window.ideopolis !== undefined")
    opened.frame = frame
    return opened


def screenshot(page: Any, path: Path) -> Path:
    """Save a screenshot (and copy it to ``$IDEOPOLIS_SCREENSHOT_DIR`` when set)."""
    page.screenshot(path=str(path))
    target = os.environ.get("IDEOPOLIS_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / path.name)
    return path
