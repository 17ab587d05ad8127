"""The one HTML renderer of reports: Jinja2 with autoescaping, templates from the package only.

Region profiles, the methods note and comparison pages are rendered here. The templates are files of this
package (``report/templates/*.html.j2``); every string from data (region names, labels, units, sources, a
set's title) reaches a template only as a *value* of its context, and autoescaping writes it as text: ``<``,
``>``, ``&``, ``"`` and ``'`` become entities, and ``{{ 7*7 }}`` in a name stays ``{{ 7*7 }}``. Nothing from
data is ever compiled as template source (see ``SECURITY.md``). Undefined variables raise (``StrictUndefined``)
instead of rendering as empty text. The pages load nothing: the style sheet is inlined, figures are inline
SVG built from numbers, and there is no script.

Examples
--------
>>> environment().from_string("<p>{{ name }}</p>").render(name="Town {{7*7}} <b>")
'<p>Town {{7*7}} &lt;b&gt;</p>'
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

__all__ = ["css", "environment", "render", "sentence"]


@cache
def environment() -> jinja2.Environment:
    """Return the report environment: package templates, autoescape on, undefined variables an error.

    Returns
    -------
    jinja2.Environment
    """
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("ideopolis.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    from ideopolis import __version__

    env.filters["sentence"] = sentence
    env.globals["css"] = css
    env.globals["version_text"] = __version__
    return env


def sentence(text: object) -> str:
    """Upper-case the first letter only (Jinja's ``capitalize`` lower-cases the rest: "OECD" would not survive).

    Parameters
    ----------
    text : object
        The text.

    Returns
    -------
    str

    Examples
    --------
    >>> sentence("index = 0.75 x cluster strength (OECD/JRC method)")
    'Index = 0.75 x cluster strength (OECD/JRC method)'
    """
    value = str(text)
    return value[:1].upper() + value[1:]


@cache
def css() -> Markup:
    """The reports' style sheet (a package file, inlined into every page).

    Returns
    -------
    markupsafe.Markup
    """
    text = resources.files("ideopolis.report").joinpath("templates", "report.css").read_text(encoding="utf-8")
    return Markup(text)


def render(template: str, **context: Any) -> str:
    """Render a package template with ``context`` as values (escaped on output).

    Parameters
    ----------
    template : str
        The template's file name in ``report/templates``.
    **context
        The template's variables.

    Returns
    -------
    str
        The page.

    Raises
    ------
    jinja2.UndefinedError
        When the template uses a variable the context does not give (a programming error).
    """
    return environment().get_template(template).render(**context)
