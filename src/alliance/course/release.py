"""Generate the student versions of assignments (``nbgrader generate_assignment``).

Why wrap it: the Python API ignores ``nbgrader_config.py`` and never raises; this loads the
course config, stops on the first failure with nbgrader's own log, and checks the release for
leaks (solution or hidden-test text) before anyone distributes it. A due date given here is
stored on the assignment in the gradebook, where nbgrader's lateness and late penalties read it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from alliance.course.config import Course, CourseError, shown
from alliance.course.lateness import parse_due

LEAK_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


def set_due_date(course: Course, assignment: str, due: str) -> str:
    """Store ``due`` on ``assignment`` in the gradebook; returns it as stored (UTC)."""
    from nbgrader.api import Gradebook

    try:
        when = parse_due(due)
    except ValueError as exc:
        raise CourseError(f"--due: {exc}") from None
    with Gradebook(course.db_url, course.coursedir.course_id) as gb:
        gb.update_or_create_assignment(assignment, duedate=when)
    return f"{when:%Y-%m-%d %H:%M} UTC"


def release(
    course: Course, assignments: list[str], out: TextIO = sys.stdout, due: str | None = None
) -> list[Path]:
    """Release each assignment; returns the release folders."""
    if due is not None and len(assignments) != 1:
        raise CourseError("--due applies to one assignment: release them one at a time")
    api = course.api()
    available = course.assignments_in_source()
    folders: list[Path] = []
    for name in assignments:
        if name not in available:
            raise CourseError(
                f"{course.folder('source') / name}: no such assignment "
                f"(available: {', '.join(available) or 'none'})"
            )
        result = api.generate_assignment(name, force=True, create=True)
        if not result.get("success"):
            raise CourseError(
                f"releasing {name} failed:\n{result.get('log', '')}\n{result.get('error', '')}"
            )
        folder = course.folder("release") / name
        for nb in sorted(folder.glob("*.ipynb")):
            text = nb.read_text(encoding="utf-8").upper()
            leaks = [m for m in LEAK_MARKERS if m in text]
            if leaks:
                raise CourseError(f"{nb}: the release still contains {', '.join(leaks)}")
        n = len(list(folder.glob("*.ipynb")))
        line = f"released {name}: {n} notebook(s) in {shown(folder)}"
        if due is not None:
            line += f"; due {set_due_date(course, name, due)}"
        print(line, file=out)
        folders.append(folder)
    return folders
