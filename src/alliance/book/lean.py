"""Keep each page to what it uses: fewer bytes before a reader can read and play.

Why: on a slow connection (1.6 Mbps) every 100 kB loaded before the first paint costs half a
second, and a vignette page is judged by how soon its first choice can be clicked. So a page
drops what it does not use and defers what is not needed to read it:

- sphinx-design's stylesheet and tab script (62 kB) go only on pages with a design component
  (they all carry ``sd-`` classes);
- images load lazily (``loading="lazy"``, ``decoding="async"``): the browser fetches a figure as
  the reader nears it, not while the page's stylesheets and the vignette player are loading;
- every PNG figure gets its ``width`` and ``height``, so its space is reserved before it loads
  and nothing jumps when it arrives (measured: a reader landing on chapter 8's first vignette saw
  a layout shift of 0.115 as figures above it loaded; 0 with the sizes given).

The template overrides in ``templates/`` do the same for the theme: no fontawesome.js (see
``icons.py``), no preload of the theme's deferred scripts, no search scripts on pages that do not
search.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

DESIGN_ASSETS = ("sphinx-design.min.css", "design-tabs.js")
IMG = re.compile(r"<img\b(?![^>]*\bloading=)")
IMG_SRC = re.compile(r'<img\b(?P<attrs>[^>]*?)\bsrc="(?P<src>[^"]+)"')
PNG = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int] | None:
    """A PNG's width and height from its header, or None for anything else."""
    try:
        with path.open("rb") as f:
            head = f.read(24)
    except OSError:
        return None
    if len(head) < 24 or not head.startswith(PNG) or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def _with_sizes(app: Sphinx, body: str) -> str:
    sources = {name: Path(app.srcdir, src) for src, (_docs, name) in app.env.images.items()}

    def add(match: re.Match) -> str:
        if "width=" in match["attrs"] or "height=" in match["attrs"]:
            return match[0]
        source = sources.get(match["src"].rsplit("/", 1)[-1])
        size = png_size(source) if source else None
        if size is None:
            return match[0]
        return f'<img{match["attrs"]} width="{size[0]}" height="{size[1]}" src="{match["src"]}"'

    return IMG_SRC.sub(add, body)


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
    if body and "<img" in body:
        context["body"] = IMG.sub('<img loading="lazy" decoding="async"', _with_sizes(app, body))


def setup(app: Sphinx) -> None:
    """Register the per-page trimming (called by the book extension)."""
    app.connect("html-page-context", _on_page_context, priority=900)
