"""Sphinx extension that the book loads (``sphinx.extra_extensions`` in ``_config.yml``).

Why an extension rather than loose files: the book's own CSS/JS (accessibility fixes to the theme,
the review-question player) ship with the package, are versioned with it and reach every page
without touching the theme. Its parts: ``review`` (review questions), ``widgets`` (the static widget
host: widgets render from the page's saved state with no widget manager), ``practice`` (the
reader's practice record and the "Your practice" page), ``terms`` (glossary previews), ``icons``
(the theme's icons without fontawesome.js) and ``lean`` (each page loads only what it uses).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from alliance.book import icons, lean, practice, review, terms, widgets

STATIC = Path(__file__).parent / "static"
TEMPLATES = Path(__file__).parent / "templates"


def _add_paths(app: Sphinx, config: Any) -> None:
    config.html_static_path.append(str(STATIC))
    config.templates_path.append(str(TEMPLATES))  # the theme minus fontawesome.js, see there


def _fix_aria_roles(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Replace ARIA roles that axe-core flags in docutils' HTML with valid ones.

    docutils marks bibliography entries ``role="doc-biblioentry"`` (deprecated in DPUB-ARIA 1.1)
    inside a ``role="list"`` container, which then has no ``listitem`` children. Fixing the markup
    here keeps the axe rules switched on for every page.
    """
    body = context.get("body")
    if body and 'role="doc-biblioentry"' in body:
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


def _vignette_static_view() -> None:
    from alliance.vignettes.static_view import static_view
    from alliance.vignettes.widget import VignetteWidget

    widgets.register_static(f"{VignetteWidget.__module__}.{VignetteWidget.__name__}", static_view)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("config-inited", _add_paths)
    app.connect("html-page-context", _fix_aria_roles)
    app.add_css_file("alliance.css")
    app.add_js_file("alliance.js", defer="defer")
    review.setup(app)
    widgets.setup(app)
    _vignette_static_view()
    practice.setup(app)
    terms.setup(app)
    icons.setup(app)
    lean.setup(app)
    return {
        "version": "0.1",
        "env_version": 2,  # 2: review questions kept in one map (alliance_review_questions)
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
