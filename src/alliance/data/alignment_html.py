"""The alignment map as HTML tables for the book's "Objectives, practice and assessment" page.

Why HTML and not a Markdown table: myst-nb renders a code cell's Markdown output as a paragraph of
pipes, while HTML output is placed in the page as it is. The tables have captions and header
cells with scopes, so screen readers can read them cell by cell.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape

from alliance.data.alignment import Alignment, Objective

_SET = re.compile(r"^(ps\d+)-")


def problem_set(item: str) -> str:
    """The problem set of a grade id (``ps6-a1-test-1`` -> ``ps6``)."""
    match = _SET.match(item)
    return match[1] if match else item


def problem_sets(alignment: Alignment) -> list[str]:
    found = {problem_set(i) for o in alignment.objectives for i in o.assessed}
    return sorted(found, key=lambda s: (len(s), s))


def summary_table(alignment: Alignment) -> str:
    """Chapters by problem sets: how many of each chapter's objectives each set assesses."""
    sets = problem_sets(alignment)
    head = "".join(f'<th scope="col">{escape(s)}</th>' for s in sets)
    rows = []
    for chapter in alignment.chapters:
        objectives = chapter.objectives
        practised = sum(1 for o in objectives if o.practised)
        cells = []
        for s in sets:
            n = sum(1 for o in objectives if any(problem_set(i) == s for i in o.assessed))
            cells.append(f"<td>{n or '—'}</td>")
        rows.append(
            f'<tr><th scope="row">{chapter.number}</th><td>{len(objectives)}</td>'
            f"<td>{practised}</td>{''.join(cells)}</tr>"
        )
    return (
        '<table class="table alignment-summary">'
        "<caption>Objectives per chapter, how many a vignette practises, and how many each "
        "problem set assesses (— for none)</caption>"
        f'<thead><tr><th scope="col">Chapter</th><th scope="col">Objectives</th>'
        f'<th scope="col">Practised in a vignette</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _assessed(objective: Objective) -> str:
    by_set: dict[str, list[str]] = {}
    for item in objective.assessed:
        by_set.setdefault(problem_set(item), []).append(item)
    parts = [
        f"<strong>{escape(s)}</strong>: " + ", ".join(f"<code>{escape(i)}</code>" for i in items)
        for s, items in by_set.items()
    ]
    return "<br>".join(parts) or "—"


def detail_table(alignment: Alignment, vignette_title: Callable[[str], str]) -> str:
    """Every objective with the vignettes that practise it and the items that assess it."""
    rows = []
    for o in alignment.objectives:
        practised = (
            "<br>".join(
                f"{escape(vignette_title(v))} (<code>{escape(v)}</code>)" for v in o.practised
            )
            or "—"
        )
        note = f"<br><em>{escape(o.note)}</em>" if o.note else ""
        rows.append(
            f'<tr><th scope="row"><code>{escape(o.id)}</code></th>'
            f"<td>{escape(o.text)}{note}</td><td>{practised}</td><td>{_assessed(o)}</td></tr>"
        )
    return (
        '<table class="table alignment-detail">'
        "<caption>Each chapter objective, the vignettes that practise it and the problem-set "
        "items (nbgrader grade ids) that assess it</caption>"
        '<thead><tr><th scope="col">Objective</th><th scope="col">What the student can do</th>'
        '<th scope="col">Practised in</th><th scope="col">Assessed by</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
