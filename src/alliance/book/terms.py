"""Term previews: a glossary term's definition, in place, on hover and keyboard focus.

Why: a ``{term}`` link leads to the glossary page, away from the reader's place (and from a
vignette played halfway). Each page gets the definitions of the terms it links to as a small
JSON block, written at build time from the glossary itself, so ``alliance.js`` can show them as an
accessible tooltip with no request at all (offline included). The link still goes to the
glossary, which stays the one place the definitions are written.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

from alliance.book.widgets import script_json

TERM_LINK = re.compile(r'href="[^"#]*#(term-[^"]+)"><span class="xref std std-term">')
DATA_ID = "alliance-term-definitions"


def _definitions(app: Sphinx) -> dict[str, dict[str, str]]:
    """Every glossary term's anchor -> its name and definition as plain text (once per build)."""
    cached = getattr(app, "_alliance_term_definitions", None)
    if cached is not None:
        return cached
    std = app.env.get_domain("std")
    wanted: dict[str, set[str]] = defaultdict(set)
    for (objtype, _name), (docname, labelid) in std.objects.items():
        if objtype == "term":
            wanted[docname].add(labelid)
    found: dict[str, dict[str, str]] = {}
    for docname, labels in wanted.items():
        doctree = app.env.get_and_resolve_doctree(docname, app.builder)
        for term in doctree.findall(nodes.term):
            for labelid in set(term["ids"]) & labels:
                definition = next(iter(term.parent.findall(nodes.definition)), None)
                if definition is not None:
                    text = " ".join(definition.astext().split())
                    found[labelid] = {"term": term.astext().strip(), "text": text}
    app._alliance_term_definitions = found  # type: ignore[attr-defined]
    return found


def _on_page_context(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree
) -> None:
    body = context.get("body")
    if not body or doctree is None:
        return
    used = set(TERM_LINK.findall(body))
    if not used:
        return
    definitions = _definitions(app)
    data = {key: definitions[key] for key in sorted(used) if key in definitions}
    if data:
        context["body"] = (
            body + f'<script type="application/json" id="{DATA_ID}">{script_json(data)}</script>\n'
        )


def _reset(app: Sphinx, *args: Any) -> None:
    app._alliance_term_definitions = None  # type: ignore[attr-defined]


def setup(app: Sphinx) -> None:
    """Register the term previews (called by the book extension)."""
    app.connect("builder-inited", _reset)
    app.connect("html-page-context", _on_page_context)
