"""Keep each page to what it uses: fewer bytes before a reader can read and play.

Why: on a slow connection (1.6 Mbps) every 100 kB loaded before the first paint costs half a
second, and a vignette page is judged by how soon its first choice can be clicked. So a page
drops what it does not use and defers what is not needed to read it:

- sphinx-design's stylesheet and tab script (62 kB) go only on pages with a design component
  (they all carry ``sd-`` classes);
- images load lazily (``loading="lazy"``, ``decoding="async"``): the browser fetches a figure as
  the reader nears it, not while the page's stylesheets and the vignette player are loading.

The template overrides in ``templates/`` do the same for the theme: no fontawesome.js (see
``icons.py``), no preload of the theme's deferred scripts, no search scripts on pages that do not
search.
"""

from __future__ import annotations

import re
from typing import Any

from sphinx.application import Sphinx

DESIGN_ASSETS = ("sphinx-design.min.css", "design-tabs.js")
IMG = re.compile(r"<img\b(?![^>]*\bloading=)")


def _filename(asset: Any) -> str:
    return str(getattr(asset, "filename", asset))


def _on_page_context(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree
) -> None:
    body = context.get("body") or ""
    if 'class="sd-' not in body and " sd-" not in body:
        for key in ("css_files", "script_files"):
            files = context.get(key)
            if isinstance(files, list):
                files[:] = [f for f in files if not _filename(f).endswith(DESIGN_ASSETS)]
    if body:
        context["body"] = IMG.sub('<img loading="lazy" decoding="async"', body)


def setup(app: Sphinx) -> None:
    """Register the per-page trimming (called by the book extension)."""
    app.connect("html-page-context", _on_page_context, priority=900)
