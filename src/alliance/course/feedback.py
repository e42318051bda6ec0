"""Feedback HTML for every student, with hidden tests removed from source *and* outputs.

Why: nbgrader's feedback shows hidden-test source by default, and even with
``ClearHiddenTests`` the traceback of a failing hidden test still prints the assert line and
its message (design.md §3; nbgrader #917, #1363). :class:`ScrubHiddenTests` drops the hidden
block from each test cell and replaces any error output that quotes a hidden line with a neutral
note. After generating, every feedback file is searched for the hidden lines; a leak is an error.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TextIO

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets.config import Config

from alliance.course.config import Course, CourseError
from alliance.course.gradebook import assignment_cells
from alliance.course.hidden import lines_marked_hidden

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
HIDDEN_NOTE = (
    "A hidden test in this cell did not pass. Hidden tests check cases you were not shown; "
    "re-read the task and test your answer on more inputs of your own."
)


def hidden_lines(source: str) -> list[str]:
    """The non-blank lines between BEGIN and END HIDDEN TESTS."""
    return [line.strip() for hidden, line in lines_marked_hidden(source) if hidden and line.strip()]


def strip_hidden(source: str) -> str:
    return "\n".join(line for hidden, line in lines_marked_hidden(source) if not hidden).rstrip()


def _messages(line: str) -> list[str]:
    """Assert messages in a hidden line (string literals after the comma), also secret."""
    return [m for m in re.findall(r"""["']([^"']{6,})["']""", line)]


class ScrubHiddenTests(NbGraderPreprocessor):
    """Remove hidden tests from cell sources and from the outputs that quote them."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        hidden = hidden_lines(cell.source)
        if not hidden:
            return cell, resources
        cell.source = strip_hidden(cell.source)
        secrets = hidden + [m for line in hidden for m in _messages(line)]
        outputs = []
        replaced = False
        for out in cell.get("outputs", []):
            text = ANSI.sub(
                "",
                " ".join(
                    [str(out.get("evalue", ""))]
                    + list(out.get("traceback", []))
                    + [str(out.get("text", ""))]
                ),
            )
            if any(s in text for s in secrets):
                if not replaced:
                    outputs.append(
                        {
                            "output_type": "error",
                            "ename": "HiddenTestFailed",
                            "evalue": "",
                            "traceback": [HIDDEN_NOTE],
                        }
                    )
                    replaced = True
                continue
            outputs.append(out)
        cell.outputs = outputs
        return cell, resources


def feedback(course: Course, assignment: str, out: TextIO = sys.stdout) -> list[Path]:
    """Generate feedback for every autograded student and verify nothing hidden leaked."""
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.apps import NbGraderAPI
    from nbgrader.preprocessors import GetGrades

    cfg = Config(course.config)
    configured = list(
        course.config.get("GenerateFeedback", {}).get("preprocessors")
        or [GetGrades, CSSHTMLHeaderPreprocessor]
    )
    # Scrub first, then whatever the course configured (which keeps working as before).
    cfg.GenerateFeedback.preprocessors = [ScrubHiddenTests] + [
        p for p in configured if p is not ScrubHiddenTests
    ]
    api = NbGraderAPI(coursedir=course.coursedir.__class__(config=cfg), config=cfg)
    autograded = course.folder("autograded")
    students = sorted(p.parent.name for p in autograded.glob(f"*/{assignment}") if p.is_dir())
    if not students:
        raise CourseError(f"no autograded submissions of {assignment}: run autograde first")
    secrets: list[str] = []
    for cell in assignment_cells(course, assignment):
        for line in hidden_lines(cell.source):
            secrets.append(line)
            secrets.extend(_messages(line))
    written: list[Path] = []
    failures: list[str] = []
    for s in students:
        result = api.generate_feedback(assignment, s, force=True)
        if not result.get("success"):
            failures.append(f"{s}: {(result.get('error') or result.get('log') or '')[-500:]}")
            continue
        for html in sorted((course.folder("feedback") / s / assignment).glob("*.html")):
            text = html.read_text(encoding="utf-8")
            leaked = [x for x in secrets if x in text or _html_escape(x) in text]
            if leaked:
                html.unlink()
                raise CourseError(f"{html}: hidden test text leaked ({leaked[0]!r}); removed")
            written.append(html)
    print(
        f"feedback {assignment}: {len(written)} file(s) for {len(students)} student(s) in "
        f"{course.folder('feedback')}; hidden tests checked absent",
        file=out,
    )
    for f in failures:
        print(f"  could not generate feedback for {f}", file=out)
    return written


def _html_escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)
