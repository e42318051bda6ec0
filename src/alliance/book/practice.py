"""The reader's practice across the book: the ``{practice-record}`` directive and its scripts.

Why at build time: the "Your practice" page must list every vignette and every review question of
the course, wherever they are, with a link to each. The build knows them all (the widget host
records each vignette view, the review-question directive each question), so the page is written
with the full list; ``practice-page.js`` then fills in each item's status from the reader's own
browser (``practice.js``, localStorage only: nothing is sent anywhere) and offers the resets and the
download.

Usage, in a page: ``{practice-record} actions`` (where the download and "reset everything" go),
``{practice-record} vignettes`` and ``{practice-record} questions`` (the two lists).
"""

from __future__ import annotations

import json
from html import escape

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from alliance.book.review import review_index
from alliance.book.widgets import page_views, pages_in_order

KINDS = ("actions", "vignettes", "questions")


class practice_record(nodes.General, nodes.Element):  # noqa: N801 - docutils naming
    """Placeholder for the list of every vignette or question; filled in once all pages are read."""


class PracticeRecordDirective(SphinxDirective):
    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        kind = directives.choice(self.arguments[0], KINDS)
        self.env.__dict__.setdefault("alliance_practice_pages", set()).add(self.env.docname)
        return [practice_record(kind=kind)]


def _title(env, docname: str) -> str:
    title = env.titles.get(docname)
    return title.astext() if title is not None else docname


def _vignette_rows(app: Sphinx, fromdoc: str) -> list[str]:
    env = app.env
    rows = []
    for docname in pages_in_order(env):
        for view in page_views(env, docname):
            if view.get("kind") != "vignette":
                continue
            href = app.builder.get_relative_uri(fromdoc, docname) + f"#{view['anchor']}"
            rows.append(
                f'<tr data-kind="vignettes" data-id="{escape(view["id"])}" '
                f'data-title="{escape(view["title"])}" '
                f'data-endings="{escape(json.dumps(view["endings"]))}" '
                f'data-href="{escape(href)}">'
                f'<th scope="row"><a href="{escape(href)}">{escape(view["title"])}</a></th>'
                f"<td>{escape(_title(env, docname))}</td>"
                '<td class="alliance-practice-state"></td>'
                '<td class="alliance-practice-reset-cell"></td></tr>'
            )
    return rows


def _question_rows(app: Sphinx, fromdoc: str) -> list[str]:
    env = app.env
    index = review_index(env)
    order = {doc: i for i, doc in enumerate(pages_in_order(env))}
    rows = []
    for qid, entry in sorted(
        index.items(), key=lambda kv: (order.get(kv[1]["docname"], len(order)), kv[1]["line"])
    ):
        href = app.builder.get_relative_uri(fromdoc, entry["docname"]) + f"#rq-{qid}"
        kind = "Self-check" if entry["kind"] == "choice" else "Reflection"
        rows.append(
            f'<tr data-kind="questions" data-id="{escape(qid)}" '
            f'data-question-kind="{escape(entry["kind"])}" '
            f'data-title="{escape(entry["prompt"])}" data-href="{escape(href)}">'
            f'<th scope="row"><a href="{escape(href)}">{escape(entry["prompt"])}</a> '
            f'<span class="alliance-practice-kind">({kind})</span></th>'
            f"<td>{escape(_title(env, entry['docname']))}</td>"
            '<td class="alliance-practice-state"></td>'
            '<td class="alliance-practice-reset-cell"></td></tr>'
        )
    return rows


HEADERS = {
    "vignettes": ("Vignette", "Every role-play in the course, with what you have found"),
    "questions": ("Question", "Every review question in the course, with your answer"),
}


ACTIONS = (
    '<div class="alliance-practice alliance-practice-actions" data-practice-actions>'
    "<noscript><p>Your practice record is kept by your browser, and this page needs JavaScript to "
    "show it. The lists below still link to every vignette and question.</p></noscript></div>"
)


def _table(kind: str, rows: list[str]) -> str:
    first, caption = HEADERS[kind]
    return (
        f'<div class="alliance-practice" data-practice-record="{kind}">'
        f'<table class="alliance-practice-table"><caption>{caption}</caption>'
        f'<thead><tr><th scope="col">{first}</th><th scope="col">Where</th>'
        '<th scope="col">Your practice</th><th scope="col">Reset</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _fill(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for node in list(doctree.findall(practice_record)):
        kind = node["kind"]
        if kind == "actions":
            node.replace_self(nodes.raw("", ACTIONS, format="html"))
            continue
        rows = (_vignette_rows if kind == "vignettes" else _question_rows)(app, docname)
        if app.builder.format == "html":
            node.replace_self(nodes.raw("", _table(kind, rows), format="html"))
        else:
            node.replace_self(nodes.paragraph(text=f"{len(rows)} {kind} in the course."))


def needs_practice(app: Sphinx, pagename: str) -> bool:
    """Whether a page has anything the practice record keeps (or is the practice page)."""
    env = app.env
    if pagename in env.__dict__.get("alliance_practice_pages", set()):
        return True
    if any(v.get("kind") == "vignette" for v in page_views(env, pagename)):
        return True
    return any(entry["docname"] == pagename for entry in review_index(env).values())


def _on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if not needs_practice(app, pagename):
        return
    # Synchronous and small, so the record is ready before any widget or question script runs.
    app.add_js_file("practice.js", priority=200)
    if pagename in app.env.__dict__.get("alliance_practice_pages", set()):
        app.add_js_file("practice-page.js", loading_method="defer")


def _outdated(app: Sphinx, env, added: set, changed: set, removed: set) -> list[str]:
    """Re-read the practice page whenever any page changed: its list comes from all of them."""
    if not added | changed | removed:
        return []
    return sorted(env.__dict__.get("alliance_practice_pages", set()))


def _purge(app: Sphinx, env, docname: str) -> None:
    env.__dict__.get("alliance_practice_pages", set()).discard(docname)


def _merge(app: Sphinx, env, docnames: set[str], other) -> None:
    env.__dict__.setdefault("alliance_practice_pages", set()).update(
        other.__dict__.get("alliance_practice_pages", set())
    )


def setup(app: Sphinx) -> None:
    """Register the directive and the practice scripts (called by the book extension)."""
    skip = (lambda self, node: None, lambda self, node: None)  # replaced before writing
    app.add_node(practice_record, html=skip, latex=skip, text=skip)
    app.add_directive("practice-record", PracticeRecordDirective)
    app.connect("doctree-resolved", _fill)
    app.connect("html-page-context", _on_page_context)
    app.connect("env-get-outdated", _outdated)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
