"""Feedback HTML for every student, under the one feedback policy, checked for leaks afterwards.

Why: the policy itself is :class:`~alliance.grading.preprocessors.HideHiddenTests`, which the
course config also gives plain ``nbgrader generate_feedback``; here it is put in place even if a
course config forgot it (exactly once, replacing nbgrader's ``ClearHiddenTests``), and every file
written is then searched for hidden-test text. The search looks only for what a student could not
already see: a hidden line or an assert message that also appears in the released notebook (a
label such as 'simple-reflection', a word such as 'client') is not a secret, and treating it as
one made feedback fail on four of the five assignments for every class.
"""

from __future__ import annotations

import html
import re
import sys
import textwrap
import tokenize
from pathlib import Path
from typing import TextIO

from alliance.course.config import Course, CourseError
from alliance.grading.gradebook import assignment_cells
from alliance.grading.hidden import hidden_lines, lines_marked_hidden, string_values
from alliance.safe_text import terminal

TAG = re.compile(r"<[^>]*>")


def released_text(course: Course, assignment: str) -> str:
    """Everything a student was given: the released notebooks' text, whitespace-normalised."""
    import nbformat

    folder = course.folder("release") / assignment
    notebooks = sorted(folder.glob("*.ipynb"))
    if not notebooks:
        raise CourseError(f"{folder}: no released notebooks; run release {assignment} first")
    parts = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        parts.extend(cell.source for cell in nb.cells)
    return _squash("\n".join(parts))


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def string_literals(source: str) -> list[str]:
    """The values of the string literals in a piece of Python (none if it does not tokenize)."""
    out = []
    try:
        out.extend(string_values(source))  # keeps what it found before a tokenizing error
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return out


def secrets(course: Course, assignment: str) -> list[str]:
    """Hidden-test lines and string literals that the released notebook does not show."""
    visible = released_text(course, assignment)
    found: list[str] = []
    for cell in assignment_cells(course, assignment):
        lines = hidden_lines(cell.source)
        block = textwrap.dedent(
            "\n".join(line for hidden, line in lines_marked_hidden(cell.source) if hidden)
        )
        for text in lines + string_literals(block):
            text = text.strip()
            if len(text) >= 6 and _squash(text) not in visible and text not in found:
                found.append(text)
    return found


def leaks(page: str, hidden: list[str]) -> list[str]:
    """Which hidden texts a feedback page contains (in its markup or in its visible text)."""
    plain = _squash(html.unescape(TAG.sub(" ", page)))
    raw = _squash(html.unescape(page))
    return [h for h in hidden if _squash(h) in plain or _squash(h) in raw]


def feedback_config(course: Course):
    """The course config with the one feedback policy in place (once, and last)."""
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import ClearHiddenTests, GetGrades
    from traitlets.config import Config
    from traitlets.utils.importstring import import_item

    from alliance.grading.preprocessors import HideHiddenTests

    cfg = Config(course.config)
    configured = [
        import_item(p) if isinstance(p, str) else p
        for p in course.config.get("GenerateFeedback", {}).get("preprocessors")
        or [GetGrades, CSSHTMLHeaderPreprocessor]
    ]
    kept = [p for p in configured if p not in (HideHiddenTests, ClearHiddenTests)]
    cfg.GenerateFeedback.preprocessors = kept + [HideHiddenTests]
    return cfg


def feedback(course: Course, assignment: str, out: TextIO = sys.stdout) -> list[Path]:
    """Generate feedback for every autograded student and verify nothing hidden leaked."""
    from nbgrader.apps import NbGraderAPI

    cfg = feedback_config(course)
    api = NbGraderAPI(coursedir=course.coursedir.__class__(config=cfg), config=cfg)
    autograded = course.folder("autograded")
    students = sorted(p.parent.name for p in autograded.glob(f"*/{assignment}") if p.is_dir())
    if not students:
        raise CourseError(f"no autograded submissions of {assignment}: run autograde first")
    hidden = secrets(course, assignment)
    written: list[Path] = []
    failures: list[str] = []
    for s in students:
        result = api.generate_feedback(assignment, s, force=True)
        if not result.get("success"):
            failures.append(f"{s}: {(result.get('error') or result.get('log') or '')[-500:]}")
            continue
        for page in sorted((course.folder("feedback") / s / assignment).glob("*.html")):
            leaked = leaks(page.read_text(encoding="utf-8"), hidden)
            if leaked:
                page.unlink()
                raise CourseError(
                    f"{page}: hidden test text leaked ({terminal(leaked[0][:80])!r}); the file "
                    "was removed and feedback stopped"
                )
            written.append(page)
    print(
        f"feedback {assignment}: {len(written)} file(s) for {len(students)} student(s) in "
        f"{course.folder('feedback')}; hidden tests checked absent",
        file=out,
    )
    for f in failures:
        print(f"  could not generate feedback for {terminal(f)}", file=out)
    return written
